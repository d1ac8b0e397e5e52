// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {VerifierKind} from "../src/interfaces/IVerifier.sol";
import {MerkleMultiProof} from "../src/libs/MerkleMultiProof.sol";
import {CommitteeVerifier} from "../src/verifiers/CommitteeVerifier.sol";
import {RootCacheVerifier} from "../src/verifiers/RootCacheVerifier.sol";
import {CourierFixture} from "./utils/Fixture.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";

contract CommitteeVerifierTest is CourierFixture {
    uint256 internal constant CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    function setUp() public {
        _deploy(3, 5);
        _sendMany(address(recipient), 8);
    }

    // ---------------------------------------------------------------- configuration

    function test_kind() public view {
        assertEq(uint8(committee.kind()), uint8(VerifierKind.Committee));
    }

    function test_setCommittee_storesAndEmits() public view {
        (bytes32 mailbox, uint8 k, address[] memory vs, bytes32 commitment) = committee.committee(ORIGIN);
        assertEq(mailbox, _b32(address(originMailbox)));
        assertEq(k, 3);
        assertEq(vs, validators);
        assertEq(commitment, keccak256(_committeeBytes()));
        assertEq(committee.committeeHash(ORIGIN), commitment);
    }

    function test_setCommittee_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        committee.setCommittee(ORIGIN, bytes32(uint256(1)), 1, validators);
    }

    function test_setCommittee_refusesBadConfigurations() public {
        bytes32 mb = bytes32(uint256(1));
        vm.startPrank(owner);
        vm.expectRevert(CommitteeVerifier.EmptyCommittee.selector);
        committee.setCommittee(ORIGIN, mb, 1, new address[](0));
        vm.expectRevert(CommitteeVerifier.ThresholdZero.selector);
        committee.setCommittee(ORIGIN, mb, 0, validators);
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.ThresholdAboveSize.selector, 6, 5));
        committee.setCommittee(ORIGIN, mb, 6, validators);
        vm.expectRevert(CommitteeVerifier.ZeroOriginMailbox.selector);
        committee.setCommittee(ORIGIN, bytes32(0), 3, validators);

        address[] memory dup = new address[](2);
        dup[0] = validators[0];
        dup[1] = validators[0];
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.ValidatorsNotAscending.selector, 1, validators[0]));
        committee.setCommittee(ORIGIN, mb, 1, dup);

        address[] memory unsorted = new address[](2);
        unsorted[0] = validators[1];
        unsorted[1] = validators[0];
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.ValidatorsNotAscending.selector, 1, validators[0]));
        committee.setCommittee(ORIGIN, mb, 1, unsorted);

        address[] memory zero = new address[](1);
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.ValidatorsNotAscending.selector, 0, address(0)));
        committee.setCommittee(ORIGIN, mb, 1, zero);

        address[] memory big = new address[](256);
        for (uint256 i; i < 256; ++i) {
            big[i] = address(uint160(i + 1));
        }
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.TooManyValidators.selector, 256));
        committee.setCommittee(ORIGIN, mb, 1, big);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- mode 0x01: signed message

    function test_signedMessage_verifiesWithoutCachingTheRoot() public {
        bytes memory proof = _proofSignedMessage(4, _firstK());
        assertTrue(committee.verify(proof, sent[4]));
        assertFalse(committee.acceptedRoot(ORIGIN, _rootAt(4)));
    }

    function test_signedMessage_anyKOfN() public {
        assertTrue(committee.verify(_proofSignedMessage(4, 0x15), sent[4])); // validators 0, 2, 4
        assertTrue(committee.verify(_proofSignedMessage(4, 0x1f), sent[4])); // all five
    }

    function testFuzz_signedMessage_thresholdDecides(uint8 bitmap) public {
        uint256 bits = uint256(bitmap) & 0x1f;
        uint256 count;
        for (uint256 i; i < 5; ++i) {
            count += (bits >> i) & 1;
        }
        bytes memory proof = _proofSignedMessage(4, bits);
        if (count < 3) {
            vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.NotEnoughSignatures.selector, count, 3));
        }
        committee.verify(proof, sent[4]);
    }

    function test_signedMessage_refusesSignaturesForAnotherMessage() public {
        bytes memory proof = _proofSignedMessage(4, _firstK());
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.SignatureInvalid.selector, 0));
        committee.verify(proof, sent[5]);
    }

    function test_signedMessage_refusesANonMembersSignature() public {
        bytes32 root = _rootAt(4);
        bytes32 digest = _digest(root, 4, leaves[4]);
        uint256 outsider = uint256(keccak256("outsider"));
        bytes memory sigs =
            abi.encodePacked(uint256(0x7), _sig(keys[0], digest), _sig(outsider, digest), _sig(keys[2], digest));
        bytes memory proof = abi.encodePacked(uint8(1), root, _committeeBytes(), sigs);
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.SignatureInvalid.selector, 1));
        committee.verify(proof, sent[4]);
    }

    function test_signedMessage_refusesAForgedCommittee() public {
        // An attacker brings a committee of their own keys with a valid-looking threshold.
        (uint256[] memory fakeKeys, address[] memory fake) = _fakeCommittee(3);
        bytes32 root = _rootAt(4);
        bytes32 digest = _digest(root, 4, leaves[4]);
        bytes memory enc = committee.encodeCommittee(_b32(address(originMailbox)), 3, fake);
        bytes memory sigs = abi.encodePacked(
            uint256(7), _sig(fakeKeys[0], digest), _sig(fakeKeys[1], digest), _sig(fakeKeys[2], digest)
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                CommitteeVerifier.CommitteeMismatch.selector, ORIGIN, committee.committeeHash(ORIGIN), keccak256(enc)
            )
        );
        committee.verify(abi.encodePacked(uint8(1), root, enc, sigs), sent[4]);
    }

    function test_signedMessage_refusesALowerThresholdClaim() public {
        // The real members, but a proof that claims k = 1.
        bytes32 root = _rootAt(4);
        bytes memory enc = committee.encodeCommittee(_b32(address(originMailbox)), 1, validators);
        bytes memory sigs = abi.encodePacked(uint256(1), _sig(keys[0], _digest(root, 4, leaves[4])));
        vm.expectRevert(
            abi.encodeWithSelector(
                CommitteeVerifier.CommitteeMismatch.selector, ORIGIN, committee.committeeHash(ORIGIN), keccak256(enc)
            )
        );
        committee.verify(abi.encodePacked(uint8(1), root, enc, sigs), sent[4]);
    }

    function test_signedMessage_refusesHighSAndBadV() public {
        bytes32 root = _rootAt(4);
        bytes32 digest = _digest(root, 4, leaves[4]);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[0], digest);
        // The malleated twin (n - s, flipped v) recovers to the same key; it must still be refused.
        bytes memory twin = abi.encodePacked(r, bytes32(CURVE_ORDER - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        bytes memory sigs = abi.encodePacked(uint256(7), twin, _sig(keys[1], digest), _sig(keys[2], digest));
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.SignatureMalformed.selector, 0));
        committee.verify(abi.encodePacked(uint8(1), root, _committeeBytes(), sigs), sent[4]);

        bytes memory badV = abi.encodePacked(r, s, uint8(29));
        sigs = abi.encodePacked(uint256(7), badV, _sig(keys[1], digest), _sig(keys[2], digest));
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.SignatureMalformed.selector, 0));
        committee.verify(abi.encodePacked(uint8(1), root, _committeeBytes(), sigs), sent[4]);
    }

    function test_signedMessage_refusesSignerBitsBeyondTheCommittee() public {
        bytes memory proof = _proofSignedMessage(4, _firstK());
        bytes32 root = _rootAt(4);
        bytes memory sigs = abi.encodePacked(uint256(0x27), _signatures(_digest(root, 4, leaves[4]), 0x7));
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.SignerOutOfRange.selector, uint256(0x27), 5));
        committee.verify(abi.encodePacked(uint8(1), root, _committeeBytes(), sigs), sent[4]);
        assertTrue(committee.verify(proof, sent[4]));
    }

    function test_signedMessage_refusesTruncatedAndTrailingProofs() public {
        bytes memory proof = _proofSignedMessage(4, _firstK());
        bytes memory cut = new bytes(proof.length - 1);
        for (uint256 i; i < cut.length; ++i) {
            cut[i] = proof[i];
        }
        vm.expectRevert(abi.encodeWithSelector(RootCacheVerifier.ProofTruncated.selector, proof.length, cut.length));
        committee.verify(cut, sent[4]);
        vm.expectRevert(abi.encodeWithSelector(RootCacheVerifier.ProofTrailingBytes.selector, 1));
        committee.verify(abi.encodePacked(proof, uint8(0)), sent[4]);
        vm.expectRevert(abi.encodeWithSelector(RootCacheVerifier.ProofTruncated.selector, 1, 0));
        committee.verify("", sent[4]);
    }

    function test_signedMessage_refusesZeroRootUnknownModeAndUnknownOrigin() public {
        bytes memory proof = _proofSignedMessage(4, _firstK());
        bytes memory zeroRoot = proof;
        for (uint256 i = 1; i < 33; ++i) {
            zeroRoot[i] = 0;
        }
        vm.expectRevert(RootCacheVerifier.ZeroRoot.selector);
        committee.verify(zeroRoot, sent[4]);

        bytes memory unknown = abi.encodePacked(uint8(7), bytes32(uint256(1)));
        vm.expectRevert(abi.encodeWithSelector(RootCacheVerifier.UnknownProofMode.selector, 7));
        committee.verify(unknown, sent[4]);

        bytes memory foreign =
            abi.encodePacked(uint8(1), uint32(0), uint64(999), _b32(app), DEST, _b32(address(recipient)));
        bytes memory valid = _proofSignedMessage(0, _firstK());
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.NoCommittee.selector, uint64(999)));
        committee.verify(valid, foreign);
    }

    function test_signedMessage_isNotABatchProof() public {
        bytes memory proof = _proofSignedMessage(4, _firstK());
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.SignedMessageProofForBatch.selector, 2));
        committee.verifyBatch(proof, _messages(_range(4, 6)));
    }

    /// @dev Whatever byte of a valid proof an attacker changes, the proof no longer verifies.
    function testFuzz_signedMessage_anyTamperedByteFails(uint256 position, uint8 xor) public {
        vm.assume(xor != 0);
        bytes memory proof = _proofSignedMessage(4, _firstK());
        position = bound(position, 0, proof.length - 1);
        proof[position] = bytes1(uint8(proof[position]) ^ xor);
        vm.expectRevert();
        committee.verify(proof, sent[4]);
    }

    // ---------------------------------------------------------------- domain separation

    function test_signatures_doNotReplayAcrossOriginsMailboxesOrStatements() public {
        bytes32 root = _rootAt(4);
        bytes32 mailbox = _b32(address(originMailbox));
        bytes32[4] memory otherDigests = [
            // the same checkpoint, for another origin chain
            committee.checkpointDigest(ORIGIN + 1, mailbox, root, 4, leaves[4]),
            // for another Mailbox on the same chain
            committee.checkpointDigest(ORIGIN, bytes32(uint256(0xbeef)), root, 4, leaves[4]),
            // the same fields under another statement's tag (e.g. an optimistic claim)
            _prefixed(
                keccak256(
                    abi.encodePacked(
                        keccak256("courier.optimistic.claim.v1"), ORIGIN, mailbox, root, uint32(4), leaves[4]
                    )
                )
            ),
            // the bare struct hash, without the EIP-191 prefix
            keccak256(abi.encodePacked(committee.CHECKPOINT_TAG(), ORIGIN, mailbox, root, uint32(4), leaves[4]))
        ];
        for (uint256 d; d < otherDigests.length; ++d) {
            bytes memory proof = abi.encodePacked(uint8(1), root, _committeeBytes(), _signatures(otherDigests[d], 0x7));
            vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.SignatureInvalid.selector, 0));
            committee.verify(proof, sent[4]);
        }
    }

    function _prefixed(bytes32 h) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", h));
    }

    // ---------------------------------------------------------------- mode 0x02 and 0x00

    function test_signedRoot_acceptsTheRootOnceThenCachedProofsWork() public {
        bytes32 root = _rootAt(7);
        vm.expectEmit(address(committee));
        emit RootCacheVerifier.RootAccepted(ORIGIN, root, 7);
        assertTrue(committee.verifyBatch(_proofSignedRoot(7, _range(0, 3), _firstK()), _messages(_range(0, 3))));
        assertTrue(committee.acceptedRoot(ORIGIN, root));

        uint256[] memory sparse = new uint256[](3);
        (sparse[0], sparse[1], sparse[2]) = (3, 5, 7);
        assertTrue(committee.verifyBatch(_proofCached(7, sparse), _messages(sparse)));
        assertTrue(committee.verify(_proofCached(7, _one(6)), sent[6]));
        // Accepting it again is harmless (and emits nothing new).
        assertTrue(committee.verifyBatch(_proofSignedRoot(7, _range(0, 8), _firstK()), _messages(_range(0, 8))));
    }

    function test_cachedRoot_refusesAnUnacceptedRoot() public {
        bytes memory proof = _proofCached(7, _one(2));
        vm.expectRevert(abi.encodeWithSelector(RootCacheVerifier.RootNotAccepted.selector, ORIGIN, _rootAt(7)));
        committee.verify(proof, sent[2]);
    }

    function test_cachedRoot_rootsAreKeptPerOrigin() public {
        committee.verifyBatch(_proofSignedRoot(7, _one(2), _firstK()), _messages(_one(2)));
        // The same root bytes under another origin are not accepted.
        bytes memory other =
            abi.encodePacked(uint8(1), uint32(2), uint64(777), _b32(app), DEST, _b32(address(recipient)));
        vm.expectRevert(abi.encodeWithSelector(RootCacheVerifier.RootNotAccepted.selector, uint64(777), _rootAt(7)));
        committee.verify(_proofCached(7, _one(2)), other);
    }

    function test_inclusion_refusesTamperedNodesAndForeignMessages() public {
        committee.verifyBatch(_proofSignedRoot(7, _one(0), _firstK()), _messages(_one(0)));
        bytes memory proof = _proofCached(7, _one(2));
        proof[40] = bytes1(uint8(proof[40]) ^ 1); // inside the first node
        vm.expectPartialRevert(RootCacheVerifier.InclusionProofInvalid.selector);
        committee.verify(proof, sent[2]);

        // A message that was never dispatched, claiming nonce 2.
        bytes memory forged =
            abi.encodePacked(uint8(1), uint32(2), ORIGIN, _b32(app), DEST, _b32(address(recipient)), "mint");
        vm.expectPartialRevert(RootCacheVerifier.InclusionProofInvalid.selector);
        committee.verify(_proofCached(7, _one(2)), forged);
    }

    function test_inclusion_refusesShortLongAndMisalignedMultiproofs() public {
        committee.verifyBatch(_proofSignedRoot(7, _one(0), _firstK()), _messages(_one(0)));
        bytes32 root = _rootAt(7);
        bytes memory nodes = TreeBuilder.multiproof(_leavesUpTo(7), _one(2));
        // Drop the last node but keep the count honest: too few nodes for 32 levels.
        bytes memory fewer = abi.encodePacked(uint8(0), root, uint16(31));
        for (uint256 i = 2; i < 2 + 31 * 32; ++i) {
            fewer = abi.encodePacked(fewer, nodes[i]);
        }
        vm.expectRevert(MerkleMultiProof.ProofTooShort.selector);
        committee.verify(fewer, sent[2]);

        bytes memory more = abi.encodePacked(uint8(0), root, uint16(33));
        for (uint256 i = 2; i < nodes.length; ++i) {
            more = abi.encodePacked(more, nodes[i]);
        }
        more = abi.encodePacked(more, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(MerkleMultiProof.ProofTooLong.selector, 32));
        committee.verify(more, sent[2]);

        // A count that promises more bytes than the proof has.
        bytes memory lying = abi.encodePacked(uint8(0), root, uint16(40));
        vm.expectRevert(abi.encodeWithSelector(RootCacheVerifier.ProofTruncated.selector, 33 + 2 + 40 * 32, 35));
        committee.verify(lying, sent[2]);
    }

    function test_batch_refusesUnorderedOrMixedMessages() public {
        uint256[] memory backwards = new uint256[](2);
        (backwards[0], backwards[1]) = (3, 2);
        vm.expectRevert(abi.encodeWithSelector(RootCacheVerifier.NoncesNotAscending.selector, 1));
        committee.verifyBatch(hex"00", _messages(backwards));

        bytes[] memory dup = _messages(_range(2, 4));
        dup[1] = dup[0];
        vm.expectRevert(abi.encodeWithSelector(RootCacheVerifier.NoncesNotAscending.selector, 1));
        committee.verifyBatch(hex"00", dup);

        bytes[] memory mixed = _messages(_range(2, 4));
        mixed[1] = abi.encodePacked(uint8(1), uint32(3), uint64(777), _b32(app), DEST, _b32(address(recipient)));
        vm.expectRevert(abi.encodeWithSelector(RootCacheVerifier.MixedOrigins.selector, 1));
        committee.verifyBatch(hex"00", mixed);

        vm.expectRevert(RootCacheVerifier.NoMessages.selector);
        committee.verifyBatch(hex"00", new bytes[](0));
    }

    function testFuzz_signedRoot_anySubsetOfTheTree(uint256 mask, uint8 sizeSeed) public {
        uint256 size = 8 + (uint256(sizeSeed) % 40);
        _sendMany(address(recipient), size - 8);
        mask = mask & ((uint256(1) << size) - 1);
        vm.assume(mask != 0);
        uint256 count;
        for (uint256 i; i < size; ++i) {
            count += (mask >> i) & 1;
        }
        uint256[] memory nonces = new uint256[](count);
        uint256 j;
        for (uint256 i; i < size; ++i) {
            if ((mask >> i) & 1 == 1) nonces[j++] = i;
        }
        assertTrue(committee.verifyBatch(_proofSignedRoot(uint32(size - 1), nonces, _firstK()), _messages(nonces)));
    }

    // ---------------------------------------------------------------- rotation

    function test_rotation_keepsOldRootsAndRefusesTheOldCommittee() public {
        committee.verifyBatch(_proofSignedRoot(3, _one(0), _firstK()), _messages(_one(0)));
        bytes memory oldCommittee = _committeeBytes();
        uint256[] memory oldKeys = keys;

        (uint256[] memory newKeys, address[] memory newSet) = _fakeCommittee(4);
        vm.prank(owner);
        committee.setCommittee(ORIGIN, _b32(address(originMailbox)), 2, newSet);

        // The root accepted under the old committee stays accepted.
        assertTrue(committee.verify(_proofCached(3, _one(1)), sent[1]));

        // The old committee can no longer sign.
        bytes32 root = _rootAt(5);
        bytes32 digest = _digest(root, 5, leaves[5]);
        bytes memory sigs =
            abi.encodePacked(uint256(7), _sig(oldKeys[0], digest), _sig(oldKeys[1], digest), _sig(oldKeys[2], digest));
        vm.expectPartialRevert(CommitteeVerifier.CommitteeMismatch.selector);
        committee.verify(abi.encodePacked(uint8(1), root, oldCommittee, sigs), sent[5]);

        // The new one can.
        keys = newKeys;
        validators = newSet;
        threshold = 2;
        assertTrue(committee.verify(_proofSignedMessage(5, 0x3), sent[5]));
    }

    // ---------------------------------------------------------------- acceptCheckpoint

    function test_acceptCheckpoint() public {
        bytes32 root = _rootAt(6);
        bytes memory sigs = _signatures(_digest(root, 6, leaves[6]), _firstK());
        vm.expectEmit(address(committee));
        emit RootCacheVerifier.RootAccepted(ORIGIN, root, 6);
        committee.acceptCheckpoint(ORIGIN, root, 6, leaves[6], abi.encodePacked(_committeeBytes(), sigs));
        assertTrue(committee.acceptedRoot(ORIGIN, root));

        vm.expectRevert(abi.encodeWithSelector(RootCacheVerifier.ProofTrailingBytes.selector, 1));
        committee.acceptCheckpoint(ORIGIN, root, 6, leaves[6], abi.encodePacked(_committeeBytes(), sigs, uint8(1)));
        vm.expectRevert(RootCacheVerifier.ZeroRoot.selector);
        committee.acceptCheckpoint(ORIGIN, bytes32(0), 6, leaves[6], abi.encodePacked(_committeeBytes(), sigs));
        // Signatures for index 6 do not accept the root under another index.
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.SignatureInvalid.selector, 0));
        committee.acceptCheckpoint(ORIGIN, root, 5, leaves[6], abi.encodePacked(_committeeBytes(), sigs));
    }

    // ---------------------------------------------------------------- helpers

    function _fakeCommittee(uint256 n) internal pure returns (uint256[] memory ks, address[] memory addrs) {
        ks = new uint256[](n);
        addrs = new address[](n);
        for (uint256 i; i < n; ++i) {
            ks[i] = uint256(keccak256(abi.encodePacked("not-a-validator-", i)));
            addrs[i] = vm.addr(ks[i]);
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && addrs[j] < addrs[j - 1]; --j) {
                (addrs[j], addrs[j - 1]) = (addrs[j - 1], addrs[j]);
                (ks[j], ks[j - 1]) = (ks[j - 1], ks[j]);
            }
        }
    }
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IVerifier, VerifierKind} from "../src/interfaces/IVerifier.sol";
import {AggregationVerifier} from "../src/verifiers/AggregationVerifier.sol";
import {CommitteeVerifier} from "../src/verifiers/CommitteeVerifier.sol";
import {OptimisticVerifier} from "../src/verifiers/OptimisticVerifier.sol";
import {OptimisticFixture} from "./Optimistic.t.sol";
import {NoopRecipient} from "./utils/Fixture.sol";

/// @notice "Committee AND optimistic": delivery needs both; either alone is not enough.
contract AggregationVerifierTest is OptimisticFixture {
    AggregationVerifier internal both;

    function setUp() public {
        _setupOptimistic();
        IVerifier[] memory subs = new IVerifier[](2);
        subs[0] = committee;
        subs[1] = optimistic;
        both = new AggregationVerifier(subs, 2);
        recipient.setVerifier(address(both));
        for (uint256 i; i < 3; ++i) {
            _send(address(recipient), abi.encodePacked("m", i));
        }
    }

    function _part(uint8 index, bytes memory sub) internal pure returns (bytes memory) {
        return abi.encodePacked(index, uint32(sub.length), sub);
    }

    function test_bothMustAccept() public {
        bytes memory committeeProof = _proofSignedRoot(2, _range(0, 3), _firstK());
        bytes memory claimedProof = _proofClaimed(2, _range(0, 3));
        bytes[] memory ms = _messages(_range(0, 3));
        _post(_rootAt(2), 2);

        // The committee alone: not enough sub-proofs.
        bytes memory onlyCommittee = abi.encodePacked(uint8(5), uint8(1), _part(0, committeeProof));
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.NotEnoughSubProofs.selector, 1, 2));
        destMailbox.processBatch(onlyCommittee, ms);

        // Both, before the window ends: the optimistic part refuses, with its own error.
        bytes memory full = abi.encodePacked(uint8(5), uint8(2), _part(0, committeeProof), _part(1, claimedProof));
        vm.expectPartialRevert(OptimisticVerifier.ClaimNotMatured.selector);
        destMailbox.processBatch(full, ms);

        vm.warp(block.timestamp + WINDOW);
        assertEq(destMailbox.processBatch(full, ms), 3);
        assertEq(recipient.handled(), 3);
    }

    function test_aForgedCommitteePartFailsTheWholeEvenWithAMaturedClaim() public {
        _post(_rootAt(2), 2);
        vm.warp(block.timestamp + WINDOW);
        // Two signatures where three are needed.
        bytes memory weak = _proofSignedRoot(2, _range(0, 3), 3);
        bytes memory full =
            abi.encodePacked(uint8(5), uint8(2), _part(0, weak), _part(1, _proofClaimed(2, _range(0, 3))));
        vm.expectRevert(abi.encodeWithSelector(CommitteeVerifier.NotEnoughSignatures.selector, 2, 3));
        destMailbox.processBatch(full, _messages(_range(0, 3)));
    }

    function test_malformedProofsAreRefusedByName() public {
        bytes memory p = _proofSignedMessage(0, _firstK());
        bytes memory m = sent[0];
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.UnknownProofMode.selector, uint8(1)));
        both.verify(p, m);
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.ProofTruncated.selector, 2, 1));
        both.verify(hex"05", m);
        // The same sub-verifier twice does not count twice.
        bytes memory twice = abi.encodePacked(uint8(5), uint8(2), _part(0, p), _part(0, p));
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.SubIndicesNotAscending.selector, 1, 0));
        both.verify(twice, m);
        bytes memory outOfRange = abi.encodePacked(uint8(5), uint8(2), _part(0, p), _part(7, p));
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.SubIndexOutOfRange.selector, 7, 2));
        both.verify(outOfRange, m);
        bytes memory cut = abi.encodePacked(uint8(5), uint8(2), uint8(0), uint32(1000), p);
        vm.expectPartialRevert(AggregationVerifier.ProofTruncated.selector);
        both.verify(cut, m);
    }

    function test_trailingBytesAreRefused() public {
        // 1 of 2 accepts the committee alone; a byte after it is refused.
        IVerifier[] memory subs = new IVerifier[](2);
        subs[0] = committee;
        subs[1] = optimistic;
        AggregationVerifier either = new AggregationVerifier(subs, 1);
        bytes memory p = abi.encodePacked(uint8(5), uint8(1), _part(0, _proofSignedMessage(0, _firstK())));
        assertTrue(either.verify(p, sent[0]));
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.ProofTrailingBytes.selector, 1));
        either.verify(abi.encodePacked(p, uint8(0)), sent[0]);
    }

    function test_theSetIsCheckedAtConstruction() public {
        IVerifier[] memory subs = new IVerifier[](2);
        subs[0] = committee;
        subs[1] = committee;
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.DuplicateSubVerifier.selector, address(committee)));
        new AggregationVerifier(subs, 2);
        subs[1] = IVerifier(address(0));
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.ZeroSubVerifier.selector, 1));
        new AggregationVerifier(subs, 2);
        subs[1] = optimistic;
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.InvalidThreshold.selector, 3, 2));
        new AggregationVerifier(subs, 3);
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.InvalidThreshold.selector, 0, 2));
        new AggregationVerifier(subs, 0);
        assertEq(address(both.subVerifiers()[1]), address(optimistic));
        assertEq(both.threshold(), 2);
    }
}

/// @notice A sub-verifier that records exactly what it was called with and answers as told.
contract RecordingVerifier is IVerifier {
    bytes32 public lastCall;
    uint256 public calls;
    bool internal immutable _answer;

    constructor(bool answer) {
        _answer = answer;
    }

    function kind() external pure returns (VerifierKind) {
        return VerifierKind.Committee;
    }

    function verify(bytes calldata proof, bytes calldata message) external returns (bool) {
        lastCall = keccak256(abi.encode(proof, message));
        ++calls;
        return _answer;
    }

    function verifyBatch(bytes calldata proof, bytes[] calldata messages) external returns (bool) {
        lastCall = keccak256(abi.encode(proof, messages));
        ++calls;
        return _answer;
    }
}

/// @notice The forwarding: every sub-verifier, at every position, receives exactly its sub-proof
/// and the messages as given; refusals and sets beyond the maximum are named.
contract AggregationForwardingTest is OptimisticFixture {
    function _part(uint8 index, bytes memory sub) internal pure returns (bytes memory) {
        return abi.encodePacked(index, uint32(sub.length), sub);
    }

    function _recorders(uint256 n) internal returns (IVerifier[] memory subs) {
        subs = new IVerifier[](n);
        for (uint256 i; i < n; ++i) {
            subs[i] = new RecordingVerifier(true);
        }
    }

    function testFuzz_eachSubVerifierGetsItsProofAndTheMessagesUnchanged(
        bytes memory a,
        bytes memory b,
        bytes memory m0,
        bytes memory m1,
        bytes memory m2
    ) public {
        IVerifier[] memory subs = _recorders(8);
        AggregationVerifier all = new AggregationVerifier(subs, 2);
        bytes[] memory ms = new bytes[](3);
        (ms[0], ms[1], ms[2]) = (m0, m1, m2);
        // Sub-verifiers 3 and 7: odd positions of the immutables, proofs of any length.
        bytes memory proof = abi.encodePacked(uint8(5), uint8(2), _part(3, a), _part(7, b));
        assertTrue(all.verifyBatch(proof, ms));
        assertEq(RecordingVerifier(address(subs[3])).lastCall(), keccak256(abi.encode(a, ms)));
        assertEq(RecordingVerifier(address(subs[7])).lastCall(), keccak256(abi.encode(b, ms)));
        assertEq(RecordingVerifier(address(subs[0])).calls(), 0);
        // A single message, through sub-verifiers 0 and 6.
        proof = abi.encodePacked(uint8(5), uint8(2), _part(0, b), _part(6, a));
        assertTrue(all.verify(proof, m1));
        assertEq(RecordingVerifier(address(subs[0])).lastCall(), keccak256(abi.encode(b, m1)));
        assertEq(RecordingVerifier(address(subs[6])).lastCall(), keccak256(abi.encode(a, m1)));
    }

    function test_everyPositionIsReachable() public {
        IVerifier[] memory subs = _recorders(8);
        AggregationVerifier all = new AggregationVerifier(subs, 8);
        bytes memory proof = abi.encodePacked(uint8(5), uint8(8));
        for (uint8 i; i < 8; ++i) {
            proof = abi.encodePacked(proof, _part(i, abi.encodePacked("proof for ", i)));
        }
        assertTrue(all.verify(proof, "m"));
        IVerifier[] memory listed = all.subVerifiers();
        assertEq(listed.length, 8);
        for (uint8 i; i < 8; ++i) {
            assertEq(address(listed[i]), address(subs[i]));
            assertEq(
                RecordingVerifier(address(subs[i])).lastCall(),
                keccak256(abi.encode(abi.encodePacked("proof for ", i), bytes("m")))
            );
        }
    }

    function test_aRefusalOrAnAccountWithoutCodeFailsByName() public {
        IVerifier[] memory subs = new IVerifier[](2);
        subs[0] = new RecordingVerifier(true);
        subs[1] = new RecordingVerifier(false);
        AggregationVerifier both = new AggregationVerifier(subs, 2);
        bytes memory proof = abi.encodePacked(uint8(5), uint8(2), _part(0, hex"01"), _part(1, hex"02"));
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.SubVerifierRefused.selector, 1));
        both.verify(proof, "m");
        subs[1] = IVerifier(makeAddr("no code"));
        both = new AggregationVerifier(subs, 2);
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.SubVerifierRefused.selector, 1));
        both.verifyBatch(proof, new bytes[](1));
    }

    function test_moreThanTheMaximumIsRefused() public {
        IVerifier[] memory subs = _recorders(9);
        vm.expectRevert(abi.encodeWithSelector(AggregationVerifier.TooManySubVerifiers.selector, 9, 8));
        new AggregationVerifier(subs, 2);
    }
}

/// @notice Gas of "committee AND optimistic" on a batch of 100, next to its two parts alone, each
/// with a 3-of-5 committee and the same 100 messages (separate tests: fresh state each).
contract AggregationGasBenchmark is OptimisticFixture {
    string internal constant GROUP = "gas";

    NoopRecipient internal noop;

    function _hundred() internal {
        _setupOptimistic();
        noop = new NoopRecipient();
        for (uint256 i; i < 100; ++i) {
            _send(address(noop), abi.encodePacked(keccak256(abi.encode("gas", i))));
        }
        _post(_rootAt(99), 99);
        vm.warp(block.timestamp + WINDOW);
    }

    function _batch(IVerifier verifier, bytes memory proof, string memory name) internal {
        vm.prank(owner);
        destMailbox.setDefaultVerifier(verifier);
        vm.prank(relayer);
        uint256 done = destMailbox.processBatch(proof, _messages(_range(0, 100)));
        uint256 total = vm.snapshotGasLastCall(GROUP, string.concat(name, ".batch100.total.32B"));
        assertEq(done, 100);
        vm.snapshotValue(GROUP, string.concat(name, ".batch100.per_message.32B"), total / 100);
    }

    function test_gas_aggregation_committee_and_optimistic() public {
        _hundred();
        IVerifier[] memory subs = new IVerifier[](2);
        subs[0] = committee;
        subs[1] = optimistic;
        AggregationVerifier both = new AggregationVerifier(subs, 2);
        bytes memory committeePart = _proofSignedRoot(99, _range(0, 100), _firstK());
        bytes memory claimedPart = _proofClaimed(99, _range(0, 100));
        bytes memory full = abi.encodePacked(
            uint8(5),
            uint8(2),
            abi.encodePacked(uint8(0), uint32(committeePart.length), committeePart),
            abi.encodePacked(uint8(1), uint32(claimedPart.length), claimedPart)
        );
        _batch(both, full, "process.aggregation.committee3of5_and_optimistic");
    }

    function test_gas_aggregation_part_committee() public {
        _hundred();
        _batch(committee, _proofSignedRoot(99, _range(0, 100), _firstK()), "process.committee.3of5");
    }
}

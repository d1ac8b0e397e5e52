// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {Message} from "../src/libs/Message.sol";
import {MerkleMultiProof} from "../src/libs/MerkleMultiProof.sol";
import {CommitteeVerifier} from "../src/verifiers/CommitteeVerifier.sol";
import {TreeHarness} from "./MerkleTree.t.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";

/// @notice Reads the message fields with the on-chain codec (which only reads calldata).
contract MessageReader {
    function numbers(bytes calldata m) external pure returns (uint8, uint32, uint64, uint64) {
        Message.checkLength(m);
        return (Message.version(m), Message.nonce(m), Message.origin(m), Message.destination(m));
    }

    function words(bytes calldata m) external pure returns (bytes32, bytes32, bytes memory, bytes32) {
        Message.checkLength(m);
        return (Message.sender(m), Message.recipient(m), Message.body(m), Message.id(m));
    }
}

/// @notice The Solidity side of the shared vectors in vectors/ (the Rust side reads the same files in
/// crates/core/tests/it): message encodings and ids, Merkle roots and proofs, committee encodings,
/// checkpoint digests, signatures and complete verifier proofs.
contract VectorsTest is Test {
    function _path(string memory name) internal view returns (string memory) {
        return string.concat(vm.projectRoot(), "/../vectors/", name);
    }

    /// @dev The length of the JSON array at `path`.
    function _len(string memory json, string memory path) internal view returns (uint256 n) {
        while (vm.keyExistsJson(json, string.concat(path, "[", vm.toString(n), "]"))) {
            ++n;
        }
    }

    // ---------------------------------------------------------------- messages

    function test_vectors_messages() public {
        string memory json = vm.readFile(_path("message.json"));
        uint256 count = vm.parseJsonUint(json, ".count");
        assertGt(count, 0);
        MessageReader reader = new MessageReader();
        for (uint256 i; i < count; ++i) {
            string memory b = string.concat(".messages[", vm.toString(i), "]");
            bytes memory encoded = vm.parseJsonBytes(json, string.concat(b, ".encoded"));
            bytes memory expected = abi.encodePacked(
                uint8(vm.parseJsonUint(json, string.concat(b, ".version"))),
                uint32(vm.parseJsonUint(json, string.concat(b, ".nonce"))),
                uint64(vm.parseJsonUint(json, string.concat(b, ".origin"))),
                vm.parseJsonBytes32(json, string.concat(b, ".sender")),
                uint64(vm.parseJsonUint(json, string.concat(b, ".destination"))),
                vm.parseJsonBytes32(json, string.concat(b, ".recipient")),
                vm.parseJsonBytes(json, string.concat(b, ".body"))
            );
            assertEq(encoded, expected, string.concat("encoding of message ", vm.toString(i)));
            _checkReaders(reader, json, b, encoded);
        }
    }

    function _checkReaders(MessageReader reader, string memory json, string memory b, bytes memory encoded)
        internal
        pure
    {
        (uint8 v, uint32 nonce, uint64 origin, uint64 dest) = reader.numbers(encoded);
        assertEq(v, vm.parseJsonUint(json, string.concat(b, ".version")));
        assertEq(nonce, vm.parseJsonUint(json, string.concat(b, ".nonce")));
        assertEq(origin, vm.parseJsonUint(json, string.concat(b, ".origin")));
        assertEq(dest, vm.parseJsonUint(json, string.concat(b, ".destination")));
        (bytes32 sender, bytes32 to, bytes memory body, bytes32 id) = reader.words(encoded);
        assertEq(sender, vm.parseJsonBytes32(json, string.concat(b, ".sender")));
        assertEq(to, vm.parseJsonBytes32(json, string.concat(b, ".recipient")));
        assertEq(body, vm.parseJsonBytes(json, string.concat(b, ".body")));
        assertEq(id, vm.parseJsonBytes32(json, string.concat(b, ".id")), string.concat("id of ", b));
    }

    // ---------------------------------------------------------------- Merkle trees

    function test_vectors_merkleZeroes() public view {
        string memory json = vm.readFile(_path("merkle.json"));
        bytes32[] memory zeroes = vm.parseJsonBytes32Array(json, ".zeroes");
        bytes32[] memory ours = TreeBuilder.zeroes();
        assertEq(zeroes.length, 33);
        for (uint256 i; i < 33; ++i) {
            assertEq(zeroes[i], ours[i]);
        }
        assertEq(vm.parseJsonBytes32(json, ".emptyRoot"), ours[32]);
    }

    function test_vectors_merkleTrees() public {
        string memory json = vm.readFile(_path("merkle.json"));
        uint256 count = vm.parseJsonUint(json, ".count");
        assertGt(count, 0);
        for (uint256 t; t < count; ++t) {
            string memory b = string.concat(".trees[", vm.toString(t), "]");
            bytes32[] memory leaves = vm.parseJsonBytes32Array(json, string.concat(b, ".leaves"));
            bytes32[] memory roots = vm.parseJsonBytes32Array(json, string.concat(b, ".roots"));
            assertEq(leaves.length, vm.parseJsonUint(json, string.concat(b, ".size")));

            // The Mailbox's incremental tree reaches every listed root.
            TreeHarness tree = new TreeHarness();
            for (uint256 i; i < leaves.length; ++i) {
                tree.insert(leaves[i]);
                assertEq(tree.root(), roots[i], "incremental root");
            }
            bytes32 root = vm.parseJsonBytes32(json, string.concat(b, ".root"));
            assertEq(tree.root(), root);
            assertEq(TreeBuilder.root(leaves), root, "test-side tree");

            _checkSingleProofs(json, b, leaves, root, tree);
            _checkMultiproofs(json, b, leaves, root, tree);
        }
    }

    function _checkSingleProofs(
        string memory json,
        string memory b,
        bytes32[] memory leaves,
        bytes32 root,
        TreeHarness tree
    ) internal view {
        uint256 n = _len(json, string.concat(b, ".proofs"));
        for (uint256 p; p < n; ++p) {
            string memory pb = string.concat(b, ".proofs[", vm.toString(p), "]");
            uint256 index = vm.parseJsonUint(json, string.concat(pb, ".index"));
            bytes32[] memory branch = vm.parseJsonBytes32Array(json, string.concat(pb, ".branch"));
            assertEq(branch.length, 32);
            uint256[] memory idx = new uint256[](1);
            bytes32[] memory ls = new bytes32[](1);
            idx[0] = index;
            ls[0] = leaves[index];
            assertEq(tree.multiRoot(idx, ls, abi.encodePacked(branch)), root, "single-leaf proof");
        }
    }

    function _checkMultiproofs(
        string memory json,
        string memory b,
        bytes32[] memory leaves,
        bytes32 root,
        TreeHarness tree
    ) internal view {
        uint256 n = _len(json, string.concat(b, ".multiproofs"));
        for (uint256 p; p < n; ++p) {
            string memory pb = string.concat(b, ".multiproofs[", vm.toString(p), "]");
            uint256[] memory idx = vm.parseJsonUintArray(json, string.concat(pb, ".indices"));
            bytes32[] memory nodes = vm.parseJsonBytes32Array(json, string.concat(pb, ".nodes"));
            // The test-side builder produces the same nodes in the same order.
            bytes memory built = TreeBuilder.multiproof(leaves, idx);
            assertEq(built, abi.encodePacked(uint16(nodes.length), nodes), "multiproof node order");
            bytes32[] memory ls = new bytes32[](idx.length);
            for (uint256 i; i < idx.length; ++i) {
                ls[i] = leaves[idx[i]];
            }
            assertEq(tree.multiRoot(idx, ls, abi.encodePacked(nodes)), root, "multiproof");
        }
    }

    // ---------------------------------------------------------------- committees and checkpoints

    function test_vectors_committees() public {
        string memory json = vm.readFile(_path("checkpoint.json"));
        CommitteeVerifier verifier = new CommitteeVerifier(address(this));
        uint256 n = _len(json, ".committees");
        assertGt(n, 0);
        for (uint256 c; c < n; ++c) {
            string memory b = string.concat(".committees[", vm.toString(c), "]");
            bytes32[] memory keys = vm.parseJsonBytes32Array(json, string.concat(b, ".keys"));
            address[] memory validators = vm.parseJsonAddressArray(json, string.concat(b, ".validators"));
            for (uint256 i; i < keys.length; ++i) {
                assertEq(vm.addr(uint256(keys[i])), validators[i], "key gives its validator");
            }
            bytes memory encoded = verifier.encodeCommittee(
                vm.parseJsonBytes32(json, string.concat(b, ".originMailbox")),
                uint8(vm.parseJsonUint(json, string.concat(b, ".threshold"))),
                validators
            );
            assertEq(encoded, vm.parseJsonBytes(json, string.concat(b, ".encoded")), "committee encoding");
            assertEq(keccak256(encoded), vm.parseJsonBytes32(json, string.concat(b, ".commitment")), "commitment");
        }
    }

    function test_vectors_checkpoints() public {
        string memory json = vm.readFile(_path("checkpoint.json"));
        CommitteeVerifier verifier = new CommitteeVerifier(address(this));
        bytes32[] memory keys = vm.parseJsonBytes32Array(json, ".committees[0].keys");
        uint256 n = _len(json, ".checkpoints");
        assertGt(n, 0);
        for (uint256 c; c < n; ++c) {
            string memory b = string.concat(".checkpoints[", vm.toString(c), "]");
            uint64 origin = uint64(vm.parseJsonUint(json, string.concat(b, ".origin")));
            bytes32 mailbox = vm.parseJsonBytes32(json, string.concat(b, ".originMailbox"));
            bytes32 root = vm.parseJsonBytes32(json, string.concat(b, ".root"));
            uint32 index = uint32(vm.parseJsonUint(json, string.concat(b, ".index")));
            bytes32 id = vm.parseJsonBytes32(json, string.concat(b, ".messageId"));
            bytes32 digest = verifier.checkpointDigest(origin, mailbox, root, index, id);
            assertEq(digest, vm.parseJsonBytes32(json, string.concat(b, ".digest")), "digest");
            assertEq(
                keccak256(
                    abi.encodePacked(
                        "\x19Ethereum Signed Message:\n32", vm.parseJsonBytes32(json, string.concat(b, ".structHash"))
                    )
                ),
                digest,
                "struct hash"
            );
            _checkSignatures(json, b, keys, digest);
        }
    }

    function _checkSignatures(string memory json, string memory b, bytes32[] memory keys, bytes32 digest)
        internal
        view
    {
        uint256 sigs = _len(json, string.concat(b, ".signatures"));
        assertEq(sigs, keys.length);
        for (uint256 s; s < sigs; ++s) {
            string memory sb = string.concat(b, ".signatures[", vm.toString(s), "]");
            (uint8 v, bytes32 r, bytes32 sv) = vm.sign(uint256(keys[s]), digest);
            assertEq(
                vm.parseJsonBytes(json, string.concat(sb, ".signature")),
                abi.encodePacked(r, sv, v),
                "deterministic signature"
            );
            assertEq(ecrecover(digest, v, r, sv), vm.parseJsonAddress(json, string.concat(sb, ".signer")), "signer");
        }
    }

    /// @dev Every proof the Rust builder wrote verifies on-chain, in order (a mode-0 proof relies on
    /// the root a previous mode-2 proof got accepted).
    function test_vectors_proofsVerifyOnChain() public {
        string memory json = vm.readFile(_path("checkpoint.json"));
        uint256 committees = _len(json, ".committees");
        CommitteeVerifier[] memory verifiers = new CommitteeVerifier[](committees);
        uint256 n = _len(json, ".proofs");
        assertGt(n, 0);
        for (uint256 p; p < n; ++p) {
            string memory b = string.concat(".proofs[", vm.toString(p), "]");
            uint256 c = vm.parseJsonUint(json, string.concat(b, ".committee"));
            uint64 origin = uint64(vm.parseJsonUint(json, string.concat(b, ".origin")));
            if (address(verifiers[c]) == address(0)) {
                verifiers[c] = _verifierFor(json, c, origin);
            }
            bytes[] memory messages = vm.parseJsonBytesArray(json, string.concat(b, ".messages"));
            bytes memory proof = vm.parseJsonBytes(json, string.concat(b, ".proof"));
            assertEq(uint8(proof[0]), vm.parseJsonUint(json, string.concat(b, ".mode")));
            bool ok = messages.length == 1
                ? verifiers[c].verify(proof, messages[0])
                : verifiers[c].verifyBatch(proof, messages);
            assertTrue(ok, string.concat("proof ", vm.toString(p)));
        }
    }

    function _verifierFor(string memory json, uint256 c, uint64 origin) internal returns (CommitteeVerifier v) {
        string memory b = string.concat(".committees[", vm.toString(c), "]");
        v = new CommitteeVerifier(address(this));
        v.setCommittee(
            origin,
            vm.parseJsonBytes32(json, string.concat(b, ".originMailbox")),
            uint8(vm.parseJsonUint(json, string.concat(b, ".threshold"))),
            vm.parseJsonAddressArray(json, string.concat(b, ".validators"))
        );
    }
}

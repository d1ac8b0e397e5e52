// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IVerifier} from "../interfaces/IVerifier.sol";
import {Message} from "../libs/Message.sol";
import {MerkleMultiProof} from "../libs/MerkleMultiProof.sol";

/// @title RootCacheVerifier
/// @notice The "verify a root once, prove many messages" half shared by every verifier that accepts
/// roots of an origin Mailbox's tree (committee, light client, optimistic). A subclass decides how a
/// root becomes accepted; this contract keeps the accepted roots per origin and proves messages
/// against them with a Merkle multiproof.
/// @dev Proof mode 0x00 (`root ‖ multiproof`) proves against a cached root and is handled here; the
/// subclass handles every other mode in `_verifyMode`.
abstract contract RootCacheVerifier is IVerifier {
    /// @notice Proof mode: messages proven against a root accepted earlier.
    uint8 internal constant MODE_CACHED_ROOT = 0x00;

    /// @notice Whether `root` is an accepted root of the origin Mailbox on `origin`.
    mapping(uint64 origin => mapping(bytes32 root => bool)) public acceptedRoot;

    /// @notice Emitted once per root when it becomes accepted.
    /// @param origin The origin domain.
    /// @param root The accepted root.
    /// @param index The index of the last message under the root.
    event RootAccepted(uint64 indexed origin, bytes32 indexed root, uint32 index);

    /// @notice Thrown when a proof is empty or ends before a field it must contain.
    /// @param needed Bytes the proof needs at least.
    /// @param length Bytes the proof has.
    error ProofTruncated(uint256 needed, uint256 length);
    /// @notice Thrown when a proof has bytes after its last field.
    error ProofTrailingBytes(uint256 extra);
    /// @notice Thrown when a proof's mode byte is not one this verifier knows.
    error UnknownProofMode(uint8 mode);
    /// @notice Thrown when a proof uses a root this verifier has not accepted for the origin.
    error RootNotAccepted(uint64 origin, bytes32 root);
    /// @notice Thrown when the messages' inclusion proof does not lead to the root.
    error InclusionProofInvalid(bytes32 expected, bytes32 computed);
    /// @notice Thrown when a zero root is offered; no verifier accepts it.
    error ZeroRoot();
    /// @notice Thrown when the messages of a batch come from different origins.
    error MixedOrigins(uint256 position);
    /// @notice Thrown when the messages of a batch are not in strictly ascending nonce order.
    error NoncesNotAscending(uint256 position);
    /// @notice Thrown when a batch has no messages.
    error NoMessages();

    /// @inheritdoc IVerifier
    function verify(bytes calldata proof, bytes calldata message) external returns (bool) {
        Message.checkLength(message);
        uint256[] memory indices = new uint256[](1);
        bytes32[] memory ids = new bytes32[](1);
        indices[0] = Message.nonce(message);
        ids[0] = Message.id(message);
        return _verify(proof, Message.origin(message), indices, ids);
    }

    /// @inheritdoc IVerifier
    function verifyBatch(bytes calldata proof, bytes[] calldata messages) external returns (bool) {
        uint256 n = messages.length;
        if (n == 0) revert NoMessages();
        uint256[] memory indices = new uint256[](n);
        bytes32[] memory ids = new bytes32[](n);
        uint64 origin;
        for (uint256 i; i < n; ++i) {
            bytes calldata message = messages[i];
            Message.checkLength(message);
            uint64 o = Message.origin(message);
            uint256 nonce = Message.nonce(message);
            if (i == 0) {
                origin = o;
            } else {
                if (o != origin) revert MixedOrigins(i);
                if (nonce <= indices[i - 1]) revert NoncesNotAscending(i);
            }
            indices[i] = nonce;
            ids[i] = Message.id(message);
        }
        return _verify(proof, origin, indices, ids);
    }

    /// @dev Dispatches on the mode byte.
    function _verify(bytes calldata proof, uint64 origin, uint256[] memory indices, bytes32[] memory ids)
        internal
        returns (bool)
    {
        if (proof.length == 0) revert ProofTruncated(1, 0);
        uint8 mode = uint8(proof[0]);
        if (mode == MODE_CACHED_ROOT) {
            if (proof.length < 33) revert ProofTruncated(33, proof.length);
            bytes32 root = bytes32(proof[1:33]);
            if (!acceptedRoot[origin][root]) revert RootNotAccepted(origin, root);
            _proveInclusion(root, indices, ids, proof, 33);
            return true;
        }
        return _verifyMode(mode, proof, origin, indices, ids);
    }

    /// @notice Handles every proof mode except 0x00.
    /// @param mode The proof's first byte.
    /// @param proof The whole proof, mode byte included.
    /// @param origin The messages' origin domain.
    /// @param indices The messages' nonces (leaf indices), ascending; overwritten by inclusion proofs.
    /// @param ids The message ids; overwritten by inclusion proofs.
    function _verifyMode(
        uint8 mode,
        bytes calldata proof,
        uint64 origin,
        uint256[] memory indices,
        bytes32[] memory ids
    ) internal virtual returns (bool);

    /// @notice Marks `root` accepted for `origin` (idempotent).
    function _acceptRoot(uint64 origin, bytes32 root, uint32 index) internal {
        if (root == bytes32(0)) revert ZeroRoot();
        if (acceptedRoot[origin][root]) return;
        acceptedRoot[origin][root] = true;
        emit RootAccepted(origin, root, index);
    }

    /// @notice Reads the multiproof at `offset` of `proof` (`count (2) ‖ count × 32`), which must end
    /// the proof, and checks that it proves `ids` at `indices` under `root`.
    function _proveInclusion(
        bytes32 root,
        uint256[] memory indices,
        bytes32[] memory ids,
        bytes calldata proof,
        uint256 offset
    ) internal pure {
        if (proof.length < offset + 2) revert ProofTruncated(offset + 2, proof.length);
        uint256 nodeCount = uint16(bytes2(proof[offset:offset + 2]));
        uint256 end = offset + 2 + nodeCount * 32;
        if (proof.length < end) revert ProofTruncated(end, proof.length);
        if (proof.length > end) revert ProofTrailingBytes(proof.length - end);
        bytes32 computed = MerkleMultiProof.computeRoot(indices, ids, proof[offset + 2:end]);
        if (computed != root) revert InclusionProofInvalid(root, computed);
    }
}

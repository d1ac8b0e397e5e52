// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {IVerifier, VerifierKind} from "../interfaces/IVerifier.sol";

/// @title AggregationVerifier
/// @notice Accepts messages only when `threshold` of its sub-verifiers each accept them: "committee
/// AND light client" for large transfers is 2 of 2; "any two of three models" is 2 of 3. The set
/// and threshold are fixed at construction (deploy a new one to change them, and point the
/// application at it: the change is then the application's, visible in its own history).
/// @dev Proof mode 0x05: `0x05 ‖ count (1) ‖ count × (subIndex (1) ‖ length (4) ‖ subProof)`, sub
/// indices strictly ascending (no sub-verifier counts twice), `count ≥ threshold`, nothing after.
/// A sub-verifier that reverts reverts the whole call with its own error, so a relayer sees which
/// check failed. Sub-verifiers are called by this contract, not the Mailbox; root-caching ones do not
/// depend on the caller.
///
/// Cost: the sub-verifiers sit in immutables (no storage read), and each is called with the
/// messages exactly as this call received them — the ABI encoding of `messages` is copied from
/// calldata in one piece instead of being re-encoded element by element, into the same scratch
/// memory for every sub-verifier.
contract AggregationVerifier is IVerifier {
    /// @notice Proof mode: proofs for several sub-verifiers.
    uint8 internal constant MODE_AGGREGATE = 0x05;
    /// @notice Most sub-verifiers.
    uint256 public constant MAX_SUB_VERIFIERS = 8;

    /// @notice How many sub-verifiers must accept.
    uint8 public immutable threshold;
    /// @notice How many sub-verifiers there are.
    uint8 public immutable count;

    IVerifier internal immutable _v0;
    IVerifier internal immutable _v1;
    IVerifier internal immutable _v2;
    IVerifier internal immutable _v3;
    IVerifier internal immutable _v4;
    IVerifier internal immutable _v5;
    IVerifier internal immutable _v6;
    IVerifier internal immutable _v7;

    /// @notice Thrown when the threshold is zero or above the number of sub-verifiers.
    error InvalidThreshold(uint256 threshold, uint256 count);
    /// @notice Thrown for more than `MAX_SUB_VERIFIERS` sub-verifiers.
    error TooManySubVerifiers(uint256 count, uint256 max);
    /// @notice Thrown when a sub-verifier is the zero address.
    error ZeroSubVerifier(uint256 position);
    /// @notice Thrown when a sub-verifier is listed twice.
    error DuplicateSubVerifier(address verifier);
    /// @notice Thrown when a proof does not start with mode 0x05.
    error UnknownProofMode(uint8 mode);
    /// @notice Thrown when a proof ends before a field it must contain.
    error ProofTruncated(uint256 needed, uint256 length);
    /// @notice Thrown when a proof has bytes after its last sub-proof.
    error ProofTrailingBytes(uint256 extra);
    /// @notice Thrown when fewer sub-proofs than the threshold are given.
    error NotEnoughSubProofs(uint256 given, uint256 threshold);
    /// @notice Thrown when sub indices are not strictly ascending.
    error SubIndicesNotAscending(uint256 position, uint256 index);
    /// @notice Thrown when a sub index is out of range.
    error SubIndexOutOfRange(uint256 index, uint256 count);
    /// @notice Thrown when a sub-verifier returned false.
    error SubVerifierRefused(uint256 index);

    /// @param subVerifiers_ The sub-verifiers (at most `MAX_SUB_VERIFIERS`, distinct, non-zero).
    /// @param threshold_ How many must accept (1 to the number of sub-verifiers).
    constructor(IVerifier[] memory subVerifiers_, uint8 threshold_) {
        uint256 n = subVerifiers_.length;
        if (n > MAX_SUB_VERIFIERS) revert TooManySubVerifiers(n, MAX_SUB_VERIFIERS);
        if (threshold_ == 0 || threshold_ > n) revert InvalidThreshold(threshold_, n);
        IVerifier[MAX_SUB_VERIFIERS] memory v;
        for (uint256 i; i < n; ++i) {
            address a = address(subVerifiers_[i]);
            if (a == address(0)) revert ZeroSubVerifier(i);
            for (uint256 j; j < i; ++j) {
                if (address(subVerifiers_[j]) == a) revert DuplicateSubVerifier(a);
            }
            v[i] = subVerifiers_[i];
        }
        (_v0, _v1, _v2, _v3, _v4, _v5, _v6, _v7) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        // forge-lint: disable-next-line(unsafe-typecast)
        count = uint8(n); // at most MAX_SUB_VERIFIERS
        threshold = threshold_;
    }

    /// @notice This verifier combines others.
    function kind() external pure returns (VerifierKind) {
        return VerifierKind.Aggregation;
    }

    /// @notice The sub-verifiers, in the order proofs index them.
    function subVerifiers() external view returns (IVerifier[] memory all) {
        all = new IVerifier[](count);
        for (uint256 i; i < count; ++i) {
            all[i] = _at(i);
        }
    }

    /// @inheritdoc IVerifier
    function verify(bytes calldata proof, bytes calldata message) external returns (bool) {
        uint256 tail;
        assembly ("memory-safe") {
            tail := sub(message.offset, 0x20) // the length word, then the bytes
        }
        _verifyAll(proof, IVerifier.verify.selector, tail);
        return true;
    }

    /// @inheritdoc IVerifier
    function verifyBatch(bytes calldata proof, bytes[] calldata messages) external returns (bool) {
        uint256 tail;
        assembly ("memory-safe") {
            tail := sub(messages.offset, 0x20) // the length word, then the offsets and elements
        }
        _verifyAll(proof, IVerifier.verifyBatch.selector, tail);
        return true;
    }

    /// @dev Calls each sub-verifier the proof names with its sub-proof and the message(s) whose ABI
    /// encoding starts at calldata position `tail`; reverts unless each accepts.
    function _verifyAll(bytes calldata proof, bytes4 selector, uint256 tail) internal {
        uint256 offset = _header(proof);
        uint256 given = uint8(proof[1]);
        uint256 previous;
        for (uint256 k; k < given; ++k) {
            (uint256 index, bytes calldata sub, uint256 next) = _sub(proof, offset, k, previous);
            if (!_forward(_at(index), selector, sub, tail)) revert SubVerifierRefused(index);
            previous = index;
            offset = next;
        }
        if (offset != proof.length) revert ProofTrailingBytes(proof.length - offset);
    }

    /// @dev Calls `verifier.<selector>(sub, <the argument encoded at tail>)`: the second argument's
    /// encoding (from its length word to the end of calldata) is copied as it is. ABI offsets inside
    /// a dynamic value are relative to its own start, and every element lies after that start, so
    /// the copy decodes exactly as this call's argument did; bytes after it are ignored by the
    /// callee. The call data is built above the free memory pointer without moving it, so every
    /// sub-verifier reuses the same memory. A revert is passed on with its data; the result is true
    /// only for a returned word of 1. The Mailbox calls verifiers through Solidity's encoder, which
    /// writes the standard layout; a hand-made layout (a direct call) can at most make a
    /// sub-verifier check other messages than intended, and a sub-verifier accepts a root only on a
    /// valid proof of it, whatever the messages.
    function _forward(IVerifier verifier, bytes4 selector, bytes calldata sub, uint256 tail)
        internal
        returns (bool accepted)
    {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let subLength := sub.length
            let subPadded := and(add(subLength, 31), not(31))
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), 0x40)
            mstore(add(ptr, 0x24), add(0x60, subPadded))
            mstore(add(ptr, 0x44), subLength)
            let subAt := add(ptr, 0x64)
            calldatacopy(subAt, sub.offset, subLength)
            mstore(add(subAt, subLength), 0) // zero the padding (the tail overwrites what follows)
            let tailAt := add(subAt, subPadded)
            let tailLength := sub(calldatasize(), tail)
            calldatacopy(tailAt, tail, tailLength)
            let ok := call(gas(), verifier, 0, ptr, sub(add(tailAt, tailLength), ptr), 0, 0x20)
            if iszero(ok) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            accepted := and(gt(returndatasize(), 0x1f), eq(mload(0), 1))
        }
    }

    /// @dev The sub-verifier at `index` (below `count`).
    function _at(uint256 index) internal view returns (IVerifier) {
        if (index < 4) {
            if (index < 2) return index == 0 ? _v0 : _v1;
            return index == 2 ? _v2 : _v3;
        }
        if (index < 6) return index == 4 ? _v4 : _v5;
        return index == 6 ? _v6 : _v7;
    }

    /// @dev Checks the mode and count; returns the offset of the first sub-proof.
    function _header(bytes calldata proof) internal view returns (uint256) {
        if (proof.length < 2) revert ProofTruncated(2, proof.length);
        uint8 mode = uint8(proof[0]);
        if (mode != MODE_AGGREGATE) revert UnknownProofMode(mode);
        uint256 given = uint8(proof[1]);
        if (given < threshold) revert NotEnoughSubProofs(given, threshold);
        return 2;
    }

    /// @dev The `k`-th sub-proof at `offset`: its sub-verifier index, bytes, and the next offset.
    function _sub(bytes calldata proof, uint256 offset, uint256 k, uint256 previous)
        internal
        view
        returns (uint256 index, bytes calldata sub, uint256 next)
    {
        if (proof.length < offset + 5) revert ProofTruncated(offset + 5, proof.length);
        index = uint8(proof[offset]);
        if (index >= count) revert SubIndexOutOfRange(index, count);
        if (k > 0 && index <= previous) revert SubIndicesNotAscending(k, index);
        uint256 length = uint32(bytes4(proof[offset + 1:offset + 5]));
        next = offset + 5 + length;
        if (proof.length < next) revert ProofTruncated(next, proof.length);
        sub = proof[offset + 5:next];
    }
}

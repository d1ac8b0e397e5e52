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
contract AggregationVerifier is IVerifier {
    /// @notice Proof mode: proofs for several sub-verifiers.
    uint8 internal constant MODE_AGGREGATE = 0x05;

    /// @notice How many sub-verifiers must accept.
    uint8 public immutable threshold;

    IVerifier[] internal _subVerifiers;

    /// @notice Thrown when the threshold is zero or above the number of sub-verifiers.
    error InvalidThreshold(uint256 threshold, uint256 count);
    /// @notice Thrown for more than 255 sub-verifiers.
    error TooManySubVerifiers(uint256 count);
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

    /// @param subVerifiers_ The sub-verifiers (at most 255, distinct, non-zero).
    /// @param threshold_ How many must accept (1 to the number of sub-verifiers).
    constructor(IVerifier[] memory subVerifiers_, uint8 threshold_) {
        uint256 n = subVerifiers_.length;
        if (n > type(uint8).max) revert TooManySubVerifiers(n);
        if (threshold_ == 0 || threshold_ > n) revert InvalidThreshold(threshold_, n);
        for (uint256 i; i < n; ++i) {
            address v = address(subVerifiers_[i]);
            if (v == address(0)) revert ZeroSubVerifier(i);
            for (uint256 j; j < i; ++j) {
                if (address(subVerifiers_[j]) == v) revert DuplicateSubVerifier(v);
            }
            _subVerifiers.push(subVerifiers_[i]);
        }
        threshold = threshold_;
    }

    /// @notice This verifier combines others.
    function kind() external pure returns (VerifierKind) {
        return VerifierKind.Aggregation;
    }

    /// @notice The sub-verifiers, in the order proofs index them.
    function subVerifiers() external view returns (IVerifier[] memory) {
        return _subVerifiers;
    }

    /// @inheritdoc IVerifier
    function verify(bytes calldata proof, bytes calldata message) external returns (bool) {
        uint256 offset = _header(proof);
        uint256 count = uint8(proof[1]);
        uint256 previous;
        for (uint256 k; k < count; ++k) {
            (uint256 index, bytes calldata sub, uint256 next) = _sub(proof, offset, k, previous);
            if (!_subVerifiers[index].verify(sub, message)) revert SubVerifierRefused(index);
            previous = index;
            offset = next;
        }
        if (offset != proof.length) revert ProofTrailingBytes(proof.length - offset);
        return true;
    }

    /// @inheritdoc IVerifier
    function verifyBatch(bytes calldata proof, bytes[] calldata messages) external returns (bool) {
        uint256 offset = _header(proof);
        uint256 count = uint8(proof[1]);
        uint256 previous;
        for (uint256 k; k < count; ++k) {
            (uint256 index, bytes calldata sub, uint256 next) = _sub(proof, offset, k, previous);
            if (!_subVerifiers[index].verifyBatch(sub, messages)) revert SubVerifierRefused(index);
            previous = index;
            offset = next;
        }
        if (offset != proof.length) revert ProofTrailingBytes(proof.length - offset);
        return true;
    }

    /// @dev Checks the mode and count; returns the offset of the first sub-proof.
    function _header(bytes calldata proof) internal view returns (uint256) {
        if (proof.length < 2) revert ProofTruncated(2, proof.length);
        uint8 mode = uint8(proof[0]);
        if (mode != MODE_AGGREGATE) revert UnknownProofMode(mode);
        uint256 count = uint8(proof[1]);
        if (count < threshold) revert NotEnoughSubProofs(count, threshold);
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
        if (index >= _subVerifiers.length) revert SubIndexOutOfRange(index, _subVerifiers.length);
        if (k > 0 && index <= previous) revert SubIndicesNotAscending(k, index);
        uint256 length = uint32(bytes4(proof[offset + 1:offset + 5]));
        next = offset + 5 + length;
        if (proof.length < next) revert ProofTruncated(next, proof.length);
        sub = proof[offset + 5:next];
    }
}

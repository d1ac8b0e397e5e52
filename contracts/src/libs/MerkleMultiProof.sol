// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {MerkleTree} from "./MerkleTree.sol";

/// @title MerkleMultiProof
/// @notice Proves that several leaves belong to one depth-32 Merkle tree with a single list of
/// sibling nodes. Leaves that are siblings of each other need no proof node, so a batch of nearby
/// messages costs far fewer nodes (and calldata) than one branch per message. The node order is
/// fixed by docs/protocol.md ("Multiproof") and shared with crates/core.
library MerkleMultiProof {
    /// @notice Thrown when the proof runs out of nodes before the root is reached.
    error ProofTooShort();
    /// @notice Thrown when the root is reached with proof bytes left over.
    /// @param unused Number of bytes not consumed.
    error ProofTooLong(uint256 unused);
    /// @notice Thrown when the proof's byte length is not a whole number of nodes.
    error ProofNotWordAligned(uint256 length);
    /// @notice Thrown when a multiproof is asked for no leaves at all.
    error NoLeaves();

    /// @notice Computes the root of the tree from `leaves` at `indices` and the sibling `nodes`.
    /// @dev `indices` must be strictly ascending and below 2^32 (callers check). Both arrays are
    /// overwritten: the computation runs in place, one level at a time.
    /// @param indices Leaf indices, strictly ascending.
    /// @param leaves Leaf hashes, one per index.
    /// @param nodes Sibling nodes, 32 bytes each, in the order the algorithm consumes them.
    function computeRoot(uint256[] memory indices, bytes32[] memory leaves, bytes calldata nodes)
        internal
        pure
        returns (bytes32)
    {
        uint256 n = leaves.length;
        if (n == 0) revert NoLeaves();
        if (nodes.length % 32 != 0) revert ProofNotWordAligned(nodes.length);
        uint256 cursor; // byte offset of the next unused node
        uint256 total = nodes.length;
        unchecked {
            for (uint256 level; level < MerkleTree.DEPTH; ++level) {
                uint256 written;
                uint256 i;
                while (i < n) {
                    uint256 index = indices[i];
                    bytes32 node = leaves[i];
                    if (index & 1 == 0) {
                        if (i + 1 < n && indices[i + 1] == index + 1) {
                            node = MerkleTree.hashPair(node, leaves[i + 1]);
                            i += 2;
                        } else {
                            if (cursor == total) revert ProofTooShort();
                            node = MerkleTree.hashPair(node, _nodeAt(nodes, cursor));
                            cursor += 32;
                            ++i;
                        }
                    } else {
                        if (cursor == total) revert ProofTooShort();
                        node = MerkleTree.hashPair(_nodeAt(nodes, cursor), node);
                        cursor += 32;
                        ++i;
                    }
                    indices[written] = index >> 1;
                    leaves[written] = node;
                    ++written;
                }
                n = written;
            }
            if (cursor != total) revert ProofTooLong(total - cursor);
        }
        return leaves[0];
    }

    function _nodeAt(bytes calldata nodes, uint256 offset) private pure returns (bytes32 node) {
        assembly ("memory-safe") {
            node := calldataload(add(nodes.offset, offset))
        }
    }
}

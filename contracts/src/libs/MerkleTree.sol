// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title MerkleTree
/// @notice The append-only Merkle tree of depth 32 that each Mailbox keeps of the message ids it
/// dispatched (the Ethereum deposit contract's construction). Appending costs one storage write of a
/// branch node plus the count; the root is computed on demand by off-chain readers and verifiers'
/// tooling, never on the dispatch path.
library MerkleTree {
    /// @notice Depth of the tree: at most 2^32 leaves, matching the uint32 message nonce.
    uint256 internal constant DEPTH = 32;
    /// @notice Number of leaves the tree can hold: 2^32 - 1, so that every insertion leaves a set
    /// bit in the count below bit 32 and the new node is always stored (as in the deposit contract).
    uint256 internal constant CAPACITY = type(uint32).max;

    /// @notice Thrown when a leaf is appended to a tree that holds 2^32 leaves already.
    error TreeFull();

    /// @notice The tree's state: one stored node per level and the number of leaves.
    struct Tree {
        bytes32[DEPTH] branch;
        uint256 count;
    }

    /// @notice Appends `leaf`; returns its index.
    function insert(Tree storage tree, bytes32 leaf) internal returns (uint256 index) {
        index = tree.count;
        if (index >= CAPACITY) revert TreeFull();
        uint256 size = index + 1;
        tree.count = size;
        bytes32 node = leaf;
        for (uint256 level; level < DEPTH; ++level) {
            if (size & 1 == 1) {
                tree.branch[level] = node;
                return index;
            }
            node = hashPair(tree.branch[level], node);
            size >>= 1;
        }
        // Unreachable: 1 <= size <= CAPACITY has a set bit below bit 32.
    }

    /// @notice The root of the tree as it is now.
    function root(Tree storage tree) internal view returns (bytes32 current) {
        uint256 size = tree.count;
        bytes32 zero; // Z[level]
        for (uint256 level; level < DEPTH; ++level) {
            if ((size >> level) & 1 == 1) {
                current = hashPair(tree.branch[level], current);
            } else {
                current = hashPair(current, zero);
            }
            zero = hashPair(zero, zero);
        }
    }

    /// @notice keccak256(a ‖ b) using the scratch space.
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            h := keccak256(0x00, 0x40)
        }
    }
}

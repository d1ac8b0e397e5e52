// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {MerkleTree} from "./MerkleTree.sol";

/// @title Claims
/// @notice What an optimistic claim is (the digest its proposer signs) and how the origin chain
/// proves one false: the root a Mailbox's tree had right after leaf `index`, recomputed from a
/// proof of that leaf in the tree as it is now.
/// @dev The tree is append-only, so the subtrees to the left of leaf `index` are complete and never
/// change after it is inserted; the ones to its right were empty then. The root at `index` is the
/// leaf folded with its current left siblings and the empty-subtree hashes on the right. The same
/// siblings with the current right ones fold to the current root, which the Mailbox computes: one
/// proof shows both. Cost: 64 hashes of 64 bytes and 1 KiB of calldata, plus the Mailbox's `root()`
/// (32 storage reads).
library Claims {
    /// @notice Domain tag of claim signatures.
    bytes32 internal constant TAG = keccak256("courier.optimistic.claim.v1");

    /// @notice EIP-191 hash of keccak256(TAG ‖ origin (8) ‖ mailbox (32) ‖ root (32) ‖ index (4)).
    function digest(uint64 origin, bytes32 originMailbox, bytes32 root, uint32 index) internal pure returns (bytes32) {
        return
            MessageHashUtils.toEthSignedMessageHash(
                keccak256(abi.encodePacked(TAG, origin, originMailbox, root, index))
            );
    }

    /// @notice Folds `leaf` at `index` with `siblings` (leaf level first): the root they prove.
    function branchRoot(bytes32 leaf, uint256 index, bytes32[32] calldata siblings)
        internal
        pure
        returns (bytes32 node)
    {
        node = leaf;
        for (uint256 level; level < 32; ++level) {
            node = (index >> level) & 1 == 1
                ? MerkleTree.hashPair(siblings[level], node)
                : MerkleTree.hashPair(node, siblings[level]);
        }
    }

    /// @notice The root the tree had when `leaf` at `index` was its last leaf: `leaf` folded with
    /// the left siblings of `siblings` and empty subtrees on the right.
    function rootAtIndex(bytes32 leaf, uint256 index, bytes32[32] calldata siblings)
        internal
        pure
        returns (bytes32 node)
    {
        node = leaf;
        bytes32 zero; // the empty subtree of the current level
        for (uint256 level; level < 32; ++level) {
            node = (index >> level) & 1 == 1
                ? MerkleTree.hashPair(siblings[level], node)
                : MerkleTree.hashPair(node, zero);
            zero = MerkleTree.hashPair(zero, zero);
        }
    }
}

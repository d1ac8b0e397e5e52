// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

/// @title TreeBuilder
/// @notice Test-side Merkle tree over all leaves, able to produce the multiproofs the verifiers read
/// (docs/protocol.md, "Multiproof"). It is written independently of the on-chain libraries so the two
/// check each other; the Rust implementation is checked against both through vectors/.
library TreeBuilder {
    uint256 internal constant DEPTH = 32;

    function zeroes() internal pure returns (bytes32[] memory z) {
        z = new bytes32[](DEPTH + 1);
        for (uint256 i = 1; i <= DEPTH; ++i) {
            z[i] = keccak256(abi.encodePacked(z[i - 1], z[i - 1]));
        }
    }

    /// @notice All levels of the tree of `leaves` (level 0 = leaves), each as long as needed.
    function levels(bytes32[] memory leaves) internal pure returns (bytes32[][] memory lv) {
        bytes32[] memory z = zeroes();
        lv = new bytes32[][](DEPTH + 1);
        lv[0] = leaves;
        for (uint256 l; l < DEPTH; ++l) {
            bytes32[] memory below = lv[l];
            uint256 size = (below.length + 1) / 2;
            if (size == 0) size = 1;
            bytes32[] memory up = new bytes32[](size);
            for (uint256 i; i < size; ++i) {
                bytes32 left = 2 * i < below.length ? below[2 * i] : z[l];
                bytes32 right = 2 * i + 1 < below.length ? below[2 * i + 1] : z[l];
                up[i] = keccak256(abi.encodePacked(left, right));
            }
            lv[l + 1] = up;
        }
    }

    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        if (leaves.length == 0) return zeroes()[DEPTH];
        return levels(leaves)[DEPTH][0];
    }

    /// @notice The multiproof for `indices` (strictly ascending) as packed bytes: `count (2) ‖ nodes`.
    function multiproof(bytes32[] memory leaves, uint256[] memory indices) internal pure returns (bytes memory) {
        bytes32[][] memory lv = levels(leaves);
        bytes32[] memory z = zeroes();
        uint256[] memory cur = new uint256[](indices.length);
        for (uint256 i; i < indices.length; ++i) {
            cur[i] = indices[i];
        }
        uint256 n = cur.length;
        bytes memory nodes;
        uint256 count;
        for (uint256 l; l < DEPTH; ++l) {
            uint256 written;
            uint256 i;
            while (i < n) {
                uint256 index = cur[i];
                uint256 sibling = index ^ 1;
                if (index & 1 == 0 && i + 1 < n && cur[i + 1] == index + 1) {
                    i += 2;
                } else {
                    bytes32 node = sibling < lv[l].length ? lv[l][sibling] : z[l];
                    nodes = abi.encodePacked(nodes, node);
                    ++count;
                    ++i;
                }
                cur[written++] = index >> 1;
            }
            n = written;
        }
        return abi.encodePacked(uint16(count), nodes);
    }
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

import {MerkleMultiProof} from "../src/libs/MerkleMultiProof.sol";
import {MerkleTree} from "../src/libs/MerkleTree.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";

/// @notice Exposes the tree libraries (storage and calldata arguments) to the tests.
contract TreeHarness {
    using MerkleTree for MerkleTree.Tree;

    MerkleTree.Tree internal tree;

    function insert(bytes32 leaf) external returns (uint256) {
        return tree.insert(leaf);
    }

    function root() external view returns (bytes32) {
        return tree.root();
    }

    function setCount(uint256 count) external {
        tree.count = count;
    }

    function multiRoot(uint256[] memory indices, bytes32[] memory leaves, bytes calldata nodes)
        external
        pure
        returns (bytes32)
    {
        return MerkleMultiProof.computeRoot(indices, leaves, nodes);
    }
}

contract MerkleTreeTest is Test {
    TreeHarness internal h;

    function setUp() public {
        h = new TreeHarness();
    }

    function _leaf(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("leaf-", vm.toString(i)));
    }

    function _leaves(uint256 n) internal pure returns (bytes32[] memory ls) {
        ls = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            ls[i] = _leaf(i);
        }
    }

    function test_emptyRootIsZ32() public view {
        assertEq(h.root(), TreeBuilder.zeroes()[32]);
    }

    function testFuzz_incrementalRootMatchesFullTree(uint8 n) public {
        bytes32[] memory all = _leaves(n);
        for (uint256 i; i < n; ++i) {
            assertEq(h.insert(all[i]), i);
        }
        assertEq(h.root(), TreeBuilder.root(all));
    }

    function test_insertRefusesAFullTree() public {
        h.setCount(MerkleTree.CAPACITY - 1);
        h.insert(bytes32(uint256(1))); // the last leaf fits
        vm.expectRevert(MerkleTree.TreeFull.selector);
        h.insert(bytes32(uint256(2)));
    }

    function _subset(uint256 size, uint256 mask) internal pure returns (uint256[] memory idx, bytes32[] memory ls) {
        uint256 count;
        for (uint256 i; i < size; ++i) {
            count += (mask >> i) & 1;
        }
        idx = new uint256[](count);
        ls = new bytes32[](count);
        uint256 j;
        for (uint256 i; i < size; ++i) {
            if ((mask >> i) & 1 == 1) {
                idx[j] = i;
                ls[j] = _leaf(i);
                ++j;
            }
        }
    }

    function _nodes(bytes memory packed) internal pure returns (bytes memory nodes) {
        nodes = new bytes(packed.length - 2);
        for (uint256 i; i < nodes.length; ++i) {
            nodes[i] = packed[i + 2];
        }
    }

    function testFuzz_multiproofProvesAnySubset(uint256 mask, uint8 sizeSeed) public view {
        uint256 size = 1 + (uint256(sizeSeed) % 200);
        if (size < 256) mask &= (uint256(1) << size) - 1;
        vm.assume(mask != 0);
        bytes32[] memory all = _leaves(size);
        (uint256[] memory idx, bytes32[] memory ls) = _subset(size, mask);
        bytes memory nodes = _nodes(TreeBuilder.multiproof(all, idx));
        assertEq(h.multiRoot(idx, ls, nodes), TreeBuilder.root(all));
    }

    function testFuzz_multiproofRefusesAWrongLeaf(uint256 mask, uint8 which) public view {
        uint256 size = 64;
        mask &= (uint256(1) << size) - 1;
        vm.assume(mask != 0);
        bytes32[] memory all = _leaves(size);
        (uint256[] memory idx, bytes32[] memory ls) = _subset(size, mask);
        bytes memory nodes = _nodes(TreeBuilder.multiproof(all, idx));
        ls[uint256(which) % ls.length] ^= bytes32(uint256(1));
        assertTrue(h.multiRoot(idx, ls, nodes) != TreeBuilder.root(all));
    }

    function test_singleLeafProofIs32Nodes() public pure {
        bytes32[] memory all = _leaves(5);
        uint256[] memory idx = new uint256[](1);
        idx[0] = 3;
        assertEq(TreeBuilder.multiproof(all, idx).length, 2 + 32 * 32);
    }

    function test_refusesNoLeavesAndMisalignedNodes() public {
        vm.expectRevert(MerkleMultiProof.NoLeaves.selector);
        h.multiRoot(new uint256[](0), new bytes32[](0), "");
        uint256[] memory idx = new uint256[](1);
        bytes32[] memory ls = new bytes32[](1);
        vm.expectRevert(abi.encodeWithSelector(MerkleMultiProof.ProofNotWordAligned.selector, 33));
        h.multiRoot(idx, ls, new bytes(33));
    }
}

//! `vectors/merkle.json` against `courier_core::merkle`.

use alloy_primitives::{B256, keccak256};
use courier_core::{
    IncrementalTree, MerkleTree, ZERO_HASHES,
    merkle::{DEPTH, branch_root, multiproof_root},
};
use serde_json::Value;

use crate::util::{array, int, load, word, words};

#[test]
fn zero_hashes_and_empty_root() {
    let file = load("merkle.json");
    assert_eq!(words(&file, "zeroes"), ZERO_HASHES.to_vec());
    assert_eq!(word(&file, "emptyRoot"), ZERO_HASHES[DEPTH]);
    assert_eq!(word(&file, "emptyRoot"), IncrementalTree::new().root());
}

fn trees() -> Vec<Value> {
    let file = load("merkle.json");
    let trees = array(&file, "trees").to_vec();
    assert_eq!(int(&file, "count") as usize, trees.len());
    let sizes: Vec<u64> = trees.iter().map(|t| int(t, "size")).collect();
    assert_eq!(sizes, [1, 2, 3, 5, 8, 17, 100]);
    trees
}

#[test]
fn leaves_and_roots_after_every_insertion() {
    for tree in trees() {
        let size = int(&tree, "size") as usize;
        let leaves = words(&tree, "leaves");
        let roots = words(&tree, "roots");
        assert_eq!((leaves.len(), roots.len()), (size, size));
        let mut incremental = IncrementalTree::new();
        for (i, leaf) in leaves.iter().enumerate() {
            assert_eq!(
                *leaf,
                keccak256(format!("leaf-{i}")),
                "leaf {i} of tree {size}"
            );
            incremental.insert(*leaf).unwrap();
            assert_eq!(incremental.root(), roots[i], "root after {} leaves", i + 1);
        }
        assert_eq!(word(&tree, "root"), roots[size - 1]);
        assert_eq!(
            MerkleTree::from_leaves(leaves).unwrap().root(),
            roots[size - 1]
        );
    }
}

#[test]
fn single_leaf_proofs() {
    for tree in trees() {
        let size = int(&tree, "size") as u32;
        let leaves = words(&tree, "leaves");
        let root = word(&tree, "root");
        let full = MerkleTree::from_leaves(leaves.iter().copied()).unwrap();
        let proofs = array(&tree, "proofs");
        let indices: Vec<u32> = proofs.iter().map(|p| int(p, "index") as u32).collect();
        assert!(
            indices.contains(&0) && indices.contains(&(size - 1)),
            "tree {size}: {indices:?}"
        );
        for (proof, index) in proofs.iter().zip(indices) {
            let branch: [B256; DEPTH] = words(proof, "branch").try_into().unwrap();
            let leaf = leaves[index as usize];
            assert_eq!(
                branch_root(index, leaf, &branch),
                root,
                "tree {size} index {index}"
            );
            assert_eq!(multiproof_root(&[(index, leaf)], &branch).unwrap(), root);
            assert_eq!(full.proof(index).unwrap(), branch);
        }
    }
}

#[test]
fn multiproofs() {
    for tree in trees() {
        let size = int(&tree, "size") as u32;
        let leaves = words(&tree, "leaves");
        let root = word(&tree, "root");
        let full = MerkleTree::from_leaves(leaves.iter().copied()).unwrap();
        let mut saw_all = false;
        let mut saw_single = false;
        for multiproof in array(&tree, "multiproofs") {
            let indices: Vec<u32> = array(multiproof, "indices")
                .iter()
                .map(|i| i.as_u64().unwrap() as u32)
                .collect();
            let nodes = words(multiproof, "nodes");
            let proven: Vec<(u32, B256)> =
                indices.iter().map(|&i| (i, leaves[i as usize])).collect();
            assert_eq!(
                multiproof_root(&proven, &nodes).unwrap(),
                root,
                "tree {size} {indices:?}"
            );
            assert_eq!(
                full.multiproof(&indices).unwrap(),
                nodes,
                "tree {size} {indices:?}"
            );
            // One node short or one too many is refused.
            if let Some((_, fewer)) = nodes.split_last() {
                assert!(multiproof_root(&proven, fewer).is_err());
            }
            let mut more = nodes.clone();
            more.push(B256::ZERO);
            assert!(multiproof_root(&proven, &more).is_err());
            saw_all |= indices == (0..size).collect::<Vec<_>>();
            saw_single |= indices.len() == 1;
        }
        assert!(
            saw_all && saw_single,
            "tree {size} lacks an all-leaves or single-leaf multiproof"
        );
    }
}

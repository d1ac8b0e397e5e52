//! `merkle.json`: the empty-subtree hashes and trees of several sizes (around powers of two), each
//! with its root after every insertion, single-leaf branches and multiproofs of several shapes.

use alloy_primitives::{B256, keccak256};
use courier_core::{IncrementalTree, MerkleTree, ZERO_HASHES, merkle::DEPTH};
use eyre::{Result, ensure};
use serde::Serialize;

use crate::hex::{hex, hex_all};

const SIZES: [u32; 7] = [1, 2, 3, 5, 8, 17, 100];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct File {
    zeroes: Vec<String>,
    empty_root: String,
    count: usize,
    trees: Vec<Tree>,
}

#[derive(Serialize)]
struct Tree {
    size: u32,
    leaves: Vec<String>,
    roots: Vec<String>,
    root: String,
    proofs: Vec<Proof>,
    multiproofs: Vec<Multiproof>,
}

#[derive(Serialize)]
struct Proof {
    index: u32,
    branch: Vec<String>,
}

#[derive(Serialize)]
struct Multiproof {
    indices: Vec<u32>,
    nodes: Vec<String>,
}

/// Leaf `i` of every vector tree: `keccak256("leaf-" ‖ decimal i)`.
pub(crate) fn leaf(i: u32) -> B256 {
    keccak256(format!("leaf-{i}"))
}

pub(crate) fn vectors() -> Result<File> {
    let trees = SIZES
        .iter()
        .map(|&size| tree(size))
        .collect::<Result<Vec<_>>>()?;
    Ok(File {
        zeroes: hex_all(ZERO_HASHES.iter()),
        empty_root: hex(ZERO_HASHES[DEPTH]),
        count: trees.len(),
        trees,
    })
}

fn tree(size: u32) -> Result<Tree> {
    let leaves: Vec<B256> = (0..size).map(leaf).collect();
    let full = MerkleTree::from_leaves(leaves.iter().copied())?;
    let mut incremental = IncrementalTree::new();
    let mut roots = Vec::with_capacity(leaves.len());
    for (count, &leaf) in (1..).zip(&leaves) {
        incremental.insert(leaf)?;
        // Two independent computations of the same root; they must agree before either is written.
        ensure!(
            incremental.root() == full.root_at(count)?,
            "roots disagree at size {count}"
        );
        roots.push(incremental.root());
    }

    let mut proof_indices = vec![0, size / 2, size - 1];
    proof_indices.dedup();
    let proofs = proof_indices
        .into_iter()
        .map(|index| {
            Ok(Proof {
                index,
                branch: hex_all(full.proof(index)?),
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let all: Vec<u32> = (0..size).collect();
    let start = size / 4;
    let range: Vec<u32> = (start..size.min(start + (size / 2).max(1))).collect();
    let mut sparse: Vec<u32> = (0..size).filter(|i| i % 3 == 1).collect();
    sparse.push(size - 1);
    sparse.dedup();
    let single = vec![size / 2];
    let mut sets: Vec<Vec<u32>> = Vec::new();
    for set in [all, range, sparse, single] {
        if !set.is_empty() && !sets.contains(&set) {
            sets.push(set);
        }
    }
    let multiproofs = sets
        .into_iter()
        .map(|indices| {
            let nodes = hex_all(full.multiproof(&indices)?);
            Ok(Multiproof { indices, nodes })
        })
        .collect::<Result<Vec<_>>>()?;

    Ok(Tree {
        size,
        leaves: hex_all(&leaves),
        roots: hex_all(&roots),
        root: hex(full.root()),
        proofs,
        multiproofs,
    })
}

//! Merkle branches: checking the ones light-client data carries (finality, sync committees,
//! execution payload) and building the ones an on-chain verifier needs (a pubkey inside a sync
//! committee).
//!
//! A generalized index (gindex) names a node: the root is 1, the children of `g` are `2g` and
//! `2g + 1`, so `floorlog2(g)` is the depth and `g - 2^depth` the position at that depth.

use alloy_primitives::B256;

use crate::{config::Fork, ssz::hash_pair};

/// `get_generalized_index(BeaconBlockBody, 'execution_payload')` from Capella on.
pub const EXECUTION_PAYLOAD_GINDEX: u64 = 25;
/// `get_generalized_index(BeaconState, 'finalized_checkpoint', 'root')` before Electra.
pub const FINALIZED_ROOT_GINDEX: u64 = 105;
/// `get_generalized_index(BeaconState, 'current_sync_committee')` before Electra.
pub const CURRENT_SYNC_COMMITTEE_GINDEX: u64 = 54;
/// `get_generalized_index(BeaconState, 'next_sync_committee')` before Electra.
pub const NEXT_SYNC_COMMITTEE_GINDEX: u64 = 55;
/// `FINALIZED_ROOT_GINDEX_ELECTRA` (the Electra `BeaconState` has more than 32 fields).
pub const FINALIZED_ROOT_GINDEX_ELECTRA: u64 = 169;
/// `CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA`.
pub const CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA: u64 = 86;
/// `NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA`.
pub const NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA: u64 = 87;

/// `floorlog2(gindex)`: the depth of the node.
pub const fn floorlog2(gindex: u64) -> usize {
    (63 - gindex.leading_zeros()) as usize
}

/// `get_subtree_index(gindex)`: the node's position at its depth.
pub const fn subtree_index(gindex: u64) -> u64 {
    gindex - (1 << floorlog2(gindex))
}

/// `finalized_root_gindex_at_slot` for the fork of the attested header.
pub fn finalized_root_gindex(fork: Fork) -> u64 {
    if fork >= Fork::Electra {
        FINALIZED_ROOT_GINDEX_ELECTRA
    } else {
        FINALIZED_ROOT_GINDEX
    }
}

/// `current_sync_committee_gindex_at_slot` for the fork of the header.
pub fn current_sync_committee_gindex(fork: Fork) -> u64 {
    if fork >= Fork::Electra {
        CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA
    } else {
        CURRENT_SYNC_COMMITTEE_GINDEX
    }
}

/// `next_sync_committee_gindex_at_slot` for the fork of the attested header.
pub fn next_sync_committee_gindex(fork: Fork) -> u64 {
    if fork >= Fork::Electra {
        NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA
    } else {
        NEXT_SYNC_COMMITTEE_GINDEX
    }
}

/// The root that `leaf` at position `index` and its `branch` (siblings, leaf level first) hash to.
pub fn branch_root(leaf: &B256, branch: &[B256], index: u64) -> B256 {
    let mut node = *leaf;
    for (level, sibling) in branch.iter().enumerate() {
        node = if (index >> level) & 1 == 1 {
            hash_pair(sibling, &node)
        } else {
            hash_pair(&node, sibling)
        };
    }
    node
}

/// `is_valid_merkle_branch` with a branch of exactly `depth` nodes.
pub fn is_valid_merkle_branch(
    leaf: &B256,
    branch: &[B256],
    depth: usize,
    index: u64,
    root: &B256,
) -> bool {
    branch.len() == depth && branch_root(leaf, branch, index) == *root
}

/// `is_valid_normalized_merkle_branch`: a branch may be longer than the gindex's depth (a branch
/// of a later fork's layout, upgraded), as long as the extra leading nodes are zero.
pub fn is_valid_normalized_merkle_branch(
    leaf: &B256,
    branch: &[B256],
    gindex: u64,
    root: &B256,
) -> bool {
    let depth = floorlog2(gindex);
    let Some(extra) = branch.len().checked_sub(depth) else {
        return false;
    };
    branch[..extra].iter().all(|node| node.is_zero())
        && is_valid_merkle_branch(leaf, &branch[extra..], depth, subtree_index(gindex), root)
}

/// The branch of leaf `index` in the tree over `leaves` padded with zero leaves to `2^depth`.
/// Returns `None` when `index` is not below `leaves.len()` or the leaves do not fit the depth.
pub fn build_branch(leaves: &[B256], depth: usize, index: usize) -> Option<Vec<B256>> {
    if index >= leaves.len() || depth >= usize::BITS as usize || leaves.len() > 1 << depth {
        return None;
    }
    let mut layer = leaves.to_vec();
    let mut position = index;
    let mut branch = Vec::with_capacity(depth);
    let mut zero = B256::ZERO;
    for _ in 0..depth {
        if layer.len() % 2 == 1 {
            layer.push(zero);
        }
        branch.push(layer[position ^ 1]);
        layer = layer
            .chunks_exact(2)
            .map(|pair| hash_pair(&pair[0], &pair[1]))
            .collect();
        zero = hash_pair(&zero, &zero);
        position /= 2;
    }
    Some(branch)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::ssz::merkleize;

    #[test]
    fn gindex_arithmetic() {
        assert_eq!(floorlog2(EXECUTION_PAYLOAD_GINDEX), 4);
        assert_eq!(subtree_index(EXECUTION_PAYLOAD_GINDEX), 9);
        assert_eq!(floorlog2(FINALIZED_ROOT_GINDEX), 6);
        assert_eq!(floorlog2(FINALIZED_ROOT_GINDEX_ELECTRA), 7);
        assert_eq!(floorlog2(CURRENT_SYNC_COMMITTEE_GINDEX), 5);
        assert_eq!(floorlog2(NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA), 6);
        assert_eq!(subtree_index(NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA), 23);
        assert_eq!(finalized_root_gindex(Fork::Deneb), 105);
        assert_eq!(finalized_root_gindex(Fork::Fulu), 169);
    }

    #[test]
    fn built_branches_verify_and_tampered_ones_do_not() {
        let leaves: Vec<B256> = (0..11u8).map(B256::repeat_byte).collect();
        let root = merkleize(&leaves, 16);
        for index in 0..leaves.len() {
            let branch = build_branch(&leaves, 4, index).unwrap();
            assert!(is_valid_merkle_branch(
                &leaves[index],
                &branch,
                4,
                index as u64,
                &root
            ));
            let gindex = 16 + index as u64;
            assert!(is_valid_normalized_merkle_branch(
                &leaves[index],
                &branch,
                gindex,
                &root
            ));
            // Leading zero nodes are allowed, anything else is not.
            let mut longer = vec![B256::ZERO];
            longer.extend(&branch);
            assert!(is_valid_normalized_merkle_branch(
                &leaves[index],
                &longer,
                gindex,
                &root
            ));
            longer[0] = B256::repeat_byte(1);
            assert!(!is_valid_normalized_merkle_branch(
                &leaves[index],
                &longer,
                gindex,
                &root
            ));
            let mut wrong = branch.clone();
            wrong[index % 4].0[0] ^= 1;
            assert!(!is_valid_merkle_branch(
                &leaves[index],
                &wrong,
                4,
                index as u64,
                &root
            ));
            assert!(!is_valid_merkle_branch(
                &leaves[index],
                &branch[..3],
                3,
                index as u64,
                &root
            ));
        }
        assert!(build_branch(&leaves, 4, 11).is_none());
        assert!(build_branch(&leaves, 3, 0).is_none());
    }
}

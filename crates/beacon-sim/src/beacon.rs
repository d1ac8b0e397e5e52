//! The simulated beacon block body and state: sparse Merkle trees with the Electra shapes, holding
//! exactly what a light client reads and zero everywhere else.
//!
//! - [`SparseBody`]: a `BeaconBlockBody`-shaped tree (16 leaves, depth 4) whose only non-zero
//!   leaf is the execution payload's root at index 9 (generalized index 25, the one
//!   `is_valid_light_client_header` checks). Its root is the header's `body_root`.
//! - [`SparseState`]: an Electra `BeaconState`-shaped tree (64 leaves, depth 6) whose only
//!   non-zero leaves are `finalized_checkpoint` (index 20; the checkpoint's root is generalized
//!   index 169), `current_sync_committee` (86) and `next_sync_committee` (87). Its root is the
//!   header's `state_root`.
//!
//! Neither is a full `BeaconBlockBody`/`BeaconState`: there are no validators, balances,
//! attestations or RANDAO. But the roots are real SSZ roots and every branch a light client
//! checks is a real Merkle branch against them.

use alloy_primitives::B256;
use courier_lightclient::{
    merkle::{
        CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA, EXECUTION_PAYLOAD_GINDEX,
        FINALIZED_ROOT_GINDEX_ELECTRA, NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA, build_branch, floorlog2,
        subtree_index,
    },
    ssz::{hash_pair, merkleize, u64_root},
    types::EXECUTION_BRANCH_LEN,
};

/// Depth of the body tree (`BeaconBlockBody` has 13 fields in Electra: 16 leaves).
const BODY_DEPTH: usize = floorlog2(EXECUTION_PAYLOAD_GINDEX);
/// Leaf of `execution_payload` in the body.
const EXECUTION_PAYLOAD_INDEX: usize = subtree_index(EXECUTION_PAYLOAD_GINDEX) as usize;

/// Depth of the state tree (`BeaconState` has 37 fields in Electra: 64 leaves).
const STATE_DEPTH: usize = floorlog2(CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA);
/// Leaf of `current_sync_committee` in the state.
const CURRENT_SYNC_COMMITTEE_INDEX: usize =
    subtree_index(CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA) as usize;
/// Leaf of `next_sync_committee` in the state.
const NEXT_SYNC_COMMITTEE_INDEX: usize = subtree_index(NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA) as usize;
/// Leaf of `finalized_checkpoint` in the state: the parent of the checkpoint's `root` field
/// (`Checkpoint(epoch, root)`, so the root is the right child).
const FINALIZED_CHECKPOINT_INDEX: usize = subtree_index(FINALIZED_ROOT_GINDEX_ELECTRA / 2) as usize;

/// The body of a simulated block: only the execution payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SparseBody {
    /// `hash_tree_root` of the execution payload (equal to its header's root).
    pub execution_root: B256,
}

impl SparseBody {
    fn leaves(&self) -> Vec<B256> {
        let mut leaves = vec![B256::ZERO; 1 << BODY_DEPTH];
        leaves[EXECUTION_PAYLOAD_INDEX] = self.execution_root;
        leaves
    }

    /// The body root.
    pub fn root(&self) -> B256 {
        merkleize(&self.leaves(), 1 << BODY_DEPTH)
    }

    /// The branch of the execution payload in [`Self::root`].
    pub fn execution_branch(&self) -> [B256; EXECUTION_BRANCH_LEN] {
        let mut out = [B256::ZERO; EXECUTION_BRANCH_LEN];
        if let Some(branch) = build_branch(&self.leaves(), BODY_DEPTH, EXECUTION_PAYLOAD_INDEX) {
            out.copy_from_slice(&branch);
        }
        out
    }
}

/// `Checkpoint`: an epoch and a block root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Checkpoint {
    /// The epoch of the checkpoint's block.
    pub epoch: u64,
    /// The block root; zero for the genesis checkpoint, as the spec represents it.
    pub root: B256,
}

impl Checkpoint {
    /// `hash_tree_root`.
    pub fn hash_tree_root(&self) -> B256 {
        hash_pair(&u64_root(self.epoch), &self.root)
    }
}

/// The state of a simulated block: its finalized checkpoint and the current and next sync
/// committees (their roots).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SparseState {
    /// The finalized checkpoint.
    pub finalized_checkpoint: Checkpoint,
    /// `hash_tree_root` of the sync committee of the block's period.
    pub current_sync_committee_root: B256,
    /// `hash_tree_root` of the sync committee of the next period.
    pub next_sync_committee_root: B256,
}

impl SparseState {
    fn leaves(&self) -> Vec<B256> {
        let mut leaves = vec![B256::ZERO; 1 << STATE_DEPTH];
        leaves[FINALIZED_CHECKPOINT_INDEX] = self.finalized_checkpoint.hash_tree_root();
        leaves[CURRENT_SYNC_COMMITTEE_INDEX] = self.current_sync_committee_root;
        leaves[NEXT_SYNC_COMMITTEE_INDEX] = self.next_sync_committee_root;
        leaves
    }

    /// The state root.
    pub fn root(&self) -> B256 {
        merkleize(&self.leaves(), 1 << STATE_DEPTH)
    }

    /// The branch of the finalized checkpoint's root (generalized index 169): the checkpoint's
    /// epoch, then the checkpoint's branch in the state.
    pub fn finality_branch(&self) -> Vec<B256> {
        let mut branch = vec![u64_root(self.finalized_checkpoint.epoch)];
        branch.extend(self.branch(FINALIZED_CHECKPOINT_INDEX));
        branch
    }

    /// The branch of the current sync committee (generalized index 86).
    pub fn current_sync_committee_branch(&self) -> Vec<B256> {
        self.branch(CURRENT_SYNC_COMMITTEE_INDEX)
    }

    /// The branch of the next sync committee (generalized index 87).
    pub fn next_sync_committee_branch(&self) -> Vec<B256> {
        self.branch(NEXT_SYNC_COMMITTEE_INDEX)
    }

    fn branch(&self, index: usize) -> Vec<B256> {
        // The leaves are exactly 2^STATE_DEPTH and `index` is one of them: always `Some`.
        build_branch(&self.leaves(), STATE_DEPTH, index).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use courier_lightclient::merkle::{is_valid_merkle_branch, is_valid_normalized_merkle_branch};

    use super::*;

    #[test]
    fn indices_are_the_electra_ones() {
        assert_eq!((BODY_DEPTH, EXECUTION_PAYLOAD_INDEX), (4, 9));
        assert_eq!(STATE_DEPTH, 6);
        assert_eq!(
            (
                FINALIZED_CHECKPOINT_INDEX,
                CURRENT_SYNC_COMMITTEE_INDEX,
                NEXT_SYNC_COMMITTEE_INDEX
            ),
            (20, 22, 23)
        );
        // The checkpoint's root is its second field.
        assert_eq!(FINALIZED_ROOT_GINDEX_ELECTRA % 2, 1);
    }

    #[test]
    fn branches_prove_each_leaf() {
        let body = SparseBody {
            execution_root: B256::repeat_byte(1),
        };
        assert!(is_valid_merkle_branch(
            &body.execution_root,
            &body.execution_branch(),
            4,
            9,
            &body.root()
        ));
        let state = SparseState {
            finalized_checkpoint: Checkpoint {
                epoch: 3,
                root: B256::repeat_byte(2),
            },
            current_sync_committee_root: B256::repeat_byte(3),
            next_sync_committee_root: B256::repeat_byte(4),
        };
        let root = state.root();
        assert!(is_valid_normalized_merkle_branch(
            &state.finalized_checkpoint.root,
            &state.finality_branch(),
            FINALIZED_ROOT_GINDEX_ELECTRA,
            &root
        ));
        assert!(is_valid_normalized_merkle_branch(
            &state.current_sync_committee_root,
            &state.current_sync_committee_branch(),
            CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA,
            &root
        ));
        assert!(is_valid_normalized_merkle_branch(
            &state.next_sync_committee_root,
            &state.next_sync_committee_branch(),
            NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA,
            &root
        ));
        // Zero elsewhere: the root is the tree of just those three leaves.
        let mut leaves = vec![B256::ZERO; 64];
        leaves[20] = state.finalized_checkpoint.hash_tree_root();
        leaves[22] = B256::repeat_byte(3);
        leaves[23] = B256::repeat_byte(4);
        assert_eq!(root, merkleize(&leaves, 64));
    }
}

//! The simulated beacon chain itself: one beacon block per anvil block, slot `n` carrying anvil
//! block `n`, each header linked to its parent's root and committing (through its body root) to
//! the execution payload header and (through its state root) to its finalized checkpoint and sync
//! committees.
//!
//! The chain only grows at its tip and is cut back when the execution chain reorganises
//! ([`Chain::truncate`]); following anvil is the internal `follow` module's job.

use std::collections::HashMap;

use alloy_primitives::B256;
use courier_lightclient::{
    BeaconBlockHeader, ExecutionLayout, ExecutionPayloadHeader, LightClientHeader, Preset,
};

use crate::{
    beacon::{Checkpoint, SparseBody, SparseState},
    error::{Error, Result},
    keys::Committees,
};

/// One simulated beacon block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimBlock {
    /// Its light-client header: beacon header, execution payload header, execution branch.
    pub header: LightClientHeader,
    /// `hash_tree_root` of the beacon header (the block root).
    pub root: B256,
    /// The (sparse) post-state whose root is the header's `state_root`.
    pub state: SparseState,
    /// Slot of the finalized checkpoint's block (0: the genesis checkpoint, root zero).
    pub finalized_slot: u64,
}

impl SimBlock {
    /// The slot (also the execution block number).
    pub fn slot(&self) -> u64 {
        self.header.beacon.slot
    }

    /// The execution block hash, for telling when anvil reorganised.
    pub fn block_hash(&self) -> B256 {
        self.header.execution.block_hash
    }
}

/// The blocks from genesis to the simulated head.
#[derive(Debug, Clone)]
pub struct Chain {
    preset: Preset,
    finality_depth: u64,
    blocks: Vec<SimBlock>,
    by_root: HashMap<B256, u64>,
}

impl Chain {
    /// An empty chain (no genesis yet). `finality_depth` is at least 1 (checked by the caller):
    /// a block cannot name itself as finalized, its root depends on its state.
    pub fn new(preset: Preset, finality_depth: u64) -> Self {
        Self {
            preset,
            finality_depth,
            blocks: Vec::new(),
            by_root: HashMap::new(),
        }
    }

    /// The newest block, `None` before genesis was read.
    pub fn head(&self) -> Option<&SimBlock> {
        self.blocks.last()
    }

    /// Slot of the newest block.
    pub fn head_slot(&self) -> Option<u64> {
        self.head().map(SimBlock::slot)
    }

    /// Number of blocks (the next slot to add).
    pub fn len(&self) -> u64 {
        self.blocks.len() as u64
    }

    /// Whether not even genesis is there.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// The block of `slot`.
    pub fn block(&self, slot: u64) -> Option<&SimBlock> {
        usize::try_from(slot).ok().and_then(|i| self.blocks.get(i))
    }

    /// The block whose root is `root`.
    pub fn by_root(&self, root: &B256) -> Option<&SimBlock> {
        self.by_root.get(root).and_then(|slot| self.block(*slot))
    }

    /// The finality depth.
    pub fn finality_depth(&self) -> u64 {
        self.finality_depth
    }

    /// Drops every block from `slot` on (a reorganised execution chain).
    pub fn truncate(&mut self, slot: u64) {
        let keep = usize::try_from(slot).unwrap_or(usize::MAX);
        for block in self.blocks.drain(keep.min(self.blocks.len())..) {
            self.by_root.remove(&block.root);
        }
    }

    /// Adds the beacon block carrying `execution` (whose block number must be the next slot) and
    /// returns it.
    pub fn push(
        &mut self,
        execution: ExecutionPayloadHeader,
        committees: &Committees,
    ) -> Result<&SimBlock> {
        let slot = self.len();
        if execution.block_number != slot {
            return Err(Error::UnsupportedBlock {
                number: execution.block_number,
                reason: format!("the simulated chain expects block {slot} next"),
            });
        }
        let parent_root = self.head().map(|b| b.root).unwrap_or_default();
        let finalized_slot = slot.saturating_sub(self.finality_depth);
        let finalized_checkpoint = match finalized_slot {
            0 => Checkpoint::default(),
            _ => Checkpoint {
                epoch: self.preset.epoch_at_slot(finalized_slot),
                root: self
                    .block(finalized_slot)
                    .map(|b| b.root)
                    .unwrap_or_default(),
            },
        };
        let period = self.preset.period_at_slot(slot);
        let state = SparseState {
            finalized_checkpoint,
            current_sync_committee_root: committees.get(period)?.root(),
            next_sync_committee_root: committees.get(period + 1)?.root(),
        };
        let block = build_block(slot, parent_root, state, execution, finalized_slot);
        self.by_root.insert(block.root, slot);
        self.blocks.push(block);
        Ok(&self.blocks[self.blocks.len() - 1])
    }
}

/// The beacon block of `slot` with this parent, state and execution payload. The proposer index is
/// 0: there are no validators.
pub fn build_block(
    slot: u64,
    parent_root: B256,
    state: SparseState,
    execution: ExecutionPayloadHeader,
    finalized_slot: u64,
) -> SimBlock {
    let body = SparseBody {
        execution_root: execution.hash_tree_root(ExecutionLayout::Deneb),
    };
    let beacon = BeaconBlockHeader {
        slot,
        proposer_index: 0,
        parent_root,
        state_root: state.root(),
        body_root: body.root(),
    };
    let root = beacon.hash_tree_root();
    SimBlock {
        header: LightClientHeader {
            beacon,
            execution,
            execution_branch: body.execution_branch(),
        },
        root,
        state,
        finalized_slot,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use courier_lightclient::merkle::is_valid_normalized_merkle_branch;

    use super::*;
    use crate::config::chain_config;

    fn execution(number: u64) -> ExecutionPayloadHeader {
        ExecutionPayloadHeader {
            block_number: number,
            block_hash: B256::with_last_byte(number as u8),
            state_root: B256::repeat_byte(number as u8),
            ..ExecutionPayloadHeader::default()
        }
    }

    #[test]
    fn blocks_link_and_commit_to_finality_and_committees() {
        let preset = Preset::MINIMAL;
        let committees = Committees::new(1, preset);
        let config = chain_config(preset, 1, 1);
        let mut chain = Chain::new(preset, 2);
        for n in 0..70 {
            chain.push(execution(n), &committees).unwrap();
        }
        assert!(chain.push(execution(80), &committees).is_err());
        for n in 1..70 {
            let block = chain.block(n).unwrap();
            assert_eq!(
                block.header.beacon.parent_root,
                chain.block(n - 1).unwrap().root
            );
            block.header.validate(&config).unwrap();
            assert_eq!(chain.by_root(&block.root).unwrap().slot(), n);
            let expected_finalized = if n <= 2 {
                B256::ZERO
            } else {
                chain.block(n - 2).unwrap().root
            };
            assert!(is_valid_normalized_merkle_branch(
                &expected_finalized,
                &block.state.finality_branch(),
                courier_lightclient::merkle::FINALIZED_ROOT_GINDEX_ELECTRA,
                &block.header.beacon.state_root
            ));
            let period = preset.period_at_slot(n);
            assert!(is_valid_normalized_merkle_branch(
                &committees.get(period + 1).unwrap().root(),
                &block.state.next_sync_committee_branch(),
                courier_lightclient::merkle::NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA,
                &block.header.beacon.state_root
            ));
        }
        let old_root = chain.block(65).unwrap().root;
        chain.truncate(65);
        assert_eq!(chain.head_slot(), Some(64));
        assert!(chain.by_root(&old_root).is_none());
    }
}

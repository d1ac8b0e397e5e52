//! Light-client data as the consensus specs' full-node functions create it
//! (`create_light_client_bootstrap`, `create_light_client_update`, and the finality and optimistic
//! updates derived from an update), over the simulated chain.
//!
//! Which blocks: the sync committee of slot `s` signs the block of slot `s - 1`, so an update
//! attests a block and is signed one slot later (`signature_slot = attested slot + 1`). The newest
//! data attests the block before the head and is signed at the head, so that nothing is signed in
//! a slot the execution chain has not reached. The finalized header is the block the attested
//! state names as finalized: `finality_depth` below the attested block.
//!
//! Finality and optimistic updates are returned as [`LightClientUpdate`]s with the fields their
//! containers lack left empty (the spec's conversion in `process_light_client_finality_update`);
//! the beacon API's JSON writer leaves those fields out.

use alloy_primitives::B256;
use courier_lightclient::{
    ChainConfig, LightClientBootstrap, LightClientHeader, LightClientLayout, LightClientUpdate,
    SyncAggregate, SyncCommittee, bls::BlsPubkey,
};

use crate::{
    chain::{Chain, SimBlock},
    error::{Error, Result},
    keys::{CommitteeKeys, Committees},
};

/// Which parts of an update to fill in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    /// `LightClientUpdate`: next sync committee and finality.
    Full,
    /// `LightClientFinalityUpdate`: finality, no next sync committee.
    Finality,
    /// `LightClientOptimisticUpdate`: only the attested header and the signature.
    Optimistic,
}

/// Builds light-client data from one consistent view of the chain.
#[derive(Debug, Clone, Copy)]
pub struct Updates<'a> {
    /// The chain.
    pub chain: &'a Chain,
    /// Its committees.
    pub committees: &'a Committees,
    /// Its chain config.
    pub config: &'a ChainConfig,
    /// Participation bits of every signature.
    pub bits: &'a [u8],
}

impl Updates<'_> {
    /// `LightClientBootstrap` for the block whose root is `block_root`: its header and its
    /// period's committee with the committee's branch in the block's state.
    pub fn bootstrap(&self, block_root: &B256) -> Result<LightClientBootstrap> {
        let block = self.chain.by_root(block_root).ok_or_else(|| {
            Error::not_available(
                format!("bootstrap for block root {block_root}"),
                "no simulated block has that root",
            )
        })?;
        let period = self.config.preset.period_at_slot(block.slot());
        Ok(LightClientBootstrap {
            header: block.header.clone(),
            current_sync_committee: self.committees.get(period)?.committee().clone(),
            current_sync_committee_branch: block.state.current_sync_committee_branch(),
        })
    }

    /// The update of sync-committee `period`: attested in that period and signed in it by its
    /// committee, with the next period's committee. Once the period is over this is the update
    /// signed in its last slot (attesting the one before); while it runs, the newest one (signed
    /// at the head).
    pub fn period_update(&self, period: u64) -> Result<LightClientUpdate> {
        let preset = &self.config.preset;
        let not_yet =
            |reason: String| Error::not_available(format!("update of period {period}"), reason);
        let head = self
            .chain
            .head_slot()
            .ok_or_else(|| not_yet("no blocks yet".to_owned()))?;
        let first = period.saturating_mul(preset.slots_per_period());
        let last = first.saturating_add(preset.slots_per_period() - 1);
        let signature_slot = head.min(last);
        if signature_slot <= first {
            return Err(not_yet(format!(
                "needs a block signed in slot {} or later, the head is slot {head}",
                first + 1
            )));
        }
        self.update(signature_slot - 1, UpdateKind::Full)
    }

    /// The newest update of `kind`: attesting the block before the head, signed at the head.
    pub fn latest(&self, kind: UpdateKind) -> Result<LightClientUpdate> {
        match self.chain.head_slot() {
            Some(head) if head >= 1 => self.update(head - 1, kind),
            _ => Err(Error::not_available(
                format!("{kind:?} update"),
                "the head is genesis or not read yet: nothing has been signed",
            )),
        }
    }

    /// The update of `kind` attesting the block of `attested_slot`, signed by the committee of the
    /// next slot, which must exist.
    pub fn update(&self, attested_slot: u64, kind: UpdateKind) -> Result<LightClientUpdate> {
        let block = self.block(attested_slot)?;
        let signature_slot = attested_slot + 1;
        self.block(signature_slot)?;
        let preset = &self.config.preset;
        let layout = LightClientLayout::for_fork(self.config.fork_at_slot(attested_slot))?;
        let (next_sync_committee, next_sync_committee_branch) = match kind {
            UpdateKind::Full => {
                let next = self
                    .committees
                    .get(preset.period_at_slot(attested_slot) + 1)?;
                (
                    next.committee().clone(),
                    block.state.next_sync_committee_branch(),
                )
            }
            UpdateKind::Finality | UpdateKind::Optimistic => (
                empty_committee(preset.sync_committee_size),
                vec![B256::ZERO; layout.next_sync_committee_branch_len],
            ),
        };
        let (finalized_header, finality_branch) = match kind {
            UpdateKind::Full | UpdateKind::Finality => {
                (self.finalized_header(block)?, block.state.finality_branch())
            }
            UpdateKind::Optimistic => (
                LightClientHeader::default(),
                vec![B256::ZERO; layout.finality_branch_len],
            ),
        };
        let mut update = LightClientUpdate {
            attested_header: block.header.clone(),
            next_sync_committee,
            next_sync_committee_branch,
            finalized_header,
            finality_branch,
            sync_aggregate: SyncAggregate::default(),
            signature_slot,
        };
        let keys = self.committees.get(preset.period_at_slot(signature_slot))?;
        sign(&mut update, &keys, self.bits, self.config);
        Ok(update)
    }

    fn block(&self, slot: u64) -> Result<&SimBlock> {
        self.chain.block(slot).ok_or_else(|| {
            Error::not_available(
                format!("block of slot {slot}"),
                format!("the simulated head is {:?}", self.chain.head_slot()),
            )
        })
    }

    /// The finalized header named by `block`'s state; the spec's empty header for the genesis
    /// checkpoint.
    fn finalized_header(&self, block: &SimBlock) -> Result<LightClientHeader> {
        match block.finalized_slot {
            0 => Ok(LightClientHeader::default()),
            slot => Ok(self.block(slot)?.header.clone()),
        }
    }
}

/// Signs `update` (its attested header at its signature slot) with `keys`: sets the sync
/// aggregate to the participation `bits` and their aggregate signature over the signing root.
pub fn sign(
    update: &mut LightClientUpdate,
    keys: &CommitteeKeys,
    bits: &[u8],
    config: &ChainConfig,
) {
    let message = update.signing_root(config);
    update.sync_aggregate = SyncAggregate {
        sync_committee_bits: bits.to_vec(),
        sync_committee_signature: keys.sign(bits, &message),
    };
}

/// The spec's empty `SyncCommittee()` of `size` members (all keys zero).
pub fn empty_committee(size: usize) -> SyncCommittee {
    SyncCommittee {
        pubkeys: vec![BlsPubkey::ZERO; size],
        aggregate_pubkey: BlsPubkey::ZERO,
    }
}

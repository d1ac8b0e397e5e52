//! Forged light-client updates, for tests and the `light-client-forged` scenario: what a
//! malicious beacon node could serve, and which check of a light client refuses each one.
//!
//! A forgery starts from an honest update of the simulated chain and changes it; the simulator can
//! also serve its updates forged (`BeaconSim::set_forgery`).

use std::fmt;

use alloy_primitives::B256;
use courier_lightclient::{ChainConfig, ExecutionLayout, LightClientUpdate};

use crate::{
    beacon::{Checkpoint, SparseBody, SparseState},
    error::{Error, Result},
    keys::{CommitteeKeys, Committees},
    updates::sign,
};

/// How to forge an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgery {
    /// The honest update signed by the sync committee of another seed (the same period and
    /// participation). A light client refuses it: `InvalidSignature`.
    ForeignCommittee {
        /// Seed of the signing committee's keys.
        seed: u64,
    },
    /// The finalized header claims another execution state root and nothing else changes, so its
    /// execution branch no longer proves its payload in the body root: `InvalidExecutionBranch`.
    FinalizedExecutionStateRoot {
        /// The state root claimed.
        state_root: B256,
    },
    /// The attested header carries a beacon state root that is not the chain's, signed by the real
    /// committee: the finality branch (or, without finality, the next-sync-committee branch) no
    /// longer proves anything in it: `InvalidFinalityBranch` (`InvalidNextSyncCommitteeBranch`).
    AttestedStateRoot {
        /// The state root claimed.
        state_root: B256,
    },
    /// A consistent fabricated history: the finalized block's execution payload claims
    /// `state_root`, and its body root, its beacon header, the attested state (finalized
    /// checkpoint) and the attested header are rebuilt around it, so every Merkle branch verifies.
    /// Signed by the committee of `signer_seed`, only the signature gives it away:
    /// `InvalidSignature`. With the chain's own seed it is accepted — a light client trusts a
    /// two-thirds majority of the committee; this is what a dishonest one could sign.
    ConsistentExecutionStateRoot {
        /// The execution state root claimed for the finalized block.
        state_root: B256,
        /// Seed of the signing committee's keys.
        signer_seed: u64,
    },
}

impl fmt::Display for Forgery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ForeignCommittee { seed } => write!(f, "foreign committee (seed {seed})"),
            Self::FinalizedExecutionStateRoot { state_root } => {
                write!(f, "finalized execution state root {state_root}")
            }
            Self::AttestedStateRoot { state_root } => {
                write!(f, "attested beacon state root {state_root}")
            }
            Self::ConsistentExecutionStateRoot {
                state_root,
                signer_seed,
            } => write!(
                f,
                "consistent execution state root {state_root} signed by seed {signer_seed}"
            ),
        }
    }
}

impl Forgery {
    /// Forges `update`, an honest update of the chain whose committees are `committees` and
    /// config `config`. Refuses forgeries that need a finalized header the update has not got.
    pub fn apply(
        &self,
        update: &LightClientUpdate,
        committees: &Committees,
        config: &ChainConfig,
    ) -> Result<LightClientUpdate> {
        let preset = &config.preset;
        let mut forged = update.clone();
        let bits = update.sync_aggregate.sync_committee_bits.clone();
        let signature_period = preset.period_at_slot(update.signature_slot);
        let needs_finalized = || -> Result<()> {
            if update.finalized_header.is_empty() {
                return Err(Error::Forgery {
                    forgery: self.to_string(),
                    reason: format!(
                        "the update attesting slot {} has no finalized header (an optimistic \
                         update, or finality still at genesis)",
                        update.attested_header.beacon.slot
                    ),
                });
            }
            Ok(())
        };
        match *self {
            Self::ForeignCommittee { seed } => {
                let keys = CommitteeKeys::derive(seed, signature_period, preset)?;
                sign(&mut forged, &keys, &bits, config);
            }
            Self::FinalizedExecutionStateRoot { state_root } => {
                needs_finalized()?;
                forged.finalized_header.execution.state_root = state_root;
            }
            Self::AttestedStateRoot { state_root } => {
                forged.attested_header.beacon.state_root = state_root;
                sign(
                    &mut forged,
                    &*committees.get(signature_period)?,
                    &bits,
                    config,
                );
            }
            Self::ConsistentExecutionStateRoot {
                state_root,
                signer_seed,
            } => {
                needs_finalized()?;
                let finalized = &mut forged.finalized_header;
                finalized.execution.state_root = state_root;
                let body = SparseBody {
                    execution_root: finalized.execution.hash_tree_root(ExecutionLayout::Deneb),
                };
                finalized.beacon.body_root = body.root();
                finalized.execution_branch = body.execution_branch();
                let attested_period = preset.period_at_slot(forged.attested_header.beacon.slot);
                let state = SparseState {
                    finalized_checkpoint: Checkpoint {
                        epoch: preset.epoch_at_slot(finalized.beacon.slot),
                        root: finalized.beacon.hash_tree_root(),
                    },
                    current_sync_committee_root: committees.get(attested_period)?.root(),
                    next_sync_committee_root: committees.get(attested_period + 1)?.root(),
                };
                forged.attested_header.beacon.state_root = state.root();
                forged.finality_branch = state.finality_branch();
                if forged.is_sync_committee_update() {
                    forged.next_sync_committee_branch = state.next_sync_committee_branch();
                }
                let keys = CommitteeKeys::derive(signer_seed, signature_period, preset)?;
                sign(&mut forged, &keys, &bits, config);
            }
        }
        Ok(forged)
    }
}

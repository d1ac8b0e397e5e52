//! The light-client store and its state transitions, as the consensus specs' sync protocol
//! defines them: `initialize_light_client_store` ([`LightClient::bootstrap`]),
//! `validate_light_client_update` ([`LightClient::validate_update`]),
//! `process_light_client_update` with `apply_light_client_update`
//! ([`LightClient::process_update`]) and `process_light_client_store_force_update`
//! ([`LightClient::force_update`]).
//!
//! The client does no IO and reads no clock: the caller fetches updates and says what the current
//! slot is.

use std::cmp::Ordering;

use alloy_primitives::B256;

use crate::{
    bls,
    config::{ChainConfig, MIN_SYNC_COMMITTEE_PARTICIPANTS},
    error::{Error, Result},
    merkle,
    types::{LightClientBootstrap, LightClientHeader, LightClientUpdate, SyncCommittee},
};

/// How strictly [`LightClient::process_update`] treats participation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UpdatePolicy {
    /// Exactly the spec: an update needs one participant; below two thirds it may still become the
    /// best valid update (for a later [`LightClient::force_update`]) and move the optimistic
    /// header, it just does not finalize. The spec tests need this.
    #[default]
    Spec,
    /// Also refuse, before any other check, an update carrying a finality branch that fewer than
    /// two thirds of the committee signed ([`Error::InsufficientParticipation`]). For a bridge
    /// that relays only updates an on-chain verifier requiring a supermajority will accept.
    SupermajorityForFinality,
}

/// What one [`LightClient::process_update`] or [`LightClient::force_update`] changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UpdateOutcome {
    /// The update became the best valid update (kept for a forced update).
    pub stored_as_best: bool,
    /// The optimistic header moved forward.
    pub optimistic_advanced: bool,
    /// The finalized header moved forward.
    pub finalized_advanced: bool,
    /// The store learned the next sync committee (it did not know it before).
    pub next_sync_committee_learned: bool,
    /// The store moved into the next period: the next committee became the current one.
    pub sync_committee_rotated: bool,
}

/// The facts about a header that callers of a light client use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderSummary {
    /// Beacon slot.
    pub slot: u64,
    /// `hash_tree_root` of the beacon block header (the block root).
    pub beacon_root: B256,
    /// Root of the execution payload header (the spec's `get_lc_execution_root`).
    pub execution_root: B256,
    /// Execution state root.
    pub execution_state_root: B256,
    /// Execution block number.
    pub block_number: u64,
    /// Execution block hash.
    pub block_hash: B256,
}

impl HeaderSummary {
    /// Summarizes `header` (the execution root needs the fork schedule).
    pub fn of(header: &LightClientHeader, config: &ChainConfig) -> Self {
        Self {
            slot: header.beacon.slot,
            beacon_root: header.beacon.hash_tree_root(),
            execution_root: header.execution_root(config),
            execution_state_root: header.execution.state_root,
            block_number: header.execution.block_number,
            block_hash: header.execution.block_hash,
        }
    }
}

/// A sync-committee light client: the spec's `LightClientStore` and its chain config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LightClient {
    config: ChainConfig,
    finalized_header: LightClientHeader,
    current_sync_committee: SyncCommittee,
    /// `None` is the spec's empty `SyncCommittee()`.
    next_sync_committee: Option<SyncCommittee>,
    best_valid_update: Option<LightClientUpdate>,
    optimistic_header: LightClientHeader,
    previous_max_active_participants: u64,
    current_max_active_participants: u64,
}

impl LightClient {
    /// `initialize_light_client_store`: starts from a bootstrap of the block whose root the caller
    /// trusts (a recent finalized block root obtained out of band).
    pub fn bootstrap(
        config: ChainConfig,
        bootstrap: LightClientBootstrap,
        trusted_block_root: B256,
    ) -> Result<Self> {
        let header = &bootstrap.header;
        header.validate(&config)?;
        let root = header.beacon.hash_tree_root();
        if root != trusted_block_root {
            return Err(Error::UntrustedBootstrap {
                got: root,
                trusted: trusted_block_root,
            });
        }
        check_committee_size(
            &config,
            &bootstrap.current_sync_committee,
            "current_sync_committee",
        )?;
        let fork = config.fork_at_slot(header.beacon.slot);
        if !merkle::is_valid_normalized_merkle_branch(
            &bootstrap.current_sync_committee.hash_tree_root(),
            &bootstrap.current_sync_committee_branch,
            merkle::current_sync_committee_gindex(fork),
            &header.beacon.state_root,
        ) {
            return Err(Error::InvalidCurrentSyncCommitteeBranch {
                slot: header.beacon.slot,
            });
        }
        Ok(Self {
            config,
            optimistic_header: bootstrap.header.clone(),
            finalized_header: bootstrap.header,
            current_sync_committee: bootstrap.current_sync_committee,
            next_sync_committee: None,
            best_valid_update: None,
            previous_max_active_participants: 0,
            current_max_active_participants: 0,
        })
    }

    /// `validate_light_client_update`, preceded by the policy's participation check. Changes
    /// nothing.
    pub fn validate_update(
        &self,
        update: &LightClientUpdate,
        current_slot: u64,
        policy: UpdatePolicy,
    ) -> Result<()> {
        let preset = &self.config.preset;
        let aggregate = &update.sync_aggregate;
        if aggregate.len() != preset.sync_committee_size {
            return Err(Error::WrongParticipationLength {
                got: aggregate.len(),
                expected: preset.sync_committee_size,
            });
        }
        let participants = aggregate.num_participants();
        if policy == UpdatePolicy::SupermajorityForFinality
            && update.is_finality_update()
            && participants < preset.supermajority()
        {
            return Err(Error::InsufficientParticipation {
                got: participants,
                need: preset.supermajority(),
            });
        }
        if participants < MIN_SYNC_COMMITTEE_PARTICIPANTS {
            return Err(Error::InsufficientParticipation {
                got: participants,
                need: MIN_SYNC_COMMITTEE_PARTICIPANTS,
            });
        }

        // The update must not skip a sync-committee period.
        update.attested_header.validate(&self.config)?;
        let attested_slot = update.attested_header.beacon.slot;
        let finalized_slot = update.finalized_header.beacon.slot;
        if update.signature_slot > current_slot {
            return Err(Error::SignatureSlotInFuture {
                signature_slot: update.signature_slot,
                current_slot,
            });
        }
        if !(update.signature_slot > attested_slot && attested_slot >= finalized_slot) {
            return Err(Error::SlotsOutOfOrder {
                signature_slot: update.signature_slot,
                attested_slot,
                finalized_slot,
            });
        }
        let store_period = self.store_period();
        let signature_period = preset.period_at_slot(update.signature_slot);
        let next_known = self.next_sync_committee.is_some();
        let period_ok = if next_known {
            signature_period == store_period || signature_period == store_period + 1
        } else {
            signature_period == store_period
        };
        if !period_ok {
            return Err(Error::WrongSyncCommitteePeriod {
                update_period: signature_period,
                store_period,
                next_committee_known: next_known,
            });
        }

        // The update must be relevant.
        let attested_period = preset.period_at_slot(attested_slot);
        let has_needed_next_committee =
            !next_known && update.is_sync_committee_update() && attested_period == store_period;
        if !(attested_slot > self.finalized_header.beacon.slot || has_needed_next_committee) {
            return Err(Error::IrrelevantUpdate {
                attested_slot,
                finalized_slot: self.finalized_header.beacon.slot,
            });
        }

        // The finality branch, if any, proves the finalized header in the attested state. The
        // genesis checkpoint's root is represented as zero.
        let attested_fork = self.config.fork_at_slot(attested_slot);
        if !update.is_finality_update() {
            if !update.finalized_header.is_empty() {
                return Err(Error::UnexpectedFinalizedHeader);
            }
        } else {
            let finalized_root = if finalized_slot == 0 {
                if !update.finalized_header.is_empty() {
                    return Err(Error::InvalidHeader {
                        slot: 0,
                        reason: "a genesis finalized header must be empty",
                    });
                }
                B256::ZERO
            } else {
                update.finalized_header.validate(&self.config)?;
                update.finalized_header.beacon.hash_tree_root()
            };
            if !merkle::is_valid_normalized_merkle_branch(
                &finalized_root,
                &update.finality_branch,
                merkle::finalized_root_gindex(attested_fork),
                &update.attested_header.beacon.state_root,
            ) {
                return Err(Error::InvalidFinalityBranch { attested_slot });
            }
        }

        // The next sync committee, if any, is the one in the attested state.
        if !update.is_sync_committee_update() {
            if !update.next_sync_committee.is_empty() {
                return Err(Error::UnexpectedNextSyncCommittee);
            }
        } else {
            if attested_period == store_period
                && let Some(next) = &self.next_sync_committee
                && *next != update.next_sync_committee
            {
                return Err(Error::NextSyncCommitteeMismatch);
            }
            check_committee_size(
                &self.config,
                &update.next_sync_committee,
                "next_sync_committee",
            )?;
            if !merkle::is_valid_normalized_merkle_branch(
                &update.next_sync_committee.hash_tree_root(),
                &update.next_sync_committee_branch,
                merkle::next_sync_committee_gindex(attested_fork),
                &update.attested_header.beacon.state_root,
            ) {
                return Err(Error::InvalidNextSyncCommitteeBranch { attested_slot });
            }
        }

        // The aggregate signature of the committee of the signature period.
        let committee = if signature_period == store_period {
            &self.current_sync_committee
        } else {
            // `period_ok` above: the next committee is known when the periods differ.
            self.next_sync_committee
                .as_ref()
                .ok_or(Error::WrongSyncCommitteePeriod {
                    update_period: signature_period,
                    store_period,
                    next_committee_known: false,
                })?
        };
        let signers: Vec<(usize, &bls::BlsPubkey)> = committee
            .pubkeys
            .iter()
            .enumerate()
            .filter(|(index, _)| aggregate.participates(*index))
            .collect();
        bls::fast_aggregate_verify(
            &signers,
            &update.signing_root(&self.config),
            &aggregate.sync_committee_signature,
            update.signature_slot,
        )
    }

    /// `process_light_client_update`: validates the update and applies what it proves. Returns
    /// what changed; an error leaves the store as it was.
    ///
    /// This never forces an update: call [`Self::force_update`] when sync appears stuck (the spec
    /// leaves that heuristic to the caller).
    pub fn process_update(
        &mut self,
        update: &LightClientUpdate,
        current_slot: u64,
        policy: UpdatePolicy,
    ) -> Result<UpdateOutcome> {
        self.validate_update(update, current_slot, policy)?;
        // Work on a copy so that an error part-way leaves the store untouched.
        let mut next = self.clone();
        let outcome = next.process_validated(update)?;
        *self = next;
        Ok(outcome)
    }

    fn process_validated(&mut self, update: &LightClientUpdate) -> Result<UpdateOutcome> {
        let mut outcome = UpdateOutcome::default();
        let participants = update.num_participants();

        // Keep the best update in case it has to be forced once the timeout elapses.
        if self
            .best_valid_update
            .as_ref()
            .is_none_or(|best| is_better_update(update, best, &self.config))
        {
            self.best_valid_update = Some(update.clone());
            outcome.stored_as_best = true;
        }

        self.current_max_active_participants =
            self.current_max_active_participants.max(participants);

        if participants > self.safety_threshold()
            && update.attested_header.beacon.slot > self.optimistic_header.beacon.slot
        {
            self.optimistic_header = update.attested_header.clone();
            outcome.optimistic_advanced = true;
        }

        let preset = &self.config.preset;
        let has_finalized_next_committee = self.next_sync_committee.is_none()
            && update.is_sync_committee_update()
            && update.is_finality_update()
            && preset.period_at_slot(update.finalized_header.beacon.slot)
                == preset.period_at_slot(update.attested_header.beacon.slot);
        let supermajority = participants * 3 >= update.sync_aggregate.len() as u64 * 2;
        if supermajority
            && (update.finalized_header.beacon.slot > self.finalized_header.beacon.slot
                || has_finalized_next_committee)
        {
            self.apply(update, &mut outcome)?;
            self.best_valid_update = None;
            outcome.stored_as_best = false;
        }
        Ok(outcome)
    }

    /// `process_light_client_store_force_update`: once `current_slot` is more than
    /// `UPDATE_TIMEOUT` (one period) past the finalized header, applies the best valid update,
    /// treating its attested header as finalized if its finalized header is not newer than the
    /// store's. Returns `None` when there was nothing to do.
    ///
    /// This trusts a header that may never finalize; a bridge should prefer waiting for a
    /// finality update.
    pub fn force_update(&mut self, current_slot: u64) -> Result<Option<UpdateOutcome>> {
        let timeout_passed = current_slot
            > self
                .finalized_header
                .beacon
                .slot
                .saturating_add(self.config.preset.update_timeout());
        if !timeout_passed {
            return Ok(None);
        }
        let Some(mut best) = self.best_valid_update.take() else {
            return Ok(None);
        };
        let original = best.clone();
        if best.finalized_header.beacon.slot <= self.finalized_header.beacon.slot {
            best.finalized_header = best.attested_header.clone();
        }
        let mut outcome = UpdateOutcome::default();
        if let Err(e) = self.apply(&best, &mut outcome) {
            self.best_valid_update = Some(original);
            return Err(e);
        }
        Ok(Some(outcome))
    }

    /// `apply_light_client_update`.
    fn apply(&mut self, update: &LightClientUpdate, outcome: &mut UpdateOutcome) -> Result<()> {
        let preset = &self.config.preset;
        let store_period = self.store_period();
        let update_finalized_period = preset.period_at_slot(update.finalized_header.beacon.slot);
        let next = non_empty(&update.next_sync_committee);
        match self.next_sync_committee.take() {
            None => {
                if update_finalized_period != store_period {
                    return Err(Error::ForcedUpdatePeriodMismatch {
                        update_period: update_finalized_period,
                        store_period,
                    });
                }
                outcome.next_sync_committee_learned = next.is_some();
                self.next_sync_committee = next;
            }
            Some(known) if update_finalized_period == store_period + 1 => {
                self.current_sync_committee = known;
                self.next_sync_committee = next;
                self.previous_max_active_participants = self.current_max_active_participants;
                self.current_max_active_participants = 0;
                outcome.sync_committee_rotated = true;
            }
            Some(known) => self.next_sync_committee = Some(known),
        }
        if update.finalized_header.beacon.slot > self.finalized_header.beacon.slot {
            self.finalized_header = update.finalized_header.clone();
            outcome.finalized_advanced = true;
            if self.finalized_header.beacon.slot > self.optimistic_header.beacon.slot {
                self.optimistic_header = self.finalized_header.clone();
                outcome.optimistic_advanced = true;
            }
        }
        Ok(())
    }

    /// The spec's `get_safety_threshold`: half the most participants seen in this or the previous
    /// period.
    pub fn safety_threshold(&self) -> u64 {
        self.previous_max_active_participants
            .max(self.current_max_active_participants)
            / 2
    }

    /// Sync-committee period of the finalized header.
    pub fn store_period(&self) -> u64 {
        self.config
            .preset
            .period_at_slot(self.finalized_header.beacon.slot)
    }

    /// The chain config.
    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// The finalized header.
    pub fn finalized_header(&self) -> &LightClientHeader {
        &self.finalized_header
    }

    /// The optimistic header (the newest header signed by more than the safety threshold).
    pub fn optimistic_header(&self) -> &LightClientHeader {
        &self.optimistic_header
    }

    /// Slot, roots, execution state root, block number and hash of the finalized header.
    pub fn finalized(&self) -> HeaderSummary {
        HeaderSummary::of(&self.finalized_header, &self.config)
    }

    /// Slot, roots, execution state root, block number and hash of the optimistic header.
    pub fn optimistic(&self) -> HeaderSummary {
        HeaderSummary::of(&self.optimistic_header, &self.config)
    }

    /// The sync committee of the finalized header's period.
    pub fn current_sync_committee(&self) -> &SyncCommittee {
        &self.current_sync_committee
    }

    /// The next period's committee, once an update has proven it.
    pub fn next_sync_committee(&self) -> Option<&SyncCommittee> {
        self.next_sync_committee.as_ref()
    }

    /// The best valid update not yet applied (what [`Self::force_update`] would apply).
    pub fn best_valid_update(&self) -> Option<&LightClientUpdate> {
        self.best_valid_update.as_ref()
    }

    /// Most participants seen in the previous and the current period.
    pub fn max_active_participants(&self) -> (u64, u64) {
        (
            self.previous_max_active_participants,
            self.current_max_active_participants,
        )
    }
}

/// The spec's `is_better_update`: whether `new` should replace `old` as the best valid update.
pub fn is_better_update(
    new: &LightClientUpdate,
    old: &LightClientUpdate,
    config: &ChainConfig,
) -> bool {
    compare_updates(new, old, config) == Ordering::Greater
}

/// Orders updates by the spec's preference, greatest best (ties broken as `is_better_update`
/// does, `Equal` only when nothing tells them apart).
fn compare_updates(
    new: &LightClientUpdate,
    old: &LightClientUpdate,
    config: &ChainConfig,
) -> Ordering {
    let preset = &config.preset;
    let period = |slot| preset.period_at_slot(slot);
    let max = new.sync_aggregate.len() as u64;
    let new_active = new.num_participants();
    let old_active = old.num_participants();

    // Supermajority first; below it, more participants.
    let new_super = new_active * 3 >= max * 2;
    let old_super = old_active * 3 >= max * 2;
    if new_super != old_super {
        return new_super.cmp(&old_super);
    }
    if !new_super && new_active != old_active {
        return new_active.cmp(&old_active);
    }

    // A next sync committee for the signature period's successor.
    let relevant_committee = |u: &LightClientUpdate| {
        u.is_sync_committee_update()
            && period(u.attested_header.beacon.slot) == period(u.signature_slot)
    };
    let (new_relevant, old_relevant) = (relevant_committee(new), relevant_committee(old));
    if new_relevant != old_relevant {
        return new_relevant.cmp(&old_relevant);
    }

    // Any finality, then finality within the attested period.
    let (new_final, old_final) = (new.is_finality_update(), old.is_finality_update());
    if new_final != old_final {
        return new_final.cmp(&old_final);
    }
    if new_final {
        let committee_finality = |u: &LightClientUpdate| {
            period(u.finalized_header.beacon.slot) == period(u.attested_header.beacon.slot)
        };
        let (new_cf, old_cf) = (committee_finality(new), committee_finality(old));
        if new_cf != old_cf {
            return new_cf.cmp(&old_cf);
        }
    }

    // Tiebreakers: more participants, then older attested data, then earlier signature.
    new_active
        .cmp(&old_active)
        .then_with(|| {
            old.attested_header
                .beacon
                .slot
                .cmp(&new.attested_header.beacon.slot)
        })
        .then_with(|| old.signature_slot.cmp(&new.signature_slot))
}

fn non_empty(committee: &SyncCommittee) -> Option<SyncCommittee> {
    (!committee.is_empty()).then(|| committee.clone())
}

fn check_committee_size(
    config: &ChainConfig,
    committee: &SyncCommittee,
    what: &'static str,
) -> Result<()> {
    let expected = config.preset.sync_committee_size;
    if committee.pubkeys.len() != expected {
        return Err(Error::WrongLength {
            what,
            got: committee.pubkeys.len(),
            expected,
        });
    }
    Ok(())
}

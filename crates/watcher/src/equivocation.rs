//! Equivocation: a validator that signed two different checkpoints for one origin Mailbox and
//! index. The watcher reads every validator's published checkpoints (each verified against the
//! folder it sits in by the store), remembers what each signed at each index, and when a second,
//! different one appears — a rewritten file, or a new `latest` for an old index — shows both to
//! the committee's `ValidatorStaking`, which slashes the validator. An `error` line `EQUIVOCATION`
//! and `courier_watcher_equivocations_total` say so.

use std::collections::{HashMap, HashSet};

use alloy_primitives::Address;
use courier_chain::{CheckpointStore, optimistic::EvmValidatorStaking};
use courier_core::SignedCheckpoint;
use courier_metrics::{OriginLabels, WatcherMetrics};
use tracing::{error, info, warn};

/// How many indices behind a validator's latest are read on its first sight (older ones are not
/// scanned).
const FIRST_SCAN: u32 = 64;

/// The equivocation check over one checkpoint store.
pub struct EquivocationCheck<C> {
    store: C,
    origins: Vec<u64>,
    validators: Vec<Address>,
    staking: EvmValidatorStaking,
    metrics: WatcherMetrics,
    seen: HashMap<(u64, Address, u32), SignedCheckpoint>,
    scanned: HashMap<(u64, Address), u32>,
    slashed: HashSet<Address>,
}

impl<C: CheckpointStore> EquivocationCheck<C> {
    /// Watches `validators` signing for `origins` in `store`; slashes on `staking`.
    pub fn new(
        store: C,
        origins: Vec<u64>,
        validators: Vec<Address>,
        staking: EvmValidatorStaking,
        metrics: WatcherMetrics,
    ) -> Self {
        Self {
            store,
            origins,
            validators,
            staking,
            metrics,
            seen: HashMap::new(),
            scanned: HashMap::new(),
            slashed: HashSet::new(),
        }
    }

    /// Runs until `shutdown`, a pass every `poll_interval`.
    pub async fn run(
        mut self,
        shutdown: tokio_util::sync::CancellationToken,
        poll_interval: std::time::Duration,
    ) {
        info!(
            validators = self.validators.len(),
            origins = self.origins.len(),
            "equivocation watch started"
        );
        loop {
            self.tick().await;
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(poll_interval) => {}
            }
        }
    }

    /// One pass; how many validators it slashed.
    pub async fn tick(&mut self) -> usize {
        let mut slashed = 0;
        for origin in self.origins.clone() {
            for validator in self.validators.clone() {
                let latest = match self.store.latest(origin, validator).await {
                    Ok(Some(l)) => l,
                    Ok(None) => continue,
                    Err(e) => {
                        warn!(origin, %validator, error = %e, "unreadable latest checkpoint");
                        continue;
                    }
                };
                slashed += self.see(origin, validator, latest).await;
                let index = latest.checkpoint.index;
                let from = match self.scanned.get(&(origin, validator)) {
                    Some(done) if *done >= index => continue,
                    Some(done) => done + 1,
                    None => index.saturating_sub(FIRST_SCAN),
                };
                for i in from..=index {
                    if let Ok(Some(c)) = self.store.get(origin, validator, i).await {
                        slashed += self.see(origin, validator, c).await;
                    }
                }
                self.scanned.insert((origin, validator), index);
            }
        }
        slashed
    }

    async fn see(&mut self, origin: u64, validator: Address, c: SignedCheckpoint) -> usize {
        let key = (origin, validator, c.checkpoint.index);
        let Some(previous) = self.seen.get(&key).copied() else {
            self.seen.insert(key, c);
            return 0;
        };
        if previous.checkpoint == c.checkpoint || self.slashed.contains(&validator) {
            return 0;
        }
        self.metrics
            .equivocations_total
            .get_or_create(&OriginLabels { origin })
            .inc();
        error!(origin, %validator, index = c.checkpoint.index, first = %previous.checkpoint.root, second = %c.checkpoint.root, "EQUIVOCATION: a validator signed two checkpoints for one index; slashing it");
        match self.staking.slash_equivocation(&previous, &c).await {
            Ok(block) => {
                self.slashed.insert(validator);
                info!(origin, %validator, block, "validator slashed for equivocation");
                1
            }
            Err(e) => {
                warn!(origin, %validator, error = %e, "slashing failed; will retry");
                0
            }
        }
    }
}

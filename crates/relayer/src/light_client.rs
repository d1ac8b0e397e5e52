//! The light-client relay: it makes an origin's root provable to destinations whose verifier is a
//! light client of the origin's beacon chain, and does nothing while no message needs it.
//!
//! The delivery pipelines say what they need in a shared [`LightClientDemand`]: "messages up to
//! nonce n from origin o wait on destination d for light client c to hold a root covering them".
//! For each such need, the relay
//!
//! 1. makes sure a `commitRoot()` on the origin covers nonce n (sending one when the newest
//!    commit does not), and
//! 2. once the origin's beacon chain has finalized the commit's block, brings the destination's
//!    `EthereumLightClient` there: the sync-committee updates of any period it lacks, then the
//!    newest finality update.
//!
//! Every update is verified by this relay's own [`LightClient`] (bootstrapped from a trusted
//! block root, following the chain period by period) before it is submitted; the contract checks
//! it again. The relay sends from an account of its own on each chain, so its transactions never
//! compete with the pipeline's stored nonces; the pipeline then proves the messages with the
//! storage proof of the committed root (mode `0x03`).

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use alloy_primitives::{Address, B256};
use courier_chain::{
    beacon::BeaconApi,
    lightclient::{Commit, EvmLightClient, RootCommitter},
};
use courier_lightclient::{
    ChainConfig, LightClient, LightClientUpdate, SyncCommittee, UpdatePolicy,
    onchain::OnchainUpdate,
};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

/// What the delivery pipelines wait for, shared with the light-client relays of the process.
#[derive(Debug, Clone, Default)]
pub struct LightClientDemand {
    inner: Arc<Mutex<HashMap<Need, u32>>>,
}

/// A route on which messages wait for a destination contract to learn a newer root: a light
/// client (the light-client relay feeds it) or an optimistic verifier (a proposer claims).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Need {
    /// The origin domain.
    pub origin: u64,
    /// The destination domain.
    pub destination: u64,
    /// The contract on the destination: the light client, or the optimistic verifier.
    pub client: Address,
}

impl LightClientDemand {
    /// Messages up to `nonce` wait for `need`'s light client to hold a newer root.
    pub fn need(&self, need: Need, nonce: u32) {
        let mut map = self.lock();
        let entry = map.entry(need).or_insert(nonce);
        *entry = (*entry).max(nonce);
    }

    /// Messages up to `nonce` of `need` are provable: drop the need if it asked no more.
    pub fn satisfied(&self, need: Need, nonce: u32) {
        let mut map = self.lock();
        if map.get(&need).is_some_and(|n| *n <= nonce) {
            map.remove(&need);
        }
    }

    /// The needs from `origin`, with the highest nonce waiting for each.
    pub fn from_origin(&self, origin: u64) -> Vec<(Need, u32)> {
        let mut v: Vec<(Need, u32)> = self
            .lock()
            .iter()
            .filter(|(n, _)| n.origin == origin)
            .map(|(n, nonce)| (*n, *nonce))
            .collect();
        v.sort();
        v
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Need, u32>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Errors of the light-client relay.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// Chain or beacon-node access failed.
    #[error(transparent)]
    Chain(#[from] courier_chain::Error),
    /// An update from the beacon node failed this relay's own verification.
    #[error("update {what} refused by the relay's light client: {source}")]
    Refused {
        /// Which update.
        what: String,
        /// Why.
        source: courier_lightclient::Error,
    },
    /// The relay cannot bring a light client forward from what it has.
    #[error("{0}")]
    Stuck(String),
}

impl RelayError {
    /// Whether the next tick may succeed without anyone acting.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Chain(e) => e.is_retryable(),
            // A refused update may be replaced by a good one; the beacon node may catch up.
            Self::Refused { .. } | Self::Stuck(_) => true,
        }
    }
}

/// Settings of a light-client relay.
#[derive(Debug, Clone)]
pub struct LightClientRelayConfig {
    /// How often it looks at the demand.
    pub poll_interval: Duration,
    /// The beacon block root its own light client starts from (the root the destinations'
    /// light clients were deployed with, or a later one).
    pub trusted_root: B256,
}

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayTick {
    /// `commitRoot()` transactions sent on the origin.
    pub commits: usize,
    /// Updates applied to destination light clients.
    pub updates: usize,
}

/// One committee period as this relay verified it.
#[derive(Debug, Clone, Default)]
struct Period {
    /// The period's sync committee.
    committee: Option<SyncCommittee>,
    /// A verified update signed in the period, carrying the next period's committee.
    update: Option<LightClientUpdate>,
}

/// The light-client relay of one origin (see the module docs).
pub struct LightClientRelay {
    origin: u64,
    beacon: BeaconApi,
    config: ChainConfig,
    settings: LightClientRelayConfig,
    committer: RootCommitter,
    /// Per destination domain: how to reach a light client there.
    destinations: HashMap<u64, DestinationAccess>,
    demand: LightClientDemand,
    client: Option<LightClient>,
    periods: BTreeMap<u64, Period>,
    last_commit: Option<Commit>,
}

/// A destination chain's RPC endpoint and the relay's account there.
#[derive(Clone)]
pub struct DestinationAccess {
    /// The RPC endpoint.
    pub rpc: url::Url,
    /// The relay's account on it.
    pub signer: alloy::signers::local::PrivateKeySigner,
}

impl LightClientRelay {
    /// A relay for `origin`, reading its beacon chain at `beacon` (of chain `config`) and
    /// committing roots with `committer`.
    pub fn new(
        origin: u64,
        beacon: BeaconApi,
        config: ChainConfig,
        committer: RootCommitter,
        destinations: HashMap<u64, DestinationAccess>,
        demand: LightClientDemand,
        settings: LightClientRelayConfig,
    ) -> Self {
        Self {
            origin,
            beacon,
            config,
            settings,
            committer,
            destinations,
            demand,
            client: None,
            periods: BTreeMap::new(),
            last_commit: None,
        }
    }

    /// Runs until `shutdown`.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let origin = self.origin;
        info!(origin, "light-client relay started");
        let mut failures = 0u32;
        loop {
            match self.tick().await {
                Ok(t) => {
                    failures = 0;
                    if t.commits > 0 || t.updates > 0 {
                        debug!(
                            origin,
                            commits = t.commits,
                            updates = t.updates,
                            "light-client relay tick"
                        );
                    }
                }
                Err(e) => {
                    failures += 1;
                    warn!(origin, error = %e, retryable = e.is_retryable(), "light-client relay tick failed");
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(courier_chain::retry_delay(self.settings.poll_interval, failures)) => {}
            }
        }
        info!(origin, "light-client relay stopped");
    }

    /// One pass over the demand.
    pub async fn tick(&mut self) -> Result<RelayTick, RelayError> {
        let mut tick = RelayTick::default();
        let needs = self.demand.from_origin(self.origin);
        let Some(highest) = needs.iter().map(|(_, n)| *n).max() else {
            return Ok(tick); // idle routes cost nothing
        };
        let commit = self.commit_covering(highest, &mut tick).await?;

        // Which light clients are behind the commit's block.
        let mut behind = Vec::new();
        for (need, _) in &needs {
            let Some(access) = self.destinations.get(&need.destination) else {
                warn!(
                    origin = self.origin,
                    destination = need.destination,
                    "a message waits for a light client on a chain this relay has no account on"
                );
                continue;
            };
            let lc = EvmLightClient::new(&access.rpc, need.client, access.signer.clone());
            if lc.state().await?.latest_execution_block < commit.block {
                behind.push(lc);
            }
        }
        if behind.is_empty() {
            return Ok(tick);
        }
        let finality = self.beacon.finality_update().await?;
        let finalized_block = finality.finalized_header.execution.block_number;
        if finalized_block < commit.block {
            debug!(
                origin = self.origin,
                commit_block = commit.block,
                finalized_block,
                "waiting for the commit's block to be finalized"
            );
            return Ok(tick);
        }
        let target = self.period_of(finality.signature_slot);
        self.follow(target).await?;
        let signers = self.committee(target)?;
        self.client_mut()?
            .process_update(
                &finality,
                finality.signature_slot,
                UpdatePolicy::SupermajorityForFinality,
            )
            .map_err(|source| RelayError::Refused {
                what: format!("finality update signed at slot {}", finality.signature_slot),
                source,
            })?;
        let onchain = self.onchain(&finality, &signers)?;
        for lc in behind {
            tick.updates += self.feed_committees(&lc, target).await?;
            if let Some(block) = lc.submit(&onchain).await? {
                tick.updates += 1;
                info!(
                    origin = self.origin,
                    client = %lc.address(),
                    finalized_block,
                    landed = block,
                    "light client updated"
                );
            }
        }
        Ok(tick)
    }

    /// The newest commit if it covers `nonce`, else a new one.
    async fn commit_covering(
        &mut self,
        nonce: u32,
        tick: &mut RelayTick,
    ) -> Result<Commit, RelayError> {
        if let Some(c) = self.last_commit
            && c.count > nonce
        {
            return Ok(c);
        }
        let head = self.committer.head().await?;
        let commit = match self.committer.last_commit(head).await? {
            Some(c) if c.count > nonce => c,
            _ => {
                let c = self.committer.commit().await?;
                tick.commits += 1;
                info!(
                    origin = self.origin,
                    root = %c.root,
                    count = c.count,
                    block = c.block,
                    "committed the origin Mailbox's root for a light-client route"
                );
                c
            }
        };
        self.last_commit = Some(commit);
        Ok(commit)
    }

    /// Brings this relay's light client to where an update signed in period `target` can be
    /// verified: period updates one by one, each verified, remembered for the destinations.
    async fn follow(&mut self, target: u64) -> Result<(), RelayError> {
        if self.client.is_none() {
            let root = self.settings.trusted_root;
            let bootstrap = self.beacon.bootstrap(root).await?;
            let client =
                LightClient::bootstrap(self.config.clone(), bootstrap, root).map_err(|source| {
                    RelayError::Refused {
                        what: format!("bootstrap of {root}"),
                        source,
                    }
                })?;
            self.periods
                .entry(client.store_period())
                .or_default()
                .committee = Some(client.current_sync_committee().clone());
            info!(origin = self.origin, %root, period = client.store_period(), "light-client relay bootstrapped");
            self.client = Some(client);
        }
        loop {
            let client = self.client_mut()?;
            let period = client.store_period();
            let knows_next = client.next_sync_committee().is_some();
            if target <= period || (target == period + 1 && knows_next) {
                return Ok(());
            }
            // Learn the next committee from the period's own update, or move into the next
            // period with that period's update.
            let q = if knows_next { period + 1 } else { period };
            let update = self
                .beacon
                .updates(q, 1)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    RelayError::Stuck(format!("the beacon node has no update for period {q}"))
                })?;
            let signed_in = self.period_of(update.signature_slot);
            if signed_in != q {
                return Err(RelayError::Stuck(format!(
                    "the beacon node's update for period {q} is signed in period {signed_in}"
                )));
            }
            let signers = self.committee(q)?;
            let client = self.client_mut()?;
            client
                .process_update(
                    &update,
                    update.signature_slot,
                    UpdatePolicy::SupermajorityForFinality,
                )
                .map_err(|source| RelayError::Refused {
                    what: format!("of period {q}"),
                    source,
                })?;
            let next = client.next_sync_committee().cloned();
            let (after_period, after_next) = (client.store_period(), next.is_some());
            if (after_period, after_next) == (period, knows_next) {
                return Err(RelayError::Stuck(format!(
                    "the update for period {q} moved the light client no further (period {period})"
                )));
            }
            let entry = self.periods.entry(q).or_default();
            entry.committee = Some(signers);
            entry.update = Some(update);
            if let Some(next) = next {
                self.periods.entry(after_period + 1).or_default().committee = Some(next);
            }
            let current = self.client_mut()?.current_sync_committee().clone();
            self.periods.entry(after_period).or_default().committee = Some(current);
        }
    }

    /// Teaches `lc` the committees up to period `target` from the verified period updates.
    /// Returns how many updates it applied.
    async fn feed_committees(&self, lc: &EvmLightClient, target: u64) -> Result<usize, RelayError> {
        if lc.knows_committee(target).await? {
            return Ok(0);
        }
        let first = self.periods.keys().next().copied().unwrap_or(target);
        let mut from = target;
        while from > first && !lc.knows_committee(from - 1).await? {
            from -= 1;
        }
        // Every period from `from` to `target` is unknown to it; `from - 1` is known, unless
        // `from` is where this relay's history starts.
        if from == first {
            return Err(RelayError::Stuck(format!(
                "light client {} knows no committee from period {first} on, where this relay's trusted root starts",
                lc.address()
            )));
        }
        let mut applied = 0;
        for q in from - 1..target {
            let period = self.periods.get(&q);
            let (Some(committee), Some(update)) = (
                period.and_then(|p| p.committee.as_ref()),
                period.and_then(|p| p.update.as_ref()),
            ) else {
                return Err(RelayError::Stuck(format!(
                    "no verified update of period {q} to teach light client {} the committee of period {}",
                    lc.address(),
                    q + 1
                )));
            };
            let onchain = self.onchain(update, committee)?;
            if lc.submit(&onchain).await?.is_some() {
                applied += 1;
                info!(origin = self.origin, client = %lc.address(), period = q + 1, "light client learned a sync committee");
            }
        }
        Ok(applied)
    }

    fn committee(&self, period: u64) -> Result<SyncCommittee, RelayError> {
        self.periods
            .get(&period)
            .and_then(|p| p.committee.clone())
            .ok_or_else(|| {
                RelayError::Stuck(format!(
                    "this relay has no sync committee for period {period}"
                ))
            })
    }

    fn onchain(
        &self,
        update: &LightClientUpdate,
        signers: &SyncCommittee,
    ) -> Result<OnchainUpdate, RelayError> {
        OnchainUpdate::of(update, signers, &self.config).map_err(|source| RelayError::Refused {
            what: format!("signed at slot {}", update.signature_slot),
            source,
        })
    }

    fn period_of(&self, slot: u64) -> u64 {
        self.config.preset.period_at_slot(slot)
    }

    fn client_mut(&mut self) -> Result<&mut LightClient, RelayError> {
        self.client
            .as_mut()
            .ok_or_else(|| RelayError::Stuck("the relay's light client is not bootstrapped".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demand_keeps_the_highest_nonce_until_it_is_satisfied() {
        let demand = LightClientDemand::default();
        let need = Need {
            origin: 1,
            destination: 2,
            client: Address::repeat_byte(3),
        };
        let other = Need { origin: 9, ..need };
        demand.need(need, 4);
        demand.need(need, 2);
        demand.need(other, 1);
        assert_eq!(demand.from_origin(1), vec![(need, 4)]);
        // Satisfied up to 3 only: still needed.
        demand.satisfied(need, 3);
        assert_eq!(demand.from_origin(1), vec![(need, 4)]);
        demand.satisfied(need, 4);
        assert!(demand.from_origin(1).is_empty());
        assert_eq!(demand.from_origin(9), vec![(other, 1)]);
    }
}

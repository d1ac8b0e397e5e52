//! The watcher agent: follows the claims on every destination's optimistic verifier for one
//! origin, judges each against the origin as every configured endpoint reports it, and acts:
//!
//! - a **false** claim: an `error` log line saying `FALSE CLAIM`, `courier_watcher_false_claims`
//!   up, a veto on the destination (which also pauses the route until its owner acts), and the
//!   fraud proof on the origin's `ProposerBond`, which slashes the proposer;
//! - endpoints that **disagree**: an `error` log line, `courier_watcher_endpoint_disagreements` up,
//!   and a veto — a claim the watcher cannot confirm does not pass;
//! - a claim of an index no endpoint has even at its head: vetoed as false;
//! - a claim of an index not final yet: judged on a later tick.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Duration,
};

use alloy_primitives::B256;
use courier_chain::{
    DestinationMailbox, OptimisticClaim, OriginMailbox,
    optimistic::{EvmOptimisticVerifier, EvmProposerBond},
};
use courier_core::MerkleTree;
use courier_metrics::{RouteLabels, WatcherMetrics};
use tracing::{error, info, warn};

use crate::{Error, OriginWitness, Verdict, judge};

/// A destination's optimistic verifier the watcher follows.
pub struct WatchedVerifier {
    /// The destination's domain.
    pub domain: u64,
    /// Reads its claims.
    pub reader: Arc<dyn DestinationMailbox>,
    /// Vetoes, with the watcher's account.
    pub verifier: EvmOptimisticVerifier,
}

/// The watcher of one origin (see the module docs).
pub struct Watcher<O> {
    origin: u64,
    witnesses: Vec<OriginWitness<O>>,
    verifiers: Vec<WatchedVerifier>,
    bond: Option<EvmProposerBond>,
    metrics: WatcherMetrics,
    poll_interval: Duration,
    /// Claims judged true, or acted on completely.
    done: HashSet<(u64, B256)>,
    /// Claims judged not to pass whose veto has not landed yet (retried every tick), and whether
    /// the origin proves them false.
    awaiting_veto: HashMap<(u64, B256), bool>,
    /// False claims vetoed whose fraud proof has not landed yet, with their destination and how
    /// many attempts failed.
    to_prove: Vec<(u64, OptimisticClaim, u32)>,
}

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchTick {
    /// Claims found true.
    pub verified: usize,
    /// Vetoes sent.
    pub vetoes: usize,
    /// Fraud proofs landed.
    pub proofs: usize,
}

impl<O: OriginMailbox> Watcher<O> {
    /// A watcher of `origin` reading it through `witnesses` (one per endpoint, at least one),
    /// following `verifiers`, proving fraud on `bond` when given.
    pub fn new(
        origin: u64,
        witnesses: Vec<OriginWitness<O>>,
        verifiers: Vec<WatchedVerifier>,
        bond: Option<EvmProposerBond>,
        metrics: WatcherMetrics,
        poll_interval: Duration,
    ) -> Self {
        Self {
            origin,
            witnesses,
            verifiers,
            bond,
            metrics,
            poll_interval,
            done: HashSet::new(),
            awaiting_veto: HashMap::new(),
            to_prove: Vec::new(),
        }
    }

    /// Runs until `shutdown`.
    pub async fn run(mut self, shutdown: tokio_util::sync::CancellationToken) {
        let origin = self.origin;
        info!(
            origin,
            endpoints = self.witnesses.len(),
            verifiers = self.verifiers.len(),
            "watcher started"
        );
        let mut failures = 0u32;
        loop {
            match self.tick().await {
                Ok(_) => failures = 0,
                Err(e) => {
                    failures += 1;
                    warn!(origin, error = %e, "watcher tick failed");
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(courier_chain::retry_delay(self.poll_interval, failures)) => {}
            }
        }
        info!(origin, "watcher stopped");
    }

    /// One pass: sync every endpoint, judge every new claim, act, retry pending fraud proofs.
    pub async fn tick(&mut self) -> Result<WatchTick, Error> {
        let mut tick = WatchTick::default();
        for w in &mut self.witnesses {
            w.sync().await?;
        }
        for v in 0..self.verifiers.len() {
            let (domain, claims) = {
                let watched = &self.verifiers[v];
                let claims = watched
                    .reader
                    .optimistic_claims(watched.verifier.address(), self.origin)
                    .await?;
                (watched.domain, claims)
            };
            let route = RouteLabels {
                origin: self.origin,
                destination: domain,
            };
            for claim in claims {
                let key = (domain, claim.root);
                if self.done.contains(&key) {
                    continue;
                }
                let proven_false = match self.awaiting_veto.get(&key) {
                    Some(p) => *p,
                    None => match self.assess(&claim, &route).await? {
                        Some(p) => {
                            self.awaiting_veto.insert(key, p);
                            p
                        }
                        None => {
                            if self.done.contains(&key) {
                                tick.verified += 1; // judged true
                            }
                            continue;
                        }
                    },
                };
                // A claim someone else vetoed already is not vetoed again, but its fraud is
                // still proven.
                if !claim.vetoed {
                    match self.verifiers[v]
                        .verifier
                        .veto(self.origin, claim.root)
                        .await
                    {
                        Ok(block) => {
                            self.metrics.vetoes_total.get_or_create(&route).inc();
                            tick.vetoes += 1;
                            info!(origin = self.origin, destination = domain, root = %claim.root, block, "vetoed");
                        }
                        Err(e) => {
                            warn!(origin = self.origin, destination = domain, root = %claim.root, error = %e, "veto failed; retrying next tick");
                            continue;
                        }
                    }
                }
                self.awaiting_veto.remove(&key);
                self.done.insert(key);
                if proven_false {
                    self.to_prove.push((domain, claim, 0));
                }
            }
        }
        tick.proofs += self.prove_pending().await;
        Ok(tick)
    }

    /// Judges a claim not judged before: `None` when it passes (counted, and remembered when it
    /// is true) or cannot be judged yet; `Some(proven_false)` when it must be vetoed — `true`
    /// when the origin proves it false (logged as a false claim), `false` when the endpoints
    /// disagree (an alarm: the claim cannot be confirmed, and proves nothing against anyone).
    async fn assess(
        &mut self,
        claim: &OptimisticClaim,
        route: &RouteLabels,
    ) -> Result<Option<bool>, Error> {
        let reason = match judge(&self.witnesses, claim.root, claim.index) {
            Verdict::True => {
                self.metrics
                    .claims_verified_total
                    .get_or_create(route)
                    .inc();
                self.done.insert((route.destination, claim.root));
                return Ok(None);
            }
            Verdict::Unknown => {
                if !self.beyond_every_head(claim.index).await? {
                    return Ok(None); // not final yet: judged later
                }
                format!("index {} was never dispatched", claim.index)
            }
            Verdict::False { truth } => {
                format!("the origin's root at index {} is {truth}", claim.index)
            }
            Verdict::Disagreement { answers } => {
                self.metrics
                    .endpoint_disagreements_total
                    .get_or_create(route)
                    .inc();
                error!(origin = self.origin, destination = route.destination, root = %claim.root, index = claim.index, ?answers, "ENDPOINTS DISAGREE on the origin's root: vetoing the claim, which cannot be confirmed (the route stays paused until its owner resumes it)");
                return Ok(Some(false));
            }
        };
        self.metrics.false_claims_total.get_or_create(route).inc();
        error!(origin = self.origin, destination = route.destination, root = %claim.root, index = claim.index, proposer = %claim.proposer, %reason, "FALSE CLAIM: vetoing it and proving fraud on the origin");
        Ok(Some(true))
    }

    /// Whether `index` is past every endpoint's head count (never dispatched anywhere).
    async fn beyond_every_head(&self, index: u32) -> Result<bool, Error> {
        for w in &self.witnesses {
            let head = w.origin().head().await?.number;
            let known = w.tree().len();
            let fresh = w.origin().dispatches(w.next_block(), head).await?.len();
            if u64::from(index) < u64::from(known) + fresh as u64 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Submits the fraud proofs not landed yet; how many landed.
    async fn prove_pending(&mut self) -> usize {
        let Some(bond) = self.bond.clone() else {
            self.to_prove.clear();
            return 0;
        };
        let mut landed = 0;
        let mut still = Vec::new();
        for (domain, claim, failures) in std::mem::take(&mut self.to_prove) {
            match self.fraud_proof(&bond, &claim).await {
                Ok(Proof::Landed(block)) => {
                    landed += 1;
                    self.metrics
                        .fraud_proofs_total
                        .get_or_create(&RouteLabels {
                            origin: self.origin,
                            destination: domain,
                        })
                        .inc();
                    info!(origin = self.origin, root = %claim.root, index = claim.index, proposer = %claim.proposer, block, "fraud proven on the origin: the proposer is slashed");
                }
                Ok(Proof::NotYet { count }) => {
                    if failures == 0 {
                        info!(origin = self.origin, root = %claim.root, index = claim.index, count, "the claim's index is not dispatched on the origin yet: its fraud can be proven once it is");
                    }
                    still.push((domain, claim, 1));
                }
                Ok(Proof::CameTrue) => {
                    warn!(origin = self.origin, root = %claim.root, index = claim.index, proposer = %claim.proposer, "the claim of a then-missing index matches the origin's root there now: no fraud to prove (the veto stands)");
                }
                Err(e) => {
                    // Already slashed (by this claim or another): nothing left to prove.
                    if e.to_string().contains("NoBond") {
                        info!(origin = self.origin, root = %claim.root, "the proposer has no bond left: nothing to prove");
                        continue;
                    }
                    // Loud on the first failure, then once in a while.
                    if failures % 20 == 0 {
                        warn!(origin = self.origin, root = %claim.root, failures = failures + 1, error = %e, "fraud proof failed; retrying every tick");
                    }
                    still.push((domain, claim, failures + 1));
                }
            }
        }
        self.to_prove = still;
        landed
    }

    /// The leaf at the claim's index and its siblings in the origin's current tree (final and
    /// unfinal dispatches: the Mailbox's `root()` counts every one), then `proveFraud`. A claim of
    /// an index the origin does not have yet cannot be proven false until it does (the proposer
    /// could still dispatch messages that make it true).
    async fn fraud_proof(
        &self,
        bond: &EvmProposerBond,
        claim: &OptimisticClaim,
    ) -> Result<Proof, Error> {
        let w = &self.witnesses[0];
        let head = w.origin().head().await?.number;
        let mut tree: MerkleTree = w.tree().clone();
        let mut fresh = w.origin().dispatches(w.next_block(), head).await?;
        fresh.sort_by_key(|d| d.message.nonce);
        for d in fresh {
            tree.push(d.id)?;
        }
        let Some(leaf) = tree.leaf(claim.index) else {
            return Ok(Proof::NotYet { count: tree.len() });
        };
        if tree.root_at(claim.index + 1)? == claim.root {
            return Ok(Proof::CameTrue);
        }
        let siblings = tree.proof(claim.index)?;
        Ok(Proof::Landed(
            bond.prove_fraud(
                claim.root,
                claim.index,
                claim.signature.clone(),
                leaf,
                siblings,
            )
            .await?,
        ))
    }
}

/// What became of a fraud proof.
enum Proof {
    /// It landed in this origin block.
    Landed(u64),
    /// The origin has only `count` messages: the claim's index is not there to prove against.
    NotYet {
        /// Messages the origin has.
        count: u32,
    },
    /// The origin's root at the claim's index is the claimed one: no fraud.
    CameTrue,
}

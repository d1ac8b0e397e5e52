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

use std::{collections::HashSet, sync::Arc, time::Duration};

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
    /// False claims vetoed whose fraud proof has not landed yet, with their destination.
    to_prove: Vec<(u64, OptimisticClaim)>,
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
                if claim.vetoed || self.done.contains(&(domain, claim.root)) {
                    continue;
                }
                let verdict = judge(&self.witnesses, claim.root, claim.index);
                let reason = match verdict {
                    Verdict::True => {
                        self.metrics
                            .claims_verified_total
                            .get_or_create(&route)
                            .inc();
                        self.done.insert((domain, claim.root));
                        tick.verified += 1;
                        continue;
                    }
                    Verdict::Unknown => {
                        if !self.beyond_every_head(claim.index).await? {
                            continue; // not final yet: judged later
                        }
                        format!("index {} was never dispatched", claim.index)
                    }
                    Verdict::False { truth } => {
                        self.metrics.false_claims_total.get_or_create(&route).inc();
                        format!("the origin's root at index {} is {truth}", claim.index)
                    }
                    Verdict::Disagreement { answers } => {
                        self.metrics
                            .endpoint_disagreements_total
                            .get_or_create(&route)
                            .inc();
                        error!(origin = self.origin, destination = domain, root = %claim.root, index = claim.index, ?answers, "ENDPOINTS DISAGREE on the origin's root: vetoing the claim, which cannot be confirmed");
                        "the origin's endpoints disagree".to_owned()
                    }
                };
                error!(origin = self.origin, destination = domain, root = %claim.root, index = claim.index, proposer = %claim.proposer, %reason, "FALSE CLAIM: vetoing it and proving fraud on the origin");
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
                        warn!(origin = self.origin, destination = domain, root = %claim.root, error = %e, "veto failed; will retry")
                    }
                }
                self.done.insert((domain, claim.root));
                if !reason.starts_with("the origin's endpoints") {
                    self.to_prove.push((domain, claim));
                }
            }
        }
        tick.proofs += self.prove_pending().await;
        Ok(tick)
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
        for (domain, claim) in std::mem::take(&mut self.to_prove) {
            match self.fraud_proof(&bond, &claim).await {
                Ok(block) => {
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
                Err(e) => {
                    warn!(origin = self.origin, root = %claim.root, error = %e, "fraud proof failed; will retry");
                    // Already slashed (by this claim or another): nothing left to prove.
                    if !e.to_string().contains("NoBond") {
                        still.push((domain, claim));
                    }
                }
            }
        }
        self.to_prove = still;
        landed
    }

    /// The leaf at the claim's index and its siblings in the origin's current tree (final and
    /// unfinal dispatches: the Mailbox's `root()` counts every one), then `proveFraud`.
    async fn fraud_proof(
        &self,
        bond: &EvmProposerBond,
        claim: &OptimisticClaim,
    ) -> Result<u64, Error> {
        let w = &self.witnesses[0];
        let head = w.origin().head().await?.number;
        let mut tree: MerkleTree = w.tree().clone();
        let mut fresh = w.origin().dispatches(w.next_block(), head).await?;
        fresh.sort_by_key(|d| d.message.nonce);
        for d in fresh {
            tree.push(d.id)?;
        }
        let leaf = tree
            .leaf(claim.index)
            .ok_or(courier_core::Error::LeafOutOfRange {
                index: claim.index,
                count: tree.len(),
            })?;
        let siblings = tree.proof(claim.index)?;
        Ok(bond
            .prove_fraud(
                claim.root,
                claim.index,
                claim.signature.clone(),
                leaf,
                siblings,
            )
            .await?)
    }
}

//! The delivery pipeline of one destination: each tick it confirms what it sent, then takes the
//! messages that are due, proves them (see [`crate::prepare`]), simulates, signs, records, and
//! broadcasts — in that order, so that a crash between any two steps is recovered from the store:
//!
//! - crash before `record_tx`: the messages are still queued; they are prepared again;
//! - crash after `record_tx`, before or after `broadcast`: the transaction is `Pending` in the store
//!   with its raw bytes; the next tick rebroadcasts it (sending twice is harmless) or, once it
//!   lands, records what it did;
//! - a transaction that never lands is re-sent with higher fees under the same nonce; one whose
//!   nonce was taken by another transaction is dropped and its messages go back to the queue.
//!
//! Whatever happens, the Mailbox delivers a message at most once.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Duration,
};

use alloy_primitives::{Address, B256, U256};
use courier_chain::{
    CheckpointStore, CommittedRoots, DestinationMailbox, Fees, MessageOutcome, SignedTx,
    VerifierKind, evm::CommittedRootProof, fees::GasPayments,
};
use courier_core::Committee;
use courier_metrics::{DestinationLabels, RelayerMetrics, RouteLabels};
use courier_store::{
    DeliveryOutcome, Inclusion, MessageRecord, MessageState, NewTx, Replacement, Store, TxFees,
    TxRecord,
};
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

use crate::{
    Error, Result,
    indexer::OriginTrees,
    light_client::{LightClientDemand, Need},
    now_ms,
    prepare::{Pending, Prepared, prepare, prepare_claimed_root, prepare_storage_proof},
};

/// How a pipeline runs.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Most messages in one delivery transaction.
    pub batch_max: usize,
    /// Blocks on top of a delivery before its outcome is recorded (the destination's finality).
    pub confirmations: u64,
    /// How often to look for work.
    pub poll_interval: Duration,
    /// First retry delay; doubled per attempt.
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// How long a sent transaction may stay unmined before it is sent again.
    pub rebroadcast_after: Duration,
    /// How long before it is replaced with higher fees.
    pub replace_after: Duration,
    /// Gas limit = simulated gas × this / 100.
    pub gas_margin_percent: u64,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            batch_max: 100,
            confirmations: 1,
            poll_interval: Duration::from_millis(250),
            retry_base: Duration::from_millis(500),
            retry_max: Duration::from_secs(300),
            rebroadcast_after: Duration::from_secs(6),
            replace_after: Duration::from_secs(30),
            gas_margin_percent: 130,
        }
    }
}

/// Which messages this relayer delivers, by what their senders paid for them on the origin's
/// `RelayerFees` (read at the origin's newest final block). Without a policy, every message is
/// delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeePolicy {
    /// The least wei paid for a message for it to be delivered (at least 1).
    pub min_wei: U256,
    /// How long a message not paid enough waits before its payment is read again.
    pub recheck: Duration,
}

/// Where payments are read, per origin domain.
pub type Payments = HashMap<u64, Arc<dyn GasPayments>>;

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Transactions whose outcome was recorded.
    pub confirmed: usize,
    /// Transactions sent.
    pub sent: usize,
    /// Messages put into those transactions.
    pub messages_sent: usize,
    /// Messages that had to wait (no quorum yet, simulation failed, ...).
    pub waiting: usize,
}

/// Delivers to one destination.
pub struct Pipeline<D, C> {
    destination: D,
    checkpoints: C,
    store: Store,
    trees: OriginTrees,
    config: PipelineConfig,
    verifiers: HashMap<Address, (Address, VerifierKind)>,
    committees: HashMap<(Address, u64), Committee>,
    /// Per origin: where the light-client route reads the committed root's storage proofs.
    roots: HashMap<u64, Arc<dyn CommittedRoots>>,
    /// What this pipeline waits for from light-client relays.
    demand: LightClientDemand,
    /// What this pipeline waits for from optimistic proposers.
    claim_demand: LightClientDemand,
    /// Kinds of sub-verifiers of aggregations (recipients' own verifiers are in `verifiers`).
    kinds: HashMap<Address, VerifierKind>,
    /// The newest storage proof read per (origin, light client), reused while the light client
    /// holds the same block.
    committed: HashMap<(u64, Address), CommittedRootProof>,
    /// The fee policy and, per origin, where payments are read.
    fees: Option<(FeePolicy, Payments)>,
    /// Messages found paid enough (payments at final blocks never shrink).
    paid: HashSet<B256>,
    /// While set, waits are not recorded (the parts of an aggregation are being built).
    quiet: bool,
    metrics: RelayerMetrics,
}

impl<D: DestinationMailbox, C: CheckpointStore> Pipeline<D, C> {
    /// A pipeline delivering to `destination` with proofs from `checkpoints`.
    pub fn new(
        destination: D,
        checkpoints: C,
        store: Store,
        trees: OriginTrees,
        config: PipelineConfig,
    ) -> Self {
        Self {
            destination,
            checkpoints,
            store,
            trees,
            config,
            verifiers: HashMap::new(),
            committees: HashMap::new(),
            roots: HashMap::new(),
            demand: LightClientDemand::default(),
            claim_demand: LightClientDemand::default(),
            kinds: HashMap::new(),
            committed: HashMap::new(),
            fees: None,
            paid: HashSet::new(),
            quiet: false,
            metrics: RelayerMetrics::default(),
        }
    }

    /// Delivers only messages paid for under `policy`, reading payments per origin from
    /// `payments`; messages from an origin with no entry there are never paid, and wait.
    pub fn with_fees(mut self, policy: FeePolicy, payments: Payments) -> Self {
        self.fees = Some((policy, payments));
        self
    }

    /// Enables the optimistic route's demand: what waits for a claim, for the proposers.
    pub fn with_claim_demand(mut self, demand: LightClientDemand) -> Self {
        self.claim_demand = demand;
        self
    }

    /// Enables the light-client route: `roots` reads each origin's committed root with its
    /// storage proofs, and `demand` tells the light-client relays what waits.
    pub fn with_light_client(
        mut self,
        roots: HashMap<u64, Arc<dyn CommittedRoots>>,
        demand: LightClientDemand,
    ) -> Self {
        self.roots = roots;
        self.demand = demand;
        self
    }

    /// Reports to these metrics (by default to ones nobody reads).
    pub fn with_metrics(mut self, metrics: RelayerMetrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Runs until `shutdown` is cancelled; the transaction in flight when it is cancelled stays
    /// recorded and is picked up by the next run.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let destination = self.destination.domain();
        info!(destination, sender = %self.destination.sender(), "relayer pipeline started");
        let mut failures = 0u32;
        loop {
            let result = self.tick().await;
            failures = if result.is_ok() { 0 } else { failures + 1 };
            match result {
                Ok(r) if r.sent > 0 || r.confirmed > 0 => {
                    debug!(
                        destination,
                        sent = r.sent,
                        messages = r.messages_sent,
                        confirmed = r.confirmed,
                        "pipeline tick"
                    );
                }
                Ok(_) => {}
                Err(e) if e.is_retryable() => {
                    warn!(destination, error = %e, "pipeline tick failed; retrying")
                }
                Err(e) => error!(destination, error = %e, "pipeline tick failed"),
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(courier_chain::retry_delay(self.config.poll_interval, failures)) => {}
            }
        }
        info!(destination, "relayer pipeline stopped");
    }

    /// One pass: confirm, then prepare and send.
    pub async fn tick(&mut self) -> Result<TickReport> {
        let mut report = TickReport::default();
        self.confirm(&mut report).await?;
        let due = self.store.due(
            self.destination.domain(),
            now_ms(),
            self.config.batch_max * 4,
        )?;
        let mut by_origin: Vec<(u64, Vec<MessageRecord>)> = Vec::new();
        for record in due {
            match by_origin
                .iter_mut()
                .find(|(o, _)| *o == record.message.origin)
            {
                Some((_, v)) => v.push(record),
                None => by_origin.push((record.message.origin, vec![record])),
            }
        }
        for (origin, mut records) in by_origin {
            records.sort_by_key(|r| r.message.nonce);
            self.deliver_origin(origin, records, &mut report).await?;
        }
        self.record_queue()?;
        Ok(report)
    }

    /// Records the outcome of every pending transaction that landed; resends or replaces the
    /// ones that did not.
    async fn confirm(&mut self, report: &mut TickReport) -> Result<()> {
        let domain = self.destination.domain();
        let sender = self.destination.sender();
        for tx in self.store.pending_txs(domain, sender)? {
            match self
                .destination
                .outcome(tx.hash, self.config.confirmations)
                .await?
            {
                Some(outcome) => {
                    let at_ms = now_ms();
                    let outcomes: Vec<DeliveryOutcome> = outcome
                        .messages
                        .iter()
                        .map(|m| match m {
                            MessageOutcome::Delivered { id } => {
                                DeliveryOutcome::Delivered { id: *id }
                            }
                            MessageOutcome::Failed { id, reason } => DeliveryOutcome::Failed {
                                id: *id,
                                reason: format!(
                                    "recipient reverted: 0x{}",
                                    alloy_primitives::hex::encode(reason)
                                ),
                                retry_at_ms: at_ms + self.backoff_ms(self.attempts(*id)),
                            },
                        })
                        .collect();
                    let landed = Inclusion {
                        tx: tx.hash,
                        block: outcome.block.number,
                        at_ms,
                    };
                    let requeued = self.store.confirm_tx(&landed, &outcomes)?;
                    self.record_outcomes(&outcomes, at_ms, tx.hash, outcome.block.number);
                    if !outcome.success || !requeued.is_empty() {
                        warn!(destination = domain, tx = %tx.hash, success = outcome.success, requeued = requeued.len(), "delivery transaction did not deliver everything; messages requeued");
                    }
                    self.delivered_elsewhere(&requeued, outcome.block.number)
                        .await?;
                    report.confirmed += 1;
                }
                None => self.unstick(&tx).await?,
            }
        }
        Ok(())
    }

    async fn unstick(&mut self, tx: &TxRecord) -> Result<()> {
        let age = Duration::from_millis(now_ms().saturating_sub(tx.sent_at_ms));
        let domain = self.destination.domain();
        // The account's mined nonce moved past ours while ours did not land: another transaction
        // (a replacement) took it; that one is confirmed on its own.
        if age < self.config.rebroadcast_after {
            return Ok(());
        }
        let signed = SignedTx {
            hash: tx.hash,
            raw: tx.raw.clone(),
            nonce: tx.nonce,
            gas_limit: tx.fees.gas_limit,
            fees: Fees {
                max_fee_per_gas: tx.fees.max_fee_per_gas,
                max_priority_fee_per_gas: tx.fees.max_priority_fee_per_gas,
            },
        };
        if age < self.config.replace_after {
            match self.destination.broadcast(&signed).await {
                Ok(()) => {}
                Err(courier_chain::Error::NonceTaken { .. }) => self.nonce_taken(tx).await?,
                Err(e) => self.on_broadcast_error(&signed, &e)?,
            }
            return Ok(());
        }
        // Replace: same nonce, same messages, fees at least 12.5% higher (and today's if higher).
        let records: Vec<MessageRecord> = tx
            .message_ids
            .iter()
            .filter_map(|id| self.store.message(*id).ok().flatten())
            .collect();
        let Some(first) = records.first() else {
            self.store
                .drop_tx(tx.hash, "no messages left to carry", now_ms())?;
            return Ok(());
        };
        let origin = first.message.origin;
        let pending: Vec<Pending> = records
            .iter()
            .map(|r| Pending {
                message: r.message.clone(),
                encoded: r.message.encode(),
                id: r.id,
            })
            .collect();
        let Some(proof) = self.prove(origin, &pending).await? else {
            return Ok(());
        };
        let today = self.destination.suggest_fees().await?;
        let bumped = signed.fees.bumped(13);
        let fees = Fees {
            max_fee_per_gas: bumped.max_fee_per_gas.max(today.max_fee_per_gas),
            max_priority_fee_per_gas: bumped
                .max_priority_fee_per_gas
                .max(today.max_priority_fee_per_gas),
        };
        let messages: Vec<Vec<u8>> = pending.iter().map(|p| p.encoded.clone()).collect();
        let new = self
            .destination
            .sign_delivery(&proof.0, &messages, tx.nonce, tx.fees.gas_limit, fees)
            .await?;
        self.store.replace_tx(
            tx.hash,
            &Replacement {
                hash: new.hash,
                fees: tx_fees(&new),
                raw: new.raw.clone(),
                sent_at_ms: now_ms(),
            },
        )?;
        warn!(destination = domain, old = %tx.hash, new = %new.hash, nonce = tx.nonce, "delivery transaction stuck; replaced with higher fees");
        if let Err(e) = self.destination.broadcast(&new).await {
            self.on_broadcast_error(&new, &e)?;
        }
        Ok(())
    }

    /// A resent transaction's nonce is used. If the transaction itself is in a block, it is only
    /// not deep enough yet: it stays pending and [`Self::confirm`] records it. Otherwise another
    /// transaction took the nonce (a replacement of ours, confirmed on its own, or one sent from
    /// the same account elsewhere): this one will never land and is dropped, its messages queued
    /// again.
    async fn nonce_taken(&mut self, tx: &TxRecord) -> Result<()> {
        let domain = self.destination.domain();
        if self.destination.outcome(tx.hash, 0).await?.is_some() {
            debug!(destination = domain, tx = %tx.hash, nonce = tx.nonce, "resent transaction is already in a block; waiting for confirmations");
            return Ok(());
        }
        let requeued = self.store.drop_tx(
            tx.hash,
            &format!("nonce {} was taken by another transaction", tx.nonce),
            now_ms(),
        )?;
        warn!(destination = domain, tx = %tx.hash, nonce = tx.nonce, requeued = requeued.len(), "nonce taken by another transaction; dropped it, messages queued again");
        Ok(())
    }

    /// Messages a landed transaction of ours did not deliver may have been delivered by another
    /// transaction (another relayer's, or one of ours the store lost track of); the Mailbox skips
    /// those in a batch without an event. Each that the Mailbox reports delivered is recorded as
    /// delivered by the transaction whose `Process` event names it, so it is not sent again and
    /// again.
    async fn delivered_elsewhere(&mut self, requeued: &[B256], before: u64) -> Result<()> {
        let domain = self.destination.domain();
        for id in requeued {
            let Some(record) = self.store.message(*id)? else {
                continue;
            };
            let recipient = Address::from_slice(&record.message.recipient[12..]);
            if !self
                .destination
                .delivered(record.message.origin, recipient, record.message.nonce)
                .await?
            {
                continue;
            }
            let Some(found) = self.destination.delivery(*id, before).await? else {
                warn!(destination = domain, message_id = %id, "the Mailbox says delivered, but no Process event was found in the blocks searched; will look again");
                continue;
            };
            let landed = Inclusion {
                tx: found.tx,
                block: found.block,
                at_ms: now_ms(),
            };
            if self.store.mark_delivered(*id, &landed)? {
                info!(destination = domain, origin = record.message.origin, nonce = record.message.nonce, message_id = %id, tx = %found.tx, block = found.block, "delivered by another transaction");
            }
        }
        Ok(())
    }

    async fn deliver_origin(
        &mut self,
        origin: u64,
        records: Vec<MessageRecord>,
        report: &mut TickReport,
    ) -> Result<()> {
        // Group by verifier, keeping nonce order; messages whose verifier this relayer cannot
        // prove for wait with a reason.
        let records = self.paid_only(origin, records, report).await?;
        let mut groups: Vec<(Address, Vec<Pending>)> = Vec::new();
        for record in records {
            let recipient = Address::from_slice(&record.message.recipient[12..]);
            let (verifier, kind) = self.verifier(recipient).await?;
            if !matches!(
                kind,
                VerifierKind::Committee
                    | VerifierKind::LightClient
                    | VerifierKind::Optimistic
                    | VerifierKind::Aggregation
                    | VerifierKind::Routing
            ) {
                self.wait(&record.id, Some(record.attempts), &format!("verifier {verifier} is of kind {kind:?}, which this relayer cannot prove yet"))?;
                report.waiting += 1;
                continue;
            }
            let pending = Pending {
                encoded: record.message.encode(),
                id: record.id,
                message: record.message,
            };
            match groups.iter_mut().find(|(v, _)| *v == verifier) {
                Some((_, g)) => g.push(pending),
                None => groups.push((verifier, vec![pending])),
            }
        }
        for (verifier, pending) in groups {
            for chunk in pending.chunks(self.config.batch_max) {
                self.deliver_chunk(origin, verifier, chunk, report).await?;
            }
        }
        Ok(())
    }

    async fn deliver_chunk(
        &mut self,
        origin: u64,
        verifier: Address,
        chunk: &[Pending],
        report: &mut TickReport,
    ) -> Result<()> {
        let Some((proof, covered)) = self.prove_with(origin, verifier, chunk, report).await? else {
            return Ok(());
        };
        let batch = &chunk[..covered];
        let messages: Vec<Vec<u8>> = batch.iter().map(|p| p.encoded.clone()).collect();
        match self.destination.simulate(&proof, &messages).await {
            Ok(gas) => self.send(batch, &proof, &messages, gas, report).await,
            Err(e) if paused(&e) => {
                // Paused by a guardian until the owner resumes it: nothing to split or back off
                // from; look again at the polling pace so delivery resumes promptly.
                warn!(destination = self.destination.domain(), origin, error = %e, messages = batch.len(), "deliveries paused on the destination");
                for p in batch {
                    self.wait(&p.id, None, &format!("paused on the destination: {e}"))?;
                }
                report.waiting += batch.len();
                Ok(())
            }
            Err(e) if batch.len() > 1 && !e.is_retryable() => {
                // One message spoils the batch: deliver them one by one to find it.
                warn!(destination = self.destination.domain(), origin, error = %e, messages = batch.len(), "batch simulation failed; trying messages one at a time");
                for one in batch {
                    Box::pin(self.deliver_chunk(
                        origin,
                        verifier,
                        std::slice::from_ref(one),
                        report,
                    ))
                    .await?;
                }
                Ok(())
            }
            Err(e) => {
                for p in batch {
                    self.wait(
                        &p.id,
                        Some(self.attempts(p.id)),
                        &format!("simulation failed: {e}"),
                    )?;
                }
                report.waiting += batch.len();
                Ok(())
            }
        }
    }

    async fn send(
        &mut self,
        batch: &[Pending],
        proof: &[u8],
        messages: &[Vec<u8>],
        gas: u64,
        report: &mut TickReport,
    ) -> Result<()> {
        let domain = self.destination.domain();
        let sender = self.destination.sender();
        let nonce = match self.store.next_nonce(domain, sender)? {
            Some(n) => n.max(self.destination.account_nonce().await?),
            None => self.destination.account_nonce().await?,
        };
        let fees = self.destination.suggest_fees().await?;
        let gas_limit = gas.saturating_mul(self.config.gas_margin_percent) / 100;
        let signed = self
            .destination
            .sign_delivery(proof, messages, nonce, gas_limit, fees)
            .await?;
        // Recorded before it is sent: after a crash the store knows the transaction exists.
        self.store.record_tx(&NewTx {
            chain: domain,
            sender,
            nonce,
            hash: signed.hash,
            message_ids: batch.iter().map(|p| p.id).collect(),
            fees: tx_fees(&signed),
            raw: signed.raw.clone(),
            sent_at_ms: now_ms(),
        })?;
        if let Err(e) = self.destination.broadcast(&signed).await {
            self.on_broadcast_error(&signed, &e)?;
            return Ok(());
        }
        for p in batch {
            debug!(destination = domain, origin = p.message.origin, nonce = p.message.nonce, message_id = %p.id, tx = %signed.hash, "submitted");
        }
        report.sent += 1;
        report.messages_sent += batch.len();
        self.metrics
            .transactions_sent_total
            .get_or_create(&DestinationLabels {
                destination: domain,
            })
            .inc();
        Ok(())
    }

    fn on_broadcast_error(&mut self, tx: &SignedTx, e: &courier_chain::Error) -> Result<()> {
        let domain = self.destination.domain();
        if let courier_chain::Error::NonceTaken { .. } = e {
            // Maybe this very transaction, mined already; kept pending until a receipt or a
            // resend tells (see `nonce_taken`).
            warn!(destination = domain, tx = %tx.hash, error = %e, "broadcast refused: nonce used; will check for a receipt");
            return Ok(());
        }
        if e.is_retryable() {
            // Kept pending: the next tick sends it again.
            warn!(destination = domain, tx = %tx.hash, error = %e, "broadcast failed; will resend");
            return Ok(());
        }
        let requeued = self
            .store
            .drop_tx(tx.hash, &format!("broadcast refused: {e}"), now_ms())?;
        error!(destination = domain, tx = %tx.hash, nonce = tx.nonce, error = %e, requeued = requeued.len(), "broadcast refused; messages requeued");
        Ok(())
    }

    /// Prepares a proof for the start of `chunk`; when nothing can be proven yet, records why.
    async fn prove_with(
        &mut self,
        origin: u64,
        verifier: Address,
        chunk: &[Pending],
        report: &mut TickReport,
    ) -> Result<Option<(Vec<u8>, usize)>> {
        match self.kind_of(verifier) {
            Some(VerifierKind::LightClient) => {
                return self
                    .prove_light_client(origin, verifier, chunk, report)
                    .await;
            }
            Some(VerifierKind::Optimistic) => {
                return self.prove_optimistic(origin, verifier, chunk, report).await;
            }
            Some(VerifierKind::Aggregation) => {
                return Box::pin(self.prove_aggregation(origin, verifier, chunk, report)).await;
            }
            Some(VerifierKind::Routing) => {
                // The routed verifier's proof, unchanged.
                let Some(routed) = self.destination.routed_verifier(verifier, origin).await? else {
                    return self.wait_all(
                        chunk,
                        report,
                        &format!("routing verifier {verifier} has no verifier for origin {origin}"),
                    );
                };
                let kind = self.destination.verifier_kind(routed).await?;
                if kind == VerifierKind::Routing {
                    return self.wait_all(chunk, report, "a routing verifier routes to another");
                }
                self.kinds.insert(routed, kind);
                return Box::pin(self.prove_with(origin, routed, chunk, report)).await;
            }
            _ => {}
        }
        let committee = match self.committee(verifier, origin).await? {
            Some(c) => c,
            None => {
                for p in chunk {
                    self.wait(
                        &p.id,
                        Some(self.attempts(p.id)),
                        &format!("verifier {verifier} has no committee for origin {origin}"),
                    )?;
                }
                report.waiting += chunk.len();
                return Ok(None);
            }
        };
        let tree = self.trees.with(origin, Clone::clone);
        match prepare(
            &self.checkpoints,
            &self.destination,
            verifier,
            &committee,
            origin,
            &tree,
            chunk,
        )
        .await
        {
            Ok(Prepared::Ready {
                proof,
                covered,
                mode,
                checkpoint_index,
            }) => {
                let detail =
                    format!("quorum over checkpoint {checkpoint_index} (proof mode {mode:#04x})");
                let up_to = chunk[covered - 1].message.nonce;
                self.store
                    .mark_verifiable(origin, up_to, now_ms(), &detail)?;
                for p in &chunk[covered..] {
                    self.wait(&p.id, None, "waiting for a quorum over a later checkpoint")?;
                }
                Ok(Some((proof, covered)))
            }
            Ok(Prepared::Wait(reason)) => {
                for p in chunk {
                    self.wait(&p.id, None, &reason)?;
                }
                report.waiting += chunk.len();
                Ok(None)
            }
            Err(e) => {
                // A committee rotation invalidates the cache; read it again next time.
                self.committees.remove(&(verifier, origin));
                Err(e.into())
            }
        }
    }

    /// The light-client route: the origin's committed root at the newest origin block the
    /// destination's light client holds, proven by storage proofs (see
    /// [`crate::prepare::prepare_storage_proof`]). What the light client does not cover yet is
    /// put in the demand for the light-client relay.
    async fn prove_light_client(
        &mut self,
        origin: u64,
        verifier: Address,
        chunk: &[Pending],
        report: &mut TickReport,
    ) -> Result<Option<(Vec<u8>, usize)>> {
        let Some(last) = chunk.last().map(|p| p.message.nonce) else {
            return Ok(None);
        };
        let destination = self.destination.domain();
        let Some(roots) = self.roots.get(&origin).cloned() else {
            return self.wait_all(chunk, report, &format!("verifier {verifier} is a light-client verifier, and this relayer reads no committed roots of origin {origin}"));
        };
        let Some(route) = self
            .destination
            .light_client_route(verifier, origin)
            .await?
        else {
            return self.wait_all(
                chunk,
                report,
                &format!("light-client verifier {verifier} has no route for origin {origin}"),
            );
        };
        let need = Need {
            origin,
            destination,
            client: route.client,
        };
        let head = self.destination.light_client_head(route.client).await?;
        if head == 0 {
            self.demand.need(need, last);
            return self.wait_all(
                chunk,
                report,
                &format!(
                    "light client {} holds no block of origin {origin} yet",
                    route.client
                ),
            );
        }
        let committed = match self.committed.get(&(origin, route.client)) {
            Some(p) if p.block_number == head => p.clone(),
            _ => {
                let p = roots.committed_root_proof(head).await?;
                self.committed.insert((origin, route.client), p.clone());
                p
            }
        };
        let tree = self.trees.with(origin, Clone::clone);
        let prepared = prepare_storage_proof(
            &self.destination,
            verifier,
            origin,
            &tree,
            &committed,
            chunk,
        )
        .await?;
        if let Prepared::Ready {
            covered,
            mode,
            checkpoint_index,
            ..
        } = &prepared
        {
            debug!(
                destination,
                origin,
                head,
                checkpoint_index,
                mode,
                covered,
                "proven by the light client's committed root"
            );
        }
        let client = route.client;
        self.settle_demand(&self.demand, need, last, prepared, chunk, report, |index| {
            format!(
                "waiting for light client {client} to hold a root committed after nonce {index}"
            )
        })
    }

    /// The optimistic route: the furthest matured, unvetoed claim whose root is the relayer's own
    /// tree's (see [`crate::prepare::prepare_claimed_root`]). What no such claim covers yet is put
    /// in the claim demand for the proposers.
    async fn prove_optimistic(
        &mut self,
        origin: u64,
        verifier: Address,
        chunk: &[Pending],
        report: &mut TickReport,
    ) -> Result<Option<(Vec<u8>, usize)>> {
        let Some(last) = chunk.last().map(|p| p.message.nonce) else {
            return Ok(None);
        };
        let need = Need {
            origin,
            destination: self.destination.domain(),
            client: verifier,
        };
        let claims = self.destination.optimistic_claims(verifier, origin).await?;
        let now = self.destination.now().await?;
        let tree = self.trees.with(origin, Clone::clone);
        let prepared = prepare_claimed_root(
            &self.destination,
            verifier,
            origin,
            &tree,
            &claims,
            now,
            chunk,
        )
        .await?;
        self.settle_demand(
            &self.claim_demand,
            need,
            last,
            prepared,
            chunk,
            report,
            |index| format!("waiting for a claim past index {index} to mature"),
        )
    }

    /// The end of a route whose roots other agents bring on demand (light-client relays,
    /// proposers): tells `demand` whether the chunk up to nonce `last` is covered, and puts what
    /// the proof does not cover back in the queue, saying why (`uncovered` of the proof's
    /// checkpoint index).
    #[allow(clippy::too_many_arguments)]
    fn settle_demand(
        &self,
        demand: &LightClientDemand,
        need: Need,
        last: u32,
        prepared: Prepared,
        chunk: &[Pending],
        report: &mut TickReport,
        uncovered: impl Fn(u32) -> String,
    ) -> Result<Option<(Vec<u8>, usize)>> {
        match prepared {
            Prepared::Ready {
                proof,
                covered,
                checkpoint_index,
                ..
            } => {
                if covered < chunk.len() {
                    demand.need(need, last);
                } else {
                    demand.satisfied(need, last);
                }
                let reason = uncovered(checkpoint_index);
                for p in &chunk[covered..] {
                    self.wait(&p.id, None, &reason)?;
                }
                Ok(Some((proof, covered)))
            }
            Prepared::Wait(reason) => {
                demand.need(need, last);
                self.wait_all(chunk, report, &reason)
            }
        }
    }

    /// An aggregation verifier: a proof from each of the first `threshold` sub-verifiers that can
    /// prove the chunk's start, all for the prefix every one of them covers (mode `0x05`). The
    /// parts are built quietly: a sub-verifier's reasons to wait are not the messages' (only the
    /// aggregation's reason is recorded, once).
    async fn prove_aggregation(
        &mut self,
        origin: u64,
        verifier: Address,
        chunk: &[Pending],
        report: &mut TickReport,
    ) -> Result<Option<(Vec<u8>, usize)>> {
        let quiet = std::mem::replace(&mut self.quiet, true);
        let built = self.aggregation_parts(origin, verifier, chunk).await;
        self.quiet = quiet;
        match built? {
            Ok((proof, covered)) => {
                for p in &chunk[covered..] {
                    self.wait(&p.id, None, "waiting for every sub-verifier to cover it")?;
                }
                Ok(Some((proof, covered)))
            }
            Err(reason) => self.wait_all(chunk, report, &reason),
        }
    }

    /// The mode-0x05 proof of [`Self::prove_aggregation`] and how many messages it covers, or why
    /// there is none yet.
    async fn aggregation_parts(
        &mut self,
        origin: u64,
        verifier: Address,
        chunk: &[Pending],
    ) -> Result<Result<(Vec<u8>, usize), String>> {
        // The parts' own counts are not this tick's.
        let scratch = &mut TickReport::default();
        let (subs, threshold) = self.destination.aggregation(verifier).await?;
        let needed = usize::from(threshold);
        let mut ready: Vec<(usize, usize)> = Vec::new();
        for (i, sub) in subs.iter().enumerate() {
            if ready.len() == needed {
                break;
            }
            let kind = self.destination.verifier_kind(*sub).await?;
            if kind == VerifierKind::Aggregation {
                continue; // nested aggregations are not built here
            }
            self.kinds.insert(*sub, kind);
            if let Some((_, covered)) = self.prove_with(origin, *sub, chunk, scratch).await? {
                ready.push((i, covered));
            }
        }
        if ready.len() < needed {
            return Ok(Err(format!(
                "aggregation verifier {verifier}: {} of the {needed} sub-verifiers needed can prove these messages yet",
                ready.len()
            )));
        }
        let covered = ready.iter().map(|(_, c)| *c).min().unwrap_or(0);
        let prefix = &chunk[..covered];
        let mut proof = vec![0x05, threshold];
        for (i, _) in &ready {
            let Some((part, part_covered)) =
                self.prove_with(origin, subs[*i], prefix, scratch).await?
            else {
                return Ok(Err(format!(
                    "aggregation verifier {verifier}: sub-verifier {i} stopped covering these messages"
                )));
            };
            if part_covered != covered {
                return Ok(Err(
                    "sub-verifier proofs changed while being built".to_owned()
                ));
            }
            proof.push(*i as u8);
            proof.extend_from_slice(&(part.len() as u32).to_be_bytes());
            proof.extend_from_slice(&part);
        }
        Ok(Ok((proof, covered)))
    }

    fn kind_of(&self, verifier: Address) -> Option<VerifierKind> {
        self.kinds.get(&verifier).copied().or_else(|| {
            self.verifiers
                .values()
                .find(|(v, _)| *v == verifier)
                .map(|(_, k)| *k)
        })
    }

    fn wait_all(
        &self,
        chunk: &[Pending],
        report: &mut TickReport,
        reason: &str,
    ) -> Result<Option<(Vec<u8>, usize)>> {
        for p in chunk {
            self.wait(&p.id, None, reason)?;
        }
        report.waiting += chunk.len();
        Ok(None)
    }

    async fn prove(
        &mut self,
        origin: u64,
        pending: &[Pending],
    ) -> Result<Option<(Vec<u8>, usize)>> {
        let Some(first) = pending.first() else {
            return Ok(None);
        };
        let (verifier, _) = self
            .verifier(Address::from_slice(&first.message.recipient[12..]))
            .await?;
        let mut report = TickReport::default();
        self.prove_with(origin, verifier, pending, &mut report)
            .await
    }

    async fn verifier(&mut self, recipient: Address) -> Result<(Address, VerifierKind)> {
        if let Some(v) = self.verifiers.get(&recipient) {
            return Ok(*v);
        }
        let verifier = self.destination.verifier_of(recipient).await?;
        let kind = self.destination.verifier_kind(verifier).await?;
        self.verifiers.insert(recipient, (verifier, kind));
        Ok((verifier, kind))
    }

    async fn committee(&mut self, verifier: Address, origin: u64) -> Result<Option<Committee>> {
        if let Some(c) = self.committees.get(&(verifier, origin)) {
            return Ok(Some(c.clone()));
        }
        let committee = self.destination.committee(verifier, origin).await?;
        if let Some(c) = &committee {
            self.committees.insert((verifier, origin), c.clone());
        }
        Ok(committee)
    }

    /// Logs each outcome with the message's route and nonce, and counts deliveries and failures
    /// per route, with the latency from the origin block's finality (as the indexer saw it) to
    /// the confirmed delivery.
    fn record_outcomes(&self, outcomes: &[DeliveryOutcome], at_ms: u64, tx: B256, block: u64) {
        let destination = self.destination.domain();
        for outcome in outcomes {
            let (DeliveryOutcome::Delivered { id } | DeliveryOutcome::Failed { id, .. }) = outcome;
            let Ok(Some(story)) = self.store.story(*id) else {
                continue;
            };
            let (origin, nonce) = (story.record.message.origin, story.record.message.nonce);
            let route = RouteLabels {
                origin,
                destination,
            };
            match outcome {
                DeliveryOutcome::Delivered { .. } => {
                    info!(origin, destination, nonce, message_id = %id, %tx, block, "delivered");
                    self.metrics
                        .messages_delivered_total
                        .get_or_create(&route)
                        .inc();
                    if let Some(finalized) = story
                        .history
                        .iter()
                        .find(|h| h.state == MessageState::Finalized)
                    {
                        let seconds = at_ms.saturating_sub(finalized.at_ms) as f64 / 1000.0;
                        self.metrics
                            .delivery_latency_seconds
                            .get_or_create(&route)
                            .observe(seconds);
                    }
                }
                DeliveryOutcome::Failed { reason, .. } => {
                    warn!(origin, destination, nonce, message_id = %id, %tx, %reason, "recipient reverted; will retry");
                    self.metrics
                        .messages_failed_total
                        .get_or_create(&route)
                        .inc();
                }
            }
        }
    }

    /// Sets the queue gauge: messages of this destination not delivered yet.
    fn record_queue(&self) -> Result<()> {
        let destination = self.destination.domain();
        let waiting: u64 = self
            .store
            .state_counts()?
            .iter()
            .filter(|c| {
                c.destination == destination
                    && (c.state.is_queued() || c.state == MessageState::Submitted)
            })
            .map(|c| c.count)
            .sum();
        self.metrics
            .queue_length
            .get_or_create(&DestinationLabels { destination })
            .set(waiting as i64);
        Ok(())
    }

    fn attempts(&self, id: B256) -> u32 {
        self.store
            .message(id)
            .ok()
            .flatten()
            .map_or(0, |r| r.attempts)
    }

    /// Puts a message back in the queue: after a short fixed delay when it is only waiting for
    /// something expected (signatures), with exponential backoff when `attempts` failed.
    /// The records of `origin` that may be delivered under the fee policy (all, without one);
    /// the others wait, each saying what was paid and what is required. Payments are read once
    /// for every record not known to be paid, at the origin's newest final block.
    async fn paid_only(
        &mut self,
        origin: u64,
        records: Vec<MessageRecord>,
        report: &mut TickReport,
    ) -> Result<Vec<MessageRecord>> {
        let Some((policy, payments)) = &self.fees else {
            return Ok(records);
        };
        let (min, recheck) = (policy.min_wei, policy.recheck.as_millis() as u64);
        let reader = payments.get(&origin).cloned();
        let unknown: Vec<B256> = records
            .iter()
            .map(|r| r.id)
            .filter(|id| !self.paid.contains(id))
            .collect();
        if unknown.is_empty() {
            return Ok(records);
        }
        let paid: HashMap<B256, U256> = match &reader {
            Some(reader) => unknown
                .iter()
                .copied()
                .zip(reader.paid_for_many(&unknown).await?)
                .collect(),
            None => HashMap::new(),
        };
        let mut deliverable = Vec::with_capacity(records.len());
        for record in records {
            if self.paid.contains(&record.id) {
                deliverable.push(record);
                continue;
            }
            let reason = match paid.get(&record.id) {
                Some(p) if *p >= min => {
                    self.paid.insert(record.id);
                    deliverable.push(record);
                    continue;
                }
                Some(p) => format!(
                    "unpaid: {p} wei paid for it on origin {origin}'s RelayerFees; this relayer delivers from {min} wei"
                ),
                None => format!(
                    "unpaid: origin {origin} has no RelayerFees configured, and this relayer delivers only paid messages"
                ),
            };
            self.wait_for(&record.id, recheck, &reason)?;
            report.waiting += 1;
        }
        Ok(deliverable)
    }

    fn wait(&self, id: &B256, attempts: Option<u32>, reason: &str) -> Result<()> {
        let delay = match attempts {
            Some(a) => self.backoff_ms(a),
            None => self.config.poll_interval.as_millis() as u64,
        };
        self.wait_for(id, delay, reason)
    }

    /// Puts message `id` back in the queue for `delay_ms`, recording why.
    fn wait_for(&self, id: &B256, delay_ms: u64, reason: &str) -> Result<()> {
        if self.quiet {
            return Ok(());
        }
        let now = now_ms();
        match self.store.schedule_retry(*id, now + delay_ms, reason, now) {
            Ok(_) => Ok(()),
            Err(courier_store::Error::NotQueued { .. }) => Ok(()),
            Err(e) => Err(Error::Store(e)),
        }
    }

    fn backoff_ms(&self, attempts: u32) -> u64 {
        let base = self.config.retry_base.as_millis() as u64;
        let max = self.config.retry_max.as_millis() as u64;
        base.saturating_mul(1u64 << attempts.min(20)).min(max)
    }
}

/// Whether a simulation was refused because the destination Mailbox (or the route) is paused.
fn paused(e: &courier_chain::Error) -> bool {
    matches!(e, courier_chain::Error::Reverted { reason, .. }
        if reason.starts_with("RoutePaused") || reason.starts_with("MailboxPaused"))
}

fn tx_fees(tx: &SignedTx) -> TxFees {
    TxFees {
        max_fee_per_gas: tx.fees.max_fee_per_gas,
        max_priority_fee_per_gas: tx.fees.max_priority_fee_per_gas,
        gas_limit: tx.gas_limit,
    }
}

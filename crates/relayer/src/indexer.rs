//! The indexer: follows one origin Mailbox and records its final dispatches in the store, with the
//! Merkle tree of all its message ids kept in memory for the pipelines' proofs.
//!
//! Only blocks the origin's finality rule treats as final are indexed, so a reorg within the
//! finality depth never reaches the store, and no unfinalized message is ever reported final. The
//! indexer still checks, every tick, that the last block it indexed is still on the chain: if not, a
//! reorg went deeper than the finality rule; it finds the fork in the store's recent block hashes,
//! unwinds what was recorded above it, says so at `error` level, and re-indexes from the fork.

use std::{
    collections::HashMap,
    sync::{Arc, PoisonError, RwLock},
    time::Duration,
};

use alloy_primitives::B256;
use courier_chain::OriginMailbox;
use courier_core::MerkleTree;
use courier_metrics::{OriginLabels, RelayerMetrics};
use courier_store::{BlockNumHash, Dispatch, IndexedRange, MessageFilter, MessageState, Store};
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

use crate::{Error, Result, now_ms};

/// The Merkle tree of every message id of each origin, shared by the indexers (writers) and the
/// pipelines (readers).
#[derive(Debug, Clone, Default)]
pub struct OriginTrees(Arc<RwLock<HashMap<u64, MerkleTree>>>);

impl OriginTrees {
    /// Runs `f` on the tree of `origin` (empty if nothing was indexed yet).
    pub fn with<T>(&self, origin: u64, f: impl FnOnce(&MerkleTree) -> T) -> T {
        let trees = self.0.read().unwrap_or_else(PoisonError::into_inner);
        match trees.get(&origin) {
            Some(tree) => f(tree),
            None => f(&MerkleTree::new()),
        }
    }

    fn replace(&self, origin: u64, tree: MerkleTree) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(origin, tree);
    }

    fn push(&self, origin: u64, nonce: u32, id: B256) -> Result<()> {
        let mut trees = self.0.write().unwrap_or_else(PoisonError::into_inner);
        let tree = trees.entry(origin).or_default();
        if nonce < tree.len() {
            return Ok(()); // already known (re-indexing after an unwind)
        }
        if nonce != tree.len() {
            return Err(Error::Inconsistent(format!(
                "origin {origin}: message nonce {nonce} follows {} indexed messages",
                tree.len()
            )));
        }
        tree.push(id)?;
        Ok(())
    }
}

/// How an indexer runs.
#[derive(Debug, Clone)]
pub struct IndexerConfig {
    /// The name of this indexer's cursor in the store.
    pub name: String,
    /// The block the origin Mailbox was deployed in.
    pub start_block: u64,
    /// Most blocks asked for in one `eth_getLogs`.
    pub max_log_range: u64,
    /// How often to look for new final blocks.
    pub poll_interval: Duration,
    /// How many recent block hashes the store keeps to find a fork.
    pub reorg_window: usize,
}

impl Default for IndexerConfig {
    fn default() -> Self {
        Self {
            name: "relayer".into(),
            start_block: 0,
            max_log_range: 2_000,
            poll_interval: Duration::from_millis(500),
            reorg_window: 128,
        }
    }
}

/// Indexes one origin.
pub struct Indexer<O> {
    origin: O,
    store: Store,
    trees: OriginTrees,
    config: IndexerConfig,
    metrics: RelayerMetrics,
}

impl<O: OriginMailbox> Indexer<O> {
    /// An indexer for `origin`; loads the tree of what the store already holds.
    pub fn new(origin: O, store: Store, trees: OriginTrees, config: IndexerConfig) -> Result<Self> {
        let indexer = Self {
            origin,
            store,
            trees,
            config,
            metrics: RelayerMetrics::default(),
        };
        indexer.rebuild_tree()?;
        Ok(indexer)
    }

    /// Reports to these metrics (by default to ones nobody reads).
    pub fn with_metrics(mut self, metrics: RelayerMetrics) -> Self {
        self.metrics = metrics;
        self
    }

    fn rebuild_tree(&self) -> Result<()> {
        let domain = self.origin.domain();
        let filter = MessageFilter {
            origin: Some(domain),
            ..Default::default()
        };
        let mut records = self.store.messages(&filter, usize::MAX)?;
        records.retain(|r| r.state != MessageState::Reorged);
        records.sort_by_key(|r| r.message.nonce);
        let mut tree = MerkleTree::new();
        for record in records {
            if record.message.nonce != tree.len() {
                return Err(Error::Inconsistent(format!(
                    "origin {domain}: the store holds nonce {} after {} messages",
                    record.message.nonce,
                    tree.len()
                )));
            }
            tree.push(record.id)?;
        }
        self.trees.replace(domain, tree);
        Ok(())
    }

    /// Runs until `shutdown` is cancelled.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let origin = self.origin.domain();
        info!(origin, "indexer started");
        let mut failures = 0u32;
        loop {
            let result = self.tick().await;
            failures = if result.is_ok() { 0 } else { failures + 1 };
            match result {
                Ok(0) => {}
                Ok(n) => debug!(origin, messages = n, "indexed final dispatches"),
                Err(e) if e.is_retryable() => {
                    warn!(origin, error = %e, "indexer tick failed; retrying")
                }
                Err(e) => error!(origin, error = %e, "indexer tick failed"),
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(courier_chain::retry_delay(self.config.poll_interval, failures)) => {}
            }
        }
        info!(origin, "indexer stopped");
    }

    /// One pass; returns how many messages were recorded.
    pub async fn tick(&mut self) -> Result<usize> {
        let domain = self.origin.domain();
        let cursor = self.store.cursor(domain, &self.config.name)?;
        if let Some(cursor) = cursor {
            let now = self.origin.block(cursor.number).await?;
            if now.hash != cursor.hash {
                self.unwind(cursor).await?;
                return Ok(0);
            }
        }
        let finalized = self.origin.finalized().await?;
        let from = cursor.map_or(self.config.start_block, |c| c.number + 1);
        if from > finalized.number {
            return Ok(0);
        }
        let to = finalized
            .number
            .min(from + self.config.max_log_range.max(1) - 1);
        let dispatched = self.origin.dispatches(from, to).await?;
        let to_block = self.origin.block(to).await?;
        let at_ms = now_ms();

        let mut blocks = vec![BlockNumHash::new(to_block.number, to_block.hash)];
        let mut timestamps: HashMap<u64, u64> =
            HashMap::from([(to_block.number, to_block.timestamp)]);
        let mut dispatches = Vec::with_capacity(dispatched.len());
        for d in &dispatched {
            if !timestamps.contains_key(&d.block_number) {
                let block = self.origin.block(d.block_number).await?;
                if block.hash != d.block_hash {
                    // The logs and the block disagree: the chain moved under us; try again.
                    return Err(Error::Inconsistent(format!(
                        "origin {domain}: block {} changed while indexing it",
                        d.block_number
                    )));
                }
                timestamps.insert(block.number, block.timestamp);
                blocks.push(BlockNumHash::new(block.number, block.hash));
            }
            dispatches.push(Dispatch {
                message: d.message.clone(),
                block: BlockNumHash::new(d.block_number, d.block_hash),
                tx_hash: d.tx_hash,
                log_index: d.log_index,
                dispatched_at_ms: timestamps.get(&d.block_number).copied().unwrap_or_default()
                    * 1000,
            });
        }
        blocks.sort_by_key(|b| b.number);
        blocks.dedup();
        self.store.record_indexed(&IndexedRange {
            chain: domain,
            indexer: self.config.name.clone(),
            to: BlockNumHash::new(to_block.number, to_block.hash),
            blocks,
            dispatches,
            at_ms,
        })?;
        // Everything indexed is final by construction.
        self.store.mark_finalized(domain, to, at_ms)?;
        for d in &dispatched {
            self.trees.push(domain, d.message.nonce, d.id)?;
        }
        self.metrics
            .messages_indexed_total
            .get_or_create(&OriginLabels { origin: domain })
            .inc_by(dispatched.len() as u64);
        Ok(dispatched.len())
    }

    async fn unwind(&mut self, cursor: BlockNumHash) -> Result<()> {
        let domain = self.origin.domain();
        let mut fork = None;
        for block in self.store.recent_blocks(domain, self.config.reorg_window)? {
            if self.origin.block(block.number).await?.hash == block.hash {
                fork = Some(block);
                break;
            }
        }
        let fork = fork.unwrap_or(BlockNumHash::new(
            self.config.start_block.saturating_sub(1),
            B256::ZERO,
        ));
        let unwound = self.store.unwind(domain, fork, now_ms())?;
        self.metrics
            .reorg_past_finality_total
            .get_or_create(&OriginLabels { origin: domain })
            .inc();
        error!(
            origin = domain,
            indexed = cursor.number,
            fork = fork.number,
            reorged = unwound.reorged.len(),
            in_flight = unwound.in_flight.len(),
            "REORG PAST FINALITY on origin: blocks indexed as final were replaced; unwound and re-indexing"
        );
        self.rebuild_tree()
    }
}

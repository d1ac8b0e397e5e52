//! The validator agent: follows one origin Mailbox, and once its state is final signs a checkpoint for
//! every new index and publishes it to a checkpoint store.
//!
//! Safety rules, in the order the code applies them:
//! - only final state is signed (the chain's finality rule, via [`OriginMailbox::finalized`]);
//! - the validator rebuilds the origin's tree from the `Dispatch` events and signs a root only when
//!   its own tree and the Mailbox's `latestCheckpoint` agree on it;
//! - every (index, root) is recorded in the store **before** the signature is published, and the
//!   store refuses a second root for an index already signed, across restarts and reorgs;
//! - when the chain contradicts what was indexed or signed (a reorg deeper than the finality rule, a
//!   gap in nonces, a root that differs from the Mailbox's), the validator halts that origin, says
//!   so at `error` level, and signs nothing more for it until an operator clears the halt.

use std::time::Duration;

use alloy_primitives::{Address, B256};
use courier_chain::{CheckpointStore, OriginMailbox};
use courier_core::{Checkpoint, MerkleTree, checkpoint::signer_address};
use courier_metrics::{OriginLabels, ValidatorMetrics};
use courier_store::Store;
use k256::ecdsa::SigningKey;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

/// Errors of the validator.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Chain access failed.
    #[error(transparent)]
    Chain(#[from] courier_chain::Error),
    /// The local state failed.
    #[error(transparent)]
    Store(#[from] courier_store::Error),
    /// A checkpoint could not be built or signed.
    #[error(transparent)]
    Core(#[from] courier_core::Error),
    /// The origin contradicts what this validator indexed or signed; it stopped signing the origin.
    #[error("origin {origin}: halted: {reason}")]
    Halted {
        /// The origin domain.
        origin: u64,
        /// Why.
        reason: String,
    },
}

impl Error {
    /// Whether the next tick may succeed (a node outage) rather than needing an operator.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Chain(e) => e.is_retryable(),
            Self::Store(_) | Self::Core(_) | Self::Halted { .. } => false,
        }
    }
}

/// Milliseconds since the unix epoch (the store's time unit).
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Result of the validator.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How a validator runs.
#[derive(Debug, Clone)]
pub struct ValidatorConfig {
    /// The block the origin Mailbox was deployed in: indexing starts there.
    pub start_block: u64,
    /// How often to look for new final state.
    pub poll_interval: Duration,
    /// Most blocks asked for in one `eth_getLogs`.
    pub max_log_range: u64,
}

impl Default for ValidatorConfig {
    fn default() -> Self {
        Self {
            start_block: 0,
            poll_interval: Duration::from_secs(1),
            max_log_range: 2_000,
        }
    }
}

/// What one tick did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// The final block the tick looked at.
    pub finalized_block: u64,
    /// The highest index signed so far, if any.
    pub signed_index: Option<u32>,
    /// How many checkpoints this tick signed and published.
    pub newly_signed: u32,
}

/// A validator for one origin.
pub struct Validator<O, C> {
    origin: O,
    checkpoints: C,
    store: Store,
    key: SigningKey,
    address: Address,
    config: ValidatorConfig,
    /// Every message id dispatched on the origin up to `indexed_to`, by nonce.
    tree: MerkleTree,
    /// The last block whose events are in `tree`, and its hash.
    indexed_to: Option<(u64, B256)>,
    metrics: ValidatorMetrics,
    /// The highest index this process published (or found published); `None` until the first
    /// tick looked.
    published_through: Option<u32>,
}

/// How many recorded indices a starting validator checks for a missing file when its checkpoint
/// store has no readable `latest`.
const REPUBLISH_SCAN_MAX: u32 = 1_024;

impl<O: OriginMailbox, C: CheckpointStore> Validator<O, C> {
    /// A validator signing with `key` for `origin`, recording what it signs in `store`.
    pub fn new(
        origin: O,
        checkpoints: C,
        store: Store,
        key: SigningKey,
        config: ValidatorConfig,
    ) -> Self {
        let address = signer_address(&key);
        Self {
            origin,
            checkpoints,
            store,
            key,
            address,
            config,
            tree: MerkleTree::new(),
            indexed_to: None,
            metrics: ValidatorMetrics::default(),
            published_through: None,
        }
    }

    /// Reports to these metrics (by default to ones nobody reads).
    pub fn with_metrics(mut self, metrics: ValidatorMetrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// The validator's address (what committees list).
    pub fn address(&self) -> Address {
        self.address
    }

    /// Runs until `shutdown` is cancelled. Transient errors are logged and retried next tick; a halt
    /// is logged once at `error` level and the loop keeps running (so the process and its other
    /// origins stay up) without signing.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let origin = self.origin.domain();
        info!(origin, validator = %self.address, "validator started");
        let mut halted_logged = false;
        let labels = OriginLabels { origin };
        let mut failures = 0u32;
        loop {
            let result = self.tick().await;
            failures = if result.is_ok() { 0 } else { failures + 1 };
            self.metrics
                .halted
                .get_or_create(&labels)
                .set(i64::from(matches!(result, Err(Error::Halted { .. }))));
            match &result {
                Ok(p) => {
                    self.metrics
                        .checkpoints_signed_total
                        .get_or_create(&labels)
                        .inc_by(u64::from(p.newly_signed));
                    if let Some(i) = p.signed_index {
                        self.metrics
                            .signed_index
                            .get_or_create(&labels)
                            .set(i64::from(i));
                    }
                }
                Err(_) => {
                    self.metrics.tick_errors_total.get_or_create(&labels).inc();
                }
            }
            match result {
                Ok(p) if p.newly_signed > 0 => {
                    info!(origin, signed = p.newly_signed, index = ?p.signed_index, block = p.finalized_block, "signed checkpoints");
                }
                Ok(_) => {}
                Err(e @ Error::Halted { .. }) => {
                    if !halted_logged {
                        error!(origin, validator = %self.address, error = %e, "VALIDATOR HALTED for this origin: it will sign nothing more until an operator clears the halt");
                        halted_logged = true;
                    }
                }
                Err(e) if e.is_retryable() => {
                    warn!(origin, error = %e, "validator tick failed; retrying")
                }
                Err(e) => error!(origin, error = %e, "validator tick failed"),
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(courier_chain::retry_delay(self.config.poll_interval, failures)) => {}
            }
        }
        info!(origin, "validator stopped");
    }

    /// One pass: index newly final blocks, check the Mailbox agrees, sign and publish new indices.
    pub async fn tick(&mut self) -> Result<Progress> {
        let origin = self.origin.domain();
        let mailbox = self.origin.mailbox();
        if let Some(halt) = self.store.halted(origin)? {
            return Err(Error::Halted {
                origin,
                reason: halt.reason,
            });
        }
        let finalized = self.origin.finalized().await?;
        if finalized.number < self.config.start_block {
            // The Mailbox is not even final yet.
            return Ok(Progress {
                finalized_block: finalized.number,
                ..Progress::default()
            });
        }
        self.index_until(finalized.number).await?;

        let highest = self.store.highest_signed(origin, mailbox)?;
        let mut progress = Progress {
            finalized_block: finalized.number,
            signed_index: highest.map(|s| s.index),
            newly_signed: 0,
        };
        // What was signed must still be what the final chain says (also after a restart, when the
        // tree was rebuilt from the chain as it is now).
        if let Some(signed) = highest
            && signed.index < self.tree.len()
        {
            let now = self.tree.root_at(signed.index + 1)?;
            if now != signed.root {
                return self.halt(format!(
                    "index {} was signed with root {}, the final chain now gives {now} (reorg past finality?)",
                    signed.index, signed.root
                ));
            }
        }
        let Some((root, index)) = self.origin.checkpoint_at(finalized.number).await? else {
            return Ok(progress);
        };
        // The Mailbox's own view must match the tree rebuilt from its events.
        if self.tree.len() != index + 1 || self.tree.root() != root {
            return self.halt(format!(
                "at block {}: the Mailbox reports root {root} at index {index}, the events give root {} at index {}",
                finalized.number,
                self.tree.root(),
                self.tree.len().saturating_sub(1),
            ));
        }

        // New indices, and before them any recorded but perhaps never published (a crash or a
        // failed publish between the two): all recorded (again) in one transaction — which also
        // checks the re-published ones against the record — then signed and published together.
        let first_new = progress.signed_index.map_or(0, |i| i + 1);
        let from = match self.published_through {
            Some(p) => p + 1,
            None => self.first_unpublished(progress.signed_index).await,
        }
        .min(first_new);
        if from > index {
            self.published_through = Some(index);
            return Ok(progress);
        }
        let checkpoints = (from..=index)
            .map(|i| {
                Ok(Checkpoint {
                    origin,
                    origin_mailbox: mailbox,
                    root: self.tree.root_at(i + 1)?,
                    index: i,
                    message_id: self.tree.leaf(i).unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // Written before it is published: a crash between the two re-publishes the same roots.
        let outcomes = match self.store.record_signed_many(&checkpoints, now_ms()) {
            Ok(outcomes) => outcomes,
            Err(courier_store::Error::Equivocation {
                index, attempted, ..
            }) => {
                return self.halt(format!(
                    "index {index}: the chain now gives root {attempted} but a different root was signed before (reorg past finality?)"
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let signed = checkpoints
            .iter()
            .map(|c| c.sign(&self.key))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        self.checkpoints.publish_many(&signed).await?;
        self.published_through = Some(index);
        if from < first_new {
            info!(
                origin,
                from,
                to = first_new - 1,
                "re-published checkpoints recorded before but maybe never published"
            );
        }
        debug!(origin, from, to = index, root = %self.tree.root(), "published checkpoints");
        progress.signed_index = Some(index);
        progress.newly_signed = outcomes
            .iter()
            .filter(|o| matches!(o, courier_store::SignOutcome::Recorded))
            .count()
            .try_into()
            .unwrap_or(u32::MAX);
        Ok(progress)
    }

    /// After a start: the first recorded index whose checkpoint may be missing from the checkpoint
    /// store. The store's `latest` says how far publishing got; when it has nothing readable, the
    /// files are looked at downwards from the highest recorded index (a bounded number of them).
    async fn first_unpublished(&self, highest: Option<u32>) -> u32 {
        let Some(highest) = highest else {
            return 0;
        };
        let origin = self.origin.domain();
        if let Ok(Some(latest)) = self.checkpoints.latest(origin, self.address).await {
            return latest.checkpoint.index.saturating_add(1).min(highest + 1);
        }
        let lowest = highest.saturating_sub(REPUBLISH_SCAN_MAX);
        for i in (lowest..=highest).rev() {
            if let Ok(Some(_)) = self.checkpoints.get(origin, self.address, i).await {
                return i + 1;
            }
        }
        lowest
    }

    /// Brings `tree` up to `target` (inclusive), after checking that what was indexed before is
    /// still the chain.
    async fn index_until(&mut self, target: u64) -> Result<()> {
        if let Some((number, hash)) = self.indexed_to {
            if number >= target {
                return Ok(());
            }
            let now = self.origin.block(number).await?;
            if now.hash != hash {
                return self.halt(format!(
                    "block {number} was {hash} when indexed as final and is now {}: a reorg deeper than the finality rule",
                    now.hash
                ));
            }
        }
        let mut from = self
            .indexed_to
            .map_or(self.config.start_block, |(n, _)| n + 1);
        while from <= target {
            let to = target.min(from + self.config.max_log_range.max(1) - 1);
            for dispatched in self.origin.dispatches(from, to).await? {
                let expected = self.tree.len();
                if dispatched.message.nonce != expected {
                    return self.halt(format!(
                        "message {} in block {} has nonce {}, expected {expected}",
                        dispatched.id, dispatched.block_number, dispatched.message.nonce
                    ));
                }
                self.tree.push(dispatched.id)?;
            }
            from = to + 1;
        }
        let block = self.origin.block(target).await?;
        self.indexed_to = Some((target, block.hash));
        Ok(())
    }

    fn halt<T>(&self, reason: String) -> Result<T> {
        let origin = self.origin.domain();
        self.store.halt(origin, &reason, now_ms())?;
        Err(Error::Halted { origin, reason })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use alloy_primitives::keccak256;
    use courier_chain::fake::{FakeOrigin, MemoryCheckpointStore};
    use courier_core::checkpoint::signing_key;

    use super::*;

    const ORIGIN: u64 = 5;

    fn validator(
        origin: &FakeOrigin,
        published: &MemoryCheckpointStore,
        store: &Store,
    ) -> Validator<FakeOrigin, MemoryCheckpointStore> {
        let key = signing_key(&keccak256(b"validator")).unwrap();
        Validator::new(
            origin.clone(),
            published.clone(),
            store.clone(),
            key,
            ValidatorConfig::default(),
        )
    }

    fn indices(published: &MemoryCheckpointStore) -> Vec<u32> {
        let mut v: Vec<u32> = published.all().iter().map(|s| s.checkpoint.index).collect();
        v.sort_unstable();
        v
    }

    #[tokio::test]
    async fn signs_every_index_once_it_is_final_and_nothing_before() {
        let origin = FakeOrigin::new(ORIGIN, B256::repeat_byte(0xaa));
        let (published, store) = (
            MemoryCheckpointStore::default(),
            Store::open_in_memory().unwrap(),
        );
        let mut v = validator(&origin, &published, &store);
        origin.mine(&[b"a", b"b", b"c"], 9);
        origin.mine(&[b"d", b"e"], 9);
        assert_eq!(
            v.tick().await.unwrap().signed_index,
            None,
            "genesis only is final"
        );
        assert!(published.all().is_empty());

        origin.finalize(1);
        let p = v.tick().await.unwrap();
        assert_eq!((p.signed_index, p.newly_signed), (Some(2), 3));
        assert_eq!(indices(&published), vec![0, 1, 2]);

        origin.finalize(2);
        assert_eq!(v.tick().await.unwrap().newly_signed, 2);
        // Each published checkpoint is the true one: root of the first index+1 ids, id at index.
        let mut tree = MerkleTree::new();
        for m in origin.messages() {
            tree.push(m.id).unwrap();
        }
        for s in published.all() {
            s.verify().unwrap();
            assert_eq!(s.signer, v.address());
            assert_eq!(
                s.checkpoint.root,
                tree.root_at(s.checkpoint.index + 1).unwrap()
            );
            assert_eq!(Some(s.checkpoint.message_id), tree.leaf(s.checkpoint.index));
        }
    }

    #[tokio::test]
    async fn a_restart_signs_nothing_twice() {
        let origin = FakeOrigin::new(ORIGIN, B256::repeat_byte(0xaa));
        let (published, store) = (
            MemoryCheckpointStore::default(),
            Store::open_in_memory().unwrap(),
        );
        origin.mine(&[b"a", b"b"], 9);
        origin.finalize(1);
        validator(&origin, &published, &store).tick().await.unwrap();
        let again = validator(&origin, &published, &store).tick().await.unwrap();
        assert_eq!((again.signed_index, again.newly_signed), (Some(1), 0));
    }

    #[tokio::test]
    async fn a_reorg_past_finality_halts_the_origin_without_signing_the_new_root() {
        let origin = FakeOrigin::new(ORIGIN, B256::repeat_byte(0xaa));
        let (published, store) = (
            MemoryCheckpointStore::default(),
            Store::open_in_memory().unwrap(),
        );
        let mut v = validator(&origin, &published, &store);
        origin.mine(&[b"a"], 9);
        origin.mine(&[b"b"], 9);
        origin.finalize(2);
        v.tick().await.unwrap();
        let before = published.all().len();

        // Block 2 (final!) is replaced by one with another message at nonce 1.
        origin.reorg(1, 0);
        origin.mine(&[b"evil"], 9);
        origin.finalize(2);
        let err = v.tick().await.unwrap_err();
        assert!(matches!(err, Error::Halted { origin: ORIGIN, .. }), "{err}");
        assert!(!err.is_retryable());
        assert_eq!(published.all().len(), before, "nothing new was published");
        assert!(store.halted(ORIGIN).unwrap().is_some());

        // A fresh process (tree rebuilt from the new chain) would compute another root for index 1;
        // the signing record refuses it and the origin stays halted.
        store.clear_halt(ORIGIN).unwrap();
        let err = validator(&origin, &published, &store)
            .tick()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Halted { .. }), "{err}");
        assert_eq!(published.all().len(), before);
    }

    #[tokio::test]
    async fn rpc_failures_are_retryable_and_lose_nothing() {
        let origin = FakeOrigin::new(ORIGIN, B256::repeat_byte(0xaa));
        let (published, store) = (
            MemoryCheckpointStore::default(),
            Store::open_in_memory().unwrap(),
        );
        let mut v = validator(&origin, &published, &store);
        origin.mine(&[b"a"], 9);
        origin.finalize(1);
        origin.fail_next(1);
        assert!(v.tick().await.unwrap_err().is_retryable());
        assert_eq!(v.tick().await.unwrap().newly_signed, 1);
    }

    fn folder_validator(
        origin: &FakeOrigin,
        folder: &courier_chain::folder::FolderCheckpointStore,
        store: &Store,
    ) -> Validator<FakeOrigin, courier_chain::folder::FolderCheckpointStore> {
        let key = signing_key(&keccak256(b"validator")).unwrap();
        Validator::new(
            origin.clone(),
            folder.clone(),
            store.clone(),
            key,
            ValidatorConfig::default(),
        )
    }

    #[tokio::test]
    async fn a_failed_publish_is_retried_and_nothing_recorded_stays_unpublished() {
        let dir = tempfile::tempdir().unwrap();
        let folder = courier_chain::folder::FolderCheckpointStore::new(dir.path());
        let store = Store::open_in_memory().unwrap();
        let origin = FakeOrigin::new(ORIGIN, B256::repeat_byte(0xaa));
        let mut v = folder_validator(&origin, &folder, &store);
        origin.mine(&[b"a", b"b"], 9);
        origin.finalize(1);
        // The origin's folder cannot be created: publishing fails after recording.
        let blocker = dir.path().join(ORIGIN.to_string());
        std::fs::write(&blocker, b"in the way").unwrap();
        assert!(v.tick().await.unwrap_err().is_retryable());
        assert_eq!(
            store
                .highest_signed(ORIGIN, origin.mailbox())
                .unwrap()
                .unwrap()
                .index,
            1
        );
        std::fs::remove_file(&blocker).unwrap();
        // Next tick: nothing new on the chain, yet both recorded indices are published.
        v.tick().await.unwrap();
        for i in 0..2 {
            assert!(
                folder.get(ORIGIN, v.address(), i).await.unwrap().is_some(),
                "index {i}"
            );
        }
        assert_eq!(
            folder
                .latest(ORIGIN, v.address())
                .await
                .unwrap()
                .unwrap()
                .checkpoint
                .index,
            1
        );
    }

    #[tokio::test]
    async fn a_restart_republishes_what_was_recorded_and_replaces_a_bad_latest() {
        let dir = tempfile::tempdir().unwrap();
        let folder = courier_chain::folder::FolderCheckpointStore::new(dir.path());
        let store = Store::open_in_memory().unwrap();
        let origin = FakeOrigin::new(ORIGIN, B256::repeat_byte(0xaa));
        origin.mine(&[b"a", b"b", b"c"], 9);
        origin.finalize(1);
        let mut v = folder_validator(&origin, &folder, &store);
        v.tick().await.unwrap();
        let address = v.address();
        // A crash between recording indices 3 and 4 and publishing them, and a latest.json
        // written half (a disk filled up, say).
        origin.mine(&[b"d", b"e"], 9);
        origin.finalize(2);
        let mut tree = MerkleTree::new();
        for m in origin.messages() {
            tree.push(m.id).unwrap();
        }
        for i in 3..5u32 {
            let checkpoint = Checkpoint {
                origin: ORIGIN,
                origin_mailbox: origin.mailbox(),
                root: tree.root_at(i + 1).unwrap(),
                index: i,
                message_id: tree.leaf(i).unwrap(),
            };
            store.record_signed(&checkpoint, 1).unwrap();
        }
        let latest = dir
            .path()
            .join(ORIGIN.to_string())
            .join(format!("{address:#x}"))
            .join("latest.json");
        std::fs::write(&latest, b"{\"signer\": ").unwrap();

        let p = folder_validator(&origin, &folder, &store)
            .tick()
            .await
            .unwrap();
        assert_eq!((p.signed_index, p.newly_signed), (Some(4), 0));
        for i in 0..5 {
            let got = folder.get(ORIGIN, address, i).await.unwrap().unwrap();
            assert_eq!(got.checkpoint.root, tree.root_at(i + 1).unwrap());
        }
        assert_eq!(
            folder
                .latest(ORIGIN, address)
                .await
                .unwrap()
                .unwrap()
                .checkpoint
                .index,
            4
        );
    }
}

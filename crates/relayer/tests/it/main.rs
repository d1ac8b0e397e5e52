//! The relayer end to end against in-memory chains: a fake origin, five real validators publishing
//! to a memory checkpoint store, the real SQLite store, and a fake destination that checks every
//! proof the way the contracts do and counts deliveries.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use alloy_primitives::{Address, B256, keccak256};
use courier_chain::fake::{FakeDestination, FakeOrigin, MemoryCheckpointStore};
use courier_core::{
    Committee,
    checkpoint::{signer_address, signing_key},
};
use courier_relayer::{Indexer, IndexerConfig, OriginTrees, Pipeline, PipelineConfig};
use courier_store::{MessageFilter, MessageState, Store};
use courier_validator::{Validator, ValidatorConfig};

const ORIGIN: u64 = 100;
const DEST: u64 = 200;

struct World {
    origin: FakeOrigin,
    dest: FakeDestination,
    checkpoints: MemoryCheckpointStore,
    validators: Vec<Validator<FakeOrigin, MemoryCheckpointStore>>,
    store: Store,
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

fn fast() -> PipelineConfig {
    PipelineConfig {
        poll_interval: Duration::ZERO,
        retry_base: Duration::ZERO,
        rebroadcast_after: Duration::ZERO,
        replace_after: Duration::from_secs(3600),
        batch_max: 4,
        ..PipelineConfig::default()
    }
}

impl World {
    fn new(signing: usize) -> Self {
        let mailbox = B256::repeat_byte(0xaa);
        let origin = FakeOrigin::new(ORIGIN, mailbox);
        let mut keys: Vec<_> = (0..5u8)
            .map(|i| signing_key(&keccak256([i, 42])).unwrap())
            .collect();
        keys.sort_by_key(signer_address);
        let committee =
            Committee::new(mailbox, 3, keys.iter().map(signer_address).collect()).unwrap();
        let dest =
            FakeDestination::new(DEST, Address::repeat_byte(0xcc), Address::repeat_byte(0xee));
        dest.set_committee(ORIGIN, committee);
        let checkpoints = MemoryCheckpointStore::default();
        let dir = tempfile::tempdir().unwrap();
        let validators = keys
            .into_iter()
            .take(signing)
            .enumerate()
            .map(|(i, key)| {
                let store = Store::open(dir.path().join(format!("validator-{i}.db"))).unwrap();
                Validator::new(
                    origin.clone(),
                    checkpoints.clone(),
                    store,
                    key,
                    ValidatorConfig::default(),
                )
            })
            .collect();
        let path = dir.path().join("relayer.db");
        let store = Store::open(&path).unwrap();
        Self {
            origin,
            dest,
            checkpoints,
            validators,
            store,
            _dir: dir,
            path,
        }
    }

    fn relayer(
        &self,
    ) -> (
        Indexer<FakeOrigin>,
        Pipeline<FakeDestination, MemoryCheckpointStore>,
    ) {
        self.relayer_with(fast())
    }

    fn relayer_with(
        &self,
        config: PipelineConfig,
    ) -> (
        Indexer<FakeOrigin>,
        Pipeline<FakeDestination, MemoryCheckpointStore>,
    ) {
        let trees = OriginTrees::default();
        let indexer = Indexer::new(
            self.origin.clone(),
            self.store.clone(),
            trees.clone(),
            IndexerConfig::default(),
        )
        .unwrap();
        let pipeline = Pipeline::new(
            self.dest.clone(),
            self.checkpoints.clone(),
            self.store.clone(),
            trees,
            config,
        );
        (indexer, pipeline)
    }

    async fn sign(&mut self) {
        for v in &mut self.validators {
            v.tick().await.unwrap();
        }
    }

    fn states(&self) -> Vec<MessageState> {
        let mut all = self
            .store
            .messages(&MessageFilter::default(), 1000)
            .unwrap();
        all.sort_by_key(|r| r.message.nonce);
        all.iter().map(|r| r.state).collect()
    }

    fn send(&self, n: usize) -> u64 {
        let bodies: Vec<Vec<u8>> = (0..n)
            .map(|i| format!("m{i}-{}", self.origin.messages().len()).into_bytes())
            .collect();
        let refs: Vec<&[u8]> = bodies.iter().map(Vec::as_slice).collect();
        self.origin.mine(&refs, DEST)
    }

    /// Ticks `pipeline` (at most 20 times) until every message is delivered.
    async fn tick_until_all_delivered(
        &self,
        pipeline: &mut Pipeline<FakeDestination, MemoryCheckpointStore>,
    ) {
        for _ in 0..20 {
            pipeline.tick().await.unwrap();
            if self.states().iter().all(|s| *s == MessageState::Delivered) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn assert_all_delivered_once(&self) {
        for m in self.origin.messages() {
            assert_eq!(
                self.dest.times_delivered(m.id),
                1,
                "message {} (nonce {})",
                m.id,
                m.message.nonce
            );
            assert_eq!(
                self.store.message(m.id).unwrap().unwrap().state,
                MessageState::Delivered
            );
        }
    }
}

#[tokio::test]
async fn delivers_every_message_exactly_once_in_batches() {
    let mut w = World::new(5);
    w.send(3);
    w.send(4);
    let last = w.send(3);
    w.origin.finalize(last);
    w.sign().await;
    let metrics = courier_metrics::Metrics::new();
    let (indexer, pipeline) = w.relayer();
    let (mut indexer, mut pipeline) = (
        indexer.with_metrics(metrics.relayer.clone()),
        pipeline.with_metrics(metrics.relayer.clone()),
    );
    assert_eq!(indexer.tick().await.unwrap(), 10);
    for _ in 0..10 {
        pipeline.tick().await.unwrap();
    }
    w.assert_all_delivered_once();
    let text = metrics.render();
    for line in [
        "courier_relayer_messages_indexed_total{origin=\"100\"} 10",
        "courier_relayer_messages_delivered_total{origin=\"100\",destination=\"200\"} 10",
        "courier_relayer_transactions_sent_total{destination=\"200\"} 3",
        "courier_relayer_queue_length{destination=\"200\"} 0",
        "courier_relayer_delivery_latency_seconds_count{origin=\"100\",destination=\"200\"} 10",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    // Ten messages in batches of at most four: three transactions, not ten.
    assert_eq!(w.dest.submissions(), 3);
    let story = w.store.story(w.origin.messages()[0].id).unwrap().unwrap();
    let seen: Vec<MessageState> = story.history.iter().map(|h| h.state).collect();
    for state in [
        MessageState::Finalized,
        MessageState::Verifiable,
        MessageState::Submitted,
        MessageState::Delivered,
    ] {
        assert!(seen.contains(&state), "history {seen:?} lacks {state}");
    }
}

#[tokio::test]
async fn nothing_is_sent_before_a_quorum_and_nothing_unfinal_is_indexed() {
    let mut w = World::new(2);
    let block = w.send(2);
    let (mut indexer, mut pipeline) = w.relayer();
    assert_eq!(indexer.tick().await.unwrap(), 0, "not final yet");
    w.origin.finalize(block);
    w.sign().await;
    assert_eq!(indexer.tick().await.unwrap(), 2);
    for _ in 0..3 {
        pipeline.tick().await.unwrap();
    }
    assert_eq!(
        w.dest.submissions(),
        0,
        "two of five signatures are not a quorum of three"
    );
    let record = w.store.message(w.origin.messages()[0].id).unwrap().unwrap();
    assert!(record.last_error.unwrap().contains("2 of 5"));
}

#[tokio::test]
async fn a_paused_route_waits_without_backoff_and_delivers_once_resumed() {
    let mut w = World::new(3);
    let block = w.send(3);
    w.origin.finalize(block);
    w.sign().await;
    w.dest.set_route_paused(ORIGIN, true);
    // A long retry base: were a pause treated as a failure, nothing would be due again soon.
    let (mut indexer, mut pipeline) = w.relayer_with(PipelineConfig {
        retry_base: Duration::from_secs(3600),
        ..fast()
    });
    indexer.tick().await.unwrap();
    for _ in 0..3 {
        pipeline.tick().await.unwrap();
    }
    assert_eq!(w.dest.submissions(), 0, "nothing submitted while paused");
    for m in w.origin.messages() {
        let record = w.store.message(m.id).unwrap().unwrap();
        assert!(record.state.is_queued(), "{:?}", record.state);
        let reason = record.last_error.unwrap();
        assert!(
            reason.contains("paused on the destination") && reason.contains("RoutePaused"),
            "{reason}"
        );
    }
    w.dest.set_route_paused(ORIGIN, false);
    w.tick_until_all_delivered(&mut pipeline).await;
    w.assert_all_delivered_once();
}

#[tokio::test]
async fn under_a_fee_policy_only_messages_paid_enough_are_delivered() {
    use std::{collections::HashMap, sync::Arc};

    use alloy_primitives::U256;
    use courier_chain::fees::{FakeGasPayments, GasPayments};
    use courier_relayer::FeePolicy;

    let mut w = World::new(3);
    let block = w.send(3);
    w.origin.finalize(block);
    w.sign().await;
    let m = w.origin.messages();
    let payments = FakeGasPayments::new(ORIGIN);
    payments.pay(m[0].id, U256::from(1_000));
    payments.pay(m[1].id, U256::from(999));
    let (mut indexer, pipeline) = w.relayer();
    let mut pipeline = pipeline.with_fees(
        FeePolicy {
            min_wei: U256::from(1_000),
            recheck: Duration::ZERO,
        },
        HashMap::from([(ORIGIN, Arc::new(payments.clone()) as Arc<dyn GasPayments>)]),
    );
    indexer.tick().await.unwrap();
    for _ in 0..10 {
        pipeline.tick().await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(w.dest.times_delivered(m[0].id), 1, "paid the minimum");
    for (i, paid) in [(1, "999 wei"), (2, "0 wei")] {
        assert_eq!(w.dest.times_delivered(m[i].id), 0, "message {i}");
        let record = w.store.message(m[i].id).unwrap().unwrap();
        assert!(record.state.is_queued(), "{:?}", record.state);
        let reason = record.last_error.unwrap();
        assert!(
            reason.contains(&format!("unpaid: {paid} paid")) && reason.contains("from 1000 wei"),
            "{reason}"
        );
    }
    // Topped up (payments add up) and paid late: both delivered, once.
    payments.pay(m[1].id, U256::from(1));
    payments.pay(m[2].id, U256::from(5_000));
    w.tick_until_all_delivered(&mut pipeline).await;
    w.assert_all_delivered_once();
}

#[tokio::test]
async fn under_a_fee_policy_an_origin_without_fees_delivers_nothing() {
    use std::collections::HashMap;

    use alloy_primitives::U256;
    use courier_relayer::FeePolicy;

    let mut w = World::new(3);
    let block = w.send(2);
    w.origin.finalize(block);
    w.sign().await;
    let (mut indexer, pipeline) = w.relayer();
    let mut pipeline = pipeline.with_fees(
        FeePolicy {
            min_wei: U256::from(1),
            recheck: Duration::ZERO,
        },
        HashMap::new(),
    );
    indexer.tick().await.unwrap();
    for _ in 0..5 {
        pipeline.tick().await.unwrap();
    }
    assert_eq!(w.dest.submissions(), 0);
    for m in w.origin.messages() {
        let reason = w.store.message(m.id).unwrap().unwrap().last_error.unwrap();
        assert!(reason.contains("has no RelayerFees configured"), "{reason}");
    }
}

#[tokio::test]
async fn a_failing_recipient_is_retried_never_dropped() {
    let mut w = World::new(3);
    let block = w.send(1);
    w.origin.finalize(block);
    w.sign().await;
    let recipient = Address::from_slice(&w.origin.messages()[0].message.recipient[12..]);
    w.dest.set_failing(recipient, true);
    let (mut indexer, mut pipeline) = w.relayer_with(PipelineConfig {
        retry_base: Duration::from_millis(50),
        ..fast()
    });
    indexer.tick().await.unwrap();
    for _ in 0..3 {
        pipeline.tick().await.unwrap();
    }
    assert_eq!(
        w.states(),
        vec![MessageState::Failed],
        "failed, and not due again before its backoff"
    );
    let record = w.store.message(w.origin.messages()[0].id).unwrap().unwrap();
    assert!(record.last_error.unwrap().contains("recipient reverted"));
    w.dest.set_failing(recipient, false);
    for _ in 0..40 {
        pipeline.tick().await.unwrap();
        if w.states() == vec![MessageState::Delivered] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    w.assert_all_delivered_once();
}

#[tokio::test]
async fn crashes_and_lost_transactions_lose_nothing_and_deliver_nothing_twice() {
    let mut w = World::new(4);
    for round in 0..6u64 {
        let block = w.send(3);
        w.origin.finalize(block);
        w.sign().await;
        // A new relayer process each round, on the same database file.
        w.store = Store::open(&w.path).unwrap();
        let (mut indexer, mut pipeline) = w.relayer();
        if round % 2 == 0 {
            w.dest.drop_next_broadcasts(1);
        }
        indexer.tick().await.unwrap();
        // Crash after one tick: some transactions were sent, some lost, some not confirmed yet.
        pipeline.tick().await.unwrap();
    }
    w.store = Store::open(&w.path).unwrap();
    let (mut indexer, mut pipeline) = w.relayer();
    indexer.tick().await.unwrap();
    for _ in 0..20 {
        pipeline.tick().await.unwrap();
    }
    assert_eq!(w.origin.messages().len(), 18);
    w.assert_all_delivered_once();
}

#[tokio::test]
async fn a_stuck_transaction_is_replaced_with_higher_fees_under_the_same_nonce() {
    let mut w = World::new(3);
    let block = w.send(2);
    w.origin.finalize(block);
    w.sign().await;
    let (mut indexer, mut pipeline) = w.relayer_with(PipelineConfig {
        replace_after: Duration::ZERO,
        ..fast()
    });
    indexer.tick().await.unwrap();
    // The first broadcast vanishes (accepted, never mined).
    w.dest.drop_next_broadcasts(1);
    pipeline.tick().await.unwrap();
    let sender = Address::repeat_byte(0xee);
    let stuck = w.store.pending_txs(DEST, sender).unwrap();
    assert_eq!(stuck.len(), 1);
    let old = stuck[0].clone();
    // Next tick: it did not land, so it is replaced (same nonce, higher fees) and the replacement lands.
    pipeline.tick().await.unwrap();
    pipeline.tick().await.unwrap();
    let old_now = w.store.tx(old.hash).unwrap().unwrap();
    assert_eq!(old_now.state, courier_store::TxState::Replaced);
    let new = w.store.tx(old_now.replaced_by.unwrap()).unwrap().unwrap();
    assert_eq!(new.nonce, old.nonce);
    assert!(new.fees.max_fee_per_gas > old.fees.max_fee_per_gas);
    assert!(new.fees.max_priority_fee_per_gas > old.fees.max_priority_fee_per_gas);
    assert_eq!(new.state, courier_store::TxState::Confirmed);
    w.assert_all_delivered_once();
    assert_eq!(w.dest.submissions(), 1, "only the replacement landed");
}

#[tokio::test]
async fn a_resent_transaction_that_already_landed_stays_pending_until_confirmed() {
    let mut w = World::new(3);
    let block = w.send(3);
    w.origin.finalize(block);
    w.sign().await;
    let (mut indexer, mut pipeline) = w.relayer();
    indexer.tick().await.unwrap();
    // The node takes the transaction and still answers "nonce too low" (as when a transaction
    // is sent again after it was mined): the relayer must not give it up and send the messages
    // again.
    w.dest.refuse_next_broadcasts_after_landing(1);
    pipeline.tick().await.unwrap();
    let sender = Address::repeat_byte(0xee);
    let pending = w.store.pending_txs(DEST, sender).unwrap();
    assert_eq!(pending.len(), 1, "kept pending, not dropped");
    for _ in 0..5 {
        pipeline.tick().await.unwrap();
    }
    let tx = w.store.tx(pending[0].hash).unwrap().unwrap();
    assert_eq!(tx.state, courier_store::TxState::Confirmed);
    w.assert_all_delivered_once();
    assert_eq!(w.dest.submissions(), 1, "one transaction, never a second");
}

#[tokio::test]
async fn messages_another_relayer_delivered_are_recorded_as_such_and_not_sent_again() {
    let mut w = World::new(3);
    let block = w.send(3);
    w.origin.finalize(block);
    w.sign().await;
    let (mut indexer, mut pipeline) = w.relayer();
    indexer.tick().await.unwrap();
    // Our transaction vanishes; another relayer sends the same batch from its account first.
    w.dest.drop_next_broadcasts(1);
    pipeline.tick().await.unwrap();
    let sender = Address::repeat_byte(0xee);
    let ours = w.store.pending_txs(DEST, sender).unwrap()[0].clone();
    let theirs = w.dest.deliver_as_another_relayer(ours.hash).unwrap();
    // Ours is sent again, lands, and delivers nothing (the Mailbox skips delivered messages).
    for _ in 0..6 {
        pipeline.tick().await.unwrap();
    }
    w.assert_all_delivered_once();
    assert_eq!(
        w.store.tx(ours.hash).unwrap().unwrap().state,
        courier_store::TxState::Confirmed
    );
    for record in w.store.messages(&MessageFilter::default(), 10).unwrap() {
        assert_eq!(record.state, MessageState::Delivered, "{}", record.id);
        let landed = record.delivered.unwrap();
        assert_eq!(
            landed.tx, theirs,
            "recorded under the transaction that delivered it"
        );
    }
    assert_eq!(
        w.dest.submissions(),
        1,
        "only our one resent transaction landed; nothing was sent again after it"
    );
    assert!(w.store.pending_txs(DEST, sender).unwrap().is_empty());
}

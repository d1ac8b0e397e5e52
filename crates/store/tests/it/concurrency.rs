//! Agents sharing one file at once: clones of one store on several threads, and a second store
//! opened on the same file (as another process would), neither corrupt it nor deadlock.

use std::{
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use alloy_primitives::{Address, address};
use courier_store::{DeliveryOutcome, Inclusion, MessageFilter, MessageState, Store};

use crate::{dispatch, index, new_tx};

const MESSAGES_PER_DESTINATION: u32 = 120;
const BATCH: usize = 7;

/// Indexes `MESSAGES_PER_DESTINATION` messages to each of chains 2 and 3, ten per range, each
/// range finalized at once.
fn indexer(store: &Store) {
    for range in 0..MESSAGES_PER_DESTINATION / 5 {
        let first = range * 10;
        let dispatches = (first..first + 10)
            .map(|nonce| dispatch(1, 2 + u64::from(nonce % 2), nonce, 100 + u64::from(nonce)))
            .collect();
        let to = 100 + u64::from(first) + 9;
        index(store, 1, "indexer", to, dispatches);
        store.mark_finalized(1, to, to * 1000).unwrap();
    }
}

/// Relays everything due to `destination` until all of its messages are delivered.
fn relayer(store: &Store, destination: u64, sender: Address) -> u64 {
    let mut nonce = 0;
    loop {
        let due = store.due(destination, u64::MAX, BATCH).unwrap();
        if due.is_empty() {
            let delivered = store
                .messages(
                    &MessageFilter {
                        state: Some(MessageState::Delivered),
                        destination: Some(destination),
                        ..Default::default()
                    },
                    1000,
                )
                .unwrap()
                .len();
            if delivered == MESSAGES_PER_DESTINATION as usize {
                return nonce;
            }
            thread::yield_now();
            continue;
        }
        let ids: Vec<_> = due.iter().map(|m| m.id).collect();
        let tx = new_tx(destination, sender, nonce, ids.clone());
        store.record_tx(&tx).unwrap();
        let outcomes: Vec<_> = ids
            .iter()
            .map(|&id| DeliveryOutcome::Delivered { id })
            .collect();
        let landed = Inclusion {
            tx: tx.hash,
            block: nonce,
            at_ms: 5_000_000 + nonce,
        };
        assert!(store.confirm_tx(&landed, &outcomes).unwrap().is_empty());
        nonce += 1;
    }
}

/// Reads while the others write: every snapshot is consistent.
fn reader(store: &Store, stop: &mpsc::Receiver<()>) -> usize {
    let mut reads = 0;
    while stop.try_recv().is_err() {
        let listed = store.messages(&MessageFilter::default(), 1000).unwrap();
        for record in listed.iter().take(5) {
            let story = store.story(record.id).unwrap().unwrap();
            // The last history entry is the current state (no torn writes).
            assert_eq!(story.history.last().unwrap().state, story.record.state);
            assert_eq!(
                story.record.delivered.is_some(),
                story.record.state == MessageState::Delivered
            );
            assert_eq!(
                story.record.submitted_tx.is_some(),
                story.record.state == MessageState::Submitted
            );
        }
        let counted: u64 = store.state_counts().unwrap().iter().map(|c| c.count).sum();
        assert!(counted >= listed.len() as u64);
        reads += 1;
    }
    reads
}

#[test]
fn concurrent_agents_neither_corrupt_nor_deadlock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("courier.db");
    let shared = Store::open(&path).unwrap();
    // A second connection to the same file, as a second process would have.
    let other = Store::open(&path).unwrap();
    const A: Address = address!("0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    const B: Address = address!("0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");

    let (done_tx, done) = mpsc::channel();
    let (stop_reader, stop) = mpsc::channel();
    let spawn = |name: &'static str, f: Box<dyn FnOnce() -> u64 + Send>| {
        let done_tx = done_tx.clone();
        thread::spawn(move || {
            let out = f();
            done_tx.send((name, out)).unwrap();
        })
    };
    let handles = [
        spawn(
            "indexer",
            Box::new({
                let s = other.clone();
                move || {
                    indexer(&s);
                    0
                }
            }),
        ),
        spawn(
            "relayer 2",
            Box::new({
                let s = shared.clone();
                move || relayer(&s, 2, A)
            }),
        ),
        spawn(
            "relayer 3",
            Box::new({
                let s = other.clone();
                move || relayer(&s, 3, B)
            }),
        ),
        spawn(
            "reader",
            Box::new({
                let s = shared.clone();
                move || reader(&s, &stop) as u64
            }),
        ),
    ];

    // A deadlock shows as a thread that never reports; a panic as one that never reports either.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut finished = Vec::new();
    while finished.len() < 3 {
        let left = deadline.saturating_duration_since(Instant::now());
        let (name, out) = done
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("deadlock or panic: only {finished:?} finished in time"));
        finished.push((name, out));
        if finished.len() == 3 {
            stop_reader.send(()).unwrap();
        }
    }
    let (_, reads) = done
        .recv_timeout(Duration::from_secs(60))
        .expect("the reader stops");
    for handle in handles {
        handle.join().unwrap();
    }
    assert!(reads > 0);

    // Everything was delivered exactly once, by one transaction, with a consistent history.
    let counts = shared.state_counts().unwrap();
    let delivered: Vec<_> = counts
        .iter()
        .map(|c| (c.destination, c.state, c.count))
        .collect();
    let n = u64::from(MESSAGES_PER_DESTINATION);
    assert_eq!(
        delivered,
        [
            (2, MessageState::Delivered, n),
            (3, MessageState::Delivered, n)
        ]
    );
    for record in shared.messages(&MessageFilter::default(), 1000).unwrap() {
        let states: Vec<_> = shared
            .history(record.id)
            .unwrap()
            .iter()
            .map(|h| h.state)
            .collect();
        assert_eq!(
            states,
            [
                MessageState::Dispatched,
                MessageState::Finalized,
                MessageState::Submitted,
                MessageState::Delivered
            ]
        );
    }
    for (chain, sender) in [(2, A), (3, B)] {
        let used = finished
            .iter()
            .find(|(name, _)| *name == if chain == 2 { "relayer 2" } else { "relayer 3" })
            .unwrap()
            .1;
        assert_eq!(shared.next_nonce(chain, sender).unwrap(), Some(used));
        assert!(shared.pending_txs(chain, sender).unwrap().is_empty());
    }
}

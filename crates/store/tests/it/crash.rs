//! A crash loses nothing: state written by one run is all there for the next, whether the store
//! was dropped or the process aborted without running a destructor.

use std::{path::Path, process::Command};

use alloy_primitives::{Address, B256, address};
use courier_core::Checkpoint;
use courier_store::{
    DeliveryOutcome, Error, Inclusion, MessageState, Replacement, SignOutcome, Store, TxFees,
    TxState,
};

use crate::{block, dispatch, hash, index, new_tx};

const RELAYER: Address = address!("0x3333333333333333333333333333333333333333");
const CHILD_DIR: &str = "COURIER_STORE_CRASH_DIR";

fn ids() -> Vec<B256> {
    (0..5)
        .map(|n| dispatch(1, 2, n, 10 + u64::from(n)).message.id())
        .collect()
}

fn checkpoint(root: B256) -> Checkpoint {
    Checkpoint {
        origin: 1,
        origin_mailbox: hash(0, 0, 0xbb),
        root,
        index: 4,
        message_id: ids()[4],
    }
}

fn replacement() -> Replacement {
    Replacement {
        hash: hash(2, 5, 0x71),
        fees: TxFees {
            max_fee_per_gas: 80_000_000_000,
            max_priority_fee_per_gas: 4_000_000_000,
            gas_limit: 1_000_000,
        },
        raw: vec![0x02, 0xff],
        sent_at_ms: 2_000_000,
    }
}

/// One run of the agents: indexed messages in every state, pending and replaced transactions, a
/// retry, a signed checkpoint and a halt.
fn write_state(path: &Path) {
    let store = Store::open(path).unwrap();
    let m = ids();
    let dispatches = (0..5)
        .map(|n| dispatch(1, 2, n, 10 + u64::from(n)))
        .collect();
    index(&store, 1, "relayer", 20, dispatches);
    store.mark_finalized(1, 13, 30_000).unwrap();
    store
        .mark_verifiable(1, 1, 31_000, "checkpoint 1 signed")
        .unwrap();

    let first = new_tx(2, RELAYER, 5, vec![m[0], m[1]]);
    store.record_tx(&first).unwrap();
    store.replace_tx(first.hash, &replacement()).unwrap();
    store.record_tx(&new_tx(2, RELAYER, 6, vec![m[2]])).unwrap();
    store
        .schedule_retry(m[3], 90_000, "not verifiable yet", 32_000)
        .unwrap();

    assert_eq!(
        store
            .record_signed(&checkpoint(hash(1, 4, 1)), 33_000)
            .unwrap(),
        SignOutcome::Recorded
    );
    assert!(
        store
            .halt(9, "chain 9 reorged below a signed checkpoint", 34_000)
            .unwrap()
    );
}

/// What the next run finds, and that it can carry on from there.
fn check_state(path: &Path) {
    let store = Store::open(path).unwrap();
    let m = ids();
    let first = new_tx(2, RELAYER, 5, vec![m[0], m[1]]);
    let second = new_tx(2, RELAYER, 6, vec![m[2]]);
    let replacement = replacement();

    // Indexer.
    assert_eq!(store.cursor(1, "relayer").unwrap(), Some(block(1, 20)));
    for n in [10, 11, 12, 13, 14, 20] {
        assert_eq!(
            store.block_hash(1, n).unwrap(),
            Some(block(1, n).hash),
            "block {n}"
        );
    }
    // Messages.
    let state = |id| store.message(id).unwrap().unwrap();
    for id in [m[0], m[1]] {
        let record = state(id);
        assert_eq!(
            (record.state, record.submitted_tx),
            (MessageState::Submitted, Some(replacement.hash))
        );
    }
    assert_eq!(state(m[2]).submitted_tx, Some(second.hash));
    let retried = state(m[3]);
    assert_eq!(
        (
            retried.state,
            retried.attempts,
            retried.next_attempt_at_ms,
            retried.last_error.as_deref()
        ),
        (
            MessageState::Finalized,
            1,
            90_000,
            Some("not verifiable yet")
        )
    );
    assert_eq!(state(m[4]).state, MessageState::Dispatched);
    let history: Vec<_> = store
        .history(m[0])
        .unwrap()
        .iter()
        .map(|h| (h.state, h.at_ms))
        .collect();
    assert_eq!(
        history,
        [
            (MessageState::Dispatched, 10_000),
            (MessageState::Finalized, 30_000),
            (MessageState::Verifiable, 31_000),
            (MessageState::Submitted, first.sent_at_ms),
            (MessageState::Submitted, replacement.sent_at_ms),
        ]
    );
    // Relayer transactions and nonces.
    let pending = store.pending_txs(2, RELAYER).unwrap();
    let hashes: Vec<_> = pending.iter().map(|t| (t.nonce, t.hash)).collect();
    assert_eq!(hashes, [(5, replacement.hash), (6, second.hash)]);
    assert_eq!(pending[0].message_ids, vec![m[0], m[1]]);
    assert_eq!(
        (pending[0].raw.clone(), pending[0].fees),
        (replacement.raw.clone(), replacement.fees)
    );
    assert_eq!(pending[1].raw, second.raw);
    let old = store.tx(first.hash).unwrap().unwrap();
    assert_eq!(
        (old.state, old.replaced_by),
        (TxState::Replaced, Some(replacement.hash))
    );
    assert_eq!(store.next_nonce(2, RELAYER).unwrap(), Some(7));
    // Validator: the record and the guard.
    let highest = store.highest_signed(1, hash(0, 0, 0xbb)).unwrap().unwrap();
    assert_eq!((highest.index, highest.root), (4, hash(1, 4, 1)));
    let err = store
        .record_signed(&checkpoint(hash(1, 4, 2)), 40_000)
        .unwrap_err();
    assert!(
        matches!(err, Error::Equivocation { index: 4, .. }),
        "{err:?}"
    );
    assert_eq!(
        store
            .record_signed(&checkpoint(hash(1, 4, 1)), 40_000)
            .unwrap(),
        SignOutcome::AlreadySigned
    );
    assert_eq!(store.halted(9).unwrap().unwrap().since_ms, 34_000);

    // The restarted relayer reconciles: the replacement landed, the other tx is gone.
    let landed = Inclusion {
        tx: replacement.hash,
        block: 70,
        at_ms: 3_000_000,
    };
    let delivered = [
        DeliveryOutcome::Delivered { id: m[0] },
        DeliveryOutcome::Delivered { id: m[1] },
    ];
    assert!(store.confirm_tx(&landed, &delivered).unwrap().is_empty());
    assert_eq!(
        store
            .drop_tx(second.hash, "unknown to the node", 3_000_001)
            .unwrap(),
        vec![m[2]]
    );
    assert!(store.pending_txs(2, RELAYER).unwrap().is_empty());
    assert_eq!(state(m[0]).state, MessageState::Delivered);
    let due: Vec<_> = store
        .due(2, 3_000_001, 10)
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(due, vec![m[3], m[2]]);
}

#[test]
fn state_survives_dropping_and_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("courier.db");
    write_state(&path);
    check_state(&path);
}

#[test]
fn state_survives_a_process_that_aborts() {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash::abort_after_writing",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_DIR, dir.path())
        .status()
        .unwrap();
    // Killed by SIGABRT, not exited: no destructor, no checkpoint of the WAL, no clean close.
    assert_eq!(status.code(), None, "the child did not abort: {status}");
    check_state(&dir.path().join("courier.db"));
}

/// The child of `state_survives_a_process_that_aborts`: writes the state and aborts.
#[test]
#[ignore = "run in a child process by state_survives_a_process_that_aborts"]
fn abort_after_writing() {
    let dir = std::env::var_os(CHILD_DIR).expect("COURIER_STORE_CRASH_DIR names the directory");
    write_state(&Path::new(&dir).join("courier.db"));
    std::process::abort();
}

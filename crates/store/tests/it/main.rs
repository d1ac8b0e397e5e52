//! Integration tests of `courier-store` through its public API, on real files: state survives a
//! crash (a dropped store, and a process that aborts mid-run), and concurrent agents sharing a
//! file neither corrupt it nor deadlock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod concurrency;
mod crash;

use alloy_primitives::{Address, B256, address, keccak256};
use courier_core::Message;
use courier_store::{BlockNumHash, Dispatch, IndexedRange, NewTx, Store, TxFees};

const SENDER: Address = address!("0x1111111111111111111111111111111111111111");
const RECIPIENT: Address = address!("0x2222222222222222222222222222222222222222");

/// A deterministic hash per (chain, number, tag).
fn hash(chain: u64, number: u64, tag: u8) -> B256 {
    keccak256([&chain.to_be_bytes()[..], &number.to_be_bytes(), &[tag]].concat())
}

fn block(chain: u64, number: u64) -> BlockNumHash {
    BlockNumHash::new(number, hash(chain, number, 0))
}

/// Message `nonce` from `origin` to `destination` in block `number`.
fn dispatch(origin: u64, destination: u64, nonce: u32, number: u64) -> Dispatch {
    Dispatch {
        message: Message::new(
            nonce,
            origin,
            SENDER,
            destination,
            RECIPIENT,
            nonce.to_be_bytes().to_vec(),
        ),
        block: block(origin, number),
        tx_hash: hash(origin, number, 0xaa),
        log_index: u64::from(nonce),
        dispatched_at_ms: number * 1000,
    }
}

/// Records `dispatches` of `chain` by indexer `indexer`, its cursor moving to block `to`.
fn index(store: &Store, chain: u64, indexer: &str, to: u64, dispatches: Vec<Dispatch>) {
    store
        .record_indexed(&IndexedRange {
            chain,
            indexer: indexer.to_owned(),
            to: block(chain, to),
            blocks: Vec::new(),
            dispatches,
            at_ms: to * 1000,
        })
        .unwrap();
}

/// A delivery transaction of `sender` to `chain` at `nonce` carrying `ids`.
fn new_tx(chain: u64, sender: Address, nonce: u64, ids: Vec<B256>) -> NewTx {
    NewTx {
        chain,
        sender,
        nonce,
        hash: keccak256(
            [
                &chain.to_be_bytes()[..],
                sender.as_slice(),
                &nonce.to_be_bytes(),
            ]
            .concat(),
        ),
        message_ids: ids,
        fees: TxFees {
            max_fee_per_gas: 40_000_000_000,
            max_priority_fee_per_gas: 2_000_000_000,
            gas_limit: 1_000_000,
        },
        raw: vec![0x02, 0xf8, nonce as u8],
        sent_at_ms: 1_000_000 + nonce,
    }
}

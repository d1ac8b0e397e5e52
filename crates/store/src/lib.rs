//! Courier agents' embedded state, in one SQLite file (WAL mode): one machine needs no server.
//!
//! What the agents keep here, each written before the side effect it records:
//!
//! - **indexer**: a cursor per (chain, indexer), the hashes of the last blocks of each chain to
//!   find where a reorg forked, and [`Store::unwind`] to undo what was above it;
//! - **messages**: every dispatched message with its state (`Dispatched` → `Finalized` →
//!   `Verifiable` → `Submitted` → `Delivered`, or `Failed`, `Expired`, `Reorged`) and the history
//!   of its state changes with times, blocks and transactions; the relayer's queue per
//!   destination ([`Store::due`]) is a query over them;
//! - **relayer transactions**: each delivery transaction before it is broadcast, its messages,
//!   replacements, and the next nonce of each sending account, so a crash loses nothing and
//!   submits nothing twice;
//! - **validator**: every checkpoint signed, refusing a second root for an index
//!   ([`Error::Equivocation`]), and a per-origin halt.
//!
//! The API is plain Rust types in and out ([`types`]); the SQL is all in one private module, so a
//! PostgreSQL backend (several relayers sharing one queue with leases) can sit behind the same
//! [`Store`]. Every call is one short transaction; [`Store`] is `Clone + Send + Sync`, and async
//! agents call it directly or through `spawn_blocking`. The store never reads a clock: callers
//! pass times (unix milliseconds). The schema is migrated on open (`PRAGMA user_version`); a file
//! from a newer build is refused ([`Error::SchemaTooNew`]).

pub mod error;
mod sqlite;
mod store;
pub mod types;

pub use error::{Error, Result};
pub use store::{Store, StoreConfig};
pub use types::{
    BlockNumHash, DeliveryOutcome, Dispatch, Halt, HistoryEntry, Inclusion, IndexOutcome,
    IndexedRange, MessageFilter, MessageRecord, MessageState, MessageStory, NewTx, Replacement,
    SignOutcome, SignedIndex, StateCount, TxFees, TxRecord, TxState, Unwound,
};

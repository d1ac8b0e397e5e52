//! The one error type of `courier-store` and its `Result` alias.
//!
//! Every variant names what was being done and with which input (chain, indexer, message id,
//! transaction, index), so a log line says what to look at without re-running anything. The
//! database's own error is kept as an opaque source: callers never see a backend type, and the
//! retry policy of an agent reads [`Error::is_retryable`], never the text.

use std::path::PathBuf;

use alloy_primitives::{Address, B256};

use crate::types::{MessageState, TxState};

/// `Result` with [`Error`] as the error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The database backend's own error, boxed so no backend type shows in the API.
pub type BackendError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- the database itself ----
    /// The database failed at an operation (IO, corruption, a row that does not decode).
    #[error("store: {what}: {source}")]
    Database {
        /// What was being done, with its inputs.
        what: String,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// Another connection (another process on the same file) held the database locked for longer
    /// than the busy timeout. Retrying later can succeed.
    #[error("store: {what}: the database is locked by another connection: {source}")]
    Busy {
        /// What was being done, with its inputs.
        what: String,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// The file was written by a newer Courier whose schema this build does not know.
    #[error(
        "store {}: schema version {found} is newer than version {supported}, the newest this \
         build knows; run a newer courier or point it at another file",
        path.display()
    )]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// The file's schema version (`PRAGMA user_version`).
        found: u32,
        /// The newest schema version this build knows.
        supported: u32,
    },

    // ---- indexer ----
    /// The store holds another hash for a block than the one given: the chain reorganised and the
    /// indexer must [`unwind`](crate::Store::unwind) below this block first.
    #[error(
        "chain {chain} block {number}: the store has hash {stored}, given {given} (unwind below \
         the fork first)"
    )]
    BlockHashMismatch {
        /// The chain.
        chain: u64,
        /// The block number.
        number: u64,
        /// The hash the store holds.
        stored: B256,
        /// The hash given.
        given: B256,
    },
    /// An indexer cursor would move back; only [`unwind`](crate::Store::unwind) moves it back.
    #[error(
        "indexer {indexer:?} of chain {chain} is at block {current}; refusing to move it back to \
         block {attempted}"
    )]
    CursorRegression {
        /// The chain.
        chain: u64,
        /// The indexer's name.
        indexer: String,
        /// Where the cursor is.
        current: u64,
        /// Where it was asked to go.
        attempted: u64,
    },
    /// Input that contradicts itself, e.g. a dispatch from another chain than the one indexed.
    #[error("{what}")]
    InvalidInput {
        /// What is wrong, with the values.
        what: String,
    },

    // ---- messages ----
    /// No message with this id.
    #[error("message {id} is not in the store")]
    MessageNotFound {
        /// The message id.
        id: B256,
    },
    /// A state change the lifecycle does not allow.
    #[error("message {id} is {from}, it cannot become {to}")]
    InvalidTransition {
        /// The message id.
        id: B256,
        /// Its current state.
        from: MessageState,
        /// The refused state.
        to: MessageState,
    },
    /// A retry scheduled for a message that is not waiting in the relayer's queue.
    #[error("message {id} is {state}, not waiting in a relayer queue; no retry to schedule")]
    NotQueued {
        /// The message id.
        id: B256,
        /// Its current state.
        state: MessageState,
    },
    /// A message put in a transaction to another chain than its destination.
    #[error("message {id} goes to chain {destination}, not to chain {chain} of the transaction")]
    WrongDestination {
        /// The message id.
        id: B256,
        /// The message's destination.
        destination: u64,
        /// The transaction's chain.
        chain: u64,
    },
    /// A message state name this build does not know.
    #[error("unknown message state {value:?}")]
    UnknownState {
        /// The name given.
        value: String,
    },

    // ---- relayer transactions ----
    /// No transaction with this hash.
    #[error("transaction {hash} is not in the store")]
    TxNotFound {
        /// The transaction hash.
        hash: B256,
    },
    /// A transaction recorded twice.
    #[error("transaction {hash} is already recorded")]
    TxExists {
        /// The transaction hash.
        hash: B256,
    },
    /// A new transaction at a nonce a pending one holds (replacing goes through
    /// [`replace_tx`](crate::Store::replace_tx)).
    #[error("nonce {nonce} of {sender} on chain {chain} is held by pending transaction {pending}")]
    NonceInUse {
        /// The chain.
        chain: u64,
        /// The sending account.
        sender: Address,
        /// The nonce.
        nonce: u64,
        /// The pending transaction holding it.
        pending: B256,
    },
    /// A transaction state change that is not allowed (replacing a confirmed transaction, ...).
    #[error("transaction {hash} is {from}, it cannot become {to}")]
    InvalidTxTransition {
        /// The transaction hash.
        hash: B256,
        /// Its current state.
        from: TxState,
        /// The refused state.
        to: TxState,
    },

    // ---- validator ----
    /// Signing this root would sign two roots for one index: the validator would be slashed.
    #[error(
        "equivocation refused: origin {origin} mailbox {mailbox} index {index} was signed with \
         root {signed}, refusing root {attempted}"
    )]
    Equivocation {
        /// The origin domain.
        origin: u64,
        /// The origin Mailbox.
        mailbox: B256,
        /// The checkpoint index.
        index: u32,
        /// The root signed before.
        signed: B256,
        /// The root refused.
        attempted: B256,
    },
    /// A checkpoint below the highest signed index that was never signed itself: the validator
    /// only moves forward.
    #[error(
        "refusing to sign origin {origin} mailbox {mailbox} index {index}: index {highest} is \
         already signed and {index} never was"
    )]
    BelowHighestSigned {
        /// The origin domain.
        origin: u64,
        /// The origin Mailbox.
        mailbox: B256,
        /// The refused index.
        index: u32,
        /// The highest index signed.
        highest: u32,
    },
    /// Signing for this origin is halted until an operator clears it.
    #[error("signing for origin {origin} is halted (since {since_ms} ms): {reason}")]
    Halted {
        /// The origin domain.
        origin: u64,
        /// Why it was halted.
        reason: String,
        /// When, unix milliseconds.
        since_ms: u64,
    },
}

impl Error {
    /// Whether retrying the same call later can succeed (the database was locked by another
    /// process). Every other error is about the data and repeats until the data changes.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Busy { .. })
    }
}

//! The plain data the store takes and returns. No backend type appears here, so a PostgreSQL
//! backend can sit behind the same API. All times are unix milliseconds (`*_ms`), given by the
//! caller: the store never reads a clock, which keeps it deterministic under test.

use std::{fmt, str::FromStr};

use alloy_primitives::{Address, B256};
use courier_core::Message;

use crate::error::Error;

/// A block, by number and hash (the hash is what reveals a reorg).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockNumHash {
    /// Block number.
    pub number: u64,
    /// Block hash.
    pub hash: B256,
}

impl BlockNumHash {
    /// A block by number and hash.
    pub const fn new(number: u64, hash: B256) -> Self {
        Self { number, hash }
    }
}

// ---- indexer ----

/// A message as the origin Mailbox emitted it, with where and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatch {
    /// The message; its id and encoding are computed from it.
    pub message: Message,
    /// The block holding the `Dispatch` event.
    pub block: BlockNumHash,
    /// The dispatching transaction.
    pub tx_hash: B256,
    /// Position of the log in the block.
    pub log_index: u64,
    /// When it was dispatched: the block's timestamp when known, else when it was indexed.
    pub dispatched_at_ms: u64,
}

/// What an indexer learned from one range of blocks, recorded in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedRange {
    /// The chain indexed.
    pub chain: u64,
    /// Which indexer (several may follow one chain, each with its own cursor).
    pub indexer: String,
    /// The last block of the range: the cursor moves here.
    pub to: BlockNumHash,
    /// Other blocks whose hashes the indexer saw (the blocks of the dispatches and `to` are
    /// recorded without being listed here).
    pub blocks: Vec<BlockNumHash>,
    /// The messages dispatched in the range (origin must be `chain`).
    pub dispatches: Vec<Dispatch>,
    /// When the range was indexed.
    pub at_ms: u64,
}

/// What [`record_indexed`](crate::Store::record_indexed) did with the dispatches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexOutcome {
    /// Messages seen for the first time.
    pub inserted: usize,
    /// Messages that were `Reorged` and are dispatched again (same id in a new block).
    pub revived: usize,
    /// Messages already known (re-indexing is idempotent).
    pub known: usize,
}

/// What [`unwind`](crate::Store::unwind) removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unwound {
    /// Block hashes deleted (those above the fork).
    pub blocks_removed: usize,
    /// Indexers whose cursor moved back to the fork.
    pub cursors_moved: Vec<String>,
    /// Messages dispatched above the fork, now `Reorged` (out of every queue).
    pub reorged: Vec<B256>,
    /// Messages dispatched above the fork but already `Submitted` or `Delivered`: left in their
    /// state (the destination acted on them) with a history note. Any entry here means a message
    /// was relayed before its origin block was final: worth an alert.
    pub in_flight: Vec<B256>,
}

// ---- messages ----

/// Where a message is in its lifecycle (ARCHITECTURE.md, "Lifecycle of a message").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageState {
    /// Emitted on the origin; its block is not final yet.
    Dispatched,
    /// Its origin block is final.
    Finalized,
    /// The destination's verifier can be given a proof (signatures gathered, root accepted, ...).
    Verifiable,
    /// In a delivery transaction that has not landed yet.
    Submitted,
    /// Delivered on the destination.
    Delivered,
    /// The recipient reverted; retried on a schedule, never dropped.
    Failed,
    /// Its deadline passed before delivery.
    Expired,
    /// Its origin block was reorganised away before it was submitted. It comes back (as
    /// `Dispatched`) if the same message is dispatched again on the new chain.
    Reorged,
}

impl MessageState {
    /// Every state, in lifecycle order.
    pub const ALL: [Self; 8] = [
        Self::Dispatched,
        Self::Finalized,
        Self::Verifiable,
        Self::Submitted,
        Self::Delivered,
        Self::Failed,
        Self::Expired,
        Self::Reorged,
    ];

    /// The states of messages waiting in a relayer queue (due once `next_attempt_at_ms` passes).
    pub const QUEUED: [Self; 3] = [Self::Finalized, Self::Verifiable, Self::Failed];

    /// Its lowercase name, as stored and shown.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Dispatched => "dispatched",
            Self::Finalized => "finalized",
            Self::Verifiable => "verifiable",
            Self::Submitted => "submitted",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Reorged => "reorged",
        }
    }

    /// Whether a message in this state waits in a relayer queue.
    pub const fn is_queued(self) -> bool {
        matches!(self, Self::Finalized | Self::Verifiable | Self::Failed)
    }
}

impl fmt::Display for MessageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MessageState {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::UnknownState {
                value: s.to_owned(),
            })
    }
}

/// Where and when a transaction landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inclusion {
    /// The transaction.
    pub tx: B256,
    /// The block it landed in.
    pub block: u64,
    /// When (the block's timestamp, or when the receipt was seen).
    pub at_ms: u64,
}

/// A message and everything the relayer knows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// The message id (`keccak256` of its encoding).
    pub id: B256,
    /// The message.
    pub message: Message,
    /// Its state.
    pub state: MessageState,
    /// The origin block holding its `Dispatch` event.
    pub dispatch_block: BlockNumHash,
    /// The dispatching transaction.
    pub dispatch_tx: B256,
    /// Position of the `Dispatch` log in its block.
    pub log_index: u64,
    /// When it was dispatched.
    pub dispatched_at_ms: u64,
    /// Tries that ended without delivery (retries scheduled, failures, dropped transactions).
    pub attempts: u32,
    /// When the relayer should look at it next (while queued).
    pub next_attempt_at_ms: u64,
    /// Why the last try did not deliver it.
    pub last_error: Option<String>,
    /// The transaction carrying it, while `Submitted`.
    pub submitted_tx: Option<B256>,
    /// The delivery, once `Delivered`.
    pub delivered: Option<Inclusion>,
    /// When its row last changed.
    pub updated_at_ms: u64,
}

/// One entry of a message's history: a state change, or a note on the current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The state from this entry on.
    pub state: MessageState,
    /// When.
    pub at_ms: u64,
    /// The block involved, where known (origin block for `Dispatched`/`Finalized`, destination
    /// block for `Delivered`/`Failed`).
    pub block: Option<u64>,
    /// The transaction involved, where known.
    pub tx: Option<B256>,
    /// What happened, for people.
    pub detail: String,
}

/// A message with its full history, oldest entry first: what `courier status ID` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageStory {
    /// The message.
    pub record: MessageRecord,
    /// Its history, oldest first.
    pub history: Vec<HistoryEntry>,
}

/// Which messages [`messages`](crate::Store::messages) lists; `None` fields match everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessageFilter {
    /// Only messages in this state.
    pub state: Option<MessageState>,
    /// Only messages from this origin.
    pub origin: Option<u64>,
    /// Only messages to this destination.
    pub destination: Option<u64>,
}

/// How many messages of one route are in one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateCount {
    /// The origin domain.
    pub origin: u64,
    /// The destination domain.
    pub destination: u64,
    /// The state.
    pub state: MessageState,
    /// How many messages.
    pub count: u64,
}

/// What a confirmed delivery transaction did to one message it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The recipient handled it (`Process` event).
    Delivered {
        /// The message id.
        id: B256,
    },
    /// The recipient reverted (`ProcessFailed` event); retried at `retry_at_ms`.
    Failed {
        /// The message id.
        id: B256,
        /// The revert reason, for people.
        reason: String,
        /// When to try again.
        retry_at_ms: u64,
    },
}

// ---- relayer transactions ----

/// The fees a transaction offers. A legacy (`gasPrice`) transaction puts its gas price in both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TxFees {
    /// `maxFeePerGas`, wei.
    pub max_fee_per_gas: u128,
    /// `maxPriorityFeePerGas`, wei.
    pub max_priority_fee_per_gas: u128,
    /// Gas limit.
    pub gas_limit: u64,
}

/// A relayer transaction about to be broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTx {
    /// The chain it is sent to (the destination of its messages).
    pub chain: u64,
    /// The sending account.
    pub sender: Address,
    /// The account nonce it uses.
    pub nonce: u64,
    /// Its hash (it is signed before it is recorded).
    pub hash: B256,
    /// The messages it delivers, in calldata order (may be empty, e.g. a root acceptance).
    pub message_ids: Vec<B256>,
    /// Its fees.
    pub fees: TxFees,
    /// The signed transaction as broadcast (EIP-2718 envelope), to rebroadcast after a crash.
    pub raw: Vec<u8>,
    /// When it is sent.
    pub sent_at_ms: u64,
}

/// A transaction replacing a stuck one: same nonce and messages, higher fees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// Its hash.
    pub hash: B256,
    /// Its fees.
    pub fees: TxFees,
    /// The signed transaction.
    pub raw: Vec<u8>,
    /// When it is sent.
    pub sent_at_ms: u64,
}

/// Where a relayer transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxState {
    /// Recorded (and broadcast, unless the relayer crashed in between); not landed yet.
    Pending,
    /// Landed in a block.
    Confirmed,
    /// Superseded by a transaction with the same nonce and higher fees.
    Replaced,
    /// Will not land: the node forgot it, another transaction took its nonce, or its block was
    /// reorganised away.
    Dropped,
}

impl TxState {
    /// Every state.
    pub const ALL: [Self; 4] = [
        Self::Pending,
        Self::Confirmed,
        Self::Replaced,
        Self::Dropped,
    ];

    /// Its lowercase name, as stored and shown.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Replaced => "replaced",
            Self::Dropped => "dropped",
        }
    }
}

impl fmt::Display for TxState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A relayer transaction as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxRecord {
    /// The chain it was sent to.
    pub chain: u64,
    /// The sending account.
    pub sender: Address,
    /// Its nonce.
    pub nonce: u64,
    /// Its hash.
    pub hash: B256,
    /// The messages it carries, in calldata order.
    pub message_ids: Vec<B256>,
    /// Its fees.
    pub fees: TxFees,
    /// The signed transaction.
    pub raw: Vec<u8>,
    /// When it was sent.
    pub sent_at_ms: u64,
    /// Its state.
    pub state: TxState,
    /// The transaction it replaced.
    pub replaces: Option<B256>,
    /// The transaction that replaced it.
    pub replaced_by: Option<B256>,
    /// The block it landed in, once confirmed.
    pub block: Option<u64>,
    /// Why it was dropped, for people.
    pub detail: Option<String>,
    /// When its row last changed.
    pub updated_at_ms: u64,
}

// ---- validator ----

/// Whether [`record_signed`](crate::Store::record_signed) recorded something new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOutcome {
    /// First time this index is signed: publish the signature.
    Recorded,
    /// This exact (index, root) was signed before: publishing the signature again is safe.
    AlreadySigned,
}

/// A checkpoint the validator signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedIndex {
    /// The checkpoint index.
    pub index: u32,
    /// The root signed for it.
    pub root: B256,
    /// The id of the message at the index.
    pub message_id: B256,
    /// When it was recorded.
    pub signed_at_ms: u64,
}

/// Why and since when signing for an origin is halted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Halt {
    /// Why, for people.
    pub reason: String,
    /// Since when.
    pub since_ms: u64,
}

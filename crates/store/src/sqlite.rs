//! The SQLite backend: the schema, its migrations and every SQL statement of the crate.
//!
//! Nothing outside this module writes SQL or names a `rusqlite` type but [`Conn`]: the rules (what
//! may change into what) live in `store/`, which calls the small functions here inside one
//! transaction per public call. A PostgreSQL backend would provide the same functions.
//!
//! One connection behind a mutex: SQLite serialises writers anyway, and every call is a short
//! transaction. Other processes on the same file (the CLI reading while the relayer runs) see a
//! consistent snapshot (WAL) and wait up to the busy timeout for the writer lock.

use std::{
    path::{Path, PathBuf},
    sync::{Mutex, PoisonError},
    time::Duration,
};

use alloy_primitives::{Address, B256};
use courier_core::{Checkpoint, Message};
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior, params, types::Type,
};

use crate::{
    error::{Error, Result},
    types::{
        BlockNumHash, Dispatch, Halt, HistoryEntry, Inclusion, MessageFilter, MessageRecord,
        MessageState, NewTx, SignedIndex, StateCount, TxFees, TxRecord, TxState,
    },
};

/// A connection inside a transaction; what the functions of this module work on.
pub(crate) type Conn = Connection;

/// The schema, one entry per version: entry `i` migrates version `i` to `i + 1`. Append only;
/// never edit an entry once released, files in the field were built by it.
const MIGRATIONS: &[&str] = &[SCHEMA_V1];

/// The schema version this build writes (`PRAGMA user_version`).
pub(crate) const SCHEMA_VERSION: u32 = 1;
const _: () = assert!(MIGRATIONS.len() == SCHEMA_VERSION as usize);

const SCHEMA_V1: &str = include_str!("sqlite/schema_v1.sql");

// ---- the connection ----

/// The database: one connection, serialised by a mutex.
#[derive(Debug)]
pub(crate) struct Db {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl Db {
    /// Opens (creating if needed) the file at `path` in WAL mode and migrates it.
    pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<Self> {
        let what = || format!("opening {}", path.display());
        let conn = run(what, || Connection::open(path))?;
        run(what, || {
            conn.busy_timeout(busy_timeout)?;
            // WAL: readers (the CLI) never block the writer. FULL: a commit survives power loss,
            // which the validator's signing record needs (it is written before a signature is
            // published, and losing it could let the validator sign another root after a reboot).
            let _mode: String =
                conn.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))?;
            conn.pragma_update(None, "synchronous", "FULL")
        })?;
        Self::finish(conn, path.to_path_buf())
    }

    /// A private in-memory database, for tests of the agents.
    pub(crate) fn open_in_memory() -> Result<Self> {
        let conn = run(
            || "opening an in-memory store".to_owned(),
            Connection::open_in_memory,
        )?;
        Self::finish(conn, PathBuf::from(":memory:"))
    }

    fn finish(mut conn: Connection, path: PathBuf) -> Result<Self> {
        run(
            || format!("configuring {}", path.display()),
            || {
                conn.pragma_update(None, "foreign_keys", true)?;
                conn.set_prepared_statement_cache_capacity(64);
                Ok(())
            },
        )?;
        migrate(&mut conn, &path)?;
        Ok(Self {
            conn: Mutex::new(conn),
            path,
        })
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `op` in one write transaction (taken at once, so two writers never deadlock on a
    /// lock upgrade), committed when `op` succeeds and rolled back otherwise. `what` names the
    /// call in the errors of beginning and committing.
    pub(crate) fn write<T>(
        &self,
        what: impl Fn() -> String,
        op: impl FnOnce(&Conn) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.lock();
        let tx = run(&what, || {
            conn.transaction_with_behavior(TransactionBehavior::Immediate)
        })?;
        let out = op(&tx)?;
        run(&what, || tx.commit())?;
        Ok(out)
    }

    /// Runs `op` in one read transaction: every statement sees the same snapshot.
    pub(crate) fn read<T>(
        &self,
        what: impl Fn() -> String,
        op: impl FnOnce(&Conn) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.lock();
        let tx = run(&what, || conn.transaction())?;
        let out = op(&tx)?;
        // Ending a read transaction cannot lose anything; a failure here is still reported.
        run(&what, || tx.finish())?;
        Ok(out)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while the lock was held dropped its transaction, which rolled back: the
        // connection is consistent, so a poisoned lock is safe to take over.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Applies the migrations the file lacks, each in its own transaction. The version is read inside
/// the write transaction, so two processes opening a new file at once do not both migrate it.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    loop {
        let found = run(
            || format!("reading the schema version of {}", path.display()),
            || conn.pragma_query_value(None, "user_version", |row| row.get::<_, u32>(0)),
        )?;
        if found > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                path: path.to_path_buf(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        let Some(&sql) = MIGRATIONS.get(found as usize) else {
            return Ok(());
        };
        let what = || {
            format!(
                "migrating {} to schema version {}",
                path.display(),
                found + 1
            )
        };
        run(what, || {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let now: u32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
            if now == found {
                tx.execute_batch(sql)?;
                tx.pragma_update(None, "user_version", found + 1)?;
            }
            tx.commit()
        })?;
    }
}

/// Runs a backend call, naming what it was doing in its error.
fn run<T>(what: impl FnOnce() -> String, f: impl FnOnce() -> rusqlite::Result<T>) -> Result<T> {
    f().map_err(|e| wrap(e, what()))
}

fn wrap(e: rusqlite::Error, what: String) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy {
            what,
            source: Box::new(e),
        },
        _ => Error::Database {
            what,
            source: Box::new(e),
        },
    }
}

/// A bound of a query (a time, a block, a limit) as SQLite's integer: every stored value is at most
/// `i64::MAX`, so a larger bound (e.g. `u64::MAX` for "everything") means the same as `i64::MAX`.
fn bound(value: impl TryInto<i64>) -> i64 {
    value.try_into().unwrap_or(i64::MAX)
}

// ---- row decoding ----

fn b256(row: &Row<'_>, idx: usize) -> rusqlite::Result<B256> {
    row.get::<_, [u8; 32]>(idx).map(B256::from)
}

fn opt_b256(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<B256>> {
    Ok(row.get::<_, Option<[u8; 32]>>(idx)?.map(B256::from))
}

fn address(row: &Row<'_>, idx: usize) -> rusqlite::Result<Address> {
    row.get::<_, [u8; 20]>(idx).map(Address::from)
}

fn conversion(
    idx: usize,
    ty: Type,
    e: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, ty, Box::new(e))
}

fn state_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<MessageState> {
    let text: String = row.get(idx)?;
    text.parse().map_err(|e| conversion(idx, Type::Text, e))
}

fn tx_state_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<TxState> {
    let text: String = row.get(idx)?;
    TxState::ALL
        .into_iter()
        .find(|state| state.as_str() == text)
        .ok_or_else(|| {
            conversion(
                idx,
                Type::Text,
                Error::InvalidInput {
                    what: format!("unknown transaction state {text:?}"),
                },
            )
        })
}

fn wei(row: &Row<'_>, idx: usize) -> rusqlite::Result<u128> {
    let text: String = row.get(idx)?;
    text.parse().map_err(|e| conversion(idx, Type::Text, e))
}

// ---- indexer ----

pub(crate) fn cursor(c: &Conn, chain: u64, indexer: &str) -> Result<Option<BlockNumHash>> {
    run(
        || format!("reading the cursor of indexer {indexer:?} of chain {chain}"),
        || {
            c.prepare_cached(
                "SELECT block_number, block_hash FROM cursors WHERE chain = ?1 AND indexer = ?2",
            )?
            .query_row(params![chain, indexer], |row| {
                Ok(BlockNumHash::new(row.get(0)?, b256(row, 1)?))
            })
            .optional()
        },
    )
}

/// Every cursor of a chain, by indexer name.
pub(crate) fn cursors(c: &Conn, chain: u64) -> Result<Vec<(String, BlockNumHash)>> {
    run(
        || format!("reading the cursors of chain {chain}"),
        || {
            c.prepare_cached(
                "SELECT indexer, block_number, block_hash FROM cursors WHERE chain = ?1 \
                 ORDER BY indexer",
            )?
            .query_map(params![chain], |row| {
                Ok((row.get(0)?, BlockNumHash::new(row.get(1)?, b256(row, 2)?)))
            })?
            .collect()
        },
    )
}

pub(crate) fn set_cursor(
    c: &Conn,
    chain: u64,
    indexer: &str,
    block: BlockNumHash,
    at_ms: u64,
) -> Result<()> {
    run(
        || {
            format!(
                "moving indexer {indexer:?} of chain {chain} to block {}",
                block.number
            )
        },
        || {
            c.prepare_cached(
                "INSERT INTO cursors (chain, indexer, block_number, block_hash, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (chain, indexer) DO UPDATE SET block_number = excluded.block_number, \
                 block_hash = excluded.block_hash, updated_at = excluded.updated_at",
            )?
            .execute(params![
                chain,
                indexer,
                block.number,
                block.hash.as_slice(),
                at_ms
            ])?;
            Ok(())
        },
    )
}

pub(crate) fn block_hash(c: &Conn, chain: u64, number: u64) -> Result<Option<B256>> {
    run(
        || format!("reading the hash of block {number} of chain {chain}"),
        || {
            c.prepare_cached("SELECT hash FROM blocks WHERE chain = ?1 AND number = ?2")?
                .query_row(params![chain, number], |row| b256(row, 0))
                .optional()
        },
    )
}

/// Records a block hash; the caller has checked that no other hash is recorded for its number.
pub(crate) fn insert_block(c: &Conn, chain: u64, block: BlockNumHash) -> Result<()> {
    run(
        || format!("recording block {} of chain {chain}", block.number),
        || {
            c.prepare_cached(
                "INSERT INTO blocks (chain, number, hash) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (chain, number) DO NOTHING",
            )?
            .execute(params![chain, block.number, block.hash.as_slice()])?;
            Ok(())
        },
    )
}

/// The highest recorded blocks of a chain, highest first.
pub(crate) fn recent_blocks(c: &Conn, chain: u64, limit: usize) -> Result<Vec<BlockNumHash>> {
    run(
        || format!("reading the recent blocks of chain {chain}"),
        || {
            c.prepare_cached(
                "SELECT number, hash FROM blocks WHERE chain = ?1 ORDER BY number DESC LIMIT ?2",
            )?
            .query_map(params![chain, bound(limit)], |row| {
                Ok(BlockNumHash::new(row.get(0)?, b256(row, 1)?))
            })?
            .collect()
        },
    )
}

/// Keeps the `keep` highest recorded blocks of a chain and deletes the others.
pub(crate) fn prune_blocks(c: &Conn, chain: u64, keep: usize) -> Result<usize> {
    run(
        || format!("pruning the block hashes of chain {chain} to {keep}"),
        || {
            c.prepare_cached(
                "DELETE FROM blocks WHERE chain = ?1 AND number <= (SELECT number FROM blocks \
                 WHERE chain = ?1 ORDER BY number DESC LIMIT 1 OFFSET ?2)",
            )?
            .execute(params![chain, bound(keep)])
        },
    )
}

pub(crate) fn delete_blocks_above(c: &Conn, chain: u64, number: u64) -> Result<usize> {
    run(
        || format!("deleting the block hashes of chain {chain} above block {number}"),
        || {
            c.prepare_cached("DELETE FROM blocks WHERE chain = ?1 AND number > ?2")?
                .execute(params![chain, number])
        },
    )
}

// ---- messages ----

/// The columns [`message_row`] reads, in its order.
macro_rules! message_columns {
    () => {
        "id, encoded, state, block_number, block_hash, tx_hash, log_index, dispatched_at, \
         attempts, next_attempt_at, last_error, submitted_tx, delivered_tx, delivered_block, \
         delivered_at, updated_at"
    };
}

fn message_row(row: &Row<'_>) -> rusqlite::Result<MessageRecord> {
    let encoded: Vec<u8> = row.get(1)?;
    let message = Message::decode(&encoded).map_err(|e| conversion(1, Type::Blob, e))?;
    let delivered = match (opt_b256(row, 12)?, row.get(13)?, row.get(14)?) {
        (Some(tx), Some(block), Some(at_ms)) => Some(Inclusion { tx, block, at_ms }),
        _ => None,
    };
    Ok(MessageRecord {
        id: b256(row, 0)?,
        message,
        state: state_col(row, 2)?,
        dispatch_block: BlockNumHash::new(row.get(3)?, b256(row, 4)?),
        dispatch_tx: b256(row, 5)?,
        log_index: row.get(6)?,
        dispatched_at_ms: row.get(7)?,
        attempts: row.get(8)?,
        next_attempt_at_ms: row.get(9)?,
        last_error: row.get(10)?,
        submitted_tx: opt_b256(row, 11)?,
        delivered,
        updated_at_ms: row.get(15)?,
    })
}

/// Inserts a dispatched message; false (and nothing written) when its id is already stored.
pub(crate) fn insert_message(c: &Conn, id: B256, d: &Dispatch) -> Result<bool> {
    let m = &d.message;
    run(
        || {
            format!(
                "recording message {id} (origin {} nonce {})",
                m.origin, m.nonce
            )
        },
        || {
            let inserted = c
                .prepare_cached(
                    "INSERT INTO messages (id, origin, destination, nonce, sender, recipient, \
                     encoded, block_number, block_hash, tx_hash, log_index, dispatched_at, \
                     state, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'dispatched', ?12) \
                     ON CONFLICT (id) DO NOTHING",
                )?
                .execute(params![
                    id.as_slice(),
                    m.origin,
                    m.destination,
                    m.nonce,
                    m.sender.as_slice(),
                    m.recipient.as_slice(),
                    m.encode(),
                    d.block.number,
                    d.block.hash.as_slice(),
                    d.tx_hash.as_slice(),
                    d.log_index,
                    d.dispatched_at_ms,
                ])?;
            Ok(inserted == 1)
        },
    )
}

/// Puts a `reorged` message back to `dispatched` at its new place on the chain; false when it was
/// not `reorged`.
pub(crate) fn revive_message(c: &Conn, id: B256, d: &Dispatch) -> Result<bool> {
    run(
        || format!("reviving reorged message {id} in block {}", d.block.number),
        || {
            let changed = c
                .prepare_cached(
                    "UPDATE messages SET state = 'dispatched', block_number = ?2, block_hash = ?3, \
                     tx_hash = ?4, log_index = ?5, dispatched_at = ?6, next_attempt_at = 0, \
                     updated_at = ?6 WHERE id = ?1 AND state = 'reorged'",
                )?
                .execute(params![
                    id.as_slice(),
                    d.block.number,
                    d.block.hash.as_slice(),
                    d.tx_hash.as_slice(),
                    d.log_index,
                    d.dispatched_at_ms,
                ])?;
            Ok(changed == 1)
        },
    )
}

pub(crate) fn append_history(c: &Conn, id: B256, entry: &HistoryEntry) -> Result<()> {
    run(
        || format!("recording the history of message {id} ({})", entry.state),
        || {
            c.prepare_cached(
                "INSERT INTO message_history (message_id, state, at, block_number, tx_hash, \
                 detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                id.as_slice(),
                entry.state.as_str(),
                entry.at_ms,
                entry.block,
                entry.tx.as_ref().map(B256::as_slice),
                entry.detail,
            ])?;
            Ok(())
        },
    )
}

pub(crate) fn message(c: &Conn, id: B256) -> Result<Option<MessageRecord>> {
    run(
        || format!("reading message {id}"),
        || {
            c.prepare_cached(concat!(
                "SELECT ",
                message_columns!(),
                " FROM messages WHERE id = ?1"
            ))?
            .query_row(params![id.as_slice()], message_row)
            .optional()
        },
    )
}

/// A message's state and destination.
pub(crate) fn message_state(c: &Conn, id: B256) -> Result<Option<(MessageState, u64)>> {
    run(
        || format!("reading the state of message {id}"),
        || {
            c.prepare_cached("SELECT state, destination FROM messages WHERE id = ?1")?
                .query_row(params![id.as_slice()], |row| {
                    Ok((state_col(row, 0)?, row.get(1)?))
                })
                .optional()
        },
    )
}

pub(crate) fn history(c: &Conn, id: B256) -> Result<Vec<HistoryEntry>> {
    run(
        || format!("reading the history of message {id}"),
        || {
            c.prepare_cached(
                "SELECT state, at, block_number, tx_hash, detail FROM message_history \
                 WHERE message_id = ?1 ORDER BY seq",
            )?
            .query_map(params![id.as_slice()], |row| {
                Ok(HistoryEntry {
                    state: state_col(row, 0)?,
                    at_ms: row.get(1)?,
                    block: row.get(2)?,
                    tx: opt_b256(row, 3)?,
                    detail: row.get(4)?,
                })
            })?
            .collect()
        },
    )
}

/// The relayer's queue; its WHERE matches the partial index `messages_due`.
const DUE: &str = concat!(
    "SELECT ",
    message_columns!(),
    " FROM messages WHERE destination = ?1 \
     AND state IN ('finalized', 'verifiable', 'failed') AND next_attempt_at <= ?2 \
     ORDER BY next_attempt_at, origin, nonce LIMIT ?3"
);

pub(crate) fn due(
    c: &Conn,
    destination: u64,
    now_ms: u64,
    limit: usize,
) -> Result<Vec<MessageRecord>> {
    run(
        || format!("reading the messages due on chain {destination} at {now_ms}"),
        || {
            c.prepare_cached(DUE)?
                .query_map(
                    params![destination, bound(now_ms), bound(limit)],
                    message_row,
                )?
                .collect()
        },
    )
}

pub(crate) fn next_due_at(c: &Conn, destination: u64) -> Result<Option<u64>> {
    run(
        || format!("reading when the next message to chain {destination} is due"),
        || {
            c.prepare_cached(
                "SELECT MIN(next_attempt_at) FROM messages WHERE destination = ?1 \
                 AND state IN ('finalized', 'verifiable', 'failed')",
            )?
            .query_row(params![destination], |row| row.get(0))
        },
    )
}

pub(crate) fn list(c: &Conn, filter: &MessageFilter, limit: usize) -> Result<Vec<MessageRecord>> {
    run(
        || format!("listing messages ({filter:?})"),
        || {
            c.prepare_cached(concat!(
                "SELECT ",
                message_columns!(),
                " FROM messages WHERE (?1 IS NULL OR state = ?1) \
                 AND (?2 IS NULL OR origin = ?2) AND (?3 IS NULL OR destination = ?3) \
                 ORDER BY seq DESC LIMIT ?4"
            ))?
            .query_map(
                params![
                    filter.state.map(MessageState::as_str),
                    filter.origin,
                    filter.destination,
                    bound(limit)
                ],
                message_row,
            )?
            .collect()
        },
    )
}

pub(crate) fn state_counts(c: &Conn) -> Result<Vec<StateCount>> {
    run(
        || "counting messages per route and state".to_owned(),
        || {
            c.prepare_cached(
                "SELECT origin, destination, state, COUNT(*) FROM messages \
                 GROUP BY origin, destination, state ORDER BY origin, destination, state",
            )?
            .query_map([], |row| {
                Ok(StateCount {
                    origin: row.get(0)?,
                    destination: row.get(1)?,
                    state: state_col(row, 2)?,
                    count: row.get(3)?,
                })
            })?
            .collect()
        },
    )
}

fn ids(c: &Conn, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<Vec<B256>> {
    c.prepare_cached(sql)?
        .query_map(params, |row| b256(row, 0))?
        .collect()
}

/// `dispatched` messages of `origin` in blocks up to `block` become `finalized`.
pub(crate) fn finalize_up_to(c: &Conn, origin: u64, block: u64, at_ms: u64) -> Result<Vec<B256>> {
    run(
        || format!("finalizing the messages of chain {origin} up to block {block}"),
        || {
            ids(
                c,
                "UPDATE messages SET state = 'finalized', updated_at = ?3 \
                 WHERE origin = ?1 AND state = 'dispatched' AND block_number <= ?2 RETURNING id",
                params![origin, bound(block), at_ms],
            )
        },
    )
}

/// `dispatched` or `finalized` messages of `origin` with a nonce up to `nonce` become
/// `verifiable`, and due now if a retry was scheduled later.
pub(crate) fn verifiable_up_to(c: &Conn, origin: u64, nonce: u32, at_ms: u64) -> Result<Vec<B256>> {
    run(
        || format!("making the messages of chain {origin} up to nonce {nonce} verifiable"),
        || {
            ids(
                c,
                "UPDATE messages SET state = 'verifiable', updated_at = ?3, \
                 next_attempt_at = MIN(next_attempt_at, ?3) \
                 WHERE origin = ?1 AND state IN ('dispatched', 'finalized') AND nonce <= ?2 \
                 RETURNING id",
                params![origin, nonce, at_ms],
            )
        },
    )
}

/// Messages of `origin` above `block` that were not submitted or delivered become `reorged`.
pub(crate) fn reorg_above(c: &Conn, origin: u64, block: u64, at_ms: u64) -> Result<Vec<B256>> {
    run(
        || format!("marking the messages of chain {origin} above block {block} reorged"),
        || {
            ids(
                c,
                "UPDATE messages SET state = 'reorged', updated_at = ?3 WHERE origin = ?1 \
                 AND block_number > ?2 AND state NOT IN ('submitted', 'delivered', 'reorged') \
                 RETURNING id",
                params![origin, block, at_ms],
            )
        },
    )
}

/// Messages of `origin` above `block` that are `submitted` or `delivered`.
pub(crate) fn in_flight_above(
    c: &Conn,
    origin: u64,
    block: u64,
) -> Result<Vec<(B256, MessageState)>> {
    run(
        || format!("reading the submitted messages of chain {origin} above block {block}"),
        || {
            c.prepare_cached(
                "SELECT id, state FROM messages WHERE origin = ?1 AND block_number > ?2 \
                 AND state IN ('submitted', 'delivered') ORDER BY nonce",
            )?
            .query_map(params![origin, block], |row| {
                Ok((b256(row, 0)?, state_col(row, 1)?))
            })?
            .collect()
        },
    )
}

/// One more attempt for a queued message, to retry at `retry_at_ms`; the new attempt count, or
/// `None` when no queued message has this id.
pub(crate) fn schedule_retry(
    c: &Conn,
    id: B256,
    retry_at_ms: u64,
    error: &str,
    at_ms: u64,
) -> Result<Option<u32>> {
    run(
        || format!("scheduling a retry of message {id} at {retry_at_ms}"),
        || {
            c.prepare_cached(
                "UPDATE messages SET attempts = attempts + 1, next_attempt_at = ?2, \
                 last_error = ?3, updated_at = ?4 \
                 WHERE id = ?1 AND state IN ('finalized', 'verifiable', 'failed') \
                 RETURNING attempts",
            )?
            .query_row(params![id.as_slice(), retry_at_ms, error, at_ms], |row| {
                row.get(0)
            })
            .optional()
        },
    )
}

/// A queued or submitted message becomes `failed`, to retry at `retry_at_ms`; false when no such
/// message has this id.
pub(crate) fn set_failed(
    c: &Conn,
    id: B256,
    reason: &str,
    retry_at_ms: u64,
    at_ms: u64,
) -> Result<bool> {
    run(
        || format!("marking message {id} failed"),
        || {
            let changed = c
                .prepare_cached(
                    "UPDATE messages SET state = 'failed', attempts = attempts + 1, \
                     next_attempt_at = ?3, last_error = ?2, submitted_tx = NULL, updated_at = ?4 \
                     WHERE id = ?1 \
                     AND state IN ('finalized', 'verifiable', 'failed', 'submitted')",
                )?
                .execute(params![id.as_slice(), reason, retry_at_ms, at_ms])?;
            Ok(changed == 1)
        },
    )
}

/// A message not yet delivered becomes `delivered`; false when none has this id.
pub(crate) fn set_delivered(c: &Conn, id: B256, landed: &Inclusion) -> Result<bool> {
    run(
        || format!("marking message {id} delivered by tx {}", landed.tx),
        || {
            let changed = c
                .prepare_cached(
                    "UPDATE messages SET state = 'delivered', delivered_tx = ?2, \
                     delivered_block = ?3, delivered_at = ?4, submitted_tx = NULL, \
                     updated_at = ?4 WHERE id = ?1 AND state != 'delivered'",
                )?
                .execute(params![
                    id.as_slice(),
                    landed.tx.as_slice(),
                    landed.block,
                    landed.at_ms
                ])?;
            Ok(changed == 1)
        },
    )
}

/// A message not yet submitted becomes `expired`; false when none has this id.
pub(crate) fn set_expired(c: &Conn, id: B256, reason: &str, at_ms: u64) -> Result<bool> {
    run(
        || format!("marking message {id} expired"),
        || {
            let changed = c
                .prepare_cached(
                    "UPDATE messages SET state = 'expired', last_error = ?2, updated_at = ?3 \
                     WHERE id = ?1 \
                     AND state IN ('dispatched', 'finalized', 'verifiable', 'failed')",
                )?
                .execute(params![id.as_slice(), reason, at_ms])?;
            Ok(changed == 1)
        },
    )
}

/// A queued message becomes `submitted` in `tx`; false when no queued message has this id.
pub(crate) fn set_submitted(c: &Conn, id: B256, tx: B256, at_ms: u64) -> Result<bool> {
    run(
        || format!("marking message {id} submitted in tx {tx}"),
        || {
            let changed = c
                .prepare_cached(
                    "UPDATE messages SET state = 'submitted', submitted_tx = ?2, updated_at = ?3 \
                     WHERE id = ?1 AND state IN ('finalized', 'verifiable', 'failed')",
                )?
                .execute(params![id.as_slice(), tx.as_slice(), at_ms])?;
            Ok(changed == 1)
        },
    )
}

/// Messages `submitted` in `tx` go back to `finalized`, due at once, one attempt more.
pub(crate) fn requeue_submitted(c: &Conn, tx: B256, reason: &str, at_ms: u64) -> Result<Vec<B256>> {
    run(
        || format!("requeueing the messages submitted in tx {tx}"),
        || {
            ids(
                c,
                "UPDATE messages SET state = 'finalized', submitted_tx = NULL, \
                 attempts = attempts + 1, next_attempt_at = ?3, last_error = ?2, updated_at = ?3 \
                 WHERE submitted_tx = ?1 AND state = 'submitted' RETURNING id",
                params![tx.as_slice(), reason, at_ms],
            )
        },
    )
}

/// Messages `submitted` in `from` are now carried by `to` (a replacement, or the sibling that
/// landed instead).
pub(crate) fn move_submitted(c: &Conn, from: B256, to: B256, at_ms: u64) -> Result<Vec<B256>> {
    run(
        || format!("moving the messages submitted in tx {from} to tx {to}"),
        || {
            ids(
                c,
                "UPDATE messages SET submitted_tx = ?2, updated_at = ?3 \
                 WHERE submitted_tx = ?1 AND state = 'submitted' RETURNING id",
                params![from.as_slice(), to.as_slice(), at_ms],
            )
        },
    )
}

// ---- relayer transactions ----

pub(crate) fn next_nonce(c: &Conn, chain: u64, sender: Address) -> Result<Option<u64>> {
    run(
        || format!("reading the next nonce of {sender} on chain {chain}"),
        || {
            c.prepare_cached(
                "SELECT next_nonce FROM relayer_nonces WHERE chain = ?1 AND sender = ?2",
            )?
            .query_row(params![chain, sender.as_slice()], |row| row.get(0))
            .optional()
        },
    )
}

/// Sets the next nonce; with `only_raise`, never lowers it.
pub(crate) fn set_next_nonce(
    c: &Conn,
    chain: u64,
    sender: Address,
    nonce: u64,
    only_raise: bool,
) -> Result<()> {
    run(
        || format!("setting the next nonce of {sender} on chain {chain} to {nonce}"),
        || {
            c.prepare_cached(
                "INSERT INTO relayer_nonces (chain, sender, next_nonce) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (chain, sender) DO UPDATE SET next_nonce = CASE WHEN ?4 \
                 THEN MAX(next_nonce, excluded.next_nonce) ELSE excluded.next_nonce END",
            )?
            .execute(params![chain, sender.as_slice(), nonce, only_raise])?;
            Ok(())
        },
    )
}

/// The pending transaction holding a nonce, if any.
pub(crate) fn pending_at_nonce(
    c: &Conn,
    chain: u64,
    sender: Address,
    nonce: u64,
) -> Result<Option<B256>> {
    run(
        || format!("reading the pending tx of {sender} at nonce {nonce} on chain {chain}"),
        || {
            c.prepare_cached(
                "SELECT hash FROM relayer_txs WHERE chain = ?1 AND sender = ?2 AND nonce = ?3 \
                 AND state = 'pending'",
            )?
            .query_row(params![chain, sender.as_slice(), nonce], |row| b256(row, 0))
            .optional()
        },
    )
}

/// Inserts a `pending` transaction and the list of its messages.
pub(crate) fn insert_tx(c: &Conn, tx: &NewTx, replaces: Option<B256>) -> Result<()> {
    run(
        || {
            format!(
                "recording tx {} (nonce {} on chain {})",
                tx.hash, tx.nonce, tx.chain
            )
        },
        || {
            c.prepare_cached(
                "INSERT INTO relayer_txs (hash, chain, sender, nonce, state, max_fee_per_gas, \
                 max_priority_fee_per_gas, gas_limit, raw, sent_at, replaces, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8, ?9, ?10, ?9)",
            )?
            .execute(params![
                tx.hash.as_slice(),
                tx.chain,
                tx.sender.as_slice(),
                tx.nonce,
                tx.fees.max_fee_per_gas.to_string(),
                tx.fees.max_priority_fee_per_gas.to_string(),
                tx.fees.gas_limit,
                tx.raw,
                tx.sent_at_ms,
                replaces.as_ref().map(B256::as_slice),
            ])?;
            let mut insert = c.prepare_cached(
                "INSERT INTO relayer_tx_messages (tx_hash, position, message_id) \
                 VALUES (?1, ?2, ?3)",
            )?;
            for (position, id) in tx.message_ids.iter().enumerate() {
                insert.execute(params![tx.hash.as_slice(), position, id.as_slice()])?;
            }
            Ok(())
        },
    )
}

/// What a transaction state change writes besides the state.
#[derive(Debug, Default)]
pub(crate) struct TxUpdate<'a> {
    pub(crate) block: Option<u64>,
    pub(crate) replaced_by: Option<B256>,
    pub(crate) detail: Option<&'a str>,
}

pub(crate) fn set_tx_state(
    c: &Conn,
    hash: B256,
    state: TxState,
    update: &TxUpdate<'_>,
    at_ms: u64,
) -> Result<()> {
    run(
        || format!("marking tx {hash} {state}"),
        || {
            c.prepare_cached(
                "UPDATE relayer_txs SET state = ?2, block_number = COALESCE(?3, block_number), \
                 replaced_by = COALESCE(?4, replaced_by), detail = COALESCE(?5, detail), \
                 updated_at = ?6 WHERE hash = ?1",
            )?
            .execute(params![
                hash.as_slice(),
                state.as_str(),
                update.block,
                update.replaced_by.as_ref().map(B256::as_slice),
                update.detail,
                at_ms,
            ])?;
            Ok(())
        },
    )
}

pub(crate) fn tx_state(c: &Conn, hash: B256) -> Result<Option<TxState>> {
    run(
        || format!("reading the state of tx {hash}"),
        || {
            c.prepare_cached("SELECT state FROM relayer_txs WHERE hash = ?1")?
                .query_row(params![hash.as_slice()], |row| tx_state_col(row, 0))
                .optional()
        },
    )
}

/// The other transactions at the same (chain, sender, nonce) as `hash`.
pub(crate) fn siblings(c: &Conn, hash: B256) -> Result<Vec<(B256, TxState)>> {
    run(
        || format!("reading the txs sharing the nonce of tx {hash}"),
        || {
            c.prepare_cached(
                "SELECT o.hash, o.state FROM relayer_txs t JOIN relayer_txs o \
                 ON o.chain = t.chain AND o.sender = t.sender AND o.nonce = t.nonce \
                 AND o.hash != t.hash WHERE t.hash = ?1 ORDER BY o.sent_at",
            )?
            .query_map(params![hash.as_slice()], |row| {
                Ok((b256(row, 0)?, tx_state_col(row, 1)?))
            })?
            .collect()
        },
    )
}

/// The columns [`tx_row`] reads, in its order.
macro_rules! tx_columns {
    () => {
        "hash, chain, sender, nonce, state, max_fee_per_gas, max_priority_fee_per_gas, \
         gas_limit, raw, sent_at, replaces, replaced_by, block_number, detail, updated_at"
    };
}

/// A transaction row; its message ids are read separately.
fn tx_row(row: &Row<'_>) -> rusqlite::Result<TxRecord> {
    Ok(TxRecord {
        hash: b256(row, 0)?,
        chain: row.get(1)?,
        sender: address(row, 2)?,
        nonce: row.get(3)?,
        state: tx_state_col(row, 4)?,
        fees: TxFees {
            max_fee_per_gas: wei(row, 5)?,
            max_priority_fee_per_gas: wei(row, 6)?,
            gas_limit: row.get(7)?,
        },
        raw: row.get(8)?,
        sent_at_ms: row.get(9)?,
        replaces: opt_b256(row, 10)?,
        replaced_by: opt_b256(row, 11)?,
        block: row.get(12)?,
        detail: row.get(13)?,
        updated_at_ms: row.get(14)?,
        message_ids: Vec::new(),
    })
}

fn with_message_ids(c: &Conn, mut tx: TxRecord) -> rusqlite::Result<TxRecord> {
    tx.message_ids = ids(
        c,
        "SELECT message_id FROM relayer_tx_messages WHERE tx_hash = ?1 ORDER BY position",
        params![tx.hash.as_slice()],
    )?;
    Ok(tx)
}

pub(crate) fn tx(c: &Conn, hash: B256) -> Result<Option<TxRecord>> {
    run(
        || format!("reading tx {hash}"),
        || {
            c.prepare_cached(concat!(
                "SELECT ",
                tx_columns!(),
                " FROM relayer_txs WHERE hash = ?1"
            ))?
            .query_row(params![hash.as_slice()], tx_row)
            .optional()?
            .map(|tx| with_message_ids(c, tx))
            .transpose()
        },
    )
}

pub(crate) fn pending_txs(c: &Conn, chain: u64, sender: Address) -> Result<Vec<TxRecord>> {
    run(
        || format!("reading the pending txs of {sender} on chain {chain}"),
        || {
            let txs = c
                .prepare_cached(concat!(
                    "SELECT ",
                    tx_columns!(),
                    " FROM relayer_txs WHERE chain = ?1 AND sender = ?2 AND state = 'pending' \
                     ORDER BY nonce, sent_at"
                ))?
                .query_map(params![chain, sender.as_slice()], tx_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            txs.into_iter().map(|tx| with_message_ids(c, tx)).collect()
        },
    )
}

// ---- validator ----

fn signed_row(row: &Row<'_>) -> rusqlite::Result<SignedIndex> {
    Ok(SignedIndex {
        index: row.get(0)?,
        root: b256(row, 1)?,
        message_id: b256(row, 2)?,
        signed_at_ms: row.get(3)?,
    })
}

pub(crate) fn signed_at(
    c: &Conn,
    origin: u64,
    mailbox: B256,
    index: u32,
) -> Result<Option<SignedIndex>> {
    run(
        || format!("reading what was signed for origin {origin} mailbox {mailbox} index {index}"),
        || {
            c.prepare_cached(
                "SELECT idx, root, message_id, signed_at FROM signed_checkpoints \
                 WHERE origin = ?1 AND mailbox = ?2 AND idx = ?3",
            )?
            .query_row(params![origin, mailbox.as_slice(), index], signed_row)
            .optional()
        },
    )
}

pub(crate) fn highest_signed(c: &Conn, origin: u64, mailbox: B256) -> Result<Option<SignedIndex>> {
    run(
        || format!("reading the highest index signed for origin {origin} mailbox {mailbox}"),
        || {
            c.prepare_cached(
                "SELECT idx, root, message_id, signed_at FROM signed_checkpoints \
                 WHERE origin = ?1 AND mailbox = ?2 ORDER BY idx DESC LIMIT 1",
            )?
            .query_row(params![origin, mailbox.as_slice()], signed_row)
            .optional()
        },
    )
}

pub(crate) fn insert_signed(c: &Conn, checkpoint: &Checkpoint, at_ms: u64) -> Result<()> {
    let Checkpoint {
        origin,
        origin_mailbox,
        root,
        index,
        message_id,
    } = checkpoint;
    run(
        || {
            format!(
                "recording the signature of origin {origin} mailbox {origin_mailbox} index {index}"
            )
        },
        || {
            c.prepare_cached(
                "INSERT INTO signed_checkpoints (origin, mailbox, idx, root, message_id, \
                 signed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                origin,
                origin_mailbox.as_slice(),
                index,
                root.as_slice(),
                message_id.as_slice(),
                at_ms
            ])?;
            Ok(())
        },
    )
}

pub(crate) fn halt(c: &Conn, origin: u64) -> Result<Option<Halt>> {
    run(
        || format!("reading whether signing for origin {origin} is halted"),
        || {
            c.prepare_cached("SELECT reason, since FROM signing_halts WHERE origin = ?1")?
                .query_row(params![origin], |row| {
                    Ok(Halt {
                        reason: row.get(0)?,
                        since_ms: row.get(1)?,
                    })
                })
                .optional()
        },
    )
}

/// Halts an origin; false (and the first reason kept) when it already was.
pub(crate) fn insert_halt(c: &Conn, origin: u64, reason: &str, at_ms: u64) -> Result<bool> {
    run(
        || format!("halting signing for origin {origin}"),
        || {
            let inserted = c
                .prepare_cached(
                    "INSERT INTO signing_halts (origin, reason, since) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (origin) DO NOTHING",
                )?
                .execute(params![origin, reason, at_ms])?;
            Ok(inserted == 1)
        },
    )
}

pub(crate) fn delete_halt(c: &Conn, origin: u64) -> Result<bool> {
    run(
        || format!("clearing the halt of origin {origin}"),
        || {
            let deleted = c
                .prepare_cached("DELETE FROM signing_halts WHERE origin = ?1")?
                .execute(params![origin])?;
            Ok(deleted == 1)
        },
    )
}

#[cfg(test)]
pub(crate) mod testing {
    //! Direct access for tests: set the schema version as a future build would.

    use super::*;

    pub(crate) fn set_user_version(path: &Path, version: u32) -> rusqlite::Result<()> {
        Connection::open(path)?.pragma_update(None, "user_version", version)
    }

    /// The query plan of the relayer's queue query as SQLite explains it, one step per line.
    pub(crate) fn due_query_plan(db: &Db) -> rusqlite::Result<String> {
        let conn = db.lock();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {DUE}"))?;
        // Unbound parameters are NULL: enough for the planner.
        let mut rows = stmt.raw_query();
        let mut lines = Vec::new();
        while let Some(row) = rows.next()? {
            lines.push(row.get::<_, String>(3)?);
        }
        Ok(lines.join("\n"))
    }
}

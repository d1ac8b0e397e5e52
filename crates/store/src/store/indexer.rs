//! Indexer cursors, recent block hashes and reorgs.
//!
//! An indexer records each range it scanned with [`Store::record_indexed`]: the dispatched
//! messages, the block hashes it saw and its new cursor, in one transaction, so a crash never
//! leaves messages without the cursor that covers them (or the reverse). Before scanning on, it
//! compares the hash at its cursor with the chain's; on a mismatch it walks down
//! [`Store::recent_blocks`] to the highest block the chain still agrees with and calls
//! [`Store::unwind`] there.
//!
//! Unwinding marks the messages dispatched above the fork `Reorged` instead of deleting them: the
//! id, the history and the reason stay visible to `courier status`, and if the same message is
//! dispatched again on the new chain (same nonce and content, hence same id) indexing it revives
//! the row as `Dispatched` with its new block. Messages already `Submitted` or `Delivered` are
//! left alone (the destination has acted on them) and reported for an alert.

use std::collections::BTreeMap;

use alloy_primitives::{B256, keccak256};

use super::{Store, entry};
use crate::{
    error::{Error, Result},
    sqlite::{self, Conn},
    types::{BlockNumHash, IndexOutcome, IndexedRange, MessageState, Unwound},
};

impl Store {
    /// Where indexer `indexer` of `chain` is: the last block it indexed.
    pub fn cursor(&self, chain: u64, indexer: &str) -> Result<Option<BlockNumHash>> {
        self.db().read(
            || format!("reading the cursor of indexer {indexer:?} of chain {chain}"),
            |c| sqlite::cursor(c, chain, indexer),
        )
    }

    /// The recorded hash of block `number` of `chain` (kept for the highest
    /// [`block_window`](crate::StoreConfig::block_window) blocks recorded).
    pub fn block_hash(&self, chain: u64, number: u64) -> Result<Option<B256>> {
        self.db().read(
            || format!("reading the hash of block {number} of chain {chain}"),
            |c| sqlite::block_hash(c, chain, number),
        )
    }

    /// Up to `limit` recorded blocks of `chain`, highest first: where to look for a reorg's fork.
    pub fn recent_blocks(&self, chain: u64, limit: usize) -> Result<Vec<BlockNumHash>> {
        self.db().read(
            || format!("reading the recent blocks of chain {chain}"),
            |c| sqlite::recent_blocks(c, chain, limit),
        )
    }

    /// Records one indexed range in one transaction: the dispatched messages (idempotent on id;
    /// a `Reorged` one dispatched again is revived), the block hashes (of `range.blocks`, of the
    /// dispatches' blocks and of `range.to`) and the cursor, moved to `range.to`. Keeps the
    /// highest `block_window` block hashes of the chain.
    ///
    /// Refused, with nothing written: a dispatch from another chain or above `range.to`; a block
    /// whose recorded hash differs ([`Error::BlockHashMismatch`]: unwind first); a cursor moving
    /// back ([`Error::CursorRegression`]).
    pub fn record_indexed(&self, range: &IndexedRange) -> Result<IndexOutcome> {
        let IndexedRange {
            chain,
            indexer,
            to,
            blocks: _,
            dispatches,
            at_ms,
        } = range;
        let (chain, to, at_ms) = (*chain, *to, *at_ms);
        let seen = seen_blocks(range)?;
        let window = self.config().block_window;
        self.db().write(
            || {
                format!(
                    "recording indexer {indexer:?} of chain {chain} up to block {}",
                    to.number
                )
            },
            |c| {
                if let Some(current) = sqlite::cursor(c, chain, indexer)? {
                    if current.number > to.number {
                        return Err(Error::CursorRegression {
                            chain,
                            indexer: indexer.clone(),
                            current: current.number,
                            attempted: to.number,
                        });
                    }
                    check_hash(chain, current, to)?;
                }
                for block in seen {
                    match sqlite::block_hash(c, chain, block.number)? {
                        Some(stored) => {
                            check_hash(chain, BlockNumHash::new(block.number, stored), block)?
                        }
                        None => sqlite::insert_block(c, chain, block)?,
                    }
                }
                let mut outcome = IndexOutcome::default();
                for d in dispatches {
                    let id = keccak256(d.message.encode());
                    let at = Some(d.block.number);
                    let tx = Some(d.tx_hash);
                    if sqlite::insert_message(c, id, d)? {
                        outcome.inserted += 1;
                        let detail = format!(
                            "dispatched to chain {} (nonce {}, log {})",
                            d.message.destination, d.message.nonce, d.log_index
                        );
                        let e = entry(MessageState::Dispatched, d.dispatched_at_ms, at, tx, detail);
                        sqlite::append_history(c, id, &e)?;
                    } else if sqlite::revive_message(c, id, d)? {
                        outcome.revived += 1;
                        let detail = format!(
                            "dispatched again in block {} {} after a reorg",
                            d.block.number, d.block.hash
                        );
                        let e = entry(MessageState::Dispatched, d.dispatched_at_ms, at, tx, detail);
                        sqlite::append_history(c, id, &e)?;
                    } else {
                        outcome.known += 1;
                    }
                }
                sqlite::set_cursor(c, chain, indexer, to, at_ms)?;
                sqlite::prune_blocks(c, chain, window)?;
                Ok(outcome)
            },
        )
    }

    /// Undoes everything recorded about `chain` above the fork block `fork` (the highest block
    /// the chain still agrees with), in one transaction: deletes the block hashes above it,
    /// moves every indexer cursor of the chain that is above it back to it, marks the messages
    /// dispatched above it `Reorged` (out of every queue), and notes in the history of those
    /// already `Submitted` or `Delivered` that their origin block is gone (they stay as they are,
    /// and are returned in [`Unwound::in_flight`]).
    ///
    /// Refused with [`Error::BlockHashMismatch`] when the store holds another hash for
    /// `fork.number` (the fork is lower).
    pub fn unwind(&self, chain: u64, fork: BlockNumHash, at_ms: u64) -> Result<Unwound> {
        self.db().write(
            || format!("unwinding chain {chain} to block {}", fork.number),
            |c| {
                if let Some(stored) = sqlite::block_hash(c, chain, fork.number)? {
                    check_hash(chain, BlockNumHash::new(fork.number, stored), fork)?;
                }
                let cursors = sqlite::cursors(c, chain)?;
                for (_, cursor) in &cursors {
                    check_hash(chain, *cursor, fork)?;
                }

                let blocks_removed = sqlite::delete_blocks_above(c, chain, fork.number)?;
                sqlite::insert_block(c, chain, fork)?;
                let mut cursors_moved = Vec::new();
                for (indexer, cursor) in cursors {
                    if cursor.number > fork.number {
                        sqlite::set_cursor(c, chain, &indexer, fork, at_ms)?;
                        cursors_moved.push(indexer);
                    }
                }
                let (reorged, in_flight) = reorg_messages(c, chain, fork, at_ms)?;
                Ok(Unwound {
                    blocks_removed,
                    cursors_moved,
                    reorged,
                    in_flight,
                })
            },
        )
    }
}

/// The blocks a range names, one per number; refuses two hashes for one number and anything above
/// the range's end.
fn seen_blocks(range: &IndexedRange) -> Result<Vec<BlockNumHash>> {
    let chain = range.chain;
    for d in &range.dispatches {
        if d.message.origin != chain {
            return Err(Error::InvalidInput {
                what: format!(
                    "message {} comes from chain {}, not from chain {chain} indexed by {:?}",
                    d.message.id(),
                    d.message.origin,
                    range.indexer
                ),
            });
        }
        if d.block.number > range.to.number {
            return Err(Error::InvalidInput {
                what: format!(
                    "message {} of chain {chain} is in block {}, above the end {} of the range",
                    d.message.id(),
                    d.block.number,
                    range.to.number
                ),
            });
        }
    }
    let mut seen = BTreeMap::new();
    let dispatch_blocks = range.dispatches.iter().map(|d| d.block);
    for block in range
        .blocks
        .iter()
        .copied()
        .chain(dispatch_blocks)
        .chain([range.to])
    {
        if block.number > range.to.number {
            return Err(Error::InvalidInput {
                what: format!(
                    "block {} of chain {chain} is above the end {} of the indexed range",
                    block.number, range.to.number
                ),
            });
        }
        if let Some(stored) = seen.insert(block.number, block.hash) {
            check_hash(chain, BlockNumHash::new(block.number, stored), block)?;
        }
    }
    Ok(seen
        .into_iter()
        .map(|(number, hash)| BlockNumHash::new(number, hash))
        .collect())
}

/// Refuses `given` when `known` is the same block number with another hash.
fn check_hash(chain: u64, known: BlockNumHash, given: BlockNumHash) -> Result<()> {
    if known.number == given.number && known.hash != given.hash {
        return Err(Error::BlockHashMismatch {
            chain,
            number: given.number,
            stored: known.hash,
            given: given.hash,
        });
    }
    Ok(())
}

/// Marks the messages of `chain` above `fork` reorged and notes the in-flight ones.
fn reorg_messages(
    c: &Conn,
    chain: u64,
    fork: BlockNumHash,
    at_ms: u64,
) -> Result<(Vec<B256>, Vec<B256>)> {
    let block = Some(fork.number);
    let reorged = sqlite::reorg_above(c, chain, fork.number, at_ms)?;
    for &id in &reorged {
        let detail = format!(
            "its block was reorganised away (chain {chain} forked above block {})",
            fork.number
        );
        sqlite::append_history(
            c,
            id,
            &entry(MessageState::Reorged, at_ms, block, None, detail),
        )?;
    }
    let mut in_flight = Vec::new();
    for (id, state) in sqlite::in_flight_above(c, chain, fork.number)? {
        let detail = format!(
            "its origin block was reorganised away after it was {state} (chain {chain} forked \
             above block {}): it was relayed before its block was final",
            fork.number
        );
        sqlite::append_history(c, id, &entry(state, at_ms, block, None, detail))?;
        in_flight.push(id);
    }
    Ok((reorged, in_flight))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{
        store::tests::{block, dispatch, hash, index, store},
        types::{Dispatch, Inclusion},
    };

    fn range(chain: u64, to: u64, dispatches: Vec<Dispatch>) -> IndexedRange {
        IndexedRange {
            chain,
            indexer: "relayer".to_owned(),
            to: block(chain, to),
            blocks: Vec::new(),
            dispatches,
            at_ms: to * 1000,
        }
    }

    #[test]
    fn record_indexed_stores_messages_blocks_and_cursor() {
        let (_dir, store) = store();
        assert_eq!(store.cursor(1, "relayer").unwrap(), None);
        let d = dispatch(1, 2, 0, 5);
        let id = d.message.id();
        let mut r = range(1, 10, vec![d.clone()]);
        r.blocks = vec![block(1, 7)];
        let outcome = store.record_indexed(&r).unwrap();
        assert_eq!(
            outcome,
            IndexOutcome {
                inserted: 1,
                revived: 0,
                known: 0
            }
        );

        assert_eq!(store.cursor(1, "relayer").unwrap(), Some(block(1, 10)));
        assert_eq!(store.cursor(1, "other").unwrap(), None);
        assert_eq!(store.cursor(3, "relayer").unwrap(), None);
        for n in [5, 7, 10] {
            assert_eq!(
                store.block_hash(1, n).unwrap(),
                Some(block(1, n).hash),
                "block {n}"
            );
        }
        assert_eq!(store.block_hash(1, 6).unwrap(), None);
        assert_eq!(
            store.recent_blocks(1, 2).unwrap(),
            vec![block(1, 10), block(1, 7)]
        );

        let story = store.story(id).unwrap().unwrap();
        let record = story.record;
        assert_eq!(record.message, d.message);
        assert_eq!(record.state, MessageState::Dispatched);
        assert_eq!(record.dispatch_block, block(1, 5));
        assert_eq!(record.dispatch_tx, d.tx_hash);
        assert_eq!(record.log_index, 0);
        assert_eq!(record.dispatched_at_ms, 5000);
        assert_eq!(story.history.len(), 1);
        assert_eq!(story.history[0].state, MessageState::Dispatched);
        assert_eq!(story.history[0].block, Some(5));
        assert_eq!(story.history[0].tx, Some(d.tx_hash));
        assert_eq!(story.history[0].at_ms, 5000);
    }

    #[test]
    fn record_indexed_is_idempotent_on_message_id() {
        let (_dir, store) = store();
        let d = dispatch(1, 2, 0, 5);
        index(&store, 1, 10, vec![d.clone()]);
        let outcome = store
            .record_indexed(&range(1, 12, vec![d.clone()]))
            .unwrap();
        assert_eq!(
            outcome,
            IndexOutcome {
                inserted: 0,
                revived: 0,
                known: 1
            }
        );
        assert_eq!(store.history(d.message.id()).unwrap().len(), 1);
        assert_eq!(store.cursor(1, "relayer").unwrap(), Some(block(1, 12)));
    }

    #[test]
    fn record_indexed_refuses_a_cursor_moving_back() {
        let (_dir, store) = store();
        index(&store, 1, 10, vec![]);
        let err = store.record_indexed(&range(1, 9, vec![])).unwrap_err();
        assert!(
            matches!(
                err,
                Error::CursorRegression {
                    chain: 1,
                    current: 10,
                    attempted: 9,
                    ..
                }
            ),
            "{err:?}"
        );
        // Same block again is fine; the same number with another hash is a reorg.
        index(&store, 1, 10, vec![]);
        let mut r = range(1, 10, vec![]);
        r.to.hash = hash(1, 10, 1);
        let err = store.record_indexed(&r).unwrap_err();
        assert!(
            matches!(
                err,
                Error::BlockHashMismatch {
                    chain: 1,
                    number: 10,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn record_indexed_refuses_a_conflicting_block_hash_and_writes_nothing() {
        let (_dir, store) = store();
        index(&store, 1, 10, vec![dispatch(1, 2, 0, 5)]);
        // Block 5 on another fork, as a reorg the indexer has not unwound would give it.
        let mut d = dispatch(1, 2, 1, 11);
        d.block = BlockNumHash::new(5, hash(1, 5, 1));
        let err = store
            .record_indexed(&range(1, 12, vec![d.clone()]))
            .unwrap_err();
        let Error::BlockHashMismatch {
            chain: 1,
            number: 5,
            stored,
            given,
        } = err
        else {
            panic!("{err:?}");
        };
        assert_eq!((stored, given), (block(1, 5).hash, hash(1, 5, 1)));
        assert_eq!(store.message(d.message.id()).unwrap(), None);
        assert_eq!(store.cursor(1, "relayer").unwrap(), Some(block(1, 10)));
    }

    #[test]
    fn record_indexed_refuses_inconsistent_input() {
        let (_dir, store) = store();
        // A message of another origin.
        let err = store
            .record_indexed(&range(1, 10, vec![dispatch(3, 2, 0, 5)]))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
        // A message above the range.
        let err = store
            .record_indexed(&range(1, 10, vec![dispatch(1, 2, 0, 11)]))
            .unwrap_err();
        assert!(err.to_string().contains("above the end 10"), "{err}");
        // Two hashes for one block within the range.
        let mut r = range(1, 10, vec![dispatch(1, 2, 0, 5)]);
        r.blocks = vec![BlockNumHash::new(5, hash(1, 5, 1))];
        let err = store.record_indexed(&r).unwrap_err();
        assert!(
            matches!(err, Error::BlockHashMismatch { number: 5, .. }),
            "{err:?}"
        );
        assert_eq!(store.cursor(1, "relayer").unwrap(), None);
    }

    #[test]
    fn block_hashes_are_pruned_to_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::StoreConfig {
            block_window: 3,
            ..Default::default()
        };
        let store = Store::open_with(dir.path().join("courier.db"), config).unwrap();
        for to in 1..=6 {
            index(&store, 1, to, vec![]);
        }
        index(&store, 2, 1, vec![]);
        let numbers: Vec<u64> = store
            .recent_blocks(1, 10)
            .unwrap()
            .iter()
            .map(|b| b.number)
            .collect();
        assert_eq!(numbers, [6, 5, 4]);
        assert_eq!(store.block_hash(1, 3).unwrap(), None);
        // Another chain's blocks are its own.
        assert_eq!(store.recent_blocks(2, 10).unwrap(), vec![block(2, 1)]);
    }

    #[test]
    fn unwind_removes_exactly_what_is_above_the_fork() {
        let (_dir, store) = store();
        let below = dispatch(1, 2, 0, 5);
        let at_fork = dispatch(1, 2, 1, 6);
        let above = dispatch(1, 2, 2, 7);
        let above_finalized = dispatch(1, 2, 3, 8);
        let submitted = dispatch(1, 2, 4, 8);
        let delivered = dispatch(1, 2, 5, 9);
        let mut r = range(
            1,
            10,
            vec![
                below.clone(),
                at_fork.clone(),
                above.clone(),
                above_finalized.clone(),
                submitted.clone(),
                delivered.clone(),
            ],
        );
        r.blocks = (1..=10).map(|n| block(1, n)).collect();
        store.record_indexed(&r).unwrap();
        let mut other = range(1, 8, vec![]);
        other.indexer = "behind".to_owned();
        store.record_indexed(&other).unwrap();
        let mut low = range(1, 4, vec![]);
        low.indexer = "low".to_owned();
        store.record_indexed(&low).unwrap();
        index(&store, 3, 9, vec![dispatch(3, 2, 0, 9)]);

        store.mark_finalized(1, 8, 20_000).unwrap();
        let sub_id = submitted.message.id();
        let del_id = delivered.message.id();
        store.mark_finalized(1, 9, 20_000).unwrap();
        store
            .record_tx(&crate::store::relayer::tests::new_tx(0, vec![sub_id]))
            .unwrap();
        let landed = Inclusion {
            tx: hash(2, 1, 0),
            block: 1,
            at_ms: 21_000,
        };
        store.mark_delivered(del_id, &landed).unwrap();

        let unwound = store.unwind(1, block(1, 6), 30_000).unwrap();
        assert_eq!(unwound.blocks_removed, 4);
        assert_eq!(unwound.cursors_moved, ["behind", "relayer"]);
        assert_eq!(
            unwound.reorged,
            vec![above.message.id(), above_finalized.message.id()]
        );
        assert_eq!(unwound.in_flight, vec![sub_id, del_id]);

        // Blocks: kept up to the fork, gone above it, other chains untouched.
        assert_eq!(store.block_hash(1, 6).unwrap(), Some(block(1, 6).hash));
        assert_eq!(store.block_hash(1, 7).unwrap(), None);
        assert_eq!(store.recent_blocks(1, 1).unwrap(), vec![block(1, 6)]);
        assert_eq!(store.block_hash(3, 9).unwrap(), Some(block(3, 9).hash));
        // Cursors: above the fork moved to it, below it untouched.
        assert_eq!(store.cursor(1, "relayer").unwrap(), Some(block(1, 6)));
        assert_eq!(store.cursor(1, "behind").unwrap(), Some(block(1, 6)));
        assert_eq!(store.cursor(1, "low").unwrap(), Some(block(1, 4)));
        assert_eq!(store.cursor(3, "relayer").unwrap(), Some(block(3, 9)));
        // Messages.
        let state = |d: &Dispatch| store.message(d.message.id()).unwrap().unwrap().state;
        assert_eq!(state(&below), MessageState::Finalized);
        assert_eq!(state(&at_fork), MessageState::Finalized);
        assert_eq!(state(&above), MessageState::Reorged);
        assert_eq!(state(&above_finalized), MessageState::Reorged);
        assert_eq!(state(&submitted), MessageState::Submitted);
        assert_eq!(state(&delivered), MessageState::Delivered);
        let last = store.history(sub_id).unwrap().pop().unwrap();
        assert_eq!(last.state, MessageState::Submitted);
        assert!(last.detail.contains("reorganised away"), "{}", last.detail);
        let last = store.history(above.message.id()).unwrap().pop().unwrap();
        assert_eq!(
            (last.state, last.at_ms, last.block),
            (MessageState::Reorged, 30_000, Some(6))
        );
        // Reorged messages are out of the queue.
        let due: Vec<B256> = store
            .due(2, u64::MAX, 10)
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(due, vec![below.message.id(), at_fork.message.id()]);
    }

    #[test]
    fn unwind_refuses_a_fork_the_store_disagrees_with() {
        let (_dir, store) = store();
        index(&store, 1, 10, vec![dispatch(1, 2, 0, 7)]);
        let err = store
            .unwind(1, BlockNumHash::new(7, hash(1, 7, 1)), 1)
            .unwrap_err();
        assert!(
            matches!(err, Error::BlockHashMismatch { number: 7, .. }),
            "{err:?}"
        );
        let err = store
            .unwind(1, BlockNumHash::new(10, hash(1, 10, 1)), 1)
            .unwrap_err();
        assert!(
            matches!(err, Error::BlockHashMismatch { number: 10, .. }),
            "{err:?}"
        );
        assert_eq!(store.cursor(1, "relayer").unwrap(), Some(block(1, 10)));
    }

    #[test]
    fn a_reorged_message_dispatched_again_is_revived() {
        let (_dir, store) = store();
        let d = dispatch(1, 2, 0, 8);
        let id = d.message.id();
        index(&store, 1, 10, vec![d.clone()]);
        store.unwind(1, block(1, 6), 11_000).unwrap();

        // The new chain: blocks 7.. on fork 1, the same message re-included in block 9.
        let mut again = d.clone();
        again.block = BlockNumHash::new(9, hash(1, 9, 1));
        again.tx_hash = hash(1, 9, 0xbb);
        let mut r = range(1, 10, vec![again.clone()]);
        r.to = BlockNumHash::new(10, hash(1, 10, 1));
        let outcome = store.record_indexed(&r).unwrap();
        assert_eq!(
            outcome,
            IndexOutcome {
                inserted: 0,
                revived: 1,
                known: 0
            }
        );

        let story = store.story(id).unwrap().unwrap();
        assert_eq!(story.record.state, MessageState::Dispatched);
        assert_eq!(story.record.dispatch_block, again.block);
        assert_eq!(story.record.dispatch_tx, again.tx_hash);
        let states: Vec<_> = story.history.iter().map(|h| h.state).collect();
        assert_eq!(
            states,
            [
                MessageState::Dispatched,
                MessageState::Reorged,
                MessageState::Dispatched
            ]
        );
        assert_eq!(store.block_hash(1, 9).unwrap(), Some(again.block.hash));
    }
}

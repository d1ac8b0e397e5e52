//! Relayer transactions and nonces, kept so that a crash loses nothing and submits nothing twice.
//!
//! The relayer signs a delivery transaction, records it with [`Store::record_tx`] (the
//! transaction, its nonce, and its messages moved to `Submitted`, in one transaction) and only
//! then broadcasts it: state is written before the side effect it records. After a crash it reads
//! [`Store::pending_txs`] and, for each, finds whether it landed ([`Store::confirm_tx`]), is still
//! in the mempool (rebroadcast [`TxRecord::raw`](crate::TxRecord::raw)), or is gone
//! ([`Store::drop_tx`], which puts its messages back in the queue). A stuck transaction is replaced
//! with [`Store::replace_tx`]: same nonce, higher fees, the old one kept as `Replaced`.
//!
//! Nonces: [`Store::record_tx`] raises the account's next nonce past the one used. At start, and
//! after a dropped transaction leaves a gap, the relayer reconciles with the chain through
//! [`Store::set_next_nonce`].

use alloy_primitives::{Address, B256};

use super::{
    Store, entry,
    messages::{deliver, fail},
};
use crate::{
    error::{Error, Result},
    sqlite::{self, Conn, TxUpdate},
    types::{DeliveryOutcome, Inclusion, MessageState, NewTx, Replacement, TxRecord, TxState},
};

impl Store {
    /// The next nonce `sender` should use on `chain` (`None` until one is set or used).
    pub fn next_nonce(&self, chain: u64, sender: Address) -> Result<Option<u64>> {
        self.db().read(
            || format!("reading the next nonce of {sender} on chain {chain}"),
            |c| sqlite::next_nonce(c, chain, sender),
        )
    }

    /// Sets the next nonce of `sender` on `chain`, up or down: for reconciling with the chain's
    /// pending nonce at start or after a dropped transaction.
    pub fn set_next_nonce(&self, chain: u64, sender: Address, nonce: u64) -> Result<()> {
        self.db().write(
            || format!("setting the next nonce of {sender} on chain {chain} to {nonce}"),
            |c| sqlite::set_next_nonce(c, chain, sender, nonce, false),
        )
    }

    /// Records a signed transaction before it is broadcast, in one transaction: the transaction
    /// (`Pending`), its messages `Submitted` in it, and the account's next nonce raised past
    /// `tx.nonce`.
    ///
    /// Refused, with nothing written: a hash already recorded ([`Error::TxExists`]); a nonce a
    /// pending transaction holds ([`Error::NonceInUse`]; use [`Store::replace_tx`]); a message
    /// that is unknown, goes to another chain, or is not queued (e.g. already `Submitted`).
    pub fn record_tx(&self, tx: &NewTx) -> Result<()> {
        self.db().write(
            || {
                format!(
                    "recording tx {} (nonce {} on chain {})",
                    tx.hash, tx.nonce, tx.chain
                )
            },
            |c| {
                if sqlite::tx_state(c, tx.hash)?.is_some() {
                    return Err(Error::TxExists { hash: tx.hash });
                }
                if let Some(pending) = sqlite::pending_at_nonce(c, tx.chain, tx.sender, tx.nonce)? {
                    return Err(Error::NonceInUse {
                        chain: tx.chain,
                        sender: tx.sender,
                        nonce: tx.nonce,
                        pending,
                    });
                }
                for &id in &tx.message_ids {
                    submit(c, id, tx)?;
                }
                sqlite::insert_tx(c, tx, None)?;
                let next = tx.nonce.saturating_add(1);
                sqlite::set_next_nonce(c, tx.chain, tx.sender, next, true)
            },
        )
    }

    /// Records `new`, replacing the pending transaction `old` (same nonce, same messages, higher
    /// fees), before it is broadcast: `old` becomes `Replaced` and its messages are now
    /// `Submitted` in `new`.
    pub fn replace_tx(&self, old: B256, new: &Replacement) -> Result<()> {
        self.db().write(
            || format!("replacing tx {old} with tx {}", new.hash),
            |c| {
                let prev = sqlite::tx(c, old)?.ok_or(Error::TxNotFound { hash: old })?;
                if prev.state != TxState::Pending {
                    return Err(Error::InvalidTxTransition {
                        hash: old,
                        from: prev.state,
                        to: TxState::Replaced,
                    });
                }
                if sqlite::tx_state(c, new.hash)?.is_some() {
                    return Err(Error::TxExists { hash: new.hash });
                }
                let at_ms = new.sent_at_ms;
                let update = TxUpdate {
                    replaced_by: Some(new.hash),
                    ..TxUpdate::default()
                };
                sqlite::set_tx_state(c, old, TxState::Replaced, &update, at_ms)?;
                let replacement = NewTx {
                    chain: prev.chain,
                    sender: prev.sender,
                    nonce: prev.nonce,
                    hash: new.hash,
                    message_ids: prev.message_ids,
                    fees: new.fees,
                    raw: new.raw.clone(),
                    sent_at_ms: at_ms,
                };
                sqlite::insert_tx(c, &replacement, Some(old))?;
                let detail = format!(
                    "tx {old} replaced by tx {} (nonce {}, max fee {} wei)",
                    new.hash, prev.nonce, new.fees.max_fee_per_gas
                );
                carry(c, old, new.hash, at_ms, &detail)
            },
        )
    }

    /// Records that the transaction `landed.tx` landed, and what it did to each message, in one
    /// transaction: the transaction becomes `Confirmed`; other pending transactions at its nonce
    /// become `Dropped` (their messages are now carried by the one that landed); each outcome
    /// marks its message `Delivered` or `Failed`; and any message still `Submitted` in it (the
    /// whole transaction reverted, or a message had no event) goes back to the queue, due at once,
    /// so it is looked at again rather than lost. Returns the ids put back in the queue.
    ///
    /// Confirming an already confirmed transaction changes nothing (a replay after a crash).
    pub fn confirm_tx(
        &self,
        landed: &Inclusion,
        outcomes: &[DeliveryOutcome],
    ) -> Result<Vec<B256>> {
        let hash = landed.tx;
        self.db().write(
            || format!("confirming tx {hash} in block {}", landed.block),
            |c| {
                match sqlite::tx_state(c, hash)? {
                    None => return Err(Error::TxNotFound { hash }),
                    Some(TxState::Confirmed) => return Ok(Vec::new()),
                    Some(_) => {}
                }
                let at_ms = landed.at_ms;
                let update = TxUpdate {
                    block: Some(landed.block),
                    ..TxUpdate::default()
                };
                sqlite::set_tx_state(c, hash, TxState::Confirmed, &update, at_ms)?;
                for (sibling, state) in sqlite::siblings(c, hash)? {
                    if state == TxState::Pending {
                        let detail = format!("its nonce was taken by tx {hash}");
                        let update = TxUpdate {
                            detail: Some(&detail),
                            ..TxUpdate::default()
                        };
                        sqlite::set_tx_state(c, sibling, TxState::Dropped, &update, at_ms)?;
                    }
                    let detail = format!("tx {hash} landed instead of tx {sibling}");
                    carry(c, sibling, hash, at_ms, &detail)?;
                }
                for outcome in outcomes {
                    match outcome {
                        DeliveryOutcome::Delivered { id } => {
                            deliver(c, *id, landed)?;
                        }
                        DeliveryOutcome::Failed {
                            id,
                            reason,
                            retry_at_ms,
                        } => match fail(c, *id, reason, *retry_at_ms, at_ms, Some(landed)) {
                            // Delivered by another transaction meanwhile: that delivery stands,
                            // and refusing the whole receipt would leave the relayer stuck on it.
                            Err(Error::InvalidTransition {
                                from: MessageState::Delivered,
                                ..
                            }) => {}
                            other => other?,
                        },
                    }
                }
                let reason = format!(
                    "tx {hash} landed in block {} without delivering it",
                    landed.block
                );
                requeue(c, hash, &reason, at_ms, Some(landed.block))
            },
        )
    }

    /// Records that the transaction `hash` will not land (the node forgot it, or its block was
    /// reorganised away): it becomes `Dropped` and the messages still `Submitted` in it go back
    /// to `Finalized`, due at once, one attempt more. Returns their ids. Dropping a dropped
    /// transaction changes nothing. The relayer reconciles its nonce afterwards.
    pub fn drop_tx(&self, hash: B256, reason: &str, at_ms: u64) -> Result<Vec<B256>> {
        self.db().write(
            || format!("dropping tx {hash}"),
            |c| {
                match sqlite::tx_state(c, hash)? {
                    None => return Err(Error::TxNotFound { hash }),
                    Some(TxState::Dropped) => return Ok(Vec::new()),
                    Some(_) => {}
                }
                let update = TxUpdate {
                    detail: Some(reason),
                    ..TxUpdate::default()
                };
                sqlite::set_tx_state(c, hash, TxState::Dropped, &update, at_ms)?;
                requeue(
                    c,
                    hash,
                    &format!("tx {hash} dropped: {reason}"),
                    at_ms,
                    None,
                )
            },
        )
    }

    /// The transaction with this hash.
    pub fn tx(&self, hash: B256) -> Result<Option<TxRecord>> {
        self.db()
            .read(|| format!("reading tx {hash}"), |c| sqlite::tx(c, hash))
    }

    /// The pending transactions of `sender` on `chain`, by nonce: what to reconcile after a
    /// restart.
    pub fn pending_txs(&self, chain: u64, sender: Address) -> Result<Vec<TxRecord>> {
        self.db().read(
            || format!("reading the pending txs of {sender} on chain {chain}"),
            |c| sqlite::pending_txs(c, chain, sender),
        )
    }
}

/// Moves one queued message of `tx` to `Submitted`.
fn submit(c: &Conn, id: B256, tx: &NewTx) -> Result<()> {
    let Some((state, destination)) = sqlite::message_state(c, id)? else {
        return Err(Error::MessageNotFound { id });
    };
    if destination != tx.chain {
        return Err(Error::WrongDestination {
            id,
            destination,
            chain: tx.chain,
        });
    }
    if !sqlite::set_submitted(c, id, tx.hash, tx.sent_at_ms)? {
        return Err(Error::InvalidTransition {
            id,
            from: state,
            to: MessageState::Submitted,
        });
    }
    let detail = format!(
        "submitted in tx {} (nonce {} on chain {})",
        tx.hash, tx.nonce, tx.chain
    );
    let e = entry(
        MessageState::Submitted,
        tx.sent_at_ms,
        None,
        Some(tx.hash),
        detail,
    );
    sqlite::append_history(c, id, &e)
}

/// The messages `Submitted` in `from` are now carried by `to`; noted in their history.
fn carry(c: &Conn, from: B256, to: B256, at_ms: u64, detail: &str) -> Result<()> {
    for id in sqlite::move_submitted(c, from, to, at_ms)? {
        let e = entry(
            MessageState::Submitted,
            at_ms,
            None,
            Some(to),
            detail.to_owned(),
        );
        sqlite::append_history(c, id, &e)?;
    }
    Ok(())
}

/// The messages still `Submitted` in `tx` go back to the queue.
fn requeue(c: &Conn, tx: B256, reason: &str, at_ms: u64, block: Option<u64>) -> Result<Vec<B256>> {
    let ids = sqlite::requeue_submitted(c, tx, reason, at_ms)?;
    for &id in &ids {
        let e = entry(
            MessageState::Finalized,
            at_ms,
            block,
            Some(tx),
            reason.to_owned(),
        );
        sqlite::append_history(c, id, &e)?;
    }
    Ok(ids)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use alloy_primitives::address;

    use super::*;
    use crate::{
        store::tests::{dispatch, hash, index, queued, store},
        types::TxFees,
    };

    pub(crate) const RELAYER: Address = address!("0x3333333333333333333333333333333333333333");

    /// A transaction to chain 2 at `nonce` carrying `ids`.
    pub(crate) fn new_tx(nonce: u64, ids: Vec<B256>) -> NewTx {
        NewTx {
            chain: 2,
            sender: RELAYER,
            nonce,
            hash: hash(2, nonce, 0x70),
            message_ids: ids,
            fees: TxFees {
                max_fee_per_gas: 30_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                gas_limit: 500_000,
            },
            raw: vec![0x02, nonce as u8],
            sent_at_ms: 100_000 + nonce,
        }
    }

    fn replacement(of: &NewTx) -> Replacement {
        Replacement {
            hash: hash(2, of.nonce, 0x71),
            fees: TxFees {
                max_fee_per_gas: u128::MAX,
                ..of.fees
            },
            raw: vec![0x02, 0xff],
            sent_at_ms: of.sent_at_ms + 60_000,
        }
    }

    fn state(store: &Store, id: B256) -> MessageState {
        store.message(id).unwrap().unwrap().state
    }

    #[test]
    fn record_tx_submits_messages_and_advances_the_nonce() {
        let (_dir, store) = store();
        let a = queued(&store, 0);
        let b = queued(&store, 1);
        assert_eq!(store.next_nonce(2, RELAYER).unwrap(), None);
        let tx = new_tx(7, vec![a, b]);
        store.record_tx(&tx).unwrap();

        assert_eq!(store.next_nonce(2, RELAYER).unwrap(), Some(8));
        assert_eq!(store.next_nonce(3, RELAYER).unwrap(), None);
        let record = store.tx(tx.hash).unwrap().unwrap();
        assert_eq!(record.state, TxState::Pending);
        assert_eq!(record.message_ids, vec![a, b]);
        assert_eq!(record.fees, tx.fees);
        assert_eq!(record.raw, tx.raw);
        assert_eq!((record.nonce, record.chain, record.sender), (7, 2, RELAYER));
        for id in [a, b] {
            let m = store.message(id).unwrap().unwrap();
            assert_eq!(
                (m.state, m.submitted_tx),
                (MessageState::Submitted, Some(tx.hash))
            );
            let last = store.history(id).unwrap().pop().unwrap();
            assert_eq!((last.tx, last.at_ms), (Some(tx.hash), tx.sent_at_ms));
        }
        assert!(store.due(2, u64::MAX, 10).unwrap().is_empty());
        assert_eq!(store.pending_txs(2, RELAYER).unwrap(), vec![record]);

        // A lower nonce (filling a gap) does not lower the next nonce.
        store.record_tx(&new_tx(3, vec![])).unwrap();
        assert_eq!(store.next_nonce(2, RELAYER).unwrap(), Some(8));
        store.set_next_nonce(2, RELAYER, 4).unwrap();
        assert_eq!(store.next_nonce(2, RELAYER).unwrap(), Some(4));
    }

    #[test]
    fn record_tx_refuses_and_writes_nothing() {
        let (_dir, store) = store();
        let a = queued(&store, 0);
        let b = queued(&store, 1);
        store.record_tx(&new_tx(0, vec![a])).unwrap();

        // Same hash twice.
        let err = store.record_tx(&new_tx(0, vec![b])).unwrap_err();
        assert!(matches!(err, Error::TxExists { .. }), "{err:?}");
        // Another tx at a pending nonce.
        let mut other = new_tx(0, vec![b]);
        other.hash = hash(2, 0, 0x99);
        let err = store.record_tx(&other).unwrap_err();
        assert!(
            matches!(err, Error::NonceInUse { nonce: 0, pending, .. } if pending == new_tx(0, vec![]).hash),
            "{err:?}"
        );
        // A message already submitted: nothing of the tx is written, `b` stays queued.
        let err = store.record_tx(&new_tx(1, vec![b, a])).unwrap_err();
        assert!(
            matches!(err, Error::InvalidTransition { id, from: MessageState::Submitted, to: MessageState::Submitted } if id == a),
            "{err:?}"
        );
        assert_eq!(state(&store, b), MessageState::Finalized);
        assert_eq!(store.tx(new_tx(1, vec![]).hash).unwrap(), None);
        assert_eq!(store.next_nonce(2, RELAYER).unwrap(), Some(1));
        // A message to another chain, an unknown one, one not final yet.
        index(&store, 1, 30, vec![dispatch(1, 5, 9, 30)]);
        let elsewhere = dispatch(1, 5, 9, 30).message.id();
        let err = store.record_tx(&new_tx(1, vec![elsewhere])).unwrap_err();
        assert!(
            matches!(
                err,
                Error::WrongDestination {
                    destination: 5,
                    chain: 2,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = store
            .record_tx(&new_tx(1, vec![hash(7, 7, 7)]))
            .unwrap_err();
        assert!(matches!(err, Error::MessageNotFound { .. }), "{err:?}");
        index(&store, 1, 31, vec![dispatch(1, 2, 10, 31)]);
        let early = dispatch(1, 2, 10, 31).message.id();
        let err = store.record_tx(&new_tx(1, vec![early])).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidTransition {
                    from: MessageState::Dispatched,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn replace_tx_keeps_the_old_one_and_moves_the_messages() {
        let (_dir, store) = store();
        let a = queued(&store, 0);
        let tx = new_tx(4, vec![a]);
        store.record_tx(&tx).unwrap();
        let new = replacement(&tx);
        store.replace_tx(tx.hash, &new).unwrap();

        let old = store.tx(tx.hash).unwrap().unwrap();
        assert_eq!(
            (old.state, old.replaced_by),
            (TxState::Replaced, Some(new.hash))
        );
        let current = store.tx(new.hash).unwrap().unwrap();
        assert_eq!(current.state, TxState::Pending);
        assert_eq!((current.nonce, current.replaces), (4, Some(tx.hash)));
        assert_eq!(current.message_ids, vec![a]);
        assert_eq!(current.fees.max_fee_per_gas, u128::MAX);
        assert_eq!(store.pending_txs(2, RELAYER).unwrap(), vec![current]);
        let m = store.message(a).unwrap().unwrap();
        assert_eq!(
            (m.state, m.submitted_tx),
            (MessageState::Submitted, Some(new.hash))
        );
        assert!(
            store
                .history(a)
                .unwrap()
                .pop()
                .unwrap()
                .detail
                .contains("replaced by")
        );
        assert_eq!(store.next_nonce(2, RELAYER).unwrap(), Some(5));

        // Only a pending tx can be replaced, and only by a new hash.
        let err = store
            .replace_tx(tx.hash, &replacement(&new_tx(9, vec![])))
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidTxTransition {
                    from: TxState::Replaced,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = store.replace_tx(new.hash, &new).unwrap_err();
        assert!(matches!(err, Error::TxExists { .. }), "{err:?}");
        let err = store.replace_tx(hash(0, 0, 0), &new).unwrap_err();
        assert!(matches!(err, Error::TxNotFound { .. }), "{err:?}");
    }

    #[test]
    fn confirm_tx_applies_outcomes_and_requeues_the_rest() {
        let (_dir, store) = store();
        let (a, b, c) = (queued(&store, 0), queued(&store, 1), queued(&store, 2));
        let tx = new_tx(0, vec![a, b, c]);
        store.record_tx(&tx).unwrap();
        let landed = Inclusion {
            tx: tx.hash,
            block: 50,
            at_ms: 200_000,
        };
        let outcomes = [
            DeliveryOutcome::Delivered { id: a },
            DeliveryOutcome::Failed {
                id: b,
                reason: "Paused()".to_owned(),
                retry_at_ms: 260_000,
            },
        ];
        let requeued = store.confirm_tx(&landed, &outcomes).unwrap();
        assert_eq!(requeued, vec![c]);

        let record = store.tx(tx.hash).unwrap().unwrap();
        assert_eq!((record.state, record.block), (TxState::Confirmed, Some(50)));
        assert!(store.pending_txs(2, RELAYER).unwrap().is_empty());
        let ma = store.message(a).unwrap().unwrap();
        assert_eq!(
            (ma.state, ma.delivered, ma.submitted_tx),
            (MessageState::Delivered, Some(landed), None)
        );
        let mb = store.message(b).unwrap().unwrap();
        assert_eq!(
            (mb.state, mb.next_attempt_at_ms, mb.attempts),
            (MessageState::Failed, 260_000, 1)
        );
        let hb = store.history(b).unwrap().pop().unwrap();
        assert_eq!((hb.block, hb.tx), (Some(50), Some(tx.hash)));
        let mc = store.message(c).unwrap().unwrap();
        assert_eq!(
            (mc.state, mc.next_attempt_at_ms),
            (MessageState::Finalized, 200_000)
        );

        // A replay after a crash changes nothing.
        assert!(store.confirm_tx(&landed, &outcomes).unwrap().is_empty());
        assert_eq!(store.message(b).unwrap().unwrap().attempts, 1);
        let err = store
            .confirm_tx(
                &Inclusion {
                    tx: hash(0, 0, 0),
                    ..landed
                },
                &[],
            )
            .unwrap_err();
        assert!(matches!(err, Error::TxNotFound { .. }), "{err:?}");
    }

    #[test]
    fn a_failure_after_someone_else_delivered_keeps_the_delivery() {
        let (_dir, store) = store();
        let (a, b) = (queued(&store, 0), queued(&store, 1));
        let tx = new_tx(0, vec![a, b]);
        store.record_tx(&tx).unwrap();
        let elsewhere = Inclusion {
            tx: hash(2, 8, 0xee),
            block: 8,
            at_ms: 150_000,
        };
        store.mark_delivered(a, &elsewhere).unwrap();

        let landed = Inclusion {
            tx: tx.hash,
            block: 9,
            at_ms: 160_000,
        };
        let outcomes = [
            DeliveryOutcome::Failed {
                id: a,
                reason: "AlreadyDelivered".to_owned(),
                retry_at_ms: 1,
            },
            DeliveryOutcome::Failed {
                id: hash(7, 7, 7),
                reason: "x".to_owned(),
                retry_at_ms: 1,
            },
        ];
        // An outcome for an unknown message is a bug upstream: refused, nothing written.
        let err = store.confirm_tx(&landed, &outcomes).unwrap_err();
        assert!(matches!(err, Error::MessageNotFound { .. }), "{err:?}");
        assert_eq!(store.tx(tx.hash).unwrap().unwrap().state, TxState::Pending);

        assert_eq!(store.confirm_tx(&landed, &outcomes[..1]).unwrap(), vec![b]);
        let m = store.message(a).unwrap().unwrap();
        assert_eq!(
            (m.state, m.delivered),
            (MessageState::Delivered, Some(elsewhere))
        );
    }

    #[test]
    fn the_replaced_tx_landing_instead_drops_the_replacement() {
        let (_dir, store) = store();
        let a = queued(&store, 0);
        let tx = new_tx(0, vec![a]);
        store.record_tx(&tx).unwrap();
        let new = replacement(&tx);
        store.replace_tx(tx.hash, &new).unwrap();

        let landed = Inclusion {
            tx: tx.hash,
            block: 9,
            at_ms: 300_000,
        };
        let requeued = store
            .confirm_tx(&landed, &[DeliveryOutcome::Delivered { id: a }])
            .unwrap();
        assert!(requeued.is_empty());
        assert_eq!(
            store.tx(tx.hash).unwrap().unwrap().state,
            TxState::Confirmed
        );
        let dropped = store.tx(new.hash).unwrap().unwrap();
        assert_eq!(dropped.state, TxState::Dropped);
        assert!(dropped.detail.unwrap().contains("nonce was taken"));
        let m = store.message(a).unwrap().unwrap();
        assert_eq!(
            (m.state, m.delivered.map(|d| d.tx)),
            (MessageState::Delivered, Some(tx.hash))
        );
    }

    #[test]
    fn drop_tx_requeues_its_messages() {
        let (_dir, store) = store();
        let (a, b) = (queued(&store, 0), queued(&store, 1));
        let tx = new_tx(0, vec![a, b]);
        store.record_tx(&tx).unwrap();
        let requeued = store
            .drop_tx(tx.hash, "not in the mempool after 10 min", 400_000)
            .unwrap();
        assert_eq!(requeued, vec![a, b]);
        let record = store.tx(tx.hash).unwrap().unwrap();
        assert_eq!(record.state, TxState::Dropped);
        assert_eq!(
            record.detail.as_deref(),
            Some("not in the mempool after 10 min")
        );
        let m = store.message(a).unwrap().unwrap();
        assert_eq!(
            (m.state, m.submitted_tx, m.attempts),
            (MessageState::Finalized, None, 1)
        );
        let due: Vec<B256> = store
            .due(2, 400_000, 10)
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(due, vec![a, b]);
        let last = store.history(a).unwrap().pop().unwrap();
        assert_eq!(
            (last.state, last.tx),
            (MessageState::Finalized, Some(tx.hash))
        );
        // Again: nothing to do. The nonce is free for a new transaction.
        assert!(store.drop_tx(tx.hash, "again", 400_001).unwrap().is_empty());
        let mut again = new_tx(0, vec![a, b]);
        again.hash = hash(2, 0, 0x72);
        store.record_tx(&again).unwrap();
        assert_eq!(state(&store, a), MessageState::Submitted);
        let err = store.drop_tx(hash(0, 0, 0), "x", 1).unwrap_err();
        assert!(matches!(err, Error::TxNotFound { .. }), "{err:?}");
    }

    #[test]
    fn a_replaced_tx_dropped_later_leaves_the_replacement_alone() {
        let (_dir, store) = store();
        let a = queued(&store, 0);
        let tx = new_tx(0, vec![a]);
        store.record_tx(&tx).unwrap();
        let new = replacement(&tx);
        store.replace_tx(tx.hash, &new).unwrap();
        assert!(store.drop_tx(tx.hash, "evicted", 1).unwrap().is_empty());
        let m = store.message(a).unwrap().unwrap();
        assert_eq!(
            (m.state, m.submitted_tx),
            (MessageState::Submitted, Some(new.hash))
        );
    }
}

//! The message lifecycle: the relayer's queue, state changes and their history.
//!
//! `Dispatched` → `Finalized` → `Verifiable` → `Submitted` → `Delivered`, with `Failed` (the
//! recipient reverted; queued again at its retry time), `Expired` and `Reorged` (see `indexer`).
//! A message is *queued* (in [`Store::due`]) while `Finalized`, `Verifiable` or `Failed`; the
//! relayer then prepares it and either submits it ([`Store::record_tx`]) or schedules a retry.
//! Every change appends to the message's history with its time, so latency per stage can be
//! computed from the history alone.

use alloy_primitives::B256;

use super::{Store, entry, refused};
use crate::{
    error::{Error, Result},
    sqlite::{self, Conn},
    types::{
        HistoryEntry, Inclusion, MessageFilter, MessageRecord, MessageState, MessageStory,
        StateCount,
    },
};

impl Store {
    /// The message with this id.
    pub fn message(&self, id: B256) -> Result<Option<MessageRecord>> {
        self.db().read(
            || format!("reading message {id}"),
            |c| sqlite::message(c, id),
        )
    }

    /// The history of a message, oldest first (empty for an unknown id).
    pub fn history(&self, id: B256) -> Result<Vec<HistoryEntry>> {
        self.db().read(
            || format!("reading the history of message {id}"),
            |c| sqlite::history(c, id),
        )
    }

    /// The message with its history, read together: what `courier status ID` shows.
    pub fn story(&self, id: B256) -> Result<Option<MessageStory>> {
        self.db().read(
            || format!("reading the story of message {id}"),
            |c| {
                let Some(record) = sqlite::message(c, id)? else {
                    return Ok(None);
                };
                let history = sqlite::history(c, id)?;
                Ok(Some(MessageStory { record, history }))
            },
        )
    }

    /// Up to `limit` messages to `destination` that are due at `now_ms`: queued (`Finalized`,
    /// `Verifiable` or `Failed`) with `next_attempt_at_ms <= now_ms`, earliest first, then by
    /// origin and nonce (so a batch from one origin comes out in nonce order).
    pub fn due(&self, destination: u64, now_ms: u64, limit: usize) -> Result<Vec<MessageRecord>> {
        self.db().read(
            || format!("reading the messages due on chain {destination} at {now_ms}"),
            |c| sqlite::due(c, destination, now_ms, limit),
        )
    }

    /// When the earliest queued message to `destination` is due (`None`: the queue is empty); the
    /// relayer sleeps until then or until new messages arrive.
    pub fn next_due_at(&self, destination: u64) -> Result<Option<u64>> {
        self.db().read(
            || format!("reading when the next message to chain {destination} is due"),
            |c| sqlite::next_due_at(c, destination),
        )
    }

    /// Up to `limit` messages matching `filter`, most recently indexed first (`courier messages`).
    pub fn messages(&self, filter: &MessageFilter, limit: usize) -> Result<Vec<MessageRecord>> {
        self.db().read(
            || format!("listing messages ({filter:?})"),
            |c| sqlite::list(c, filter, limit),
        )
    }

    /// How many messages each route has in each state (only non-zero counts), for gauges.
    pub fn state_counts(&self) -> Result<Vec<StateCount>> {
        self.db()
            .read(|| "counting messages".to_owned(), sqlite::state_counts)
    }

    /// The `Dispatched` messages of `origin` in blocks up to `up_to_block` become `Finalized`
    /// (queued, due at once). Returns their ids.
    pub fn mark_finalized(&self, origin: u64, up_to_block: u64, at_ms: u64) -> Result<Vec<B256>> {
        self.db().write(
            || format!("finalizing the messages of chain {origin} up to block {up_to_block}"),
            |c| {
                let ids = sqlite::finalize_up_to(c, origin, up_to_block, at_ms)?;
                let detail = format!("chain {origin} is final up to block {up_to_block}");
                for &id in &ids {
                    let e = entry(
                        MessageState::Finalized,
                        at_ms,
                        Some(up_to_block),
                        None,
                        detail.clone(),
                    );
                    sqlite::append_history(c, id, &e)?;
                }
                Ok(ids)
            },
        )
    }

    /// The `Dispatched` or `Finalized` messages of `origin` with a nonce up to `up_to_nonce`
    /// become `Verifiable` (e.g. a quorum signed the checkpoint at that index), due at once even
    /// if a retry was scheduled later. `detail` says how, for the history. Returns their ids.
    pub fn mark_verifiable(
        &self,
        origin: u64,
        up_to_nonce: u32,
        at_ms: u64,
        detail: &str,
    ) -> Result<Vec<B256>> {
        self.db().write(
            || {
                format!(
                    "making the messages of chain {origin} up to nonce {up_to_nonce} verifiable"
                )
            },
            |c| {
                let ids = sqlite::verifiable_up_to(c, origin, up_to_nonce, at_ms)?;
                for &id in &ids {
                    let e = entry(
                        MessageState::Verifiable,
                        at_ms,
                        None,
                        None,
                        detail.to_owned(),
                    );
                    sqlite::append_history(c, id, &e)?;
                }
                Ok(ids)
            },
        )
    }

    /// Records a try of a queued message that did not submit it (not verifiable yet, simulation
    /// failed, ...): one more attempt, `error` kept as its last error, due again at
    /// `retry_at_ms`. Its state does not change, so no history entry is written. Returns the
    /// attempt count.
    ///
    /// Refused with [`Error::NotQueued`] when the message is not queued.
    pub fn schedule_retry(
        &self,
        id: B256,
        retry_at_ms: u64,
        error: &str,
        at_ms: u64,
    ) -> Result<u32> {
        self.db().write(
            || format!("scheduling a retry of message {id} at {retry_at_ms}"),
            |c| match sqlite::schedule_retry(c, id, retry_at_ms, error, at_ms)? {
                Some(attempts) => Ok(attempts),
                None => Err(match sqlite::message_state(c, id)? {
                    Some((state, _)) => Error::NotQueued { id, state },
                    None => Error::MessageNotFound { id },
                }),
            },
        )
    }

    /// A queued or submitted message becomes `Failed` (the recipient reverts, e.g. seen in a
    /// simulation): one more attempt, due again at `retry_at_ms`. A failure seen in a receipt
    /// goes through [`Store::confirm_tx`].
    pub fn mark_failed(&self, id: B256, reason: &str, retry_at_ms: u64, at_ms: u64) -> Result<()> {
        self.db().write(
            || format!("marking message {id} failed"),
            |c| fail(c, id, reason, retry_at_ms, at_ms, None),
        )
    }

    /// The message is delivered on its destination by `landed.tx` (by this relayer or anyone
    /// else), from whatever state it was in. Returns false, changing nothing, when it already was.
    pub fn mark_delivered(&self, id: B256, landed: &Inclusion) -> Result<bool> {
        self.db().write(
            || format!("marking message {id} delivered"),
            |c| deliver(c, id, landed),
        )
    }

    /// A message not yet submitted becomes `Expired` (its deadline passed): out of every queue.
    pub fn mark_expired(&self, id: B256, reason: &str, at_ms: u64) -> Result<()> {
        self.db().write(
            || format!("marking message {id} expired"),
            |c| {
                if !sqlite::set_expired(c, id, reason, at_ms)? {
                    return Err(refused(c, id, MessageState::Expired));
                }
                let e = entry(MessageState::Expired, at_ms, None, None, reason.to_owned());
                sqlite::append_history(c, id, &e)
            },
        )
    }
}

/// Marks a message delivered unless it already is; see [`Store::mark_delivered`].
pub(super) fn deliver(c: &Conn, id: B256, landed: &Inclusion) -> Result<bool> {
    if !sqlite::set_delivered(c, id, landed)? {
        return match sqlite::message_state(c, id)? {
            Some(_) => Ok(false),
            None => Err(Error::MessageNotFound { id }),
        };
    }
    let detail = format!("delivered by tx {} in block {}", landed.tx, landed.block);
    let e = entry(
        MessageState::Delivered,
        landed.at_ms,
        Some(landed.block),
        Some(landed.tx),
        detail,
    );
    sqlite::append_history(c, id, &e)?;
    Ok(true)
}

/// Marks a message failed; see [`Store::mark_failed`]. `landed` is the transaction in which the
/// recipient reverted, when there is one.
pub(super) fn fail(
    c: &Conn,
    id: B256,
    reason: &str,
    retry_at_ms: u64,
    at_ms: u64,
    landed: Option<&Inclusion>,
) -> Result<()> {
    if !sqlite::set_failed(c, id, reason, retry_at_ms, at_ms)? {
        return Err(refused(c, id, MessageState::Failed));
    }
    let detail = format!("{reason} (retry at {retry_at_ms})");
    let e = entry(
        MessageState::Failed,
        at_ms,
        landed.map(|l| l.block),
        landed.map(|l| l.tx),
        detail,
    );
    sqlite::append_history(c, id, &e)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::tests::{dispatch, hash, index, queued, store};

    fn ids(records: &[MessageRecord]) -> Vec<B256> {
        records.iter().map(|m| m.id).collect()
    }

    fn state(store: &Store, id: B256) -> MessageState {
        store.message(id).unwrap().unwrap().state
    }

    #[test]
    fn finalized_covers_exactly_the_blocks_up_to_the_final_one() {
        let (_dir, store) = store();
        let a = dispatch(1, 2, 0, 5);
        let b = dispatch(1, 2, 1, 6);
        let other_origin = dispatch(3, 2, 0, 5);
        index(&store, 1, 6, vec![a.clone(), b.clone()]);
        index(&store, 3, 6, vec![other_origin.clone()]);

        assert_eq!(
            store.mark_finalized(1, 5, 7000).unwrap(),
            vec![a.message.id()]
        );
        assert_eq!(state(&store, a.message.id()), MessageState::Finalized);
        assert_eq!(state(&store, b.message.id()), MessageState::Dispatched);
        assert_eq!(
            state(&store, other_origin.message.id()),
            MessageState::Dispatched
        );
        // Again: nothing more to finalize.
        assert_eq!(
            store.mark_finalized(1, 5, 8000).unwrap(),
            Vec::<B256>::new()
        );

        let last = store.history(a.message.id()).unwrap().pop().unwrap();
        assert_eq!(
            (last.state, last.at_ms, last.block),
            (MessageState::Finalized, 7000, Some(5))
        );
    }

    #[test]
    fn verifiable_covers_nonces_up_to_the_index_and_makes_them_due() {
        let (_dir, store) = store();
        let a = queued(&store, 0);
        let b = queued(&store, 1);
        let c = queued(&store, 2);
        // `a` was tried and pushed back; a quorum signature makes it due at once.
        store
            .schedule_retry(a, 100_000, "no quorum yet", 20_000)
            .unwrap();
        let made = store
            .mark_verifiable(1, 1, 30_000, "checkpoint 1 signed by 3 of 5")
            .unwrap();
        assert_eq!(made, vec![a, b]);
        assert_eq!(state(&store, c), MessageState::Finalized);
        let record = store.message(a).unwrap().unwrap();
        assert_eq!(record.state, MessageState::Verifiable);
        assert_eq!(record.next_attempt_at_ms, 30_000);
        let last = store.history(a).unwrap().pop().unwrap();
        assert_eq!(last.detail, "checkpoint 1 signed by 3 of 5");
    }

    #[test]
    fn due_orders_by_time_then_origin_then_nonce() {
        let (_dir, store) = store();
        // Route 1 -> 2, nonces 0..4, and route 3 -> 2, nonces 0..2, all due at 0.
        let from1: Vec<B256> = (0..4).map(|n| queued(&store, n)).collect();
        let d3: Vec<_> = (0..2).map(|n| dispatch(3, 2, n, 5)).collect();
        index(&store, 3, 5, d3.clone());
        store.mark_finalized(3, 5, 1).unwrap();
        // And one message to another destination.
        index(&store, 1, 20, vec![dispatch(1, 9, 9, 20)]);
        store.mark_finalized(1, 20, 1).unwrap();

        store.schedule_retry(from1[0], 50, "later", 1).unwrap();
        store.schedule_retry(from1[2], 40, "later", 1).unwrap();

        let due = store.due(2, 45, 100).unwrap();
        let expected = vec![
            from1[1],
            from1[3],
            d3[0].message.id(),
            d3[1].message.id(),
            from1[2],
        ];
        assert_eq!(ids(&due), expected);
        assert_eq!(ids(&store.due(2, 45, 2).unwrap()), expected[..2]);
        assert_eq!(store.due(2, 50, 100).unwrap().len(), 6);
        assert_eq!(store.due(9, 50, 100).unwrap().len(), 1);
        assert_eq!(store.due(7, 50, 100).unwrap().len(), 0);
        assert_eq!(store.next_due_at(2).unwrap(), Some(0));
        assert_eq!(store.next_due_at(7).unwrap(), None);
    }

    #[test]
    fn due_uses_the_queue_index() {
        let (_dir, store) = store();
        let plan = crate::sqlite::testing::due_query_plan(store.db()).unwrap();
        assert!(plan.contains("messages_due"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    #[test]
    fn schedule_retry_counts_attempts_and_keeps_the_error() {
        let (_dir, store) = store();
        let id = queued(&store, 0);
        assert_eq!(
            store
                .schedule_retry(id, 5_000, "not verifiable yet", 1_000)
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .schedule_retry(id, 9_000, "simulation reverted", 6_000)
                .unwrap(),
            2
        );
        let record = store.message(id).unwrap().unwrap();
        assert_eq!(record.attempts, 2);
        assert_eq!(record.next_attempt_at_ms, 9_000);
        assert_eq!(record.last_error.as_deref(), Some("simulation reverted"));
        assert_eq!(record.state, MessageState::Finalized);
        assert!(store.due(2, 8_999, 10).unwrap().is_empty());
        assert_eq!(ids(&store.due(2, 9_000, 10).unwrap()), vec![id]);
        // No history entry: the state did not change.
        assert_eq!(store.history(id).unwrap().len(), 2);
    }

    #[test]
    fn schedule_retry_refuses_messages_not_queued() {
        let (_dir, store) = store();
        let d = dispatch(1, 2, 0, 5);
        index(&store, 1, 5, vec![d.clone()]);
        let err = store.schedule_retry(d.message.id(), 1, "x", 1).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotQueued {
                    state: MessageState::Dispatched,
                    ..
                }
            ),
            "{err:?}"
        );
        let unknown = hash(0, 0, 0);
        let err = store.schedule_retry(unknown, 1, "x", 1).unwrap_err();
        assert!(
            matches!(err, Error::MessageNotFound { id } if id == unknown),
            "{err:?}"
        );
        assert!(err.to_string().contains(&unknown.to_string()), "{err}");
    }

    #[test]
    fn failed_messages_are_retried_on_schedule() {
        let (_dir, store) = store();
        let id = queued(&store, 0);
        store
            .mark_failed(id, "recipient reverted: Paused()", 60_000, 10_000)
            .unwrap();
        let record = store.message(id).unwrap().unwrap();
        assert_eq!(record.state, MessageState::Failed);
        assert_eq!(record.attempts, 1);
        assert!(store.due(2, 59_999, 10).unwrap().is_empty());
        assert_eq!(ids(&store.due(2, 60_000, 10).unwrap()), vec![id]);
        // Failed again: still queued, never dropped.
        store
            .mark_failed(id, "recipient reverted: Paused()", 120_000, 60_000)
            .unwrap();
        assert_eq!(store.message(id).unwrap().unwrap().attempts, 2);
        assert_eq!(store.next_due_at(2).unwrap(), Some(120_000));

        let d = dispatch(1, 2, 7, 30);
        index(&store, 1, 30, vec![d.clone()]);
        let err = store.mark_failed(d.message.id(), "x", 1, 1).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidTransition {
                    from: MessageState::Dispatched,
                    to: MessageState::Failed,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn delivered_is_recorded_once_from_any_state() {
        let (_dir, store) = store();
        let d = dispatch(1, 2, 0, 5);
        let id = d.message.id();
        index(&store, 1, 5, vec![d]);
        let landed = Inclusion {
            tx: hash(2, 40, 1),
            block: 40,
            at_ms: 41_000,
        };
        // Delivered by someone else while still Dispatched here.
        assert!(store.mark_delivered(id, &landed).unwrap());
        let other = Inclusion {
            tx: hash(2, 41, 1),
            block: 41,
            at_ms: 42_000,
        };
        assert!(!store.mark_delivered(id, &other).unwrap());

        let story = store.story(id).unwrap().unwrap();
        assert_eq!(story.record.state, MessageState::Delivered);
        assert_eq!(story.record.delivered, Some(landed));
        let last = story.history.last().unwrap();
        assert_eq!(
            (last.state, last.at_ms, last.block, last.tx),
            (MessageState::Delivered, 41_000, Some(40), Some(landed.tx))
        );
        assert_eq!(story.history.len(), 2);

        let err = store.mark_delivered(hash(9, 9, 9), &landed).unwrap_err();
        assert!(matches!(err, Error::MessageNotFound { .. }), "{err:?}");
    }

    #[test]
    fn expired_leaves_the_queue_and_delivered_cannot_expire() {
        let (_dir, store) = store();
        let a = queued(&store, 0);
        let b = queued(&store, 1);
        store.mark_expired(a, "deadline 100 passed", 200).unwrap();
        assert_eq!(state(&store, a), MessageState::Expired);
        assert_eq!(ids(&store.due(2, u64::MAX, 10).unwrap()), vec![b]);

        let landed = Inclusion {
            tx: hash(2, 1, 1),
            block: 1,
            at_ms: 1,
        };
        store.mark_delivered(b, &landed).unwrap();
        let err = store.mark_expired(b, "late", 300).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidTransition {
                    from: MessageState::Delivered,
                    to: MessageState::Expired,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn messages_lists_recent_first_with_filters() {
        let (_dir, store) = store();
        let a = queued(&store, 0);
        let b = queued(&store, 1);
        index(&store, 3, 5, vec![dispatch(3, 2, 0, 5)]);
        let c = dispatch(3, 2, 0, 5).message.id();
        let landed = Inclusion {
            tx: hash(2, 1, 1),
            block: 1,
            at_ms: 1,
        };
        store.mark_delivered(a, &landed).unwrap();

        let all = MessageFilter::default();
        assert_eq!(ids(&store.messages(&all, 10).unwrap()), vec![c, b, a]);
        assert_eq!(ids(&store.messages(&all, 2).unwrap()), vec![c, b]);
        let from1 = MessageFilter {
            origin: Some(1),
            ..all
        };
        assert_eq!(ids(&store.messages(&from1, 10).unwrap()), vec![b, a]);
        let delivered = MessageFilter {
            state: Some(MessageState::Delivered),
            ..all
        };
        assert_eq!(ids(&store.messages(&delivered, 10).unwrap()), vec![a]);
        let to9 = MessageFilter {
            destination: Some(9),
            ..all
        };
        assert!(store.messages(&to9, 10).unwrap().is_empty());
    }

    #[test]
    fn state_counts_per_route_and_state() {
        let (_dir, store) = store();
        let a = queued(&store, 0);
        queued(&store, 1);
        index(
            &store,
            3,
            5,
            vec![dispatch(3, 2, 0, 5), dispatch(3, 2, 1, 5)],
        );
        let landed = Inclusion {
            tx: hash(2, 1, 1),
            block: 1,
            at_ms: 1,
        };
        store.mark_delivered(a, &landed).unwrap();

        let counts: Vec<_> = store
            .state_counts()
            .unwrap()
            .into_iter()
            .map(|c| (c.origin, c.destination, c.state, c.count))
            .collect();
        assert_eq!(
            counts,
            [
                (1, 2, MessageState::Delivered, 1),
                (1, 2, MessageState::Finalized, 1),
                (3, 2, MessageState::Dispatched, 2),
            ]
        );
    }

    #[test]
    fn unknown_ids_read_as_none() {
        let (_dir, store) = store();
        assert_eq!(store.message(hash(1, 1, 1)).unwrap(), None);
        assert_eq!(store.story(hash(1, 1, 1)).unwrap(), None);
        assert!(store.history(hash(1, 1, 1)).unwrap().is_empty());
    }

    #[test]
    fn states_parse_from_their_names() {
        for state in MessageState::ALL {
            assert_eq!(state.as_str().parse::<MessageState>().unwrap(), state);
        }
        assert_eq!(
            "DELIVERED".parse::<MessageState>().unwrap(),
            MessageState::Delivered
        );
        let err = "lost".parse::<MessageState>().unwrap_err();
        assert!(
            matches!(err, Error::UnknownState { ref value } if value == "lost"),
            "{err:?}"
        );
        let queued: Vec<_> = MessageState::ALL
            .into_iter()
            .filter(|s| s.is_queued())
            .collect();
        assert_eq!(queued, MessageState::QUEUED);
    }
}

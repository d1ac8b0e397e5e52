//! The checks most stories end with — each message delivered exactly once, on-chain and in the
//! relayer's store, and still so a little later — and the waits before them, whose failure
//! messages say what the chain and the store showed instead.

use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};

use alloy_primitives::B256;
use courier_store::MessageState;
use futures::future::try_join_all;

use super::{Context, Processed, Sent, Wait, first_few};

impl Context {
    /// `received()` of the HelloApp the messages of `sent` went to (the chain's own HelloApp when
    /// `sent` is empty).
    async fn received_of(&self, destination: &str, sent: &[Sent]) -> eyre::Result<u64> {
        match sent.first() {
            Some(s) => {
                let app = s.message.recipient_address()?;
                self.received_by(destination, app).await
            }
            None => self.received(destination).await,
        }
    }

    /// Checks that each of `sent` was delivered exactly once on `destination`: exactly one
    /// `Process` event with its id, the Mailbox's `delivered(origin, recipient, nonce)`,
    /// `HelloApp.received()` equal to `expected_received`, and the relayer's store saying
    /// `delivered` in the very transaction the event is in. Returns the distinct delivery transactions, in order of first use.
    pub async fn check_delivered_once(
        &self,
        destination: &str,
        sent: &[Sent],
        expected_received: u64,
    ) -> eyre::Result<Vec<B256>> {
        let n = sent.len();
        let processed = self.processed(destination).await?;
        let mut events: HashMap<B256, Vec<&Processed>> = HashMap::new();
        for p in &processed {
            events.entry(p.id).or_default().push(p);
        }
        let not_once: Vec<String> = sent
            .iter()
            .filter(|s| events.get(&s.id).map_or(0, Vec::len) != 1)
            .map(|s| {
                format!(
                    "nonce {} from {} has {} events",
                    s.message.nonce,
                    s.message.origin,
                    events.get(&s.id).map_or(0, Vec::len)
                )
            })
            .collect();
        self.check(
            format!("{destination}: one Process event per message ({n} sent)"),
            not_once.is_empty(),
            if not_once.is_empty() {
                format!(
                    "{n} ids, one event each ({} events on {destination} in all)",
                    processed.len()
                )
            } else {
                format!("{} wrong: {}", not_once.len(), first_few(&not_once))
            },
        )?;

        let delivered = try_join_all(sent.iter().map(|s| self.delivered(&s.message))).await?;
        let undelivered: Vec<String> = sent
            .iter()
            .zip(&delivered)
            .filter(|(_, d)| !**d)
            .map(|(s, _)| format!("{} nonce {}", s.message.origin, s.message.nonce))
            .collect();
        self.check(
            format!(
                "{destination}: Mailbox.delivered(origin, recipient, nonce) for each ({n} sent)"
            ),
            undelivered.is_empty(),
            if undelivered.is_empty() {
                format!("true for all {n}")
            } else {
                format!(
                    "false for {}: {}",
                    undelivered.len(),
                    first_few(&undelivered)
                )
            },
        )?;

        let received = self.received_of(destination, sent).await?;
        self.check(
            format!("{destination}: HelloApp.received() = {expected_received}"),
            received == expected_received,
            format!("HelloApp.received() = {received}"),
        )?;

        let records = self.records(sent)?;
        let mut wrong = Vec::new();
        let mut txs: Vec<B256> = Vec::new();
        for (s, record) in sent.iter().zip(&records) {
            let event_tx = events.get(&s.id).and_then(|e| e.first()).map(|p| p.tx);
            match record {
                Some(r) if r.state == MessageState::Delivered => {
                    let store_tx = r.delivered.map(|d| d.tx);
                    if store_tx != event_tx {
                        wrong.push(format!(
                            "nonce {}: store says tx {store_tx:?}, the event is in {event_tx:?}",
                            s.message.nonce
                        ));
                    }
                    if let Some(tx) = store_tx
                        && !txs.contains(&tx)
                    {
                        txs.push(tx);
                    }
                }
                Some(r) => wrong.push(format!("nonce {} is {}", s.message.nonce, r.state)),
                None => wrong.push(format!("nonce {} unknown", s.message.nonce)),
            }
        }
        self.check(
            format!("relayer store: each delivered, in the transaction holding its Process event ({n} sent)"),
            wrong.is_empty(),
            if wrong.is_empty() {
                format!("{n} delivered in {} transactions", txs.len())
            } else {
                format!("{} wrong: {}", wrong.len(), first_few(&wrong))
            },
        )?;
        Ok(txs)
    }

    /// Waits until all of `sent` are delivered on `destination`: a `Process` event for each, and
    /// the relayer's store saying `delivered` for each (it confirms after the destination's
    /// finality depth). Returns how long it took.
    pub async fn wait_delivered(
        &self,
        destination: &str,
        sent: &[Sent],
        timeout: Duration,
    ) -> eyre::Result<Duration> {
        let n = sent.len();
        let (_, took) = self
            .wait_for(
                format!("{destination}: all {n} sent delivered (Process events and relayer store)"),
                timeout,
                || async {
                    let processed = self.processed(destination).await?;
                    let seen: HashSet<B256> = processed.iter().map(|p| p.id).collect();
                    let on_chain = sent.iter().filter(|s| seen.contains(&s.id)).count();
                    let in_store = self
                        .records(sent)?
                        .iter()
                        .filter(|r| {
                            r.as_ref()
                                .is_some_and(|r| r.state == MessageState::Delivered)
                        })
                        .count();
                    if on_chain == n && in_store == n {
                        Ok(Wait::Done(()))
                    } else {
                        Ok(Wait::NotYet(format!(
                            "{on_chain} of {n} have a Process event; relayer store: {}; {}",
                            self.state_summary(sent)?,
                            self.undelivered_detail(sent, &processed)?
                        )))
                    }
                },
            )
            .await?;
        Ok(took)
    }

    /// Waits until each of `sent` has a `Process` event on `destination` (delivered on-chain,
    /// whatever the relayer's store says yet); returns how long it took.
    pub async fn wait_processed(
        &self,
        destination: &str,
        sent: &[Sent],
        timeout: Duration,
    ) -> eyre::Result<Duration> {
        let n = sent.len();
        let (_, took) = self
            .wait_for(
                format!("{destination}: a Process event for each of the {n} sent"),
                timeout,
                || async {
                    let processed = self.processed(destination).await?;
                    let seen = sent
                        .iter()
                        .filter(|s| processed.iter().any(|p| p.id == s.id))
                        .count();
                    Ok(if seen == n {
                        Wait::Done(())
                    } else {
                        Wait::NotYet(format!("{seen} of {n}"))
                    })
                },
            )
            .await?;
        Ok(took)
    }

    /// Waits `settle`, then checks that `destination`'s `HelloApp.received()` is still
    /// `expected` and no message of `sent` got a second `Process` event.
    pub async fn check_stays(
        &self,
        destination: &str,
        sent: &[Sent],
        expected: u64,
        settle: Duration,
    ) -> eyre::Result<()> {
        tokio::time::sleep(settle).await;
        let received = self.received_of(destination, sent).await?;
        let processed = self.processed(destination).await?;
        let ids: HashSet<B256> = sent.iter().map(|s| s.id).collect();
        let events = processed.iter().filter(|p| ids.contains(&p.id)).count();
        self.check(
            format!(
                "{destination}: still {expected} received, one Process event each, {settle:?} later"
            ),
            received == expected && events == sent.len(),
            format!("HelloApp.received() = {received}, {events} Process events for these messages"),
        )
    }

    /// What the relayer's store and the chain say about the first messages of `sent` the store
    /// does not have as delivered: state, last error, the transaction it was submitted in (and
    /// that transaction's record), and the transaction of its `Process` event if there is one.
    fn undelivered_detail(&self, sent: &[Sent], processed: &[Processed]) -> eyre::Result<String> {
        let store = self.relayer_store()?;
        let mut out = Vec::new();
        for s in sent {
            if out.len() == 2 {
                break;
            }
            let Some(record) = store.message(s.id)? else {
                out.push(format!("nonce {} unknown to the relayer", s.message.nonce));
                continue;
            };
            if record.state == MessageState::Delivered {
                continue;
            }
            let tx = match record.submitted_tx {
                Some(hash) => match store.tx(hash)? {
                    Some(t) => format!(
                        "in tx {hash} ({}, nonce {}, {} messages)",
                        t.state,
                        t.nonce,
                        t.message_ids.len()
                    ),
                    None => format!("in tx {hash} (no record)"),
                },
                None => "in no tx".to_owned(),
            };
            let event = processed
                .iter()
                .find(|p| p.id == s.id)
                .map_or("no Process event".to_owned(), |p| {
                    format!("Process event in tx {} (block {})", p.tx, p.block)
                });
            out.push(format!(
                "nonce {}: {} {tx}, last error {:?}, {} attempts; {event}",
                s.message.nonce, record.state, record.last_error, record.attempts
            ));
        }
        Ok(out.join("; "))
    }
}

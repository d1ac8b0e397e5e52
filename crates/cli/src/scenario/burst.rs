//! `burst`: 200 greetings at once — 100 alpha → beta and 100 gamma → beta, sent concurrently and
//! without waiting for each receipt. All are delivered exactly once (beta's `received()` reaches
//! 200 and stays there), in far fewer delivery transactions than messages: the relayer batches.
//! The transaction count comes from the relayer's store (its transaction records) and is checked
//! against the `Process` events on beta, grouped by transaction.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use alloy_primitives::B256;
use courier_store::TxState;

use super::{Context, ScenarioFuture};

/// Messages per origin.
const PER_ORIGIN: usize = 100;
/// Batching must be visible: at least this many messages per delivery transaction on average.
const MIN_MESSAGES_PER_TX: usize = 10;

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    ctx.start_validators(&[0, 1, 2, 3, 4]).await?;
    ctx.start_relayer().await?;
    ctx.step("started the relayer");

    let started = Instant::now();
    let (from_alpha, from_gamma) = tokio::try_join!(
        ctx.send_greetings("alpha", "beta", PER_ORIGIN, "burst"),
        ctx.send_greetings("gamma", "beta", PER_ORIGIN, "burst"),
    )?;
    let sending = started.elapsed();
    ctx.timing("send 200 (until every dispatch is mined)", sending);
    let blocks = |sent: &[super::Sent]| {
        let mut b: Vec<u64> = sent.iter().map(|s| s.block).collect();
        b.dedup();
        b
    };
    ctx.step(format!(
        "sent {PER_ORIGIN} alpha → beta (blocks {:?}) and {PER_ORIGIN} gamma → beta (blocks {:?}) concurrently in {sending:.2?}",
        blocks(&from_alpha),
        blocks(&from_gamma)
    ));
    let all: Vec<super::Sent> = from_alpha.into_iter().chain(from_gamma).collect();
    let n = all.len();

    let took = ctx
        .wait_delivered("beta", &all, Duration::from_secs(90))
        .await?;
    ctx.timing("first send until all 200 delivered", started.elapsed());
    ctx.timing("last dispatch mined until all delivered", took);
    ctx.step(format!(
        "all {n} delivered {:.2?} after the first send",
        started.elapsed()
    ));

    let txs = ctx.check_delivered_once("beta", &all, n as u64).await?;

    // What each delivery transaction carried, by the relayer's own records and by the chain.
    let store = ctx.relayer_store()?;
    let processed = ctx.processed("beta").await?;
    let mut per_tx_events: BTreeMap<B256, usize> = BTreeMap::new();
    for p in &processed {
        *per_tx_events.entry(p.tx).or_default() += 1;
    }
    let mut mismatches = Vec::new();
    let mut sizes = Vec::new();
    for tx in &txs {
        let record = store.tx(*tx)?;
        let carried = record.as_ref().map_or(0, |r| r.message_ids.len());
        let events = per_tx_events.get(tx).copied().unwrap_or(0);
        let confirmed = record
            .as_ref()
            .is_some_and(|r| r.state == TxState::Confirmed);
        if carried != events || !confirmed {
            mismatches.push(format!(
                "{tx}: the store has {carried} messages ({:?}), the chain {events} Process events",
                record.map(|r| r.state)
            ));
        }
        sizes.push(events);
    }
    ctx.check(
        "relayer store: each delivery transaction is confirmed and carried what its Process events say",
        mismatches.is_empty(),
        if mismatches.is_empty() {
            format!("{} transactions carrying {sizes:?} messages", txs.len())
        } else {
            super::first_few(&mismatches)
        },
    )?;
    let event_txs = per_tx_events.len();
    ctx.check(
        "the Process events on beta are in exactly the transactions the store names",
        event_txs == txs.len(),
        format!(
            "{event_txs} transactions hold Process events, the store names {}",
            txs.len()
        ),
    )?;
    ctx.check(
        format!("batching: at most one delivery transaction per {MIN_MESSAGES_PER_TX} messages"),
        !txs.is_empty() && txs.len() * MIN_MESSAGES_PER_TX <= n,
        format!(
            "{n} messages in {} delivery transactions ({:.1} per transaction, largest {})",
            txs.len(),
            n as f64 / txs.len().max(1) as f64,
            sizes.iter().max().copied().unwrap_or(0)
        ),
    )?;
    ctx.step(format!(
        "{n} messages took {} delivery transactions",
        txs.len()
    ));

    ctx.check_stays("beta", &all, n as u64, Duration::from_secs(3))
        .await
}

//! `relayer-crash`: 100 greetings flow alpha → beta while the relayer is killed (every task
//! aborted wherever it is, as a crash would) and restarted at random points, at least 5 times:
//! it runs for a random 0–1.5 s, is killed, stays down for a random 0–1.5 s, and starts again on
//! the same database. The delays come from the run's seed (printed; `--seed` repeats them). In the
//! end every message is delivered exactly once: `received()` is 100 and stays 100, every nonce is
//! `delivered`, one `Process` event each, and the store agrees and has nothing left in flight.

use std::{
    sync::atomic::{AtomicBool, AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use alloy_primitives::B256;
use courier_devnet::keys;
use courier_store::MessageState;

use super::{Context, ScenarioFuture, Sent};

const MESSAGES: usize = 100;
const WAVES: usize = 10;
const MIN_CRASHES: usize = 6;
const MAX_CRASHES: usize = 30;
const MAX_UP: Duration = Duration::from_millis(1500);
const MAX_DOWN: Duration = Duration::from_millis(1500);
const MAX_WAVE_GAP: Duration = Duration::from_millis(1000);

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

/// What the relayer's store said when the relayer was killed.
struct Crash {
    sent: usize,
    delivered: usize,
    submitted: usize,
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    ctx.start_validators(&[0, 1, 2, 3, 4]).await?;
    ctx.start_relayer().await?;
    ctx.step(format!(
        "started the relayer; random delays from seed {}",
        ctx.seed()
    ));

    let started = Instant::now();
    let sent_so_far = AtomicUsize::new(0);
    let sending_done = AtomicBool::new(false);
    let texts: Vec<String> = (0..MESSAGES)
        .map(|i| format!("crash #{i} alpha to beta"))
        .collect();

    let send = async {
        let mut hashes: Vec<B256> = Vec::with_capacity(MESSAGES);
        let mut rng = ctx.rng("gaps between waves");
        let result = async {
            for wave in texts.chunks(MESSAGES / WAVES) {
                hashes.extend(ctx.submit_greetings("alpha", "beta", wave).await?);
                sent_so_far.store(hashes.len(), Ordering::SeqCst);
                tokio::time::sleep(rng.duration(MAX_WAVE_GAP)).await;
            }
            Ok::<_, eyre::Report>(())
        }
        .await;
        sending_done.store(true, Ordering::SeqCst);
        result.map(|()| hashes)
    };

    let chaos = async {
        let mut rng = ctx.rng("crashes");
        let mut crashes = Vec::new();
        while crashes.len() < MAX_CRASHES
            && (crashes.len() < MIN_CRASHES || !sending_done.load(Ordering::SeqCst))
        {
            let up = rng.duration(MAX_UP);
            tokio::time::sleep(up).await;
            ctx.kill_relayer().await?;
            let store = ctx.relayer_store()?;
            let counts = store.state_counts()?;
            let count = |state| {
                counts
                    .iter()
                    .filter(|c| c.state == state)
                    .map(|c| c.count as usize)
                    .sum::<usize>()
            };
            let crash = Crash {
                sent: sent_so_far.load(Ordering::SeqCst),
                delivered: count(MessageState::Delivered),
                submitted: count(MessageState::Submitted),
            };
            let down = rng.duration(MAX_DOWN);
            ctx.step(format!(
                "crash {}: killed the relayer after {up:?} up, with {} sent, {} delivered, {} in submitted transactions; down for {down:?}",
                crashes.len() + 1,
                crash.sent,
                crash.delivered,
                crash.submitted
            ));
            crashes.push(crash);
            tokio::time::sleep(down).await;
            ctx.start_relayer().await?;
        }
        Ok::<_, eyre::Report>(crashes)
    };

    let (hashes, crashes) = tokio::try_join!(send, chaos)?;
    ctx.timing("sending and crashing", started.elapsed());
    ctx.step(format!(
        "sent {} greetings in {WAVES} waves; the relayer crashed {} times; it runs on from here",
        hashes.len(),
        crashes.len()
    ));
    ctx.check(
        format!("the relayer was killed and restarted at least {MIN_CRASHES} times"),
        crashes.len() >= MIN_CRASHES,
        format!("{} crashes", crashes.len()),
    )?;
    let in_flight = crashes.iter().filter(|c| c.delivered < c.sent).count();
    ctx.check(
        "crashes hit while messages were in flight (sent, not yet delivered)",
        in_flight > 0,
        format!(
            "{in_flight} of {} crashes; with a submitted transaction pending: {}",
            crashes.len(),
            crashes.iter().filter(|c| c.submitted > 0).count()
        ),
    )?;

    let receipts = ctx.receipts("alpha", &hashes).await?;
    let mut sent: Vec<Sent> = receipts
        .iter()
        .zip(&texts)
        .map(|(r, t)| super::sent_from(r, t.clone()))
        .collect::<eyre::Result<_>>()?;
    sent.sort_by_key(|s| s.message.nonce);
    let nonces: Vec<u32> = sent.iter().map(|s| s.message.nonce).collect();
    ctx.check(
        format!("the {MESSAGES} dispatches have nonces 0..{MESSAGES}"),
        nonces == (0..MESSAGES as u32).collect::<Vec<_>>(),
        format!("nonces {:?} … {:?}", nonces.first(), nonces.last()),
    )?;

    let took = ctx
        .wait_delivered("beta", &sent, Duration::from_secs(60))
        .await?;
    ctx.timing("last restart until all delivered", took);
    ctx.timing("first send until all delivered", started.elapsed());
    let txs = ctx
        .check_delivered_once("beta", &sent, MESSAGES as u64)
        .await?;
    ctx.step(format!(
        "all {MESSAGES} delivered in {} transactions",
        txs.len()
    ));
    let beta = ctx.chain("beta")?.domain();
    let pending = ctx
        .relayer_store()?
        .pending_txs(beta, keys::RELAYER_ADDRESS)?;
    ctx.check(
        "relayer store: no delivery transaction left pending",
        pending.is_empty(),
        format!("{} pending", pending.len()),
    )?;
    ctx.check_stays("beta", &sent, MESSAGES as u64, Duration::from_secs(3))
        .await
}

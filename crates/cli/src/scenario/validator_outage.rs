//! `validator-outage`: only k − 1 = 2 of the 5 validators run. Greetings alpha → beta are
//! dispatched, become final and are signed by those two, yet for three times as long as a normal
//! delivery takes nothing is delivered — not on-chain, not in the relayer's store, which says why
//! (2 of 5 validators published, 3 needed). Then the other three start and everything is delivered
//! exactly once.
//!
//! "Normal" is measured in the same run before the outage: one greeting gamma → beta with the
//! whole committee up (alpha has no message yet, so the three that then stop never sign anything
//! of alpha's), plus the blocks alpha's deeper finality adds. A greeting alpha → beta after the
//! outage measures the route itself, for the report.

use std::time::{Duration, Instant};

use courier_devnet::keys;
use courier_store::MessageState;

use super::{Context, ScenarioFuture};

const MESSAGES: usize = 5;
/// The outage lasts at least this long, however fast a normal delivery is.
const MIN_OUTAGE: Duration = Duration::from_secs(15);

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    let k = usize::from(ctx.devnet.threshold);
    let n = ctx.devnet.validator_keys.len();
    let running: Vec<usize> = (0..k - 1).collect();
    let remaining: Vec<usize> = (k - 1..n).collect();
    ctx.start_validators(&running).await?;
    ctx.start_validators(&remaining).await?;
    ctx.start_relayer().await?;
    ctx.step("started the relayer");

    // A normal delivery, measured: gamma → beta with the whole committee.
    let baseline_started = Instant::now();
    let baseline = ctx.send_greetings("gamma", "beta", 1, "baseline").await?;
    ctx.wait_processed("beta", &baseline, Duration::from_secs(30))
        .await?;
    let normal_gamma = baseline_started.elapsed();
    let (alpha, gamma) = (ctx.chain("alpha")?, ctx.chain("gamma")?);
    let extra = alpha.spec.block_time
        * u32::try_from(
            alpha
                .spec
                .finality_depth
                .saturating_sub(gamma.spec.finality_depth),
        )
        .unwrap_or(u32::MAX);
    let normal = normal_gamma + extra;
    // Three normal deliveries, and half of one more for the noise of a busy machine.
    let outage = (normal * 7 / 2).max(MIN_OUTAGE);
    ctx.timing(
        "normal delivery gamma → beta (send until delivered)",
        normal_gamma,
    );
    ctx.step(format!(
        "a normal delivery gamma → beta took {normal_gamma:.2?}; alpha → beta needs {extra:?} more (deeper finality): the outage lasts {outage:.2?}"
    ));

    ctx.stop_validator_group(&remaining).await?;
    let sent = ctx
        .send_greetings("alpha", "beta", MESSAGES, "outage")
        .await?;
    let outage_started = Instant::now();
    ctx.step(format!(
        "with only validators {running:?} running, sent {MESSAGES} greetings alpha → beta (nonces 0..{MESSAGES}); watching for {outage:.2?}"
    ));

    // Nothing may be delivered at any point of the outage, not only at its end.
    while outage_started.elapsed() < outage {
        let processed = ctx.processed("beta").await?;
        let early = sent
            .iter()
            .filter(|s| processed.iter().any(|p| p.id == s.id))
            .count();
        if early > 0 {
            ctx.check(
                format!("nothing delivered with {} of {n} validators", running.len()),
                false,
                format!(
                    "{early} delivered after {:.2?} of the outage",
                    outage_started.elapsed()
                ),
            )?;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let received = ctx.received("beta").await?;
    let delivered = futures::future::try_join_all(sent.iter().map(|s| ctx.delivered(&s.message)))
        .await?
        .into_iter()
        .filter(|d| *d)
        .count();
    ctx.check(
        format!(
            "nothing delivered with {} of {n} validators for {outage:.2?} (over 3 normal deliveries)",
            running.len()
        ),
        received == 1 && delivered == 0,
        format!(
            "no Process event for any of them; HelloApp.received() = {received} (the baseline); Mailbox.delivered true for {delivered} of {MESSAGES}"
        ),
    )?;

    // The running validators did their part: everything is final and signed by both.
    let alpha = ctx.chain("alpha")?.domain();
    let mut signed_by = Vec::new();
    for &i in &running {
        let key = &ctx.devnet.validator_keys[i];
        let latest = std::fs::read(
            ctx.checkpoint_folder(alpha, key.address)
                .join("latest.json"),
        )
        .ok()
        .and_then(|b| serde_json::from_slice::<courier_core::SignedCheckpoint>(&b).ok());
        signed_by.push((key.address, latest.map(|l| l.checkpoint.index)));
    }
    let last_nonce = sent.iter().map(|s| s.message.nonce).max().unwrap_or(0);
    ctx.check(
        format!(
            "the {} running validators signed up to the last message",
            running.len()
        ),
        signed_by.iter().all(|(_, i)| *i >= Some(last_nonce)),
        format!("latest signed index per validator: {signed_by:?}; last nonce {last_nonce}"),
    )?;

    // The relayer knows the messages, sent nothing, and says it waits for a quorum.
    let records = ctx.records(&sent)?;
    let needed = format!(
        "{} of {n} validators have published checkpoints",
        running.len()
    );
    let mut wrong = Vec::new();
    let mut reasons = Vec::new();
    for (s, record) in sent.iter().zip(&records) {
        match record {
            Some(r) => {
                let why = r.last_error.clone().unwrap_or_default();
                let waiting = matches!(r.state, MessageState::Finalized | MessageState::Verifiable);
                if !waiting
                    || r.submitted_tx.is_some()
                    || !why.contains(&needed)
                    || !why.contains(&format!("{k} needed"))
                {
                    wrong.push(format!("nonce {}: {} ({why:?})", s.message.nonce, r.state));
                }
                if !reasons.contains(&why) {
                    reasons.push(why);
                }
            }
            None => wrong.push(format!("nonce {} unknown to the relayer", s.message.nonce)),
        }
    }
    ctx.check(
        "relayer store: every message final and waiting, last_error names the missing quorum",
        wrong.is_empty(),
        if wrong.is_empty() {
            format!("all {MESSAGES} finalized, none submitted; last_error: {reasons:?}")
        } else {
            super::first_few(&wrong)
        },
    )?;
    let beta = ctx.chain("beta")?.domain();
    let pending = ctx
        .relayer_store()?
        .pending_txs(beta, keys::RELAYER_ADDRESS)?;
    ctx.check(
        "relayer store: no delivery transaction was sent",
        pending.is_empty(),
        format!("{} pending", pending.len()),
    )?;
    ctx.timing("outage (nothing delivered)", outage_started.elapsed());

    ctx.start_validators(&remaining).await?;
    let took = ctx
        .wait_delivered("beta", &sent, Duration::from_secs(30))
        .await?;
    ctx.timing("remaining validators started until all delivered", took);
    let mut all = baseline;
    all.extend(sent.iter().cloned());
    ctx.check_delivered_once("beta", &all, all.len() as u64)
        .await?;

    // For the report: what a normal delivery alpha → beta takes, now that the committee is back.
    let normal_started = Instant::now();
    let mut last = ctx.send_greetings("alpha", "beta", 1, "normal").await?;
    ctx.wait_processed("beta", &last, Duration::from_secs(30))
        .await?;
    let normal_alpha = normal_started.elapsed();
    ctx.timing(
        "normal delivery alpha → beta (send until delivered)",
        normal_alpha,
    );
    ctx.step(format!(
        "a normal delivery alpha → beta takes {normal_alpha:.2?}: the outage lasted {:.1} of them",
        outage.as_secs_f64() / normal_alpha.as_secs_f64()
    ));
    all.append(&mut last);
    ctx.wait_delivered("beta", &all, Duration::from_secs(30))
        .await?;
    ctx.check_delivered_once("beta", &all, all.len() as u64)
        .await?;
    Ok(())
}

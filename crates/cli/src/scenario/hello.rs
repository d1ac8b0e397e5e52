//! `hello`: the smallest whole story. One greeting alpha → beta, one beta → alpha and one
//! alpha → gamma, all in flight at once; each is delivered exactly once, with the right text, and
//! nothing is delivered again while the agents keep running.

use std::time::{Duration, Instant};

use super::{Context, ScenarioFuture, Sent};

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    ctx.start_validators(&[0, 1, 2, 3, 4]).await?;
    ctx.start_relayer().await?;
    ctx.step("started the relayer");

    let routes = [("alpha", "beta"), ("beta", "alpha"), ("alpha", "gamma")];
    let sent = futures::future::try_join_all(
        routes
            .iter()
            .map(|(from, to)| ctx.send_greetings(from, to, 1, "hello")),
    )
    .await?;
    let sent: Vec<(&str, &str, Sent)> = routes
        .iter()
        .zip(sent)
        .filter_map(|((from, to), mut s)| s.pop().map(|s| (*from, *to, s)))
        .collect();
    for (from, to, s) in &sent {
        ctx.step(format!(
            "greeted {from} → {to}: message {} (nonce {}, block {})",
            s.id, s.message.nonce, s.block
        ));
    }

    // Each delivery is timed from when all three were mined on their origins.
    let mined = Instant::now();
    for (from, to, s) in &sent {
        ctx.wait_delivered(to, std::slice::from_ref(s), Duration::from_secs(30))
            .await?;
        ctx.timing(format!("delivery {from} → {to}"), mined.elapsed());
    }
    ctx.step("all three delivered");

    for (from, to, s) in &sent {
        ctx.check_delivered_once(to, std::slice::from_ref(s), 1)
            .await?;
        let last = ctx.last_greeting(to).await?;
        ctx.check(
            format!("{to}: HelloApp.lastGreeting() is the greeting from {from}"),
            last == s.text,
            format!("lastGreeting() = {last:?}"),
        )?;
    }
    // Nothing is delivered a second time while the agents keep running.
    let settle = Duration::from_secs(3);
    ctx.step(format!("waiting {settle:?} with the agents running"));
    futures::future::try_join_all(
        sent.iter()
            .map(|(_, to, s)| ctx.check_stays(to, std::slice::from_ref(s), 1, settle)),
    )
    .await?;
    Ok(())
}

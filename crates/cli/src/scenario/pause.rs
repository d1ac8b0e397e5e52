//! `pause`: a guardian pauses beta's route from alpha; greetings alpha → beta stop being delivered
//! (the relayer says why, and submits nothing), alpha → gamma goes on; the owner resumes the route
//! and the waiting greetings are delivered once.

use std::time::Duration;

use courier_bindings::Mailbox;
use courier_devnet::keys;
use courier_store::MessageState;

use super::{Context, ScenarioFuture};

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    let alpha = ctx.chain("alpha")?;
    let beta = ctx.chain("beta")?;
    let guardian = beta.anvil.signing_provider(keys::watcher());
    Mailbox::new(beta.deployment.mailbox, &guardian)
        .pauseRoute(alpha.domain())
        .send()
        .await?
        .get_receipt()
        .await?;
    ctx.step("a guardian paused beta's deliveries from alpha");

    ctx.start_validators(&[0, 1, 2, 3, 4]).await?;
    ctx.start_relayer().await?;
    let to_beta = ctx.send_greetings("alpha", "beta", 2, "paused").await?;
    let to_gamma = ctx
        .send_greetings("alpha", "gamma", 1, "not paused")
        .await?;
    ctx.wait_delivered("gamma", &to_gamma, Duration::from_secs(30))
        .await?;
    ctx.step("alpha → gamma delivered while beta's route is paused");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let records = ctx.records(&to_beta)?;
    let waiting = records
        .iter()
        .flatten()
        .filter(|r| {
            r.state != MessageState::Delivered
                && r.submitted_tx.is_none()
                && r.last_error
                    .as_deref()
                    .is_some_and(|e| e.contains("RoutePaused"))
        })
        .count();
    let delivered =
        futures::future::try_join_all(to_beta.iter().map(|s| ctx.delivered(&s.message)))
            .await?
            .into_iter()
            .filter(|d| *d)
            .count();
    ctx.check(
        "beta: nothing delivered while paused; the relayer submits nothing and says the route is paused",
        delivered == 0 && waiting == to_beta.len(),
        format!(
            "{delivered} delivered; {waiting} of {} waiting with RoutePaused; {}",
            to_beta.len(),
            ctx.state_summary(&to_beta)?
        ),
    )?;

    // Only the owner resumes.
    let owner = beta.anvil.signing_provider(keys::deployer());
    Mailbox::new(beta.deployment.mailbox, &owner)
        .unpauseRoute(alpha.domain())
        .send()
        .await?
        .get_receipt()
        .await?;
    ctx.step("the owner resumed the route");
    let took = ctx
        .wait_delivered("beta", &to_beta, Duration::from_secs(30))
        .await?;
    ctx.timing("delivery after the resume", took);
    ctx.check_delivered_once("beta", &to_beta, 2).await?;
    Ok(())
}

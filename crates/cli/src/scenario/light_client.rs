//! `light-client`: messages delivered by the light-client verifier alone. No validator runs; the
//! relayer and its light-client relay do everything: alpha's root committed on alpha, the block
//! holding the commit finalized by alpha's (simulated) sync committee, the update verified by the
//! relay's own light client and by beta's and gamma's `EthereumLightClient`, and the messages
//! proven by storage proofs of alpha's committed root against the state root the light client
//! learned. Then, with nothing pending, the route stays idle: no commit, no update.

use std::time::Duration;

use alloy::{providers::Provider, rpc::types::Filter, sol_types::SolEvent};
use alloy_primitives::U256;
use courier_bindings::{EthereumLightClient, LightClientVerifier, Mailbox};

use super::{Context, ScenarioFuture, Sent};

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    ctx.start_relayer().await?;
    ctx.step("started the relayer (with its light-client relay); no validator runs");
    let lc = ctx.light_client()?;
    let origin = lc.origin.clone();
    let app = lc.origin_hello_app;

    let routes = [("beta", 3usize), ("gamma", 2)];
    let mut all: Vec<(&str, Vec<Sent>)> = Vec::new();
    for (to, count) in routes {
        let sent = ctx
            .send_greetings_from(app, &origin, to, count, "by light client")
            .await?;
        ctx.step(format!(
            "{count} greetings {origin} → {to} to the HelloApp that uses the light-client verifier (nonces {}..={})",
            sent[0].message.nonce,
            sent[sent.len() - 1].message.nonce
        ));
        all.push((to, sent));
    }
    for (to, sent) in &all {
        let took = ctx
            .wait_delivered(to, sent, Duration::from_secs(60))
            .await?;
        ctx.timing(format!("delivery {origin} → {to} by light client"), took);
    }
    ctx.step("all delivered");

    // No committee was involved: not one checkpoint exists.
    let checkpoints = ctx.checkpoint_files(ctx.chain(&origin)?.domain())?;
    ctx.check(
        "no validator signed anything: the checkpoint folder is empty",
        checkpoints.is_empty(),
        format!("{} checkpoint files", checkpoints.len()),
    )?;

    let alpha = ctx.chain(&origin)?;
    let commits = root_commits(ctx, &origin).await?;
    ctx.check(
        format!("{origin}: commitRoot() was called (RootCommitted events)"),
        !commits.is_empty(),
        format!("{} commits: {commits:?}", commits.len()),
    )?;
    for (to, sent) in &all {
        ctx.check_delivered_once(to, sent, sent.len() as u64)
            .await?;
        let deployment = ctx.light_client_on(to)?;
        let last = ctx.last_greeting_of(to, deployment.hello_app).await?;
        let expected = &sent[sent.len() - 1].text;
        ctx.check(
            format!("{to}: the light-client HelloApp's lastGreeting() is the last greeting sent"),
            &last == expected,
            format!("lastGreeting() = {last:?}"),
        )?;
        // The light client holds an origin block at or after a commit covering every message,
        // and the verifier accepted that commit's root (proved by a storage proof, mode 0x03).
        let chain = ctx.chain(to)?;
        let client = EthereumLightClient::new(deployment.client, chain.anvil.provider());
        let held = client.latestExecutionBlock().call().await?;
        let needed = sent[sent.len() - 1].message.nonce;
        let covering = commits
            .iter()
            .filter(|(_, count, block)| *count > needed && *block <= held)
            .collect::<Vec<_>>();
        ctx.check(
            format!(
                "{to}: the light client holds {origin}'s block of a commit covering nonce {needed}"
            ),
            !covering.is_empty(),
            format!("latestExecutionBlock = {held}; commits (root, count, block) = {commits:?}"),
        )?;
        let state_root = client.executionStateRoot(U256::from(held)).call().await?;
        let actual = alpha
            .anvil
            .provider()
            .get_block_by_number(held.into())
            .await?
            .map(|b| b.header.state_root);
        ctx.check(
            format!("{to}: the light client's state root of {origin} block {held} is the chain's"),
            actual == Some(state_root),
            format!("light client: {state_root}; {origin}: {actual:?}"),
        )?;
        let verifier = LightClientVerifier::new(deployment.verifier, chain.anvil.provider());
        let mut accepted = Vec::new();
        for (root, count, block) in &covering {
            if verifier.acceptedRoot(alpha.domain(), *root).call().await? {
                accepted.push((*root, *count, *block));
            }
        }
        ctx.check(
            format!(
                "{to}: the LightClientVerifier accepted a committed root covering the messages"
            ),
            !accepted.is_empty(),
            format!("accepted: {accepted:?}"),
        )?;
    }

    // Idle routes cost nothing: with nothing pending, no commit and no update for a while.
    let before = idle_marks(ctx, &all).await?;
    let settle = Duration::from_secs(4);
    ctx.step(format!("waiting {settle:?} with nothing pending"));
    tokio::time::sleep(settle).await;
    let after = idle_marks(ctx, &all).await?;
    ctx.check(
        "idle: no commitRoot() and no light-client update while nothing is pending",
        before == after,
        format!("(commits, finalized slots) before {before:?}, after {after:?}"),
    )?;
    Ok(())
}

/// `(root, count, block)` of every `RootCommitted` event of `chain`'s Mailbox.
pub(super) async fn root_commits(
    ctx: &Context,
    chain: &str,
) -> eyre::Result<Vec<(alloy_primitives::B256, u32, u64)>> {
    let c = ctx.chain(chain)?;
    let filter = Filter::new()
        .address(c.deployment.mailbox)
        .event_signature(Mailbox::RootCommitted::SIGNATURE_HASH)
        .from_block(c.deployment.deploy_block);
    let logs = c.anvil.provider().get_logs(&filter).await?;
    logs.iter()
        .map(|l| {
            let e = Mailbox::RootCommitted::decode_log(&l.inner)?;
            Ok((
                e.data.root,
                e.data.count,
                l.block_number.unwrap_or_default(),
            ))
        })
        .collect()
}

/// How many commits the origin has, and each destination light client's finalized slot.
async fn idle_marks(ctx: &Context, all: &[(&str, Vec<Sent>)]) -> eyre::Result<(usize, Vec<u64>)> {
    let origin = ctx.light_client()?.origin.clone();
    let commits = root_commits(ctx, &origin).await?.len();
    let mut slots = Vec::new();
    for (to, _) in all {
        let d = ctx.light_client_on(to)?;
        let chain = ctx.chain(to)?;
        slots.push(
            EthereumLightClient::new(d.client, chain.anvil.provider())
                .finalizedSlot()
                .call()
                .await?,
        );
    }
    Ok((commits, slots))
}

//! `optimistic`: greetings alpha → beta verified by the optimistic verifier alone. No validator
//! runs: the relayer's proposer claims alpha's root (its own tree of final dispatches, signed with
//! its bonded key), the watcher checks the claim against alpha and lets it pass, the claim matures
//! after the dispute window, and the greetings are proven against it (mode 0x04).

use std::time::Duration;

use alloy::{providers::Provider, rpc::types::Filter, sol_types::SolEvent};
use courier_bindings::OptimisticVerifier;
use courier_core::MerkleTree;

use super::{Context, ScenarioFuture};

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    let opt = ctx.optimistic()?;
    let origin = opt.origin.clone();
    let window = opt.setup.window_seconds;
    ctx.start_watcher().await?;
    ctx.start_relayer().await?;
    ctx.step("started the relayer (with its proposer); no validator runs");
    let sent = ctx
        .send_greetings_from(opt.setup.origin_hello_app, &origin, "beta", 3, "optimistic")
        .await?;
    ctx.step(format!(
        "3 greetings {origin} → beta to the HelloApp that uses the optimistic verifier (window {window} s)"
    ));
    let took = ctx
        .wait_delivered("beta", &sent, Duration::from_secs(60))
        .await?;
    ctx.timing("delivery by optimistic claim", took);
    ctx.check_delivered_once("beta", &sent, 3).await?;

    let beta = ctx.chain("beta")?;
    let d = ctx.optimistic_on("beta")?;
    let logs = beta
        .anvil
        .provider()
        .get_logs(
            &Filter::new()
                .address(d.verifier)
                .event_signature(OptimisticVerifier::ClaimPosted::SIGNATURE_HASH)
                .from_block(beta.deployment.deploy_block),
        )
        .await?;
    let claims = logs
        .iter()
        .map(|l| OptimisticVerifier::ClaimPosted::decode_log(&l.inner).map(|e| e.data))
        .collect::<Result<Vec<_>, _>>()?;
    let dispatched = ctx.dispatched(&origin).await?;
    let tree = MerkleTree::from_leaves(dispatched.iter().map(|x| x.id))?;
    let last = sent[sent.len() - 1].message.nonce;
    let verifier = OptimisticVerifier::new(d.verifier, beta.anvil.provider());
    let mut covering = Vec::new();
    for c in &claims {
        let true_root = tree.root_at(c.index + 1).ok() == Some(c.root);
        let accepted = verifier
            .acceptedRoot(opt.origin_domain, c.root)
            .call()
            .await?;
        if c.index >= last && true_root && accepted {
            covering.push((c.root, c.index, c.proposer));
        }
    }
    ctx.check(
        "beta: an accepted claim by the bonded proposer covers the greetings, and its root is alpha's",
        covering
            .iter()
            .any(|(_, _, p)| *p == courier_devnet::keys::PROPOSER_ADDRESS),
        format!("{} claims posted; covering and accepted: {covering:?}", claims.len()),
    )?;
    let vetoed = beta
        .anvil
        .provider()
        .get_logs(
            &Filter::new()
                .address(d.verifier)
                .event_signature(OptimisticVerifier::ClaimVetoed::SIGNATURE_HASH)
                .from_block(beta.deployment.deploy_block),
        )
        .await?;
    ctx.check(
        "beta: no claim was vetoed",
        vetoed.is_empty(),
        format!("{} vetoes", vetoed.len()),
    )?;
    let checkpoints = ctx.checkpoint_files(opt.origin_domain)?;
    ctx.check(
        "no validator signed anything",
        checkpoints.is_empty(),
        format!("{} checkpoint files", checkpoints.len()),
    )?;
    ctx.check(
        "delivery waited for the dispute window",
        took >= Duration::from_secs(window),
        format!("delivered after {took:.2?}, window {window} s"),
    )?;
    let verified = ctx.watcher_count("claims_verified")?;
    ctx.check(
        "the watcher checked the claims and found them true",
        verified >= 1,
        format!("courier_watcher_claims_verified = {verified}"),
    )?;
    Ok(())
}

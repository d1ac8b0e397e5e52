//! `aggregation`: greetings alpha → beta to a HelloApp whose verifier needs the committee AND the
//! optimistic verifier (2 of 2). Either alone is not enough:
//!
//! (a) the validators sign the greeting's checkpoint at once, but nothing is delivered before the
//! proposer's claim has matured; (b) with the validators stopped, a second greeting's claim
//! matures and still nothing is delivered until the validators sign again.

use std::time::Duration;

use alloy::providers::Provider;
use courier_bindings::OptimisticVerifier;
use courier_core::MerkleTree;

use super::{Context, ScenarioFuture, Wait};

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    let opt = ctx.optimistic()?;
    let origin = opt.origin.clone();
    let app = opt.setup.origin_hello_both;
    let beta = ctx.chain("beta")?;
    let d = ctx.optimistic_on("beta")?;
    let optimistic = OptimisticVerifier::new(d.verifier, beta.anvil.provider());
    ctx.start_validators(&[0, 1, 2, 3, 4]).await?;
    ctx.start_watcher().await?;
    ctx.start_relayer().await?;

    // (a) The committee alone: signatures come first, delivery waits for the claim.
    let first = ctx
        .send_greetings_from(app, &origin, "beta", 1, "committee and optimistic")
        .await?;
    let nonce = first[0].message.nonce;
    ctx.wait_for(
        "a quorum of validators signed the greeting's checkpoint",
        Duration::from_secs(20),
        || async {
            let signed = ctx
                .checkpoint_files(opt.origin_domain)?
                .iter()
                .filter(|f| {
                    f.content
                        .as_ref()
                        .is_ok_and(|c| c.checkpoint.index >= nonce)
                })
                .count();
            Ok(if signed >= 3 {
                Wait::Done(())
            } else {
                Wait::NotYet(format!("{signed} signatures"))
            })
        },
    )
    .await?;
    // When the quorum was there, in the destination's clock.
    let quorum_at = ctx.block_time("beta").await?;
    let claim_ready = ctx
        .wait_for(
            "a claim covering the greeting",
            Duration::from_secs(20),
            || async {
                let claims = ctx.claims("beta", d.verifier).await?;
                Ok(match claims.iter().find(|c| c.1 >= nonce) {
                    Some(c) => Wait::Done(c.2),
                    None => Wait::NotYet(format!("{} claims", claims.len())),
                })
            },
        )
        .await?
        .0;
    ctx.check(
        "the committee had signed before the claim matured",
        quorum_at < claim_ready,
        format!("quorum by beta time {quorum_at}, claim matures at {claim_ready}"),
    )?;
    ctx.wait_delivered("beta", &first, Duration::from_secs(40))
        .await?;
    let processed = ctx.processed("beta").await?;
    let block = processed
        .iter()
        .find(|p| p.id == first[0].id)
        .map(|p| p.block)
        .ok_or_else(|| eyre::eyre!("no Process event"))?;
    let delivered_at = ctx.block_time_at("beta", block).await?;
    ctx.check(
        "delivered only once the claim matured",
        delivered_at >= claim_ready,
        format!("delivered at {delivered_at}, claim matured at {claim_ready}"),
    )?;

    // (b) The optimistic verifier alone: a matured claim, no committee.
    ctx.stop_validators().await;
    let second = ctx
        .send_greetings_from(app, &origin, "beta", 1, "claim without committee")
        .await?;
    let nonce2 = second[0].message.nonce;
    let ready2 = ctx
        .wait_for(
            "a claim covering the second greeting",
            Duration::from_secs(30),
            || async {
                let claims = ctx.claims("beta", d.verifier).await?;
                Ok(match claims.iter().find(|c| c.1 >= nonce2) {
                    Some(c) => Wait::Done(c.2),
                    None => Wait::NotYet(format!("{} claims", claims.len())),
                })
            },
        )
        .await?
        .0;
    ctx.wait_for("the claim matures", Duration::from_secs(30), || async {
        let now = ctx.block_time("beta").await?;
        Ok(if now > ready2 + 2 {
            Wait::Done(())
        } else {
            Wait::NotYet(format!("beta time {now}, ready at {ready2}"))
        })
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let delivered = ctx.delivered(&second[0].message).await?;
    let reason = ctx
        .relayer_store()?
        .message(second[0].id)?
        .and_then(|r| r.last_error)
        .unwrap_or_default();
    ctx.check(
        "a matured claim alone delivers nothing; the relayer says a sub-verifier is missing",
        !delivered && reason.contains("sub-verifiers"),
        format!("delivered {delivered}; relayer: {reason:?}"),
    )?;
    ctx.start_validators(&[0, 1, 2, 3, 4]).await?;
    ctx.wait_delivered("beta", &second, Duration::from_secs(40))
        .await?;
    let mut all = first.clone();
    all.extend(second.iter().cloned());
    ctx.check_delivered_once("beta", &all, 2).await?;

    // Each delivery carried a mode-0x05 proof with a part for each sub-verifier (committee, then
    // optimistic), and the optimistic verifier accepted a true root covering the greetings.
    let processed = ctx.processed("beta").await?;
    let mut shapes = Vec::new();
    for s in &all {
        let Some(p) = processed.iter().find(|p| p.id == s.id) else {
            continue;
        };
        let tx = beta
            .anvil
            .provider()
            .get_transaction_by_hash(p.tx)
            .await?
            .ok_or_else(|| eyre::eyre!("no transaction {}", p.tx))?;
        let input = alloy::consensus::Transaction::input(&tx);
        let call =
            <courier_bindings::Mailbox::processBatchCall as alloy::sol_types::SolCall>::abi_decode(
                input,
            )?;
        shapes.push(parts(&call.proof));
    }
    ctx.check(
        "beta: every delivery's proof is an aggregate (0x05) of a committee part and an optimistic part",
        shapes.len() == all.len() && shapes.iter().all(|s| s.as_deref() == Some(&[0u8, 1][..])),
        format!("sub-verifier indices per delivery: {shapes:?}"),
    )?;
    let dispatched = ctx.dispatched(&origin).await?;
    let tree = MerkleTree::from_leaves(dispatched.iter().map(|x| x.id))?;
    let mut accepted = Vec::new();
    for c in ctx.claims("beta", d.verifier).await? {
        if c.1 >= nonce2
            && tree.root_at(c.1 + 1).ok() == Some(c.0)
            && optimistic
                .acceptedRoot(opt.origin_domain, c.0)
                .call()
                .await?
        {
            accepted.push(c.0);
        }
    }
    ctx.check(
        "beta: the optimistic verifier accepted a true root covering the greetings",
        !accepted.is_empty(),
        format!("{accepted:?}"),
    )?;
    Ok(())
}

/// The sub-verifier indices of a mode-0x05 proof, or `None` if it is not one.
fn parts(proof: &[u8]) -> Option<Vec<u8>> {
    if proof.first() != Some(&0x05) {
        return None;
    }
    let count = usize::from(*proof.get(1)?);
    let mut at = 2;
    let mut out = Vec::new();
    for _ in 0..count {
        out.push(*proof.get(at)?);
        let len = u32::from_be_bytes(proof.get(at + 1..at + 5)?.try_into().ok()?) as usize;
        at += 5 + len;
    }
    (at == proof.len()).then_some(out)
}

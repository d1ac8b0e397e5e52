//! `optimistic-fraud`: the bonded proposer signs a false claim of alpha's root for a real greeting
//! alpha → beta. The watcher sees alpha contradict it, vetoes it during the window (which pauses
//! the route), and proves the fraud on alpha, where the proposer's bond is slashed and the watcher
//! paid. The false claim is never accepted, and nothing under it is delivered.

use std::time::Duration;

use alloy::providers::Provider;
use alloy_primitives::{Bytes, keccak256};
use courier_bindings::{OptimisticVerifier, ProposerBond};
use courier_core::{checkpoint::encode_signature, claim::Claim};
use courier_devnet::keys;

use super::{Context, ScenarioFuture, Wait};

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    let opt = ctx.optimistic()?;
    let origin = opt.origin.clone();
    let alpha = ctx.chain(&origin)?;
    let beta = ctx.chain("beta")?;
    let d = ctx.optimistic_on("beta")?;
    ctx.start_watcher().await?;

    let sent = ctx
        .send_greetings_from(
            opt.setup.origin_hello_app,
            &origin,
            "beta",
            1,
            "under a lie",
        )
        .await?;
    let nonce = sent[0].message.nonce;
    // The false claim, signed with the bonded proposer's key, posted by hand.
    let lie = keccak256(b"a root alpha never had");
    let claim = Claim {
        origin: opt.origin_domain,
        origin_mailbox: alpha.deployment.mailbox.into_word(),
        root: lie,
        index: nonce,
    };
    let key = courier_core::checkpoint::signing_key(&keys::PROPOSER_PRIVATE_KEY)?;
    let signature = Bytes::copy_from_slice(&encode_signature(&claim.sign(&key)?));
    let poster = beta.anvil.signing_provider(keys::deployer());
    let verifier = OptimisticVerifier::new(d.verifier, &poster);
    verifier
        .postClaim(opt.origin_domain, lie, nonce, signature)
        .send()
        .await?
        .get_receipt()
        .await?;
    ctx.step(format!(
        "the proposer's false claim of index {nonce} (root {lie}) posted on beta"
    ));

    let bond = ProposerBond::new(opt.setup.proposer_bond, alpha.anvil.provider());
    let watcher_before = ctx.balance(&origin, keys::WATCHER_ADDRESS).await?;
    ctx.wait_for(
        "the watcher vetoes the claim and slashes the proposer on alpha",
        Duration::from_secs(30),
        || async {
            let c = verifier.claims(opt.origin_domain, lie).call().await?;
            let b = bond.bonds(keys::PROPOSER_ADDRESS).call().await?;
            Ok(if c.vetoed && b.slashed {
                Wait::Done(())
            } else {
                Wait::NotYet(format!("vetoed {}, slashed {}", c.vetoed, b.slashed))
            })
        },
    )
    .await?;
    let c = verifier.claims(opt.origin_domain, lie).call().await?;
    let vetoes = beta
        .anvil
        .provider()
        .get_logs(
            &alloy::rpc::types::Filter::new()
                .address(d.verifier)
                .event_signature(
                    <OptimisticVerifier::ClaimVetoed as alloy::sol_types::SolEvent>::SIGNATURE_HASH,
                )
                .from_block(beta.deployment.deploy_block),
        )
        .await?;
    let veto_block = vetoes
        .first()
        .and_then(|l| l.block_number)
        .ok_or_else(|| eyre::eyre!("no ClaimVetoed event on beta"))?;
    let veto_time = beta
        .anvil
        .provider()
        .get_block_by_number(veto_block.into())
        .await?
        .map(|b| b.header.timestamp)
        .unwrap_or(u64::MAX);
    let ready_at = c.readyAt.to::<u64>();
    ctx.check(
        "the veto landed within the dispute window",
        veto_time < ready_at,
        format!("vetoed in block {veto_block} at {veto_time}; the claim matured at {ready_at}"),
    )?;

    // Start the relayer now: with the route paused, its own (true) claims are refused and
    // nothing is delivered; the false root is never accepted.
    ctx.start_relayer().await?;
    let settle = Duration::from_secs(u64::from(u32::try_from(opt.setup.window_seconds)?) + 3);
    ctx.step(format!(
        "relayer running; waiting {settle:?} past the window"
    ));
    tokio::time::sleep(settle).await;
    let accepted = verifier.acceptedRoot(opt.origin_domain, lie).call().await?;
    let paused = verifier.routes(opt.origin_domain).call().await?.paused;
    let delivered = ctx.delivered(&sent[0].message).await?;
    ctx.check(
        "the false root is never accepted; the route stays paused; the greeting is not delivered",
        !accepted && paused && !delivered,
        format!("accepted {accepted}, paused {paused}, delivered {delivered}"),
    )?;
    let b = bond.bonds(keys::PROPOSER_ADDRESS).call().await?;
    let watcher_after = ctx.balance(&origin, keys::WATCHER_ADDRESS).await?;
    ctx.check(
        "alpha: the proposer's bond is slashed and the watcher paid its share (net of gas)",
        b.slashed && b.amount == 0 && watcher_after > watcher_before,
        format!(
            "slashed {}, bond {}, watcher balance {watcher_before} → {watcher_after}",
            b.slashed, b.amount
        ),
    )?;
    let false_claims = ctx.watcher_count("false_claims")?;
    ctx.check(
        "the watcher raised its paging metric",
        false_claims >= 1,
        format!("courier_watcher_false_claims = {false_claims}"),
    )?;
    Ok(())
}

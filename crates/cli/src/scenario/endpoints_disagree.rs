//! `endpoints-disagree`: the watcher reads alpha through two endpoints, and the second one tells
//! another history — a fork of alpha where a different greeting took the same nonce. The
//! proposer's claim (true, as alpha has it) is then one the watcher cannot confirm: it raises the
//! alarm and vetoes it rather than let it pass, and proves nothing against anyone (the proposer
//! keeps its bond). Once the operator drops the lying endpoint and the owner resumes the route,
//! a new claim matures and the greetings are delivered.

use std::time::Duration;

use alloy::sol_types::SolEvent;
use courier_bindings::{HelloApp, Mailbox, OptimisticVerifier, ProposerBond};
use courier_core::{MerkleTree, Message};
use courier_devnet::{Anvil, AnvilConfig, keys};

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

    // The second endpoint: a fork of alpha as it is now, where a greeting alpha never sends
    // takes the next nonce and is final.
    let fork = Anvil::spawn(AnvilConfig::fork(alpha.domain(), alpha.anvil.url().clone())).await?;
    let forked = fork.signing_provider(keys::deployer());
    let receipt = HelloApp::new(opt.setup.origin_hello_app, &forked)
        .greet(beta.domain(), "a greeting alpha never sent".into())
        .send()
        .await?
        .get_receipt()
        .await?;
    let other = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| Mailbox::Dispatch::decode_log(&l.inner).ok())
        .ok_or_else(|| eyre::eyre!("no Dispatch on the fork"))?;
    let other = Message::decode(&other.data.message)?;
    fork.mine(alpha.spec.finality_depth + 1).await?;
    ctx.step(format!(
        "a fork of alpha serves as the watcher's second endpoint; there, nonce {} is another greeting, final",
        other.nonce
    ));
    ctx.start_watcher_with(vec![fork.url().clone()]).await?;

    let sent = ctx
        .send_greetings_from(opt.setup.origin_hello_app, &origin, "beta", 1, "contested")
        .await?;
    let nonce = sent[0].message.nonce;
    let dispatched = ctx.dispatched(&origin).await?;
    let alpha_tree = MerkleTree::from_leaves(dispatched.iter().map(|x| x.id))?;
    let fork_tree = MerkleTree::from_leaves(
        dispatched
            .iter()
            .take_while(|x| x.message.nonce < other.nonce)
            .map(|x| x.id)
            .chain([other.id()]),
    )?;
    let (alpha_root, fork_root) = (
        alpha_tree.root_at(nonce + 1)?,
        fork_tree.root_at(other.nonce + 1)?,
    );
    ctx.check(
        "the two endpoints really disagree: alpha and the fork have different roots at that index",
        other.nonce == nonce && alpha_root != fork_root,
        format!(
            "index {nonce}: alpha {alpha_root}, fork {fork_root} (fork nonce {})",
            other.nonce
        ),
    )?;

    ctx.start_relayer().await?;
    ctx.step("started the relayer; its proposer claims alpha's (true) root");
    let verifier = OptimisticVerifier::new(d.verifier, beta.anvil.provider());
    let contested = ctx
        .wait_for(
            "the watcher vetoes the claim it cannot confirm and raises the alarm",
            Duration::from_secs(30),
            || async {
                let disagreements = ctx.watcher_count("endpoint_disagreements")?;
                for (root, index, _) in ctx.claims("beta", d.verifier).await? {
                    let c = verifier.claims(opt.origin_domain, root).call().await?;
                    if index >= nonce && c.vetoed && disagreements >= 1 {
                        return Ok(Wait::Done((root, index, c.readyAt.to::<u64>())));
                    }
                }
                Ok(Wait::NotYet(format!(
                    "courier_watcher_endpoint_disagreements = {disagreements}"
                )))
            },
        )
        .await?;
    let ((root, index, ready_at), _) = contested;
    ctx.check(
        "the vetoed claim is the true one (alpha's root): the alarm stops it anyway, before it matures",
        alpha_tree.root_at(index + 1).ok() == Some(root) && ctx.block_time("beta").await? < ready_at,
        format!("claim of index {index}, root {root}; matures at {ready_at}"),
    )?;

    let settle = Duration::from_secs(opt.setup.window_seconds + 2);
    tokio::time::sleep(settle).await;
    let accepted = verifier
        .acceptedRoot(opt.origin_domain, root)
        .call()
        .await?;
    let paused = verifier.routes(opt.origin_domain).call().await?.paused;
    let delivered = ctx.delivered(&sent[0].message).await?;
    let bond = ProposerBond::new(opt.setup.proposer_bond, alpha.anvil.provider())
        .bonds(keys::PROPOSER_ADDRESS)
        .call()
        .await?;
    let false_claims = ctx.watcher_count("false_claims")?;
    ctx.check(
        "past the window: not accepted, the route paused, nothing delivered; no fraud claimed, the proposer keeps its bond",
        !accepted && paused && !delivered && !bond.slashed && bond.amount > 0 && false_claims == 0,
        format!(
            "accepted {accepted}, paused {paused}, delivered {delivered}, slashed {}, bond {}, false claims {false_claims}",
            bond.slashed, bond.amount
        ),
    )?;

    // The operator takes the lying endpoint out; the owner resumes the route.
    ctx.stop_watcher().await?;
    drop(fork);
    ctx.start_watcher().await?;
    let owner = beta.anvil.signing_provider(keys::deployer());
    OptimisticVerifier::new(d.verifier, &owner)
        .resume(opt.origin_domain)
        .send()
        .await?
        .get_receipt()
        .await?;
    ctx.step("the lying endpoint removed; the owner resumed beta's route from alpha");
    let more = ctx
        .send_greetings_from(opt.setup.origin_hello_app, &origin, "beta", 1, "resumed")
        .await?;
    let all: Vec<_> = sent.iter().chain(&more).cloned().collect();
    let took = ctx
        .wait_delivered("beta", &all, Duration::from_secs(45))
        .await?;
    ctx.timing("delivery after resuming", took);
    let paused = verifier.routes(opt.origin_domain).call().await?.paused;
    ctx.check(
        "both greetings delivered under a new claim; the route is open",
        !paused,
        format!("paused {paused}"),
    )?;
    Ok(())
}

//! `equivocation`: a validator signs two different roots for one index of alpha's Mailbox. The
//! watcher, reading the checkpoint store, sees the second signature next to the first and shows
//! both to the committee's `ValidatorStaking`: the validator's stake is slashed, the watcher is paid
//! its share, and the others keep theirs.

use std::time::Duration;

use alloy_primitives::keccak256;
use courier_bindings::ValidatorStaking;
use courier_chain::{CheckpointStore, folder::FolderCheckpointStore};
use courier_devnet::keys;

use super::{Context, ScenarioFuture, Wait};

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    let opt = ctx.optimistic()?;
    let alpha = ctx.chain(&opt.origin)?;
    let staking = ValidatorStaking::new(opt.setup.validator_staking, alpha.anvil.provider());
    let rogue = ctx.devnet.validator_keys[0].clone();
    ctx.start_validators(&[0, 1, 2, 3, 4]).await?;
    ctx.start_watcher().await?;
    let sent = ctx.send_greetings("alpha", "beta", 1, "witnessed").await?;
    let nonce = sent[0].message.nonce;
    let store = FolderCheckpointStore::new(ctx.config.checkpoints_dir());
    let (honest, _) = ctx
        .wait_for(
            format!("validator {} signed index {nonce}", rogue.address),
            Duration::from_secs(20),
            || async {
                Ok(
                    match store.get(alpha.domain(), rogue.address, nonce).await? {
                        Some(c) => Wait::Done(c),
                        None => Wait::NotYet("not yet".to_owned()),
                    },
                )
            },
        )
        .await?;
    // Let the watcher read the honest signature first.
    tokio::time::sleep(Duration::from_secs(2)).await;
    ctx.stop_validators().await;

    // The same key signs another root for the same index, and publishes it.
    let mut lie = honest.checkpoint;
    lie.root = keccak256(b"another root for the same index");
    let signed = lie.sign(&rogue.key)?;
    store.publish(&signed).await?;
    ctx.step(format!(
        "validator {} signed a second root for index {nonce} of alpha: {} (first: {})",
        rogue.address, lie.root, honest.checkpoint.root
    ));

    let watcher_before = ctx.balance(&opt.origin, keys::WATCHER_ADDRESS).await?;
    ctx.wait_for(
        "the watcher has the validator slashed",
        Duration::from_secs(30),
        || async {
            let s = staking.stakes(rogue.address).call().await?;
            Ok(if s.slashed {
                Wait::Done(())
            } else {
                Wait::NotYet(format!("stake {}", s.amount))
            })
        },
    )
    .await?;
    let s = staking.stakes(rogue.address).call().await?;
    let watcher_after = ctx.balance(&opt.origin, keys::WATCHER_ADDRESS).await?;
    ctx.check(
        "the equivocating validator's whole stake is gone; the watcher got its share (net of gas)",
        s.slashed && s.amount == 0 && watcher_after > watcher_before,
        format!(
            "slashed {}, stake {}, watcher {watcher_before} → {watcher_after}",
            s.slashed, s.amount
        ),
    )?;
    let mut intact = 0;
    for k in &ctx.devnet.validator_keys[1..] {
        let other = staking.stakes(k.address).call().await?;
        if !other.slashed && other.amount > 0 {
            intact += 1;
        }
    }
    ctx.check(
        "the honest validators keep their stakes",
        intact == ctx.devnet.validator_keys.len() - 1,
        format!("{intact} intact"),
    )?;
    let seen = ctx.watcher_count("equivocations")?;
    ctx.check(
        "the watcher raised its paging metric",
        seen >= 1,
        format!("courier_watcher_equivocations = {seen}"),
    )?;
    Ok(())
}

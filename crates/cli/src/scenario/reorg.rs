//! `reorg`: on alpha (final at depth 2), a greeting's dispatch lands in a block and that block is
//! then reorged away before it is final: interval mining stops, the greeting is sent, one block is
//! mined (the dispatch is in it, one block deep), `anvil_reorg(1)` replaces that block with an
//! empty one, and mining resumes. The reorged-out message must never be delivered, and no
//! validator may ever publish a checkpoint containing it: every file of the checkpoint folder is
//! read, and every published root must equal the root of the final chain at that index, rebuilt
//! from the Mailbox's `Dispatch` logs. A greeting sent afterwards takes the freed nonce and is
//! delivered: the system still works.

use std::time::Duration;

use alloy::providers::Provider;
use courier_bindings::Mailbox;
use courier_core::MerkleTree;
use courier_store::{MessageState, Store};

use super::{Context, ScenarioFuture, Wait};

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    let alpha = ctx.chain("alpha")?;
    let depth = alpha.spec.finality_depth;
    ctx.check(
        "the origin's finality depth is at least 2 (a block one deep is not final)",
        depth >= 2,
        format!("alpha is final at depth {depth}"),
    )?;
    ctx.start_validators(&[0, 1, 2, 3, 4]).await?;
    ctx.start_relayer().await?;
    ctx.step("started the relayer");

    let before = ctx
        .send_greetings("alpha", "beta", 1, "before the reorg")
        .await?;
    ctx.wait_delivered("beta", &before, Duration::from_secs(30))
        .await?;
    ctx.step("a first greeting alpha → beta is delivered (nonce 0)");

    // The reorg: one block with the dispatch, replaced before it is final.
    alpha.anvil.stop_mining().await?;
    let head = alpha.anvil.block_number().await?;
    let hashes = ctx
        .submit_greetings("alpha", "beta", &["reorged away".to_owned()])
        .await?;
    ctx.wait_for(
        "the doomed dispatch in alpha's pool",
        Duration::from_secs(10),
        || async {
            let pending = alpha.anvil.pending_transactions().await?;
            Ok(if pending > 0 {
                Wait::Done(())
            } else {
                Wait::NotYet(format!("{pending} pending"))
            })
        },
    )
    .await?;
    alpha.anvil.mine(1).await?;
    let receipt = ctx.receipts("alpha", &hashes).await?;
    let doomed = receipt
        .first()
        .map(|r| super::sent_from(r, "reorged away".to_owned()))
        .transpose()?
        .ok_or_else(|| eyre::eyre!("no receipt for the doomed dispatch"))?;
    let now = alpha.anvil.block_number().await?;
    ctx.check(
        "the dispatch landed in a block that is not final",
        doomed.block == head + 1 && now == doomed.block && now - doomed.block < depth,
        format!(
            "dispatch of {} (nonce {}) in block {}, head {now}, final at depth {depth}",
            doomed.id, doomed.message.nonce, doomed.block
        ),
    )?;
    let old_hash = block_hash(ctx, doomed.block).await?;
    alpha.anvil.reorg(1).await?;
    let gone = ctx
        .chain("alpha")?
        .anvil
        .provider()
        .get_transaction_receipt(doomed.tx)
        .await?
        .is_none();
    let new_hash = block_hash(ctx, doomed.block).await?;
    let pool = alpha.anvil.pending_transactions().await?;
    let count = Mailbox::new(alpha.deployment.mailbox, alpha.anvil.provider())
        .count()
        .call()
        .await?;
    ctx.check(
        "after anvil_reorg(1) the dispatch is gone",
        gone && new_hash != old_hash && pool == 0 && count == doomed.message.nonce,
        format!(
            "receipt gone: {gone}; block {} was {old_hash}, now {new_hash}; {pool} transactions pending; Mailbox.count() = {count}",
            doomed.block
        ),
    )?;
    alpha.anvil.resume_mining().await?;
    ctx.step(format!(
        "reorged block {} (holding message {}, nonce {}) away one block deep; mining resumed",
        doomed.block, doomed.id, doomed.message.nonce
    ));

    // The system still works: the next greeting takes the freed nonce and is delivered.
    let after = ctx
        .send_greetings("alpha", "beta", 1, "after the reorg")
        .await?;
    ctx.check(
        "the next greeting takes the freed nonce with another id",
        after[0].message.nonce == doomed.message.nonce && after[0].id != doomed.id,
        format!("nonce {}, id {}", after[0].message.nonce, after[0].id),
    )?;
    let took = ctx
        .wait_delivered("beta", &after, Duration::from_secs(30))
        .await?;
    ctx.timing("delivery after the reorg", took);
    // Long past the point where the doomed block would have been final.
    let reorged_block = doomed.block;
    ctx.wait_for(
        format!("alpha {} blocks past the reorged block", depth + 2),
        Duration::from_secs(20),
        || async {
            let now = alpha.anvil.block_number().await?;
            Ok(if now >= reorged_block + depth + 2 {
                Wait::Done(())
            } else {
                Wait::NotYet(format!("head {now}"))
            })
        },
    )
    .await?;

    let mut delivered = before.clone();
    delivered.extend(after.iter().cloned());
    ctx.check_delivered_once("beta", &delivered, 2).await?;
    let processed = ctx.processed("beta").await?;
    let last = ctx.last_greeting("beta").await?;
    ctx.check(
        "the reorged-out message was never delivered",
        !processed.iter().any(|p| p.id == doomed.id) && last != doomed.text,
        format!(
            "{} Process events on beta, none for {}; lastGreeting() = {last:?}",
            processed.len(),
            doomed.id
        ),
    )?;
    let record = ctx.relayer_store()?.message(doomed.id)?;
    ctx.check(
        "the relayer's store never took the reorged-out message for final",
        record
            .as_ref()
            .is_none_or(|r| r.state == MessageState::Reorged),
        format!("record: {:?}", record.map(|r| r.state)),
    )?;

    // The final chain's tree, from its Dispatch logs, agrees with the Mailbox.
    let dispatched = ctx.dispatched("alpha").await?;
    let tree = MerkleTree::from_leaves(dispatched.iter().map(|d| d.id))?;
    let on_chain = Mailbox::new(alpha.deployment.mailbox, alpha.anvil.provider())
        .root()
        .call()
        .await?;
    let nonces: Vec<u32> = dispatched.iter().map(|d| d.message.nonce).collect();
    ctx.check(
        "the final chain's Dispatch logs rebuild the Mailbox's root, without the reorged message",
        tree.root() == on_chain
            && nonces == (0..tree.len()).collect::<Vec<_>>()
            && !dispatched.iter().any(|d| d.id == doomed.id),
        format!(
            "{} dispatches (nonces {nonces:?}), rebuilt root {}, Mailbox.root() {on_chain}",
            tree.len(),
            tree.root()
        ),
    )?;

    // No validator ever published a checkpoint with it, nor any root the final chain does not have.
    let committee = ctx.devnet.committee(alpha)?;
    let files = ctx.checkpoint_files(alpha.domain())?;
    let mut bad = Vec::new();
    for file in &files {
        let name = file.path.display();
        match &file.content {
            Err(e) => bad.push(format!("{name}: unreadable: {e}")),
            Ok(signed) => {
                let cp = &signed.checkpoint;
                let truth = tree.root_at(cp.index + 1).ok();
                if cp.message_id == doomed.id {
                    bad.push(format!("{name}: names the reorged-out message"));
                }
                if truth != Some(cp.root) || tree.leaf(cp.index) != Some(cp.message_id) {
                    bad.push(format!(
                        "{name}: root {} at index {}, the final chain has {truth:?}",
                        cp.root, cp.index
                    ));
                }
                if committee.position(&signed.signer).is_none()
                    || file.folder != format!("{:#x}", signed.signer)
                {
                    bad.push(format!(
                        "{name}: signed by {}, not its folder's member",
                        signed.signer
                    ));
                }
            }
        }
    }
    let folders: std::collections::BTreeSet<&str> =
        files.iter().map(|f| f.folder.as_str()).collect();
    ctx.check(
        "every published checkpoint is of the final chain; none contains the reorged-out message",
        bad.is_empty() && folders.len() == committee.len() && !files.is_empty(),
        if bad.is_empty() {
            format!(
                "{} files from {} validators, every root equal to the rebuilt tree's at its index",
                files.len(),
                folders.len()
            )
        } else {
            super::first_few(&bad)
        },
    )?;

    // And the validators did not have to halt: the reorg stayed inside the finality rule.
    let mut halted = Vec::new();
    for key in &ctx.devnet.validator_keys {
        let db = ctx
            .config
            .data_dir
            .join(format!("validator-{:#x}.db", key.address));
        if let Some(halt) = Store::open(&db)?.halted(alpha.domain())? {
            halted.push(format!("{}: {}", key.address, halt.reason));
        }
    }
    ctx.check(
        "no validator halted alpha",
        halted.is_empty(),
        if halted.is_empty() {
            "none of the 5 databases records a halt".to_owned()
        } else {
            super::first_few(&halted)
        },
    )?;
    let mut all = delivered;
    all.retain(|s| s.id != doomed.id);
    ctx.check_stays("beta", &all, 2, Duration::from_secs(3))
        .await
}

async fn block_hash(ctx: &Context, number: u64) -> eyre::Result<alloy_primitives::B256> {
    let block = ctx
        .chain("alpha")?
        .anvil
        .provider()
        .get_block_by_number(number.into())
        .await?
        .ok_or_else(|| eyre::eyre!("alpha has no block {number}"))?;
    Ok(block.header.hash)
}

//! `light-client-forged`: what a lying beacon node or a made-up storage proof achieves on the
//! light-client route — nothing.
//!
//! (a) alpha's beacon node serves every update signed by a committee that is not alpha's sync
//! committee. A greeting alpha → beta waits: its root is committed on alpha and the commit's block
//! is final on alpha's (real) beacon chain, but the relay's own light client refuses the forged
//! updates, so beta's light client learns nothing and nothing is delivered. The same forged update
//! submitted to beta's `EthereumLightClient` directly is refused (`InvalidSignature` with the real
//! committee named as signers, `CommitteeKeyMismatch` with the forgers' own).
//!
//! (b) Storage proofs that beta's light client cannot check are refused by the verifier: a real
//! `eth_getProof` of alpha's committed root at a block the light client does not hold
//! (`StateRootUnknown`), and a proof at the block it holds claiming a root that block does not
//! have (`CommittedRootMismatch`).
//!
//! Then the node turns honest, and the greeting is delivered exactly once.

use std::time::Duration;

use alloy_primitives::Bytes;
use courier_beacon_sim::{CommitteeKeys, Forgery, SimConfig};
use courier_bindings::{EthereumLightClient, Mailbox};
use courier_chain::{
    Finality,
    evm::{EvmMailbox, decode_revert},
    lightclient,
};
use courier_core::{MerkleTree, VerifierProof};
use courier_lightclient::onchain::OnchainUpdate;
use courier_store::MessageState;

use super::{Context, ScenarioFuture, Wait, light_client::root_commits};

/// Seed of the forgers' sync committee.
const FORGER_SEED: u64 = 0xf0_f0;
/// How long the relay is watched with only forged updates to go on.
const WATCH: Duration = Duration::from_secs(6);

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    let lc = ctx.light_client()?;
    let origin = lc.origin.clone();
    let beacon = &lc.beacon;
    let config = beacon.chain_config().clone();
    let beta = ctx.chain("beta")?;
    let deployment = ctx.light_client_on("beta")?;
    let client = EthereumLightClient::new(deployment.client, beta.anvil.provider());

    // (a) Forged updates from the beacon node.
    beacon.set_forgery(Some(Forgery::ForeignCommittee { seed: FORGER_SEED }));
    ctx.step(format!(
        "{origin}'s beacon node now serves updates signed by a committee of other keys (seed {FORGER_SEED})"
    ));
    ctx.start_relayer().await?;
    ctx.step("started the relayer (with its light-client relay); no validator runs");
    let slot_before = client.finalizedSlot().call().await?;
    let sent = ctx
        .send_greetings_from(
            lc.origin_hello_app,
            &origin,
            "beta",
            1,
            "under forged headers",
        )
        .await?;
    let target = &sent[0];
    let nonce = target.message.nonce;
    ctx.step(format!(
        "greeted {origin} → beta by light client: message {} (nonce {nonce})",
        target.id
    ));
    let (commit_block, _) = ctx
        .wait_for(
            format!("a commit covering nonce {nonce} on {origin}, final on its beacon chain"),
            Duration::from_secs(40),
            || async {
                let commits = root_commits(ctx, &origin).await?;
                let covering = commits.iter().find(|(_, count, _)| *count > nonce).copied();
                let finalized = beacon.finalized_block().map(|b| b.slot());
                Ok(match (covering, finalized) {
                    (Some((_, _, block)), Some(f)) if f >= block => Wait::Done(block),
                    _ => Wait::NotYet(format!("commits {commits:?}, finalized slot {finalized:?}")),
                })
            },
        )
        .await?;
    ctx.step(format!(
        "the root covering nonce {nonce} was committed in {origin} block {commit_block}, now final; watching for {WATCH:?}"
    ));
    tokio::time::sleep(WATCH).await;
    let slot_after = client.finalizedSlot().call().await?;
    ctx.check(
        "beta's light client learned nothing from the forged updates",
        slot_after == slot_before,
        format!("finalizedSlot {slot_before} before, {slot_after} after"),
    )?;
    let delivered = ctx.delivered(&target.message).await?;
    let record = ctx.relayer_store()?.message(target.id)?;
    ctx.check(
        "the greeting is not delivered, and the relayer submitted nothing for it",
        !delivered
            && record
                .as_ref()
                .is_some_and(|r| r.state != MessageState::Delivered && r.submitted_tx.is_none()),
        format!(
            "delivered = {delivered}; store: {:?}",
            record.map(|r| (r.state, r.submitted_tx, r.last_error))
        ),
    )?;

    // The same forgery, submitted to the contract by hand.
    let honest = beacon.finality_update()?;
    let forged = beacon.forge(&honest, &Forgery::ForeignCommittee { seed: FORGER_SEED })?;
    let period = config.preset.period_at_slot(honest.signature_slot);
    let real = CommitteeKeys::derive(SimConfig::default().seed, period, &config.preset)?;
    let forgers = CommitteeKeys::derive(FORGER_SEED, period, &config.preset)?;
    for (named, signers, expected) in [
        ("the real committee", real.committee(), "InvalidSignature"),
        (
            "the forgers' committee",
            forgers.committee(),
            "CommitteeKeyMismatch",
        ),
    ] {
        let update = OnchainUpdate::of(&forged, signers, &config)?;
        let reason = match client.update(lightclient::update(&update)).call().await {
            Ok(_) => "accepted".to_owned(),
            Err(e) => e
                .as_revert_data()
                .map_or_else(|| e.to_string(), |d| decode_revert(&d)),
        };
        ctx.check(
            format!("beta's EthereumLightClient refuses the forged update naming {named} as signers: {expected}"),
            reason.contains(expected),
            reason,
        )?;
    }

    // (b) Storage proofs the light client cannot vouch for.
    let alpha = ctx.chain(&origin)?;
    let mailbox = EvmMailbox::connect(
        alpha.anvil.url(),
        alpha.domain(),
        alpha.deployment.mailbox,
        Finality::Depth(alpha.spec.finality_depth),
        None,
    )
    .await?;
    let dispatched = ctx.dispatched(&origin).await?;
    let tree = MerkleTree::from_leaves(dispatched.iter().map(|d| d.id))?;
    let head = alpha.anvil.block_number().await?;
    let held = client.latestExecutionBlock().call().await?;
    let committed = mailbox.committed_root_proof(head).await?;
    let count = (nonce + 1..=tree.len())
        .rev()
        .find(|&n| tree.root_at(n).is_ok_and(|r| r == committed.root))
        .ok_or_else(|| eyre::eyre!("the committed root at block {head} is not in the tree"))?;
    let unknown = storage_proof(&committed, &tree, count, nonce)?;
    let reason = simulate(ctx, &unknown, &target.message.encode()).await?;
    ctx.check(
        format!("a real storage proof at {origin} block {head}, which beta's light client does not hold (it holds {held}): StateRootUnknown"),
        reason.contains("StateRootUnknown"),
        reason,
    )?;
    let at_held = mailbox.committed_root_proof(held).await?;
    let mut claimed = at_held.clone();
    claimed.root = committed.root;
    let mismatch = storage_proof(&claimed, &tree, count, nonce)?;
    let reason = simulate(ctx, &mismatch, &target.message.encode()).await?;
    ctx.check(
        format!("a storage proof at the held block {held} claiming a root it does not hold ({}): CommittedRootMismatch", committed.root),
        reason.contains("CommittedRootMismatch"),
        format!("{reason} (the block holds {})", at_held.root),
    )?;

    // Honest again: delivered once.
    beacon.set_forgery(None);
    ctx.step("the beacon node serves honest updates again");
    let took = ctx
        .wait_delivered("beta", &sent, Duration::from_secs(60))
        .await?;
    ctx.timing("delivery once the updates are honest", took);
    ctx.check_delivered_once("beta", &sent, 1).await?;
    Ok(())
}

/// Mode `0x03` for the message at `nonce` under `proof.root`, the root of the first `count`
/// leaves of `tree`.
fn storage_proof(
    proof: &courier_chain::evm::CommittedRootProof,
    tree: &MerkleTree,
    count: u32,
    nonce: u32,
) -> eyre::Result<Vec<u8>> {
    let p = VerifierProof::StorageProof {
        root: proof.root,
        block_number: proof.block_number,
        account_proof: proof.account_proof.iter().map(|n| n.to_vec()).collect(),
        storage_proof: proof.storage_proof.iter().map(|n| n.to_vec()).collect(),
        multiproof: tree.multiproof_at(count, &[nonce])?,
    };
    Ok(p.encode()?)
}

/// `eth_call` of `Mailbox.process(proof, message)` on beta; the revert reason, or "accepted".
async fn simulate(ctx: &Context, proof: &[u8], message: &[u8]) -> eyre::Result<String> {
    let beta = ctx.chain("beta")?;
    let provider = beta.anvil.provider();
    let mailbox = Mailbox::new(beta.deployment.mailbox, &provider);
    let call = mailbox.process(
        Bytes::copy_from_slice(proof),
        Bytes::copy_from_slice(message),
    );
    Ok(match call.call().await {
        Ok(_) => "accepted".to_owned(),
        Err(e) => e
            .as_revert_data()
            .map_or_else(|| e.to_string(), |d| decode_revert(&d)),
    })
}

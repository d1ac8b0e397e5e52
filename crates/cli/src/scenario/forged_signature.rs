//! `forged-signature`: signatures from keys outside the committee never deliver anything.
//!
//! (a) On-chain, for a real pending message alpha → beta: a proof carrying the real committee
//! encoding with three non-members' signatures is refused by beta's Mailbox (`eth_call` of
//! `processBatch` and of `process` reverts with `SignatureInvalid`), and one carrying a committee
//! of the forgers' own is refused with `CommitteeMismatch`. The same encoder with three members'
//! signatures is accepted (and agrees byte for byte with `courier-core`'s builder), so the
//! refusals are about the signatures and nothing else.
//!
//! (b) By the relayer, with the real validators stopped: signed checkpoints of non-members in
//! their own folders, and a member's folder holding files a non-member signed, are put into the
//! checkpoint folder for the pending message. The relayer submits nothing (no transaction, no
//! delivery) and its store says it is waiting for the committee. Then the real validators start
//! and the message is delivered exactly once.

use std::time::Duration;

use alloy_primitives::{B256, Bytes, U256, keccak256};
use courier_bindings::Mailbox;
use courier_chain::{CheckpointStore, evm::decode_revert, folder::FolderCheckpointStore};
use courier_core::{
    Checkpoint, Committee, MerkleTree, SignedCheckpoint, VerifierProof,
    checkpoint::{encode_signature, signer_address, signing_key},
};
use courier_devnet::keys;
use courier_store::MessageState;
use k256::ecdsa::SigningKey;

use super::{Context, ScenarioFuture, Sent, Wait};

/// How long the relayer is watched with only forged checkpoints to go on.
const WATCH: Duration = Duration::from_secs(6);

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    ctx.start_relayer().await?;
    ctx.step("started the relayer; no validator runs");
    let sent = ctx.send_greetings("alpha", "beta", 1, "forge me").await?;
    let target = &sent[0];
    ctx.wait_for(
        "the relayer holds the message as final and waiting for signatures",
        Duration::from_secs(20),
        || async {
            let record = ctx.relayer_store()?.message(target.id)?;
            Ok(match record {
                Some(r)
                    if r.state == MessageState::Finalized
                        && r.last_error
                            .as_deref()
                            .is_some_and(|e| e.contains("0 of 5")) =>
                {
                    Wait::Done(())
                }
                other => Wait::NotYet(format!("{:?}", other.map(|r| (r.state, r.last_error)))),
            })
        },
    )
    .await?;

    let alpha = ctx.chain("alpha")?;
    let committee = ctx.devnet.committee(alpha)?;
    let dispatched = ctx.dispatched("alpha").await?;
    let tree = MerkleTree::from_leaves(dispatched.iter().map(|d| d.id))?;
    let nonce = target.message.nonce;
    let checkpoint = Checkpoint {
        origin: alpha.domain(),
        origin_mailbox: committee.origin_mailbox(),
        root: tree.root_at(nonce + 1)?,
        index: nonce,
        message_id: target.id,
    };
    let mut forgers: Vec<SigningKey> = (0u8..5)
        .map(|i| signing_key(&keccak256(format!("courier-scenario-forger-{i}"))))
        .collect::<Result<_, _>>()?;
    forgers.sort_by_key(signer_address);
    let members_among_forgers = forgers
        .iter()
        .filter(|k| committee.position(&signer_address(k)).is_some())
        .count();
    ctx.check(
        "the forgers' keys are not committee members",
        members_among_forgers == 0,
        format!(
            "{} forgers, {members_among_forgers} of them members",
            forgers.len()
        ),
    )?;

    on_chain(ctx, target, &committee, &checkpoint, &forgers).await?;
    by_the_relayer(ctx, &sent, &committee, &checkpoint, &forgers).await
}

/// (a): the destination Mailbox refuses forged proofs; the genuine one passes.
async fn on_chain(
    ctx: &Context,
    target: &Sent,
    committee: &Committee,
    checkpoint: &Checkpoint,
    forgers: &[SigningKey],
) -> eyre::Result<()> {
    let sign = |keys: &[&SigningKey]| -> eyre::Result<Vec<SignedCheckpoint>> {
        keys.iter()
            .map(|k| checkpoint.sign(k).map_err(Into::into))
            .collect()
    };
    let members: Vec<&SigningKey> = ctx.devnet.validator_keys.iter().map(|k| &k.key).collect();
    let genuine = sign(&members[..3])?;
    let forged = sign(&forgers.iter().take(3).collect::<Vec<_>>())?;

    // The control: three members' signatures through the same encoder.
    let control = signed_message_proof(checkpoint.root, &committee.encode(), &genuine);
    let reference =
        VerifierProof::signed_message(committee, checkpoint, &genuine, &target.message)?
            .encode()?;
    ctx.check(
        "this scenario's proof encoder agrees with courier-core's",
        control == reference,
        format!("{} bytes vs {} bytes", control.len(), reference.len()),
    )?;
    let accepted = simulate(ctx, &control, target, true).await?;
    ctx.check(
        "control: three members' signatures pass beta's Mailbox (eth_call processBatch)",
        accepted.is_ok(),
        format!("{accepted:?}"),
    )?;

    let real_committee = signed_message_proof(checkpoint.root, &committee.encode(), &forged);
    let forged_committee = Committee::new(
        committee.origin_mailbox(),
        committee.threshold(),
        forgers.iter().map(signer_address).collect(),
    )?;
    let own_committee = signed_message_proof(checkpoint.root, &forged_committee.encode(), &forged);
    for (what, proof, error) in [
        (
            "three non-members' signatures with the real committee encoding",
            &real_committee,
            "SignatureInvalid",
        ),
        (
            "three non-members' signatures with a committee of their own",
            &own_committee,
            "CommitteeMismatch",
        ),
    ] {
        for batch in [true, false] {
            let call = if batch { "processBatch" } else { "process" };
            let outcome = simulate(ctx, proof, target, batch).await?;
            ctx.check(
                format!("{what}: eth_call {call} reverts with {error}"),
                outcome.as_ref().is_err_and(|reason| reason.contains(error)),
                match outcome {
                    Ok(()) => "the call succeeded".to_owned(),
                    Err(reason) => format!("reverted: {reason}"),
                },
            )?;
        }
    }
    let delivered = ctx.delivered(&target.message).await?;
    ctx.check(
        "the message is still undelivered",
        !delivered,
        format!("Mailbox.delivered = {delivered}"),
    )
}

/// (b): the relayer builds nothing from forged checkpoints; the real committee delivers.
async fn by_the_relayer(
    ctx: &Context,
    sent: &[Sent],
    committee: &Committee,
    checkpoint: &Checkpoint,
    forgers: &[SigningKey],
) -> eyre::Result<()> {
    let target = &sent[0];
    let origin = checkpoint.origin;
    let folder = FolderCheckpointStore::new(ctx.config.checkpoints_dir());
    // Three non-members publish, in their own folders, their signatures over the true checkpoint.
    for key in &forgers[..3] {
        folder.publish(&checkpoint.sign(key)?).await?;
    }
    // A member's folder holds files a non-member signed: one claiming to be the member, one an
    // outsider's file copied in.
    let member = ctx.devnet.validator_keys[0].address;
    let impersonation = SignedCheckpoint {
        signer: member,
        ..checkpoint.sign(&forgers[3])?
    };
    let copied = checkpoint.sign(&forgers[4])?;
    let dir = ctx.checkpoint_folder(origin, member);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join(format!("{}.json", checkpoint.index)),
        serde_json::to_vec_pretty(&impersonation)?,
    )?;
    std::fs::write(dir.join("latest.json"), serde_json::to_vec_pretty(&copied)?)?;
    ctx.step(format!(
        "forged checkpoints for index {} of alpha: three non-members in their own folders; in member {member}'s folder, {}.json signed by a non-member claiming to be the member and latest.json copied from another non-member",
        checkpoint.index, checkpoint.index
    ));

    tokio::time::sleep(WATCH).await;
    let processed = ctx.processed("beta").await?;
    let delivered = ctx.delivered(&target.message).await?;
    let received = ctx.received("beta").await?;
    ctx.check(
        format!("with only forged checkpoints, nothing delivered for {WATCH:?}"),
        processed.is_empty() && !delivered && received == 0,
        format!(
            "{} Process events on beta; Mailbox.delivered = {delivered}; received() = {received}",
            processed.len()
        ),
    )?;
    let store = ctx.relayer_store()?;
    let record = store.message(target.id)?;
    let pending = store.pending_txs(ctx.chain("beta")?.domain(), keys::RELAYER_ADDRESS)?;
    let waiting = record.as_ref().is_some_and(|r| {
        r.state == MessageState::Finalized
            && r.submitted_tx.is_none()
            && r.last_error
                .as_deref()
                .is_some_and(|e| e.contains(&format!("0 of {} validators", committee.len())))
    });
    ctx.check(
        "relayer store: nothing submitted; still waiting for the committee (forgeries count for nothing)",
        waiting && pending.is_empty(),
        format!(
            "{:?}; {} pending transactions",
            record.map(|r| (r.state, r.submitted_tx, r.last_error)),
            pending.len()
        ),
    )?;

    ctx.start_validators(&(0..committee.len()).collect::<Vec<_>>())
        .await?;
    let took = ctx
        .wait_delivered("beta", sent, Duration::from_secs(30))
        .await?;
    ctx.timing("validators started until delivered", took);
    ctx.check_delivered_once("beta", sent, 1).await?;

    // What the member whose folder was tampered with could publish afterwards.
    let own = folder.get(origin, member, checkpoint.index).await;
    let latest = folder.latest(origin, member).await;
    ctx.step(format!(
        "afterwards, member {member}'s folder: {}.json {}; latest.json {}",
        checkpoint.index,
        describe(&own),
        describe(&latest)
    ));
    ctx.check_stays("beta", sent, 1, Duration::from_secs(2))
        .await
}

fn describe(read: &courier_chain::Result<Option<SignedCheckpoint>>) -> String {
    match read {
        Ok(Some(s)) => format!("is the member's own (index {})", s.checkpoint.index),
        Ok(None) => "is missing".to_owned(),
        Err(e) => format!("is still refused: {e}"),
    }
}

/// A mode-0x01 proof (docs/protocol.md): `0x01 ‖ root ‖ committee ‖ signer bitmap ‖ signatures`,
/// the signatures claimed for committee positions 0, 1, 2, … in order — built by hand so that it
/// can carry signatures `courier-core` would never select.
fn signed_message_proof(root: B256, committee: &[u8], signed: &[SignedCheckpoint]) -> Vec<u8> {
    let mut proof = vec![0x01];
    proof.extend_from_slice(root.as_slice());
    proof.extend_from_slice(committee);
    let bitmap = (0..signed.len()).fold(U256::ZERO, |map, i| map | (U256::ONE << i));
    proof.extend_from_slice(&bitmap.to_be_bytes::<32>());
    for s in signed {
        proof.extend_from_slice(&encode_signature(&s.signature));
    }
    proof
}

/// `eth_call` of `processBatch(proof, [message])` (or `process(proof, message)`) on the message's
/// destination, from the relayer's account: `Err` with the decoded revert reason when it reverts.
async fn simulate(
    ctx: &Context,
    proof: &[u8],
    target: &Sent,
    batch: bool,
) -> eyre::Result<Result<(), String>> {
    let destination = ctx.chain_by_domain(target.message.destination)?;
    let mailbox = Mailbox::new(destination.deployment.mailbox, destination.anvil.provider());
    let proof = Bytes::copy_from_slice(proof);
    let message = Bytes::from(target.message.encode());
    let result = if batch {
        mailbox
            .processBatch(proof, vec![message])
            .from(keys::RELAYER_ADDRESS)
            .call()
            .await
            .map(drop)
    } else {
        mailbox
            .process(proof, message)
            .from(keys::RELAYER_ADDRESS)
            .call()
            .await
            .map(drop)
    };
    match result {
        Ok(()) => Ok(Ok(())),
        Err(e) => match e.as_revert_data() {
            Some(data) => Ok(Err(decode_revert(&data))),
            None => Err(eyre::Report::new(e).wrap_err("eth_call on beta's Mailbox")),
        },
    }
}

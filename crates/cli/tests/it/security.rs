//! Two stories of the committee's safety on real local chains: fewer than k validators deliver
//! nothing (and k again deliver everything), and signatures from outside the committee are
//! refused by the destination chain itself.

use std::time::{Duration, Instant};

use alloy::{primitives::U256, sol_types::SolEvent};
use courier_bindings::{HelloApp, Mailbox};
use courier_chain::{DestinationMailbox, Finality, evm::EvmMailbox};
use courier_cli::{agents::Agents, cmd::devnet::agents_config};
use courier_core::{
    Checkpoint, Committee, MerkleTree, Message, VerifierProof,
    checkpoint::{encode_signature, signer_address, signing_key},
};
use courier_devnet::{ChainSpec, Devnet, DevnetSpec, keys};
use courier_store::Store;
use url::Url;

fn spec(first_id: u64) -> DevnetSpec {
    DevnetSpec {
        chains: vec![
            ChainSpec::new("one", first_id, Duration::from_secs(1), 1),
            ChainSpec::new("two", first_id + 1, Duration::from_secs(1), 1),
        ],
        validators: 5,
        threshold: 3,
    }
}

/// Sends a greeting from `one` to `two`; returns the dispatched message and its id.
async fn greet(devnet: &Devnet, text: &str) -> (Vec<u8>, alloy::primitives::B256) {
    let (one, two) = (devnet.chain("one").unwrap(), devnet.chain("two").unwrap());
    let receipt = HelloApp::new(one.deployment.hello_app, &one.deployer)
        .greet(two.domain(), text.into())
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let event = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| Mailbox::Dispatch::decode_log(&l.inner).ok())
        .unwrap();
    (event.data.message.to_vec(), event.data.id)
}

async fn received(devnet: &Devnet) -> U256 {
    let two = devnet.chain("two").unwrap();
    HelloApp::new(two.deployment.hello_app, two.deployer.clone())
        .received()
        .call()
        .await
        .unwrap()
}

/// `validator-outage`: with k − 1 validators online nothing is delivered, and the relayer says
/// why; once the k-th is back, the message is delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn below_the_threshold_nothing_is_delivered_until_the_quorum_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(spec(43001), dir.path(), |_| {})
        .await
        .unwrap();
    let config = agents_config(&devnet, dir.path()).unwrap();
    let two_validators = Agents::start_validators(&config, &[0, 1]).await.unwrap();
    let relayer = Agents::start_relayer(&config).await.unwrap();
    let (_, id) = greet(&devnet, "needs three").await;

    // A normal delivery takes ~3 s on these chains; give it three times that.
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert_eq!(
        received(&devnet).await,
        U256::ZERO,
        "delivered without a quorum"
    );
    let store = Store::open(config.relayer_db()).unwrap();
    let record = store.message(id).unwrap().expect("indexed");
    let why = record.last_error.unwrap_or_default();
    assert!(
        why.contains("2 of 5 validators"),
        "the relayer should say it waits for signatures, said {why:?}"
    );

    let third = Agents::start_validators(&config, &[2]).await.unwrap();
    let started = Instant::now();
    while received(&devnet).await != U256::from(1) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "not delivered once the quorum was back"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for agents in [two_validators, relayer, third] {
        agents.shutdown(Duration::from_secs(5)).await;
    }
    devnet.stop().await;
}

/// `forged-signature`: the destination Mailbox refuses a proof signed by keys outside the committee,
/// whether it presents the real committee (the signatures do not match its members) or a committee
/// of its own (the commitment does not match); the same message with the committee's signatures
/// passes, so the refusals are about the signatures and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signatures_from_outside_the_committee_are_refused_on_chain() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(spec(43011), dir.path(), |_| {})
        .await
        .unwrap();
    let (encoded, id) = greet(&devnet, "forge me").await;
    let message = Message::decode(&encoded).unwrap();
    let (one, two) = (devnet.chain("one").unwrap(), devnet.chain("two").unwrap());
    let committee = devnet.committee(one).unwrap();
    let checkpoint = Checkpoint {
        origin: one.domain(),
        origin_mailbox: committee.origin_mailbox(),
        root: MerkleTree::from_leaves([id]).unwrap().root(),
        index: message.nonce,
        message_id: id,
    };
    let mut outsiders: Vec<_> = (0..3u8)
        .map(|i| signing_key(&alloy::primitives::keccak256([b'o', i])).unwrap())
        .collect();
    outsiders.sort_by_key(signer_address);
    let forged: Vec<_> = outsiders
        .iter()
        .map(|k| checkpoint.sign(k).unwrap())
        .collect();

    let destination = EvmMailbox::connect(
        &Url::parse(two.anvil.rpc_url()).unwrap(),
        two.domain(),
        two.deployment.mailbox,
        Finality::Depth(1),
        Some(keys::relayer()),
    )
    .await
    .unwrap();
    let refused = |e: courier_chain::Error| e.to_string();

    // (a) The real committee, with three outsiders' signatures claimed as members 0, 1, 2.
    let mut proof = vec![0x01];
    proof.extend_from_slice(checkpoint.root.as_slice());
    proof.extend_from_slice(&committee.encode());
    proof.extend_from_slice(&U256::from(0b111).to_be_bytes::<32>());
    for s in &forged {
        proof.extend_from_slice(&encode_signature(&s.signature));
    }
    let err = refused(
        destination
            .simulate(&proof, std::slice::from_ref(&encoded))
            .await
            .unwrap_err(),
    );
    assert!(err.contains("SignatureInvalid"), "{err}");

    // (b) A committee of the outsiders' own.
    let fake = Committee::new(
        committee.origin_mailbox(),
        3,
        outsiders.iter().map(signer_address).collect(),
    )
    .unwrap();
    let proof = VerifierProof::signed_message(&fake, &checkpoint, &forged, &message)
        .unwrap()
        .encode()
        .unwrap();
    let err = refused(
        destination
            .simulate(&proof, std::slice::from_ref(&encoded))
            .await
            .unwrap_err(),
    );
    assert!(err.contains("CommitteeMismatch"), "{err}");

    // (c) The committee's own signatures: accepted.
    let genuine: Vec<_> = devnet
        .validator_keys
        .iter()
        .map(|k| checkpoint.sign(&k.key).unwrap())
        .collect();
    let proof = VerifierProof::signed_message(&committee, &checkpoint, &genuine, &message)
        .unwrap()
        .encode()
        .unwrap();
    destination
        .simulate(&proof, std::slice::from_ref(&encoded))
        .await
        .unwrap();
    devnet.stop().await;
}

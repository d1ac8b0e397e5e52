//! The light-client route end to end on two anvil chains, no committee involved: the origin's
//! beacon chain simulated (real BLS sync committee over anvil's blocks), the destination holding
//! `EthereumLightClient` and a `LightClientVerifier`; a greeting committed on the origin, the
//! block holding the commit finalized by a sync-committee update the destination verifies, and the
//! greeting delivered with a storage proof against the state root the light client learned.

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    sol_types::SolEvent,
};
use courier_beacon_sim::{BeaconSim, Forgery, SimConfig};
use courier_bindings::{EthereumLightClient, HelloApp, LightClientVerifier, Mailbox};
use courier_chain::lightclient::{chain_params as chain, committee, execution, header, update};
use courier_chain::{Finality, evm::EvmMailbox};
use courier_core::{MerkleTree, Message, proof::VerifierProof};
use courier_devnet::{Anvil, AnvilConfig, AnvilInstance, deploy_core, keys};
use courier_lightclient::{
    LightClient, LightClientHeader, UpdatePolicy,
    onchain::{OnchainCommittee, OnchainExecution, OnchainHeader, OnchainUpdate},
};

const ORIGIN: u64 = 31337;
const DEST: u64 = 31338;
const DEPTH: u64 = 2;

/// Greets `DEST` from `app`; the message dispatched.
async fn greet(
    app: &HelloApp::HelloAppInstance<alloy::providers::DynProvider>,
    text: &str,
) -> Message {
    let receipt = app
        .greet(DEST, text.into())
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let dispatch = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| Mailbox::Dispatch::decode_log(&l.inner).ok())
        .unwrap();
    Message::decode(&dispatch.data.message).unwrap()
}

async fn mine_to(anvil: &AnvilInstance, sim: &BeaconSim, head: u64) {
    let now = anvil.block_number().await.unwrap();
    if head > now {
        anvil.mine(head - now).await.unwrap();
    }
    sim.wait_for_slot(head, Duration::from_secs(60))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_greeting_crosses_by_light_client_and_storage_proof_alone() {
    // Both chains mine on demand (automine).
    let origin = Anvil::spawn(AnvilConfig::new(ORIGIN, Duration::ZERO))
        .await
        .unwrap();
    let dest = Anvil::spawn(AnvilConfig::new(DEST, Duration::ZERO))
        .await
        .unwrap();
    let sim = BeaconSim::start(
        origin.rpc_url(),
        SimConfig {
            finality_depth: DEPTH,
            poll_interval: Duration::from_millis(20),
            ..SimConfig::default()
        },
    )
    .await
    .unwrap();
    let config = sim.chain_config().clone();

    let origin_provider = origin.signing_provider(keys::deployer());
    let dest_provider = dest.signing_provider(keys::deployer());
    let o = deploy_core(&origin_provider, ORIGIN, keys::DEPLOYER_ADDRESS)
        .await
        .unwrap();
    let d = deploy_core(&dest_provider, DEST, keys::DEPLOYER_ADDRESS)
        .await
        .unwrap();

    // The light client on the destination, from a finalized block of the origin's beacon chain.
    let boot_slot = origin.block_number().await.unwrap() + DEPTH + 1;
    mine_to(&origin, &sim, boot_slot).await;
    let trusted = sim.finalized_block().unwrap();
    let bootstrap = sim.bootstrap(&trusted.root).unwrap();
    let mut rust_client =
        LightClient::bootstrap(config.clone(), bootstrap.clone(), trusted.root).unwrap();
    let lc = EthereumLightClient::deploy(
        dest_provider.clone(),
        chain(&config),
        trusted.root,
        header(&OnchainHeader::of(&bootstrap.header)),
        committee(&OnchainCommittee::of(&bootstrap.current_sync_committee).unwrap()),
        Bytes::from(bootstrap.current_sync_committee.aggregate_pubkey.to_vec()),
        bootstrap.current_sync_committee_branch.clone(),
        execution(&OnchainExecution::of(&bootstrap.header, &config).unwrap()),
    )
    .await
    .unwrap();
    let verifier = LightClientVerifier::deploy(dest_provider.clone(), keys::DEPLOYER_ADDRESS)
        .await
        .unwrap();
    verifier
        .setRoute(ORIGIN, *lc.address(), o.mailbox)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let dest_app = HelloApp::new(d.hello_app, dest_provider.clone());
    dest_app
        .setVerifier(*verifier.address())
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    dest_app
        .setPeer(ORIGIN, o.hello_app)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let origin_app = HelloApp::new(o.hello_app, origin_provider.clone());
    origin_app
        .setPeer(DEST, d.hello_app)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();

    // A greeting, and the root committed on the origin.
    let message = greet(&origin_app, "hello by light client").await;
    let commit = Mailbox::new(o.mailbox, origin_provider.clone())
        .commitRoot()
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let commit_block = commit.block_number.unwrap();

    // The commit's block becomes final; the update proving it is checked by the Rust client
    // first, then by the contract.
    mine_to(&origin, &sim, commit_block + DEPTH + 2).await;
    let finality = sim.finality_update().unwrap();
    let signers = rust_client.current_sync_committee().clone();
    rust_client
        .process_update(
            &finality,
            finality.signature_slot,
            UpdatePolicy::SupermajorityForFinality,
        )
        .unwrap();
    let finalized: &LightClientHeader = rust_client.finalized_header();
    let finalized_block = finalized.execution.block_number;
    assert!(
        finalized_block >= commit_block,
        "{finalized_block} < {commit_block}"
    );
    let onchain = OnchainUpdate::of(&finality, &signers, &config).unwrap();

    // Forgeries of this update are refused on-chain, each by the check it breaks: another
    // committee's signature over a fabricated but consistent history (a state root the origin
    // never had), another committee's signature over the real update, a finalized header claiming
    // another state root, an attested header carrying a state root that is not the chain's.
    let fake_state = B256::repeat_byte(0x66);
    for (forgery, expected) in [
        (
            Forgery::ConsistentExecutionStateRoot {
                state_root: fake_state,
                signer_seed: 999,
            },
            "InvalidSignature",
        ),
        (Forgery::ForeignCommittee { seed: 999 }, "InvalidSignature"),
        (
            Forgery::FinalizedExecutionStateRoot {
                state_root: fake_state,
            },
            "InvalidExecutionBranch",
        ),
        (
            Forgery::AttestedStateRoot {
                state_root: fake_state,
            },
            "InvalidFinalityBranch",
        ),
    ] {
        let forged = sim.forge(&finality, &forgery).unwrap();
        let forged = OnchainUpdate::of(&forged, &signers, &config).unwrap();
        let Err(err) = lc.update(update(&forged)).call().await else {
            panic!("{forgery:?} was accepted");
        };
        let reason = courier_chain::evm::decode_revert(&err.as_revert_data().unwrap());
        assert!(reason.contains(expected), "{forgery:?}: {reason}");
    }

    lc.update(update(&onchain))
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert_eq!(
        lc.executionStateRoot(U256::from(finalized_block))
            .call()
            .await
            .unwrap(),
        finalized.execution.state_root
    );

    // The relayer's part: the committed root's proofs at that block, checked, then delivered.
    let reader = EvmMailbox::connect(
        origin.url(),
        ORIGIN,
        o.mailbox,
        Finality::Depth(DEPTH),
        None,
    )
    .await
    .unwrap();
    let proofs = reader.committed_root_proof(finalized_block).await.unwrap();
    let tree = MerkleTree::from_leaves([message.id()]).unwrap();
    assert_eq!(proofs.root, tree.root());
    let proof = VerifierProof::StorageProof {
        root: proofs.root,
        block_number: finalized_block,
        account_proof: proofs.account_proof.iter().map(|b| b.to_vec()).collect(),
        storage_proof: proofs.storage_proof.iter().map(|b| b.to_vec()).collect(),
        multiproof: tree.multiproof(&[message.nonce]).unwrap(),
    }
    .encode()
    .unwrap();
    let dest_mailbox = Mailbox::new(d.mailbox, dest_provider.clone());

    // A block the light client has not finalized is refused, naming it.
    let mut early = VerifierProof::decode(&proof).unwrap();
    if let VerifierProof::StorageProof { block_number, .. } = &mut early {
        *block_number = commit_block - 1;
    }
    let Err(refused) = dest_mailbox
        .process(
            Bytes::from(early.encode().unwrap()),
            Bytes::from(message.encode()),
        )
        .call()
        .await
    else {
        panic!("a block the light client does not hold was accepted");
    };
    let reason = courier_chain::evm::decode_revert(&refused.as_revert_data().unwrap());
    assert!(reason.contains("StateRootUnknown"), "{reason}");

    dest_mailbox
        .process(Bytes::from(proof), Bytes::from(message.encode()))
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert_eq!(dest_app.received().call().await.unwrap(), U256::from(1));
    assert_eq!(
        dest_app.lastGreeting().call().await.unwrap(),
        "hello by light client"
    );
    assert!(
        dest_mailbox
            .delivered(
                ORIGIN,
                Address::from_slice(&message.recipient[12..]),
                message.nonce
            )
            .call()
            .await
            .unwrap()
    );
    let _ = dest.provider().get_block_number().await.unwrap();
    sim.stop().await;
    origin.stop().await;
    dest.stop().await;
}

/// The light-client relay as the devnet runs it, after the origin's beacon chain moved two sync
/// committee periods past the block the destination's light client was deployed trusting: the
/// relay verifies the period updates with its own light client, teaches the destination's
/// contract the committees of periods 1 and 2, then the finality update, and the greeting is
/// delivered by storage proof. No validator runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_relay_carries_a_light_client_across_sync_committee_periods() {
    use courier_cli::{agents::Agents, cmd::devnet::agents_config};
    use courier_devnet::{ChainSpec, Devnet, DevnetSpec};

    let dir = tempfile::tempdir().unwrap();
    let spec = DevnetSpec {
        chains: vec![
            ChainSpec::new("alpha", ORIGIN, Duration::from_secs(1), DEPTH),
            ChainSpec::new("beta", DEST, Duration::from_secs(1), 1),
        ],
        validators: 3,
        threshold: 2,
        light_client_origin: Some("alpha".to_owned()),
        optimistic_origin: None,
    };
    let devnet = Devnet::start(spec, dir.path(), |_| {}).await.unwrap();
    let lc = devnet.light_client.as_ref().unwrap();
    let alpha = devnet.chain("alpha").unwrap();
    let beta = devnet.chain("beta").unwrap();
    let route = lc.destinations[0];
    let client = EthereumLightClient::new(route.client, beta.anvil.provider());
    let period_slots = {
        let p = &lc.beacon.chain_config().preset;
        p.slots_per_epoch * p.epochs_per_sync_committee_period
    };
    assert_eq!(
        client.committeeHash(U256::from(1)).call().await.unwrap(),
        B256::ZERO
    );

    // Two periods on.
    let head = alpha.anvil.block_number().await.unwrap();
    alpha
        .anvil
        .mine(2 * period_slots + 10 - head)
        .await
        .unwrap();
    let head = alpha.anvil.block_number().await.unwrap();
    lc.beacon
        .wait_for_slot(head, Duration::from_secs(60))
        .await
        .unwrap();

    let mut config = agents_config(&devnet, dir.path()).unwrap();
    config.validators.clear();
    let agents = Agents::start_relayer(&config).await.unwrap();
    let origin_app = HelloApp::new(lc.origin_hello_app, alpha.deployer.clone());
    let message = greet(&origin_app, "across periods").await;
    let dest_mailbox = Mailbox::new(beta.deployment.mailbox, beta.anvil.provider());
    let started = std::time::Instant::now();
    loop {
        if dest_mailbox
            .delivered(ORIGIN, route.hello_app, message.nonce)
            .call()
            .await
            .unwrap()
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not delivered; the light client holds block {}",
            client.latestExecutionBlock().call().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    agents.shutdown(Duration::from_secs(5)).await;

    // The contract learned the committees of periods 1 and 2 on the way, and holds a block of
    // period 2 or later.
    for period in [1u64, 2] {
        assert_ne!(
            client
                .committeeHash(U256::from(period))
                .call()
                .await
                .unwrap(),
            B256::ZERO,
            "period {period}"
        );
    }
    let held = client.latestExecutionBlock().call().await.unwrap();
    assert!(held >= 2 * period_slots, "holds block {held}");
    let app = HelloApp::new(route.hello_app, beta.anvil.provider());
    assert_eq!(app.lastGreeting().call().await.unwrap(), "across periods");
    devnet.stop().await;
}

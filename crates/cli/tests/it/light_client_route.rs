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
use courier_chain::{Finality, evm::EvmMailbox};
use courier_core::{MerkleTree, Message, proof::VerifierProof};
use courier_devnet::{Anvil, AnvilConfig, AnvilInstance, deploy_core, keys};
use courier_lightclient::{
    ChainConfig, Fork, LightClient, LightClientHeader, UpdatePolicy,
    onchain::{OnchainCommittee, OnchainExecution, OnchainHeader, OnchainUpdate},
};

const ORIGIN: u64 = 31337;
const DEST: u64 = 31338;
const DEPTH: u64 = 2;

fn header(h: &OnchainHeader) -> courier_bindings::BeaconBlockHeader {
    courier_bindings::BeaconBlockHeader {
        slot: h.slot,
        proposerIndex: h.proposer_index,
        parentRoot: h.parent_root,
        stateRoot: h.state_root,
        bodyRoot: h.body_root,
    }
}

fn execution(e: &OnchainExecution) -> EthereumLightClient::Execution {
    EthereumLightClient::Execution {
        stateRoot: e.state_root,
        stateRootBranch: e.state_root_branch.clone(),
        blockNumber: e.block_number,
        blockNumberBranch: e.block_number_branch.clone(),
    }
}

fn committee(c: &OnchainCommittee) -> EthereumLightClient::Committee {
    EthereumLightClient::Committee {
        root: c.committee_root,
        pubkeysRoot: c.pubkeys_root,
        aggregatePubkey: c.aggregate_pubkey.clone(),
    }
}

fn update(u: &OnchainUpdate) -> EthereumLightClient::Update {
    let (next_pubkeys_root, next_aggregate, next_branch) = match &u.next_committee {
        Some(n) => (
            n.committee.pubkeys_root,
            n.committee.aggregate_pubkey.clone(),
            n.branch.clone(),
        ),
        None => (B256::ZERO, Bytes::new(), Vec::new()),
    };
    EthereumLightClient::Update {
        signers: committee(&u.signers),
        attested: header(&u.attested),
        finalized: header(&u.finalized),
        finalityBranch: u.finality_branch.clone(),
        finalizedExecution: execution(&u.finalized_execution),
        nextPubkeysRoot: next_pubkeys_root,
        nextAggregatePubkey: next_aggregate,
        nextCommitteeBranch: next_branch,
        signatureSlot: u.signature_slot,
        participation: u.participation.clone(),
        signature: u.signature.clone(),
        nonSigners: u
            .non_signers
            .iter()
            .map(|n| EthereumLightClient::NonSigner {
                index: U256::from(n.index),
                pubkey: n.pubkey.clone(),
                branch: n.branch.clone(),
            })
            .collect(),
    }
}

fn chain(config: &ChainConfig) -> EthereumLightClient::Chain {
    let forks = [
        Fork::Altair,
        Fork::Bellatrix,
        Fork::Capella,
        Fork::Deneb,
        Fork::Electra,
        Fork::Fulu,
    ];
    EthereumLightClient::Chain {
        genesisValidatorsRoot: config.genesis_validators_root,
        genesisForkVersion: config.genesis_fork_version.into(),
        forkVersions: forks
            .iter()
            .map(|f| config.fork_point(*f).version.into())
            .collect(),
        forkEpochs: forks.iter().map(|f| config.fork_point(*f).epoch).collect(),
        slotsPerEpoch: config.preset.slots_per_epoch,
        epochsPerPeriod: config.preset.epochs_per_sync_committee_period,
        committeeSize: config.preset.sync_committee_size as u64,
    }
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
    let receipt = origin_app
        .greet(DEST, "hello by light client".into())
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
    let message = Message::decode(&dispatch.data.message).unwrap();
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
            dispatch.data.message.clone(),
        )
        .call()
        .await
    else {
        panic!("a block the light client does not hold was accepted");
    };
    let reason = courier_chain::evm::decode_revert(&refused.as_revert_data().unwrap());
    assert!(reason.contains("StateRootUnknown"), "{reason}");

    dest_mailbox
        .process(Bytes::from(proof), dispatch.data.message.clone())
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

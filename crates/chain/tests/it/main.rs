//! The EVM implementation against a real anvil chain: the committed-root proofs a light-client
//! route submits.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use alloy::primitives::{B256, Bytes};
use courier_bindings::Mailbox;
use courier_chain::{
    Finality,
    evm::{CommittedRootProof, EvmMailbox, verify_committed_root},
};
use courier_core::MerkleTree;
use courier_devnet::{Anvil, AnvilConfig, deploy_core, keys};

#[tokio::test]
async fn committed_root_proofs_are_fetched_checked_and_refused_when_tampered() {
    // Mines on every transaction; the clock never adds blocks during the test.
    let anvil = Anvil::spawn(AnvilConfig::new(31337, Duration::from_secs(3600)))
        .await
        .unwrap();
    anvil.set_automine(true).await.unwrap();
    let provider = anvil.signing_provider(keys::deployer());
    let deployment = deploy_core(&provider, 31337, keys::DEPLOYER_ADDRESS)
        .await
        .unwrap();
    let mailbox = Mailbox::new(deployment.mailbox, provider.clone());
    let origin = EvmMailbox::connect(
        anvil.url(),
        31337,
        deployment.mailbox,
        Finality::Depth(0),
        None,
    )
    .await
    .unwrap();

    // Before any commit the slot is empty, and the proof shows it.
    let before = anvil.block_number().await.unwrap();
    let empty = origin.committed_root_proof(before).await.unwrap();
    assert_eq!(empty.root, B256::ZERO);

    let mut ids = Vec::new();
    for i in 0..5u8 {
        let receipt = mailbox
            .dispatch(31338, B256::repeat_byte(0xbe), Bytes::from(vec![i; 32]))
            .send()
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
        let log = receipt
            .inner
            .logs()
            .iter()
            .find_map(|l| l.log_decode::<Mailbox::Dispatch>().ok())
            .unwrap();
        ids.push(log.inner.data.id);
    }
    let receipt = mailbox
        .commitRoot()
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let block = receipt.block_number.unwrap();
    let proof = origin.committed_root_proof(block).await.unwrap();
    let tree = MerkleTree::from_leaves(ids).unwrap();
    assert_eq!(proof.root, tree.root(), "the slot holds the tree's root");
    assert_eq!(proof.root, mailbox.committedRoot().call().await.unwrap());
    assert_eq!(proof.block_number, block);

    // The same proofs, tampered, fail the local check with the step named.
    let account = account_of(&anvil, deployment.mailbox, block).await;
    verify_committed_root(deployment.mailbox, &account, &proof).unwrap();
    let mut wrong_root = proof.clone();
    wrong_root.root = B256::repeat_byte(1);
    let err = verify_committed_root(deployment.mailbox, &account, &wrong_root).unwrap_err();
    assert!(err.contains("storage proof of slot 37"), "{err}");
    let mut bad_node = proof.clone();
    flip_last_byte(&mut bad_node.account_proof);
    let err = verify_committed_root(deployment.mailbox, &account, &bad_node).unwrap_err();
    assert!(err.contains("account proof"), "{err}");
    let mut other_state: CommittedRootProof = proof.clone();
    other_state.state_root = empty.state_root;
    assert!(verify_committed_root(deployment.mailbox, &account, &other_state).is_err());
    anvil.stop().await;
}

async fn account_of(
    anvil: &courier_devnet::AnvilInstance,
    address: alloy::primitives::Address,
    block: u64,
) -> alloy_trie::TrieAccount {
    use alloy::providers::Provider;
    let r = anvil
        .provider()
        .get_proof(address, vec![])
        .block_id(block.into())
        .await
        .unwrap();
    alloy_trie::TrieAccount {
        nonce: r.nonce,
        balance: r.balance,
        storage_root: r.storage_hash,
        code_hash: r.code_hash,
    }
}

fn flip_last_byte(nodes: &mut [Bytes]) {
    let last = nodes.last_mut().unwrap();
    let mut v = last.to_vec();
    let n = v.len();
    v[n - 1] ^= 1;
    *last = Bytes::from(v);
}

/// The beacon API client against the devnet's simulator: bootstrap from the finalized root, an
/// update per period and the newest finality update, each verified by the Rust light client.
#[tokio::test]
async fn the_beacon_api_client_reads_what_a_light_client_verifies() {
    use alloy::providers::Provider;
    use courier_beacon_sim::{BeaconSim, SimConfig};
    use courier_chain::beacon::BeaconApi;
    use courier_lightclient::{LightClient, Preset, UpdatePolicy};

    let anvil = Anvil::spawn(AnvilConfig::new(31337, Duration::ZERO))
        .await
        .unwrap();
    let sim = BeaconSim::start(anvil.rpc_url(), SimConfig::default())
        .await
        .unwrap();
    anvil.mine(10).await.unwrap();
    sim.wait_for_slot(10, Duration::from_secs(30))
        .await
        .unwrap();
    let api = BeaconApi::new(sim.url().parse().unwrap(), Preset::MINIMAL).unwrap();
    // The node's stated configuration is the simulator's; a client made for another preset
    // refuses it by name.
    assert_eq!(&api.chain_config().await.unwrap(), sim.chain_config());
    let wrong = BeaconApi::new(sim.url().parse().unwrap(), Preset::MAINNET).unwrap();
    let err = wrong.chain_config().await.unwrap_err().to_string();
    assert!(err.contains("preset is minimal"), "{err}");
    let root = api.finalized_root().await.unwrap();
    let bootstrap = api.bootstrap(root).await.unwrap();
    let mut client = LightClient::bootstrap(sim.chain_config().clone(), bootstrap, root).unwrap();

    // Into the next period (64 slots), then read its update and the newest finality update.
    anvil.mine(70).await.unwrap();
    sim.wait_for_slot(80, Duration::from_secs(30))
        .await
        .unwrap();
    let updates = api.updates(0, 2).await.unwrap();
    assert!(!updates.is_empty());
    for u in &updates {
        client
            .process_update(u, u.signature_slot, UpdatePolicy::SupermajorityForFinality)
            .unwrap();
    }
    let finality = api.finality_update().await.unwrap();
    client
        .process_update(
            &finality,
            finality.signature_slot,
            UpdatePolicy::SupermajorityForFinality,
        )
        .unwrap();
    // The client now holds the update's finalized block, which is anvil's block of that slot.
    let finalized = client.finalized();
    assert_eq!(finalized.slot, finality.finalized_header.beacon.slot);
    assert!(
        finalized.slot > 64,
        "moved into the second period: {}",
        finalized.slot
    );
    assert_eq!(finalized.block_number, finalized.slot);
    let block = anvil
        .provider()
        .get_block_by_number(finalized.block_number.into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(finalized.execution_state_root, block.header.state_root);

    // A period not reached yet: nothing, not an error.
    assert!(api.updates(9, 1).await.unwrap().is_empty());
    // A node that is gone: a retryable error naming the endpoint.
    let url = sim.url();
    sim.stop().await;
    let err = api.finality_update().await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(err.to_string().contains(url.trim_end_matches('/')), "{err}");
    anvil.stop().await;
}

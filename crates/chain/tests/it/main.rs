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

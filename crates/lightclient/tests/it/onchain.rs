//! The on-chain light client's fixture (`contracts/test/fixtures/lightclient/mainnet-capella.json`):
//! the mainnet bootstrap and updates in the contract's shape, written from the Rust client as it
//! verifies them. A test compares the committed file with a fresh one and fails on drift;
//! `COURIER_WRITE_FIXTURES=1` (or `make vectors`) rewrites it.

use std::path::PathBuf;

use courier_lightclient::{
    ChainConfig, Fork, UpdatePolicy,
    onchain::{OnchainCommittee, OnchainExecution, OnchainHeader, OnchainUpdate},
};
use serde_json::json;

use crate::util::{MAINNET_TRUSTED_ROOT, Mainnet};

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../contracts/test/fixtures/lightclient/mainnet-capella.json")
}

fn fixture() -> serde_json::Value {
    let data = Mainnet::load();
    let config = ChainConfig::mainnet();
    let mut client = data.client();
    let bootstrap = json!({
        "header": OnchainHeader::of(&data.bootstrap.header),
        "execution": OnchainExecution::of(&data.bootstrap.header, &config).unwrap(),
        "period": client.store_period(),
        "committee": OnchainCommittee::of(&data.bootstrap.current_sync_committee).unwrap(),
        "currentSyncCommitteeBranch": data.bootstrap.current_sync_committee_branch,
        // Every member's key (EIP-2537 G1), for the gas baseline that stores them.
        "committeeKeys": data
            .bootstrap
            .current_sync_committee
            .pubkeys
            .iter()
            .map(|k| alloy_primitives::Bytes::from(courier_lightclient::bls::pubkey_eip2537(k).unwrap().to_vec()))
            .collect::<Vec<_>>(),
    });
    let mut updates = Vec::new();
    for update in &data.updates {
        let signature_period = config.preset.period_at_slot(update.signature_slot);
        let signers = if signature_period == client.store_period() {
            client.current_sync_committee().clone()
        } else {
            client.next_sync_committee().unwrap().clone()
        };
        let onchain = OnchainUpdate::of(update, &signers, &config).unwrap();
        client
            .process_update(
                update,
                update.signature_slot,
                UpdatePolicy::SupermajorityForFinality,
            )
            .unwrap();
        let finalized = client.finalized();
        updates.push(json!({
            "update": onchain,
            "after": {
                "period": client.store_period(),
                "finalizedSlot": finalized.slot,
                "finalizedBeaconRoot": finalized.beacon_root,
                "executionStateRoot": finalized.execution_state_root,
                "executionBlockNumber": finalized.block_number,
            },
        }));
    }
    let forks: Vec<_> = Fork::ALL
        .into_iter()
        .filter(|f| *f != Fork::Phase0)
        .map(|f| {
            let p = config.fork_point(f);
            json!({ "name": format!("{f:?}"), "version": format!("0x{}", alloy_primitives::hex::encode(p.version)), "epoch": p.epoch })
        })
        .collect();
    json!({
        "source": "Ethereum mainnet (Capella), ../shared/testdata/ethereum-light-client/mainnet-capella; regenerate with `make vectors`",
        "chain": {
            "genesisValidatorsRoot": config.genesis_validators_root,
            "genesisForkVersion": format!("0x{}", alloy_primitives::hex::encode(config.genesis_fork_version)),
            "forks": forks,
            "slotsPerEpoch": config.preset.slots_per_epoch,
            "epochsPerPeriod": config.preset.epochs_per_sync_committee_period,
            "committeeSize": config.preset.sync_committee_size,
        },
        "trustedBlockRoot": MAINNET_TRUSTED_ROOT,
        "bootstrap": bootstrap,
        "updates": updates,
    })
}

#[test]
fn the_committed_onchain_fixture_is_current() {
    let fresh = serde_json::to_string_pretty(&fixture()).unwrap() + "\n";
    let path = fixture_path();
    if std::env::var_os("COURIER_WRITE_FIXTURES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `make vectors`)", path.display()));
    assert!(
        committed == fresh,
        "{} is stale: run `make vectors`",
        path.display()
    );
}

#[test]
fn the_fixture_branches_prove_what_they_say() {
    use courier_lightclient::merkle::branch_root;
    let data = Mainnet::load();
    let config = ChainConfig::mainnet();
    let exec = OnchainExecution::of(&data.bootstrap.header, &config).unwrap();
    let body = data.bootstrap.header.beacon.body_root;
    // Capella: 16-leaf payload header (depth 4), then the body's execution branch (depth 4):
    // generalized index 25 * 16 + field.
    assert_eq!(exec.state_root_branch.len(), 8);
    assert_eq!(
        branch_root(&exec.state_root, &exec.state_root_branch, 25 * 16 + 2),
        body
    );
    let number_leaf = courier_lightclient::ssz::u64_root(exec.block_number);
    assert_eq!(
        branch_root(&number_leaf, &exec.block_number_branch, 25 * 16 + 6),
        body
    );
    // A different state root does not reach the body root.
    let mut wrong = exec.state_root;
    wrong.0[0] ^= 1;
    assert_ne!(
        branch_root(&wrong, &exec.state_root_branch, 25 * 16 + 2),
        body
    );
}

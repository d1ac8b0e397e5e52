//! Mainnet Capella data (512-member committee): bootstrap at slot 7069376 and one update for each
//! period from 862 to 867, verified with the built-in mainnet config.

use alloy_primitives::B256;
use courier_lightclient::{
    ChainConfig, ExecutionLayout, Fork, UpdateOutcome, UpdatePolicy, is_better_update, merkle,
};

use crate::util::{MAINNET_TRUSTED_ROOT, Mainnet};

fn json_u64(value: &serde_json::Value) -> u64 {
    value.as_str().unwrap().parse().unwrap()
}

fn json_b256(value: &serde_json::Value) -> B256 {
    value.as_str().unwrap().parse().unwrap()
}

#[test]
fn mainnet_bootstrap() {
    let data = Mainnet::load();
    let header = &data.bootstrap.header;
    assert_eq!(header.beacon.slot, 7_069_376);
    assert_eq!(header.beacon.hash_tree_root(), MAINNET_TRUSTED_ROOT);
    assert_eq!(data.bootstrap.current_sync_committee.pubkeys.len(), 512);
    let client = data.client();
    let finalized = client.finalized();
    assert_eq!(finalized.slot, 7_069_376);
    assert_eq!(finalized.beacon_root, MAINNET_TRUSTED_ROOT);
    assert_eq!(finalized.block_number, 17_883_333);
    assert_eq!(
        finalized.block_hash,
        "0xd131b92cb98455882c2c7b4ebf55dc6d02cc47e0e55a4d9570dea498affd6e74"
            .parse::<B256>()
            .unwrap()
    );
    assert_eq!(
        finalized.execution_state_root,
        "0x7577fc9f52c5670c80059bcba187ad3fa6d160dab1a0dd1b98a4515861fa8076"
            .parse::<B256>()
            .unwrap()
    );
    // A Capella-era header hashes its execution header in the Capella layout.
    assert_eq!(
        finalized.execution_root,
        header.execution.hash_tree_root(ExecutionLayout::Capella)
    );
    assert_ne!(
        finalized.execution_root,
        header.execution.hash_tree_root(ExecutionLayout::Deneb)
    );
    assert_eq!(client.store_period(), 862);
    assert!(client.next_sync_committee().is_none());
}

#[test]
fn mainnet_updates_sync_six_periods() {
    let data = Mainnet::load();
    let config = ChainConfig::mainnet();
    let mut client = data.client();
    assert_eq!(data.updates.len(), 6);

    // Period 862's update finalizes a header older than the bootstrap: it only brings the
    // committee of period 863.
    let first = &data.updates[0];
    assert_eq!(
        config.fork_at_slot(first.attested_header.beacon.slot),
        Fork::Capella
    );
    let outcome = client
        .process_update(
            first,
            first.signature_slot,
            UpdatePolicy::SupermajorityForFinality,
        )
        .unwrap();
    assert_eq!(
        outcome,
        UpdateOutcome {
            next_sync_committee_learned: true,
            ..UpdateOutcome::default()
        }
    );
    assert_eq!(client.finalized().slot, 7_069_376);
    assert_eq!(
        client.next_sync_committee(),
        Some(&first.next_sync_committee)
    );

    // Each later update is signed by the committee learned from the one before, finalizes a
    // header of the next period and rotates the committees.
    for (index, update) in data.updates.iter().enumerate().skip(1) {
        let expected_committee = client.next_sync_committee().cloned();
        let outcome = client
            .process_update(
                update,
                update.signature_slot,
                UpdatePolicy::SupermajorityForFinality,
            )
            .unwrap_or_else(|e| panic!("update {index}: {e}"));
        assert!(
            outcome.finalized_advanced && outcome.sync_committee_rotated,
            "update {index}"
        );
        assert_eq!(
            Some(client.current_sync_committee()),
            expected_committee.as_ref()
        );
        assert_eq!(client.store_period(), 862 + index as u64);

        let raw = &data.raw_updates[index]["data"]["finalized_header"];
        let finalized = client.finalized();
        assert_eq!(
            finalized.slot,
            json_u64(&raw["beacon"]["slot"]),
            "update {index}"
        );
        assert_eq!(
            finalized.beacon_root,
            update.finalized_header.beacon.hash_tree_root()
        );
        assert_eq!(
            finalized.block_number,
            json_u64(&raw["execution"]["block_number"])
        );
        assert_eq!(
            finalized.block_hash,
            json_b256(&raw["execution"]["block_hash"])
        );
        assert_eq!(
            finalized.execution_state_root,
            json_b256(&raw["execution"]["state_root"])
        );
        // The attested header (all members but at most two signed) is the optimistic header.
        let attested = &data.raw_updates[index]["data"]["attested_header"]["beacon"];
        assert_eq!(client.optimistic().slot, json_u64(&attested["slot"]));
    }
    assert_eq!(client.finalized().slot, 7_104_096);
    assert_eq!(client.optimistic().slot, 7_104_190);
    assert!(client.best_valid_update().is_none());
}

#[test]
fn mainnet_replayed_and_old_updates() {
    let data = Mainnet::load();
    let mut client = data.client_after_first_update();
    let second = &data.updates[1];
    client
        .process_update(second, second.signature_slot, UpdatePolicy::Spec)
        .unwrap();
    let after = client.clone();
    // Replaying the same update is valid (its attested header is newer than its finalized one)
    // but changes nothing except remembering it as the best update.
    let outcome = client
        .process_update(second, second.signature_slot, UpdatePolicy::Spec)
        .unwrap();
    assert!(!outcome.finalized_advanced && !outcome.optimistic_advanced);
    assert_eq!(client.finalized(), after.finalized());
    // The first update is now from an old period.
    let first = &data.updates[0];
    let err = client
        .process_update(first, second.signature_slot, UpdatePolicy::Spec)
        .unwrap_err();
    assert_eq!(
        err.kind(),
        courier_lightclient::ErrorKind::NotApplicable,
        "{err}"
    );
}

#[test]
fn mainnet_bootstrap_branch_depth_is_capella() {
    let data = Mainnet::load();
    assert_eq!(
        data.bootstrap.current_sync_committee_branch.len(),
        merkle::floorlog2(merkle::CURRENT_SYNC_COMMITTEE_GINDEX)
    );
    for update in &data.updates {
        assert_eq!(update.finality_branch.len(), 6);
        assert_eq!(update.next_sync_committee_branch.len(), 5);
    }
}

#[test]
fn update_ranking() {
    let data = Mainnet::load();
    let config = ChainConfig::mainnet();
    let (a, b) = (&data.updates[0], &data.updates[1]);
    // Both have a supermajority, a relevant committee and committee finality: 512 signers beat 511.
    assert_eq!((a.num_participants(), b.num_participants()), (511, 512));
    assert!(is_better_update(b, a, &config));
    assert!(!is_better_update(a, b, &config));
    assert!(
        !is_better_update(b, b, &config),
        "an update is not better than itself"
    );

    // Below two thirds loses to a supermajority whatever else it has.
    let mut weak = b.clone();
    for index in 0..200 {
        weak.sync_aggregate.set_participates(index, false);
    }
    assert!(is_better_update(a, &weak, &config));
    // Without the next committee it loses to one with it.
    let mut no_committee = b.clone();
    no_committee
        .next_sync_committee_branch
        .iter_mut()
        .for_each(|n| *n = B256::ZERO);
    assert!(is_better_update(a, &no_committee, &config));
    // Without finality it loses to one with it; a relevant committee ranks before finality.
    let mut no_finality = b.clone();
    no_finality
        .finality_branch
        .iter_mut()
        .for_each(|n| *n = B256::ZERO);
    assert!(is_better_update(b, &no_finality, &config));
    assert!(is_better_update(&no_finality, &no_committee, &config));
    // Same participation: the older attested header wins, then the earlier signature.
    let mut later = b.clone();
    later.attested_header.beacon.slot += 1;
    assert!(is_better_update(b, &later, &config));
    let mut later_signature = b.clone();
    later_signature.signature_slot += 1;
    assert!(is_better_update(b, &later_signature, &config));
}

#[test]
fn force_update_after_the_timeout() {
    let data = Mainnet::load();
    let mut client = data.client_after_first_update();
    let second = &data.updates[1];
    client
        .process_update(second, second.signature_slot, UpdatePolicy::Spec)
        .unwrap();
    let finalized_slot = client.finalized().slot;
    assert!(client.best_valid_update().is_none());
    // Nothing to force yet.
    assert_eq!(client.force_update(finalized_slot + 10_000).unwrap(), None);

    // A replay of the same update is valid, does not finalize, and is kept as the best update.
    let outcome = client
        .process_update(second, second.signature_slot, UpdatePolicy::Spec)
        .unwrap();
    assert!(outcome.stored_as_best && !outcome.finalized_advanced);
    assert_eq!(client.best_valid_update(), Some(second));

    // Not before UPDATE_TIMEOUT (8192 slots) has passed.
    assert_eq!(client.force_update(finalized_slot + 8192).unwrap(), None);
    assert!(client.best_valid_update().is_some());
    // Then its finalized header is not newer than the store's, so its attested header is taken.
    let outcome = client.force_update(finalized_slot + 8193).unwrap().unwrap();
    assert!(outcome.finalized_advanced && !outcome.sync_committee_rotated);
    assert_eq!(client.finalized().slot, second.attested_header.beacon.slot);
    assert_eq!(
        client.finalized().beacon_root,
        second.attested_header.beacon.hash_tree_root()
    );
    assert!(client.best_valid_update().is_none());
    assert_eq!(client.store_period(), 863);
}

#[test]
fn finality_and_optimistic_updates_from_json() {
    let data = Mainnet::load();
    let preset = ChainConfig::mainnet().preset;
    let mut raw = data.raw_updates[1].clone();
    let fields = raw["data"].as_object_mut().unwrap();
    fields.remove("next_sync_committee");
    fields.remove("next_sync_committee_branch");
    let finality_json = raw.to_string();
    // A full update is not a finality update, and the other way round (unknown/missing fields).
    assert!(
        courier_lightclient::finality_update_from_json(&data.raw_updates[1].to_string(), &preset)
            .is_err()
    );
    assert!(courier_lightclient::update_from_json(&finality_json, &preset).is_err());

    let (fork, finality) =
        courier_lightclient::finality_update_from_json(&finality_json, &preset).unwrap();
    assert_eq!(fork, Fork::Capella);
    let full = &data.updates[1];
    assert!(finality.is_finality_update() && !finality.is_sync_committee_update());
    assert!(finality.next_sync_committee.is_empty());
    assert_eq!(finality.next_sync_committee.pubkeys.len(), 512);
    assert_eq!(finality.next_sync_committee_branch, vec![B256::ZERO; 5]);
    assert_eq!(finality.finalized_header, full.finalized_header);
    assert_eq!(finality.sync_aggregate, full.sync_aggregate);
    let mut client = data.client_after_first_update();
    let outcome = client
        .process_update(
            &finality,
            finality.signature_slot,
            UpdatePolicy::SupermajorityForFinality,
        )
        .unwrap();
    assert!(outcome.finalized_advanced && outcome.sync_committee_rotated);
    assert_eq!(
        client.finalized().beacon_root,
        full.finalized_header.beacon.hash_tree_root()
    );

    let fields = raw["data"].as_object_mut().unwrap();
    fields.remove("finalized_header");
    fields.remove("finality_branch");
    let (_, optimistic) =
        courier_lightclient::optimistic_update_from_json(&raw.to_string(), &preset).unwrap();
    assert!(!optimistic.is_finality_update() && optimistic.finalized_header.is_empty());
    assert_eq!(optimistic.finality_branch, vec![B256::ZERO; 6]);
    let mut client = data.client_after_first_update();
    let outcome = client
        .process_update(&optimistic, optimistic.signature_slot, UpdatePolicy::Spec)
        .unwrap();
    assert!(outcome.optimistic_advanced && !outcome.finalized_advanced);
    assert_eq!(
        client.optimistic().beacon_root,
        full.attested_header.beacon.hash_tree_root()
    );
}

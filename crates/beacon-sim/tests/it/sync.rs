//! The light client follows the simulated chain over HTTP (minimal preset) through committee
//! rotations, and its finalized header is anvil's block at the finality depth.

use alloy::providers::Provider;
use alloy_primitives::{Address, B256};
use courier_beacon_sim::{CommitteeKeys, Participation, SimConfig, execution::transactions_root};
use courier_lightclient::{
    ChainConfig, Error, Fork, LightClient, Preset, UpdatePolicy, finality_update_from_json,
    optimistic_update_from_json, updates_from_json,
};

use crate::util::Env;

#[tokio::test]
async fn light_client_follows_the_minimal_chain_through_two_rotations() {
    let config = SimConfig::default();
    let depth = config.finality_depth;
    let env = Env::start(config).await;
    assert_eq!(env.config().preset, Preset::MINIMAL);

    // A block with a real transaction: its payload header's transactions root is the SSZ root of
    // anvil's raw transaction bytes.
    let tx_block = env.transfer(Address::repeat_byte(0x42)).await;
    env.mine_to(10).await;
    let anvil_block = env.anvil_block(tx_block).await;
    let tx_hash = anvil_block.transactions.hashes().next().unwrap();
    let raw: alloy::primitives::Bytes = env
        .anvil
        .provider()
        .raw_request("eth_getRawTransactionByHash".into(), (tx_hash,))
        .await
        .unwrap();
    let simulated = env.sim.block(tx_block).unwrap();
    assert_eq!(
        simulated.header.execution.transactions_root,
        transactions_root(&[raw])
    );
    assert_eq!(
        simulated.header.execution.receipts_root,
        anvil_block.header.receipts_root
    );

    // Bootstrap from the finalized root the API names, in period 0.
    let (root, slot) = env.finalized_root().await;
    assert_eq!(slot, 10 - depth);
    let mut client = env.bootstrapped_client().await;
    assert_eq!(client.store_period(), 0);
    assert_eq!(client.finalized().beacon_root, root);

    // Two rotations: past slot 128 (periods of 64 slots).
    let head = 64 * 2 + 10;
    env.mine_to(head).await;
    let json = env
        .get_ok("/eth/v1/beacon/light_client/updates?start_period=0&count=5")
        .await;
    let updates = updates_from_json(&json, &Preset::MINIMAL).unwrap();
    assert_eq!(
        updates.len(),
        3,
        "periods 0, 1 and 2 have updates, 3 not yet"
    );
    for (period, (fork, update)) in updates.iter().enumerate() {
        assert_eq!(*fork, Fork::Electra);
        let period = period as u64;
        let expected_signature_slot = (64 * (period + 1) - 1).min(head);
        assert_eq!(update.signature_slot, expected_signature_slot);
        assert_eq!(
            update.attested_header.beacon.slot,
            expected_signature_slot - 1
        );
        assert_eq!(
            update.finalized_header.beacon.slot,
            expected_signature_slot - 1 - depth
        );
        let outcome = client
            .process_update(update, head, UpdatePolicy::SupermajorityForFinality)
            .unwrap_or_else(|e| panic!("update of period {period}: {e}"));
        assert!(outcome.finalized_advanced, "period {period}");
        assert_eq!(
            outcome.sync_committee_rotated,
            period > 0,
            "period {period}"
        );
        assert!(outcome.next_sync_committee_learned || period > 0);
        assert_eq!(client.store_period(), period);
        assert_eq!(
            client.current_sync_committee(),
            CommitteeKeys::derive(1, period, &Preset::MINIMAL)
                .unwrap()
                .committee()
        );
    }

    // The newest finality update: finalized is the block `depth` below the attested one (the
    // head's parent), with anvil's execution state root, number and hash.
    let head = head + 5;
    env.mine_to(head).await;
    let json = env
        .get_ok("/eth/v1/beacon/light_client/finality_update")
        .await;
    let (_, update) = finality_update_from_json(&json, &Preset::MINIMAL).unwrap();
    assert_eq!(update.signature_slot, head);
    let outcome = client
        .process_update(&update, head, UpdatePolicy::SupermajorityForFinality)
        .unwrap();
    assert!(outcome.finalized_advanced && !outcome.sync_committee_rotated);
    let finalized = client.finalized();
    let final_number = head - 1 - depth;
    let anvil_final = env.anvil_block(final_number).await;
    assert_eq!(finalized.slot, final_number);
    assert_eq!(finalized.block_number, final_number);
    assert_eq!(finalized.block_hash, anvil_final.header.hash);
    assert_eq!(
        finalized.execution_state_root,
        anvil_final.header.state_root
    );
    assert_eq!(
        client.finalized_header().execution.timestamp,
        anvil_final.header.timestamp
    );
    assert_eq!(
        client.finalized_header().execution.parent_hash,
        anvil_final.header.parent_hash
    );

    // The optimistic update moves the optimistic header to the head's parent.
    let json = env
        .get_ok("/eth/v1/beacon/light_client/optimistic_update")
        .await;
    let (_, optimistic) = optimistic_update_from_json(&json, &Preset::MINIMAL).unwrap();
    assert!(!optimistic.is_finality_update());
    // Already applied by the finality update (same attested header): nothing new, but valid.
    client
        .process_update(&optimistic, head, UpdatePolicy::Spec)
        .unwrap();
    assert_eq!(client.optimistic().slot, head - 1);
    assert_eq!(
        client.optimistic().block_hash,
        env.anvil_block(head - 1).await.header.hash
    );

    // A signature slot the caller has not reached is refused.
    env.mine_to(head + 1).await;
    let json = env
        .get_ok("/eth/v1/beacon/light_client/finality_update")
        .await;
    let (_, update) = finality_update_from_json(&json, &Preset::MINIMAL).unwrap();
    assert!(matches!(
        client.process_update(&update, head, UpdatePolicy::Spec),
        Err(Error::SignatureSlotInFuture { .. })
    ));

    env.stop().await;
}

#[tokio::test]
async fn participation_below_two_thirds_does_not_finalize() {
    let env = Env::start(SimConfig::default()).await;
    env.mine_to(20).await;
    let mut client = env.bootstrapped_client().await;
    let before = client.finalized();
    env.mine_to(30).await;

    // 21 of 32: one short of two thirds.
    env.sim
        .set_participation(Participation::Fraction {
            numerator: 2,
            denominator: 3,
        })
        .unwrap();
    let json = env
        .get_ok("/eth/v1/beacon/light_client/finality_update")
        .await;
    let (_, weak) = finality_update_from_json(&json, &Preset::MINIMAL).unwrap();
    assert_eq!(weak.num_participants(), 21);
    assert_eq!(
        client
            .process_update(&weak, 30, UpdatePolicy::SupermajorityForFinality)
            .unwrap_err(),
        Error::InsufficientParticipation { got: 21, need: 22 }
    );
    // The spec accepts it (the signature is good) but does not finalize with it.
    let outcome = client
        .process_update(&weak, 30, UpdatePolicy::Spec)
        .unwrap();
    assert!(!outcome.finalized_advanced && outcome.stored_as_best);
    assert_eq!(client.finalized(), before);

    // Exactly 22 chosen members (a bitmask): finalizes.
    let mut bits = vec![0u8; 4];
    for index in (0..32).filter(|i| i % 4 != 0).take(22) {
        bits[index / 8] |= 1 << (index % 8);
    }
    env.sim
        .set_participation(Participation::Bits(bits.clone()))
        .unwrap();
    let json = env
        .get_ok("/eth/v1/beacon/light_client/finality_update")
        .await;
    let (_, enough) = finality_update_from_json(&json, &Preset::MINIMAL).unwrap();
    assert_eq!(enough.sync_aggregate.sync_committee_bits, bits);
    let outcome = client
        .process_update(&enough, 30, UpdatePolicy::SupermajorityForFinality)
        .unwrap();
    assert!(outcome.finalized_advanced);
    assert_eq!(client.finalized().slot, 29 - 2);

    // A bitmask of the wrong size is refused up front.
    assert!(
        env.sim
            .set_participation(Participation::Bits(vec![0xff; 3]))
            .is_err()
    );
    env.stop().await;
}

#[tokio::test]
async fn genesis_and_spec_describe_the_chain_config() {
    let env = Env::start(SimConfig::default()).await;
    env.mine_to(3).await;
    let genesis: serde_json::Value =
        serde_json::from_str(&env.get_ok("/eth/v1/beacon/genesis").await).unwrap();
    let gvr: B256 = genesis["data"]["genesis_validators_root"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(gvr, env.config().genesis_validators_root);
    assert_eq!(
        gvr,
        courier_beacon_sim::genesis_validators_root(1, env.anvil.chain_id())
    );
    assert_eq!(genesis["data"]["genesis_fork_version"], "0x00434f55");
    assert_eq!(
        genesis["data"]["genesis_time"],
        env.anvil_block(0).await.header.timestamp.to_string()
    );
    // The spec endpoint is what a client builds the same chain config from.
    let spec: serde_json::Value =
        serde_json::from_str(&env.get_ok("/eth/v1/config/spec").await).unwrap();
    let from_spec = ChainConfig::from_spec_config_yaml(&spec["data"].to_string(), gvr).unwrap();
    assert_eq!(&from_spec, env.config());
    assert_eq!(env.config().fork_at_slot(0), Fork::Electra);
    // And a client with that config bootstraps.
    let (root, _) = env.finalized_root().await;
    let client = env.bootstrapped_client().await;
    assert_eq!(client.finalized().beacon_root, root);
    let _ = LightClient::bootstrap(from_spec, env.sim.bootstrap(&root).unwrap(), root).unwrap();
    env.stop().await;
}

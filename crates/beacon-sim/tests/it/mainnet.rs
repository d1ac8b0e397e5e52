//! The mainnet preset: 512-member committees, 8192-slot periods. A shorter run (no rotation).

use courier_beacon_sim::SimConfig;
use courier_lightclient::{Preset, UpdatePolicy, finality_update_from_json, updates_from_json};

use crate::util::Env;

#[tokio::test]
async fn light_client_verifies_the_mainnet_preset() {
    let env = Env::start(SimConfig {
        preset: Preset::MAINNET,
        seed: 5,
        finality_depth: 3,
        ..SimConfig::default()
    })
    .await;
    env.mine_to(8).await;
    let mut client = env.bootstrapped_client().await;
    assert_eq!(client.current_sync_committee().pubkeys.len(), 512);
    assert_eq!(client.finalized().slot, 5);

    env.mine_to(40).await;
    let json = env
        .get_ok("/eth/v1/beacon/light_client/updates?start_period=0&count=1")
        .await;
    let updates = updates_from_json(&json, &Preset::MAINNET).unwrap();
    assert_eq!(updates.len(), 1);
    let outcome = client
        .process_update(&updates[0].1, 40, UpdatePolicy::SupermajorityForFinality)
        .unwrap();
    assert!(outcome.next_sync_committee_learned && outcome.finalized_advanced);
    assert_eq!(client.finalized().slot, 39 - 3);

    env.mine_to(45).await;
    let json = env
        .get_ok("/eth/v1/beacon/light_client/finality_update")
        .await;
    let (_, update) = finality_update_from_json(&json, &Preset::MAINNET).unwrap();
    assert_eq!(update.num_participants(), 512);
    client
        .process_update(&update, 45, UpdatePolicy::SupermajorityForFinality)
        .unwrap();
    let anvil_final = env.anvil_block(44 - 3).await;
    assert_eq!(client.finalized().block_hash, anvil_final.header.hash);
    assert_eq!(
        client.finalized().execution_state_root,
        anvil_final.header.state_root
    );
    env.stop().await;
}

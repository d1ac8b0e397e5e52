//! The simulator follows anvil's reorganisations and rollbacks: replaced blocks get new beacon
//! blocks, and the old ones are no longer served.

use courier_beacon_sim::SimConfig;

use crate::util::{CATCH_UP, Env};

#[tokio::test]
async fn follows_reorgs_and_rollbacks() {
    let env = Env::start(SimConfig::default()).await;
    env.mine_to(10).await;
    let old = env.sim.block(9).unwrap();
    let kept = env.sim.block(7).unwrap();

    // The last three blocks are replaced: same height, new hashes.
    env.anvil.reorg(3).await.unwrap();
    env.sim.sync_now().await.unwrap();
    let new = env.sim.block(9).unwrap();
    assert_ne!(new.block_hash(), old.block_hash());
    assert_eq!(new.block_hash(), env.anvil_block(9).await.header.hash);
    assert_ne!(new.root, old.root);
    assert_eq!(env.sim.block(7).unwrap(), kept);
    assert_eq!(
        env.sim.block(8).unwrap().header.beacon.parent_root,
        kept.root
    );
    let (status, body) = env
        .get(&format!(
            "/eth/v1/beacon/light_client/bootstrap/{}",
            old.root
        ))
        .await;
    assert_eq!(status, 404, "{body}");
    env.get_ok(&format!(
        "/eth/v1/beacon/light_client/bootstrap/{}",
        new.root
    ))
    .await;

    // Rolled back by two: the head goes back, by polling alone.
    env.anvil.rollback(2).await.unwrap();
    tokio::time::timeout(CATCH_UP, async {
        while env.sim.head_slot() != Some(8) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    assert!(env.sim.block(9).is_none());
    env.mine_to(12).await;
    assert_eq!(
        env.sim.block(12).unwrap().block_hash(),
        env.anvil_block(12).await.header.hash
    );
    env.stop().await;
}

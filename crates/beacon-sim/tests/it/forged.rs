//! Forged updates are refused by the light client with the error naming the check they fail, and
//! leave its store as it was.

use alloy_primitives::B256;
use courier_beacon_sim::{Forgery, SimConfig};
use courier_lightclient::{
    Error, LightClient, LightClientUpdate, Preset, UpdatePolicy, finality_update_from_json,
    updates_from_json,
};

use crate::util::Env;

fn refuse(client: &mut LightClient, update: &LightClientUpdate, current_slot: u64) -> Error {
    let before = client.clone();
    let err = client
        .process_update(update, current_slot, UpdatePolicy::SupermajorityForFinality)
        .unwrap_err();
    assert_eq!(*client, before, "a refused update changed the store");
    err
}

#[tokio::test]
async fn forged_updates_are_refused_with_the_right_error() {
    let env = Env::start(SimConfig::default()).await;
    env.mine_to(12).await;
    let mut client = env.bootstrapped_client().await;
    env.mine_to(40).await;
    let head = 40;
    let honest = env.sim.finality_update().unwrap();
    let fake_root = B256::repeat_byte(0xfa);

    // Signed by another committee.
    let foreign = env
        .sim
        .forge(&honest, &Forgery::ForeignCommittee { seed: 99 })
        .unwrap();
    assert_eq!(foreign.attested_header, honest.attested_header);
    assert!(matches!(
        refuse(&mut client, &foreign, head),
        Error::InvalidSignature {
            signature_slot: 40,
            participants: 32
        }
    ));

    // A finalized execution state root that its header's body does not commit to.
    let wrong_execution = env
        .sim
        .forge(
            &honest,
            &Forgery::FinalizedExecutionStateRoot {
                state_root: fake_root,
            },
        )
        .unwrap();
    assert_eq!(
        refuse(&mut client, &wrong_execution, head),
        Error::InvalidExecutionBranch { slot: 37 }
    );

    // A beacon state root that is not the chain's, signed by the real committee.
    let wrong_state = env
        .sim
        .forge(
            &honest,
            &Forgery::AttestedStateRoot {
                state_root: fake_root,
            },
        )
        .unwrap();
    assert_eq!(
        refuse(&mut client, &wrong_state, head),
        Error::InvalidFinalityBranch { attested_slot: 39 }
    );
    // On a period update (next committee, finality) the finality branch is checked first.
    let period_update = env.sim.period_update(0).unwrap();
    let wrong_state = env
        .sim
        .forge(
            &period_update,
            &Forgery::AttestedStateRoot {
                state_root: fake_root,
            },
        )
        .unwrap();
    assert!(matches!(
        refuse(&mut client, &wrong_state, head),
        Error::InvalidFinalityBranch { .. }
    ));

    // A consistent fabricated history: every branch verifies, only the signature gives it away.
    let consistent = Forgery::ConsistentExecutionStateRoot {
        state_root: fake_root,
        signer_seed: 99,
    };
    let fabricated = env.sim.forge(&honest, &consistent).unwrap();
    assert_ne!(
        fabricated.attested_header.beacon.state_root,
        honest.attested_header.beacon.state_root
    );
    fabricated.finalized_header.validate(env.config()).unwrap();
    fabricated.attested_header.validate(env.config()).unwrap();
    assert!(matches!(
        refuse(&mut client, &fabricated, head),
        Error::InvalidSignature { .. }
    ));
    // Signed by the chain's own committee it would be accepted: a light client trusts two thirds
    // of the committee, which is what this forgery stands for.
    let mut trusting = client.clone();
    let by_committee = env
        .sim
        .forge(
            &honest,
            &Forgery::ConsistentExecutionStateRoot {
                state_root: fake_root,
                signer_seed: 1,
            },
        )
        .unwrap();
    trusting
        .process_update(&by_committee, head, UpdatePolicy::SupermajorityForFinality)
        .unwrap();
    assert_eq!(trusting.finalized().execution_state_root, fake_root);

    // The honest update still goes through afterwards.
    client
        .process_update(&honest, head, UpdatePolicy::SupermajorityForFinality)
        .unwrap();
    assert_eq!(client.finalized().slot, 37);

    // Forgeries that need a finalized header refuse an optimistic update.
    let optimistic = env.sim.optimistic_update().unwrap();
    let err = env.sim.forge(&optimistic, &consistent).unwrap_err();
    assert!(err.to_string().contains("no finalized header"), "{err}");
    env.stop().await;
}

#[tokio::test]
async fn served_forgeries_are_refused_over_http() {
    let env = Env::start(SimConfig::default()).await;
    env.mine_to(12).await;
    let mut client = env.bootstrapped_client().await;
    env.mine_to(70).await;

    env.sim
        .set_forgery(Some(Forgery::ForeignCommittee { seed: 7 }));
    let json = env
        .get_ok("/eth/v1/beacon/light_client/updates?start_period=0&count=2")
        .await;
    let updates = updates_from_json(&json, &Preset::MINIMAL).unwrap();
    assert_eq!(updates.len(), 2);
    assert!(matches!(
        refuse(&mut client, &updates[0].1, 70),
        Error::InvalidSignature { .. }
    ));

    // Honest again.
    env.sim.set_forgery(None);
    let json = env
        .get_ok("/eth/v1/beacon/light_client/updates?start_period=0&count=2")
        .await;
    for (_, update) in updates_from_json(&json, &Preset::MINIMAL).unwrap() {
        client
            .process_update(&update, 70, UpdatePolicy::SupermajorityForFinality)
            .unwrap();
    }
    assert_eq!(client.store_period(), 1);

    // Now in period 1, knowing period 2's committee: a forged finality update of period 1.
    env.sim
        .set_forgery(Some(Forgery::ConsistentExecutionStateRoot {
            state_root: B256::repeat_byte(1),
            signer_seed: 7,
        }));
    let json = env
        .get_ok("/eth/v1/beacon/light_client/finality_update")
        .await;
    let (_, forged) = finality_update_from_json(&json, &Preset::MINIMAL).unwrap();
    assert_eq!(
        forged.finalized_header.execution.state_root,
        B256::repeat_byte(1)
    );
    assert!(matches!(
        refuse(&mut client, &forged, 70),
        Error::InvalidSignature { .. }
    ));
    // Optimistic updates have no finalized header to forge: the API says so.
    let (status, body) = env
        .get("/eth/v1/beacon/light_client/optimistic_update")
        .await;
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("no finalized header"), "{body}");
    env.stop().await;
}

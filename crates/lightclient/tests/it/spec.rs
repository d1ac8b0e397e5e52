//! The consensus-spec `light_client_sync` vectors (Electra, minimal preset): every step of
//! `steps.yaml` applied in order, every check compared.

use courier_lightclient::{
    Error, Fork, HeaderSummary, LightClient, UpdatePolicy, merkle, types::LightClientLayout,
};

use courier_lightclient::spec_test::{SpecHeaderCheck as HeaderCheck, SpecStep as Step};

use crate::util::SpecCase;

fn assert_header(what: &str, step: usize, got: HeaderSummary, want: &HeaderCheck) {
    assert_eq!(got.slot, want.slot, "step {step}: {what} slot");
    assert_eq!(
        got.beacon_root, want.beacon_root,
        "step {step}: {what} beacon_root"
    );
    assert_eq!(
        got.execution_root, want.execution_root,
        "step {step}: {what} execution_root"
    );
}

#[test]
fn spec_config_and_digests() {
    let case = SpecCase::load();
    assert_eq!(case.config.preset.name, "minimal");
    assert_eq!(case.config.electra.version, [5, 0, 0, 1]);
    // The digests in meta.yaml are computed by the spec from the fork version and genesis
    // validators root; ours must agree.
    assert_eq!(
        case.config
            .fork_for_digest(case.meta.bootstrap_fork_digest)
            .unwrap(),
        Fork::Electra
    );
    assert_eq!(
        case.config.fork_digest(Fork::Electra),
        case.meta.store_fork_digest
    );
    let layout = LightClientLayout::for_fork(Fork::Electra).unwrap();
    assert_eq!(
        case.bootstrap.current_sync_committee_branch.len(),
        layout.current_sync_committee_branch_len
    );
    assert_eq!(case.bootstrap.current_sync_committee.pubkeys.len(), 32);
}

#[test]
fn spec_bootstrap_matches_the_trusted_root() {
    let case = SpecCase::load();
    assert_eq!(
        case.bootstrap.header.beacon.hash_tree_root(),
        case.meta.trusted_block_root
    );
    let client = case.client();
    assert_eq!(client.finalized().beacon_root, case.meta.trusted_block_root);
    assert_eq!(client.optimistic(), client.finalized());

    let mut wrong = case.bootstrap.clone();
    wrong.current_sync_committee.pubkeys.swap(0, 1);
    assert_eq!(
        LightClient::bootstrap(case.config.clone(), wrong, case.meta.trusted_block_root),
        Err(Error::InvalidCurrentSyncCommitteeBranch {
            slot: case.bootstrap.header.beacon.slot
        })
    );
}

#[test]
fn spec_update_files_decode_to_what_their_names_say() {
    let case = SpecCase::load();
    let updates = case.all_updates();
    assert_eq!(updates.len(), 16);
    for (name, update) in &updates {
        // update_0x<attested block root>_<s|x><f|x>: sync committee update, finality update.
        let (root, kind) = name["update_".len()..].split_once('_').unwrap();
        assert_eq!(
            format!("{}", update.attested_header.beacon.hash_tree_root()),
            root,
            "{name}"
        );
        assert_eq!(
            update.is_sync_committee_update(),
            &kind[..1] == "s",
            "{name}"
        );
        assert_eq!(update.is_finality_update(), &kind[1..] == "f", "{name}");
        assert_eq!(update.finality_branch.len(), 7);
        assert_eq!(update.next_sync_committee_branch.len(), 6);
        // Attested headers carry valid execution branches (Deneb layout hashing).
        update.attested_header.validate(&case.config).unwrap();
    }
}

#[test]
fn spec_steps_all_pass() {
    let case = SpecCase::load();
    let mut client = case.client();
    let (mut processed, mut forced) = (0, 0);
    for (index, step) in case.steps().iter().enumerate() {
        let checks = match step {
            Step::ProcessUpdate {
                update_fork_digest,
                update,
                current_slot,
                checks,
            } => {
                let update = case.update(update, *update_fork_digest);
                client
                    .process_update(&update, *current_slot, UpdatePolicy::Spec)
                    .unwrap_or_else(|e| panic!("step {index}: {e}"));
                processed += 1;
                checks
            }
            Step::ForceUpdate {
                current_slot,
                checks,
            } => {
                client
                    .force_update(*current_slot)
                    .unwrap_or_else(|e| panic!("step {index}: {e}"));
                forced += 1;
                checks
            }
        };
        assert_header(
            "finalized",
            index,
            client.finalized(),
            &checks.finalized_header,
        );
        assert_header(
            "optimistic",
            index,
            client.optimistic(),
            &checks.optimistic_header,
        );
    }
    assert_eq!((processed, forced), (8, 2), "every step of steps.yaml ran");
    // The last step finalizes slot 264, in period 4 (64 slots per period).
    assert_eq!(client.store_period(), 4);
}

#[test]
fn spec_tampered_electra_branches_are_refused() {
    let case = SpecCase::load();
    let Step::ProcessUpdate {
        update_fork_digest,
        update,
        current_slot,
        ..
    } = &case.steps()[0]
    else {
        panic!("the first step processes an update");
    };
    let update = case.update(update, *update_fork_digest);
    let attested_slot = update.attested_header.beacon.slot;
    let client = case.client();

    // Electra's finality branch has 7 nodes (gindex 169): a wrong node at any depth is refused.
    assert_eq!(
        merkle::floorlog2(merkle::FINALIZED_ROOT_GINDEX_ELECTRA),
        update.finality_branch.len()
    );
    for node in 0..update.finality_branch.len() {
        let mut bad = update.clone();
        bad.finality_branch[node].0[31] ^= 1;
        assert_eq!(
            client.validate_update(&bad, *current_slot, UpdatePolicy::Spec),
            Err(Error::InvalidFinalityBranch { attested_slot }),
            "finality node {node}"
        );
    }
    // The pre-Electra depth (dropping the top node) does not verify against an Electra state.
    let mut short = update.clone();
    short.finality_branch.pop();
    assert_eq!(
        client.validate_update(&short, *current_slot, UpdatePolicy::Spec),
        Err(Error::InvalidFinalityBranch { attested_slot })
    );

    let mut bad = update.clone();
    bad.next_sync_committee_branch[5].0[0] ^= 0x80;
    assert_eq!(
        client.validate_update(&bad, *current_slot, UpdatePolicy::Spec),
        Err(Error::InvalidNextSyncCommitteeBranch { attested_slot })
    );

    let mut bad = update.clone();
    bad.attested_header.execution.state_root.0[0] ^= 1;
    assert_eq!(
        client.validate_update(&bad, *current_slot, UpdatePolicy::Spec),
        Err(Error::InvalidExecutionBranch {
            slot: attested_slot
        })
    );

    let mut bad = update.clone();
    bad.sync_aggregate.sync_committee_signature = case
        .update(
            "update_0x6ad1512a26e6b430d9916050f6bee1fde680c1fd1057f5d82a9695f7ba05b1ab_sf",
            *update_fork_digest,
        )
        .sync_aggregate
        .sync_committee_signature;
    assert!(matches!(
        client.validate_update(&bad, *current_slot, UpdatePolicy::Spec),
        Err(Error::InvalidSignature { .. })
    ));

    client
        .validate_update(&update, *current_slot, UpdatePolicy::Spec)
        .unwrap();
}

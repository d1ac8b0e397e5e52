//! Forged or damaged mainnet data: each change must be refused with the error that names the
//! check it breaks, and a refused update must leave the store as it was.

use alloy_primitives::B256;
use courier_lightclient::{
    ChainConfig, Error, ErrorKind, LightClient, LightClientUpdate, UpdatePolicy,
};

use crate::util::{MAINNET_TRUSTED_ROOT, Mainnet};

/// Processes `update` on a copy of `client` and returns the error; asserts the client is
/// unchanged.
fn refuse(client: &mut LightClient, update: &LightClientUpdate, policy: UpdatePolicy) -> Error {
    let before = client.clone();
    let err = client
        .process_update(update, update.signature_slot, policy)
        .expect_err("tampered update accepted");
    assert_eq!(*client, before, "a refused update changed the store");
    err
}

#[test]
fn flipped_signature_bit() {
    let data = Mainnet::load();
    let mut client = data.client_after_first_update();
    let update = &data.updates[1];
    let signature_slot = update.signature_slot;
    let participants = update.num_participants() as usize;

    // The lowest bit of the last byte: still a point on the curve for this signature, so the
    // pairing check is what refuses it.
    let mut bad = update.clone();
    bad.sync_aggregate.sync_committee_signature.0[95] ^= 1;
    assert_eq!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        Error::InvalidSignature {
            signature_slot,
            participants
        }
    );

    // The compression flag: no longer a compressed point.
    let mut bad = update.clone();
    bad.sync_aggregate.sync_committee_signature.0[0] ^= 0x80;
    assert_eq!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        Error::MalformedSignature
    );

    // The sign flag: the negated point, a valid point and a wrong signature.
    let mut bad = update.clone();
    bad.sync_aggregate.sync_committee_signature.0[0] ^= 0x20;
    assert_eq!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        Error::InvalidSignature {
            signature_slot,
            participants
        }
    );

    // A genuine signature from another update.
    let mut bad = update.clone();
    bad.sync_aggregate.sync_committee_signature =
        data.updates[2].sync_aggregate.sync_committee_signature;
    assert_eq!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        Error::InvalidSignature {
            signature_slot,
            participants
        }
    );

    // A different attested header under the genuine signature.
    let mut bad = update.clone();
    bad.attested_header.beacon.proposer_index += 1;
    assert!(matches!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        // The header is still valid (the execution branch is against body_root), the
        // signature is not.
        Error::InvalidSignature { .. }
    ));

    client
        .process_update(update, signature_slot, UpdatePolicy::Spec)
        .unwrap();
}

#[test]
fn wrong_finality_branch_node() {
    let data = Mainnet::load();
    let mut client = data.client_after_first_update();
    let update = &data.updates[1];
    let attested_slot = update.attested_header.beacon.slot;
    for node in 0..update.finality_branch.len() {
        let mut bad = update.clone();
        bad.finality_branch[node].0[7] ^= 0x10;
        assert_eq!(
            refuse(&mut client, &bad, UpdatePolicy::Spec),
            Error::InvalidFinalityBranch { attested_slot },
            "node {node}"
        );
    }
    // Another finalized header (with a valid execution branch of its own) under the same branch.
    let mut bad = update.clone();
    bad.finalized_header = data.updates[0].attested_header.clone();
    assert_eq!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        Error::InvalidFinalityBranch { attested_slot }
    );
    // A finalized header without a finality branch.
    let mut bad = update.clone();
    bad.finality_branch
        .iter_mut()
        .for_each(|node| *node = B256::ZERO);
    assert_eq!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        Error::UnexpectedFinalizedHeader
    );
}

#[test]
fn wrong_next_sync_committee_branch_node() {
    let data = Mainnet::load();
    let mut client = data.client_after_first_update();
    let update = &data.updates[1];
    let attested_slot = update.attested_header.beacon.slot;
    for node in 0..update.next_sync_committee_branch.len() {
        let mut bad = update.clone();
        bad.next_sync_committee_branch[node].0[0] ^= 1;
        assert_eq!(
            refuse(&mut client, &bad, UpdatePolicy::Spec),
            Error::InvalidNextSyncCommitteeBranch { attested_slot },
            "node {node}"
        );
    }
    // A committee with one key replaced: its root no longer matches the branch.
    let mut bad = update.clone();
    bad.next_sync_committee.pubkeys[100] = bad.next_sync_committee.pubkeys[101];
    assert_eq!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        Error::InvalidNextSyncCommitteeBranch { attested_slot }
    );
    // Before the store knows the next committee, a forged one fails its branch.
    let mut fresh = data.client();
    let first = &data.updates[0];
    let mut bad = first.clone();
    bad.next_sync_committee.pubkeys[0] = bad.next_sync_committee.pubkeys[1];
    assert_eq!(
        refuse(&mut fresh, &bad, UpdatePolicy::Spec),
        Error::InvalidNextSyncCommitteeBranch {
            attested_slot: first.attested_header.beacon.slot
        }
    );
    // Once it knows it, an update of the same period must carry the same committee.
    client
        .process_update(update, update.signature_slot, UpdatePolicy::Spec)
        .unwrap();
    let mut bad = update.clone();
    bad.next_sync_committee.pubkeys[0] = bad.next_sync_committee.pubkeys[1];
    assert_eq!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        Error::NextSyncCommitteeMismatch
    );
}

#[test]
fn wrong_execution_branch_node() {
    let data = Mainnet::load();
    let mut client = data.client_after_first_update();
    let update = &data.updates[1];
    let attested_slot = update.attested_header.beacon.slot;
    let finalized_slot = update.finalized_header.beacon.slot;
    for node in 0..4 {
        let mut bad = update.clone();
        bad.attested_header.execution_branch[node].0[31] ^= 1;
        assert_eq!(
            refuse(&mut client, &bad, UpdatePolicy::Spec),
            Error::InvalidExecutionBranch {
                slot: attested_slot
            },
            "attested node {node}"
        );
        let mut bad = update.clone();
        bad.finalized_header.execution_branch[node].0[31] ^= 1;
        assert_eq!(
            refuse(&mut client, &bad, UpdatePolicy::Spec),
            Error::InvalidExecutionBranch {
                slot: finalized_slot
            },
            "finalized node {node}"
        );
    }
    // What a bridge cares about: a forged execution state root or block hash is caught.
    let mut bad = update.clone();
    bad.finalized_header.execution.state_root = B256::repeat_byte(0x42);
    assert_eq!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        Error::InvalidExecutionBranch {
            slot: finalized_slot
        }
    );
    let mut bad = update.clone();
    bad.finalized_header.execution.block_number += 1;
    assert_eq!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        Error::InvalidExecutionBranch {
            slot: finalized_slot
        }
    );
    // Blob-gas fields on a Capella header (the Deneb layout hashed as Capella would hide them).
    let mut bad = update.clone();
    bad.finalized_header.execution.blob_gas_used = 1;
    assert!(matches!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        Error::InvalidHeader { slot, .. } if slot == finalized_slot
    ));
    // A bootstrap whose execution header was changed.
    let mut bootstrap = data.bootstrap.clone();
    bootstrap.header.execution.block_hash = B256::repeat_byte(1);
    assert_eq!(
        LightClient::bootstrap(ChainConfig::mainnet(), bootstrap, MAINNET_TRUSTED_ROOT),
        Err(Error::InvalidExecutionBranch { slot: 7_069_376 })
    );
}

#[test]
fn participation_below_two_thirds() {
    let data = Mainnet::load();
    let mut client = data.client_after_first_update();
    let update = &data.updates[1];
    assert!(update.is_finality_update());

    // Clear bits until 341 of 512 remain: one short of two thirds.
    let mut bad = update.clone();
    for index in bad.sync_aggregate.participant_indices() {
        if bad.num_participants() == 341 {
            break;
        }
        bad.sync_aggregate.set_participates(index, false);
    }
    assert_eq!(bad.num_participants(), 341);
    assert_eq!(
        refuse(&mut client, &bad, UpdatePolicy::SupermajorityForFinality),
        Error::InsufficientParticipation {
            got: 341,
            need: 342
        }
    );
    // The spec's own rule takes it to the signature check, which the cleared bits break.
    assert!(matches!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        Error::InvalidSignature {
            participants: 341,
            ..
        }
    ));
    // 342 passes the participation check (and then fails the signature).
    let mut at_threshold = bad.clone();
    let first_cleared = update
        .sync_aggregate
        .participant_indices()
        .into_iter()
        .find(|i| !bad.sync_aggregate.participates(*i))
        .unwrap();
    at_threshold
        .sync_aggregate
        .set_participates(first_cleared, true);
    assert!(matches!(
        refuse(
            &mut client,
            &at_threshold,
            UpdatePolicy::SupermajorityForFinality
        ),
        Error::InvalidSignature {
            participants: 342,
            ..
        }
    ));

    // Nobody signed.
    let mut none = update.clone();
    none.sync_aggregate
        .sync_committee_bits
        .iter_mut()
        .for_each(|b| *b = 0);
    assert_eq!(
        refuse(&mut client, &none, UpdatePolicy::Spec),
        Error::InsufficientParticipation { got: 0, need: 1 }
    );
    // A bitvector of the wrong size.
    let mut short = update.clone();
    short.sync_aggregate.sync_committee_bits.pop();
    assert_eq!(
        refuse(&mut client, &short, UpdatePolicy::Spec),
        Error::WrongParticipationLength {
            got: 504,
            expected: 512
        }
    );
}

#[test]
fn wrong_fork_version_or_genesis_root() {
    let data = Mainnet::load();
    let first = &data.updates[0];
    let refused_with = |config: ChainConfig| {
        let mut client =
            LightClient::bootstrap(config, data.bootstrap.clone(), MAINNET_TRUSTED_ROOT).unwrap();
        refuse(&mut client, first, UpdatePolicy::Spec)
    };
    let participants = first.num_participants() as usize;
    let expected = Error::InvalidSignature {
        signature_slot: first.signature_slot,
        participants,
    };

    let mut config = ChainConfig::mainnet();
    config.capella.version = [3, 0, 0, 1];
    assert_eq!(refused_with(config), expected);

    let mut config = ChainConfig::mainnet();
    config.genesis_validators_root.0[31] ^= 1;
    assert_eq!(refused_with(config), expected);
}

#[test]
fn bootstrap_checks() {
    let data = Mainnet::load();
    let mut wrong_root = MAINNET_TRUSTED_ROOT;
    wrong_root.0[0] ^= 1;
    assert_eq!(
        LightClient::bootstrap(ChainConfig::mainnet(), data.bootstrap.clone(), wrong_root),
        Err(Error::UntrustedBootstrap {
            got: MAINNET_TRUSTED_ROOT,
            trusted: wrong_root
        })
    );
    for node in 0..data.bootstrap.current_sync_committee_branch.len() {
        let mut bad = data.bootstrap.clone();
        bad.current_sync_committee_branch[node].0[5] ^= 4;
        assert_eq!(
            LightClient::bootstrap(ChainConfig::mainnet(), bad, MAINNET_TRUSTED_ROOT),
            Err(Error::InvalidCurrentSyncCommitteeBranch { slot: 7_069_376 }),
            "node {node}"
        );
    }
    let mut bad = data.bootstrap.clone();
    bad.current_sync_committee.aggregate_pubkey = bad.current_sync_committee.pubkeys[0];
    assert_eq!(
        LightClient::bootstrap(ChainConfig::mainnet(), bad, MAINNET_TRUSTED_ROOT),
        Err(Error::InvalidCurrentSyncCommitteeBranch { slot: 7_069_376 })
    );
}

#[test]
fn periods_and_slots() {
    let data = Mainnet::load();
    // Straight from the bootstrap (period 862, next committee unknown) to period 864.
    let mut client = data.client();
    let third = &data.updates[2];
    let err = refuse(&mut client, third, UpdatePolicy::Spec);
    assert_eq!(
        err,
        Error::WrongSyncCommitteePeriod {
            update_period: 864,
            store_period: 862,
            next_committee_known: false
        }
    );
    assert_eq!(err.kind(), ErrorKind::NotApplicable);

    // From period 863's committee known, period 864 is still one too far.
    let mut client = data.client_after_first_update();
    assert_eq!(
        refuse(&mut client, third, UpdatePolicy::Spec),
        Error::WrongSyncCommitteePeriod {
            update_period: 864,
            store_period: 862,
            next_committee_known: true
        }
    );

    // A signature from the future.
    let second = &data.updates[1];
    assert_eq!(
        client.process_update(second, second.signature_slot - 1, UpdatePolicy::Spec),
        Err(Error::SignatureSlotInFuture {
            signature_slot: second.signature_slot,
            current_slot: second.signature_slot - 1
        })
    );
    // A signature slot that is not after the attested slot.
    let mut bad = second.clone();
    bad.signature_slot = bad.attested_header.beacon.slot;
    assert!(matches!(
        refuse(&mut client, &bad, UpdatePolicy::Spec),
        Error::SlotsOutOfOrder { .. }
    ));
}

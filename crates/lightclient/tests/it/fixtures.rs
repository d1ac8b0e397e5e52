//! The helpers an on-chain verifier's fixtures are built from, checked against real data:
//! pubkey branches end in roots that the bootstrap's state proves, participant lists and the
//! signing root reproduce the signature with blst directly, and EIP-2537 encodings match the keys.

use blst::{
    BLST_ERROR,
    min_pk::{AggregatePublicKey, PublicKey, Signature},
};
use courier_lightclient::{
    ChainConfig, bls, merkle,
    merkle::{CURRENT_SYNC_COMMITTEE_GINDEX, is_valid_merkle_branch},
};

use crate::util::Mainnet;

#[test]
fn pubkey_branches_reach_the_state_root() {
    let data = Mainnet::load();
    let committee = &data.bootstrap.current_sync_committee;
    let state_root = data.bootstrap.header.beacon.state_root;
    for index in [0usize, 1, 255, 256, 510, 511] {
        let leaf = committee.pubkey_leaf(index).unwrap();
        let branch = committee.pubkey_branch(index).unwrap();
        assert_eq!(branch.len(), 9);
        assert!(is_valid_merkle_branch(
            &leaf,
            &branch,
            9,
            index as u64,
            &committee.pubkeys_root()
        ));
        // Up to the committee root, then through the bootstrap's branch into the beacon state:
        // one path from a single key to the trusted block's state root.
        let mut full = committee.pubkey_branch_to_committee_root(index).unwrap();
        full.extend(&data.bootstrap.current_sync_committee_branch);
        let gindex = (CURRENT_SYNC_COMMITTEE_GINDEX << 10) + index as u64;
        assert_eq!(merkle::floorlog2(gindex), full.len());
        assert!(
            merkle::is_valid_normalized_merkle_branch(&leaf, &full, gindex, &state_root),
            "index {index}"
        );
        // Another key's leaf does not fit this branch.
        let other = committee.pubkey_leaf(index ^ 1).unwrap();
        assert!(!is_valid_merkle_branch(
            &other,
            &branch,
            9,
            index as u64,
            &committee.pubkeys_root()
        ));
    }
}

#[test]
fn participants_and_signing_root_reproduce_the_signature() {
    let data = Mainnet::load();
    let config = ChainConfig::mainnet();
    let update = &data.updates[0];
    let aggregate = &update.sync_aggregate;
    let participants = aggregate.participant_indices();
    let absent = aggregate.non_participant_indices();
    assert_eq!(participants.len(), 511);
    assert_eq!(absent.len(), 1);
    let mut all: Vec<usize> = participants.iter().chain(&absent).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..512).collect::<Vec<_>>());

    // Verify with blst alone: aggregate the participants' keys, verify over the signing root.
    let committee = &data.bootstrap.current_sync_committee;
    let keys: Vec<PublicKey> = participants
        .iter()
        .map(|i| PublicKey::key_validate(committee.pubkeys[*i].as_slice()).unwrap())
        .collect();
    let refs: Vec<&PublicKey> = keys.iter().collect();
    let aggregate_key = AggregatePublicKey::aggregate(&refs, false)
        .unwrap()
        .to_public_key();
    let signature = Signature::from_bytes(aggregate.sync_committee_signature.as_slice()).unwrap();
    let signing_root = update.signing_root(&config);
    assert_eq!(
        signature.verify(
            true,
            signing_root.as_slice(),
            bls::DST,
            &[],
            &aggregate_key,
            true
        ),
        BLST_ERROR::BLST_SUCCESS
    );
    // The signing root is SigningData(attested root, domain) with the Capella domain.
    let domain = bls::compute_domain(
        bls::DOMAIN_SYNC_COMMITTEE,
        [3, 0, 0, 0],
        &config.genesis_validators_root,
    );
    assert_eq!(
        signing_root,
        bls::compute_signing_root(&update.attested_header.beacon.hash_tree_root(), &domain)
    );
    // With the absent member's key added, the same signature fails.
    let mut with_absent = keys.clone();
    with_absent.push(PublicKey::key_validate(committee.pubkeys[absent[0]].as_slice()).unwrap());
    let refs: Vec<&PublicKey> = with_absent.iter().collect();
    let wrong_key = AggregatePublicKey::aggregate(&refs, false)
        .unwrap()
        .to_public_key();
    assert_ne!(
        signature.verify(
            true,
            signing_root.as_slice(),
            bls::DST,
            &[],
            &wrong_key,
            true
        ),
        BLST_ERROR::BLST_SUCCESS
    );
}

#[test]
fn eip2537_coordinates_of_committee_keys() {
    let data = Mainnet::load();
    for pubkey in &data.bootstrap.current_sync_committee.pubkeys {
        let xy = bls::pubkey_uncompressed(pubkey).unwrap();
        let padded = bls::pubkey_eip2537(pubkey).unwrap();
        assert_eq!(&padded[16..64], &xy[..48]);
        assert_eq!(&padded[80..], &xy[48..]);
        assert!(padded[..16].iter().chain(&padded[64..80]).all(|b| *b == 0));
        // x is the compressed key without its three flag bits.
        let mut x = pubkey.0;
        x[0] &= 0x1f;
        assert_eq!(&xy[..48], &x[..]);
        // Compressing the decoded point gives the key back.
        assert_eq!(PublicKey::deserialize(&xy).unwrap().compress(), pubkey.0);
    }
}

//! `vectors/checkpoint.json` against `courier_core::{checkpoint, committee, proof}`.

use std::collections::BTreeSet;

use alloy_primitives::{Address, B256, keccak256};
use courier_core::{
    Checkpoint, Committee, Error, Message, VerifierProof,
    checkpoint::{decode_signature, encode_signature, signer_address, signing_key},
    proof::{MODE_CACHED_ROOT, MODE_SIGNED_MESSAGE, MODE_SIGNED_ROOT},
};
use k256::ecdsa::SigningKey;
use serde_json::Value;

use crate::util::{address_value, array, bytes, get, int, load, word, words};

struct CommitteeVector {
    committee: Committee,
    keys: Vec<SigningKey>,
}

/// The keys of a committee object, exactly (the forge tests read them by name).
const COMMITTEE_KEYS: [&str; 6] = [
    "originMailbox",
    "threshold",
    "keys",
    "validators",
    "commitment",
    "encoded",
];

fn committees(file: &Value) -> Vec<CommitteeVector> {
    array(file, "committees")
        .iter()
        .map(|v| {
            let keys: BTreeSet<&str> = v
                .as_object()
                .expect("a committee is an object")
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, BTreeSet::from(COMMITTEE_KEYS), "committee layout");
            let validators: Vec<Address> =
                array(v, "validators").iter().map(address_value).collect();
            let committee = Committee::new(
                word(v, "originMailbox"),
                int(v, "threshold") as u8,
                validators,
            )
            .unwrap();
            let encoded = bytes(v, "encoded");
            assert_eq!(committee.encode(), encoded.to_vec());
            assert_eq!(encoded.len(), 34 + 20 * committee.len());
            assert_eq!(&encoded[..32], committee.origin_mailbox().as_slice());
            assert_eq!(committee.commitment(), word(v, "commitment"));
            assert_eq!(committee.commitment(), keccak256(&encoded));
            let keys: Vec<SigningKey> = words(v, "keys")
                .iter()
                .map(|k| signing_key(k).unwrap())
                .collect();
            let addresses: Vec<Address> = keys.iter().map(signer_address).collect();
            assert_eq!(
                addresses,
                committee.validators(),
                "keys are in validator order"
            );
            CommitteeVector { committee, keys }
        })
        .collect()
}

#[test]
fn committees_come_from_the_documented_keys() {
    let file = load("checkpoint.json");
    let committees = committees(&file);
    let shapes: Vec<(u8, usize)> = committees
        .iter()
        .map(|c| (c.committee.threshold(), c.committee.len()))
        .collect();
    assert_eq!(shapes, [(3, 5), (13, 19)]);
    for c in &committees {
        let expected: BTreeSet<B256> = (0..c.keys.len())
            .map(|i| keccak256(format!("courier-validator-{i}")))
            .collect();
        let found: BTreeSet<B256> = c
            .keys
            .iter()
            .map(|k| B256::from_slice(&k.to_bytes()))
            .collect();
        assert_eq!(found, expected);
    }
}

fn checkpoint_of(v: &Value) -> Checkpoint {
    Checkpoint {
        origin: int(v, "origin"),
        origin_mailbox: word(v, "originMailbox"),
        root: word(v, "root"),
        index: u32::try_from(int(v, "index")).unwrap(),
        message_id: word(v, "messageId"),
    }
}

#[test]
fn checkpoints_hash_and_signatures_recover() {
    let file = load("checkpoint.json");
    let committee = &committees(&file)[0];
    let checkpoints = array(&file, "checkpoints");
    assert!(checkpoints.len() >= 3);
    let mut seen = BTreeSet::new();
    for v in checkpoints {
        let cp = checkpoint_of(v);
        seen.insert((cp.origin, cp.origin_mailbox, cp.index));
        assert_eq!(cp.struct_hash(), word(v, "structHash"), "{cp:?}");
        assert_eq!(cp.digest(), word(v, "digest"), "{cp:?}");
        let signatures = array(v, "signatures");
        assert_eq!(signatures.len(), committee.keys.len());
        for ((s, validator), key) in signatures
            .iter()
            .zip(committee.committee.validators())
            .zip(&committee.keys)
        {
            let signer = address_value(get(s, "signer"));
            assert_eq!(signer, *validator, "signatures are in validator order");
            let bytes = bytes(s, "signature");
            let signature = decode_signature(&bytes).unwrap();
            assert_eq!(cp.recover(&signature).unwrap(), signer);
            // RFC 6979: signing again gives the very same bytes (as `vm.sign` does).
            assert_eq!(
                encode_signature(&cp.sign(key).unwrap().signature).to_vec(),
                bytes.to_vec()
            );
        }
    }
    assert_eq!(seen.len(), checkpoints.len(), "checkpoints must differ");
    let origins: BTreeSet<u64> = seen.iter().map(|s| s.0).collect();
    assert!(origins.len() >= 3, "at least three origins");
}

#[test]
fn proofs_decode_and_verify() {
    let file = load("checkpoint.json");
    let committees = committees(&file);
    let proofs = array(&file, "proofs");
    let mut modes = BTreeSet::new();
    for (i, v) in proofs.iter().enumerate() {
        let committee = &committees[int(v, "committee") as usize].committee;
        let commitment = committee.commitment();
        let origin = int(v, "origin");
        let mailbox = word(v, "originMailbox");
        assert_eq!(
            committee.origin_mailbox(),
            mailbox,
            "proof {i}: its committee watches its origin Mailbox"
        );
        let root = word(v, "root");
        let messages: Vec<Message> = array(v, "messages")
            .iter()
            .map(|m| Message::decode(&crate::util::hex_value(m)).unwrap())
            .collect();
        assert!(
            messages.iter().all(|m| m.origin == origin),
            "proof {i}: origin"
        );
        let encoded = bytes(v, "proof");
        let proof = VerifierProof::decode(&encoded).unwrap();
        assert_eq!(
            proof.encode().unwrap(),
            encoded.to_vec(),
            "proof {i}: re-encoding"
        );
        assert_eq!(u64::from(proof.mode()), int(v, "mode"), "proof {i}: mode");
        assert_eq!(proof.root(), root, "proof {i}: root");
        modes.insert(proof.mode());
        match &proof {
            VerifierProof::CachedRoot { .. } => {
                assert!(proof.verify(commitment, &[], &messages).is_err());
                assert_eq!(proof.verify(commitment, &[root], &messages).unwrap(), root);
            }
            VerifierProof::SignedMessage {
                committee: carried,
                signatures,
                ..
            }
            | VerifierProof::SignedRoot {
                committee: carried,
                signatures,
                ..
            } => {
                assert_eq!(carried, committee, "proof {i}: committee");
                assert_eq!(
                    signatures.len(),
                    usize::from(committee.threshold()),
                    "proof {i}: k"
                );
                assert_eq!(proof.verify(commitment, &[], &messages).unwrap(), root);
                // The signatures bind the origin Mailbox: the same proof carrying the same
                // validators for another Mailbox fails, even against that committee's commitment.
                let moved = Committee::new(
                    B256::repeat_byte(0x42),
                    committee.threshold(),
                    committee.validators().to_vec(),
                )
                .unwrap();
                let mut relabelled = encoded.to_vec();
                let at = if proof.mode() == MODE_SIGNED_MESSAGE {
                    1 + 32
                } else {
                    1 + 32 + 4 + 32
                };
                relabelled[at..at + 32].copy_from_slice(moved.origin_mailbox().as_slice());
                let relabelled = VerifierProof::decode(&relabelled).unwrap();
                assert!(matches!(
                    relabelled
                        .verify(moved.commitment(), &[], &messages)
                        .unwrap_err(),
                    Error::WrongSigner { .. }
                ));
                assert!(matches!(
                    relabelled.verify(commitment, &[], &messages).unwrap_err(),
                    Error::CommitteeMismatch { .. }
                ));
            }
            VerifierProof::StorageProof { .. } | VerifierProof::ClaimedRoot { .. } => {
                panic!("proof {i}: the committee vectors hold only committee proofs")
            }
        }
        // Any flipped byte after the mode is refused somewhere: decoding or verification.
        for at in [1, encoded.len() / 2, encoded.len() - 1] {
            let mut bad = encoded.to_vec();
            bad[at] ^= 0x01;
            let verdict =
                VerifierProof::decode(&bad).and_then(|p| p.verify(commitment, &[root], &messages));
            assert!(
                verdict.is_err(),
                "proof {i}: flipping byte {at} went unnoticed"
            );
        }
    }
    assert_eq!(
        modes.into_iter().collect::<Vec<_>>(),
        [MODE_CACHED_ROOT, MODE_SIGNED_MESSAGE, MODE_SIGNED_ROOT]
    );
}

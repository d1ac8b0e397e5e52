//! `checkpoint.json`: committees with deterministic keys, signed checkpoints, and verifier proofs
//! of every mode built from a real tree of real messages.
//!
//! Validator key `i` is `keccak256("courier-validator-" ‖ decimal i)`; a committee of `n` uses keys
//! `0..n`, listed in the order of the addresses they give (the committee's order). Every committee
//! watches the origin Mailbox of the proof vectors, so that its `encoded` form is what those proofs
//! carry and its `commitment` is what a verifier holds to accept them. The `checkpoints` are signed
//! with the keys of committee 0 whatever their Mailbox: they check hashing and signing only.

use alloy_primitives::{Address, B256, address, keccak256};
use courier_core::{
    Checkpoint, Committee, MerkleTree, Message, SignedCheckpoint, VerifierProof,
    checkpoint::{encode_signature, signer_address, signing_key},
    message::address_to_bytes32,
};
use eyre::{Result, WrapErr, ensure};
use k256::ecdsa::SigningKey;
use serde::Serialize;

use crate::hex::{hex, hex_all};

#[derive(Serialize)]
pub(crate) struct File {
    committees: Vec<CommitteeVector>,
    checkpoints: Vec<CheckpointVector>,
    proofs: Vec<ProofVector>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CommitteeVector {
    origin_mailbox: String,
    threshold: u8,
    keys: Vec<String>,
    validators: Vec<String>,
    /// `keccak256(encoded)`, the verifier's `committeeHash`.
    commitment: String,
    /// `origin_mailbox ‖ k ‖ n ‖ validators`, as proofs carry it.
    encoded: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckpointVector {
    origin: u64,
    origin_mailbox: String,
    root: String,
    index: u32,
    message_id: String,
    struct_hash: String,
    digest: String,
    signatures: Vec<SignatureVector>,
}

#[derive(Serialize)]
struct SignatureVector {
    signer: String,
    signature: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProofVector {
    committee: usize,
    origin: u64,
    origin_mailbox: String,
    mode: u8,
    messages: Vec<String>,
    root: String,
    proof: String,
}

/// A committee and its keys, in committee order.
struct Keyed {
    committee: Committee,
    keys: Vec<SigningKey>,
}

impl Keyed {
    fn new(origin_mailbox: B256, threshold: u8, size: u32) -> Result<Self> {
        let mut keys = (0..size)
            .map(|i| signing_key(&keccak256(format!("courier-validator-{i}"))))
            .collect::<Result<Vec<_>, _>>()?;
        keys.sort_by_key(signer_address);
        let committee = Committee::new(
            origin_mailbox,
            threshold,
            keys.iter().map(signer_address).collect(),
        )?;
        Ok(Self { committee, keys })
    }

    /// Signatures over `checkpoint` by the validators at `positions`.
    fn sign(&self, checkpoint: &Checkpoint, positions: &[usize]) -> Result<Vec<SignedCheckpoint>> {
        positions
            .iter()
            .map(|&i| Ok(checkpoint.sign(&self.keys[i])?))
            .collect()
    }

    fn sign_all(&self, checkpoint: &Checkpoint) -> Result<Vec<SignedCheckpoint>> {
        self.sign(checkpoint, &(0..self.keys.len()).collect::<Vec<_>>())
    }

    fn vector(&self) -> CommitteeVector {
        CommitteeVector {
            origin_mailbox: hex(self.committee.origin_mailbox()),
            threshold: self.committee.threshold(),
            keys: self.keys.iter().map(|k| hex(k.to_bytes())).collect(),
            validators: hex_all(self.committee.validators()),
            commitment: hex(self.committee.commitment()),
            encoded: hex(self.committee.encode()),
        }
    }
}

/// Origin and destination of the proof vectors' messages.
const ORIGIN: u64 = 31337;
const DESTINATION: u64 = 31338;
/// The origin Mailbox of the proof vectors' tree, which every committee watches.
const MAILBOX: Address = address!("0x00000000000000000000000000000000000000aa");
const SENDER: Address = address!("0x1000000000000000000000000000000000000001");
const RECIPIENT: Address = address!("0x2000000000000000000000000000000000000002");

pub(crate) fn vectors() -> Result<File> {
    let mailbox = address_to_bytes32(MAILBOX);
    let committees = [Keyed::new(mailbox, 3, 5)?, Keyed::new(mailbox, 13, 19)?];

    // Ten messages from one origin Mailbox, and the tree of their ids.
    let messages: Vec<Message> = (0..10u32)
        .map(|n| {
            Message::new(
                n,
                ORIGIN,
                SENDER,
                DESTINATION,
                RECIPIENT,
                format!("message {n}").into_bytes(),
            )
        })
        .collect();
    let tree = MerkleTree::from_leaves(messages.iter().map(Message::id))?;
    let at = |index: u32| -> Result<Checkpoint> {
        Ok(Checkpoint {
            origin: ORIGIN,
            origin_mailbox: mailbox,
            root: tree.root_at(index + 1)?,
            index,
            message_id: tree
                .leaf(index)
                .ok_or_else(|| eyre::eyre!("no leaf {index}"))?,
        })
    };
    let latest = at(9)?;
    let older = at(4)?;

    // A one-message tree on mainnet, and a statement about the last possible leaf on Palm.
    let first = Message::new(0, 1, SENDER, 56, RECIPIENT, b"first".to_vec());
    let mainnet = Checkpoint {
        origin: 1,
        origin_mailbox: address_to_bytes32(address!("0x5d6c7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d")),
        root: MerkleTree::from_leaves([first.id()])?.root(),
        index: 0,
        message_id: first.id(),
    };
    let palm = Checkpoint {
        origin: 11_297_108_109,
        origin_mailbox: B256::repeat_byte(0x42),
        root: keccak256("palm-root"),
        index: u32::MAX - 1,
        message_id: keccak256("palm-message"),
    };
    let checkpoints = [latest, older, mainnet, palm]
        .iter()
        .map(|cp| checkpoint_vector(&committees[0], cp))
        .collect::<Result<Vec<_>>>()?;

    let pick = |nonces: &[u32]| -> Vec<Message> {
        nonces
            .iter()
            .map(|&n| messages[n as usize].clone())
            .collect()
    };
    let [small, large] = &committees;
    let proofs = vec![
        // Mode 1: the newest message, signed by the whole small committee (3 of them used).
        (
            0,
            pick(&[9]),
            VerifierProof::signed_message(
                &small.committee,
                &latest,
                &small.sign_all(&latest)?,
                &messages[9],
            )?,
        ),
        // Mode 2: a sparse batch against the newest checkpoint.
        (
            0,
            pick(&[2, 5, 9]),
            VerifierProof::signed_root(
                &small.committee,
                &latest,
                &small.sign_all(&latest)?,
                &tree,
                &[2, 5, 9],
            )?,
        ),
        // Mode 2: every message, 13 of 19 signatures.
        (
            1,
            pick(&(0..10).collect::<Vec<_>>()),
            VerifierProof::signed_root(
                &large.committee,
                &latest,
                &large.sign_all(&latest)?,
                &tree,
                &(0..10).collect::<Vec<_>>(),
            )?,
        ),
        // Mode 0: two siblings against the cached newest root.
        (
            0,
            pick(&[3, 4]),
            VerifierProof::cached_root(&tree, 10, &[3, 4])?,
        ),
        // Mode 2 against an older checkpoint, signed only by validators 0, 2 and 4 (bitmap 0b10101).
        (
            0,
            pick(&[0, 1]),
            VerifierProof::signed_root(
                &small.committee,
                &older,
                &small.sign(&older, &[4, 2, 0])?,
                &tree,
                &[0, 1],
            )?,
        ),
        // Mode 1 for an older message, signed by validators 1, 3 and 4.
        (
            0,
            pick(&[4]),
            VerifierProof::signed_message(
                &small.committee,
                &older,
                &small.sign(&older, &[1, 3, 4])?,
                &messages[4],
            )?,
        ),
    ];
    let proofs = proofs
        .into_iter()
        .map(|(committee, batch, proof)| {
            let keyed = &committees[committee];
            // The proof's origin Mailbox is its committee's.
            ensure!(
                keyed.committee.origin_mailbox() == mailbox,
                "committee {committee} watches another origin Mailbox than its proofs"
            );
            // Check every proof with the library's own verifier before writing it.
            proof
                .verify(keyed.committee.commitment(), &[latest.root], &batch)
                .wrap_err_with(|| format!("proof vector mode {} does not verify", proof.mode()))?;
            Ok(ProofVector {
                committee,
                origin: ORIGIN,
                origin_mailbox: hex(keyed.committee.origin_mailbox()),
                mode: proof.mode(),
                messages: batch.iter().map(|m| hex(m.encode())).collect(),
                root: hex(proof.root()),
                proof: hex(proof.encode()?),
            })
        })
        .collect::<Result<Vec<_>>>()?;

    Ok(File {
        committees: committees.iter().map(Keyed::vector).collect(),
        checkpoints,
        proofs,
    })
}

fn checkpoint_vector(keyed: &Keyed, checkpoint: &Checkpoint) -> Result<CheckpointVector> {
    let signatures = keyed
        .sign_all(checkpoint)?
        .into_iter()
        .map(|signed| {
            ensure!(
                signed.verify().is_ok(),
                "signature of {} does not recover",
                signed.signer
            );
            Ok(SignatureVector {
                signer: hex(signed.signer),
                signature: hex(encode_signature(&signed.signature)),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CheckpointVector {
        origin: checkpoint.origin,
        origin_mailbox: hex(checkpoint.origin_mailbox),
        root: hex(checkpoint.root),
        index: checkpoint.index,
        message_id: hex(checkpoint.message_id),
        struct_hash: hex(checkpoint.struct_hash()),
        digest: hex(checkpoint.digest()),
        signatures,
    })
}

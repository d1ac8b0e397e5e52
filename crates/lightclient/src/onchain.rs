//! What an EVM light-client contract is given for a bootstrap and for each update, in the shape it
//! checks cheaply (docs/light-client.md, "The on-chain light client"): per committee its SSZ root,
//! its pubkeys root and its aggregate key as an EIP-2537 point; per update the two beacon headers,
//! branches from the finalized execution state root and block number up to the finalized body
//! root, the signature as an EIP-2537 G2 point, and the members who did not sign, each with its
//! key and a branch into the pubkeys root.
//!
//! Relayers build their submissions with it, and the contracts' test fixtures are written from it,
//! so that the Rust client and the contract are checked against the same data.

use alloy_primitives::{B256, Bytes};
use serde::Serialize;

use crate::{
    ChainConfig, ExecutionLayout, Fork, LightClientHeader, LightClientUpdate, Result,
    SyncCommittee,
    bls::{pubkey_eip2537, signature_eip2537},
    error::Error,
    types::ExecutionPayloadHeader,
};

/// A sync committee as the contract stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnchainCommittee {
    /// `hash_tree_root(SyncCommittee)`: what branches in beacon states prove.
    pub committee_root: B256,
    /// Root of the `pubkeys` vector: what non-signers' branches prove.
    pub pubkeys_root: B256,
    /// The aggregate key, EIP-2537 G1 encoding (128 bytes).
    pub aggregate_pubkey: Bytes,
    /// The aggregate key as SSZ holds it (48 bytes, compressed), for the contract to check against
    /// the uncompressed one.
    pub aggregate_pubkey_compressed: Bytes,
}

impl OnchainCommittee {
    /// The committee's on-chain form.
    pub fn of(committee: &SyncCommittee) -> Result<Self> {
        Ok(Self {
            committee_root: committee.hash_tree_root(),
            pubkeys_root: committee.pubkeys_root(),
            aggregate_pubkey: Bytes::from(pubkey_eip2537(&committee.aggregate_pubkey)?.to_vec()),
            aggregate_pubkey_compressed: Bytes::from(committee.aggregate_pubkey.to_vec()),
        })
    }
}

/// A beacon block header's five fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnchainHeader {
    /// Slot.
    pub slot: u64,
    /// Proposer index.
    pub proposer_index: u64,
    /// Parent block root.
    pub parent_root: B256,
    /// Beacon state root.
    pub state_root: B256,
    /// Block body root.
    pub body_root: B256,
    /// Its `hash_tree_root` (the block root), for the contract's tests to compare.
    pub root: B256,
}

impl OnchainHeader {
    /// The beacon part of `header`.
    pub fn of(header: &LightClientHeader) -> Self {
        let b = &header.beacon;
        Self {
            slot: b.slot,
            proposer_index: b.proposer_index,
            parent_root: b.parent_root,
            state_root: b.state_root,
            body_root: b.body_root,
            root: b.hash_tree_root(),
        }
    }
}

/// The execution facts a contract learns from a finalized header, each with its branch up to the
/// beacon block's body root (leaf level first: the field's branch in the execution payload
/// header, then the header's `execution_branch`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnchainExecution {
    /// Execution state root.
    pub state_root: B256,
    /// Its branch to the body root.
    pub state_root_branch: Vec<B256>,
    /// Execution block number.
    pub block_number: u64,
    /// Its branch (from the SSZ `uint64` leaf) to the body root.
    pub block_number_branch: Vec<B256>,
    /// Execution block hash (not proven on-chain; for the record).
    pub block_hash: B256,
}

impl OnchainExecution {
    /// The finalized execution facts of `header`; the payload layout is the fork's of its slot.
    pub fn of(header: &LightClientHeader, config: &ChainConfig) -> Result<Self> {
        let fork = config.fork_at_slot(header.beacon.slot);
        let layout = ExecutionLayout::for_fork(fork).ok_or(Error::Config(format!(
            "slot {} is in {fork:?}, before execution headers",
            header.beacon.slot
        )))?;
        let branch = |field: usize| -> Result<Vec<B256>> {
            let mut branch = header
                .execution
                .field_branch(layout, field)
                .ok_or_else(|| {
                    Error::Config(format!("no field {field} in the execution payload header"))
                })?;
            branch.extend_from_slice(&header.execution_branch);
            Ok(branch)
        };
        Ok(Self {
            state_root: header.execution.state_root,
            state_root_branch: branch(ExecutionPayloadHeader::STATE_ROOT_FIELD)?,
            block_number: header.execution.block_number,
            block_number_branch: branch(ExecutionPayloadHeader::BLOCK_NUMBER_FIELD)?,
            block_hash: header.execution.block_hash,
        })
    }
}

/// A member who did not sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnchainNonSigner {
    /// Position in the committee.
    pub index: u64,
    /// Its key, EIP-2537 G1 encoding.
    pub pubkey: Bytes,
    /// Branch of the key's leaf in the pubkeys root.
    pub branch: Vec<B256>,
}

/// The next committee an update proves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnchainNextCommittee {
    /// The committee.
    pub committee: OnchainCommittee,
    /// Its branch in the attested state.
    pub branch: Vec<B256>,
}

/// One update in the contract's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnchainUpdate {
    /// The committee of the signature's period (the contract keeps only its hash).
    pub signers: OnchainCommittee,
    /// The header the committee signed.
    pub attested: OnchainHeader,
    /// The finalized header it proves.
    pub finalized: OnchainHeader,
    /// Branch of the finalized root in the attested state.
    pub finality_branch: Vec<B256>,
    /// The finalized execution facts.
    pub finalized_execution: OnchainExecution,
    /// The next committee, when the update carries it.
    pub next_committee: Option<OnchainNextCommittee>,
    /// Slot of the signature.
    pub signature_slot: u64,
    /// Participation bits as SSZ stores them.
    pub participation: Bytes,
    /// Number of signers.
    pub participants: u64,
    /// The aggregate signature, EIP-2537 G2 encoding (256 bytes).
    pub signature: Bytes,
    /// The signature as SSZ holds it (96 bytes, compressed).
    pub signature_compressed: Bytes,
    /// The members who did not sign, by index.
    pub non_signers: Vec<OnchainNonSigner>,
    /// The fork of the signature's domain.
    pub signature_fork: String,
    /// The signing root (for the contract's tests to compare).
    pub signing_root: B256,
}

impl OnchainUpdate {
    /// `update` in the contract's shape; `signers` is the committee of the signature slot's
    /// period (the caller's light client knows which one that is).
    pub fn of(
        update: &LightClientUpdate,
        signers: &SyncCommittee,
        config: &ChainConfig,
    ) -> Result<Self> {
        if !update.is_finality_update() {
            return Err(Error::Config(
                "the on-chain client takes finality updates only".into(),
            ));
        }
        let non_signers = update
            .sync_aggregate
            .non_participant_indices()
            .into_iter()
            .map(|index| {
                let pubkey = signers
                    .pubkeys
                    .get(index)
                    .ok_or_else(|| Error::Config(format!("no committee member {index}")))?;
                Ok(OnchainNonSigner {
                    index: index as u64,
                    pubkey: Bytes::from(pubkey_eip2537(pubkey)?.to_vec()),
                    branch: signers.pubkey_branch(index)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let next_committee = if update.is_sync_committee_update() {
            Some(OnchainNextCommittee {
                committee: OnchainCommittee::of(&update.next_sync_committee)?,
                branch: update.next_sync_committee_branch.clone(),
            })
        } else {
            None
        };
        let signature = &update.sync_aggregate.sync_committee_signature;
        let signature_fork: Fork = config.fork_at_slot(update.signature_slot.saturating_sub(1));
        Ok(Self {
            signers: OnchainCommittee::of(signers)?,
            attested: OnchainHeader::of(&update.attested_header),
            finalized: OnchainHeader::of(&update.finalized_header),
            finality_branch: update.finality_branch.clone(),
            finalized_execution: OnchainExecution::of(&update.finalized_header, config)?,
            next_committee,
            signature_slot: update.signature_slot,
            participation: Bytes::from(update.sync_aggregate.sync_committee_bits.clone()),
            participants: update.num_participants(),
            signature: Bytes::from(signature_eip2537(signature)?.to_vec()),
            signature_compressed: Bytes::from(signature.to_vec()),
            non_signers,
            signature_fork: format!("{signature_fork:?}"),
            signing_root: update.signing_root(config),
        })
    }
}

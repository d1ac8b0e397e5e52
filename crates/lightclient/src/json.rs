//! Decoding light-client data in the beacon API's JSON format
//! (`/eth/v1/beacon/light_client/bootstrap/{root}`, `/eth/v1/beacon/light_client/updates`,
//! `/eth/v1/beacon/light_client/finality_update`, `/eth/v1/beacon/light_client/optimistic_update`):
//! `{"version": "<fork>", "data": {...}}`, numbers as decimal strings, bytes as `0x` hex.
//!
//! Finality and optimistic updates are returned as [`LightClientUpdate`]s with the fields their
//! containers lack set as the spec's `process_light_client_finality_update` and
//! `process_light_client_optimistic_update` set them: an empty next sync committee with a zero
//! branch, and (optimistic) an empty finalized header with a zero finality branch, the branch
//! lengths of the fork named by `version`.
//!
//! Sizes the JSON cannot enforce (committee size, bitvector length, branch lengths) are checked
//! against the preset here, so a decoded value has the shape the SSZ decoder would give it.

use alloy_primitives::{Address, B256, Bloom, Bytes, U256};
use serde::{Deserialize, Deserializer, de::Error as _};

use crate::{
    bls::{BlsPubkey, BlsSignature},
    config::{Fork, Preset},
    error::{Error, Result},
    types::{
        BeaconBlockHeader, EXECUTION_BRANCH_LEN, ExecutionPayloadHeader, LightClientBootstrap,
        LightClientHeader, LightClientLayout, LightClientUpdate, SyncAggregate, SyncCommittee,
    },
};

/// Decodes a bootstrap response (`{"version", "data"}`); returns the fork named by `version`.
pub fn bootstrap_from_json(json: &str, preset: &Preset) -> Result<(Fork, LightClientBootstrap)> {
    let versioned: Versioned<JsonBootstrap> =
        serde_json::from_str(json).map_err(|e| Error::Json(e.to_string()))?;
    let fork = Fork::from_name(&versioned.version)?;
    Ok((fork, versioned.data.into_domain(preset)?))
}

/// Decodes one update (`{"version", "data"}`); returns the fork named by `version`.
pub fn update_from_json(json: &str, preset: &Preset) -> Result<(Fork, LightClientUpdate)> {
    let versioned: Versioned<JsonUpdate> =
        serde_json::from_str(json).map_err(|e| Error::Json(e.to_string()))?;
    let fork = Fork::from_name(&versioned.version)?;
    Ok((fork, versioned.data.into_domain(preset)?))
}

/// Decodes an updates-by-range response: a JSON array of `{"version", "data"}`.
pub fn updates_from_json(json: &str, preset: &Preset) -> Result<Vec<(Fork, LightClientUpdate)>> {
    let list: Vec<Versioned<JsonUpdate>> =
        serde_json::from_str(json).map_err(|e| Error::Json(e.to_string()))?;
    list.into_iter()
        .map(|v| Ok((Fork::from_name(&v.version)?, v.data.into_domain(preset)?)))
        .collect()
}

/// Decodes a finality update (`LightClientFinalityUpdate`, `{"version", "data"}`) as an update
/// without a next sync committee; returns the fork named by `version`.
pub fn finality_update_from_json(json: &str, preset: &Preset) -> Result<(Fork, LightClientUpdate)> {
    let versioned: Versioned<JsonFinalityUpdate> =
        serde_json::from_str(json).map_err(|e| Error::Json(e.to_string()))?;
    let fork = Fork::from_name(&versioned.version)?;
    let layout = LightClientLayout::for_fork(fork)?;
    let data = versioned.data;
    Ok((
        fork,
        LightClientUpdate {
            attested_header: data.attested_header.into_domain()?,
            next_sync_committee: empty_committee(preset),
            next_sync_committee_branch: vec![B256::ZERO; layout.next_sync_committee_branch_len],
            finalized_header: data.finalized_header.into_domain()?,
            finality_branch: data.finality_branch,
            sync_aggregate: data.sync_aggregate.into_domain(preset)?,
            signature_slot: data.signature_slot,
        },
    ))
}

/// Decodes an optimistic update (`LightClientOptimisticUpdate`, `{"version", "data"}`) as an update
/// without a next sync committee or finality; returns the fork named by `version`.
pub fn optimistic_update_from_json(
    json: &str,
    preset: &Preset,
) -> Result<(Fork, LightClientUpdate)> {
    let versioned: Versioned<JsonOptimisticUpdate> =
        serde_json::from_str(json).map_err(|e| Error::Json(e.to_string()))?;
    let fork = Fork::from_name(&versioned.version)?;
    let layout = LightClientLayout::for_fork(fork)?;
    let data = versioned.data;
    Ok((
        fork,
        LightClientUpdate {
            attested_header: data.attested_header.into_domain()?,
            next_sync_committee: empty_committee(preset),
            next_sync_committee_branch: vec![B256::ZERO; layout.next_sync_committee_branch_len],
            finalized_header: LightClientHeader::default(),
            finality_branch: vec![B256::ZERO; layout.finality_branch_len],
            sync_aggregate: data.sync_aggregate.into_domain(preset)?,
            signature_slot: data.signature_slot,
        },
    ))
}

/// The spec's `SyncCommittee()`: every key zero.
fn empty_committee(preset: &Preset) -> SyncCommittee {
    SyncCommittee {
        pubkeys: vec![BlsPubkey::ZERO; preset.sync_committee_size],
        aggregate_pubkey: BlsPubkey::ZERO,
    }
}

#[derive(Deserialize)]
struct Versioned<T> {
    version: String,
    data: T,
}

fn quoted_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let s = String::deserialize(d)?;
    s.parse()
        .map_err(|_| D::Error::custom(format!("{s:?} is not a decimal u64")))
}

fn quoted_u256<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
    let s = String::deserialize(d)?;
    U256::from_str_radix(&s, 10)
        .map_err(|_| D::Error::custom(format!("{s:?} is not a decimal u256")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonBeaconHeader {
    #[serde(deserialize_with = "quoted_u64")]
    slot: u64,
    #[serde(deserialize_with = "quoted_u64")]
    proposer_index: u64,
    parent_root: B256,
    state_root: B256,
    body_root: B256,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonExecutionHeader {
    parent_hash: B256,
    fee_recipient: Address,
    state_root: B256,
    receipts_root: B256,
    logs_bloom: Bloom,
    prev_randao: B256,
    #[serde(deserialize_with = "quoted_u64")]
    block_number: u64,
    #[serde(deserialize_with = "quoted_u64")]
    gas_limit: u64,
    #[serde(deserialize_with = "quoted_u64")]
    gas_used: u64,
    #[serde(deserialize_with = "quoted_u64")]
    timestamp: u64,
    extra_data: Bytes,
    #[serde(deserialize_with = "quoted_u256")]
    base_fee_per_gas: U256,
    block_hash: B256,
    transactions_root: B256,
    withdrawals_root: B256,
    // Deneb and later.
    #[serde(default, deserialize_with = "quoted_u64")]
    blob_gas_used: u64,
    #[serde(default, deserialize_with = "quoted_u64")]
    excess_blob_gas: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonHeader {
    beacon: JsonBeaconHeader,
    execution: JsonExecutionHeader,
    execution_branch: Vec<B256>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonSyncCommittee {
    pubkeys: Vec<BlsPubkey>,
    aggregate_pubkey: BlsPubkey,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonSyncAggregate {
    sync_committee_bits: Bytes,
    sync_committee_signature: BlsSignature,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonBootstrap {
    header: JsonHeader,
    current_sync_committee: JsonSyncCommittee,
    current_sync_committee_branch: Vec<B256>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonUpdate {
    attested_header: JsonHeader,
    next_sync_committee: JsonSyncCommittee,
    next_sync_committee_branch: Vec<B256>,
    finalized_header: JsonHeader,
    finality_branch: Vec<B256>,
    sync_aggregate: JsonSyncAggregate,
    #[serde(deserialize_with = "quoted_u64")]
    signature_slot: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonFinalityUpdate {
    attested_header: JsonHeader,
    finalized_header: JsonHeader,
    finality_branch: Vec<B256>,
    sync_aggregate: JsonSyncAggregate,
    #[serde(deserialize_with = "quoted_u64")]
    signature_slot: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonOptimisticUpdate {
    attested_header: JsonHeader,
    sync_aggregate: JsonSyncAggregate,
    #[serde(deserialize_with = "quoted_u64")]
    signature_slot: u64,
}

impl JsonHeader {
    fn into_domain(self) -> Result<LightClientHeader> {
        let e = self.execution;
        if e.extra_data.len() > ExecutionPayloadHeader::MAX_EXTRA_DATA_BYTES {
            return Err(Error::WrongLength {
                what: "extra_data (at most)",
                got: e.extra_data.len(),
                expected: ExecutionPayloadHeader::MAX_EXTRA_DATA_BYTES,
            });
        }
        let execution_branch: [B256; EXECUTION_BRANCH_LEN] = self
            .execution_branch
            .as_slice()
            .try_into()
            .map_err(|_| Error::WrongLength {
                what: "execution_branch",
                got: self.execution_branch.len(),
                expected: EXECUTION_BRANCH_LEN,
            })?;
        Ok(LightClientHeader {
            beacon: BeaconBlockHeader {
                slot: self.beacon.slot,
                proposer_index: self.beacon.proposer_index,
                parent_root: self.beacon.parent_root,
                state_root: self.beacon.state_root,
                body_root: self.beacon.body_root,
            },
            execution: ExecutionPayloadHeader {
                parent_hash: e.parent_hash,
                fee_recipient: e.fee_recipient,
                state_root: e.state_root,
                receipts_root: e.receipts_root,
                logs_bloom: e.logs_bloom,
                prev_randao: e.prev_randao,
                block_number: e.block_number,
                gas_limit: e.gas_limit,
                gas_used: e.gas_used,
                timestamp: e.timestamp,
                extra_data: e.extra_data,
                base_fee_per_gas: e.base_fee_per_gas,
                block_hash: e.block_hash,
                transactions_root: e.transactions_root,
                withdrawals_root: e.withdrawals_root,
                blob_gas_used: e.blob_gas_used,
                excess_blob_gas: e.excess_blob_gas,
            },
            execution_branch,
        })
    }
}

impl JsonSyncCommittee {
    fn into_domain(self, preset: &Preset, what: &'static str) -> Result<SyncCommittee> {
        if self.pubkeys.len() != preset.sync_committee_size {
            return Err(Error::WrongLength {
                what,
                got: self.pubkeys.len(),
                expected: preset.sync_committee_size,
            });
        }
        Ok(SyncCommittee {
            pubkeys: self.pubkeys,
            aggregate_pubkey: self.aggregate_pubkey,
        })
    }
}

impl JsonSyncAggregate {
    fn into_domain(self, preset: &Preset) -> Result<SyncAggregate> {
        if self.sync_committee_bits.len() != preset.sync_committee_bits_len() {
            return Err(Error::WrongLength {
                what: "sync_committee_bits (bytes)",
                got: self.sync_committee_bits.len(),
                expected: preset.sync_committee_bits_len(),
            });
        }
        Ok(SyncAggregate {
            sync_committee_bits: self.sync_committee_bits.to_vec(),
            sync_committee_signature: self.sync_committee_signature,
        })
    }
}

impl JsonBootstrap {
    fn into_domain(self, preset: &Preset) -> Result<LightClientBootstrap> {
        Ok(LightClientBootstrap {
            header: self.header.into_domain()?,
            current_sync_committee: self
                .current_sync_committee
                .into_domain(preset, "current_sync_committee.pubkeys")?,
            current_sync_committee_branch: self.current_sync_committee_branch,
        })
    }
}

impl JsonUpdate {
    fn into_domain(self, preset: &Preset) -> Result<LightClientUpdate> {
        Ok(LightClientUpdate {
            attested_header: self.attested_header.into_domain()?,
            next_sync_committee: self
                .next_sync_committee
                .into_domain(preset, "next_sync_committee.pubkeys")?,
            next_sync_committee_branch: self.next_sync_committee_branch,
            finalized_header: self.finalized_header.into_domain()?,
            finality_branch: self.finality_branch,
            sync_aggregate: self.sync_aggregate.into_domain(preset)?,
            signature_slot: self.signature_slot,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn malformed_json_is_an_error_naming_the_problem() {
        let err = bootstrap_from_json("{\"version\": \"capella\"}", &Preset::MAINNET).unwrap_err();
        assert!(
            matches!(err, Error::Json(ref m) if m.contains("data")),
            "{err}"
        );
        let err = update_from_json(
            "{\"version\": \"nonsense\", \"data\": {}}",
            &Preset::MAINNET,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Json(_)), "{err}");
    }
}

//! The beacon API's JSON encoding of light-client data and headers: `{"version": "<fork>",
//! "data": {...}}`, unsigned integers as decimal strings, byte strings as `0x` hex (lower case),
//! field names and sets as in the beacon-APIs schemas for Electra.
//!
//! Written here, independently of the light-client crate's parser, so that the round trip through
//! `courier_lightclient::json` in the tests checks both.

use alloy_primitives::{B256, hex};
use courier_lightclient::{
    BeaconBlockHeader, ExecutionPayloadHeader, Fork, LightClientBootstrap, LightClientHeader,
    LightClientUpdate, SyncAggregate, SyncCommittee,
};
use serde_json::{Value, json};

use crate::updates::UpdateKind;

/// `{"version", "data"}`.
pub fn versioned(fork: Fork, data: Value) -> Value {
    json!({ "version": fork.name(), "data": data })
}

/// A byte string as `0x` hex.
pub fn hex_bytes(bytes: impl AsRef<[u8]>) -> String {
    hex::encode_prefixed(bytes)
}

fn roots(nodes: &[B256]) -> Value {
    Value::Array(nodes.iter().map(|n| Value::String(hex_bytes(n))).collect())
}

/// `BeaconBlockHeader`.
pub fn beacon_header(header: &BeaconBlockHeader) -> Value {
    json!({
        "slot": header.slot.to_string(),
        "proposer_index": header.proposer_index.to_string(),
        "parent_root": hex_bytes(header.parent_root),
        "state_root": hex_bytes(header.state_root),
        "body_root": hex_bytes(header.body_root),
    })
}

/// `ExecutionPayloadHeader` (Deneb and later).
pub fn execution_header(header: &ExecutionPayloadHeader) -> Value {
    json!({
        "parent_hash": hex_bytes(header.parent_hash),
        "fee_recipient": hex_bytes(header.fee_recipient),
        "state_root": hex_bytes(header.state_root),
        "receipts_root": hex_bytes(header.receipts_root),
        "logs_bloom": hex_bytes(header.logs_bloom),
        "prev_randao": hex_bytes(header.prev_randao),
        "block_number": header.block_number.to_string(),
        "gas_limit": header.gas_limit.to_string(),
        "gas_used": header.gas_used.to_string(),
        "timestamp": header.timestamp.to_string(),
        "extra_data": hex_bytes(&header.extra_data),
        "base_fee_per_gas": header.base_fee_per_gas.to_string(),
        "block_hash": hex_bytes(header.block_hash),
        "transactions_root": hex_bytes(header.transactions_root),
        "withdrawals_root": hex_bytes(header.withdrawals_root),
        "blob_gas_used": header.blob_gas_used.to_string(),
        "excess_blob_gas": header.excess_blob_gas.to_string(),
    })
}

/// `LightClientHeader`.
pub fn light_client_header(header: &LightClientHeader) -> Value {
    json!({
        "beacon": beacon_header(&header.beacon),
        "execution": execution_header(&header.execution),
        "execution_branch": roots(&header.execution_branch),
    })
}

fn sync_committee(committee: &SyncCommittee) -> Value {
    json!({
        "pubkeys": committee.pubkeys.iter().map(hex_bytes).collect::<Vec<_>>(),
        "aggregate_pubkey": hex_bytes(committee.aggregate_pubkey),
    })
}

fn sync_aggregate(aggregate: &SyncAggregate) -> Value {
    json!({
        "sync_committee_bits": hex_bytes(&aggregate.sync_committee_bits),
        "sync_committee_signature": hex_bytes(aggregate.sync_committee_signature),
    })
}

/// `LightClientBootstrap`.
pub fn bootstrap(bootstrap: &LightClientBootstrap) -> Value {
    json!({
        "header": light_client_header(&bootstrap.header),
        "current_sync_committee": sync_committee(&bootstrap.current_sync_committee),
        "current_sync_committee_branch": roots(&bootstrap.current_sync_committee_branch),
    })
}

/// `LightClientUpdate`, `LightClientFinalityUpdate` or `LightClientOptimisticUpdate`: the fields
/// of `kind`'s container, in its order.
pub fn update(update: &LightClientUpdate, kind: UpdateKind) -> Value {
    let mut data = serde_json::Map::new();
    data.insert(
        "attested_header".into(),
        light_client_header(&update.attested_header),
    );
    if kind == UpdateKind::Full {
        data.insert(
            "next_sync_committee".into(),
            sync_committee(&update.next_sync_committee),
        );
        data.insert(
            "next_sync_committee_branch".into(),
            roots(&update.next_sync_committee_branch),
        );
    }
    if kind != UpdateKind::Optimistic {
        data.insert(
            "finalized_header".into(),
            light_client_header(&update.finalized_header),
        );
        data.insert("finality_branch".into(), roots(&update.finality_branch));
    }
    data.insert(
        "sync_aggregate".into(),
        sync_aggregate(&update.sync_aggregate),
    );
    data.insert(
        "signature_slot".into(),
        Value::String(update.signature_slot.to_string()),
    );
    Value::Object(data)
}

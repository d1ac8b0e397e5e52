//! An Ethereum beacon-chain light client that follows the sync committee: the Altair light-client
//! sync protocol of the consensus specs, with the Capella (execution payload header in light-client
//! headers), Deneb (blob-gas fields) and Electra (deeper state branches) changes; Fulu uses
//! Electra's format.
//!
//! - [`types`]: the containers, their SSZ decoding (`.ssz` and `.ssz_snappy`) and `hash_tree_root`s;
//!   [`json`]: the same from the beacon API's JSON.
//! - [`config`]: the `mainnet` and `minimal` presets and chain configs (fork schedule, genesis
//!   validators root), built in for mainnet or read from a spec `config.yaml`.
//! - [`client`]: the store ([`LightClient`]): bootstrap from a trusted block root, process updates,
//!   forced updates, and the finalized and optimistic headers.
//! - [`bls`], [`merkle`], [`ssz`]: signature verification, signing roots, Merkle branches, and the
//!   helpers an on-chain verifier's fixtures need (pubkey branches, EIP-2537 point encodings).
//!
//! No IO and no clock (except [`spec_test`], which reads a consensus-spec test directory): callers
//! fetch data and pass the current slot.

pub mod bls;
pub mod client;
pub mod config;
pub mod error;
pub mod json;
pub mod merkle;
pub mod onchain;
pub mod spec_test;
pub mod ssz;
pub mod types;

pub use bls::{BlsPubkey, BlsSignature};
pub use client::{HeaderSummary, LightClient, UpdateOutcome, UpdatePolicy, is_better_update};
pub use config::{ChainConfig, Fork, ForkPoint, Preset};
pub use error::{Error, ErrorKind, Result};
pub use json::{
    bootstrap_from_json, finality_update_from_json, optimistic_update_from_json, update_from_json,
    updates_from_json,
};
pub use types::{
    BeaconBlockHeader, ExecutionLayout, ExecutionPayloadHeader, LightClientBootstrap,
    LightClientHeader, LightClientLayout, LightClientUpdate, SyncAggregate, SyncCommittee,
};

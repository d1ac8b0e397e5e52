//! An honest simulation of Ethereum's beacon chain over one local anvil chain, so that the
//! light-client verification route can run on the devnet, which has no beacon chain.
//!
//! Slot `n` carries anvil block `n`. Every beacon block header commits, through a real SSZ Merkle
//! branch, to an execution payload header holding anvil's actual block; every state commits to
//! the finalized checkpoint (the block the devnet's confirmation depth makes final) and to the sync
//! committees, whose real BLS keys sign every update. Updates are served over the beacon API, so
//! `courier_lightclient::LightClient` verifies them exactly as it verifies Ethereum's.
//!
//! - [`config`]: the simulator's settings and the [`ChainConfig`](courier_lightclient::ChainConfig)
//!   it is verified with (own genesis validators root and fork versions, Electra from genesis);
//! - [`keys`]: per-period sync-committee keys from a seed, and the committee's aggregate signature;
//! - [`execution`]: anvil's block as an execution payload header;
//! - [`beacon`]: the sparse block body and state trees and their branches;
//! - [`chain`]: the simulated chain, block by block;
//! - [`updates`]: bootstraps and updates as the spec's full node creates them;
//! - [`forge`]: forged updates for tests and the `light-client-forged` scenario;
//! - `follow` (internal): polling anvil, handling its reorgs;
//! - [`api`]: the beacon API's light-client endpoints over HTTP;
//! - [`BeaconSim`]: a running simulator.
//!
//! What is not simulated: validators, attestations, fork choice, RANDAO, a full `BeaconState`.
//! See `docs/light-client.md`, "Devnet beacon simulator".

pub mod api;
pub mod beacon;
pub mod chain;
pub mod config;
pub mod error;
pub mod execution;
mod follow;
pub mod forge;
pub mod keys;
mod sim;
pub mod updates;

pub use chain::{Chain, SimBlock};
pub use config::{Participation, SimConfig, chain_config, genesis_validators_root};
pub use error::{Error, Result};
pub use forge::Forgery;
pub use keys::{CommitteeKeys, Committees};
pub use sim::BeaconSim;
pub use updates::{UpdateKind, Updates};

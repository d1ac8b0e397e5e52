//! Courier's local chains, for the devnet, the scenarios and the end-to-end tests.
//!
//! - [`anvil`]: anvil processes ([`Anvil::spawn`]), owned by handles that stop them on drop, and
//!   the anvil RPCs that inject faults (mining on demand, snapshots, reorgs, outages);
//! - [`keys`]: the devnet's accounts (deployer, relayer) and deterministic validator keys;
//! - [`deploy`]: deploying Courier's contracts on a chain and wiring chains to each other;
//! - [`devnet`]: a whole devnet from a [`DevnetSpec`], started in a few hundred milliseconds;
//! - [`manifest`]: `devnet.json`, how other processes learn about a running devnet.
//!
//! Everything here is for local chains only: the keys are public, and nothing is hardened for
//! a real network.

pub mod anvil;
pub mod deploy;
pub mod devnet;
pub mod error;
pub mod keys;
pub mod manifest;

pub use anvil::{Anvil, AnvilConfig, AnvilInstance, SnapshotId, find_anvil};
pub use deploy::{CommitteeSpec, Deployment, connect, deploy_core};
pub use devnet::{ChainSpec, Devnet, DevnetChain, DevnetSpec, ProgressEvent};
pub use error::{Error, Result};
pub use keys::{ValidatorKey, validator_keys};
pub use manifest::{MANIFEST_FILE, Manifest};

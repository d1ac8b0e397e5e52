//! Integration tests of `courier-beacon-sim` against real anvil chains (`--hardfork prague`, found
//! with `courier_devnet::find_anvil`, so run from the workspace after `make tools`): the simulator
//! follows the chain, serves the beacon API over HTTP, and `courier_lightclient::LightClient`
//! verifies what it serves. Every test stops the anvil and the simulator it started and checks
//! they are gone.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod api;
mod forged;
mod mainnet;
mod reorg;
mod sync;
mod util;

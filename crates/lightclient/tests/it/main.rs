//! Integration tests of `courier-lightclient` on the shared light-client data
//! (`../shared/testdata/ethereum-light-client`): the consensus-spec sync vectors (Electra, minimal
//! preset), mainnet Capella data, tampered copies of both, and the fixture helpers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

mod fixtures;
mod mainnet;
mod onchain;
mod spec;
mod tamper;
mod util;

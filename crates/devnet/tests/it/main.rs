//! Integration tests of `courier-devnet` against real anvil chains (found with `find_anvil`, so run
//! from the workspace after `make tools`). Every test starts its own chains on free ports and
//! checks they are gone afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod anvil;
mod devnet;
mod keys;
mod util;

//! Integration tests of `courier-core` against the shared vectors in `vectors/`: the files must be
//! exactly what the generator writes today, and every field in them must agree with the library.
//! The forge tests read the same files, so passing both suites means Rust and Solidity agree.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

mod checkpoint;
mod merkle;
mod message;
mod regenerate;
mod util;

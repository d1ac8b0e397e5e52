//! The watcher agent's judgement: what the origin chain says the root at an index is, read from
//! every configured endpoint, and whether a claim agrees.
//!
//! [`OriginWitness`] follows one endpoint's final dispatches of an origin Mailbox and keeps their
//! Merkle tree; [`judge`] compares a claim with every witness. Endpoints that disagree with each
//! other are an alarm, never a pass: a watcher that trusted the first answer could be blinded by
//! one lying node. [`TimelockWatch`] announces the configuration changes a timelock schedules.

pub mod agent;
pub mod equivocation;
pub mod timelock;
pub mod witness;

pub use agent::{WatchTick, WatchedVerifier, Watcher};
pub use equivocation::EquivocationCheck;
pub use timelock::TimelockWatch;
pub use witness::{OriginWitness, Verdict, judge};

/// Errors of the watcher.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Chain access failed.
    #[error(transparent)]
    Chain(#[from] courier_chain::Error),
    /// A Merkle tree operation failed.
    #[error(transparent)]
    Core(#[from] courier_core::Error),
}

//! The relayer agent. For each origin, an [`indexer`] records final dispatches in the store; for each
//! destination, a [`pipeline`] takes due messages, [`prepare`]s a proof the recipient's verifier
//! accepts, submits it (batching where it pays), confirms the outcome and records it, retrying with
//! backoff. For origins reached by light-client verifiers, a [`light_client`] relay commits the
//! origin's root and brings the destinations' light clients to it when a message needs it. Every step writes its state before the side effect it records, so a crash at any point
//! loses no message, and the Mailbox's replay protection makes a repeated submission harmless.

pub mod indexer;
pub mod light_client;
pub mod pipeline;
pub mod prepare;
pub mod proposer;

use std::time::{SystemTime, UNIX_EPOCH};

pub use indexer::{Indexer, IndexerConfig, OriginTrees};
pub use light_client::{
    DestinationAccess, LightClientDemand, LightClientRelay, LightClientRelayConfig,
};
pub use pipeline::{FeePolicy, Pipeline, PipelineConfig, TickReport};
pub use proposer::{ClaimProposer, ProposerDestination};

/// Errors of the relayer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Chain access failed.
    #[error(transparent)]
    Chain(#[from] courier_chain::Error),
    /// The local state failed.
    #[error(transparent)]
    Store(#[from] courier_store::Error),
    /// A proof or tree operation failed.
    #[error(transparent)]
    Core(#[from] courier_core::Error),
    /// What the chain and the store say does not fit together.
    #[error("inconsistent state: {0}")]
    Inconsistent(String),
}

impl From<prepare::PrepareError> for Error {
    fn from(e: prepare::PrepareError) -> Self {
        match e {
            prepare::PrepareError::Chain(e) => Self::Chain(e),
            prepare::PrepareError::Core(e) => Self::Core(e),
        }
    }
}

impl Error {
    /// Whether the next tick may succeed without anyone acting.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Chain(e) => e.is_retryable(),
            Self::Store(e) => e.is_retryable(),
            // The chain moved while it was read; the next tick reads it again.
            Self::Inconsistent(_) => true,
            Self::Core(_) => false,
        }
    }
}

/// Result of the relayer.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Milliseconds since the unix epoch (the store's time unit).
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

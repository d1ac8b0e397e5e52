//! The one error type of `courier-beacon-sim` and its `Result` alias.
//!
//! Every variant names its input (RPC url and method, block number, seed and period, address), so
//! that a failing simulator says what to look at. [`Error::is_retryable`] tells a node that did not
//! answer (the follower tries again at its next poll) from a configuration or data error.

use std::{net::SocketAddr, time::Duration};

use alloy::transports::{RpcError, TransportError};

/// `Result` with [`Error`] as the error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong simulating a beacon chain over an anvil chain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An RPC request to the execution node failed.
    #[error("{rpc_url}: {method} failed: {message}")]
    Rpc {
        /// The node's RPC endpoint.
        rpc_url: String,
        /// The JSON-RPC method.
        method: &'static str,
        /// The transport's or node's error.
        message: String,
        /// Whether asking again may work (a transport error, not a refusal).
        retryable: bool,
    },
    /// The node has no block at a number below its head (it was just reorged or rolled back).
    #[error("{rpc_url}: no block {number}")]
    MissingBlock {
        /// The node's RPC endpoint.
        rpc_url: String,
        /// The block number asked for.
        number: u64,
    },
    /// A URL that cannot be parsed.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The text given.
        url: String,
        /// Why it is not a URL.
        reason: String,
    },
    /// An execution block that does not fit an `ExecutionPayloadHeader`.
    #[error("execution block {number} cannot be simulated: {reason}")]
    UnsupportedBlock {
        /// The block number.
        number: u64,
        /// What does not fit (which field, which size).
        reason: String,
    },
    /// HKDF key generation refused the input keying material (it cannot for 32-byte inputs).
    #[error("could not derive the key of member {index} of period {period} from seed {seed}")]
    KeyDerivation {
        /// The committee seed.
        seed: u64,
        /// The sync-committee period.
        period: u64,
        /// The member's committee index.
        index: usize,
    },
    /// A simulator setting that cannot work.
    #[error("simulator config {field}: {reason}")]
    InvalidConfig {
        /// The setting.
        field: &'static str,
        /// Why it cannot work.
        reason: String,
    },
    /// Light-client data the light-client crate cannot lay out (a fork without a format).
    #[error(transparent)]
    LightClient(#[from] courier_lightclient::Error),
    /// A participation setting that does not fit the committee.
    #[error("participation {participation}: {reason}")]
    InvalidParticipation {
        /// The setting, as written.
        participation: String,
        /// Why it does not fit.
        reason: String,
    },
    /// A forgery that cannot be applied to the update at hand.
    #[error("forgery {forgery} cannot be applied: {reason}")]
    Forgery {
        /// The forgery, as written.
        forgery: String,
        /// What the update lacks.
        reason: String,
    },
    /// Light-client data that the simulator has not got (yet).
    #[error("{what} is not available: {reason}")]
    NotAvailable {
        /// The data asked for (bootstrap for a root, update of a period, ...).
        what: String,
        /// Why (unknown root, period not reached, no blocks yet).
        reason: String,
    },
    /// The HTTP server's address could not be bound.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The simulator did not reach a slot in time.
    #[error("slot {slot} not reached within {waited:?} (simulated head: {head:?}){}", last_error.as_deref().map(|e| format!("; last follower error: {e}")).unwrap_or_default())]
    Timeout {
        /// The slot waited for.
        slot: u64,
        /// The simulated head slot at the deadline (`None`: no block yet).
        head: Option<u64>,
        /// How long was waited.
        waited: Duration,
        /// The last error the follower logged, if any.
        last_error: Option<String>,
    },
    /// The simulator was stopped.
    #[error("the beacon simulator has stopped")]
    Stopped,
}

impl Error {
    /// Whether the same request may succeed later (transport errors, a block the node does not
    /// have at the moment); configuration and data errors are not retryable.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Rpc { retryable, .. } => *retryable,
            Self::MissingBlock { .. } | Self::NotAvailable { .. } | Self::Timeout { .. } => true,
            Self::InvalidUrl { .. }
            | Self::UnsupportedBlock { .. }
            | Self::KeyDerivation { .. }
            | Self::InvalidConfig { .. }
            | Self::LightClient(_)
            | Self::InvalidParticipation { .. }
            | Self::Forgery { .. }
            | Self::Bind { .. }
            | Self::Stopped => false,
        }
    }

    pub(crate) fn rpc(rpc_url: &str, method: &'static str, error: TransportError) -> Self {
        Self::Rpc {
            rpc_url: rpc_url.to_owned(),
            method,
            // A node that could not be reached, or that says to come back later, may answer next
            // time; an error response about the request itself will not change.
            retryable: match &error {
                RpcError::Transport(_) => true,
                RpcError::ErrorResp(payload) => payload.is_retry_err(),
                _ => false,
            },
            message: error.to_string(),
        }
    }

    pub(crate) fn not_available(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::NotAvailable {
            what: what.into(),
            reason: reason.into(),
        }
    }
}

//! Errors of chain access. Each names the endpoint (or path) and the operation, and says whether
//! retrying can help: the agents' retry policies read [`Error::is_retryable`], never the text.

use std::path::PathBuf;

/// Chain access errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The node could not be reached or answered with an error.
    #[error("{endpoint}: {operation} failed: {message}")]
    Rpc {
        /// The RPC endpoint (without credentials).
        endpoint: String,
        /// What was being done.
        operation: &'static str,
        /// The transport's error text.
        message: String,
        /// Whether the transport classifies it as transient.
        retryable: bool,
    },
    /// A call or transaction reverted.
    #[error("{endpoint}: {operation} reverted: {reason}")]
    Reverted {
        /// The RPC endpoint.
        endpoint: String,
        /// What was being done.
        operation: &'static str,
        /// The decoded revert reason, or the raw data in hex.
        reason: String,
    },
    /// The node does not have a block it should have.
    #[error("{endpoint}: block {number} not found")]
    MissingBlock {
        /// The RPC endpoint.
        endpoint: String,
        /// The block number asked for.
        number: u64,
    },
    /// The chain id the node reports is not the one configured.
    #[error("{endpoint}: chain id is {actual}, expected {expected}")]
    WrongChain {
        /// The RPC endpoint.
        endpoint: String,
        /// The configured domain.
        expected: u64,
        /// What the node reports.
        actual: u64,
    },
    /// The Mailbox emitted something this code cannot read.
    #[error("{endpoint}: unreadable Dispatch log in tx {tx}: {reason}")]
    BadLog {
        /// The RPC endpoint.
        endpoint: String,
        /// The transaction that emitted it.
        tx: String,
        /// What is wrong.
        reason: String,
    },
    /// A checkpoint store file could not be read or written.
    #[error("checkpoint store {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// A checkpoint store file holds something it must not.
    #[error("checkpoint store {}: {reason}", path.display())]
    BadCheckpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The node refused a transaction because its account nonce is already used: by this very
    /// transaction (mined meanwhile) or by another one. Only a receipt tells which.
    #[error("{endpoint}: nonce {nonce} already used: {message}")]
    NonceTaken {
        /// The RPC endpoint.
        endpoint: String,
        /// The transaction's nonce.
        nonce: u64,
        /// The node's words.
        message: String,
    },
    /// A Merkle-Patricia proof the node returned does not prove what it should.
    #[error("{endpoint}: {what}: {reason}")]
    BadProof {
        /// The RPC endpoint.
        endpoint: String,
        /// Which proof.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// No signer is configured for an operation that sends transactions.
    #[error("{endpoint}: no signer configured; cannot {operation}")]
    NoSigner {
        /// The RPC endpoint.
        endpoint: String,
        /// What was being done.
        operation: &'static str,
    },
}

impl Error {
    /// Whether the same operation may succeed if tried again later.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Rpc { retryable, .. } => *retryable,
            // A block the node does not have yet (lagging load balancer) or an IO hiccup.
            Self::MissingBlock { .. } | Self::Io { .. } => true,
            Self::Reverted { .. }
            | Self::WrongChain { .. }
            | Self::BadLog { .. }
            | Self::BadCheckpoint { .. }
            | Self::NonceTaken { .. }
            | Self::BadProof { .. }
            | Self::NoSigner { .. } => false,
        }
    }
}

/// Result of chain access.
pub type Result<T, E = Error> = std::result::Result<T, E>;

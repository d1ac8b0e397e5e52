//! The one error type of `courier-devnet` and its `Result` alias.
//!
//! Every variant names what it was doing and with which input (binary, port, RPC url, chain, call,
//! file), so that a failed devnet start says what to fix without re-running it. [`Error::is_retryable`]
//! tells transient failures (a node not answering yet, a transport hiccup) from fatal ones.

use std::{path::PathBuf, time::Duration};

use alloy::{
    primitives::B256,
    transports::{RpcError, TransportError},
};

/// `Result` with [`Error`] as the error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while running local chains and deploying onto them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- anvil processes ----
    /// No anvil binary was found.
    #[error(
        "anvil not found: run `make tools` in the workspace (installs .tools/bin/anvil) or set COURIER_ANVIL; {detail}"
    )]
    AnvilNotFound {
        /// Where it was looked for, or why the configured path is unusable.
        detail: String,
    },
    /// The anvil process could not be started at all.
    #[error("could not start anvil {}: {source}", binary.display())]
    Spawn {
        /// The binary.
        binary: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// anvil exited before it answered RPC requests.
    #[error(
        "anvil {} ({}) exited during startup ({status}); stderr: {stderr}",
        binary.display(),
        port_label(*port)
    )]
    AnvilExited {
        /// The binary.
        binary: PathBuf,
        /// The port asked for (`0`: any free port).
        port: u16,
        /// Its exit status.
        status: String,
        /// The last lines anvil wrote to stderr.
        stderr: String,
    },
    /// anvil did not answer `eth_chainId` in time.
    #[error(
        "anvil {} ({}) did not answer eth_chainId within {waited:?}; stderr: {stderr}",
        binary.display(),
        port_label(*port)
    )]
    AnvilTimeout {
        /// The binary.
        binary: PathBuf,
        /// The port asked for or reported (`0`: any free port, not reported yet).
        port: u16,
        /// How long it was given.
        waited: Duration,
        /// The last lines anvil wrote to stderr.
        stderr: String,
    },
    /// A node serves another chain than the one asked for.
    #[error("{rpc_url}: chain id is {actual}, expected {expected}")]
    WrongChain {
        /// The RPC endpoint.
        rpc_url: String,
        /// The chain id asked for.
        expected: u64,
        /// The chain id the node reports.
        actual: u64,
    },
    /// A block time anvil cannot be told at runtime (`evm_setIntervalMining` takes whole seconds).
    #[error("{rpc_url}: cannot set a block time of {block_time:?} at runtime: {reason}")]
    UnsupportedBlockTime {
        /// The RPC endpoint.
        rpc_url: String,
        /// The block time asked for.
        block_time: Duration,
        /// Why not.
        reason: &'static str,
    },
    /// `evm_revert` to a snapshot anvil does not hold (unknown, or already reverted to once).
    #[error(
        "{rpc_url}: no snapshot {id} to revert to (unknown, or already used: a snapshot is consumed by its revert)"
    )]
    SnapshotNotFound {
        /// The RPC endpoint.
        rpc_url: String,
        /// The snapshot id.
        id: String,
    },

    // ---- RPC and transactions ----
    /// An RPC request failed.
    #[error("{rpc_url}: {method} failed: {source}")]
    Rpc {
        /// The RPC endpoint.
        rpc_url: String,
        /// The JSON-RPC method.
        method: &'static str,
        /// The transport error.
        source: TransportError,
    },
    /// A transaction could not be sent or followed (estimation reverted, node refused it,
    /// transport failed).
    #[error("chain {chain}: {call}: {stage} failed: {reason}")]
    Transaction {
        /// The chain (domain).
        chain: u64,
        /// The contract call, with its arguments that matter.
        call: String,
        /// What was being done: sending, waiting for the receipt, ...
        stage: &'static str,
        /// The error, with the decoded revert reason when there is one.
        reason: String,
        /// Whether the transport classifies it as transient.
        retryable: bool,
    },
    /// A transaction was mined but reverted.
    #[error("chain {chain}: {call}: transaction {tx} reverted")]
    Reverted {
        /// The chain (domain).
        chain: u64,
        /// The contract call.
        call: String,
        /// The transaction hash.
        tx: B256,
    },
    /// A transaction was not mined in time.
    #[error("chain {chain}: {call}: transaction {tx} not mined within {waited:?}")]
    NotMined {
        /// The chain (domain).
        chain: u64,
        /// The contract call.
        call: String,
        /// The transaction hash.
        tx: B256,
        /// How long it was waited for.
        waited: Duration,
    },
    /// A deployment whose contract did not land at the address its sender and nonce predict.
    #[error("chain {chain}: {call}: contract created at {actual:?}, expected {expected}")]
    UnexpectedAddress {
        /// The chain (domain).
        chain: u64,
        /// The deployment.
        call: String,
        /// The address predicted from sender and nonce.
        expected: alloy::primitives::Address,
        /// The address in the receipt.
        actual: Option<alloy::primitives::Address>,
    },

    // ---- specs, keys, files ----
    /// A devnet or committee specification that cannot work.
    #[error("invalid devnet spec: {0}")]
    InvalidSpec(String),
    /// A key or committee refused by `courier-core`.
    #[error(transparent)]
    Core(#[from] courier_core::Error),
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// A file holds JSON this crate cannot read.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
}

impl Error {
    /// Whether trying the same thing again may succeed: transport failures the transport classifies
    /// as transient, and transactions not mined yet. Everything else is fatal.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Rpc { source, .. } => is_transient(source),
            Self::Transaction { retryable, .. } => *retryable,
            Self::NotMined { .. } | Self::AnvilTimeout { .. } => true,
            _ => false,
        }
    }

    pub(crate) fn rpc(rpc_url: &str, method: &'static str, source: TransportError) -> Self {
        Self::Rpc {
            rpc_url: rpc_url.to_owned(),
            method,
            source,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// `port 8545`, or what port 0 means when anvil did not report the port it picked.
fn port_label(port: u16) -> String {
    if port == 0 {
        "on a port of its choice, not reported".to_owned()
    } else {
        format!("port {port}")
    }
}

/// Whether a transport error may go away on its own: the node could not be reached (down,
/// restarting, overloaded) or said so itself (rate limits). An error response about the request
/// is not.
pub(crate) fn is_transient(error: &TransportError) -> bool {
    match error {
        RpcError::Transport(_) => true,
        RpcError::ErrorResp(payload) => payload.is_retry_err(),
        _ => false,
    }
}

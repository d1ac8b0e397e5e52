//! Plain data the chain traits exchange.

use alloy::primitives::{Address, B256, Bytes};
use courier_core::Message;
use serde::{Deserialize, Serialize};

/// A block, identified by number and hash (the hash is what reveals a reorg).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockRef {
    /// Block number.
    pub number: u64,
    /// Block hash.
    pub hash: B256,
    /// Block timestamp, unix seconds.
    pub timestamp: u64,
}

/// A message as the origin Mailbox emitted it, with where it was emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchedMessage {
    /// The decoded message.
    pub message: Message,
    /// Its id (keccak256 of `encoded`), as the event's indexed topic carried it.
    pub id: B256,
    /// The encoding, as emitted.
    pub encoded: Vec<u8>,
    /// Number of the block holding the event.
    pub block_number: u64,
    /// Hash of that block.
    pub block_hash: B256,
    /// The dispatching transaction.
    pub tx_hash: B256,
    /// Position of the log in the block.
    pub log_index: u64,
}

/// When a block counts as final on a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Finality {
    /// Final once this many blocks are on top of it (`head - depth`).
    Depth(u64),
    /// Final when the node's `finalized` block tag has reached it.
    Finalized,
}

impl std::fmt::Display for Finality {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Depth(d) => write!(f, "{d} confirmations"),
            Self::Finalized => f.write_str("finalized tag"),
        }
    }
}

/// The proof kinds of `IVerifier.kind()` (contracts/src/interfaces/IVerifier.sol).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VerifierKind {
    /// A verifier the relayer cannot build proofs for.
    Custom,
    /// k-of-n validator checkpoints.
    Committee,
    /// Light client plus storage proof.
    LightClient,
    /// Bonded claim after a dispute window.
    Optimistic,
    /// m of n sub-verifiers.
    Aggregation,
    /// A verifier per origin.
    Routing,
    /// A value this code does not know.
    Unknown(u8),
}

impl From<u8> for VerifierKind {
    fn from(value: u8) -> Self {
        match value {
            0 => Self::Custom,
            1 => Self::Committee,
            2 => Self::LightClient,
            3 => Self::Optimistic,
            4 => Self::Aggregation,
            5 => Self::Routing,
            other => Self::Unknown(other),
        }
    }
}

/// EIP-1559 fees offered by a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fees {
    /// Most wei per gas the transaction pays.
    pub max_fee_per_gas: u128,
    /// Most wei per gas that goes to the block producer.
    pub max_priority_fee_per_gas: u128,
}

impl Fees {
    /// Fees raised by `percent` (rounded up), as a replacement transaction needs (nodes ask for at
    /// least 10% more).
    pub fn bumped(self, percent: u128) -> Self {
        let bump = |v: u128| v + (v * percent).div_ceil(100).max(1);
        Self {
            max_fee_per_gas: bump(self.max_fee_per_gas),
            max_priority_fee_per_gas: bump(self.max_priority_fee_per_gas),
        }
    }
}

/// A signed transaction, not necessarily sent yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTx {
    /// Its hash.
    pub hash: B256,
    /// The signed encoding (EIP-2718), as broadcast.
    pub raw: Vec<u8>,
    /// The account nonce it uses.
    pub nonce: u64,
    /// Its gas limit.
    pub gas_limit: u64,
    /// Its fees.
    pub fees: Fees,
}

/// What one delivery transaction did, read from its receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    /// The transaction.
    pub tx: B256,
    /// The block it landed in.
    pub block: BlockRef,
    /// False when the whole transaction reverted.
    pub success: bool,
    /// Gas the transaction used.
    pub gas_used: u64,
    /// Per message, from the Mailbox's `Process` and `ProcessFailed` events.
    pub messages: Vec<MessageOutcome>,
}

/// What happened to one message of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageOutcome {
    /// The recipient handled it.
    Delivered {
        /// The message id.
        id: B256,
    },
    /// The recipient reverted; the message stays deliverable.
    Failed {
        /// The message id.
        id: B256,
        /// The recipient's revert data.
        reason: Bytes,
    },
}

/// Where a message was delivered: the transaction whose `Process` event names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// The delivering transaction.
    pub tx: B256,
    /// Its block.
    pub block: u64,
}

/// A light-client verifier's route for one origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LightClientRoute {
    /// The light client whose execution state roots the verifier trusts.
    pub client: Address,
    /// The origin Mailbox whose `committedRoot` it reads.
    pub mailbox: Address,
}

/// A claim of an origin root on an optimistic verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptimisticClaim {
    /// The claimed root.
    pub root: B256,
    /// The index of the last message under it.
    pub index: u32,
    /// The bonded proposer who signed it.
    pub proposer: Address,
    /// When its dispute window ends (unix seconds, the destination's block time).
    pub ready_at: u64,
    /// Whether a watcher vetoed it (then it is never accepted).
    pub vetoed: bool,
    /// The proposer's signature (the evidence a fraud proof on the origin needs).
    pub signature: Bytes,
}

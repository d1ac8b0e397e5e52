//! Chain access for Courier's agents, behind small traits — one per capability — so that the
//! validator and relayer can be tested against fakes and another chain family could be added:
//!
//! - [`OriginMailbox`]: what happened on an origin chain (blocks, finality, dispatched messages,
//!   the Mailbox's checkpoint at a block);
//! - [`DestinationMailbox`]: what a destination knows (deliveries, verifiers, committees, accepted
//!   roots) and how to deliver (simulate, submit, confirm);
//! - [`CheckpointStore`]: where validators publish signed checkpoints and relayers read them;
//! - [`fees::GasPayments`]: what senders paid on an origin for their messages' delivery.
//!
//! [`evm`] implements the mailbox traits on alloy; [`folder`] implements the checkpoint store on a
//! local directory; [`fake`] holds in-memory versions for tests; [`beacon`] reads a beacon node's
//! light-client API; [`lightclient`] reads and feeds a destination's on-chain light client and
//! commits an origin Mailbox's root.

pub mod beacon;
pub mod error;
pub mod evm;
pub mod fake;
pub mod fees;
pub mod folder;
pub mod lightclient;
pub mod optimistic;
pub mod timelock;
mod types;

use alloy::primitives::{Address, B256};
use async_trait::async_trait;
use courier_core::{Committee, SignedCheckpoint};

pub use error::{Error, Result};
pub use types::{
    BatchOutcome, BlockRef, Delivery, DispatchedMessage, Fees, Finality, LightClientRoute,
    MessageOutcome, OptimisticClaim, SignedTx, VerifierKind,
};

/// Read access to the Mailbox of an origin chain.
#[async_trait]
pub trait OriginMailbox: Send + Sync {
    /// The chain's domain (chain id).
    fn domain(&self) -> u64;
    /// The Mailbox's address as bytes32 (what checkpoints name).
    fn mailbox(&self) -> B256;
    /// The newest block.
    async fn head(&self) -> Result<BlockRef>;
    /// The newest block that the chain's finality rule treats as final.
    async fn finalized(&self) -> Result<BlockRef>;
    /// The block at `number` (its hash, to detect reorgs).
    async fn block(&self, number: u64) -> Result<BlockRef>;
    /// Messages dispatched in blocks `from..=to`, in order.
    async fn dispatches(&self, from: u64, to: u64) -> Result<Vec<DispatchedMessage>>;
    /// The Mailbox's `(root, index)` as of block `at`; `None` before the first dispatch.
    async fn checkpoint_at(&self, at: u64) -> Result<Option<(B256, u32)>>;
}

/// What a destination Mailbox knows, and delivery to it.
#[async_trait]
pub trait DestinationMailbox: Send + Sync {
    /// The chain's domain (chain id).
    fn domain(&self) -> u64;
    /// Whether the message `(origin, recipient, nonce)` was delivered.
    async fn delivered(&self, origin: u64, recipient: Address, nonce: u32) -> Result<bool>;
    /// The transaction that delivered message `id`, found among the `Process` events of the
    /// blocks up to `before` (inclusive), looking back a bounded distance; `None` when not found.
    /// For a message that [`Self::delivered`] says is delivered but by a transaction this relayer
    /// does not know (another relayer's, or one of its own it lost track of).
    async fn delivery(&self, id: B256, before: u64) -> Result<Option<Delivery>>;
    /// The verifier that must accept messages for `recipient`.
    async fn verifier_of(&self, recipient: Address) -> Result<Address>;
    /// The kind of proof `verifier` reads.
    async fn verifier_kind(&self, verifier: Address) -> Result<VerifierKind>;
    /// The committee a committee verifier holds for `origin`, with the origin Mailbox it watches.
    async fn committee(&self, verifier: Address, origin: u64) -> Result<Option<Committee>>;
    /// The route a light-client verifier holds for `origin` (the light client whose state roots
    /// it trusts, and the origin Mailbox it reads); `None` when it has none.
    async fn light_client_route(
        &self,
        verifier: Address,
        origin: u64,
    ) -> Result<Option<LightClientRoute>>;
    /// The newest origin block whose execution state root the light client `client` holds (0
    /// before its first update).
    async fn light_client_head(&self, client: Address) -> Result<u64>;
    /// The claims posted on the optimistic verifier `verifier` for `origin` in recent blocks
    /// (oldest first), each with whether it was vetoed.
    async fn optimistic_claims(
        &self,
        verifier: Address,
        origin: u64,
    ) -> Result<Vec<OptimisticClaim>>;
    /// The verifier a routing verifier sends `origin`'s messages to; `None` when it has none.
    async fn routed_verifier(&self, verifier: Address, origin: u64) -> Result<Option<Address>>;
    /// An aggregation verifier's sub-verifiers (in proof order) and how many must accept.
    async fn aggregation(&self, verifier: Address) -> Result<(Vec<Address>, u8)>;
    /// The newest block's timestamp (unix seconds): the clock claims mature by.
    async fn now(&self) -> Result<u64>;
    /// Whether `verifier` accepted `root` for `origin`.
    async fn root_accepted(&self, verifier: Address, origin: u64, root: B256) -> Result<bool>;
    /// Runs `processBatch(proof, messages)` without sending it; an error carries the revert reason.
    async fn simulate(&self, proof: &[u8], messages: &[Vec<u8>]) -> Result<u64>;
    /// Fees to offer for a transaction now.
    async fn suggest_fees(&self) -> Result<Fees>;
    /// Builds and signs `processBatch(proof, messages)` with the given account nonce, gas limit and
    /// fees, without sending it: the caller records it first, then [`Self::broadcast`]s it.
    async fn sign_delivery(
        &self,
        proof: &[u8],
        messages: &[Vec<u8>],
        nonce: u64,
        gas_limit: u64,
        fees: Fees,
    ) -> Result<SignedTx>;
    /// Sends a signed transaction. Sending one the node already has is not an error; one whose
    /// nonce is already used fails with [`Error::NonceTaken`].
    async fn broadcast(&self, tx: &SignedTx) -> Result<()>;
    /// The outcome of a sent transaction, once it is in a block at least `confirmations` deep.
    async fn outcome(&self, tx: B256, confirmations: u64) -> Result<Option<BatchOutcome>>;
    /// The next nonce of the relayer's account according to the node (pending state included).
    async fn account_nonce(&self) -> Result<u64>;
    /// The relayer's account.
    fn sender(&self) -> Address;
}

/// An origin Mailbox's `committedRoot` with the storage proofs a light-client verifier reads.
#[async_trait]
pub trait CommittedRoots: Send + Sync {
    /// The origin's domain.
    fn domain(&self) -> u64;
    /// The committed root at `block` with its account and storage proofs, checked against the
    /// block's state root.
    async fn committed_root_proof(&self, block: u64) -> Result<evm::CommittedRootProof>;
}

/// Where validators publish signed checkpoints and relayers read them.
#[async_trait]
pub trait CheckpointStore: Send + Sync {
    /// Publishes a signed checkpoint (atomically: readers never see a partial one).
    async fn publish(&self, signed: &SignedCheckpoint) -> Result<()>;
    /// Publishes several, in order (a validator's whole tick); a store may do it in fewer writes.
    async fn publish_many(&self, batch: &[SignedCheckpoint]) -> Result<()> {
        for signed in batch {
            self.publish(signed).await?;
        }
        Ok(())
    }
    /// The newest checkpoint `validator` published for `origin`.
    async fn latest(&self, origin: u64, validator: Address) -> Result<Option<SignedCheckpoint>>;
    /// The checkpoint `validator` published for `origin` at `index`.
    async fn get(
        &self,
        origin: u64,
        validator: Address,
        index: u32,
    ) -> Result<Option<SignedCheckpoint>>;
}

/// How long an agent waits before its next attempt after `failures` consecutive failed ticks:
/// `base`, doubled per failure, at most 30 s. With no failure it is just the polling interval.
pub fn retry_delay(base: std::time::Duration, failures: u32) -> std::time::Duration {
    let cap = std::time::Duration::from_secs(30);
    base.saturating_mul(1 << failures.min(10))
        .min(cap.max(base))
}

#[cfg(test)]
mod retry_tests {
    use std::time::Duration;

    #[test]
    fn doubles_per_failure_up_to_thirty_seconds() {
        let base = Duration::from_millis(500);
        assert_eq!(super::retry_delay(base, 0), base);
        assert_eq!(super::retry_delay(base, 1), Duration::from_secs(1));
        assert_eq!(super::retry_delay(base, 3), Duration::from_secs(4));
        assert_eq!(super::retry_delay(base, 40), Duration::from_secs(30));
    }
}

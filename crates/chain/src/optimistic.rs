//! The optimistic route's transactions: posting a proposer's signed claim and vetoing one on a
//! destination's `OptimisticVerifier`, and proving a false claim on the origin's `ProposerBond`.
//! Each sends from the account it is made with and waits for the receipt.

use alloy::primitives::{B256, Bytes};
use courier_bindings::{OptimisticVerifier, ProposerBond, ValidatorStaking};
use courier_core::{SignedCheckpoint, checkpoint::encode_signature};

use crate::{Error, Result, evm::contract_error};

/// Sends `call` and waits for its receipt; the block it landed in.
macro_rules! send_and_wait {
    ($self:ident, $call:expr, $operation:literal) => {{
        let receipt = $call
            .send()
            .await
            .map_err(|e| contract_error(&$self.endpoint, $operation, &e))?
            .get_receipt()
            .await
            .map_err(|e| Error::Rpc {
                endpoint: $self.endpoint.clone(),
                operation: concat!($operation, " receipt"),
                message: e.to_string(),
                retryable: true,
            })?;
        if !receipt.status() {
            return Err(Error::Reverted {
                endpoint: $self.endpoint.clone(),
                operation: $operation,
                reason: format!("transaction {} reverted", receipt.transaction_hash),
            });
        }
        Ok(receipt.block_number.unwrap_or_default())
    }};
}

crate::lightclient::signing_handle!(
    /// An `OptimisticVerifier` on a destination, used by a proposer (claims) or a watcher (vetoes).
    EvmOptimisticVerifier
);

impl EvmOptimisticVerifier {
    /// Posts a signed claim; the block it landed in.
    pub async fn post_claim(
        &self,
        origin: u64,
        root: B256,
        index: u32,
        signature: Bytes,
    ) -> Result<u64> {
        let contract = OptimisticVerifier::new(self.address, self.provider.clone());
        let call = contract.postClaim(origin, root, index, signature);
        send_and_wait!(self, call, "OptimisticVerifier.postClaim")
    }

    /// Vetoes a claim (the account must be a watcher); the block it landed in.
    pub async fn veto(&self, origin: u64, root: B256) -> Result<u64> {
        let contract = OptimisticVerifier::new(self.address, self.provider.clone());
        let call = contract.veto(origin, root);
        send_and_wait!(self, call, "OptimisticVerifier.veto")
    }
}

crate::lightclient::signing_handle!(
    /// A `ProposerBond` on an origin chain, where false claims are proven.
    EvmProposerBond
);

impl EvmProposerBond {
    /// Proves the signed claim `(root, index)` false with leaf `index` and its siblings in the
    /// Mailbox's current tree; the block it landed in.
    pub async fn prove_fraud(
        &self,
        root: B256,
        index: u32,
        signature: Bytes,
        leaf: B256,
        siblings: [B256; 32],
    ) -> Result<u64> {
        let contract = ProposerBond::new(self.address, self.provider.clone());
        let call = contract.proveFraud(root, index, signature, leaf, siblings);
        send_and_wait!(self, call, "ProposerBond.proveFraud")
    }
}

crate::lightclient::signing_handle!(
    /// The committee's `ValidatorStaking` on its home chain, where equivocation is slashed.
    EvmValidatorStaking
);

impl EvmValidatorStaking {
    /// Shows two checkpoints one validator signed for the same origin Mailbox and index; the block
    /// the slashing landed in.
    pub async fn slash_equivocation(
        &self,
        a: &SignedCheckpoint,
        b: &SignedCheckpoint,
    ) -> Result<u64> {
        let contract = ValidatorStaking::new(self.address, self.provider.clone());
        let (x, y) = (&a.checkpoint, &b.checkpoint);
        let call = contract.slashEquivocation(
            x.origin,
            x.origin_mailbox,
            x.index,
            x.root,
            x.message_id,
            Bytes::copy_from_slice(&encode_signature(&a.signature)),
            y.root,
            y.message_id,
            Bytes::copy_from_slice(&encode_signature(&b.signature)),
        );
        send_and_wait!(self, call, "ValidatorStaking.slashEquivocation")
    }
}

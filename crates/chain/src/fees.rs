//! The fee path from the relayer's side: what senders paid on an origin's `RelayerFees` for the
//! delivery of a message.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use alloy::primitives::{Address, B256, U256};
use async_trait::async_trait;
use courier_bindings::RelayerFees;

use crate::{OriginMailbox, Result, evm::EvmMailbox};

/// Payments for deliveries, on one origin.
#[async_trait]
pub trait GasPayments: Send + Sync {
    /// The origin's domain.
    fn domain(&self) -> u64;
    /// Wei paid for the delivery of message `id`, as of the origin's newest final block. Payments
    /// only add up, so a figure read at a final block never shrinks.
    async fn paid_for(&self, id: B256) -> Result<U256>;

    /// [`Self::paid_for`] of each of `ids`, in order.
    async fn paid_for_many(&self, ids: &[B256]) -> Result<Vec<U256>> {
        let mut paid = Vec::with_capacity(ids.len());
        for id in ids {
            paid.push(self.paid_for(*id).await?);
        }
        Ok(paid)
    }
}

/// Most `paidFor` calls in flight at once.
const CONCURRENT_READS: usize = 16;

/// [`GasPayments`] read from a `RelayerFees` contract beside an origin Mailbox.
#[derive(Debug, Clone)]
pub struct EvmGasPayments {
    origin: EvmMailbox,
    fees: Address,
}

impl EvmGasPayments {
    /// Payments on the `RelayerFees` at `fees`, on the chain `origin` reads (with its finality
    /// rule).
    pub fn new(origin: EvmMailbox, fees: Address) -> Self {
        Self { origin, fees }
    }

    /// The contract's address.
    pub fn address(&self) -> Address {
        self.fees
    }
}

#[async_trait]
impl GasPayments for EvmGasPayments {
    fn domain(&self) -> u64 {
        OriginMailbox::domain(&self.origin)
    }

    async fn paid_for(&self, id: B256) -> Result<U256> {
        Ok(self.paid_for_many(&[id]).await?[0])
    }

    /// One read of the final block, then the reads at it, a few at a time.
    async fn paid_for_many(&self, ids: &[B256]) -> Result<Vec<U256>> {
        use futures::{StreamExt, TryStreamExt};
        let at = self.origin.finalized().await?.number;
        let fees = RelayerFees::new(self.fees, self.origin.provider().clone());
        futures::stream::iter(ids.iter().copied())
            .map(|id| {
                let fees = fees.clone();
                async move {
                    fees.paidFor(id).block(at.into()).call().await.map_err(|e| {
                        crate::evm::contract_error(
                            self.origin.endpoint(),
                            "RelayerFees.paidFor",
                            &e,
                        )
                    })
                }
            })
            .buffered(CONCURRENT_READS)
            .try_collect()
            .await
    }
}

/// In-memory payments, for tests.
#[derive(Debug, Clone, Default)]
pub struct FakeGasPayments {
    domain: u64,
    paid: Arc<Mutex<HashMap<B256, U256>>>,
}

impl FakeGasPayments {
    /// No payments yet, on `domain`.
    pub fn new(domain: u64) -> Self {
        Self {
            domain,
            paid: Arc::default(),
        }
    }

    /// Records a payment of `wei` for message `id` (adding to earlier ones), final at once.
    pub fn pay(&self, id: B256, wei: U256) {
        let mut paid = self.paid.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = paid.entry(id).or_default();
        *entry = entry.saturating_add(wei);
    }
}

#[async_trait]
impl GasPayments for FakeGasPayments {
    fn domain(&self) -> u64 {
        self.domain
    }

    async fn paid_for(&self, id: B256) -> Result<U256> {
        Ok(self
            .paid
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .copied()
            .unwrap_or_default())
    }
}

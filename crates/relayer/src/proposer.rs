//! The optimistic proposer: when messages wait on a destination for a claim (the pipelines say so
//! in a shared demand), it claims the root of its own tree of the origin's final dispatches,
//! signed with its bonded key, and posts the claim to the destination's optimistic verifier. It
//! claims nothing while no message waits, and never a second claim while a true one covering the
//! waiting messages is pending.
//!
//! The proposer's word is all a claim is: its bond on the origin (`ProposerBond`) is what a false
//! claim costs it, and watchers veto one during the window. It claims only what its indexer saw
//! final, so an honest proposer is never slashed by a reorg below the origin's finality depth.

use std::{collections::HashMap, sync::Arc, time::Duration};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{B256, Bytes};
use courier_chain::{DestinationMailbox, optimistic::EvmOptimisticVerifier};
use courier_core::{checkpoint::encode_signature, claim::Claim};
use k256::ecdsa::SigningKey;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::{indexer::OriginTrees, light_client::LightClientDemand};

/// A destination the proposer posts to.
#[derive(Clone)]
pub struct ProposerDestination {
    /// Reads claims there.
    pub reader: Arc<dyn DestinationMailbox>,
    /// Its RPC endpoint, to post claims.
    pub rpc: url::Url,
}

/// The proposer of one origin (see the module docs).
pub struct ClaimProposer {
    origin: u64,
    origin_mailbox: B256,
    key: SigningKey,
    signer: PrivateKeySigner,
    destinations: HashMap<u64, ProposerDestination>,
    trees: OriginTrees,
    demand: LightClientDemand,
    poll_interval: Duration,
}

impl ClaimProposer {
    /// A proposer for `origin` (whose Mailbox is `origin_mailbox`), signing and sending with `key`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        origin: u64,
        origin_mailbox: B256,
        key: SigningKey,
        destinations: HashMap<u64, ProposerDestination>,
        trees: OriginTrees,
        demand: LightClientDemand,
        poll_interval: Duration,
    ) -> Self {
        let signer = PrivateKeySigner::from_signing_key(key.clone());
        Self {
            origin,
            origin_mailbox,
            key,
            signer,
            destinations,
            trees,
            demand,
            poll_interval,
        }
    }

    /// Runs until `shutdown`.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let origin = self.origin;
        info!(origin, proposer = %self.signer.address(), "optimistic proposer started");
        let mut failures = 0u32;
        loop {
            match self.tick().await {
                Ok(_) => failures = 0,
                Err(e) => {
                    failures += 1;
                    warn!(origin, error = %e, "optimistic proposer tick failed");
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(courier_chain::retry_delay(self.poll_interval, failures)) => {}
            }
        }
        info!(origin, "optimistic proposer stopped");
    }

    /// One pass over the demand; how many claims it posted.
    pub async fn tick(&mut self) -> Result<usize, courier_chain::Error> {
        let mut posted = 0;
        for (need, nonce) in self.demand.from_origin(self.origin) {
            let Some(dest) = self.destinations.get(&need.destination) else {
                continue;
            };
            let tree = self.trees.with(self.origin, Clone::clone);
            let Some(index) = tree.len().checked_sub(1) else {
                continue;
            };
            if index < nonce {
                continue; // not indexed as final yet
            }
            let claims = dest
                .reader
                .optimistic_claims(need.client, self.origin)
                .await?;
            let covered = claims.iter().any(|c| {
                !c.vetoed
                    && c.index >= nonce
                    && tree.root_at(c.index + 1).is_ok_and(|r| r == c.root)
            });
            let Ok(root) = tree.root_at(index + 1) else {
                continue;
            };
            if covered || claims.iter().any(|c| c.root == root) {
                continue;
            }
            let claim = Claim {
                origin: self.origin,
                origin_mailbox: self.origin_mailbox,
                root,
                index,
            };
            let signature = claim
                .sign(&self.key)
                .map_err(|e| courier_chain::Error::Rpc {
                    endpoint: "local key".into(),
                    operation: "signing a claim",
                    message: e.to_string(),
                    retryable: false,
                })?;
            let verifier = EvmOptimisticVerifier::new(&dest.rpc, need.client, self.signer.clone());
            let block = verifier
                .post_claim(
                    self.origin,
                    root,
                    index,
                    Bytes::copy_from_slice(&encode_signature(&signature)),
                )
                .await?;
            posted += 1;
            info!(origin = self.origin, destination = need.destination, verifier = %need.client, %root, index, block, "claim posted");
        }
        Ok(posted)
    }
}

//! The light-client route's chain access: the destination's `EthereumLightClient` (what it holds,
//! applying updates to it), the origin Mailbox's `commitRoot()` and its `RootCommitted` history,
//! and the conversions from `courier-lightclient`'s on-chain forms to the contract's ABI types.
//!
//! Nothing here checks an update: callers verify every update with their own
//! [`courier_lightclient::LightClient`] first; the contract checks it again.

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use courier_bindings::{EthereumLightClient, Mailbox};
use courier_lightclient::{
    ChainConfig, Fork, LightClientBootstrap,
    onchain::{OnchainCommittee, OnchainExecution, OnchainHeader, OnchainUpdate},
};
use url::Url;

use crate::{
    Error, Result,
    evm::{contract_error, decode_revert, newest_log, rpc_error},
};

/// How far back [`RootCommitter::last_commit`] looks.
const COMMIT_LOOKBACK_BLOCKS: u64 = 50_000;

/// `EthereumLightClient.Chain` for `config`: the fork schedule and preset the contract checks
/// signatures and branches against.
pub fn chain_params(config: &ChainConfig) -> EthereumLightClient::Chain {
    let forks = [
        Fork::Altair,
        Fork::Bellatrix,
        Fork::Capella,
        Fork::Deneb,
        Fork::Electra,
        Fork::Fulu,
    ];
    EthereumLightClient::Chain {
        genesisValidatorsRoot: config.genesis_validators_root,
        genesisForkVersion: config.genesis_fork_version.into(),
        forkVersions: forks
            .iter()
            .map(|f| config.fork_point(*f).version.into())
            .collect(),
        forkEpochs: forks.iter().map(|f| config.fork_point(*f).epoch).collect(),
        slotsPerEpoch: config.preset.slots_per_epoch,
        epochsPerPeriod: config.preset.epochs_per_sync_committee_period,
        committeeSize: config.preset.sync_committee_size as u64,
    }
}

/// The contract's beacon block header.
pub fn header(h: &OnchainHeader) -> courier_bindings::BeaconBlockHeader {
    courier_bindings::BeaconBlockHeader {
        slot: h.slot,
        proposerIndex: h.proposer_index,
        parentRoot: h.parent_root,
        stateRoot: h.state_root,
        bodyRoot: h.body_root,
    }
}

/// The contract's execution facts of a header.
pub fn execution(e: &OnchainExecution) -> EthereumLightClient::Execution {
    EthereumLightClient::Execution {
        stateRoot: e.state_root,
        stateRootBranch: e.state_root_branch.clone(),
        blockNumber: e.block_number,
        blockNumberBranch: e.block_number_branch.clone(),
    }
}

/// The contract's committee (calldata form).
pub fn committee(c: &OnchainCommittee) -> EthereumLightClient::Committee {
    EthereumLightClient::Committee {
        root: c.committee_root,
        pubkeysRoot: c.pubkeys_root,
        aggregatePubkey: c.aggregate_pubkey.clone(),
    }
}

/// The contract's update.
pub fn update(u: &OnchainUpdate) -> EthereumLightClient::Update {
    let (next_pubkeys_root, next_aggregate, next_branch) = match &u.next_committee {
        Some(n) => (
            n.committee.pubkeys_root,
            n.committee.aggregate_pubkey.clone(),
            n.branch.clone(),
        ),
        None => (B256::ZERO, Bytes::new(), Vec::new()),
    };
    EthereumLightClient::Update {
        signers: committee(&u.signers),
        attested: header(&u.attested),
        finalized: header(&u.finalized),
        finalityBranch: u.finality_branch.clone(),
        finalizedExecution: execution(&u.finalized_execution),
        nextPubkeysRoot: next_pubkeys_root,
        nextAggregatePubkey: next_aggregate,
        nextCommitteeBranch: next_branch,
        signatureSlot: u.signature_slot,
        participation: u.participation.clone(),
        signature: u.signature.clone(),
        nonSigners: u
            .non_signers
            .iter()
            .map(|n| EthereumLightClient::NonSigner {
                index: U256::from(n.index),
                pubkey: n.pubkey.clone(),
                branch: n.branch.clone(),
            })
            .collect(),
    }
}

/// Deploys an `EthereumLightClient` trusting the block `trusted_root`, whose bootstrap is
/// `bootstrap` (checked by the contract against the root). Returns its address.
pub async fn deploy_light_client(
    provider: &DynProvider,
    config: &ChainConfig,
    trusted_root: B256,
    bootstrap: &LightClientBootstrap,
) -> Result<Address> {
    let invalid = |reason: String| Error::Reverted {
        endpoint: "deploy".into(),
        operation: "EthereumLightClient deployment",
        reason,
    };
    let current = OnchainCommittee::of(&bootstrap.current_sync_committee)
        .map_err(|e| invalid(format!("bootstrap committee: {e}")))?;
    let exec = OnchainExecution::of(&bootstrap.header, config)
        .map_err(|e| invalid(format!("bootstrap execution header: {e}")))?;
    let deployed = EthereumLightClient::deploy(
        provider.clone(),
        chain_params(config),
        trusted_root,
        header(&OnchainHeader::of(&bootstrap.header)),
        committee(&current),
        Bytes::from(bootstrap.current_sync_committee.aggregate_pubkey.to_vec()),
        bootstrap.current_sync_committee_branch.clone(),
        execution(&exec),
    )
    .await
    .map_err(|e| match e.as_revert_data() {
        Some(data) => invalid(decode_revert(&data)),
        None => invalid(e.to_string()),
    })?;
    Ok(*deployed.address())
}

/// What the destination's light client holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LightClientState {
    /// The newest finalized beacon slot.
    pub finalized_slot: u64,
    /// The newest origin execution block whose state root it holds.
    pub latest_execution_block: u64,
}

/// A contract handle that sends transactions from one account: the struct, its `Debug` (no
/// key), `new(rpc, address, signer)` and `address()`.
macro_rules! signing_handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            provider: alloy::providers::DynProvider,
            endpoint: String,
            address: alloy::primitives::Address,
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("endpoint", &self.endpoint)
                    .field("address", &self.address)
                    .finish_non_exhaustive()
            }
        }

        impl $name {
            /// The contract at `address` on the chain at `rpc`, sending as `signer`.
            pub fn new(
                rpc: &url::Url,
                address: alloy::primitives::Address,
                signer: alloy::signers::local::PrivateKeySigner,
            ) -> Self {
                let (provider, endpoint) = $crate::lightclient::signing(rpc, signer);
                Self {
                    provider,
                    endpoint,
                    address,
                }
            }

            /// The contract's address.
            pub fn address(&self) -> alloy::primitives::Address {
                self.address
            }
        }
    };
}
pub(crate) use signing_handle;

signing_handle!(
    /// A destination chain's `EthereumLightClient`, read and fed through an account of its own
    /// (so that its transactions never compete with the delivery pipeline's nonces).
    EvmLightClient
);

impl EvmLightClient {
    fn contract(&self) -> EthereumLightClient::EthereumLightClientInstance<DynProvider> {
        EthereumLightClient::new(self.address, self.provider.clone())
    }

    /// What it holds now.
    pub async fn state(&self) -> Result<LightClientState> {
        let c = self.contract();
        let finalized_slot = c
            .finalizedSlot()
            .call()
            .await
            .map_err(|e| self.error("EthereumLightClient.finalizedSlot", &e))?;
        let latest_execution_block = c
            .latestExecutionBlock()
            .call()
            .await
            .map_err(|e| self.error("EthereumLightClient.latestExecutionBlock", &e))?;
        Ok(LightClientState {
            finalized_slot,
            latest_execution_block,
        })
    }

    /// Whether it knows the sync committee of `period`.
    pub async fn knows_committee(&self, period: u64) -> Result<bool> {
        let h = self
            .contract()
            .committeeHash(U256::from(period))
            .call()
            .await
            .map_err(|e| self.error("EthereumLightClient.committeeHash", &e))?;
        Ok(h != B256::ZERO)
    }

    /// Applies `update` (simulated first). Returns the block it landed in, or `None` when the
    /// contract has nothing to learn from it (`UpdateNotNewer`: a finalized header it is past and
    /// no committee it lacks) and nothing was sent. Any other refusal is an error naming it.
    pub async fn submit(&self, u: &OnchainUpdate) -> Result<Option<u64>> {
        let contract = self.contract();
        let call = contract.update(update(u));
        if let Err(e) = call.estimate_gas().await {
            let err = self.error("EthereumLightClient.update", &e);
            if let Error::Reverted { reason, .. } = &err
                && reason.contains("UpdateNotNewer")
            {
                return Ok(None);
            }
            return Err(err);
        }
        let receipt = call
            .send()
            .await
            .map_err(|e| self.error("EthereumLightClient.update", &e))?
            .get_receipt()
            .await
            .map_err(|e| Error::Rpc {
                endpoint: self.endpoint.clone(),
                operation: "EthereumLightClient.update receipt",
                message: e.to_string(),
                retryable: true,
            })?;
        if !receipt.status() {
            return Err(Error::Reverted {
                endpoint: self.endpoint.clone(),
                operation: "EthereumLightClient.update",
                reason: format!("transaction {} reverted", receipt.transaction_hash),
            });
        }
        Ok(receipt.block_number)
    }

    fn error(&self, operation: &'static str, e: &alloy::contract::Error) -> Error {
        contract_error(&self.endpoint, operation, e)
    }
}

/// A `commitRoot()` on the origin: the root now in the Mailbox's `committedRoot` slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commit {
    /// The root written.
    pub root: B256,
    /// How many messages it covers.
    pub count: u32,
    /// The block it was written in.
    pub block: u64,
}

signing_handle!(
    /// The origin Mailbox's `commitRoot()`, sent from an account of the light-client relay's.
    RootCommitter
);

impl RootCommitter {
    /// Calls `commitRoot()` and waits for its receipt.
    pub async fn commit(&self) -> Result<Commit> {
        let receipt = Mailbox::new(self.address, self.provider.clone())
            .commitRoot()
            .send()
            .await
            .map_err(|e| contract_error(&self.endpoint, "Mailbox.commitRoot", &e))?
            .get_receipt()
            .await
            .map_err(|e| Error::Rpc {
                endpoint: self.endpoint.clone(),
                operation: "Mailbox.commitRoot receipt",
                message: e.to_string(),
                retryable: true,
            })?;
        let block = receipt.block_number.unwrap_or_default();
        receipt
            .inner
            .logs()
            .iter()
            .find_map(|l| Mailbox::RootCommitted::decode_log(&l.inner).ok())
            .map(|e| Commit {
                root: e.data.root,
                count: e.data.count,
                block,
            })
            .ok_or_else(|| Error::Reverted {
                endpoint: self.endpoint.clone(),
                operation: "Mailbox.commitRoot",
                reason: format!(
                    "transaction {} emitted no RootCommitted",
                    receipt.transaction_hash
                ),
            })
    }

    /// The newest `commitRoot()` in a block at or before `block` (looking back at most 50,000
    /// blocks), or `None`.
    pub async fn last_commit(&self, block: u64) -> Result<Option<Commit>> {
        let filter = Filter::new()
            .address(self.address)
            .event_signature(Mailbox::RootCommitted::SIGNATURE_HASH);
        let Some(log) = newest_log(
            &self.provider,
            &self.endpoint,
            filter,
            block,
            COMMIT_LOOKBACK_BLOCKS,
        )
        .await?
        else {
            return Ok(None);
        };
        let e = Mailbox::RootCommitted::decode_log(&log.inner).map_err(|e| Error::BadLog {
            endpoint: self.endpoint.clone(),
            tx: format!("{:?}", log.transaction_hash),
            reason: e.to_string(),
        })?;
        Ok(Some(Commit {
            root: e.data.root,
            count: e.data.count,
            block: log.block_number.unwrap_or(block),
        }))
    }

    /// The newest block number.
    pub async fn head(&self) -> Result<u64> {
        self.provider
            .get_block_number()
            .await
            .map_err(|e| rpc_error(&self.endpoint, "eth_blockNumber", &e))
    }
}

/// A provider that signs as `signer` (filling nonces, gas and fees itself), and the endpoint
/// without credentials, for errors.
pub(crate) fn signing(rpc: &Url, signer: PrivateKeySigner) -> (DynProvider, String) {
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(rpc.clone())
        .erased();
    (provider, crate::evm::redact(rpc))
}

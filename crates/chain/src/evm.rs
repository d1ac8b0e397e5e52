//! The EVM implementation of [`OriginMailbox`] and [`DestinationMailbox`], on an alloy provider
//! (stored as `DynProvider`) and the contract bindings of `courier-bindings`.

use alloy::{
    contract,
    eips::eip2718::Encodable2718,
    eips::{BlockId, BlockNumberOrTag},
    network::{Ethereum, EthereumWallet, NetworkWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
    sol_types::{SolEvent, SolInterface},
    transports::TransportError,
};
use async_trait::async_trait;
use courier_bindings::{CommitteeVerifier, IVerifier, Mailbox};
use courier_core::{Committee, Message, message::address_to_bytes32};
use url::Url;

use crate::{
    BatchOutcome, BlockRef, CommittedRoots, Delivery, DestinationMailbox, DispatchedMessage, Error,
    Fees, Finality, LightClientRoute, MessageOutcome, OptimisticClaim, OriginMailbox, Result,
    SignedTx, VerifierKind,
};

/// The Mailbox's storage slot of `committedRoot` (`Mailbox.COMMITTED_ROOT_SLOT`).
pub const COMMITTED_ROOT_SLOT: u64 = 37;

/// An origin Mailbox's committed root at a block, with the account and storage proofs of it
/// (`eth_getProof`), checked against the block's state root when fetched: what a light-client
/// verifier's proof mode `0x03` carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedRootProof {
    /// The block the proofs are for.
    pub block_number: u64,
    /// Its state root.
    pub state_root: B256,
    /// The root in the `committedRoot` slot (zero before the first `commitRoot()`).
    pub root: B256,
    /// The Mailbox's account proof (RLP nodes, root first).
    pub account_proof: Vec<Bytes>,
    /// The proof of the `committedRoot` slot in the Mailbox's storage.
    pub storage_proof: Vec<Bytes>,
}

/// Checks that `proof` proves `account` (the Mailbox's nonce, balance, storage root and code
/// hash) under `proof.state_root`, and `proof.root` in its `committedRoot` slot; the error says
/// which step failed.
pub fn verify_committed_root(
    mailbox: Address,
    account: &alloy_trie::TrieAccount,
    proof: &CommittedRootProof,
) -> std::result::Result<(), String> {
    use alloy_trie::{Nibbles, proof::verify_proof};
    verify_proof(
        proof.state_root,
        Nibbles::unpack(keccak256(mailbox)),
        Some(alloy_rlp::encode(account)),
        &proof.account_proof,
    )
    .map_err(|e| format!("account proof: {e}"))?;
    let slot = B256::from(alloy::primitives::U256::from(COMMITTED_ROOT_SLOT));
    let value = alloy::primitives::U256::from_be_bytes(proof.root.0);
    let expected = (!value.is_zero()).then(|| alloy_rlp::encode(value));
    verify_proof(
        account.storage_root,
        Nibbles::unpack(keccak256(slot)),
        expected,
        &proof.storage_proof,
    )
    .map_err(|e| format!("storage proof of slot {COMMITTED_ROOT_SLOT}: {e}"))
}

/// How far back [`DestinationMailbox::delivery`] looks for a `Process` event, and in what steps
/// (see [`newest_log`]).
const DELIVERY_LOOKBACK_BLOCKS: u64 = 50_000;
const LOGS_RANGE_BLOCKS: u64 = 2_000;
/// How far back [`DestinationMailbox::optimistic_claims`] looks for claims (one `eth_getLogs`).
const CLAIM_LOOKBACK_BLOCKS: u64 = 2_000;

/// One chain's Mailbox seen through an RPC endpoint.
#[derive(Clone)]
pub struct EvmMailbox {
    provider: DynProvider,
    endpoint: String,
    domain: u64,
    mailbox: Address,
    finality: Finality,
    sender: Option<Address>,
    wallet: Option<EthereumWallet>,
}

impl std::fmt::Debug for EvmMailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvmMailbox")
            .field("endpoint", &self.endpoint)
            .field("domain", &self.domain)
            .field("mailbox", &self.mailbox)
            .field("finality", &self.finality)
            .field("sender", &self.sender)
            .finish()
    }
}

impl EvmMailbox {
    /// Connects to `rpc`, checks that the node serves chain `domain`, and reads the Mailbox at
    /// `mailbox` with the given finality rule. With a `signer`, the handle can also deliver.
    pub async fn connect(
        rpc: &Url,
        domain: u64,
        mailbox: Address,
        finality: Finality,
        signer: Option<PrivateKeySigner>,
    ) -> Result<Self> {
        let endpoint = redact(rpc);
        let sender = signer.as_ref().map(|s| s.address());
        let wallet = signer.map(EthereumWallet::from);
        // Transactions are signed here and sent raw, so the provider needs no wallet or fillers.
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_http(rpc.clone())
            .erased();
        let actual = provider
            .get_chain_id()
            .await
            .map_err(|e| rpc_error(&endpoint, "eth_chainId", &e))?;
        if actual != domain {
            return Err(Error::WrongChain {
                endpoint,
                expected: domain,
                actual,
            });
        }
        Ok(Self {
            provider,
            endpoint,
            domain,
            mailbox,
            finality,
            sender,
            wallet,
        })
    }

    /// The endpoint this handle talks to (credentials removed), for logs.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The Mailbox address.
    pub fn mailbox_address(&self) -> Address {
        self.mailbox
    }

    /// The Mailbox's `committedRoot` at `block_number` with its `eth_getProof` proofs, checked
    /// here against the block's state root before anyone relies on them (a node that answers with
    /// a proof of something else is an error naming the endpoint).
    pub async fn committed_root_proof(&self, block_number: u64) -> Result<CommittedRootProof> {
        let slot = B256::from(alloy::primitives::U256::from(COMMITTED_ROOT_SLOT));
        let response = self
            .provider
            .get_proof(self.mailbox, vec![slot])
            .block_id(block_number.into())
            .await
            .map_err(|e| rpc_error(&self.endpoint, "eth_getProof", &e))?;
        let block = self
            .provider
            .get_block_by_number(block_number.into())
            .await
            .map_err(|e| rpc_error(&self.endpoint, "eth_getBlockByNumber", &e))?
            .ok_or_else(|| Error::MissingBlock {
                endpoint: self.endpoint.clone(),
                number: block_number,
            })?;
        let bad = |reason: String| Error::BadProof {
            endpoint: self.endpoint.clone(),
            what: format!(
                "committedRoot of Mailbox {} at block {block_number}",
                self.mailbox
            ),
            reason,
        };
        let storage = response
            .storage_proof
            .first()
            .ok_or_else(|| bad("no storage proof in the answer".into()))?;
        let proof = CommittedRootProof {
            block_number,
            state_root: block.header.state_root,
            root: B256::from(storage.value.to_be_bytes::<32>()),
            account_proof: response.account_proof.clone(),
            storage_proof: storage.proof.clone(),
        };
        let account = alloy_trie::TrieAccount {
            nonce: response.nonce,
            balance: response.balance,
            storage_root: response.storage_hash,
            code_hash: response.code_hash,
        };
        verify_committed_root(self.mailbox, &account, &proof).map_err(bad)?;
        Ok(proof)
    }

    /// The underlying provider, for callers that need plain RPC.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    async fn block_by(&self, tag: BlockNumberOrTag, number_for_error: u64) -> Result<BlockRef> {
        let block = self
            .provider
            .get_block_by_number(tag)
            .await
            .map_err(|e| rpc_error(&self.endpoint, "eth_getBlockByNumber", &e))?
            .ok_or_else(|| Error::MissingBlock {
                endpoint: self.endpoint.clone(),
                number: number_for_error,
            })?;
        Ok(BlockRef {
            number: block.header.number,
            hash: block.header.hash,
            timestamp: block.header.timestamp,
        })
    }

    fn contract_error(&self, operation: &'static str, error: &contract::Error) -> Error {
        contract_error(&self.endpoint, operation, error)
    }

    fn mailbox_contract(&self) -> Mailbox::MailboxInstance<DynProvider> {
        Mailbox::new(self.mailbox, self.provider.clone())
    }
}

#[async_trait]
impl CommittedRoots for EvmMailbox {
    fn domain(&self) -> u64 {
        self.domain
    }

    async fn committed_root_proof(&self, block: u64) -> Result<CommittedRootProof> {
        EvmMailbox::committed_root_proof(self, block).await
    }
}

#[async_trait]
impl OriginMailbox for EvmMailbox {
    fn domain(&self) -> u64 {
        self.domain
    }

    fn mailbox(&self) -> B256 {
        address_to_bytes32(self.mailbox)
    }

    async fn head(&self) -> Result<BlockRef> {
        self.block_by(BlockNumberOrTag::Latest, u64::MAX).await
    }

    async fn finalized(&self) -> Result<BlockRef> {
        match self.finality {
            Finality::Depth(depth) => {
                let head = self
                    .provider
                    .get_block_number()
                    .await
                    .map_err(|e| rpc_error(&self.endpoint, "eth_blockNumber", &e))?;
                let number = head.saturating_sub(depth);
                self.block(number).await
            }
            Finality::Finalized => self.block_by(BlockNumberOrTag::Finalized, u64::MAX).await,
        }
    }

    async fn block(&self, number: u64) -> Result<BlockRef> {
        self.block_by(BlockNumberOrTag::Number(number), number)
            .await
    }

    async fn dispatches(&self, from: u64, to: u64) -> Result<Vec<DispatchedMessage>> {
        let filter = Filter::new()
            .address(self.mailbox)
            .event_signature(Mailbox::Dispatch::SIGNATURE_HASH)
            .from_block(from)
            .to_block(to);
        let logs = self
            .provider
            .get_logs(&filter)
            .await
            .map_err(|e| rpc_error(&self.endpoint, "eth_getLogs", &e))?;
        let mut out = Vec::with_capacity(logs.len());
        for log in logs {
            let tx_hash = log.transaction_hash.unwrap_or_default();
            let bad = |reason: String| Error::BadLog {
                endpoint: self.endpoint.clone(),
                tx: tx_hash.to_string(),
                reason,
            };
            if log.removed {
                continue;
            }
            let (Some(block_number), Some(block_hash), Some(log_index)) =
                (log.block_number, log.block_hash, log.log_index)
            else {
                return Err(bad(
                    "log without block number, hash or index (pending?)".into()
                ));
            };
            let event =
                Mailbox::Dispatch::decode_log(&log.inner).map_err(|e| bad(e.to_string()))?;
            let encoded = event.data.message.to_vec();
            let id = keccak256(&encoded);
            if id != event.data.id {
                return Err(bad(format!(
                    "event id {} is not the hash of its message {id}",
                    event.data.id
                )));
            }
            let message = Message::decode(&encoded).map_err(|e| bad(e.to_string()))?;
            out.push(DispatchedMessage {
                message,
                id,
                encoded,
                block_number,
                block_hash,
                tx_hash,
                log_index,
            });
        }
        Ok(out)
    }

    async fn checkpoint_at(&self, at: u64) -> Result<Option<(B256, u32)>> {
        let mailbox = self.mailbox_contract();
        let block = BlockId::number(at);
        let count = match mailbox.count().block(block).call().await {
            Ok(count) => count,
            // No code at the Mailbox's address at that block: it was deployed later, so nothing
            // was dispatched yet as of `at`.
            Err(contract::Error::ZeroData(..)) => return Ok(None),
            Err(e) => return Err(self.contract_error("Mailbox.count", &e)),
        };
        if count == 0 {
            return Ok(None);
        }
        let checkpoint = mailbox
            .latestCheckpoint()
            .block(block)
            .call()
            .await
            .map_err(|e| self.contract_error("Mailbox.latestCheckpoint", &e))?;
        Ok(Some((checkpoint._0, checkpoint._1)))
    }
}

#[async_trait]
impl DestinationMailbox for EvmMailbox {
    fn domain(&self) -> u64 {
        self.domain
    }

    async fn delivered(&self, origin: u64, recipient: Address, nonce: u32) -> Result<bool> {
        self.mailbox_contract()
            .delivered(origin, recipient, nonce)
            .call()
            .await
            .map_err(|e| self.contract_error("Mailbox.delivered", &e))
    }

    async fn delivery(&self, id: B256, before: u64) -> Result<Option<Delivery>> {
        let filter = Filter::new()
            .address(self.mailbox)
            .event_signature(Mailbox::Process::SIGNATURE_HASH)
            .topic1(id);
        let found = newest_log(
            &self.provider,
            &self.endpoint,
            filter,
            before,
            DELIVERY_LOOKBACK_BLOCKS,
        )
        .await?;
        Ok(found.and_then(|log| {
            Some(Delivery {
                tx: log.transaction_hash?,
                block: log.block_number?,
            })
        }))
    }

    async fn verifier_of(&self, recipient: Address) -> Result<Address> {
        self.mailbox_contract()
            .verifierOf(recipient)
            .call()
            .await
            .map_err(|e| self.contract_error("Mailbox.verifierOf", &e))
    }

    async fn verifier_kind(&self, verifier: Address) -> Result<VerifierKind> {
        let kind = IVerifier::new(verifier, self.provider.clone())
            .kind()
            .call()
            .await
            .map_err(|e| self.contract_error("IVerifier.kind", &e))?;
        Ok(VerifierKind::from(kind))
    }

    async fn committee(&self, verifier: Address, origin: u64) -> Result<Option<Committee>> {
        let c = CommitteeVerifier::new(verifier, self.provider.clone())
            .committee(origin)
            .call()
            .await
            .map_err(|e| self.contract_error("CommitteeVerifier.committee", &e))?;
        if c.commitment == B256::ZERO {
            return Ok(None);
        }
        let committee =
            Committee::new(c.originMailbox, c.threshold, c.validators).map_err(|e| {
                Error::Reverted {
                    endpoint: self.endpoint.clone(),
                    operation: "CommitteeVerifier.committee",
                    reason: format!("the verifier holds a committee this code refuses: {e}"),
                }
            })?;
        if committee.commitment() != c.commitment {
            return Err(Error::Reverted {
                endpoint: self.endpoint.clone(),
                operation: "CommitteeVerifier.committee",
                reason: format!(
                    "commitment {} does not match the committee it describes ({})",
                    c.commitment,
                    committee.commitment()
                ),
            });
        }
        Ok(Some(committee))
    }

    async fn light_client_route(
        &self,
        verifier: Address,
        origin: u64,
    ) -> Result<Option<LightClientRoute>> {
        let route = courier_bindings::LightClientVerifier::new(verifier, self.provider.clone())
            .routes(origin)
            .call()
            .await
            .map_err(|e| self.contract_error("LightClientVerifier.routes", &e))?;
        if route.client == Address::ZERO {
            return Ok(None);
        }
        Ok(Some(LightClientRoute {
            client: route.client,
            mailbox: route.mailbox,
        }))
    }

    async fn light_client_head(&self, client: Address) -> Result<u64> {
        courier_bindings::EthereumLightClient::new(client, self.provider.clone())
            .latestExecutionBlock()
            .call()
            .await
            .map_err(|e| self.contract_error("EthereumLightClient.latestExecutionBlock", &e))
    }

    async fn optimistic_claims(
        &self,
        verifier: Address,
        origin: u64,
    ) -> Result<Vec<OptimisticClaim>> {
        use courier_bindings::OptimisticVerifier;
        let head = self
            .provider
            .get_block_number()
            .await
            .map_err(|e| rpc_error(&self.endpoint, "eth_blockNumber", &e))?;
        let filter = Filter::new()
            .address(verifier)
            .event_signature(OptimisticVerifier::ClaimPosted::SIGNATURE_HASH)
            .topic1(B256::from(alloy::primitives::U256::from(origin)))
            .from_block(head.saturating_sub(CLAIM_LOOKBACK_BLOCKS))
            .to_block(head);
        let logs = self
            .provider
            .get_logs(&filter)
            .await
            .map_err(|e| rpc_error(&self.endpoint, "eth_getLogs", &e))?;
        let contract = OptimisticVerifier::new(verifier, self.provider.clone());
        let mut claims = Vec::with_capacity(logs.len());
        for log in logs.iter().filter(|l| !l.removed) {
            let e = OptimisticVerifier::ClaimPosted::decode_log(&log.inner).map_err(|e| {
                Error::BadLog {
                    endpoint: self.endpoint.clone(),
                    tx: format!("{:?}", log.transaction_hash),
                    reason: e.to_string(),
                }
            })?;
            let state = contract
                .claims(origin, e.data.root)
                .call()
                .await
                .map_err(|e| self.contract_error("OptimisticVerifier.claims", &e))?;
            claims.push(OptimisticClaim {
                root: e.data.root,
                index: e.data.index,
                proposer: e.data.proposer,
                ready_at: e.data.readyAt.to::<u64>(),
                vetoed: state.vetoed,
                signature: e.data.signature.clone(),
            });
        }
        Ok(claims)
    }

    async fn routed_verifier(&self, verifier: Address, origin: u64) -> Result<Option<Address>> {
        let routed = courier_bindings::RoutingVerifier::new(verifier, self.provider.clone())
            .routes(origin)
            .call()
            .await
            .map_err(|e| self.contract_error("RoutingVerifier.routes", &e))?;
        Ok((routed != Address::ZERO).then_some(routed))
    }

    async fn aggregation(&self, verifier: Address) -> Result<(Vec<Address>, u8)> {
        let contract = courier_bindings::AggregationVerifier::new(verifier, self.provider.clone());
        let subs = contract
            .subVerifiers()
            .call()
            .await
            .map_err(|e| self.contract_error("AggregationVerifier.subVerifiers", &e))?;
        let threshold = contract
            .threshold()
            .call()
            .await
            .map_err(|e| self.contract_error("AggregationVerifier.threshold", &e))?;
        Ok((subs, threshold))
    }

    /// The pending block's timestamp: when a transaction sent now would execute.
    async fn now(&self) -> Result<u64> {
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Pending)
            .await
            .map_err(|e| rpc_error(&self.endpoint, "eth_getBlockByNumber", &e))?
            .ok_or_else(|| Error::MissingBlock {
                endpoint: self.endpoint.clone(),
                number: 0,
            })?;
        Ok(block.header.timestamp)
    }

    async fn root_accepted(&self, verifier: Address, origin: u64, root: B256) -> Result<bool> {
        CommitteeVerifier::new(verifier, self.provider.clone())
            .acceptedRoot(origin, root)
            .call()
            .await
            .map_err(|e| self.contract_error("RootCacheVerifier.acceptedRoot", &e))
    }

    async fn simulate(&self, proof: &[u8], messages: &[Vec<u8>]) -> Result<u64> {
        let from = self.sender.ok_or_else(|| Error::NoSigner {
            endpoint: self.endpoint.clone(),
            operation: "simulate a delivery",
        })?;
        let messages: Vec<Bytes> = messages.iter().map(|m| Bytes::copy_from_slice(m)).collect();
        self.mailbox_contract()
            .processBatch(Bytes::copy_from_slice(proof), messages)
            .from(from)
            // Against the block the transaction will be in: a claim that matures there can be
            // proven in it.
            .block(BlockId::pending())
            .estimate_gas()
            .await
            .map_err(|e| self.contract_error("Mailbox.processBatch (simulation)", &e))
    }

    async fn suggest_fees(&self) -> Result<Fees> {
        let estimate = self
            .provider
            .estimate_eip1559_fees()
            .await
            .map_err(|e| rpc_error(&self.endpoint, "fee estimation", &e))?;
        Ok(Fees {
            max_fee_per_gas: estimate.max_fee_per_gas,
            max_priority_fee_per_gas: estimate.max_priority_fee_per_gas,
        })
    }

    async fn sign_delivery(
        &self,
        proof: &[u8],
        messages: &[Vec<u8>],
        nonce: u64,
        gas_limit: u64,
        fees: Fees,
    ) -> Result<SignedTx> {
        let (Some(wallet), Some(from)) = (&self.wallet, self.sender) else {
            return Err(Error::NoSigner {
                endpoint: self.endpoint.clone(),
                operation: "sign a delivery",
            });
        };
        let messages: Vec<Bytes> = messages.iter().map(|m| Bytes::copy_from_slice(m)).collect();
        let request = self
            .mailbox_contract()
            .processBatch(Bytes::copy_from_slice(proof), messages)
            .into_transaction_request()
            .with_from(from)
            .with_nonce(nonce)
            .with_gas_limit(gas_limit)
            .with_chain_id(self.domain)
            .with_max_fee_per_gas(fees.max_fee_per_gas)
            .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
        let envelope = <EthereumWallet as NetworkWallet<Ethereum>>::sign_request(wallet, request)
            .await
            .map_err(|e| Error::Rpc {
                endpoint: self.endpoint.clone(),
                operation: "sign a delivery",
                message: e.to_string(),
                retryable: false,
            })?;
        Ok(SignedTx {
            hash: *envelope.tx_hash(),
            raw: envelope.encoded_2718(),
            nonce,
            gas_limit,
            fees,
        })
    }

    async fn broadcast(&self, tx: &SignedTx) -> Result<()> {
        match self.provider.send_raw_transaction(&tx.raw).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let text = e.to_string();
                match broadcast_refusal(&text) {
                    // Sent before (a retry after a crash or a timeout): the node has it.
                    Some(Refusal::Known) => Ok(()),
                    Some(Refusal::NonceTaken) => Err(Error::NonceTaken {
                        endpoint: self.endpoint.clone(),
                        nonce: tx.nonce,
                        message: text,
                    }),
                    None => Err(rpc_error(&self.endpoint, "eth_sendRawTransaction", &e)),
                }
            }
        }
    }

    async fn outcome(&self, tx: B256, confirmations: u64) -> Result<Option<BatchOutcome>> {
        let Some(receipt) = self
            .provider
            .get_transaction_receipt(tx)
            .await
            .map_err(|e| rpc_error(&self.endpoint, "eth_getTransactionReceipt", &e))?
        else {
            return Ok(None);
        };
        let (Some(number), Some(hash)) = (receipt.block_number, receipt.block_hash) else {
            return Ok(None);
        };
        let head = self
            .provider
            .get_block_number()
            .await
            .map_err(|e| rpc_error(&self.endpoint, "eth_blockNumber", &e))?;
        if head < number + confirmations {
            return Ok(None);
        }
        let block = self.block(number).await?;
        if block.hash != hash {
            // The receipt's block was reorged out; the node will report the new inclusion later.
            return Ok(None);
        }
        let mut messages = Vec::new();
        for log in receipt.inner.logs() {
            if log.address() != self.mailbox {
                continue;
            }
            if let Ok(e) = Mailbox::Process::decode_log(&log.inner) {
                messages.push(MessageOutcome::Delivered { id: e.data.id });
            } else if let Ok(e) = Mailbox::ProcessFailed::decode_log(&log.inner) {
                messages.push(MessageOutcome::Failed {
                    id: e.data.id,
                    reason: e.data.reason.clone(),
                });
            }
        }
        Ok(Some(BatchOutcome {
            tx,
            block,
            success: receipt.status(),
            gas_used: receipt.gas_used,
            messages,
        }))
    }

    async fn account_nonce(&self) -> Result<u64> {
        let sender = self.sender.ok_or_else(|| Error::NoSigner {
            endpoint: self.endpoint.clone(),
            operation: "read the account nonce",
        })?;
        self.provider
            .get_transaction_count(sender)
            .pending()
            .await
            .map_err(|e| rpc_error(&self.endpoint, "eth_getTransactionCount", &e))
    }

    fn sender(&self) -> Address {
        self.sender.unwrap_or(Address::ZERO)
    }
}

/// Decodes revert data into a readable reason: a Courier custom error (Mailbox, committee,
/// light-client, optimistic or aggregation verifier, light client, proposer bond) by name and fields, `Error(string)`, or the raw hex.
pub fn decode_revert(data: &[u8]) -> String {
    if let Ok(e) = Mailbox::MailboxErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(e) = CommitteeVerifier::CommitteeVerifierErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(e) =
        courier_bindings::LightClientVerifier::LightClientVerifierErrors::abi_decode(data)
    {
        return format!("{e:?}");
    }
    if let Ok(e) =
        courier_bindings::EthereumLightClient::EthereumLightClientErrors::abi_decode(data)
    {
        return format!("{e:?}");
    }
    if let Ok(e) = courier_bindings::OptimisticVerifier::OptimisticVerifierErrors::abi_decode(data)
    {
        return format!("{e:?}");
    }
    if let Ok(e) =
        courier_bindings::AggregationVerifier::AggregationVerifierErrors::abi_decode(data)
    {
        return format!("{e:?}");
    }
    if let Ok(e) = courier_bindings::ProposerBond::ProposerBondErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(e) = courier_bindings::ValidatorStaking::ValidatorStakingErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(e) = courier_bindings::RoutingVerifier::RoutingVerifierErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(revert) = <alloy::sol_types::Revert as alloy::sol_types::SolError>::abi_decode(data) {
        return revert.reason;
    }
    if let Ok(panic) = <alloy::sol_types::Panic as alloy::sol_types::SolError>::abi_decode(data) {
        return format!("panic {panic}");
    }
    format!("0x{}", alloy::primitives::hex::encode(data))
}

/// The newest log matching `filter` (its block range is set here) in blocks `before - lookback`
/// to `before`, searched newest first in steps of `LOGS_RANGE_BLOCKS` (many providers refuse
/// `eth_getLogs` over wider ranges). Removed (reorged) logs do not count.
pub(crate) async fn newest_log(
    provider: &DynProvider,
    endpoint: &str,
    filter: Filter,
    before: u64,
    lookback: u64,
) -> Result<Option<alloy::rpc::types::Log>> {
    let floor = before.saturating_sub(lookback);
    let mut to = before;
    loop {
        let from = to.saturating_sub(LOGS_RANGE_BLOCKS - 1).max(floor);
        let logs = provider
            .get_logs(&filter.clone().from_block(from).to_block(to))
            .await
            .map_err(|e| rpc_error(endpoint, "eth_getLogs", &e))?;
        if let Some(log) = logs.into_iter().rev().find(|l| !l.removed) {
            return Ok(Some(log));
        }
        if from <= floor {
            return Ok(None);
        }
        to = from - 1;
    }
}

/// A contract call's error: the decoded revert when the node returned one, else the transport's.
pub(crate) fn contract_error(
    endpoint: &str,
    operation: &'static str,
    error: &contract::Error,
) -> Error {
    if let Some(data) = error.as_revert_data() {
        return Error::Reverted {
            endpoint: endpoint.to_owned(),
            operation,
            reason: decode_revert(&data),
        };
    }
    match error {
        contract::Error::TransportError(e) => rpc_error(endpoint, operation, e),
        other => Error::Rpc {
            endpoint: endpoint.to_owned(),
            operation,
            message: other.to_string(),
            retryable: false,
        },
    }
}

pub(crate) fn rpc_error(endpoint: &str, operation: &'static str, error: &TransportError) -> Error {
    Error::Rpc {
        endpoint: endpoint.to_owned(),
        operation,
        message: error.to_string(),
        // Transport failures (connection refused, timeouts, HTTP 5xx/429) are worth retrying: a node
        // that is down now may be back soon. A JSON-RPC error response is the node's answer.
        retryable: matches!(error, alloy::transports::RpcError::Transport(_)),
    }
}

/// Why a node refused `eth_sendRawTransaction`, when its words say so. Nodes differ: geth says
/// "already known" and "nonce too low", anvil "transaction already imported" and "nonce too low",
/// others "known transaction" or "nonce has already been used".
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    /// The node already has this very transaction.
    Known,
    /// The account's nonce is past the transaction's.
    NonceTaken,
}

fn broadcast_refusal(error: &str) -> Option<Refusal> {
    let text = error.to_lowercase();
    if ["already known", "already imported", "known transaction"]
        .iter()
        .any(|k| text.contains(k))
    {
        Some(Refusal::Known)
    } else if ["nonce too low", "nonce has already been used"]
        .iter()
        .any(|k| text.contains(k))
    {
        Some(Refusal::NonceTaken)
    } else {
        None
    }
}

/// The URL without user info, query or fragment, safe to log.
pub fn redact(url: &Url) -> String {
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.set_query(None);
    clean.set_fragment(None);
    clean.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_refusals_are_read_from_each_node_dialect() {
        for known in [
            "server returned an error response: error code -32000: already known",
            "server returned an error response: error code -32003: transaction already imported",
            "known transaction: 0xabc",
        ] {
            assert_eq!(broadcast_refusal(known), Some(Refusal::Known), "{known}");
        }
        for taken in [
            "error code -32003: nonce too low",
            "nonce has already been used",
        ] {
            assert_eq!(
                broadcast_refusal(taken),
                Some(Refusal::NonceTaken),
                "{taken}"
            );
        }
        assert_eq!(broadcast_refusal("insufficient funds for gas"), None);
    }

    #[test]
    fn redact_removes_credentials_and_query() {
        let url = Url::parse("https://user:secret@rpc.example/v1?key=abc")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(redact(&url), "https://rpc.example/v1");
    }

    #[test]
    fn decode_revert_names_courier_errors() {
        let data = Mailbox::MailboxErrors::AlreadyDelivered(Mailbox::AlreadyDelivered {
            id: B256::repeat_byte(7),
        })
        .abi_encode();
        assert!(
            decode_revert(&data).contains("AlreadyDelivered"),
            "{}",
            decode_revert(&data)
        );
        let data = CommitteeVerifier::CommitteeVerifierErrors::NotEnoughSignatures(
            CommitteeVerifier::NotEnoughSignatures {
                signed: alloy::primitives::U256::from(2),
                threshold: alloy::primitives::U256::from(3),
            },
        )
        .abi_encode();
        assert!(decode_revert(&data).contains("NotEnoughSignatures"));
        assert_eq!(decode_revert(&[0xde, 0xad]), "0xdead");
    }
}

//! In-memory chains and stores for unit tests of the agents: an origin whose blocks, messages and
//! finality the test controls (including reorgs), a destination that checks proofs as the
//! contracts do and counts deliveries, and a checkpoint store in a map.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, PoisonError},
};

use alloy::primitives::{Address, B256, Bytes, keccak256};
use async_trait::async_trait;
use courier_core::{Committee, IncrementalTree, Message, SignedCheckpoint, VerifierProof};

use crate::{
    BatchOutcome, BlockRef, CheckpointStore, Delivery, DestinationMailbox, DispatchedMessage,
    Error, Fees, MessageOutcome, OriginMailbox, Result, SignedTx, VerifierKind,
};

#[derive(Debug, Default)]
struct OriginState {
    /// Block hashes by number; index 0 is the genesis block.
    blocks: Vec<B256>,
    /// Messages by block number.
    messages: Vec<(u64, DispatchedMessage)>,
    finalized: u64,
    fork_salt: u64,
    fail_next: usize,
}

/// An origin chain under the test's control.
#[derive(Debug, Clone)]
pub struct FakeOrigin {
    domain: u64,
    mailbox: B256,
    state: Arc<Mutex<OriginState>>,
}

impl FakeOrigin {
    /// A chain with only a genesis block.
    pub fn new(domain: u64, mailbox: B256) -> Self {
        let state = OriginState {
            blocks: vec![keccak256(domain.to_be_bytes())],
            ..Default::default()
        };
        Self {
            domain,
            mailbox,
            state: Arc::new(Mutex::new(state)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OriginState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Mines a block holding messages with these bodies (from `sender` to `recipient` on
    /// `destination`); returns the block number.
    pub fn mine(&self, bodies: &[&[u8]], destination: u64) -> u64 {
        let mut s = self.lock();
        let number = s.blocks.len() as u64;
        let hash = keccak256([number.to_be_bytes(), s.fork_salt.to_be_bytes()].concat());
        s.blocks.push(hash);
        for (i, body) in bodies.iter().enumerate() {
            let nonce = s.messages.len() as u32;
            let message = Message {
                version: 1,
                nonce,
                origin: self.domain,
                sender: B256::repeat_byte(0x5e),
                destination,
                recipient: B256::left_padding_from(&[0x7e; 20]),
                body: body.to_vec().into(),
            };
            let encoded = message.encode();
            let dispatched = DispatchedMessage {
                id: keccak256(&encoded),
                message,
                encoded,
                block_number: number,
                block_hash: hash,
                tx_hash: keccak256([hash.as_slice(), &(i as u64).to_be_bytes()].concat()),
                log_index: i as u64,
            };
            s.messages.push((number, dispatched));
        }
        number
    }

    /// Declares everything up to `number` final.
    pub fn finalize(&self, number: u64) {
        self.lock().finalized = number;
    }

    /// Replaces the blocks above `keep` with new ones (different hashes), dropping their messages;
    /// then mines `mine` empty blocks on the new branch.
    pub fn reorg(&self, keep: u64, mine: u64) {
        {
            let mut s = self.lock();
            s.blocks.truncate(keep as usize + 1);
            s.messages.retain(|(n, _)| *n <= keep);
            s.fork_salt += 1;
        }
        for _ in 0..mine {
            self.mine(&[], 0);
        }
    }

    /// Makes the next `n` calls fail with a retryable RPC error.
    pub fn fail_next(&self, n: usize) {
        self.lock().fail_next = n;
    }

    /// All messages currently on the chain, in nonce order.
    pub fn messages(&self) -> Vec<DispatchedMessage> {
        self.lock()
            .messages
            .iter()
            .map(|(_, m)| m.clone())
            .collect()
    }

    fn check_failure(&self, operation: &'static str) -> Result<()> {
        let mut s = self.lock();
        if s.fail_next > 0 {
            s.fail_next -= 1;
            return Err(Error::Rpc {
                endpoint: "fake://origin".into(),
                operation,
                message: "injected failure".into(),
                retryable: true,
            });
        }
        Ok(())
    }
}

#[async_trait]
impl OriginMailbox for FakeOrigin {
    fn domain(&self) -> u64 {
        self.domain
    }

    fn mailbox(&self) -> B256 {
        self.mailbox
    }

    async fn head(&self) -> Result<BlockRef> {
        self.check_failure("head")?;
        let n = self.lock().blocks.len() as u64 - 1;
        self.block(n).await
    }

    async fn finalized(&self) -> Result<BlockRef> {
        self.check_failure("finalized")?;
        let n = self.lock().finalized;
        self.block(n).await
    }

    async fn block(&self, number: u64) -> Result<BlockRef> {
        let s = self.lock();
        let hash = s
            .blocks
            .get(number as usize)
            .copied()
            .ok_or(Error::MissingBlock {
                endpoint: "fake://origin".into(),
                number,
            })?;
        Ok(BlockRef {
            number,
            hash,
            timestamp: number,
        })
    }

    async fn dispatches(&self, from: u64, to: u64) -> Result<Vec<DispatchedMessage>> {
        self.check_failure("dispatches")?;
        Ok(self
            .lock()
            .messages
            .iter()
            .filter(|(n, _)| (from..=to).contains(n))
            .map(|(_, m)| m.clone())
            .collect())
    }

    async fn checkpoint_at(&self, at: u64) -> Result<Option<(B256, u32)>> {
        self.check_failure("checkpoint_at")?;
        let s = self.lock();
        let mut tree = IncrementalTree::new();
        for (_, m) in s.messages.iter().filter(|(n, _)| *n <= at) {
            tree.insert(m.id).map_err(|e| Error::BadLog {
                endpoint: "fake://origin".into(),
                tx: m.tx_hash.to_string(),
                reason: e.to_string(),
            })?;
        }
        Ok(tree.checkpoint())
    }
}

/// Checkpoints keyed by (origin, validator, index).
type CheckpointMap = HashMap<(u64, Address, u32), SignedCheckpoint>;

/// Signed checkpoints in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryCheckpointStore {
    inner: Arc<Mutex<CheckpointMap>>,
}

impl MemoryCheckpointStore {
    /// Everything published, in no particular order.
    pub fn all(&self) -> Vec<SignedCheckpoint> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .copied()
            .collect()
    }
}

#[async_trait]
impl CheckpointStore for MemoryCheckpointStore {
    async fn publish(&self, signed: &SignedCheckpoint) -> Result<()> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                (
                    signed.checkpoint.origin,
                    signed.signer,
                    signed.checkpoint.index,
                ),
                *signed,
            );
        Ok(())
    }

    async fn latest(&self, origin: u64, validator: Address) -> Result<Option<SignedCheckpoint>> {
        Ok(self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .filter(|s| s.checkpoint.origin == origin && s.signer == validator)
            .max_by_key(|s| s.checkpoint.index)
            .copied())
    }

    async fn get(
        &self,
        origin: u64,
        validator: Address,
        index: u32,
    ) -> Result<Option<SignedCheckpoint>> {
        Ok(self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(origin, validator, index))
            .copied())
    }
}

/// What a fake signed transaction carries: proof, messages, nonce.
type SignedPayload = (Vec<u8>, Vec<Vec<u8>>, u64);

#[derive(Debug, Default)]
struct DestinationState {
    committees: HashMap<u64, Committee>,
    accepted: HashMap<u64, Vec<B256>>,
    delivered: HashSet<(u64, Address, u32)>,
    deliveries: HashMap<B256, u32>,
    delivered_by: HashMap<B256, Delivery>,
    failing_recipients: HashSet<Address>,
    paused_routes: HashSet<u64>,
    outcomes: HashMap<B256, BatchOutcome>,
    nonce: u64,
    block: u64,
    submissions: u64,
    signed: HashMap<B256, SignedPayload>,
    drop_broadcasts: usize,
    refuse_after_landing: usize,
}

/// A destination Mailbox with one committee verifier, checking proofs exactly as the contracts do
/// (through `VerifierProof::verify`, the Rust copy of the verifier's checks) and recording every
/// delivery, so tests can assert "delivered exactly once".
#[derive(Debug, Clone)]
pub struct FakeDestination {
    domain: u64,
    verifier: Address,
    sender: Address,
    state: Arc<Mutex<DestinationState>>,
}

impl FakeDestination {
    /// A destination whose every recipient uses `verifier` (a committee verifier).
    pub fn new(domain: u64, verifier: Address, sender: Address) -> Self {
        Self {
            domain,
            verifier,
            sender,
            state: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DestinationState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the committee the verifier holds for `origin`.
    pub fn set_committee(&self, origin: u64, committee: Committee) {
        self.lock().committees.insert(origin, committee);
    }

    /// Marks `root` accepted for `origin`, as a verifier that proved it by other means would
    /// (a light client's storage proof, say).
    pub fn accept_root(&self, origin: u64, root: B256) {
        self.lock().accepted.entry(origin).or_default().push(root);
    }

    /// Pauses (or resumes) deliveries from `origin`, as a guardian's `pauseRoute` does: every
    /// delivery from it reverts with `RoutePaused`.
    pub fn set_route_paused(&self, origin: u64, paused: bool) {
        let mut s = self.lock();
        if paused {
            s.paused_routes.insert(origin);
        } else {
            s.paused_routes.remove(&origin);
        }
    }

    /// Makes `recipient` revert (or stop reverting).
    pub fn set_failing(&self, recipient: Address, failing: bool) {
        let mut s = self.lock();
        if failing {
            s.failing_recipients.insert(recipient);
        } else {
            s.failing_recipients.remove(&recipient);
        }
    }

    /// How many times the message `id` was handled by its recipient.
    pub fn times_delivered(&self, id: B256) -> u32 {
        self.lock().deliveries.get(&id).copied().unwrap_or(0)
    }

    /// Makes the next `n` broadcasts vanish (the node accepts them, they never land).
    pub fn drop_next_broadcasts(&self, n: usize) {
        self.lock().drop_broadcasts = n;
    }

    /// Makes the next `n` broadcasts land and still answer [`Error::NonceTaken`], as a node does
    /// when a transaction is sent again after it was mined.
    pub fn refuse_next_broadcasts_after_landing(&self, n: usize) {
        self.lock().refuse_after_landing = n;
    }

    /// Another relayer sends the same proof and messages as the signed transaction `tx` from its
    /// own account (a copy seen in the mempool, say): it lands in a block of its own, in a
    /// transaction this relayer never saw, and leaves this relayer's nonce alone. Returns that
    /// transaction's hash.
    pub fn deliver_as_another_relayer(&self, tx: B256) -> Result<B256> {
        let (proof, messages, _) =
            self.lock()
                .signed
                .get(&tx)
                .cloned()
                .ok_or_else(|| Error::Rpc {
                    endpoint: "fake://destination".into(),
                    operation: "copy a transaction",
                    message: format!("unknown transaction {tx}"),
                    retryable: false,
                })?;
        let (proof, decoded) = self.check(&proof, &messages)?;
        let mut s = self.lock();
        s.block += 1;
        let block = s.block;
        let tx = keccak256([b"another relayer".as_slice(), &block.to_be_bytes()].concat());
        if let VerifierProof::SignedRoot { root, .. } = &proof {
            let roots = s.accepted.entry(decoded[0].origin).or_default();
            if !roots.contains(root) {
                roots.push(*root);
            }
        }
        for message in &decoded {
            let recipient = Address::from_slice(&message.recipient[12..]);
            if s.delivered
                .insert((message.origin, recipient, message.nonce))
            {
                let id = message.id();
                *s.deliveries.entry(id).or_default() += 1;
                s.delivered_by.insert(id, Delivery { tx, block });
            }
        }
        Ok(tx)
    }

    /// How many transactions landed.
    pub fn submissions(&self) -> u64 {
        self.lock().submissions
    }

    fn check(&self, proof: &[u8], messages: &[Vec<u8>]) -> Result<(VerifierProof, Vec<Message>)> {
        let reverted = |reason: String| Error::Reverted {
            endpoint: "fake://destination".into(),
            operation: "processBatch",
            reason,
        };
        let decoded: Vec<Message> = messages
            .iter()
            .map(|m| Message::decode(m))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| reverted(e.to_string()))?;
        let Some(first) = decoded.first() else {
            return Err(reverted("EmptyBatch".into()));
        };
        let proof = VerifierProof::decode(proof).map_err(|e| reverted(e.to_string()))?;
        let s = self.lock();
        if s.paused_routes.contains(&first.origin) {
            return Err(reverted(format!(
                "RoutePaused(RoutePaused {{ origin: {} }})",
                first.origin
            )));
        }
        let commitment = s
            .committees
            .get(&first.origin)
            .map_or(B256::ZERO, Committee::commitment);
        let cached = s.accepted.get(&first.origin).cloned().unwrap_or_default();
        proof
            .verify(commitment, &cached, &decoded)
            .map_err(|e| reverted(e.to_string()))?;
        Ok((proof, decoded))
    }
}

#[async_trait]
impl DestinationMailbox for FakeDestination {
    fn domain(&self) -> u64 {
        self.domain
    }

    async fn delivered(&self, origin: u64, recipient: Address, nonce: u32) -> Result<bool> {
        Ok(self.lock().delivered.contains(&(origin, recipient, nonce)))
    }

    async fn delivery(&self, id: B256, before: u64) -> Result<Option<Delivery>> {
        Ok(self
            .lock()
            .delivered_by
            .get(&id)
            .filter(|d| d.block <= before)
            .copied())
    }

    async fn verifier_of(&self, _recipient: Address) -> Result<Address> {
        Ok(self.verifier)
    }

    async fn verifier_kind(&self, _verifier: Address) -> Result<VerifierKind> {
        Ok(VerifierKind::Committee)
    }

    async fn committee(&self, _verifier: Address, origin: u64) -> Result<Option<Committee>> {
        Ok(self.lock().committees.get(&origin).cloned())
    }

    /// The fake's one verifier is a committee verifier: it has no light-client routes.
    async fn light_client_route(
        &self,
        _verifier: Address,
        _origin: u64,
    ) -> Result<Option<crate::LightClientRoute>> {
        Ok(None)
    }

    /// No light client lives on the fake.
    async fn light_client_head(&self, _client: Address) -> Result<u64> {
        Ok(0)
    }

    /// The fake's one verifier is a committee verifier: no claims.
    async fn optimistic_claims(
        &self,
        _verifier: Address,
        _origin: u64,
    ) -> Result<Vec<crate::OptimisticClaim>> {
        Ok(Vec::new())
    }

    /// The fake's one verifier is a committee verifier: no routes.
    async fn routed_verifier(&self, _verifier: Address, _origin: u64) -> Result<Option<Address>> {
        Ok(None)
    }

    /// The fake's one verifier is a committee verifier: no sub-verifiers.
    async fn aggregation(&self, _verifier: Address) -> Result<(Vec<Address>, u8)> {
        Ok((Vec::new(), 0))
    }

    async fn now(&self) -> Result<u64> {
        Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()))
    }

    async fn root_accepted(&self, _verifier: Address, origin: u64, root: B256) -> Result<bool> {
        Ok(self
            .lock()
            .accepted
            .get(&origin)
            .is_some_and(|r| r.contains(&root)))
    }

    async fn simulate(&self, proof: &[u8], messages: &[Vec<u8>]) -> Result<u64> {
        self.check(proof, messages)?;
        Ok(100_000 + 30_000 * messages.len() as u64)
    }

    async fn suggest_fees(&self) -> Result<Fees> {
        Ok(Fees {
            max_fee_per_gas: 2_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
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
        // The "raw transaction" is the payload itself; the hash commits to it and to the nonce and
        // fees, as a real signed transaction's would.
        let mut raw = nonce.to_be_bytes().to_vec();
        raw.extend_from_slice(&fees.max_fee_per_gas.to_be_bytes());
        let hash = keccak256([raw.as_slice(), proof, &messages.concat()].concat());
        self.lock()
            .signed
            .insert(hash, (proof.to_vec(), messages.to_vec(), nonce));
        Ok(SignedTx {
            hash,
            raw,
            nonce,
            gas_limit,
            fees,
        })
    }

    async fn broadcast(&self, tx: &SignedTx) -> Result<()> {
        let (proof, messages, nonce) = {
            let mut s = self.lock();
            if s.outcomes.contains_key(&tx.hash) {
                return Ok(()); // already known
            }
            if s.drop_broadcasts > 0 {
                s.drop_broadcasts -= 1;
                return Ok(()); // accepted by the node, then lost
            }
            s.signed.get(&tx.hash).cloned().ok_or_else(|| Error::Rpc {
                endpoint: "fake://destination".into(),
                operation: "eth_sendRawTransaction",
                message: "unknown transaction".into(),
                retryable: false,
            })?
        };
        let (proof, decoded) = self.check(&proof, &messages)?;
        let mut s = self.lock();
        if nonce < s.nonce {
            return Err(Error::NonceTaken {
                endpoint: "fake://destination".into(),
                nonce,
                message: format!("nonce too low: {nonce}, next is {}", s.nonce),
            });
        }
        if nonce != s.nonce {
            return Err(Error::Rpc {
                endpoint: "fake://destination".into(),
                operation: "eth_sendRawTransaction",
                message: format!("nonce too high: {nonce}, next is {}", s.nonce),
                retryable: false,
            });
        }
        if let VerifierProof::SignedRoot { root, .. } = &proof {
            let roots = s.accepted.entry(decoded[0].origin).or_default();
            if !roots.contains(root) {
                roots.push(*root);
            }
        }
        let mut outcomes = Vec::new();
        for message in &decoded {
            let recipient = Address::from_slice(&message.recipient[12..]);
            let key = (message.origin, recipient, message.nonce);
            if s.delivered.contains(&key) {
                continue;
            }
            let id = message.id();
            if s.failing_recipients.contains(&recipient) {
                outcomes.push(MessageOutcome::Failed {
                    id,
                    reason: Bytes::from_static(b"refused"),
                });
            } else {
                s.delivered.insert(key);
                *s.deliveries.entry(id).or_default() += 1;
                let block = s.block + 1;
                s.delivered_by.insert(id, Delivery { tx: tx.hash, block });
                outcomes.push(MessageOutcome::Delivered { id });
            }
        }
        s.nonce += 1;
        s.block += 1;
        s.submissions += 1;
        let block = BlockRef {
            number: s.block,
            hash: keccak256(s.block.to_be_bytes()),
            timestamp: s.block,
        };
        s.outcomes.insert(
            tx.hash,
            BatchOutcome {
                tx: tx.hash,
                block,
                success: true,
                gas_used: 0,
                messages: outcomes,
            },
        );
        if s.refuse_after_landing > 0 {
            s.refuse_after_landing -= 1;
            return Err(Error::NonceTaken {
                endpoint: "fake://destination".into(),
                nonce,
                message: "nonce too low".into(),
            });
        }
        Ok(())
    }

    async fn outcome(&self, tx: B256, _confirmations: u64) -> Result<Option<BatchOutcome>> {
        Ok(self.lock().outcomes.get(&tx).cloned())
    }

    async fn account_nonce(&self) -> Result<u64> {
        Ok(self.lock().nonce)
    }

    fn sender(&self) -> Address {
        self.sender
    }
}

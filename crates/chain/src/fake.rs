//! In-memory chains and stores for unit tests of the agents: an origin whose blocks, messages and
//! finality the test controls (including reorgs), and a checkpoint store in a map.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use alloy::primitives::{Address, B256, keccak256};
use async_trait::async_trait;
use courier_core::{IncrementalTree, Message, SignedCheckpoint};

use crate::{BlockRef, CheckpointStore, DispatchedMessage, Error, OriginMailbox, Result};

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

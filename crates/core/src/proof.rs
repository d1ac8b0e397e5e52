//! Verifier proofs: the bytes a relayer passes to a verifier next to a batch of messages
//! (docs/protocol.md, "Verifier proofs"), how to build them from a tree, a committee and the
//! signed checkpoints validators published, and how to read and check them again.
//!
//! Building picks the cheapest valid proof: exactly `k` signatures, from the lowest-indexed
//! committee members that signed. Decoding and [`VerifierProof::verify`] mirror the contract's
//! checks so that tests and debugging tools can say why a proof would be refused before it costs
//! gas.
//!
//! Modes `0x01` and `0x02` carry the whole committee ([`Committee::encode`]: origin Mailbox,
//! threshold, validators). The verifier holds only its [`Committee::commitment`], and the origin
//! Mailbox in the checkpoint digest is the one of the carried (hash-checked) committee, so
//! signatures over a checkpoint of another Mailbox can never verify; the builders refuse such a
//! checkpoint ([`Error::OriginMailboxMismatch`]).

use alloy_primitives::{Address, B256, Signature, U256};

use crate::{
    checkpoint::{Checkpoint, SIGNATURE_LEN, SignedCheckpoint, decode_signature, encode_signature},
    committee::Committee,
    error::{Error, Result},
    merkle::{MerkleTree, check_ascending, multiproof_root},
    message::Message,
};

/// Mode byte: messages proven against a root the verifier already cached.
pub const MODE_CACHED_ROOT: u8 = 0x00;
/// Mode byte: one message whose checkpoint the committee signed.
pub const MODE_SIGNED_MESSAGE: u8 = 0x01;
/// Mode byte: a committee-signed root (cached by the verifier) and messages proven against it.
pub const MODE_SIGNED_ROOT: u8 = 0x02;
/// Mode byte: a root proven by the origin Mailbox's account and `committedRoot` storage proofs
/// against a light client's state root (cached by the verifier), and messages proven against it.
pub const MODE_STORAGE_PROOF: u8 = 0x03;
/// Proof mode: a root an optimistic verifier's matured claim stated, accepted in the same call,
/// then a multiproof.
pub const MODE_CLAIMED_ROOT: u8 = 0x04;

/// Most nodes a multiproof may carry (its count is a `uint16`).
pub const MAX_MULTIPROOF_NODES: usize = u16::MAX as usize;

/// Committee signatures in canonical order: one per signing validator, ascending by the
/// validator's position in the committee (which gives the signer bitmap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitteeSignatures {
    /// `(validator position, signature)`, strictly ascending by position.
    entries: Vec<(u8, Signature)>,
}

impl CommitteeSignatures {
    /// Picks exactly `threshold` signatures over `checkpoint` from `signed`, from the
    /// lowest-positioned committee members that signed.
    ///
    /// Ignored: signatures over another checkpoint, from non-members, that do not recover to the
    /// signer they claim, or non-canonical ones; a second signature by the same member. Errors when
    /// `checkpoint` is of another origin Mailbox than the committee's, and with the number of valid
    /// member signatures found when that is below the threshold.
    pub fn select(
        committee: &Committee,
        checkpoint: &Checkpoint,
        signed: &[SignedCheckpoint],
    ) -> Result<Self> {
        check_mailbox(committee, checkpoint)?;
        let needed = usize::from(committee.threshold());
        // Candidates per committee position, by the signer they claim; the claim is only a hint
        // for where to look, recovery decides.
        let mut candidates: Vec<Vec<&SignedCheckpoint>> = vec![Vec::new(); committee.len()];
        for item in signed.iter().filter(|s| s.checkpoint == *checkpoint) {
            if let Some(position) = committee.position(&item.signer) {
                candidates[position].push(item);
            }
        }
        let mut entries = Vec::with_capacity(needed);
        for (position, items) in candidates.iter().enumerate() {
            if entries.len() == needed {
                break;
            }
            let valid = items.iter().find(|item| item.verify().is_ok());
            if let Some(item) = valid {
                // Committee positions are below 255.
                entries.push((position as u8, item.signature));
            }
        }
        if entries.len() < needed {
            return Err(Error::NotEnoughSignatures {
                found: entries.len(),
                needed,
            });
        }
        Ok(Self { entries })
    }

    /// `(validator position, signature)` pairs, ascending by position.
    pub fn entries(&self) -> &[(u8, Signature)] {
        &self.entries
    }

    /// Number of signatures.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no signature.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The signer bitmap: bit `i` (from the least significant) set when validator `i` signed.
    pub fn bitmap(&self) -> U256 {
        self.entries.iter().fold(U256::ZERO, |map, &(position, _)| {
            map | (U256::ONE << position)
        })
    }

    /// The addresses of the signers, in order.
    pub fn signers(&self, committee: &Committee) -> Vec<Option<Address>> {
        self.entries
            .iter()
            .map(|&(position, _)| committee.validators().get(usize::from(position)).copied())
            .collect()
    }

    /// Checks what the verifier checks: at least `k` signatures, each recovering to the validator
    /// its bitmap bit names. The verifier signs nothing but checkpoints of the committee's origin
    /// Mailbox, so a `checkpoint` of another Mailbox is an error.
    pub fn verify(&self, committee: &Committee, checkpoint: &Checkpoint) -> Result<()> {
        check_mailbox(committee, checkpoint)?;
        let needed = usize::from(committee.threshold());
        if self.entries.len() < needed {
            return Err(Error::NotEnoughSignatures {
                found: self.entries.len(),
                needed,
            });
        }
        for (signature_position, &(index, signature)) in self.entries.iter().enumerate() {
            let index = usize::from(index);
            let Some(&expected) = committee.validators().get(index) else {
                return Err(Error::SignerBitOutOfRange {
                    bit: index,
                    size: committee.len(),
                });
            };
            let recovered = checkpoint.recover(&signature)?;
            if recovered != expected {
                return Err(Error::WrongSigner {
                    position: signature_position,
                    index,
                    expected,
                    recovered,
                });
            }
        }
        Ok(())
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.bitmap().to_be_bytes::<32>());
        for (_, signature) in &self.entries {
            out.extend_from_slice(&encode_signature(signature));
        }
    }

    fn decode_from(reader: &mut Reader<'_>, committee: &Committee) -> Result<Self> {
        let bitmap = U256::from_be_slice(reader.take(32, "signer bitmap")?);
        let highest = bitmap.bit_len();
        if highest > committee.len() {
            return Err(Error::SignerBitOutOfRange {
                bit: highest - 1,
                size: committee.len(),
            });
        }
        let mut entries = Vec::with_capacity(bitmap.count_ones());
        for position in 0..highest {
            if bitmap.bit(position) {
                let signature = decode_signature(reader.take(SIGNATURE_LEN, "signature")?)?;
                // `highest` ≤ committee size ≤ 255.
                entries.push((position as u8, signature));
            }
        }
        Ok(Self { entries })
    }
}

/// A decoded verifier proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifierProof {
    /// `0x00`: the messages are leaves of `root`, which the verifier accepted earlier.
    CachedRoot {
        /// The cached root.
        root: B256,
        /// Multiproof of the messages' ids against `root`.
        multiproof: Vec<B256>,
    },
    /// `0x01`: the committee signed the checkpoint `(origin, mailbox, root, nonce, id)` of the
    /// one message proven, `mailbox` being the committee's origin Mailbox; the root is not cached.
    SignedMessage {
        /// Root of the checkpoint at the message's nonce.
        root: B256,
        /// The committee (with its origin Mailbox), which the verifier checks against its
        /// commitment.
        committee: Committee,
        /// The committee's signatures over the checkpoint.
        signatures: CommitteeSignatures,
    },
    /// `0x02`: the committee signed the checkpoint `(origin, mailbox, root, index, message_id)`,
    /// `mailbox` being the committee's origin Mailbox; the verifier caches `root` and proves the
    /// messages against it.
    SignedRoot {
        /// The checkpoint's root.
        root: B256,
        /// The checkpoint's index.
        index: u32,
        /// The checkpoint's message id (the leaf at `index`).
        message_id: B256,
        /// The committee (with its origin Mailbox), which the verifier checks against its
        /// commitment.
        committee: Committee,
        /// The committee's signatures over the checkpoint.
        signatures: CommitteeSignatures,
        /// Multiproof of the messages' ids against `root`.
        multiproof: Vec<B256>,
    },
    /// `0x04`: `root` is the root of a claim on an optimistic verifier whose dispute window has
    /// passed without a veto; the verifier accepts it and proves the messages against it.
    ClaimedRoot {
        /// The claimed root.
        root: B256,
        /// Multiproof of the messages' ids against `root`.
        multiproof: Vec<B256>,
    },
    /// `0x03`: `root` is what the origin Mailbox's `committedRoot` slot holds in execution block
    /// `block_number`, by the account and storage proofs of `eth_getProof`, checked against the
    /// state root a light client of the origin finalized for that block; the verifier caches
    /// `root` and proves the messages against it.
    StorageProof {
        /// The committed root.
        root: B256,
        /// The origin execution block the proofs are for.
        block_number: u64,
        /// `accountProof` of `eth_getProof` for the origin Mailbox (RLP nodes, root first).
        account_proof: Vec<Vec<u8>>,
        /// The proof of the `committedRoot` slot (RLP nodes, root first).
        storage_proof: Vec<Vec<u8>>,
        /// Multiproof of the messages' ids against `root`.
        multiproof: Vec<B256>,
    },
}

impl VerifierProof {
    /// A mode-0 proof for the leaves `nonces` against the root of the first `count` leaves of
    /// `tree` (a root the verifier must already have cached).
    pub fn cached_root(tree: &MerkleTree, count: u32, nonces: &[u32]) -> Result<Self> {
        let root = tree.root_at(count)?;
        let multiproof = tree.multiproof_at(count, nonces)?;
        Ok(Self::CachedRoot { root, multiproof })
    }

    /// A mode-1 proof for `message`, from signatures over `checkpoint` (which must be the
    /// message's own: same origin, index = nonce, message id = id; and of the committee's origin
    /// Mailbox, else [`Error::OriginMailboxMismatch`]).
    pub fn signed_message(
        committee: &Committee,
        checkpoint: &Checkpoint,
        signed: &[SignedCheckpoint],
        message: &Message,
    ) -> Result<Self> {
        check_mailbox(committee, checkpoint)?;
        mismatch("origin", checkpoint.origin, message.origin)?;
        mismatch("index", checkpoint.index, message.nonce)?;
        mismatch("messageId", checkpoint.message_id, message.id())?;
        let signatures = CommitteeSignatures::select(committee, checkpoint, signed)?;
        Ok(Self::SignedMessage {
            root: checkpoint.root,
            committee: committee.clone(),
            signatures,
        })
    }

    /// A mode-2 proof for the leaves `nonces` of `tree`, against `checkpoint` (which must match
    /// the tree: its root is the root of leaves `0..=index` and its message id the leaf at
    /// `index`; and be of the committee's origin Mailbox, else [`Error::OriginMailboxMismatch`]),
    /// from signatures over it.
    pub fn signed_root(
        committee: &Committee,
        checkpoint: &Checkpoint,
        signed: &[SignedCheckpoint],
        tree: &MerkleTree,
        nonces: &[u32],
    ) -> Result<Self> {
        check_mailbox(committee, checkpoint)?;
        let count = checkpoint
            .index
            .checked_add(1)
            .ok_or(Error::LeafOutOfRange {
                index: checkpoint.index,
                count: tree.len(),
            })?;
        mismatch("root", checkpoint.root, tree.root_at(count)?)?;
        let leaf = tree.leaf(checkpoint.index).ok_or(Error::LeafOutOfRange {
            index: checkpoint.index,
            count: tree.len(),
        })?;
        mismatch("messageId", checkpoint.message_id, leaf)?;
        let multiproof = tree.multiproof_at(count, nonces)?;
        let signatures = CommitteeSignatures::select(committee, checkpoint, signed)?;
        Ok(Self::SignedRoot {
            root: checkpoint.root,
            index: checkpoint.index,
            message_id: checkpoint.message_id,
            committee: committee.clone(),
            signatures,
            multiproof,
        })
    }

    /// The mode byte.
    pub const fn mode(&self) -> u8 {
        match self {
            Self::CachedRoot { .. } => MODE_CACHED_ROOT,
            Self::SignedMessage { .. } => MODE_SIGNED_MESSAGE,
            Self::SignedRoot { .. } => MODE_SIGNED_ROOT,
            Self::StorageProof { .. } => MODE_STORAGE_PROOF,
            Self::ClaimedRoot { .. } => MODE_CLAIMED_ROOT,
        }
    }

    /// The root the messages are proven against.
    pub const fn root(&self) -> B256 {
        match self {
            Self::CachedRoot { root, .. }
            | Self::SignedMessage { root, .. }
            | Self::SignedRoot { root, .. }
            | Self::StorageProof { root, .. }
            | Self::ClaimedRoot { root, .. } => *root,
        }
    }

    /// The proof bytes; an error only for a multiproof of more than 65535 nodes.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut out = vec![self.mode()];
        match self {
            Self::CachedRoot { root, multiproof } | Self::ClaimedRoot { root, multiproof } => {
                out.extend_from_slice(root.as_slice());
                encode_multiproof(&mut out, multiproof)?;
            }
            Self::SignedMessage {
                root,
                committee,
                signatures,
            } => {
                out.extend_from_slice(root.as_slice());
                out.extend_from_slice(&committee.encode());
                signatures.encode_into(&mut out);
            }
            Self::SignedRoot {
                root,
                index,
                message_id,
                committee,
                signatures,
                multiproof,
            } => {
                out.extend_from_slice(root.as_slice());
                out.extend_from_slice(&index.to_be_bytes());
                out.extend_from_slice(message_id.as_slice());
                out.extend_from_slice(&committee.encode());
                signatures.encode_into(&mut out);
                encode_multiproof(&mut out, multiproof)?;
            }
            Self::StorageProof {
                root,
                block_number,
                account_proof,
                storage_proof,
                multiproof,
            } => {
                out.extend_from_slice(root.as_slice());
                out.extend_from_slice(&block_number.to_be_bytes());
                let proofs = abi_encode_two_byte_arrays(account_proof, storage_proof);
                let len = u32::try_from(proofs.len()).map_err(|_| Error::StorageProofTooLarge {
                    bytes: proofs.len(),
                })?;
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&proofs);
                encode_multiproof(&mut out, multiproof)?;
            }
        }
        Ok(out)
    }

    /// Parses proof bytes; errors name the field that is cut short, an unknown mode, or the
    /// bytes left over. The committee in the proof (origin Mailbox included) is validated like
    /// [`Committee::new`], and signatures must be canonical (v ∈ {27, 28}, low s).
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let Some((&mode, _)) = bytes.split_first() else {
            return Err(Error::EmptyProof);
        };
        let mut reader = Reader { bytes, offset: 1 };
        let proof = match mode {
            MODE_CACHED_ROOT => {
                let root = reader.word("root")?;
                let multiproof = reader.multiproof()?;
                Self::CachedRoot { root, multiproof }
            }
            MODE_CLAIMED_ROOT => {
                let root = reader.word("root")?;
                let multiproof = reader.multiproof()?;
                Self::ClaimedRoot { root, multiproof }
            }
            MODE_SIGNED_MESSAGE => {
                let root = reader.word("root")?;
                let committee = reader.committee()?;
                let signatures = CommitteeSignatures::decode_from(&mut reader, &committee)?;
                Self::SignedMessage {
                    root,
                    committee,
                    signatures,
                }
            }
            MODE_SIGNED_ROOT => {
                let root = reader.word("root")?;
                let index = u32::from_be_bytes(reader.array("index")?);
                let message_id = reader.word("message id")?;
                let committee = reader.committee()?;
                let signatures = CommitteeSignatures::decode_from(&mut reader, &committee)?;
                let multiproof = reader.multiproof()?;
                Self::SignedRoot {
                    root,
                    index,
                    message_id,
                    committee,
                    signatures,
                    multiproof,
                }
            }
            MODE_STORAGE_PROOF => {
                let root = reader.word("root")?;
                let block_number = u64::from_be_bytes(reader.array("block number")?);
                let len = u32::from_be_bytes(reader.array("storage proofs length")?) as usize;
                let at = reader.offset;
                let encoded = reader.take(len, "storage proofs")?;
                let (account_proof, storage_proof) = abi_decode_two_byte_arrays(encoded)
                    .ok_or(Error::MalformedStorageProofs { offset: at })?;
                let multiproof = reader.multiproof()?;
                Self::StorageProof {
                    root,
                    block_number,
                    account_proof,
                    storage_proof,
                    multiproof,
                }
            }
            mode => return Err(Error::UnknownProofMode { mode }),
        };
        reader.finish()?;
        Ok(proof)
    }

    /// Checks the proof for `messages` as the committee verifier on the destination would, for a
    /// verifier holding `commitment` ([`Committee::commitment`], the contract's `committeeHash`;
    /// zero when it has no committee) and having cached `cached_roots` for the messages' origin.
    /// Returns the root the messages were proven against.
    ///
    /// The batch must be non-empty, from one origin, in strictly ascending nonce order. For modes
    /// `0x01` and `0x02` the carried committee must hash to `commitment`, and the signatures are
    /// checked over a checkpoint of that committee's origin Mailbox.
    pub fn verify(
        &self,
        commitment: B256,
        cached_roots: &[B256],
        messages: &[Message],
    ) -> Result<B256> {
        let Some(first) = messages.first() else {
            return Err(Error::NoLeaves);
        };
        for (position, message) in messages.iter().enumerate() {
            if message.origin != first.origin {
                return Err(Error::MixedOrigins {
                    position,
                    expected: first.origin,
                    found: message.origin,
                });
            }
        }
        check_ascending(messages.iter().map(|m| m.nonce))?;
        // As the contract: a signed proof over the zero root is refused before anything else.
        if self.mode() != MODE_CACHED_ROOT && self.root() == B256::ZERO {
            return Err(Error::ZeroRoot);
        }
        let leaves: Vec<(u32, B256)> = messages.iter().map(|m| (m.nonce, m.id())).collect();
        let check_committee = |carried: &Committee| {
            if commitment == B256::ZERO {
                return Err(Error::NoCommittee {
                    origin: first.origin,
                });
            }
            let found = carried.commitment();
            if found != commitment {
                return Err(Error::CommitteeMismatch {
                    expected: commitment,
                    found,
                });
            }
            Ok(())
        };
        match self {
            Self::CachedRoot { root, multiproof } => {
                if !cached_roots.contains(root) {
                    return Err(Error::RootNotCached { root: *root });
                }
                check_root(*root, multiproof_root(&leaves, multiproof)?)?;
            }
            Self::SignedMessage {
                root,
                committee: carried,
                signatures,
            } => {
                if messages.len() != 1 {
                    return Err(Error::SingleMessageOnly {
                        count: messages.len(),
                    });
                }
                check_committee(carried)?;
                let checkpoint = Checkpoint {
                    origin: first.origin,
                    origin_mailbox: carried.origin_mailbox(),
                    root: *root,
                    index: first.nonce,
                    message_id: leaves[0].1,
                };
                signatures.verify(carried, &checkpoint)?;
            }
            Self::SignedRoot {
                root,
                index,
                message_id,
                committee: carried,
                signatures,
                multiproof,
            } => {
                check_committee(carried)?;
                let checkpoint = Checkpoint {
                    origin: first.origin,
                    origin_mailbox: carried.origin_mailbox(),
                    root: *root,
                    index: *index,
                    message_id: *message_id,
                };
                signatures.verify(carried, &checkpoint)?;
                check_root(*root, multiproof_root(&leaves, multiproof)?)?;
            }
            // A committee verifier refuses them, as the contract does.
            Self::StorageProof { .. } | Self::ClaimedRoot { .. } => {
                return Err(Error::UnknownProofMode { mode: self.mode() });
            }
        }
        Ok(self.root())
    }
}

/// Refuses a checkpoint of another origin Mailbox than the committee's.
fn check_mailbox(committee: &Committee, checkpoint: &Checkpoint) -> Result<()> {
    if checkpoint.origin_mailbox != committee.origin_mailbox() {
        return Err(Error::OriginMailboxMismatch {
            checkpoint: checkpoint.origin_mailbox,
            committee: committee.origin_mailbox(),
        });
    }
    Ok(())
}

fn check_root(expected: B256, computed: B256) -> Result<()> {
    if expected != computed {
        return Err(Error::RootMismatch { expected, computed });
    }
    Ok(())
}

fn mismatch<T: PartialEq + std::fmt::Display>(
    field: &'static str,
    checkpoint: T,
    expected: T,
) -> Result<()> {
    if checkpoint != expected {
        return Err(Error::CheckpointMismatch {
            field,
            checkpoint: checkpoint.to_string(),
            expected: expected.to_string(),
        });
    }
    Ok(())
}

/// `abi.encode(bytes[] a, bytes[] b)` (Solidity's head/tail layout).
fn abi_encode_two_byte_arrays(a: &[Vec<u8>], b: &[Vec<u8>]) -> Vec<u8> {
    fn word(out: &mut Vec<u8>, v: usize) {
        out.extend_from_slice(&[0u8; 24]);
        out.extend_from_slice(&(v as u64).to_be_bytes());
    }
    fn array(items: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        word(&mut out, items.len());
        let mut offset = items.len() * 32;
        for item in items {
            word(&mut out, offset);
            offset += 32 + item.len().div_ceil(32) * 32;
        }
        for item in items {
            word(&mut out, item.len());
            out.extend_from_slice(item);
            out.resize(out.len() + (32 - item.len() % 32) % 32, 0);
        }
        out
    }
    let (ea, eb) = (array(a), array(b));
    let mut out = Vec::with_capacity(64 + ea.len() + eb.len());
    word(&mut out, 64);
    word(&mut out, 64 + ea.len());
    out.extend_from_slice(&ea);
    out.extend_from_slice(&eb);
    out
}

/// A list of RLP-encoded trie nodes, root first.
type TrieProof = Vec<Vec<u8>>;

/// The inverse of [`abi_encode_two_byte_arrays`]; `None` when the bytes are not such an encoding.
fn abi_decode_two_byte_arrays(data: &[u8]) -> Option<(TrieProof, TrieProof)> {
    fn word(data: &[u8], at: usize) -> Option<usize> {
        let w = data.get(at..at.checked_add(32)?)?;
        if w[..24].iter().any(|b| *b != 0) {
            return None;
        }
        usize::try_from(u64::from_be_bytes(w[24..].try_into().ok()?)).ok()
    }
    fn array(data: &[u8], start: usize) -> Option<Vec<Vec<u8>>> {
        let n = word(data, start)?;
        let base = start.checked_add(32)?;
        (0..n)
            .map(|i| {
                let at = base.checked_add(word(data, base.checked_add(i.checked_mul(32)?)?)?)?;
                let len = word(data, at)?;
                let from = at.checked_add(32)?;
                data.get(from..from.checked_add(len)?).map(<[u8]>::to_vec)
            })
            .collect()
    }
    Some((array(data, word(data, 0)?)?, array(data, word(data, 32)?)?))
}

fn encode_multiproof(out: &mut Vec<u8>, nodes: &[B256]) -> Result<()> {
    let count =
        u16::try_from(nodes.len()).map_err(|_| Error::MultiproofTooLarge { nodes: nodes.len() })?;
    out.extend_from_slice(&count.to_be_bytes());
    for node in nodes {
        out.extend_from_slice(node.as_slice());
    }
    Ok(())
}

/// A cursor over proof bytes whose errors name the field being read.
struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, needed: usize, what: &'static str) -> Result<&'a [u8]> {
        let available = self.bytes.len() - self.offset;
        if needed > available {
            return Err(Error::ProofTruncated {
                what,
                offset: self.offset,
                needed,
                available,
            });
        }
        let field = &self.bytes[self.offset..self.offset + needed];
        self.offset += needed;
        Ok(field)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn word(&mut self, what: &'static str) -> Result<B256> {
        self.array(what).map(B256::new)
    }

    /// `origin_mailbox (32) ‖ k (1) ‖ n (1) ‖ n × address (20)`.
    fn committee(&mut self) -> Result<Committee> {
        let origin_mailbox = self.word("committee origin mailbox")?;
        let [threshold] = self.array("committee threshold")?;
        let [size] = self.array("committee size")?;
        let validators = self
            .take(20 * usize::from(size), "committee validators")?
            .chunks_exact(20)
            .map(Address::from_slice)
            .collect();
        Committee::new(origin_mailbox, threshold, validators)
    }

    fn multiproof(&mut self) -> Result<Vec<B256>> {
        let count = u16::from_be_bytes(self.array("multiproof count")?);
        let nodes = self.take(32 * usize::from(count), "multiproof nodes")?;
        Ok(nodes.chunks_exact(32).map(B256::from_slice).collect())
    }

    fn finish(self) -> Result<()> {
        let extra = self.bytes.len() - self.offset;
        if extra > 0 {
            return Err(Error::ProofBytesLeftOver {
                offset: self.offset,
                extra,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use alloy_primitives::{Address, keccak256};
    use k256::ecdsa::SigningKey;

    use super::*;
    use crate::checkpoint::{signer_address, signing_key};

    const ORIGIN: u64 = 31337;

    fn mailbox() -> B256 {
        B256::with_last_byte(0xaa)
    }

    /// Five keys sorted by address, the 3-of-5 committee they form, six messages and their tree.
    struct Fixture {
        keys: Vec<SigningKey>,
        committee: Committee,
        messages: Vec<Message>,
        tree: MerkleTree,
    }

    fn fixture() -> Fixture {
        let mut keys: Vec<SigningKey> = (0..5u8)
            .map(|i| signing_key(&keccak256([b't', i])).unwrap())
            .collect();
        keys.sort_by_key(signer_address);
        let committee =
            Committee::new(mailbox(), 3, keys.iter().map(signer_address).collect()).unwrap();
        let messages: Vec<Message> = (0..6)
            .map(|n| {
                Message::new(
                    n,
                    ORIGIN,
                    Address::with_last_byte(1),
                    1,
                    Address::with_last_byte(2),
                    vec![n as u8],
                )
            })
            .collect();
        let tree = MerkleTree::from_leaves(messages.iter().map(Message::id)).unwrap();
        Fixture {
            keys,
            committee,
            messages,
            tree,
        }
    }

    impl Fixture {
        /// The checkpoint at `index`.
        fn checkpoint(&self, index: u32) -> Checkpoint {
            Checkpoint {
                origin: ORIGIN,
                origin_mailbox: mailbox(),
                root: self.tree.root_at(index + 1).unwrap(),
                index,
                message_id: self.tree.leaf(index).unwrap(),
            }
        }

        fn sign(&self, checkpoint: &Checkpoint, signers: &[usize]) -> Vec<SignedCheckpoint> {
            signers
                .iter()
                .map(|&i| checkpoint.sign(&self.keys[i]).unwrap())
                .collect()
        }
    }

    #[test]
    fn verify_refuses_a_signed_zero_root_as_the_contract_does() {
        let f = fixture();
        let mut cp = f.checkpoint(0);
        cp.root = B256::ZERO;
        let signatures =
            CommitteeSignatures::select(&f.committee, &cp, &f.sign(&cp, &[0, 1, 2])).unwrap();
        let proof = VerifierProof::SignedMessage {
            root: B256::ZERO,
            committee: f.committee.clone(),
            signatures,
        };
        let err = proof
            .verify(f.committee.commitment(), &[], &f.messages[..1])
            .unwrap_err();
        assert_eq!(err, Error::ZeroRoot);
    }

    fn positions(signatures: &CommitteeSignatures) -> Vec<u8> {
        signatures.entries().iter().map(|&(p, _)| p).collect()
    }

    #[test]
    fn selects_exactly_k_lowest_members() {
        let f = fixture();
        let cp = f.checkpoint(5);
        let all = f.sign(&cp, &[4, 3, 2, 1, 0]);
        let picked = CommitteeSignatures::select(&f.committee, &cp, &all).unwrap();
        assert_eq!(positions(&picked), vec![0, 1, 2]);
        assert_eq!(picked.bitmap(), U256::from(0b111));
        let sparse = f.sign(&cp, &[4, 0, 2]);
        let picked = CommitteeSignatures::select(&f.committee, &cp, &sparse).unwrap();
        assert_eq!(positions(&picked), vec![0, 2, 4]);
        assert_eq!(picked.bitmap(), U256::from(0b10101));
        picked.verify(&f.committee, &cp).unwrap();
    }

    #[test]
    fn too_few_signatures() {
        let f = fixture();
        let cp = f.checkpoint(5);
        let err =
            CommitteeSignatures::select(&f.committee, &cp, &f.sign(&cp, &[1, 3])).unwrap_err();
        assert_eq!(
            err,
            Error::NotEnoughSignatures {
                found: 2,
                needed: 3
            }
        );
        assert_eq!(
            err.to_string(),
            "not enough signatures: 2 valid from committee members, 3 needed"
        );
    }

    #[test]
    fn duplicates_count_once() {
        let f = fixture();
        let cp = f.checkpoint(5);
        let twice = f.sign(&cp, &[1, 1, 1, 3]);
        assert_eq!(
            CommitteeSignatures::select(&f.committee, &cp, &twice).unwrap_err(),
            Error::NotEnoughSignatures {
                found: 2,
                needed: 3
            }
        );
    }

    #[test]
    fn non_members_other_checkpoints_and_false_claims_ignored() {
        let f = fixture();
        let cp = f.checkpoint(5);
        let outsider = signing_key(&keccak256(b"outsider")).unwrap();
        let mut signed = f.sign(&cp, &[0]);
        signed.push(cp.sign(&outsider).unwrap());
        // A member's signature over an older checkpoint.
        signed.extend(f.sign(&f.checkpoint(4), &[1]));
        // An outsider's signature claiming to be member 2.
        let mut forged = cp.sign(&outsider).unwrap();
        forged.signer = f.committee.validators()[2];
        signed.push(forged);
        // Member 3's signature labelled as member 4.
        let mut mislabelled = cp.sign(&f.keys[3]).unwrap();
        mislabelled.signer = f.committee.validators()[4];
        signed.push(mislabelled);
        assert_eq!(
            CommitteeSignatures::select(&f.committee, &cp, &signed).unwrap_err(),
            Error::NotEnoughSignatures {
                found: 1,
                needed: 3
            }
        );
        signed.extend(f.sign(&cp, &[3, 4]));
        let picked = CommitteeSignatures::select(&f.committee, &cp, &signed).unwrap();
        assert_eq!(positions(&picked), vec![0, 3, 4]);
    }

    #[test]
    fn modes_round_trip_and_verify() {
        let f = fixture();
        let cp = f.checkpoint(5);
        let signed = f.sign(&cp, &[0, 1, 2, 3, 4]);

        let one =
            VerifierProof::signed_message(&f.committee, &cp, &signed, &f.messages[5]).unwrap();
        let bytes = one.encode().unwrap();
        assert_eq!(bytes[0], MODE_SIGNED_MESSAGE);
        assert_eq!(bytes.len(), 1 + 32 + (34 + 5 * 20) + 32 + 3 * 65);
        // The committee, origin Mailbox first, right after the root.
        assert_eq!(
            &bytes[33..33 + 34 + 5 * 20],
            f.committee.encode().as_slice()
        );
        assert_eq!(&bytes[33..65], mailbox().as_slice());
        assert_eq!(VerifierProof::decode(&bytes).unwrap(), one);
        assert_eq!(
            one.verify(f.committee.commitment(), &[], &f.messages[5..])
                .unwrap(),
            cp.root
        );

        let nonces = [1, 2, 5];
        let batch: Vec<Message> = nonces
            .iter()
            .map(|&n| f.messages[n as usize].clone())
            .collect();
        let two = VerifierProof::signed_root(&f.committee, &cp, &signed, &f.tree, &nonces).unwrap();
        let bytes = two.encode().unwrap();
        assert_eq!(bytes[0], MODE_SIGNED_ROOT);
        assert_eq!(
            &bytes[69..69 + 34 + 5 * 20],
            f.committee.encode().as_slice()
        );
        assert_eq!(VerifierProof::decode(&bytes).unwrap(), two);
        assert_eq!(
            two.verify(f.committee.commitment(), &[], &batch).unwrap(),
            cp.root
        );

        // An older checkpoint still proves older messages.
        let old = f.checkpoint(3);
        let old_signed = f.sign(&old, &[0, 1, 2]);
        let proof =
            VerifierProof::signed_root(&f.committee, &old, &old_signed, &f.tree, &[0, 3]).unwrap();
        let pair = [f.messages[0].clone(), f.messages[3].clone()];
        assert_eq!(
            proof.verify(f.committee.commitment(), &[], &pair).unwrap(),
            old.root
        );

        let zero = VerifierProof::cached_root(&f.tree, 6, &nonces).unwrap();
        let bytes = zero.encode().unwrap();
        assert_eq!(bytes[0], MODE_CACHED_ROOT);
        assert_eq!(VerifierProof::decode(&bytes).unwrap(), zero);
        assert_eq!(
            zero.verify(f.committee.commitment(), &[cp.root], &batch)
                .unwrap(),
            cp.root
        );
        assert_eq!(
            zero.verify(f.committee.commitment(), &[], &batch)
                .unwrap_err(),
            Error::RootNotCached { root: cp.root }
        );
    }

    #[test]
    fn builders_check_the_checkpoint() {
        let f = fixture();
        let cp = f.checkpoint(5);
        let signed = f.sign(&cp, &[0, 1, 2]);
        let err =
            VerifierProof::signed_message(&f.committee, &cp, &signed, &f.messages[4]).unwrap_err();
        assert_eq!(
            err,
            Error::CheckpointMismatch {
                field: "index",
                checkpoint: "5".into(),
                expected: "4".into()
            }
        );
        let wrong_root = Checkpoint {
            root: B256::ZERO,
            ..cp
        };
        let err = VerifierProof::signed_root(&f.committee, &wrong_root, &signed, &f.tree, &[1])
            .unwrap_err();
        assert!(
            matches!(err, Error::CheckpointMismatch { field: "root", .. }),
            "{err}"
        );
        // A checkpoint of another origin Mailbox, even with valid signatures over it.
        let elsewhere = Checkpoint {
            origin_mailbox: B256::with_last_byte(0xab),
            ..cp
        };
        let elsewhere_signed = f.sign(&elsewhere, &[0, 1, 2, 3, 4]);
        let expected = Error::OriginMailboxMismatch {
            checkpoint: B256::with_last_byte(0xab),
            committee: mailbox(),
        };
        assert_eq!(
            VerifierProof::signed_message(
                &f.committee,
                &elsewhere,
                &elsewhere_signed,
                &f.messages[5]
            )
            .unwrap_err(),
            expected
        );
        assert_eq!(
            VerifierProof::signed_root(&f.committee, &elsewhere, &elsewhere_signed, &f.tree, &[1])
                .unwrap_err(),
            expected
        );
        assert_eq!(
            CommitteeSignatures::select(&f.committee, &elsewhere, &elsewhere_signed).unwrap_err(),
            expected
        );
        let picked = CommitteeSignatures::select(&f.committee, &cp, &signed).unwrap();
        assert_eq!(
            picked.verify(&f.committee, &elsewhere).unwrap_err(),
            expected
        );
        assert_eq!(
            expected.to_string(),
            format!(
                "checkpoint is for origin Mailbox {}, but the committee watches origin Mailbox {}",
                B256::with_last_byte(0xab),
                mailbox()
            )
        );
        let beyond = Checkpoint { index: 6, ..cp };
        assert!(VerifierProof::signed_root(&f.committee, &beyond, &signed, &f.tree, &[1]).is_err());
        // A nonce past the checkpoint cannot be proven against it.
        let old = f.checkpoint(3);
        let err = VerifierProof::signed_root(
            &f.committee,
            &old,
            &f.sign(&old, &[0, 1, 2]),
            &f.tree,
            &[4],
        )
        .unwrap_err();
        assert_eq!(err, Error::LeafOutOfRange { index: 4, count: 4 });
    }

    #[test]
    fn verification_failures() {
        let f = fixture();
        let cp = f.checkpoint(5);
        let signed = f.sign(&cp, &[0, 1, 2, 3, 4]);
        let proof =
            VerifierProof::signed_root(&f.committee, &cp, &signed, &f.tree, &[1, 2]).unwrap();
        let batch = [f.messages[1].clone(), f.messages[2].clone()];

        let other = Committee::new(mailbox(), 2, f.committee.validators().to_vec()).unwrap();
        assert_eq!(
            proof.verify(other.commitment(), &[], &batch).unwrap_err(),
            Error::CommitteeMismatch {
                expected: other.commitment(),
                found: f.committee.commitment()
            }
        );
        assert_eq!(
            proof.verify(B256::ZERO, &[], &batch).unwrap_err(),
            Error::NoCommittee { origin: ORIGIN }
        );
        // The same validators watching another Mailbox: another commitment...
        let moved = Committee::new(
            B256::with_last_byte(0xab),
            3,
            f.committee.validators().to_vec(),
        )
        .unwrap();
        assert!(matches!(
            proof.verify(moved.commitment(), &[], &batch).unwrap_err(),
            Error::CommitteeMismatch { .. }
        ));
        // ...and a proof carrying it does not verify either: the signatures bind the Mailbox.
        let VerifierProof::SignedRoot {
            root,
            index,
            message_id,
            signatures,
            multiproof,
            ..
        } = proof.clone()
        else {
            unreachable!()
        };
        let relabelled = VerifierProof::SignedRoot {
            root,
            index,
            message_id,
            committee: moved.clone(),
            signatures,
            multiproof,
        };
        assert!(matches!(
            relabelled
                .verify(moved.commitment(), &[], &batch)
                .unwrap_err(),
            Error::WrongSigner {
                position: 0,
                index: 0,
                ..
            }
        ));
        let mut tampered = batch.clone();
        tampered[1].body = vec![9u8].into();
        assert!(matches!(
            proof
                .verify(f.committee.commitment(), &[], &tampered)
                .unwrap_err(),
            Error::RootMismatch { .. }
        ));
        let reversed = [batch[1].clone(), batch[0].clone()];
        assert_eq!(
            proof
                .verify(f.committee.commitment(), &[], &reversed)
                .unwrap_err(),
            Error::NotAscending {
                position: 1,
                previous: 2,
                index: 1
            }
        );
        let mut mixed = batch.clone();
        mixed[1].origin = 1;
        assert_eq!(
            proof
                .verify(f.committee.commitment(), &[], &mixed)
                .unwrap_err(),
            Error::MixedOrigins {
                position: 1,
                expected: ORIGIN,
                found: 1
            }
        );
        assert_eq!(
            proof
                .verify(f.committee.commitment(), &[], &[])
                .unwrap_err(),
            Error::NoLeaves
        );

        let one =
            VerifierProof::signed_message(&f.committee, &cp, &signed, &f.messages[5]).unwrap();
        let pair = [f.messages[4].clone(), f.messages[5].clone()];
        assert_eq!(
            one.verify(f.committee.commitment(), &[], &pair)
                .unwrap_err(),
            Error::SingleMessageOnly { count: 2 }
        );

        // Swap two signatures: each now recovers to the other's validator.
        let VerifierProof::SignedMessage {
            root,
            committee,
            mut signatures,
        } = one
        else {
            unreachable!()
        };
        let (a, b) = (signatures.entries[0].1, signatures.entries[1].1);
        signatures.entries[0].1 = b;
        signatures.entries[1].1 = a;
        let swapped = VerifierProof::SignedMessage {
            root,
            committee: committee.clone(),
            signatures: signatures.clone(),
        };
        assert!(matches!(
            swapped
                .verify(f.committee.commitment(), &[], &f.messages[5..])
                .unwrap_err(),
            Error::WrongSigner {
                position: 0,
                index: 0,
                ..
            }
        ));
        signatures.entries.truncate(2);
        let short = VerifierProof::SignedMessage {
            root,
            committee,
            signatures,
        };
        assert_eq!(
            short
                .verify(f.committee.commitment(), &[], &f.messages[5..])
                .unwrap_err(),
            Error::NotEnoughSignatures {
                found: 2,
                needed: 3
            }
        );
    }

    #[test]
    fn decode_errors() {
        let f = fixture();
        let cp = f.checkpoint(5);
        let signed = f.sign(&cp, &[0, 1, 2]);
        let proof = VerifierProof::signed_root(&f.committee, &cp, &signed, &f.tree, &[0, 5])
            .unwrap()
            .encode()
            .unwrap();
        assert_eq!(VerifierProof::decode(&[]).unwrap_err(), Error::EmptyProof);
        assert_eq!(
            VerifierProof::decode(&[6]).unwrap_err(),
            Error::UnknownProofMode { mode: 6 }
        );
        assert!(matches!(
            VerifierProof::decode(&[4]).unwrap_err(),
            Error::ProofTruncated { .. }
        ));
        for len in 1..proof.len() {
            let err = VerifierProof::decode(&proof[..len]).unwrap_err();
            assert!(
                matches!(err, Error::ProofTruncated { .. }),
                "prefix {len}: {err}"
            );
        }
        assert_eq!(
            VerifierProof::decode(&proof[..1]).unwrap_err(),
            Error::ProofTruncated {
                what: "root",
                offset: 1,
                needed: 32,
                available: 0
            }
        );
        let mut long = proof.clone();
        long.push(0);
        assert_eq!(
            VerifierProof::decode(&long).unwrap_err(),
            Error::ProofBytesLeftOver {
                offset: proof.len(),
                extra: 1
            }
        );
        assert_eq!(
            VerifierProof::decode(&proof[..1 + 32 + 4 + 32 + 31]).unwrap_err(),
            Error::ProofTruncated {
                what: "committee origin mailbox",
                offset: 1 + 32 + 4 + 32,
                needed: 32,
                available: 31
            }
        );
        // Bitmap naming validator 5 of a 5-member committee.
        let bitmap_at = 1 + 32 + 4 + 32 + 34 + 5 * 20;
        let mut bad = proof.clone();
        bad[bitmap_at + 31] = 0b0010_0011;
        assert_eq!(
            VerifierProof::decode(&bad).unwrap_err(),
            Error::SignerBitOutOfRange { bit: 5, size: 5 }
        );
        // A zero origin Mailbox inside the proof.
        let committee_at = 1 + 32 + 4 + 32;
        let mut bad = proof.clone();
        bad[committee_at..committee_at + 32].fill(0);
        assert_eq!(
            VerifierProof::decode(&bad).unwrap_err(),
            Error::ZeroOriginMailbox
        );
        // A threshold above the size inside the proof.
        let mut bad = proof.clone();
        bad[committee_at + 32] = 6;
        assert_eq!(
            VerifierProof::decode(&bad).unwrap_err(),
            Error::ThresholdAboveSize {
                threshold: 6,
                size: 5
            }
        );
    }

    #[test]
    fn oversized_multiproof_refused() {
        let proof = VerifierProof::CachedRoot {
            root: B256::ZERO,
            multiproof: vec![B256::ZERO; 65_536],
        };
        assert_eq!(
            proof.encode().unwrap_err(),
            Error::MultiproofTooLarge { nodes: 65_536 }
        );
    }

    #[test]
    fn claimed_roots_are_mode_4_and_refused_by_a_committee_verifier() {
        let proof = VerifierProof::ClaimedRoot {
            root: B256::repeat_byte(0x44),
            multiproof: vec![B256::repeat_byte(0x55); 2],
        };
        let bytes = proof.encode().unwrap();
        // 0x04 ‖ root ‖ count (2) ‖ nodes
        assert_eq!(bytes.len(), 1 + 32 + 2 + 64);
        assert_eq!(bytes[0], MODE_CLAIMED_ROOT);
        assert_eq!(&bytes[33..35], &[0, 2]);
        assert_eq!(VerifierProof::decode(&bytes).unwrap(), proof);
        let message = Message {
            version: 1,
            nonce: 0,
            origin: 1,
            sender: B256::ZERO,
            destination: 2,
            recipient: B256::with_last_byte(1),
            body: Vec::new().into(),
        };
        assert_eq!(
            proof.verify(B256::ZERO, &[], &[message]).unwrap_err(),
            Error::UnknownProofMode { mode: 0x04 }
        );
    }

    #[test]
    fn storage_proofs_round_trip_with_solidity_abi_encoding() {
        use alloy_sol_types::SolValue;
        let account_proof = vec![vec![0xf8; 532], vec![0xe2, 0x01], Vec::new()];
        let storage_proof = vec![vec![0xab; 33], vec![7; 64]];
        let proof = VerifierProof::StorageProof {
            root: B256::repeat_byte(0x11),
            block_number: 17_917_816,
            account_proof: account_proof.clone(),
            storage_proof: storage_proof.clone(),
            multiproof: vec![B256::repeat_byte(0x22); 3],
        };
        let bytes = proof.encode().unwrap();
        // 0x03 ‖ root ‖ block ‖ length ‖ abi.encode(bytes[], bytes[]) ‖ multiproof
        let abi = (
            account_proof
                .iter()
                .map(|b| alloy_primitives::Bytes::from(b.clone()))
                .collect::<Vec<_>>(),
            storage_proof
                .iter()
                .map(|b| alloy_primitives::Bytes::from(b.clone()))
                .collect::<Vec<_>>(),
        )
            .abi_encode_params();
        assert_eq!(bytes[0], MODE_STORAGE_PROOF);
        assert_eq!(&bytes[33..41], &17_917_816u64.to_be_bytes());
        assert_eq!(
            u32::from_be_bytes(bytes[41..45].try_into().unwrap()) as usize,
            abi.len()
        );
        assert_eq!(&bytes[45..45 + abi.len()], abi.as_slice());
        assert_eq!(VerifierProof::decode(&bytes).unwrap(), proof);
        // A committee verifier refuses the mode, as the contract does.
        let f = fixture();
        assert_eq!(
            proof.verify(f.committee.commitment(), &[], &f.messages[..1]),
            Err(Error::UnknownProofMode { mode: 3 })
        );
        // Damaged storage proofs are named.
        let mut bad = bytes.clone();
        bad[45 + 31] = 0x41; // the first offset points past the data
        assert!(matches!(
            VerifierProof::decode(&bad),
            Err(Error::MalformedStorageProofs { offset: 45 })
        ));
    }
}

//! The one error type of `courier-core` and its `Result` alias.
//!
//! Every variant names the input that was wrong (a length, an index, an address) so that a relayer
//! log or a CLI message says what to fix without re-running anything. None of these errors is
//! retryable: they are all about malformed or inconsistent data, never about a transient condition.

use alloy_primitives::{Address, B256};

/// `Result` with [`Error`] as the error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while encoding, decoding, proving or signing Courier data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- messages ----
    /// A message encoding shorter than the fixed header.
    #[error("message too short: {len} bytes, the header alone is {header} bytes")]
    MessageTooShort {
        /// Length of the input.
        len: usize,
        /// Length of the header.
        header: usize,
    },
    /// A message whose version byte this build does not understand.
    #[error("unsupported message version {found}, expected {expected}")]
    UnsupportedVersion {
        /// Version byte found.
        found: u8,
        /// Version this build reads.
        expected: u8,
    },
    /// A `bytes32` that was expected to hold a left-padded EVM address has nonzero top bytes.
    #[error("{field} {value} is not a left-padded EVM address: its top 12 bytes are not zero")]
    NotAnAddress {
        /// Which field held it (`"recipient"`, `"sender"`, ...).
        field: &'static str,
        /// The offending value.
        value: B256,
    },

    // ---- Merkle trees ----
    /// The tree already holds the maximum number of leaves.
    #[error("merkle tree is full: it holds at most {max} leaves")]
    TreeFull {
        /// Maximum number of leaves.
        max: u32,
    },
    /// A leaf index at or past the number of leaves the tree (or its truncation) holds.
    #[error("leaf index {index} is out of range for a tree of {count} leaves")]
    LeafOutOfRange {
        /// The requested index.
        index: u32,
        /// The number of leaves it was checked against.
        count: u32,
    },
    /// A truncation count larger than the number of leaves inserted so far.
    #[error("cannot truncate to {count} leaves: the tree holds only {len}")]
    CountOutOfRange {
        /// The requested count.
        count: u32,
        /// The number of leaves held.
        len: u32,
    },
    /// A multiproof was requested or checked for no leaves at all.
    #[error("a multiproof needs at least one leaf")]
    NoLeaves,
    /// Leaf indices (or message nonces) that are not strictly ascending.
    #[error(
        "indices must be strictly ascending: {index} at position {position} follows {previous}"
    )]
    NotAscending {
        /// Position in the list of the offending index.
        position: usize,
        /// The index before it.
        previous: u32,
        /// The offending index.
        index: u32,
    },
    /// The multiproof ran out of nodes before reaching the root.
    #[error("multiproof too short: all {given} nodes consumed before the root was reached")]
    TooFewNodes {
        /// Number of nodes given.
        given: usize,
    },
    /// The root was reached with multiproof nodes left over.
    #[error("multiproof too long: {unused} of {given} nodes left over after the root")]
    NodesLeftOver {
        /// Number of nodes given.
        given: usize,
        /// Number of nodes not consumed.
        unused: usize,
    },

    // ---- keys and signatures ----
    /// Bytes that are not a valid secp256k1 private key.
    #[error("invalid secp256k1 private key (zero or not below the curve order)")]
    InvalidPrivateKey,
    /// Signing failed inside the ECDSA implementation.
    #[error("signing failed: {0}")]
    Signing(String),
    /// A signature that is not exactly 65 bytes.
    #[error("signature must be 65 bytes (r ‖ s ‖ v), got {len}")]
    SignatureLength {
        /// Length given.
        len: usize,
    },
    /// A signature whose `v` byte is not 27 or 28.
    #[error("signature v byte is {v}, expected 27 or 28")]
    SignatureV {
        /// The `v` byte found.
        v: u8,
    },
    /// A signature whose `s` is in the upper half of the curve order (malleable; refused on chain).
    #[error("signature s is above n/2 (not canonical low-s)")]
    SignatureHighS,
    /// A signature from which no public key can be recovered.
    #[error("signature does not recover to any key: {0}")]
    Recovery(String),
    /// A signed checkpoint whose signature recovers to another address than the one it claims.
    #[error("signature claims signer {claimed} but recovers to {recovered}")]
    SignerMismatch {
        /// Signer named next to the signature.
        claimed: Address,
        /// Address the signature recovers to.
        recovered: Address,
    },

    /// A proof names the zero root, which no verifier accepts.
    #[error("the proof's root is zero; no verifier accepts it")]
    ZeroRoot,

    // ---- committees ----
    /// A committee whose origin Mailbox is zero (no Mailbox lives there; the contract refuses it).
    #[error("committee origin Mailbox is zero")]
    ZeroOriginMailbox,
    /// A committee without validators.
    #[error("committee has no validators")]
    EmptyCommittee,
    /// A committee with threshold 0.
    #[error("committee threshold must be at least 1")]
    ZeroThreshold,
    /// A committee whose threshold exceeds its size.
    #[error("committee threshold {threshold} exceeds its {size} validators")]
    ThresholdAboveSize {
        /// Threshold given.
        threshold: u8,
        /// Number of validators.
        size: usize,
    },
    /// A committee with more than 255 validators.
    #[error("committee has {size} validators, at most 255 are allowed")]
    TooManyValidators {
        /// Number of validators given.
        size: usize,
    },
    /// The zero address in a validator list.
    #[error("validator {index} is the zero address")]
    ZeroValidator {
        /// Position of the zero address.
        index: usize,
    },
    /// A validator list that is not strictly ascending (which also rules out duplicates).
    #[error(
        "validators must be strictly ascending: validator {index} ({address}) follows {previous}"
    )]
    ValidatorsNotAscending {
        /// Position of the offending address.
        index: usize,
        /// The offending address.
        address: Address,
        /// The address before it.
        previous: Address,
    },

    // ---- verifier proofs ----
    /// Fewer valid committee signatures for a checkpoint than the threshold.
    #[error("not enough signatures: {found} valid from committee members, {needed} needed")]
    NotEnoughSignatures {
        /// Valid member signatures found.
        found: usize,
        /// The committee threshold.
        needed: usize,
    },
    /// A checkpoint of another origin Mailbox than the one the committee watches: the verifier
    /// checks signatures against the committee's Mailbox, so they would not verify.
    #[error(
        "checkpoint is for origin Mailbox {checkpoint}, but the committee watches origin Mailbox {committee}"
    )]
    OriginMailboxMismatch {
        /// The checkpoint's origin Mailbox.
        checkpoint: B256,
        /// The committee's origin Mailbox.
        committee: B256,
    },
    /// A checkpoint that does not match the message or tree it is meant to prove.
    #[error("checkpoint {field} is {checkpoint}, expected {expected}")]
    CheckpointMismatch {
        /// The field that differs.
        field: &'static str,
        /// The checkpoint's value.
        checkpoint: String,
        /// The value the message or tree gives.
        expected: String,
    },
    /// A multiproof with more nodes than the 2-byte count of the proof format allows.
    #[error("multiproof has {nodes} nodes, a proof carries at most 65535")]
    MultiproofTooLarge {
        /// Number of nodes.
        nodes: usize,
    },
    /// Storage proofs too large for the proof format's 4-byte length.
    #[error("storage proofs of {bytes} bytes do not fit a proof")]
    StorageProofTooLarge {
        /// Their encoded size.
        bytes: usize,
    },
    /// The storage-proof field of a mode-3 proof is not `abi.encode(bytes[], bytes[])`.
    #[error("storage proofs at byte {offset} are not abi.encode(bytes[], bytes[])")]
    MalformedStorageProofs {
        /// Offset of the field in the proof.
        offset: usize,
    },
    /// An empty verifier proof (not even a mode byte).
    #[error("proof is empty: no mode byte")]
    EmptyProof,
    /// A mode byte no verifier knows.
    #[error("unknown proof mode {mode:#04x}")]
    UnknownProofMode {
        /// The mode byte.
        mode: u8,
    },
    /// A proof that ends in the middle of a field.
    #[error(
        "proof truncated reading {what} at byte {offset}: {needed} bytes needed, {available} left"
    )]
    ProofTruncated {
        /// The field being read.
        what: &'static str,
        /// Offset of the field in the proof.
        offset: usize,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the proof.
        available: usize,
    },
    /// A proof with bytes after its last field.
    #[error("proof has {extra} bytes left over after its last field (at byte {offset})")]
    ProofBytesLeftOver {
        /// Offset of the first extra byte.
        offset: usize,
        /// Number of extra bytes.
        extra: usize,
    },
    /// A signer bitmap naming a validator index the committee does not have.
    #[error("signer bitmap sets bit {bit} but the committee has only {size} validators")]
    SignerBitOutOfRange {
        /// The highest set bit.
        bit: usize,
        /// Committee size.
        size: usize,
    },
    /// A mode-1 proof offered for a batch (it proves exactly one message).
    #[error("a signed-message proof proves exactly one message, got {count}")]
    SingleMessageOnly {
        /// Number of messages given.
        count: usize,
    },
    /// A batch whose messages come from different origins.
    #[error("message {position} comes from origin {found}, the batch is from origin {expected}")]
    MixedOrigins {
        /// Position of the offending message.
        position: usize,
        /// Origin of the batch (its first message).
        expected: u64,
        /// Origin of the offending message.
        found: u64,
    },
    /// A committee proof for an origin the verifier holds no committee for (zero commitment).
    #[error("no committee is configured for origin {origin}")]
    NoCommittee {
        /// The messages' origin.
        origin: u64,
    },
    /// A proof whose committee is not the one the verifier holds.
    #[error("proof carries committee {found}, the verifier holds {expected}")]
    CommitteeMismatch {
        /// Commitment the verifier holds.
        expected: B256,
        /// Commitment of the committee in the proof.
        found: B256,
    },
    /// A signature in a proof that does not recover to the validator its bitmap bit names.
    #[error(
        "signature {position} recovers to {recovered}, expected validator {index} ({expected})"
    )]
    WrongSigner {
        /// Position of the signature in the proof.
        position: usize,
        /// Validator index named by the bitmap.
        index: usize,
        /// That validator's address.
        expected: Address,
        /// Address the signature recovers to.
        recovered: Address,
    },
    /// A mode-0 proof against a root the verifier has not accepted.
    #[error("root {root} is not cached for this origin")]
    RootNotCached {
        /// The root named by the proof.
        root: B256,
    },
    /// A multiproof that leads to another root than the one the proof names.
    #[error("messages prove root {computed}, the proof names {expected}")]
    RootMismatch {
        /// Root named by the proof.
        expected: B256,
        /// Root computed from the messages and the multiproof.
        computed: B256,
    },
}

//! Errors of the light client: each variant names the one check that failed and its inputs.

use alloy_primitives::B256;

use crate::{bls::BlsPubkey, config::Fork};

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How a caller should treat an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The bytes, JSON or config could not be read at all.
    Decode,
    /// The data fails a check of the sync protocol (a proof, the signature, participation,
    /// header validity): do not trust its source for this data.
    Rejected,
    /// The data may be genuine but does not fit the store now (a sync-committee period the store
    /// cannot verify yet, an old update, a signature slot in the future): fetch other updates
    /// first or retry later.
    NotApplicable,
}

/// What went wrong decoding or verifying light-client data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// SSZ bytes that do not decode as the named type.
    #[error("SSZ {ty}: {reason}")]
    Ssz {
        /// The SSZ type being decoded.
        ty: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A `.ssz_snappy` payload that does not decompress.
    #[error("snappy: {0}")]
    Snappy(String),
    /// JSON that does not decode (serde's message, with the field path where it has one).
    #[error("JSON: {0}")]
    Json(String),
    /// A chain config that cannot be read.
    #[error("config: {0}")]
    Config(String),
    /// A field with the wrong number of entries for the preset or format.
    #[error("{what} has {got} entries, expected {expected}")]
    WrongLength {
        /// The field.
        what: &'static str,
        /// Entries found.
        got: usize,
        /// Entries the preset or format needs.
        expected: usize,
    },
    /// Light-client data of a fork without a supported format (before Capella).
    #[error("fork {fork} has no supported light-client format (Capella or later is needed)")]
    UnsupportedFork {
        /// The fork.
        fork: Fork,
    },
    /// A fork name this crate does not know.
    #[error("unknown fork name {0:?}")]
    UnknownForkName(String),
    /// A fork digest that matches no scheduled fork of the chain config.
    #[error("fork digest {digest} matches no fork of the chain config")]
    UnknownForkDigest {
        /// The digest, 0x-hex.
        digest: String,
    },
    /// A sync-committee member index past the committee's end.
    #[error("pubkey index {index} is outside the committee of {size}")]
    PubkeyIndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// The committee size.
        size: usize,
    },
    /// Bytes that are not a compressed G1 point.
    #[error("{pubkey} is not a BLS public key")]
    InvalidPubkeyBytes {
        /// The bytes.
        pubkey: BlsPubkey,
    },

    /// The bootstrap's header is not the block the caller trusts.
    #[error("bootstrap header root {got} is not the trusted block root {trusted}")]
    UntrustedBootstrap {
        /// `hash_tree_root` of the bootstrap's beacon header.
        got: B256,
        /// The root the caller trusts.
        trusted: B256,
    },
    /// The bootstrap's committee branch does not prove its committee in the header's state.
    #[error(
        "current sync committee branch does not prove the committee in the state of slot {slot}"
    )]
    InvalidCurrentSyncCommitteeBranch {
        /// Slot of the bootstrap header.
        slot: u64,
    },
    /// A header's execution branch does not prove its execution payload header in the body root.
    #[error(
        "execution branch does not prove the execution payload header in the body of slot {slot}"
    )]
    InvalidExecutionBranch {
        /// Slot of the header.
        slot: u64,
    },
    /// A header that is not valid for the fork of its slot (`is_valid_light_client_header`).
    #[error("header at slot {slot} is not valid for its fork: {reason}")]
    InvalidHeader {
        /// Slot of the header.
        slot: u64,
        /// Which rule it breaks.
        reason: &'static str,
    },

    /// Too few sync-committee members signed: fewer than `MIN_SYNC_COMMITTEE_PARTICIPANTS`, or
    /// fewer than two thirds for a finality update under
    /// [`UpdatePolicy::SupermajorityForFinality`](crate::UpdatePolicy::SupermajorityForFinality).
    #[error("sync committee participation {got} is below the {need} required")]
    InsufficientParticipation {
        /// Members that signed.
        got: u64,
        /// Members needed.
        need: u64,
    },
    /// The participation bitvector does not match the committee size.
    #[error("sync committee bits cover {got} members, the committee has {expected}")]
    WrongParticipationLength {
        /// Bits in the update.
        got: usize,
        /// Committee size.
        expected: usize,
    },
    /// The update was signed after the caller's current slot.
    #[error("signature slot {signature_slot} is after the current slot {current_slot}")]
    SignatureSlotInFuture {
        /// The update's signature slot.
        signature_slot: u64,
        /// The caller's current slot.
        current_slot: u64,
    },
    /// Slots that break `signature_slot > attested_slot >= finalized_slot`.
    #[error(
        "update slots out of order: signature slot {signature_slot}, attested slot \
         {attested_slot}, finalized slot {finalized_slot}"
    )]
    SlotsOutOfOrder {
        /// Signature slot.
        signature_slot: u64,
        /// Attested header slot.
        attested_slot: u64,
        /// Finalized header slot.
        finalized_slot: u64,
    },
    /// The update was signed in a period whose committee the store does not have.
    #[error(
        "update signed in sync committee period {update_period}; the store is in period \
         {store_period} and {}",
        if *next_committee_known { "knows the next committee" } else { "does not know the next committee" }
    )]
    WrongSyncCommitteePeriod {
        /// Period of the signature slot.
        update_period: u64,
        /// Period of the store's finalized header.
        store_period: u64,
        /// Whether the store knows the next period's committee.
        next_committee_known: bool,
    },
    /// The update neither attests a header newer than the finalized one nor brings a needed next
    /// sync committee.
    #[error(
        "update is not relevant: attested slot {attested_slot} is not after the finalized slot \
         {finalized_slot} and it brings no needed next sync committee"
    )]
    IrrelevantUpdate {
        /// Attested header slot.
        attested_slot: u64,
        /// Store's finalized slot.
        finalized_slot: u64,
    },
    /// No finality branch, but a finalized header that is not empty.
    #[error("update has no finality branch but a non-empty finalized header")]
    UnexpectedFinalizedHeader,
    /// The finality branch does not prove the finalized header in the attested state.
    #[error(
        "finality branch does not prove the finalized header in the state of attested slot {attested_slot}"
    )]
    InvalidFinalityBranch {
        /// Attested header slot.
        attested_slot: u64,
    },
    /// No next-sync-committee branch, but a next sync committee that is not empty.
    #[error("update has no next sync committee branch but a non-empty next sync committee")]
    UnexpectedNextSyncCommittee,
    /// The next sync committee differs from the one the store already holds for that period.
    #[error("next sync committee differs from the one the store already knows for this period")]
    NextSyncCommitteeMismatch,
    /// The next-sync-committee branch does not prove the committee in the attested state.
    #[error(
        "next sync committee branch does not prove the committee in the state of attested slot {attested_slot}"
    )]
    InvalidNextSyncCommitteeBranch {
        /// Attested header slot.
        attested_slot: u64,
    },
    /// A participating member's key is not a valid BLS public key.
    #[error("sync committee member {index} has an invalid BLS public key")]
    InvalidPubkey {
        /// Committee index of the member.
        index: usize,
    },
    /// The signature bytes are not a G2 point.
    #[error("sync committee signature is not a valid G2 point")]
    MalformedSignature,
    /// The aggregate signature does not verify for the participants and the signing root.
    #[error(
        "sync committee signature does not verify (signature slot {signature_slot}, \
         {participants} participants)"
    )]
    InvalidSignature {
        /// The update's signature slot.
        signature_slot: u64,
        /// Members whose keys were aggregated.
        participants: usize,
    },
    /// A forced update whose finalized period is not the store's while the next committee is
    /// unknown (the spec's assertion in `apply_light_client_update`).
    #[error(
        "forced update finalizes period {update_period}, the store is in period {store_period}"
    )]
    ForcedUpdatePeriodMismatch {
        /// Period of the update's finalized header.
        update_period: u64,
        /// Period of the store's finalized header.
        store_period: u64,
    },
}

impl Error {
    /// How to treat the error: unreadable input, data that fails a check, or data that does
    /// not fit the store's state now.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Ssz { .. }
            | Self::Snappy(_)
            | Self::Json(_)
            | Self::Config(_)
            | Self::WrongLength { .. }
            | Self::UnsupportedFork { .. }
            | Self::UnknownForkName(_)
            | Self::UnknownForkDigest { .. }
            | Self::PubkeyIndexOutOfRange { .. }
            | Self::InvalidPubkeyBytes { .. } => ErrorKind::Decode,
            Self::SignatureSlotInFuture { .. }
            | Self::WrongSyncCommitteePeriod { .. }
            | Self::IrrelevantUpdate { .. }
            | Self::ForcedUpdatePeriodMismatch { .. } => ErrorKind::NotApplicable,
            Self::UntrustedBootstrap { .. }
            | Self::InvalidCurrentSyncCommitteeBranch { .. }
            | Self::InvalidExecutionBranch { .. }
            | Self::InvalidHeader { .. }
            | Self::InsufficientParticipation { .. }
            | Self::WrongParticipationLength { .. }
            | Self::SlotsOutOfOrder { .. }
            | Self::UnexpectedFinalizedHeader
            | Self::InvalidFinalityBranch { .. }
            | Self::UnexpectedNextSyncCommittee
            | Self::NextSyncCommitteeMismatch
            | Self::InvalidNextSyncCommitteeBranch { .. }
            | Self::InvalidPubkey { .. }
            | Self::MalformedSignature
            | Self::InvalidSignature { .. } => ErrorKind::Rejected,
        }
    }
}

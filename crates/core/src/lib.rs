//! Courier's wire formats and the pure computations over them.
//!
//! Everything an origin Mailbox, a verifier contract, a validator and a relayer must agree on byte
//! for byte, as specified in docs/protocol.md: [`message`]s and their ids, the [`merkle`] tree of
//! message ids with its multiproofs, [`checkpoint`]s and validator signatures over them, the
//! [`committee`] of validators, and the verifier [`proof`]s built from all of these.
//!
//! No IO happens here (no network, no files, no clock): agents do IO and call into this crate.
//! The `courier-vectors` binary writes the shared test vectors of `vectors/`.

pub mod checkpoint;
pub mod claim;
pub mod committee;
pub mod error;
pub mod merkle;
pub mod message;
pub mod proof;
pub mod safety;

pub use checkpoint::{CHECKPOINT_TAG, Checkpoint, SignedCheckpoint};
pub use committee::Committee;
pub use error::{Error, Result};
pub use merkle::{IncrementalTree, MerkleTree, ZERO_HASHES, multiproof_root};
pub use message::{HEADER_LEN, Message, VERSION};
pub use proof::{CommitteeSignatures, VerifierProof};

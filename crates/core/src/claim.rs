//! Optimistic claims: a bonded proposer's signed statement "the Mailbox `origin_mailbox` on
//! `origin` had root `root` after inserting leaf `index`". Posted on a destination's optimistic
//! verifier, it matures after the dispute window unless a watcher vetoes it; signed, it can be
//! proven false on the origin, where the proposer's bond is slashed. Hashed exactly as the
//! `OptimisticVerifier` and `ProposerBond` contracts do (`claimDigest`).

use std::sync::LazyLock;

use alloy_primitives::{Address, B256, Signature, keccak256};
use k256::ecdsa::SigningKey;

use crate::{
    checkpoint::check_low_s,
    error::{Error, Result},
};

/// Domain tag of claim signatures: `keccak256("courier.optimistic.claim.v1")`.
pub static CLAIM_TAG: LazyLock<B256> = LazyLock::new(|| keccak256(CLAIM_TAG_PREIMAGE.as_bytes()));

/// The string hashed into [`CLAIM_TAG`].
pub const CLAIM_TAG_PREIMAGE: &str = "courier.optimistic.claim.v1";

/// A claim of an origin Mailbox's root at an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Claim {
    /// Domain of the origin chain.
    pub origin: u64,
    /// The origin Mailbox, left-padded to 32 bytes.
    pub origin_mailbox: B256,
    /// The claimed root of the tree holding leaves `0..=index`.
    pub root: B256,
    /// Index of the last leaf.
    pub index: u32,
}

impl Claim {
    /// `keccak256(CLAIM_TAG ‖ origin ‖ origin_mailbox ‖ root ‖ index)`, packed.
    pub fn struct_hash(&self) -> B256 {
        let mut buf = Vec::with_capacity(32 + 8 + 32 + 32 + 4);
        buf.extend_from_slice(CLAIM_TAG.as_slice());
        buf.extend_from_slice(&self.origin.to_be_bytes());
        buf.extend_from_slice(self.origin_mailbox.as_slice());
        buf.extend_from_slice(self.root.as_slice());
        buf.extend_from_slice(&self.index.to_be_bytes());
        keccak256(buf)
    }

    /// What the proposer signs: the EIP-191 (`personal_sign`) hash of [`Self::struct_hash`].
    pub fn digest(&self) -> B256 {
        let mut buf = [0u8; 28 + 32];
        buf[..28].copy_from_slice(b"\x19Ethereum Signed Message:\n32");
        buf[28..].copy_from_slice(self.struct_hash().as_slice());
        keccak256(buf)
    }

    /// Signs the claim (deterministic ECDSA, low s, v ∈ {27, 28}).
    pub fn sign(&self, key: &SigningKey) -> Result<Signature> {
        let (signature, recovery_id) = key
            .sign_prehash_recoverable(self.digest().as_slice())
            .map_err(|e| Error::Signing(e.to_string()))?;
        let signature = Signature::from((signature, recovery_id));
        check_low_s(&signature)?;
        Ok(signature)
    }

    /// Who signed the claim with `signature`.
    pub fn recover(&self, signature: &Signature) -> Result<Address> {
        check_low_s(signature)?;
        signature
            .recover_address_from_prehash(&self.digest())
            .map_err(|e| Error::Recovery(e.to_string()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::checkpoint::{signer_address, signing_key};

    #[test]
    fn a_claim_signature_recovers_its_proposer_and_binds_every_field() {
        let key = signing_key(&keccak256(b"proposer")).unwrap();
        let claim = Claim {
            origin: 31337,
            origin_mailbox: B256::repeat_byte(0xaa),
            root: B256::repeat_byte(0x11),
            index: 7,
        };
        let signature = claim.sign(&key).unwrap();
        assert_eq!(claim.recover(&signature).unwrap(), signer_address(&key));
        for other in [
            Claim { origin: 1, ..claim },
            Claim {
                origin_mailbox: B256::repeat_byte(0xab),
                ..claim
            },
            Claim {
                root: B256::repeat_byte(0x12),
                ..claim
            },
            Claim { index: 8, ..claim },
        ] {
            assert_ne!(other.recover(&signature).unwrap(), signer_address(&key));
        }
        // The packed layout: tag, origin (8), mailbox, root, index (4).
        let mut packed = CLAIM_TAG.to_vec();
        packed.extend_from_slice(&31337u64.to_be_bytes());
        packed.extend_from_slice(&[0xaa; 32]);
        packed.extend_from_slice(&[0x11; 32]);
        packed.extend_from_slice(&7u32.to_be_bytes());
        assert_eq!(claim.struct_hash(), keccak256(packed));
    }
}

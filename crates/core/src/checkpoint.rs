//! Checkpoints of an origin Mailbox and the validator signatures over them.
//!
//! A checkpoint says "the Mailbox `origin_mailbox` on `origin` had root `root` after inserting
//! leaf `index`, whose id is `message_id`". Validators sign it (docs/protocol.md, "Checkpoint
//! signatures"), publish the [`SignedCheckpoint`] as JSON, and relayers gather enough of them to
//! build a committee proof. Everything here must hash exactly as the `CommitteeVerifier` contract
//! does; `vectors/checkpoint.json` checks that on both sides.

use std::sync::LazyLock;

use alloy_primitives::{Address, B256, Signature, U256, keccak256};
use k256::ecdsa::SigningKey;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Domain tag of checkpoint signatures: `keccak256("courier.committee.checkpoint.v1")`.
pub static CHECKPOINT_TAG: LazyLock<B256> =
    LazyLock::new(|| keccak256(CHECKPOINT_TAG_PREIMAGE.as_bytes()));

/// The string hashed into [`CHECKPOINT_TAG`].
pub const CHECKPOINT_TAG_PREIMAGE: &str = "courier.committee.checkpoint.v1";

/// Length of an encoded signature, `r ‖ s ‖ v`.
pub const SIGNATURE_LEN: usize = 65;

/// Half the secp256k1 group order: a canonical signature has `s` at most this.
const HALF_ORDER: U256 = U256::from_be_bytes([
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
]);

/// A statement about the tree of one origin Mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    /// Domain of the origin chain.
    pub origin: u64,
    /// The origin Mailbox, left-padded to 32 bytes.
    pub origin_mailbox: B256,
    /// Root of the tree holding leaves `0..=index`.
    pub root: B256,
    /// Index of the last leaf (`count - 1`).
    pub index: u32,
    /// Id of the message at `index`.
    pub message_id: B256,
}

impl Checkpoint {
    /// `keccak256(CHECKPOINT_TAG ‖ origin ‖ origin_mailbox ‖ root ‖ index ‖ message_id)`, packed.
    pub fn struct_hash(&self) -> B256 {
        let mut buf = Vec::with_capacity(32 + 8 + 32 + 32 + 4 + 32);
        buf.extend_from_slice(CHECKPOINT_TAG.as_slice());
        buf.extend_from_slice(&self.origin.to_be_bytes());
        buf.extend_from_slice(self.origin_mailbox.as_slice());
        buf.extend_from_slice(self.root.as_slice());
        buf.extend_from_slice(&self.index.to_be_bytes());
        buf.extend_from_slice(self.message_id.as_slice());
        keccak256(buf)
    }

    /// What validators sign: the EIP-191 (`personal_sign`) hash of [`Self::struct_hash`].
    pub fn digest(&self) -> B256 {
        let mut buf = [0u8; 28 + 32];
        buf[..28].copy_from_slice(b"\x19Ethereum Signed Message:\n32");
        buf[28..].copy_from_slice(self.struct_hash().as_slice());
        keccak256(buf)
    }

    /// Signs the checkpoint with a local key (RFC 6979 deterministic ECDSA, low-s, v ∈ {27, 28}).
    pub fn sign(&self, key: &SigningKey) -> Result<SignedCheckpoint> {
        let (signature, recovery_id) = key
            .sign_prehash_recoverable(self.digest().as_slice())
            .map_err(|e| Error::Signing(e.to_string()))?;
        let signature = Signature::from((signature, recovery_id));
        // k256 normalises s; a high s here would be a bug in it, which the contract would refuse.
        check_low_s(&signature)?;
        Ok(SignedCheckpoint {
            checkpoint: *self,
            signature,
            signer: Address::from_private_key(key),
        })
    }

    /// The address that signed this checkpoint with `signature`; an error for a non-canonical
    /// signature (high s) or one that recovers to no key.
    pub fn recover(&self, signature: &Signature) -> Result<Address> {
        check_low_s(signature)?;
        signature
            .recover_address_from_prehash(&self.digest())
            .map_err(|e| Error::Recovery(e.to_string()))
    }
}

/// A checkpoint, a validator's signature over it and the validator's address, as validators
/// publish it (JSON with camelCase fields and 0x-hex strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedCheckpoint {
    /// What was signed.
    pub checkpoint: Checkpoint,
    /// The signature, serialized as 65 bytes `r ‖ s ‖ v`.
    #[serde(with = "signature_hex")]
    pub signature: Signature,
    /// The address the publisher claims signed it; see [`Self::verify`].
    pub signer: Address,
}

impl SignedCheckpoint {
    /// Checks that the signature recovers to `signer`. Data read from a validator's storage must
    /// pass this before it is trusted.
    pub fn verify(&self) -> Result<()> {
        let recovered = self.checkpoint.recover(&self.signature)?;
        if recovered != self.signer {
            return Err(Error::SignerMismatch {
                claimed: self.signer,
                recovered,
            });
        }
        Ok(())
    }
}

/// The 65-byte encoding `r ‖ s ‖ v` with `v` ∈ {27, 28}.
pub fn encode_signature(signature: &Signature) -> [u8; SIGNATURE_LEN] {
    signature.as_bytes()
}

/// Parses a 65-byte `r ‖ s ‖ v` signature, refusing what the on-chain verifier refuses: a `v`
/// other than 27 or 28 and a high `s`.
pub fn decode_signature(bytes: &[u8]) -> Result<Signature> {
    let bytes: &[u8; SIGNATURE_LEN] = bytes
        .try_into()
        .map_err(|_| Error::SignatureLength { len: bytes.len() })?;
    let v = bytes[64];
    let parity = match v {
        27 => false,
        28 => true,
        _ => return Err(Error::SignatureV { v }),
    };
    let signature = Signature::new(
        U256::from_be_slice(&bytes[..32]),
        U256::from_be_slice(&bytes[32..64]),
        parity,
    );
    check_low_s(&signature)?;
    Ok(signature)
}

/// A signing key from 32 private-key bytes.
pub fn signing_key(private_key: &B256) -> Result<SigningKey> {
    SigningKey::from_slice(private_key.as_slice()).map_err(|_| Error::InvalidPrivateKey)
}

/// The address of a signing key.
pub fn signer_address(key: &SigningKey) -> Address {
    Address::from_private_key(key)
}

pub(crate) fn check_low_s(signature: &Signature) -> Result<()> {
    if signature.s() > HALF_ORDER {
        return Err(Error::SignatureHighS);
    }
    Ok(())
}

/// Serde for a [`Signature`] as a 0x-prefixed 65-byte hex string.
mod signature_hex {
    use alloy_primitives::{Signature, hex};
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(super) fn serialize<S: Serializer>(
        sig: &Signature,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode_prefixed(super::encode_signature(sig)))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Signature, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = hex::decode(&text).map_err(D::Error::custom)?;
        super::decode_signature(&bytes).map_err(D::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use alloy_primitives::{b256, eip191_hash_message, hex};

    use super::*;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: 11_297_108_109,
            origin_mailbox: B256::with_last_byte(0xaa),
            root: b256!("0x1111111111111111111111111111111111111111111111111111111111111111"),
            index: 41,
            message_id: b256!("0x2222222222222222222222222222222222222222222222222222222222222222"),
        }
    }

    fn key(i: u8) -> SigningKey {
        signing_key(&keccak256([i])).unwrap()
    }

    #[test]
    fn tag_and_hashes() {
        assert_eq!(
            *CHECKPOINT_TAG,
            keccak256(b"courier.committee.checkpoint.v1")
        );
        let cp = checkpoint();
        let packed = [
            CHECKPOINT_TAG.as_slice(),
            &cp.origin.to_be_bytes(),
            cp.origin_mailbox.as_slice(),
            cp.root.as_slice(),
            &cp.index.to_be_bytes(),
            cp.message_id.as_slice(),
        ]
        .concat();
        assert_eq!(packed.len(), 140);
        assert_eq!(cp.struct_hash(), keccak256(&packed));
        assert_eq!(cp.digest(), eip191_hash_message(cp.struct_hash()));
        // Every field is bound.
        let variants = [
            Checkpoint { origin: 1, ..cp },
            Checkpoint {
                origin_mailbox: B256::with_last_byte(0xab),
                ..cp
            },
            Checkpoint {
                root: B256::ZERO,
                ..cp
            },
            Checkpoint { index: 42, ..cp },
            Checkpoint {
                message_id: B256::ZERO,
                ..cp
            },
        ];
        for other in variants {
            assert_ne!(other.struct_hash(), cp.struct_hash(), "{other:?}");
        }
    }

    #[test]
    fn sign_and_recover() {
        let cp = checkpoint();
        let signed = cp.sign(&key(1)).unwrap();
        assert_eq!(signed.signer, signer_address(&key(1)));
        signed.verify().unwrap();
        assert_eq!(cp.recover(&signed.signature).unwrap(), signed.signer);
        // RFC 6979: deterministic.
        assert_eq!(cp.sign(&key(1)).unwrap(), signed);
        let bytes = encode_signature(&signed.signature);
        assert!(bytes[64] == 27 || bytes[64] == 28);
        assert!(U256::from_be_slice(&bytes[32..64]) <= HALF_ORDER);
        assert_eq!(decode_signature(&bytes).unwrap(), signed.signature);
        // Another checkpoint recovers to someone else.
        let other = Checkpoint { index: 42, ..cp };
        assert_ne!(other.recover(&signed.signature).unwrap(), signed.signer);
    }

    #[test]
    fn both_parities_occur_and_stay_low_s() {
        let cp = checkpoint();
        let vs: Vec<u8> = (0..16)
            .map(|i| encode_signature(&cp.sign(&key(i)).unwrap().signature)[64])
            .collect();
        assert!(vs.contains(&27) && vs.contains(&28), "{vs:?}");
    }

    #[test]
    fn non_canonical_signatures_refused() {
        let cp = checkpoint();
        let signed = cp.sign(&key(2)).unwrap();
        let bytes = encode_signature(&signed.signature);
        assert_eq!(
            decode_signature(&bytes[..64]).unwrap_err(),
            Error::SignatureLength { len: 64 }
        );
        for v in [0u8, 1, 29, 37] {
            let mut bad = bytes;
            bad[64] = v;
            assert_eq!(decode_signature(&bad).unwrap_err(), Error::SignatureV { v });
        }
        // The malleable twin (n - s, flipped v) recovers to the same key but is refused.
        let order = (HALF_ORDER << 1) + U256::ONE;
        let twin = Signature::new(
            signed.signature.r(),
            order - signed.signature.s(),
            !signed.signature.v(),
        );
        assert_eq!(
            decode_signature(&encode_signature(&twin)).unwrap_err(),
            Error::SignatureHighS
        );
        assert_eq!(cp.recover(&twin).unwrap_err(), Error::SignatureHighS);
    }

    #[test]
    fn claimed_signer_is_checked() {
        let mut signed = checkpoint().sign(&key(3)).unwrap();
        let real = signed.signer;
        signed.signer = signer_address(&key(4));
        assert_eq!(
            signed.verify().unwrap_err(),
            Error::SignerMismatch {
                claimed: signer_address(&key(4)),
                recovered: real
            }
        );
    }

    #[test]
    fn invalid_private_keys() {
        assert_eq!(
            signing_key(&B256::ZERO).unwrap_err(),
            Error::InvalidPrivateKey
        );
        assert_eq!(
            signing_key(&B256::repeat_byte(0xff)).unwrap_err(),
            Error::InvalidPrivateKey
        );
    }

    #[test]
    fn json_form() {
        let signed = checkpoint().sign(&key(5)).unwrap();
        let json = serde_json::to_value(signed).unwrap();
        let cp = &json["checkpoint"];
        assert_eq!(cp["origin"], 11_297_108_109u64);
        assert_eq!(cp["index"], 41);
        assert_eq!(
            cp["originMailbox"],
            "0x00000000000000000000000000000000000000000000000000000000000000aa"
        );
        assert!(cp["messageId"].is_string() && cp["root"].is_string());
        let signature = json["signature"].as_str().unwrap().to_owned();
        assert_eq!(
            signature,
            hex::encode_prefixed(encode_signature(&signed.signature))
        );
        assert_eq!(signature.len(), 2 + 130);
        let signer = json["signer"].as_str().unwrap().to_owned();
        assert_eq!(signer, signer.to_lowercase());
        let back: SignedCheckpoint = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, signed);
        // A non-canonical signature does not even parse.
        let mut bad = json;
        let mut text = signature;
        text.replace_range(text.len() - 2.., "00");
        bad["signature"] = text.into();
        assert!(serde_json::from_value::<SignedCheckpoint>(bad).is_err());
    }
}

//! BLS12-381 as the beacon chain uses it (`min_pk`: public keys in G1, signatures in G2, the
//! proof-of-possession ciphersuite), signing domains and signing roots, and the encodings of a
//! public key that an EVM verifier using the EIP-2537 precompiles needs.

use alloy_primitives::{B256, FixedBytes};
use blst::{
    BLST_ERROR,
    min_pk::{PublicKey, Signature},
};

use crate::{
    error::{Error, Result},
    ssz::hash_pair,
};

/// A compressed BLS public key (a G1 point, 48 bytes).
pub type BlsPubkey = FixedBytes<48>;

/// A compressed BLS signature (a G2 point, 96 bytes).
pub type BlsSignature = FixedBytes<96>;

/// The hash-to-curve domain separation tag of Ethereum's BLS signatures.
pub const DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/// `DOMAIN_SYNC_COMMITTEE`.
pub const DOMAIN_SYNC_COMMITTEE: [u8; 4] = [7, 0, 0, 0];

/// `compute_fork_data_root`: `hash_tree_root(ForkData(current_version, genesis_validators_root))`.
pub fn compute_fork_data_root(version: [u8; 4], genesis_validators_root: &B256) -> B256 {
    let mut version_chunk = B256::ZERO;
    version_chunk[..4].copy_from_slice(&version);
    hash_pair(&version_chunk, genesis_validators_root)
}

/// `compute_domain`: the domain type followed by the first 28 bytes of the fork data root.
pub fn compute_domain(
    domain_type: [u8; 4],
    fork_version: [u8; 4],
    genesis_validators_root: &B256,
) -> B256 {
    let fork_data_root = compute_fork_data_root(fork_version, genesis_validators_root);
    let mut domain = B256::ZERO;
    domain[..4].copy_from_slice(&domain_type);
    domain[4..].copy_from_slice(&fork_data_root[..28]);
    domain
}

/// `compute_signing_root`: `hash_tree_root(SigningData(object_root, domain))`.
pub fn compute_signing_root(object_root: &B256, domain: &B256) -> B256 {
    hash_pair(object_root, domain)
}

/// Decompresses and validates a public key (on the curve, in the subgroup, not the identity).
pub fn parse_pubkey(pubkey: &BlsPubkey) -> Option<PublicKey> {
    PublicKey::key_validate(pubkey.as_slice()).ok()
}

/// `FastAggregateVerify(pubkeys, message, signature)`: one signature by every key over the same
/// message. `pubkeys` carries each key's committee index so that a bad key can be named.
pub fn fast_aggregate_verify(
    pubkeys: &[(usize, &BlsPubkey)],
    message: &B256,
    signature: &BlsSignature,
    signature_slot: u64,
) -> Result<()> {
    let keys = pubkeys
        .iter()
        .map(|(index, pubkey)| parse_pubkey(pubkey).ok_or(Error::InvalidPubkey { index: *index }))
        .collect::<Result<Vec<_>>>()?;
    let signature =
        Signature::from_bytes(signature.as_slice()).map_err(|_| Error::MalformedSignature)?;
    let refs: Vec<&PublicKey> = keys.iter().collect();
    match signature.fast_aggregate_verify(true, message.as_slice(), DST, &refs) {
        BLST_ERROR::BLST_SUCCESS => Ok(()),
        _ => Err(Error::InvalidSignature {
            signature_slot,
            participants: pubkeys.len(),
        }),
    }
}

/// The uncompressed affine coordinates of a public key, `x || y`, 48 big-endian bytes each.
pub fn pubkey_uncompressed(pubkey: &BlsPubkey) -> Result<[u8; 96]> {
    PublicKey::uncompress(pubkey.as_slice())
        .map(|key| key.serialize())
        .map_err(|_| Error::InvalidPubkeyBytes { pubkey: *pubkey })
}

/// A public key as EIP-2537 encodes a G1 point: `x` then `y`, each left-padded with zeros from
/// 48 to 64 bytes (128 bytes in all).
pub fn pubkey_eip2537(pubkey: &BlsPubkey) -> Result<[u8; 128]> {
    let xy = pubkey_uncompressed(pubkey)?;
    let mut out = [0u8; 128];
    out[16..64].copy_from_slice(&xy[..48]);
    out[80..128].copy_from_slice(&xy[48..]);
    Ok(out)
}

/// A signature (a G2 point) as EIP-2537 encodes it: `x.c0, x.c1, y.c0, y.c1`, each left-padded
/// from 48 to 64 bytes (256 bytes in all). blst's uncompressed serialization (the ZCash format)
/// writes each Fp2 coordinate `c1` first; EIP-2537 wants `c0` first.
pub fn signature_eip2537(signature: &BlsSignature) -> Result<[u8; 256]> {
    let point =
        Signature::uncompress(signature.as_slice()).map_err(|_| Error::MalformedSignature)?;
    let raw = point.serialize(); // x.c1 | x.c0 | y.c1 | y.c0, 48 bytes each
    let mut out = [0u8; 256];
    for (slot, source) in [1usize, 0, 3, 2].into_iter().enumerate() {
        out[slot * 64 + 16..(slot + 1) * 64].copy_from_slice(&raw[source * 48..(source + 1) * 48]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use alloy_primitives::ruint::Uint;
    use blst::min_pk::SecretKey;

    use super::*;

    type U384 = Uint<384, 6>;

    fn key(seed: u8) -> SecretKey {
        SecretKey::key_gen(&[seed; 32], &[]).unwrap()
    }

    #[test]
    fn fast_aggregate_verify_accepts_all_signers_and_refuses_others() {
        let msg = B256::repeat_byte(0x42);
        let keys: Vec<SecretKey> = (1..=4).map(key).collect();
        let pubkeys: Vec<BlsPubkey> = keys
            .iter()
            .map(|k| BlsPubkey::from(k.sk_to_pk().compress()))
            .collect();
        let sigs: Vec<Signature> = keys
            .iter()
            .map(|k| k.sign(msg.as_slice(), DST, &[]))
            .collect();
        let sig_refs: Vec<&Signature> = sigs.iter().collect();
        let aggregate = blst::min_pk::AggregateSignature::aggregate(&sig_refs, true).unwrap();
        let signature = BlsSignature::from(aggregate.to_signature().compress());
        let all: Vec<(usize, &BlsPubkey)> = pubkeys.iter().enumerate().collect();
        fast_aggregate_verify(&all, &msg, &signature, 1).unwrap();
        // One key missing from the set: refused.
        assert_eq!(
            fast_aggregate_verify(&all[..3], &msg, &signature, 1),
            Err(Error::InvalidSignature {
                signature_slot: 1,
                participants: 3
            })
        );
        // Another message: refused.
        assert!(matches!(
            fast_aggregate_verify(&all, &B256::ZERO, &signature, 1),
            Err(Error::InvalidSignature { .. })
        ));
        // A key that is not a point.
        let bad = BlsPubkey::repeat_byte(0x11);
        assert_eq!(
            fast_aggregate_verify(&[(7, &bad)], &msg, &signature, 1),
            Err(Error::InvalidPubkey { index: 7 })
        );
    }

    #[test]
    fn eip2537_encoding_is_a_curve_point_matching_the_compressed_key() {
        // The BLS12-381 base field modulus.
        let p: U384 = "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab"
            .parse()
            .unwrap();
        for seed in 1..=8 {
            let compressed = BlsPubkey::from(key(seed).sk_to_pk().compress());
            let encoded = pubkey_eip2537(&compressed).unwrap();
            assert!(
                encoded[..16]
                    .iter()
                    .chain(&encoded[64..80])
                    .all(|b| *b == 0)
            );
            let x = U384::from_be_slice(&encoded[16..64]);
            let y = U384::from_be_slice(&encoded[80..128]);
            // y^2 = x^3 + 4 (mod p).
            let lhs = y.mul_mod(y, p);
            let rhs = x.mul_mod(x, p).mul_mod(x, p).add_mod(U384::from(4), p);
            assert_eq!(lhs, rhs, "seed {seed}");
            // The compressed form is x with flag bits: 0x80 compressed, 0x20 when y is the larger
            // of the two roots.
            let mut x_from_compressed = compressed.0;
            let flags = x_from_compressed[0] & 0xe0;
            x_from_compressed[0] &= 0x1f;
            assert_eq!(&x_from_compressed[..], &encoded[16..64]);
            let y_is_larger = y > (p - y);
            assert_eq!(flags, if y_is_larger { 0xa0 } else { 0x80 }, "seed {seed}");
        }
        assert!(matches!(
            pubkey_eip2537(&BlsPubkey::repeat_byte(0x11)),
            Err(Error::InvalidPubkeyBytes { .. })
        ));
    }

    #[test]
    fn domain_layout() {
        let gvr = B256::repeat_byte(9);
        let domain = compute_domain(DOMAIN_SYNC_COMMITTEE, [3, 0, 0, 0], &gvr);
        assert_eq!(&domain[..4], &DOMAIN_SYNC_COMMITTEE);
        assert_eq!(
            &domain[4..],
            &compute_fork_data_root([3, 0, 0, 0], &gvr)[..28]
        );
    }
}

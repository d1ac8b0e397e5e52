//! Sync-committee keys: real BLS12-381 secret keys (blst, `min_pk`) for every member of every
//! period, derived from a seed so that tests and devnets are reproducible, and the committee's
//! aggregate signature over a message.
//!
//! Member `i` of period `p` under seed `s` has the secret key `KeyGen(sha256("courier-beacon-sim
//! sync committee" || s || p || i))` (the IETF BLS `KeyGen`, HKDF-based; `s`, `p`, `i` big-endian
//! `u64`). Each period has its own committee, so committees rotate as on Ethereum (where members
//! are sampled from the validator set each period).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use alloy_primitives::{B256, U256, uint};
use blst::min_pk::{AggregatePublicKey, PublicKey, SecretKey};
use courier_lightclient::{BlsPubkey, BlsSignature, Preset, SyncCommittee, bls::DST};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The order `r` of the BLS12-381 groups: secret keys are scalars modulo `r`.
const CURVE_ORDER: U256 =
    uint!(0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001_U256);

/// The compressed encoding of the G2 point at infinity: the aggregate signature of nobody (and
/// the signature by a secret key sum that is zero modulo `r`).
pub const INFINITY_SIGNATURE: BlsSignature = {
    let mut bytes = [0u8; 96];
    bytes[0] = 0xc0;
    BlsSignature::new(bytes)
};

/// The secret keys of one period's sync committee and the [`SyncCommittee`] they make.
#[derive(Clone)]
pub struct CommitteeKeys {
    seed: u64,
    period: u64,
    /// Each member's secret key as an integer below `r` (what the sum trick in [`Self::sign`]
    /// adds up).
    scalars: Vec<U256>,
    committee: SyncCommittee,
    root: B256,
}

impl std::fmt::Debug for CommitteeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Test keys, but still: no secret material in logs.
        f.debug_struct("CommitteeKeys")
            .field("seed", &self.seed)
            .field("period", &self.period)
            .field("members", &self.scalars.len())
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl CommitteeKeys {
    /// Derives the committee of `period` under `seed`, with the preset's number of members.
    pub fn derive(seed: u64, period: u64, preset: &Preset) -> Result<Self> {
        let size = preset.sync_committee_size;
        let mut scalars = Vec::with_capacity(size);
        let mut public = Vec::with_capacity(size);
        for index in 0..size {
            let secret = secret_key(seed, period, index)?;
            scalars.push(U256::from_be_bytes(secret.to_bytes()));
            public.push(secret.sk_to_pk());
        }
        let refs: Vec<&PublicKey> = public.iter().collect();
        let aggregate = AggregatePublicKey::aggregate(&refs, false)
            .map_err(|_| Error::KeyDerivation {
                seed,
                period,
                index: 0,
            })?
            .to_public_key();
        let committee = SyncCommittee {
            pubkeys: public
                .iter()
                .map(|key| BlsPubkey::from(key.compress()))
                .collect(),
            aggregate_pubkey: BlsPubkey::from(aggregate.compress()),
        };
        let root = committee.hash_tree_root();
        Ok(Self {
            seed,
            period,
            scalars,
            committee,
            root,
        })
    }

    /// The seed the keys come from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The sync-committee period.
    pub fn period(&self) -> u64 {
        self.period
    }

    /// The committee: every member's public key and their aggregate.
    pub fn committee(&self) -> &SyncCommittee {
        &self.committee
    }

    /// `hash_tree_root` of the committee (computed once).
    pub fn root(&self) -> B256 {
        self.root
    }

    /// The aggregate signature over `message` of the members whose bit is set in `bits` (SSZ
    /// bitvector order), exactly what `FastAggregateVerify` with their public keys accepts.
    ///
    /// Every participant signs the same message, so the aggregate `Σ skᵢ·H(m)` equals one
    /// signature `(Σ skᵢ mod r)·H(m)` by the sum of their secret keys: one signing operation
    /// instead of up to 512 signatures and a 512-point aggregation. Nobody signing, or a sum that is
    /// zero modulo `r`, gives the point at infinity, as aggregation would.
    pub fn sign(&self, bits: &[u8], message: &B256) -> BlsSignature {
        let sum = self
            .scalars
            .iter()
            .enumerate()
            .filter(|(index, _)| {
                bits.get(index / 8)
                    .is_some_and(|b| b >> (index % 8) & 1 == 1)
            })
            .fold(U256::ZERO, |sum, (_, scalar)| {
                sum.add_mod(*scalar, CURVE_ORDER)
            });
        // `from_bytes` refuses zero (and nothing else here: the sum is below `r`).
        match SecretKey::from_bytes(&sum.to_be_bytes::<32>()) {
            Ok(secret) => BlsSignature::from(secret.sign(message.as_slice(), DST, &[]).compress()),
            Err(_) => INFINITY_SIGNATURE,
        }
    }
}

/// Member `index` of `period`'s committee under `seed`.
fn secret_key(seed: u64, period: u64, index: usize) -> Result<SecretKey> {
    let mut hasher = Sha256::new();
    hasher.update(b"courier-beacon-sim sync committee");
    hasher.update(seed.to_be_bytes());
    hasher.update(period.to_be_bytes());
    hasher.update((index as u64).to_be_bytes());
    let ikm = hasher.finalize();
    SecretKey::key_gen(&ikm, &[]).map_err(|_| Error::KeyDerivation {
        seed,
        period,
        index,
    })
}

/// The committees of one seed, derived on first use and kept (a mainnet committee takes a few
/// tens of milliseconds to derive; every block's state needs two).
#[derive(Debug)]
pub struct Committees {
    seed: u64,
    preset: Preset,
    cache: Mutex<HashMap<u64, Arc<CommitteeKeys>>>,
}

impl Committees {
    /// The committees of `seed` for `preset`.
    pub fn new(seed: u64, preset: Preset) -> Self {
        Self {
            seed,
            preset,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The committee of `period`.
    pub fn get(&self, period: u64) -> Result<Arc<CommitteeKeys>> {
        if let Some(keys) = self.lock().get(&period) {
            return Ok(keys.clone());
        }
        // Derived without the lock held; a concurrent caller may derive the same keys, which is
        // harmless (they are equal).
        let keys = Arc::new(CommitteeKeys::derive(self.seed, period, &self.preset)?);
        self.lock().insert(period, keys.clone());
        Ok(keys)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<CommitteeKeys>>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use blst::min_pk::{AggregateSignature, Signature};
    use courier_lightclient::bls::fast_aggregate_verify;

    use super::*;

    #[test]
    fn curve_order_is_blsts() {
        // r itself is not a valid secret key, r - 1 is.
        assert!(SecretKey::from_bytes(&CURVE_ORDER.to_be_bytes::<32>()).is_err());
        assert!(SecretKey::from_bytes(&(CURVE_ORDER - U256::from(1)).to_be_bytes::<32>()).is_ok());
    }

    #[test]
    fn keys_are_deterministic_and_differ_per_seed_and_period() {
        let a = CommitteeKeys::derive(7, 3, &Preset::MINIMAL).unwrap();
        let b = CommitteeKeys::derive(7, 3, &Preset::MINIMAL).unwrap();
        assert_eq!(a.committee(), b.committee());
        assert_eq!(a.committee().pubkeys.len(), 32);
        let other_period = CommitteeKeys::derive(7, 4, &Preset::MINIMAL).unwrap();
        let other_seed = CommitteeKeys::derive(8, 3, &Preset::MINIMAL).unwrap();
        assert_ne!(a.root(), other_period.root());
        assert_ne!(a.root(), other_seed.root());
        assert_eq!(a.root(), a.committee().hash_tree_root());
    }

    #[test]
    fn sum_of_secret_keys_signs_like_the_aggregate_of_signatures() {
        let keys = CommitteeKeys::derive(1, 0, &Preset::MINIMAL).unwrap();
        let message = B256::repeat_byte(0x5a);
        let bits = [0b1011_0101u8, 0xff, 0x00, 0x81];
        let participants: Vec<usize> = (0..32)
            .filter(|i| bits[i / 8] >> (i % 8) & 1 == 1)
            .collect();
        // The slow way: each participant signs, the signatures are aggregated.
        let signatures: Vec<Signature> = participants
            .iter()
            .map(|i| {
                secret_key(1, 0, *i)
                    .unwrap()
                    .sign(message.as_slice(), DST, &[])
            })
            .collect();
        let refs: Vec<&Signature> = signatures.iter().collect();
        let aggregate = AggregateSignature::aggregate(&refs, true)
            .unwrap()
            .to_signature()
            .compress();
        let fast = keys.sign(&bits, &message);
        assert_eq!(fast, BlsSignature::from(aggregate));
        let pubkeys: Vec<(usize, &BlsPubkey)> = participants
            .iter()
            .map(|i| (*i, &keys.committee().pubkeys[*i]))
            .collect();
        fast_aggregate_verify(&pubkeys, &message, &fast, 1).unwrap();
        // Nobody signing: the point at infinity.
        assert_eq!(keys.sign(&[0; 4], &message), INFINITY_SIGNATURE);
    }

    #[test]
    fn the_aggregate_pubkey_is_the_sum_of_the_members() {
        let keys = CommitteeKeys::derive(2, 9, &Preset::MINIMAL).unwrap();
        let sum = keys
            .scalars
            .iter()
            .fold(U256::ZERO, |s, k| s.add_mod(*k, CURVE_ORDER));
        let secret = SecretKey::from_bytes(&sum.to_be_bytes::<32>()).unwrap();
        assert_eq!(
            BlsPubkey::from(secret.sk_to_pk().compress()),
            keys.committee().aggregate_pubkey
        );
    }
}

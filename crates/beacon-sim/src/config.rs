//! What a simulated beacon chain is: its [`SimConfig`] (preset, committee seed, finality depth,
//! participation, port) and the [`ChainConfig`] the light client verifies it with — its own
//! genesis validators root and fork versions, with Electra active from genesis.
//!
//! [`chain_config`] is a pure function of the preset, seed and chain id, so that anything that
//! has to trust this chain (a light client, an on-chain verifier's deployment) can compute the
//! config without asking the simulator.

use std::{fmt, time::Duration};

use alloy_primitives::B256;
use courier_lightclient::{ChainConfig, ForkPoint, Preset, config::FAR_FUTURE_EPOCH};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The last three bytes of every fork version of a simulated chain: `"COU"` (Courier). The first
/// byte is the fork's number, as on mainnet (`0x00` phase0 … `0x05` Electra, `0x06` Fulu), so
/// `0x05434f55` is Electra's. Mainnet's versions end in `000000`, the spec tests' minimal config
/// in `000001`, so a signature made for a simulated chain verifies on no public network or spec
/// config, and none of theirs here.
pub const FORK_VERSION_SUFFIX: [u8; 3] = *b"COU";

/// The fork version of fork number `fork` (0 phase0 … 6 Fulu) on a simulated chain.
pub const fn fork_version(fork: u8) -> [u8; 4] {
    [
        fork,
        FORK_VERSION_SUFFIX[0],
        FORK_VERSION_SUFFIX[1],
        FORK_VERSION_SUFFIX[2],
    ]
}

/// `CONFIG_NAME` served by `/eth/v1/config/spec`.
pub const CONFIG_NAME: &str = "courier-beacon-sim";

/// The genesis validators root of the simulated chain of `chain_id` with committee seed `seed`.
///
/// A real chain's is `hash_tree_root` of its genesis validator registry; a simulated chain has no
/// validators, so this is `sha256("courier-beacon-sim genesis validators root" || seed ||
/// chain_id)` (both big-endian `u64`). It only has to be fixed and distinct per chain: it goes into
/// every signing domain, so a signature made for one simulated chain does not verify for another.
pub fn genesis_validators_root(seed: u64, chain_id: u64) -> B256 {
    let mut hasher = Sha256::new();
    hasher.update(b"courier-beacon-sim genesis validators root");
    hasher.update(seed.to_be_bytes());
    hasher.update(chain_id.to_be_bytes());
    B256::from_slice(&hasher.finalize())
}

/// The chain config of a simulated chain: `preset`, [`genesis_validators_root`], and every fork
/// from Altair to Electra active at epoch 0 with the versions of [`fork_version`]. Fulu has its
/// version but is not scheduled (its light-client data is Electra's anyway).
pub fn chain_config(preset: Preset, seed: u64, chain_id: u64) -> ChainConfig {
    let at_genesis = |fork| ForkPoint {
        version: fork_version(fork),
        epoch: 0,
    };
    ChainConfig {
        preset,
        genesis_validators_root: genesis_validators_root(seed, chain_id),
        genesis_fork_version: fork_version(0),
        altair: at_genesis(1),
        bellatrix: at_genesis(2),
        capella: at_genesis(3),
        deneb: at_genesis(4),
        electra: at_genesis(5),
        fulu: ForkPoint {
            version: fork_version(6),
            epoch: FAR_FUTURE_EPOCH,
        },
    }
}

/// `MAX_WITHDRAWALS_PER_PAYLOAD` of a preset (mainnet 16, minimal 4): the limit of the withdrawals
/// list whose root the execution payload header carries.
pub fn max_withdrawals_per_payload(preset: &Preset) -> usize {
    if preset.name == Preset::MINIMAL.name {
        4
    } else {
        16
    }
}

/// Which sync-committee members sign.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Participation {
    /// Every member.
    #[default]
    All,
    /// The first `⌊size · numerator / denominator⌋` members (`Fraction { numerator: 1,
    /// denominator: 2 }`: half the committee, below the two thirds that finalize).
    Fraction {
        /// Numerator.
        numerator: u64,
        /// Denominator (not zero, not below the numerator).
        denominator: u64,
    },
    /// Exactly these members: the SSZ `Bitvector` bytes (bit `i % 8` of byte `i / 8` is member
    /// `i`), `size / 8` bytes.
    Bits(Vec<u8>),
}

impl Participation {
    /// The participation bitvector for a committee of `size` members (a multiple of 8).
    pub fn bits(&self, size: usize) -> Result<Vec<u8>> {
        let len = size / 8;
        let invalid = |reason: String| Error::InvalidParticipation {
            participation: self.to_string(),
            reason,
        };
        match self {
            Self::All => Ok(vec![0xff; len]),
            Self::Fraction {
                numerator,
                denominator,
            } => {
                if *denominator == 0 || numerator > denominator {
                    return Err(invalid("a fraction from 0/d to d/d is needed".to_owned()));
                }
                let count =
                    (size as u128 * u128::from(*numerator) / u128::from(*denominator)) as usize;
                let mut bits = vec![0u8; len];
                for index in 0..count {
                    bits[index / 8] |= 1 << (index % 8);
                }
                Ok(bits)
            }
            Self::Bits(bits) if bits.len() == len => Ok(bits.clone()),
            Self::Bits(bits) => Err(invalid(format!(
                "{} bytes, the committee of {size} needs {len}",
                bits.len()
            ))),
        }
    }
}

impl fmt::Display for Participation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::Fraction {
                numerator,
                denominator,
            } => write!(f, "{numerator}/{denominator}"),
            Self::Bits(bits) => write!(f, "bits {}", alloy_primitives::hex::encode_prefixed(bits)),
        }
    }
}

/// How to run a simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Sizes: [`Preset::MINIMAL`] (32 members, 64-slot periods) for the devnet, or
    /// [`Preset::MAINNET`] (512 members, 8192-slot periods).
    pub preset: Preset,
    /// Seed of every period's sync-committee keys (and of the genesis validators root).
    pub seed: u64,
    /// The chain's finality rule: block `n` is final once the head is `n + finality_depth`, so the
    /// state of block `n` names block `n - finality_depth` as its finalized checkpoint. The
    /// devnet's chain specs have one (`ChainSpec::finality_depth`).
    pub finality_depth: u64,
    /// How often the execution node's head is polled.
    pub poll_interval: Duration,
    /// Who signs (changeable later with `BeaconSim::set_participation`).
    pub participation: Participation,
    /// Port of the beacon API on 127.0.0.1; `None` lets the kernel pick a free one.
    pub port: Option<u16>,
}

impl Default for SimConfig {
    /// The devnet's choice: the minimal preset, seed 1, finality depth 2, polling every 50 ms,
    /// every member signing, a free port.
    fn default() -> Self {
        Self {
            preset: Preset::MINIMAL,
            seed: 1,
            finality_depth: 2,
            poll_interval: Duration::from_millis(50),
            participation: Participation::All,
            port: None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use courier_lightclient::Fork;

    use super::*;

    #[test]
    fn electra_from_genesis_with_our_own_versions() {
        let config = chain_config(Preset::MINIMAL, 1, 31337);
        assert_eq!(config.fork_at_slot(0), Fork::Electra);
        assert_eq!(config.fork_at_slot(1_000_000), Fork::Electra);
        assert_eq!(config.fork_version_at_epoch(0), [5, b'C', b'O', b'U']);
        let mainnet = ChainConfig::mainnet();
        for fork in Fork::ALL {
            assert_ne!(
                config.fork_point(fork).version,
                mainnet.fork_point(fork).version
            );
        }
        // Distinct per chain and per seed.
        assert_ne!(
            config.genesis_validators_root,
            chain_config(Preset::MINIMAL, 1, 31338).genesis_validators_root
        );
        assert_ne!(
            config.genesis_validators_root,
            chain_config(Preset::MINIMAL, 2, 31337).genesis_validators_root
        );
    }

    #[test]
    fn participation_bits() {
        assert_eq!(Participation::All.bits(32).unwrap(), vec![0xff; 4]);
        let half = Participation::Fraction {
            numerator: 1,
            denominator: 2,
        };
        assert_eq!(half.bits(32).unwrap(), vec![0xff, 0xff, 0, 0]);
        let two_thirds = Participation::Fraction {
            numerator: 2,
            denominator: 3,
        };
        // 21 of 32: one short of the 22 that finalize.
        let bits = two_thirds.bits(32).unwrap();
        assert_eq!(
            bits.iter().map(|b| b.count_ones()).sum::<u32>(),
            21,
            "{bits:?}"
        );
        assert!(
            Participation::Fraction {
                numerator: 3,
                denominator: 2
            }
            .bits(32)
            .is_err()
        );
        let err = Participation::Bits(vec![1]).bits(32).unwrap_err();
        assert!(err.to_string().contains("needs 4"), "{err}");
    }
}

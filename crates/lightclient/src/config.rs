//! Presets (sizes fixed at compile time of a consensus client) and chain configs (the fork
//! schedule and genesis validators root of one chain), and the time and fork arithmetic over them.
//!
//! The light client needs the preset to know how many pubkeys a sync committee has and how long a
//! sync-committee period is, and the fork schedule to pick the SSZ layout and Merkle generalized
//! indices of a header and the fork version that goes into the signing domain.

use std::{collections::BTreeMap, fmt};

use alloy_primitives::{B256, b256, hex};
use serde_yaml::Value;

use crate::{
    bls,
    error::{Error, Result},
};

/// The consensus specs' `FAR_FUTURE_EPOCH`: a fork at this epoch is not scheduled.
pub const FAR_FUTURE_EPOCH: u64 = u64::MAX;

/// The spec's `MIN_SYNC_COMMITTEE_PARTICIPANTS` (the same in both presets).
pub const MIN_SYNC_COMMITTEE_PARTICIPANTS: u64 = 1;

/// A consensus-spec preset: the sizes that decide SSZ layouts and period lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// `PRESET_BASE` name (`mainnet`, `minimal`).
    pub name: &'static str,
    /// `SYNC_COMMITTEE_SIZE`: pubkeys in a sync committee and bits in a sync aggregate.
    pub sync_committee_size: usize,
    /// `SLOTS_PER_EPOCH`.
    pub slots_per_epoch: u64,
    /// `EPOCHS_PER_SYNC_COMMITTEE_PERIOD`.
    pub epochs_per_sync_committee_period: u64,
}

impl Preset {
    /// The `mainnet` preset, used by Ethereum mainnet and its public testnets: a 512-member sync
    /// committee, 32 slots per epoch, 256 epochs (8192 slots, about 27 hours) per period.
    pub const MAINNET: Self = Self {
        name: "mainnet",
        sync_committee_size: 512,
        slots_per_epoch: 32,
        epochs_per_sync_committee_period: 256,
    };

    /// The `minimal` preset of the consensus-spec tests: a 32-member sync committee, 8 slots per
    /// epoch, 8 epochs (64 slots) per period.
    pub const MINIMAL: Self = Self {
        name: "minimal",
        sync_committee_size: 32,
        slots_per_epoch: 8,
        epochs_per_sync_committee_period: 8,
    };

    /// The preset called `name` (`PRESET_BASE` of a config).
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "mainnet" => Some(Self::MAINNET),
            "minimal" => Some(Self::MINIMAL),
            _ => None,
        }
    }

    /// Slots in one sync-committee period.
    pub const fn slots_per_period(&self) -> u64 {
        self.slots_per_epoch * self.epochs_per_sync_committee_period
    }

    /// The spec's `UPDATE_TIMEOUT`: slots after the finalized header when a forced update may apply
    /// the best valid update (one period).
    pub const fn update_timeout(&self) -> u64 {
        self.slots_per_period()
    }

    /// `compute_epoch_at_slot`.
    pub const fn epoch_at_slot(&self, slot: u64) -> u64 {
        slot / self.slots_per_epoch
    }

    /// `compute_sync_committee_period_at_slot`.
    pub const fn period_at_slot(&self, slot: u64) -> u64 {
        self.epoch_at_slot(slot) / self.epochs_per_sync_committee_period
    }

    /// Bytes of a sync aggregate's participation bitvector.
    pub const fn sync_committee_bits_len(&self) -> usize {
        self.sync_committee_size / 8
    }

    /// Depth of the Merkle tree over `SyncCommittee.pubkeys` (9 for mainnet, 5 for minimal).
    pub const fn pubkeys_depth(&self) -> usize {
        self.sync_committee_size
            .next_power_of_two()
            .trailing_zeros() as usize
    }

    /// The fewest participants that make a supermajority (`3 * n >= 2 * size`): 342 of 512,
    /// 22 of 32.
    pub const fn supermajority(&self) -> u64 {
        (self.sync_committee_size as u64 * 2).div_ceil(3)
    }
}

/// The beacon-chain forks, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fork {
    /// Genesis.
    Phase0,
    /// Sync committees and the light-client protocol.
    Altair,
    /// The merge.
    Bellatrix,
    /// Withdrawals; light-client headers gain the execution payload header and its branch.
    Capella,
    /// Blobs; the execution payload header gains `blob_gas_used` and `excess_blob_gas`.
    Deneb,
    /// `BeaconState` grows: the finality and sync-committee branches get one level deeper.
    Electra,
    /// PeerDAS; light-client data is as in Electra.
    Fulu,
}

impl Fork {
    /// Every fork, oldest first.
    pub const ALL: [Self; 7] = [
        Self::Phase0,
        Self::Altair,
        Self::Bellatrix,
        Self::Capella,
        Self::Deneb,
        Self::Electra,
        Self::Fulu,
    ];

    /// The lower-case name the beacon API uses in `version`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Phase0 => "phase0",
            Self::Altair => "altair",
            Self::Bellatrix => "bellatrix",
            Self::Capella => "capella",
            Self::Deneb => "deneb",
            Self::Electra => "electra",
            Self::Fulu => "fulu",
        }
    }

    /// The fork called `name` (case-insensitive, as in the beacon API's `version`).
    pub fn from_name(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|fork| fork.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| Error::UnknownForkName(name.to_owned()))
    }
}

impl fmt::Display for Fork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// When a fork starts and the version it signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForkPoint {
    /// The fork version (`*_FORK_VERSION`).
    pub version: [u8; 4],
    /// The first epoch of the fork (`*_FORK_EPOCH`); [`FAR_FUTURE_EPOCH`] when not scheduled.
    pub epoch: u64,
}

impl ForkPoint {
    /// A fork that is not scheduled.
    pub const UNSCHEDULED: Self = Self {
        version: [0; 4],
        epoch: FAR_FUTURE_EPOCH,
    };

    /// Whether the fork has an activation epoch.
    pub const fn is_scheduled(&self) -> bool {
        self.epoch != FAR_FUTURE_EPOCH
    }
}

/// One chain: its preset, genesis validators root and fork schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainConfig {
    /// Sizes of the chain's preset.
    pub preset: Preset,
    /// The chain's `genesis_validators_root`, part of every signing domain.
    pub genesis_validators_root: B256,
    /// `GENESIS_FORK_VERSION` (phase0, from epoch 0).
    pub genesis_fork_version: [u8; 4],
    /// Altair.
    pub altair: ForkPoint,
    /// Bellatrix.
    pub bellatrix: ForkPoint,
    /// Capella.
    pub capella: ForkPoint,
    /// Deneb.
    pub deneb: ForkPoint,
    /// Electra.
    pub electra: ForkPoint,
    /// Fulu.
    pub fulu: ForkPoint,
}

/// Ethereum mainnet's `genesis_validators_root`.
pub const MAINNET_GENESIS_VALIDATORS_ROOT: B256 =
    b256!("4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95");

impl ChainConfig {
    /// Ethereum mainnet: the `mainnet` preset and the fork schedule of the consensus specs'
    /// `configs/mainnet.yaml`. Fulu (version `0x06000000`, epoch 411392, December 2025) is
    /// included so that signatures made after it verify; later forks are not known to this crate.
    pub const fn mainnet() -> Self {
        Self {
            preset: Preset::MAINNET,
            genesis_validators_root: MAINNET_GENESIS_VALIDATORS_ROOT,
            genesis_fork_version: [0, 0, 0, 0],
            altair: ForkPoint {
                version: [1, 0, 0, 0],
                epoch: 74_240,
            },
            bellatrix: ForkPoint {
                version: [2, 0, 0, 0],
                epoch: 144_896,
            },
            capella: ForkPoint {
                version: [3, 0, 0, 0],
                epoch: 194_048,
            },
            deneb: ForkPoint {
                version: [4, 0, 0, 0],
                epoch: 269_568,
            },
            electra: ForkPoint {
                version: [5, 0, 0, 0],
                epoch: 364_032,
            },
            fulu: ForkPoint {
                version: [6, 0, 0, 0],
                epoch: 411_392,
            },
        }
    }

    /// Reads a consensus-spec chain config (`config.yaml` of the spec tests, or a network's
    /// `config.yaml`): `PRESET_BASE`, and `*_FORK_VERSION`/`*_FORK_EPOCH` from genesis to Electra
    /// (Fulu optional). Versions may be written as YAML integers (`0x01000001`) or strings.
    pub fn from_spec_config_yaml(yaml: &str, genesis_validators_root: B256) -> Result<Self> {
        let map: BTreeMap<String, Value> =
            serde_yaml::from_str(yaml).map_err(|e| Error::Config(format!("not YAML: {e}")))?;
        let preset_name = match map.get("PRESET_BASE") {
            Some(Value::String(name)) => name.as_str(),
            Some(other) => return Err(Error::Config(format!("PRESET_BASE: {other:?}"))),
            None => return Err(Error::Config("PRESET_BASE is missing".into())),
        };
        let preset = Preset::by_name(preset_name)
            .ok_or_else(|| Error::Config(format!("PRESET_BASE {preset_name:?} is not known")))?;
        let fork = |name: &str, required: bool| -> Result<ForkPoint> {
            let version_key = format!("{name}_FORK_VERSION");
            let epoch_key = format!("{name}_FORK_EPOCH");
            match (map.get(&version_key), map.get(&epoch_key)) {
                (Some(version), Some(epoch)) => Ok(ForkPoint {
                    version: yaml_version(&version_key, version)?,
                    epoch: yaml_u64(&epoch_key, epoch)?,
                }),
                (None, None) if !required => Ok(ForkPoint::UNSCHEDULED),
                _ => Err(Error::Config(format!(
                    "{version_key} and {epoch_key} are both needed"
                ))),
            }
        };
        let genesis_fork_version = match map.get("GENESIS_FORK_VERSION") {
            Some(value) => yaml_version("GENESIS_FORK_VERSION", value)?,
            None => return Err(Error::Config("GENESIS_FORK_VERSION is missing".into())),
        };
        Ok(Self {
            preset,
            genesis_validators_root,
            genesis_fork_version,
            altair: fork("ALTAIR", true)?,
            bellatrix: fork("BELLATRIX", true)?,
            capella: fork("CAPELLA", true)?,
            deneb: fork("DENEB", true)?,
            electra: fork("ELECTRA", true)?,
            fulu: fork("FULU", false)?,
        })
    }

    /// The activation point of `fork` (phase0 starts at epoch 0 with the genesis version).
    pub const fn fork_point(&self, fork: Fork) -> ForkPoint {
        match fork {
            Fork::Phase0 => ForkPoint {
                version: self.genesis_fork_version,
                epoch: 0,
            },
            Fork::Altair => self.altair,
            Fork::Bellatrix => self.bellatrix,
            Fork::Capella => self.capella,
            Fork::Deneb => self.deneb,
            Fork::Electra => self.electra,
            Fork::Fulu => self.fulu,
        }
    }

    /// The fork in force at `epoch` (the latest one whose epoch has come).
    pub fn fork_at_epoch(&self, epoch: u64) -> Fork {
        Fork::ALL
            .into_iter()
            .rev()
            .find(|fork| {
                let point = self.fork_point(*fork);
                point.is_scheduled() && epoch >= point.epoch
            })
            .unwrap_or(Fork::Phase0)
    }

    /// The fork in force at `slot`.
    pub fn fork_at_slot(&self, slot: u64) -> Fork {
        self.fork_at_epoch(self.preset.epoch_at_slot(slot))
    }

    /// The spec's `compute_fork_version(epoch)`.
    pub fn fork_version_at_epoch(&self, epoch: u64) -> [u8; 4] {
        self.fork_point(self.fork_at_epoch(epoch)).version
    }

    /// The fork digest of `fork` as the spec computes it before Fulu:
    /// `hash_tree_root(ForkData(version, genesis_validators_root))[..4]`. From Fulu on the digest
    /// also mixes in the blob schedule, which this crate does not model.
    pub fn fork_digest(&self, fork: Fork) -> [u8; 4] {
        let root = bls::compute_fork_data_root(
            self.fork_point(fork).version,
            &self.genesis_validators_root,
        );
        let mut digest = [0u8; 4];
        digest.copy_from_slice(&root[..4]);
        digest
    }

    /// The scheduled fork before Fulu whose digest is `digest` (the `*_fork_digest` fields of the
    /// spec tests).
    pub fn fork_for_digest(&self, digest: [u8; 4]) -> Result<Fork> {
        Fork::ALL
            .into_iter()
            .rev()
            .filter(|fork| *fork < Fork::Fulu && self.fork_point(*fork).is_scheduled())
            .find(|fork| self.fork_digest(*fork) == digest)
            .ok_or(Error::UnknownForkDigest {
                digest: hex::encode_prefixed(digest),
            })
    }

    /// The signing domain of sync-committee signatures made at `signature_slot`:
    /// `DOMAIN_SYNC_COMMITTEE` with the fork version of the epoch of `signature_slot - 1` (the slot
    /// the signed block is from, per the spec).
    pub fn sync_committee_domain(&self, signature_slot: u64) -> B256 {
        let fork_version_slot = signature_slot.max(1) - 1;
        let version = self.fork_version_at_epoch(self.preset.epoch_at_slot(fork_version_slot));
        bls::compute_domain(
            bls::DOMAIN_SYNC_COMMITTEE,
            version,
            &self.genesis_validators_root,
        )
    }
}

fn yaml_u64(key: &str, value: &Value) -> Result<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        Error::Config(format!(
            "{key}: {value:?} is not an unsigned 64-bit integer"
        ))
    })
}

fn yaml_version(key: &str, value: &Value) -> Result<[u8; 4]> {
    let bad = || Error::Config(format!("{key}: {value:?} is not a 4-byte fork version"));
    match value {
        // Unquoted `0x01000001` is a YAML integer.
        Value::Number(n) => n
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .map(u32::to_be_bytes)
            .ok_or_else(bad),
        Value::String(s) => {
            let bytes = hex::decode(s).map_err(|_| bad())?;
            <[u8; 4]>::try_from(bytes.as_slice()).map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn preset_arithmetic() {
        let p = Preset::MAINNET;
        assert_eq!(p.slots_per_period(), 8192);
        assert_eq!(p.period_at_slot(7_069_376), 862);
        assert_eq!(p.pubkeys_depth(), 9);
        assert_eq!(p.supermajority(), 342);
        assert_eq!(p.sync_committee_bits_len(), 64);
        let m = Preset::MINIMAL;
        assert_eq!(m.update_timeout(), 64);
        assert_eq!(m.pubkeys_depth(), 5);
        assert_eq!(m.supermajority(), 22);
        // The threshold is the smallest count with 3n >= 2 * size.
        for p in [Preset::MAINNET, Preset::MINIMAL] {
            let size = p.sync_committee_size as u64;
            assert!(p.supermajority() * 3 >= size * 2);
            assert!((p.supermajority() - 1) * 3 < size * 2);
        }
    }

    #[test]
    fn mainnet_fork_schedule() {
        let c = ChainConfig::mainnet();
        assert_eq!(c.fork_at_epoch(0), Fork::Phase0);
        assert_eq!(c.fork_at_epoch(74_239), Fork::Phase0);
        assert_eq!(c.fork_at_epoch(74_240), Fork::Altair);
        assert_eq!(c.fork_at_slot(7_069_376), Fork::Capella);
        assert_eq!(c.fork_at_epoch(269_568), Fork::Deneb);
        assert_eq!(c.fork_at_epoch(364_032), Fork::Electra);
        assert_eq!(c.fork_at_epoch(411_392), Fork::Fulu);
        assert_eq!(c.fork_version_at_epoch(300_000), [4, 0, 0, 0]);
        // A signature in the first slot of a fork still signs with the previous fork's version.
        let first_capella_slot = 194_048 * 32;
        assert_eq!(
            c.sync_committee_domain(first_capella_slot),
            bls::compute_domain(
                bls::DOMAIN_SYNC_COMMITTEE,
                [2, 0, 0, 0],
                &c.genesis_validators_root
            )
        );
        assert_eq!(
            c.sync_committee_domain(first_capella_slot + 1),
            bls::compute_domain(
                bls::DOMAIN_SYNC_COMMITTEE,
                [3, 0, 0, 0],
                &c.genesis_validators_root
            )
        );
    }

    #[test]
    fn mainnet_fork_digests_are_the_published_ones() {
        // The ENR `eth2` fork digests that mainnet nodes announce.
        let c = ChainConfig::mainnet();
        assert_eq!(hex::encode(c.fork_digest(Fork::Capella)), "bba4da96");
        assert_eq!(hex::encode(c.fork_digest(Fork::Deneb)), "6a95a1a9");
        assert_eq!(
            c.fork_for_digest(c.fork_digest(Fork::Deneb)).unwrap(),
            Fork::Deneb
        );
        assert!(matches!(
            c.fork_for_digest([1, 2, 3, 4]),
            Err(Error::UnknownForkDigest { .. })
        ));
    }

    #[test]
    fn reads_spec_config_yaml() {
        let yaml = "PRESET_BASE: 'minimal'\nGENESIS_FORK_VERSION: 0x00000001\n\
            ALTAIR_FORK_VERSION: 0x01000001\nALTAIR_FORK_EPOCH: 0\n\
            BELLATRIX_FORK_VERSION: 0x02000001\nBELLATRIX_FORK_EPOCH: 0\n\
            CAPELLA_FORK_VERSION: '0x03000001'\nCAPELLA_FORK_EPOCH: 0\n\
            DENEB_FORK_VERSION: 0x04000001\nDENEB_FORK_EPOCH: 5\n\
            ELECTRA_FORK_VERSION: 0x05000001\nELECTRA_FORK_EPOCH: 18446744073709551615\n\
            TERMINAL_TOTAL_DIFFICULTY: 115792089237316195423570985008687907853269984665640564039457584007913129638912\n";
        let c = ChainConfig::from_spec_config_yaml(yaml, B256::ZERO).unwrap();
        assert_eq!(c.preset, Preset::MINIMAL);
        assert_eq!(c.genesis_fork_version, [0, 0, 0, 1]);
        assert_eq!(
            c.capella,
            ForkPoint {
                version: [3, 0, 0, 1],
                epoch: 0
            }
        );
        assert_eq!(c.fork_at_epoch(4), Fork::Capella);
        assert_eq!(c.fork_at_epoch(5), Fork::Deneb);
        assert_eq!(c.fork_at_epoch(u64::MAX - 1), Fork::Deneb);
        assert_eq!(c.fulu, ForkPoint::UNSCHEDULED);

        let missing = yaml.replace("DENEB_FORK_EPOCH: 5\n", "");
        let err = ChainConfig::from_spec_config_yaml(&missing, B256::ZERO).unwrap_err();
        assert!(err.to_string().contains("DENEB_FORK_EPOCH"), "{err}");
    }
}

//! A consensus-spec `light_client/sync` test case read from its directory: `meta.yaml` (genesis
//! validators root, trusted block root, fork digests), `config.yaml` (the chain config),
//! `bootstrap.ssz_snappy`, the `update_*.ssz_snappy` files and `steps.yaml` (the updates to apply,
//! forced updates, and the headers expected after each step).
//!
//! This is the one place that reads the format, for the tests of this crate and for
//! `courier light-client verify`. Unlike the rest of the crate it does IO (reading files).

use std::path::{Path, PathBuf};

use alloy_primitives::B256;
use serde::Deserialize;

use crate::{
    ChainConfig, Fork, LightClient, LightClientBootstrap, LightClientUpdate, client::HeaderSummary,
};

/// Why a spec test directory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SpecTestError {
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// A file is not what the format says it holds.
    #[error("{}: {reason}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A container failed to decode (or the config was refused).
    #[error("{}: {source}", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// The light client's error.
        source: crate::Error,
    },
}

/// `meta.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecMeta {
    /// The chain's genesis validators root (part of every signing domain).
    pub genesis_validators_root: B256,
    /// The block root the bootstrap must have.
    pub trusted_block_root: B256,
    /// Fork digest of the bootstrap's encoding.
    pub bootstrap_fork_digest: [u8; 4],
    /// Fork digest of the store's encoding.
    pub store_fork_digest: [u8; 4],
}

/// The headers a step expects afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct SpecChecks {
    /// The store's finalized header.
    pub finalized_header: SpecHeaderCheck,
    /// The store's optimistic header.
    pub optimistic_header: SpecHeaderCheck,
}

/// One expected header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct SpecHeaderCheck {
    /// Beacon slot.
    pub slot: u64,
    /// Beacon block root.
    pub beacon_root: B256,
    /// Execution payload header root.
    pub execution_root: B256,
}

impl SpecHeaderCheck {
    /// The first field where `got` differs, as `(field, expected, got)`.
    pub fn mismatch(&self, got: &HeaderSummary) -> Option<(&'static str, String, String)> {
        if got.slot != self.slot {
            Some(("slot", self.slot.to_string(), got.slot.to_string()))
        } else if got.beacon_root != self.beacon_root {
            Some((
                "beacon_root",
                self.beacon_root.to_string(),
                got.beacon_root.to_string(),
            ))
        } else if got.execution_root != self.execution_root {
            Some((
                "execution_root",
                self.execution_root.to_string(),
                got.execution_root.to_string(),
            ))
        } else {
            None
        }
    }
}

/// One step of `steps.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecStep {
    /// Apply an update file.
    ProcessUpdate {
        /// Fork digest the update is encoded for.
        update_fork_digest: [u8; 4],
        /// The update's file name without `.ssz_snappy`.
        update: String,
        /// The slot the store believes it is.
        current_slot: u64,
        /// Expected headers afterwards.
        checks: SpecChecks,
    },
    /// Force an update (the spec's timeout rule).
    ForceUpdate {
        /// The slot the store believes it is.
        current_slot: u64,
        /// Expected headers afterwards.
        checks: SpecChecks,
    },
}

impl SpecStep {
    /// What the store must hold after the step.
    pub fn checks(&self) -> &SpecChecks {
        match self {
            Self::ProcessUpdate { checks, .. } | Self::ForceUpdate { checks, .. } => checks,
        }
    }
}

/// A whole spec test case, decoded.
#[derive(Debug, Clone)]
pub struct SpecTest {
    /// Its directory.
    pub dir: PathBuf,
    /// The chain config from `config.yaml` and `meta.yaml`.
    pub config: ChainConfig,
    /// `meta.yaml`.
    pub meta: SpecMeta,
    /// The fork the bootstrap is encoded for.
    pub bootstrap_fork: Fork,
    /// `bootstrap.ssz_snappy`.
    pub bootstrap: LightClientBootstrap,
    /// `steps.yaml`; `None` when the directory has none.
    pub steps: Option<Vec<SpecStep>>,
}

impl SpecTest {
    /// Reads the case in `dir`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, SpecTestError> {
        let dir = dir.as_ref().to_owned();
        let meta_path = dir.join("meta.yaml");
        let raw: RawMeta = yaml(&meta_path)?;
        let meta = SpecMeta {
            genesis_validators_root: raw.genesis_validators_root,
            trusted_block_root: raw.trusted_block_root,
            bootstrap_fork_digest: digest(&raw.bootstrap_fork_digest, &meta_path)?,
            store_fork_digest: digest(&raw.store_fork_digest, &meta_path)?,
        };
        let config_path = dir.join("config.yaml");
        let config =
            ChainConfig::from_spec_config_yaml(&text(&config_path)?, meta.genesis_validators_root)
                .map_err(|source| SpecTestError::Decode {
                    path: config_path.clone(),
                    source,
                })?;
        let bootstrap_fork =
            config
                .fork_for_digest(meta.bootstrap_fork_digest)
                .map_err(|source| SpecTestError::Decode {
                    path: meta_path.clone(),
                    source,
                })?;
        let bootstrap_path = dir.join("bootstrap.ssz_snappy");
        let bootstrap = LightClientBootstrap::from_ssz_snappy(
            &bytes(&bootstrap_path)?,
            bootstrap_fork,
            &config.preset,
        )
        .map_err(|source| SpecTestError::Decode {
            path: bootstrap_path,
            source,
        })?;
        let steps_path = dir.join("steps.yaml");
        let steps = if steps_path.exists() {
            Some(steps(&steps_path)?)
        } else {
            None
        };
        Ok(Self {
            dir,
            config,
            meta,
            bootstrap_fork,
            bootstrap,
            steps,
        })
    }

    /// The update in `<name>.ssz_snappy`, decoded for the fork of `fork_digest`.
    pub fn update(
        &self,
        name: &str,
        fork_digest: [u8; 4],
    ) -> Result<LightClientUpdate, SpecTestError> {
        let path = self.dir.join(format!("{name}.ssz_snappy"));
        let fork =
            self.config
                .fork_for_digest(fork_digest)
                .map_err(|source| SpecTestError::Decode {
                    path: path.clone(),
                    source,
                })?;
        LightClientUpdate::from_ssz_snappy(&bytes(&path)?, fork, &self.config.preset)
            .map_err(|source| SpecTestError::Decode { path, source })
    }

    /// The names (file stems) of every `update_*.ssz_snappy` file, sorted.
    pub fn update_names(&self) -> Result<Vec<String>, SpecTestError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|source| SpecTestError::Io {
            path: self.dir.clone(),
            source,
        })?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| SpecTestError::Io {
                path: self.dir.clone(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".ssz_snappy")
                && stem.starts_with("update_")
            {
                names.push(stem.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    /// A light client bootstrapped from the case's bootstrap and trusted block root.
    pub fn client(&self) -> crate::Result<LightClient> {
        LightClient::bootstrap(
            self.config.clone(),
            self.bootstrap.clone(),
            self.meta.trusted_block_root,
        )
    }
}

#[derive(Debug, Deserialize)]
struct RawMeta {
    genesis_validators_root: B256,
    trusted_block_root: B256,
    bootstrap_fork_digest: String,
    store_fork_digest: String,
}

/// A `steps.yaml` entry as written: a map with one key naming the step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    process_update: Option<RawProcessUpdate>,
    force_update: Option<RawForceUpdate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProcessUpdate {
    update_fork_digest: String,
    update: String,
    current_slot: u64,
    checks: SpecChecks,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForceUpdate {
    current_slot: u64,
    checks: SpecChecks,
}

fn steps(path: &Path) -> Result<Vec<SpecStep>, SpecTestError> {
    let raw: Vec<RawStep> = yaml(path)?;
    raw.into_iter()
        .enumerate()
        .map(|(i, step)| match (step.process_update, step.force_update) {
            (Some(p), None) => Ok(SpecStep::ProcessUpdate {
                update_fork_digest: digest(&p.update_fork_digest, path)?,
                update: p.update,
                current_slot: p.current_slot,
                checks: p.checks,
            }),
            (None, Some(f)) => Ok(SpecStep::ForceUpdate {
                current_slot: f.current_slot,
                checks: f.checks,
            }),
            _ => Err(SpecTestError::Format {
                path: path.to_owned(),
                reason: format!("step {i} must be exactly one of process_update, force_update"),
            }),
        })
        .collect()
}

fn bytes(path: &Path) -> Result<Vec<u8>, SpecTestError> {
    std::fs::read(path).map_err(|source| SpecTestError::Io {
        path: path.to_owned(),
        source,
    })
}

fn text(path: &Path) -> Result<String, SpecTestError> {
    std::fs::read_to_string(path).map_err(|source| SpecTestError::Io {
        path: path.to_owned(),
        source,
    })
}

fn yaml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, SpecTestError> {
    serde_yaml::from_str(&text(path)?).map_err(|e| SpecTestError::Format {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

fn digest(hex: &str, path: &Path) -> Result<[u8; 4], SpecTestError> {
    alloy_primitives::hex::decode(hex)
        .ok()
        .and_then(|b| <[u8; 4]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| SpecTestError::Format {
            path: path.to_owned(),
            reason: format!("{hex:?} is not a 4-byte fork digest"),
        })
}

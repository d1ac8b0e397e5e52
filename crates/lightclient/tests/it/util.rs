//! Loading the shared light-client data (`../shared/testdata/ethereum-light-client` beside the
//! repository). Missing data fails the test with a message saying where it was looked for.

use std::{
    fs,
    path::{Path, PathBuf},
};

use alloy_primitives::{B256, b256};
use courier_lightclient::{
    ChainConfig, Fork, LightClient, LightClientBootstrap, LightClientUpdate, UpdatePolicy,
    bootstrap_from_json, updates_from_json,
};
use serde::Deserialize;

/// The block root of the mainnet bootstrap (slot 7069376), as published with the data by its
/// source (the bootstrap was requested for this root), independent of this crate's hashing.
pub const MAINNET_TRUSTED_ROOT: B256 =
    b256!("5afc212a7924789b2bc86acad3ab3a6ffb1f6e97253ea50bee7f4f51422c9275");

/// `shared/testdata/ethereum-light-client`, or a panic naming the path.
pub fn data_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/ethereum-light-client");
    assert!(
        dir.is_dir(),
        "shared light-client test data not found at {}: these tests need the shared folder \
         checked out beside the repository (../shared/testdata relative to the repository root)",
        dir.display()
    );
    dir
}

pub fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

pub fn read_string(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// `meta.yaml` of a spec light-client sync test.
#[derive(Debug, Deserialize)]
pub struct Meta {
    pub genesis_validators_root: B256,
    pub trusted_block_root: B256,
    pub bootstrap_fork_digest: String,
    pub store_fork_digest: String,
}

/// One entry of `steps.yaml`.
#[derive(Debug)]
pub enum Step {
    ProcessUpdate {
        update_fork_digest: String,
        update: String,
        current_slot: u64,
        checks: Checks,
    },
    ForceUpdate {
        current_slot: u64,
        checks: Checks,
    },
}

/// A `steps.yaml` entry as written: a map with one key naming the step (serde_yaml reads enums
/// only from YAML tags).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepEntry {
    process_update: Option<ProcessUpdateStep>,
    force_update: Option<ForceUpdateStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProcessUpdateStep {
    update_fork_digest: String,
    update: String,
    current_slot: u64,
    checks: Checks,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForceUpdateStep {
    current_slot: u64,
    checks: Checks,
}

fn parse_steps(yaml: &str) -> Vec<Step> {
    let entries: Vec<StepEntry> = serde_yaml::from_str(yaml).unwrap();
    entries
        .into_iter()
        .map(|entry| match (entry.process_update, entry.force_update) {
            (Some(p), None) => Step::ProcessUpdate {
                update_fork_digest: p.update_fork_digest,
                update: p.update,
                current_slot: p.current_slot,
                checks: p.checks,
            },
            (None, Some(f)) => Step::ForceUpdate {
                current_slot: f.current_slot,
                checks: f.checks,
            },
            other => panic!("a step must be one process_update or force_update: {other:?}"),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct Checks {
    pub finalized_header: HeaderCheck,
    pub optimistic_header: HeaderCheck,
}

#[derive(Debug, Deserialize)]
pub struct HeaderCheck {
    pub slot: u64,
    pub beacon_root: B256,
    pub execution_root: B256,
}

/// The spec test `light_client_sync` (Electra, minimal preset), decoded.
pub struct SpecCase {
    pub dir: PathBuf,
    pub config: ChainConfig,
    pub meta: Meta,
    pub bootstrap: LightClientBootstrap,
    pub steps: Vec<Step>,
}

pub fn digest(hex_digest: &str) -> [u8; 4] {
    let bytes = alloy_primitives::hex::decode(hex_digest).unwrap();
    bytes.as_slice().try_into().unwrap()
}

impl SpecCase {
    pub fn load() -> Self {
        let dir = data_dir().join("spec-electra-minimal/light_client_sync");
        let meta: Meta = serde_yaml::from_str(&read_string(&dir.join("meta.yaml"))).unwrap();
        let config = ChainConfig::from_spec_config_yaml(
            &read_string(&dir.join("config.yaml")),
            meta.genesis_validators_root,
        )
        .unwrap();
        let fork = config
            .fork_for_digest(digest(&meta.bootstrap_fork_digest))
            .unwrap();
        let bootstrap = LightClientBootstrap::from_ssz_snappy(
            &read(&dir.join("bootstrap.ssz_snappy")),
            fork,
            &config.preset,
        )
        .unwrap();
        let steps = parse_steps(&read_string(&dir.join("steps.yaml")));
        Self {
            dir,
            config,
            meta,
            bootstrap,
            steps,
        }
    }

    pub fn update(&self, name: &str, fork_digest: &str) -> LightClientUpdate {
        let fork = self.config.fork_for_digest(digest(fork_digest)).unwrap();
        let path = self.dir.join(format!("{name}.ssz_snappy"));
        LightClientUpdate::from_ssz_snappy(&read(&path), fork, &self.config.preset)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Every `update_*.ssz_snappy` file: (file stem, update).
    pub fn all_updates(&self) -> Vec<(String, LightClientUpdate)> {
        let mut names: Vec<String> = fs::read_dir(&self.dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("update_") && name.ends_with(".ssz_snappy"))
            .map(|name| name.trim_end_matches(".ssz_snappy").to_owned())
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|name| {
                let update = self.update(&name, &self.meta.store_fork_digest);
                (name, update)
            })
            .collect()
    }

    pub fn client(&self) -> LightClient {
        LightClient::bootstrap(
            self.config.clone(),
            self.bootstrap.clone(),
            self.meta.trusted_block_root,
        )
        .unwrap()
    }
}

/// The mainnet Capella data: bootstrap and six updates (periods 862 to 867).
pub struct Mainnet {
    pub bootstrap: LightClientBootstrap,
    pub updates: Vec<LightClientUpdate>,
    /// `updates.json` as plain JSON, to compare decoded values against.
    pub raw_updates: serde_json::Value,
}

impl Mainnet {
    pub fn load() -> Self {
        let dir = data_dir().join("mainnet-capella");
        let preset = ChainConfig::mainnet().preset;
        let (fork, bootstrap) =
            bootstrap_from_json(&read_string(&dir.join("bootstrap.json")), &preset).unwrap();
        assert_eq!(fork, Fork::Capella);
        let updates_json = read_string(&dir.join("updates.json"));
        let updates = updates_from_json(&updates_json, &preset)
            .unwrap()
            .into_iter()
            .map(|(fork, update)| {
                assert_eq!(fork, Fork::Capella);
                update
            })
            .collect();
        let raw_updates = serde_json::from_str(&updates_json).unwrap();
        Self {
            bootstrap,
            updates,
            raw_updates,
        }
    }

    pub fn client(&self) -> LightClient {
        LightClient::bootstrap(
            ChainConfig::mainnet(),
            self.bootstrap.clone(),
            MAINNET_TRUSTED_ROOT,
        )
        .unwrap()
    }

    /// A client that has processed the first update: it knows the committee of period 863, so
    /// `updates[1]` is the next update it can take.
    pub fn client_after_first_update(&self) -> LightClient {
        let mut client = self.client();
        let first = &self.updates[0];
        client
            .process_update(first, first.signature_slot, UpdatePolicy::Spec)
            .unwrap();
        assert!(client.next_sync_committee().is_some());
        client
    }
}

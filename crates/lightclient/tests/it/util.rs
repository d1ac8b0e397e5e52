//! Loading the shared light-client data (`../shared/testdata/ethereum-light-client` beside the
//! repository). Missing data fails the test with a message saying where it was looked for.

use std::{
    fs,
    path::{Path, PathBuf},
};

use alloy_primitives::{B256, b256};
use courier_lightclient::{
    ChainConfig, Fork, LightClient, LightClientBootstrap, LightClientUpdate, UpdatePolicy,
    bootstrap_from_json,
    spec_test::{SpecStep, SpecTest},
    updates_from_json,
};

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

pub fn read_string(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The spec test `light_client_sync` (Electra, minimal preset), decoded by the library's loader.
pub struct SpecCase(pub SpecTest);

impl std::ops::Deref for SpecCase {
    type Target = SpecTest;
    fn deref(&self) -> &SpecTest {
        &self.0
    }
}

impl SpecCase {
    pub fn load() -> Self {
        let dir = data_dir().join("spec-electra-minimal/light_client_sync");
        Self(SpecTest::load(&dir).unwrap_or_else(|e| panic!("{e}")))
    }

    pub fn steps(&self) -> &[SpecStep] {
        self.0.steps.as_deref().expect("the case has steps.yaml")
    }

    pub fn update(&self, name: &str, fork_digest: [u8; 4]) -> LightClientUpdate {
        self.0
            .update(name, fork_digest)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every `update_*.ssz_snappy` file: (file stem, update).
    pub fn all_updates(&self) -> Vec<(String, LightClientUpdate)> {
        self.0
            .update_names()
            .unwrap()
            .into_iter()
            .map(|name| {
                let update = self.update(&name, self.meta.store_fork_digest);
                (name, update)
            })
            .collect()
    }

    pub fn client(&self) -> LightClient {
        self.0.client().unwrap()
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

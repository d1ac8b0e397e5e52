//! `devnet.json`: what a running devnet is — chains, endpoints, contract addresses, committee,
//! accounts — for the agents, CLI commands and scripts that join it from other processes.
//!
//! The file is written atomically (a temporary file in the same directory, then a rename), so a
//! reader never sees half of it. It holds the devnet's private keys so that agents can be started
//! from it alone; each one sits next to a `warning` saying what they are.

use std::{
    io::Write as _,
    path::{Path, PathBuf},
};

use alloy::primitives::{Address, B256};
use serde::{Deserialize, Serialize};

use crate::{
    deploy::Deployment,
    error::{Error, Result},
};

/// The name of the manifest in a devnet's data directory.
pub const MANIFEST_FILE: &str = "devnet.json";

/// The contents of `devnet.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// [`crate::keys::KEY_WARNING`]: this file holds private keys that everyone knows.
    pub warning: String,
    /// The chains, in the order of the devnet spec.
    pub chains: Vec<ManifestChain>,
    /// The committee every chain accepts for every other chain.
    pub validators: ManifestValidators,
    /// The account that deployed and owns every contract.
    pub deployer: ManifestAccount,
    /// The account the relayer delivers with.
    pub relayer: ManifestAccount,
    /// The light-client route, when the devnet has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light_client: Option<ManifestLightClient>,
    /// The optimistic route, when the devnet has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimistic: Option<ManifestOptimistic>,
}

/// The devnet's optimistic route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestOptimistic {
    /// The origin chain's name.
    pub origin: String,
    /// What is deployed.
    #[serde(flatten)]
    pub setup: crate::deploy::OptimisticSetup,
    /// The proposer (bonded on the origin).
    pub proposer: ManifestAccount,
    /// The watcher (vetoes, proves fraud; a guardian of every Mailbox).
    pub watcher: ManifestAccount,
}

/// The devnet's light-client route: one origin whose beacon chain is simulated, and a light
/// client of it on every other chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestLightClient {
    /// The origin chain's name.
    pub origin: String,
    /// The beacon API of the origin's simulated beacon chain.
    pub beacon_url: String,
    /// Its preset (`minimal` or `mainnet`).
    pub preset: String,
    /// The beacon block root the light clients were deployed trusting.
    pub trusted_root: B256,
    /// The origin's HelloApp whose peers use light-client verifiers.
    pub origin_hello_app: Address,
    /// The contracts on each other chain.
    pub destinations: Vec<crate::deploy::LightClientDeployment>,
    /// The account the light-client relay commits roots and submits updates with.
    pub relay: ManifestAccount,
}

/// One chain of the devnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestChain {
    /// Its name (`alpha`, ...).
    pub name: String,
    /// Its chain id, also its Courier domain.
    pub chain_id: u64,
    /// Its HTTP RPC endpoint.
    pub rpc_url: String,
    /// Interval between blocks in milliseconds; 0 for automine.
    pub block_time_ms: u64,
    /// Blocks behind the head that count as final for agents.
    pub finality_depth: u64,
    /// The Mailbox.
    pub mailbox: Address,
    /// The CommitteeVerifier (the Mailbox's default verifier).
    pub committee_verifier: Address,
    /// The HelloApp.
    pub hello_app: Address,
    /// `RelayerFees` (the zero address in manifests written before it was deployed).
    #[serde(default)]
    pub relayer_fees: Address,
    /// The first block with any of these contracts.
    pub deploy_block: u64,
}

impl ManifestChain {
    /// The chain's contracts.
    pub fn deployment(&self) -> Deployment {
        Deployment {
            domain: self.chain_id,
            mailbox: self.mailbox,
            committee_verifier: self.committee_verifier,
            hello_app: self.hello_app,
            relayer_fees: self.relayer_fees,
            deploy_block: self.deploy_block,
        }
    }
}

/// The validator committee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestValidators {
    /// Signatures needed, `k`.
    pub threshold: u8,
    /// The validators, ascending (the committee's order).
    pub addresses: Vec<Address>,
    /// [`crate::keys::KEY_WARNING`].
    pub warning: String,
    /// The validators' private keys, in the order of `addresses`.
    pub private_keys: Vec<B256>,
}

/// An account and its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestAccount {
    /// The address.
    pub address: Address,
    /// [`crate::keys::KEY_WARNING`].
    pub warning: String,
    /// The private key.
    pub private_key: B256,
}

impl Manifest {
    /// Reads a manifest.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_slice(&bytes).map_err(|source| Error::Json {
            path: path.to_owned(),
            source,
        })
    }

    /// Writes the manifest to `path` atomically: readers see the old file or the new one.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut json = serde_json::to_vec_pretty(self).map_err(|source| Error::Json {
            path: path.to_owned(),
            source,
        })?;
        json.push(b'\n');
        let tmp = temporary_sibling(path);
        let written = (|| {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&json)?;
            file.sync_all()
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io(tmp, e));
        }
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(path, e)
        })
    }
}

/// `dir/.name.tmp-<pid>`: the same directory (a rename does not cross file systems) and a name no
/// other process writing the same file uses.
fn temporary_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "manifest".into(), |n| n.to_string_lossy());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::keys::KEY_WARNING;

    fn sample() -> Manifest {
        let account = |n: u8| ManifestAccount {
            address: Address::with_last_byte(n),
            warning: KEY_WARNING.to_owned(),
            private_key: B256::with_last_byte(n),
        };
        Manifest {
            warning: KEY_WARNING.to_owned(),
            chains: vec![ManifestChain {
                name: "alpha".to_owned(),
                chain_id: 31337,
                rpc_url: "http://127.0.0.1:1234".to_owned(),
                block_time_ms: 1000,
                finality_depth: 2,
                mailbox: Address::with_last_byte(0x10),
                committee_verifier: Address::with_last_byte(0x11),
                hello_app: Address::with_last_byte(0x12),
                relayer_fees: Address::with_last_byte(0x13),
                deploy_block: 1,
            }],
            validators: ManifestValidators {
                threshold: 1,
                addresses: vec![Address::with_last_byte(3)],
                warning: KEY_WARNING.to_owned(),
                private_keys: vec![B256::with_last_byte(3)],
            },
            deployer: account(1),
            relayer: account(2),
            light_client: Some(ManifestLightClient {
                origin: "alpha".to_owned(),
                beacon_url: "http://127.0.0.1:5052/".to_owned(),
                preset: "minimal".to_owned(),
                trusted_root: B256::with_last_byte(0x20),
                origin_hello_app: Address::with_last_byte(0x21),
                destinations: vec![crate::deploy::LightClientDeployment {
                    domain: 31338,
                    client: Address::with_last_byte(0x22),
                    verifier: Address::with_last_byte(0x23),
                    hello_app: Address::with_last_byte(0x24),
                }],
                relay: account(4),
            }),
            optimistic: None,
        }
    }

    #[test]
    fn round_trips_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MANIFEST_FILE);
        let manifest = sample();
        manifest.write(&path).unwrap();
        assert_eq!(Manifest::read(&path).unwrap(), manifest);
        // Overwriting works too (rename over an existing file).
        manifest.write(&path).unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(MANIFEST_FILE)]);
        assert_eq!(manifest.chains[0].deployment().domain, 31337);
    }

    #[test]
    fn a_manifest_without_a_light_client_route_reads() {
        let mut manifest = sample();
        manifest.light_client = None;
        let json = serde_json::to_string(&manifest).unwrap();
        assert!(!json.contains("lightClient"));
        assert_eq!(serde_json::from_str::<Manifest>(&json).unwrap(), manifest);
    }

    #[test]
    fn keys_sit_next_to_warnings() {
        let json: serde_json::Value = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["warning"], KEY_WARNING);
        for holder in [
            &json["deployer"],
            &json["relayer"],
            &json["validators"],
            &json["lightClient"]["relay"],
        ] {
            assert_eq!(holder["warning"], KEY_WARNING);
        }
        assert!(json["deployer"]["privateKey"].is_string());
        assert!(json["validators"]["privateKeys"].is_array());
        assert_eq!(json["chains"][0]["chainId"], 31337);
        assert_eq!(
            json["chains"][0]["committeeVerifier"]
                .as_str()
                .unwrap()
                .len(),
            42
        );
    }

    #[test]
    fn unreadable_files_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.json");
        assert!(
            Manifest::read(&path)
                .unwrap_err()
                .to_string()
                .contains("missing.json")
        );
        std::fs::write(&path, "{").unwrap();
        assert!(
            Manifest::read(&path)
                .unwrap_err()
                .to_string()
                .contains("missing.json")
        );
    }
}

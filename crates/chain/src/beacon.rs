//! A client of a beacon node's light-client API (the standard beacon API: a real node, or the
//! devnet's simulator): the finalized header's root to bootstrap from, bootstraps, updates by
//! period, the newest finality update. Everything comes back decoded by `courier-lightclient`,
//! which the caller then verifies with its own light client — this client trusts nothing it reads.

use std::time::Duration;

use alloy::primitives::B256;
use courier_lightclient::{
    ChainConfig, LightClientBootstrap, LightClientUpdate, Preset, bootstrap_from_json,
    json::finality_update_from_json, updates_from_json,
};
use url::Url;

use crate::{Error, Result};

/// A beacon node's HTTP API.
#[derive(Debug, Clone)]
pub struct BeaconApi {
    base: Url,
    endpoint: String,
    preset: Preset,
    http: reqwest::Client,
}

impl BeaconApi {
    /// A client of the node at `base` (e.g. `http://127.0.0.1:5052`) for a chain of `preset`.
    pub fn new(base: Url, preset: Preset) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::Rpc {
                endpoint: base.to_string(),
                operation: "building the beacon API client",
                message: e.to_string(),
                retryable: false,
            })?;
        let mut endpoint = base.clone();
        let _ = endpoint.set_password(None);
        let _ = endpoint.set_username("");
        endpoint.set_query(None);
        Ok(Self {
            endpoint: endpoint.to_string(),
            base,
            preset,
            http,
        })
    }

    /// The root of the newest finalized beacon block (`/eth/v1/beacon/headers/finalized`): what a
    /// light client bootstraps from when the operator trusts this node.
    pub async fn finalized_root(&self) -> Result<B256> {
        let body = self
            .get("/eth/v1/beacon/headers/finalized", "beacon header")
            .await?;
        let value: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| self.bad("beacon header", e))?;
        value["data"]["root"]
            .as_str()
            .and_then(|s| s.parse::<B256>().ok())
            .ok_or_else(|| self.bad("beacon header", "no data.root"))
    }

    /// The chain's configuration as the node states it (`/eth/v1/beacon/genesis` for the genesis
    /// validators root, `/eth/v1/config/spec` for the preset and fork schedule). A light client
    /// should pin these rather than trust a node for them; this is for tools and the devnet.
    pub async fn chain_config(&self) -> Result<ChainConfig> {
        let genesis = self.get("/eth/v1/beacon/genesis", "genesis").await?;
        let genesis: serde_json::Value =
            serde_json::from_str(&genesis).map_err(|e| self.bad("genesis", e))?;
        let root = genesis["data"]["genesis_validators_root"]
            .as_str()
            .and_then(|s| s.parse::<B256>().ok())
            .ok_or_else(|| self.bad("genesis", "no data.genesis_validators_root"))?;
        let spec = self.get("/eth/v1/config/spec", "spec").await?;
        let spec: serde_json::Value =
            serde_json::from_str(&spec).map_err(|e| self.bad("spec", e))?;
        // The spec's `data` is a flat map of strings, which the config.yaml reader takes as is
        // (JSON is YAML).
        let config = ChainConfig::from_spec_config_yaml(&spec["data"].to_string(), root)
            .map_err(|e| self.bad("spec", e))?;
        if config.preset != self.preset {
            return Err(self.bad(
                "spec",
                format!(
                    "the node's preset is {}, this client was made for {}",
                    config.preset.name, self.preset.name
                ),
            ));
        }
        Ok(config)
    }

    /// The bootstrap for the block `root`.
    pub async fn bootstrap(&self, root: B256) -> Result<LightClientBootstrap> {
        let body = self
            .get(
                &format!("/eth/v1/beacon/light_client/bootstrap/{root}"),
                "bootstrap",
            )
            .await?;
        bootstrap_from_json(&body, &self.preset)
            .map(|(_, b)| b)
            .map_err(|e| self.bad("bootstrap", e))
    }

    /// Updates for `count` periods from `start_period` (the node may return fewer).
    pub async fn updates(&self, start_period: u64, count: u64) -> Result<Vec<LightClientUpdate>> {
        let body = self
            .get(
                &format!(
                    "/eth/v1/beacon/light_client/updates?start_period={start_period}&count={count}"
                ),
                "updates",
            )
            .await?;
        updates_from_json(&body, &self.preset)
            .map(|v| v.into_iter().map(|(_, u)| u).collect())
            .map_err(|e| self.bad("updates", e))
    }

    /// The newest finality update.
    pub async fn finality_update(&self) -> Result<LightClientUpdate> {
        let body = self
            .get(
                "/eth/v1/beacon/light_client/finality_update",
                "finality update",
            )
            .await?;
        finality_update_from_json(&body, &self.preset)
            .map(|(_, u)| u)
            .map_err(|e| self.bad("finality update", e))
    }

    async fn get(&self, path: &str, what: &'static str) -> Result<String> {
        let url = self.base.join(path).map_err(|e| self.bad(what, e))?;
        let response = self.http.get(url).send().await.map_err(|e| Error::Rpc {
            endpoint: self.endpoint.clone(),
            operation: what,
            message: e.to_string(),
            // Connection refused, timeouts: the node may be back soon.
            retryable: true,
        })?;
        let status = response.status();
        let body = response.text().await.map_err(|e| Error::Rpc {
            endpoint: self.endpoint.clone(),
            operation: what,
            message: e.to_string(),
            retryable: true,
        })?;
        if !status.is_success() {
            return Err(Error::Rpc {
                endpoint: self.endpoint.clone(),
                operation: what,
                message: format!("HTTP {status}: {body}"),
                // 404: not there yet (a period not reached); 5xx: the node's trouble.
                retryable: status.as_u16() == 404 || status.is_server_error(),
            });
        }
        Ok(body)
    }

    fn bad(&self, what: &'static str, e: impl std::fmt::Display) -> Error {
        Error::Rpc {
            endpoint: self.endpoint.clone(),
            operation: what,
            message: format!("unreadable answer: {e}"),
            retryable: false,
        }
    }
}

//! A chain with a simulator over it, and HTTP helpers.

use std::{path::Path, time::Duration};

use alloy::{
    eips::BlockNumberOrTag, network::TransactionBuilder, primitives::U256, providers::Provider,
    rpc::types::TransactionRequest,
};
use alloy_primitives::{Address, B256};
use courier_beacon_sim::{BeaconSim, SimConfig};
use courier_devnet::{Anvil, AnvilConfig, AnvilInstance, keys};
use courier_lightclient::{ChainConfig, LightClient, bootstrap_from_json};

/// How long the simulator gets to catch up with anvil.
pub const CATCH_UP: Duration = Duration::from_secs(60);

/// One anvil chain (automine: blocks only when mined or sent a transaction) and a simulator
/// following it.
pub struct Env {
    pub anvil: AnvilInstance,
    pub sim: BeaconSim,
    pub http: reqwest::Client,
}

impl Env {
    pub async fn start(config: SimConfig) -> Self {
        let anvil = Anvil::spawn(AnvilConfig::new(31337, Duration::ZERO))
            .await
            .unwrap();
        let sim = BeaconSim::start(anvil.rpc_url(), config).await.unwrap();
        Self {
            anvil,
            sim,
            http: reqwest::Client::new(),
        }
    }

    pub fn config(&self) -> &ChainConfig {
        self.sim.chain_config()
    }

    /// Mines until anvil's head is `head`, and waits until the simulator has it.
    pub async fn mine_to(&self, head: u64) {
        let now = self.anvil.block_number().await.unwrap();
        if head > now {
            self.anvil.mine(head - now).await.unwrap();
        }
        self.sim.wait_for_slot(head, CATCH_UP).await.unwrap();
        assert_eq!(self.sim.head_slot(), Some(head));
    }

    /// Sends 1 wei to `to` from the deployer (mined at once) and returns the block it landed in.
    pub async fn transfer(&self, to: Address) -> u64 {
        let provider = self.anvil.signing_provider(keys::deployer());
        let tx = TransactionRequest::default()
            .with_to(to)
            .with_value(U256::from(1));
        let receipt = provider
            .send_transaction(tx)
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
        receipt.block_number.unwrap()
    }

    /// anvil's block `number` (hashes only).
    pub async fn anvil_block(&self, number: u64) -> alloy::rpc::types::Block {
        self.anvil
            .provider()
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .await
            .unwrap()
            .unwrap()
    }

    /// GET `path` on the simulator: status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.sim.url()))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// GET `path`, which must answer 200; the body.
    pub async fn get_ok(&self, path: &str) -> String {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// The finalized block root the API names (`/eth/v1/beacon/headers/finalized`) and its slot.
    pub async fn finalized_root(&self) -> (B256, u64) {
        let body: serde_json::Value =
            serde_json::from_str(&self.get_ok("/eth/v1/beacon/headers/finalized").await).unwrap();
        let root = body["data"]["root"].as_str().unwrap().parse().unwrap();
        let slot = body["data"]["header"]["message"]["slot"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        (root, slot)
    }

    /// A light client bootstrapped over HTTP from the finalized block root.
    pub async fn bootstrapped_client(&self) -> LightClient {
        let (root, _) = self.finalized_root().await;
        let json = self
            .get_ok(&format!("/eth/v1/beacon/light_client/bootstrap/{root}"))
            .await;
        let (_, bootstrap) = bootstrap_from_json(&json, &self.config().preset).unwrap();
        LightClient::bootstrap(self.config().clone(), bootstrap, root).unwrap()
    }

    /// Stops the simulator and anvil, and checks both are gone.
    pub async fn stop(self) {
        let (pid, port, api) = (self.anvil.pid(), self.anvil.port(), self.sim.addr());
        self.sim.stop().await;
        self.anvil.stop().await;
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "anvil pid {pid} still exists"
        );
        for port in [port, api.port()] {
            assert!(
                std::net::TcpStream::connect_timeout(
                    &([127, 0, 0, 1], port).into(),
                    Duration::from_millis(200)
                )
                .is_err(),
                "port {port} still open"
            );
        }
    }
}

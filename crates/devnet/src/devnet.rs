//! A whole devnet: several anvil chains with Courier deployed and wired together, a validator
//! committee, and the `devnet.json` manifest that tells other processes about it.
//!
//! [`Devnet::start`] starts every chain in parallel, deploys in parallel, connects the chains and
//! writes the manifest; the returned [`Devnet`] owns the anvil processes, which stop with it.
//!
//! Setup does not wait for block times: while it runs, pending transactions are mined on demand
//! (`anvil_mine`), so startup takes well under a second however slow the chains' blocks are. The
//! chains keep their configured block time throughout; setup only adds a few blocks.
//!
//! Every contract of a devnet has its own address, also across chains: chain `i` deploys from
//! deployer nonce `i × NONCES_PER_CHAIN` on (see `separate_nonces`), so code that mixes chains up
//! fails in tests.

use std::{
    fmt,
    path::{Path, PathBuf},
    pin::pin,
    time::{Duration, Instant},
};

use alloy::primitives::{Address, B256};
use alloy::{
    primitives::U256,
    providers::{DynProvider, Provider},
};
use courier_beacon_sim::{BeaconSim, SimConfig};
use courier_core::Committee;
use futures::future::{Either, join_all, select, try_join_all};

use crate::{
    anvil::{Anvil, AnvilConfig, AnvilInstance},
    deploy::{
        CommitteeSpec, Deployment, LightClientDeployment, OptimisticSetup, connect, deploy_core,
        deploy_light_client_routes, deploy_optimistic_routes,
    },
    error::{Error, Result},
    keys::{self, KEY_WARNING, ValidatorKey},
    manifest::{
        MANIFEST_FILE, Manifest, ManifestAccount, ManifestChain, ManifestLightClient,
        ManifestOptimistic, ManifestValidators,
    },
};

/// The deployer nonces each chain's setup may use (far more than it sends: every contract it
/// creates, every configuration call).
const NONCES_PER_CHAIN: u64 = 1_000_000;

/// How often setup looks for transactions to mine.
const SETUP_MINING_POLL: Duration = Duration::from_millis(10);

/// One chain of a devnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSpec {
    /// A short name (`alpha`), unique in the devnet.
    pub name: String,
    /// The chain id, also its Courier domain; unique in the devnet.
    pub chain_id: u64,
    /// Interval between blocks (fractions of a second work; zero: automine).
    pub block_time: Duration,
    /// Blocks behind the head that agents treat as final.
    pub finality_depth: u64,
}

impl ChainSpec {
    /// A chain spec.
    pub fn new(
        name: impl Into<String>,
        chain_id: u64,
        block_time: Duration,
        finality_depth: u64,
    ) -> Self {
        Self {
            name: name.into(),
            chain_id,
            block_time,
            finality_depth,
        }
    }
}

/// What devnet to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevnetSpec {
    /// The chains.
    pub chains: Vec<ChainSpec>,
    /// How many validators form the committee (keys from [`keys::validator_keys`]).
    pub validators: usize,
    /// Signatures needed, `k`.
    pub threshold: u8,
    /// The chain (by name) whose beacon chain is simulated, with a light client of it and a
    /// `LightClientVerifier` deployed on every other chain; `None` for no light-client route.
    pub light_client_origin: Option<String>,
    /// The chain (by name) from which the optimistic route runs: a proposer bonded there, an
    /// `OptimisticVerifier` (and a committee-AND-optimistic `AggregationVerifier`) on every other
    /// chain; `None` for no optimistic route.
    pub optimistic_origin: Option<String>,
}

impl Default for DevnetSpec {
    /// Three chains with different block times and finality depths, 3 of 5 validators.
    fn default() -> Self {
        Self {
            chains: vec![
                ChainSpec::new("alpha", 31337, Duration::from_secs(1), 2),
                ChainSpec::new("beta", 31338, Duration::from_secs(2), 1),
                ChainSpec::new("gamma", 31339, Duration::from_secs(1), 3),
            ],
            validators: 5,
            threshold: 3,
            light_client_origin: Some("alpha".to_owned()),
            optimistic_origin: Some("alpha".to_owned()),
        }
    }
}

impl DevnetSpec {
    /// Checks that the spec can work: at least one chain, names and chain ids unique and not
    /// empty or zero, `2 ≤ threshold ≤ validators ≤ 255`.
    pub fn validate(&self) -> Result<()> {
        let invalid = |reason: String| Err(Error::InvalidSpec(reason));
        if self.chains.is_empty() {
            return invalid("a devnet needs at least one chain".to_owned());
        }
        for (i, chain) in self.chains.iter().enumerate() {
            if chain.name.is_empty() {
                return invalid(format!("chain {i} has no name"));
            }
            if chain.chain_id == 0 {
                return invalid(format!("chain {} has chain id 0", chain.name));
            }
            let earlier = &self.chains[..i];
            if earlier.iter().any(|c| c.name == chain.name) {
                return invalid(format!("two chains are named {}", chain.name));
            }
            if let Some(other) = earlier.iter().find(|c| c.chain_id == chain.chain_id) {
                return invalid(format!(
                    "chains {} and {} both have chain id {}",
                    other.name, chain.name, chain.chain_id
                ));
            }
        }
        if self.validators == 0 || self.validators > courier_core::committee::MAX_VALIDATORS {
            return invalid(format!(
                "{} validators: a committee has 1 to {}",
                self.validators,
                courier_core::committee::MAX_VALIDATORS
            ));
        }
        if let Some(origin) = &self.optimistic_origin
            && !self.chains.iter().any(|c| &c.name == origin)
        {
            return invalid(format!(
                "the optimistic origin {origin} is not one of the chains"
            ));
        }
        if let Some(origin) = &self.light_client_origin
            && !self.chains.iter().any(|c| &c.name == origin)
        {
            return invalid(format!(
                "the light-client origin {origin} is not one of the chains"
            ));
        }
        if self.threshold < 2 || usize::from(self.threshold) > self.validators {
            return invalid(format!(
                "threshold {} with {} validators: it must be 2 to {} (a threshold of one lets any single key deliver anything)",
                self.threshold, self.validators, self.validators
            ));
        }
        Ok(())
    }
}

/// What [`Devnet::start`] reports as it goes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// A chain answers RPC.
    ChainStarted {
        /// Its name.
        name: String,
        /// Its chain id.
        chain_id: u64,
        /// Its RPC endpoint.
        rpc_url: String,
        /// anvil's process id.
        pid: u32,
        /// Time since the start began.
        elapsed: Duration,
    },
    /// Courier is deployed on a chain.
    ChainDeployed {
        /// Its name.
        name: String,
        /// The contracts.
        deployment: Deployment,
        /// Time since the start began.
        elapsed: Duration,
    },
    /// Every chain knows every other chain's committee and HelloApp.
    Connected {
        /// How many chains.
        chains: usize,
        /// Time since the start began.
        elapsed: Duration,
    },
    /// The light-client route is up: the origin's beacon chain simulated, a light client of it
    /// on every other chain.
    LightClientReady {
        /// The origin's name.
        origin: String,
        /// The simulator's beacon API.
        beacon_url: String,
        /// How many destinations have a light client of it.
        destinations: usize,
        /// Time since the start began.
        elapsed: Duration,
    },
    /// `devnet.json` is written.
    ManifestWritten {
        /// Where.
        path: PathBuf,
        /// Time since the start began.
        elapsed: Duration,
    },
    /// The devnet is ready.
    Ready {
        /// How long the start took.
        elapsed: Duration,
    },
}

impl fmt::Display for ProgressEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ChainStarted {
                name,
                chain_id,
                rpc_url,
                pid,
                elapsed,
            } => write!(
                f,
                "[{elapsed:>8.2?}] {name} (chain {chain_id}) up at {rpc_url}, anvil pid {pid}"
            ),
            Self::ChainDeployed {
                name,
                deployment,
                elapsed,
            } => write!(
                f,
                "[{elapsed:>8.2?}] {name}: Mailbox {}, CommitteeVerifier {}, HelloApp {} (block {})",
                deployment.mailbox,
                deployment.committee_verifier,
                deployment.hello_app,
                deployment.deploy_block
            ),
            Self::Connected { chains, elapsed } => write!(
                f,
                "[{elapsed:>8.2?}] {chains} chains connected: committees set, HelloApp peers enrolled"
            ),
            Self::LightClientReady {
                origin,
                beacon_url,
                destinations,
                elapsed,
            } => write!(
                f,
                "[{elapsed:>8.2?}] {origin}'s beacon chain simulated at {beacon_url}; a light client of it on {destinations} chains"
            ),
            Self::ManifestWritten { path, elapsed } => {
                write!(f, "[{elapsed:>8.2?}] wrote {}", path.display())
            }
            Self::Ready { elapsed } => write!(f, "[{elapsed:>8.2?}] devnet ready"),
        }
    }
}

/// One running chain of a devnet.
pub struct DevnetChain {
    /// What it was started as.
    pub spec: ChainSpec,
    /// The anvil process; it stops when this is dropped.
    pub anvil: AnvilInstance,
    /// Courier's contracts on it.
    pub deployment: Deployment,
    /// A provider signing as the deployer, who owns every contract.
    pub deployer: DynProvider,
}

impl fmt::Debug for DevnetChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevnetChain")
            .field("spec", &self.spec)
            .field("anvil", &self.anvil)
            .field("deployment", &self.deployment)
            .finish_non_exhaustive()
    }
}

impl DevnetChain {
    /// The chain's name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// The chain's domain (chain id).
    pub fn domain(&self) -> u64 {
        self.spec.chain_id
    }
}

/// A devnet's light-client route: the simulated beacon chain of its origin, and what is deployed
/// for it.
#[derive(Debug)]
pub struct DevnetLightClient {
    /// The origin chain's name.
    pub origin: String,
    /// The origin's domain.
    pub origin_domain: u64,
    /// The simulator of the origin's beacon chain (stops with the devnet).
    pub beacon: BeaconSim,
    /// The beacon block root every light client was deployed trusting.
    pub trusted_root: B256,
    /// The origin's HelloApp whose peers use light-client verifiers.
    pub origin_hello_app: Address,
    /// The contracts on each other chain.
    pub destinations: Vec<LightClientDeployment>,
}

/// A devnet's optimistic route.
#[derive(Debug, Clone)]
pub struct DevnetOptimistic {
    /// The origin chain's name.
    pub origin: String,
    /// The origin's domain.
    pub origin_domain: u64,
    /// What is deployed.
    pub setup: OptimisticSetup,
}

/// The devnet's dispute window: a few blocks, so scenarios see a claim mature (real chains use
/// ~30 minutes; `courier config validate` refuses less than 10).
pub const DEVNET_WINDOW_SECONDS: u64 = 6;

/// A running devnet. Dropping it (or [`Devnet::stop`]) stops every chain.
#[derive(Debug)]
pub struct Devnet {
    /// The chains, in the order of the spec.
    pub chains: Vec<DevnetChain>,
    /// The validators' keys, ascending by address (the committee's order).
    pub validator_keys: Vec<ValidatorKey>,
    /// Signatures needed, `k`.
    pub threshold: u8,
    /// The light-client route, when the spec asks for one.
    pub light_client: Option<DevnetLightClient>,
    /// The optimistic route, when the spec asks for one.
    pub optimistic: Option<DevnetOptimistic>,
    /// Where `devnet.json` was written.
    pub manifest_path: PathBuf,
    /// How long [`Devnet::start`] took.
    pub startup: Duration,
}

impl Devnet {
    /// Starts a devnet: every chain's anvil (in parallel), Courier on every chain (in parallel),
    /// every chain connected to every other, and `data_dir/devnet.json` written. `progress` hears
    /// about each step. On error, whatever was started is stopped again.
    pub async fn start(
        spec: DevnetSpec,
        data_dir: &Path,
        progress: impl Fn(ProgressEvent) + Send + Sync,
    ) -> Result<Self> {
        let started = Instant::now();
        spec.validate()?;
        let validator_keys = keys::validator_keys(spec.validators)?;
        std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;

        let anvils = try_join_all(spec.chains.iter().map(|chain| {
            let progress = &progress;
            async move {
                let anvil =
                    Anvil::spawn(AnvilConfig::new(chain.chain_id, chain.block_time)).await?;
                progress(ProgressEvent::ChainStarted {
                    name: chain.name.clone(),
                    chain_id: chain.chain_id,
                    rpc_url: anvil.rpc_url().to_owned(),
                    pid: anvil.pid(),
                    elapsed: started.elapsed(),
                });
                Ok::<_, Error>(anvil)
            }
        }))
        .await?;

        let deployers: Vec<DynProvider> = anvils
            .iter()
            .map(|anvil| anvil.signing_provider(keys::deployer()))
            .collect();
        let committee = CommitteeSpec {
            threshold: spec.threshold,
            validators: validator_keys.iter().map(|k| k.address).collect(),
        };
        let setup = async {
            let deployments = try_join_all(spec.chains.iter().zip(&deployers).enumerate().map(
                |(position, (chain, provider))| {
                    let progress = &progress;
                    async move {
                        separate_nonces(provider, chain.chain_id, position).await?;
                        let deployment =
                            deploy_core(provider, chain.chain_id, keys::DEPLOYER_ADDRESS).await?;
                        progress(ProgressEvent::ChainDeployed {
                            name: chain.name.clone(),
                            deployment,
                            elapsed: started.elapsed(),
                        });
                        Ok::<_, Error>(deployment)
                    }
                },
            ))
            .await?;
            let wiring: Vec<(Deployment, DynProvider)> = deployments
                .iter()
                .copied()
                .zip(deployers.iter().cloned())
                .collect();
            connect(&wiring, &committee).await?;
            progress(ProgressEvent::Connected {
                chains: wiring.len(),
                elapsed: started.elapsed(),
            });
            Ok::<_, Error>(deployments)
        };
        let deployments = mine_promptly(&anvils, setup).await?;
        let light_client = match &spec.light_client_origin {
            Some(origin) if spec.chains.len() > 1 => {
                let position = spec
                    .chains
                    .iter()
                    .position(|c| &c.name == origin)
                    .ok_or_else(|| Error::InvalidSpec(format!("no chain named {origin}")))?;
                let lc =
                    start_light_client(&spec.chains, position, &anvils, &deployments, &deployers)
                        .await?;
                progress(ProgressEvent::LightClientReady {
                    origin: origin.clone(),
                    beacon_url: lc.beacon.url(),
                    destinations: lc.destinations.len(),
                    elapsed: started.elapsed(),
                });
                Some(lc)
            }
            _ => None,
        };
        let optimistic = match &spec.optimistic_origin {
            Some(origin) if spec.chains.len() > 1 => {
                let position = spec
                    .chains
                    .iter()
                    .position(|c| &c.name == origin)
                    .ok_or_else(|| Error::InvalidSpec(format!("no chain named {origin}")))?;
                let others: Vec<(Deployment, DynProvider)> = deployments
                    .iter()
                    .zip(&deployers)
                    .enumerate()
                    .filter(|(i, _)| *i != position)
                    .map(|(_, (d, p))| (*d, p.clone()))
                    .collect();
                let proposer = anvils[position].signing_provider(keys::proposer());
                let validators: Vec<alloy::primitives::Address> =
                    validator_keys.iter().map(|k| k.address).collect();
                let setup = deploy_optimistic_routes(
                    &deployments[position],
                    &deployers[position],
                    &proposer,
                    &others,
                    DEVNET_WINDOW_SECONDS,
                    keys::DEPLOYER_ADDRESS,
                    &validators,
                );
                let setup = mine_promptly(&anvils, setup).await?;
                Some(DevnetOptimistic {
                    origin: origin.clone(),
                    origin_domain: spec.chains[position].chain_id,
                    setup,
                })
            }
            _ => None,
        };

        let chains: Vec<DevnetChain> = spec
            .chains
            .into_iter()
            .zip(anvils)
            .zip(deployments)
            .zip(deployers)
            .map(|(((spec, anvil), deployment), deployer)| DevnetChain {
                spec,
                anvil,
                deployment,
                deployer,
            })
            .collect();
        let mut devnet = Self {
            chains,
            validator_keys,
            threshold: spec.threshold,
            light_client,
            optimistic,
            manifest_path: data_dir.join(MANIFEST_FILE),
            startup: Duration::ZERO,
        };
        devnet.manifest().write(&devnet.manifest_path)?;
        progress(ProgressEvent::ManifestWritten {
            path: devnet.manifest_path.clone(),
            elapsed: started.elapsed(),
        });
        devnet.startup = started.elapsed();
        progress(ProgressEvent::Ready {
            elapsed: devnet.startup,
        });
        Ok(devnet)
    }

    /// The chain named `name`.
    pub fn chain(&self, name: &str) -> Option<&DevnetChain> {
        self.chains.iter().find(|c| c.spec.name == name)
    }

    /// The chain with domain (chain id) `domain`.
    pub fn chain_by_domain(&self, domain: u64) -> Option<&DevnetChain> {
        self.chains.iter().find(|c| c.spec.chain_id == domain)
    }

    /// The committee the devnet configured for every origin.
    pub fn committee_spec(&self) -> CommitteeSpec {
        CommitteeSpec {
            threshold: self.threshold,
            validators: self.validator_keys.iter().map(|k| k.address).collect(),
        }
    }

    /// The committee that signs checkpoints of `origin`'s Mailbox, as every other chain's
    /// CommitteeVerifier holds it.
    pub fn committee(&self, origin: &DevnetChain) -> Result<Committee> {
        self.committee_spec().committee(origin.deployment.mailbox)
    }

    /// What `devnet.json` says about this devnet.
    pub fn manifest(&self) -> Manifest {
        let account = |signer: alloy::signers::local::PrivateKeySigner| ManifestAccount {
            address: signer.address(),
            warning: KEY_WARNING.to_owned(),
            private_key: signer.to_bytes(),
        };
        Manifest {
            warning: KEY_WARNING.to_owned(),
            chains: self
                .chains
                .iter()
                .map(|chain| ManifestChain {
                    name: chain.spec.name.clone(),
                    chain_id: chain.spec.chain_id,
                    rpc_url: chain.anvil.rpc_url().to_owned(),
                    block_time_ms: u64::try_from(chain.spec.block_time.as_millis())
                        .unwrap_or(u64::MAX),
                    finality_depth: chain.spec.finality_depth,
                    mailbox: chain.deployment.mailbox,
                    committee_verifier: chain.deployment.committee_verifier,
                    hello_app: chain.deployment.hello_app,
                    relayer_fees: chain.deployment.relayer_fees,
                    deploy_block: chain.deployment.deploy_block,
                })
                .collect(),
            validators: ManifestValidators {
                threshold: self.threshold,
                addresses: self.validator_keys.iter().map(|k| k.address).collect(),
                warning: KEY_WARNING.to_owned(),
                private_keys: self
                    .validator_keys
                    .iter()
                    .map(ValidatorKey::private_key)
                    .collect(),
            },
            deployer: account(keys::deployer()),
            relayer: account(keys::relayer()),
            light_client: self.light_client.as_ref().map(|lc| ManifestLightClient {
                origin: lc.origin.clone(),
                beacon_url: lc.beacon.url(),
                preset: lc.beacon.chain_config().preset.name.to_owned(),
                trusted_root: lc.trusted_root,
                origin_hello_app: lc.origin_hello_app,
                destinations: lc.destinations.clone(),
                relay: account(keys::light_client_relay()),
            }),
            optimistic: self.optimistic.as_ref().map(|o| ManifestOptimistic {
                origin: o.origin.clone(),
                setup: o.setup.clone(),
                proposer: account(keys::proposer()),
                watcher: account(keys::watcher()),
            }),
        }
    }

    /// Stops the beacon simulator and every chain, and waits until their processes are gone.
    pub async fn stop(self) {
        if let Some(lc) = self.light_client {
            lc.beacon.stop().await;
        }
        join_all(self.chains.into_iter().map(|chain| chain.anvil.stop())).await;
    }
}

/// Starts the deployer of the chain at `position` at nonce `position × NONCES_PER_CHAIN`
/// (`anvil_setNonce`).
///
/// The same deployer deploying the same contracts in the same order would put them at the same
/// addresses on every chain. Disjoint nonce ranges give every contract of every chain its own
/// address — the core contracts and every route's — so that code mixing up chains (an origin
/// Mailbox for a destination one) fails in tests instead of passing by coincidence.
async fn separate_nonces(provider: &DynProvider, chain: u64, position: usize) -> Result<()> {
    let nonce = U256::from(position as u64 * NONCES_PER_CHAIN);
    provider
        .raw_request::<_, ()>("anvil_setNonce".into(), (keys::DEPLOYER_ADDRESS, nonce))
        .await
        .map_err(|e| Error::Transaction {
            chain,
            call: format!("anvil_setNonce({}, {nonce})", keys::DEPLOYER_ADDRESS),
            stage: "sending",
            reason: e.to_string(),
            retryable: crate::error::is_transient(&e),
        })
}

/// Starts the beacon simulator over the chain at `position`, waits for its first finalized
/// block (mining the few blocks that takes at once), and deploys a light client trusting that
/// block, a `LightClientVerifier` and a HelloApp on every other chain.
async fn start_light_client(
    specs: &[ChainSpec],
    position: usize,
    anvils: &[AnvilInstance],
    deployments: &[Deployment],
    deployers: &[DynProvider],
) -> Result<DevnetLightClient> {
    let spec = &specs[position];
    let anvil = &anvils[position];
    let sim_error = |e: courier_beacon_sim::Error| {
        Error::InvalidSpec(format!("the beacon simulator of {}: {e}", spec.name))
    };
    let beacon = BeaconSim::start(
        anvil.rpc_url(),
        SimConfig {
            finality_depth: spec.finality_depth,
            poll_interval: (spec.block_time / 4)
                .clamp(Duration::from_millis(20), Duration::from_millis(250)),
            ..SimConfig::default()
        },
    )
    .await
    .map_err(sim_error)?;
    // Finality needs `depth` blocks on top of one after genesis; mine them now rather than wait.
    let head = anvil.block_number().await?;
    let wanted = spec.finality_depth + 2;
    if head < wanted {
        anvil.mine(wanted - head).await?;
    }
    let head = anvil.block_number().await?;
    beacon
        .wait_for_slot(head, Duration::from_secs(30))
        .await
        .map_err(sim_error)?;
    let trusted = beacon.finalized_block().ok_or_else(|| {
        Error::InvalidSpec(format!(
            "the beacon simulator of {} has no finalized block at slot {head}",
            spec.name
        ))
    })?;
    let bootstrap = beacon.bootstrap(&trusted.root).map_err(sim_error)?;
    let config = beacon.chain_config().clone();
    let others: Vec<(Deployment, DynProvider)> = deployments
        .iter()
        .zip(deployers)
        .enumerate()
        .filter(|(i, _)| *i != position)
        .map(|(_, (d, p))| (*d, p.clone()))
        .collect();
    let setup = deploy_light_client_routes(
        &deployments[position],
        &deployers[position],
        &others,
        &config,
        trusted.root,
        &bootstrap,
        keys::DEPLOYER_ADDRESS,
    );
    let (origin_hello_app, destinations) = mine_promptly(anvils, setup).await?;
    Ok(DevnetLightClient {
        origin: spec.name.clone(),
        origin_domain: spec.chain_id,
        beacon,
        trusted_root: trusted.root,
        origin_hello_app,
        destinations,
    })
}

/// Runs `work` while mining every chain's pending transactions as soon as they appear, so that
/// setup does not wait for block times. Chains on automine need no help and are left alone.
async fn mine_promptly<T>(anvils: &[AnvilInstance], work: impl Future<Output = T>) -> T {
    let miner = async {
        loop {
            for anvil in anvils.iter().filter(|a| !a.block_time().is_zero()) {
                // A failure here only means setup waits for the chain's own next block.
                if let Ok(pending) = anvil.pending_transactions().await
                    && pending > 0
                    && let Err(error) = anvil.mine(1).await
                {
                    tracing::debug!(rpc_url = anvil.rpc_url(), %error, "setup mining failed");
                }
            }
            tokio::time::sleep(SETUP_MINING_POLL).await;
        }
    };
    match select(pin!(work), pin!(miner)).await {
        Either::Left((output, _)) => output,
        // The miner never finishes; should it, the work still completes on the chains' own blocks.
        Either::Right(((), work)) => work.await,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn default_spec_is_the_documented_one() {
        let spec = DevnetSpec::default();
        spec.validate().unwrap();
        let summary: Vec<_> = spec
            .chains
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.chain_id,
                    c.block_time.as_secs(),
                    c.finality_depth,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("alpha", 31337, 1, 2),
                ("beta", 31338, 2, 1),
                ("gamma", 31339, 1, 3)
            ]
        );
        assert_eq!((spec.validators, spec.threshold), (5, 3));
    }

    #[test]
    fn bad_specs_are_refused_with_a_reason() {
        let check = |change: fn(&mut DevnetSpec), expected: &str| {
            let mut spec = DevnetSpec::default();
            change(&mut spec);
            let err = spec.validate().unwrap_err().to_string();
            assert!(err.contains(expected), "{err} should mention {expected}");
        };
        check(|s| s.chains.clear(), "at least one chain");
        check(
            |s| s.chains[1].name = "alpha".into(),
            "two chains are named alpha",
        );
        check(
            |s| s.chains[2].chain_id = 31337,
            "alpha and gamma both have chain id 31337",
        );
        check(|s| s.chains[0].chain_id = 0, "chain id 0");
        check(|s| s.chains[0].name.clear(), "chain 0 has no name");
        check(|s| s.validators = 0, "0 validators");
        check(|s| s.validators = 256, "256 validators");
        check(|s| s.threshold = 0, "threshold 0");
        check(
            |s| s.threshold = 1,
            "a threshold of one lets any single key deliver",
        );
        check(|s| s.threshold = 6, "threshold 6 with 5 validators");
        check(
            |s| s.light_client_origin = Some("delta".into()),
            "the light-client origin delta is not one of the chains",
        );
    }

    #[test]
    fn progress_reads_well() {
        let event = ProgressEvent::Connected {
            chains: 3,
            elapsed: Duration::from_millis(420),
        };
        assert!(event.to_string().contains("3 chains connected"));
    }
}

//! Runs Courier's agents in this process: one validator task per (validator key, origin chain), and
//! a relayer made of one indexer per origin and one delivery pipeline per destination, all sharing
//! one cancellation token. Used by `courier devnet` and by the end-to-end tests.

use std::{collections::HashMap, path::PathBuf, sync::Arc, time::Duration};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::Address;
use courier_chain::{
    CommittedRoots, Finality,
    beacon::BeaconApi,
    evm::EvmMailbox,
    fees::{EvmGasPayments, GasPayments},
    folder::FolderCheckpointStore,
    lightclient::RootCommitter,
    optimistic::{EvmOptimisticVerifier, EvmProposerBond, EvmValidatorStaking},
    timelock::TimelockFollower,
};
use courier_metrics::Metrics;
use courier_relayer::{
    ClaimProposer, DestinationAccess, FeePolicy, Indexer, IndexerConfig, LightClientDemand,
    LightClientRelay, LightClientRelayConfig, OriginTrees, Pipeline, PipelineConfig,
    ProposerDestination,
};
use courier_store::Store;
use courier_validator::{Validator, ValidatorConfig};
use courier_watcher::{EquivocationCheck, OriginWitness, TimelockWatch, WatchedVerifier, Watcher};
use eyre::WrapErr;
use k256::ecdsa::SigningKey;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use url::Url;

/// A chain the agents work on.
#[derive(Debug, Clone)]
pub struct AgentChain {
    /// Its name (for logs).
    pub name: String,
    /// Its domain (chain id).
    pub domain: u64,
    /// Its RPC endpoint.
    pub rpc: Url,
    /// When its blocks are final.
    pub finality: Finality,
    /// Its Mailbox.
    pub mailbox: Address,
    /// The block the Mailbox was deployed in.
    pub deploy_block: u64,
    /// Its block time (to pace polling).
    pub block_time: Duration,
    /// Its `RelayerFees`, where senders pay for their messages' delivery, if any.
    pub relayer_fees: Option<Address>,
}

/// What to run.
#[derive(Clone)]
pub struct AgentsConfig {
    /// Where databases and checkpoints go.
    pub data_dir: PathBuf,
    /// Every chain is both an origin and a destination.
    pub chains: Vec<AgentChain>,
    /// The validators' keys (one validator per key, signing for every origin).
    pub validators: Vec<SigningKey>,
    /// The relayer's account, or none to run no relayer.
    pub relayer: Option<PrivateKeySigner>,
    /// Most messages in one delivery transaction.
    pub batch_max: usize,
    /// Where the agents report (served by the caller, e.g. on `/metrics`).
    pub metrics: Metrics,
    /// The chains (by name) validators sign for; empty means every chain.
    pub validator_origins: Vec<String>,
    /// The light-client route the relayer serves, if any.
    pub light_client: Option<AgentLightClient>,
    /// The optimistic route's proposer and watcher, if any.
    pub optimistic: Option<AgentOptimistic>,
    /// Deliver only messages paid for on their origin's `RelayerFees` under this policy; `None`
    /// delivers every message.
    pub fees: Option<FeePolicy>,
}

/// The optimistic route from one origin: who proposes (in the relayer process) and who watches.
#[derive(Clone)]
pub struct AgentOptimistic {
    /// The origin chain's name.
    pub origin: String,
    /// The bonded proposer's key; `None`: this relayer proposes nothing.
    pub proposer: Option<PrivateKeySigner>,
    /// The watcher's key; `None`: no watcher runs here.
    pub watcher: Option<PrivateKeySigner>,
    /// `ProposerBond` on the origin, where the watcher proves fraud.
    pub proposer_bond: Address,
    /// The `OptimisticVerifier` on each destination (chain name, address).
    pub verifiers: Vec<(String, Address)>,
    /// The committee's `ValidatorStaking` (chain name, address): the watcher slashes
    /// equivocation there.
    pub validator_staking: Option<(String, Address)>,
    /// More RPC endpoints of the origin, besides its chain's `rpc`: the watcher judges every claim
    /// by each of them, and endpoints that disagree are an alarm (and a veto), never a pass.
    pub witnesses: Vec<Url>,
    /// Timelocks (chain name, address) whose scheduled configuration changes the watcher
    /// announces.
    pub timelocks: Vec<(String, Address)>,
}

impl std::fmt::Debug for AgentOptimistic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentOptimistic")
            .field("origin", &self.origin)
            .field(
                "proposer",
                &self.proposer.as_ref().map(PrivateKeySigner::address),
            )
            .field(
                "watcher",
                &self.watcher.as_ref().map(PrivateKeySigner::address),
            )
            .field("proposer_bond", &self.proposer_bond)
            .field("verifiers", &self.verifiers)
            .field("validator_staking", &self.validator_staking)
            .field(
                "witnesses",
                &self
                    .witnesses
                    .iter()
                    .map(courier_chain::evm::redact)
                    .collect::<Vec<_>>(),
            )
            .field("timelocks", &self.timelocks)
            .finish()
    }
}

/// A light-client route the relayer serves: messages from `origin` to recipients whose verifier
/// is a light client of its beacon chain.
#[derive(Clone)]
pub struct AgentLightClient {
    /// The origin chain's name (one of `chains`).
    pub origin: String,
    /// The origin's beacon API.
    pub beacon_url: Url,
    /// Its preset.
    pub preset: courier_lightclient::Preset,
    /// The beacon block root the relay's own light client starts from.
    pub trusted_root: alloy_primitives::B256,
    /// The relay's account (on the origin for `commitRoot`, on destinations for updates).
    pub key: PrivateKeySigner,
}

impl std::fmt::Debug for AgentLightClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentLightClient")
            .field("origin", &self.origin)
            .field("beacon_url", &self.beacon_url.as_str())
            .field("preset", &self.preset.name)
            .field("trusted_root", &self.trusted_root)
            .field("account", &self.key.address())
            .finish()
    }
}

impl std::fmt::Debug for AgentsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentsConfig")
            .field("data_dir", &self.data_dir)
            .field("chains", &self.chains)
            .field("validators", &self.validators.len())
            .field(
                "relayer",
                &self.relayer.as_ref().map(PrivateKeySigner::address),
            )
            .finish()
    }
}

impl AgentsConfig {
    /// The relayer's database.
    pub fn relayer_db(&self) -> PathBuf {
        self.data_dir.join("relayer.db")
    }

    /// Where validators publish checkpoints.
    pub fn checkpoints_dir(&self) -> PathBuf {
        self.data_dir.join("checkpoints")
    }

    /// The checkpoint store, after making sure the data directory exists.
    fn checkpoint_store(&self) -> eyre::Result<FolderCheckpointStore> {
        std::fs::create_dir_all(&self.data_dir)
            .wrap_err_with(|| format!("creating the data directory {}", self.data_dir.display()))?;
        Ok(FolderCheckpointStore::new(self.checkpoints_dir()))
    }
}

/// Running agents.
#[derive(Debug)]
pub struct Agents {
    token: CancellationToken,
    tasks: JoinSet<()>,
}

impl Agents {
    /// Connects to every chain and starts every agent: all validators and, when configured, the
    /// relayer.
    pub async fn start(config: &AgentsConfig) -> eyre::Result<Self> {
        let all: Vec<usize> = (0..config.validators.len()).collect();
        let mut agents = Self::start_validators(config, &all).await?;
        if config.relayer.is_some() {
            let relayer = Self::start_relayer(config).await?;
            agents.absorb(relayer);
        }
        if config
            .optimistic
            .as_ref()
            .is_some_and(|o| o.watcher.is_some())
        {
            let watcher = Self::start_watcher(config).await?;
            agents.absorb(watcher);
        }
        info!(
            validators = config.validators.len(),
            relayer = config.relayer.is_some(),
            chains = config.chains.len(),
            "agents running"
        );
        Ok(agents)
    }

    /// Starts the validators with these positions in `config.validators`, each signing for every
    /// chain in `validator_origins`, with its own database (`validator-<address>.db`) so it can be
    /// restarted on its own and several processes can share a data directory.
    pub async fn start_validators(config: &AgentsConfig, which: &[usize]) -> eyre::Result<Self> {
        let token = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let checkpoints = config.checkpoint_store()?;
        for &i in which {
            let key = config.validators.get(i).ok_or_else(|| {
                eyre::eyre!(
                    "no validator {i}: the config has {}",
                    config.validators.len()
                )
            })?;
            let address = courier_core::checkpoint::signer_address(key);
            let db = config.data_dir.join(format!("validator-{address:#x}.db"));
            let store = Store::open(&db).wrap_err_with(|| format!("opening {}", db.display()))?;
            for chain in config.chains.iter().filter(|c| {
                config.validator_origins.is_empty() || config.validator_origins.contains(&c.name)
            }) {
                let origin = connect(chain, None).await?;
                let validator = Validator::new(
                    origin,
                    checkpoints.clone(),
                    store.clone(),
                    key.clone(),
                    ValidatorConfig {
                        start_block: chain.deploy_block,
                        poll_interval: poll(chain),
                        ..ValidatorConfig::default()
                    },
                );
                tasks.spawn(validator.run(token.child_token()));
            }
        }
        Ok(Self { token, tasks })
    }

    /// Starts the relayer: one indexer per chain and one delivery pipeline per chain, sharing the
    /// database `relayer.db`.
    pub async fn start_relayer(config: &AgentsConfig) -> eyre::Result<Self> {
        let relayer = config
            .relayer
            .as_ref()
            .ok_or_else(|| eyre::eyre!("no relayer key configured"))?;
        let token = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let checkpoints = config.checkpoint_store()?;
        let db = config.relayer_db();
        let store = Store::open(&db).wrap_err_with(|| format!("opening {}", db.display()))?;
        let trees = OriginTrees::default();
        let demand = LightClientDemand::default();
        let claim_demand = LightClientDemand::default();
        if let Some(o) = &config.optimistic
            && let Some(key) = &o.proposer
        {
            let proposer =
                claim_proposer(config, o, key, trees.clone(), claim_demand.clone()).await?;
            tasks.spawn(proposer.run(token.child_token()));
        }
        let mut roots: HashMap<u64, Arc<dyn CommittedRoots>> = HashMap::new();
        if let Some(lc) = &config.light_client {
            let (relay, origin) = light_client_relay(config, lc, demand.clone()).await?;
            roots.insert(origin.domain(), Arc::new(origin));
            tasks.spawn(relay.run(token.child_token()));
        }
        let mut payments: HashMap<u64, Arc<dyn GasPayments>> = HashMap::new();
        if config.fees.is_some() {
            for chain in &config.chains {
                if let Some(fees) = chain.relayer_fees {
                    payments.insert(
                        chain.domain,
                        Arc::new(EvmGasPayments::new(connect(chain, None).await?, fees)),
                    );
                }
            }
        }
        for chain in &config.chains {
            let origin = connect(chain, None).await?;
            let indexer = Indexer::new(
                origin,
                store.clone(),
                trees.clone(),
                IndexerConfig {
                    start_block: chain.deploy_block,
                    poll_interval: poll(chain),
                    ..IndexerConfig::default()
                },
            )
            .wrap_err_with(|| format!("loading the relayer's state for {}", chain.name))?
            .with_metrics(config.metrics.relayer.clone());
            tasks.spawn(indexer.run(token.child_token()));
        }
        for chain in &config.chains {
            let destination = connect(chain, Some(relayer.clone())).await?;
            let confirmations = match chain.finality {
                Finality::Depth(d) => d,
                Finality::Finalized => 1,
            };
            let mut pipeline = Pipeline::new(
                destination,
                checkpoints.clone(),
                store.clone(),
                trees.clone(),
                PipelineConfig {
                    confirmations,
                    poll_interval: Duration::from_millis(100),
                    batch_max: config.batch_max,
                    ..PipelineConfig::default()
                },
            )
            .with_light_client(roots.clone(), demand.clone())
            .with_claim_demand(claim_demand.clone())
            .with_metrics(config.metrics.relayer.clone());
            if let Some(policy) = &config.fees {
                pipeline = pipeline.with_fees(policy.clone(), payments.clone());
            }
            tasks.spawn(pipeline.run(token.child_token()));
        }
        Ok(Self { token, tasks })
    }

    /// Starts the watcher of the optimistic route's origin: one witness per origin endpoint (the
    /// chain's `rpc`, then every extra one in `witnesses`), every destination's
    /// `OptimisticVerifier`, fraud proofs on the origin (sent through the chain's `rpc`).
    pub async fn start_watcher(config: &AgentsConfig) -> eyre::Result<Self> {
        let o = config
            .optimistic
            .as_ref()
            .ok_or_else(|| eyre::eyre!("no optimistic route configured"))?;
        let key = o
            .watcher
            .clone()
            .ok_or_else(|| eyre::eyre!("no watcher key configured"))?;
        let origin = chain_named(config, &o.origin)?;
        let mut witnesses = Vec::new();
        for (i, rpc) in std::iter::once(&origin.rpc).chain(&o.witnesses).enumerate() {
            let endpoint = AgentChain {
                rpc: rpc.clone(),
                ..origin.clone()
            };
            let reader = connect(&endpoint, None)
                .await
                .wrap_err_with(|| format!("witness endpoint {i} of {}", origin.name))?;
            // Names are logged: no credentials, and distinct even when two endpoints differ
            // only in a key that redaction removes.
            let name = format!("{}#{i}", courier_chain::evm::redact(rpc));
            witnesses.push(OriginWitness::new(name, reader, origin.deploy_block));
        }
        let mut verifiers = Vec::new();
        for (name, address) in &o.verifiers {
            let chain = chain_named(config, name)?;
            verifiers.push(WatchedVerifier {
                domain: chain.domain,
                reader: Arc::new(connect(chain, None).await?),
                verifier: EvmOptimisticVerifier::new(&chain.rpc, *address, key.clone()),
            });
        }
        let watcher = Watcher::new(
            origin.domain,
            witnesses,
            verifiers,
            Some(EvmProposerBond::new(
                &origin.rpc,
                o.proposer_bond,
                key.clone(),
            )),
            config.metrics.watcher.clone(),
            poll(origin),
        );
        let token = CancellationToken::new();
        let mut tasks = JoinSet::new();
        tasks.spawn(watcher.run(token.child_token()));
        for (name, address) in &o.timelocks {
            let chain = chain_named(config, name)?;
            let watch = TimelockWatch::new(
                chain.domain,
                TimelockFollower::new(&chain.rpc, *address, chain.deploy_block),
                config.metrics.watcher.clone(),
                poll(chain).max(Duration::from_secs(1)),
            );
            tasks.spawn(watch.run(token.child_token()));
        }
        if let Some((name, address)) = &o.validator_staking {
            let home = chain_named(config, name)?;
            let check = EquivocationCheck::new(
                config.checkpoint_store()?,
                config.chains.iter().map(|c| c.domain).collect(),
                config
                    .validators
                    .iter()
                    .map(courier_core::checkpoint::signer_address)
                    .collect(),
                EvmValidatorStaking::new(&home.rpc, *address, key),
                config.metrics.watcher.clone(),
            );
            tasks.spawn(check.run(token.child_token(), poll(home)));
        }
        Ok(Self { token, tasks })
    }

    /// Puts `other`'s agents under this group: cancelling this group cancels them, and they are
    /// awaited (or, when this group is killed, aborted: dropping a `JoinSet` aborts its tasks).
    fn absorb(&mut self, other: Self) {
        let Self { token, mut tasks } = other;
        let mine = self.token.clone();
        self.tasks.spawn(async move {
            mine.cancelled().await;
            token.cancel();
            while tasks.join_next().await.is_some() {}
        });
    }

    /// Asks every agent to stop and waits up to `timeout` for them; what is still running then is
    /// aborted (state was written before every side effect, so nothing is lost).
    pub async fn shutdown(mut self, timeout: Duration) {
        self.token.cancel();
        let drained = tokio::time::timeout(timeout, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            warn!(
                remaining = self.tasks.len(),
                "agents did not stop in time; aborting them"
            );
            self.tasks.abort_all();
        }
    }

    /// Stops every agent at once, wherever it is, as a crash would (for fault injection).
    pub async fn kill(mut self) {
        self.token.cancel();
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
    }
}

fn chain_named<'a>(config: &'a AgentsConfig, name: &str) -> eyre::Result<&'a AgentChain> {
    config
        .chains
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| eyre::eyre!("no configured chain named {name}"))
}

/// The optimistic proposer of `o`'s origin, posting to every chain that has a verifier for it.
async fn claim_proposer(
    config: &AgentsConfig,
    o: &AgentOptimistic,
    key: &PrivateKeySigner,
    trees: OriginTrees,
    demand: LightClientDemand,
) -> eyre::Result<ClaimProposer> {
    let origin = chain_named(config, &o.origin)?;
    let mut destinations = HashMap::new();
    for (name, _) in &o.verifiers {
        let chain = chain_named(config, name)?;
        destinations.insert(
            chain.domain,
            ProposerDestination {
                reader: Arc::new(connect(chain, None).await?),
                rpc: chain.rpc.clone(),
            },
        );
    }
    let signing =
        k256::ecdsa::SigningKey::from_slice(&key.to_bytes().0).wrap_err("the proposer's key")?;
    Ok(ClaimProposer::new(
        origin.domain,
        origin.mailbox.into_word(),
        signing,
        destinations,
        trees,
        demand,
        poll(origin),
    ))
}

/// The light-client relay of `lc`'s origin (feeding every other chain) and a read handle on the
/// origin Mailbox for the pipelines' storage proofs.
async fn light_client_relay(
    config: &AgentsConfig,
    lc: &AgentLightClient,
    demand: LightClientDemand,
) -> eyre::Result<(LightClientRelay, EvmMailbox)> {
    let origin = config
        .chains
        .iter()
        .find(|c| c.name == lc.origin)
        .ok_or_else(|| {
            eyre::eyre!(
                "the light-client origin {} is not a configured chain",
                lc.origin
            )
        })?;
    let beacon = BeaconApi::new(lc.beacon_url.clone(), lc.preset)
        .wrap_err_with(|| format!("the beacon API of {}", lc.origin))?;
    let chain_config = beacon
        .chain_config()
        .await
        .wrap_err_with(|| format!("reading the beacon chain configuration of {}", lc.origin))?;
    let destinations = config
        .chains
        .iter()
        .filter(|c| c.name != lc.origin)
        .map(|c| {
            (
                c.domain,
                DestinationAccess {
                    rpc: c.rpc.clone(),
                    signer: lc.key.clone(),
                },
            )
        })
        .collect();
    let relay = LightClientRelay::new(
        origin.domain,
        beacon,
        chain_config,
        RootCommitter::new(&origin.rpc, origin.mailbox, lc.key.clone()),
        destinations,
        demand,
        LightClientRelayConfig {
            poll_interval: poll(origin),
            trusted_root: lc.trusted_root,
        },
    );
    Ok((relay, connect(origin, None).await?))
}

async fn connect(chain: &AgentChain, signer: Option<PrivateKeySigner>) -> eyre::Result<EvmMailbox> {
    EvmMailbox::connect(
        &chain.rpc,
        chain.domain,
        chain.mailbox,
        chain.finality,
        signer,
    )
    .await
    .wrap_err_with(|| format!("connecting to chain {} ({})", chain.name, chain.domain))
}

/// Poll four times per block, between 100 ms and 1 s: a final block is noticed within a quarter
/// block (on a local chain; within a second on a slow one), which keeps latency over finality
/// under one destination block, for a few cheap RPC calls per block.
fn poll(chain: &AgentChain) -> Duration {
    (chain.block_time / 4).clamp(Duration::from_millis(100), Duration::from_secs(1))
}

impl AgentsConfig {
    /// The agents a configuration file asks for, as `which` selects them (`All`: every section
    /// present): its `validator` section (one key, signing for the listed origins only — other
    /// chains are not watched by it), its `relayer` section (delivering to every configured
    /// chain) and its `watcher` section (one origin's optimistic route, judged through every
    /// listed endpoint). Keys are read from the environment variables the file names, from `env`.
    pub fn from_config(
        config: &crate::config::CourierConfig,
        env: &[(String, String)],
        which: crate::config::Keys,
    ) -> eyre::Result<Self> {
        use crate::config::{Keys, VerifierSection};
        let run_validator = match which {
            Keys::Validator => true,
            Keys::All => config.validator.is_some(),
            _ => false,
        };
        let run_relayer = match which {
            Keys::Relayer => true,
            Keys::All => config.relayer.is_some(),
            _ => false,
        };
        let run_watcher = match which {
            Keys::Watcher => true,
            Keys::All => config.watcher.is_some(),
            _ => false,
        };
        let var = |name: &str| {
            env.iter()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.clone())
                .ok_or_else(|| eyre::eyre!("environment variable {name} is not set"))
        };
        let chains: Vec<AgentChain> = config
            .chains
            .iter()
            .map(|(name, c)| AgentChain {
                name: name.clone(),
                domain: c.domain,
                rpc: c.rpc.clone(),
                finality: c.finality,
                mailbox: c.mailbox,
                deploy_block: c.deploy_block,
                block_time: c.block_time,
                relayer_fees: c.relayer_fees,
            })
            .collect();
        let mut validators = Vec::new();
        let mut origins = Vec::new();
        if run_validator {
            let section = config
                .validator
                .as_ref()
                .ok_or_else(|| eyre::eyre!("the configuration has no [validator] section"))?;
            let hex = var(&section.key_env)?;
            let bytes = alloy_primitives::hex::decode(hex.trim())
                .wrap_err_with(|| format!("{}: not a hex private key", section.key_env))?;
            validators.push(
                SigningKey::from_slice(&bytes).wrap_err_with(|| {
                    format!("{}: not a secp256k1 private key", section.key_env)
                })?,
            );
            origins.clone_from(&section.origins);
        }
        let relayer = if run_relayer {
            let section = config
                .relayer
                .as_ref()
                .ok_or_else(|| eyre::eyre!("the configuration has no [relayer] section"))?;
            let hex = var(&section.key_env)?;
            Some(
                hex.trim()
                    .parse::<PrivateKeySigner>()
                    .wrap_err_with(|| format!("{}: not a private key", section.key_env))?,
            )
        } else {
            None
        };
        let batch_max = config.relayer.as_ref().map_or(100, |r| r.batch_max);
        let optimistic = if run_watcher {
            let section = config
                .watcher
                .as_ref()
                .ok_or_else(|| eyre::eyre!("the configuration has no [watcher] section"))?;
            let hex = var(&section.key_env)?;
            let key = hex
                .trim()
                .parse::<PrivateKeySigner>()
                .wrap_err_with(|| format!("{}: not a private key", section.key_env))?;
            let verifiers = section
                .verifiers
                .iter()
                .map(|name| match config.verifiers.get(name) {
                    Some(VerifierSection::Optimistic { chain, address, .. }) => {
                        Ok((chain.clone(), *address))
                    }
                    _ => Err(eyre::eyre!(
                        "watcher.verifiers: {name:?} is not an optimistic verifier"
                    )),
                })
                .collect::<eyre::Result<Vec<_>>>()?;
            Some(AgentOptimistic {
                origin: section.origin.clone(),
                proposer: None,
                watcher: Some(key),
                proposer_bond: section.proposer_bond,
                verifiers,
                validator_staking: section
                    .validator_staking
                    .as_ref()
                    .map(|s| (s.chain.clone(), s.address)),
                witnesses: section.endpoints.clone(),
                timelocks: section
                    .timelocks
                    .iter()
                    .map(|t| (t.chain.clone(), t.address))
                    .collect(),
            })
        } else {
            None
        };
        Ok(Self {
            data_dir: config.data_dir.clone(),
            chains,
            validators,
            relayer,
            batch_max,
            metrics: Metrics::new(),
            validator_origins: origins,
            light_client: None,
            optimistic,
            fees: config
                .relayer
                .as_ref()
                .and_then(|r| r.min_payment_wei)
                .filter(|_| run_relayer)
                .map(|wei| FeePolicy {
                    min_wei: alloy_primitives::U256::from(wei),
                    recheck: Duration::from_secs(2),
                }),
        })
    }
}

//! The command-line tree.

use std::path::PathBuf;

use alloy_primitives::{Address, B256};
use clap::{Args, Parser, Subcommand};

/// Courier: verified cross-chain messages between EVM chains.
#[derive(Debug, Parser)]
#[command(name = "courier", version, about, propagate_version = true)]
pub struct Opts {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalOpts,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalOpts {
    /// Print results as JSON on stdout (logs and errors as JSON on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// More log output (-v: debug, -vv: trace). `RUST_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Where the devnet keeps its state (chains manifest, agent databases, checkpoints).
    #[arg(
        long,
        global = true,
        env = "COURIER_DATA_DIR",
        default_value = ".courier/devnet"
    )]
    pub data_dir: PathBuf,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start three local chains with Courier deployed, a validator committee and a relayer; runs
    /// until Ctrl-C, then stops everything it started.
    Devnet(DevnetArgs),
    /// Send a message from one devnet chain to another.
    Send(SendArgs),
    /// The story of one message: its states with times, blocks and transactions.
    Status(StatusArgs),
    /// Recent messages and their states.
    Messages(MessagesArgs),
    /// Run a validator against the chains of a configuration file.
    Validator {
        /// The validator command.
        #[command(subcommand)]
        command: AgentCommand,
    },
    /// Run a relayer against the chains of a configuration file.
    Relayer {
        /// The relayer command.
        #[command(subcommand)]
        command: AgentCommand,
    },
    /// Run a watcher of an optimistic route against the chains of a configuration file.
    Watcher {
        /// The watcher command.
        #[command(subcommand)]
        command: AgentCommand,
    },
    /// Deploy Courier's contracts to a chain (key from an environment variable).
    Deploy(DeployArgs),
    /// The configuration changes a timelock announced: scheduled, ready, executed or cancelled,
    /// each decoded.
    Changes(ChangesArgs),
    /// Hand contracts to a timelock: offer each, schedule the timelock's acceptance; with
    /// --execute, once the delay has passed, run it.
    Handover(HandoverArgs),
    /// Scripted stories on a fresh devnet (crashes, outages, reorgs, forgeries), each checking
    /// what really happened on-chain and in the relayer's store.
    Scenario {
        /// The scenario command.
        #[command(subcommand)]
        command: ScenarioCommand,
    },
    /// Ethereum light client: check recorded beacon-chain data with Courier's Rust light client.
    #[command(name = "light-client")]
    LightClient {
        /// The light-client command.
        #[command(subcommand)]
        command: LightClientCommand,
    },
    /// Configuration files.
    Config {
        /// The config command.
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

/// `courier devnet`.
#[derive(Debug, Clone, Args)]
pub struct DevnetArgs {
    /// Keep the state of a previous devnet in the data directory instead of starting fresh.
    #[arg(long)]
    pub keep_state: bool,
    /// Stop after this many seconds instead of waiting for Ctrl-C.
    #[arg(long)]
    pub for_seconds: Option<u64>,
    /// Port of the Prometheus endpoint (`/metrics` on 127.0.0.1); 0 picks a free one.
    #[arg(long, default_value_t = 9464)]
    pub metrics_port: u16,
    /// The relayer delivers only messages paid for with at least this many wei on their
    /// origin's `RelayerFees` (`courier send --pay GAS`); by default it delivers every message.
    #[arg(long, value_name = "WEI", value_parser = clap::value_parser!(u64).range(1..))]
    pub min_payment_wei: Option<u64>,
}

/// `courier send`.
#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    /// The chain to send from (devnet name or chain id).
    #[arg(long)]
    pub from: String,
    /// The chain to send to (devnet name or chain id).
    #[arg(long)]
    pub to: String,
    /// The receiving contract; by default the HelloApp on the destination, greeted by the
    /// HelloApp on the origin.
    #[arg(long)]
    pub recipient: Option<Address>,
    /// Greet the destination's light-client HelloApp from the origin's (the devnet's
    /// light-client route: verified by a light client of the origin's beacon chain, no committee).
    #[arg(long, conflicts_with_all = ["recipient", "optimistic", "both"])]
    pub light_client: bool,
    /// Greet the destination's optimistic HelloApp (verified by a matured claim, watched).
    #[arg(long, conflicts_with_all = ["recipient", "both"])]
    pub optimistic: bool,
    /// Greet the destination's HelloApp that needs the committee AND the optimistic verifier.
    #[arg(long, conflicts_with = "recipient")]
    pub both: bool,
    /// Pay for the delivery on the origin's `RelayerFees`: the quote for this much of the
    /// recipient's own gas (plus the delivery overhead the price includes), paid right after the
    /// dispatch. A relayer run with a minimum payment delivers only paid messages.
    #[arg(long, value_name = "GAS")]
    pub pay: Option<u64>,
    /// The message body (UTF-8 text; `0x…` for raw bytes).
    pub body: String,
    /// Wait until the message is delivered (needs a running devnet), up to this many seconds.
    #[arg(long)]
    pub wait: Option<u64>,
}

/// `courier status`.
#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// The message id.
    pub id: B256,
}

/// `courier messages`.
#[derive(Debug, Clone, Args)]
pub struct MessagesArgs {
    /// Most messages to list.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Only messages in this state (dispatched, finalized, verifiable, submitted, delivered,
    /// failed, expired, reorged).
    #[arg(long)]
    pub state: Option<String>,
}

/// `courier validator …` and `courier relayer …`.
#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Run until Ctrl-C or SIGTERM.
    Run(AgentRunArgs),
}

/// `courier validator run` / `courier relayer run` / `courier watcher run`.
#[derive(Debug, Clone, Args)]
pub struct AgentRunArgs {
    /// The configuration file (see courier.example.toml).
    #[arg(long, short)]
    pub config: PathBuf,
    /// Serve Prometheus metrics on this address (e.g. 127.0.0.1:9464).
    #[arg(long)]
    pub metrics: Option<std::net::SocketAddr>,
}

/// `courier deploy`.
#[derive(Debug, Clone, Args)]
pub struct DeployArgs {
    /// The chain's JSON-RPC endpoint.
    #[arg(long)]
    pub rpc: url::Url,
    /// Refuse to deploy unless the endpoint serves this chain id.
    #[arg(long)]
    pub chain_id: Option<u64>,
    /// The name to print in the configuration section.
    #[arg(long, default_value = "mychain")]
    pub name: String,
    /// Owner of the contracts (default: the deployer).
    #[arg(long)]
    pub owner: Option<Address>,
    /// The environment variable holding the deployer's private key.
    #[arg(long, default_value = "COURIER_DEPLOYER_KEY")]
    pub key_env: String,
}

/// `courier changes`.
#[derive(Debug, Clone, Args)]
pub struct ChangesArgs {
    /// The chain's JSON-RPC endpoint.
    #[arg(long)]
    pub rpc: url::Url,
    /// The `TimelockController` that owns Courier's contracts.
    #[arg(long)]
    pub timelock: Address,
    /// Read its events from this block on (its deployment block saves the node work).
    #[arg(long, default_value_t = 0)]
    pub from_block: u64,
    /// Only changes that have not run and were not cancelled.
    #[arg(long)]
    pub pending: bool,
}

/// `courier handover`.
#[derive(Debug, Clone, Args)]
pub struct HandoverArgs {
    /// The chain's JSON-RPC endpoint.
    #[arg(long)]
    pub rpc: url::Url,
    /// The `TimelockController` to hand the contracts to.
    #[arg(long)]
    pub timelock: Address,
    /// Run the scheduled acceptance (after the timelock's delay).
    #[arg(long)]
    pub execute: bool,
    /// The environment variable holding the current owner's private key (also a proposer and
    /// executor of the timelock, to schedule and run the acceptance).
    #[arg(long, default_value = "COURIER_DEPLOYER_KEY")]
    pub key_env: String,
    /// The contracts (Mailbox, verifiers, RelayerFees, …), the same list on every run.
    #[arg(required = true)]
    pub contracts: Vec<Address>,
}

/// `courier config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check a configuration file: every bad key is named with its path.
    Validate(ValidateArgs),
}

/// `courier config validate`.
#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// The TOML file.
    pub file: PathBuf,
}

/// `courier scenario …`.
#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// The scenarios, one line each.
    List,
    /// Run one scenario on a fresh devnet and print what was done, checked and measured; exits
    /// non-zero naming the failed check.
    Run(ScenarioRunArgs),
}

/// `courier scenario run`.
#[derive(Debug, Clone, Args)]
pub struct ScenarioRunArgs {
    /// The scenario (see `courier scenario list`).
    pub name: String,
    /// Seed for the scenario's random choices (a fresh one is printed when not given).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run in `<data-dir>/scenarios/<NAME>` (emptied first) and keep it, for `courier status`,
    /// `courier messages` and the checkpoint files; by default a temporary directory is used and
    /// removed.
    #[arg(long)]
    pub keep_state: bool,
}

/// `courier light-client …`.
#[derive(Debug, Subcommand)]
pub enum LightClientCommand {
    /// Apply a bootstrap and updates, printing the finalized and optimistic headers after each;
    /// fails naming the first update refused (or the first `steps.yaml` check that differs).
    Verify(LightClientVerifyArgs),
}

/// The preset of a beacon chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LightClientPreset {
    /// 512-member sync committees, 8192-slot periods (Ethereum mainnet and its testnets).
    Mainnet,
    /// 32-member sync committees, 64-slot periods (spec tests, small devnets).
    Minimal,
}

/// `courier light-client verify`.
#[derive(Debug, Clone, Args)]
pub struct LightClientVerifyArgs {
    /// A consensus-spec `light_client/sync` test directory (meta.yaml, config.yaml,
    /// bootstrap.ssz_snappy, update_*.ssz_snappy, steps.yaml).
    #[arg(conflicts_with_all = ["bootstrap", "updates"])]
    pub dir: Option<PathBuf>,
    /// A bootstrap in the beacon API's JSON (`/eth/v1/beacon/light_client/bootstrap/{root}`).
    #[arg(long, requires = "updates")]
    pub bootstrap: Option<PathBuf>,
    /// A list of updates in the beacon API's JSON (`/eth/v1/beacon/light_client/updates`).
    #[arg(long, requires = "bootstrap")]
    pub updates: Option<PathBuf>,
    /// The preset of the JSON data's chain.
    #[arg(long, value_enum, default_value = "mainnet")]
    pub preset: LightClientPreset,
    /// The chain's consensus-spec `config.yaml` (fork versions and epochs); without it, `mainnet`
    /// means Ethereum mainnet.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The chain's genesis validators root (with --config; overrides mainnet's).
    #[arg(long, value_parser = crate::cmd::light_client::parse_b256)]
    pub genesis_validators_root: Option<B256>,
    /// The block root the bootstrap must have (obtained out of band); without it the bootstrap's
    /// own root is trusted, and a note says so.
    #[arg(long, value_parser = crate::cmd::light_client::parse_b256)]
    pub trusted_root: Option<B256>,
    /// The slot the light client believes it is for every JSON update (default: each update's
    /// signature slot, the earliest moment it can be applied).
    #[arg(long)]
    pub current_slot: Option<u64>,
    /// Refuse finality updates signed by fewer than two thirds of the committee, as an on-chain
    /// verifier does (the spec itself accepts them as non-finalizing).
    #[arg(long)]
    pub strict: bool,
}

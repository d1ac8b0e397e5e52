//! The `courier` command line, as a library so that the end-to-end tests drive the same code:
//! [`opts`] is the clap tree, [`cmd`] holds one module per subcommand, [`agents`] runs validators
//! and a relayer in-process, [`config`] is the typed, layered configuration, [`scenario`] is the
//! scenario suite (`courier scenario`).

pub mod agents;
pub mod cmd;
pub mod config;
pub mod logging;
pub mod opts;
pub mod output;
pub mod scenario;

use opts::{AgentCommand, Command, ConfigCommand, LightClientCommand, Opts, ScenarioCommand};

/// Runs a parsed command line.
pub async fn run(opts: Opts) -> eyre::Result<()> {
    let global = opts.global;
    match opts.command {
        Command::Devnet(args) => cmd::devnet::run(args, &global).await,
        Command::Send(args) => cmd::send::run(args, &global).await,
        Command::Status(args) => cmd::status::run(args, &global),
        Command::Messages(args) => cmd::messages::run(args, &global),
        Command::Config {
            command: ConfigCommand::Validate(args),
        } => cmd::config::validate(args, &global),
        Command::Validator {
            command: AgentCommand::Run(args),
        } => cmd::agent::run(cmd::agent::Agent::Validator, args, &global).await,
        Command::Relayer {
            command: AgentCommand::Run(args),
        } => cmd::agent::run(cmd::agent::Agent::Relayer, args, &global).await,
        Command::Watcher {
            command: AgentCommand::Run(args),
        } => cmd::agent::run(cmd::agent::Agent::Watcher, args, &global).await,
        Command::Deploy(args) => cmd::deploy::run(args, &global).await,
        Command::Changes(args) => cmd::changes::run(args, &global).await,
        Command::Handover(args) => cmd::handover::run(args, &global).await,
        Command::LightClient {
            command: LightClientCommand::Verify(args),
        } => cmd::light_client::verify(args, &global),
        Command::Scenario {
            command: ScenarioCommand::List,
        } => cmd::scenario::list(&global),
        Command::Scenario {
            command: ScenarioCommand::Run(args),
        } => cmd::scenario::run(args, &global).await,
    }
}

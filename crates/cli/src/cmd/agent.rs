//! `courier validator run`, `courier relayer run` and `courier watcher run`: the agents against
//! the chains of a configuration file, until Ctrl-C or SIGTERM.

use std::time::Duration;

use eyre::{WrapErr, eyre};
use tokio_util::sync::CancellationToken;

use crate::{
    agents::{Agents, AgentsConfig},
    cmd::devnet::wait_for_stop,
    config,
    opts::{AgentRunArgs, GlobalOpts},
};

/// Which agent to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    /// The `[validator]` section.
    Validator,
    /// The `[relayer]` section.
    Relayer,
    /// The `[watcher]` section.
    Watcher,
}

/// Loads the file (every problem reported at once), starts the agent, serves metrics, waits.
pub async fn run(agent: Agent, args: AgentRunArgs, _global: &GlobalOpts) -> eyre::Result<()> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let keys = match agent {
        Agent::Validator => config::Keys::Validator,
        Agent::Relayer => config::Keys::Relayer,
        Agent::Watcher => config::Keys::Watcher,
    };
    let file = config::load_for(&args.config, &env, keys)
        .map_err(|problems| eyre!("{}:\n  {}", args.config.display(), problems.join("\n  ")))?;
    let config = AgentsConfig::from_config(&file, &env, keys)?;
    let agents = match agent {
        Agent::Validator => Agents::start_validators(&config, &[0]).await?,
        Agent::Relayer => Agents::start_relayer(&config).await?,
        Agent::Watcher => Agents::start_watcher(&config).await?,
    };
    let stop_metrics = CancellationToken::new();
    if let Some(addr) = args.metrics {
        let bound = config
            .metrics
            .serve(addr, stop_metrics.clone())
            .await
            .wrap_err_with(|| format!("serving metrics on {addr}"))?;
        eprintln!("metrics on http://{bound}/metrics");
    }
    eprintln!(
        "{agent:?} running on {} chains; Ctrl-C stops it",
        config.chains.len()
    );
    wait_for_stop(None).await;
    stop_metrics.cancel();
    agents.shutdown(Duration::from_secs(15)).await;
    Ok(())
}

//! `courier devnet`: three local chains with Courier deployed, a 3-of-5 validator committee and a
//! relayer, in one process, until Ctrl-C (or SIGTERM); then every agent is drained and every
//! chain stopped.

use std::{path::Path, time::Duration};

use courier_chain::Finality;
use courier_devnet::{Devnet, DevnetSpec, MANIFEST_FILE, keys};
use courier_relayer::FeePolicy;
use eyre::WrapErr;
use serde_json::json;
use tracing::info;
use url::Url;

use crate::{
    agents::{AgentChain, AgentLightClient, AgentOptimistic, Agents, AgentsConfig},
    opts::{DevnetArgs, GlobalOpts},
    output,
};

/// Starts the devnet and the agents; waits; stops everything.
pub async fn run(args: DevnetArgs, global: &GlobalOpts) -> eyre::Result<()> {
    let dir = &global.data_dir;
    if !args.keep_state {
        clear_state(dir)?;
    }
    let json = global.json;
    let devnet = Devnet::start(DevnetSpec::default(), dir, |event| {
        if json {
            info!(event = %event, "devnet");
        } else {
            eprintln!("{event}");
        }
    })
    .await
    .wrap_err("starting the devnet")?;
    let mut config = agents_config(&devnet, dir)?;
    config.fees = args.min_payment_wei.map(|wei| FeePolicy {
        min_wei: alloy_primitives::U256::from(wei),
        recheck: Duration::from_secs(1),
    });
    let agents = match Agents::start(&config).await {
        Ok(a) => a,
        Err(e) => {
            devnet.stop().await;
            return Err(e);
        }
    };
    let metrics_stop = tokio_util::sync::CancellationToken::new();
    let wanted = std::net::SocketAddr::from(([127, 0, 0, 1], args.metrics_port));
    let metrics_addr = match config.metrics.serve(wanted, metrics_stop.clone()).await {
        Ok(addr) => addr,
        Err(e) => {
            // Another devnet (or anything else) holds the port: take a free one and say so.
            tracing::warn!(port = args.metrics_port, error = %e, "metrics port busy; using a free port");
            let any = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            config
                .metrics
                .serve(any, metrics_stop.clone())
                .await
                .wrap_err("serving metrics")?
        }
    };
    print_summary(&devnet, dir, json, metrics_addr, args.min_payment_wei)?;

    wait_for_stop(args.for_seconds).await;
    metrics_stop.cancel();
    eprintln!("stopping: draining agents, then chains");
    agents.shutdown(Duration::from_secs(10)).await;
    devnet.stop().await;
    eprintln!("stopped");
    Ok(())
}

/// The agents' view of a running devnet.
pub fn agents_config(devnet: &Devnet, dir: &Path) -> eyre::Result<AgentsConfig> {
    let chains = devnet
        .chains
        .iter()
        .map(|c| {
            Ok(AgentChain {
                name: c.name().to_owned(),
                domain: c.domain(),
                rpc: Url::parse(c.anvil.rpc_url()).wrap_err("anvil's RPC url")?,
                finality: Finality::Depth(c.spec.finality_depth),
                mailbox: c.deployment.mailbox,
                deploy_block: c.deployment.deploy_block,
                block_time: c.spec.block_time,
                relayer_fees: Some(c.deployment.relayer_fees),
            })
        })
        .collect::<eyre::Result<Vec<_>>>()?;
    Ok(AgentsConfig {
        data_dir: dir.to_owned(),
        chains,
        validators: devnet
            .validator_keys
            .iter()
            .map(|k| k.key.clone())
            .collect(),
        relayer: Some(keys::relayer()),
        batch_max: 100,
        metrics: courier_metrics::Metrics::new(),
        validator_origins: Vec::new(),
        light_client: match &devnet.light_client {
            Some(lc) => Some(AgentLightClient {
                origin: lc.origin.clone(),
                beacon_url: Url::parse(&lc.beacon.url()).wrap_err("the beacon simulator's url")?,
                preset: lc.beacon.chain_config().preset,
                trusted_root: lc.trusted_root,
                key: keys::light_client_relay(),
            }),
            None => None,
        },
        optimistic: devnet.optimistic.as_ref().map(|o| AgentOptimistic {
            origin: o.origin.clone(),
            proposer: Some(keys::proposer()),
            watcher: Some(keys::watcher()),
            proposer_bond: o.setup.proposer_bond,
            verifiers: o
                .setup
                .destinations
                .iter()
                .filter_map(|d| {
                    devnet
                        .chain_by_domain(d.domain)
                        .map(|c| (c.name().to_owned(), d.verifier))
                })
                .collect(),
            validator_staking: Some((o.origin.clone(), o.setup.validator_staking)),
            witnesses: Vec::new(),
            timelocks: Vec::new(),
        }),
        fees: None,
    })
}

/// Removes what a previous devnet left (its chains are gone, so its state is meaningless).
fn clear_state(dir: &Path) -> eyre::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name == MANIFEST_FILE
            || name == "checkpoints"
            || name.starts_with("relayer.db")
            || (name.starts_with("validator-") && name.contains(".db"));
        if !ours {
            continue;
        }
        let path = entry.path();
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.wrap_err_with(|| format!("clearing the previous devnet's {}", path.display()))?;
    }
    Ok(())
}

fn print_summary(
    devnet: &Devnet,
    dir: &Path,
    json: bool,
    metrics: std::net::SocketAddr,
    min_payment_wei: Option<u64>,
) -> eyre::Result<()> {
    use courier_devnet::deploy::{
        DEVNET_FEE_OVERHEAD_GAS, DEVNET_FEE_WEI_PER_GAS, DEVNET_VALIDATOR_SHARE_BPS,
    };
    if json {
        let chains: Vec<_> = devnet
            .chains
            .iter()
            .map(|c| {
                json!({
                    "name": c.name(), "chainId": c.domain(), "rpc": c.anvil.rpc_url(),
                    "blockTimeMs": c.spec.block_time.as_millis() as u64, "finalityDepth": c.spec.finality_depth,
                    "mailbox": c.deployment.mailbox, "committeeVerifier": c.deployment.committee_verifier,
                    "helloApp": c.deployment.hello_app, "relayerFees": c.deployment.relayer_fees,
                })
            })
            .collect();
        return output::json(&json!({
            "ready": true, "startupMs": devnet.startup.as_millis() as u64, "dataDir": dir,
            "chains": chains,
            "committee": { "threshold": devnet.threshold, "validators": devnet.validator_keys.iter().map(|k| k.address).collect::<Vec<_>>() },
            "relayer": keys::relayer().address(),
            "fees": {
                "weiPerGas": DEVNET_FEE_WEI_PER_GAS.to_string(), "overheadGas": DEVNET_FEE_OVERHEAD_GAS,
                "validatorShareBps": DEVNET_VALIDATOR_SHARE_BPS,
                "relayerMinPaymentWei": min_payment_wei.map(|w| w.to_string()),
            },
            "lightClient": devnet.light_client.as_ref().map(|lc| json!({
                "origin": lc.origin, "beaconApi": lc.beacon.url(), "trustedRoot": lc.trusted_root,
                "originHelloApp": lc.origin_hello_app, "destinations": lc.destinations,
                "relay": keys::light_client_relay().address(),
            })),
            "optimistic": devnet.optimistic.as_ref().map(|o| json!({
                "origin": o.origin, "setup": o.setup, "proposer": keys::PROPOSER_ADDRESS,
                "watcher": keys::WATCHER_ADDRESS,
            })),
            "metrics": format!("http://{metrics}/metrics"),
        }));
    }
    crate::outln!()?;
    crate::outln!(
        "Courier devnet ready in {:.2?} (state in {})",
        devnet.startup,
        dir.display()
    )?;
    crate::outln!()?;
    crate::outln!(
        "{:<6}  {:>8}  {:<24}  {:>5}  {:>8}  {:<42}  {:<42}  {:<42}",
        "chain",
        "chain id",
        "rpc",
        "block",
        "finality",
        "Mailbox",
        "CommitteeVerifier",
        "HelloApp"
    )?;
    for c in &devnet.chains {
        crate::outln!(
            "{:<6}  {:>8}  {:<24}  {:>5}  {:>8}  {:<42}  {:<42}  {:<42}",
            c.name(),
            c.domain(),
            c.anvil.rpc_url(),
            format!("{}s", c.spec.block_time.as_secs_f64()),
            format!("{} blk", c.spec.finality_depth),
            c.deployment.mailbox.to_string(),
            c.deployment.committee_verifier.to_string(),
            c.deployment.hello_app.to_string()
        )?;
    }
    crate::outln!()?;
    crate::outln!(
        "committee  {} of {} validators:",
        devnet.threshold,
        devnet.validator_keys.len()
    )?;
    for k in &devnet.validator_keys {
        crate::outln!("           {}", k.address)?;
    }
    crate::outln!("relayer    {}", keys::relayer().address())?;
    crate::outln!(
        "fees       RelayerFees on every chain (address in devnet.json): {} gwei a gas unit + {DEVNET_FEE_OVERHEAD_GAS} gas a delivery, {}% to validators; {}",
        DEVNET_FEE_WEI_PER_GAS / 1_000_000_000,
        DEVNET_VALIDATOR_SHARE_BPS / 100,
        match min_payment_wei {
            Some(w) => format!(
                "the relayer delivers only messages paid at least {w} wei (courier send --pay GAS)"
            ),
            None => "the relayer delivers every message, paid or not".to_owned(),
        }
    )?;
    if let Some(lc) = &devnet.light_client {
        crate::outln!()?;
        crate::outln!(
            "light client of {}'s beacon chain (simulated at {}, trusting block root {}):",
            lc.origin,
            lc.beacon.url(),
            lc.trusted_root
        )?;
        crate::outln!(
            "           {:<6}  {:<42}  {:<42}  {:<42}",
            "chain",
            "EthereumLightClient",
            "LightClientVerifier",
            "HelloApp (light client)"
        )?;
        for d in &lc.destinations {
            let name = devnet
                .chain_by_domain(d.domain)
                .map_or_else(|| d.domain.to_string(), |c| c.name().to_owned());
            crate::outln!(
                "           {:<6}  {:<42}  {:<42}  {:<42}",
                name,
                d.client.to_string(),
                d.verifier.to_string(),
                d.hello_app.to_string()
            )?;
        }
        crate::outln!(
            "           {} HelloApp {} sends to those; relay account {}",
            lc.origin,
            lc.origin_hello_app,
            keys::light_client_relay().address()
        )?;
    }
    if let Some(o) = &devnet.optimistic {
        crate::outln!()?;
        crate::outln!(
            "optimistic route from {} (window {} s; proposer {}, bond at {}; watcher {}; staking at {}):",
            o.origin,
            o.setup.window_seconds,
            keys::PROPOSER_ADDRESS,
            o.setup.proposer_bond,
            keys::WATCHER_ADDRESS,
            o.setup.validator_staking
        )?;
        crate::outln!(
            "           {:<6}  {:<42}  {:<42}  {:<42}",
            "chain",
            "OptimisticVerifier",
            "AggregationVerifier (committee AND it)",
            "HelloApp (optimistic) / (both)"
        )?;
        for d in &o.setup.destinations {
            let name = devnet
                .chain_by_domain(d.domain)
                .map_or_else(|| d.domain.to_string(), |c| c.name().to_owned());
            crate::outln!(
                "           {:<6}  {:<42}  {:<42}  {} / {}",
                name,
                d.verifier.to_string(),
                d.aggregation.to_string(),
                d.hello_app,
                d.hello_both
            )?;
        }
    }
    crate::outln!("metrics    http://{metrics}/metrics")?;
    crate::outln!()?;
    // Under a payment minimum, the examples pay enough: (gas + overhead) × price ≥ minimum.
    let pay = match min_payment_wei {
        Some(min) => {
            let units = u128::from(min).div_ceil(DEVNET_FEE_WEI_PER_GAS);
            let gas = u64::try_from(units)
                .unwrap_or(u64::MAX)
                .saturating_sub(DEVNET_FEE_OVERHEAD_GAS)
                .max(100_000);
            format!("--pay {gas} ")
        }
        None => String::new(),
    };
    crate::outln!("Try:  courier send --from alpha --to beta {pay}\"hello\" --wait 30")?;
    if let Some(lc) = &devnet.light_client {
        crate::outln!(
            "      courier send --from {} --to beta --light-client {pay}\"hello\" --wait 60",
            lc.origin
        )?;
    }
    if let Some(o) = &devnet.optimistic {
        crate::outln!(
            "      courier send --from {} --to beta --optimistic {pay}\"hello\" --wait 60",
            o.origin
        )?;
    }
    crate::outln!("      courier messages")?;
    crate::outln!("Ctrl-C stops everything.")?;
    Ok(())
}

/// Waits for Ctrl-C, SIGTERM, or `for_seconds`.
pub(crate) async fn wait_for_stop(for_seconds: Option<u64>) {
    let timer = async {
        match for_seconds {
            Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = stop_signal() => {}
        () = timer => {}
    }
}

/// Waits for Ctrl-C or (on Unix) SIGTERM: what stops a long-running command.
pub async fn stop_signal() {
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

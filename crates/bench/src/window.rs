//! Latency over the dispute window: how long after the optimistic claim covering a message matured
//! the message was delivered.
//!
//! A devnet of two chains (1 s blocks) with the optimistic route; the relayer (with its proposer)
//! and the watcher run, no validator. Messages go one at a time to the HelloApp that uses the
//! optimistic verifier. For each, from the head watcher's clock: the moment the first destination
//! block whose timestamp reached the covering claim's `readyAt` was seen (the first block in which
//! the claim could be accepted) to the moment the block holding its `Process` was seen. The target
//! is under one destination block.

use std::time::{Duration, Instant};

use alloy::{providers::Provider, rpc::types::Filter, sol_types::SolEvent};
use courier_bindings::{HelloApp, Mailbox, OptimisticVerifier};
use courier_cli::{agents::Agents, cmd::devnet::agents_config};
use courier_devnet::{ChainSpec, Devnet, DevnetSpec};
use eyre::{WrapErr, eyre};
use url::Url;

use crate::{stats::Summary, watcher::HeadWatcher};

/// What a window run measured.
#[derive(Debug, Clone)]
pub struct WindowRun {
    /// Milliseconds from the claim's maturity block seen to the delivery block seen, per message.
    pub samples: Vec<f64>,
    /// The destination's block time.
    pub destination_block: Duration,
    /// The dispute window.
    pub window_seconds: u64,
    /// Destination blocks between the claim's maturity block and the delivery block, per message.
    pub blocks_after: Vec<u64>,
}

impl WindowRun {
    /// p50/p95.
    pub fn summary(&self) -> Option<Summary> {
        Summary::of(&self.samples)
    }

    /// `name=value` lines for the report.
    pub fn lines(&self) -> Vec<(String, String)> {
        let mut out = vec![(
            "e2e.latency_over_window.samples".to_owned(),
            self.samples.len().to_string(),
        )];
        if let Some(s) = self.summary() {
            let target = self.destination_block.as_millis() as f64;
            out.push((
                "e2e.latency_over_window.p50_ms".into(),
                format!("{:.0}", s.p50),
            ));
            out.push((
                "e2e.latency_over_window.p95_ms".into(),
                format!("{:.0}", s.p95),
            ));
            out.push((
                "e2e.latency_over_window.p50_ms.target_max".into(),
                format!("{target:.0}"),
            ));
            out.push((
                "e2e.latency_over_window.p50_ms.meets_target".into(),
                (s.p50 < target).to_string(),
            ));
            out.push((
                "e2e.latency_over_window.window_s".into(),
                self.window_seconds.to_string(),
            ));
            let blocks = self.blocks_after.iter().sum::<u64>() as f64
                / self.blocks_after.len().max(1) as f64;
            out.push((
                "e2e.latency_over_window.blocks_after_maturity.mean".into(),
                format!("{blocks:.2}"),
            ));
        }
        out
    }
}

/// Measures `messages` deliveries over the optimistic route.
pub async fn measure(messages: usize, first_chain_id: u64) -> eyre::Result<WindowRun> {
    let dir = tempfile::Builder::new()
        .prefix("courier-bench-window-")
        .tempdir()
        .wrap_err("creating a data directory")?;
    let spec = DevnetSpec {
        chains: vec![
            ChainSpec::new("origin", first_chain_id, Duration::from_secs(1), 1),
            ChainSpec::new("destination", first_chain_id + 1, Duration::from_secs(1), 1),
        ],
        validators: 5,
        threshold: 3,
        light_client_origin: None,
        optimistic_origin: Some("origin".to_owned()),
    };
    let devnet = Devnet::start(spec, dir.path(), |_| {})
        .await
        .wrap_err("starting the devnet")?;
    let result = run(&devnet, dir.path(), messages).await;
    devnet.stop().await;
    result
}

async fn run(devnet: &Devnet, dir: &std::path::Path, messages: usize) -> eyre::Result<WindowRun> {
    let mut config = agents_config(devnet, dir)?;
    config.validators.clear();
    let opt = devnet
        .optimistic
        .as_ref()
        .ok_or_else(|| eyre!("the devnet has no optimistic route"))?;
    let origin = devnet.chain("origin").ok_or_else(|| eyre!("no origin"))?;
    let destination = devnet
        .chain("destination")
        .ok_or_else(|| eyre!("no destination"))?;
    let d = opt.setup.destinations[0];
    let watched = vec![(
        "destination".to_owned(),
        Url::parse(destination.anvil.rpc_url())?,
    )];
    let watcher = HeadWatcher::start(&watched).await?;
    let timeline = watcher.timeline("destination")?;
    let agents = Agents::start(&config).await?;
    let app = HelloApp::new(opt.setup.origin_hello_app, origin.deployer.clone());
    let provider = destination.anvil.provider();
    let verifier = OptimisticVerifier::new(d.verifier, provider.clone());
    let mut samples = Vec::new();
    let mut blocks_after = Vec::new();
    let outcome: eyre::Result<()> = async {
        for i in 0..messages {
            let receipt = app
                .greet(destination.domain(), format!("window {i}"))
                .send()
                .await?
                .get_receipt()
                .await?;
            let message = receipt
                .inner
                .logs()
                .iter()
                .find_map(|l| Mailbox::Dispatch::decode_log(&l.inner).ok())
                .ok_or_else(|| eyre!("no Dispatch"))?;
            let nonce = courier_core::Message::decode(&message.data.message)?.nonce;
            let started = Instant::now();
            // The delivery: its Process event.
            let process = loop {
                let logs = provider
                    .get_logs(
                        &Filter::new()
                            .address(destination.deployment.mailbox)
                            .event_signature(Mailbox::Process::SIGNATURE_HASH)
                            .topic1(message.data.id)
                            .from_block(destination.deployment.deploy_block),
                    )
                    .await?;
                if let Some(l) = logs.first() {
                    break l.block_number.unwrap_or_default();
                }
                if started.elapsed() > Duration::from_secs(60) {
                    return Err(eyre!("message {nonce} not delivered within 60 s"));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            // The claim it was proven against: the accepted one covering it with the lowest index.
            let claims = provider
                .get_logs(
                    &Filter::new()
                        .address(d.verifier)
                        .event_signature(OptimisticVerifier::ClaimPosted::SIGNATURE_HASH)
                        .from_block(destination.deployment.deploy_block),
                )
                .await?;
            let mut ready_at = None;
            for l in &claims {
                let e = OptimisticVerifier::ClaimPosted::decode_log(&l.inner)?;
                if e.data.index >= nonce
                    && verifier
                        .acceptedRoot(origin.domain(), e.data.root)
                        .call()
                        .await?
                {
                    let r = e.data.readyAt.to::<u64>();
                    ready_at = Some(ready_at.map_or(r, |x: u64| x.min(r)));
                }
            }
            let ready_at = ready_at.ok_or_else(|| eyre!("no accepted claim covers {nonce}"))?;
            // The first destination block at or after maturity.
            let mut matured = process;
            while matured > 0 {
                let earlier = provider
                    .get_block_by_number((matured - 1).into())
                    .await?
                    .map(|b| b.header.timestamp)
                    .unwrap_or(0);
                if earlier < ready_at {
                    break;
                }
                matured -= 1;
            }
            // The head watcher may not have polled the delivery block yet.
            let waiting = Instant::now();
            while timeline.head().is_none_or(|h| h < process)
                && waiting.elapsed() < Duration::from_secs(2)
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let (Some(seen_matured), Some(seen_delivered)) =
                (timeline.first_seen(matured), timeline.first_seen(process))
            else {
                return Err(eyre!(
                    "the head watcher missed block {matured} or {process}"
                ));
            };
            samples.push(
                seen_delivered
                    .saturating_duration_since(seen_matured)
                    .as_secs_f64()
                    * 1000.0,
            );
            blocks_after.push(process - matured);
            tracing::info!(nonce, matured, process, "window sample");
        }
        Ok(())
    }
    .await;
    agents.shutdown(Duration::from_secs(5)).await;
    outcome?;
    Ok(WindowRun {
        samples,
        destination_block: destination.spec.block_time,
        window_seconds: opt.setup.window_seconds,
        blocks_after,
    })
}

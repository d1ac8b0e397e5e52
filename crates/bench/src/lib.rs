//! End-to-end benchmarks of Courier on local chains, measured from outside the agents: the
//! [`watcher`] polls both chains' heads and remembers when each block was first seen, and every
//! figure is computed from those moments and the chains' own events.
//!
//! - [`latency`]: latency over finality of messages sent one at a time;
//! - [`throughput`]: how many messages per second a burst is delivered at, and how much of the
//!   destination's block gas the deliveries used;
//! - [`report`]: the `name=value` figures, each against a baseline measured in the same run: the
//!   same relayer configured not to batch (`batch_max = 1`).
//!
//! [`net`] starts what is measured: two anvil chains with 1 s blocks and the agents as `courier
//! devnet` runs them.

pub mod latency;
pub mod net;
pub mod report;
pub mod stats;
pub mod throughput;
pub mod watcher;
pub mod window;

use std::time::{Duration, Instant};

use latency::LatencyPlan;
use net::{BenchNet, NetSpec};
use report::{Figures, Measured};

/// The coarsest the watcher's clock may be for latencies to count as measured to within it.
pub const MAX_POLL_GAP: Duration = Duration::from_millis(50);

/// What a whole benchmark run does.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The latency measurement (the same for Courier and the baseline).
    pub latency: LatencyPlan,
    /// Messages in Courier's burst.
    pub burst: usize,
    /// Messages in the baseline's burst (smaller: one transaction per message is slow).
    pub baseline_burst: usize,
    /// Longest wait for a burst's deliveries.
    pub burst_timeout: Duration,
}

impl Plan {
    /// What `make bench` runs: 30 messages for latency (6 offsets of the destination's blocks × 5
    /// messages, 1.5 s apart), a burst of 1,000, and a baseline burst of 200.
    pub fn full() -> Self {
        Self {
            latency: LatencyPlan {
                groups: 6,
                per_group: 5,
                spacing: Duration::from_millis(1500),
                timeout: Duration::from_secs(60),
            },
            burst: 1000,
            baseline_burst: 200,
            burst_timeout: Duration::from_secs(120),
        }
    }
}

/// Runs `plan` on a fresh devnet whose relayer batches up to `spec.batch_max` messages; stops
/// everything it started before returning, also on error.
pub async fn measure(
    spec: NetSpec,
    plan: &LatencyPlan,
    burst: usize,
    burst_timeout: Duration,
) -> eyre::Result<Measured> {
    let label = spec.label.clone();
    let started = Instant::now();
    let mut net = BenchNet::start(spec).await?;
    tracing::info!(run = %label, startup_ms = started.elapsed().as_millis() as u64, "devnet and agents running");
    let measured = async {
        let latency = latency::measure(&mut net, plan).await?;
        tracing::info!(
            run = %label,
            took_s = latency.took.as_secs_f64(),
            p50_ms = ?latency.latency().map(|s| s.p50 as i64),
            p95_ms = ?latency.latency().map(|s| s.p95 as i64),
            max_poll_gap_ms = latency.max_poll_gap.as_millis() as u64,
            "latency measured"
        );
        let throughput = throughput::measure(&mut net, burst, burst_timeout).await?;
        tracing::info!(
            run = %label,
            took_s = throughput.took.as_secs_f64(),
            messages = throughput.messages,
            sending_ms = throughput.sending.as_millis() as u64,
            origin_blocks = throughput.origin_blocks,
            window_ms = throughput.window.as_millis() as u64,
            msgs_per_s = throughput.msgs_per_s(),
            transactions = throughput.transactions,
            destination_blocks = throughput.destination_blocks,
            utilization = throughput.block_gas_utilization(),
            max_poll_gap_ms = throughput.max_poll_gap.as_millis() as u64,
            last_final_ms = throughput.last_final_ms as i64,
            last_steps = ?throughput.last_agent_step_ms,
            "throughput measured"
        );
        Ok::<_, eyre::Report>(Measured {
            latency,
            throughput,
        })
    }
    .await;
    net.stop().await;
    let measured = measured?;
    if measured.latency.max_poll_gap > MAX_POLL_GAP {
        tracing::warn!(
            run = %label,
            max_poll_gap_ms = measured.latency.max_poll_gap.as_millis() as u64,
            "the head watcher polled a chain less often than every {MAX_POLL_GAP:?} during the latency run: its latencies are coarser than that"
        );
    }
    Ok(measured)
}

/// Measures Courier's relayer and the baseline, one after the other, and returns the figures.
pub async fn run(plan: &Plan) -> eyre::Result<Figures> {
    let courier = measure(
        NetSpec::new("courier", 100, 47_001),
        &plan.latency,
        plan.burst,
        plan.burst_timeout,
    )
    .await?;
    let baseline = measure(
        NetSpec::new("baseline", 1, 47_011),
        &plan.latency,
        plan.baseline_burst,
        plan.burst_timeout,
    )
    .await?;
    report::figures(&courier, &baseline)
}

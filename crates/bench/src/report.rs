//! The figures `make bench` prints: `name=value` lines, each figure followed by its in-run baseline
//! and the ratio of the two where there is one, then its target (as `tools/bench-gas.sh` does for
//! gas).
//!
//! Directions: for latency, lower is better, so a `ratio_vs_baseline` below 1 means Courier is
//! faster than the non-batching relayer; for throughput (messages per second), higher is better,
//! so a ratio above 1 means Courier delivers more per second than the baseline.

use std::fmt;

use crate::{latency::LatencyRun, throughput::ThroughputRun};

/// Utilization of the destination's block gas from which throughput counts as limited by it.
pub const GAS_LIMITED_FROM: f64 = 0.9;
/// The throughput target, messages per second.
pub const THROUGHPUT_TARGET: f64 = 100.0;

/// `name=value` lines, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures(Vec<(String, String)>);

impl Figures {
    /// Appends a figure.
    pub fn push(&mut self, name: impl Into<String>, value: impl fmt::Display) {
        self.0.push((name.into(), value.to_string()));
    }

    /// The value of figure `name`, as printed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every figure, in order.
    pub fn lines(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// A measured value, its baseline, and `value / baseline`.
    fn compared(&mut self, name: &str, value: f64, baseline: f64, decimals: usize) {
        self.push(name, format!("{value:.decimals$}"));
        self.push(format!("{name}.baseline"), format!("{baseline:.decimals$}"));
        self.push(
            format!("{name}.ratio_vs_baseline"),
            format!("{:.3}", value / baseline),
        );
    }
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in &self.0 {
            writeln!(f, "{name}={value}")?;
        }
        Ok(())
    }
}

/// What one relayer configuration measured.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Latency over finality of messages sent one at a time.
    pub latency: LatencyRun,
    /// The burst.
    pub throughput: ThroughputRun,
}

/// The figures of Courier's relayer (`courier`) against the non-batching one (`baseline`), both
/// measured in this run.
pub fn figures(courier: &Measured, baseline: &Measured) -> eyre::Result<Figures> {
    let mut out = Figures::default();
    let lat = courier
        .latency
        .latency()
        .ok_or_else(|| eyre::eyre!("no latency samples"))?;
    let base = baseline
        .latency
        .latency()
        .ok_or_else(|| eyre::eyre!("no baseline latency samples"))?;
    let block_ms = courier.latency.destination_block_time.as_secs_f64() * 1000.0;

    out.push("e2e.destination_block_time_ms", format!("{block_ms:.0}"));
    out.push("e2e.latency_over_finality.samples", lat.samples);
    out.compared("e2e.latency_over_finality.p50_ms", lat.p50, base.p50, 0);
    out.push(
        "e2e.latency_over_finality.p50_ms.target_max",
        format!("{block_ms:.0}"),
    );
    out.push(
        "e2e.latency_over_finality.p50_ms.meets_target",
        lat.p50 < block_ms,
    );
    out.compared("e2e.latency_over_finality.p95_ms", lat.p95, base.p95, 0);
    let run = &courier.latency;
    let optional = |v: Option<f64>, decimals: usize| {
        v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.decimals$}"))
    };
    out.push(
        "e2e.latency_over_finality.next_destination_block.p50_ms",
        optional(run.stage_p50(|s| Some(s.next_destination_block_ms)), 0),
    );
    out.push(
        "e2e.latency_over_finality.missed_destination_blocks.mean",
        optional(run.mean_missed_blocks(), 2),
    );
    out.push(
        "e2e.finality_to.relayer_indexed.p50_ms",
        optional(run.stage_p50(|s| s.indexed_ms), 0),
    );
    out.push(
        "e2e.finality_to.quorum_signed.p50_ms",
        optional(run.stage_p50(|s| s.quorum_ms), 0),
    );
    out.push(
        "e2e.finality_to.submitted.p50_ms",
        optional(run.stage_p50(|s| s.submitted_ms), 0),
    );
    let gap = courier
        .latency
        .max_poll_gap
        .max(baseline.latency.max_poll_gap);
    out.push("e2e.watcher.max_poll_gap_ms", gap.as_millis());

    let burst = &courier.throughput;
    let base_burst = &baseline.throughput;
    out.push("relayer.throughput.messages", burst.messages);
    out.push(
        "relayer.throughput.msgs_per_s",
        format!("{:.1}", burst.msgs_per_s()),
    );
    // A baseline burst of another size says so in its name.
    let base_name = if base_burst.messages == burst.messages {
        "relayer.throughput.msgs_per_s.baseline".to_owned()
    } else {
        format!(
            "relayer.throughput.baseline_{}.msgs_per_s",
            base_burst.messages
        )
    };
    out.push(base_name, format!("{:.1}", base_burst.msgs_per_s()));
    out.push(
        "relayer.throughput.msgs_per_s.ratio_vs_baseline",
        format!("{:.3}", burst.msgs_per_s() / base_burst.msgs_per_s()),
    );
    out.push(
        "relayer.throughput.msgs_per_s.target_min",
        format!("{THROUGHPUT_TARGET:.0}"),
    );
    out.push(
        "relayer.throughput.msgs_per_s.meets_target",
        burst.msgs_per_s() >= THROUGHPUT_TARGET,
    );
    out.push("relayer.throughput.window_ms", burst.window.as_millis());
    // Where the window went: when the last message was final, indexed, signed by a quorum,
    // submitted (ms after the first message was final); the window ends with the last delivery.
    out.push(
        "relayer.throughput.last_final_ms",
        format!("{:.0}", burst.last_final_ms),
    );
    let steps = &burst.last_agent_step_ms;
    out.push(
        "relayer.throughput.last_indexed_ms",
        optional(steps.indexed_ms, 0),
    );
    out.push(
        "relayer.throughput.last_quorum_signed_ms",
        optional(steps.quorum_ms, 0),
    );
    out.push(
        "relayer.throughput.last_submitted_ms",
        optional(steps.submitted_ms, 0),
    );
    out.push("relayer.throughput.transactions", burst.transactions);
    out.push(
        "relayer.throughput.block_gas_utilization",
        format!("{:.4}", burst.block_gas_utilization()),
    );
    out.push(
        "relayer.throughput.limited_by_block_gas",
        burst.block_gas_utilization() >= GAS_LIMITED_FROM,
    );
    out.push(
        "relayer.throughput.gas_per_message",
        format!("{:.0}", burst.gas_per_message()),
    );
    out.push(
        "relayer.throughput.gas_bound_msgs_per_s",
        format!("{:.0}", burst.gas_bound_msgs_per_s()),
    );
    let prefix = if base_burst.messages == burst.messages {
        "relayer.throughput.baseline".to_owned()
    } else {
        format!("relayer.throughput.baseline_{}", base_burst.messages)
    };
    out.push(format!("{prefix}.transactions"), base_burst.transactions);
    out.push(
        format!("{prefix}.block_gas_utilization"),
        format!("{:.4}", base_burst.block_gas_utilization()),
    );
    out.push(
        format!("{prefix}.gas_per_message"),
        format!("{:.0}", base_burst.gas_per_message()),
    );
    let gap = burst.max_poll_gap.max(base_burst.max_poll_gap);
    out.push(
        "relayer.throughput.watcher_max_poll_gap_ms",
        gap.as_millis(),
    );
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::{Duration, Instant};

    use alloy::primitives::B256;

    use super::*;
    use crate::{latency::LatencySample, net::Delivered};

    fn latency(values: &[f64]) -> LatencyRun {
        let now = Instant::now();
        LatencyRun {
            samples: values
                .iter()
                .enumerate()
                .map(|(i, &v)| LatencySample {
                    message: Delivered {
                        id: B256::ZERO,
                        nonce: i as u32,
                        origin_block: 1,
                        final_at: now,
                        destination_block: 2,
                        delivered_at: now,
                        tx: B256::ZERO,
                    },
                    delivered_ms: v,
                    next_destination_block_ms: v / 2.0,
                    missed_blocks: 0,
                    indexed_ms: Some(100.0),
                    quorum_ms: None,
                    submitted_ms: Some(300.0),
                })
                .collect(),
            destination_block_time: Duration::from_secs(1),
            max_poll_gap: Duration::from_millis(30),
            took: Duration::from_secs(60),
        }
    }

    fn burst(messages: usize, window_ms: u64, transactions: usize) -> ThroughputRun {
        ThroughputRun {
            messages,
            sending: Duration::from_secs(1),
            origin_blocks: 2,
            window: Duration::from_millis(window_ms),
            transactions,
            delivery_gas: 10_000_000,
            window_gas_limit: 100_000_000,
            destination_blocks: 4,
            max_poll_gap: Duration::from_millis(40),
            last_final_ms: 1000.0,
            last_agent_step_ms: crate::throughput::AgentSteps::default(),
            took: Duration::from_secs(10),
        }
    }

    #[test]
    fn figures_compare_with_the_baseline_and_the_targets() {
        let courier = Measured {
            latency: latency(&[800.0, 900.0, 1200.0]),
            throughput: burst(1000, 4000, 10),
        };
        let baseline = Measured {
            latency: latency(&[1000.0, 1000.0, 1600.0]),
            throughput: burst(200, 10_000, 200),
        };
        let f = figures(&courier, &baseline).unwrap();
        assert_eq!(f.get("e2e.destination_block_time_ms"), Some("1000"));
        assert_eq!(f.get("e2e.latency_over_finality.samples"), Some("3"));
        assert_eq!(f.get("e2e.latency_over_finality.p50_ms"), Some("900"));
        assert_eq!(
            f.get("e2e.latency_over_finality.p50_ms.baseline"),
            Some("1000")
        );
        assert_eq!(
            f.get("e2e.latency_over_finality.p50_ms.ratio_vs_baseline"),
            Some("0.900")
        );
        assert_eq!(
            f.get("e2e.latency_over_finality.p50_ms.meets_target"),
            Some("true")
        );
        assert_eq!(f.get("e2e.latency_over_finality.p95_ms"), Some("1200"));
        assert_eq!(f.get("e2e.finality_to.quorum_signed.p50_ms"), Some("n/a"));
        assert_eq!(f.get("e2e.finality_to.submitted.p50_ms"), Some("300"));
        assert_eq!(f.get("relayer.throughput.msgs_per_s"), Some("250.0"));
        // The baseline burst was smaller: its name says so.
        assert_eq!(
            f.get("relayer.throughput.baseline_200.msgs_per_s"),
            Some("20.0")
        );
        assert_eq!(f.get("relayer.throughput.msgs_per_s.baseline"), None);
        assert_eq!(
            f.get("relayer.throughput.msgs_per_s.ratio_vs_baseline"),
            Some("12.500")
        );
        assert_eq!(
            f.get("relayer.throughput.msgs_per_s.meets_target"),
            Some("true")
        );
        assert_eq!(
            f.get("relayer.throughput.block_gas_utilization"),
            Some("0.1000")
        );
        assert_eq!(
            f.get("relayer.throughput.limited_by_block_gas"),
            Some("false")
        );
        assert_eq!(
            f.get("relayer.throughput.baseline_200.transactions"),
            Some("200")
        );
        let text = f.to_string();
        assert!(text.lines().all(|l| l.split_once('=').is_some()), "{text}");
        assert!(text.starts_with("e2e.destination_block_time_ms=1000\n"));
    }

    #[test]
    fn a_baseline_of_the_same_size_is_named_baseline() {
        let courier = Measured {
            latency: latency(&[800.0]),
            throughput: burst(1000, 4000, 10),
        };
        let baseline = Measured {
            latency: latency(&[800.0]),
            throughput: burst(1000, 40_000, 1000),
        };
        let f = figures(&courier, &baseline).unwrap();
        assert_eq!(
            f.get("relayer.throughput.msgs_per_s.baseline"),
            Some("25.0")
        );
        assert_eq!(
            f.get("relayer.throughput.baseline.transactions"),
            Some("1000")
        );
    }
}

//! Relayer throughput: a burst of messages sent as fast as the origin's node accepts them (each
//! send returns once the node has the transaction; no receipt is awaited), then delivered.
//!
//! The window is measured on the watcher's clock, from the moment the **first** message's origin
//! block became final to the moment the destination block holding the **last** delivery was first
//! seen: messages ÷ window. It therefore includes the time the origin needs to include the burst (a
//! thousand greetings span two or three origin blocks) and one latency over finality, which a
//! steady stream would hide; it is the conservative choice.
//!
//! Destination block gas utilization: gas used by the relayer's transactions in the destination
//! blocks first seen inside the window ÷ the gas limits of those blocks. 1.0 would mean the
//! destination's block gas is what limits throughput; well below it, something before the
//! destination is the limit, and [`ThroughputRun::last_agent_step_ms`] says which step finished
//! last: indexing, the validators' quorum, or the relayer's submissions.

use std::time::{Duration, Instant};

use crate::{
    latency::signed_ms,
    net::{AgentTimes, BenchNet},
};

/// The moment the agents had done one step for every message of a burst, in milliseconds after
/// the first message became final.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AgentSteps {
    /// The relayer's indexer recorded the last message as final.
    pub indexed_ms: Option<f64>,
    /// A quorum of validators had signed the last index.
    pub quorum_ms: Option<f64>,
    /// The relayer recorded the last delivery transaction.
    pub submitted_ms: Option<f64>,
}

/// What a burst measured.
#[derive(Debug, Clone)]
pub struct ThroughputRun {
    /// Messages sent (and delivered, each exactly once).
    pub messages: usize,
    /// How long sending took (until the node had the last one).
    pub sending: Duration,
    /// Origin blocks the burst was included in.
    pub origin_blocks: usize,
    /// From the first message's finality to the last delivery.
    pub window: Duration,
    /// Delivery transactions in the window.
    pub transactions: usize,
    /// Gas those transactions used.
    pub delivery_gas: u64,
    /// Gas limits of the destination blocks in the window, summed.
    pub window_gas_limit: u64,
    /// Destination blocks in the window.
    pub destination_blocks: usize,
    /// The watcher's longest gap between two polls of a chain during the burst.
    pub max_poll_gap: Duration,
    /// When the last message's origin block became final, after the first's.
    pub last_final_ms: f64,
    /// When the agents had done each step for the last message of the burst, after the first
    /// message became final (from their records; `None` where a record is missing).
    pub last_agent_step_ms: AgentSteps,
    /// How long the run took.
    pub took: Duration,
}

impl ThroughputRun {
    /// Messages per second over the window.
    pub fn msgs_per_s(&self) -> f64 {
        self.messages as f64 / self.window.as_secs_f64().max(f64::EPSILON)
    }

    /// Delivery gas ÷ block gas of the window.
    pub fn block_gas_utilization(&self) -> f64 {
        self.delivery_gas as f64 / (self.window_gas_limit as f64).max(1.0)
    }

    /// Delivery gas per message.
    pub fn gas_per_message(&self) -> f64 {
        self.delivery_gas as f64 / (self.messages as f64).max(1.0)
    }

    /// The messages per second the destination's block gas would allow at this gas per message,
    /// with every block full of deliveries.
    pub fn gas_bound_msgs_per_s(&self) -> f64 {
        self.msgs_per_s() / self.block_gas_utilization().max(f64::EPSILON)
    }
}

/// Sends `messages` greetings at once and measures their delivery; fails unless every one was
/// delivered exactly once within `timeout`.
pub async fn measure(
    net: &mut BenchNet,
    messages: usize,
    timeout: Duration,
) -> eyre::Result<ThroughputRun> {
    let started = Instant::now();
    let mark = net.mark().await?;
    net.reset_max_poll_gap();
    for _ in 0..messages {
        net.send_greeting().await?;
    }
    let sending = started.elapsed();
    net.wait_received(&mark, messages, timeout).await?;
    let max_poll_gap = net.max_poll_gap();
    let delivered = net.delivered_since(&mark, messages).await?;
    let first_final = delivered
        .iter()
        .map(|d| d.final_at)
        .min()
        .ok_or_else(|| eyre::eyre!("a burst of no messages"))?;
    let last_delivery = delivered
        .iter()
        .map(|d| d.delivered_at)
        .max()
        .ok_or_else(|| eyre::eyre!("a burst of no messages"))?;
    eyre::ensure!(
        signed_ms(first_final, last_delivery) > 0.0,
        "the last delivery was seen before the first message was final"
    );
    let mut origin_blocks: Vec<u64> = delivered.iter().map(|d| d.origin_block).collect();
    origin_blocks.sort_unstable();
    origin_blocks.dedup();
    let mut delivery_txs: Vec<_> = delivered.iter().map(|d| d.tx).collect();
    delivery_txs.sort_unstable();
    delivery_txs.dedup();

    let last_final = delivered
        .iter()
        .map(|d| d.final_at)
        .max()
        .unwrap_or(first_final);
    let times = net.agent_times(&delivered)?;
    let last = |step: fn(&AgentTimes) -> Option<u64>| -> Option<f64> {
        let all: Option<Vec<u64>> = times.iter().map(step).collect();
        all?.into_iter()
            .max()
            .map(|ms| net.ms_from(first_final, ms))
    };
    let last_agent_step_ms = AgentSteps {
        indexed_ms: last(|t| t.indexed_ms),
        quorum_ms: last(|t| t.quorum_ms),
        submitted_ms: last(|t| t.submitted_ms),
    };
    let window_blocks = net
        .destination_timeline()?
        .seen_between(first_final, last_delivery);
    let gas = net.destination_gas(&window_blocks).await?;
    eyre::ensure!(
        gas.relayer_transactions >= delivery_txs.len(),
        "{} transactions delivered the burst but only {} relayer transactions are in the window",
        delivery_txs.len(),
        gas.relayer_transactions
    );
    Ok(ThroughputRun {
        messages,
        sending,
        origin_blocks: origin_blocks.len(),
        window: last_delivery.duration_since(first_final),
        transactions: gas.relayer_transactions,
        delivery_gas: gas.relayer_gas_used,
        window_gas_limit: gas.gas_limit,
        destination_blocks: gas.blocks,
        max_poll_gap,
        last_final_ms: signed_ms(first_final, last_final),
        last_agent_step_ms,
        took: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> ThroughputRun {
        ThroughputRun {
            messages: 1000,
            sending: Duration::from_secs(1),
            origin_blocks: 2,
            window: Duration::from_secs(4),
            transactions: 10,
            delivery_gas: 12_000_000,
            window_gas_limit: 120_000_000,
            destination_blocks: 4,
            max_poll_gap: Duration::from_millis(30),
            last_final_ms: 1000.0,
            last_agent_step_ms: AgentSteps::default(),
            took: Duration::from_secs(8),
        }
    }

    #[test]
    fn rates_and_utilization() {
        let r = run();
        assert_eq!(r.msgs_per_s(), 250.0);
        assert_eq!(r.block_gas_utilization(), 0.1);
        assert_eq!(r.gas_per_message(), 12_000.0);
        assert_eq!(r.gas_bound_msgs_per_s(), 2500.0);
    }
}

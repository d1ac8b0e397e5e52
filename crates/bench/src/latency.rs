//! Latency over finality: how long after a message's origin block became final it was delivered.
//!
//! For each message, from the [`HeadWatcher`](crate::watcher::HeadWatcher)'s clock: the moment
//! block `b + depth` was first seen on the origin (`b` holding its `Dispatch`) to the moment the
//! destination block holding its `Process` was first seen. Messages go one at a time, `spacing`
//! apart (more than a block time, so each has its own origin block and nothing batches them).
//!
//! The destination's blocks come at fixed times, so a message's latency depends on where they fall
//! relative to the origin's: two chains started together (as a devnet starts them) would tick
//! almost in step and every message would wait about one whole destination block. Real chains
//! are not in step; to average over that, the samples are taken in groups, and before each group
//! the destination's block timer is restarted at an offset of `i / groups` block times after an
//! origin block (group `i`), with nothing in flight, so the offsets are spread evenly over one
//! block time.

use std::time::{Duration, Instant};

use crate::{
    net::{AgentTimes, BenchNet, Delivered},
    stats::{Summary, mean, percentile},
};

/// How to measure.
#[derive(Debug, Clone)]
pub struct LatencyPlan {
    /// Groups, each at its own offset of the destination's blocks.
    pub groups: u32,
    /// Messages per group.
    pub per_group: usize,
    /// Time between two sends.
    pub spacing: Duration,
    /// Longest wait for a group's deliveries.
    pub timeout: Duration,
}

impl LatencyPlan {
    /// Messages in all.
    pub fn messages(&self) -> usize {
        self.groups as usize * self.per_group
    }
}

/// One message's delays, in milliseconds after its origin block became final.
#[derive(Debug, Clone)]
pub struct LatencySample {
    /// The message as measured on chain.
    pub message: Delivered,
    /// Until its delivery block was first seen: the latency over finality.
    pub delivered_ms: f64,
    /// Until the first destination block after finality was seen: the soonest it could have been
    /// delivered by a relayer that takes no time at all.
    pub next_destination_block_ms: f64,
    /// Destination blocks that came after finality and before the one that delivered it.
    pub missed_blocks: usize,
    /// Until the relayer's indexer recorded it as final (its own clock).
    pub indexed_ms: Option<f64>,
    /// Until the committee's quorum had signed its index (the validators' clocks).
    pub quorum_ms: Option<f64>,
    /// Until the relayer recorded its delivery transaction, just before broadcasting it.
    pub submitted_ms: Option<f64>,
}

/// What a latency run measured.
#[derive(Debug, Clone)]
pub struct LatencyRun {
    /// One per message, in dispatch order.
    pub samples: Vec<LatencySample>,
    /// Median interval between destination blocks during the run.
    pub destination_block_time: Duration,
    /// The watcher's longest gap between two polls of a chain during the run: how late a block
    /// may have been seen at worst.
    pub max_poll_gap: Duration,
    /// How long the run took.
    pub took: Duration,
}

impl LatencyRun {
    /// p50/p95 of the latency over finality.
    pub fn latency(&self) -> Option<Summary> {
        Summary::of(&self.values(|s| Some(s.delivered_ms)))
    }

    /// Median of one stage's delay (only samples that have it).
    pub fn stage_p50(&self, stage: impl Fn(&LatencySample) -> Option<f64>) -> Option<f64> {
        percentile(&self.values(stage), 50.0)
    }

    /// Mean of destination blocks missed after finality.
    pub fn mean_missed_blocks(&self) -> Option<f64> {
        mean(&self.values(|s| Some(s.missed_blocks as f64)))
    }

    fn values(&self, f: impl Fn(&LatencySample) -> Option<f64>) -> Vec<f64> {
        self.samples.iter().filter_map(f).collect()
    }
}

/// Runs `plan` on `net`; fails unless every message was delivered exactly once.
pub async fn measure(net: &mut BenchNet, plan: &LatencyPlan) -> eyre::Result<LatencyRun> {
    let started = Instant::now();
    let block_time = net.spec().block_time;
    let mark = net.mark().await?;
    net.reset_max_poll_gap();
    let mut sent = 0;
    for group in 0..plan.groups {
        let offset = block_time * group / plan.groups.max(1);
        net.align_destination(offset).await?;
        for i in 0..plan.per_group {
            net.send_greeting().await?;
            sent += 1;
            if i + 1 < plan.per_group {
                tokio::time::sleep(plan.spacing).await;
            }
        }
        // Nothing may be in flight when the destination's timer is restarted for the next group.
        net.wait_received(&mark, sent, plan.timeout).await?;
        tracing::info!(
            run = net.spec().label,
            group,
            offset_ms = offset.as_millis() as u64,
            delivered = sent,
            "latency group delivered"
        );
    }
    let max_poll_gap = net.max_poll_gap();
    let delivered = net.delivered_since(&mark, sent).await?;
    let times = net.agent_times(&delivered)?;
    let destination = net.destination_timeline()?;
    let mut samples = Vec::with_capacity(delivered.len());
    for (message, agents) in delivered.into_iter().zip(times) {
        let window = destination.seen_between(message.final_at, message.delivered_at);
        let next = window
            .first()
            .and_then(|&n| destination.first_seen(n))
            .unwrap_or(message.delivered_at);
        samples.push(sample(
            net,
            message,
            next,
            window.len().saturating_sub(1),
            agents,
        ));
    }
    samples.sort_by_key(|s| s.message.nonce);
    for s in &samples {
        tracing::debug!(
            run = net.spec().label,
            nonce = s.message.nonce,
            origin_block = s.message.origin_block,
            destination_block = s.message.destination_block,
            delivered_ms = s.delivered_ms as i64,
            next_block_ms = s.next_destination_block_ms as i64,
            missed = s.missed_blocks,
            indexed_ms = ?s.indexed_ms.map(|v| v as i64),
            quorum_ms = ?s.quorum_ms.map(|v| v as i64),
            submitted_ms = ?s.submitted_ms.map(|v| v as i64),
            "latency sample"
        );
    }
    let destination_block_time = destination
        .median_block_interval(started)
        .unwrap_or(block_time);
    Ok(LatencyRun {
        samples,
        destination_block_time,
        max_poll_gap,
        took: started.elapsed(),
    })
}

fn sample(
    net: &BenchNet,
    message: Delivered,
    next_block: Instant,
    missed_blocks: usize,
    agents: AgentTimes,
) -> LatencySample {
    let ms = |later: Instant| signed_ms(message.final_at, later);
    let stage = |unix_ms: Option<u64>| unix_ms.map(|t| net.ms_from(message.final_at, t));
    LatencySample {
        delivered_ms: ms(message.delivered_at),
        next_destination_block_ms: ms(next_block),
        missed_blocks,
        indexed_ms: stage(agents.indexed_ms),
        quorum_ms: stage(agents.quorum_ms),
        submitted_ms: stage(agents.submitted_ms),
        message,
    }
}

/// `later - earlier` in milliseconds, negative when `later` is earlier.
pub fn signed_ms(earlier: Instant, later: Instant) -> f64 {
    if later >= earlier {
        later.duration_since(earlier).as_secs_f64() * 1000.0
    } else {
        -(earlier.duration_since(later).as_secs_f64() * 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_milliseconds() {
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_millis(1500);
        assert_eq!(signed_ms(t0, t1), 1500.0);
        assert_eq!(signed_ms(t1, t0), -1500.0);
        assert_eq!(signed_ms(t0, t0), 0.0);
    }

    #[test]
    fn a_plan_counts_its_messages() {
        let plan = LatencyPlan {
            groups: 6,
            per_group: 5,
            spacing: Duration::from_millis(1500),
            timeout: Duration::from_secs(30),
        };
        assert_eq!(plan.messages(), 30);
    }
}

//! The measuring code on real local chains, at a tiny scale: a few messages for latency (in two
//! groups, so the destination's block timer is restarted once) and a small burst. Checks that
//! the numbers are sane and that the measurement's own checks (every message delivered exactly
//! once) hold.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use courier_bench::{
    latency::{self, LatencyPlan},
    net::{BenchNet, NetSpec},
    throughput,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_latency_and_burst_measure_sane_numbers() {
    let mut net = BenchNet::start(NetSpec::new("test", 100, 47_101))
        .await
        .unwrap();
    let plan = LatencyPlan {
        groups: 2,
        per_group: 2,
        spacing: Duration::from_millis(1500),
        timeout: Duration::from_secs(20),
    };
    let lat = latency::measure(&mut net, &plan).await.unwrap();
    let burst = throughput::measure(&mut net, 20, Duration::from_secs(20))
        .await
        .unwrap();
    let max_gap = net.max_poll_gap();
    net.stop().await;

    // Latency: one sample per message, each delivered after its origin block was final (a
    // delivery before finality would be a safety bug), in its own origin block.
    assert_eq!(lat.samples.len(), plan.messages());
    let mut origin_blocks: Vec<u64> = lat.samples.iter().map(|s| s.message.origin_block).collect();
    origin_blocks.dedup();
    assert_eq!(
        origin_blocks.len(),
        plan.messages(),
        "messages shared an origin block"
    );
    for s in &lat.samples {
        assert!(s.delivered_ms > 0.0, "{s:?}");
        assert!(s.delivered_ms < 10_000.0, "{s:?}");
        assert!(s.next_destination_block_ms > 0.0, "{s:?}");
        assert!(s.next_destination_block_ms <= s.delivered_ms, "{s:?}");
        // The agents' own records are there and in their order.
        let (indexed, submitted) = (s.indexed_ms.unwrap(), s.submitted_ms.unwrap());
        assert!(s.quorum_ms.is_some(), "{s:?}");
        assert!(indexed <= submitted && submitted <= s.delivered_ms, "{s:?}");
    }
    let summary = lat.latency().unwrap();
    assert_eq!(summary.samples, plan.messages());
    assert!(
        summary.p50 > 0.0 && summary.p50 <= summary.p95,
        "{summary:?}"
    );
    let block_ms = lat.destination_block_time.as_millis();
    assert!(
        (900..=1100).contains(&block_ms),
        "destination block time {block_ms} ms"
    );

    // Burst: every message delivered exactly once (measure fails otherwise), in at least one and
    // at most one transaction per message, using some but not more than all of the block gas.
    assert_eq!(burst.messages, 20);
    assert!(burst.msgs_per_s() > 0.0);
    assert!(burst.window > Duration::ZERO);
    assert!((1..=20).contains(&burst.transactions), "{burst:?}");
    let utilization = burst.block_gas_utilization();
    assert!(utilization > 0.0 && utilization <= 1.0, "{burst:?}");
    assert!(burst.destination_blocks >= 1, "{burst:?}");

    // The watcher kept polling (how finely depends on the machine's load, which a test run in
    // parallel with others does not control: `make bench` reports it).
    assert!(
        max_gap > Duration::ZERO && max_gap < Duration::from_secs(1),
        "watcher polls {max_gap:?} apart"
    );
}

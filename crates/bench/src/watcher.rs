//! The clock the benchmarks read: a watcher outside the agents that polls every chain's head and
//! remembers when each block was first seen.
//!
//! It runs on its own OS thread with its own single-threaded runtime, so that agents busy on the
//! benchmark's runtime (signing a thousand checkpoints, building proofs) cannot delay its polls;
//! how long the longest gap between two polls of a chain really was is kept
//! ([`Timeline::max_poll_gap`]) so that a run can show its timestamps are as fine as it claims.
//! Block `n` counts as first seen at the end of the first poll that returned a head ≥ `n`; blocks
//! at or below the head when watching began have no time.

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

use alloy::providers::{Provider, ProviderBuilder};
use eyre::WrapErr;
use url::Url;

/// How often each chain's head is polled.
pub const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// When each block of one chain was first seen.
#[derive(Debug, Clone)]
pub struct Timeline(Arc<Mutex<TimelineState>>);

#[derive(Debug)]
struct TimelineState {
    name: String,
    /// The number of `seen[0]`: one above the head when watching began.
    first: Option<u64>,
    seen: Vec<Instant>,
    last_poll: Option<Instant>,
    max_gap: Duration,
    errors: u64,
    last_error: Option<String>,
}

impl Timeline {
    /// An empty timeline for chain `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self(Arc::new(Mutex::new(TimelineState {
            name: name.into(),
            first: None,
            seen: Vec::new(),
            last_poll: None,
            max_gap: Duration::ZERO,
            errors: 0,
            last_error: None,
        })))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, TimelineState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records that a poll ending at `at` returned `head`.
    pub fn record(&self, head: u64, at: Instant) {
        let mut s = self.state();
        if let Some(last) = s.last_poll {
            let gap = at.saturating_duration_since(last);
            s.max_gap = s.max_gap.max(gap);
        }
        s.last_poll = Some(at);
        let Some(first) = s.first else {
            // Blocks up to this head were produced before watching began: their time is unknown.
            s.first = Some(head + 1);
            return;
        };
        let next = first + s.seen.len() as u64;
        for _ in next..=head {
            s.seen.push(at);
        }
    }

    /// Records a failed poll.
    fn record_error(&self, error: String) {
        let mut s = self.state();
        s.errors += 1;
        s.last_error = Some(error);
    }

    /// The chain's name.
    pub fn name(&self) -> String {
        self.state().name.clone()
    }

    /// When block `number` was first seen; `None` if not yet, or if it was there before watching
    /// began.
    pub fn first_seen(&self, number: u64) -> Option<Instant> {
        let s = self.state();
        let index = number.checked_sub(s.first?)?;
        s.seen.get(usize::try_from(index).ok()?).copied()
    }

    /// The highest block seen so far.
    pub fn head(&self) -> Option<u64> {
        let s = self.state();
        let first = s.first?;
        (first + s.seen.len() as u64).checked_sub(1)
    }

    /// The blocks first seen after `after` and at or before `up_to`, ascending.
    pub fn seen_between(&self, after: Instant, up_to: Instant) -> Vec<u64> {
        let s = self.state();
        let Some(first) = s.first else {
            return Vec::new();
        };
        s.seen
            .iter()
            .enumerate()
            .filter(|(_, t)| **t > after && **t <= up_to)
            .map(|(i, _)| first + i as u64)
            .collect()
    }

    /// The median interval between consecutive blocks seen after `after`; `None` with fewer than
    /// two such blocks.
    pub fn median_block_interval(&self, after: Instant) -> Option<Duration> {
        let s = self.state();
        let times: Vec<Instant> = s.seen.iter().copied().filter(|t| *t > after).collect();
        let mut gaps: Vec<Duration> = times
            .windows(2)
            .map(|w| w[1].saturating_duration_since(w[0]))
            .collect();
        if gaps.is_empty() {
            return None;
        }
        gaps.sort();
        gaps.get((gaps.len() - 1) / 2).copied()
    }

    /// The longest time between two successful polls since watching began or the last
    /// [`reset_max_poll_gap`](Self::reset_max_poll_gap).
    pub fn max_poll_gap(&self) -> Duration {
        self.state().max_gap
    }

    /// Starts measuring the longest gap between polls afresh.
    pub fn reset_max_poll_gap(&self) {
        self.state().max_gap = Duration::ZERO;
    }

    /// Failed polls so far, and the last error.
    pub fn errors(&self) -> (u64, Option<String>) {
        let s = self.state();
        (s.errors, s.last_error.clone())
    }

    /// Waits until block `number` has been seen; returns when it was first seen.
    pub async fn wait_for(&self, number: u64, timeout: Duration) -> eyre::Result<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(t) = self.first_seen(number) {
                return Ok(t);
            }
            if Instant::now() >= deadline {
                let (errors, last) = self.errors();
                eyre::bail!(
                    "{}: block {number} not seen within {timeout:?} (head {:?}; {errors} failed polls, last: {})",
                    self.name(),
                    self.head(),
                    last.as_deref().unwrap_or("none")
                );
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// Polls the heads of some chains until dropped.
#[derive(Debug)]
pub struct HeadWatcher {
    timelines: Vec<Timeline>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HeadWatcher {
    /// Starts polling each `(name, rpc)` every [`POLL_INTERVAL`]; returns once every chain has
    /// answered once (so every later block gets a time).
    pub async fn start(chains: &[(String, Url)]) -> eyre::Result<Self> {
        let timelines: Vec<Timeline> = chains.iter().map(|(n, _)| Timeline::new(n)).collect();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let polled: Vec<(Url, Timeline)> = chains
                .iter()
                .map(|(_, url)| url.clone())
                .zip(timelines.iter().cloned())
                .collect();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("bench-head-watcher".into())
                .spawn(move || poll_heads(&polled, &stop))
                .wrap_err("starting the head watcher thread")?
        };
        let watcher = Self {
            timelines,
            stop,
            thread: Some(thread),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while watcher.timelines.iter().any(|t| t.head().is_none()) {
            if Instant::now() >= deadline {
                let errors: Vec<String> = watcher
                    .timelines
                    .iter()
                    .map(|t| format!("{}: {:?}", t.name(), t.errors().1))
                    .collect();
                eyre::bail!(
                    "the head watcher got no answer within 10 s: {}",
                    errors.join("; ")
                );
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(watcher)
    }

    /// The timeline of chain `name`.
    pub fn timeline(&self, name: &str) -> eyre::Result<Timeline> {
        self.timelines
            .iter()
            .find(|t| t.name() == name)
            .cloned()
            .ok_or_else(|| eyre::eyre!("the head watcher does not watch {name}"))
    }

    /// Starts measuring the longest gap between polls afresh, on every chain.
    pub fn reset_max_poll_gap(&self) {
        self.timelines.iter().for_each(Timeline::reset_max_poll_gap);
    }

    /// The longest gap between two polls of any chain.
    pub fn max_poll_gap(&self) -> Duration {
        self.timelines
            .iter()
            .map(Timeline::max_poll_gap)
            .max()
            .unwrap_or_default()
    }
}

impl Drop for HeadWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // Ends within one poll (a dead chain refuses the connection at once).
            let _ = thread.join();
        }
    }
}

fn poll_heads(chains: &[(Url, Timeline)], stop: &AtomicBool) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            for (_, timeline) in chains {
                timeline.record_error(format!("cannot start the watcher's runtime: {e}"));
            }
            return;
        }
    };
    runtime.block_on(async {
        // One loop per chain, so that a node slow to answer (busy mining a full block) delays
        // only its own polls. A poll that took longer than the interval is followed at once by
        // the next one: the gap between two polls is the interval or the node's answer time.
        futures::future::join_all(chains.iter().map(|(url, timeline)| async move {
            let provider = ProviderBuilder::new()
                .disable_recommended_fillers()
                .connect_http(url.clone());
            while !stop.load(Ordering::Relaxed) {
                let started = tokio::time::Instant::now();
                let polled = tokio::time::timeout(POLL_INTERVAL * 8, provider.get_block_number());
                match polled.await {
                    Ok(Ok(head)) => timeline.record(head, Instant::now()),
                    Ok(Err(e)) => timeline.record_error(e.to_string()),
                    Err(_) => timeline.record_error("eth_blockNumber timed out".to_owned()),
                }
                tokio::time::sleep_until(started + POLL_INTERVAL).await;
            }
        }))
        .await;
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn blocks_before_watching_have_no_time() {
        let t = Timeline::new("alpha");
        let t0 = Instant::now();
        t.record(10, t0);
        assert_eq!(t.head(), Some(10));
        assert_eq!(t.first_seen(10), None);
        assert_eq!(t.first_seen(11), None);
        let t1 = t0 + Duration::from_millis(25);
        t.record(11, t1);
        assert_eq!(t.first_seen(11), Some(t1));
        assert_eq!(t.head(), Some(11));
    }

    #[test]
    fn a_jump_gives_every_skipped_block_the_same_time() {
        let t = Timeline::new("beta");
        let t0 = Instant::now();
        t.record(5, t0);
        let t1 = t0 + Duration::from_millis(20);
        t.record(5, t1);
        let t2 = t0 + Duration::from_millis(70);
        t.record(8, t2);
        assert_eq!(t.first_seen(6), Some(t2));
        assert_eq!(t.first_seen(8), Some(t2));
        assert_eq!(t.first_seen(9), None);
        assert_eq!(t.max_poll_gap(), Duration::from_millis(50));
        // A head going backwards (it never does here) changes nothing.
        t.record(7, t2 + Duration::from_millis(25));
        assert_eq!(t.head(), Some(8));
        assert_eq!(
            t.seen_between(t0, t2),
            vec![6, 7, 8],
            "blocks first seen in (t0, t2]"
        );
        assert!(t.seen_between(t2, t2 + Duration::from_secs(1)).is_empty());
    }

    #[test]
    fn median_interval_between_blocks() {
        let t = Timeline::new("alpha");
        let t0 = Instant::now();
        t.record(0, t0);
        for (n, ms) in [(1, 1000), (2, 2000), (3, 3000), (4, 5000)] {
            t.record(n, t0 + Duration::from_millis(ms));
        }
        assert_eq!(
            t.median_block_interval(t0),
            Some(Duration::from_millis(1000))
        );
        assert_eq!(t.median_block_interval(t0 + Duration::from_secs(4)), None);
    }
}

//! Configuration changes coming: the watcher follows the timelocks that own Courier's contracts and
//! says, loudly and once, when one schedules a change — what it does and when it may run — so that
//! users see it coming while they can still act (leave, object, prepare).

use std::time::Duration;

use courier_chain::timelock::{ChangeEvent, ChangeState, TimelockFollower};
use courier_metrics::{ChainLabels, WatcherMetrics};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::Error;

/// Follows one timelock on one chain.
pub struct TimelockWatch {
    chain: u64,
    follower: TimelockFollower,
    metrics: WatcherMetrics,
    poll_interval: Duration,
    /// Whether a tick has run (the first one reads the history: what already ran or was
    /// cancelled then is not announced).
    caught_up: bool,
}

impl TimelockWatch {
    /// A watch of `follower`'s timelock on chain `chain`, reporting to `metrics`.
    pub fn new(
        chain: u64,
        follower: TimelockFollower,
        metrics: WatcherMetrics,
        poll_interval: Duration,
    ) -> Self {
        Self {
            chain,
            follower,
            metrics,
            poll_interval,
            caught_up: false,
        }
    }

    /// Runs until `shutdown`.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let (chain, timelock) = (self.chain, self.follower.timelock());
        info!(chain, %timelock, "watching the timelock's scheduled changes");
        let mut failures = 0u32;
        loop {
            match self.tick().await {
                Ok(_) => failures = 0,
                Err(e) => {
                    failures += 1;
                    warn!(chain, %timelock, error = %e, "timelock watch failed; retrying");
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(courier_chain::retry_delay(self.poll_interval, failures)) => {}
            }
        }
    }

    /// One pass: reads the new events, logs and counts each change; returns what changed (on the
    /// first pass, only the changes that have neither run nor been cancelled).
    pub async fn tick(&mut self) -> Result<Vec<ChangeEvent>, Error> {
        let mut events = self.follower.sync().await?;
        let (chain, timelock) = (self.chain, self.follower.timelock());
        let labels = ChainLabels { chain };
        if !self.caught_up {
            // History: only changes still to come are news.
            let changes = self.follower.changes();
            events.retain(|e| match *e {
                ChangeEvent::Scheduled(i) | ChangeEvent::Ready(i) => {
                    matches!(changes[i].state, ChangeState::Pending | ChangeState::Ready)
                }
                ChangeEvent::Executed(_) | ChangeEvent::Cancelled(_) => false,
            });
            self.caught_up = true;
        }
        for event in &events {
            match *event {
                ChangeEvent::Scheduled(i) => {
                    let c = &self.follower.changes()[i];
                    self.metrics
                        .changes_scheduled_total
                        .get_or_create(&labels)
                        .inc();
                    warn!(chain, %timelock, id = %c.id, target = %c.target, ready_at = c.ready_at, call = %c.call, "CONFIGURATION CHANGE SCHEDULED: it may run from ready_at (unix seconds)");
                }
                ChangeEvent::Ready(i) => {
                    let c = &self.follower.changes()[i];
                    warn!(chain, %timelock, id = %c.id, target = %c.target, call = %c.call, "configuration change ready: it may run now");
                }
                ChangeEvent::Executed(i) => {
                    let c = &self.follower.changes()[i];
                    info!(chain, %timelock, id = %c.id, target = %c.target, call = %c.call, "configuration change executed");
                }
                ChangeEvent::Cancelled(i) => {
                    let c = &self.follower.changes()[i];
                    info!(chain, %timelock, id = %c.id, target = %c.target, "configuration change cancelled");
                }
            }
        }
        let pending = self
            .follower
            .changes()
            .iter()
            .filter(|c| matches!(c.state, ChangeState::Pending | ChangeState::Ready))
            .count();
        self.metrics
            .changes_pending
            .get_or_create(&labels)
            .set(i64::try_from(pending).unwrap_or(i64::MAX));
        Ok(events)
    }
}

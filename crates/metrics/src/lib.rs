//! Prometheus metrics for Courier's agents: the metric families each agent updates, and an HTTP
//! endpoint serving them in the text exposition format at `/metrics`.
//!
//! Every metric carries its unit in its name (`_seconds`, `_total`) and the route labels it is
//! about (`origin`, `destination` as chain ids). One [`Metrics`] is shared by all agents of a
//! process; agents hold clones of the families they update (prometheus-client families are cheap
//! `Arc` handles).

use std::{net::SocketAddr, sync::Arc};

use axum::{Router, http::header, response::IntoResponse, routing::get};
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// Labels of a metric about one origin chain.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OriginLabels {
    /// The origin chain id.
    pub origin: u64,
}

/// Labels of a metric about one destination chain.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DestinationLabels {
    /// The destination chain id.
    pub destination: u64,
}

/// Labels of a metric about one chain, whatever its role.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChainLabels {
    /// The chain id.
    pub chain: u64,
}

/// Labels of a metric about one route.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The origin chain id.
    pub origin: u64,
    /// The destination chain id.
    pub destination: u64,
}

/// What the validators of a process report.
#[derive(Debug, Clone, Default)]
pub struct ValidatorMetrics {
    /// Checkpoints signed and published.
    pub checkpoints_signed_total: Family<OriginLabels, Counter>,
    /// The highest index signed.
    pub signed_index: Family<OriginLabels, Gauge>,
    /// 1 when signing for the origin is halted (page on this).
    pub halted: Family<OriginLabels, Gauge>,
    /// Ticks that failed (RPC errors and worse).
    pub tick_errors_total: Family<OriginLabels, Counter>,
}

/// What the relayer of a process reports.
#[derive(Debug, Clone)]
pub struct RelayerMetrics {
    /// Final dispatches indexed.
    pub messages_indexed_total: Family<OriginLabels, Counter>,
    /// Messages waiting to be delivered (queued or submitted), per destination.
    pub queue_length: Family<DestinationLabels, Gauge>,
    /// Messages delivered.
    pub messages_delivered_total: Family<RouteLabels, Counter>,
    /// Deliveries whose recipient reverted (to be retried).
    pub messages_failed_total: Family<RouteLabels, Counter>,
    /// Delivery transactions sent.
    pub transactions_sent_total: Family<DestinationLabels, Counter>,
    /// Time from the origin block's finality being seen to the delivery being confirmed.
    pub delivery_latency_seconds: Family<RouteLabels, Histogram>,
    /// Ticks that failed.
    pub tick_errors_total: Family<DestinationLabels, Counter>,
    /// 1 when an indexed block was reorged away (a reorg past finality; page on this).
    pub reorg_past_finality_total: Family<OriginLabels, Counter>,
}

impl Default for RelayerMetrics {
    fn default() -> Self {
        Self {
            messages_indexed_total: Family::default(),
            queue_length: Family::default(),
            messages_delivered_total: Family::default(),
            messages_failed_total: Family::default(),
            transactions_sent_total: Family::default(),
            delivery_latency_seconds: Family::new_with_constructor(|| {
                Histogram::new([
                    0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 300.0,
                ])
            }),
            tick_errors_total: Family::default(),
            reorg_past_finality_total: Family::default(),
        }
    }
}

/// The watcher's metrics. `false_claims_total` and `endpoint_disagreements_total` are what an
/// operator pages on.
#[derive(Debug, Clone, Default)]
pub struct WatcherMetrics {
    /// Claims the origin contradicts.
    pub false_claims_total: Family<RouteLabels, Counter>,
    /// Claims on which the origin's endpoints disagree.
    pub endpoint_disagreements_total: Family<RouteLabels, Counter>,
    /// Vetoes sent.
    pub vetoes_total: Family<RouteLabels, Counter>,
    /// Fraud proofs that slashed a proposer on the origin.
    pub fraud_proofs_total: Family<RouteLabels, Counter>,
    /// Claims checked and found true.
    pub claims_verified_total: Family<RouteLabels, Counter>,
    /// Validators seen signing two checkpoints for one index (page).
    pub equivocations_total: Family<OriginLabels, Counter>,
    /// Configuration changes a watched timelock scheduled (alert: a change is coming).
    pub changes_scheduled_total: Family<ChainLabels, Counter>,
    /// Changes a watched timelock scheduled that have neither run nor been cancelled.
    pub changes_pending: Family<ChainLabels, Gauge>,
}

/// All metrics of a process, registered once.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// The validators' metrics.
    pub validator: ValidatorMetrics,
    /// The relayer's metrics.
    pub relayer: RelayerMetrics,
    /// The watcher's metrics.
    pub watcher: WatcherMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Creates and registers every family under the `courier_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("courier");
        let validator = ValidatorMetrics::default();
        let relayer = RelayerMetrics::default();
        let v = registry.sub_registry_with_prefix("validator");
        v.register(
            "checkpoints_signed",
            "Checkpoints signed and published",
            validator.checkpoints_signed_total.clone(),
        );
        v.register(
            "signed_index",
            "Highest checkpoint index signed",
            validator.signed_index.clone(),
        );
        v.register(
            "halted",
            "1 when signing for the origin is halted",
            validator.halted.clone(),
        );
        v.register(
            "tick_errors",
            "Validator ticks that failed",
            validator.tick_errors_total.clone(),
        );
        let r = registry.sub_registry_with_prefix("relayer");
        r.register(
            "messages_indexed",
            "Final dispatches indexed",
            relayer.messages_indexed_total.clone(),
        );
        r.register(
            "queue_length",
            "Messages waiting for delivery",
            relayer.queue_length.clone(),
        );
        r.register(
            "messages_delivered",
            "Messages delivered",
            relayer.messages_delivered_total.clone(),
        );
        r.register(
            "messages_failed",
            "Deliveries whose recipient reverted",
            relayer.messages_failed_total.clone(),
        );
        r.register(
            "transactions_sent",
            "Delivery transactions sent",
            relayer.transactions_sent_total.clone(),
        );
        r.register(
            "delivery_latency_seconds",
            "Seconds from origin finality seen to delivery confirmed",
            relayer.delivery_latency_seconds.clone(),
        );
        r.register(
            "tick_errors",
            "Relayer ticks that failed",
            relayer.tick_errors_total.clone(),
        );
        r.register(
            "reorg_past_finality",
            "Indexed blocks reorged away",
            relayer.reorg_past_finality_total.clone(),
        );
        let watcher = WatcherMetrics::default();
        let w = registry.sub_registry_with_prefix("watcher");
        w.register(
            "false_claims",
            "Optimistic claims the origin contradicts (page)",
            watcher.false_claims_total.clone(),
        );
        w.register(
            "endpoint_disagreements",
            "Claims on which the origin's endpoints disagree (page)",
            watcher.endpoint_disagreements_total.clone(),
        );
        w.register("vetoes", "Vetoes sent", watcher.vetoes_total.clone());
        w.register(
            "fraud_proofs",
            "False claims proven on the origin",
            watcher.fraud_proofs_total.clone(),
        );
        w.register(
            "equivocations",
            "Validators seen signing two checkpoints for one index (page)",
            watcher.equivocations_total.clone(),
        );
        w.register(
            "changes_scheduled",
            "Configuration changes a watched timelock scheduled (alert: a change is coming)",
            watcher.changes_scheduled_total.clone(),
        );
        w.register(
            "changes_pending",
            "Scheduled configuration changes that have neither run nor been cancelled",
            watcher.changes_pending.clone(),
        );
        w.register(
            "claims_verified",
            "Claims checked and found true",
            watcher.claims_verified_total.clone(),
        );
        Self {
            registry: Arc::new(registry),
            validator,
            relayer,
            watcher,
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    /// Serves `/metrics` on `addr` until `shutdown` is cancelled; returns the bound address
    /// (useful with port 0).
    pub async fn serve(
        &self,
        addr: SocketAddr,
        shutdown: CancellationToken,
    ) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let metrics = self.clone();
        let app = Router::new().route(
            "/metrics",
            get(move || {
                let metrics = metrics.clone();
                async move {
                    (
                        [(
                            header::CONTENT_TYPE,
                            "text/plain; version=0.0.4; charset=utf-8",
                        )],
                        metrics.render(),
                    )
                        .into_response()
                }
            }),
        );
        tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move { shutdown.cancelled().await })
                .await;
            if let Err(e) = served {
                warn!(error = %e, "metrics endpoint stopped");
            }
        });
        info!(%bound, "metrics endpoint listening on /metrics");
        Ok(bound)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn serves_what_the_agents_record() {
        let metrics = Metrics::new();
        metrics
            .relayer
            .messages_delivered_total
            .get_or_create(&RouteLabels {
                origin: 1,
                destination: 56,
            })
            .inc_by(3);
        metrics
            .validator
            .halted
            .get_or_create(&OriginLabels { origin: 1 })
            .set(1);
        metrics
            .relayer
            .delivery_latency_seconds
            .get_or_create(&RouteLabels {
                origin: 1,
                destination: 56,
            })
            .observe(0.7);
        let token = CancellationToken::new();
        let addr = metrics
            .serve("127.0.0.1:0".parse().unwrap(), token.clone())
            .await
            .unwrap();
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut body = String::new();
        stream.read_to_string(&mut body).await.unwrap();
        token.cancel();
        assert!(body.starts_with("HTTP/1.1 200"), "{body}");
        assert!(
            body.contains(
                "courier_relayer_messages_delivered_total{origin=\"1\",destination=\"56\"} 3"
            ),
            "{body}"
        );
        assert!(
            body.contains("courier_validator_halted{origin=\"1\"} 1"),
            "{body}"
        );
        assert!(body.contains("courier_relayer_delivery_latency_seconds_bucket{le=\"1.0\",origin=\"1\",destination=\"56\"} 1"), "{body}");
    }
}

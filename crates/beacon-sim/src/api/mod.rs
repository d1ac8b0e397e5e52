//! The beacon API a light client needs, over HTTP (axum), in the beacon-APIs JSON format:
//!
//! | route | serves |
//! |---|---|
//! | `GET /eth/v1/beacon/genesis` | genesis time (anvil's block 0 timestamp), genesis validators root, genesis fork version |
//! | `GET /eth/v1/config/spec` | preset sizes and the fork schedule (what `ChainConfig::from_spec_config_yaml` reads) |
//! | `GET /eth/v1/beacon/headers/{block_id}` | a beacon header: `head`, `finalized`, `genesis`, a slot or a `0x` block root — `finalized` gives the trusted root to bootstrap from |
//! | `GET /eth/v1/beacon/light_client/bootstrap/{block_root}` | `LightClientBootstrap` |
//! | `GET /eth/v1/beacon/light_client/updates?start_period=&count=` | `LightClientUpdate`s, one per period, at most 128 |
//! | `GET /eth/v1/beacon/light_client/finality_update` | the newest `LightClientFinalityUpdate` |
//! | `GET /eth/v1/beacon/light_client/optimistic_update` | the newest `LightClientOptimisticUpdate` |
//!
//! Errors are `{"code": <status>, "message": "..."}`: 404 for data not (yet) there, 400 for bad
//! parameters, 500 otherwise. Versioned responses also carry the `Eth-Consensus-Version` header.

pub mod json;

use std::sync::Arc;

use alloy_primitives::B256;
use axum::{
    Router,
    extract::{Path, State},
    http::{StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::get,
};
use courier_lightclient::{Fork, LightClientUpdate, config::FAR_FUTURE_EPOCH};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{
    config::CONFIG_NAME, error::Error, keys::INFINITY_SIGNATURE, sim::Shared, updates::UpdateKind,
};

/// `MAX_REQUEST_LIGHT_CLIENT_UPDATES`: the most updates one `updates` request returns.
pub const MAX_REQUEST_LIGHT_CLIENT_UPDATES: u64 = 128;

/// Serves the API on `listener` until `cancel` fires.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, cancel: CancellationToken) {
    let addr = listener.local_addr().ok();
    let result = axum::serve(listener, router(shared))
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await;
    if let Err(error) = result {
        tracing::error!(%error, ?addr, "beacon simulator API stopped");
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/eth/v1/beacon/genesis", get(genesis))
        .route("/eth/v1/config/spec", get(spec))
        .route("/eth/v1/beacon/headers/{block_id}", get(headers))
        .route(
            "/eth/v1/beacon/light_client/bootstrap/{block_root}",
            get(bootstrap),
        )
        .route("/eth/v1/beacon/light_client/updates", get(updates))
        .route(
            "/eth/v1/beacon/light_client/finality_update",
            get(finality_update),
        )
        .route(
            "/eth/v1/beacon/light_client/optimistic_update",
            get(optimistic_update),
        )
        .fallback(|uri: Uri| async move {
            ApiError(StatusCode::NOT_FOUND, format!("no route {}", uri.path()))
        })
        .with_state(shared)
}

/// An error response.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "code": self.0.as_u16(), "message": self.1 });
        (
            self.0,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        let status = match error {
            Error::NotAvailable { .. } => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self(status, error.to_string())
    }
}

fn bad_request(message: String) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, message)
}

type ApiResult = Result<Response, ApiError>;

/// A 200 JSON response, with `Eth-Consensus-Version` when it is versioned.
fn ok(body: Value, fork: Option<Fork>) -> ApiResult {
    let mut response = (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if let Some(fork) = fork {
        response.headers_mut().insert(
            "eth-consensus-version",
            header::HeaderValue::from_static(fork.name()),
        );
    }
    Ok(response)
}

async fn genesis(State(shared): State<Arc<Shared>>) -> ApiResult {
    let genesis_time = shared
        .read_chain(|c| c.block(0).map(|b| b.header.execution.timestamp))
        .ok_or_else(|| Error::not_available("genesis", "anvil's block 0 not read yet"))?;
    ok(
        json!({ "data": {
            "genesis_time": genesis_time.to_string(),
            "genesis_validators_root": json::hex_bytes(shared.config.genesis_validators_root),
            "genesis_fork_version": json::hex_bytes(shared.config.genesis_fork_version),
        }}),
        None,
    )
}

async fn spec(State(shared): State<Arc<Shared>>) -> ApiResult {
    let config = &shared.config;
    let preset = &config.preset;
    let mut data = serde_json::Map::new();
    let mut put = |key: &str, value: String| {
        data.insert(key.to_owned(), Value::String(value));
    };
    put("CONFIG_NAME", CONFIG_NAME.to_owned());
    put("PRESET_BASE", preset.name.to_owned());
    put("SLOTS_PER_EPOCH", preset.slots_per_epoch.to_string());
    put(
        "EPOCHS_PER_SYNC_COMMITTEE_PERIOD",
        preset.epochs_per_sync_committee_period.to_string(),
    );
    put(
        "SYNC_COMMITTEE_SIZE",
        preset.sync_committee_size.to_string(),
    );
    put(
        "GENESIS_FORK_VERSION",
        json::hex_bytes(config.genesis_fork_version),
    );
    for fork in &Fork::ALL[1..] {
        let point = config.fork_point(*fork);
        let name = fork.name().to_ascii_uppercase();
        put(
            &format!("{name}_FORK_VERSION"),
            json::hex_bytes(point.version),
        );
        let epoch = if point.is_scheduled() {
            point.epoch
        } else {
            FAR_FUTURE_EPOCH
        };
        put(&format!("{name}_FORK_EPOCH"), epoch.to_string());
    }
    ok(json!({ "data": data }), None)
}

async fn headers(State(shared): State<Arc<Shared>>, Path(block_id): Path<String>) -> ApiResult {
    let found = shared.read_chain(|chain| {
        let head = chain.head()?;
        let block = match block_id.as_str() {
            "head" => Some(head),
            "finalized" | "justified" => chain.block(head.finalized_slot),
            "genesis" => chain.block(0),
            id if id.starts_with("0x") => id.parse::<B256>().ok().and_then(|r| chain.by_root(&r)),
            id => id.parse::<u64>().ok().and_then(|slot| chain.block(slot)),
        }?;
        Some((block.clone(), block.slot() <= head.finalized_slot))
    });
    let Some((block, finalized)) = found else {
        if !matches!(
            block_id.as_str(),
            "head" | "finalized" | "justified" | "genesis"
        ) && block_id.parse::<u64>().is_err()
            && block_id.parse::<B256>().is_err()
        {
            return Err(bad_request(format!(
                "block id {block_id:?}: expected head, finalized, genesis, a slot or a 0x root"
            )));
        }
        return Err(
            Error::not_available(format!("header {block_id}"), "no such simulated block").into(),
        );
    };
    ok(
        json!({
            "execution_optimistic": false,
            "finalized": finalized,
            "data": {
                "root": json::hex_bytes(block.root),
                "canonical": true,
                "header": {
                    "message": json::beacon_header(&block.header.beacon),
                    // No proposer signs simulated blocks.
                    "signature": json::hex_bytes(INFINITY_SIGNATURE),
                },
            },
        }),
        None,
    )
}

async fn bootstrap(State(shared): State<Arc<Shared>>, Path(block_root): Path<String>) -> ApiResult {
    let root: B256 = block_root.parse().map_err(|_| {
        bad_request(format!(
            "block root {block_root:?} is not 32 bytes of 0x hex"
        ))
    })?;
    let bootstrap = shared.with_updates(|u| u.bootstrap(&root))?;
    let fork = shared.config.fork_at_slot(bootstrap.header.beacon.slot);
    ok(
        json::versioned(fork, json::bootstrap(&bootstrap)),
        Some(fork),
    )
}

/// Applies the served forgery, if any.
fn served(shared: &Shared, update: LightClientUpdate) -> Result<LightClientUpdate, Error> {
    match shared.forgery() {
        Some(forgery) => forgery.apply(&update, &shared.committees, &shared.config),
        None => Ok(update),
    }
}

fn query_u64(uri: &Uri, name: &str) -> Result<u64, ApiError> {
    let value = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .ok_or_else(|| bad_request(format!("query parameter {name} is missing")))?;
    value
        .parse()
        .map_err(|_| bad_request(format!("query parameter {name}={value:?} is not a u64")))
}

async fn updates(State(shared): State<Arc<Shared>>, uri: Uri) -> ApiResult {
    let start_period = query_u64(&uri, "start_period")?;
    let count = query_u64(&uri, "count")?.min(MAX_REQUEST_LIGHT_CLIENT_UPDATES);
    let mut list = Vec::new();
    for period in start_period..start_period.saturating_add(count) {
        match shared.with_updates(|u| u.period_update(period)) {
            Ok(update) => {
                let update = served(&shared, update)?;
                let fork = shared
                    .config
                    .fork_at_slot(update.attested_header.beacon.slot);
                list.push(json::versioned(
                    fork,
                    json::update(&update, UpdateKind::Full),
                ));
            }
            // The list ends at the first period without an update.
            Err(Error::NotAvailable { .. }) => break,
            Err(error) => return Err(error.into()),
        }
    }
    ok(Value::Array(list), None)
}

fn latest(shared: &Shared, kind: UpdateKind) -> ApiResult {
    let update = served(shared, shared.with_updates(|u| u.latest(kind))?)?;
    let fork = shared
        .config
        .fork_at_slot(update.attested_header.beacon.slot);
    ok(
        json::versioned(fork, json::update(&update, kind)),
        Some(fork),
    )
}

async fn finality_update(State(shared): State<Arc<Shared>>) -> ApiResult {
    latest(&shared, UpdateKind::Finality)
}

async fn optimistic_update(State(shared): State<Arc<Shared>>) -> ApiResult {
    latest(&shared, UpdateKind::Optimistic)
}

//! [`BeaconSim`]: a running simulator — the follower of one anvil chain and the beacon API
//! server over it — and the state they share.

use std::{
    net::{Ipv4Addr, SocketAddr},
    sync::{Arc, Mutex, PoisonError, RwLock},
    time::Duration,
};

use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy_primitives::B256;
use courier_lightclient::{ChainConfig, LightClientBootstrap, LightClientUpdate};
use tokio::{sync::watch, task::JoinHandle};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::{
    api,
    chain::{Chain, SimBlock},
    config::{Participation, SimConfig, chain_config},
    error::{Error, Result},
    follow,
    forge::Forgery,
    keys::Committees,
    updates::{UpdateKind, Updates},
};

/// What the follower, the server and the handle share.
pub(crate) struct Shared {
    pub(crate) rpc_url: String,
    pub(crate) provider: DynProvider,
    pub(crate) config: ChainConfig,
    pub(crate) committees: Committees,
    chain: RwLock<Chain>,
    participation: RwLock<Participation>,
    forgery: RwLock<Option<Forgery>>,
    /// The simulated head slot, for waiting on it.
    pub(crate) head: watch::Sender<Option<u64>>,
    last_error: Mutex<Option<String>>,
    pub(crate) sync_lock: tokio::sync::Mutex<()>,
}

impl Shared {
    pub(crate) fn read_chain<R>(&self, f: impl FnOnce(&Chain) -> R) -> R {
        f(&self.chain.read().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn write_chain<R>(&self, f: impl FnOnce(&mut Chain) -> R) -> R {
        f(&mut self.chain.write().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn truncate(&self, slot: u64) {
        let head = self.write_chain(|chain| {
            chain.truncate(slot);
            chain.head_slot()
        });
        self.head.send_replace(head);
    }

    /// Records the follower's latest error (`None`: it caught up); returns the one before.
    pub(crate) fn set_last_error(&self, error: Option<String>) -> Option<String> {
        std::mem::replace(
            &mut *self
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
            error,
        )
    }

    fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The served forgery, if any.
    pub(crate) fn forgery(&self) -> Option<Forgery> {
        *self.forgery.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` over one consistent view of the chain with the current participation.
    pub(crate) fn with_updates<R>(&self, f: impl FnOnce(&Updates<'_>) -> Result<R>) -> Result<R> {
        let bits = self
            .participation
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .bits(self.config.preset.sync_committee_size)?;
        self.read_chain(|chain| {
            f(&Updates {
                chain,
                committees: &self.committees,
                config: &self.config,
                bits: &bits,
            })
        })
    }
}

/// A running beacon-chain simulator over one anvil chain. Dropping it (or [`BeaconSim::stop`])
/// stops the follower and the HTTP server.
pub struct BeaconSim {
    shared: Arc<Shared>,
    addr: SocketAddr,
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for BeaconSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BeaconSim")
            .field("rpc_url", &self.shared.rpc_url)
            .field("addr", &self.addr)
            .field("preset", &self.shared.config.preset.name)
            .field("seed", &self.shared.committees.seed())
            .finish_non_exhaustive()
    }
}

impl BeaconSim {
    /// Starts simulating the beacon chain of the execution node at `rpc_url`: reads its chain id
    /// and every block up to its head, then serves the beacon API on 127.0.0.1 (`config.port`, or
    /// a free port) and follows the head every `config.poll_interval`.
    pub async fn start(rpc_url: &str, config: SimConfig) -> Result<Self> {
        if config.finality_depth == 0 {
            return Err(Error::InvalidConfig {
                field: "finality_depth",
                reason: "0: a block cannot name itself as finalized (its root \
                         depends on its state); use 1 or more"
                    .to_owned(),
            });
        }
        config
            .participation
            .bits(config.preset.sync_committee_size)?;
        let url = Url::parse(rpc_url).map_err(|e| Error::InvalidUrl {
            url: rpc_url.to_owned(),
            reason: e.to_string(),
        })?;
        let provider = ProviderBuilder::new().connect_http(url).erased();
        let chain_id = provider
            .get_chain_id()
            .await
            .map_err(|e| Error::rpc(rpc_url, "eth_chainId", e))?;
        let shared = Arc::new(Shared {
            rpc_url: rpc_url.to_owned(),
            provider,
            config: chain_config(config.preset, config.seed, chain_id),
            committees: Committees::new(config.seed, config.preset),
            chain: RwLock::new(Chain::new(config.preset, config.finality_depth)),
            participation: RwLock::new(config.participation.clone()),
            forgery: RwLock::new(None),
            head: watch::Sender::new(None),
            last_error: Mutex::new(None),
            sync_lock: tokio::sync::Mutex::new(()),
        });
        follow::sync(&shared).await?;

        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, config.port.unwrap_or(0)));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr, source })?;
        let cancel = CancellationToken::new();
        let server = tokio::spawn(api::serve(listener, shared.clone(), cancel.clone()));
        let follower = tokio::spawn(follow::run(
            shared.clone(),
            config.poll_interval,
            cancel.clone(),
        ));
        tracing::info!(
            %addr,
            rpc_url,
            chain_id,
            preset = config.preset.name,
            seed = config.seed,
            finality_depth = config.finality_depth,
            "beacon simulator serving"
        );
        Ok(Self {
            shared,
            addr,
            cancel,
            tasks: vec![server, follower],
        })
    }

    /// The beacon API's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The beacon API's base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The execution node followed.
    pub fn rpc_url(&self) -> &str {
        &self.shared.rpc_url
    }

    /// The chain config a light client verifies this chain with.
    pub fn chain_config(&self) -> &ChainConfig {
        &self.shared.config
    }

    /// The simulated head slot (`None` before genesis was read).
    pub fn head_slot(&self) -> Option<u64> {
        *self.shared.head.borrow()
    }

    /// The simulated block of `slot`.
    pub fn block(&self, slot: u64) -> Option<SimBlock> {
        self.shared.read_chain(|c| c.block(slot).cloned())
    }

    /// The newest simulated block.
    pub fn head_block(&self) -> Option<SimBlock> {
        self.shared.read_chain(|c| c.head().cloned())
    }

    /// The block the head's state names as finalized (`finality_depth` below the head; genesis
    /// while the chain is shorter).
    pub fn finalized_block(&self) -> Option<SimBlock> {
        self.shared
            .read_chain(|c| c.head().and_then(|h| c.block(h.finalized_slot)).cloned())
    }

    /// Follows the execution chain now rather than at the next poll.
    pub async fn sync_now(&self) -> Result<()> {
        follow::sync(&self.shared).await
    }

    /// Waits until the simulated head reaches `slot` (polling continues meanwhile).
    pub async fn wait_for_slot(&self, slot: u64, timeout: Duration) -> Result<()> {
        let mut head = self.shared.head.subscribe();
        let reached = tokio::time::timeout(
            timeout,
            head.wait_for(|head| head.is_some_and(|h| h >= slot)),
        )
        .await;
        match reached {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) => Err(Error::Stopped),
            Err(_) => Err(Error::Timeout {
                slot,
                head: self.head_slot(),
                waited: timeout,
                last_error: self.shared.last_error(),
            }),
        }
    }

    /// Changes who signs from now on.
    pub fn set_participation(&self, participation: Participation) -> Result<()> {
        participation.bits(self.shared.config.preset.sync_committee_size)?;
        *self
            .shared
            .participation
            .write()
            .unwrap_or_else(PoisonError::into_inner) = participation;
        Ok(())
    }

    /// Makes the HTTP API serve every update (`updates`, `finality_update`, `optimistic_update`)
    /// forged this way, or honest again with `None`. Bootstraps and headers stay honest.
    pub fn set_forgery(&self, forgery: Option<Forgery>) {
        *self
            .shared
            .forgery
            .write()
            .unwrap_or_else(PoisonError::into_inner) = forgery;
    }

    /// The bootstrap for the block whose root is `block_root`.
    pub fn bootstrap(&self, block_root: &B256) -> Result<LightClientBootstrap> {
        self.shared.with_updates(|u| u.bootstrap(block_root))
    }

    /// The update of sync-committee `period` (see [`Updates::period_update`]).
    pub fn period_update(&self, period: u64) -> Result<LightClientUpdate> {
        self.shared.with_updates(|u| u.period_update(period))
    }

    /// The newest finality update (fields of `LightClientFinalityUpdate`; the others empty).
    pub fn finality_update(&self) -> Result<LightClientUpdate> {
        self.shared.with_updates(|u| u.latest(UpdateKind::Finality))
    }

    /// The newest optimistic update (fields of `LightClientOptimisticUpdate`; the others empty).
    pub fn optimistic_update(&self) -> Result<LightClientUpdate> {
        self.shared
            .with_updates(|u| u.latest(UpdateKind::Optimistic))
    }

    /// `update` (an honest update of this chain) forged as `forgery` says.
    pub fn forge(
        &self,
        update: &LightClientUpdate,
        forgery: &Forgery,
    ) -> Result<LightClientUpdate> {
        forgery.apply(update, &self.shared.committees, &self.shared.config)
    }

    /// Stops the follower and the server and waits for both to end.
    pub async fn stop(mut self) {
        self.cancel.cancel();
        for task in std::mem::take(&mut self.tasks) {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for BeaconSim {
    fn drop(&mut self) {
        self.cancel.cancel();
        for task in &self.tasks {
            task.abort();
        }
    }
}

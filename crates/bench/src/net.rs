//! A devnet to measure on: two chains (`alpha`, the origin, and `beta`, the destination) with the
//! same block time and finality depth, a 3-of-5 committee and one relayer run in-process exactly as
//! `courier devnet` runs them (only the relayer's batch size differs), a [`HeadWatcher`] on both
//! chains, and a sender of HelloApp greetings that signs locally and only waits for the node to
//! accept each transaction.
//!
//! Everything a [`BenchNet`] starts stops when it is dropped, on every path: the agents' tasks
//! are aborted, the watcher's thread is joined, the anvil processes are killed and reaped, the data
//! directory is removed. [`BenchNet::stop`] does the same politely (agents drained first).

use std::{
    collections::HashMap,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use alloy::{
    eips::BlockId,
    network::{Ethereum, EthereumWallet, NetworkWallet, TransactionBuilder},
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, TransactionRequest},
    sol_types::{SolCall, SolEvent},
};
use courier_bindings::{HelloApp, Mailbox};
use courier_cli::{
    agents::{Agents, AgentsConfig},
    cmd::devnet::agents_config,
};
use courier_core::{Message, message::address_to_bytes32};
use courier_devnet::{ChainSpec, Devnet, DevnetChain, DevnetSpec, keys};
use courier_store::{MessageState, Store};
use eyre::WrapErr;
use url::Url;

use crate::watcher::{HeadWatcher, Timeline};

/// The origin chain's name.
pub const ORIGIN: &str = "alpha";
/// The destination chain's name.
pub const DESTINATION: &str = "beta";

/// Fee cap of the greetings: far above anything a devnet's base fee reaches in a benchmark (it
/// starts at 1 gwei and grows by at most 12.5 % per full block).
const GREETING_MAX_FEE: u128 = 100_000_000_000;
const GREETING_PRIORITY_FEE: u128 = 1_000_000_000;
/// Gas on top of the estimate of the first greeting: a dispatch costs more when its tree insert
/// climbs more levels (one more storage read and hash per level) or writes a branch slot for the
/// first time (20,000), which a burst of a thousand does at up to ten levels.
const GREETING_GAS_MARGIN: u64 = 60_000;

/// What to start.
#[derive(Debug, Clone)]
pub struct NetSpec {
    /// Names this run in logs (`courier`, `baseline`).
    pub label: String,
    /// Most messages per delivery transaction (`courier devnet` uses 100).
    pub batch_max: usize,
    /// Chain id of the origin; the destination gets the next one.
    pub first_chain_id: u64,
    /// Block time of both chains.
    pub block_time: Duration,
    /// Finality depth of both chains.
    pub finality_depth: u64,
}

impl NetSpec {
    /// The benchmark's devnet: 1 s blocks, final 2 blocks deep, with the relayer batching up to
    /// `batch_max` messages.
    pub fn new(label: &str, batch_max: usize, first_chain_id: u64) -> Self {
        Self {
            label: label.to_owned(),
            batch_max,
            first_chain_id,
            block_time: Duration::from_secs(1),
            finality_depth: 2,
        }
    }
}

/// Where the chains were before a measurement, to tell its messages from earlier ones.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    /// The origin's head.
    pub origin_block: u64,
    /// The destination's head.
    pub destination_block: u64,
    /// Greetings the destination's HelloApp had received.
    pub received: U256,
}

/// A message of one measurement, dispatched and delivered.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// The message id.
    pub id: B256,
    /// Its nonce on the origin.
    pub nonce: u32,
    /// The origin block holding its `Dispatch`.
    pub origin_block: u64,
    /// When the origin block became final: when block `origin_block + depth` was first seen.
    pub final_at: Instant,
    /// The destination block holding its `Process`.
    pub destination_block: u64,
    /// When that block was first seen.
    pub delivered_at: Instant,
    /// The delivery transaction.
    pub tx: B256,
}

/// When the agents reached a message, from their own records (unix milliseconds).
#[derive(Debug, Clone, Copy, Default)]
pub struct AgentTimes {
    /// The relayer's indexer recorded it as final.
    pub indexed_ms: Option<u64>,
    /// The `threshold`-th validator recorded a signature over its index.
    pub quorum_ms: Option<u64>,
    /// The relayer recorded the first transaction carrying it (just before broadcasting it).
    pub submitted_ms: Option<u64>,
}

/// Delivery gas and block gas of some destination blocks.
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockGas {
    /// How many blocks.
    pub blocks: usize,
    /// The sum of their gas limits.
    pub gas_limit: u64,
    /// Transactions the relayer sent in them.
    pub relayer_transactions: usize,
    /// Gas those transactions used.
    pub relayer_gas_used: u64,
}

/// A running benchmark devnet; see the module documentation.
pub struct BenchNet {
    // Fields drop in this order: agents, watcher, chains, data directory.
    agents: Option<Agents>,
    watcher: HeadWatcher,
    devnet: Option<Devnet>,
    config: AgentsConfig,
    greeter: Greeter,
    spec: NetSpec,
    clock: Clock,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for BenchNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BenchNet")
            .field("spec", &self.spec)
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl BenchNet {
    /// Starts the chains, the watcher and every agent.
    pub async fn start(spec: NetSpec) -> eyre::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("courier-bench-")
            .tempdir()
            .wrap_err("creating a data directory")?;
        let devnet_spec = DevnetSpec {
            chains: vec![
                ChainSpec::new(
                    ORIGIN,
                    spec.first_chain_id,
                    spec.block_time,
                    spec.finality_depth,
                ),
                ChainSpec::new(
                    DESTINATION,
                    spec.first_chain_id + 1,
                    spec.block_time,
                    spec.finality_depth,
                ),
            ],
            validators: 5,
            threshold: 3,
            // The committee's figures: no light-client route.
            light_client_origin: None,
            optimistic_origin: None,
        };
        let devnet = Devnet::start(devnet_spec, dir.path(), |_| {})
            .await
            .wrap_err("starting the devnet")?;
        // From here on, an error drops `devnet`, which kills its chains.
        let mut config = agents_config(&devnet, dir.path())?;
        config.batch_max = spec.batch_max;
        let watched = devnet
            .chains
            .iter()
            .map(|c| Ok((c.name().to_owned(), Url::parse(c.anvil.rpc_url())?)))
            .collect::<eyre::Result<Vec<_>>>()?;
        let watcher = HeadWatcher::start(&watched).await?;
        let origin = chain(&devnet, ORIGIN)?;
        let destination = chain(&devnet, DESTINATION)?;
        let greeter = Greeter::new(origin, destination.domain()).await?;
        let agents = Agents::start(&config).await?;
        Ok(Self {
            agents: Some(agents),
            watcher,
            devnet: Some(devnet),
            config,
            greeter,
            spec,
            clock: Clock::now(),
            dir,
        })
    }

    /// Drains the agents, then stops the chains.
    pub async fn stop(mut self) {
        if let Some(agents) = self.agents.take() {
            agents.shutdown(Duration::from_secs(5)).await;
        }
        if let Some(devnet) = self.devnet.take() {
            devnet.stop().await;
        }
    }

    /// What this devnet was started as.
    pub fn spec(&self) -> &NetSpec {
        &self.spec
    }

    fn devnet(&self) -> eyre::Result<&Devnet> {
        self.devnet
            .as_ref()
            .ok_or_else(|| eyre::eyre!("the devnet is stopped"))
    }

    /// The origin chain.
    pub fn origin(&self) -> eyre::Result<&DevnetChain> {
        chain(self.devnet()?, ORIGIN)
    }

    /// The destination chain.
    pub fn destination(&self) -> eyre::Result<&DevnetChain> {
        chain(self.devnet()?, DESTINATION)
    }

    /// When each origin block was first seen.
    pub fn origin_timeline(&self) -> eyre::Result<Timeline> {
        self.watcher.timeline(ORIGIN)
    }

    /// When each destination block was first seen.
    pub fn destination_timeline(&self) -> eyre::Result<Timeline> {
        self.watcher.timeline(DESTINATION)
    }

    /// The longest gap between two polls of the watcher since the last
    /// [`reset_max_poll_gap`](Self::reset_max_poll_gap).
    pub fn max_poll_gap(&self) -> Duration {
        self.watcher.max_poll_gap()
    }

    /// Starts measuring the watcher's longest gap between polls afresh.
    pub fn reset_max_poll_gap(&self) {
        self.watcher.reset_max_poll_gap();
    }

    /// Greetings the destination's HelloApp has received.
    pub async fn received(&self) -> eyre::Result<U256> {
        let destination = self.destination()?;
        HelloApp::new(
            destination.deployment.hello_app,
            destination.anvil.provider(),
        )
        .received()
        .call()
        .await
        .wrap_err("reading HelloApp.received on the destination")
    }

    /// Where the chains are now.
    pub async fn mark(&self) -> eyre::Result<Mark> {
        Ok(Mark {
            origin_block: self.origin()?.anvil.block_number().await?,
            destination_block: self.destination()?.anvil.block_number().await?,
            received: self.received().await?,
        })
    }

    /// Sends one greeting from the origin to the destination; returns once the origin's node
    /// accepted it (not mined yet).
    pub async fn send_greeting(&mut self) -> eyre::Result<B256> {
        self.greeter.send().await
    }

    /// Waits until the destination received `count` greetings since `mark`; fails on timeout or
    /// when it received more.
    pub async fn wait_received(
        &self,
        mark: &Mark,
        count: usize,
        timeout: Duration,
    ) -> eyre::Result<()> {
        let started = Instant::now();
        let expected = mark.received + U256::from(count);
        loop {
            let now = self.received().await?;
            if now == expected {
                return Ok(());
            }
            eyre::ensure!(
                now < expected,
                "the destination received {} greetings, more than the {count} sent",
                now - mark.received
            );
            eyre::ensure!(
                started.elapsed() < timeout,
                "{}: {} of {count} greetings delivered within {timeout:?}",
                self.spec.label,
                now - mark.received
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Restarts the destination's block timer `offset` after the origin's next block, so that
    /// its blocks follow the origin's by `offset` (modulo the block time) from then on.
    pub async fn align_destination(&self, offset: Duration) -> eyre::Result<()> {
        let origin = self.origin_timeline()?;
        let head = origin
            .head()
            .ok_or_else(|| eyre::eyre!("the watcher has not seen the origin yet"))?;
        let block = origin.wait_for(head + 1, self.spec.block_time * 5).await?;
        tokio::time::sleep_until((block + offset).into()).await;
        self.destination()?
            .anvil
            .set_block_time(self.spec.block_time)
            .await
            .wrap_err("restarting the destination's block timer")?;
        Ok(())
    }

    /// The messages dispatched to the destination and delivered since `mark`, with when their
    /// origin block became final and when their delivery block was first seen. Fails unless
    /// exactly `count` messages were dispatched and each of them was delivered exactly once.
    pub async fn delivered_since(&self, mark: &Mark, count: usize) -> eyre::Result<Vec<Delivered>> {
        let origin = self.origin()?;
        let destination = self.destination()?;
        let origin_head = origin.anvil.block_number().await?;
        let destination_head = destination.anvil.block_number().await?;

        let dispatch_logs = origin
            .anvil
            .provider()
            .get_logs(
                &Filter::new()
                    .address(origin.deployment.mailbox)
                    .event_signature(Mailbox::Dispatch::SIGNATURE_HASH)
                    .from_block(mark.origin_block + 1)
                    .to_block(origin_head),
            )
            .await
            .wrap_err("reading Dispatch events on the origin")?;
        let mut dispatched = Vec::new();
        for log in dispatch_logs {
            let event = Mailbox::Dispatch::decode_log(&log.inner)
                .wrap_err("decoding a Dispatch event")?
                .data;
            if event.destination != destination.domain() {
                continue;
            }
            let message =
                Message::decode(&event.message).wrap_err("decoding a dispatched message")?;
            let block = log
                .block_number
                .ok_or_else(|| eyre::eyre!("a Dispatch log without a block number"))?;
            dispatched.push((event.id, message.nonce, block));
        }
        eyre::ensure!(
            dispatched.len() == count,
            "{} messages were dispatched on the origin since block {}, {count} were sent",
            dispatched.len(),
            mark.origin_block
        );

        let process_logs = destination
            .anvil
            .provider()
            .get_logs(
                &Filter::new()
                    .address(destination.deployment.mailbox)
                    .event_signature(Mailbox::Process::SIGNATURE_HASH)
                    .from_block(mark.destination_block + 1)
                    .to_block(destination_head),
            )
            .await
            .wrap_err("reading Process events on the destination")?;
        let mut processed = Vec::new();
        for log in process_logs {
            let event = Mailbox::Process::decode_log(&log.inner)
                .wrap_err("decoding a Process event")?
                .data;
            if event.origin != origin.domain() {
                continue;
            }
            let block = log
                .block_number
                .ok_or_else(|| eyre::eyre!("a Process log without a block number"))?;
            let tx = log
                .transaction_hash
                .ok_or_else(|| eyre::eyre!("a Process log without a transaction hash"))?;
            processed.push((event.id, block, tx));
        }

        let origin_times = self.origin_timeline()?;
        let destination_times = self.destination_timeline()?;
        let depth = self.spec.finality_depth;
        let pairs = pair_deliveries(dispatched, processed)?;
        // The node may answer with a block the watcher has not polled yet: wait for it to see the
        // newest block each side needs.
        let patience = self.spec.block_time * 5;
        if let Some(last) = pairs.iter().map(|((_, _, b), _)| b + depth).max() {
            origin_times.wait_for(last, patience).await?;
        }
        if let Some(last) = pairs.iter().map(|(_, (b, _))| *b).max() {
            destination_times.wait_for(last, patience).await?;
        }
        pairs
            .into_iter()
            .map(|((id, nonce, origin_block), (destination_block, tx))| {
                let final_at = origin_times
                    .first_seen(origin_block + depth)
                    .ok_or_else(|| {
                        eyre::eyre!("origin block {} was never seen", origin_block + depth)
                    })?;
                let delivered_at =
                    destination_times
                        .first_seen(destination_block)
                        .ok_or_else(|| {
                            eyre::eyre!("destination block {destination_block} was never seen")
                        })?;
                Ok(Delivered {
                    id,
                    nonce,
                    origin_block,
                    final_at,
                    destination_block,
                    delivered_at,
                    tx,
                })
            })
            .collect()
    }

    /// When the agents reached each message, from their databases.
    pub fn agent_times(&self, messages: &[Delivered]) -> eyre::Result<Vec<AgentTimes>> {
        let relayer =
            Store::open(self.config.relayer_db()).wrap_err("opening the relayer's database")?;
        let validators = self
            .config
            .validators
            .iter()
            .map(|key| {
                let address = courier_core::checkpoint::signer_address(key);
                let path = self
                    .config
                    .data_dir
                    .join(format!("validator-{address:#x}.db"));
                Store::open(&path).wrap_err_with(|| format!("opening {}", path.display()))
            })
            .collect::<eyre::Result<Vec<_>>>()?;
        let origin = self.origin()?;
        let mailbox = address_to_bytes32(origin.deployment.mailbox);
        let threshold = usize::from(self.devnet()?.threshold);
        messages
            .iter()
            .map(|m| {
                let history = relayer.history(m.id)?;
                let first = |state: MessageState| {
                    history.iter().find(|h| h.state == state).map(|h| h.at_ms)
                };
                let mut signed = Vec::new();
                for store in &validators {
                    if let Some(s) = store.signed(origin.domain(), mailbox, m.nonce)? {
                        signed.push(s.signed_at_ms);
                    }
                }
                signed.sort_unstable();
                Ok(AgentTimes {
                    indexed_ms: first(MessageState::Finalized),
                    quorum_ms: signed.get(threshold.saturating_sub(1)).copied(),
                    submitted_ms: first(MessageState::Submitted),
                })
            })
            .collect()
    }

    /// Milliseconds from `at` to the unix time `unix_ms` (negative when `unix_ms` is earlier).
    pub fn ms_from(&self, at: Instant, unix_ms: u64) -> f64 {
        self.clock.ms_from(at, unix_ms)
    }

    /// Gas limits of `blocks` of the destination, and the gas the relayer's transactions in them
    /// used.
    pub async fn destination_gas(&self, blocks: &[u64]) -> eyre::Result<BlockGas> {
        let destination = self.destination()?;
        let provider = destination.anvil.provider();
        let relayer = keys::relayer().address();
        let mut gas = BlockGas::default();
        for &number in blocks {
            let block = provider
                .get_block_by_number(number.into())
                .await
                .wrap_err_with(|| format!("reading destination block {number}"))?
                .ok_or_else(|| eyre::eyre!("destination block {number} does not exist"))?;
            gas.blocks += 1;
            gas.gas_limit += block.header.gas_limit;
            let receipts = provider
                .get_block_receipts(BlockId::number(number))
                .await
                .wrap_err_with(|| format!("reading the receipts of destination block {number}"))?
                .unwrap_or_default();
            for receipt in receipts.iter().filter(|r| r.from == relayer) {
                gas.relayer_transactions += 1;
                gas.relayer_gas_used += receipt.gas_used;
            }
        }
        Ok(gas)
    }
}

/// A dispatched message: its id, nonce and origin block.
type Dispatched = (B256, u32, u64);
/// Where a message was delivered: the destination block and the transaction.
type Inclusion = (u64, B256);

/// Pairs each dispatched message `(id, nonce, origin block)` with its delivery `(destination
/// block, transaction)` from the `Process` events `(id, block, tx)`; fails unless every message
/// was delivered exactly once and nothing else was delivered.
pub(crate) fn pair_deliveries(
    dispatched: Vec<Dispatched>,
    processed: Vec<(B256, u64, B256)>,
) -> eyre::Result<Vec<(Dispatched, Inclusion)>> {
    let mut by_id: HashMap<B256, Vec<(u64, B256)>> = HashMap::new();
    for (id, block, tx) in processed {
        by_id.entry(id).or_default().push((block, tx));
    }
    let mut pairs = Vec::with_capacity(dispatched.len());
    for (id, nonce, origin_block) in dispatched {
        let Some(deliveries) = by_id.remove(&id) else {
            eyre::bail!("message {id} (nonce {nonce}) was dispatched but not delivered");
        };
        let [delivery] = deliveries[..] else {
            eyre::bail!(
                "message {id} (nonce {nonce}) was delivered {} times",
                deliveries.len()
            );
        };
        pairs.push(((id, nonce, origin_block), delivery));
    }
    if let Some(id) = by_id.keys().next() {
        eyre::bail!(
            "{} messages were delivered that this measurement did not send (e.g. {id})",
            by_id.len()
        );
    }
    Ok(pairs)
}

fn chain<'a>(devnet: &'a Devnet, name: &str) -> eyre::Result<&'a DevnetChain> {
    devnet
        .chain(name)
        .ok_or_else(|| eyre::eyre!("the devnet has no chain {name}"))
}

/// Pairs the monotonic clock the watcher uses with the unix time the agents record.
#[derive(Debug, Clone, Copy)]
struct Clock {
    instant: Instant,
    unix_ms: f64,
}

impl Clock {
    fn now() -> Self {
        let instant = Instant::now();
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        Self { instant, unix_ms }
    }

    fn ms_from(&self, at: Instant, unix_ms: u64) -> f64 {
        let at_ms = if at >= self.instant {
            self.unix_ms + at.duration_since(self.instant).as_secs_f64() * 1000.0
        } else {
            self.unix_ms - self.instant.duration_since(at).as_secs_f64() * 1000.0
        };
        unix_ms as f64 - at_ms
    }
}

/// Sends HelloApp greetings from the deployer account: signs locally with its own nonce count and
/// fixed gas and fees, so each send is one `eth_sendRawTransaction` that returns once the node has
/// the transaction in its pool.
struct Greeter {
    provider: DynProvider,
    wallet: EthereumWallet,
    from: Address,
    app: Address,
    chain_id: u64,
    destination: u64,
    nonce: u64,
    gas_limit: u64,
    sent: u64,
}

impl Greeter {
    async fn new(origin: &DevnetChain, destination: u64) -> eyre::Result<Self> {
        let signer = keys::deployer();
        let from = signer.address();
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_http(origin.anvil.url().clone())
            .erased();
        let nonce = provider
            .get_transaction_count(from)
            .pending()
            .await
            .wrap_err("reading the deployer's nonce on the origin")?;
        let mut greeter = Self {
            provider,
            wallet: EthereumWallet::from(signer),
            from,
            app: origin.deployment.hello_app,
            chain_id: origin.domain(),
            destination,
            nonce,
            gas_limit: 0,
            sent: 0,
        };
        let estimate = greeter
            .provider
            .estimate_gas(greeter.request())
            .await
            .wrap_err("estimating the gas of a greeting")?;
        greeter.gas_limit = estimate + GREETING_GAS_MARGIN;
        Ok(greeter)
    }

    fn request(&self) -> TransactionRequest {
        let call = HelloApp::greetCall {
            destination: self.destination,
            greeting: format!("bench {:06}", self.sent),
        };
        TransactionRequest::default()
            .with_from(self.from)
            .with_to(self.app)
            .with_input(call.abi_encode())
    }

    async fn send(&mut self) -> eyre::Result<B256> {
        let request = self
            .request()
            .with_nonce(self.nonce)
            .with_chain_id(self.chain_id)
            .with_gas_limit(self.gas_limit)
            .with_max_fee_per_gas(GREETING_MAX_FEE)
            .with_max_priority_fee_per_gas(GREETING_PRIORITY_FEE);
        let envelope =
            <EthereumWallet as NetworkWallet<Ethereum>>::sign_request(&self.wallet, request)
                .await
                .wrap_err("signing a greeting")?;
        let raw = alloy::eips::eip2718::Encodable2718::encoded_2718(&envelope);
        let pending = self
            .provider
            .send_raw_transaction(&raw)
            .await
            .wrap_err_with(|| format!("sending greeting {} (nonce {})", self.sent, self.nonce))?;
        self.nonce += 1;
        self.sent += 1;
        Ok(*pending.tx_hash())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn id(i: u8) -> B256 {
        B256::repeat_byte(i)
    }

    #[test]
    fn each_message_pairs_with_its_one_delivery() {
        let pairs = pair_deliveries(
            vec![(id(1), 0, 10), (id(2), 1, 11)],
            vec![(id(2), 21, id(0xb)), (id(1), 20, id(0xa))],
        )
        .unwrap();
        assert_eq!(
            pairs,
            vec![
                ((id(1), 0, 10), (20, id(0xa))),
                ((id(2), 1, 11), (21, id(0xb)))
            ]
        );
    }

    #[test]
    fn missing_repeated_or_foreign_deliveries_are_errors() {
        let sent = || vec![(id(1), 0, 10), (id(2), 1, 11)];
        let err = pair_deliveries(sent(), vec![(id(1), 20, id(0xa))]).unwrap_err();
        assert!(
            err.to_string()
                .contains("nonce 1) was dispatched but not delivered"),
            "{err}"
        );
        let err = pair_deliveries(
            sent(),
            vec![
                (id(1), 20, id(0xa)),
                (id(2), 21, id(0xb)),
                (id(2), 22, id(0xc)),
            ],
        )
        .unwrap_err();
        assert!(err.to_string().contains("delivered 2 times"), "{err}");
        let err = pair_deliveries(
            sent(),
            vec![
                (id(1), 20, id(0xa)),
                (id(2), 21, id(0xb)),
                (id(3), 21, id(0xb)),
            ],
        )
        .unwrap_err();
        assert!(err.to_string().contains("did not send"), "{err}");
    }
}

//! What a scenario works with: the running devnet and its agents, a record of steps, checks and
//! timings, and the helpers every story needs — greetings sent in bulk without waiting for each
//! receipt, waits with a deadline and a useful failure message, and readers of what really
//! happened (the Mailbox's `Dispatch` and `Process` events, `HelloApp.received()`,
//! `Mailbox.delivered()`, the relayer's store, the checkpoint folder).
//!
//! Every method takes `&self` (the record and the agents sit behind mutexes that are never held
//! across an await), so a scenario can run several things at once with `tokio::join!`.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    sync::{Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use alloy::{
    providers::Provider,
    rpc::types::{Filter, TransactionReceipt},
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use alloy_primitives::{Address, B256, U256, b256};
use courier_bindings::{HelloApp, Mailbox};
use courier_core::{Message, SignedCheckpoint};
use courier_devnet::{Devnet, DevnetChain};
use courier_store::{MessageRecord, Store};
use eyre::{WrapErr, eyre};
use futures::future::try_join_all;

use super::{
    report::{Check, Step, Timing},
    rng::Rng,
};
use crate::agents::{Agents, AgentsConfig};

/// Private key of anvil's dev account 5 (mnemonic "test test … junk", m/44'/60'/0'/0/5), funded at
/// genesis and known to everyone. Scenarios send greetings from it so that no agent's nonces are
/// touched (accounts 0 to 4 are the deployer's, the relayer's, the light-client relay's, the
/// proposer's and the watcher's).
const SENDER_PRIVATE_KEY: B256 =
    b256!("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");

/// How long agents get to stop before they are aborted.
const AGENT_STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// How often [`Context::wait_for`] looks again.
const WAIT_POLL: Duration = Duration::from_millis(200);

/// How long a sent transaction may take to be mined.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(30);

/// What [`Context::wait_for`]'s probe saw.
#[derive(Debug)]
pub enum Wait<T> {
    /// The condition holds; here is what came of it.
    Done(T),
    /// Not yet; what was seen (ends up in the failure message if the deadline passes).
    NotYet(String),
}

/// A check that did not hold.
#[derive(Debug, Clone)]
pub struct CheckFailed {
    /// The check.
    pub name: String,
    /// What was seen instead.
    pub detail: String,
}

impl std::fmt::Display for CheckFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "check failed: {}: {}", self.name, self.detail)
    }
}

impl std::error::Error for CheckFailed {}

/// A greeting that was dispatched: its message as the origin Mailbox emitted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The message id.
    pub id: B256,
    /// The message.
    pub message: Message,
    /// The greeting text (the message body).
    pub text: String,
    /// The dispatching transaction.
    pub tx: B256,
    /// The origin block holding it.
    pub block: u64,
}

/// A `Process` event of a destination Mailbox: one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// The message id.
    pub id: B256,
    /// The message's origin.
    pub origin: u64,
    /// The recipient.
    pub recipient: Address,
    /// The delivering transaction.
    pub tx: B256,
    /// The destination block.
    pub block: u64,
}

/// A `Dispatch` event of an origin Mailbox, as the chain holds it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatched {
    /// The message id.
    pub id: B256,
    /// The message.
    pub message: Message,
    /// The block holding it.
    pub block: u64,
}

/// A file of the checkpoint folder and what it holds.
#[derive(Debug)]
pub struct CheckpointFile {
    /// The file.
    pub path: PathBuf,
    /// The validator folder it sits in.
    pub folder: String,
    /// Its contents, or why they cannot be read.
    pub content: Result<SignedCheckpoint, String>,
}

#[derive(Debug, Default)]
struct Record {
    steps: Vec<Step>,
    checks: Vec<Check>,
    timings: Vec<Timing>,
}

#[derive(Debug, Default)]
struct Running {
    validators: Vec<(Vec<usize>, Agents)>,
    relayer: Option<Agents>,
    watcher: Option<Agents>,
}

/// Everything a scenario works with. Built by [`super::run`], which also stops everything once
/// the scenario returns, whatever it returns.
#[derive(Debug)]
pub struct Context {
    /// The scenario's name.
    pub name: &'static str,
    /// The running devnet.
    pub devnet: Devnet,
    /// What the agents run with (data directory, chains, keys).
    pub config: AgentsConfig,
    seed: u64,
    started: Instant,
    live: bool,
    record: Mutex<Record>,
    running: Mutex<Running>,
    sender: PrivateKeySigner,
    /// One lock per chain, held while greetings are sent on it (they share the sender's nonces).
    send_locks: HashMap<String, tokio::sync::Mutex<()>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Context {
    pub(super) fn new(
        name: &'static str,
        devnet: Devnet,
        config: AgentsConfig,
        seed: u64,
        live: bool,
        started: Instant,
    ) -> eyre::Result<Self> {
        let sender = PrivateKeySigner::from_bytes(&SENDER_PRIVATE_KEY)
            .wrap_err("anvil's dev account 5 key")?;
        let send_locks = devnet
            .chains
            .iter()
            .map(|c| (c.name().to_owned(), tokio::sync::Mutex::new(())))
            .collect();
        Ok(Self {
            name,
            devnet,
            config,
            seed,
            started,
            live,
            record: Mutex::new(Record::default()),
            running: Mutex::new(Running::default()),
            sender,
            send_locks,
        })
    }

    // ---- the record ----

    /// The seed of this run's random choices.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// A generator for one stream of random choices (`stream` names it), derived from the run's
    /// seed: each concurrent activity takes its own, so the same seed gives the same choices
    /// whatever the interleaving.
    pub fn rng(&self, stream: &str) -> Rng {
        Rng::new(self.seed ^ Rng::new(fnv1a(stream.as_bytes())).next_u64())
    }

    /// Records (and, when live, prints) something the scenario did.
    pub fn step(&self, text: impl Into<String>) {
        let text = text.into();
        let at = self.started.elapsed();
        if self.live {
            eprintln!("scenario {} [{:>7.2}s] {text}", self.name, at.as_secs_f64());
        }
        lock(&self.record).steps.push(Step {
            at_ms: millis(at),
            text,
        });
    }

    /// Records a duration.
    pub fn timing(&self, name: impl Into<String>, duration: Duration) {
        lock(&self.record).timings.push(Timing {
            name: name.into(),
            ms: millis(duration),
        });
    }

    /// Records a check; an error naming it (and what was seen) when it does not hold.
    pub fn check(
        &self,
        name: impl Into<String>,
        holds: bool,
        detail: impl Into<String>,
    ) -> eyre::Result<()> {
        let (name, detail) = (name.into(), detail.into());
        if self.live {
            let mark = if holds { "ok  " } else { "FAIL" };
            eprintln!("scenario {} {mark} {name}: {detail}", self.name);
        }
        lock(&self.record).checks.push(Check {
            name: name.clone(),
            passed: holds,
            detail: detail.clone(),
        });
        if holds {
            Ok(())
        } else {
            Err(CheckFailed { name, detail }.into())
        }
    }

    /// Waits until `probe` says [`Wait::Done`], looking every 200 ms, for at most `timeout`; this
    /// is recorded as the check `what` (with how long it took, or with what was last seen when the
    /// deadline passed). Returns what the probe found and how long it took.
    pub async fn wait_for<T, F, Fut>(
        &self,
        what: impl Into<String>,
        timeout: Duration,
        mut probe: F,
    ) -> eyre::Result<(T, Duration)>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = eyre::Result<Wait<T>>>,
    {
        let what = what.into();
        let started = Instant::now();
        loop {
            let last = match probe()
                .await
                .wrap_err_with(|| format!("while waiting for {what}"))?
            {
                Wait::Done(value) => {
                    let took = started.elapsed();
                    self.check(&what, true, format!("after {took:.2?}"))?;
                    return Ok((value, took));
                }
                Wait::NotYet(seen) => seen,
            };
            if started.elapsed() >= timeout {
                self.check(
                    &what,
                    false,
                    format!("not within {timeout:?}; last seen: {last}"),
                )?;
            }
            tokio::time::sleep(WAIT_POLL).await;
        }
    }

    pub(super) fn take_record(&self) -> (Vec<Step>, Vec<Check>, Vec<Timing>) {
        let mut record = lock(&self.record);
        (
            std::mem::take(&mut record.steps),
            std::mem::take(&mut record.checks),
            std::mem::take(&mut record.timings),
        )
    }

    // ---- agents ----

    /// Starts the validators at these positions of the committee (ascending by address), each
    /// signing for every chain.
    pub async fn start_validators(&self, which: &[usize]) -> eyre::Result<()> {
        let agents = Agents::start_validators(&self.config, which).await?;
        lock(&self.running)
            .validators
            .push((which.to_vec(), agents));
        self.step(format!("started validators {which:?}"));
        Ok(())
    }

    /// Stops every running validator (drained, as on SIGTERM).
    pub async fn stop_validators(&self) {
        let groups = std::mem::take(&mut lock(&self.running).validators);
        for (which, agents) in groups {
            agents.shutdown(AGENT_STOP_TIMEOUT).await;
            self.step(format!("stopped validators {which:?}"));
        }
    }

    /// Stops the validators started together by `start_validators(which)` (drained).
    pub async fn stop_validator_group(&self, which: &[usize]) -> eyre::Result<()> {
        let group = {
            let mut running = lock(&self.running);
            let position = running
                .validators
                .iter()
                .position(|(w, _)| w == which)
                .ok_or_else(|| eyre!("no validators {which:?} were started together"))?;
            running.validators.remove(position)
        };
        group.1.shutdown(AGENT_STOP_TIMEOUT).await;
        self.step(format!("stopped validators {which:?}"));
        Ok(())
    }

    /// Starts the relayer (indexers and pipelines on every chain); an error if it runs already.
    pub async fn start_relayer(&self) -> eyre::Result<()> {
        self.start_relayer_with(None).await
    }

    /// Starts the relayer, delivering only paid messages under `fees` when given.
    pub async fn start_relayer_with(
        &self,
        fees: Option<courier_relayer::FeePolicy>,
    ) -> eyre::Result<()> {
        if lock(&self.running).relayer.is_some() {
            return Err(eyre!("the relayer is running already"));
        }
        let mut config = self.config.clone();
        config.fees = fees;
        let agents = Agents::start_relayer(&config).await?;
        lock(&self.running).relayer = Some(agents);
        Ok(())
    }

    /// Starts the watcher of the optimistic route (vetoes false claims, proves fraud).
    pub async fn start_watcher(&self) -> eyre::Result<()> {
        self.start_watcher_with(Vec::new()).await
    }

    /// Starts the watcher, judging claims through the origin's endpoint and every one of
    /// `witnesses` too.
    pub async fn start_watcher_with(&self, witnesses: Vec<url::Url>) -> eyre::Result<()> {
        if lock(&self.running).watcher.is_some() {
            return Err(eyre!("the watcher is running already"));
        }
        let mut config = self.config.clone();
        let extra = witnesses.len();
        if let Some(o) = config.optimistic.as_mut() {
            o.witnesses = witnesses;
        }
        let agents = Agents::start_watcher(&config).await?;
        lock(&self.running).watcher = Some(agents);
        self.step(format!(
            "started the watcher ({} endpoint(s) of the origin)",
            1 + extra
        ));
        Ok(())
    }

    /// Stops the watcher (drained).
    pub async fn stop_watcher(&self) -> eyre::Result<()> {
        let watcher = lock(&self.running)
            .watcher
            .take()
            .ok_or_else(|| eyre!("no watcher to stop"))?;
        watcher.shutdown(AGENT_STOP_TIMEOUT).await;
        self.step("stopped the watcher");
        Ok(())
    }

    /// The sum of the watcher metric `courier_watcher_<name>` over every route, as `/metrics`
    /// would show it.
    pub fn watcher_count(&self, name: &str) -> eyre::Result<u64> {
        let text = self.config.metrics.render();
        let prefix = format!("courier_watcher_{name}_total");
        let mut sum = 0u64;
        for line in text.lines().filter(|l| l.starts_with(&prefix)) {
            let value = line
                .rsplit(' ')
                .next()
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| eyre!("unreadable metric line {line:?}"))?;
            sum += value as u64;
        }
        Ok(sum)
    }

    /// `(root, index, readyAt)` of every claim posted on the optimistic verifier `verifier` on
    /// `chain`.
    pub async fn claims(
        &self,
        chain: &str,
        verifier: Address,
    ) -> eyre::Result<Vec<(B256, u32, u64)>> {
        use courier_bindings::OptimisticVerifier;
        let c = self.chain(chain)?;
        let logs = c
            .anvil
            .provider()
            .get_logs(
                &Filter::new()
                    .address(verifier)
                    .event_signature(OptimisticVerifier::ClaimPosted::SIGNATURE_HASH)
                    .from_block(c.deployment.deploy_block),
            )
            .await
            .wrap_err_with(|| format!("reading claims on {chain}"))?;
        logs.iter()
            .map(|l| {
                let e = OptimisticVerifier::ClaimPosted::decode_log(&l.inner)?;
                Ok((e.data.root, e.data.index, e.data.readyAt.to::<u64>()))
            })
            .collect()
    }

    /// `address`'s balance on `chain` now, in wei.
    pub async fn balance(&self, chain: &str, address: Address) -> eyre::Result<U256> {
        self.chain(chain)?
            .anvil
            .provider()
            .get_balance(address)
            .await
            .wrap_err_with(|| format!("reading the balance of {address} on {chain}"))
    }

    /// The timestamp of `chain`'s newest block.
    pub async fn block_time(&self, chain: &str) -> eyre::Result<u64> {
        let number = self.chain(chain)?.anvil.block_number().await?;
        self.block_time_at(chain, number).await
    }

    /// The timestamp of `chain`'s block `number`.
    pub async fn block_time_at(&self, chain: &str, number: u64) -> eyre::Result<u64> {
        self.chain(chain)?
            .anvil
            .provider()
            .get_block_by_number(number.into())
            .await?
            .map(|b| b.header.timestamp)
            .ok_or_else(|| eyre!("{chain} has no block {number}"))
    }

    /// The devnet's optimistic route.
    pub fn optimistic(&self) -> eyre::Result<&courier_devnet::devnet::DevnetOptimistic> {
        self.devnet
            .optimistic
            .as_ref()
            .ok_or_else(|| eyre!("this devnet has no optimistic route"))
    }

    /// The optimistic route's contracts on `chain`.
    pub fn optimistic_on(
        &self,
        chain: &str,
    ) -> eyre::Result<courier_devnet::deploy::OptimisticDeployment> {
        let domain = self.chain(chain)?.domain();
        self.optimistic()?
            .setup
            .destinations
            .iter()
            .find(|d| d.domain == domain)
            .copied()
            .ok_or_else(|| eyre!("{chain} has no optimistic verifier"))
    }

    /// Kills the relayer: every task aborted wherever it is, as a crash would.
    pub async fn kill_relayer(&self) -> eyre::Result<()> {
        let agents = lock(&self.running)
            .relayer
            .take()
            .ok_or_else(|| eyre!("no relayer to kill"))?;
        agents.kill().await;
        Ok(())
    }

    /// Stops every agent (drained). What [`super::run`] calls when the scenario is over.
    pub async fn stop_agents(&self) {
        self.stop_validators().await;
        let relayer = lock(&self.running).relayer.take();
        if let Some(relayer) = relayer {
            relayer.shutdown(AGENT_STOP_TIMEOUT).await;
            self.step("stopped the relayer");
        }
        let watcher = lock(&self.running).watcher.take();
        if let Some(watcher) = watcher {
            watcher.shutdown(AGENT_STOP_TIMEOUT).await;
            self.step("stopped the watcher");
        }
    }

    // ---- chains ----

    /// The devnet chain named `name`.
    pub fn chain(&self, name: &str) -> eyre::Result<&DevnetChain> {
        self.devnet
            .chain(name)
            .ok_or_else(|| eyre!("the scenario devnet has no chain {name:?}"))
    }

    /// The devnet chain with domain `domain`.
    pub fn chain_by_domain(&self, domain: u64) -> eyre::Result<&DevnetChain> {
        self.devnet
            .chain_by_domain(domain)
            .ok_or_else(|| eyre!("the scenario devnet has no chain with domain {domain}"))
    }

    /// `HelloApp.received()` on `chain`: greetings it handled.
    pub async fn received(&self, chain: &str) -> eyre::Result<u64> {
        let app = self.chain(chain)?.deployment.hello_app;
        self.received_by(chain, app).await
    }

    /// `received()` of the HelloApp at `app` on `chain`.
    pub async fn received_by(&self, chain: &str, app: Address) -> eyre::Result<u64> {
        let c = self.chain(chain)?;
        let received = HelloApp::new(app, c.anvil.provider())
            .received()
            .call()
            .await
            .wrap_err_with(|| format!("HelloApp {app}.received() on {chain}"))?;
        u64::try_from(received).wrap_err("HelloApp.received() does not fit 64 bits")
    }

    /// `HelloApp.lastGreeting()` on `chain`.
    pub async fn last_greeting(&self, chain: &str) -> eyre::Result<String> {
        let app = self.chain(chain)?.deployment.hello_app;
        self.last_greeting_of(chain, app).await
    }

    /// `lastGreeting()` of the HelloApp at `app` on `chain`.
    pub async fn last_greeting_of(&self, chain: &str, app: Address) -> eyre::Result<String> {
        let c = self.chain(chain)?;
        HelloApp::new(app, c.anvil.provider())
            .lastGreeting()
            .call()
            .await
            .wrap_err_with(|| format!("HelloApp {app}.lastGreeting() on {chain}"))
    }

    /// The devnet's light-client route.
    pub fn light_client(&self) -> eyre::Result<&courier_devnet::devnet::DevnetLightClient> {
        self.devnet
            .light_client
            .as_ref()
            .ok_or_else(|| eyre!("this devnet has no light-client route"))
    }

    /// The light-client route's contracts on `chain`.
    pub fn light_client_on(
        &self,
        chain: &str,
    ) -> eyre::Result<courier_devnet::deploy::LightClientDeployment> {
        let domain = self.chain(chain)?.domain();
        self.light_client()?
            .destinations
            .iter()
            .find(|d| d.domain == domain)
            .copied()
            .ok_or_else(|| eyre!("{chain} has no light client of the light-client origin"))
    }

    /// `Mailbox.delivered(origin, recipient, nonce)` on the message's destination.
    pub async fn delivered(&self, message: &Message) -> eyre::Result<bool> {
        let destination = self.chain_by_domain(message.destination)?;
        let recipient = message.recipient_address()?;
        Mailbox::new(destination.deployment.mailbox, destination.anvil.provider())
            .delivered(message.origin, recipient, message.nonce)
            .call()
            .await
            .wrap_err_with(|| {
                format!(
                    "Mailbox.delivered({}, {recipient}, {}) on {}",
                    message.origin,
                    message.nonce,
                    destination.name()
                )
            })
    }

    /// Every log of `chain`'s Mailbox with the event `signature` (named `event` in errors), from
    /// its deployment on.
    async fn mailbox_logs(
        &self,
        chain: &str,
        signature: B256,
        event: &str,
    ) -> eyre::Result<Vec<alloy::rpc::types::Log>> {
        let c = self.chain(chain)?;
        let filter = Filter::new()
            .address(c.deployment.mailbox)
            .event_signature(signature)
            .from_block(c.deployment.deploy_block);
        c.anvil
            .provider()
            .get_logs(&filter)
            .await
            .wrap_err_with(|| format!("reading {event} events on {chain}"))
    }

    /// Every `Process` event of `chain`'s Mailbox: every delivery it ever made.
    pub async fn processed(&self, chain: &str) -> eyre::Result<Vec<Processed>> {
        let logs = self
            .mailbox_logs(chain, Mailbox::Process::SIGNATURE_HASH, "Process")
            .await?;
        logs.iter()
            .map(|log| {
                let event = Mailbox::Process::decode_log(&log.inner)
                    .wrap_err_with(|| format!("a Process event on {chain}"))?;
                Ok(Processed {
                    id: event.data.id,
                    origin: event.data.origin,
                    recipient: event.data.recipient,
                    tx: log.transaction_hash.unwrap_or_default(),
                    block: log.block_number.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Every `Dispatch` event of `chain`'s Mailbox, as the chain holds them now, by nonce.
    pub async fn dispatched(&self, chain: &str) -> eyre::Result<Vec<Dispatched>> {
        let logs = self
            .mailbox_logs(chain, Mailbox::Dispatch::SIGNATURE_HASH, "Dispatch")
            .await?;
        let mut out = logs
            .iter()
            .map(|log| {
                let event = Mailbox::Dispatch::decode_log(&log.inner)
                    .wrap_err_with(|| format!("a Dispatch event on {chain}"))?;
                Ok(Dispatched {
                    id: event.data.id,
                    message: Message::decode(&event.data.message)?,
                    block: log.block_number.unwrap_or_default(),
                })
            })
            .collect::<eyre::Result<Vec<_>>>()?;
        out.sort_by_key(|d| d.message.nonce);
        Ok(out)
    }

    /// Sends one greeting per text from `from`'s HelloApp to `to`'s, one transaction each, without
    /// waiting for any of them to be mined; returns their hashes in order.
    ///
    /// Nonces, gas and fees are set here (nonces from the node's pending count, read once), so
    /// the sends are back-to-back raw submissions and many land in one block.
    pub async fn submit_greetings(
        &self,
        from: &str,
        to: &str,
        texts: &[String],
    ) -> eyre::Result<Vec<B256>> {
        let app = self.chain(from)?.deployment.hello_app;
        self.submit_greetings_from(app, from, to, texts).await
    }

    /// [`Self::submit_greetings`] from the HelloApp at `app` on `from` (which greets its peer on
    /// `to`).
    pub async fn submit_greetings_from(
        &self,
        app: Address,
        from: &str,
        to: &str,
        texts: &[String],
    ) -> eyre::Result<Vec<B256>> {
        let (origin, destination) = (self.chain(from)?, self.chain(to)?);
        let Some(first) = texts.first() else {
            return Ok(Vec::new());
        };
        let _sending = match self.send_locks.get(from) {
            Some(l) => l.lock().await,
            None => return Err(eyre!("no send lock for chain {from}")),
        };
        let provider = origin.anvil.signing_provider(self.sender.clone());
        let sender = self.sender.address();
        let app = HelloApp::new(app, &provider);
        let nonce = provider
            .get_transaction_count(sender)
            .pending()
            .await
            .wrap_err_with(|| format!("reading the sender's nonce on {from}"))?;
        let fees = provider
            .estimate_eip1559_fees()
            .await
            .wrap_err_with(|| format!("estimating fees on {from}"))?;
        // The first greeting is the dearest (fresh storage slots); twice its estimate covers every
        // later one, and 100 of them still fit a block.
        let gas = app
            .greet(destination.domain(), first.clone())
            .from(sender)
            .estimate_gas()
            .await
            .wrap_err_with(|| format!("estimating a greeting {from} → {to}"))?
            .saturating_mul(2)
            .max(150_000);
        let mut hashes = Vec::with_capacity(texts.len());
        for (i, text) in (0u64..).zip(texts) {
            let pending = app
                .greet(destination.domain(), text.clone())
                .from(sender)
                .nonce(nonce + i)
                .gas(gas)
                .max_fee_per_gas(fees.max_fee_per_gas.saturating_mul(2))
                .max_priority_fee_per_gas(fees.max_priority_fee_per_gas)
                .send()
                .await
                .wrap_err_with(|| format!("sending greeting {i} {from} → {to}"))?;
            hashes.push(*pending.tx_hash());
        }
        Ok(hashes)
    }

    /// Waits until every transaction in `hashes` is mined on `chain` (at most 30 s); returns the
    /// receipts in order. Reverted transactions are an error.
    pub async fn receipts(
        &self,
        chain: &str,
        hashes: &[B256],
    ) -> eyre::Result<Vec<TransactionReceipt>> {
        let provider = self.chain(chain)?.anvil.provider();
        let started = Instant::now();
        let mut found: Vec<Option<TransactionReceipt>> = vec![None; hashes.len()];
        loop {
            let missing: Vec<usize> = (0..hashes.len()).filter(|&i| found[i].is_none()).collect();
            if missing.is_empty() {
                break;
            }
            let fetched = try_join_all(
                missing
                    .iter()
                    .map(|&i| provider.get_transaction_receipt(hashes[i])),
            )
            .await
            .wrap_err_with(|| format!("reading receipts on {chain}"))?;
            for (i, receipt) in missing.iter().zip(fetched) {
                found[*i] = receipt;
            }
            if found.iter().all(Option::is_some) {
                break;
            }
            if started.elapsed() > RECEIPT_TIMEOUT {
                let still = found.iter().filter(|r| r.is_none()).count();
                return Err(eyre!(
                    "{still} of {} transactions on {chain} not mined within {RECEIPT_TIMEOUT:?}",
                    hashes.len()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let receipts: Vec<TransactionReceipt> = found.into_iter().flatten().collect();
        if let Some(bad) = receipts.iter().find(|r| !r.status()) {
            return Err(eyre!(
                "transaction {} on {chain} reverted",
                bad.transaction_hash
            ));
        }
        Ok(receipts)
    }

    /// Sends `count` greetings `from` → `to` in one go (see [`Self::submit_greetings`]), then waits
    /// for all of them to be mined and returns the dispatched messages, in nonce order.
    pub async fn send_greetings(
        &self,
        from: &str,
        to: &str,
        count: usize,
        label: &str,
    ) -> eyre::Result<Vec<Sent>> {
        let app = self.chain(from)?.deployment.hello_app;
        self.send_greetings_from(app, from, to, count, label).await
    }

    /// [`Self::send_greetings`] from the HelloApp at `app` on `from`.
    pub async fn send_greetings_from(
        &self,
        app: Address,
        from: &str,
        to: &str,
        count: usize,
        label: &str,
    ) -> eyre::Result<Vec<Sent>> {
        let texts: Vec<String> = (0..count)
            .map(|i| format!("{label} #{i} {from} to {to}"))
            .collect();
        let hashes = self.submit_greetings_from(app, from, to, &texts).await?;
        let receipts = self.receipts(from, &hashes).await?;
        let mut sent = receipts
            .iter()
            .zip(texts)
            .map(|(receipt, text)| sent_from(receipt, text))
            .collect::<eyre::Result<Vec<_>>>()?;
        sent.sort_by_key(|s| s.message.nonce);
        Ok(sent)
    }

    // ---- the relayer's store and the checkpoint folder ----

    /// The relayer's database (a second connection; the relayer may be running).
    pub fn relayer_store(&self) -> eyre::Result<Store> {
        let path = self.config.relayer_db();
        Store::open(&path).wrap_err_with(|| format!("opening {}", path.display()))
    }

    /// The relayer's record of each message (`None` where it has none).
    pub fn records(&self, sent: &[Sent]) -> eyre::Result<Vec<Option<MessageRecord>>> {
        let store = self.relayer_store()?;
        sent.iter()
            .map(|s| store.message(s.id).wrap_err("reading the relayer's store"))
            .collect()
    }

    /// How many of `sent` the relayer's store has in each state (absent ones under `unknown`).
    pub fn state_summary(&self, sent: &[Sent]) -> eyre::Result<String> {
        let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
        for record in self.records(sent)? {
            let state = record.map_or("unknown", |r| r.state.as_str());
            *counts.entry(state).or_default() += 1;
        }
        Ok(counts
            .iter()
            .map(|(state, n)| format!("{n} {state}"))
            .collect::<Vec<_>>()
            .join(", "))
    }

    /// Every file under `checkpoints/<origin>/`, parsed and signature-checked.
    pub fn checkpoint_files(&self, origin: u64) -> eyre::Result<Vec<CheckpointFile>> {
        let root = self.config.checkpoints_dir().join(origin.to_string());
        let mut out = Vec::new();
        let Ok(folders) = std::fs::read_dir(&root) else {
            return Ok(out);
        };
        for folder in folders {
            let folder = folder.wrap_err_with(|| format!("listing {}", root.display()))?;
            let name = folder.file_name().to_string_lossy().into_owned();
            let files = std::fs::read_dir(folder.path())
                .wrap_err_with(|| format!("listing {}", folder.path().display()))?;
            for file in files {
                let path = file.wrap_err("listing a checkpoint folder")?.path();
                if path.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                let content = read_checkpoint(&path);
                out.push(CheckpointFile {
                    path,
                    folder: name.clone(),
                    content,
                });
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// The checkpoint folder of `validator` for `origin` (where it publishes).
    pub fn checkpoint_folder(&self, origin: u64, validator: Address) -> PathBuf {
        self.config
            .checkpoints_dir()
            .join(origin.to_string())
            .join(format!("{validator:#x}"))
    }
}

/// The dispatched message in a greeting's receipt.
pub fn sent_from(receipt: &TransactionReceipt, text: String) -> eyre::Result<Sent> {
    let event = receipt
        .inner
        .logs()
        .iter()
        .find_map(|log| Mailbox::Dispatch::decode_log(&log.inner).ok())
        .ok_or_else(|| eyre!("no Dispatch event in {}", receipt.transaction_hash))?;
    Ok(Sent {
        id: event.data.id,
        message: Message::decode(&event.data.message)?,
        text,
        tx: receipt.transaction_hash,
        block: receipt.block_number.unwrap_or_default(),
    })
}

fn read_checkpoint(path: &Path) -> Result<SignedCheckpoint, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let signed: SignedCheckpoint = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    signed.verify().map_err(|e| e.to_string())?;
    Ok(signed)
}

/// The first few items of a list of problems, and how many more there are.
pub fn first_few(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(5).map(String::as_str).collect();
    let more = items.len().saturating_sub(shown.len());
    if more == 0 {
        shown.join("; ")
    } else {
        format!("{}; and {more} more", shown.join("; "))
    }
}

/// FNV-1a, to turn a stream name into a number.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub(super) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

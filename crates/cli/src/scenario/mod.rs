//! The scenario suite: short stories told against a fresh devnet — three anvil chains with Courier
//! deployed, the 3-of-5 committee and the relayer running in-process — each of which checks what
//! really happened: on-chain (`HelloApp.received()`, `Mailbox.delivered(..)`, `Process` events),
//! in the relayer's store, in the checkpoint folder.
//!
//! A scenario is a plain async function over a [`Context`]. [`run`] starts the devnet, runs the
//! scenario under a deadline, and then stops every agent and chain whatever happened (an error, a
//! failed check, a panic, the deadline), and returns a [`Report`]. `courier scenario run NAME`
//! prints that report; `tests/it/scenarios.rs` runs every scenario through the same [`run`].

mod aggregation;
mod burst;
mod checks;
mod context;
mod endpoints_disagree;
mod equivocation;
mod fees;
mod forged_signature;
mod hello;
mod light_client;
mod light_client_forged;
mod optimistic;
mod optimistic_fraud;
mod pause;
mod relayer_crash;
mod reorg;
mod report;
mod rng;
mod validator_outage;

use std::{
    path::Path,
    pin::Pin,
    sync::Arc,
    time::{Duration, Instant},
};

use courier_devnet::{ChainSpec, Devnet, DevnetSpec};

pub use context::{
    CheckFailed, CheckpointFile, Context, Dispatched, Processed, Sent, Wait, first_few, sent_from,
};
pub use report::{Check, Report, Step, Timing};
pub use rng::Rng;

use crate::cmd::devnet::agents_config;

/// What a scenario function returns.
pub type ScenarioFuture<'a> = Pin<Box<dyn Future<Output = eyre::Result<()>> + Send + 'a>>;

/// One scenario of the suite.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// Its name (`courier scenario run NAME`).
    pub name: &'static str,
    /// What it does and checks, in one line.
    pub summary: &'static str,
    /// The story.
    pub run: for<'a> fn(&'a Context) -> ScenarioFuture<'a>,
    /// How long it may take before it is stopped and fails.
    pub deadline: Duration,
}

/// Every scenario, in the order `courier scenario list` shows them.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "hello",
        summary: "one greeting each way between alpha and beta and one alpha → gamma; each delivered exactly once",
        run: hello::run,
        deadline: Duration::from_secs(90),
    },
    Scenario {
        name: "burst",
        summary: "200 greetings sent at once from alpha and gamma to beta; all delivered once, in far fewer transactions",
        run: burst::run,
        deadline: Duration::from_secs(150),
    },
    Scenario {
        name: "relayer-crash",
        summary: "100 greetings alpha → beta while the relayer is killed and restarted at random (seeded) at least 5 times; each delivered once",
        run: relayer_crash::run,
        deadline: Duration::from_secs(150),
    },
    Scenario {
        name: "validator-outage",
        summary: "only k−1 validators: nothing delivered and the relayer says why; the rest come back: all delivered",
        run: validator_outage::run,
        deadline: Duration::from_secs(150),
    },
    Scenario {
        name: "reorg",
        summary: "a dispatch reorged away before it is final is never signed nor delivered; the next message is",
        run: reorg::run,
        deadline: Duration::from_secs(120),
    },
    Scenario {
        name: "forged-signature",
        summary: "non-member signatures are refused on-chain (SignatureInvalid, CommitteeMismatch) and by the relayer; real ones deliver once",
        run: forged_signature::run,
        deadline: Duration::from_secs(120),
    },
    Scenario {
        name: "light-client",
        summary: "greetings alpha → beta and gamma verified by light clients of alpha's beacon chain alone (no validator runs); idle routes send nothing",
        run: light_client::run,
        deadline: Duration::from_secs(120),
    },
    Scenario {
        name: "light-client-forged",
        summary: "updates signed by a foreign committee and storage proofs against state roots the light client lacks are refused; honest updates deliver once",
        run: light_client_forged::run,
        deadline: Duration::from_secs(120),
    },
    Scenario {
        name: "optimistic",
        summary: "greetings alpha → beta delivered on the proposer's claim once the dispute window passes, checked true by the watcher; no validator runs",
        run: optimistic::run,
        deadline: Duration::from_secs(120),
    },
    Scenario {
        name: "optimistic-fraud",
        summary: "a false claim is vetoed within the window and never accepted, nothing under it is delivered, and the proposer is slashed on the origin",
        run: optimistic_fraud::run,
        deadline: Duration::from_secs(120),
    },
    Scenario {
        name: "endpoints-disagree",
        summary: "the watcher's second endpoint of alpha tells another history: the (true) claim is vetoed as an alarm, never passed, and nobody slashed; without that endpoint and once the owner resumes, delivered",
        run: endpoints_disagree::run,
        deadline: Duration::from_secs(120),
    },
    Scenario {
        name: "equivocation",
        summary: "a validator signs two roots for one index; the watcher shows both to the staking contract and the validator is slashed",
        run: equivocation::run,
        deadline: Duration::from_secs(120),
    },
    Scenario {
        name: "aggregation",
        summary: "committee AND optimistic (2 of 2): signatures alone deliver nothing before the claim matures; a matured claim alone delivers nothing without signatures",
        run: aggregation::run,
        deadline: Duration::from_secs(150),
    },
    Scenario {
        name: "fees",
        summary: "a relayer that requires payment delivers only greetings paid enough on alpha's RelayerFees; paid late, the rest follow; refunds, split and withdrawal exact to the wei",
        run: fees::run,
        deadline: Duration::from_secs(120),
    },
    Scenario {
        name: "pause",
        summary: "a guardian pauses beta's route from alpha: deliveries stop (alpha → gamma goes on) and resume once the owner unpauses",
        run: pause::run,
        deadline: Duration::from_secs(120),
    },
];

/// The scenario named `name`.
pub fn find(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// How to run a scenario.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The seed of the random choices; a fresh one (printed in the report) when `None`.
    pub seed: Option<u64>,
    /// Print steps and checks to stderr as they happen.
    pub live: bool,
}

/// The devnet the scenarios run on: three chains with 1 s blocks — alpha final at depth 2 (deep
/// enough to reorg a block away before it is final), beta and gamma at depth 1 — and the 3-of-5
/// committee. As fast as anvil's interval mining allows in whole seconds (which `resume_mining`
/// needs after the reorg scenario's outage).
pub fn devnet_spec() -> DevnetSpec {
    DevnetSpec {
        chains: vec![
            ChainSpec::new("alpha", 31337, Duration::from_secs(1), 2),
            ChainSpec::new("beta", 31338, Duration::from_secs(1), 1),
            ChainSpec::new("gamma", 31339, Duration::from_secs(1), 1),
        ],
        validators: 5,
        threshold: 3,
        light_client_origin: Some("alpha".to_owned()),
        optimistic_origin: Some("alpha".to_owned()),
    }
}

/// Runs `scenario` on a fresh devnet whose state goes to `dir`, and stops everything it started
/// before returning, whatever happened. Never fails: a failure is in the report.
pub async fn run(scenario: &'static Scenario, dir: &Path, options: &Options) -> Report {
    let started = Instant::now();
    let seed = options.seed.unwrap_or_else(Rng::fresh_seed);
    let mut report = Report {
        scenario: scenario.name.to_owned(),
        passed: false,
        seed,
        data_dir: dir.to_owned(),
        duration_ms: 0,
        steps: Vec::new(),
        checks: Vec::new(),
        timings: Vec::new(),
        failed_check: None,
        error: None,
    };
    let devnet = match Devnet::start(devnet_spec(), dir, |_| {}).await {
        Ok(devnet) => devnet,
        Err(e) => {
            report.error = Some(format!("starting the devnet: {e}"));
            report.duration_ms = context::millis(started.elapsed());
            return report;
        }
    };
    let startup = devnet.startup;
    let config = match agents_config(&devnet, dir) {
        Ok(c) => c,
        Err(e) => {
            devnet.stop().await;
            report.error = Some(format!("configuring the agents: {e:#}"));
            report.duration_ms = context::millis(started.elapsed());
            return report;
        }
    };
    let ctx = match Context::new(scenario.name, devnet, config, seed, options.live, started) {
        Ok(ctx) => Arc::new(ctx),
        Err(e) => {
            report.error = Some(format!("{e:#}"));
            report.duration_ms = context::millis(started.elapsed());
            return report;
        }
    };
    ctx.timing("devnet start", startup);
    ctx.step(format!(
        "devnet up in {startup:.2?}: {}; committee {} of {}; seed {seed}",
        ctx.devnet
            .chains
            .iter()
            .map(|c| format!(
                "{} ({}, {:?} blocks, final at depth {})",
                c.name(),
                c.domain(),
                c.spec.block_time,
                c.spec.finality_depth
            ))
            .collect::<Vec<_>>()
            .join(", "),
        ctx.devnet.threshold,
        ctx.devnet.validator_keys.len()
    ));

    // The story runs in its own task, so that a panic in it is caught, and under a deadline.
    let story_started = Instant::now();
    let task_ctx = Arc::clone(&ctx);
    let mut task = tokio::spawn(async move { (scenario.run)(&task_ctx).await });
    let outcome = match tokio::time::timeout(scenario.deadline, &mut task).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(join)) => Err(eyre::eyre!("the scenario panicked: {join}")),
        Err(_) => {
            task.abort();
            let _ = task.await;
            Err(eyre::eyre!(
                "the scenario did not finish within its deadline of {:?}",
                scenario.deadline
            ))
        }
    };
    ctx.timing("scenario", story_started.elapsed());

    // Always: every agent, then every chain.
    let stopping = Instant::now();
    ctx.stop_agents().await;
    let (steps, checks, mut timings) = ctx.take_record();
    match Arc::try_unwrap(ctx) {
        Ok(ctx) => ctx.devnet.stop().await,
        // Only the story's task held another reference, and it is over; should one remain, dropping
        // ours still leaves the chains to be killed when the last one goes.
        Err(ctx) => drop(ctx),
    }
    timings.push(Timing {
        name: "stop".into(),
        ms: context::millis(stopping.elapsed()),
    });

    report.failed_check = checks.iter().find(|c| !c.passed).map(|c| c.name.clone());
    report.error = match outcome {
        Ok(()) => None,
        Err(e) => Some(match e.downcast_ref::<CheckFailed>() {
            Some(failed) => failed.detail.clone(),
            None => format!("{e:#}"),
        }),
    };
    report.passed = report.error.is_none() && report.failed_check.is_none();
    report.steps = steps;
    report.checks = checks;
    report.timings = timings;
    report.duration_ms = context::millis(started.elapsed());
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_the_spec_is_valid() {
        let mut names: Vec<_> = SCENARIOS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SCENARIOS.len());
        assert!(find("reorg").is_some() && find("nope").is_none());
        let spec = devnet_spec();
        assert!(spec.validate().is_ok());
        // The reorg scenario needs an origin whose blocks are final only two deep or more.
        assert!(
            spec.chains
                .iter()
                .any(|c| c.name == "alpha" && c.finality_depth >= 2)
        );
    }
}

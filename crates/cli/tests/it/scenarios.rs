//! The scenario suite (`courier scenario run NAME`), one test per scenario, through the same
//! `courier_cli::scenario::run` the command uses: each starts its own devnet in a temporary
//! directory and stops it again, passed or not.

use std::process::Command;

use courier_cli::scenario::{self, Options};

/// The scenarios the suite must have.
const NAMES: [&str; 15] = [
    "hello",
    "burst",
    "relayer-crash",
    "validator-outage",
    "reorg",
    "forged-signature",
    "light-client",
    "light-client-forged",
    "optimistic",
    "optimistic-fraud",
    "endpoints-disagree",
    "equivocation",
    "aggregation",
    "fees",
    "pause",
];

async fn passes(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario::find(name).unwrap_or_else(|| panic!("no scenario {name}"));
    let report = scenario::run(
        scenario,
        dir.path(),
        &Options {
            seed: None,
            live: true,
        },
    )
    .await;
    eprintln!("{}", report.text());
    assert!(report.passed, "scenario {name}: {}", report.failure());
    assert!(
        report.checks.len() >= 3 && report.checks.iter().all(|c| c.passed),
        "{name}: {} checks",
        report.checks.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_hello() {
    passes("hello").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_burst() {
    passes("burst").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_relayer_crash() {
    passes("relayer-crash").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_validator_outage() {
    passes("validator-outage").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_reorg() {
    passes("reorg").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_forged_signature() {
    passes("forged-signature").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_light_client() {
    passes("light-client").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_light_client_forged() {
    passes("light-client-forged").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_optimistic() {
    passes("optimistic").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_optimistic_fraud() {
    passes("optimistic-fraud").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_endpoints_disagree() {
    passes("endpoints-disagree").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_equivocation() {
    passes("equivocation").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_aggregation() {
    passes("aggregation").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_fees() {
    passes("fees").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scenario_pause() {
    passes("pause").await;
}

fn courier(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_courier"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn scenario_list_names_every_scenario() {
    let out = courier(&["scenario", "list"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names, NAMES, "{text}");
    // One line each, with what the scenario does.
    assert_eq!(text, courier_cli::cmd::scenario::list_text());
    // Names padded to the longest, then the summary.
    let width = NAMES.iter().map(|n| n.len()).max().unwrap();
    let reorg = format!("{:<width$}  a dispatch reorged away", "reorg");
    assert!(text.lines().any(|l| l.starts_with(&reorg)), "{text}");

    let out = courier(&["scenario", "list", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, NAMES);
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .all(|s| s["summary"].as_str().is_some_and(|t| !t.is_empty()))
    );
}

/// `courier scenario list | head -0`: the reader is gone before anything is written. The command
/// stops quietly and successfully instead of panicking on the broken pipe.
#[test]
fn a_closed_stdout_is_not_a_crash() {
    for args in [
        &["scenario", "list"][..],
        &["scenario", "list", "--json"][..],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_courier"))
            .args(args)
            .stdout(writer)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {err}", out.status);
        assert!(
            !err.contains("panicked") && err.is_empty(),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn an_unknown_scenario_fails_naming_the_known_ones() {
    let out = courier(&["scenario", "run", "nope"]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("no scenario \"nope\"") && err.contains("relayer-crash"),
        "{err}"
    );
}

/// The anvil processes of the devnet the last guard test's story ran on.
static PIDS: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

fn remember_pids(ctx: &scenario::Context) {
    *PIDS.lock().unwrap() = ctx.devnet.chains.iter().map(|c| c.anvil.pid()).collect();
}

fn failing_check(ctx: &scenario::Context) -> scenario::ScenarioFuture<'_> {
    Box::pin(async move {
        remember_pids(ctx);
        ctx.start_validators(&[0, 1, 2]).await?;
        ctx.start_relayer().await?;
        ctx.check("a check that holds", true, "fine")?;
        ctx.check("the check that fails", false, "saw 1, wanted 2")?;
        ctx.check("never reached", true, "")
    })
}

fn panicking(ctx: &scenario::Context) -> scenario::ScenarioFuture<'_> {
    Box::pin(async move {
        remember_pids(ctx);
        ctx.start_relayer().await?;
        panic!("the story panicked on purpose");
    })
}

fn too_slow(ctx: &scenario::Context) -> scenario::ScenarioFuture<'_> {
    Box::pin(async move {
        remember_pids(ctx);
        ctx.start_validators(&[0]).await?;
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
        Ok(())
    })
}

fn timing_out_wait(ctx: &scenario::Context) -> scenario::ScenarioFuture<'_> {
    Box::pin(async move {
        remember_pids(ctx);
        ctx.wait_for(
            "a condition that never holds",
            std::time::Duration::from_millis(600),
            || async { Ok(scenario::Wait::<()>::NotYet("still 0 of 3".into())) },
        )
        .await?;
        Ok(())
    })
}

static GUARDED: [scenario::Scenario; 4] = [
    scenario::Scenario {
        name: "failing-check",
        summary: "",
        run: failing_check,
        deadline: std::time::Duration::from_secs(60),
    },
    scenario::Scenario {
        name: "panicking",
        summary: "",
        run: panicking,
        deadline: std::time::Duration::from_secs(60),
    },
    scenario::Scenario {
        name: "too-slow",
        summary: "",
        run: too_slow,
        deadline: std::time::Duration::from_secs(2),
    },
    scenario::Scenario {
        name: "timing-out-wait",
        summary: "",
        run: timing_out_wait,
        deadline: std::time::Duration::from_secs(60),
    },
];

/// Whatever way a story ends — a failed check, a panic, its deadline, a wait that times out — the
/// report says so, naming the failed check, and every chain the run started is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_scenario_names_its_check_and_stops_everything() {
    let expectations = [
        (Some("the check that fails"), "saw 1, wanted 2"),
        (None, "the scenario panicked"),
        (None, "did not finish within its deadline of 2s"),
        (
            Some("a condition that never holds"),
            "not within 600ms; last seen: still 0 of 3",
        ),
    ];
    for (scenario, (check, error)) in GUARDED.iter().zip(expectations) {
        let dir = tempfile::tempdir().unwrap();
        let report = scenario::run(scenario, dir.path(), &Options::default()).await;
        assert!(!report.passed, "{}", report.text());
        assert_eq!(report.failed_check.as_deref(), check, "{}", report.text());
        let failure = report.failure();
        assert!(failure.contains(error), "{}: {failure}", scenario.name);
        assert!(!report.checks.iter().any(|c| c.name == "never reached"));
        let pids = std::mem::take(&mut *PIDS.lock().unwrap());
        assert_eq!(pids.len(), 3, "{}", scenario.name);
        for pid in pids {
            assert!(
                !std::path::Path::new(&format!("/proc/{pid}")).exists(),
                "{}: anvil {pid} still runs",
                scenario.name
            );
        }
    }
}

//! `courier scenario list` and `courier scenario run NAME`: the scenario suite of
//! [`crate::scenario`] from the command line. A run prints its report (text, or one JSON object
//! under `--json`) on stdout and fails, naming the failed check, when the scenario did not pass.

use std::path::PathBuf;

use eyre::{WrapErr, bail, eyre};
use serde_json::json;

use crate::{
    opts::{GlobalOpts, ScenarioRunArgs},
    output,
    scenario::{self, Options, SCENARIOS},
};

/// Prints every scenario: its name and one line (a JSON array of `{name, summary}` under `--json`).
pub fn list(global: &GlobalOpts) -> eyre::Result<()> {
    if global.json {
        let all: Vec<_> = SCENARIOS
            .iter()
            .map(|s| json!({ "name": s.name, "summary": s.summary }))
            .collect();
        return output::json(&all);
    }
    crate::out!("{}", list_text())?;
    Ok(())
}

/// What `courier scenario list` prints.
pub fn list_text() -> String {
    let width = SCENARIOS.iter().map(|s| s.name.len()).max().unwrap_or(0);
    SCENARIOS
        .iter()
        .map(|s| format!("{:<width$}  {}\n", s.name, s.summary))
        .collect()
}

/// Runs one scenario on a fresh devnet and prints its report.
pub async fn run(args: ScenarioRunArgs, global: &GlobalOpts) -> eyre::Result<()> {
    let scenario = scenario::find(&args.name).ok_or_else(|| {
        let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
        eyre!(
            "no scenario {:?}; there are: {}",
            args.name,
            names.join(", ")
        )
    })?;
    // A temporary directory lives until the end of this function; a kept one is emptied first
    // (the chains it described are gone).
    let (dir, _temporary) = if args.keep_state {
        let dir: PathBuf = global.data_dir.join("scenarios").join(scenario.name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .wrap_err_with(|| format!("emptying {}", dir.display()))?;
        }
        (dir, None)
    } else {
        let temporary = tempfile::Builder::new()
            .prefix(&format!("courier-scenario-{}-", scenario.name))
            .tempdir()
            .wrap_err("creating a temporary directory")?;
        (temporary.path().to_owned(), Some(temporary))
    };
    let options = Options {
        seed: args.seed,
        live: !global.json,
    };
    if !global.json {
        eprintln!(
            "scenario {}: {} (state in {})",
            scenario.name,
            scenario.summary,
            dir.display()
        );
    }
    let report = scenario::run(scenario, &dir, &options).await;
    if global.json {
        output::json(&report)?;
    } else {
        crate::outln!("{}", report.text())?;
    }
    if !report.passed {
        bail!("scenario {} failed: {}", scenario.name, report.failure());
    }
    Ok(())
}

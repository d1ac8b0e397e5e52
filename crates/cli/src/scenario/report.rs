//! What a scenario run produced: the steps it took, the checks it made (each with what was seen),
//! its timings, and whether it passed — printed as text for people or as one JSON object.

use std::{fmt::Write as _, path::PathBuf};

use serde::Serialize;

/// Something the scenario did, with when (since the run started).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Milliseconds since the run started.
    pub at_ms: u64,
    /// What was done.
    pub text: String,
}

/// One check of an outcome, passed or not, with what was actually seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// Whether it held.
    pub passed: bool,
    /// What was seen.
    pub detail: String,
}

/// A measured duration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    /// What was measured.
    pub name: String,
    /// How long it took, in milliseconds.
    pub ms: u64,
}

/// The outcome of one scenario run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// Whether every check held and nothing went wrong.
    pub passed: bool,
    /// The seed of the run's random choices (rerun with `--seed` to repeat them).
    pub seed: u64,
    /// Where the devnet kept its state.
    pub data_dir: PathBuf,
    /// Wall-clock duration of the whole run (devnet start and stop included), in milliseconds.
    pub duration_ms: u64,
    /// What was done.
    pub steps: Vec<Step>,
    /// What was checked.
    pub checks: Vec<Check>,
    /// What was measured.
    pub timings: Vec<Timing>,
    /// The first check that failed, if one did.
    pub failed_check: Option<String>,
    /// Why the run failed, if it did (the failed check and what was seen, or the error).
    pub error: Option<String>,
}

impl Report {
    /// The report as text: a verdict line, then steps, checks and timings.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let verdict = if self.passed { "PASSED" } else { "FAILED" };
        let _ = writeln!(
            out,
            "scenario {}: {verdict} in {:.1}s (seed {}, state in {})",
            self.scenario,
            self.duration_ms as f64 / 1000.0,
            self.seed,
            self.data_dir.display()
        );
        let _ = writeln!(out, "\nwhat was done:");
        for step in &self.steps {
            let _ = writeln!(
                out,
                "  [{:>7.2}s] {}",
                step.at_ms as f64 / 1000.0,
                step.text
            );
        }
        let _ = writeln!(out, "\nwhat was checked:");
        for check in &self.checks {
            let mark = if check.passed { "ok  " } else { "FAIL" };
            let _ = writeln!(out, "  {mark} {}", check.name);
            let _ = writeln!(out, "       {}", check.detail);
        }
        let _ = writeln!(out, "\ntimings:");
        let width = self.timings.iter().map(|t| t.name.len()).max().unwrap_or(0);
        for timing in &self.timings {
            let _ = writeln!(
                out,
                "  {:<width$}  {:>8.2}s",
                timing.name,
                timing.ms as f64 / 1000.0
            );
        }
        if let Some(error) = &self.error {
            let _ = writeln!(out, "\nfailure: {error}");
        }
        out
    }

    /// One line saying why the run failed (empty when it passed).
    pub fn failure(&self) -> String {
        match (&self.failed_check, &self.error) {
            (Some(check), Some(error)) => format!("check failed: {check}: {error}"),
            (None, Some(error)) => error.clone(),
            (Some(check), None) => format!("check failed: {check}"),
            (None, None) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(passed: bool) -> Report {
        Report {
            scenario: "hello".into(),
            passed,
            seed: 7,
            data_dir: "/tmp/x".into(),
            duration_ms: 12_345,
            steps: vec![Step {
                at_ms: 1_500,
                text: "sent 3 greetings".into(),
            }],
            checks: vec![Check {
                name: "beta received 1".into(),
                passed,
                detail: "HelloApp.received() = 1".into(),
            }],
            timings: vec![Timing {
                name: "delivery".into(),
                ms: 4_250,
            }],
            failed_check: (!passed).then(|| "beta received 1".into()),
            error: (!passed).then(|| "HelloApp.received() = 0".into()),
        }
    }

    #[test]
    fn text_names_the_verdict_checks_and_timings() {
        let text = sample(true).text();
        assert!(
            text.starts_with("scenario hello: PASSED in 12.3s (seed 7, state in /tmp/x)"),
            "{text}"
        );
        assert!(text.contains("[   1.50s] sent 3 greetings"), "{text}");
        assert!(text.contains("ok   beta received 1"), "{text}");
        assert!(text.contains("delivery      4.25s"), "{text}");
        assert!(!text.contains("failure:"), "{text}");
        assert_eq!(sample(true).failure(), "");

        let failed = sample(false);
        assert!(failed.text().contains("FAIL beta received 1"));
        assert_eq!(
            failed.failure(),
            "check failed: beta received 1: HelloApp.received() = 0"
        );
    }

    #[test]
    fn json_has_passed_checks_and_timings() {
        let json = serde_json::to_value(sample(false)).unwrap_or_default();
        assert_eq!(json["passed"], false);
        assert_eq!(json["checks"][0]["passed"], false);
        assert_eq!(json["timings"][0]["ms"], 4250);
        assert_eq!(json["failedCheck"], "beta received 1");
        assert_eq!(json["steps"][0]["atMs"], 1500);
    }
}

//! `courier light-client verify` on the shared Ethereum data: the spec vectors and mainnet updates
//! pass; a tampered update and a tampered expectation each fail, naming the step and why.

use std::{path::PathBuf, process::Command};

fn data() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/ethereum-light-client");
    assert!(
        dir.is_dir(),
        "shared light-client data not found at {}",
        dir.display()
    );
    dir
}

const MAINNET_ROOT: &str = "0x5afc212a7924789b2bc86acad3ab3a6ffb1f6e97253ea50bee7f4f51422c9275";

fn courier(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_courier"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn spec_vectors_pass_every_check_of_steps_yaml() {
    let dir = data().join("spec-electra-minimal/light_client_sync");
    let (ok, out, err) = courier(&["light-client", "verify", dir.to_str().unwrap()]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("all 10 steps passed"), "{out}");

    // --json: one object per line, bootstrap first, then one per step.
    let (ok, out, err) = courier(&["light-client", "verify", dir.to_str().unwrap(), "--json"]);
    assert!(ok, "{err}");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 11);
    let last = &rows[10];
    assert_eq!(last["finalized"]["slot"], 264, "{last}");
    assert!(last["optimistic"]["execution_state_root"].is_string());
}

#[test]
fn mainnet_updates_verify_with_the_mainnet_preset() {
    let dir = data().join("mainnet-capella");
    let (ok, out, err) = courier(&[
        "light-client",
        "verify",
        "--bootstrap",
        dir.join("bootstrap.json").to_str().unwrap(),
        "--updates",
        dir.join("updates.json").to_str().unwrap(),
        "--trusted-root",
        MAINNET_ROOT,
        "--json",
    ]);
    assert!(ok, "{out}\n{err}");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 7);
    assert_eq!(rows[6]["finalized"]["slot"], 7_104_096);
    assert_eq!(rows[6]["finalized"]["execution_block_number"], 17_917_816);
    assert_eq!(rows[2]["participants"], 512);
}

#[test]
fn a_tampered_update_fails_naming_it() {
    let dir = data().join("mainnet-capella");
    let mut updates: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("updates.json")).unwrap()).unwrap();
    // Flip one bit of the third update's signature (a hex digit in the middle).
    let sig = updates[2]["data"]["sync_aggregate"]["sync_committee_signature"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut chars: Vec<char> = sig.chars().collect();
    chars[100] = if chars[100] == '0' { '1' } else { '0' };
    updates[2]["data"]["sync_aggregate"]["sync_committee_signature"] =
        chars.into_iter().collect::<String>().into();
    let tmp = tempfile::tempdir().unwrap();
    let tampered = tmp.path().join("updates.json");
    std::fs::write(&tampered, updates.to_string()).unwrap();
    let (ok, out, err) = courier(&[
        "light-client",
        "verify",
        "--bootstrap",
        dir.join("bootstrap.json").to_str().unwrap(),
        "--updates",
        tampered.to_str().unwrap(),
        "--trusted-root",
        MAINNET_ROOT,
    ]);
    assert!(!ok);
    assert!(out.contains("step 2 "), "the first two were applied: {out}");
    assert!(
        err.contains("update 3 of 6") && err.contains("signature"),
        "{err}"
    );

    // A wrong trusted root refuses the bootstrap itself.
    let (ok, _, err) = courier(&[
        "light-client",
        "verify",
        "--bootstrap",
        dir.join("bootstrap.json").to_str().unwrap(),
        "--updates",
        dir.join("updates.json").to_str().unwrap(),
        "--trusted-root",
        "0x0000000000000000000000000000000000000000000000000000000000000001",
    ]);
    assert!(!ok);
    assert!(err.contains("bootstrap refused"), "{err}");
}

#[test]
fn a_check_that_differs_fails_naming_the_step_and_field() {
    let src = data().join("spec-electra-minimal/light_client_sync");
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).unwrap();
    }
    let steps = std::fs::read_to_string(tmp.path().join("steps.yaml")).unwrap();
    // The third step expects finalized slot 96; say 97 instead.
    let changed = steps.replacen("slot: 96", "slot: 97", 1);
    assert_ne!(changed, steps);
    std::fs::write(tmp.path().join("steps.yaml"), changed).unwrap();
    let (ok, _, err) = courier(&["light-client", "verify", tmp.path().to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("step 3: finalized header slot is 96, steps.yaml expects 97"),
        "{err}"
    );

    let (ok, _, err) = courier(&["light-client", "verify"]);
    assert!(!ok);
    assert!(err.contains("give either a spec test directory"), "{err}");
}

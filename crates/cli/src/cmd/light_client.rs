//! `courier light-client verify`: runs the Rust light client over recorded data and prints, after
//! each update, the finalized and optimistic headers it holds.
//!
//! Two inputs: a consensus-spec `light_client/sync` test directory (its `steps.yaml` is followed,
//! and every `checks` entry compared), or a bootstrap and a list of updates in the beacon API's
//! JSON. It stops at the first update the light client refuses, or the first check that differs,
//! and fails naming it.

use std::path::Path;

use alloy_primitives::B256;
use courier_lightclient::{
    ChainConfig, HeaderSummary, LightClient, LightClientUpdate, Preset, UpdateOutcome,
    UpdatePolicy, bootstrap_from_json,
    spec_test::{SpecStep, SpecTest},
    updates_from_json,
};
use eyre::{WrapErr, bail, eyre};
use serde_json::json;

use crate::opts::{GlobalOpts, LightClientPreset, LightClientVerifyArgs};

/// What happened at one step, as printed.
struct Row<'a> {
    step: usize,
    what: String,
    outcome: Option<UpdateOutcome>,
    participants: Option<(u64, usize)>,
    client: &'a LightClient,
}

/// Verifies the data `args` names.
pub fn verify(args: LightClientVerifyArgs, global: &GlobalOpts) -> eyre::Result<()> {
    let policy = if args.strict {
        UpdatePolicy::SupermajorityForFinality
    } else {
        UpdatePolicy::Spec
    };
    match (&args.dir, &args.bootstrap, &args.updates) {
        (Some(dir), None, None) => verify_spec(dir, policy, global),
        (None, Some(bootstrap), Some(updates)) => {
            verify_json(bootstrap, updates, &args, policy, global)
        }
        _ => bail!(
            "give either a spec test directory, or --bootstrap FILE and --updates FILE (beacon API JSON)"
        ),
    }
}

fn verify_spec(dir: &Path, policy: UpdatePolicy, global: &GlobalOpts) -> eyre::Result<()> {
    let case = SpecTest::load(dir).wrap_err("reading the spec test directory")?;
    let Some(steps) = &case.steps else {
        bail!(
            "{}: no steps.yaml, so the order of the updates is unknown",
            dir.display()
        );
    };
    let mut client = case.client().wrap_err_with(|| {
        format!(
            "bootstrap refused (trusted block root {})",
            case.meta.trusted_block_root
        )
    })?;
    print_bootstrap(&client, global)?;
    for (i, step) in steps.iter().enumerate() {
        let n = i + 1;
        let (what, outcome, participants) = match step {
            SpecStep::ProcessUpdate {
                update_fork_digest,
                update,
                current_slot,
                ..
            } => {
                let decoded = case
                    .update(update, *update_fork_digest)
                    .wrap_err_with(|| format!("step {n}: reading {update}"))?;
                let outcome = client
                    .process_update(&decoded, *current_slot, policy)
                    .map_err(|e| eyre!("step {n}: update {update} refused: {e}"))?;
                (
                    format!("update {update} at slot {current_slot}"),
                    Some(outcome),
                    Some(participants(&decoded)),
                )
            }
            SpecStep::ForceUpdate { current_slot, .. } => {
                let outcome = client
                    .force_update(*current_slot)
                    .map_err(|e| eyre!("step {n}: forced update refused: {e}"))?;
                (
                    format!("forced update at slot {current_slot}"),
                    outcome,
                    None,
                )
            }
        };
        print_row(
            &Row {
                step: n,
                what,
                outcome,
                participants,
                client: &client,
            },
            global,
        )?;
        let checks = step.checks();
        for (name, want, got) in [
            ("finalized", &checks.finalized_header, client.finalized()),
            ("optimistic", &checks.optimistic_header, client.optimistic()),
        ] {
            if let Some((field, expected, actual)) = want.mismatch(&got) {
                bail!("step {n}: {name} header {field} is {actual}, steps.yaml expects {expected}");
            }
        }
    }
    if !global.json {
        crate::outln!(
            "all {} steps passed; every check of steps.yaml holds",
            steps.len()
        )?;
    }
    Ok(())
}

fn verify_json(
    bootstrap: &Path,
    updates: &Path,
    args: &LightClientVerifyArgs,
    policy: UpdatePolicy,
    global: &GlobalOpts,
) -> eyre::Result<()> {
    let config = chain_config(args)?;
    let (_, boot) = bootstrap_from_json(&read(bootstrap)?, &config.preset)
        .wrap_err_with(|| format!("{}: not a light-client bootstrap", bootstrap.display()))?;
    let header_root = boot.header.beacon.hash_tree_root();
    let trusted = args.trusted_root.unwrap_or(header_root);
    if args.trusted_root.is_none() && !global.json {
        eprintln!(
            "note: no --trusted-root given; trusting the bootstrap's own block root {header_root}"
        );
    }
    let mut client = LightClient::bootstrap(config.clone(), boot, trusted)
        .map_err(|e| eyre!("{}: bootstrap refused: {e}", bootstrap.display()))?;
    print_bootstrap(&client, global)?;
    let list: Vec<LightClientUpdate> = updates_from_json(&read(updates)?, &config.preset)
        .wrap_err_with(|| format!("{}: not a list of light-client updates", updates.display()))?
        .into_iter()
        .map(|(_, u)| u)
        .collect();
    if list.is_empty() {
        bail!("{}: no updates", updates.display());
    }
    for (i, update) in list.iter().enumerate() {
        let n = i + 1;
        let current_slot = args.current_slot.unwrap_or(update.signature_slot);
        let outcome = client
            .process_update(update, current_slot, policy)
            .map_err(|e| {
                eyre!(
                    "update {n} of {} (attested slot {}, signature slot {}) refused: {e}",
                    list.len(),
                    update.attested_header.beacon.slot,
                    update.signature_slot
                )
            })?;
        print_row(
            &Row {
                step: n,
                what: format!(
                    "update {n} of {} (attested slot {})",
                    list.len(),
                    update.attested_header.beacon.slot
                ),
                outcome: Some(outcome),
                participants: Some(participants(update)),
                client: &client,
            },
            global,
        )?;
    }
    if !global.json {
        crate::outln!("all {} updates verified", list.len())?;
    }
    Ok(())
}

fn chain_config(args: &LightClientVerifyArgs) -> eyre::Result<ChainConfig> {
    match (&args.config, args.preset) {
        (Some(path), preset) => {
            let root = args.genesis_validators_root.ok_or_else(|| {
                eyre!(
                    "--config needs --genesis-validators-root (it is part of every signing domain)"
                )
            })?;
            let config = ChainConfig::from_spec_config_yaml(&read(path)?, root)
                .wrap_err_with(|| format!("{}: not a chain config", path.display()))?;
            let wanted = preset_of(preset);
            if config.preset.name != wanted.name {
                bail!(
                    "{} is a {} config, but --preset {} was given",
                    path.display(),
                    config.preset.name,
                    wanted.name
                );
            }
            Ok(config)
        }
        (None, LightClientPreset::Mainnet) => {
            let mut config = ChainConfig::mainnet();
            if let Some(root) = args.genesis_validators_root {
                config.genesis_validators_root = root;
            }
            Ok(config)
        }
        (None, LightClientPreset::Minimal) => bail!(
            "the minimal preset has no built-in chain: give its config.yaml with --config and \
             --genesis-validators-root"
        ),
    }
}

fn preset_of(preset: LightClientPreset) -> Preset {
    match preset {
        LightClientPreset::Mainnet => Preset::MAINNET,
        LightClientPreset::Minimal => Preset::MINIMAL,
    }
}

fn read(path: &Path) -> eyre::Result<String> {
    std::fs::read_to_string(path).wrap_err_with(|| format!("reading {}", path.display()))
}

fn participants(update: &LightClientUpdate) -> (u64, usize) {
    (
        update.sync_aggregate.num_participants(),
        update.sync_aggregate.len(),
    )
}

fn header_json(h: &HeaderSummary) -> serde_json::Value {
    json!({
        "slot": h.slot,
        "beacon_root": h.beacon_root,
        "execution_state_root": h.execution_state_root,
        "execution_block_number": h.block_number,
        "execution_block_hash": h.block_hash,
        "execution_root": h.execution_root,
    })
}

fn header_text(h: &HeaderSummary) -> String {
    format!(
        "slot {} root {} | execution block {} state root {}",
        h.slot, h.beacon_root, h.block_number, h.execution_state_root
    )
}

fn print_bootstrap(client: &LightClient, global: &GlobalOpts) -> eyre::Result<()> {
    let f = client.finalized();
    if global.json {
        crate::outln!(
            "{}",
            json!({ "step": 0, "what": "bootstrap", "period": client.store_period(), "finalized": header_json(&f) })
        )
    } else {
        crate::outln!(
            "bootstrap   period {}  finalized {}",
            client.store_period(),
            header_text(&f)
        )
    }
}

fn print_row(row: &Row<'_>, global: &GlobalOpts) -> eyre::Result<()> {
    let (f, o) = (row.client.finalized(), row.client.optimistic());
    let outcome = row.outcome.unwrap_or_default();
    if global.json {
        return crate::outln!(
            "{}",
            json!({
                "step": row.step,
                "what": row.what,
                "participants": row.participants.map(|(n, _)| n),
                "committee_size": row.participants.map(|(_, size)| size),
                "applied": row.outcome.is_some(),
                "finalized_advanced": outcome.finalized_advanced,
                "optimistic_advanced": outcome.optimistic_advanced,
                "sync_committee_rotated": outcome.sync_committee_rotated,
                "next_sync_committee_learned": outcome.next_sync_committee_learned,
                "stored_as_best": outcome.stored_as_best,
                "period": row.client.store_period(),
                "finalized": header_json(&f),
                "optimistic": header_json(&o),
            })
        );
    }
    let mut notes = Vec::new();
    if let Some((n, size)) = row.participants {
        notes.push(format!("{n}/{size} signed"));
    }
    if row.outcome.is_none() {
        notes.push("nothing to force".into());
    }
    for (flag, text) in [
        (outcome.finalized_advanced, "finalized moved"),
        (outcome.sync_committee_rotated, "committee rotated"),
        (
            outcome.next_sync_committee_learned,
            "next committee learned",
        ),
        (
            outcome.stored_as_best && !outcome.finalized_advanced,
            "kept as best update",
        ),
    ] {
        if flag {
            notes.push(text.into());
        }
    }
    crate::outln!("step {:<3} {} ({})", row.step, row.what, notes.join(", "))?;
    crate::outln!("  finalized   {}", header_text(&f))?;
    crate::outln!("  optimistic  {}", header_text(&o))
}

/// Parses a 32-byte hex value (for clap).
pub fn parse_b256(s: &str) -> Result<B256, String> {
    s.parse::<B256>()
        .map_err(|e| format!("{s:?} is not a 32-byte hex value: {e}"))
}

//! `courier changes --rpc URL --timelock ADDR`: the configuration changes a timelock announced —
//! every operation scheduled, when it can run, whether it ran or was cancelled, and what it does.

use courier_chain::timelock::{ChangeState, scheduled_changes};
use eyre::WrapErr;
use serde_json::json;

use crate::{
    opts::{ChangesArgs, GlobalOpts},
    output,
};

/// Lists the changes.
pub async fn run(args: ChangesArgs, global: &GlobalOpts) -> eyre::Result<()> {
    let mut changes = scheduled_changes(&args.rpc, args.timelock, args.from_block)
        .await
        .wrap_err_with(|| format!("reading the timelock {}", args.timelock))?;
    if args.pending {
        changes.retain(|c| matches!(c.state, ChangeState::Pending | ChangeState::Ready));
    }
    if global.json {
        return output::json(&json!({ "timelock": args.timelock, "changes": changes }));
    }
    if changes.is_empty() {
        crate::outln!("no changes scheduled by {}", args.timelock)?;
        return Ok(());
    }
    crate::outln!(
        "{:<9}  {:<24}  {:<42}  call",
        "state",
        "runs from",
        "target"
    )?;
    for c in &changes {
        crate::outln!(
            "{:<9}  {:<24}  {:<42}  {}",
            c.state.to_string(),
            output::time(c.ready_at.saturating_mul(1000)),
            c.target.to_string(),
            c.call
        )?;
    }
    Ok(())
}

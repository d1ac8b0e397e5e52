//! `courier messages`: recent messages and their states.

use courier_store::{MessageFilter, MessageState};
use eyre::WrapErr;
use serde_json::json;

use crate::{
    cmd::relayer_store,
    opts::{GlobalOpts, MessagesArgs},
    output,
};

/// Lists the most recent messages, newest first.
pub fn run(args: MessagesArgs, global: &GlobalOpts) -> eyre::Result<()> {
    let store = relayer_store(&global.data_dir)?;
    let state = args
        .state
        .as_deref()
        .map(str::parse::<MessageState>)
        .transpose()
        .wrap_err("--state")?;
    let records = store.messages(
        &MessageFilter {
            state,
            ..Default::default()
        },
        args.limit,
    )?;
    if global.json {
        let list: Vec<_> = records
            .iter()
            .map(|r| json!({ "id": r.id, "state": r.state.as_str(), "origin": r.message.origin, "destination": r.message.destination, "nonce": r.message.nonce, "attempts": r.attempts, "lastError": r.last_error, "updatedAt": output::time(r.updated_at_ms) }))
            .collect();
        return output::json(&list);
    }
    if records.is_empty() {
        crate::outln!("no messages yet")?;
        return Ok(());
    }
    crate::outln!(
        "{:<66}  {:>7} → {:<7}  {:>5}  {:<10}  updated",
        "id",
        "origin",
        "dest",
        "nonce",
        "state"
    )?;
    for r in records {
        crate::outln!(
            "{:<66}  {:>7} → {:<7}  {:>5}  {:<10}  {}",
            r.id.to_string(),
            r.message.origin,
            r.message.destination,
            r.message.nonce,
            r.state.as_str(),
            output::time(r.updated_at_ms)
        )?;
    }
    Ok(())
}

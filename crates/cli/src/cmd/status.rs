//! `courier status ID`: a message's story from the relayer's database.

use eyre::eyre;
use serde_json::json;

use crate::{
    cmd::relayer_store,
    opts::{GlobalOpts, StatusArgs},
    output,
};

/// Prints the message's fields and its state history.
pub fn run(args: StatusArgs, global: &GlobalOpts) -> eyre::Result<()> {
    let store = relayer_store(&global.data_dir)?;
    let story = store
        .story(args.id)?
        .ok_or_else(|| eyre!("message {} is not known to the relayer (yet)", args.id))?;
    let r = &story.record;
    if global.json {
        let history: Vec<_> = story
            .history
            .iter()
            .map(|h| json!({ "state": h.state.as_str(), "at": output::time(h.at_ms), "atMs": h.at_ms, "block": h.block, "tx": h.tx, "detail": h.detail }))
            .collect();
        return output::json(&json!({
            "id": r.id, "state": r.state.as_str(), "origin": r.message.origin, "destination": r.message.destination,
            "nonce": r.message.nonce, "sender": r.message.sender, "recipient": r.message.recipient,
            "body": format!("0x{}", alloy_primitives::hex::encode(&r.message.body)),
            "dispatchBlock": r.dispatch_block.number, "dispatchTx": r.dispatch_tx, "attempts": r.attempts,
            "lastError": r.last_error, "delivered": r.delivered.map(|d| json!({ "tx": d.tx, "block": d.block, "atMs": d.at_ms })),
            "history": history,
        }));
    }
    crate::outln!("message   {}", r.id)?;
    crate::outln!(
        "route     {} → {}  (nonce {})",
        r.message.origin,
        r.message.destination,
        r.message.nonce
    )?;
    crate::outln!("state     {}", r.state)?;
    crate::outln!(
        "dispatch  block {}  tx {}",
        r.dispatch_block.number,
        r.dispatch_tx
    )?;
    if let Some(d) = r.delivered {
        crate::outln!("delivery  block {}  tx {}", d.block, d.tx)?;
    }
    if let Some(e) = &r.last_error {
        crate::outln!("last err  {e}  (attempts: {})", r.attempts)?;
    }
    crate::outln!()?;
    for h in &story.history {
        let block = h.block.map_or(String::new(), |b| format!("block {b}"));
        crate::outln!(
            "{}  {:<11} {:<12} {}",
            output::time(h.at_ms),
            h.state.as_str(),
            block,
            h.detail
        )?;
    }
    Ok(())
}

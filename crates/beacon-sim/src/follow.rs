//! Following the execution chain: polls anvil's head, turns each new block into its beacon block,
//! and cuts the simulated chain back when anvil's chain changed under it (`anvil_reorg`,
//! `anvil_rollback`, `evm_revert`).

use std::{sync::Arc, time::Duration};

use alloy::{eips::BlockNumberOrTag, providers::Provider};
use tokio_util::sync::CancellationToken;

use crate::{
    error::{Error, Result},
    execution::payload_header,
    sim::Shared,
};

/// Brings the simulated chain up to anvil's head once.
pub(crate) async fn sync(shared: &Shared) -> Result<()> {
    // One sync at a time: the background poll and an explicit `sync_now` must not both append.
    let _guard = shared.sync_lock.lock().await;
    let rpc_url = shared.rpc_url.as_str();
    let provider = &shared.provider;
    let head = provider
        .get_block_number()
        .await
        .map_err(|e| Error::rpc(rpc_url, "eth_blockNumber", e))?;

    // Drop simulated blocks that are no longer anvil's: above its head, or with another hash.
    while let Some((tip, hash)) =
        shared.read_chain(|c| c.head().map(|b| (b.slot(), b.block_hash())))
    {
        if tip > head {
            shared.truncate(head + 1);
            continue;
        }
        let block = provider
            .get_block_by_number(BlockNumberOrTag::Number(tip))
            .await
            .map_err(|e| Error::rpc(rpc_url, "eth_getBlockByNumber", e))?;
        match block {
            Some(block) if block.header.hash == hash => break,
            _ => {
                tracing::info!(
                    slot = tip,
                    %hash,
                    rpc_url,
                    "execution block replaced: dropping its beacon block"
                );
                shared.truncate(tip);
            }
        }
    }

    let max_withdrawals = crate::config::max_withdrawals_per_payload(&shared.config.preset);
    let preset = shared.config.preset;
    for number in shared.read_chain(|c| c.len())..=head {
        let block = provider
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .full()
            .await
            .map_err(|e| Error::rpc(rpc_url, "eth_getBlockByNumber", e))?
            .ok_or_else(|| Error::MissingBlock {
                rpc_url: rpc_url.to_owned(),
                number,
            })?;
        let execution = payload_header(&block, max_withdrawals)?;
        // Derive the committees the block's state names before taking the write lock (a mainnet
        // committee takes a while).
        let period = preset.period_at_slot(number);
        shared.committees.get(period)?;
        shared.committees.get(period + 1)?;
        let appended = shared.write_chain(|chain| -> Result<bool> {
            let parent_matches = chain
                .head()
                .is_none_or(|parent| parent.block_hash() == execution.parent_hash);
            if !parent_matches {
                // anvil reorganised while we were reading: the next sync walks back.
                return Ok(false);
            }
            chain.push(execution, &shared.committees)?;
            Ok(true)
        })?;
        if !appended {
            break;
        }
        shared.head.send_replace(Some(number));
    }
    Ok(())
}

/// Polls every `interval` until `cancel` fires; errors are logged once each (and kept for
/// [`crate::BeaconSim::wait_for_slot`]'s message), and retried at every poll.
pub(crate) async fn run(shared: Arc<Shared>, interval: Duration, cancel: CancellationToken) {
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
        match sync(&shared).await {
            Ok(()) => {
                if shared.set_last_error(None).is_some() {
                    tracing::info!(rpc_url = shared.rpc_url, "beacon simulator follows again");
                }
            }
            Err(error) => {
                // Once per distinct error, not at every poll while it lasts.
                let message = error.to_string();
                if shared.set_last_error(Some(message.clone())).as_ref() != Some(&message) {
                    tracing::warn!(
                        %error,
                        rpc_url = shared.rpc_url,
                        "beacon simulator could not follow the execution chain"
                    );
                }
            }
        }
    }
}

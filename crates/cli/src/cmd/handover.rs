//! `courier handover --rpc URL --timelock ADDR CONTRACT...`: hands Courier's contracts on one chain
//! to a `TimelockController`, after their first configuration. Each contract's owner (the key in
//! the environment) offers it to the timelock (`transferOwnership`); the timelock's acceptance of
//! all of them is scheduled as one batch (`acceptOwnership` each), which becomes a change anyone
//! can see coming (`courier changes`). `--execute`, once the timelock's delay has passed, runs the
//! batch: from then on every configuration change goes through the timelock.
//!
//! Every step can be run again: it skips what is done (a contract the timelock owns, an acceptance
//! already scheduled) and says so; an offer made again only repeats the same offer.

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    sol_types::SolCall,
};
use courier_bindings::TimelockController;
use eyre::{WrapErr, bail};
use serde_json::json;

use crate::{
    opts::{GlobalOpts, HandoverArgs},
    output,
};

alloy::sol! {
    /// What every Courier contract with an owner answers (`Ownable`; `Ownable2Step` adds the
    /// pending owner and its acceptance).
    #[sol(rpc)]
    interface IOwned {
        function owner() external view returns (address);
        function transferOwnership(address newOwner) external;
        function acceptOwnership() external;
    }
}

/// The handover of `contracts` to `timelock`: the batch's salt (fixed by the contracts, so a
/// second run finds the same operation).
fn salt(contracts: &[Address]) -> B256 {
    let mut bytes = b"courier handover".to_vec();
    for c in contracts {
        bytes.extend_from_slice(c.as_slice());
    }
    keccak256(bytes)
}

/// Offers, schedules or executes; prints where the handover stands.
pub async fn run(args: HandoverArgs, global: &GlobalOpts) -> eyre::Result<()> {
    if args.contracts.is_empty() {
        bail!("name at least one contract to hand over");
    }
    let signer = super::key_from_env(&args.key_env, "the owner's")?;
    let me = signer.address();
    let provider: DynProvider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(args.rpc.clone())
        .erased();
    let timelock = TimelockController::new(args.timelock, provider.clone());
    let delay = timelock
        .getMinDelay()
        .call()
        .await
        .wrap_err_with(|| format!("{} is not a TimelockController", args.timelock))?;

    let mut lines = Vec::new();
    if !args.execute {
        // Offer each contract to the timelock. A plain `Ownable` contract (the example app) is
        // the timelock's at once; `Ownable2Step` ones wait for the timelock to accept.
        for c in &args.contracts {
            let owned = IOwned::new(*c, &provider);
            let owner = owned
                .owner()
                .call()
                .await
                .wrap_err_with(|| format!("{c} has no owner() (not a Courier contract?)"))?;
            if owner == args.timelock {
                lines.push(format!("{c}: owned by the timelock already"));
                continue;
            }
            if owner != me {
                bail!(
                    "{c} is owned by {owner}, not by the key in {}",
                    args.key_env
                );
            }
            let receipt = owned
                .transferOwnership(args.timelock)
                .send()
                .await
                .wrap_err_with(|| format!("offering {c} to the timelock"))?
                .get_receipt()
                .await?;
            if !receipt.status() {
                bail!(
                    "transferOwnership on {c} reverted ({})",
                    receipt.transaction_hash
                );
            }
            let now = owned.owner().call().await?;
            lines.push(if now == args.timelock {
                format!(
                    "{c}: owned by the timelock now (tx {})",
                    receipt.transaction_hash
                )
            } else {
                format!(
                    "{c}: offered to the timelock (tx {})",
                    receipt.transaction_hash
                )
            });
        }
    }
    // What the timelock still has to accept: the same list on every run with the same contracts.
    let mut batch = Vec::new();
    for c in &args.contracts {
        if IOwned::new(*c, &provider).owner().call().await? != args.timelock {
            batch.push(*c);
        }
    }
    if batch.is_empty() {
        lines.push("every contract is owned by the timelock".to_owned());
        return report(global, &lines, None, None);
    }
    let payload: Bytes = IOwned::acceptOwnershipCall {}.abi_encode().into();
    let payloads = vec![payload; batch.len()];
    let values = vec![U256::ZERO; batch.len()];
    let salt = salt(&batch);
    let id = timelock
        .hashOperationBatch(
            batch.clone(),
            values.clone(),
            payloads.clone(),
            B256::ZERO,
            salt,
        )
        .call()
        .await
        .wrap_err("hashing the handover batch")?;

    if args.execute {
        if !timelock.isOperation(id).call().await? {
            bail!(
                "the acceptance {id} by the timelock is not scheduled: run this command without --execute first"
            );
        }
        if !timelock.isOperationReady(id).call().await? {
            let at = timelock.getTimestamp(id).call().await?;
            let at = u64::try_from(at).unwrap_or(u64::MAX);
            bail!(
                "the acceptance {id} may run from {}, not yet",
                output::time(at.saturating_mul(1000))
            );
        }
        let receipt = timelock
            .executeBatch(batch.clone(), values, payloads, B256::ZERO, salt)
            .send()
            .await
            .wrap_err("executing the acceptance (does the key hold the timelock's executor role?)")?
            .get_receipt()
            .await?;
        if !receipt.status() {
            bail!("the execution {} reverted", receipt.transaction_hash);
        }
        lines.push(format!(
            "the timelock accepted {} contract(s) (operation {id}, tx {})",
            batch.len(),
            receipt.transaction_hash
        ));
        for c in &args.contracts {
            let owner = IOwned::new(*c, &provider).owner().call().await?;
            if owner != args.timelock {
                bail!("{c} is owned by {owner}, not the timelock");
            }
        }
        lines.push("every contract is owned by the timelock".to_owned());
        return report(global, &lines, Some(id), None);
    }

    // Schedule the acceptance, once.
    if timelock.isOperation(id).call().await? {
        lines.push(format!("the acceptance {id} is scheduled already"));
    } else {
        let receipt = timelock
            .scheduleBatch(batch.clone(), values, payloads, B256::ZERO, salt, delay)
            .send()
            .await
            .wrap_err(
                "scheduling the acceptance (does the key hold the timelock's proposer role?)",
            )?
            .get_receipt()
            .await?;
        if !receipt.status() {
            bail!("scheduling reverted ({})", receipt.transaction_hash);
        }
        lines.push(format!(
            "scheduled the timelock's acceptance of {} contract(s): operation {id} (tx {}), delay {delay} s",
            batch.len(),
            receipt.transaction_hash
        ));
    }
    let ready = u64::try_from(timelock.getTimestamp(id).call().await?).unwrap_or(u64::MAX);
    lines.push(format!(
        "from {} on, run the same command with --execute",
        output::time(ready.saturating_mul(1000))
    ));
    report(global, &lines, Some(id), Some(ready))
}

fn report(
    global: &GlobalOpts,
    lines: &[String],
    id: Option<B256>,
    ready: Option<u64>,
) -> eyre::Result<()> {
    if global.json {
        return output::json(&json!({ "operation": id, "readyAt": ready, "steps": lines }));
    }
    for line in lines {
        crate::outln!("{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_salt_names_the_contracts_in_order() {
        let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
        assert_eq!(salt(&[a, b]), salt(&[a, b]));
        assert_ne!(salt(&[a, b]), salt(&[b, a]));
        assert_ne!(salt(&[a]), salt(&[a, b]));
    }
}

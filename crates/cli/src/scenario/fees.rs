//! `fees`: the relayer delivers only messages paid for on their origin's `RelayerFees`. Three
//! greetings alpha → beta: one paid above the relayer's minimum, one not paid, one paid below it.
//! Only the first is delivered; the others wait, the relayer saying what was paid. Paid late (and
//! topped up: payments add up), they are delivered once. Every payment returns the excess to the
//! wei and splits the quote exactly between relayers and validators; the operator's withdrawal pays
//! out exactly those balances.

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, U256, b256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use courier_bindings::RelayerFees;
use courier_devnet::{
    deploy::{DEVNET_FEE_OVERHEAD_GAS, DEVNET_FEE_WEI_PER_GAS, DEVNET_VALIDATOR_SHARE_BPS},
    keys,
};
use courier_relayer::FeePolicy;
use courier_store::MessageState;

use super::{Context, ScenarioFuture, Sent};

/// Anvil's dev account 9 (mnemonic "test test … junk"), funded at genesis; it pays for messages
/// and sends nothing else, so its balance moves only by what it pays.
const PAYER_PRIVATE_KEY: B256 =
    b256!("0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6");

/// What the relayer asks at least: the price of 40,000 gas of handling besides the overhead.
const MIN_GAS: u64 = 40_000;

pub(super) fn run(ctx: &Context) -> ScenarioFuture<'_> {
    Box::pin(story(ctx))
}

async fn story(ctx: &Context) -> eyre::Result<()> {
    let alpha = ctx.chain("alpha")?;
    let beta = ctx.chain("beta")?;
    let payer = PrivateKeySigner::from_bytes(&PAYER_PRIVATE_KEY)?;
    let paying = alpha.anvil.signing_provider(payer.clone());
    let fees = RelayerFees::new(alpha.deployment.relayer_fees, &paying);
    let quote = |gas: u64| {
        let fees = fees.clone();
        async move { Ok::<_, eyre::Report>(fees.quote(beta.domain(), gas).call().await?) }
    };
    let min_wei = quote(MIN_GAS).await?;
    ctx.check(
        "alpha's RelayerFees quotes beta at the devnet's price",
        min_wei
            == U256::from(
                (u128::from(MIN_GAS) + u128::from(DEVNET_FEE_OVERHEAD_GAS))
                    * DEVNET_FEE_WEI_PER_GAS,
            ),
        format!("quote({MIN_GAS} gas) = {min_wei} wei"),
    )?;
    ctx.start_validators(&[0, 1, 2, 3, 4]).await?;
    ctx.start_relayer_with(Some(FeePolicy {
        min_wei,
        recheck: Duration::from_millis(500),
    }))
    .await?;
    ctx.step(format!(
        "relayer delivering only messages paid at least {min_wei} wei (the quote for {MIN_GAS} gas)"
    ));

    let sent = ctx.send_greetings("alpha", "beta", 3, "fees").await?;
    // Each payment sends 1 ETH more than the quote: the excess must come back to the wei.
    let mut payments = Vec::new();
    let mut pay = async |s: &Sent, gas: u64| -> eyre::Result<U256> {
        let q = quote(gas).await?;
        let receipt = fees
            .payFor(s.message.id(), beta.domain(), gas)
            .value(q + U256::from(10u128.pow(18)))
            .send()
            .await?
            .get_receipt()
            .await?;
        let block = receipt.block_number.unwrap_or_default();
        let provider = alpha.anvil.provider();
        let before = provider
            .get_balance(payer.address())
            .block_id(block.saturating_sub(1).into())
            .await?;
        let after = provider
            .get_balance(payer.address())
            .block_id(block.into())
            .await?;
        let gas_cost = U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
        payments.push((q, before - after - gas_cost));
        Ok(q)
    };
    pay(&sent[0], 100_000).await?;
    pay(&sent[2], 10_000).await?;
    ctx.step("paid for greeting 0 (100,000 gas) and greeting 2 (10,000 gas: below the minimum); greeting 1 unpaid");

    ctx.wait_delivered("beta", &sent[..1], Duration::from_secs(30))
        .await?;
    // Enough time for the relayer to have delivered the others, had it not read the payments.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let records = ctx.records(&sent)?;
    let reason = |i: usize| {
        records[i]
            .as_ref()
            .and_then(|r| r.last_error.clone())
            .unwrap_or_default()
    };
    let waiting = |i: usize| {
        records[i]
            .as_ref()
            .is_some_and(|r| r.state.is_queued() && r.submitted_tx.is_none())
    };
    let below = quote(10_000).await?;
    ctx.check(
        "only the greeting paid enough is delivered; the others wait, the relayer saying what was paid",
        !ctx.delivered(&sent[1].message).await?
            && !ctx.delivered(&sent[2].message).await?
            && waiting(1)
            && waiting(2)
            && reason(1).contains("unpaid: 0 wei paid")
            && reason(2).contains(&format!("unpaid: {below} wei paid"))
            && reason(2).contains(&format!("from {min_wei} wei")),
        format!("greeting 1: {:?}; greeting 2: {:?}", reason(1), reason(2)),
    )?;

    pay(&sent[1], 100_000).await?;
    pay(&sent[2], 10_000).await?;
    ctx.step("paid for greeting 1, topped up greeting 2 (two payments of 10,000 gas add up)");
    ctx.wait_delivered("beta", &sent, Duration::from_secs(30))
        .await?;
    ctx.check_delivered_once("beta", &sent, 3).await?;
    let states: Vec<_> = ctx
        .records(&sent)?
        .iter()
        .map(|r| r.as_ref().map(|r| r.state))
        .collect();
    ctx.check(
        "the relayer's store: all three delivered",
        states.iter().all(|s| *s == Some(MessageState::Delivered)),
        format!("{states:?}"),
    )?;

    ctx.check(
        "every payment kept exactly the quote and returned the rest (1 ETH each) to the wei",
        payments.iter().all(|(q, kept)| q == kept),
        format!("(quote, kept) = {payments:?}"),
    )?;
    let owner = alpha.anvil.signing_provider(keys::deployer());
    let owned = RelayerFees::new(alpha.deployment.relayer_fees, &owner);
    let total: U256 = payments.iter().map(|(q, _)| *q).sum();
    let validators_due: U256 = payments
        .iter()
        .map(|(q, _)| *q * U256::from(DEVNET_VALIDATOR_SHARE_BPS) / U256::from(10_000))
        .sum();
    let relayers = owned.relayerBalance().call().await?;
    let validators = owned.validatorBalance().call().await?;
    let held = ctx.balance("alpha", alpha.deployment.relayer_fees).await?;
    ctx.check(
        "the split is exact: validators get their share of each payment rounded down, relayers the rest, nothing unaccounted",
        validators == validators_due && relayers + validators == total && held == total,
        format!("relayers {relayers}, validators {validators} (due {validators_due}), held {held}, paid {total}"),
    )?;

    // The operator pays out to the relayer's and the validators' accounts.
    let (to_relayers, to_validators) = (Address::repeat_byte(0x71), Address::repeat_byte(0x72));
    owned
        .withdraw(to_relayers, to_validators)
        .send()
        .await?
        .get_receipt()
        .await?;
    let got = (
        ctx.balance("alpha", to_relayers).await?,
        ctx.balance("alpha", to_validators).await?,
        ctx.balance("alpha", alpha.deployment.relayer_fees).await?,
    );
    ctx.check(
        "the withdrawal pays out exactly the two balances and leaves nothing behind",
        got == (relayers, validators, U256::ZERO)
            && owned.relayerBalance().call().await?.is_zero()
            && owned.validatorBalance().call().await?.is_zero(),
        format!(
            "relayers' account {}, validators' account {}, left {}",
            got.0, got.1, got.2
        ),
    )?;
    Ok(())
}

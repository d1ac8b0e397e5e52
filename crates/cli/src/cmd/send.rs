//! `courier send --from A --to B [--recipient ADDR | --light-client | --optimistic | --both] BODY`:
//! dispatches on a devnet chain.

use std::time::{Duration, Instant};

use alloy::{
    network::EthereumWallet, providers::ProviderBuilder, rpc::types::TransactionReceipt,
    sol_types::SolEvent,
};
use alloy_primitives::{Address, B256, Bytes, U256};
use courier_bindings::{HelloApp, Mailbox, RelayerFees};
use courier_core::{Message, message::address_to_bytes32};
use courier_devnet::{MANIFEST_FILE, Manifest, manifest::ManifestChain};
use courier_store::MessageState;
use eyre::{WrapErr, bail, eyre};
use serde_json::json;

use crate::{
    cmd::relayer_store,
    opts::{GlobalOpts, SendArgs},
    output,
};

/// Sends the message; prints its id (and waits for delivery with `--wait`).
pub async fn run(args: SendArgs, global: &GlobalOpts) -> eyre::Result<()> {
    let manifest_path = global.data_dir.join(MANIFEST_FILE);
    let manifest = Manifest::read(&manifest_path).wrap_err_with(|| {
        format!(
            "reading {} (is a devnet running? start one with `courier devnet`)",
            manifest_path.display()
        )
    })?;
    let from = find(&manifest, &args.from)?;
    let to = find(&manifest, &args.to)?;
    if from.chain_id == to.chain_id {
        bail!("--from and --to are the same chain ({})", from.name);
    }
    let body = parse_body(&args.body)?;
    let signer: alloy::signers::local::PrivateKeySigner =
        alloy::signers::local::PrivateKeySigner::from_bytes(&manifest.deployer.private_key)
            .wrap_err("the devnet's deployer key")?;
    let url = from
        .rpc_url
        .parse()
        .wrap_err_with(|| format!("rpc url {}", from.rpc_url))?;
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url);

    let sender_app = if args.light_client {
        let lc = manifest.light_client.as_ref().ok_or_else(|| {
            eyre!("this devnet has no light-client route (devnet.json has no lightClient)")
        })?;
        if lc.origin != from.name {
            bail!(
                "the devnet's light-client route starts on {}, not {}",
                lc.origin,
                from.name
            );
        }
        if !lc.destinations.iter().any(|d| d.domain == to.chain_id) {
            bail!("{} has no light client of {}", to.name, lc.origin);
        }
        lc.origin_hello_app
    } else if args.optimistic || args.both {
        let o = manifest.optimistic.as_ref().ok_or_else(|| {
            eyre!("this devnet has no optimistic route (devnet.json has no optimistic)")
        })?;
        if o.origin != from.name {
            bail!(
                "the devnet's optimistic route starts on {}, not {}",
                o.origin,
                from.name
            );
        }
        if !o.setup.destinations.iter().any(|d| d.domain == to.chain_id) {
            bail!("{} has no optimistic verifier for {}", to.name, o.origin);
        }
        if args.both {
            o.setup.origin_hello_both
        } else {
            o.setup.origin_hello_app
        }
    } else {
        from.hello_app
    };
    let receipt: TransactionReceipt = match args.recipient {
        None => {
            let text = String::from_utf8(body.to_vec())
                .wrap_err("a greeting to HelloApp must be UTF-8 text (or pass --recipient)")?;
            HelloApp::new(sender_app, &provider)
                .greet(to.chain_id, text)
                .send()
                .await
        }
        Some(recipient) => {
            Mailbox::new(from.mailbox, &provider)
                .dispatch(to.chain_id, address_to_bytes32(recipient), body)
                .send()
                .await
        }
    }
    .wrap_err_with(|| format!("sending on {} ({})", from.name, from.rpc_url))?
    .get_receipt()
    .await
    .wrap_err("waiting for the dispatch receipt")?;
    if !receipt.status() {
        bail!(
            "the dispatch transaction {} reverted",
            receipt.transaction_hash
        );
    }
    let dispatch = receipt
        .inner
        .logs()
        .iter()
        .find_map(|log| Mailbox::Dispatch::decode_log(&log.inner).ok())
        .ok_or_else(|| {
            eyre!(
                "no Dispatch event in transaction {}",
                receipt.transaction_hash
            )
        })?;
    let message = Message::decode(&dispatch.data.message)?;
    let id = dispatch.data.id;
    let block = receipt.block_number.unwrap_or_default();
    // The dispatch is recorded on-chain before anything is paid: a failed payment loses nothing
    // (pay again with RelayerFees.payFor).
    let paid = match args.pay {
        Some(gas) => Some(pay(&provider, from, to, id, gas).await?),
        None => None,
    };

    if !global.json {
        crate::outln!("sent {id}")?;
        crate::outln!(
            "  {} → {}  nonce {}  block {}  tx {}",
            from.name,
            to.name,
            message.nonce,
            block,
            receipt.transaction_hash
        )?;
        if let Some((wei, tx)) = paid {
            crate::outln!(
                "  paid {wei} wei for its delivery ({} gas) on {}'s RelayerFees  tx {tx}",
                args.pay.unwrap_or_default(),
                from.name
            )?;
        }
    }
    let delivered = match args.wait {
        Some(seconds) => Some(wait_delivered(global, id, Duration::from_secs(seconds)).await?),
        None => None,
    };
    if global.json {
        output::json(&json!({
            "id": id, "from": from.name, "to": to.name, "nonce": message.nonce, "block": block,
            "tx": receipt.transaction_hash, "deliveredInMs": delivered.map(|d| d.as_millis() as u64),
            "paidWei": paid.map(|(wei, _)| wei.to_string()),
        }))?;
    } else if let Some(d) = delivered {
        crate::outln!("delivered after {d:.2?}  (courier status {id})")?;
    }
    Ok(())
}

/// Pays the quote for `gas` units of delivery of message `id` from `from` to `to`; the amount
/// and the transaction.
async fn pay<P: alloy::providers::Provider>(
    provider: &P,
    from: &ManifestChain,
    to: &ManifestChain,
    id: B256,
    gas: u64,
) -> eyre::Result<(U256, B256)> {
    if from.relayer_fees == Address::ZERO {
        bail!(
            "{} has no RelayerFees in devnet.json (a devnet started by an older courier): restart the devnet",
            from.name
        );
    }
    let fees = RelayerFees::new(from.relayer_fees, provider);
    let quote = fees
        .quote(to.chain_id, gas)
        .call()
        .await
        .wrap_err_with(|| format!("quoting {gas} gas to {} on {}", to.name, from.name))?;
    let receipt = fees
        .payFor(id, to.chain_id, gas)
        .value(quote)
        .send()
        .await
        .wrap_err_with(|| format!("paying {quote} wei for message {id}"))?
        .get_receipt()
        .await
        .wrap_err("waiting for the payment receipt")?;
    if !receipt.status() {
        bail!(
            "the payment transaction {} reverted; message {id} was sent but is not paid for",
            receipt.transaction_hash
        );
    }
    Ok((quote, receipt.transaction_hash))
}

async fn wait_delivered(
    global: &GlobalOpts,
    id: B256,
    timeout: Duration,
) -> eyre::Result<Duration> {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if let Ok(store) = relayer_store(&global.data_dir)
            && let Some(record) = store.message(id)?
            && record.state == MessageState::Delivered
        {
            return Ok(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bail!("message {id} was not delivered within {timeout:?} (see: courier status {id})")
}

fn find<'a>(manifest: &'a Manifest, name: &str) -> eyre::Result<&'a ManifestChain> {
    manifest
        .chains
        .iter()
        .find(|c| c.name == name || c.chain_id.to_string() == name)
        .ok_or_else(|| {
            let known: Vec<String> = manifest
                .chains
                .iter()
                .map(|c| format!("{} ({})", c.name, c.chain_id))
                .collect();
            eyre!(
                "no devnet chain {name:?}; the devnet has {}",
                known.join(", ")
            )
        })
}

fn parse_body(body: &str) -> eyre::Result<Bytes> {
    match body.strip_prefix("0x") {
        Some(hex) => Ok(alloy_primitives::hex::decode(hex)
            .wrap_err("the body starts with 0x but is not hex")?
            .into()),
        None => Ok(Bytes::copy_from_slice(body.as_bytes())),
    }
}

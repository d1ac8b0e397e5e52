//! `courier deploy`: deploys Courier's contracts (CommitteeVerifier, Mailbox, HelloApp, RelayerFees) to one
//! chain and prints the addresses and the `[chains.NAME]` section to paste into a configuration.

use alloy::{
    network::EthereumWallet,
    providers::{Provider, ProviderBuilder},
};
use eyre::{WrapErr, bail};
use serde_json::json;

use crate::{
    opts::{DeployArgs, GlobalOpts},
    output,
};

/// Deploys and prints what was deployed.
pub async fn run(args: DeployArgs, global: &GlobalOpts) -> eyre::Result<()> {
    let signer = super::key_from_env(&args.key_env, "the deployer's")?;
    let owner = args.owner.unwrap_or_else(|| signer.address());
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(args.rpc.clone())
        .erased();
    let chain_id = provider
        .get_chain_id()
        .await
        .wrap_err_with(|| format!("asking {} for its chain id", args.rpc))?;
    if let Some(expected) = args.chain_id
        && expected != chain_id
    {
        bail!("{} serves chain {chain_id}, not {expected}", args.rpc);
    }
    let d = courier_devnet::deploy_core(&provider, chain_id, owner)
        .await
        .wrap_err("deploying the contracts")?;
    if global.json {
        return output::json(&json!({
            "chainId": chain_id, "owner": owner, "mailbox": d.mailbox, "committeeVerifier": d.committee_verifier,
            "helloApp": d.hello_app, "relayerFees": d.relayer_fees, "deployBlock": d.deploy_block,
        }));
    }
    crate::outln!("deployed on chain {chain_id} (owner {owner})")?;
    crate::outln!("  Mailbox            {}", d.mailbox)?;
    crate::outln!("  CommitteeVerifier  {}", d.committee_verifier)?;
    crate::outln!("  HelloApp           {}", d.hello_app)?;
    crate::outln!("  RelayerFees        {}", d.relayer_fees)?;
    crate::outln!()?;
    crate::outln!("[chains.{}]", args.name)?;
    crate::outln!("domain = {chain_id}")?;
    crate::outln!("rpc = \"{}\"", args.rpc)?;
    crate::outln!("finality = \"finalized\"   # or {{ depth = N }}")?;
    crate::outln!("mailbox = \"{}\"", d.mailbox)?;
    crate::outln!("relayer_fees = \"{}\"", d.relayer_fees)?;
    crate::outln!("deploy_block = {}", d.deploy_block)?;
    crate::outln!("block_time = \"12s\"        # set to the chain's block time")?;
    crate::outln!()?;
    crate::outln!(
        "Next: set each origin's committee on the CommitteeVerifier (setCommittee) and the price of each destination on RelayerFees (setPrice), then run the agents."
    )?;
    Ok(())
}

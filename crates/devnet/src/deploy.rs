//! Deploying Courier's contracts onto a chain ([`deploy_core`]) and wiring chains to each other
//! ([`connect`]): committees for every other origin, HelloApp peers.
//!
//! Transactions of one chain share one nonce sequence, so they are sent in order, one after the
//! other, without waiting for each to be mined; their receipts are awaited together at the end.
//! Chains are independent and proceed in parallel. On a chain with a block time this puts a whole
//! step in one block instead of one block per transaction. The provider must fill nonces for a
//! sequence of sends (alloy's recommended fillers do, with their cached nonce manager).

use std::{fmt, time::Duration};

use alloy::{
    consensus::Transaction as _,
    contract,
    primitives::{Address, B256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionReceipt,
    sol_types::SolInterface,
};
use courier_bindings::{
    AggregationVerifier, CommitteeVerifier, HelloApp, LightClientVerifier, Mailbox,
    OptimisticVerifier, ProposerBond, RelayerFees, ValidatorStaking,
};
use courier_core::Committee;
use futures::future::try_join_all;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, is_transient};

/// How long a transaction may take to be mined before it counts as lost.
pub const RECEIPT_TIMEOUT: Duration = Duration::from_secs(60);
/// How often a receipt is asked for.
const RECEIPT_POLL: Duration = Duration::from_millis(20);

/// Courier's contracts on one chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// The chain's domain (its chain id, the Mailbox's `localDomain`).
    pub domain: u64,
    /// The Mailbox.
    pub mailbox: Address,
    /// The CommitteeVerifier, the Mailbox's default verifier.
    pub committee_verifier: Address,
    /// The HelloApp example application.
    pub hello_app: Address,
    /// `RelayerFees`: senders pay here for their messages' delivery elsewhere.
    pub relayer_fees: Address,
    /// The first block holding any of these contracts: nothing of Courier's on this chain is older,
    /// so indexers can start here.
    pub deploy_block: u64,
}

/// What the devnet charges for a delivery: wei per unit of destination gas (1 gwei: the devnet's
/// chains all pay in the same ether at about that price).
pub const DEVNET_FEE_WEI_PER_GAS: u128 = 1_000_000_000;
/// The gas a delivery costs besides the message's own handling (a single message's share of a
/// committee proof, about 84,000, rounded down to the batch-of-a-few share).
pub const DEVNET_FEE_OVERHEAD_GAS: u64 = 60_000;
/// The validators' share of every payment on the devnet, in basis points.
pub const DEVNET_VALIDATOR_SHARE_BPS: u16 = 1_000;

/// The validator committee every chain accepts for every other chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitteeSpec {
    /// Signatures needed, `k`.
    pub threshold: u8,
    /// The validators' addresses, in any order (they are sorted for the contract).
    pub validators: Vec<Address>,
}

impl CommitteeSpec {
    /// The committee that watches the Mailbox `origin_mailbox`, as `courier-core` and the
    /// `CommitteeVerifier` see it; an error when the spec breaks a committee rule.
    pub fn committee(&self, origin_mailbox: Address) -> Result<Committee> {
        let mut validators = self.validators.clone();
        validators.sort_unstable();
        let committee = Committee::new(origin_mailbox.into_word(), self.threshold, validators)?;
        // The safety rails: a committee one key can satisfy is not deployed.
        if let Some(problem) =
            courier_core::safety::check_committee(usize::from(self.threshold), &self.validators)
                .first()
        {
            return Err(Error::InvalidSpec(format!("unsafe committee: {problem}")));
        }
        Ok(committee)
    }
}

/// Deploys `CommitteeVerifier(owner)`, `Mailbox(domain, owner, verifier)` and
/// `HelloApp(mailbox, owner)` with the provider's signer, and waits until all three are mined.
///
/// `domain` must be the chain id of the provider's chain. The three deployments are sent in one
/// go: each constructor only stores the address of the contract before it, which is known from
/// the sender and nonce as soon as that contract's transaction is sent.
pub async fn deploy_core(
    provider: &DynProvider,
    domain: u64,
    owner: Address,
) -> Result<Deployment> {
    let chain_id = provider
        .get_chain_id()
        .await
        .map_err(|e| tx_error(domain, "eth_chainId", "asking", &e.into()))?;
    if chain_id != domain {
        return Err(Error::InvalidSpec(format!(
            "deploying domain {domain} through a provider of chain {chain_id}: a Mailbox's domain is its chain id"
        )));
    }

    let verifier = SentDeploy::send::<CommitteeVerifier::CommitteeVerifierErrors>(
        provider,
        domain,
        format!("deploy CommitteeVerifier(owner {owner})"),
        CommitteeVerifier::deploy_builder(provider.clone(), owner),
    )
    .await?;
    let mailbox = SentDeploy::send::<Mailbox::MailboxErrors>(
        provider,
        domain,
        format!(
            "deploy Mailbox(domain {domain}, owner {owner}, verifier {})",
            verifier.address
        ),
        Mailbox::deploy_builder(provider.clone(), domain, owner, verifier.address),
    )
    .await?;
    let hello_app = SentDeploy::send::<HelloApp::HelloAppErrors>(
        provider,
        domain,
        format!(
            "deploy HelloApp(mailbox {}, owner {owner})",
            mailbox.address
        ),
        HelloApp::deploy_builder(provider.clone(), mailbox.address, owner),
    )
    .await?;

    let fees = SentDeploy::send::<RelayerFees::RelayerFeesErrors>(
        provider,
        domain,
        format!("deploy RelayerFees(owner {owner})"),
        RelayerFees::deploy_builder(provider.clone(), owner),
    )
    .await?;

    let blocks = try_join_all(
        [&verifier, &mailbox, &hello_app, &fees]
            .into_iter()
            .map(|sent| sent.confirm(provider, domain)),
    )
    .await?;
    let deploy_block = blocks.into_iter().min().unwrap_or_default();
    tracing::debug!(
        domain,
        mailbox = %mailbox.address,
        verifier = %verifier.address,
        hello_app = %hello_app.address,
        relayer_fees = %fees.address,
        deploy_block,
        "deployed Courier"
    );
    Ok(Deployment {
        domain,
        mailbox: mailbox.address,
        committee_verifier: verifier.address,
        hello_app: hello_app.address,
        relayer_fees: fees.address,
        deploy_block,
    })
}

/// Wires chains to each other: on every chain, for every other chain (the origin), sets the
/// origin's committee on the CommitteeVerifier (`setCommittee(origin, origin Mailbox, k,
/// validators ascending)`) and enrolls the origin's HelloApp as a peer (`setPeer`). Each provider
/// must sign for the owner of its chain's contracts. Waits until every transaction is mined.
pub async fn connect(
    chains: &[(Deployment, DynProvider)],
    committee: &CommitteeSpec,
) -> Result<()> {
    for (i, (a, _)) in chains.iter().enumerate() {
        if chains[..i].iter().any(|(b, _)| b.domain == a.domain) {
            return Err(Error::InvalidSpec(format!(
                "domain {} appears twice among the chains to connect",
                a.domain
            )));
        }
    }
    // Every committee is checked before anything is sent.
    let committees = chains
        .iter()
        .map(|(origin, _)| committee.committee(origin.mailbox))
        .collect::<Result<Vec<_>>>()?;
    try_join_all(
        chains
            .iter()
            .map(|(local, provider)| connect_one(local, provider, chains, &committees)),
    )
    .await?;
    Ok(())
}

/// [`connect`] for the chain `local`.
async fn connect_one(
    local: &Deployment,
    provider: &DynProvider,
    chains: &[(Deployment, DynProvider)],
    committees: &[Committee],
) -> Result<()> {
    let chain = local.domain;
    let verifier = CommitteeVerifier::new(local.committee_verifier, provider.clone());
    let app = HelloApp::new(local.hello_app, provider.clone());
    let fees = RelayerFees::new(local.relayer_fees, provider.clone());
    let mut sent = Vec::new();
    let call = format!(
        "RelayerFees {}.setValidatorShare({DEVNET_VALIDATOR_SHARE_BPS})",
        local.relayer_fees
    );
    let pending = fees
        .setValidatorShare(DEVNET_VALIDATOR_SHARE_BPS)
        .send()
        .await
        .map_err(|e| send_error::<RelayerFees::RelayerFeesErrors>(chain, &call, &e))?;
    sent.push((call, *pending.tx_hash()));
    for ((origin, _), committee) in chains.iter().zip(committees) {
        if origin.domain == chain {
            continue;
        }
        let call = format!(
            "CommitteeVerifier {}.setCommittee(origin {}, mailbox {}, k {}, {} validators)",
            local.committee_verifier,
            origin.domain,
            origin.mailbox,
            committee.threshold(),
            committee.len()
        );
        let pending = verifier
            .setCommittee(
                origin.domain,
                committee.origin_mailbox(),
                committee.threshold(),
                committee.validators().to_vec(),
            )
            .send()
            .await
            .map_err(|e| {
                send_error::<CommitteeVerifier::CommitteeVerifierErrors>(chain, &call, &e)
            })?;
        sent.push((call, *pending.tx_hash()));

        let call = format!(
            "HelloApp {}.setPeer(domain {}, peer {})",
            local.hello_app, origin.domain, origin.hello_app
        );
        let pending = app
            .setPeer(origin.domain, origin.hello_app)
            .send()
            .await
            .map_err(|e| send_error::<HelloApp::HelloAppErrors>(chain, &call, &e))?;
        sent.push((call, *pending.tx_hash()));

        // Deliveries from here to the other chain are paid for here.
        let call = format!(
            "RelayerFees {}.setPrice(destination {}, {DEVNET_FEE_WEI_PER_GAS} wei/gas, overhead {DEVNET_FEE_OVERHEAD_GAS})",
            local.relayer_fees, origin.domain
        );
        let pending = fees
            .setPrice(
                origin.domain,
                DEVNET_FEE_WEI_PER_GAS,
                DEVNET_FEE_OVERHEAD_GAS,
            )
            .send()
            .await
            .map_err(|e| send_error::<RelayerFees::RelayerFeesErrors>(chain, &call, &e))?;
        sent.push((call, *pending.tx_hash()));
    }
    // The devnet's watcher is a guardian of every Mailbox: it may pause deliveries.
    let call = format!(
        "Mailbox {}.setGuardian({}, true)",
        local.mailbox,
        crate::keys::WATCHER_ADDRESS
    );
    let pending = Mailbox::new(local.mailbox, provider.clone())
        .setGuardian(crate::keys::WATCHER_ADDRESS, true)
        .send()
        .await
        .map_err(|e| send_error::<Mailbox::MailboxErrors>(chain, &call, &e))?;
    sent.push((call, *pending.tx_hash()));
    try_join_all(
        sent.iter()
            .map(|(call, tx)| confirm(provider, chain, call, *tx)),
    )
    .await?;
    tracing::debug!(chain, transactions = sent.len(), "connected");
    Ok(())
}

/// The light-client route's contracts on one destination chain: a light client of the origin's
/// beacon chain, a `LightClientVerifier` routing the origin to it, and a HelloApp that uses that
/// verifier (the origin's light-client HelloApp is its peer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LightClientDeployment {
    /// The destination chain (domain).
    pub domain: u64,
    /// `EthereumLightClient`.
    pub client: Address,
    /// `LightClientVerifier`, routing the origin to `client`.
    pub verifier: Address,
    /// A HelloApp whose verifier is `verifier`.
    pub hello_app: Address,
}

/// Deploys the light-client route from `origin` to each of `destinations`: on each, an
/// `EthereumLightClient` trusting `trusted_root` (whose bootstrap is `bootstrap`), a
/// `LightClientVerifier` routing the origin to it and a HelloApp using it; on the origin, a
/// HelloApp whose peers are those. Returns the origin's HelloApp and the destinations' contracts.
#[allow(clippy::too_many_arguments)]
pub async fn deploy_light_client_routes(
    origin: &Deployment,
    origin_provider: &DynProvider,
    destinations: &[(Deployment, DynProvider)],
    config: &courier_lightclient::ChainConfig,
    trusted_root: B256,
    bootstrap: &courier_lightclient::LightClientBootstrap,
    owner: Address,
) -> Result<(Address, Vec<LightClientDeployment>)> {
    let origin_app = SentDeploy::send::<HelloApp::HelloAppErrors>(
        origin_provider,
        origin.domain,
        format!("deploy HelloApp(mailbox {}, owner {owner})", origin.mailbox),
        HelloApp::deploy_builder(origin_provider.clone(), origin.mailbox, owner),
    )
    .await?;
    origin_app.confirm(origin_provider, origin.domain).await?;
    let deployed = try_join_all(destinations.iter().map(|(local, provider)| {
        deploy_light_client_route(
            origin,
            origin_app.address,
            local,
            provider,
            config,
            trusted_root,
            bootstrap,
            owner,
        )
    }))
    .await?;
    let app = HelloApp::new(origin_app.address, origin_provider.clone());
    let mut sent = Vec::new();
    for d in &deployed {
        let call = format!(
            "HelloApp {}.setPeer(domain {}, peer {})",
            origin_app.address, d.domain, d.hello_app
        );
        let pending = app
            .setPeer(d.domain, d.hello_app)
            .send()
            .await
            .map_err(|e| send_error::<HelloApp::HelloAppErrors>(origin.domain, &call, &e))?;
        sent.push((call, *pending.tx_hash()));
    }
    try_join_all(
        sent.iter()
            .map(|(call, tx)| confirm(origin_provider, origin.domain, call, *tx)),
    )
    .await?;
    Ok((origin_app.address, deployed))
}

#[allow(clippy::too_many_arguments)]
async fn deploy_light_client_route(
    origin: &Deployment,
    origin_app: Address,
    local: &Deployment,
    provider: &DynProvider,
    config: &courier_lightclient::ChainConfig,
    trusted_root: B256,
    bootstrap: &courier_lightclient::LightClientBootstrap,
    owner: Address,
) -> Result<LightClientDeployment> {
    let chain = local.domain;
    let client =
        courier_chain::lightclient::deploy_light_client(provider, config, trusted_root, bootstrap)
            .await
            .map_err(|e| Error::Transaction {
                chain,
                call: format!("deploy EthereumLightClient(trusted root {trusted_root})"),
                stage: "deploying",
                reason: e.to_string(),
                retryable: e.is_retryable(),
            })?;
    let verifier = SentDeploy::send::<LightClientVerifier::LightClientVerifierErrors>(
        provider,
        chain,
        format!("deploy LightClientVerifier(owner {owner})"),
        LightClientVerifier::deploy_builder(provider.clone(), owner),
    )
    .await?;
    let app = SentDeploy::send::<HelloApp::HelloAppErrors>(
        provider,
        chain,
        format!("deploy HelloApp(mailbox {}, owner {owner})", local.mailbox),
        HelloApp::deploy_builder(provider.clone(), local.mailbox, owner),
    )
    .await?;
    verifier.confirm(provider, chain).await?;
    app.confirm(provider, chain).await?;
    let mut sent = Vec::new();
    let call = format!(
        "LightClientVerifier {}.setRoute(origin {}, client {client}, mailbox {})",
        verifier.address, origin.domain, origin.mailbox
    );
    let pending = LightClientVerifier::new(verifier.address, provider.clone())
        .setRoute(origin.domain, client, origin.mailbox)
        .send()
        .await
        .map_err(|e| {
            send_error::<LightClientVerifier::LightClientVerifierErrors>(chain, &call, &e)
        })?;
    sent.push((call, *pending.tx_hash()));
    let hello = HelloApp::new(app.address, provider.clone());
    let call = format!("HelloApp {}.setVerifier({})", app.address, verifier.address);
    let pending = hello
        .setVerifier(verifier.address)
        .send()
        .await
        .map_err(|e| send_error::<HelloApp::HelloAppErrors>(chain, &call, &e))?;
    sent.push((call, *pending.tx_hash()));
    let call = format!(
        "HelloApp {}.setPeer(domain {}, peer {origin_app})",
        app.address, origin.domain
    );
    let pending = hello
        .setPeer(origin.domain, origin_app)
        .send()
        .await
        .map_err(|e| send_error::<HelloApp::HelloAppErrors>(chain, &call, &e))?;
    sent.push((call, *pending.tx_hash()));
    try_join_all(
        sent.iter()
            .map(|(call, tx)| confirm(provider, chain, call, *tx)),
    )
    .await?;
    tracing::debug!(chain, %client, verifier = %verifier.address, hello_app = %app.address, "deployed the light-client route");
    Ok(LightClientDeployment {
        domain: chain,
        client,
        verifier: verifier.address,
        hello_app: app.address,
    })
}

/// The optimistic route's contracts on one destination chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OptimisticDeployment {
    /// The destination chain (domain).
    pub domain: u64,
    /// `OptimisticVerifier`, with a route for the origin.
    pub verifier: Address,
    /// A HelloApp whose verifier is `verifier`.
    pub hello_app: Address,
    /// `AggregationVerifier` requiring both the chain's CommitteeVerifier and `verifier`.
    pub aggregation: Address,
    /// A HelloApp whose verifier is `aggregation`.
    pub hello_both: Address,
}

/// The optimistic route from one origin: the proposer's bond there, the origin's HelloApps, and
/// the contracts on each destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OptimisticSetup {
    /// `ProposerBond` on the origin.
    pub proposer_bond: Address,
    /// The origin's HelloApp greeting the optimistic HelloApps.
    pub origin_hello_app: Address,
    /// The origin's HelloApp greeting the committee-and-optimistic HelloApps.
    pub origin_hello_both: Address,
    /// The dispute window, seconds.
    pub window_seconds: u64,
    /// The committee's `ValidatorStaking` (on the same chain: the devnet's home chain for
    /// penalties), every validator staked.
    pub validator_staking: Address,
    /// The contracts on each destination.
    pub destinations: Vec<OptimisticDeployment>,
}

/// Deploys the optimistic route from `origin` to each of `destinations` (see [`OptimisticSetup`]):
/// `ProposerBond` on the origin, bonded by the devnet's proposer with `bond` wei; on each
/// destination an `OptimisticVerifier` (floor 1 s, window `window_seconds`, the devnet's proposer
/// and watcher), an `AggregationVerifier` of the chain's committee AND it, and a HelloApp for each.
pub async fn deploy_optimistic_routes(
    origin: &Deployment,
    origin_provider: &DynProvider,
    proposer_provider: &DynProvider,
    destinations: &[(Deployment, DynProvider)],
    window_seconds: u64,
    owner: Address,
    validators: &[Address],
) -> Result<OptimisticSetup> {
    let domain = origin.domain;
    let staking = SentDeploy::send::<ValidatorStaking::ValidatorStakingErrors>(
        origin_provider,
        domain,
        "deploy ValidatorStaking(60 s, 50%)".to_owned(),
        ValidatorStaking::deploy_builder(origin_provider.clone(), 60, 5_000),
    )
    .await?;
    staking.confirm(origin_provider, domain).await?;
    let one_ether = alloy::primitives::U256::from(10u64).pow(alloy::primitives::U256::from(18));
    let mut stakes = Vec::new();
    for v in validators {
        let call = format!("ValidatorStaking {}.stakeFor({v})", staking.address);
        let pending = ValidatorStaking::new(staking.address, origin_provider.clone())
            .stakeFor(*v)
            .value(one_ether)
            .send()
            .await
            .map_err(|e| {
                send_error::<ValidatorStaking::ValidatorStakingErrors>(domain, &call, &e)
            })?;
        stakes.push((call, *pending.tx_hash()));
    }
    try_join_all(
        stakes
            .iter()
            .map(|(call, tx)| confirm(origin_provider, domain, call, *tx)),
    )
    .await?;
    let bond = SentDeploy::send::<ProposerBond::ProposerBondErrors>(
        origin_provider,
        domain,
        format!("deploy ProposerBond(mailbox {})", origin.mailbox),
        ProposerBond::deploy_builder(origin_provider.clone(), origin.mailbox, 60, 5_000),
    )
    .await?;
    let apps = [
        SentDeploy::send::<HelloApp::HelloAppErrors>(
            origin_provider,
            domain,
            format!("deploy HelloApp(mailbox {}, owner {owner})", origin.mailbox),
            HelloApp::deploy_builder(origin_provider.clone(), origin.mailbox, owner),
        )
        .await?,
        SentDeploy::send::<HelloApp::HelloAppErrors>(
            origin_provider,
            domain,
            format!("deploy HelloApp(mailbox {}, owner {owner})", origin.mailbox),
            HelloApp::deploy_builder(origin_provider.clone(), origin.mailbox, owner),
        )
        .await?,
    ];
    bond.confirm(origin_provider, domain).await?;
    for app in &apps {
        app.confirm(origin_provider, domain).await?;
    }
    let call = format!(
        "ProposerBond {}.bond() by {}",
        bond.address,
        crate::keys::PROPOSER_ADDRESS
    );
    let pending = ProposerBond::new(bond.address, proposer_provider.clone())
        .bond()
        .value(alloy::primitives::U256::from(10u64).pow(alloy::primitives::U256::from(18)))
        .send()
        .await
        .map_err(|e| send_error::<ProposerBond::ProposerBondErrors>(domain, &call, &e))?;
    confirm(proposer_provider, domain, &call, *pending.tx_hash()).await?;

    let deployed = try_join_all(destinations.iter().map(|(local, provider)| {
        deploy_optimistic_route(
            origin,
            apps[0].address,
            apps[1].address,
            local,
            provider,
            window_seconds,
            owner,
        )
    }))
    .await?;
    let mut sent = Vec::new();
    for d in &deployed {
        for (app, peer) in [
            (apps[0].address, d.hello_app),
            (apps[1].address, d.hello_both),
        ] {
            let call = format!("HelloApp {app}.setPeer(domain {}, peer {peer})", d.domain);
            let pending = HelloApp::new(app, origin_provider.clone())
                .setPeer(d.domain, peer)
                .send()
                .await
                .map_err(|e| send_error::<HelloApp::HelloAppErrors>(domain, &call, &e))?;
            sent.push((call, *pending.tx_hash()));
        }
    }
    try_join_all(
        sent.iter()
            .map(|(call, tx)| confirm(origin_provider, domain, call, *tx)),
    )
    .await?;
    Ok(OptimisticSetup {
        proposer_bond: bond.address,
        origin_hello_app: apps[0].address,
        origin_hello_both: apps[1].address,
        window_seconds,
        validator_staking: staking.address,
        destinations: deployed,
    })
}

async fn deploy_optimistic_route(
    origin: &Deployment,
    origin_app: Address,
    origin_both: Address,
    local: &Deployment,
    provider: &DynProvider,
    window_seconds: u64,
    owner: Address,
) -> Result<OptimisticDeployment> {
    let chain = local.domain;
    let verifier = SentDeploy::send::<OptimisticVerifier::OptimisticVerifierErrors>(
        provider,
        chain,
        format!("deploy OptimisticVerifier(owner {owner}, floor 1 s)"),
        OptimisticVerifier::deploy_builder(provider.clone(), owner, 1),
    )
    .await?;
    let aggregation = SentDeploy::send::<AggregationVerifier::AggregationVerifierErrors>(
        provider,
        chain,
        format!(
            "deploy AggregationVerifier([{}, {}], 2)",
            local.committee_verifier, verifier.address
        ),
        AggregationVerifier::deploy_builder(
            provider.clone(),
            vec![local.committee_verifier, verifier.address],
            2,
        ),
    )
    .await?;
    let mut apps = Vec::new();
    for _ in 0..2 {
        apps.push(
            SentDeploy::send::<HelloApp::HelloAppErrors>(
                provider,
                chain,
                format!("deploy HelloApp(mailbox {}, owner {owner})", local.mailbox),
                HelloApp::deploy_builder(provider.clone(), local.mailbox, owner),
            )
            .await?,
        );
    }
    for sent in [&verifier, &aggregation, &apps[0], &apps[1]] {
        sent.confirm(provider, chain).await?;
    }
    let v = OptimisticVerifier::new(verifier.address, provider.clone());
    let mut sent = Vec::new();
    macro_rules! send {
        ($call:expr, $what:expr, $errors:ty) => {{
            let what = $what;
            let pending = $call
                .send()
                .await
                .map_err(|e| send_error::<$errors>(chain, &what, &e))?;
            sent.push((what, *pending.tx_hash()));
        }};
    }
    send!(
        v.setRoute(origin.domain, origin.mailbox.into_word(), window_seconds),
        format!(
            "OptimisticVerifier {}.setRoute({}, {}, {window_seconds})",
            verifier.address, origin.domain, origin.mailbox
        ),
        OptimisticVerifier::OptimisticVerifierErrors
    );
    send!(
        v.setProposer(origin.domain, crate::keys::PROPOSER_ADDRESS, true),
        format!("OptimisticVerifier {}.setProposer", verifier.address),
        OptimisticVerifier::OptimisticVerifierErrors
    );
    send!(
        v.setWatcher(crate::keys::WATCHER_ADDRESS, true),
        format!("OptimisticVerifier {}.setWatcher", verifier.address),
        OptimisticVerifier::OptimisticVerifierErrors
    );
    for (app, chosen, peer) in [
        (apps[0].address, verifier.address, origin_app),
        (apps[1].address, aggregation.address, origin_both),
    ] {
        let hello = HelloApp::new(app, provider.clone());
        send!(
            hello.setVerifier(chosen),
            format!("HelloApp {app}.setVerifier({chosen})"),
            HelloApp::HelloAppErrors
        );
        send!(
            hello.setPeer(origin.domain, peer),
            format!("HelloApp {app}.setPeer({}, {peer})", origin.domain),
            HelloApp::HelloAppErrors
        );
    }
    try_join_all(
        sent.iter()
            .map(|(call, tx)| confirm(provider, chain, call, *tx)),
    )
    .await?;
    Ok(OptimisticDeployment {
        domain: chain,
        verifier: verifier.address,
        hello_app: apps[0].address,
        aggregation: aggregation.address,
        hello_both: apps[1].address,
    })
}

/// A contract deployment that was sent, and where the contract will be.
struct SentDeploy {
    call: String,
    tx: B256,
    address: Address,
}

impl SentDeploy {
    async fn send<E: SolInterface + fmt::Debug>(
        provider: &DynProvider,
        chain: u64,
        call: String,
        builder: contract::RawCallBuilder<DynProvider>,
    ) -> Result<Self> {
        let pending = builder
            .send()
            .await
            .map_err(|e| send_error::<E>(chain, &call, &e))?;
        let tx = *pending.tx_hash();
        // The node knows a transaction it accepted, mined or not; its sender and nonce give the
        // contract's address before it exists.
        let sent = provider
            .get_transaction_by_hash(tx)
            .await
            .map_err(|e| tx_error(chain, &call, "reading the sent transaction", &e.into()))?
            .ok_or_else(|| Error::Transaction {
                chain,
                call: call.clone(),
                stage: "reading the sent transaction",
                reason: format!("the node does not know transaction {tx}"),
                retryable: false,
            })?;
        let address = sent.inner.signer().create(sent.nonce());
        Ok(Self { call, tx, address })
    }

    /// Waits for the deployment; returns its block number.
    async fn confirm(&self, provider: &DynProvider, chain: u64) -> Result<u64> {
        let receipt = confirm(provider, chain, &self.call, self.tx).await?;
        if receipt.contract_address != Some(self.address) {
            return Err(Error::UnexpectedAddress {
                chain,
                call: self.call.clone(),
                expected: self.address,
                actual: receipt.contract_address,
            });
        }
        Ok(receipt.block_number.unwrap_or_default())
    }
}

/// Waits until `tx` is mined (at most [`RECEIPT_TIMEOUT`]) and checks that it succeeded.
pub(crate) async fn confirm(
    provider: &DynProvider,
    chain: u64,
    call: &str,
    tx: B256,
) -> Result<TransactionReceipt> {
    let start = tokio::time::Instant::now();
    loop {
        match provider.get_transaction_receipt(tx).await {
            Ok(Some(receipt)) if receipt.status() => return Ok(receipt),
            Ok(Some(_)) => {
                return Err(Error::Reverted {
                    chain,
                    call: call.to_owned(),
                    tx,
                });
            }
            Ok(None) => {}
            Err(e) if is_transient(&e) => {}
            Err(e) => return Err(tx_error(chain, call, "waiting for the receipt", &e.into())),
        }
        if start.elapsed() >= RECEIPT_TIMEOUT {
            return Err(Error::NotMined {
                chain,
                call: call.to_owned(),
                tx,
                waited: RECEIPT_TIMEOUT,
            });
        }
        tokio::time::sleep(RECEIPT_POLL).await;
    }
}

/// A failed send, with the revert decoded as one of the contract's errors `E` when it is one.
fn send_error<E: SolInterface + fmt::Debug>(
    chain: u64,
    call: &str,
    error: &contract::Error,
) -> Error {
    let Some(data) = error.as_revert_data() else {
        return tx_error(chain, call, "sending", error);
    };
    let reason = match E::abi_decode(&data) {
        Ok(decoded) => format!("reverted with {decoded:?}"),
        Err(_) => format!("reverted with data {data}"),
    };
    Error::Transaction {
        chain,
        call: call.to_owned(),
        stage: "sending",
        reason,
        retryable: false,
    }
}

fn tx_error(chain: u64, call: &str, stage: &'static str, error: &contract::Error) -> Error {
    let retryable = matches!(error, contract::Error::TransportError(e) if is_transient(e));
    Error::Transaction {
        chain,
        call: call.to_owned(),
        stage,
        reason: error.to_string(),
        retryable,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn committee_spec_sorts_and_validates() {
        let a = Address::with_last_byte(1);
        let b = Address::with_last_byte(2);
        let c = Address::with_last_byte(3);
        let mailbox = Address::with_last_byte(0xaa);
        let spec = CommitteeSpec {
            threshold: 2,
            validators: vec![c, a, b],
        };
        let committee = spec.committee(mailbox).unwrap();
        assert_eq!(committee.validators(), &[a, b, c]);
        assert_eq!(committee.origin_mailbox(), mailbox.into_word());
        assert_eq!(committee.threshold(), 2);

        let duplicate = CommitteeSpec {
            threshold: 1,
            validators: vec![a, a],
        };
        assert!(matches!(
            duplicate.committee(mailbox),
            Err(Error::Core(
                courier_core::Error::ValidatorsNotAscending { .. }
            ))
        ));
        let one = CommitteeSpec {
            threshold: 1,
            validators: vec![a, b, c],
        };
        assert!(matches!(
            one.committee(mailbox),
            Err(Error::InvalidSpec(reason)) if reason.contains("threshold 1 of 3")
        ));
        let too_high = CommitteeSpec {
            threshold: 4,
            validators: vec![a, b, c],
        };
        assert!(too_high.committee(mailbox).is_err());
    }
}

//! End to end on real local chains: the devnet (three anvil chains, contracts deployed), the
//! validator committee and the relayer running in-process exactly as `courier devnet` runs them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod light_client;
mod light_client_route;
mod processes;
mod scenarios;
mod timelock;

use std::time::{Duration, Instant};

use alloy::sol_types::SolEvent;
use courier_bindings::{HelloApp, Mailbox};
use courier_cli::{agents::Agents, cmd::devnet::agents_config};
use courier_devnet::{Devnet, DevnetSpec};
use courier_store::{MessageState, Store};

/// `hello`: one greeting each way between two chains, and one to the third; each is delivered
/// exactly once, with a story that ends in `delivered`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hello_each_way_is_delivered_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(DevnetSpec::default(), dir.path(), |_| {})
        .await
        .unwrap();
    let config = agents_config(&devnet, dir.path()).unwrap();
    let agents = Agents::start(&config).await.unwrap();

    let routes = [("alpha", "beta"), ("beta", "alpha"), ("alpha", "gamma")];
    let mut ids = Vec::new();
    for (from, to) in routes {
        let from = devnet.chain(from).unwrap();
        let to = devnet.chain(to).unwrap();
        let receipt = HelloApp::new(from.deployment.hello_app, &from.deployer)
            .greet(
                to.domain(),
                format!("hello {} from {}", to.name(), from.name()),
            )
            .send()
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
        let id = receipt
            .inner
            .logs()
            .iter()
            .find_map(|l| Mailbox::Dispatch::decode_log(&l.inner).ok())
            .unwrap()
            .data
            .id;
        ids.push(id);
    }

    let received = |name: &'static str| {
        let chain = devnet.chain(name).unwrap();
        let app = HelloApp::new(chain.deployment.hello_app, chain.deployer.clone());
        async move { app.received().call().await.unwrap() }
    };
    let started = Instant::now();
    loop {
        let (a, b, g) = (
            received("alpha").await,
            received("beta").await,
            received("gamma").await,
        );
        if (a, b, g)
            == (
                alloy::primitives::U256::from(1),
                alloy::primitives::U256::from(1),
                alloy::primitives::U256::from(1),
            )
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "not delivered in time: alpha {a}, beta {b}, gamma {g}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let latency = started.elapsed();

    // Nothing is delivered a second time while the agents keep running.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for name in ["alpha", "beta", "gamma"] {
        assert_eq!(
            received(name).await,
            alloy::primitives::U256::from(1),
            "{name} received a greeting twice"
        );
    }
    let beta = devnet.chain("beta").unwrap();
    let last = HelloApp::new(beta.deployment.hello_app, beta.deployer.clone())
        .lastGreeting()
        .call()
        .await
        .unwrap();
    assert_eq!(last, "hello beta from alpha");

    // The relayer records a delivery once its transaction is the destination's finality depth deep
    // (beta: 2 s blocks): wait for that, however loaded the machine is, before stopping it.
    let store = Store::open(config.relayer_db()).unwrap();
    let confirming = Instant::now();
    while !ids.iter().all(|id| {
        store
            .message(*id)
            .unwrap()
            .is_some_and(|r| r.state == MessageState::Delivered)
    }) {
        assert!(
            confirming.elapsed() < Duration::from_secs(30),
            "the relayer did not record every delivery within 30 s of it landing"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    agents.shutdown(Duration::from_secs(10)).await;
    for id in ids {
        let story = store.story(id).unwrap().unwrap();
        assert_eq!(story.record.state, MessageState::Delivered, "{id}");
        assert_eq!(story.history.last().unwrap().state, MessageState::Delivered);
    }
    eprintln!("three greetings delivered within {latency:.2?}");
    devnet.stop().await;
}

/// A recipient whose verifier is a `RoutingVerifier` (alpha → the committee verifier): the relayer
/// resolves the route and delivers with the routed verifier's proof, unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_routing_verifier_delivers_with_the_routed_verifiers_proof() {
    use courier_bindings::RoutingVerifier;
    let dir = tempfile::tempdir().unwrap();
    let mut spec = DevnetSpec::default();
    spec.chains.truncate(2);
    spec.light_client_origin = None;
    spec.optimistic_origin = None;
    let devnet = Devnet::start(spec, dir.path(), |_| {}).await.unwrap();
    let alpha = devnet.chain("alpha").unwrap();
    let beta = devnet.chain("beta").unwrap();
    let router = RoutingVerifier::deploy(
        beta.deployer.clone(),
        courier_devnet::keys::DEPLOYER_ADDRESS,
    )
    .await
    .unwrap();
    router
        .setRoute(alpha.domain(), beta.deployment.committee_verifier)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    HelloApp::new(beta.deployment.hello_app, beta.deployer.clone())
        .setVerifier(*router.address())
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let config = agents_config(&devnet, dir.path()).unwrap();
    let agents = Agents::start(&config).await.unwrap();
    HelloApp::new(alpha.deployment.hello_app, alpha.deployer.clone())
        .greet(beta.domain(), "routed".into())
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let app = HelloApp::new(beta.deployment.hello_app, beta.deployer.clone());
    let started = Instant::now();
    while app.received().call().await.unwrap() == alloy::primitives::U256::ZERO {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "not delivered through the routing verifier"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.lastGreeting().call().await.unwrap(), "routed");
    agents.shutdown(Duration::from_secs(5)).await;
    devnet.stop().await;
}

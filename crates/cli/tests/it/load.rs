//! Many messages on real local chains: a burst from two origins at once, and a flow during which
//! the relayer is killed (aborted mid-step, like a crash) and restarted again and again.

use std::time::{Duration, Instant};

use alloy::primitives::U256;
use courier_bindings::{HelloApp, Mailbox};
use courier_cli::{agents::Agents, cmd::devnet::agents_config};
use courier_devnet::{ChainSpec, Devnet, DevnetSpec};
use courier_store::{MessageFilter, Store};

fn spec(first_id: u64) -> DevnetSpec {
    DevnetSpec {
        chains: vec![
            ChainSpec::new("alpha", first_id, Duration::from_secs(1), 1),
            ChainSpec::new("beta", first_id + 1, Duration::from_secs(1), 1),
            ChainSpec::new("gamma", first_id + 2, Duration::from_secs(1), 1),
        ],
        validators: 5,
        threshold: 3,
    }
}

/// Sends `n` greetings from `from` to `to` without waiting for each receipt; returns once the node
/// has all of them.
async fn flood(devnet: &Devnet, from: &str, to: &str, n: usize) {
    let (from, to) = (devnet.chain(from).unwrap(), devnet.chain(to).unwrap());
    let app = HelloApp::new(from.deployment.hello_app, &from.deployer);
    let mut pending = Vec::with_capacity(n);
    for i in 0..n {
        pending.push(app.greet(to.domain(), format!("{i}")).send().await.unwrap());
    }
    for p in pending {
        assert!(p.get_receipt().await.unwrap().status());
    }
}

async fn received(devnet: &Devnet, name: &str) -> U256 {
    let chain = devnet.chain(name).unwrap();
    HelloApp::new(chain.deployment.hello_app, chain.deployer.clone())
        .received()
        .call()
        .await
        .unwrap()
}

async fn wait_received(devnet: &Devnet, name: &str, expected: u64, timeout: Duration) {
    let started = Instant::now();
    loop {
        let now = received(devnet, name).await;
        if now == U256::from(expected) {
            return;
        }
        assert!(
            now < U256::from(expected),
            "{name} received {now}, more than the {expected} sent"
        );
        assert!(
            started.elapsed() < timeout,
            "{name} received {now} of {expected} within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `burst`: 200 messages from two chains at once, all delivered exactly once, in far fewer
/// delivery transactions than messages.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_from_two_chains_is_delivered_exactly_once_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(spec(44001), dir.path(), |_| {})
        .await
        .unwrap();
    let config = agents_config(&devnet, dir.path()).unwrap();
    let agents = Agents::start(&config).await.unwrap();
    let started = Instant::now();
    tokio::join!(
        flood(&devnet, "alpha", "beta", 100),
        flood(&devnet, "gamma", "beta", 100)
    );
    wait_received(&devnet, "beta", 200, Duration::from_secs(120)).await;
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        received(&devnet, "beta").await,
        U256::from(200),
        "a message was delivered twice"
    );
    agents.shutdown(Duration::from_secs(5)).await;

    let store = Store::open(config.relayer_db()).unwrap();
    let beta = devnet.chain("beta").unwrap().domain();
    let delivered = store
        .messages(
            &MessageFilter {
                destination: Some(beta),
                ..Default::default()
            },
            1000,
        )
        .unwrap();
    let mut txs: Vec<_> = delivered
        .iter()
        .filter_map(|r| r.delivered.map(|d| d.tx))
        .collect();
    assert_eq!(txs.len(), 200);
    txs.sort();
    txs.dedup();
    assert!(
        txs.len() <= 40,
        "200 messages took {} delivery transactions: batching is not working",
        txs.len()
    );
    eprintln!(
        "burst: 200 messages delivered in {took:.2?} with {} transactions",
        txs.len()
    );
    devnet.stop().await;
}

/// `relayer-crash`: the relayer is aborted at random points six times while 100 messages flow;
/// every message is delivered exactly once in the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_relayer_again_and_again_loses_and_repeats_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(spec(44011), dir.path(), |_| {})
        .await
        .unwrap();
    let config = agents_config(&devnet, dir.path()).unwrap();
    let all: Vec<usize> = (0..config.validators.len()).collect();
    let validators = Agents::start_validators(&config, &all).await.unwrap();

    let sending = {
        let devnet = &devnet;
        async move {
            for _ in 0..4 {
                flood(devnet, "alpha", "beta", 25).await;
                tokio::time::sleep(Duration::from_millis(700)).await;
            }
        }
    };
    let crashing = async {
        // A fixed-seed generator: the same kill points on every run.
        let mut seed: u64 = 0x5eed_c0de;
        let mut next = move |max_ms: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            Duration::from_millis((seed >> 33) % max_ms)
        };
        for round in 0..6 {
            let relayer = Agents::start_relayer(&config).await.unwrap();
            tokio::time::sleep(Duration::from_millis(300) + next(1_500)).await;
            relayer.kill().await;
            eprintln!("relayer killed ({round})");
            tokio::time::sleep(next(800)).await;
        }
    };
    tokio::join!(sending, crashing);
    let relayer = Agents::start_relayer(&config).await.unwrap();
    wait_received(&devnet, "beta", 100, Duration::from_secs(120)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(received(&devnet, "beta").await, U256::from(100));

    let beta = devnet.chain("beta").unwrap();
    let alpha = devnet.chain("alpha").unwrap();
    let mailbox = Mailbox::new(beta.deployment.mailbox, beta.deployer.clone());
    for nonce in 0..100u32 {
        assert!(
            mailbox
                .delivered(alpha.domain(), beta.deployment.hello_app, nonce)
                .call()
                .await
                .unwrap(),
            "nonce {nonce} not delivered"
        );
    }
    relayer.shutdown(Duration::from_secs(5)).await;
    validators.shutdown(Duration::from_secs(5)).await;
    devnet.stop().await;
}

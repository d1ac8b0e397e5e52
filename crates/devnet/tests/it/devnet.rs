//! Whole devnets: start-up time, deployment and wiring, a greeting's Dispatch event, shutdown.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::{
    primitives::{B256, keccak256},
    providers::Provider,
    sol_types::SolEvent,
};
use courier_bindings::{CommitteeVerifier, HelloApp, Mailbox};
use courier_core::Message;
use courier_devnet::{Devnet, DevnetSpec, Error, MANIFEST_FILE, Manifest, ProgressEvent};

use crate::util::{assert_gone, port_open, process_exists, spec};

/// Starts a devnet in a fresh directory, collecting its progress events.
async fn start(spec: DevnetSpec) -> (Devnet, Vec<ProgressEvent>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let devnet = Devnet::start(spec, dir.path(), move |event| {
        sink.lock().unwrap().push(event);
    })
    .await
    .unwrap();
    let events = events.lock().unwrap().clone();
    (devnet, events, dir)
}

#[tokio::test]
async fn default_devnet_starts_in_seconds_fully_wired() {
    let (devnet, events, dir) = start(DevnetSpec::default()).await;
    println!("Devnet::start for 3 chains took {:?}", devnet.startup);
    for event in &events {
        println!("  {event}");
    }
    assert!(
        devnet.startup < Duration::from_secs(5),
        "startup took {:?}",
        devnet.startup
    );
    assert_eq!(devnet.chains.len(), 3);
    assert_eq!(devnet.validator_keys.len(), 5);
    assert!(
        devnet
            .validator_keys
            .windows(2)
            .all(|w| w[0].address < w[1].address)
    );

    let count = |f: fn(&ProgressEvent) -> bool| events.iter().filter(|e| f(e)).count();
    assert_eq!(
        count(|e| matches!(e, ProgressEvent::ChainStarted { .. })),
        3
    );
    assert_eq!(
        count(|e| matches!(e, ProgressEvent::ChainDeployed { .. })),
        3
    );
    assert_eq!(
        count(|e| matches!(e, ProgressEvent::Connected { chains: 3, .. })),
        1
    );
    assert!(matches!(events.last(), Some(ProgressEvent::Ready { .. })));

    for chain in &devnet.chains {
        let provider = chain.anvil.provider();
        let d = chain.deployment;
        assert_eq!(d.domain, chain.spec.chain_id);
        for address in [d.mailbox, d.committee_verifier, d.hello_app] {
            let code = provider.get_code_at(address).await.unwrap();
            assert!(!code.is_empty(), "{}: no code at {address}", chain.name());
        }
        let mailbox = Mailbox::new(d.mailbox, provider.clone());
        assert_eq!(mailbox.localDomain().call().await.unwrap(), chain.domain());
        assert_eq!(
            mailbox.defaultVerifier().call().await.unwrap(),
            d.committee_verifier
        );
        let app = HelloApp::new(d.hello_app, provider.clone());
        assert_eq!(app.mailbox().call().await.unwrap(), d.mailbox);
        let verifier = CommitteeVerifier::new(d.committee_verifier, provider.clone());
        assert_eq!(
            verifier.owner().call().await.unwrap(),
            courier_devnet::keys::DEPLOYER_ADDRESS
        );
        assert!(d.deploy_block >= 1);
        assert!(d.deploy_block <= provider.get_block_number().await.unwrap());

        // Its own domain has no committee and no peer.
        assert_eq!(
            verifier.committeeHash(chain.domain()).call().await.unwrap(),
            B256::ZERO
        );
        assert_eq!(app.peers(chain.domain()).call().await.unwrap(), B256::ZERO);

        for origin in devnet
            .chains
            .iter()
            .filter(|o| o.domain() != chain.domain())
        {
            let expected = devnet.committee(origin).unwrap();
            assert_eq!(
                expected.origin_mailbox(),
                origin.deployment.mailbox.into_word()
            );
            assert_eq!(
                verifier
                    .committeeHash(origin.domain())
                    .call()
                    .await
                    .unwrap(),
                expected.commitment(),
                "{} holds the wrong committee for {}",
                chain.name(),
                origin.name()
            );
            let held = verifier.committee(origin.domain()).call().await.unwrap();
            assert_eq!(held.threshold, 3);
            assert_eq!(held.validators, expected.validators());
            assert_eq!(held.originMailbox, origin.deployment.mailbox.into_word());
            assert_eq!(
                app.peers(origin.domain()).call().await.unwrap(),
                origin.deployment.hello_app.into_word()
            );
        }
    }

    // No two contracts share an address, not even the same contract on two chains — the core
    // contracts and every route's: code that mixes chains up cannot pass by coincidence.
    let mut addresses: Vec<_> = devnet
        .chains
        .iter()
        .flat_map(|c| {
            let d = c.deployment;
            [d.mailbox, d.committee_verifier, d.hello_app, d.relayer_fees]
        })
        .collect();
    let lc = devnet.light_client.as_ref().unwrap();
    addresses.push(lc.origin_hello_app);
    for d in &lc.destinations {
        addresses.extend([d.client, d.verifier, d.hello_app]);
    }
    let o = devnet.optimistic.as_ref().unwrap();
    addresses.extend([
        o.setup.proposer_bond,
        o.setup.origin_hello_app,
        o.setup.origin_hello_both,
        o.setup.validator_staking,
    ]);
    for d in &o.setup.destinations {
        addresses.extend([d.verifier, d.hello_app, d.aggregation, d.hello_both]);
    }
    let all = addresses.len();
    assert_eq!(all, 12 + 1 + 2 * 3 + 4 + 2 * 4);
    addresses.sort_unstable();
    addresses.dedup();
    assert_eq!(addresses.len(), all, "some contracts share an address");

    // The light-client route: alpha's beacon chain simulated, and on beta and gamma a light
    // client of it (trusting the bootstrap root, holding period 0's committee), a verifier routing
    // alpha to it and a HelloApp using that verifier, whose peer is alpha's light-client HelloApp.
    let lc = devnet
        .light_client
        .as_ref()
        .expect("the default devnet has a light-client route");
    assert_eq!(lc.origin, "alpha");
    assert_eq!(
        count(|e| matches!(
            e,
            ProgressEvent::LightClientReady {
                destinations: 2,
                ..
            }
        )),
        1
    );
    let alpha = devnet.chain("alpha").unwrap();
    let mut lc_domains: Vec<u64> = lc.destinations.iter().map(|d| d.domain).collect();
    lc_domains.sort_unstable();
    assert_eq!(lc_domains, vec![31338, 31339]);
    for d in &lc.destinations {
        let chain = devnet.chain_by_domain(d.domain).unwrap();
        let provider = chain.anvil.provider();
        let client = courier_bindings::EthereumLightClient::new(d.client, provider.clone());
        assert_ne!(
            client
                .committeeHash(alloy::primitives::U256::ZERO)
                .call()
                .await
                .unwrap(),
            B256::ZERO
        );
        let route = courier_bindings::LightClientVerifier::new(d.verifier, provider.clone())
            .routes(alpha.domain())
            .call()
            .await
            .unwrap();
        assert_eq!(
            (route.client, route.mailbox),
            (d.client, alpha.deployment.mailbox)
        );
        let app = HelloApp::new(d.hello_app, provider.clone());
        assert_eq!(app.verifier().call().await.unwrap(), d.verifier);
        assert_eq!(
            app.peers(alpha.domain()).call().await.unwrap(),
            lc.origin_hello_app.into_word()
        );
    }
    let origin_app = HelloApp::new(lc.origin_hello_app, alpha.anvil.provider());
    for d in &lc.destinations {
        assert_eq!(
            origin_app.peers(d.domain).call().await.unwrap(),
            d.hello_app.into_word()
        );
    }
    assert!(lc.beacon.finalized_block().is_some());

    // The manifest describes this devnet.
    assert_eq!(devnet.manifest_path, dir.path().join(MANIFEST_FILE));
    let manifest = Manifest::read(&devnet.manifest_path).unwrap();
    assert_eq!(manifest, devnet.manifest());
    assert_eq!(manifest.chains[1].name, "beta");
    assert_eq!(manifest.chains[1].block_time_ms, 2000);
    assert_eq!(manifest.chains[2].finality_depth, 3);
    assert_eq!(manifest.chains[0].rpc_url, devnet.chains[0].anvil.rpc_url());
    assert_eq!(manifest.chains[0].deployment(), devnet.chains[0].deployment);
    assert_eq!(manifest.validators.threshold, 3);
    assert_eq!(
        manifest.relayer.address,
        courier_devnet::keys::RELAYER_ADDRESS
    );
    let text = std::fs::read_to_string(&devnet.manifest_path).unwrap();
    assert!(text.contains("\"warning\": \"devnet keys, never use on a real chain\""));

    // Setup mined on demand, but the chains keep their own block times afterwards.
    let heights: Vec<u64> =
        futures::future::try_join_all(devnet.chains.iter().map(|c| c.anvil.block_number()))
            .await
            .unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for (chain, before) in devnet.chains.iter().zip(heights) {
        let now = chain.anvil.block_number().await.unwrap();
        let block_secs = chain.spec.block_time.as_secs();
        // 2.5 s hold 2 or 3 one-second blocks, 1 or 2 two-second ones.
        let most = 3 / block_secs + 1;
        assert!(
            now > before && now <= before + most,
            "{}: {before} -> {now} in 2.5 s at {block_secs} s blocks",
            chain.name()
        );
    }
}

#[tokio::test]
async fn a_greeting_emits_a_dispatch_that_decodes() {
    let (devnet, _, _dir) = start(spec(2)).await;
    let alpha = devnet.chain("alpha").unwrap();
    let beta = devnet.chain("beta").unwrap();
    let app = HelloApp::new(alpha.deployment.hello_app, alpha.deployer.clone());

    let mut nonces = Vec::new();
    for greeting in ["hello, beta", "again"] {
        let receipt = app
            .greet(beta.domain(), greeting.to_owned())
            .send()
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
        assert!(receipt.status());
        let dispatches: Vec<_> = receipt
            .inner
            .logs()
            .iter()
            .filter(|log| log.address() == alpha.deployment.mailbox)
            .filter_map(|log| log.log_decode::<Mailbox::Dispatch>().ok())
            .collect();
        assert_eq!(dispatches.len(), 1);
        let event = &dispatches[0].inner.data;
        let message = Message::decode(&event.message).unwrap();
        assert_eq!(message.origin, alpha.domain());
        assert_eq!(message.sender, alpha.deployment.hello_app.into_word());
        assert_eq!(message.destination, beta.domain());
        assert_eq!(message.recipient, beta.deployment.hello_app.into_word());
        assert_eq!(message.body.as_ref(), greeting.as_bytes());
        assert_eq!(event.destination, beta.domain());
        assert_eq!(event.id, message.id());
        assert_eq!(event.id, keccak256(&event.message));
        // HelloApp's own event names the same message.
        let sent = receipt
            .inner
            .logs()
            .iter()
            .find_map(|log| log.log_decode::<HelloApp::Sent>().ok())
            .unwrap();
        assert_eq!(sent.inner.data.id, event.id);
        assert_eq!(
            receipt.inner.logs()[0].topics()[0],
            Mailbox::Dispatch::SIGNATURE_HASH
        );
        nonces.push(message.nonce);
    }
    assert_eq!(nonces, [0, 1]);
    let mailbox = Mailbox::new(alpha.deployment.mailbox, alpha.anvil.provider());
    assert_eq!(mailbox.count().call().await.unwrap(), 2);
}

#[tokio::test]
async fn dropping_the_devnet_stops_every_anvil() {
    let (devnet, _, _dir) = start(spec(3)).await;
    let processes: Vec<(u32, u16)> = devnet
        .chains
        .iter()
        .map(|c| (c.anvil.pid(), c.anvil.port()))
        .collect();
    for &(pid, port) in &processes {
        assert!(process_exists(pid) && port_open(port));
    }
    drop(devnet);
    for (pid, port) in processes {
        assert_gone(pid, port);
    }
}

#[tokio::test]
async fn stopping_the_devnet_stops_every_anvil() {
    let (devnet, _, _dir) = start(spec(2)).await;
    let processes: Vec<(u32, u16)> = devnet
        .chains
        .iter()
        .map(|c| (c.anvil.pid(), c.anvil.port()))
        .collect();
    devnet.stop().await;
    for (pid, port) in processes {
        assert_gone(pid, port);
    }
}

#[tokio::test]
async fn a_bad_data_dir_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let err = Devnet::start(spec(2), &file.join("data"), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("not-a-dir"), "{err}");
}

#[tokio::test]
async fn an_invalid_spec_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = spec(2);
    bad.chains[1].chain_id = bad.chains[0].chain_id;
    let err = Devnet::start(bad, dir.path(), |_| {}).await.unwrap_err();
    assert!(matches!(err, Error::InvalidSpec(_)), "{err}");
    assert!(!dir.path().join(MANIFEST_FILE).exists());
}

//! The agents as separate processes driven by a configuration file (`courier validator run`,
//! `courier relayer run`, `courier watcher run`), against chains started and deployed by the
//! devnet library: the path an operator takes on real chains.

use std::{
    io::Write,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use alloy::primitives::U256;
use courier_bindings::HelloApp;
use courier_devnet::{ChainSpec, Devnet, DevnetSpec, keys};

/// Kills (SIGTERM, then SIGKILL) a child process when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `[chains.*]` tables for every chain of `devnet`.
fn chain_tables(devnet: &Devnet) -> String {
    let mut toml = String::new();
    for c in &devnet.chains {
        toml += &format!(
            "[chains.{}]\ndomain = {}\nrpc = \"{}\"\nfinality = {{ depth = {} }}\nmailbox = \"{}\"\ndeploy_block = {}\nblock_time = \"1s\"\n",
            c.name(),
            c.domain(),
            c.anvil.rpc_url(),
            c.spec.finality_depth,
            c.deployment.mailbox,
            c.deployment.deploy_block
        );
    }
    toml
}

/// Starts `courier <agent> run --config <config>` with `key` in `key_env`, logging to `log`.
fn spawn_agent(
    config: &std::path::Path,
    agent: &str,
    key_env: &str,
    key: String,
    log: &std::path::Path,
) -> Proc {
    let log = std::fs::File::create(log).unwrap();
    Proc(
        Command::new(env!("CARGO_BIN_EXE_courier"))
            .args([agent, "run", "--config"])
            .arg(config)
            .env(key_env, key)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_watcher_process_from_a_config_file_vetoes_and_proves_a_false_claim() {
    use alloy::primitives::{Bytes, keccak256};
    use courier_bindings::{OptimisticVerifier, ProposerBond};
    use courier_core::{checkpoint::encode_signature, claim::Claim};

    let dir = tempfile::tempdir().unwrap();
    let spec = DevnetSpec {
        chains: vec![
            ChainSpec::new("one", 41011, Duration::from_secs(1), 1),
            ChainSpec::new("two", 41012, Duration::from_secs(1), 1),
        ],
        validators: 3,
        threshold: 2,
        light_client_origin: None,
        optimistic_origin: Some("one".to_owned()),
    };
    let devnet = Devnet::start(spec, &dir.path().join("chains"), |_| {})
        .await
        .unwrap();
    let opt = devnet.optimistic.as_ref().unwrap();
    let (one, two) = (devnet.chain("one").unwrap(), devnet.chain("two").unwrap());
    let on_two = opt
        .setup
        .destinations
        .iter()
        .find(|d| d.domain == two.domain())
        .unwrap();
    // The file describes the verifier for the safety rails as a real deployment would have it
    // (30 minutes); the devnet's own window is seconds, which only the watcher's speed matters to.
    let toml = format!(
        "data_dir = \"{}\"\n{}[verifiers.one-optimistic]\nkind = \"optimistic\"\nchain = \"two\"\naddress = \"{}\"\nwindow = \"30m\"\nwatchers = [\"{}\"]\nproposers = [\"{}\"]\n[watcher]\nkey_env = \"WATCHER_KEY\"\norigin = \"one\"\nproposer_bond = \"{}\"\nverifiers = [\"one-optimistic\"]\n",
        dir.path().join("agents").display(),
        chain_tables(&devnet),
        on_two.verifier,
        keys::WATCHER_ADDRESS,
        keys::PROPOSER_ADDRESS,
        opt.setup.proposer_bond,
    );
    let config = dir.path().join("courier.toml");
    std::fs::write(&config, toml).unwrap();
    let log = dir.path().join("watcher.log");
    let _watcher = spawn_agent(
        &config,
        "watcher",
        "WATCHER_KEY",
        format!("{}", keys::WATCHER_PRIVATE_KEY),
        &log,
    );

    let key = courier_core::checkpoint::signing_key(&keys::PROPOSER_PRIVATE_KEY).unwrap();
    let verifier = OptimisticVerifier::new(on_two.verifier, &two.deployer);
    let post = |root, index| {
        let claim = Claim {
            origin: one.domain(),
            origin_mailbox: one.deployment.mailbox.into_word(),
            root,
            index,
        };
        let signature = Bytes::copy_from_slice(&encode_signature(&claim.sign(&key).unwrap()));
        let verifier = verifier.clone();
        async move {
            verifier
                .postClaim(one.domain(), root, index, signature)
                .send()
                .await
                .unwrap()
                .get_receipt()
                .await
                .unwrap();
        }
    };
    let bond = ProposerBond::new(opt.setup.proposer_bond, &one.deployer);
    let wait = |what: &'static str, root, slashed_wanted: bool| {
        let (verifier, bond, log) = (verifier.clone(), bond.clone(), log.clone());
        async move {
            let started = Instant::now();
            loop {
                let vetoed = verifier
                    .claims(one.domain(), root)
                    .call()
                    .await
                    .unwrap()
                    .vetoed;
                let slashed = bond
                    .bonds(keys::PROPOSER_ADDRESS)
                    .call()
                    .await
                    .unwrap()
                    .slashed;
                if vetoed && slashed == slashed_wanted {
                    return;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "{what}: vetoed {vetoed}, slashed {slashed} after 30 s; watcher log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    };

    // A claim of an index never dispatched: vetoed at once, but nothing on the origin proves it
    // false yet (the proposer could still dispatch messages that make it true).
    let early = keccak256(b"the root of messages not sent yet");
    post(early, 3).await;
    wait("a claim of a missing index", early, false).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !bond
            .bonds(keys::PROPOSER_ADDRESS)
            .call()
            .await
            .unwrap()
            .slashed
    );

    // The veto paused the route; its owner resumes it. A greeting on one, final; then a false
    // claim of its index: vetoed and proven on one.
    verifier
        .resume(one.domain())
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    HelloApp::new(one.deployment.hello_app, &one.deployer)
        .greet(two.domain(), "watched".into())
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let lie = keccak256(b"never the root of one");
    post(lie, 0).await;
    wait("a false claim of index 0", lie, true).await;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(text.contains("FALSE CLAIM"), "{text}");
    assert!(text.contains("not dispatched on the origin yet"), "{text}");
    assert!(!text.contains("fraud proof failed"), "{text}");
    assert!(
        !verifier
            .acceptedRoot(one.domain(), lie)
            .call()
            .await
            .unwrap()
    );
    devnet.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn validator_and_relayer_processes_from_a_config_file_deliver() {
    let dir = tempfile::tempdir().unwrap();
    let spec = DevnetSpec {
        chains: vec![
            ChainSpec::new("one", 41001, Duration::from_secs(1), 1),
            ChainSpec::new("two", 41002, Duration::from_secs(1), 2),
        ],
        validators: 3,
        threshold: 2,
        light_client_origin: None,
        optimistic_origin: None,
    };
    let devnet = Devnet::start(spec, &dir.path().join("chains"), |_| {})
        .await
        .unwrap();
    let mut toml = format!("data_dir = \"{}\"\n", dir.path().join("agents").display());
    toml += &chain_tables(&devnet);
    toml += "[validator]\nkey_env = \"VALIDATOR_KEY\"\norigins = [\"one\", \"two\"]\n[relayer]\nkey_env = \"RELAYER_KEY\"\n";
    let config = dir.path().join("courier.toml");
    std::fs::File::create(&config)
        .unwrap()
        .write_all(toml.as_bytes())
        .unwrap();

    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let mut n = 0;
    let mut spawn = |agent: &str, key_env: &str, key: String| {
        n += 1;
        spawn_agent(
            &config,
            agent,
            key_env,
            key,
            &logs.join(format!("{agent}-{n}.log")),
        )
    };
    // Two validator processes: exactly the threshold.
    let _validators: Vec<Proc> = devnet.validator_keys[..2]
        .iter()
        .map(|k| spawn("validator", "VALIDATOR_KEY", format!("{}", k.private_key())))
        .collect();
    let _relayer = spawn(
        "relayer",
        "RELAYER_KEY",
        format!("{}", keys::RELAYER_PRIVATE_KEY),
    );

    let (one, two) = (devnet.chain("one").unwrap(), devnet.chain("two").unwrap());
    HelloApp::new(one.deployment.hello_app, &one.deployer)
        .greet(two.domain(), "over processes".into())
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let app = HelloApp::new(two.deployment.hello_app, two.deployer.clone());
    let started = Instant::now();
    while app.received().call().await.unwrap() != U256::from(1) {
        if started.elapsed() > Duration::from_secs(60) {
            for entry in std::fs::read_dir(&logs).unwrap().flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                eprintln!("==== {}\n{text}", entry.path().display());
            }
            panic!("not delivered within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(app.lastGreeting().call().await.unwrap(), "over processes");
    devnet.stop().await;
}

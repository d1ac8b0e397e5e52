//! The agents as separate processes driven by a configuration file (`courier validator run`,
//! `courier relayer run`), against chains started and deployed by the devnet library: the path an
//! operator takes on real chains.

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
    toml += "[validator]\nkey_env = \"VALIDATOR_KEY\"\norigins = [\"one\", \"two\"]\n[relayer]\nkey_env = \"RELAYER_KEY\"\n";
    let config = dir.path().join("courier.toml");
    std::fs::File::create(&config)
        .unwrap()
        .write_all(toml.as_bytes())
        .unwrap();

    let bin = env!("CARGO_BIN_EXE_courier");
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let mut n = 0;
    let mut spawn = |agent: &str, key_env: &str, key: String| {
        n += 1;
        let log = std::fs::File::create(logs.join(format!("{agent}-{n}.log"))).unwrap();
        Proc(
            Command::new(bin)
                .args([agent, "run", "--config"])
                .arg(&config)
                .env(key_env, key)
                .env("RUST_LOG", "info")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
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

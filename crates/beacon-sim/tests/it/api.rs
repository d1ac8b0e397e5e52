//! The beacon API's shapes and errors.

use courier_beacon_sim::SimConfig;

use crate::util::Env;

#[tokio::test]
async fn headers_and_errors() {
    let env = Env::start(SimConfig::default()).await;
    env.mine_to(5).await;

    let head: serde_json::Value =
        serde_json::from_str(&env.get_ok("/eth/v1/beacon/headers/head").await).unwrap();
    let block = env.sim.block(5).unwrap();
    assert_eq!(head["data"]["root"], format!("{}", block.root));
    assert_eq!(head["data"]["header"]["message"]["slot"], "5");
    assert_eq!(head["finalized"], false);
    let by_slot: serde_json::Value =
        serde_json::from_str(&env.get_ok("/eth/v1/beacon/headers/3").await).unwrap();
    assert_eq!(by_slot["finalized"], true);
    let by_root: serde_json::Value = serde_json::from_str(
        &env.get_ok(&format!("/eth/v1/beacon/headers/{}", block.root))
            .await,
    )
    .unwrap();
    assert_eq!(by_root["data"]["header"], head["data"]["header"]);
    let genesis: serde_json::Value =
        serde_json::from_str(&env.get_ok("/eth/v1/beacon/headers/genesis").await).unwrap();
    assert_eq!(genesis["data"]["header"]["message"]["slot"], "0");

    for (path, status, says) in [
        ("/eth/v1/beacon/headers/99", 404, "no such simulated block"),
        ("/eth/v1/beacon/headers/tomorrow", 400, "block id"),
        (
            "/eth/v1/beacon/light_client/bootstrap/0x1234",
            400,
            "0x1234",
        ),
        (
            "/eth/v1/beacon/light_client/bootstrap/0x0000000000000000000000000000000000000000000000000000000000000001",
            404,
            "no simulated block has that root",
        ),
        (
            "/eth/v1/beacon/light_client/updates?count=1",
            400,
            "start_period",
        ),
        (
            "/eth/v1/beacon/light_client/updates?start_period=0&count=x",
            400,
            "count",
        ),
        ("/eth/v1/nothing", 404, "no route"),
    ] {
        let (got, body) = env.get(path).await;
        assert_eq!(got, status, "{path}: {body}");
        let error: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["code"], status, "{path}: {body}");
        assert!(
            error["message"].as_str().unwrap().contains(says),
            "{path}: {body}"
        );
    }
    // Periods not reached yet: an empty list, not an error.
    assert_eq!(
        env.get_ok("/eth/v1/beacon/light_client/updates?start_period=3&count=2")
            .await,
        "[]"
    );
    // Versioned responses name their fork in a header too.
    let response = env
        .http
        .get(format!(
            "{}/eth/v1/beacon/light_client/finality_update",
            env.sim.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["eth-consensus-version"], "electra");
    env.stop().await;
}

#[tokio::test]
async fn nothing_to_sign_at_genesis() {
    let env = Env::start(SimConfig::default()).await;
    assert_eq!(env.sim.head_slot(), Some(0));
    let (status, body) = env.get("/eth/v1/beacon/light_client/finality_update").await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        env.get_ok("/eth/v1/beacon/light_client/updates?start_period=0&count=1")
            .await,
        "[]"
    );
    // A finality depth of 0 cannot be simulated.
    let err = courier_beacon_sim::BeaconSim::start(
        env.anvil.rpc_url(),
        SimConfig {
            finality_depth: 0,
            ..SimConfig::default()
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("finality_depth"), "{err}");
    env.stop().await;
}

#[tokio::test]
async fn a_lost_execution_node_is_reported_while_waiting() {
    use std::time::Duration;

    use courier_devnet::{Anvil, AnvilConfig};

    let anvil = Anvil::spawn(AnvilConfig::new(31337, Duration::ZERO))
        .await
        .unwrap();
    let rpc_url = anvil.rpc_url().to_owned();
    let sim = courier_beacon_sim::BeaconSim::start(&rpc_url, SimConfig::default())
        .await
        .unwrap();
    anvil.stop().await;
    let err = sim
        .wait_for_slot(5, Duration::from_millis(500))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("slot 5 not reached") && message.contains("head: Some(0)"),
        "{message}"
    );
    assert!(
        message.contains(&rpc_url) && message.contains("eth_blockNumber"),
        "{message}"
    );
    assert!(err.is_retryable());
    // Still serving what it has.
    let body = reqwest::get(format!("{}/eth/v1/beacon/headers/genesis", sim.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("\"slot\":\"0\""), "{body}");
    let addr = sim.addr();
    sim.stop().await;
    assert!(std::net::TcpStream::connect(addr).is_err());
}

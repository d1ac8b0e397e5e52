//! Starting and stopping anvil, and the fault-injection RPCs.

use std::time::Duration;

use alloy::{
    eips::BlockNumberOrTag,
    network::TransactionBuilder,
    primitives::{B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use courier_devnet::{Anvil, AnvilConfig, AnvilInstance, Error, keys};

use crate::util::{assert_gone, port_open, process_exists};

/// A chain that only mines when told to: no transaction or clock produces blocks by itself
/// (an hour-long block time never elapses during a test).
async fn manual_chain() -> AnvilInstance {
    Anvil::spawn(AnvilConfig::new(31337, Duration::from_secs(3600)))
        .await
        .unwrap()
}

async fn block_hash(anvil: &AnvilInstance, number: u64) -> B256 {
    anvil
        .provider()
        .get_block_by_number(BlockNumberOrTag::Number(number))
        .await
        .unwrap()
        .unwrap()
        .header
        .hash
}

/// Sends 1 wei from the deployer to the relayer; returns the transaction hash.
async fn send_transfer(anvil: &AnvilInstance) -> B256 {
    let provider = anvil.signing_provider(keys::deployer());
    let tx = TransactionRequest::default()
        .with_to(keys::RELAYER_ADDRESS)
        .with_value(U256::from(1));
    *provider.send_transaction(tx).await.unwrap().tx_hash()
}

#[tokio::test]
async fn spawns_on_free_ports_and_answers_with_its_chain_id() {
    let (a, b) = tokio::join!(
        Anvil::spawn(AnvilConfig::new(31337, Duration::ZERO)),
        Anvil::spawn(AnvilConfig::new(4_000_000_000_123, Duration::from_secs(1))),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(a.port(), b.port());
    assert_eq!(a.rpc_url(), format!("http://127.0.0.1:{}", a.port()));
    assert_eq!(a.provider().get_chain_id().await.unwrap(), 31337);
    // Chain ids above 2^32 work (Courier domains are uint64).
    assert_eq!(b.chain_id(), 4_000_000_000_123);
    assert_eq!(
        b.provider().get_chain_id().await.unwrap(),
        4_000_000_000_123
    );
    assert!(process_exists(a.pid()) && process_exists(b.pid()));
    assert!(a.binary().ends_with("anvil"));
}

#[tokio::test]
async fn uses_the_port_it_is_given() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let anvil = Anvil::spawn(AnvilConfig {
        port: Some(port),
        ..AnvilConfig::new(31337, Duration::ZERO)
    })
    .await
    .unwrap();
    assert_eq!(anvil.port(), port);
    assert!(port_open(port));
}

#[tokio::test]
async fn a_fork_shares_the_past_and_then_diverges() {
    use alloy::providers::Provider;
    let chain = Anvil::spawn(AnvilConfig::new(31337, Duration::ZERO))
        .await
        .unwrap();
    chain.mine(3).await.unwrap();
    let fork = Anvil::spawn(AnvilConfig::fork(31337, chain.url().clone()))
        .await
        .unwrap();
    assert_eq!(fork.block_number().await.unwrap(), 3);
    let block = |p: alloy::providers::DynProvider, n: u64| async move {
        p.get_block_by_number(n.into())
            .await
            .unwrap()
            .unwrap()
            .header
            .hash
    };
    assert_eq!(
        block(chain.provider(), 3).await,
        block(fork.provider(), 3).await
    );
    // The same next block on both, but for one transfer on the fork alone.
    chain.mine(1).await.unwrap();
    let tx = alloy::rpc::types::TransactionRequest::default()
        .to(alloy::primitives::Address::repeat_byte(7))
        .value(alloy::primitives::U256::from(1));
    fork.signing_provider(courier_devnet::keys::deployer())
        .send_transaction(tx)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert_eq!(fork.block_number().await.unwrap(), 4);
    assert_ne!(
        block(chain.provider(), 4).await,
        block(fork.provider(), 4).await
    );
}

#[tokio::test]
async fn a_taken_port_is_an_error_naming_port_and_stderr() {
    let first = Anvil::spawn(AnvilConfig::new(31337, Duration::ZERO))
        .await
        .unwrap();
    let err = Anvil::spawn(AnvilConfig {
        port: Some(first.port()),
        ..AnvilConfig::new(31338, Duration::ZERO)
    })
    .await
    .unwrap_err();
    let text = err.to_string();
    println!("{text}");
    assert!(matches!(err, Error::AnvilExited { .. }), "{text}");
    assert!(text.contains(&format!("port {}", first.port())), "{text}");
    assert!(text.contains("Address already in use"), "{text}");
    assert!(text.contains("anvil"), "{text}");
    // The first chain is unharmed.
    assert_eq!(first.block_number().await.unwrap(), 0);
}

#[tokio::test]
async fn bad_binaries_are_errors_naming_them() {
    let err = Anvil::spawn(AnvilConfig {
        binary: Some("/nonexistent/anvil".into()),
        ..AnvilConfig::new(31337, Duration::ZERO)
    })
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Spawn { .. }), "{err}");
    assert!(err.to_string().contains("/nonexistent/anvil"), "{err}");

    // A binary that runs but is not anvil: exits at once without listening.
    let err = Anvil::spawn(AnvilConfig {
        binary: Some("/bin/false".into()),
        ..AnvilConfig::new(31337, Duration::ZERO)
    })
    .await
    .unwrap_err();
    assert!(matches!(err, Error::AnvilExited { .. }), "{err}");
    assert!(err.to_string().contains("/bin/false"), "{err}");
}

#[tokio::test]
async fn a_silent_binary_times_out_with_its_stderr() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("anvil");
    let pid_file = dir.path().join("pid");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\necho $$ > {}\necho 'fake anvil: still starting' >&2\nexec sleep 60\n",
            pid_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();

    let started = std::time::Instant::now();
    let err = Anvil::spawn(AnvilConfig {
        binary: Some(fake.clone()),
        ..AnvilConfig::new(31337, Duration::ZERO)
    })
    .await
    .unwrap_err();
    let elapsed = started.elapsed();
    let text = err.to_string();
    println!("{text}");
    assert!(matches!(err, Error::AnvilTimeout { .. }), "{text}");
    assert!(text.contains(&fake.display().to_string()), "{text}");
    assert!(text.contains("fake anvil: still starting"), "{text}");
    assert!(text.contains("port"), "{text}");
    assert!(
        elapsed >= courier_devnet::anvil::STARTUP_TIMEOUT && elapsed < Duration::from_secs(20),
        "{elapsed:?}"
    );
    // The process that never became ready was killed and reaped too.
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!process_exists(pid), "fake anvil {pid} still exists");
}

#[tokio::test]
async fn drop_kills_and_reaps_anvil() {
    let anvil = manual_chain().await;
    let (pid, port) = (anvil.pid(), anvil.port());
    assert!(process_exists(pid) && port_open(port));
    drop(anvil);
    assert_gone(pid, port);
}

#[tokio::test]
async fn stop_kills_and_reaps_anvil() {
    let anvil = manual_chain().await;
    let (pid, port) = (anvil.pid(), anvil.port());
    anvil.stop().await;
    assert_gone(pid, port);
}

#[tokio::test]
async fn fractional_block_times_work() {
    let anvil = Anvil::spawn(AnvilConfig::new(31337, Duration::from_millis(200)))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let blocks = anvil.block_number().await.unwrap();
    assert!(
        (3..=8).contains(&blocks),
        "{blocks} blocks in 1.1 s at 0.2 s"
    );
}

#[tokio::test]
async fn mine_mines_blocks_and_pending_transactions() {
    let anvil = manual_chain().await;
    anvil.mine(5).await.unwrap();
    assert_eq!(anvil.block_number().await.unwrap(), 5);

    let tx = send_transfer(&anvil).await;
    assert_eq!(anvil.pending_transactions().await.unwrap(), 1);
    anvil.mine(1).await.unwrap();
    assert_eq!(anvil.pending_transactions().await.unwrap(), 0);
    let receipt = anvil
        .provider()
        .get_transaction_receipt(tx)
        .await
        .unwrap()
        .expect("mined");
    assert_eq!(receipt.block_number, Some(6));
}

#[tokio::test]
async fn snapshot_and_revert_restore_blocks_and_state() {
    let anvil = manual_chain().await;
    anvil.mine(2).await.unwrap();
    let provider = anvil.provider();
    let balance = provider.get_balance(keys::RELAYER_ADDRESS).await.unwrap();
    let snapshot = anvil.snapshot().await.unwrap();

    send_transfer(&anvil).await;
    anvil.mine(3).await.unwrap();
    assert_eq!(anvil.block_number().await.unwrap(), 5);
    assert_eq!(
        provider.get_balance(keys::RELAYER_ADDRESS).await.unwrap(),
        balance + U256::from(1)
    );

    anvil.revert(snapshot).await.unwrap();
    assert_eq!(anvil.block_number().await.unwrap(), 2);
    assert_eq!(
        provider.get_balance(keys::RELAYER_ADDRESS).await.unwrap(),
        balance
    );
    // A snapshot is consumed by its revert.
    let err = anvil.revert(snapshot).await.unwrap_err();
    assert!(matches!(err, Error::SnapshotNotFound { .. }), "{err}");
}

#[tokio::test]
async fn reorg_replaces_the_newest_blocks() {
    let anvil = manual_chain().await;
    anvil.mine(3).await.unwrap();
    let tx = send_transfer(&anvil).await;
    anvil.mine(2).await.unwrap();
    // Blocks 1..=5; the transfer is in block 4.
    let before: Vec<B256> = futures::future::join_all((1..=5).map(|n| block_hash(&anvil, n))).await;
    assert!(
        anvil
            .provider()
            .get_transaction_receipt(tx)
            .await
            .unwrap()
            .is_some()
    );

    anvil.reorg(2).await.unwrap();
    assert_eq!(anvil.block_number().await.unwrap(), 5);
    let after: Vec<B256> = futures::future::join_all((1..=5).map(|n| block_hash(&anvil, n))).await;
    assert_eq!(before[..3], after[..3], "blocks below the reorg stay");
    assert_ne!(before[3], after[3]);
    assert_ne!(before[4], after[4]);
    // The transfer was in a replaced block and is gone.
    assert!(
        anvil
            .provider()
            .get_transaction_receipt(tx)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn rollback_shortens_the_chain() {
    let anvil = manual_chain().await;
    anvil.mine(5).await.unwrap();
    let kept = block_hash(&anvil, 3).await;
    anvil.rollback(2).await.unwrap();
    assert_eq!(anvil.block_number().await.unwrap(), 3);
    assert_eq!(block_hash(&anvil, 3).await, kept);
}

#[tokio::test]
async fn stop_mining_makes_an_outage_and_resume_ends_it() {
    let anvil = Anvil::spawn(AnvilConfig::new(31337, Duration::from_secs(1)))
        .await
        .unwrap();
    anvil.stop_mining().await.unwrap();
    let stopped_at = anvil.block_number().await.unwrap();
    send_transfer(&anvil).await;
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_eq!(
        anvil.block_number().await.unwrap(),
        stopped_at,
        "no blocks during the outage"
    );
    assert_eq!(anvil.pending_transactions().await.unwrap(), 1);

    anvil.resume_mining().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert!(
        anvil.block_number().await.unwrap() > stopped_at,
        "blocks again after resume"
    );
    assert_eq!(anvil.pending_transactions().await.unwrap(), 0);
}

#[tokio::test]
async fn block_time_and_automine_change_at_runtime() {
    let anvil = manual_chain().await;
    anvil.set_block_time(Duration::from_secs(1)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert!(anvil.block_number().await.unwrap() >= 2);

    // anvil takes whole seconds at runtime.
    let err = anvil
        .set_block_time(Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedBlockTime { .. }), "{err}");
    assert!(anvil.set_block_time(Duration::ZERO).await.is_err());

    anvil.stop_mining().await.unwrap();
    anvil.set_automine(true).await.unwrap();
    let tx = send_transfer(&anvil).await;
    let mut receipt = None;
    for _ in 0..50 {
        receipt = anvil.provider().get_transaction_receipt(tx).await.unwrap();
        if receipt.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(receipt.is_some(), "automine mines a transaction at once");
}

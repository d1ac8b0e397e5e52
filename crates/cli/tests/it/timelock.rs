//! Configuration changes through a timelock, as users see them coming: a `CommitteeVerifier`
//! owned by OpenZeppelin's `TimelockController`; a committee rotation scheduled (pending, with the
//! time it can run), another scheduled and cancelled; `courier changes` shows both, decoded; after
//! the delay the rotation is ready, then executed. The watcher's timelock watch announces each
//! change once, with its metric.

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    sol_types::SolCall,
};
use courier_bindings::{CommitteeVerifier, TimelockController};
use courier_chain::timelock::{ChangeEvent, ChangeState, TimelockFollower, scheduled_changes};
use courier_devnet::{Anvil, AnvilConfig, keys};
use courier_watcher::TimelockWatch;

const DELAY: u64 = 3600;

/// A `TimelockController` with a `DELAY` s delay whose only proposer and executor is the deployer.
async fn timelock_of_the_deployer(
    admin: &alloy::providers::DynProvider,
) -> TimelockController::TimelockControllerInstance<alloy::providers::DynProvider> {
    TimelockController::deploy(
        admin.clone(),
        U256::from(DELAY),
        vec![keys::DEPLOYER_ADDRESS],
        vec![keys::DEPLOYER_ADDRESS],
        Address::ZERO,
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_changes_are_listed_decoded_with_their_state() {
    let anvil = Anvil::spawn(AnvilConfig::new(31337, std::time::Duration::ZERO))
        .await
        .unwrap();
    let admin = anvil.signing_provider(keys::deployer());
    let timelock = timelock_of_the_deployer(&admin).await;
    let verifier = CommitteeVerifier::deploy(admin.clone(), *timelock.address())
        .await
        .unwrap();
    let metrics = courier_metrics::Metrics::new();
    let mut watch = TimelockWatch::new(
        31337,
        TimelockFollower::new(anvil.url(), *timelock.address(), 0),
        metrics.watcher.clone(),
        std::time::Duration::from_secs(1),
    );
    assert!(watch.tick().await.unwrap().is_empty());
    let metric = |name: &str| -> u64 {
        let prefix = format!("courier_watcher_{name}{{chain=\"31337\"}} ");
        metrics
            .render()
            .lines()
            .find_map(|l| {
                l.strip_prefix(&prefix)
                    .map(|v| v.parse::<f64>().unwrap() as u64)
            })
            .unwrap_or_else(|| panic!("no {prefix} in:\n{}", metrics.render()))
    };
    let rotate = |threshold: u8| -> Bytes {
        CommitteeVerifier::setCommitteeCall {
            origin: 1,
            originMailbox: B256::repeat_byte(0x11),
            threshold,
            validators: vec![
                Address::repeat_byte(0xa1),
                Address::repeat_byte(0xa2),
                Address::repeat_byte(0xa3),
            ],
        }
        .abi_encode()
        .into()
    };
    let schedule = |data: Bytes, salt: B256| {
        let timelock = timelock.clone();
        let target = *verifier.address();
        async move {
            timelock
                .schedule(
                    target,
                    U256::ZERO,
                    data,
                    B256::ZERO,
                    salt,
                    U256::from(DELAY),
                )
                .send()
                .await
                .unwrap()
                .get_receipt()
                .await
                .unwrap()
        }
    };
    let scheduled = schedule(rotate(2), B256::with_last_byte(1)).await;
    schedule(rotate(3), B256::with_last_byte(2)).await;
    let dropped = timelock
        .hashOperation(
            *verifier.address(),
            U256::ZERO,
            rotate(3),
            B256::ZERO,
            B256::with_last_byte(2),
        )
        .call()
        .await
        .unwrap();
    timelock
        .cancel(dropped)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();

    assert_eq!(
        watch.tick().await.unwrap(),
        vec![
            ChangeEvent::Scheduled(0),
            ChangeEvent::Scheduled(1),
            ChangeEvent::Cancelled(1)
        ]
    );
    assert!(watch.tick().await.unwrap().is_empty(), "announced once");
    assert_eq!(metric("changes_scheduled_total"), 2);
    assert_eq!(metric("changes_pending"), 1);
    // A watch started now (a restarted watcher) announces only what is still to come.
    let mut fresh = TimelockWatch::new(
        31337,
        TimelockFollower::new(anvil.url(), *timelock.address(), 0),
        courier_metrics::Metrics::new().watcher,
        std::time::Duration::from_secs(1),
    );
    assert_eq!(fresh.tick().await.unwrap(), vec![ChangeEvent::Scheduled(0)]);

    let at = anvil
        .provider()
        .get_block_by_number(scheduled.block_number.unwrap().into())
        .await
        .unwrap()
        .unwrap()
        .header
        .timestamp;
    let changes = scheduled_changes(anvil.url(), *timelock.address(), 0)
        .await
        .unwrap();
    assert_eq!(changes.len(), 2);
    let (first, second) = (&changes[0], &changes[1]);
    assert_eq!(first.state, ChangeState::Pending);
    assert_eq!(first.ready_at, at + DELAY);
    assert_eq!(first.target, *verifier.address());
    assert!(
        first
            .call
            .starts_with("setCommittee(uint64,bytes32,uint8,address[])")
            && first.call.contains("threshold: 2"),
        "{}",
        first.call
    );
    assert_eq!((second.state, second.id), (ChangeState::Cancelled, dropped));

    // The command shows the same, one line each.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_courier"))
        .args(["changes", "--rpc", anvil.rpc_url(), "--timelock"])
        .arg(timelock.address().to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("pending") && text.contains("cancelled"),
        "{text}"
    );
    assert!(text.contains("setCommittee("), "{text}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_courier"))
        .args([
            "changes",
            "--pending",
            "--rpc",
            anvil.rpc_url(),
            "--timelock",
        ])
        .arg(timelock.address().to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("cancelled") && text.contains("pending"),
        "{text}"
    );

    // After the delay: ready; executed, it applies.
    anvil
        .provider()
        .raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (DELAY,))
        .await
        .unwrap();
    anvil.mine(1).await.unwrap();
    let changes = scheduled_changes(anvil.url(), *timelock.address(), 0)
        .await
        .unwrap();
    assert_eq!(changes[0].state, ChangeState::Ready);
    assert_eq!(watch.tick().await.unwrap(), vec![ChangeEvent::Ready(0)]);
    timelock
        .execute(
            *verifier.address(),
            U256::ZERO,
            rotate(2),
            B256::ZERO,
            B256::with_last_byte(1),
        )
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let changes = scheduled_changes(anvil.url(), *timelock.address(), 0)
        .await
        .unwrap();
    assert_eq!(changes[0].state, ChangeState::Executed);
    assert_eq!(watch.tick().await.unwrap(), vec![ChangeEvent::Executed(0)]);
    assert_eq!(metric("changes_pending"), 0);
    assert_eq!(
        verifier.committee(1).call().await.unwrap().threshold,
        2,
        "the rotation applied"
    );
}

/// `courier handover`: contracts deployed and owned by the deployer are offered to a timelock, its
/// acceptance is scheduled (a change `courier changes` shows), refused before the delay, and run
/// after it; the example app (plain `Ownable`) is the timelock's at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handover_puts_the_timelock_in_charge_after_its_delay() {
    let anvil = Anvil::spawn(AnvilConfig::new(31337, std::time::Duration::ZERO))
        .await
        .unwrap();
    let admin = anvil.signing_provider(keys::deployer());
    let d = courier_devnet::deploy_core(&admin, 31337, keys::DEPLOYER_ADDRESS)
        .await
        .unwrap();
    let timelock = timelock_of_the_deployer(&admin).await;
    let contracts = [d.mailbox, d.committee_verifier, d.relayer_fees, d.hello_app];
    let courier = |extra: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_courier"));
        command
            .arg("handover")
            .args(extra)
            .args(["--rpc", anvil.rpc_url(), "--timelock"])
            .arg(timelock.address().to_string())
            .args(contracts.iter().map(ToString::to_string))
            .env(
                "COURIER_DEPLOYER_KEY",
                keys::DEPLOYER_PRIVATE_KEY.to_string(),
            );
        let out = command.output().unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let owner = |c: Address| {
        let admin = admin.clone();
        async move {
            CommitteeVerifier::new(c, admin)
                .owner()
                .call()
                .await
                .unwrap()
        }
    };

    let (ok, text) = courier(&[]);
    assert!(ok, "{text}");
    assert!(
        text.contains("scheduled the timelock's acceptance of 3 contract(s)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}: owned by the timelock now", d.hello_app)),
        "{text}"
    );
    assert_eq!(owner(d.hello_app).await, *timelock.address());
    assert_eq!(owner(d.mailbox).await, keys::DEPLOYER_ADDRESS);
    let changes = scheduled_changes(anvil.url(), *timelock.address(), 0)
        .await
        .unwrap();
    assert_eq!(changes.len(), 3);
    assert!(
        changes
            .iter()
            .all(|c| c.state == ChangeState::Pending && c.call == "acceptOwnership()")
    );

    // Too early; a second run finds everything done or scheduled.
    let (ok, text) = courier(&["--execute"]);
    assert!(!ok && text.contains("not yet"), "{text}");
    let (ok, text) = courier(&[]);
    assert!(ok && text.contains("is scheduled already"), "{text}");
    assert_eq!(
        scheduled_changes(anvil.url(), *timelock.address(), 0)
            .await
            .unwrap()
            .len(),
        3
    );

    anvil
        .provider()
        .raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (DELAY,))
        .await
        .unwrap();
    anvil.mine(1).await.unwrap();
    let (ok, text) = courier(&["--execute"]);
    assert!(
        ok && text.contains("every contract is owned by the timelock"),
        "{text}"
    );
    for c in contracts {
        assert_eq!(owner(c).await, *timelock.address(), "{c}");
    }
    // The deployer can no longer configure directly.
    let direct = CommitteeVerifier::new(d.committee_verifier, admin.clone())
        .setCommittee(
            1,
            B256::repeat_byte(1),
            2,
            vec![Address::repeat_byte(1), Address::repeat_byte(2)],
        )
        .send()
        .await;
    assert!(direct.is_err(), "the former owner still configures");
}

//! Configuration changes through a timelock, as users see them coming: a `CommitteeVerifier`
//! owned by OpenZeppelin's `TimelockController`; a committee rotation scheduled (pending, with the
//! time it can run), another scheduled and cancelled; `courier changes` shows both, decoded; after
//! the delay the rotation is ready, then executed.

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    sol_types::SolCall,
};
use courier_bindings::{CommitteeVerifier, TimelockController};
use courier_chain::timelock::{ChangeState, scheduled_changes};
use courier_devnet::{Anvil, AnvilConfig, keys};

const DELAY: u64 = 3600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_changes_are_listed_decoded_with_their_state() {
    let anvil = Anvil::spawn(AnvilConfig::new(31337, std::time::Duration::ZERO))
        .await
        .unwrap();
    let admin = anvil.signing_provider(keys::deployer());
    let timelock = TimelockController::deploy(
        admin.clone(),
        U256::from(DELAY),
        vec![keys::DEPLOYER_ADDRESS],
        vec![keys::DEPLOYER_ADDRESS],
        Address::ZERO,
    )
    .await
    .unwrap();
    let verifier = CommitteeVerifier::deploy(admin.clone(), *timelock.address())
        .await
        .unwrap();
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
    assert_eq!(
        verifier.committee(1).call().await.unwrap().threshold,
        2,
        "the rotation applied"
    );
}

//! The devnet's accounts are anvil's funded dev accounts.

use std::time::Duration;

use alloy::{primitives::U256, providers::Provider};
use courier_devnet::{Anvil, AnvilConfig, keys};

#[tokio::test]
async fn deployer_and_relayer_are_anvils_funded_accounts() {
    let anvil = Anvil::spawn(AnvilConfig::new(31337, Duration::ZERO))
        .await
        .unwrap();
    let provider = anvil.provider();
    let accounts = provider.get_accounts().await.unwrap();
    assert_eq!(accounts[0], keys::DEPLOYER_ADDRESS);
    assert_eq!(accounts[1], keys::RELAYER_ADDRESS);
    for account in [keys::DEPLOYER_ADDRESS, keys::RELAYER_ADDRESS] {
        assert!(provider.get_balance(account).await.unwrap() > U256::ZERO);
    }
}

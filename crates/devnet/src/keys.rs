//! The devnet's accounts and keys: who deploys, who relays, who validates.
//!
//! The deployer (also the owner of every contract) and the relayer are anvil's first two dev
//! accounts, funded at genesis. Validators only sign checkpoints off-chain and need no funds; their
//! keys are derived deterministically (`keccak256("courier-devnet-validator-<i>")`) so that every
//! run of the devnet has the same committee. All of these keys are public knowledge: never use any
//! of them on a real chain.

use alloy::{
    primitives::{Address, B256, address, b256, keccak256},
    signers::local::PrivateKeySigner,
};
use k256::ecdsa::SigningKey;

use crate::error::Result;

/// What to write next to any of these keys wherever they are stored.
pub const KEY_WARNING: &str = "devnet keys, never use on a real chain";

/// Private key of anvil's dev account 0 (mnemonic "test test test test test test test test test
/// test test junk", path m/44'/60'/0'/0/0): anvil's public test key, known to everyone.
pub const DEPLOYER_PRIVATE_KEY: B256 =
    b256!("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
/// Address of [`DEPLOYER_PRIVATE_KEY`].
pub const DEPLOYER_ADDRESS: Address = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

/// Private key of anvil's dev account 1 (same mnemonic, m/44'/60'/0'/0/1): anvil's public test
/// key, known to everyone.
pub const RELAYER_PRIVATE_KEY: B256 =
    b256!("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
/// Address of [`RELAYER_PRIVATE_KEY`].
pub const RELAYER_ADDRESS: Address = address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

/// Private key of anvil's dev account 2 (same mnemonic, m/44'/60'/0'/0/2): anvil's public test
/// key, known to everyone.
pub const LIGHT_CLIENT_RELAY_PRIVATE_KEY: B256 =
    b256!("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
/// Address of [`LIGHT_CLIENT_RELAY_PRIVATE_KEY`].
pub const LIGHT_CLIENT_RELAY_ADDRESS: Address =
    address!("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");

/// Private key of anvil's dev account 3 (same mnemonic, m/44'/60'/0'/0/3): anvil's public test
/// key, known to everyone.
pub const PROPOSER_PRIVATE_KEY: B256 =
    b256!("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");
/// Address of [`PROPOSER_PRIVATE_KEY`].
pub const PROPOSER_ADDRESS: Address = address!("0x90F79bf6EB2c4f870365E785982E1f101E93b906");

/// Private key of anvil's dev account 4 (same mnemonic, m/44'/60'/0'/0/4): anvil's public test
/// key, known to everyone.
pub const WATCHER_PRIVATE_KEY: B256 =
    b256!("0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a");
/// Address of [`WATCHER_PRIVATE_KEY`].
pub const WATCHER_ADDRESS: Address = address!("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65");

/// Prefix of the preimage of a validator key.
pub const VALIDATOR_KEY_PREFIX: &str = "courier-devnet-validator-";

/// The deployer: deploys the contracts and owns them.
pub fn deployer() -> PrivateKeySigner {
    known_signer(DEPLOYER_PRIVATE_KEY)
}

/// The relayer: delivers messages.
pub fn relayer() -> PrivateKeySigner {
    known_signer(RELAYER_PRIVATE_KEY)
}

/// The light-client relay: commits origin roots and feeds light clients, from an account of its
/// own so that its transactions never take the relayer's nonces.
pub fn light_client_relay() -> PrivateKeySigner {
    known_signer(LIGHT_CLIENT_RELAY_PRIVATE_KEY)
}

/// The optimistic proposer: signs claims, bonded on the origin.
pub fn proposer() -> PrivateKeySigner {
    known_signer(PROPOSER_PRIVATE_KEY)
}

/// The watcher: vetoes false claims, proves fraud, and is a guardian of every Mailbox.
pub fn watcher() -> PrivateKeySigner {
    known_signer(WATCHER_PRIVATE_KEY)
}

#[allow(clippy::expect_used)]
fn known_signer(key: B256) -> PrivateKeySigner {
    // A constant of this module, checked by the tests below: not input that could be invalid.
    PrivateKeySigner::from_bytes(&key).expect("anvil's test keys are valid secp256k1 keys")
}

/// One devnet validator's key.
#[derive(Debug, Clone)]
pub struct ValidatorKey {
    /// The `i` the key was derived from.
    pub index: u32,
    /// The validator's address.
    pub address: Address,
    /// The signing key (what `courier_core::Checkpoint::sign` takes).
    pub key: SigningKey,
}

impl ValidatorKey {
    /// The key of validator `index`: `keccak256("courier-devnet-validator-<index>")`.
    pub fn derive(index: u32) -> Result<Self> {
        let secret = keccak256(format!("{VALIDATOR_KEY_PREFIX}{index}"));
        let key = courier_core::checkpoint::signing_key(&secret)?;
        Ok(Self {
            index,
            address: courier_core::checkpoint::signer_address(&key),
            key,
        })
    }

    /// The 32-byte private key.
    pub fn private_key(&self) -> B256 {
        B256::from_slice(&self.key.to_bytes())
    }

    /// The key as an alloy signer (for tools that sign with alloy).
    pub fn signer(&self) -> PrivateKeySigner {
        PrivateKeySigner::from_signing_key(self.key.clone())
    }
}

/// The keys of validators `0..n`, sorted by address (the order a committee lists them in).
pub fn validator_keys(n: usize) -> Result<Vec<ValidatorKey>> {
    let count = u32::try_from(n).map_err(|_| {
        crate::Error::InvalidSpec(format!("{n} validators is more than a devnet can have"))
    })?;
    let mut keys = (0..count)
        .map(ValidatorKey::derive)
        .collect::<Result<Vec<_>>>()?;
    keys.sort_by_key(|k| k.address);
    Ok(keys)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn anvil_accounts_match_their_keys() {
        assert_eq!(deployer().address(), DEPLOYER_ADDRESS);
        assert_eq!(relayer().address(), RELAYER_ADDRESS);
        assert_ne!(DEPLOYER_ADDRESS, RELAYER_ADDRESS);
        assert_eq!(light_client_relay().address(), LIGHT_CLIENT_RELAY_ADDRESS);
        assert_ne!(LIGHT_CLIENT_RELAY_ADDRESS, RELAYER_ADDRESS);
        assert_eq!(proposer().address(), PROPOSER_ADDRESS);
        assert_eq!(watcher().address(), WATCHER_ADDRESS);
    }

    #[test]
    fn validator_keys_are_deterministic_and_sorted() {
        let keys = validator_keys(7).unwrap();
        assert_eq!(keys.len(), 7);
        assert!(keys.windows(2).all(|w| w[0].address < w[1].address));
        let mut indices: Vec<u32> = keys.iter().map(|k| k.index).collect();
        indices.sort_unstable();
        assert_eq!(indices, (0..7).collect::<Vec<_>>());
        for key in &keys {
            let secret = keccak256(format!("courier-devnet-validator-{}", key.index));
            assert_eq!(key.private_key(), secret);
            assert_eq!(key.signer().address(), key.address);
        }
        // Same input, same keys; a longer list extends the shorter one.
        let again = validator_keys(7).unwrap();
        assert_eq!(
            keys.iter().map(|k| k.address).collect::<Vec<_>>(),
            again.iter().map(|k| k.address).collect::<Vec<_>>()
        );
        let more = validator_keys(9).unwrap();
        assert!(
            keys.iter()
                .all(|k| more.iter().any(|m| m.address == k.address))
        );
        assert!(validator_keys(0).unwrap().is_empty());
    }
}

//! One module per subcommand, each with a `run`.

pub mod agent;
pub mod changes;
pub mod config;
pub mod deploy;
pub mod devnet;
pub mod handover;
pub mod light_client;
pub mod messages;
pub mod scenario;
pub mod send;
pub mod status;

use std::path::Path;

use courier_store::Store;
use eyre::{WrapErr, bail};

/// Opens the relayer's database of the devnet in `data_dir`.
pub(crate) fn relayer_store(data_dir: &Path) -> eyre::Result<Store> {
    let path = data_dir.join("relayer.db");
    if !path.exists() {
        bail!(
            "no relayer database at {}: start a devnet first (courier devnet), or pass --data-dir",
            path.display()
        );
    }
    Store::open(&path).wrap_err_with(|| format!("opening {}", path.display()))
}

/// The private key held by the environment variable `name` (`whose` names the key in errors).
pub(crate) fn key_from_env(
    name: &str,
    whose: &str,
) -> eyre::Result<alloy::signers::local::PrivateKeySigner> {
    let key = std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            eyre::eyre!("environment variable {name} ({whose} private key) is not set")
        })?;
    key.trim()
        .parse()
        .wrap_err_with(|| format!("{name}: not a private key"))
}

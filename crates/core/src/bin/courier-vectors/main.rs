//! `courier-vectors`: writes the shared test vectors (`message.json`, `merkle.json`,
//! `checkpoint.json`) that both the forge tests and the Rust tests read, so that the Solidity and
//! Rust sides of every wire format are checked against the same bytes.
//!
//! Usage: `courier-vectors [DIR]` (default: the workspace's `vectors/`). Output is deterministic:
//! running it twice, or on another machine, writes identical files; a test asserts the committed
//! files equal a fresh run.

mod checkpoint;
mod hex;
mod merkle;
mod message;

use std::path::{Path, PathBuf};

use eyre::{Context, Result, bail};
use serde::Serialize;

fn main() -> Result<()> {
    let mut args = std::env::args_os().skip(1);
    let dir = match (args.next(), args.next()) {
        (None, _) => default_dir()?,
        (Some(arg), None) if arg == "-h" || arg == "--help" => {
            println!("usage: courier-vectors [DIR]   (default: <workspace>/vectors)");
            return Ok(());
        }
        (Some(dir), None) => PathBuf::from(dir),
        (Some(_), Some(_)) => bail!("usage: courier-vectors [DIR]"),
    };
    std::fs::create_dir_all(&dir).wrap_err_with(|| format!("creating {}", dir.display()))?;
    write(&dir, "message.json", &message::vectors()?)?;
    write(&dir, "merkle.json", &merkle::vectors()?)?;
    write(&dir, "checkpoint.json", &checkpoint::vectors()?)?;
    Ok(())
}

/// `<workspace>/vectors`: this crate lives in `<workspace>/crates/core`.
fn default_dir() -> Result<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    match manifest.ancestors().nth(2) {
        Some(workspace) => Ok(workspace.join("vectors")),
        None => bail!("cannot find the workspace above {}", manifest.display()),
    }
}

/// Writes `value` as pretty JSON with a trailing newline.
fn write(dir: &Path, name: &str, value: &impl Serialize) -> Result<()> {
    let path = dir.join(name);
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    std::fs::write(&path, text).wrap_err_with(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

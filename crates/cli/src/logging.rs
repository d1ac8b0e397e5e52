//! Logs go to stderr (stdout carries results): human-readable by default, JSON lines under
//! `--json`. `RUST_LOG` overrides the level chosen by `-v`.

use tracing_subscriber::{EnvFilter, fmt};

/// Installs the global subscriber.
pub fn init(json: bool, verbose: u8) {
    let level = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!("warn,courier_cli={level},courier_relayer={level},courier_validator={level},courier_devnet={level}"))
    });
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(ansi);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.compact().try_init()
    };
}

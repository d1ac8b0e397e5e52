//! Printing results (stdout) and errors (stderr), as text or JSON.

use serde::Serialize;

/// Prints `value` as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> eyre::Result<()> {
    write(format_args!("{}\n", serde_json::to_string_pretty(value)?))
}

/// Stdout was closed by its reader (`courier messages | head`): not a failure of the command;
/// `main` exits quietly with success when it sees this.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed")]
pub struct StdoutClosed;

/// Writes to stdout and flushes; a closed pipe becomes [`StdoutClosed`] instead of a panic.
pub fn write(args: std::fmt::Arguments<'_>) -> eyre::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_fmt(args).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        Err(e) => Err(eyre::Report::new(e).wrap_err("writing to stdout")),
    }
}

/// `println!` for results: `outln!(...)?` writes a line to stdout through [`write`].
#[macro_export]
macro_rules! outln {
    () => {
        $crate::output::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` for results, through [`write`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write(format_args!($($arg)*))
    };
}

/// Prints an error and its causes on stderr: `error: …` then `  caused by: …`, or one JSON object.
pub fn print_error(error: &eyre::Report, json: bool) {
    let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
    if json {
        let value = serde_json::json!({ "error": chain.first(), "causes": chain.get(1..) });
        eprintln!("{value}");
    } else {
        eprintln!("error: {}", chain.first().map_or("", String::as_str));
        for cause in chain.iter().skip(1) {
            eprintln!("  caused by: {cause}");
        }
    }
}

/// Formats unix milliseconds as an RFC 3339 UTC time with milliseconds.
pub fn time(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil-from-days (proleptic Gregorian), for a dependency-free UTC timestamp.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{:03}Z",
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc_times() {
        assert_eq!(super::time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::time(1_795_871_527_123), "2026-11-28T13:12:07.123Z");
        assert_eq!(super::time(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}

//! Printing results (stdout) and errors (stderr), as text or JSON.

use serde::Serialize;

/// Prints `value` as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> eyre::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
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

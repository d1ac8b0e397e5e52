//! `courier-bench`: measures Courier end to end on local chains and prints the figures as
//! `name=value` lines on stdout (progress and agent warnings go to stderr). `make bench` runs it
//! after the gas figures. Ctrl-C or SIGTERM stops the run and everything it started.

use std::{process::ExitCode, time::Instant};

use clap::Parser;

/// Measures Courier end to end on local chains (latency over finality, relayer throughput), each
/// against a non-batching relayer measured in the same run; prints `name=value` lines.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Latency: groups of messages, each with the destination's blocks at another offset.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..))]
    latency_groups: u32,
    /// Latency: messages per group (sent 1.5 s apart).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    per_group: u64,
    /// Throughput: messages in the burst.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    burst: u64,
    /// Throughput: messages in the baseline's burst.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    baseline_burst: u64,
    /// Latency over the dispute window: messages sent one at a time on the optimistic route.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..))]
    window_messages: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,courier_bench=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .compact()
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("courier-bench: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let mut plan = courier_bench::Plan::full();
    plan.latency.groups = args.latency_groups;
    plan.latency.per_group = args.per_group as usize;
    plan.burst = args.burst as usize;
    plan.baseline_burst = args.baseline_burst as usize;
    // Dropping the run (on a signal) drops the devnet in it, which kills its chains.
    let outcome = runtime.block_on(async {
        tokio::select! {
            figures = courier_bench::run(&plan) => Some(figures),
            () = courier_cli::cmd::devnet::stop_signal() => None,
        }
    });
    match outcome {
        Some(Ok(figures)) => {
            print!("{figures}");
            // The optimistic route's latency over its dispute window (its own devnet).
            match runtime.block_on(courier_bench::window::measure(
                args.window_messages as usize,
                47_001,
            )) {
                Ok(run) => {
                    for (name, value) in run.lines() {
                        println!("{name}={value}");
                    }
                }
                Err(e) => {
                    eprintln!("courier-bench: window: {e:?}");
                    return ExitCode::FAILURE;
                }
            }
            eprintln!(
                "courier-bench: done in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Some(Err(e)) => {
            eprintln!("courier-bench: {e:?}");
            ExitCode::FAILURE
        }
        None => {
            eprintln!("courier-bench: interrupted; everything it started is stopped");
            ExitCode::from(130)
        }
    }
}

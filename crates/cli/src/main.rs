//! `courier`: thin entry point. Parses the command line, sets up logging on stderr, runs the
//! command, and prints the error chain (as JSON under `--json`) with a non-zero exit.

use std::process::ExitCode;

use clap::Parser;
use courier_cli::opts::Opts;

fn main() -> ExitCode {
    let opts = Opts::parse();
    courier_cli::logging::init(opts.global.json, opts.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = opts.global.json;
    match runtime.block_on(courier_cli::run(opts)) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of stdout went away (`courier messages | head`): nothing went wrong.
        Err(e)
            if e.chain()
                .any(|c| c.is::<courier_cli::output::StdoutClosed>()) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            courier_cli::output::print_error(&e, json);
            ExitCode::FAILURE
        }
    }
}

//! `courier config validate FILE`.

use eyre::bail;
use serde_json::json;

use crate::{
    config,
    opts::{GlobalOpts, ValidateArgs},
    output,
};

/// Loads and checks the file; prints every problem with its key path, or a summary.
pub fn validate(args: ValidateArgs, global: &GlobalOpts) -> eyre::Result<()> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    match config::load(&args.file, &env) {
        Ok(c) => {
            if global.json {
                output::json(&json!({ "valid": true, "file": args.file, "config": c }))?;
            } else {
                crate::outln!(
                    "{}: valid ({} chains{}{})",
                    args.file.display(),
                    c.chains.len(),
                    if c.validator.is_some() {
                        ", validator"
                    } else {
                        ""
                    },
                    if c.relayer.is_some() { ", relayer" } else { "" }
                )?;
            }
            Ok(())
        }
        Err(problems) => {
            if global.json {
                output::json(&json!({ "valid": false, "file": args.file, "problems": problems }))?;
            } else {
                for p in &problems {
                    crate::outln!("{p}")?;
                }
            }
            bail!("{}: {} problem(s)", args.file.display(), problems.len())
        }
    }
}

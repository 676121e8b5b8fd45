//! `dxmap explain [CODE]`: a diagnostic code's documentation, or the list.
//!
//! Imports: `crate::diagnostics`, `super`.

use super::{usage_error, Exit};
use crate::diagnostics::Code;

/// Arguments of `dxmap explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A code id (`DX0201`) or name (`unknown-disposition`); omit to list all.
    code: Option<String>,
}

/// Runs `dxmap explain`.
pub fn run(args: Args) -> Exit {
    match args.code {
        None => {
            let mut codes = Code::ALL.to_vec();
            codes.sort_by_key(|code| code.id());
            for code in codes {
                outln!(
                    "{}  {:<8} {}",
                    code.id(),
                    code.severity().as_str(),
                    code.name()
                );
            }
            Exit::Ok
        }
        Some(text) => match Code::lookup(&text) {
            Some(code) => {
                out!("{}", code.markdown());
                Exit::Ok
            }
            None => usage_error(format!(
                "unknown diagnostic code `{text}`; `dxmap explain` lists them"
            )),
        },
    }
}

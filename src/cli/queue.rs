//! `dxmap queue [--rules DIR] [--overlay NAME | --postcode PC] --hierarchy NAME
//! CODE...`: codes in queue order.
//!
//! The hierarchy is the one in force in the baseline, or in the overlay
//! named or covering the postcode (see [`crate::queues`]).
//!
//! Codes the hierarchy does not name come last, in the order given, with a
//! note on standard error.
//!
//! Imports: `crate::diagnostics`, `super`.

use super::{hierarchies_at, usage_error, Exit};
use crate::diagnostics::did_you_mean;

/// Arguments of `dxmap queue`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    rules: super::RulesArgs,
    #[command(flatten)]
    place: super::PlaceArgs,
    /// The hierarchy to order by.
    #[arg(long)]
    hierarchy: String,
    /// Disposition codes.
    #[arg(required = true)]
    codes: Vec<String>,
}

/// Runs `dxmap queue`.
pub fn run(args: Args) -> Exit {
    let dir = args.rules.dir();
    let (table, hierarchies) = match hierarchies_at(&dir, args.rules.release(), &args.place.place())
    {
        Ok(found) => found,
        Err(exit) => return exit,
    };
    let Some(hierarchy) = hierarchies.iter().find(|h| h.name == args.hierarchy) else {
        let names: Vec<&str> = hierarchies.iter().map(|h| h.name.as_str()).collect();
        let hint = match did_you_mean(&args.hierarchy, names.iter().copied()) {
            Some(close) => format!("; did you mean `{close}`?"),
            None => format!("; hierarchies: {}", names.join(", ")),
        };
        return usage_error(format!("unknown hierarchy `{}`{hint}", args.hierarchy));
    };
    let unknown: Vec<&String> = args
        .codes
        .iter()
        .filter(|code| !table.disposition_index.contains_key(*code))
        .collect();
    if !unknown.is_empty() {
        for code in unknown {
            errln!(
                "error: unknown disposition `{code}` in release `{}`",
                table.release
            );
        }
        return Exit::Rules;
    }
    let position = |code: &String| hierarchy.codes.iter().position(|c| c == code);
    let mut codes: Vec<(usize, Option<usize>, &String)> = args
        .codes
        .iter()
        .enumerate()
        .map(|(given, code)| (given, position(code), code))
        .collect();
    codes.sort_by_key(|(given, position, _)| (position.is_none(), *position, *given));
    for (_, position, code) in codes {
        if position.is_none() {
            errln!(
                "note: `{code}` is not in hierarchy `{}`: queued last",
                hierarchy.name
            );
        }
        outln!("{code}");
    }
    Exit::Ok
}

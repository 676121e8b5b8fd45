//! `dxmap lsp [--stdio]`: the language server for editors. This file owns
//! standard input and output (the protocol's transport) and hands the
//! connection to the library's server loop.
//!
//! Imports: `crate::lsp`, `super`.

use super::{usage_error, Exit};

/// Arguments of `dxmap lsp`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Talk over standard input and output (the only transport; accepted
    /// because some clients pass it).
    #[arg(long)]
    stdio: bool,
}

/// Runs `dxmap lsp` until the client exits.
pub fn run(args: Args) -> Exit {
    let _ = args.stdio;
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let served = crate::lsp::serve(&connection, env!("CARGO_PKG_VERSION"));
    drop(connection);
    match served {
        Ok(()) => match io_threads.join() {
            Ok(()) => Exit::Ok,
            Err(error) => usage_error(format!("language server input or output: {error}")),
        },
        Err(error) => usage_error(error),
    }
}

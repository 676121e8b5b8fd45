//! `dxmap serve`: routing over HTTP (the `dxmap-server` crate). Thin: it
//! gives the server a table source — a table file, or a rules tree compiled
//! here at start and on each reload — and maps the outcome to an exit code.
//!
//! Imports: `super`, `crate::{load, compile}`, dxmap-server.

use std::net::SocketAddr;
use std::path::PathBuf;

use dxmap_server::{Config, FileSource, Loaded, LogTarget, TableSource};

use super::{default_dir, usage_error, Exit};

/// Arguments of `dxmap serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rules directory to compile at start and on reload (default `rules`).
    #[arg(long, value_name = "DIR", conflicts_with = "table")]
    rules: Option<PathBuf>,
    /// With `--rules`: a bundled release name or a catalogue file, replacing the tree's `release` line.
    #[arg(long, value_name = "NAME|FILE", conflicts_with = "table")]
    release: Option<String>,
    /// A table built by `dxmap build`.
    #[arg(long)]
    table: Option<PathBuf>,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Reload when the table file (or a file of the rules tree) changes.
    #[arg(long)]
    watch: bool,
    /// Write one JSON line per answer to FILE, or to standard output (`-`).
    #[arg(long, value_name = "FILE|-")]
    decision_log: Option<PathBuf>,
    /// Allow `POST /v1/admin/reload` from anywhere with `Authorization:
    /// Bearer TOKEN` (without it, loopback callers only).
    #[arg(long, value_name = "TOKEN")]
    admin_token: Option<String>,
}

/// A rules tree, compiled on each load.
struct RulesSource {
    dir: PathBuf,
    release: Option<String>,
}

impl TableSource for RulesSource {
    fn load(&self) -> Result<Loaded, String> {
        let checked = crate::load::check_tree(&self.dir, self.release.as_deref())
            .map_err(|e| e.to_string())?;
        let errors: Vec<String> = checked
            .diagnostics
            .select(|d| d.is_error())
            .iter()
            .map(|d| format!("{}: {}", d.code.id(), d.message))
            .collect();
        match &checked.model {
            Some(model) if errors.is_empty() => {
                Loaded::from_table(&crate::compile::compile(model, &checked.sources))
                    .map_err(|error| error.to_string())
            }
            _ => Err(format!(
                "the rules under `{}` have errors (run `dxmap check`): {}",
                self.dir.display(),
                errors.join("; ")
            )),
        }
    }

    fn describe(&self) -> String {
        format!("{}/", self.dir.display())
    }

    fn watched(&self) -> Vec<PathBuf> {
        vec![self.dir.clone()]
    }
}

/// Runs `dxmap serve` until `SIGTERM`: exit 0 after draining, 2 if it
/// cannot listen or the first table cannot be loaded.
pub fn run(args: Args) -> Exit {
    let source: Box<dyn TableSource> = match args.table {
        Some(path) => Box::new(FileSource { path }),
        None => Box::new(RulesSource {
            dir: args.rules.unwrap_or_else(default_dir),
            release: args.release,
        }),
    };
    let config = Config {
        listen: args.listen,
        watch: args.watch,
        decision_log: args.decision_log.map(|path| {
            if path.as_os_str() == "-" {
                LogTarget::Stdout
            } else {
                LogTarget::File(path)
            }
        }),
        admin_token: args.admin_token,
        ..Config::default()
    };
    let running = match dxmap_server::start(config, source) {
        Ok(running) => running,
        Err(error) => return usage_error(error),
    };
    eprintln!("dxmap serve: listening on http://{}", running.addr);
    match running.wait() {
        Ok(()) => Exit::Ok,
        Err(error) => usage_error(error),
    }
}

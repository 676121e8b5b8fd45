//! The command line: parse arguments, call the library, print, exit.
//!
//! The only place (with `load`) that does I/O, prints, or decides exit
//! codes: 0 success (warnings allowed unless `--deny-warnings`), 1 the rules
//! or the case are wrong, 2 usage or I/O error (DESIGN.md, Command line).
//! One file per subcommand.
//!
//! Imports: `crate::{load, check, compile, diagnostics, source}` here, and
//! each command's module what it needs; nothing imports `cli`.

/// `print!` that never panics: a closed pipe (`dxmap … | head`) ends the
/// output quietly instead of aborting the process.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(&format!($($arg)*))
    };
}

/// `println!` that never panics on a closed pipe.
macro_rules! outln {
    () => {
        $crate::cli::write_stdout("\n")
    };
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(&format!("{}\n", format!($($arg)*)))
    };
}

/// `eprintln!` that never panics: a closed standard error (`dxmap … 2>&-`,
/// or `2>&1 | head -1`) loses the message, not the exit code.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::write_stderr(&format!("{}\n", format!($($arg)*)))
    };
}

mod build;
mod check;
mod coverage;
mod diff;
mod explain;
mod fmt;
mod git;
mod graph;
mod lsp;
mod queue;
mod release_diff;
mod report;
mod route;
mod serve;
mod test;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// dxmap: rules compiler and runtime for NHS urgent-care routing.
#[derive(Debug, Parser)]
#[command(name = "dxmap", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a rules tree against the Pathways release in force.
    Check(check::Args),
    /// Compile a rules tree to a decision table file.
    Build(build::Args),
    /// Route one case: where does this patient go now?
    Route(route::Args),
    /// Run the test cases of a rules tree (`DIR/tests/*.yaml`).
    Test(test::Args),
    /// Print codes in the order of a queue hierarchy.
    Queue(queue::Args),
    /// Draw the rules as a Graphviz (DOT) graph.
    Graph(graph::Args),
    /// The coverage matrix: for each layer, disposition and channel, what routes it.
    Coverage(coverage::Args),
    /// The behavioural difference between two rules trees (directories or git revisions).
    Diff(diff::Args),
    /// What a new Pathways release changes, and its impact on a rules tree.
    ReleaseDiff(release_diff::Args),
    /// Rewrite rules files in canonical form.
    Fmt(fmt::Args),
    /// Explain a diagnostic code (`dxmap explain DX0201`), or list them all.
    Explain(explain::Args),
    /// Answer cases over HTTP, reloading the table without dropping a request.
    Serve(serve::Args),
    /// Write a static HTML report of a rules tree (and of a change) for commissioners.
    Report(report::Args),
    /// The language server for editors, over standard input and output.
    Lsp(lsp::Args),
}

/// How a run ended (DESIGN.md, Command line: exit codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Ok,
    /// 1: the rules, the case or a test are wrong.
    Rules,
    /// 2: usage or I/O error.
    Usage,
    /// 3: `diff --exit-code` found differences.
    Differs,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        match exit {
            Exit::Ok => ExitCode::SUCCESS,
            Exit::Rules => ExitCode::from(1),
            Exit::Usage => ExitCode::from(2),
            Exit::Differs => ExitCode::from(3),
        }
    }
}

/// Output formats shared by subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Rendered for people, with source excerpts.
    Human,
    /// One JSON document.
    Json,
}

/// Output formats of `dxmap check`: those of [`Format`] and two for CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Rendered for people, with source excerpts.
    Human,
    /// One JSON document.
    Json,
    /// A SARIF 2.1.0 log, for code scanning.
    Sarif,
    /// GitHub Actions annotations, one line per diagnostic, then a summary.
    Github,
}

/// Writes to standard output, ignoring a reader that has gone away.
pub(crate) fn write_stdout(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    // A failed write means the reader closed the pipe: there is no one left
    // to tell, and the exit code still says how the run ended.
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Writes to standard error, ignoring a reader that has gone away.
pub(crate) fn write_stderr(text: &str) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush());
}

/// Whether to colour human output.
fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints an I/O or usage error and returns exit code 2.
fn usage_error(message: impl std::fmt::Display) -> Exit {
    errln!("error: {message}");
    Exit::Usage
}

/// Checks and compiles the tree under `dir`. On errors prints the
/// diagnostics and returns exit 1; on I/O problems exit 2.
fn compile_tree(
    dir: &std::path::Path,
    release: Option<&str>,
) -> Result<dxmap_runtime::Table, Exit> {
    compile_tree_with(dir, release, false)
}

/// As [`compile_tree`]; with `tolerate_analysis`, a tree whose only errors
/// come from the analyses (gaps, overlaps, slow routes: codes `DX05xx`) is
/// still compiled, for tools that show what such a tree would do.
fn compile_tree_with(
    dir: &std::path::Path,
    release: Option<&str>,
    tolerate_analysis: bool,
) -> Result<dxmap_runtime::Table, Exit> {
    let checked = crate::load::check_tree(dir, release).map_err(usage_error)?;
    let blocking: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| {
            d.is_error()
                && !(tolerate_analysis && d.code.family() == crate::diagnostics::Family::Analysis)
        })
        .cloned()
        .collect();
    match &checked.model {
        Some(model) if blocking.is_empty() => Ok(crate::compile::compile(model, &checked.sources)),
        _ => {
            out!(
                "{}",
                crate::diagnostics::human::render_all(&blocking, &checked.sources, use_color())
            );
            errln!(
                "error: the rules under `{}` have errors; run `dxmap check`",
                dir.display()
            );
            Err(Exit::Rules)
        }
    }
}

/// The default rules directory.
fn default_dir() -> PathBuf {
    PathBuf::from("rules")
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            // Printing help or a usage error; nothing to do if stdout is gone.
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let exit = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Build(args) => build::run(args),
        Command::Route(args) => route::run(args),
        Command::Test(args) => test::run(args),
        Command::Queue(args) => queue::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Coverage(args) => coverage::run(args),
        Command::Diff(args) => diff::run(args),
        Command::ReleaseDiff(args) => release_diff::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Report(args) => report::run(args),
        Command::Lsp(args) => lsp::run(args),
    };
    exit.into()
}

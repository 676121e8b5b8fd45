//! The command line: parse arguments, call the library, print, exit.
//!
//! The only place (with `load`) that does I/O, prints, or decides exit
//! codes: 0 success (warnings allowed unless `--deny-warnings`), 1 the rules
//! or the case are wrong, 2 usage or I/O error (DESIGN.md, Command line).
//! One file per subcommand.
//!
//! Imports: `crate::{load, check, compile, diagnostics, queues, source}` here, and
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
mod init;
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
use std::sync::OnceLock;

use clap::{CommandFactory, Parser, Subcommand};

/// dxmap: rules compiler and runtime for NHS urgent-care routing.
#[derive(Debug, Parser)]
#[command(name = "dxmap", version, about, long_about = None, after_help = EXIT_CODES)]
struct Cli {
    /// When to colour human output (`auto`: on a terminal, unless `NO_COLOR` is set).
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Print only what the command is for: no progress, notes or passing tests.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// The exit codes every command shares, ending each `--help`.
const EXIT_CODES: &str = "Exit codes: 0 success (warnings allowed unless --deny-warnings), \
1 the rules, the case or a test are wrong, 2 usage or I/O error, \
3 `diff --exit-code` found differences.";

/// The end of a command's `--help`: its exit codes and an example.
macro_rules! after {
    ($exits:literal, $example:literal) => {
        concat!("Exit codes: ", $exits, "\n\nExample:\n  ", $example)
    };
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a rules tree against the Pathways release in force.
    #[command(after_help = after!(
        "0 no errors (warnings allowed unless --deny-warnings), 1 errors (or warnings with --deny-warnings), 2 usage or I/O error.",
        "dxmap check --rules rules --deny-warnings --format github"))]
    Check(check::Args),
    /// Compile a rules tree to a decision table file.
    #[command(after_help = after!(
        "0 built, 1 the rules have errors, 2 usage or I/O error (the file cannot be written).",
        "dxmap build --rules rules -o table.dxt"))]
    Build(build::Args),
    /// Route one case: where does this patient go now?
    #[command(after_help = after!(
        "0 answered, 1 the rules or the case are wrong (unknown code, not a postcode, a time that does not exist), 2 usage or I/O error (an unusable table).",
        "dxmap route --dx Dx28 --channel 111 --age 40 --sex female --postcode \"SO16 7AB\" --at 2020-05-08T15:00 --explain"))]
    Route(route::Args),
    /// Run the test cases of a rules tree (`DIR/tests/*.yaml`).
    #[command(after_help = after!(
        "0 every case passed, 1 a case failed, a test file is wrong, the rules have errors or there is no `tests/` folder (unless --allow-no-tests), 2 usage or I/O error.",
        "dxmap test --rules rules --filter \"VE Day\" --format junit > report.xml"))]
    Test(test::Args),
    /// Print codes in the order of a queue hierarchy (the one in force in an overlay, with --overlay or --postcode).
    #[command(after_help = after!(
        "0 printed, 1 the rules have errors, 2 usage or I/O error (an unknown hierarchy or overlay, a malformed postcode).",
        "dxmap queue --rules rules --postcode \"TR1 3LJ\" --hierarchy clinician_queue_order Dx32 Dx321 Dx325"))]
    Queue(queue::Args),
    /// Draw the rules as a Graphviz (DOT) graph.
    #[command(after_help = after!(
        "0 printed, 1 the rules have errors, 2 usage or I/O error (an unknown hierarchy or overlay, a malformed postcode).",
        "dxmap graph hierarchy --rules rules --overlay cornwall clinician_queue_order | dot -Tsvg > queue.svg"))]
    Graph(graph::Args),
    /// The coverage matrix: for each layer, disposition and channel, what routes it.
    #[command(after_help = after!(
        "0 every required disposition is covered, 1 one is not or the rules have errors, 2 usage or I/O error.",
        "dxmap coverage --rules rules --format json"))]
    Coverage(coverage::Args),
    /// The behavioural difference between two rules trees (directories or git revisions).
    #[command(after_help = after!(
        "0 compared (equal, or different without --exit-code), 1 a tree has errors other than analysis findings, 2 usage, I/O or git error, 3 different with --exit-code.",
        "dxmap diff --git origin/main --exit-code"))]
    Diff(diff::Args),
    /// What a new Pathways release changes, and its impact on a rules tree.
    #[command(after_help = after!(
        "0 compared (no impact on the tree), 1 the new release leaves the tree with something to change, 2 usage or I/O error.",
        "dxmap release-diff pathways-2015 pathways-2020 --rules rules"))]
    ReleaseDiff(release_diff::Args),
    /// Rewrite rules files in canonical form.
    #[command(after_help = after!(
        "0 formatted (or, with --check or --diff, already canonical), 1 a file would change (--check, --diff) or does not parse, 2 usage or I/O error.",
        "dxmap fmt --diff rules"))]
    Fmt(fmt::Args),
    /// Explain a diagnostic code (`dxmap explain DX0201`), or list them all.
    #[command(after_help = after!(
        "0 printed, 2 an unknown code.",
        "dxmap explain unknown-disposition"))]
    Explain(explain::Args),
    /// Answer cases over HTTP, reloading the table without dropping a request.
    #[command(after_help = after!(
        "0 after SIGTERM has drained the requests in flight, 2 it cannot listen or the first table cannot be loaded.",
        "dxmap serve --rules rules --listen 127.0.0.1:8080 --watch"))]
    Serve(serve::Args),
    /// Write a static HTML report of a rules tree (and of a change) for commissioners.
    #[command(after_help = after!(
        "0 written, 1 the rules have errors or a test fails (the report is still written when the tree compiles), 2 usage or I/O error.",
        "dxmap report --rules rules --base main -o report"))]
    Report(report::Args),
    /// The language server for editors, over standard input and output.
    #[command(after_help = after!(
        "0 the editor asked the server to exit, 1 the connection failed.",
        "dxmap lsp   (started by the editor; see the book's Editors page)"))]
    Lsp(lsp::Args),
    /// Create a new rules tree that checks clean, with one test that passes.
    #[command(after_help = after!(
        "0 created, 2 the directory exists and is not empty, or cannot be written.",
        "dxmap init my-rules && dxmap check --rules my-rules && dxmap test --rules my-rules"))]
    Init(init::Args),
    /// Print shell completions.
    #[command(after_help = after!(
        "0 printed, 2 an unknown shell.",
        "dxmap completions bash > /etc/bash_completion.d/dxmap"))]
    Completions(CompletionsArgs),
}

/// Arguments of `dxmap completions`.
#[derive(Debug, clap::Args)]
struct CompletionsArgs {
    /// The shell.
    shell: clap_complete::Shell,
}

/// When to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The global options of this run, set once at its start.
static GLOBAL: OnceLock<(Color, bool)> = OnceLock::new();

/// Whether `--quiet` was given.
fn quiet() -> bool {
    GLOBAL.get().is_some_and(|(_, quiet)| *quiet)
}

/// Where the rules tree is, for commands that take it only by option.
#[derive(Debug, Clone, clap::Args)]
pub struct RulesArgs {
    /// The rules directory (default `rules`).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// A bundled release name or a catalogue file, replacing the tree's `release` line.
    #[arg(long, value_name = "NAME|FILE")]
    release: Option<String>,
}

impl RulesArgs {
    /// The rules directory.
    fn dir(&self) -> PathBuf {
        self.rules.clone().unwrap_or_else(default_dir)
    }

    /// The release that replaces the tree's, if any.
    fn release(&self) -> Option<&str> {
        self.release.as_deref()
    }
}

/// Which layer's queue hierarchies to use: `--overlay NAME` or
/// `--postcode PC`; the baseline's without either.
#[derive(Debug, Clone, clap::Args)]
pub struct PlaceArgs {
    /// Use the hierarchies in force in this overlay (`national`: the baseline).
    #[arg(long, value_name = "NAME", conflicts_with = "postcode")]
    overlay: Option<String>,
    /// Use the hierarchies in force where this postcode is routed.
    #[arg(long, value_name = "PC")]
    postcode: Option<String>,
}

impl PlaceArgs {
    /// The place the arguments name.
    fn place(&self) -> crate::queues::Place {
        match (&self.overlay, &self.postcode) {
            (Some(name), _) => crate::queues::Place::Overlay(name.clone()),
            (None, Some(postcode)) => crate::queues::Place::Postcode(postcode.clone()),
            (None, None) => crate::queues::Place::Baseline,
        }
    }
}

/// Where the rules tree is: `--rules DIR`, or `DIR` as the first argument.
#[derive(Debug, Clone, clap::Args)]
pub struct TreeArgs {
    /// The rules directory, as `--rules` gives it.
    #[arg(value_name = "DIR", conflicts_with = "rules")]
    dir: Option<PathBuf>,
    #[command(flatten)]
    rules: RulesArgs,
}

impl TreeArgs {
    /// The rules directory.
    fn dir(&self) -> PathBuf {
        self.dir.clone().unwrap_or_else(|| self.rules.dir())
    }

    /// The release that replaces the tree's, if any.
    fn release(&self) -> Option<&str> {
        self.rules.release()
    }
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
    match GLOBAL.get().map_or(Color::Auto, |(color, _)| *color) {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
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
    compile_tree_and_model(dir, release, tolerate_analysis).map(|(_, table)| table)
}

/// As [`compile_tree_with`], keeping the checked model as well, for
/// commands that need what the table does not carry (the hierarchies in
/// force in each overlay).
fn compile_tree_and_model(
    dir: &std::path::Path,
    release: Option<&str>,
    tolerate_analysis: bool,
) -> Result<(crate::check::model::Model, dxmap_runtime::Table), Exit> {
    let checked = crate::load::check_tree(dir, release).map_err(usage_error)?;
    // Only the findings that block are made whole: a large tree's allowed
    // findings stay small.
    let blocking = checked.diagnostics.select(|d| {
        d.is_error()
            && !(tolerate_analysis && d.code.family() == crate::diagnostics::Family::Analysis)
    });
    match checked.model {
        Some(model) if blocking.is_empty() => {
            let table = crate::compile::compile(&model, &checked.sources);
            Ok((model, table))
        }
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

/// Checks and compiles the tree under `dir` and gives the queue
/// hierarchies in force at `place`, as the table spells them. A place that
/// names no layer is a usage error (exit 2).
fn hierarchies_at(
    dir: &std::path::Path,
    release: Option<&str>,
    place: &crate::queues::Place,
) -> Result<(dxmap_runtime::Table, Vec<dxmap_runtime::table::Hierarchy>), Exit> {
    let (model, table) = compile_tree_and_model(dir, release, false)?;
    let layer = crate::queues::layer_at(&model, place).map_err(usage_error)?;
    let hierarchies = crate::queues::in_force(&model, layer)
        .into_iter()
        .map(|h| dxmap_runtime::table::Hierarchy {
            name: h.name.clone(),
            codes: h
                .codes
                .iter()
                .map(|(code, _)| model.catalogue.code(*code).to_owned())
                .collect(),
        })
        .collect();
    Ok((table, hierarchies))
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
    let _ = GLOBAL.set((cli.color, cli.quiet));
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
        Command::Init(args) => init::run(args),
        Command::Completions(args) => {
            let mut bytes = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "dxmap", &mut bytes);
            out!("{}", String::from_utf8_lossy(&bytes));
            Exit::Ok
        }
    };
    exit.into()
}

//! Examples in the documentation (the book, the README) checked against
//! dxmap: fenced code blocks by their info string, rules examples checked
//! with the library, shell sessions run against the binary.
//!
//! Fences:
//! - ```` ```dxm ````: added to the shipped `rules/` as one more file, the
//!   tree must check with no diagnostic at all;
//! - ```` ```dxm,fragment ````: must parse (a piece of a file, not checked);
//! - ```` ```dxm,error=DX0201 ```` (or `warning=`): added to the shipped
//!   rules, the check must report that code;
//! - `file=PATH` (with `dxm` or `yaml`): also written to `PATH` in the
//!   page's scratch directory before the shell sessions after it run;
//! - ```` ```console,test ````: lines starting with `$ ` are commands (a
//!   trailing `\` continues one), run with `sh` in the page's scratch
//!   directory (a copy of `rules/` in a git repository) with `dxmap` on the
//!   `PATH`; the lines after a command are its expected standard output
//!   and standard error, compared exactly; a line `...` ends the
//!   comparison (the rest may be anything). `# exit N` among a command's
//!   lines expects that exit code (default 0).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use dxmap::load;

/// One fenced code block.
#[derive(Debug, Clone)]
pub struct Block {
    /// The page it is in and the line its fence opens on.
    pub place: String,
    /// The info string, split at commas.
    pub info: Vec<String>,
    /// What is between the fences.
    pub body: String,
}

impl Block {
    /// The language (first word of the info string).
    pub fn lang(&self) -> &str {
        self.info.first().map_or("", String::as_str)
    }

    /// The value of `key=value` in the info string.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.info
            .iter()
            .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
    }

    /// Whether the info string has the flag `word`.
    pub fn has(&self, word: &str) -> bool {
        self.info.iter().any(|w| w == word)
    }
}

/// The fenced blocks of a Markdown text, in order.
pub fn blocks(page: &str, text: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut open: Option<(usize, Vec<String>, String)> = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("```") {
            match open.take() {
                None => {
                    let info = rest
                        .split(',')
                        .map(|w| w.trim().to_owned())
                        .filter(|w| !w.is_empty())
                        .collect();
                    open = Some((n + 1, info, String::new()));
                }
                Some((start, info, body)) => found.push(Block {
                    place: format!("{page}:{start}"),
                    info,
                    body,
                }),
            }
        } else if let Some((_, _, body)) = open.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    assert!(open.is_none(), "{page}: a code fence is never closed");
    found
}

/// The shipped rules' files as `(name, text)`, names relative to `rules/`.
pub fn shipped_rules() -> Vec<(String, String)> {
    let root = super::cli::project().join("rules");
    load::rules_files(&root)
        .unwrap()
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

/// Checks one `dxm` block as its fence says; returns a complaint, if any.
pub fn check_dxm(block: &Block, shipped: &[(String, String)]) -> Option<String> {
    if block.has("fragment") {
        let (_, found) = dxmap::syntax::parse(dxmap::source::FileId(0), &block.body);
        return (!found.is_empty()).then(|| {
            let codes: Vec<_> = found.iter().map(|d| d.code.id()).collect();
            format!("{}: the fragment does not parse: {codes:?}", block.place)
        });
    }
    // A block saved as a file of the tree (`file=rules/…`) takes the place
    // of the shipped file of that name, as it does in the page's session.
    let replaces = block
        .attr("file")
        .and_then(|path| path.strip_prefix("rules/"))
        .map(str::to_owned);
    let mut texts: Vec<(String, String)> = shipped
        .iter()
        .filter(|(name, _)| Some(name) != replaces.as_ref())
        .cloned()
        .collect();
    texts.push((
        replaces.unwrap_or_else(|| "zz_book_example.dxm".to_owned()),
        block.body.clone(),
    ));
    let root = super::cli::project().join("rules");
    let checked = load::check_loaded(load::Tree::from_texts(&root, texts), None).unwrap();
    let found: Vec<String> = checked
        .diagnostics
        .all()
        .iter()
        .filter(|d| !d.is_allowed())
        .map(|d| format!("{} {}", d.code.id(), d.message))
        .collect();
    let wanted = block.attr("error").or_else(|| block.attr("warning"));
    match wanted {
        None if found.is_empty() => None,
        None => Some(format!(
            "{}: expected to check clean beside the shipped rules, got:\n  {}",
            block.place,
            found.join("\n  ")
        )),
        Some(code) if found.iter().any(|f| f.starts_with(code)) => None,
        Some(code) => Some(format!(
            "{}: expected {code}, got:\n  {}",
            block.place,
            found.join("\n  ")
        )),
    }
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A scratch directory for a page: a git repository holding a copy of the
/// shipped `rules/`, committed, and a `bin/` with `dxmap` in it.
pub fn page_scratch(name: &str) -> PathBuf {
    let dir = super::cli::scratch::<&[u8]>(name, &[]);
    copy_dir(&super::cli::project().join("rules"), &dir.join("rules"));
    super::cli::git(&dir, &["init", "-q"]);
    super::cli::git(&dir, &["add", "rules"]);
    super::cli::git(&dir, &["commit", "-q", "-m", "rules"]);
    let bin = dir.join(".bin");
    std::fs::create_dir_all(&bin).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_dxmap"), bin.join("dxmap")).unwrap();
    dir
}

/// One command of a shell session with what it should print.
#[derive(Debug)]
pub struct Step {
    pub command: String,
    pub expected: Vec<String>,
    pub exit: i32,
}

/// The commands of a `console,test` block.
pub fn steps(block: &Block) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut continuing = false;
    for line in block.body.lines() {
        if continuing {
            let step = steps.last_mut().unwrap();
            step.command.push(' ');
            step.command
                .push_str(line.trim().trim_end_matches('\\').trim());
            continuing = line.trim_end().ends_with('\\');
        } else if let Some(command) = line.strip_prefix("$ ") {
            continuing = command.trim_end().ends_with('\\');
            steps.push(Step {
                command: command.trim_end().trim_end_matches('\\').trim().to_owned(),
                expected: Vec::new(),
                exit: 0,
            });
        } else if let Some(step) = steps.last_mut() {
            match line.strip_prefix("# exit ") {
                Some(code) => step.exit = code.trim().parse().unwrap(),
                None => step.expected.push(line.to_owned()),
            }
        }
    }
    steps
}

/// Runs a shell command in `dir` with `dxmap` on the `PATH`, without
/// colour; returns the exit code and standard output then error.
pub fn run_shell(dir: &Path, command: &str) -> (i32, String) {
    let path = format!(
        "{}:{}",
        dir.join(".bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} 2>&1"))
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let code = output.status.code().unwrap_or(-1);
    assert_ne!(code, 101, "`{command}` panicked");
    (code, String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs a step and returns a complaint when it does not print or exit as
/// written.
pub fn run_step(dir: &Path, place: &str, step: &Step) -> Option<String> {
    let (code, output) = run_shell(dir, &step.command);
    let actual: Vec<&str> = output.lines().collect();
    let mut expected: Vec<&str> = step.expected.iter().map(String::as_str).collect();
    while expected.last().is_some_and(|l| l.trim().is_empty()) {
        expected.pop();
    }
    let matches = match expected.iter().position(|l| l.trim() == "...") {
        Some(cut) => actual.len() >= cut && actual.get(..cut) == expected.get(..cut),
        None => actual == expected,
    };
    if matches && code == step.exit {
        return None;
    }
    Some(format!(
        "{place}: `{}` exited {code} (expected {}) and printed:\n{output}\n--- expected:\n{}",
        step.command,
        step.exit,
        expected.join("\n")
    ))
}

//! Shared helpers for the tests: multi-file fixtures and rendering, the
//! `fmt` property, and (in submodules) running the binary, the random
//! generator and the reference interpreter.
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of the helpers"
)]
#![allow(
    clippy::unwrap_used,
    reason = "test support: a failed fixture read should fail the test loudly"
)]

pub mod cli;
pub mod docs;
pub mod reference;
pub mod report;
pub mod rng;
pub mod safety;
pub mod trees;

use std::path::{Path, PathBuf};

use dxmap::diagnostics::{self, Diagnostic};
use dxmap::load;
use dxmap::source::{FileId, SourceMap};

/// Splits a fixture into files at `//- NAME` lines; a fixture without such
/// a line is one file named after the fixture.
pub fn split_fixture(path: &Path, text: &str) -> Vec<(String, String)> {
    let default_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap();
    if !text.starts_with("//- ") {
        return vec![(default_name, text.to_owned())];
    }
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("//- ") {
            files.push((name.trim().to_owned(), String::new()));
        } else if let Some((_, body)) = files.last_mut() {
            body.push_str(line);
        }
    }
    files
}

/// A scratch directory for one fixture, emptied first.
pub fn scratch_dir(kind: &str, path: &Path) -> PathBuf {
    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
    let dir = std::env::temp_dir()
        .join("dxmap-fixtures")
        .join(kind)
        .join(stem);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes a fixture's files to a scratch directory (so that release paths
/// resolve) and returns it with the fixture's `.dxm` files.
pub fn write_fixture(kind: &str, path: &Path) -> (PathBuf, Vec<(String, String)>) {
    let text = std::fs::read_to_string(path).unwrap();
    let files = split_fixture(path, &text);
    let dir = scratch_dir(kind, path);
    for (name, body) in &files {
        let target = dir.join(name);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, body).unwrap();
    }
    let rules = files
        .into_iter()
        .filter(|(name, _)| name.ends_with(".dxm"))
        .collect();
    (dir, rules)
}

/// Runs `check` on a fixture (all its files) and renders the diagnostics.
pub fn check_fixture(kind: &str, path: &Path) -> (String, Vec<Diagnostic>) {
    let (dir, rules) = write_fixture(kind, path);
    let tree = load::Tree::from_texts(&dir, rules);
    let checked = load::check_loaded(tree, None).unwrap();
    let all = checked.diagnostics.all();
    let rendered = diagnostics::human::render_all(&all, &checked.sources, false);
    let prefix = format!("{}/", dir.display());
    (rendered.replace(&prefix, ""), all)
}

/// insta settings for a fixture's snapshot: named after the fixture, no
/// module prefix, no expression.
pub fn snapshot_settings(path: &Path) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(path);
    settings
}

/// Parses one file and renders its syntax diagnostics.
pub fn parse_fixture(path: &Path) -> (String, Vec<Diagnostic>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut sources = SourceMap::new();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let file: FileId = sources.add(name, text.clone());
    let (_, found) = dxmap::syntax::parse(file, &text);
    (
        diagnostics::human::render_all(&found, &sources, false),
        found,
    )
}

/// The snapshot document: the source and the rendered diagnostics.
pub fn document(path: &Path, rendered: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    format!(
        "## source\n{}\n## diagnostics\n{}",
        text.trim_end(),
        rendered.trim_end()
    )
}

/// A table as pretty JSON, for snapshots: its serde form, field by field,
/// with the geography (every postcode unit of Great Britain, the same in
/// every table, its last field) summarised as its number of units and
/// whether it is the bundled one.
pub fn table_json(table: &dxmap_runtime::Table) -> String {
    let json = serde_json::to_string_pretty(table).unwrap();
    let cut = json
        .rfind("\n  \"geography\": ")
        .expect("the geography is the table's last field");
    format!(
        "{}\n  \"geography\": {{\n    \"units\": {},\n    \"bundled\": {}\n  }}\n}}",
        &json[..cut],
        table.geography.len(),
        table.geography == *dxmap::geo::Geography::bundled_table()
    )
}

/// Checks and compiles a fixture; panics on any error diagnostic.
pub fn compile_fixture(kind: &str, path: &Path) -> dxmap_runtime::Table {
    let (dir, rules) = write_fixture(kind, path);
    let tree = load::Tree::from_texts(&dir, rules);
    let checked = load::check_loaded(tree, None).unwrap();
    // Analysis findings (gaps in a sample that routes a few codes) do not
    // stop compilation; anything else would.
    let errors = checked
        .diagnostics
        .select(|d| d.is_error() && d.code.family() != dxmap::diagnostics::Family::Analysis);
    assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    dxmap::compile::compile(checked.model.as_ref().unwrap(), &checked.sources)
}

/// The comments of a rules file, in order, each from its `//` to the end of
/// its line (trailing white space trimmed). A `//` inside a string literal
/// (`"http://x"`, with `\"` and `\\` escapes, as the grammar has them) is
/// not a comment.
pub fn comments(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut in_string = false;
    let mut chars = text.char_indices().peekable();
    while let Some((idx, ch)) = chars.next() {
        match (in_string, ch) {
            (true, '\\') => {
                chars.next();
            }
            (true, '"' | '\n') | (false, '"') => in_string = !in_string,
            (false, '/') if chars.peek().is_some_and(|(_, next)| *next == '/') => {
                let end = text[idx..].find('\n').map_or(text.len(), |n| idx + n);
                found.push(text[idx..end].trim_end());
                while chars.next_if(|(at, _)| *at < end).is_some() {}
            }
            _ => {}
        }
    }
    found
}

/// Asserts that `text` parses cleanly and that `fmt` keeps its meaning
/// (the same tree, spans aside) and every comment, and that formatting the
/// output again changes nothing.
#[track_caller]
pub fn assert_fmt_preserves(name: &str, text: &str) {
    let (parsed, found) = dxmap::syntax::parse(FileId(0), text);
    assert!(found.is_empty(), "{name} does not parse cleanly: {found:?}");
    let once = dxmap::syntax::fmt::format(text, &parsed);
    let (again, found) = dxmap::syntax::parse(FileId(0), &once);
    assert!(
        found.is_empty(),
        "{name}: formatted text does not parse: {found:?}\n{once}"
    );
    assert_eq!(
        dxmap::syntax::erase_spans(&parsed),
        dxmap::syntax::erase_spans(&again),
        "{name}: fmt changed the meaning\n{once}"
    );
    assert_eq!(
        comments(text),
        comments(&once),
        "{name}: fmt lost or changed a comment\n{once}"
    );
    assert_eq!(
        dxmap::syntax::fmt::format(&once, &again),
        once,
        "{name}: fmt is not idempotent"
    );
}

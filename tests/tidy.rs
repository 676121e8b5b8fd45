//! Invariants that crates cannot enforce (STYLE.md, habits 3 and 4): every
//! source file starts with a `//!` doc; only `load.rs` and `cli/` touch the
//! file system, the environment or standard output; only `syntax/` names
//! pest; only `lsp/protocol.rs` names `lsp_types`; the runtime never
//! imports the compiler; every diagnostic code is
//! documented in `docs/diagnostics.md`, which is generated from the registry.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|entry| entry.unwrap().into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();
    files
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file's path from the project's root, with `/`.
fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn every_source_file_has_a_module_doc() {
    let mut missing = Vec::new();
    for dir in ["src", "runtime/src", "server/src"] {
        for path in rust_files(&root().join(dir)) {
            let text = std::fs::read_to_string(&path).unwrap();
            if !text.trim_start().starts_with("//!") {
                missing.push(path.display().to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "files without a `//!` module doc: {missing:?}"
    );
}

#[test]
fn io_stays_at_the_edges() {
    let forbidden = [
        "std::fs",
        "std::env",
        "println!",
        "eprintln!",
        "print!(",
        "std::io::stdout",
    ];
    let mut offenders = Vec::new();
    for path in rust_files(&root().join("src")) {
        let relative = relative(&path);
        if relative == "src/load.rs"
            || relative.starts_with("src/cli/")
            || relative == "src/main.rs"
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for word in forbidden {
            if code.contains(word) {
                offenders.push(format!("{relative}: {word}"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "I/O outside load.rs and cli/: {offenders:?}"
    );
}

#[test]
fn pest_stays_in_syntax() {
    let mut offenders = Vec::new();
    for path in rust_files(&root().join("src")) {
        let relative = relative(&path);
        if relative.starts_with("src/syntax/") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        if text.contains("pest::") || text.contains("pest_derive") {
            offenders.push(relative);
        }
    }
    assert!(
        offenders.is_empty(),
        "pest used outside src/syntax: {offenders:?}"
    );
}

/// The protocol's types crate can be swapped by changing one file.
#[test]
fn lsp_types_stay_in_the_protocol_module() {
    let mut offenders = Vec::new();
    for path in rust_files(&root().join("src")) {
        let relative = relative(&path);
        if relative == "src/lsp/protocol.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        if text.contains("lsp_types") {
            offenders.push(relative);
        }
    }
    assert!(
        offenders.is_empty(),
        "lsp_types named outside src/lsp/protocol.rs: {offenders:?}"
    );
}

#[test]
fn the_runtime_never_imports_the_compiler() {
    let manifest = std::fs::read_to_string(root().join("runtime/Cargo.toml")).unwrap();
    let dependencies = manifest.split("[dependencies]").nth(1).unwrap_or("");
    for line in dependencies
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('['))
    {
        let name = line.split('=').next().unwrap().trim();
        assert!(
            !name.starts_with("dxmap")
                && !["pest", "pest_derive", "miette", "petgraph", "serde_yaml"].contains(&name),
            "dxmap-runtime depends on `{name}`"
        );
    }
    for path in rust_files(&root().join("runtime/src")) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("dxmap::"),
            "{} imports the compiler",
            path.display()
        );
    }
}

#[test]
fn the_server_never_imports_the_compiler() {
    let manifest = std::fs::read_to_string(root().join("server/Cargo.toml")).unwrap();
    let dependencies = manifest.split("[dependencies]").nth(1).unwrap_or("");
    for line in dependencies
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('[') && !l.starts_with('#'))
    {
        let name = line.split('=').next().unwrap().trim();
        assert!(
            (!name.starts_with("dxmap") || name == "dxmap-runtime")
                && !["pest", "pest_derive", "miette", "petgraph", "serde_yaml"].contains(&name),
            "dxmap-server depends on `{name}`"
        );
    }
    for path in rust_files(&root().join("server/src")) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("dxmap::"),
            "{} imports the compiler",
            path.display()
        );
    }
}

/// The generated reference of diagnostic codes.
fn diagnostics_doc() -> String {
    let mut out = String::from(
        "# dxmap diagnostics\n\nGenerated from `src/diagnostics/codes.rs` by `tests/tidy.rs`; \
         do not edit by hand (run `UPDATE_DOCS=1 cargo test --test tidy`). \
         `dxmap explain CODE` prints one entry.\n\n",
    );
    for code in dxmap::diagnostics::Code::ALL {
        out.push_str(&code.markdown());
        out.push('\n');
    }
    out
}

#[test]
fn diagnostics_doc_is_up_to_date() {
    let path = root().join("docs/diagnostics.md");
    let expected = diagnostics_doc();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/diagnostics.md is stale: run `UPDATE_DOCS=1 cargo test --test tidy`"
    );
}

// ------------------------------------------------------ module structure

/// A crate's modules by path (`check::analysis`), each with the source text
/// of its file, tests left out.
fn modules(src: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for path in rust_files(src) {
        let relative = path
            .strip_prefix(src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let relative = relative.trim_end_matches(".rs");
        let module = match relative {
            "lib" | "main" => String::new(),
            _ => relative.trim_end_matches("/mod").replace('/', "::"),
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("").to_owned();
        out.push((module, code));
    }
    out
}

/// The code of a file without its comments (line comments and docs).
fn without_comments(code: &str) -> String {
    code.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads `a::b::{c, d::e}` after a `crate::`/`super::` prefix: the full
/// paths it names (`a::b::c`, `a::b::d::e`).
fn paths_at(text: &str, prefix: &str, out: &mut Vec<String>) {
    let mut segments = Vec::new();
    let mut rest = text;
    loop {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end > 0 {
            segments.push(&rest[..end]);
            rest = &rest[end..];
        }
        if let Some(next) = rest.strip_prefix("::") {
            rest = next;
            if let Some(group) = rest.strip_prefix('{') {
                // A group: split at top-level commas up to the closing brace.
                let mut depth = 0usize;
                let mut start = 0usize;
                let base = format!("{prefix}{}", segments.join("::"));
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            paths_at(group[start..i].trim(), &format!("{base}::"), out);
                            return;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            paths_at(group[start..i].trim(), &format!("{base}::"), out);
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                return;
            }
            continue;
        }
        break;
    }
    if !segments.is_empty() {
        out.push(format!("{prefix}{}", segments.join("::")));
    }
}

/// The modules of the crate that `module`'s code names through `crate::`
/// or `super::` paths, each resolved to the longest known module prefix;
/// itself and its own descendants left out.
fn imports(module: &str, code: &str, known: &[String]) -> std::collections::BTreeSet<String> {
    let code = without_comments(code);
    let mut paths = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().last();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue; // `dxmap_runtime::…` is another crate
        }
        paths_at(&code[at + "crate::".len()..], "", &mut paths);
    }
    for (at, _) in code.match_indices("super::") {
        if code[..at].ends_with("::") {
            continue; // the second `super` of `super::super::`
        }
        // Up one module per `super`.
        let mut rest = &code[at..];
        let mut base = module;
        while let Some(next) = rest.strip_prefix("super::") {
            rest = next;
            base = base.rsplit_once("::").map_or("", |(p, _)| p);
        }
        let prefix = if base.is_empty() {
            String::new()
        } else {
            format!("{base}::")
        };
        paths_at(rest, &prefix, &mut paths);
    }
    let mut out = std::collections::BTreeSet::new();
    for path in paths {
        let target = known
            .iter()
            .filter(|m| !m.is_empty() && (path == **m || path.starts_with(&format!("{m}::"))))
            .max_by_key(|m| m.len());
        if let Some(target) = target {
            let own = target == module || target.starts_with(&format!("{module}::"));
            if !own && !module.is_empty() {
                out.insert(target.clone());
            }
        }
    }
    out
}

/// Each crate's import graph between modules, as (module, imported).
fn import_graphs() -> Vec<(&'static str, Vec<(String, String)>)> {
    let mut graphs = Vec::new();
    for (name, dir) in [("dxmap", "src"), ("dxmap-runtime", "runtime/src")] {
        let modules = modules(&root().join(dir));
        let known: Vec<String> = modules.iter().map(|(m, _)| m.clone()).collect();
        let mut edges = Vec::new();
        for (module, code) in &modules {
            for target in imports(module, code, &known) {
                edges.push((module.clone(), target));
            }
        }
        graphs.push((name, edges));
    }
    graphs
}

/// Modules as their top-level module (`check::analysis` → `check`).
fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

#[test]
fn the_module_graph_has_no_circles() {
    for (krate, edges) in import_graphs() {
        let mut graph = petgraph::graph::DiGraph::<String, ()>::new();
        let mut nodes = std::collections::BTreeMap::new();
        for (from, to) in &edges {
            for name in [from, to] {
                nodes
                    .entry(name.clone())
                    .or_insert_with(|| graph.add_node(name.clone()));
            }
            // A child naming its ancestor's items is its own business; a
            // circle is between modules neither of which contains the other.
            if !from.starts_with(&format!("{to}::")) {
                graph.add_edge(nodes[from], nodes[to], ());
            }
        }
        let circles: Vec<Vec<String>> = petgraph::algo::tarjan_scc(&graph)
            .into_iter()
            .filter(|scc| scc.len() > 1)
            .map(|scc| {
                let mut names: Vec<String> = scc.iter().map(|n| graph[*n].clone()).collect();
                names.sort();
                names
            })
            .collect();
        assert!(
            circles.is_empty(),
            "{krate}: modules importing each other: {circles:?}"
        );
    }
}

/// The layers ARCHITECTURE.md gives for a crate, lowest first: the
/// backquoted names on its line `Layers of CRATE, lowest first: …`.
fn layers(architecture: &str, krate: &str) -> Vec<String> {
    let marker = format!("Layers of `{krate}`, lowest first:");
    let line = architecture
        .lines()
        .find(|line| line.contains(&marker))
        .unwrap_or_else(|| panic!("ARCHITECTURE.md has no line `{marker} …`"));
    line.split('`')
        .skip(3)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn modules_import_only_lower_layers_as_architecture_md_orders_them() {
    let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    for (krate, edges) in import_graphs() {
        let order = layers(&architecture, krate);
        let rank = |module: &str| order.iter().position(|l| l == top(module));
        let mut wrong = Vec::new();
        for (from, to) in &edges {
            if top(from) == top(to) {
                continue;
            }
            match (rank(from), rank(to)) {
                (Some(a), Some(b)) if b < a => {}
                (None, _) => wrong.push(format!("{from}: not in the layers")),
                (_, None) => wrong.push(format!("{to}: not in the layers")),
                _ => wrong.push(format!("{from} imports {to}, a higher layer")),
            }
        }
        wrong.sort();
        wrong.dedup();
        assert!(wrong.is_empty(), "{krate}: {wrong:#?}");
    }
}

#[test]
fn every_imports_line_names_what_its_file_imports() {
    let mut drift = Vec::new();
    for (krate, dir) in [("dxmap", "src"), ("dxmap-runtime", "runtime/src")] {
        let modules = modules(&root().join(dir));
        let known: Vec<String> = modules.iter().map(|(m, _)| m.clone()).collect();
        for (module, code) in &modules {
            // The `//! Imports:` paragraph: its line and the `//!` lines
            // that continue it.
            let Some(start) = code.find("//! Imports:") else {
                if !module.is_empty() {
                    drift.push(format!("{krate} {module}: no `//! Imports:` line"));
                }
                continue;
            };
            let line: String = code[start..]
                .lines()
                .take_while(|line| line.starts_with("//!") && line.trim() != "//!")
                .collect::<Vec<_>>()
                .join(" ");
            let words: std::collections::BTreeSet<&str> = line
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .collect();
            let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
            for target in imports(module, code, &known) {
                // Named by one of its segments (`crate::check` names
                // `check::model`), or as `super` when it is the parent.
                let named = target.split("::").any(|segment| words.contains(segment))
                    || (target == parent && words.contains("super"));
                if !named {
                    drift.push(format!(
                        "{krate} {module}: imports `{target}`, not in `{}`",
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(drift.is_empty(), "{drift:#?}");
}

#[test]
fn no_source_file_is_long_unless_architecture_md_says_why() {
    let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let mut long = Vec::new();
    for dir in ["src", "runtime/src"] {
        for path in rust_files(&root().join(dir)) {
            let relative = relative(&path);
            let lines = std::fs::read_to_string(&path).unwrap().lines().count();
            if lines > 850 && !architecture.contains(&format!("`{relative}`")) {
                long.push(format!("{relative}: {lines} lines"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "files over 850 lines that ARCHITECTURE.md does not explain: {long:?}"
    );
}

/// What a case is and when a rule answers it is written once, in
/// `runtime/src/space.rs`: no other source file converts age units, defines
/// a sex of cases, tests an age against an interval's end or a channel
/// against a rule's list. (`tests/support/reference.rs`, the differential
/// test's independent interpreter, is deliberately a second opinion.)
#[test]
fn the_case_space_has_one_implementation() {
    let forbidden = [
        ("36_525", "years to days"),
        ("304_375", "months to days"),
        ("365.25", "years to days"),
        ("30.4375", "months to days"),
        ("enum CaseSex", "a sex of cases"),
        ("enum CellSex", "a sex of cases"),
        ("max_days.is_none_or(", "an age inside an interval"),
        ("max_age_days.is_none_or(", "an age inside an interval"),
        ("when.channels.contains(", "a channel matching a rule"),
    ];
    let mut copies = Vec::new();
    for dir in ["src", "runtime/src"] {
        for path in rust_files(&root().join(dir)) {
            let relative = relative(&path);
            if relative == "runtime/src/space.rs" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = without_comments(text.split("#[cfg(test)]").next().unwrap_or(""));
            for (pattern, meaning) in forbidden {
                if code.contains(pattern) {
                    copies.push(format!("{relative}: `{pattern}` ({meaning})"));
                }
            }
        }
    }
    assert!(
        copies.is_empty(),
        "the case space is written again outside runtime/src/space.rs: {copies:#?}"
    );
}

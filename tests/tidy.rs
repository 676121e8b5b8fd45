//! Invariants that crates cannot enforce (STYLE.md, habits 3 and 4): every
//! source file starts with a `//!` doc; only `load.rs` and `cli/` touch the
//! file system, the environment or standard output; only `syntax/` names
//! pest; the runtime never imports the compiler; every diagnostic code is
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

#[test]
fn every_source_file_has_a_module_doc() {
    let mut missing = Vec::new();
    for dir in ["src", "runtime/src"] {
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
        let relative = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
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
        let relative = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
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

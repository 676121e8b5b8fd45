//! The check and compile benchmark: parse, check (name resolution and the
//! analyses), compile, and loading the table artifact, on generated trees
//! of 1×, 10× and 100× the shipped tree and of national size.
//!
//! ```text
//! cargo bench -p dxmap-bench --bench check
//! ```
//!
//! Each tree is generated once (with the preset's seed), outside the timed
//! code; divan prints the table of timings and nothing else. `build` is
//! parse + check + compile from texts, the work `dxmap build` does after
//! reading the files (DESIGN: under a second for the national tree).
//!
//! Imports: `dxmap`, `dxmap_runtime`, `dxmap_bench`, `divan`.

use std::path::Path;
use std::sync::OnceLock;

use dxmap::load::{self, Checked, Tree};
use dxmap_bench::Params;

fn main() {
    divan::main();
}

const SIZES: &[&str] = &["1x", "10x", "100x", "national"];

/// A generated tree, checked and compiled once.
struct Fixture {
    texts: Vec<(String, String)>,
    checked: Checked,
    artifact: Vec<u8>,
}

fn params(size: &str) -> Params {
    match size {
        "10x" => Params::shipped_scale(10),
        "100x" => Params::shipped_scale(100),
        "national" => Params::national(),
        _ => Params::shipped_scale(1),
    }
}

fn root() -> &'static Path {
    Path::new("generated")
}

fn fixture(size: &str) -> &'static Fixture {
    static FIXTURES: [OnceLock<Fixture>; 4] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    let idx = SIZES.iter().position(|s| *s == size).unwrap_or(0);
    let slot = FIXTURES.get(idx).unwrap_or(&FIXTURES[0]);
    slot.get_or_init(|| {
        let texts = dxmap_bench::generate(&params(size));
        let checked = check(texts.clone());
        let artifact = checked
            .model
            .as_ref()
            .map(|model| dxmap::compile::compile(model, &checked.sources).to_artifact())
            .unwrap_or_default();
        Fixture {
            texts,
            checked,
            artifact,
        }
    })
}

fn check(texts: Vec<(String, String)>) -> Checked {
    let tree = Tree::from_texts(root(), texts);
    match load::check_loaded(tree, None) {
        Ok(checked) => checked,
        Err(error) => {
            eprintln!("generated tree does not load: {error}");
            std::process::exit(2);
        }
    }
}

/// Reading the texts into syntax trees.
#[divan::bench(args = SIZES, sample_count = 20, sample_size = 1, max_time = 20)]
fn parse(bencher: divan::Bencher<'_, '_>, size: &str) {
    let fixture = fixture(size);
    bencher
        .with_inputs(|| fixture.texts.clone())
        .bench_values(|texts| Tree::from_texts(root(), texts));
}

/// Name resolution, structural checks and the analyses of a parsed tree.
#[divan::bench(args = SIZES, sample_count = 20, sample_size = 1, max_time = 20)]
fn check_tree(bencher: divan::Bencher<'_, '_>, size: &str) {
    let fixture = fixture(size);
    bencher
        .with_inputs(|| Tree::from_texts(root(), fixture.texts.clone()))
        .bench_values(|tree| load::check_loaded(tree, None));
}

/// Lowering the checked model to the decision table.
#[divan::bench(args = SIZES, sample_count = 20, sample_size = 1, max_time = 20)]
fn compile(bencher: divan::Bencher<'_, '_>, size: &str) {
    let fixture = fixture(size);
    let Some(model) = fixture.checked.model.as_ref() else {
        return;
    };
    bencher.bench(|| dxmap::compile::compile(model, &fixture.checked.sources));
}

/// Parse, check and compile from texts: what `dxmap build` does.
#[divan::bench(args = SIZES, sample_count = 10, sample_size = 1, max_time = 30)]
fn build(bencher: divan::Bencher<'_, '_>, size: &str) {
    let fixture = fixture(size);
    bencher
        .with_inputs(|| fixture.texts.clone())
        .bench_values(|texts| {
            let checked = check(texts);
            checked
                .model
                .as_ref()
                .map(|model| dxmap::compile::compile(model, &checked.sources))
        });
}

/// Loading the table artifact: hash check, decoding, index validation.
#[divan::bench(args = SIZES, sample_count = 20, sample_size = 1, max_time = 20)]
fn table_load(bencher: divan::Bencher<'_, '_>, size: &str) {
    let fixture = fixture(size);
    bencher.bench(|| dxmap_runtime::Table::from_artifact(&fixture.artifact));
}

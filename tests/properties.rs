//! Properties over generated programs and every tree the project ships:
//! - `fmt` is idempotent and meaning-preserving (parse → print → parse gives
//!   the same tree, spans aside; comments are kept);
//! - every diagnostic's spans lie inside their file, for damaged inputs too
//!   (every fixture cut short at many points, lines dropped);
//! - the compiled table is byte-identical when compiled twice and when the
//!   files are given in another order.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::path::{Path, PathBuf};

use dxmap::source::FileId;
use dxmap::syntax;
use support::rng::Rng;

/// A random program using every kind of item, in random layouts.
fn program(rng: &mut Rng) -> String {
    let space = |rng: &mut Rng| {
        *[" ", "  ", "\n", "\n\n", " // note\n", "\t"]
            .get(rng.index(6))
            .unwrap()
    };
    let mut text = format!("release \"pathways-2015\"{}", space(rng));
    text.push_str("skill pathways_clinician \"Pathways clinician\"\nhas pathways_clinician\n");
    text.push_str("calendar ew { 2020-05-08 \"VE Day\" 2020-12-25 }\n");
    for idx in 0..1 + rng.below(4) {
        let clauses = [
            format!(
                "responds_within {}",
                rng.pick(&["0m", "30m", "1h", "12h", "2d"])
            ),
            format!(
                "channels {}",
                rng.pick(&["111", "111, ooh", "999, 111, ooh"])
            ),
            format!("returns {}", 1 + rng.below(3)),
        ];
        let n = 1 + rng.index(3);
        text.push_str(&format!(
            "service_type t{idx} \"Type {idx}\" {{{}{}}}\n",
            space(rng),
            clauses[..n].join(if rng.below(2) == 0 { "\n" } else { " " })
        ));
    }
    text.push_str(&format!("group g = Dx05,{}Dx06, Dx07\n", space(rng)));
    for idx in 0..1 + rng.below(5) {
        let mut conditions = vec![rng
            .pick(&["dx = Dx05", "dx in g", "dx in (Dx06, g)", "dx in Dx08"])
            .to_owned()];
        if rng.below(2) == 0 {
            conditions.push(
                rng.pick(&["channel = ooh", "channel in (111, 999)"])
                    .to_owned(),
            );
        }
        if rng.below(2) == 0 {
            conditions.push(
                rng.pick(&[
                    "age >= 16",
                    "age < 16y",
                    "age in 0..15",
                    "age in 6mo..",
                    "age <= 28d",
                ])
                .to_owned(),
            );
        }
        if rng.below(3) == 0 {
            conditions.push(rng.pick(&["sex = female", "sex = male"]).to_owned());
        }
        text.push_str(&format!(
            "rule \"R {idx}\" {{{}when {}{}route t0{}{}}}\n",
            space(rng),
            conditions.join(&format!("{}and ", space(rng))),
            space(rng),
            if rng.below(2) == 0 {
                format!("\npriority {}", rng.below(9))
            } else {
                String::new()
            },
            space(rng),
        ));
    }
    text.push_str("no_search Dx91 because \"Unexpected death: \\\"local\\\" \\\\ governance\"\ncatch_all t0\n");
    text.push_str("hierarchy q { Dx321 > Dx32 > Dx325 }\n");
    for idx in 0..1 + rng.below(3) {
        let hours = rng.pick(&[
            "all_hours",
            "mon-fri 08:30-13:00, 14:00-18:00\n    sat 09:00-13:00\n    sun closed",
            "mon-sun 00:00-24:00\n    bank_holiday closed\n    on 2020-05-08 14:00-17:00",
            "tue 10:00-11:00 // short\n    closed 2020-06-01..2020-06-10 because \"refit\"\n    closed 2020-07-01",
        ]);
        text.push_str(&format!(
            "service \"S {idx}\" id \"S{idx}\" {{\n  type t0\n  catchment {}\n{}  hours {{\n    {hours}\n  }}\n}}\n",
            rng.pick(&["SO", "SO16, PO", "SO16 7, S", "SW1A"]),
            rng.pick(&["", "  location 50.9, -1.4\n", "  ages 0..15\n  sexes female\n  rank 2\n", "  valid 2020-03-20..\n"]),
        ));
    }
    if rng.below(2) == 0 {
        text.push_str(&format!(
            "overlay o{} {{\n  area PO\n  lacks pathways_clinician\n  remap Dx06 -> Dx05 because \"validation\"\n  suspend service_type t0 from 2020-03-23 because \"COVID-19\"\n  remove rule \"R 0\" because \"local\"\n  catch_all t0\n}}\n",
            rng.below(9)
        ));
    }
    text
}

/// Every `.dxm` text the project ships or keeps as a fixture.
fn shipped_texts() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [
        "rules",
        "fixtures/syntax",
        "fixtures/check",
        "fixtures/compile",
        "fixtures/fuzz",
    ] {
        for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.path().extension().is_some_and(|e| e == "dxm") {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                for (name, body) in support::split_fixture(entry.path(), &text) {
                    if name.ends_with(".dxm") {
                        out.push((entry.path().join(name), body));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn fmt_is_idempotent_and_meaning_preserving_on_generated_programs() {
    let mut rng = Rng(0x00F0_0D5E);
    for round in 0..300 {
        let text = program(&mut rng);
        let (_, found) = syntax::parse(FileId(0), &text);
        assert!(
            found.is_empty(),
            "round {round}: the generator wrote a syntax error: {found:?}\n{text}"
        );
        support::assert_fmt_preserves(&format!("round {round}"), &text);
    }
}

/// Checks that every label of every diagnostic lies inside its file.
fn assert_spans_inside(name: &str, texts: Vec<(String, String)>) {
    let tree = dxmap::load::Tree::from_texts(Path::new("properties"), texts);
    let checked = dxmap::load::check_loaded(tree, Some("pathways-2015")).unwrap();
    for diagnostic in &checked.diagnostics.all() {
        for label in std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary) {
            let file = checked.sources.get(label.span.file).unwrap();
            let len = u32::try_from(file.text.len()).unwrap();
            assert!(
                label.span.start <= label.span.end && label.span.end <= len,
                "{name}: span {:?} outside `{}` ({len} bytes): {diagnostic:?}",
                label.span,
                file.name
            );
        }
    }
}

#[test]
fn every_diagnostic_span_lies_inside_its_file_even_for_damaged_inputs() {
    let mut rng = Rng(0x5EA5_0FF5);
    let mut texts: Vec<(String, String)> = shipped_texts()
        .into_iter()
        .map(|(path, text)| (path.display().to_string(), text))
        .collect();
    texts.extend((0..40).map(|round| (format!("generated {round}"), program(&mut rng))));
    for (name, text) in &texts {
        assert_spans_inside(name, vec![("a.dxm".to_owned(), text.clone())]);
        // Cut short at a few points, on and off character boundaries.
        for _ in 0..2 {
            let mut cut = rng.index(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            assert_spans_inside(
                &format!("{name} cut at {cut}"),
                vec![("a.dxm".to_owned(), text[..cut].to_owned())],
            );
        }
        // A line dropped.
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() > 1 {
            let drop = rng.index(lines.len());
            let damaged: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, l)| *l)
                .collect();
            assert_spans_inside(
                &format!("{name} without line {drop}"),
                vec![("a.dxm".to_owned(), damaged.join("\n"))],
            );
        }
    }
}

fn artifact(texts: Vec<(String, String)>) -> Vec<u8> {
    let checked = dxmap::load::check_loaded(
        dxmap::load::Tree::from_texts(Path::new("properties"), texts),
        None,
    )
    .unwrap();
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    dxmap::compile::compile(checked.model.as_ref().unwrap(), &checked.sources).to_artifact()
}

#[test]
fn tables_are_byte_identical_whatever_the_order_of_the_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let texts: Vec<(String, String)> = dxmap::load::rules_files(&root)
        .unwrap()
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (
                path.strip_prefix(&root).unwrap().display().to_string(),
                text,
            )
        })
        .collect();
    let first = artifact(texts.clone());
    assert_eq!(first, artifact(texts.clone()), "compiling twice differs");
    let mut rng = Rng(7);
    for _ in 0..5 {
        let mut shuffled = texts.clone();
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.index(i + 1));
        }
        assert_eq!(
            first,
            artifact(shuffled),
            "the order of the files changed the table"
        );
    }
}

#[test]
fn the_generator_is_splitmix64() {
    // The reference implementation's first outputs for seed 1234567: the
    // seeds written in the tests keep giving the same inputs.
    let mut rng = Rng(1_234_567);
    let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
    assert_eq!(
        first,
        [
            6_457_827_717_110_365_317,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423
        ]
    );
}

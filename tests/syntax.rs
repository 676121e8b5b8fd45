//! Syntax fixtures: `fixtures/syntax/ok` parse with no diagnostic,
//! `fixtures/syntax/err` with at least one error; the rendered diagnostics
//! of every fixture are snapshots.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

#[test]
fn ok_fixtures_parse_without_diagnostics() {
    insta::glob!("../fixtures/syntax/ok", "*.dxm", |path| {
        let (rendered, found) = support::parse_fixture(path);
        assert!(found.is_empty(), "{}:\n{rendered}", path.display());
    });
}

#[test]
fn err_fixtures_report_syntax_errors() {
    insta::glob!("../fixtures/syntax/err", "*.dxm", |path| {
        let (rendered, found) = support::parse_fixture(path);
        assert!(
            found.iter().any(|d| d.is_error()),
            "{} parsed without error",
            path.display()
        );
        support::snapshot_settings(path).bind(|| {
            insta::assert_snapshot!("syntax", support::document(path, &rendered));
        });
    });
}

/// The words of the grammar's `keyword` rule: exactly the `kw_` rules' words
/// and those of `sex`, `channel` and `day`, and a word another starts with
/// comes after it (the alternatives are tried in order and the first match
/// is kept). Each is refused where a name is expected, and a name that only
/// starts with one is accepted.
#[test]
fn every_keyword_is_refused_as_a_name() {
    let grammar = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar/dxmap.pest"),
    )
    .unwrap();
    let quoted = |text: &str| -> Vec<String> {
        text.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    let rule = |name: &str| -> String {
        let start = grammar.find(&format!("\n{name} = ")).unwrap();
        let rest = &grammar[start + 1..];
        rest[..rest.find("}\n").unwrap()].to_owned()
    };
    let listed = quoted(&rule("keyword"));
    let mut expected: Vec<String> = grammar
        .lines()
        .filter(|line| line.starts_with("kw_"))
        .flat_map(quoted)
        .collect();
    for name in ["sex", "channel", "day"] {
        expected.extend(quoted(&rule(name)));
    }
    let mut sorted = listed.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected, "the keyword rule and the words differ");
    for (at, word) in listed.iter().enumerate() {
        for later in &listed[at + 1..] {
            assert!(
                !later.starts_with(word.as_str()),
                "`{later}` must come before `{word}` in the keyword rule"
            );
        }
    }
    for word in listed.iter().filter(|w| w.starts_with(char::is_lowercase)) {
        let text = format!("release \"x\"\nskill {word} \"X\"\n");
        let (_, found) = dxmap::syntax::parse(dxmap::source::FileId(0), &text);
        assert!(
            found.iter().any(|d| d.is_error()),
            "`{word}` was accepted as a skill's name"
        );
        let text = format!("release \"x\"\nskill {word}_x \"X\"\n");
        let (_, found) = dxmap::syntax::parse(dxmap::source::FileId(0), &text);
        assert!(found.is_empty(), "`{word}_x` was refused: {found:?}");
    }
}

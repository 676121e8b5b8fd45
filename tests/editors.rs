//! The VS Code extension's TextMate grammar
//! (`editors/vscode/syntaxes/dxmap.tmLanguage.json`): valid JSON whose
//! patterns, run as regexes by a tiny tokenizer (leftmost match first, ties
//! to the earlier pattern, as TextMate does at the top level), give
//! keywords, codes, postcodes, times, dates, durations, strings and
//! comments their scopes. And the manifest names the grammar.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

use std::path::PathBuf;

use serde_json::Value;

fn extension() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("editors/vscode")
}

fn grammar() -> Value {
    let text = std::fs::read_to_string(extension().join("syntaxes/dxmap.tmLanguage.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A top-level rule: a `match`, or a `begin`/`end` region, with its scope.
struct Rule {
    regex: regex_lite::Regex,
    end: Option<regex_lite::Regex>,
    /// A region's own patterns (a string's escapes), tried before its end.
    inner: Vec<regex_lite::Regex>,
    scope: String,
}

fn rules(grammar: &Value) -> Vec<Rule> {
    let repository = &grammar["repository"];
    grammar["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pattern| {
            let name = pattern["include"].as_str().unwrap().trim_start_matches('#');
            let rule = &repository[name];
            assert!(rule.is_object(), "`#{name}` is not in the repository");
            let (start, end) = match rule.get("match") {
                Some(regex) => (regex.as_str().unwrap(), None),
                None => (
                    rule["begin"].as_str().unwrap(),
                    Some(rule["end"].as_str().unwrap()),
                ),
            };
            Rule {
                regex: regex_lite::Regex::new(start).unwrap_or_else(|e| panic!("`#{name}`: {e}")),
                end: end.map(|end| regex_lite::Regex::new(end).unwrap()),
                inner: rule["patterns"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p["match"].as_str())
                    .map(|regex| regex_lite::Regex::new(regex).unwrap())
                    .collect(),
                scope: rule["name"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

/// The tokens of one line with their scopes.
fn tokenize<'t>(rules: &[Rule], line: &'t str) -> Vec<(&'t str, String)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < line.len() {
        let best = rules
            .iter()
            .filter_map(|rule| rule.regex.find_at(line, at).map(|m| (m, rule)))
            .filter(|(m, _)| m.end() > m.start())
            .min_by_key(|(m, _)| m.start());
        let Some((found, rule)) = best else {
            break;
        };
        let end = match &rule.end {
            Some(end) => region_end(line, found.end(), end, &rule.inner),
            None => found.end(),
        };
        out.push((&line[found.start()..end], rule.scope.clone()));
        at = end;
    }
    out
}

/// Where a region that opened before `at` ends: its inner patterns
/// consume text (escapes) when they match before the end pattern does.
fn region_end(
    line: &str,
    mut at: usize,
    end: &regex_lite::Regex,
    inner: &[regex_lite::Regex],
) -> usize {
    loop {
        let Some(closing) = end.find_at(line, at) else {
            return line.len();
        };
        let consumed = inner
            .iter()
            .filter_map(|regex| regex.find_at(line, at))
            .filter(|m| {
                m.start() < closing.start()
                    || (m.start() == closing.start() && m.end() > closing.end())
            })
            .min_by_key(|m| m.start());
        match consumed {
            Some(m) => at = m.end(),
            None => return closing.end(),
        }
    }
}

fn scope_of(rules: &[Rule], line: &str, token: &str) -> String {
    tokenize(rules, line)
        .into_iter()
        .find(|(text, _)| *text == token)
        .unwrap_or_else(|| {
            panic!(
                "`{token}` is not a token of `{line}`: {:?}",
                tokenize(rules, line)
            )
        })
        .1
}

#[test]
fn the_grammar_scopes_the_language() {
    let grammar = grammar();
    assert_eq!(grammar["scopeName"], "source.dxmap");
    let rules = rules(&grammar);
    let cases = [
        ("rule \"Pharmacy\" {", "rule", "keyword.declaration.dxmap"),
        (
            "rule \"Pharmacy\" {",
            "\"Pharmacy\"",
            "string.quoted.double.dxmap",
        ),
        (
            "  when dx = Dx28 and age >= 16",
            "when",
            "keyword.other.dxmap",
        ),
        (
            "  when dx = Dx28 and age >= 16",
            "Dx28",
            "constant.other.disposition.dxmap",
        ),
        (
            "  when dx = Dx28 and age >= 16",
            ">=",
            "keyword.operator.dxmap",
        ),
        (
            "  when dx in (Dx0101, Dx05)",
            "Dx0101",
            "constant.other.disposition.dxmap",
        ),
        (
            "  catchment SO14, SO16 7, PO",
            "SO14",
            "constant.other.postcode.dxmap",
        ),
        (
            "  catchment SO14, SO16 7, PO",
            "SO16 7",
            "constant.other.postcode.dxmap",
        ),
        (
            "  catchment SO14, SO16 7, PO",
            "PO",
            "constant.other.postcode.dxmap",
        ),
        (
            "postcodes cornwall = TR, PL10..PL15",
            "PL10",
            "constant.other.postcode.dxmap",
        ),
        (
            "    mon-fri 08:30-13:00, 14:00-24:00",
            "08:30",
            "constant.numeric.time.dxmap",
        ),
        (
            "    mon-fri 08:30-13:00, 14:00-24:00",
            "24:00",
            "constant.numeric.time.dxmap",
        ),
        (
            "    mon-fri 08:30-13:00, 14:00-24:00",
            "mon",
            "constant.language.dxmap",
        ),
        (
            "  valid 2020-03-20..2020-09-30",
            "2020-03-20",
            "constant.numeric.date.dxmap",
        ),
        (
            "  responds_within 12h",
            "12h",
            "constant.numeric.duration.dxmap",
        ),
        ("  ages 6mo..16y", "6mo", "constant.numeric.duration.dxmap"),
        (
            "  catch_all emergency_department within 60km",
            "60km",
            "constant.numeric.duration.dxmap",
        ),
        (
            "  location 50.9097, -1.4044",
            "1.4044",
            "constant.numeric.dxmap",
        ),
        (
            "  when dx = Dx05 and channel in (111, ooh)",
            "ooh",
            "constant.language.dxmap",
        ),
        (
            "  route gp_ooh  // ranked",
            "// ranked",
            "comment.line.double-slash.dxmap",
        ),
        (
            "// dxmap: allow DX0504 because \"agreed\"",
            "// dxmap: allow DX0504 because \"agreed\"",
            "comment.line.double-slash.allow.dxmap",
        ),
        (
            "closed 2020-06-01 because \"a \\\"refit\\\"\"",
            "\"a \\\"refit\\\"\"",
            "string.quoted.double.dxmap",
        ),
        (
            "overlay hampshire extends national {",
            "extends",
            "keyword.other.dxmap",
        ),
        (
            "service_type gp \"GP\" { responds_within 1h }",
            "service_type",
            "keyword.declaration.dxmap",
        ),
    ];
    for (line, token, scope) in cases {
        assert_eq!(
            scope_of(&rules, line, token),
            scope,
            "`{token}` in `{line}`"
        );
    }
    // A code inside a string or a comment is not a code.
    assert_eq!(
        scope_of(
            &rules,
            "no_search Dx91 because \"see Dx05\"",
            "\"see Dx05\""
        ),
        "string.quoted.double.dxmap"
    );
}

#[test]
fn every_keyword_of_the_parser_is_highlighted() {
    let grammar = grammar();
    let rules = rules(&grammar);
    let pest = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("grammar/dxmap.pest"),
    )
    .unwrap();
    // The `keyword` rule lists every keyword's word (and the values of
    // `sex`, `channel` and `day`), quoted.
    let block = pest.split("\nkeyword = @{").nth(1).unwrap();
    let block = block.split("}\n").next().unwrap();
    let keywords: Vec<&str> = block.split('"').skip(1).step_by(2).collect();
    assert!(keywords.len() > 20, "{keywords:?}");
    for needed in ["service_type", "female", "111", "ooh", "mon", "sun"] {
        assert!(keywords.contains(&needed), "{needed}: {keywords:?}");
    }
    for keyword in keywords {
        let scope = scope_of(&rules, keyword, keyword);
        assert!(
            scope.starts_with("keyword.") || scope.starts_with("constant.language."),
            "`{keyword}`: {scope}"
        );
    }
}

#[test]
fn the_manifest_contributes_the_language_and_the_grammar() {
    let text = std::fs::read_to_string(extension().join("package.json")).unwrap();
    let manifest: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        manifest["contributes"]["languages"][0]["extensions"][0],
        ".dxm"
    );
    let grammar = &manifest["contributes"]["grammars"][0];
    assert_eq!(grammar["scopeName"], "source.dxmap");
    assert!(extension()
        .join(grammar["path"].as_str().unwrap())
        .is_file());
    assert!(manifest["scripts"]["package"]
        .as_str()
        .unwrap()
        .starts_with("vsce package"));
    let configuration =
        std::fs::read_to_string(extension().join("language-configuration.json")).unwrap();
    let _: Value = serde_json::from_str(&configuration).unwrap();
}

//! What the fuzz targets share: the pipeline each input goes through, the
//! invariants checked on the way, the fixed cases routed through any table
//! that loads, and the grammar-aware generator of `.dxm` text.
//!
//! A target fails (libFuzzer reports a crash) when dxmap panics, overflows
//! the stack, runs past `-timeout` or `-rss_limit_mb`, or breaks one of the
//! invariants asserted here:
//! - no diagnostic is `DX0001` (internal error, please report);
//! - every label's span lies inside its file, on character boundaries;
//! - a file without syntax errors formats to text that parses to the same
//!   tree, and formatting that text again changes nothing (`dxmap fmt`
//!   refuses to write otherwise, with `DX0001`);
//! - a compiled table round-trips through its artifact, and `diff` of a
//!   table against itself is empty.
//!
//! Imports: `dxmap`, `dxmap_runtime`, sha2.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use dxmap::catalogue::Catalogue;
use dxmap::diagnostics::{Code, Diagnostic};
use dxmap::source::{FileId, SourceMap};
use dxmap_runtime::{Capacity, Case, Channel, Rag, Router, Sex, Table};

pub mod grammar;

/// The input as text: UTF-8 as is, anything else with U+FFFD for bad bytes
/// (the CLI refuses such a file with `DX0003` before parsing; replacing
/// the bytes keeps the input useful to the parser).
pub fn text_of(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// The input as the command line reads a file named `input.EXT`
/// (`load::read_text`: bounded read, UTF-8 check, lone CR to LF, a rules
/// file's byte-order mark blanked), so that CR-only, CRLF and BOM inputs
/// take the path they take in use. The bytes go through a file in a
/// directory of this process's own; input that is not UTF-8 (which the
/// command line refuses) is given as [`text_of`] gives it.
pub fn as_the_cli_reads<'a>(data: &'a [u8], ext: &str) -> Cow<'a, str> {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("dxmap-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir
    });
    let path = dir.join(format!("input.{ext}"));
    std::fs::write(&path, data).expect("the scratch file is written");
    let mut sources = SourceMap::new();
    let mut found = Vec::new();
    match dxmap::load::read_text(&mut sources, &path, &mut found) {
        Ok(Some(file)) => {
            let text = sources
                .get(file)
                .map(|f| f.text.clone())
                .unwrap_or_default();
            assert_eq!(text.len(), data.len(), "reading changed the length");
            Cow::Owned(text)
        }
        Ok(None) => text_of(data),
        Err(error) => panic!("the scratch file does not read: {error}"),
    }
}

/// The bundled `pathways-2015` catalogue, parsed once (as file 1).
pub fn catalogue_2015() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let text = dxmap::catalogue::bundled("pathways-2015").expect("bundled release");
        let (catalogue, found) = dxmap::catalogue::parse(FileId(1), text);
        assert!(found.is_empty(), "{found:?}");
        catalogue.expect("the bundled catalogue parses")
    })
}

/// Asserts the invariants every diagnostic must keep: not an internal
/// error, and every span inside its file on character boundaries.
pub fn assert_diagnostics_sound(found: &[Diagnostic], sources: &SourceMap) {
    for diagnostic in found {
        assert_ne!(
            diagnostic.code,
            Code::Internal,
            "internal error diagnostic: {diagnostic:?}"
        );
        for label in std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary) {
            let span = label.span;
            let Some(file) = sources.get(span.file) else {
                panic!(
                    "a span names file {:?}, not in the map: {diagnostic:?}",
                    span.file
                );
            };
            let (start, end) = (span.start as usize, span.end as usize);
            assert!(
                start <= end && end <= file.text.len(),
                "span {start}..{end} outside `{}` ({} bytes): {diagnostic:?}",
                file.name,
                file.text.len()
            );
            assert!(
                file.text.is_char_boundary(start) && file.text.is_char_boundary(end),
                "span {start}..{end} splits a character of `{}`: {diagnostic:?}",
                file.name
            );
        }
    }
}

/// Diagnostics rendered with excerpts per input: miette's rendering (line
/// breaking, wrapping) is slow under the fuzzer's instrumentation, and an
/// empty tree has a hundred coverage gaps. The other formats take all.
const HUMAN_RENDERED: usize = 12;

/// Renders diagnostics as every format of `dxmap check` does (the CLI
/// path: line and column, excerpts, JSON, SARIF, GitHub annotations).
pub fn render(found: &[Diagnostic], sources: &SourceMap) {
    let first = found.get(..HUMAN_RENDERED).unwrap_or(found);
    let human = dxmap::diagnostics::human::render_all(first, sources, false);
    assert!(!human.is_empty());
    let _ = dxmap::diagnostics::json::render_all(found, sources);
    let _ = dxmap::diagnostics::sarif::render_all(found, sources, &|name| Some(name.to_owned()));
    let _ = dxmap::diagnostics::github::render_all(found, sources);
}

/// Whether an error stops compilation (as `dxmap diff` judges: analysis
/// findings, codes `DX05xx`, do not).
fn blocks_compile(diagnostic: &Diagnostic) -> bool {
    diagnostic.is_error() && diagnostic.code.family() != dxmap::diagnostics::Family::Analysis
}

/// The whole pipeline on one `.dxm` text, as `dxmap check`, `fmt`, `build`
/// and `route` run it: parse; without syntax errors, format and check
/// against `catalogue`; without blocking errors, compile (and, if `route`,
/// route [`fixed_cases`]).
///
/// Routing is optional because `Router::new` computes the local midnight
/// of every day from 2000 to 2100 (37,000 time-zone conversions): 3 ms in
/// a release build, but half a second under the fuzzer's instrumentation,
/// which would leave a target a few runs a second.
pub fn pipeline(text: &str, catalogue: &Catalogue, catalogue_text: &str, route: bool) {
    let mut sources = SourceMap::new();
    let file = sources.add("fuzz.dxm", text);
    let catalogue_file = sources.add("<bundled release>", catalogue_text);
    assert_eq!((file, catalogue_file), (FileId(0), FileId(1)));
    let (parsed, found) = dxmap::syntax::parse(file, text);
    assert_diagnostics_sound(&found, &sources);
    if found.iter().any(Diagnostic::is_error) {
        render(&found, &sources);
        return;
    }
    format_round_trip(text, &parsed);
    let (model, checked) = dxmap::check::check(std::slice::from_ref(&parsed), catalogue.clone());
    assert_diagnostics_sound(&checked, &sources);
    render(&checked, &sources);
    if checked.iter().any(blocks_compile) {
        return;
    }
    for layer in 0..model.layers.len() {
        let _ = dxmap::check::analysis::coverage(
            &model,
            dxmap::check::model::LayerId::from_index(layer),
        );
    }
    let table = dxmap::compile::compile(&model, &sources);
    let reloaded = Table::from_artifact(&table.to_artifact()).expect("a built table loads");
    assert_eq!(reloaded, table, "the artifact round trip changed the table");
    assert!(
        dxmap::diff::diff(&table, &table).is_empty(),
        "a table differs from itself"
    );
    if route {
        route_fixed_cases(table);
    }
}

/// `dxmap fmt`'s promise: formatted text parses to the same tree, and
/// formatting is idempotent.
pub fn format_round_trip(text: &str, parsed: &dxmap::syntax::ast::File) {
    let formatted = dxmap::syntax::fmt::format(text, parsed);
    let (reparsed, found) = dxmap::syntax::parse(FileId(0), &formatted);
    assert!(
        found.is_empty(),
        "formatted text has diagnostics {found:?}\n--- input\n{text}\n--- formatted\n{formatted}"
    );
    assert_eq!(
        dxmap::syntax::erase_spans(&reparsed),
        dxmap::syntax::erase_spans(parsed),
        "formatting changed the tree\n--- input\n{text}\n--- formatted\n{formatted}"
    );
    let again = dxmap::syntax::fmt::format(&formatted, &reparsed);
    assert_eq!(
        again, formatted,
        "formatting is not idempotent\n--- input\n{text}"
    );
}

/// The compiled shipped `rules/` (release `pathways-2020`), built once.
pub fn shipped_router() -> &'static Router {
    static ROUTER: OnceLock<Router> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let checked = dxmap::load::check_tree(&dir, None).expect("rules/ reads");
        assert!(!checked.has_errors(), "rules/ has errors");
        let model = checked.model.as_ref().expect("rules/ checks");
        Router::new(dxmap::compile::compile(model, &checked.sources)).expect("router")
    })
}

/// [`fixed_cases`] of the shipped rules' table, made once.
pub fn shipped_cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        fixed_cases(
            shipped_router()
                .table()
                .expect("the shipped table decodes"),
        )
    })
}

fn instant(text: &str) -> jiff::Timestamp {
    text.parse().expect("a fixed instant")
}

/// A few cases aimed at the edges, for codes the table knows: every
/// channel, a newborn, an adult and a centenarian, both sexes and none,
/// daylight-saving changeovers, with and without a location and capacity.
pub fn fixed_cases(table: &Table) -> Vec<Case> {
    let mut codes: Vec<String> = table.disposition_index.keys().take(3).cloned().collect();
    codes.extend(table.rules_by_dx_codes().take(3));
    codes.push("Dx05".to_owned());
    codes.sort();
    codes.dedup();
    let postcodes = ["SO16 7AB", "PO30 1AA", "bh11aa", "EC1A 1BB"];
    let times = [
        "2020-05-08T15:00:00+01:00",
        "2020-03-29T00:59:59Z",
        "2020-10-25T01:30:00Z",
        "2020-12-31T23:59:00Z",
    ];
    let ages = [0, 5844, 36_525];
    let sexes = [None, Some(Sex::Female), Some(Sex::Male)];
    let first_service = table.services.first().map(|s| s.id.clone());
    let mut cases = Vec::new();
    for (idx, code) in codes.iter().enumerate() {
        for (channel_idx, channel) in Channel::ALL.iter().enumerate() {
            let pick = idx + channel_idx;
            let mut capacity = BTreeMap::new();
            if pick % 2 == 1 {
                if let Some(id) = &first_service {
                    capacity.insert(
                        id.clone(),
                        Capacity {
                            status: if pick % 4 == 1 { Rag::Red } else { Rag::Amber },
                            until: Some(instant(times[(pick + 1) % times.len()])),
                        },
                    );
                }
            }
            cases.push(Case {
                dx: code.clone(),
                channel: *channel,
                age_days: ages[pick % ages.len()],
                sex: sexes[pick % sexes.len()],
                postcode: postcodes[pick % postcodes.len()].to_owned(),
                at: instant(times[pick % times.len()]),
                location: (pick % 3 != 0).then_some([50.9097, -1.4044]),
                capacity,
            });
        }
    }
    cases
}

/// Extra codes for [`fixed_cases`]: those the rules name.
trait RuleCodes {
    fn rules_by_dx_codes(&self) -> impl Iterator<Item = String> + '_;
}

impl RuleCodes for Table {
    fn rules_by_dx_codes(&self) -> impl Iterator<Item = String> + '_ {
        self.layers
            .iter()
            .flat_map(|layer| layer.rules_by_dx.keys())
            .cloned()
    }
}

/// Routes [`fixed_cases`] through a table, with and without explanation:
/// the answers must agree but for the trace.
pub fn route_fixed_cases(table: Table) {
    let cases = fixed_cases(&table);
    let Ok(router) = Router::new(table) else {
        return;
    };
    route_cases(&router, &cases);
}

/// Routes cases through a router, with and without explanation; the
/// answers must agree but for the trace.
pub fn route_cases(router: &Router, cases: &[Case]) {
    for case in cases {
        let quick = router.route(case);
        let explained = router.explain(case);
        match (quick, explained) {
            (Ok(quick), Ok(mut explained)) => {
                explained.trace.clear();
                // As JSON, where a NaN distance (a case at `.nan`) is null
                // on both sides rather than unequal to itself.
                assert_eq!(
                    serde_json::to_value(&quick).ok(),
                    serde_json::to_value(&explained).ok(),
                    "route and explain disagree on {case:?}"
                );
            }
            (Err(quick), Err(explained)) => {
                assert_eq!(quick, explained, "route and explain disagree on {case:?}");
            }
            (quick, explained) => {
                panic!("route and explain disagree on {case:?}: {quick:?} / {explained:?}")
            }
        }
        let _ = router.matching_rules(case);
    }
}

/// The artifact for `body`: the header `dxmap-table vN sha256=…` (`N` the
/// runtime's [`dxmap_runtime::table::FORMAT_VERSION`]) computed for it,
/// then the body, as `Table::to_artifact` writes. Checked once against the
/// runtime's own artifact of the shipped rules: a header of another version
/// would stop every odd-mode input of `table_artifact` before the decoder.
pub fn artifact_for_body(body: &[u8]) -> Vec<u8> {
    static CHECKED: OnceLock<()> = OnceLock::new();
    CHECKED.get_or_init(|| {
        let artifact = shipped_router()
            .table()
            .expect("the shipped table decodes")
            .to_artifact();
        let start = artifact
            .iter()
            .position(|b| *b == b'\n')
            .map_or(0, |n| n + 1);
        assert_eq!(
            header_and(artifact.get(start..).unwrap_or_default()),
            artifact,
            "the fuzzer writes a table header the runtime does not"
        );
    });
    header_and(body)
}

fn header_and(body: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(body);
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    let version = dxmap_runtime::table::FORMAT_VERSION;
    let mut artifact = format!("dxmap-table v{version} sha256={hex}\n").into_bytes();
    artifact.extend_from_slice(body);
    artifact
}

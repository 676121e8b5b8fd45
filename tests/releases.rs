//! Pathways releases and the shipped rules:
//! - every catalogue in `fixtures/releases/` is bundled under its file name;
//! - the shipped `rules/` check without error against every release but
//!   those listed in `TOO_OLD_FOR_THE_TREE` (which must fail in just the way
//!   listed); for each, the coverage matrix of every layer and the compiled
//!   decision table are insta snapshots named after the release: what a new
//!   release changes for patients, and what the compiled routing becomes;
//! - the release work is done: `rules/` without `covid_ccas.dxm` is a clean
//!   tree for pathways-2015, and against pathways-2020 lacks exactly one
//!   coverage gap per code the release adds; the shipped tree is clean.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use dxmap::catalogue::{self, Catalogue};
use dxmap::check::analysis::{self, Answer};
use dxmap::check::model::{LayerId, Model};
use dxmap::diagnostics::{self, Code};
use dxmap::load;
use dxmap::source::FileId;
use dxmap_runtime::CaseSex;

/// The file that adds the COVID-19 CCAS to the shipped tree.
const CCAS_FILE: &str = "covid_ccas.dxm";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rules_dir() -> PathBuf {
    root().join("rules")
}

/// `fixtures/releases/*.yaml`, sorted: (file stem, text).
fn release_files() -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = std::fs::read_dir(root().join("fixtures/releases"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .map(|path| {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    found.sort();
    found
}

fn bundled_catalogue(name: &str) -> Catalogue {
    let (catalogue, found) = catalogue::parse(FileId(0), catalogue::bundled(name).unwrap());
    assert!(found.is_empty(), "{name}: {found:?}");
    catalogue.unwrap()
}

/// The diagnostics rendered as text, with paths relative to the project.
fn render(checked: &load::Checked) -> String {
    let text = diagnostics::human::render_findings(&checked.diagnostics, &checked.sources, false);
    text.replace(&format!("{}/", root().display()), "")
}

fn sex_text(sex: Option<CaseSex>) -> &'static str {
    match sex {
        None => "any sex",
        Some(CaseSex::Female) => "female",
        Some(CaseSex::Male) => "male",
        Some(CaseSex::NotGiven) => "sex not given",
    }
}

/// The coverage matrix of every layer, one line per layer, code and channel:
/// the answer, whether the layer must cover it, then how (`as` the
/// `same_as` target, the rules and the types they route, the `no_search`
/// reason, the gaps).
fn coverage_text(model: &Model) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "release {}", model.catalogue.release);
    for index in 0..model.layers.len() {
        let id = LayerId::from_index(index);
        let layer = model.layer(id).unwrap();
        let extends = layer
            .parent
            .and_then(|p| model.layer(p))
            .map_or_else(String::new, |p| format!(" extends {}", p.name));
        let _ = writeln!(out, "\nlayer {}{extends}", layer.name);
        for row in analysis::coverage(model, id) {
            let answer = match &row.answer {
                Answer::Routed => "routed",
                Answer::Partial => "partial",
                Answer::Uncovered => "uncovered",
                Answer::NoSearch(_) => "no_search",
                Answer::NotUsed => "not_used",
            };
            let mut line = format!(
                "{:<14} {:<7} {:<3} {:<9} {:<8}",
                layer.name,
                model.catalogue.code(row.dx),
                row.channel.as_str(),
                answer,
                if row.required { "required" } else { "-" },
            );
            if let Some(target) = row.via {
                let _ = write!(line, " as {}:", model.catalogue.code(target));
            }
            if !row.rules.is_empty() {
                let rules: Vec<String> = row
                    .rules
                    .iter()
                    .map(|r| format!("\"{}\"", model.rule(*r).unwrap().name))
                    .collect();
                let types: Vec<&str> = row
                    .types
                    .iter()
                    .map(|t| model.service_type(*t).unwrap().name.as_str())
                    .collect();
                let _ = write!(line, " {} -> {}", rules.join(", "), types.join(", "));
            }
            if let Answer::NoSearch(reason) = &row.answer {
                let _ = write!(line, " \"{reason}\"");
            }
            if !row.gaps.is_empty() {
                let gaps: Vec<String> = row
                    .gaps
                    .iter()
                    .map(|(sex, ages)| format!("{ages} ({})", sex_text(*sex)))
                    .collect();
                let _ = write!(line, "; gaps: {}", gaps.join(", "));
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    out
}

fn settings(description: String) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(description);
    settings
}

#[test]
fn every_release_file_is_bundled_under_its_name() {
    let files = release_files();
    assert!(!files.is_empty());
    for (stem, text) in &files {
        assert_eq!(
            catalogue::bundled(stem),
            Some(text.as_str()),
            "fixtures/releases/{stem}.yaml is not in catalogue::BUNDLED as `{stem}` (or differs)"
        );
        let (catalogue, found) = catalogue::parse(FileId(0), text);
        assert!(found.is_empty(), "{stem}: {found:?}");
        assert_eq!(
            &catalogue.unwrap().release,
            stem,
            "`release:` differs from the file name"
        );
    }
}

/// Releases the shipped tree is too new for: it routes codes they lack.
/// Against each, every diagnostic must be `unknown-disposition` in
/// [`CCAS_FILE`] (the file `the_ccas_file_is_all_that_pathways_2020_adds`
/// takes out to check the rest against the older release).
const TOO_OLD_FOR_THE_TREE: &[&str] = &["pathways-2015"];

#[test]
fn coverage_and_table_of_the_shipped_rules_per_release() {
    let releases: Vec<String> = release_files()
        .into_iter()
        .map(|(release, _)| release)
        .collect();
    for old in TOO_OLD_FOR_THE_TREE {
        assert!(
            releases.iter().any(|r| r == old),
            "{old} is listed in TOO_OLD_FOR_THE_TREE but is not in fixtures/releases/"
        );
    }
    let mut snapshotted = Vec::new();
    for release in releases {
        let checked = load::check_tree(&rules_dir(), Some(&release))
            .unwrap_or_else(|e| panic!("{e}: bundle it in src/catalogue/mod.rs"));
        if TOO_OLD_FOR_THE_TREE.contains(&release.as_str()) {
            let all = checked.diagnostics.all();
            let unexpected: Vec<_> = all
                .iter()
                .filter(|d| {
                    d.code != Code::UnknownDisposition
                        || !checked
                            .sources
                            .name(d.primary.span.file)
                            .ends_with(CCAS_FILE)
                })
                .collect();
            assert!(
                checked.has_errors() && unexpected.is_empty(),
                "rules/ against {release} should fail only for the codes {CCAS_FILE} \
                 routes:\n{}",
                render(&checked)
            );
            continue;
        }
        assert!(
            !checked.has_errors(),
            "rules/ does not check against {release}:\n{}",
            render(&checked)
        );
        let model = checked.model.as_ref().unwrap();
        let coverage = coverage_text(model);
        let table = dxmap::compile::compile(model, &checked.sources);
        let json = support::table_json(&table).replace(&format!("{}/", root().display()), "");
        settings(format!("the coverage matrix of rules/ against {release}")).bind(|| {
            insta::assert_snapshot!(format!("release-coverage@{release}"), coverage);
        });
        settings(format!("rules/ compiled against {release}")).bind(|| {
            insta::assert_snapshot!(format!("release-table@{release}"), json);
        });
        snapshotted.push(release);
    }
    // The tree's own release line is among those snapshotted.
    let own = load::check_tree(&rules_dir(), None).unwrap();
    let own_release = &own.model.as_ref().unwrap().catalogue.release;
    assert!(
        snapshotted.contains(own_release),
        "rules/ does not check against its own release {own_release}: {snapshotted:?}\n{}",
        render(&own)
    );
}

/// Copies `from` to `to`, skipping the `tests` directory and `CCAS_FILE`.
fn copy_without_ccas(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "tests" || name == CCAS_FILE {
            continue;
        }
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_without_ccas(&entry.path(), &to.join(&name));
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

#[test]
fn the_ccas_file_is_all_that_pathways_2020_adds() {
    assert!(rules_dir().join(CCAS_FILE).is_file());
    let dir = std::env::temp_dir().join("dxmap-releases").join("rules");
    let _ = std::fs::remove_dir_all(&dir);
    copy_without_ccas(&rules_dir(), &dir);

    // Without the CCAS file: a clean tree for pathways-2015.
    let checked = load::check_tree(&dir, Some("pathways-2015")).unwrap();
    assert!(
        checked.diagnostics.all().iter().all(|d| d.is_allowed()),
        "{}",
        render(&checked)
    );

    // Against pathways-2020: one coverage gap per code the release adds.
    let older = bundled_catalogue("pathways-2015");
    let newer = bundled_catalogue("pathways-2020");
    let added: Vec<&str> = newer
        .dispositions()
        .iter()
        .filter(|d| older.lookup(&d.code).is_none())
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(added.len(), 6, "{added:?}");
    let checked = load::check_tree(&dir, Some("pathways-2020")).unwrap();
    let rendered = render(&checked);
    // Allowed findings (Cornwall's slower Dx05 route) are not the release's.
    let all = checked.diagnostics.all();
    let found: Vec<_> = all.iter().filter(|d| !d.is_allowed()).collect();
    assert_eq!(found.len(), added.len(), "{rendered}");
    for code in &added {
        let gaps: Vec<_> = found
            .iter()
            .copied()
            .filter(|d| d.message.starts_with(&format!("`{code}` ")))
            .collect();
        assert_eq!(gaps.len(), 1, "{code}: {rendered}");
        assert_eq!(gaps[0].code, Code::CoverageGap, "{code}: {rendered}");
        assert!(gaps[0].is_error(), "{code}: {rendered}");
    }
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());

    // The shipped tree, CCAS included, against pathways-2020: clean.
    let checked = load::check_tree(&rules_dir(), Some("pathways-2020")).unwrap();
    assert!(
        checked.diagnostics.all().iter().all(|d| d.is_allowed()),
        "{}",
        render(&checked)
    );
}

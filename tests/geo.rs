//! The bundled geography is what its script derives: `fixtures/geo/derive.py`
//! is run again for one small postcode area (`ZE`, Shetland, a few hundred
//! postcodes) on the source files, and its lines must equal the committed
//! ones. The source (`odileeds/Postcodes2LatLon`, about 18 MB) is not part
//! of the repository: the test looks for it in `DXMAP_GEO_SOURCE`, else in
//! the shared data directory beside the repository, and when it is absent,
//! or `python3` is, it says so and passes.
//!
//! It also checks that every postcode the shipped rules, their tests and the
//! fixtures route exists in the geography.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use dxmap::geo::Geography;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the source postcode files are, if they are here.
fn source() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("DXMAP_GEO_SOURCE").map(PathBuf::from),
        Some(root().join("../shared/data/external/odileeds__Postcodes2LatLon/postcodes")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|dir| dir.join("ZE.csv.gz").is_file())
}

#[test]
fn the_committed_units_are_what_the_script_derives() {
    let Some(source) = source() else {
        println!("note: the Postcodes2LatLon files are not here; not re-deriving fixtures/geo");
        return;
    };
    let output = match Command::new("python3")
        .arg(root().join("fixtures/geo/derive.py"))
        .arg(&source)
        .args(["--area", "ZE"])
        .output()
    {
        Ok(output) => output,
        Err(error) => {
            println!("note: cannot run python3 ({error}); not re-deriving fixtures/geo");
            return;
        }
    };
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let derived = String::from_utf8(output.stdout).unwrap();
    let committed: String = std::fs::read_to_string(root().join("fixtures/geo/units.tsv"))
        .unwrap()
        .lines()
        .filter(|line| line.starts_with("ZE"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert!(derived.lines().count() > 5, "{derived}");
    assert_eq!(derived, committed);
}

/// Every full postcode written in the files under `dir` with extension
/// `ext` (`postcode: "SO16 7AB"`, `--postcode SO16 7AB`), roughly: a word
/// of UK postcode shape followed by an inward code.
fn postcodes_in(dir: &Path, ext: &str, found: &mut Vec<(String, String)>) {
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        if entry.path().extension().and_then(|e| e.to_str()) != Some(ext) {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for line in text.lines() {
            let Some(at) = line.find("postcode") else {
                continue;
            };
            let rest = &line[at + "postcode".len()..];
            let value: String = rest
                .trim_start_matches([':', ' ', '"', '='])
                .chars()
                .take_while(|c| *c != '"' && *c != ',' && *c != '}' && *c != '\'')
                .collect();
            if let Some(postcode) = dxmap_runtime::postcode::Postcode::parse(value.trim()) {
                let place = format!("{}", entry.path().display());
                found.push((postcode.text, place));
            }
        }
    }
}

#[test]
fn the_shipped_rules_and_fixtures_route_postcodes_of_known_districts() {
    let geography = Geography::bundled();
    let mut found = Vec::new();
    postcodes_in(&root().join("rules"), "yaml", &mut found);
    postcodes_in(&root().join("fixtures"), "yaml", &mut found);
    assert!(found.len() > 20, "{found:?}");
    let unknown: Vec<&(String, String)> = found
        .iter()
        .filter(|(postcode, _)| {
            let district = postcode.split(' ').next().unwrap();
            !geography.contains(district)
        })
        .collect();
    assert!(unknown.is_empty(), "{unknown:#?}");
}

#[test]
fn the_units_of_the_shipped_rules_and_compile_fixtures_exist() {
    let geography = Geography::bundled();
    let mut trees = vec![root().join("rules")];
    for entry in std::fs::read_dir(root().join("fixtures/compile")).unwrap() {
        trees.push(entry.unwrap().path());
    }
    let mut unknown = Vec::new();
    for path in trees {
        let checked = if path.is_dir() {
            dxmap::load::check_tree(&path, None).unwrap()
        } else {
            let text = std::fs::read_to_string(&path).unwrap();
            let tree = dxmap::load::Tree::from_texts(
                path.parent().unwrap(),
                vec![("a.dxm".to_owned(), text)],
            );
            dxmap::load::check_loaded(tree, None).unwrap()
        };
        let model = checked.model.expect("a checked model");
        let catchments = model.services.iter().flat_map(|s| &s.catchment);
        let areas = model.layers.iter().flat_map(|l| &l.area);
        for unit in catchments.chain(areas) {
            if !geography.contains(&unit.text) {
                unknown.push(format!("{}: `{}`", path.display(), unit.text));
            }
        }
    }
    assert!(unknown.is_empty(), "{unknown:#?}");
}

//! `dxmap init DIR`: a new rules tree that checks clean against the newest
//! bundled release, with one test case that passes — a place to start.
//!
//! The tree routes every disposition the release has in use to one
//! clinical assessment service, so that it is complete from the start; the
//! DoS lead then splits that rule as the region decides.
//!
//! Imports: `crate::{catalogue, load, source}`, `super`.

use std::path::{Path, PathBuf};

use super::{usage_error, Exit};
use crate::catalogue::{self, Status};
use crate::load;
use crate::source::FileId;

/// The release a new tree names.
const RELEASE: &str = "pathways-2020";

/// Arguments of `dxmap init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The directory to create (it may exist if it is empty).
    dir: PathBuf,
}

/// The rules file of a new tree, routing `codes`.
fn national(codes: &[&str]) -> String {
    let group = format!("group in_use = {}", codes.join(", "));
    format!(
        r#"// A new rules tree (`dxmap init`). Every disposition the release has in
// use goes to one clinical assessment service: the tree is complete, so
// `dxmap check` is clean. Split the rule as your region decides, add your
// services, and write an overlay for each region that differs.

release "{RELEASE}"

service_type clinical_assessment "Clinical Assessment Service" {{ responds_within 0m }}

// Every disposition of {RELEASE} in use.
{group}

rule "Everything to clinical assessment" {{
  when dx in in_use
  route clinical_assessment
}}

service "Example Clinical Assessment Service" id "CAS-EXAMPLE" {{
  type clinical_assessment
  catchment SO
  hours {{ all_hours }}
}}
"#
    )
}

/// The one test of a new tree.
const TEST: &str = r#"# Test cases: `dxmap test` routes each case and compares the answer with
# `expect`. Fields: the book's chapter "Test and capacity files".
- name: "Primary care within 2 hours in Southampton: the clinical assessment service"
  case: { dx: Dx05, channel: "111", age: 40, postcode: "SO16 7AB",
          at: "2020-05-08T15:00:00+01:00" }
  expect:
    overlay: national
    rule: "Everything to clinical assessment"
    services: [CAS-EXAMPLE]
"#;

/// Runs `dxmap init`.
pub fn run(args: Args) -> Exit {
    let dir = args.dir;
    if let Ok(mut entries) = std::fs::read_dir(&dir) {
        if entries.next().is_some() {
            return usage_error(format!(
                "`{}` exists and is not empty; give a new directory",
                dir.display()
            ));
        }
    } else if dir.exists() {
        return usage_error(format!("`{}` is not a directory", dir.display()));
    }
    let Some(text) = catalogue::bundled(RELEASE) else {
        return usage_error(format!("release `{RELEASE}` is not bundled"));
    };
    let (Some(release), _) = catalogue::parse(FileId(0), text) else {
        return usage_error(format!("release `{RELEASE}` does not load"));
    };
    let codes: Vec<&str> = release
        .dispositions()
        .iter()
        .filter(|d| d.status == Status::InUse)
        .map(|d| d.code.as_str())
        .collect();
    let files = [
        (Path::new("national.dxm"), national(&codes)),
        (Path::new("tests/first.yaml"), TEST.to_owned()),
    ];
    for (name, body) in &files {
        let path = dir.join(name);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| load::write_file(&path, body));
        if let Err(error) = written {
            return usage_error(format!("cannot write `{}`: {error}", path.display()));
        }
    }
    if !super::quiet() {
        outln!(
            "created {}: national.dxm (release {RELEASE}) and tests/first.yaml",
            dir.display()
        );
        outln!(
            "next: dxmap check --rules {0} && dxmap test --rules {0}",
            dir.display()
        );
    }
    Exit::Ok
}

//! Trees for the change-management tests: copies of the shipped rules, a
//! known change to the Dorset overlay, and a git repository holding both.

use std::path::{Path, PathBuf};

use super::cli::{git, project, scratch};

/// Copies the shipped rules (without their tests) to `into`, leaving out
/// the files named in `skip`.
pub fn copy_rules(into: &Path, skip: &[&str]) {
    let root = project().join("rules");
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.unwrap();
        let relative = entry.path().strip_prefix(&root).unwrap();
        let name = relative.to_string_lossy().replace('\\', "/");
        if entry.file_type().is_dir() || name.starts_with("tests") || skip.contains(&name.as_str())
        {
            continue;
        }
        let target = into.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(entry.path(), target).unwrap();
    }
}

/// Dorset overrides "Dental" to send dental cases to ED too.
pub fn change_dorset(rules: &Path) {
    let path = rules.join("overlays/dorset.dxm");
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replacen(
        "  lacks pathways_clinician\n",
        "  lacks pathways_clinician\n  override rule \"Dental\" {\n    when dx in dental\n    route dental, emergency_department\n    because \"No out-of-hours dentist in Dorset at night\"\n  }\n",
        1,
    );
    assert_ne!(text, changed, "the Dorset overlay changed shape");
    std::fs::write(path, changed).unwrap();
}

/// A repository with the shipped rules on `main` and the Dorset change on
/// the checked-out branch `change`.
pub fn repository(name: &str) -> PathBuf {
    let dir = scratch(name, &[] as &[(&str, &[u8])]);
    git(&dir, &["init", "-q", "-b", "main"]);
    copy_rules(&dir.join("rules"), &[]);
    std::fs::create_dir_all(dir.join("rules/tests")).unwrap();
    for entry in std::fs::read_dir(project().join("rules/tests")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            dir.join("rules/tests").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "rules"]);
    git(&dir, &["checkout", "-q", "-b", "change"]);
    change_dorset(&dir.join("rules"));
    git(&dir, &["commit", "-q", "-am", "Dorset dental to ED"]);
    dir
}

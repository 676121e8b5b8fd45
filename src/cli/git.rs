//! Reading a rules tree from a git revision, for `dxmap diff --git` and
//! `dxmap report --base`: through `git` on the PATH, from the repository
//! the current directory is in, into a scratch directory of the caller's.
//!
//! Imports: nothing of the crate.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .args(args)
        .output()
        .map_err(|error| format!("cannot run `git`: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout)
}

/// `path` with `.` and `..` components resolved in text (`rules/.` is
/// `rules`, `rules/../x` is `x`); `None` when it climbs out of `base`.
fn normalise(base: &str, path: &Path) -> Option<String> {
    let mut parts: Vec<String> = base
        .split('/')
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                parts.pop()?;
            }
            std::path::Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            std::path::Component::RootDir | std::path::Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

/// The default rules folder, `rules`, as a path from the current
/// directory: `rules` when it is a folder here, else the `rules` folder at
/// the top of the repository the current directory is in (`../rules` from
/// inside it), so that `diff --git` works from any folder of the
/// repository. Any other path is kept as it is.
pub(super) fn default_rules(rules: &Path) -> std::path::PathBuf {
    if rules != Path::new("rules") || rules.is_dir() {
        return rules.to_path_buf();
    }
    let Ok(prefix) = git(&["rev-parse", "--show-prefix"]) else {
        return rules.to_path_buf();
    };
    let prefix = String::from_utf8_lossy(&prefix);
    let depth = prefix
        .trim_end_matches(['\n', '\r'])
        .split('/')
        .filter(|part| !part.is_empty())
        .count();
    let mut path = std::path::PathBuf::new();
    for _ in 0..depth {
        path.push("..");
    }
    path.join("rules")
}

/// Writes the tree at `rules` (relative to the current directory) as of
/// `rev` into `into`, a fresh directory of ours. File names are read
/// NUL-separated, so any name (spaces, `Ynys Môn.dxm`) is kept as it is.
pub(super) fn checkout(rev: &str, rules: &Path, into: &Path) -> Result<(), String> {
    let top = String::from_utf8_lossy(&git(&["rev-parse", "--show-toplevel"])?)
        .trim_end_matches(['\n', '\r'])
        .to_owned();
    let prefix = String::from_utf8_lossy(&git(&["rev-parse", "--show-prefix"])?)
        .trim_end_matches(['\n', '\r'])
        .to_owned();
    let Some(path) = normalise(&prefix, rules) else {
        return Err(format!(
            "`{}` is outside the git repository",
            rules.display()
        ));
    };
    let listing = git(&[
        "-C",
        &top,
        "ls-tree",
        "-r",
        "-z",
        "--full-name",
        "--name-only",
        rev,
        "--",
        &path,
    ])?;
    let files: Vec<String> = listing
        .split(|byte| *byte == 0)
        .filter(|name| !name.is_empty())
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect();
    if files.is_empty() {
        return Err(format!(
            "`{}` does not exist at revision `{rev}`",
            rules.display()
        ));
    }
    for file in &files {
        let relative = file
            .strip_prefix(&path)
            .unwrap_or(file)
            .trim_start_matches('/');
        if relative
            .split('/')
            .any(|part| part == ".." || part.is_empty())
        {
            return Err(format!("git lists `{file}`, which dxmap will not write"));
        }
        let target = into.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot write `{}`: {e}", parent.display()))?;
        }
        let body = git(&["-C", &top, "show", &format!("{rev}:{file}")])?;
        std::fs::write(&target, body)
            .map_err(|e| format!("cannot write `{}`: {e}", target.display()))?;
    }
    Ok(())
}

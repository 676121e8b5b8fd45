//! Reading rules trees and catalogues from disk: the only library module
//! that touches the file system (besides `cli/`).
//!
//! A rules tree is every `.dxm` file under a directory, walked recursively in
//! sorted order (symbolic links are not followed). The `release` line names a
//! bundled catalogue or a YAML file relative to the file that names it, which
//! must stay inside the rules directory. [`check_tree`] is the pipeline
//! `check` runs: read, parse, resolve the release, check.
//!
//! Imports: `crate::syntax`, `crate::catalogue`, `crate::check`,
//! `crate::diagnostics`, `crate::source`.

use std::path::{Path, PathBuf};

use crate::catalogue::{self, Catalogue};
use crate::check::{self, model::Model};
use crate::diagnostics::{did_you_mean, Code, Diagnostic, Findings};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, ast};

mod table;
pub use table::{read_table, read_table_with, MAX_TABLE_BYTES};

/// A problem that is not the rules' fault: exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The rules directory does not exist.
    #[error("rules directory `{0}` does not exist")]
    NoDirectory(PathBuf),
    /// The rules directory is a file.
    #[error("`{0}` is a file, not a rules directory")]
    NotADirectory(PathBuf),
    /// A table file over the size limit.
    #[error("table `{path}` is {size}more than the {limit} bytes dxmap reads")]
    TableTooLarge {
        /// The table file.
        path: PathBuf,
        /// Its size (`N bytes, `), or nothing where unknown (a pipe).
        size: String,
        /// The limit.
        limit: u64,
    },
    /// A rules file that is a symbolic link to something outside the tree.
    #[error("`{path}` is a symbolic link to `{target}`, outside the rules tree: copy the file in, or link to a file inside the tree")]
    LinkOutsideTree {
        /// The link.
        path: PathBuf,
        /// What it names.
        target: PathBuf,
    },
    /// The directory holds no `.dxm` file.
    #[error("no `.dxm` files under `{0}`")]
    NoRules(PathBuf),
    /// Reading a file or directory failed.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A table artifact that cannot be used.
    #[error("cannot use table `{path}`: {source}")]
    Table {
        /// The table file.
        path: PathBuf,
        /// Why.
        source: dxmap_runtime::LoadError,
    },
    /// `--release` names no bundled catalogue and no file.
    #[error("unknown release `{name}`; bundled releases: {bundled}")]
    UnknownRelease {
        /// The name given.
        name: String,
        /// The bundled names, comma-separated.
        bundled: String,
    },
}

/// The files of a rules tree, parsed.
#[derive(Debug)]
pub struct Tree {
    /// Every file read (rules and catalogues).
    pub sources: SourceMap,
    /// The syntax tree of each rules file, in sorted path order.
    pub files: Vec<ast::File>,
    /// Where each rules file is.
    pub paths: Vec<PathBuf>,
    /// Diagnostics from reading and parsing.
    pub diagnostics: Vec<Diagnostic>,
    /// The rules directory.
    pub root: PathBuf,
}

/// How long dxmap waits for a writer to open a named pipe it was asked to
/// read.
pub const FIFO_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// What a bounded read found.
enum Read {
    /// The whole file, at most the limit.
    Whole(Vec<u8>),
    /// More than the limit: only its first `limit + 1` bytes were read. The
    /// size, where the file system knows it (a regular file).
    TooLarge(Option<u64>),
}

/// Reads at most `limit + 1` bytes of `path`, whatever it is (a regular
/// file, a pipe, a FIFO, `/dev/zero`): the size its metadata gives is not
/// trusted (it is 0 for pipes). A named pipe nobody writes to is an error
/// after [`FIFO_WAIT`], not a hang.
fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Read> {
    use std::io::Read as _;
    let read = move |path: &Path| -> std::io::Result<Read> {
        let file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "it is a directory",
            ));
        }
        if meta.is_file() && meta.len() > limit {
            return Ok(Read::TooLarge(Some(meta.len())));
        }
        // One allocation of the file's length (0 for a pipe): a hint only.
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len().min(limit)).unwrap_or(0) + 1);
        file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
        let length = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        Ok(if length > limit {
            Read::TooLarge(meta.is_file().then_some(meta.len()))
        } else {
            Read::Whole(bytes)
        })
    };
    if !is_fifo(path) {
        return read(path);
    }
    // Opening a FIFO waits for a writer: wait in a thread, for a while.
    let (sender, receiver) = std::sync::mpsc::channel();
    let owned = path.to_owned();
    std::thread::spawn(move || {
        let _ = sender.send(read(&owned));
    });
    receiver.recv_timeout(FIFO_WAIT).unwrap_or_else(|_| {
        Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "it is a named pipe and nothing wrote to it within {} seconds",
                FIFO_WAIT.as_secs()
            ),
        ))
    })
}

/// Whether `path` is a named pipe (FIFO).
fn is_fifo(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(path).is_ok_and(|meta| meta.file_type().is_fifo())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Reads a file's text for dxmap: size limit and UTF-8 are diagnostics, not
/// I/O errors, so that one bad file does not hide the others.
pub fn read_text(
    sources: &mut SourceMap,
    path: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<FileId>, LoadError> {
    let name = path.display().to_string();
    let limit = u64::try_from(syntax::MAX_FILE_BYTES).unwrap_or(u64::MAX);
    let read = read_bounded(path, limit).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    let bytes = match read {
        Read::Whole(bytes) => bytes,
        Read::TooLarge(size) => {
            let file = sources.add(name, String::new());
            diagnostics.push(Diagnostic::new(
                Code::FileTooLarge,
                Span::new(file, 0, 0),
                match size {
                    Some(size) => format!(
                        "file is {size} bytes, more than the {} dxmap reads",
                        syntax::MAX_FILE_BYTES
                    ),
                    None => format!(
                        "file is more than the {} bytes dxmap reads",
                        syntax::MAX_FILE_BYTES
                    ),
                },
            ));
            return Ok(None);
        }
    };
    // Lone carriage returns (old Mac line endings) end lines as newlines
    // do, byte for byte, so that spans stay where they were and a comment
    // never swallows the rest of the file. A byte-order mark is blank.
    let rules_file = path.extension().is_some_and(|ext| ext == "dxm");
    let bytes = normalise_line_ends(bytes, rules_file);
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(sources.add(name, text))),
        Err(error) => {
            let at = u32::try_from(error.utf8_error().valid_up_to()).unwrap_or(0);
            let valid = error
                .as_bytes()
                .get(..error.utf8_error().valid_up_to())
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            let file = sources.add(name, valid);
            diagnostics.push(
                Diagnostic::new(
                    Code::NotUtf8,
                    Span::new(file, at, at),
                    "file is not valid UTF-8 text",
                )
                .with_help("save the file as UTF-8"),
            );
            Ok(None)
        }
    }
}

/// Lone `\r` to `\n`, and in a rules file a leading UTF-8 byte-order mark
/// to three spaces: the same number of bytes, so every offset is kept.
/// (YAML readers skip a byte-order mark themselves.)
fn normalise_line_ends(mut bytes: Vec<u8>, rules_file: bool) -> Vec<u8> {
    if rules_file && bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        for byte in bytes.iter_mut().take(3) {
            *byte = b' ';
        }
    }
    let length = bytes.len();
    for idx in 0..length {
        let next_is_lf = bytes.get(idx + 1) == Some(&b'\n');
        if let Some(byte) = bytes.get_mut(idx) {
            if *byte == b'\r' && !next_is_lf {
                *byte = b'\n';
            }
        }
    }
    bytes
}

/// As [`read_text`], also returning the text read.
pub fn read_source(
    sources: &mut SourceMap,
    path: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<(FileId, String)>, LoadError> {
    Ok(read_text(sources, path, diagnostics)?.map(|file| {
        let text = sources
            .get(file)
            .map(|f| f.text.clone())
            .unwrap_or_default();
        (file, text)
    }))
}

/// The `.dxm` files under `dir`, sorted.
pub fn rules_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    if dir.is_file() {
        return Err(LoadError::NotADirectory(dir.to_owned()));
    }
    if !dir.is_dir() {
        return Err(LoadError::NoDirectory(dir.to_owned()));
    }
    let mut paths = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|error| LoadError::Io {
            path: error.path().map_or_else(|| dir.to_owned(), Path::to_owned),
            source: error
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("directory walk failed")),
        })?;
        if entry.path().extension().is_none_or(|ext| ext != "dxm") {
            continue;
        }
        if entry.file_type().is_file() {
            paths.push(entry.into_path());
        } else if entry.path_is_symlink() {
            // A link is followed when what it names is a file inside the
            // tree; one that leads out of it is refused, by name.
            let target = std::fs::canonicalize(entry.path()).map_err(|source| LoadError::Io {
                path: entry.path().to_owned(),
                source,
            })?;
            let root = std::fs::canonicalize(dir).map_err(|source| LoadError::Io {
                path: dir.to_owned(),
                source,
            })?;
            if !target.starts_with(&root) || !target.is_file() {
                return Err(LoadError::LinkOutsideTree {
                    path: entry.path().to_owned(),
                    target,
                });
            }
            paths.push(entry.into_path());
        }
    }
    Ok(paths)
}

/// Reads and parses every `.dxm` file under `dir`.
pub fn read_tree(dir: &Path) -> Result<Tree, LoadError> {
    let paths = rules_files(dir)?;
    if paths.is_empty() {
        return Err(LoadError::NoRules(dir.to_owned()));
    }
    let mut tree = Tree::new(dir);
    // Read in order, then parsed together (on two threads); each file's
    // diagnostics, reading's then parsing's, stay in file order.
    let mut read = Vec::new();
    for path in paths {
        let mut found = Vec::new();
        let file = read_text(&mut tree.sources, &path, &mut found)?;
        read.push((found, file.map(|file| (file, path))));
    }
    tree.parse_read(read);
    Ok(tree)
}

/// A file of a tree as read: reading's diagnostics, and the file with its
/// path when it was read.
type ReadFile = (Vec<Diagnostic>, Option<(FileId, PathBuf)>);

impl Tree {
    /// An empty tree rooted at `root`.
    pub fn new(root: &Path) -> Tree {
        Tree {
            sources: SourceMap::new(),
            files: Vec::new(),
            paths: Vec::new(),
            diagnostics: Vec::new(),
            root: root.to_owned(),
        }
    }

    /// A tree from texts already in memory: `(name, text)` pairs, where the
    /// name is shown in diagnostics and is a path relative to `root`.
    /// The files are taken in sorted name order, as `read_tree` walks a
    /// directory, so the tree (and its table) does not depend on the order
    /// they are given in.
    pub fn from_texts(root: &Path, mut texts: Vec<(String, String)>) -> Tree {
        texts.sort_by(|a, b| a.0.cmp(&b.0));
        let mut tree = Tree::new(root);
        let mut read = Vec::new();
        for (name, text) in texts {
            let path = root.join(&name);
            let file = tree.sources.add(name, text);
            read.push((Vec::new(), Some((file, path))));
        }
        tree.parse_read(read);
        tree
    }

    /// Parses the files read, in order.
    fn parse_read(&mut self, read: Vec<ReadFile>) {
        let texts: Vec<(FileId, &str)> = read
            .iter()
            .filter_map(|(_, file)| file.as_ref())
            .map(|(file, _)| {
                let text = self.sources.get(*file).map_or("", |f| f.text.as_str());
                (*file, text)
            })
            .collect();
        let mut parsed = syntax::parse_all(&texts).into_iter();
        for (found, file) in read {
            self.diagnostics.extend(found);
            let Some((_, path)) = file else {
                continue;
            };
            let Some((parsed, found)) = parsed.next() else {
                continue;
            };
            self.diagnostics.extend(found);
            self.files.push(parsed);
            self.paths.push(path);
        }
    }
}

/// How `--release` names a catalogue.
pub fn is_release_path(name: &str) -> bool {
    name.contains('/') || name.ends_with(".yaml") || name.ends_with(".yml")
}

fn bundled_names() -> String {
    catalogue::BUNDLED
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_catalogue(
    sources: &mut SourceMap,
    name: String,
    text: String,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Catalogue> {
    let file = sources.add(name, text.clone());
    let (catalogue, found) = catalogue::parse(file, &text);
    diagnostics.extend(found);
    catalogue
}

/// Loads a catalogue named on the command line (`--release NAME|FILE`).
pub fn release_from_arg(
    arg: &str,
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<Catalogue>, LoadError> {
    if is_release_path(arg) {
        let path = PathBuf::from(arg);
        let Some(file) = read_text(sources, &path, diagnostics)? else {
            return Ok(None);
        };
        let text = sources
            .get(file)
            .map(|f| f.text.clone())
            .unwrap_or_default();
        let (catalogue, found) = catalogue::parse(file, &text);
        diagnostics.extend(found);
        return Ok(catalogue);
    }
    match catalogue::bundled(arg) {
        Some(text) => Ok(parse_catalogue(
            sources,
            format!("<bundled release {arg}>"),
            text.to_owned(),
            diagnostics,
        )),
        None => Err(LoadError::UnknownRelease {
            name: arg.to_owned(),
            bundled: bundled_names(),
        }),
    }
}

/// Loads the catalogue the tree's `release` line names.
fn release_from_tree(tree: &mut Tree) -> Result<Option<Catalogue>, LoadError> {
    let releases: Vec<(usize, ast::Release)> = tree
        .files
        .iter()
        .enumerate()
        .flat_map(|(idx, file)| {
            file.items.iter().filter_map(move |item| match item {
                ast::Item::Release(release) => Some((idx, release.clone())),
                _ => None,
            })
        })
        .collect();
    let Some((file_idx, release)) = releases.first().cloned() else {
        let span = tree
            .files
            .first()
            .map_or_else(Span::default, |f| Span::new(f.span.file, 0, 0));
        tree.diagnostics.push(
            Diagnostic::new(
                Code::ReleaseLine,
                span,
                "the rules tree has no `release` line",
            )
            .with_help(format!(
                "add `release \"NAME\"` (bundled: {}) or pass `--release`",
                bundled_names()
            )),
        );
        return Ok(None);
    };
    for (_, other) in releases.iter().skip(1) {
        tree.diagnostics.push(
            Diagnostic::new(
                Code::ReleaseLine,
                other.span,
                "a second `release` line: a rules tree is checked against one release",
            )
            .with_secondary(release.span, "the release in force")
            .with_help("keep one `release` line"),
        );
    }
    let name = release.name.node.clone();
    if !is_release_path(&name) {
        return match catalogue::bundled(&name) {
            Some(text) => Ok(parse_catalogue(
                &mut tree.sources,
                format!("<bundled release {name}>"),
                text.to_owned(),
                &mut tree.diagnostics,
            )),
            None => {
                let names: Vec<&str> = catalogue::BUNDLED.iter().map(|(n, _)| *n).collect();
                let help = match did_you_mean(&name, names.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!(
                        "bundled releases: {}; a path (with `/` or `.yaml`) names a catalogue file",
                        bundled_names()
                    ),
                };
                tree.diagnostics.push(
                    Diagnostic::new(
                        Code::UnknownRelease,
                        release.name.span,
                        format!("unknown release `{name}`"),
                    )
                    .with_help(help),
                );
                Ok(None)
            }
        };
    }
    // A path relative to the file that names it, inside the rules directory.
    let base = tree
        .paths
        .get(file_idx)
        .and_then(|p| p.parent())
        .map_or_else(|| tree.root.clone(), Path::to_owned);
    let path = base.join(&name);
    // Outside by its spelling (`..`), whether or not the file exists; then
    // outside once symbolic links are followed.
    let inside = if !normalise(&path).starts_with(normalise(&tree.root)) {
        Some(false)
    } else {
        match (path.canonicalize(), tree.root.canonicalize()) {
            (Ok(resolved), Ok(root)) => Some(resolved.starts_with(root)),
            _ => None,
        }
    };
    match inside {
        None => {
            tree.diagnostics.push(
                Diagnostic::new(
                    Code::UnknownRelease,
                    release.name.span,
                    format!("release file `{name}` does not exist"),
                )
                .with_help("the path is relative to the file that names it"),
            );
            Ok(None)
        }
        Some(false) => {
            tree.diagnostics.push(
                Diagnostic::new(
                    Code::ReleaseOutsideTree,
                    release.name.span,
                    format!("release file `{name}` is outside the rules directory"),
                )
                .with_help("copy the catalogue into the rules directory, or use a bundled release"),
            );
            Ok(None)
        }
        Some(true) => {
            let Some(file) = read_text(&mut tree.sources, &path, &mut tree.diagnostics)? else {
                return Ok(None);
            };
            let text = tree
                .sources
                .get(file)
                .map(|f| f.text.clone())
                .unwrap_or_default();
            let (catalogue, found) = catalogue::parse(file, &text);
            tree.diagnostics.extend(found);
            Ok(catalogue)
        }
    }
}

/// Writes `contents` to `path` without ever clobbering what `path` is:
/// - a regular file (or a new one) is replaced atomically: a temporary file
///   created exclusively, with a random name, in the same directory (so no
///   planted symbolic link is followed), flushed, given the old file's
///   permissions (0644 for a new file), then renamed over it. A failure at
///   any point leaves `path` as it was;
/// - a symbolic link is followed to the file it names, which is replaced
///   as above: the link stays a link;
/// - a FIFO or a device is written through, as a shell redirection would;
/// - a read-only file or a directory is refused.
pub fn write_file(path: &Path, contents: impl AsRef<[u8]>) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind, Write};
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::canonicalize(path)?,
        _ => path.to_owned(),
    };
    let existing = match std::fs::metadata(&target) {
        Ok(meta) => Some(meta),
        Err(error) if error.kind() == ErrorKind::NotFound => None,
        Err(error) => return Err(error),
    };
    if let Some(meta) = &existing {
        if meta.is_dir() {
            return Err(Error::new(ErrorKind::IsADirectory, "it is a directory"));
        }
        if !meta.is_file() {
            // A FIFO, a character or block device: write through.
            let mut file = std::fs::OpenOptions::new().write(true).open(&target)?;
            return file.write_all(contents.as_ref());
        }
        if meta.permissions().readonly() {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                "it is read-only: make it writable to replace it",
            ));
        }
    }
    let directory = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".dxmap-")
        .suffix(".tmp")
        .tempfile_in(&directory)?;
    temp.write_all(contents.as_ref())?;
    temp.as_file().sync_all()?;
    let permissions = match &existing {
        Some(meta) => meta.permissions(),
        None => new_file_permissions(temp.as_file().metadata()?.permissions()),
    };
    temp.as_file().set_permissions(permissions)?;
    temp.persist(&target).map_err(|error| error.error)?;
    Ok(())
}

/// The permissions of a new file: 0644 on Unix, as most tools create them.
fn new_file_permissions(permissions: std::fs::Permissions) -> std::fs::Permissions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = permissions;
        std::fs::Permissions::from_mode(0o644)
    }
    #[cfg(not(unix))]
    {
        permissions
    }
}

/// The test files of a rules tree: `DIR/tests/*.yaml`, sorted.
pub fn test_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let tests = dir.join("tests");
    if !tests.is_dir() {
        return Ok(Vec::new());
    }
    let mut paths = Vec::new();
    let entries = std::fs::read_dir(&tests).map_err(|source| LoadError::Io {
        path: tests.clone(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| LoadError::Io {
            path: tests.clone(),
            source,
        })?;
        let path = entry.path();
        if path.is_file()
            && path
                .extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// A path with `.` and `..` resolved by spelling alone (no file system).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if out.file_name().is_some() {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The result of checking a rules tree.
#[derive(Debug)]
pub struct Checked {
    /// Every file read.
    pub sources: SourceMap,
    /// The checked model, when the tree parsed and a catalogue was loaded.
    pub model: Option<Model>,
    /// Every diagnostic, sorted; the reach analysis' kept small until
    /// shown.
    pub diagnostics: Findings,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }
}

/// Reads, parses and checks the rules tree under `dir`; `release` replaces
/// the tree's own `release` line.
pub fn check_tree(dir: &Path, release: Option<&str>) -> Result<Checked, LoadError> {
    check_loaded(read_tree(dir)?, release)
}

/// Checks a tree already read; `release` replaces the tree's `release` line.
pub fn check_loaded(mut tree: Tree, release: Option<&str>) -> Result<Checked, LoadError> {
    let syntax_ok = !tree.diagnostics.iter().any(Diagnostic::is_error);
    let catalogue = match release {
        Some(arg) => release_from_arg(arg, &mut tree.sources, &mut tree.diagnostics)?,
        None => release_from_tree(&mut tree)?,
    };
    let found = std::mem::take(&mut tree.diagnostics);
    let (model, diagnostics) = match catalogue {
        // Checking a tree with syntax errors would report names as unknown
        // only because their definitions did not parse: fix syntax first.
        Some(catalogue) if syntax_ok && !found.iter().any(Diagnostic::is_error) => {
            let files = std::mem::take(&mut tree.files);
            let (model, checked) = check::check_owned(files, catalogue, found);
            (Some(model), checked)
        }
        _ => (None, Findings::from(found)),
    };
    Ok(Checked {
        sources: tree.sources,
        model,
        diagnostics,
    })
}

/// Most directories [`rules_root`] walks up from a file.
const MAX_ROOT_DEPTH: usize = 64;

/// The rules tree a `.dxm` file belongs to, for editors (`dxmap lsp`):
/// walking up from the file's directory, while each directory holds `.dxm`
/// files of its own, the first one that has a `tests/` folder or a file
/// with a `release` line, else the highest of them (the file's own
/// directory counts even when the file is not saved yet). A directory
/// where several files have a `release` line is a collection of programs
/// (fixtures), not a tree: `None`, and the file is checked alone.
pub fn rules_root(file: &Path) -> Option<PathBuf> {
    let mut dir = file.parent()?.to_owned();
    let mut best = None;
    for depth in 0..MAX_ROOT_DEPTH {
        let dxm = direct_rules_files(&dir);
        if dxm.is_empty() && depth > 0 {
            break;
        }
        let releases = dxm.iter().filter(|path| has_release_line(path)).count();
        if releases > 1 {
            return best;
        }
        best = Some(dir.clone());
        if releases == 1 || dir.join("tests").is_dir() {
            break;
        }
        match dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => dir = parent.to_owned(),
            _ => break,
        }
    }
    best
}

/// The `.dxm` files directly in `dir` (not below it).
fn direct_rules_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "dxm") && path.is_file())
        .collect()
}

/// Whether a rules file has a `release` line (in column 0).
fn has_release_line(path: &Path) -> bool {
    let limit = u64::try_from(syntax::MAX_FILE_BYTES).unwrap_or(u64::MAX);
    let Some(Ok(Read::Whole(bytes))) = (!is_fifo(path)).then(|| read_bounded(path, limit)) else {
        return false;
    };
    String::from_utf8_lossy(&bytes).lines().any(|line| {
        line.strip_prefix("release")
            .is_some_and(|rest| rest.starts_with([' ', '\t', '"']))
    })
}

/// Reads the rules tree under `dir` as [`read_tree`] does, taking the text
/// of each file in `open` (an editor's unsaved documents, by path) instead
/// of what is on disk; open files under `dir` not yet saved are included.
pub fn read_tree_with(
    dir: &Path,
    open: &std::collections::BTreeMap<PathBuf, String>,
) -> Result<Tree, LoadError> {
    let mut paths = rules_files(dir)?;
    for path in open.keys() {
        let rules_file = path.extension().is_some_and(|ext| ext == "dxm");
        if rules_file && path.starts_with(dir) && !paths.contains(path) {
            paths.push(path.clone());
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(LoadError::NoRules(dir.to_owned()));
    }
    let mut tree = Tree::new(dir);
    let mut read = Vec::new();
    for path in paths {
        let mut found = Vec::new();
        let file = match open.get(&path) {
            Some(text) => Some(tree.sources.add(path.display().to_string(), text.clone())),
            None => read_text(&mut tree.sources, &path, &mut found)?,
        };
        read.push((found, file.map(|file| (file, path))));
    }
    tree.parse_read(read);
    Ok(tree)
}

/// The catalogue the tree's `release` line names, found as `check` finds
/// it but without checking the tree: editors show codes' titles while the
/// tree has errors. `None` where the line is missing or names nothing.
pub fn tree_catalogue(tree: &Tree) -> Option<Catalogue> {
    let mut scratch = Tree {
        sources: tree.sources.clone(),
        files: tree.files.clone(),
        paths: tree.paths.clone(),
        diagnostics: Vec::new(),
        root: tree.root.clone(),
    };
    release_from_tree(&mut scratch).ok().flatten()
}

//! The documents an editor has open and the analyses of the rules trees
//! they belong to.
//!
//! A document belongs to the rules tree that `load::rules_root` finds by
//! walking up from its file; a document outside any tree (an unsaved
//! buffer, a file among fixtures) is a tree of its own, checked alone. An
//! [`Analysis`] is what `check` gives for the whole tree, with the open
//! documents' unsaved texts in place of the files on disk, plus the syntax
//! trees and the release catalogue for the features.
//!
//! Imports: `crate::{load, syntax, check, catalogue, diagnostics, source}`,
//! `super::{protocol, text}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::protocol::{self, Diag, Location, Severity};
use super::text::{LineIndex, Position, Range};
use crate::catalogue::Catalogue;
use crate::check::model::Model;
use crate::diagnostics::{self, Diagnostic};
use crate::load;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast;

/// An open document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Its file, for a `file:` URI.
    pub path: Option<PathBuf>,
    /// Its text as the editor has it.
    pub text: String,
    /// Its version.
    pub version: i32,
}

/// The tree a document is checked with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// The rules tree under this directory.
    Tree(PathBuf),
    /// The document alone, by URI.
    Alone(String),
}

/// What `check` says about one tree, and what the features need.
#[derive(Debug)]
pub struct Analysis {
    /// Every file read.
    pub sources: SourceMap,
    /// The syntax tree of each rules file.
    pub files: Vec<ast::File>,
    /// The URI of each rules file, as `files`.
    pub uris: Vec<String>,
    /// Every diagnostic, as `check` gives them.
    pub diagnostics: Vec<Diagnostic>,
    /// The checked model, when the tree parsed.
    pub model: Option<Model>,
    /// The release catalogue, when the model is missing.
    fallback_catalogue: Option<Catalogue>,
}

impl Analysis {
    /// The release catalogue in force, if it could be loaded.
    pub fn catalogue(&self) -> Option<&Catalogue> {
        self.model
            .as_ref()
            .map(|model| &model.catalogue)
            .or(self.fallback_catalogue.as_ref())
    }

    /// The id of the rules file with this URI.
    pub fn file_of(&self, uri: &str) -> Option<FileId> {
        let at = self.uris.iter().position(|u| u == uri)?;
        self.files.get(at).map(|file| file.span.file)
    }

    /// The syntax tree of a rules file.
    pub fn ast(&self, file: FileId) -> Option<&ast::File> {
        self.files.iter().find(|f| f.span.file == file)
    }

    /// The text of a file.
    pub fn text(&self, file: FileId) -> &str {
        self.sources.get(file).map_or("", |f| f.text.as_str())
    }

    /// The URI of a file: a rules file's, or a catalogue file's path.
    pub fn uri(&self, file: FileId) -> Option<String> {
        if let Some(at) = self.files.iter().position(|f| f.span.file == file) {
            return self.uris.get(at).cloned();
        }
        let name = self.sources.get(file)?.name.as_str();
        protocol::path_to_uri(Path::new(name))
    }

    /// The byte offset of a position in a file.
    pub fn offset(&self, file: FileId, position: Position) -> usize {
        LineIndex::new(self.text(file)).offset(position)
    }

    /// The range of a span in its file.
    pub fn range(&self, span: Span) -> Range {
        LineIndex::new(self.text(span.file)).range(span.start, span.end)
    }

    /// Where a span is.
    pub fn location(&self, span: Span) -> Option<Location> {
        Some(Location {
            uri: self.uri(span.file)?,
            range: self.range(span),
        })
    }

    /// A diagnostic as published.
    pub fn diag(&self, diagnostic: &Diagnostic) -> Diag {
        let mut related: Vec<(Location, String)> = diagnostic
            .secondary
            .iter()
            .filter_map(|label| {
                Some((
                    self.location(label.span)?,
                    label.message.clone().unwrap_or_default(),
                ))
            })
            .collect();
        let here = self.location(diagnostic.primary.span);
        for (prefix, text) in [("help", &diagnostic.help), ("allowed", &diagnostic.allowed)] {
            if let (Some(here), Some(text)) = (&here, text) {
                related.push((here.clone(), format!("{prefix}: {text}")));
            }
        }
        let severity = if diagnostic.is_allowed() {
            Severity::Allowed
        } else if diagnostic.is_error() {
            Severity::Error
        } else {
            Severity::Warning
        };
        Diag {
            range: self.range(diagnostic.primary.span),
            severity,
            code: diagnostic.code.id().to_owned(),
            message: diagnostic.message.clone(),
            related,
        }
    }

    /// The diagnostics to publish, by URI: every rules file of the tree has
    /// an entry (empty when clean), so that fixed problems disappear.
    pub fn published(&self) -> BTreeMap<String, Vec<Diag>> {
        let mut out: BTreeMap<String, Vec<Diag>> = self
            .uris
            .iter()
            .map(|uri| (uri.clone(), Vec::new()))
            .collect();
        for diagnostic in &self.diagnostics {
            if let Some(uri) = self.uri(diagnostic.primary.span.file) {
                out.entry(uri).or_default().push(self.diag(diagnostic));
            }
        }
        out
    }
}

/// The open documents and the analyses of their trees.
#[derive(Debug, Default)]
pub struct Workspace {
    /// Open documents by URI.
    pub docs: BTreeMap<String, Document>,
    /// The scope of each open document, found when it was opened.
    scopes: BTreeMap<String, Scope>,
    /// The latest analysis of each scope.
    pub analyses: BTreeMap<Scope, Analysis>,
}

impl Workspace {
    /// Opens a document; returns its scope.
    pub fn open(&mut self, uri: String, text: String, version: i32) -> Scope {
        let path = protocol::uri_to_path(&uri).filter(|path| path.is_absolute());
        let scope = match path.as_deref().and_then(load::rules_root) {
            Some(root) => Scope::Tree(root),
            None => Scope::Alone(uri.clone()),
        };
        self.docs.insert(
            uri.clone(),
            Document {
                path,
                text,
                version,
            },
        );
        self.scopes.insert(uri, scope.clone());
        scope
    }

    /// Applies a change to an open document; returns its scope.
    pub fn change(
        &mut self,
        uri: &str,
        version: i32,
        changes: Vec<(Option<Range>, String)>,
    ) -> Option<Scope> {
        let doc = self.docs.get_mut(uri)?;
        for (range, text) in changes {
            match range {
                None => doc.text = text,
                Some(range) => {
                    let index = LineIndex::new(&doc.text);
                    let start = index.offset(range.start);
                    let end = index.offset(range.end).max(start);
                    doc.text.replace_range(start..end, &text);
                }
            }
        }
        doc.version = version;
        self.scopes.get(uri).cloned()
    }

    /// Closes a document; returns its scope, and whether that scope is
    /// gone (a document checked alone).
    pub fn close(&mut self, uri: &str) -> Option<(Scope, bool)> {
        self.docs.remove(uri);
        let scope = self.scopes.remove(uri)?;
        let gone = matches!(scope, Scope::Alone(_));
        if gone {
            self.analyses.remove(&scope);
        }
        Some((scope, gone))
    }

    /// Checks a scope again, with the open documents' texts.
    pub fn analyse(&mut self, scope: &Scope) {
        let (tree, uris) = match scope {
            Scope::Tree(root) => self.read_tree(root),
            Scope::Alone(uri) => match self.docs.get(uri) {
                Some(doc) => alone(uri, doc),
                None => return,
            },
        };
        let fallback_catalogue = tree
            .diagnostics
            .iter()
            .any(Diagnostic::is_error)
            .then(|| load::tree_catalogue(&tree))
            .flatten();
        let files = tree.files.clone();
        let mut parse_diagnostics = tree.diagnostics.clone();
        let sources = tree.sources.clone();
        let analysis = match load::check_loaded(tree, None) {
            Ok(checked) => Analysis {
                sources: checked.sources,
                files,
                uris,
                diagnostics: checked.diagnostics.all(),
                model: checked.model,
                fallback_catalogue,
            },
            Err(_) => {
                diagnostics::sort(&mut parse_diagnostics);
                Analysis {
                    sources,
                    files,
                    uris,
                    diagnostics: parse_diagnostics,
                    model: None,
                    fallback_catalogue,
                }
            }
        };
        self.analyses.insert(scope.clone(), analysis);
    }

    /// The tree under `root` with the open documents' texts, and each
    /// file's URI; the open documents under it alone if it cannot be read.
    fn read_tree(&self, root: &Path) -> (load::Tree, Vec<String>) {
        let open: BTreeMap<PathBuf, String> = self
            .docs
            .values()
            .filter_map(|doc| Some((doc.path.clone()?, doc.text.clone())))
            .filter(|(path, _)| path.starts_with(root))
            .collect();
        let by_path: BTreeMap<&Path, &str> = self
            .docs
            .iter()
            .filter_map(|(uri, doc)| Some((doc.path.as_deref()?, uri.as_str())))
            .collect();
        let tree = load::read_tree_with(root, &open).unwrap_or_else(|_| {
            let texts = open
                .iter()
                .filter_map(|(path, text)| {
                    let name = path.strip_prefix(root).ok()?.display().to_string();
                    Some((name, text.clone()))
                })
                .collect();
            load::Tree::from_texts(root, texts)
        });
        let uris = tree
            .paths
            .iter()
            .map(|path| match by_path.get(path.as_path()) {
                Some(uri) => (*uri).to_owned(),
                None => protocol::path_to_uri(path).unwrap_or_default(),
            })
            .collect();
        (tree, uris)
    }

    /// The analysis of an open document's scope and the document's file.
    pub fn analysis_of(&self, uri: &str) -> Option<(&Analysis, FileId)> {
        let analysis = self.analyses.get(self.scopes.get(uri)?)?;
        Some((analysis, analysis.file_of(uri)?))
    }
}

/// A document checked alone: a tree of one file, in its directory.
fn alone(uri: &str, doc: &Document) -> (load::Tree, Vec<String>) {
    let (root, name) = match &doc.path {
        Some(path) => (
            path.parent().map_or_else(PathBuf::new, Path::to_owned),
            path.file_name()
                .map_or_else(|| "file.dxm".into(), |n| n.to_string_lossy().into_owned()),
        ),
        None => (PathBuf::new(), uri.to_owned()),
    };
    let tree = load::Tree::from_texts(&root, vec![(name, doc.text.clone())]);
    (tree, vec![uri.to_owned()])
}

//! Source files and spans.
//!
//! A [`Span`] is a file id and two byte offsets; it is `Copy` and never
//! optional: every AST node, model item and diagnostic label carries one.
//! The [`SourceMap`] owns the text of every file a run has read (rules files
//! and YAML catalogues alike) so that diagnostics can quote them.
//!
//! Imports: nothing else in the crate.

use std::fmt;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// The file the range lies in.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` in `file`.
    pub fn new(file: FileId, start: u32, end: u32) -> Span {
        Span { file, start, end }
    }

    /// The smallest span covering both `self` and `other` (same file).
    pub fn cover(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Length in bytes.
    pub fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span is empty.
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// Whether `inner` lies inside `self`.
    pub fn contains(self, inner: Span) -> bool {
        self.file == inner.file && self.start <= inner.start && inner.end <= self.end
    }
}

/// A value with the span it was written at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Spanned<T> {
    /// The value.
    pub node: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `node` with `span`.
    pub fn new(node: T, span: Span) -> Spanned<T> {
        Spanned { node, span }
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

/// One file's name and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as shown to users (relative to where dxmap was pointed).
    pub name: String,
    /// The full text.
    pub text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<u32>,
    /// Whether the text holds a carriage return.
    has_cr: bool,
}

impl SourceFile {
    fn new(name: String, text: String) -> SourceFile {
        // INVARIANT: `line_starts` is sorted and starts with 0.
        let mut line_starts = vec![0];
        for (idx, byte) in text.bytes().enumerate() {
            if byte == b'\n' {
                line_starts.push(u32::try_from(idx + 1).unwrap_or(u32::MAX));
            }
        }
        let has_cr = text.contains('\r');
        SourceFile {
            name,
            text,
            line_starts,
            has_cr,
        }
    }

    /// Where an excerpt showing `lines_before` lines above the line of
    /// byte `offset` starts: the number of lines above the excerpt and the
    /// byte offset of its first line. `None` when the text holds a carriage
    /// return, which miette (rendering excerpts) can count as a line break.
    pub fn excerpt_start(&self, offset: usize, lines_before: usize) -> Option<(usize, usize)> {
        if self.has_cr {
            return None;
        }
        // Lines ending before `offset`: starts at or before it, but the first.
        let line = self
            .line_starts
            .partition_point(|start| usize::try_from(*start).is_ok_and(|s| s <= offset))
            .saturating_sub(1);
        let first = line.saturating_sub(lines_before);
        let start = usize::try_from(*self.line_starts.get(first)?).ok()?;
        Some((first, start))
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(idx) => idx,
            Err(idx) => idx.saturating_sub(1),
        };
        let line_start = self.line_starts.get(line_idx).copied().unwrap_or(0);
        let start = usize::try_from(line_start).unwrap_or(0);
        let end = usize::try_from(offset).unwrap_or(0).min(self.text.len());
        let column = self
            .text
            .get(start..end)
            .map_or(0, |prefix| prefix.chars().count());
        (
            u32::try_from(line_idx + 1).unwrap_or(u32::MAX),
            u32::try_from(column + 1).unwrap_or(u32::MAX),
        )
    }

    /// The text a span covers, or `""` if it does not lie in this file.
    pub fn slice(&self, span: Span) -> &str {
        let start = usize::try_from(span.start).unwrap_or(usize::MAX);
        let end = usize::try_from(span.end).unwrap_or(usize::MAX);
        self.text.get(start..end).unwrap_or("")
    }
}

/// Every file a run has read, by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile::new(name.into(), text.into()));
        id
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(usize::try_from(id.0).ok()?)
    }

    /// The name of a file, or `"<unknown>"`.
    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |file| file.name.as_str())
    }

    /// All files with their ids, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(idx, file)| (FileId(u32::try_from(idx).unwrap_or(u32::MAX)), file))
    }
}

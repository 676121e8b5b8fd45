//! The printer: walks the [`Doc`]s line by line, indenting blocks,
//! keeping a block on one line where it fits, and weaving the comments
//! and blank lines of the source back in.
//!
//! Imports: `super` (the `Doc` layout), `super::comments`.

use super::comments::{blank_line_before, scan_comments, Comment};
use super::{Block, Doc};

/// Prints [`Doc`]s line by line, with the comments of the source.
pub(super) struct Printer<'a> {
    /// The source text.
    text: &'a str,
    /// Every comment of the source, in order.
    comments: Vec<Comment>,
    /// The first comment not printed yet.
    next_comment: usize,
    /// The lines printed so far, indentation included; `""` is a blank line.
    lines: Vec<String>,
    /// Whether the last line printed ends with a comment.
    last_has_comment: bool,
    /// The current block depth.
    depth: usize,
    /// Whether nothing has been printed since the last `{`.
    at_block_start: bool,
}

impl<'a> Printer<'a> {
    pub(super) fn new(text: &'a str) -> Printer<'a> {
        Printer {
            text,
            comments: scan_comments(text),
            next_comment: 0,
            lines: Vec::new(),
            last_has_comment: false,
            depth: 0,
            at_block_start: false,
        }
    }

    /// Prints one statement, and the comments before it.
    pub(super) fn doc(&mut self, doc: &Doc) {
        self.flush_comments(doc.start());
        match doc {
            Doc::Line(line) => self.push(line.start, &line.text, false),
            Doc::Block(block) => {
                if self.fits_one_line(block) {
                    self.push(block.start, &inline(block), false);
                    return;
                }
                self.push(block.start, &format!("{} {{", block.header), false);
                self.depth += 1;
                self.at_block_start = true;
                for child in &block.children {
                    self.doc(child);
                }
                self.flush_comments(block.end);
                self.depth = self.depth.saturating_sub(1);
                self.push_line(&format!("}}{}", block.trailer), false, false);
            }
        }
    }

    /// Whether a block prints on one line: its source was on one line, it
    /// has no comment inside, and it has at most one child that fits too.
    fn fits_one_line(&self, block: &Block) -> bool {
        let one_source_line = self
            .text
            .get(block.start..block.end)
            .is_some_and(|source| !source.contains('\n'));
        // The comments are sorted, so the first one at or after the start
        // of the block is the only candidate.
        let first_after = self
            .comments
            .partition_point(|comment| comment.start < block.start);
        let has_comment = self
            .comments
            .get(first_after)
            .is_some_and(|comment| comment.start < block.end);
        let child_fits = match block.children.as_slice() {
            [] | [Doc::Line(_)] => true,
            [Doc::Block(child)] => self.fits_one_line(child),
            _ => false,
        };
        one_source_line && !has_comment && child_fits
    }

    /// Prints every comment that starts before `limit`.
    pub(super) fn flush_comments(&mut self, limit: usize) {
        while let Some(comment) = self.comments.get(self.next_comment) {
            if comment.start >= limit {
                break;
            }
            let can_append = !comment.own_line
                && !self.last_has_comment
                && self.lines.last().is_some_and(|last| !last.is_empty());
            if can_append {
                if let Some(last) = self.lines.last_mut() {
                    last.push_str("  ");
                    last.push_str(&comment.text);
                }
                self.last_has_comment = true;
            } else {
                let (start, text) = (comment.start, comment.text.clone());
                self.push(start, &text, true);
            }
            self.next_comment += 1;
        }
    }

    /// Prints a line for the statement or comment at `start`, after a blank
    /// line if the source had one there.
    fn push(&mut self, start: usize, text: &str, is_comment: bool) {
        let blank = blank_line_before(self.text, start);
        self.push_line(text, blank, is_comment);
    }

    /// Prints a line at the current depth, after a blank line if `blank` and
    /// one is allowed here.
    fn push_line(&mut self, text: &str, blank: bool, is_comment: bool) {
        if blank && !self.at_block_start && !self.lines.is_empty() {
            self.lines.push(String::new());
        }
        self.lines
            .push(format!("{}{text}", "  ".repeat(self.depth)));
        self.at_block_start = false;
        self.last_has_comment = is_comment;
    }

    /// The text printed, ending with exactly one newline (none if empty).
    pub(super) fn finish(self) -> String {
        let mut out = self.lines.join("\n");
        if !out.is_empty() {
            out.push('\n');
        }
        out
    }
}

/// A block on one line: `header { child }`, or `header { }` if empty.
fn inline(block: &Block) -> String {
    let body = match block.children.first() {
        None => format!("{} {{ }}", block.header),
        Some(Doc::Line(line)) => format!("{} {{ {} }}", block.header, line.text),
        Some(Doc::Block(child)) => format!("{} {{ {} }}", block.header, inline(child)),
    };
    format!("{body}{}", block.trailer)
}

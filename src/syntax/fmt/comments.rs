//! The trivia the parser drops, read again from the source text: every
//! `//` comment (and whether it was alone on its line), and where a blank
//! line came before a statement.
//!
//! Imports: none from the crate.

/// A `//` comment found in the source.
#[derive(Debug)]
pub(super) struct Comment {
    /// Byte offset of the `//`.
    pub(super) start: usize,
    /// The comment from `//` to the end of its line, trailing space trimmed.
    pub(super) text: String,
    /// Whether nothing but whitespace precedes it on its line.
    pub(super) own_line: bool,
}

/// Finds every comment in `text`: `//` outside double-quoted strings, which
/// have `\"` and `\\` escapes and end at the end of a line at the latest.
pub(super) fn scan_comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut pos = 0;
    let mut in_string = false;
    while let Some(&byte) = bytes.get(pos) {
        if in_string {
            match byte {
                b'\\' if bytes.get(pos + 1).is_some_and(|&next| next != b'\n') => pos += 2,
                b'"' | b'\n' => {
                    in_string = false;
                    pos += 1;
                }
                _ => pos += 1,
            }
            continue;
        }
        match byte {
            b'"' => {
                in_string = true;
                pos += 1;
            }
            b'/' if bytes.get(pos + 1) == Some(&b'/') => {
                // The bytes searched for are ASCII, so every offset used to
                // slice here lies on a character boundary.
                let rest = text.get(pos..).unwrap_or("");
                let end = rest.find('\n').map_or(text.len(), |newline| pos + newline);
                let line_start = line_start(text, pos);
                let own_line = text
                    .get(line_start..pos)
                    .is_some_and(|before| before.trim().is_empty());
                comments.push(Comment {
                    start: pos,
                    text: text.get(pos..end).unwrap_or("//").trim_end().to_owned(),
                    own_line,
                });
                pos = end;
            }
            _ => pos += 1,
        }
    }
    comments
}

/// The offset of the start of the line holding `pos`.
fn line_start(text: &str, pos: usize) -> usize {
    text.get(..pos)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |newline| newline + 1)
}

/// Whether the statement or comment at `pos` is the first thing on its line
/// and the line before it is blank.
pub(super) fn blank_line_before(text: &str, pos: usize) -> bool {
    let start = line_start(text, pos);
    let first_on_line = text
        .get(start..pos)
        .is_some_and(|before| before.trim().is_empty());
    if !first_on_line || start == 0 {
        return false;
    }
    let previous_end = start - 1;
    let previous_start = line_start(text, previous_end);
    text.get(previous_start..previous_end)
        .is_some_and(|previous| previous.trim().is_empty())
}

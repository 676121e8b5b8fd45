//! Positions as editors count them: a zero-based line and a column in
//! UTF-16 code units (the protocol's default encoding), to and from the
//! byte offsets of our spans.
//!
//! Imports: nothing else in the crate.

/// A position in a document: zero-based line, UTF-16 column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    /// The line, from 0.
    pub line: u32,
    /// The column in UTF-16 code units, from 0.
    pub character: u32,
}

/// A range of a document, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Range {
    /// The first position.
    pub start: Position,
    /// One past the last.
    pub end: Position,
}

/// Byte offsets to positions and back, for one text.
#[derive(Debug, Clone)]
pub struct LineIndex<'t> {
    text: &'t str,
    // INVARIANT: sorted, starts with 0; each is just after a `\n`.
    line_starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    /// The index of `text`.
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, byte)| *byte == b'\n')
                .map(|(idx, _)| idx + 1),
        );
        LineIndex { text, line_starts }
    }

    /// The position of a byte offset (clamped to the text, moved back to a
    /// character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset = offset.saturating_sub(1);
        }
        let line = self
            .line_starts
            .partition_point(|start| *start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let character = self
            .text
            .get(start..offset)
            .map_or(0, |prefix| prefix.encode_utf16().count());
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            character: u32::try_from(character).unwrap_or(u32::MAX),
        }
    }

    /// The range of two byte offsets.
    pub fn range(&self, start: u32, end: u32) -> Range {
        let offset = |at: u32| usize::try_from(at).unwrap_or(usize::MAX);
        Range {
            start: self.position(offset(start)),
            end: self.position(offset(end)),
        }
    }

    /// The byte offset of a position; a position past the end of its line
    /// is the line's end, one past the last line the text's end.
    pub fn offset(&self, position: Position) -> usize {
        let line = usize::try_from(position.line).unwrap_or(usize::MAX);
        let Some(start) = self.line_starts.get(line).copied() else {
            return self.text.len();
        };
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next.saturating_sub(1));
        let wanted = usize::try_from(position.character).unwrap_or(usize::MAX);
        let mut units = 0usize;
        for (idx, c) in self.text.get(start..end).unwrap_or("").char_indices() {
            if units >= wanted {
                return start + idx;
            }
            units += c.len_utf16();
        }
        end
    }

    /// The end of the text as a position.
    pub fn end(&self) -> Position {
        self.position(self.text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_positions_round_trip_in_utf16() {
        let text = "a\nxé😀b\n\nlast";
        let index = LineIndex::new(text);
        let b = text.find('b').unwrap();
        assert_eq!(
            index.position(b),
            Position {
                line: 1,
                character: 4
            }
        );
        assert_eq!(index.offset(index.position(b)), b);
        assert_eq!(
            index.offset(Position {
                line: 1,
                character: 99
            }),
            text.find("\n\n").unwrap()
        );
        assert_eq!(
            index.offset(Position {
                line: 9,
                character: 0
            }),
            text.len()
        );
        assert_eq!(
            index.end(),
            Position {
                line: 3,
                character: 4
            }
        );
    }
}

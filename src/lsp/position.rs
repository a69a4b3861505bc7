//! Conversion between byte offsets, which the engine uses, and LSP positions.
//!
//! An LSP position is a zero-based line and a column counted in the code units of the encoding
//! negotiated at `initialize`: UTF-16 unless the client offers UTF-8. A position from the client
//! may point past the end of a line or of the text, or into the middle of a character, because
//! the client's text can be ahead of the server's. Such a position is clamped to the nearest
//! valid offset.

use line_index::{LineCol, LineIndex, TextSize, WideEncoding, WideLineCol};
use lsp_types::{Position, PositionEncodingKind, Range};

/// The unit of the `character` field of an LSP position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PositionEncoding {
    Utf8,
    Utf16,
}

impl PositionEncoding {
    /// Picks UTF-8 when the client offers it, since that is the engine's own unit, and UTF-16,
    /// which every client supports, otherwise.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> PositionEncoding {
        let offers_utf8 = offered.is_some_and(|kinds| kinds.contains(&PositionEncodingKind::UTF8));
        if offers_utf8 {
            PositionEncoding::Utf8
        } else {
            PositionEncoding::Utf16
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            PositionEncoding::Utf8 => PositionEncodingKind::UTF8,
            PositionEncoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
}

/// A document's text with its line index, for converting in both directions.
// FIXME: LSP also ends a line at a `\r` that no `\n` follows, but `LineIndex` splits lines only at
// `\n`, so positions in a file with old Mac line endings are wrong.
pub struct LineMap<'a> {
    text: &'a str,
    index: &'a LineIndex,
    encoding: PositionEncoding,
}

impl<'a> LineMap<'a> {
    pub fn new(text: &'a str, index: &'a LineIndex, encoding: PositionEncoding) -> LineMap<'a> {
        LineMap { text, index, encoding }
    }

    /// The position of the byte `offset`, which is moved back to a character boundary first.
    pub fn position(&self, offset: usize) -> Position {
        let offset = self.text.floor_char_boundary(offset);
        let line_col = self.index.line_col(TextSize::from(offset as u32));
        let character = match self.encoding {
            PositionEncoding::Utf8 => line_col.col,
            PositionEncoding::Utf16 => {
                self.index
                    .to_wide(WideEncoding::Utf16, line_col)
                    .expect("a column at a character boundary converts to UTF-16")
                    .col
            }
        };
        Position::new(line_col.line, character)
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }

    /// The byte offset of `position`, clamped to the end of its line and of the text.
    pub fn offset(&self, position: Position) -> usize {
        let Some(line_range) = self.index.line(position.line) else {
            return self.text.len();
        };
        let line_start = usize::from(line_range.start());
        let line_text = &self.text[line_start..usize::from(line_range.end())];
        // The line terminator, `\n` or `\r\n`, is not part of the line's columns.
        let content = line_text.strip_suffix('\n').unwrap_or(line_text);
        let content = content.strip_suffix('\r').unwrap_or(content);

        let column = match self.encoding {
            PositionEncoding::Utf8 => position.character,
            PositionEncoding::Utf16 => {
                let wide = WideLineCol {
                    line: position.line,
                    col: position.character,
                };
                self.index
                    .to_utf8(WideEncoding::Utf16, wide)
                    .map_or(u32::MAX, |line_col: LineCol| line_col.col)
            }
        };
        let column = (column as usize).min(content.len());
        self.text.floor_char_boundary(line_start + column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "fn a() {}\n/* café ü 🚀 */ struct MockA;\r\nlast 🚀";

    fn map(encoding: PositionEncoding, check: impl FnOnce(&LineMap)) {
        let index = LineIndex::new(TEXT);
        check(&LineMap::new(TEXT, &index, encoding));
    }

    #[test]
    fn position_counts_utf16_code_units() {
        let struct_at = TEXT.find("struct").unwrap();
        map(PositionEncoding::Utf16, |map| {
            // "/* café ü 🚀 */ " is 15 characters, and the rocket takes two UTF-16 units.
            assert_eq!(map.position(struct_at), Position::new(1, 16));
        });
    }

    #[test]
    fn position_counts_utf8_bytes() {
        let struct_at = TEXT.find("struct").unwrap();
        map(PositionEncoding::Utf8, |map| {
            // é and ü take two bytes each, and the rocket four.
            assert_eq!(map.position(struct_at), Position::new(1, 20));
        });
    }

    #[test]
    fn offset_inverts_position_in_both_encodings() {
        for encoding in [PositionEncoding::Utf8, PositionEncoding::Utf16] {
            map(encoding, |map| {
                for (offset, _) in TEXT.char_indices().chain([(TEXT.len(), ' ')]) {
                    // Between `\r` and `\n` is no position: LSP lines end before the `\r`.
                    if TEXT[..offset].ends_with('\r') {
                        continue;
                    }
                    assert_eq!(map.offset(map.position(offset)), offset, "{encoding:?} at {offset}");
                }
            });
        }
    }

    #[test]
    fn offset_clamps_past_line_and_text_end() {
        map(PositionEncoding::Utf16, |map| {
            let line_one_end = TEXT.find("\r\n").unwrap();
            assert_eq!(map.offset(Position::new(1, 500)), line_one_end);
            assert_eq!(map.offset(Position::new(0, 500)), TEXT.find('\n').unwrap());
            assert_eq!(map.offset(Position::new(99, 0)), TEXT.len());
        });
    }

    #[test]
    fn offset_inside_surrogate_pair_moves_to_character_start() {
        let rocket_at = TEXT.rfind('🚀').unwrap();
        map(PositionEncoding::Utf16, |map| {
            assert_eq!(map.offset(Position::new(2, 6)), rocket_at);
        });
        map(PositionEncoding::Utf8, |map| {
            assert_eq!(map.offset(Position::new(2, 7)), rocket_at);
        });
    }

    #[test]
    fn negotiate_prefers_utf8_when_offered() {
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(PositionEncoding::negotiate(Some(&both)), PositionEncoding::Utf8);
        let utf16 = [PositionEncodingKind::UTF16];
        assert_eq!(PositionEncoding::negotiate(Some(&utf16)), PositionEncoding::Utf16);
        assert_eq!(PositionEncoding::negotiate(None), PositionEncoding::Utf16);
    }
}

//! Text edits over the original source: planned from the syntax tree, checked for overlap and
//! applied in one step.
//!
//! Every fix is a list of byte-range replacements on the text as it was read. Keeping edits as
//! plain data lets the same fix feed a unified diff, a write to disk and an editor code action.

use std::fmt;

/// One replacement of the bytes `start..end` of the original text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

impl TextEdit {
    pub fn replace(start: usize, end: usize, replacement: impl Into<String>) -> Self {
        TextEdit {
            start,
            end,
            replacement: replacement.into(),
        }
    }

    pub fn insert(offset: usize, text: impl Into<String>) -> Self {
        TextEdit::replace(offset, offset, text)
    }

    pub fn delete(start: usize, end: usize) -> Self {
        TextEdit::replace(start, end, "")
    }

    fn is_insert(&self) -> bool {
        self.start == self.end
    }
}

/// Two edits of one file that touch the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlapError {
    pub first: (usize, usize),
    pub second: (usize, usize),
}

impl fmt::Display for OverlapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "edits overlap: bytes {}..{} and {}..{}",
            self.first.0, self.first.1, self.second.0, self.second.1
        )
    }
}

/// Sorts `edits` by position, drops repeated identical replacements and rejects overlapping edits.
///
/// Two inserts at the same offset are allowed and keep their relative order, so a caller can add
/// a comma and then a new field at one place. A replacement may not share any byte with another
/// edit, and an insert strictly inside a replaced range is an overlap.
pub fn normalize(edits: &mut Vec<TextEdit>) -> Result<(), OverlapError> {
    edits.sort_by_key(|edit| (edit.start, !edit.is_insert(), edit.end));
    // Two fixes may plan the same replacement, such as one rewrite of a whole file shared by two
    // doubles; it is applied once.
    edits.dedup_by(|later, earlier| later == earlier && !later.is_insert());
    for pair in edits.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let overlaps = if a.is_insert() {
            b.start < a.start
        } else {
            b.start < a.end
        };
        if overlaps {
            return Err(OverlapError {
                first: (a.start, a.end),
                second: (b.start, b.end),
            });
        }
    }
    Ok(())
}

/// Applies edits that `normalize` accepted to `text`.
pub fn apply(text: &str, edits: &[TextEdit]) -> String {
    let added: usize = edits.iter().map(|edit| edit.replacement.len()).sum();
    let mut output = String::with_capacity(text.len() + added);
    let mut cursor = 0;
    for edit in edits {
        output.push_str(&text[cursor..edit.start]);
        output.push_str(&edit.replacement);
        cursor = edit.end;
    }
    output.push_str(&text[cursor..]);
    output
}

/// Maps an offset in the text produced by `apply(text, edits)` back to the original text.
///
/// Only offsets outside every replacement map exactly; an offset inside inserted text maps to
/// the start of the edit that produced it.
pub fn map_to_original(edits: &[TextEdit], new_offset: usize) -> usize {
    let mut delta: isize = 0;
    for edit in edits {
        let new_start = (edit.start as isize + delta) as usize;
        if new_offset < new_start {
            break;
        }
        let new_end = new_start + edit.replacement.len();
        if new_offset < new_end {
            return edit.start;
        }
        delta += edit.replacement.len() as isize - (edit.end - edit.start) as isize;
    }
    (new_offset as isize - delta) as usize
}

/// Computes line-granular edits that turn `old` into `new`: one edit per run of changed lines.
///
/// Fixes are planned on the original text, but imports are merged on the text after the other
/// edits; diffing the final text gives edits of the original that renderers and editors can use.
pub fn diff_edits(old: &str, new: &str) -> Vec<TextEdit> {
    let old_starts = line_starts(old);
    let new_starts = line_starts(new);
    let diff = similar::TextDiff::from_lines(old, new);
    let mut edits = Vec::new();
    for op in diff.ops() {
        if matches!(op, similar::DiffOp::Equal { .. }) {
            continue;
        }
        let (old_range, new_range) = (op.old_range(), op.new_range());
        let start = old_starts[old_range.start];
        let end = old_starts[old_range.end];
        let replacement = &new[new_starts[new_range.start]..new_starts[new_range.end]];
        edits.push(TextEdit::replace(start, end, replacement));
    }
    edits
}

/// The byte offset where each line starts, plus the text's length as the end of the last line.
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        text.match_indices('\n')
            .map(|(at, _)| at + 1)
            .filter(|at| *at < text.len()),
    );
    starts.push(text.len());
    starts
}

/// Returns the one-based line and column of byte `offset` in `text`, counting columns in
/// characters, as messages and reports show them.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |last| last.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_keeps_order_of_inserts_at_one_offset() {
        let mut edits = vec![
            TextEdit::insert(3, "X"),
            TextEdit::insert(3, "Y"),
            TextEdit::replace(0, 1, "z"),
        ];
        normalize(&mut edits).unwrap();
        assert_eq!(apply("abcdef", &edits), "zbcXYdef");
    }

    #[test]
    fn normalize_rejects_overlapping_replacements() {
        let mut edits = vec![TextEdit::replace(0, 4, "a"), TextEdit::replace(2, 6, "b")];
        assert!(normalize(&mut edits).is_err());
    }

    #[test]
    fn normalize_rejects_insert_inside_replacement() {
        let mut edits = vec![TextEdit::replace(0, 4, "a"), TextEdit::insert(2, "b")];
        assert!(normalize(&mut edits).is_err());
    }

    #[test]
    fn normalize_accepts_adjacent_edits() {
        let mut edits = vec![
            TextEdit::replace(0, 2, "a"),
            TextEdit::replace(2, 4, "b"),
            TextEdit::insert(4, "c"),
        ];
        normalize(&mut edits).unwrap();
        assert_eq!(apply("123456", &edits), "abc56");
    }

    #[test]
    fn diff_edits_reproduce_new_text() {
        let cases = [
            ("a\nb\nc\n", "a\nB\nc\n"),
            ("a\nb\nc", "a\nb\nc\nd"),
            ("", "x\n"),
            ("x\r\ny\r\n", "x\r\nz\r\nw\r\ny\r\n"),
            ("one\ntwo\n", ""),
        ];
        for (old, new) in cases {
            let mut edits = diff_edits(old, new);
            normalize(&mut edits).unwrap();
            assert_eq!(apply(old, &edits), new, "edits of {old:?} -> {new:?}: {edits:?}");
        }
    }

    #[test]
    fn map_to_original_skips_inserted_text() {
        let mut edits = vec![TextEdit::insert(2, "XYZ"), TextEdit::replace(4, 6, "")];
        normalize(&mut edits).unwrap();
        let output = apply("abcdefgh", &edits);
        assert_eq!(output, "abXYZcdgh");
        assert_eq!(map_to_original(&edits, 0), 0);
        assert_eq!(map_to_original(&edits, 5), 2);
        assert_eq!(map_to_original(&edits, 7), 6);
        assert_eq!(map_to_original(&edits, 3), 2);
    }
}

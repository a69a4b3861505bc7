//! The open documents: the client's text of each, its version, and the cached analysis.
//!
//! The server requests full-text sync, so each change normally carries the whole text. A client
//! that sends ranged changes anyway gets them applied in order, so the text never drifts from
//! the client's.

use std::path::PathBuf;

use line_index::LineIndex;
use lsp_types::TextDocumentContentChangeEvent;

use super::analysis::Analysis;
use super::position::{LineMap, PositionEncoding};
use crate::SourceError;

/// One document that the client has opened.
pub struct Document {
    pub version: i32,
    pub language_id: String,
    pub text: String,
    pub line_index: LineIndex,
    /// The local file the document was opened from, when its URI is a `file:` URI.
    pub path: Option<PathBuf>,
    /// `path` without symbolic links, as the package's file list spells it.
    pub canonical_path: Option<PathBuf>,
    /// The analysis of `text` and the generation of rules and package files it used.
    pub analysis: Option<(u64, Result<Analysis, SourceError>)>,
}

impl Document {
    pub fn new(text: String, version: i32, language_id: String, path: Option<PathBuf>) -> Document {
        Document {
            version,
            language_id,
            line_index: LineIndex::new(&text),
            text,
            canonical_path: path
                .as_ref()
                .map(|path| std::fs::canonicalize(path).unwrap_or_else(|_| path.clone())),
            path,
            analysis: None,
        }
    }

    /// Returns whether mockfix checks this document: Rust or Go, by its language id or its file
    /// extension. Other documents, such as rule files, get no diagnostics and no code actions.
    pub fn is_source(&self) -> bool {
        matches!(self.language_id.as_str(), "rust" | "go")
            || self
                .path
                .as_ref()
                .is_some_and(|path| path.extension().is_some_and(|ext| ext == "rs" || ext == "go"))
    }

    /// Applies the changes of one `didChange` notification and drops the cached analysis.
    pub fn apply_changes(
        &mut self,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: PositionEncoding,
    ) {
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(range) => {
                    let map = LineMap::new(&self.text, &self.line_index, encoding);
                    let start = map.offset(range.start);
                    let end = map.offset(range.end).max(start);
                    self.text.replace_range(start..end, &change.text);
                }
            }
            self.line_index = LineIndex::new(&self.text);
        }
        self.version = version;
        self.analysis = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    #[test]
    fn apply_changes_handles_full_and_ranged_changes() {
        let mut document = Document::new("one\ntwo 🚀 three\n".to_string(), 1, "rust".to_string(), None);
        let ranged = TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(1, 7), Position::new(1, 13))),
            range_length: None,
            text: "3".to_string(),
        };
        document.apply_changes(2, vec![ranged], PositionEncoding::Utf16);
        assert_eq!(document.text, "one\ntwo 🚀 3\n");
        assert_eq!(document.version, 2);

        let full = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "new".to_string(),
        };
        document.apply_changes(3, vec![full], PositionEncoding::Utf16);
        assert_eq!(document.text, "new");
    }

    #[test]
    fn is_source_by_language_or_extension() {
        let by_language = Document::new(String::new(), 1, "rust".to_string(), None);
        let by_extension = Document::new(String::new(), 1, String::new(), Some(PathBuf::from("/a/b.rs")));
        let toml = Document::new(String::new(), 1, "toml".to_string(), Some(PathBuf::from("/a/b.toml")));
        assert!(by_language.is_source());
        assert!(by_extension.is_source());
        assert!(!toml.is_source());
    }
}

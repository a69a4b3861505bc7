//! The language seam: which front end checks a file, chosen by its extension.
//!
//! Everything before parsing (walk, prefilter) and after planning (overlap checks, diffs, JSON,
//! SARIF, `--apply`, cross-file follow-up) is shared. Only parsing, matching and edit planning
//! differ, and they live in `rust/` and `go/`. This module routes a file to one of them.

use std::path::Path;

use crate::config::RuleSet;
use crate::edit::TextEdit;
use crate::fix::{Finding, ForeignDouble};
use crate::workspace::Edition;
use crate::{SourceError, SyntaxError};

/// A source language that mockfix has a front end for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Language {
    Rust,
    Go,
}

impl Language {
    /// The values of a rule file's `language` key.
    pub const NAMES: &'static [(&'static str, Language)] = &[("rust", Language::Rust), ("go", Language::Go)];

    pub fn name(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Go => "go",
        }
    }

    /// The file extension, without the dot, of the files this language's rules check.
    pub fn extension(self) -> &'static str {
        match self {
            Language::Rust => "rs",
            Language::Go => "go",
        }
    }

    /// The language of a file with this path, or `None` when no front end reads it.
    pub fn of_path(path: impl AsRef<Path>) -> Option<Language> {
        let extension = path.as_ref().extension()?;
        [Language::Rust, Language::Go]
            .into_iter()
            .find(|language| extension == language.extension())
    }

    /// The path a rule test's code is checked as when the case sets none.
    pub fn default_test_path(self) -> &'static str {
        match self {
            Language::Rust => "src/lib.rs",
            Language::Go => "mock_test.go",
        }
    }
}

/// The edits at one file's uses of a double declared in another file.
#[derive(Debug, Clone)]
pub struct ForeignUses {
    pub struct_name: String,
    pub edits: Vec<TextEdit>,
    /// Why the uses cannot follow the double's fix; the fix must not be applied when not empty.
    pub problems: Vec<String>,
}

/// Finds the doubles in `source` that the enabled rules of `language` match, with their planned
/// fixes, and plans this file's uses of the `foreign` doubles that other files fix.
pub fn analyze(
    language: Language,
    path: &str,
    source: &str,
    rules: &RuleSet,
    foreign: &[ForeignDouble],
    edition: Edition,
) -> Result<(Vec<Finding>, Vec<ForeignUses>), SourceError> {
    match language {
        Language::Rust => crate::rust::analyze_with_foreign(path, source, rules, foreign, edition),
        Language::Go => crate::go::analyze_with_foreign(path, source, rules, foreign),
    }
}

/// The doubles of one file, the uses of doubles of other files, and the file's syntax errors.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub foreign_uses: Vec<ForeignUses>,
    /// The errors that the parser recovered from. A Go file with a syntax error is not analyzed.
    pub syntax_errors: Vec<SyntaxError>,
    /// The syntax tree of a Rust file, which applying its fixes reuses; `None` for Go.
    pub rust_tree: Option<ra_ap_syntax::Parse<ra_ap_syntax::SourceFile>>,
}

/// Like `analyze`, and also returns the syntax errors that the front end recovered from.
pub fn analyze_file(
    language: Language,
    path: &str,
    source: &str,
    rules: &RuleSet,
    foreign: &[ForeignDouble],
    edition: Edition,
    uses_tokio: bool,
) -> Result<Analysis, SourceError> {
    match language {
        Language::Rust => crate::rust::analyze_file(path, source, rules, foreign, edition, uses_tokio),
        Language::Go => {
            crate::go::analyze_with_foreign(path, source, rules, foreign).map(|(findings, foreign_uses)| Analysis {
                findings,
                foreign_uses,
                syntax_errors: Vec::new(),
                rust_tree: None,
            })
        }
    }
}

/// Applies checked `edits` to `source`, adds the imports the fixes need, and parses the result
/// again, so that an edit set that breaks the syntax is reported as a bug instead of written.
pub fn finish(language: Language, source: &str, edits: &[TextEdit], edition: Edition) -> Result<String, SourceError> {
    match language {
        Language::Rust => crate::rust::finish(source, edits, edition),
        Language::Go => crate::go::finish(source, edits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_of_path_uses_extension() {
        assert_eq!(Language::of_path("src/lib.rs"), Some(Language::Rust));
        assert_eq!(Language::of_path("pkg/mock_test.go"), Some(Language::Go));
        assert_eq!(Language::of_path("README.md"), None);
        assert_eq!(Language::of_path("go"), None);
    }
}

//! Where the server's rules come from, and the diagnostics of invalid rule files.
//!
//! The server uses the rules a command-line run would get: the built-in rules, then the rule
//! files and folders that the client names in `initializationOptions`, which play the part of
//! `--rules`. An invalid rule file does not stop the server; the valid rules stay in use and the
//! error is shown in the editor, on the rule file itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lsp_types::{Diagnostic, DiagnosticSeverity, NumberOrString, Position, Range};
use serde::Deserialize;

use super::position::{LineMap, PositionEncoding};
use crate::config::{RuleError, RuleSet};

/// The rule settings of `initializationOptions`, such as `{ "rules": ["my-rules"] }`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitializationOptions {
    /// Rule files or folders of `*.toml` rule files, like `--rules`. Relative paths are taken
    /// from the workspace root.
    #[serde(default)]
    rules: Vec<PathBuf>,
    /// Leave out the built-in rules, like `--no-default-rules`.
    #[serde(default)]
    no_default_rules: bool,
}

/// The rule paths of a session, made absolute.
#[derive(Debug, Clone, Default)]
pub struct RuleConfig {
    pub paths: Vec<PathBuf>,
    pub no_default_rules: bool,
}

impl RuleConfig {
    /// Reads the rule settings from the client's `initializationOptions`.
    ///
    /// Invalid options are reported in the error, and the server goes on with the built-in rules.
    pub fn from_initialization_options(
        options: Option<&serde_json::Value>,
        root: Option<&Path>,
    ) -> (RuleConfig, Option<String>) {
        let parsed = match options {
            None | Some(serde_json::Value::Null) => Ok(InitializationOptions::default()),
            Some(value) => InitializationOptions::deserialize(value),
        };
        let (options, error) = match parsed {
            Ok(options) => (options, None),
            Err(err) => (
                InitializationOptions::default(),
                Some(format!(
                    "invalid initializationOptions: {err}; expected {{ \"rules\": [\"PATH\", ...], \"noDefaultRules\": false }}, so only the built-in rules are used"
                )),
            ),
        };
        let paths = options
            .rules
            .into_iter()
            .map(|path| match root {
                Some(root) if path.is_relative() => root.join(path),
                _ => path,
            })
            .collect();
        let config = RuleConfig {
            paths,
            no_default_rules: options.no_default_rules,
        };
        (config, error)
    }

    /// Loads the rules, keeping the valid ones when some rule files are invalid.
    pub fn load(&self) -> (RuleSet, Vec<RuleError>) {
        RuleSet::load_valid(&self.paths, self.no_default_rules)
    }

    /// Whether a change to the file at `path` can change the rules: it is a configured rule file,
    /// or a `*.toml` file directly inside a configured rule folder.
    pub fn is_rule_file(&self, path: &Path) -> bool {
        self.paths.iter().any(|rule_path| {
            let is_toml = path.extension().is_some_and(|ext| ext == "toml");
            path == rule_path || (is_toml && path.parent() == Some(rule_path.as_path()))
        })
    }
}

/// Groups rule errors by file into diagnostics. Errors of paths that are not readable files,
/// such as a missing rule folder, have no file to show them on and are left out.
pub fn diagnostics_by_file(errors: &[RuleError], encoding: PositionEncoding) -> BTreeMap<PathBuf, Vec<Diagnostic>> {
    let mut by_file: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
    for error in errors {
        let Ok(text) = std::fs::read_to_string(&error.file) else {
            continue;
        };
        let diagnostic = Diagnostic {
            range: error_range(&text, error.position, encoding),
            severity: Some(DiagnosticSeverity::ERROR),
            code: Some(NumberOrString::String("invalid-rule".to_string())),
            source: Some("mockfix".to_string()),
            message: error.message.clone(),
            ..Diagnostic::default()
        };
        by_file.entry(error.file.clone()).or_default().push(diagnostic);
    }
    by_file
}

/// From the error's one-based line and character column to the end of that line, or the first
/// line when the error has no place in the file.
fn error_range(text: &str, position: Option<(usize, usize)>, encoding: PositionEncoding) -> Range {
    let (line, column) = position.unwrap_or((1, 1));
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let line_text = text[line_start..].split('\n').next().unwrap_or_default();
    let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
    let column_offset = line_text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_text.len(), |(offset, _)| offset);

    let index = line_index::LineIndex::new(text);
    let map = LineMap::new(text, &index, encoding);
    let start = map.position(line_start + column_offset);
    let end = map.position(line_start + line_text.len());
    if position.is_none() {
        return Range::new(Position::new(0, 0), end);
    }
    Range::new(start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_rule_paths_start_at_root() {
        let options = serde_json::json!({ "rules": ["my-rules", "/etc/mockfix"], "noDefaultRules": true });
        let (config, error) = RuleConfig::from_initialization_options(Some(&options), Some(Path::new("/work/app")));
        assert_eq!(error, None);
        assert_eq!(
            config.paths,
            vec![PathBuf::from("/work/app/my-rules"), PathBuf::from("/etc/mockfix")]
        );
        assert!(config.no_default_rules);
    }

    #[test]
    fn invalid_options_fall_back_to_builtin_rules() {
        let options = serde_json::json!({ "rules": 42 });
        let (config, error) = RuleConfig::from_initialization_options(Some(&options), None);
        assert!(config.paths.is_empty());
        assert!(!config.no_default_rules);
        assert!(error.unwrap().contains("invalid initializationOptions"));
    }

    #[test]
    fn is_rule_file_matches_files_in_rule_folders() {
        let config = RuleConfig {
            paths: vec![PathBuf::from("/r"), PathBuf::from("/one/rule.toml")],
            no_default_rules: false,
        };
        assert!(config.is_rule_file(Path::new("/r/a.toml")));
        assert!(config.is_rule_file(Path::new("/one/rule.toml")));
        assert!(!config.is_rule_file(Path::new("/r/sub/a.toml")));
        assert!(!config.is_rule_file(Path::new("/r/a.rs")));
        assert!(!config.is_rule_file(Path::new("/one/other.toml")));
    }

    #[test]
    fn error_range_counts_characters_before_column() {
        let text = "summary = \"café\"\nnames = [\"🚀\", 1]\n";
        // Column 15 is the `1`, after a rocket that takes two UTF-16 units and four bytes.
        let utf16 = error_range(text, Some((2, 15)), PositionEncoding::Utf16);
        assert_eq!(utf16, Range::new(Position::new(1, 15), Position::new(1, 17)));
        let utf8 = error_range(text, Some((2, 15)), PositionEncoding::Utf8);
        assert_eq!(utf8, Range::new(Position::new(1, 17), Position::new(1, 19)));
    }
}

//! Where the server's rules and settings come from, and the diagnostics of invalid rule and
//! configuration files.
//!
//! The server uses the settings that a command-line run in the workspace folder would get: the
//! built-in rules, `mockfix.toml` and the `Cargo.toml` metadata. The options that the client sends
//! in `initializationOptions` take the place of command-line flags such as `--rules`. An invalid
//! file does not stop the server: the valid rules and settings stay in use, and the error is
//! shown in the editor, on the file itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::GlobSet;
use lsp_types::{Diagnostic, DiagnosticSeverity, NumberOrString, Position, Range};
use serde::Deserialize;

use super::position::{LineMap, PositionEncoding};
use crate::config::project::{CommandLineSettings, ProjectSettings, CONFIG_FILE_NAME};
use crate::config::{RuleError, RuleSet};

/// The settings of `initializationOptions`, such as `{ "rules": ["my-rules"] }`: the command-line
/// flags of the same names.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InitializationOptions {
    /// Rule files or folders of `*.toml` rule files, like `--rules`.
    #[serde(default)]
    rules: Vec<PathBuf>,
    /// Leave out the built-in rules, like `--no-default-rules`.
    #[serde(default)]
    no_default_rules: bool,
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    /// A configuration file to read in place of `mockfix.toml`, like `--config`.
    config: Option<PathBuf>,
}

/// The sources of a session's settings: the folder they are discovered from and the client's options.
#[derive(Debug, Clone, Default)]
pub struct RuleConfig {
    /// The folder the settings are discovered from, as a command-line run started there would:
    /// the first workspace folder, or the server's current folder.
    pub start: PathBuf,
    /// The client's options, with paths made absolute against `start`.
    pub options: CommandLineSettings,
}

/// The settings in effect, and the errors of the files that were left out.
pub struct LoadedSettings {
    pub rules: RuleSet,
    /// The project root: rule path globs and `exclude` see paths relative to it.
    pub root: PathBuf,
    pub exclude: GlobSet,
    /// The configured rule files and folders.
    pub rule_paths: Vec<PathBuf>,
    pub errors: Vec<RuleError>,
}

impl RuleConfig {
    /// Reads the settings from the client's `initializationOptions`.
    ///
    /// Invalid options are reported in the error, and the server goes on without them.
    pub fn from_initialization_options(
        options: Option<&serde_json::Value>,
        start: &Path,
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
                    "invalid initializationOptions: {err}; expected {{ \"rules\": [\"PATH\", ...], \"noDefaultRules\": false }}, so they are ignored"
                )),
            ),
        };
        let absolute = |path: PathBuf| if path.is_relative() { start.join(path) } else { path };
        let config = RuleConfig {
            start: start.to_path_buf(),
            options: CommandLineSettings {
                rules: options.rules.into_iter().map(absolute).collect(),
                no_default_rules: options.no_default_rules,
                select: options.select,
                ignore: options.ignore,
                exclude: options.exclude,
                config: options.config.map(absolute),
            },
        };
        (config, error)
    }

    /// Loads the settings and rules, keeping the valid ones when some files are invalid.
    pub fn load(&self) -> LoadedSettings {
        let (settings, mut errors) = ProjectSettings::discover_valid(&self.start, &self.options);
        let (rules, rule_errors) = settings.rule_set_valid();
        errors.extend(rule_errors);
        let exclude = settings.exclude_set().unwrap_or_else(|err| {
            errors.push(err);
            GlobSet::empty()
        });
        LoadedSettings {
            rules,
            root: settings.root.clone(),
            exclude,
            rule_paths: settings.rule_paths(),
            errors,
        }
    }
}

/// Whether a change to the file at `path` can change the settings: it is a configuration file
/// (`mockfix.toml` or a `Cargo.toml`), one of the configured `rule_paths`, or a `*.toml` file
/// directly inside a configured rule folder.
pub fn is_settings_file(rule_paths: &[PathBuf], path: &Path) -> bool {
    let name = path.file_name().and_then(|name| name.to_str());
    if name.is_some_and(|name| name == CONFIG_FILE_NAME || name == "Cargo.toml") {
        return true;
    }
    let is_toml = path.extension().is_some_and(|ext| ext == "toml");
    rule_paths
        .iter()
        .any(|rule_path| path == rule_path || (is_toml && path.parent() == Some(rule_path.as_path())))
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
    fn relative_paths_start_at_workspace_folder() {
        let options = serde_json::json!({
            "rules": ["my-rules", "/etc/mockfix"],
            "noDefaultRules": true,
            "config": "ci/mockfix.toml"
        });
        let (config, error) = RuleConfig::from_initialization_options(Some(&options), Path::new("/work/app"));
        assert_eq!(error, None);
        assert_eq!(
            config.options.rules,
            vec![PathBuf::from("/work/app/my-rules"), PathBuf::from("/etc/mockfix")]
        );
        assert!(config.options.no_default_rules);
        assert_eq!(config.options.config, Some(PathBuf::from("/work/app/ci/mockfix.toml")));
    }

    #[test]
    fn invalid_options_are_ignored() {
        for options in [serde_json::json!({ "rules": 42 }), serde_json::json!({ "rulez": [] })] {
            let (config, error) = RuleConfig::from_initialization_options(Some(&options), Path::new("/w"));
            assert!(config.options.rules.is_empty());
            assert!(!config.options.no_default_rules);
            assert!(error.unwrap().contains("invalid initializationOptions"));
        }
    }

    #[test]
    fn is_settings_file_matches_config_and_rule_files() {
        let rule_paths = [PathBuf::from("/r"), PathBuf::from("/one/rule.toml")];
        assert!(is_settings_file(&rule_paths, Path::new("/r/a.toml")));
        assert!(is_settings_file(&rule_paths, Path::new("/one/rule.toml")));
        assert!(is_settings_file(&rule_paths, Path::new("/w/mockfix.toml")));
        assert!(is_settings_file(&rule_paths, Path::new("/w/crates/app/Cargo.toml")));
        assert!(!is_settings_file(&rule_paths, Path::new("/r/sub/a.toml")));
        assert!(!is_settings_file(&rule_paths, Path::new("/r/a.rs")));
        assert!(!is_settings_file(&rule_paths, Path::new("/one/other.toml")));
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

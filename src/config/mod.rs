//! Rules: the built-in rule files embedded in the binary, user rule files, and the compile step
//! that checks them.
//!
//! A rule file is read into the serde types of `rule_file` and then compiled into a `Rule`, so
//! that a mistake in any rule stops the run before a single source file is read. Every error
//! names the file, and the line, column and key when the mistake has a place in the file.

mod compile;
pub mod project;
mod rule_file;

use std::fmt;
use std::path::{Path, PathBuf};

pub use compile::{
    compile_rule, is_identifier, AsyncLock, AtomicOrdering, GoMutexType, LockPolicy, Rule, RuleTest, StateKind,
    Strategy, DEFAULT_TEST_PATH,
};

/// The built-in rules: `(id, TOML text)`. The id is the file name without `.toml`.
pub const BUILTIN_RULES: &[(&str, &str)] = &[
    (
        "cell-in-shared-double",
        include_str!("../../rules/cell-in-shared-double.toml"),
    ),
    (
        "rc-in-shared-double",
        include_str!("../../rules/rc-in-shared-double.toml"),
    ),
    (
        "go-unsynchronized-mock",
        include_str!("../../rules/go-unsynchronized-mock.toml"),
    ),
    (
        "refcell-in-shared-double",
        include_str!("../../rules/refcell-in-shared-double.toml"),
    ),
    (
        "split-atomic-update-in-double",
        include_str!("../../rules/split-atomic-update-in-double.toml"),
    ),
    (
        "static-mut-in-tests",
        include_str!("../../rules/static-mut-in-tests.toml"),
    ),
    (
        "unsafe-sync-over-cell",
        include_str!("../../rules/unsafe-sync-over-cell.toml"),
    ),
];

/// An invalid rule file or a rule path that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: PathBuf,
    /// One-based line and column of the mistake, when it has a place in the file.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for RuleError {}

/// The rules of one run, in a stable order: built-ins first, then user rules in the order given.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// Compiles the embedded built-in rules.
    pub fn builtin() -> RuleSet {
        let rules = BUILTIN_RULES
            .iter()
            .map(|(id, text)| {
                let file = PathBuf::from(format!("<built-in>/{id}.toml"));
                compile::compile_rule(id, &file, text).unwrap_or_else(|err| panic!("built-in rule is invalid: {err}"))
            })
            .collect();
        RuleSet { rules }
    }

    /// Builds the rule set of a run: the built-ins unless `no_default_rules`, then each rule file
    /// or folder of `.toml` files in `paths`. A user rule with the id of an earlier rule replaces it.
    pub fn load(paths: &[PathBuf], no_default_rules: bool) -> Result<RuleSet, Vec<RuleError>> {
        let (set, errors) = RuleSet::load_valid(paths, no_default_rules);
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    /// Like `load`, but keeps the rules that compile and returns the errors of the others.
    ///
    /// A command-line run reports invalid rule files and checks nothing. The language server keeps
    /// checking with the valid rules and shows the errors in the editor until they are fixed.
    pub fn load_valid(paths: &[PathBuf], no_default_rules: bool) -> (RuleSet, Vec<RuleError>) {
        let mut set = if no_default_rules {
            RuleSet::default()
        } else {
            RuleSet::builtin()
        };
        let mut errors = Vec::new();
        for path in paths {
            for file in match rule_files_under(path) {
                Ok(files) => files,
                Err(err) => {
                    errors.push(err);
                    continue;
                }
            } {
                match load_rule_file(&file) {
                    Ok(rule) => set.insert(rule),
                    Err(err) => errors.push(err),
                }
            }
        }
        (set, errors)
    }

    fn insert(&mut self, rule: Rule) {
        match self.rules.iter_mut().find(|existing| existing.id == rule.id) {
            Some(existing) => *existing = rule,
            None => self.rules.push(rule),
        }
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id == id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Rule> {
        self.rules.iter_mut().find(|rule| rule.id == id)
    }

    pub fn ids(&self) -> Vec<&str> {
        self.rules.iter().map(|rule| rule.id.as_str()).collect()
    }

    pub fn enabled(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(|rule| rule.enabled)
    }

    /// Words of which at least one occurs in every file that an enabled rule can match.
    pub fn trigger_words(&self) -> Vec<&'static str> {
        let mut words: Vec<&'static str> = self
            .enabled()
            .flat_map(|rule| rule.state_kinds.iter().flat_map(|kind| kind.trigger_words()))
            .copied()
            .collect();
        words.sort_unstable();
        words.dedup();
        words
    }
}

/// Lists the rule files that `path` names: the file itself, or the `*.toml` files directly in a folder.
pub fn rule_files_under(path: &Path) -> Result<Vec<PathBuf>, RuleError> {
    let metadata = std::fs::metadata(path).map_err(|err| RuleError {
        file: path.to_path_buf(),
        position: None,
        message: format!("cannot read rule path: {err}"),
    })?;
    if metadata.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|err| RuleError {
        file: path.to_path_buf(),
        position: None,
        message: format!("cannot read rule folder: {err}"),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|file| file.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads and compiles one rule file; the rule id is the file name without `.toml`.
pub fn load_rule_file(file: &Path) -> Result<Rule, RuleError> {
    let bytes = std::fs::read(file).map_err(|err| RuleError {
        file: file.to_path_buf(),
        position: None,
        message: format!("cannot read rule file: {err}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| RuleError {
        file: file.to_path_buf(),
        position: None,
        message: "rule file is not valid UTF-8".to_string(),
    })?;
    let id = file.file_stem().and_then(|stem| stem.to_str()).unwrap_or_default();
    compile::compile_rule(id, file, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_compile() {
        let set = RuleSet::builtin();
        assert_eq!(set.rules.len(), BUILTIN_RULES.len());
    }

    #[test]
    fn load_valid_keeps_valid_rules_beside_invalid_ones() {
        let folder = tempfile::tempdir().unwrap();
        let valid = BUILTIN_RULES[0].1.replace("\"Mock*\"", "\"*Recorder\"");
        std::fs::write(folder.path().join("recorder-in-tests.toml"), valid).unwrap();
        std::fs::write(folder.path().join("broken-rule.toml"), "summary = 1\n").unwrap();

        let (set, errors) = RuleSet::load_valid(&[folder.path().to_path_buf()], false);

        let ids: Vec<&str> = set.rules.iter().map(|rule| rule.id.as_str()).collect();
        assert!(ids.contains(&"recorder-in-tests"), "{ids:?}");
        assert_eq!(set.rules.len(), BUILTIN_RULES.len() + 1);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].file.ends_with("broken-rule.toml"), "{}", errors[0]);
        assert!(RuleSet::load(&[folder.path().to_path_buf()], false).is_err());
    }

    #[test]
    fn every_rule_file_is_embedded() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| {
                entry
                    .unwrap()
                    .path()
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = BUILTIN_RULES.iter().map(|(id, _)| id.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }
}

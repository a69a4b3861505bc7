//! Discovery: a parallel, gitignore-aware walk over the given paths that hands each Rust and Go
//! file to a worker, and the byte-level prefilter that lets most files skip decoding and parsing.

use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;

use crate::config::RuleSet;
use crate::language::Language;
use ignore::{WalkBuilder, WalkState};

/// Decides from a file's bytes whether it can hold a finding, before the file is decoded or
/// parsed: for some rule of the file's language, the file must contain one of the rule's state
/// words (`RefCell`) and one of its name words (`Mock`, `Fake`, ...).
pub struct Prefilter {
    matcher: Option<AhoCorasick>,
    /// For each rule, its language and the pattern ids of its state words and of its name words
    /// (`None`: any name).
    rules: Vec<(Language, Vec<usize>, Option<Vec<usize>>)>,
}

impl Prefilter {
    pub fn new(rules: &RuleSet) -> Prefilter {
        let mut words: Vec<String> = Vec::new();
        let mut id_of = |word: &String| match words.iter().position(|known| known == word) {
            Some(id) => id,
            None => {
                words.push(word.clone());
                words.len() - 1
            }
        };
        let mut groups = Vec::new();
        for rule in rules.enabled() {
            let (state, names) = rule.required_words();
            let state_ids = state.iter().map(&mut id_of).collect();
            let name_ids = names.map(|names| names.iter().map(&mut id_of).collect());
            groups.push((rule.language, state_ids, name_ids));
        }
        let matcher = if words.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(&words).expect("words are plain literals"))
        };
        Prefilter { matcher, rules: groups }
    }

    /// Whether a file of `language` with these bytes can hold a finding.
    pub fn is_candidate(&self, bytes: &[u8], language: Language) -> bool {
        let Some(matcher) = &self.matcher else { return false };
        let mut found = vec![false; matcher.patterns_len()];
        for hit in matcher.find_overlapping_iter(bytes) {
            found[hit.pattern().as_usize()] = true;
        }
        self.rules.iter().any(|(rule_language, state, names)| {
            *rule_language == language
                && state.iter().any(|id| found[*id])
                && names.as_ref().is_none_or(|names| names.iter().any(|id| found[*id]))
        })
    }
}

/// A path that the walk could not read.
#[derive(Debug)]
pub struct WalkError {
    pub path: Option<PathBuf>,
    pub message: String,
}

/// Calls `visit` on every `.rs` and `.go` file under `roots`, from several threads at once, in no
/// fixed order. `target/` folders, hidden files and files ignored by `.gitignore` or `.ignore`
/// are skipped; a root that is itself a file is always visited.
pub fn for_each_source_file<F>(roots: &[PathBuf], visit: F) -> Vec<WalkError>
where
    F: Fn(&Path) + Sync,
{
    let Some((first, rest)) = roots.split_first() else {
        return Vec::new();
    };
    let mut builder = WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    builder.filter_entry(|entry| {
        // Cargo's build output is never source; skip it even where no .gitignore lists it.
        !(entry.depth() > 0 && entry.file_type().is_some_and(|kind| kind.is_dir()) && entry.file_name() == "target")
    });

    let errors = std::sync::Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        Box::new(|result| {
            match result {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
                    let is_source = Language::of_path(entry.path()).is_some();
                    if is_file && is_source {
                        visit(entry.path());
                    } else if is_file && entry.depth() == 0 {
                        log::warn!(
                            "{}: not a Rust (.rs) or Go (.go) source file, skipped",
                            entry.path().display()
                        );
                    }
                }
                Err(err) => {
                    let path = error_path(&err);
                    errors
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(WalkError {
                            path,
                            message: err.to_string(),
                        });
                }
            }
            WalkState::Continue
        })
    });
    errors.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefilter_needs_state_and_name_words() {
        let prefilter = Prefilter::new(&RuleSet::builtin());
        let rust = Language::Rust;
        assert!(prefilter.is_candidate(b"use std::cell::RefCell; struct MockMailer", rust));
        assert!(prefilter.is_candidate(b"struct FakeClock { now: AtomicU64 }", rust));
        assert!(!prefilter.is_candidate(b"use std::cell::RefCell; struct Registry", rust));
        assert!(!prefilter.is_candidate(b"struct MockMailer; fn main() {}", rust));
    }

    #[test]
    fn prefilter_uses_rules_of_file_language() {
        let prefilter = Prefilter::new(&RuleSet::builtin());
        let go_mock = b"type MockMailer struct{ sent []string }\nfunc (m *MockMailer) Send() {}";
        assert!(prefilter.is_candidate(go_mock, Language::Go));
        assert!(!prefilter.is_candidate(go_mock, Language::Rust));
        assert!(!prefilter.is_candidate(b"RefCell MockMailer", Language::Go));
    }

    #[test]
    fn prefilter_without_rules_matches_nothing() {
        assert!(!Prefilter::new(&RuleSet::default()).is_candidate(b"RefCell MockMailer", Language::Rust));
    }
}

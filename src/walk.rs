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
        self.any_rule_matches(&found, language)
    }

    /// Like `is_candidate`, for a file read in pieces, so that a large file need not fit in memory.
    /// Words that overlap another word can be missed, so a file may pass that `is_candidate`
    /// would drop, never the other way round for words that stand alone.
    pub fn is_candidate_stream(&self, reader: impl std::io::Read, language: Language) -> std::io::Result<bool> {
        let Some(matcher) = &self.matcher else { return Ok(false) };
        let mut found = vec![false; matcher.patterns_len()];
        let hits = matcher
            .try_stream_find_iter(reader)
            .expect("the default match kind supports streams");
        for hit in hits {
            found[hit?.pattern().as_usize()] = true;
        }
        Ok(self.any_rule_matches(&found, language))
    }

    fn any_rule_matches(&self, found: &[bool], language: Language) -> bool {
        self.rules.iter().any(|(rule_language, state, names)| {
            *rule_language == language
                && state.iter().any(|id| found[*id])
                && names.as_ref().is_none_or(|names| names.iter().any(|id| found[*id]))
        })
    }
}

/// Checks that a path given on the command line can be walked, and returns the message to show
/// when it cannot.
pub fn check_root(path: &Path) -> Result<(), String> {
    let Err(err) = std::fs::metadata(path) else {
        return Ok(());
    };
    let is_dangling_link = std::fs::symlink_metadata(path).is_ok();
    Err(match err.kind() {
        std::io::ErrorKind::NotFound if is_dangling_link => {
            "path not found: it is a symbolic link to a file that does not exist".to_string()
        }
        std::io::ErrorKind::NotFound => {
            "path not found; check the spelling or run mockfix from another folder".to_string()
        }
        std::io::ErrorKind::NotADirectory => {
            "path not found: a part of it before the last `/` is a file, not a folder".to_string()
        }
        _ => format!("cannot read: {err}"),
    })
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
    for_each_source_file_in(roots, |_root, path| visit(path))
}

/// Like `for_each_source_file`, and passes `visit` the root that each file was found under.
///
/// Symbolic links to files are visited too, by the link's path; links to folders are not
/// followed, except when a root is one.
pub fn for_each_source_file_in<F>(roots: &[PathBuf], visit: F) -> Vec<WalkError>
where
    F: Fn(&Path, &Path) + Sync,
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
                    let is_link = entry.file_type().is_some_and(|kind| kind.is_symlink());
                    let is_file = entry.file_type().is_some_and(|kind| kind.is_file())
                        || (is_link && std::fs::metadata(entry.path()).is_ok_and(|target| target.is_file()));
                    let is_source = Language::of_path(entry.path()).is_some();
                    if is_file && is_source {
                        visit(root_of(roots, entry.path()), entry.path());
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

/// Finds the root that `path` was found under: the longest root that it starts with.
fn root_of<'a>(roots: &'a [PathBuf], path: &'a Path) -> &'a Path {
    roots
        .iter()
        .filter(|root| path.starts_with(root))
        .max_by_key(|root| root.components().count())
        .map_or(path, PathBuf::as_path)
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
    fn root_of_picks_longest_root() {
        let roots = [
            PathBuf::from("src"),
            PathBuf::from("src/tests"),
            PathBuf::from("benches"),
        ];
        assert_eq!(root_of(&roots, Path::new("src/tests/a.rs")), Path::new("src/tests"));
        assert_eq!(root_of(&roots, Path::new("src/lib.rs")), Path::new("src"));
        assert_eq!(root_of(&roots, Path::new("benches/b.rs")), Path::new("benches"));
    }

    #[test]
    fn prefilter_reads_streams() {
        let prefilter = Prefilter::new(&RuleSet::builtin());
        let double = &b"use std::cell::RefCell;\nstruct MockMailer { sent: RefCell<Vec<String>> }"[..];
        assert!(prefilter.is_candidate_stream(double, Language::Rust).unwrap());
        assert!(!prefilter
            .is_candidate_stream(&b"fn main() {}"[..], Language::Rust)
            .unwrap());
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

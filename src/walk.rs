//! Discovery: a parallel, gitignore-aware walk over the given paths that hands each Rust and Go
//! file to a worker, and the byte-level prefilter that lets most files skip decoding and parsing.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::{AhoCorasick, MatchKind};

use crate::config::RuleSet;
use crate::language::Language;
use ignore::{WalkBuilder, WalkState};

/// Decides from a file's bytes whether it can hold a finding, before the file is decoded or
/// parsed. For some rule of the file's language, the file must contain one of the rule's state
/// words (`RefCell`) and one of its name words (`Mock`, `Fake`, ...). When the state kind has
/// companion words (`Cell` for `unsafe impl`), it must also contain one of those.
pub struct Prefilter {
    /// Words of which a candidate contains at least one: for each rule, one group of words that
    /// the rule requires. Most files contain none, and one fast search without overlaps rejects
    /// them before the search for every word.
    gate: Option<AhoCorasick>,
    matcher: Option<AhoCorasick>,
    rules: Vec<RuleWords>,
}

/// The pattern ids of one rule's words.
struct RuleWords {
    language: Language,
    /// For each state kind, its trigger words and its companion words (empty: none needed).
    kinds: Vec<(Vec<usize>, Vec<usize>)>,
    /// The name words; `None` when any name can match.
    names: Option<Vec<usize>>,
}

impl Prefilter {
    pub fn new(rules: &RuleSet) -> Prefilter {
        let mut words: Vec<String> = Vec::new();
        let mut id_of = |word: &str| match words.iter().position(|known| known == word) {
            Some(id) => id,
            None => {
                words.push(word.to_string());
                words.len() - 1
            }
        };
        let mut groups = Vec::new();
        let mut gate_words: Vec<String> = Vec::new();
        for rule in rules.enabled() {
            let (_, names) = rule.required_words();
            let triggers: Vec<&str> = rule
                .state_kinds
                .iter()
                .flat_map(|kind| kind.trigger_words())
                .copied()
                .collect();
            // The name words gate the rule, unless any name matches, or a name word is part of a
            // state word and so occurs wherever that does (`unsafe` in `unsafe impl`).
            let gate: Vec<String> = match &names {
                Some(names)
                    if !names
                        .iter()
                        .any(|name| triggers.iter().any(|word| word.contains(name.as_str()))) =>
                {
                    names.clone()
                }
                _ => triggers.iter().map(|word| word.to_string()).collect(),
            };
            for word in gate {
                if !gate_words.contains(&word) {
                    gate_words.push(word);
                }
            }
            let kinds = rule
                .state_kinds
                .iter()
                .map(|kind| {
                    let triggers = kind.trigger_words().iter().map(|word| id_of(word)).collect();
                    let companions = kind.companion_words().iter().map(|word| id_of(word)).collect();
                    (triggers, companions)
                })
                .collect();
            let names = names.map(|names| names.iter().map(|word| id_of(word)).collect());
            groups.push(RuleWords {
                language: rule.language,
                kinds,
                names,
            });
        }
        let matcher = if words.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(&words).expect("words are plain literals"))
        };
        // Leftmost-first matching lets the search skip ahead with SIMD; whether any word occurs
        // does not depend on the match kind.
        let gate = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&gate_words)
            .ok()
            .filter(|_| !gate_words.is_empty());
        Prefilter {
            gate,
            matcher,
            rules: groups,
        }
    }

    /// Whether a file of `language` with these bytes can hold a finding.
    pub fn is_candidate(&self, bytes: &[u8], language: Language) -> bool {
        let (Some(gate), Some(matcher)) = (&self.gate, &self.matcher) else {
            return false;
        };
        if !gate.is_match(bytes) {
            return false;
        }
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
        let any = |ids: &[usize]| ids.iter().any(|id| found[*id]);
        self.rules.iter().any(|rule| {
            let state = rule
                .kinds
                .iter()
                .any(|(triggers, companions)| any(triggers) && (companions.is_empty() || any(companions)));
            rule.language == language && state && rule.names.as_deref().is_none_or(any)
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

/// Calls `work` on every item of `items`, on one thread per core, each taking the next item
/// that no thread has taken yet.
pub fn for_each_in_parallel<T, F>(items: &[T], work: F)
where
    T: Sync,
    F: Fn(&T) + Sync,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(items.len());
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) {
                    work(item);
                }
            });
        }
    });
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
        assert!(prefilter.is_candidate(b"struct Slot { v: UnsafeCell<u8> } unsafe impl Sync for Slot {}", rust));
        assert!(!prefilter.is_candidate(b"struct Slot { v: *mut u8 } unsafe impl Sync for Slot {}", rust));
    }

    #[test]
    fn parallel_work_visits_each_item_once() {
        let items: Vec<usize> = (0..100).collect();
        let visits: Vec<AtomicUsize> = items.iter().map(|_| AtomicUsize::new(0)).collect();
        for_each_in_parallel(&items, |item| {
            visits[*item].fetch_add(1, Ordering::Relaxed);
        });
        for (item, count) in visits.iter().enumerate() {
            assert_eq!(count.load(Ordering::Relaxed), 1, "item {item}");
        }
        for_each_in_parallel(&[] as &[usize], |_| panic!("no item to visit"));
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

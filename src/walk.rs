//! Discovery: a parallel, gitignore-aware walk over the given paths that hands each Rust file to
//! a worker, and the byte-level prefilter that lets most files skip decoding and parsing.

use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;
use ignore::{WalkBuilder, WalkState};

/// Decides from a file's bytes whether it can hold a finding: it must contain one of the rules'
/// trigger words, such as `RefCell`.
pub struct Prefilter {
    matcher: Option<AhoCorasick>,
}

impl Prefilter {
    pub fn new(words: &[&str]) -> Prefilter {
        let matcher = if words.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(words).expect("trigger words are plain literals"))
        };
        Prefilter { matcher }
    }

    pub fn is_candidate(&self, bytes: &[u8]) -> bool {
        self.matcher.as_ref().is_some_and(|matcher| matcher.is_match(bytes))
    }
}

/// A path that the walk could not read.
#[derive(Debug)]
pub struct WalkError {
    pub path: Option<PathBuf>,
    pub message: String,
}

/// Calls `visit` on every `.rs` file under `roots`, from several threads at once, in no fixed
/// order. `target/` folders, hidden files and files ignored by `.gitignore` or `.ignore` are
/// skipped; a root that is itself a file is always visited.
pub fn for_each_rust_file<F>(roots: &[PathBuf], visit: F) -> Vec<WalkError>
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
                    let is_rust = entry.path().extension().is_some_and(|ext| ext == "rs");
                    if is_file && is_rust {
                        visit(entry.path());
                    } else if is_file && entry.depth() == 0 {
                        log::warn!("{}: not a Rust source file (.rs), skipped", entry.path().display());
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
    fn prefilter_matches_trigger_words_only() {
        let prefilter = Prefilter::new(&["RefCell", "Atomic"]);
        assert!(prefilter.is_candidate(b"use std::cell::RefCell;"));
        assert!(prefilter.is_candidate(b"x: AtomicUsize"));
        assert!(!prefilter.is_candidate(b"fn main() {}"));
    }

    #[test]
    fn prefilter_without_words_matches_nothing() {
        assert!(!Prefilter::new(&[]).is_candidate(b"RefCell"));
    }
}

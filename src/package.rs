//! The Rust files of a Cargo package, or the Go files of a Go package, read once per run.
//!
//! A fix changes one double, but the double's fields and literals may be used by any file of its
//! package: tests in `tests/`, a `#[cfg(test)]` module elsewhere, shared helpers, the other files
//! of a Go package's folder. The run reads the package's files here and finds those that name a
//! fixed double, so their uses can follow.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use memchr::memmem;

use crate::language::Language;

/// The files of one package with their bytes.
type Files = Vec<(PathBuf, Vec<u8>)>;

/// Files of each package searched so far, keyed by the package folder and language.
#[derive(Default)]
pub struct PackageFiles {
    packages: HashMap<(PathBuf, Language), Files>,
}

impl PackageFiles {
    /// Returns the files of `language` in the package at `root` with their bytes. For Rust these
    /// are the `.rs` files under `root`, skipping `target/` and files that `.gitignore` or
    /// `.ignore` exclude. For Go they are the `.go` files directly in `root`. Paths are canonical.
    pub fn files(&mut self, root: &Path, language: Language) -> &[(PathBuf, Vec<u8>)] {
        self.packages
            .entry((root.to_path_buf(), language))
            .or_insert_with(|| read_package_files(root, language))
    }
}

/// The folder of the package that contains `file`: for Rust, the nearest `Cargo.toml` above it,
/// or the file's folder when there is none; for Go, whose packages are folders, the file's folder.
/// `file` must be canonical.
pub fn package_root(file: &Path) -> PathBuf {
    let folder = file.parent().map(Path::to_path_buf).unwrap_or_default();
    if Language::of_path(file) == Some(Language::Go) {
        return folder;
    }
    folder
        .ancestors()
        .find(|candidate| candidate.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
        .unwrap_or(folder)
}

fn read_package_files(root: &Path, language: Language) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    // Without a `Cargo.toml` the folder is not a Rust package, and its subfolders may hold
    // anything, so only the folder's own files count. A Go package never spans folders.
    let is_package = language == Language::Rust && root.join("Cargo.toml").is_file();
    let walker = ignore::WalkBuilder::new(root)
        .max_depth(if is_package { None } else { Some(1) })
        .filter_entry(|entry| !(entry.depth() > 0 && entry.file_name() == "target"))
        .build();
    for entry in walker.flatten() {
        let in_language = Language::of_path(entry.path()) == Some(language);
        if !in_language || !entry.file_type().is_some_and(|kind| kind.is_file()) {
            continue;
        }
        let path = std::fs::canonicalize(entry.path()).unwrap_or_else(|_| entry.path().to_path_buf());
        match std::fs::read(&path) {
            Ok(bytes) => files.push((path, bytes)),
            Err(err) => log::warn!("{}: not searched for uses of fixed doubles: {err}", path.display()),
        }
    }
    files
}

/// Whether `needle` occurs in `bytes` as a whole word: not followed by an identifier character,
/// and, when `needle` starts with one, not preceded by one.
pub fn contains_word(bytes: &[u8], needle: &[u8]) -> bool {
    let is_ident = |byte: u8| byte == b'_' || byte.is_ascii_alphanumeric();
    let checks_start = needle.first().is_some_and(|byte| is_ident(*byte));
    memmem::find_iter(bytes, needle).any(|at| {
        let before_ok = !checks_start || at == 0 || !is_ident(bytes[at - 1]);
        let after_ok = bytes.get(at + needle.len()).is_none_or(|byte| !is_ident(*byte));
        before_ok && after_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_word_respects_boundaries() {
        assert!(contains_word(b"let m = MockQueue::new();", b"MockQueue"));
        assert!(!contains_word(b"let m = MockQueueX::new();", b"MockQueue"));
        assert!(!contains_word(b"let m = AMockQueue::new();", b"MockQueue"));
        assert!(contains_word(b"m.calls.borrow()", b".calls"));
        assert!(!contains_word(b"m.calls_made", b".calls"));
    }

    #[test]
    fn package_root_is_nearest_manifest() {
        let folder = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(folder.path()).unwrap();
        std::fs::create_dir_all(root.join("crate/src/inner")).unwrap();
        std::fs::write(root.join("crate/Cargo.toml"), "").unwrap();
        assert_eq!(package_root(&root.join("crate/src/inner/a.rs")), root.join("crate"));
        assert_eq!(package_root(&root.join("loose.rs")), root);
        assert_eq!(
            package_root(&root.join("crate/src/inner/mock_test.go")),
            root.join("crate/src/inner")
        );
    }
}

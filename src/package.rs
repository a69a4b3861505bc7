//! The Rust files of a Cargo package, or the Go files of a Go package, read once per run.
//!
//! A fix changes one double, but the double's fields and literals may be used by any file of its
//! package: tests in `tests/`, a `#[cfg(test)]` module elsewhere, shared helpers, the other files
//! of a Go package's folder. The run reads the package's files here and finds those that name a
//! fixed double, so their uses can follow.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use memchr::memmem;

use crate::language::Language;
use crate::walk::for_each_in_parallel;

/// The files of one package with their bytes.
type Files = Vec<(PathBuf, Vec<u8>)>;

/// A package folder and the language of its files.
pub type PackageKey = (PathBuf, Language);

/// Files of each package searched so far, keyed by the package folder and language.
#[derive(Default)]
pub struct PackageFiles {
    packages: HashMap<PackageKey, Files>,
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

/// The files of each package searched so far that name each double, for a command-line run.
///
/// Unlike `PackageFiles`, it keeps only paths and search results, not the files' bytes: the
/// packages of a run over a large tree can hold most of its files.
#[derive(Default)]
pub struct PackageSearch {
    packages: HashMap<PackageKey, Package>,
}

#[derive(Default)]
struct Package {
    /// The package's files, canonical, in the order of the walk.
    files: Vec<PathBuf>,
    /// For each name searched for, the indexes into `files` of the files that contain it as a
    /// whole word.
    naming: HashMap<String, Vec<usize>>,
}

impl PackageSearch {
    /// Reads the files of the packages in `wanted`, each with names, and finds which files
    /// contain each name as a whole word. Files are read on all cores, and a package is read
    /// again only for names it was not searched for before.
    // FIXME: this reads every file of such a package again, although the walk has just read most
    // of them, which on a tree where most packages have a fixed double is most of the tree.
    pub fn search(&mut self, wanted: &[(PackageKey, Vec<String>)]) {
        let mut tasks: Vec<(PackageKey, usize, PathBuf, Vec<String>)> = Vec::new();
        for (key, names) in wanted {
            let package = self.packages.entry(key.clone()).or_insert_with(|| Package {
                files: package_files(&key.0, key.1),
                naming: HashMap::new(),
            });
            let mut missing: Vec<String> = Vec::new();
            for name in names {
                if !package.naming.contains_key(name) && !missing.contains(name) {
                    missing.push(name.clone());
                }
            }
            if missing.is_empty() {
                continue;
            }
            for name in &missing {
                package.naming.insert(name.clone(), Vec::new());
            }
            for (index, path) in package.files.iter().enumerate() {
                tasks.push((key.clone(), index, path.clone(), missing.clone()));
            }
        }

        let found = Mutex::new(Vec::new());
        for_each_in_parallel(&tasks, |(key, index, path, names)| {
            let bytes = match std::fs::read(path) {
                Ok(bytes) => bytes,
                Err(err) => {
                    log::warn!("{}: not searched for uses of fixed doubles: {err}", path.display());
                    return;
                }
            };
            for name in names {
                if contains_word(&bytes, name.as_bytes()) {
                    found.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((
                        key.clone(),
                        *index,
                        name.clone(),
                    ));
                }
            }
        });
        let mut found = found.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        // The files were read in no fixed order; each list keeps the order of the walk.
        found.sort();
        for (key, index, name) in found {
            if let Some(files) = self
                .packages
                .get_mut(&key)
                .and_then(|package| package.naming.get_mut(&name))
            {
                files.push(index);
            }
        }
    }

    /// Returns the files of the package `key` that contain `name` as a whole word, in the order
    /// of the walk. Empty unless `search` looked for `name` in that package.
    pub fn files_naming(&self, key: &PackageKey, name: &str) -> Vec<&PathBuf> {
        let Some(package) = self.packages.get(key) else {
            return Vec::new();
        };
        let indexes = package.naming.get(name).map_or(&[][..], Vec::as_slice);
        indexes.iter().map(|index| &package.files[*index]).collect()
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
    crate::workspace::package_folder(file)
        .map(Path::to_path_buf)
        .unwrap_or(folder)
}

fn read_package_files(root: &Path, language: Language) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for path in package_files(root, language) {
        match std::fs::read(&path) {
            Ok(bytes) => files.push((path, bytes)),
            Err(err) => log::warn!("{}: not searched for uses of fixed doubles: {err}", path.display()),
        }
    }
    files
}

/// Returns the canonical paths of the files of `language` in the package at `root`, as
/// `PackageFiles::files` describes them.
fn package_files(root: &Path, language: Language) -> Vec<PathBuf> {
    let mut files = Vec::new();
    // Without a `Cargo.toml` the folder is not a Rust package, and its subfolders may hold
    // anything, so only the folder's own files count. A Go package never spans folders.
    let is_package = language == Language::Rust && root.join("Cargo.toml").is_file();
    let walker = ignore::WalkBuilder::new(root)
        .max_depth(if is_package { None } else { Some(1) })
        // A subfolder with a `Cargo.toml` of its own is another package, with other types.
        .filter_entry(|entry| {
            let nested = entry.depth() > 0
                && (entry.file_name() == "target"
                    || (entry.file_type().is_some_and(|kind| kind.is_dir())
                        && entry.path().join("Cargo.toml").is_file()));
            !nested
        })
        .build();
    for entry in walker.flatten() {
        let in_language = Language::of_path(entry.path()) == Some(language);
        if !in_language || !entry.file_type().is_some_and(|kind| kind.is_file()) {
            continue;
        }
        files.push(std::fs::canonicalize(entry.path()).unwrap_or_else(|_| entry.path().to_path_buf()));
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

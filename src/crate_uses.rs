//! Uses of a double outside its own file.
//!
//! A fix rewrites one file. When another file of the same package builds the double with a
//! struct literal or reaches one of the fields the fix changes (`mock.calls.borrow()` in a test
//! elsewhere), that file would stop compiling, so the fix is marked as needing review and the
//! other file is named. The search is textual: it looks for the struct's name as a word, then for
//! `.field` or a literal `Name {`, and may mark a fix for a use that is really of another type.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use memchr::memmem;

use crate::fix::Finding;
use crate::ExternalReview;

/// The Rust files of each package that has been searched, read once per run.
#[derive(Default)]
pub struct PackageFiles {
    packages: HashMap<PathBuf, Vec<(PathBuf, Vec<u8>)>>,
}

impl PackageFiles {
    /// Returns the reviews for the fixed doubles of `file` that other files of its package use.
    pub fn reviews_for(&mut self, file: &Path, findings: &[Finding]) -> Vec<ExternalReview> {
        let fixed: Vec<&Finding> = findings.iter().filter(|finding| finding.fix.is_some()).collect();
        if fixed.is_empty() {
            return Vec::new();
        }
        let root = package_root(file);
        let files = self
            .packages
            .entry(root.clone())
            .or_insert_with(|| read_rust_files(&root));
        let own = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());

        let mut reviews = Vec::new();
        for finding in fixed {
            let users: Vec<String> = files
                .iter()
                .filter(|(path, _)| *path != own)
                .filter(|(_, bytes)| uses_double(bytes, &finding.struct_name, &finding.changed_fields))
                .map(|(path, _)| format!("`{}`", path.strip_prefix(&root).unwrap_or(path).display()))
                .collect();
            if users.is_empty() {
                continue;
            }
            log::debug!("`{}` is also used in {}", finding.struct_name, users.join(", "));
            reviews.push(ExternalReview {
                struct_name: finding.struct_name.clone(),
                reason: format!(
                    "{} also {} `{}`, and this fix changes only this file; update {} by hand",
                    users.join(", "),
                    if users.len() == 1 { "uses" } else { "use" },
                    finding.struct_name,
                    if users.len() == 1 { "it" } else { "them" },
                ),
            });
        }
        reviews
    }
}

/// The folder of the nearest `Cargo.toml` above `file`, or the file's folder when there is none.
fn package_root(file: &Path) -> PathBuf {
    let absolute = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let folder = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
    folder
        .ancestors()
        .find(|candidate| candidate.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
        .unwrap_or(folder)
}

fn read_rust_files(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .filter_entry(|entry| !(entry.depth() > 0 && entry.file_name() == "target"))
        .build();
    for entry in walker.flatten() {
        let is_rust = entry.path().extension().is_some_and(|ext| ext == "rs");
        if !is_rust || !entry.file_type().is_some_and(|kind| kind.is_file()) {
            continue;
        }
        match std::fs::read(entry.path()) {
            Ok(bytes) => files.push((entry.path().to_path_buf(), bytes)),
            Err(err) => log::debug!("{}: not searched for uses of doubles: {err}", entry.path().display()),
        }
    }
    files
}

fn uses_double(bytes: &[u8], struct_name: &str, fields: &[String]) -> bool {
    if !contains_word(bytes, struct_name.as_bytes()) {
        return false;
    }
    let literal = format!("{struct_name} {{");
    let literal_tight = format!("{struct_name}{{");
    if memmem::find(bytes, literal.as_bytes()).is_some() || memmem::find(bytes, literal_tight.as_bytes()).is_some() {
        return true;
    }
    fields
        .iter()
        .any(|field| contains_word(bytes, format!(".{field}").as_bytes()))
}

/// Whether `needle` occurs in `bytes` not followed by an identifier character, and, when it
/// starts with one, not preceded by one.
fn contains_word(bytes: &[u8], needle: &[u8]) -> bool {
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
    fn uses_double_needs_name_and_field_or_literal() {
        assert!(uses_double(
            b"MockQueue::new(); q.all.borrow()",
            "MockQueue",
            &["all".to_string()]
        ));
        assert!(uses_double(b"let q = MockQueue { all: x };", "MockQueue", &[]));
        assert!(!uses_double(b"q.all.borrow()", "MockQueue", &["all".to_string()]));
        assert!(!uses_double(
            b"MockQueue::new(); q.push(1)",
            "MockQueue",
            &["all".to_string()]
        ));
    }
}

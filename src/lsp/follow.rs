//! Uses of a document's doubles in the other files of its package, which follow their fixes.
//!
//! A command-line run rewrites a fixed double's uses in other files (`mock.sent.borrow()` in a
//! test elsewhere), and marks the fix as needing review when a use cannot follow. The server
//! does the same for one document at a time. When an analysis is made, each fixed double is
//! offered to the files that name it, and the reasons why a use cannot follow make the fix need
//! review. When a code action is requested, the rewritten uses become edits of those files in the
//! same workspace edit.
//!
//! The package's files come from disk, but a file open in the editor is read from the editor,
//! so that the edits match the text the client will change. Results for one double in one file
//! are cached until that file's text or the double's fix changes.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use lsp_types::Uri;

use super::document::Document;
use super::uri;
use crate::config::RuleSet;
use crate::edit::{self, TextEdit};
use crate::fix::{Conversion, Finding, ForeignDouble};
use crate::language::Language;
use crate::package::{contains_word, package_root, PackageFiles};
use crate::run::display_path;
use crate::workspace::{Edition, EditionLookup};
use crate::{fix_source_with, ExternalReview, FixPolicy, FixRequest};

/// Another file of the package that names a double, with the text the server plans on.
pub struct UserFile {
    pub path: PathBuf,
    /// The path shown in messages, relative to the project root.
    pub display: String,
    /// The edition of the file's package.
    pub edition: Edition,
    /// The file's package depends on the `tokio` crate.
    pub uses_tokio: bool,
    pub text: String,
    /// The URI and version of the open document, when the editor has the file open.
    pub open_as: Option<(Uri, i32)>,
}

impl UserFile {
    /// The URI of the file: the open document's, or one made from its path.
    pub fn uri(&self) -> Option<Uri> {
        match &self.open_as {
            Some((uri, _)) => Some(uri.clone()),
            None => uri::from_path(&self.path),
        }
    }
}

/// The uses of one double in one file after its fix.
#[derive(Clone)]
struct FollowedUses {
    /// Reasons why the uses cannot follow the fix; empty when they can.
    problems: Vec<ExternalReview>,
    /// The edits of the file that rewrite its uses, empty when there is nothing to rewrite.
    edits: Vec<TextEdit>,
}

struct CacheEntry {
    text_hash: u64,
    conversion: Conversion,
    uses: FollowedUses,
}

/// The results of offering one double to one file, by file and double name.
#[derive(Default)]
pub struct FollowCache {
    entries: HashMap<(PathBuf, String), CacheEntry>,
}

/// The server state that following uses: the package files, the cache and the open documents.
pub struct Follower<'a> {
    pub packages: &'a mut PackageFiles,
    pub cache: &'a mut FollowCache,
    pub documents: &'a HashMap<Uri, Document>,
    /// The project root, which the paths in messages are relative to.
    pub root: &'a Path,
    pub editions: &'a EditionLookup,
}

impl Follower<'_> {
    /// Returns the reviews that the fixes of `findings`, declared in `origin`, need because a
    /// use in another file cannot follow them.
    pub fn reviews(&mut self, origin: &Path, findings: &[Finding]) -> Vec<ExternalReview> {
        let mut reviews = Vec::new();
        for finding in findings {
            let Some(fix) = &finding.fix else { continue };
            let double = ForeignDouble {
                struct_name: finding.struct_name.clone(),
                conversion: fix.conversion.clone(),
            };
            for user in self.users(origin, &[&double.struct_name]) {
                reviews.extend(self.follow_one(&user, &double).problems);
            }
        }
        reviews
    }

    /// Returns the edits of other files that make their uses follow the fix of `double`.
    pub fn edits_for_one(&mut self, origin: &Path, double: &ForeignDouble) -> Vec<(UserFile, Vec<TextEdit>)> {
        let mut changes = Vec::new();
        for user in self.users(origin, &[&double.struct_name]) {
            let edits = self.follow_one(&user, double).edits;
            if !edits.is_empty() {
                changes.push((user, edits));
            }
        }
        changes
    }

    /// Returns the edits of other files that make their uses follow the fixes of `doubles`
    /// together. Uses that cannot follow stay as they are, as in a command-line run.
    pub fn edits_for_all(&mut self, origin: &Path, doubles: &[ForeignDouble]) -> Vec<(UserFile, Vec<TextEdit>)> {
        let names: Vec<&str> = doubles.iter().map(|double| double.struct_name.as_str()).collect();
        let mut changes = Vec::new();
        for user in self.users(origin, &names) {
            let offered: Vec<ForeignDouble> = doubles
                .iter()
                .filter(|double| contains_word(user.text.as_bytes(), double.struct_name.as_bytes()))
                .cloned()
                .collect();
            let edits = follow(&user, &offered).edits;
            if !edits.is_empty() {
                changes.push((user, edits));
            }
        }
        changes
    }

    /// The files of `origin`'s package, other than `origin`, that name one of `names`.
    fn users(&mut self, origin: &Path, names: &[&str]) -> Vec<UserFile> {
        let package = package_root(origin);
        let mut users = Vec::new();
        let language = Language::of_path(origin).unwrap_or(Language::Rust);
        for (path, bytes) in self.packages.files(&package, language) {
            if path == origin {
                continue;
            }
            let open = self
                .documents
                .iter()
                .find(|(_, document)| document.canonical_path.as_deref() == Some(path.as_path()));
            let (text, open_as) = match open {
                Some((uri, document)) => (document.text.clone(), Some((uri.clone(), document.version))),
                None => match crate::read::decode_utf8(bytes) {
                    Ok((_, text)) => (text.to_string(), None),
                    Err(err) => {
                        log::debug!("{}: not searched for uses of doubles: {err}", path.display());
                        continue;
                    }
                },
            };
            if !names.iter().any(|name| contains_word(text.as_bytes(), name.as_bytes())) {
                continue;
            }
            users.push(UserFile {
                path: path.clone(),
                display: display_path(path, self.root),
                edition: self.editions.edition_for(path).unwrap_or(Edition::DEFAULT),
                uses_tokio: self.editions.uses_tokio(path),
                text,
                open_as,
            });
        }
        users
    }

    fn follow_one(&mut self, user: &UserFile, double: &ForeignDouble) -> FollowedUses {
        let key = (user.path.clone(), double.struct_name.clone());
        let text_hash = hash_text(&user.text);
        if let Some(entry) = self.cache.entries.get(&key) {
            if entry.text_hash == text_hash && entry.conversion == double.conversion {
                return entry.uses.clone();
            }
        }
        let uses = follow(user, std::slice::from_ref(double));
        let entry = CacheEntry {
            text_hash,
            conversion: double.conversion.clone(),
            uses: uses.clone(),
        };
        self.cache.entries.insert(key, entry);
        uses
    }
}

/// Offers `doubles` to `user`, with no rules of its own, as a command-line run does with a file
/// that uses a double fixed elsewhere.
fn follow(user: &UserFile, doubles: &[ForeignDouble]) -> FollowedUses {
    let request = FixRequest {
        policy: FixPolicy {
            include_needs_review: false,
        },
        reviews: &[],
        only_struct: None,
        foreign: doubles,
        edition: user.edition,
        uses_tokio: user.uses_tokio,
    };
    match fix_source_with(&user.display, &user.text, &RuleSet::default(), &request) {
        Ok(outcome) => FollowedUses {
            problems: outcome.foreign_problems,
            edits: edit::diff_edits(&user.text, &outcome.fixed_text),
        },
        Err(err) => FollowedUses {
            problems: doubles
                .iter()
                .map(|double| ExternalReview {
                    struct_name: double.struct_name.clone(),
                    reason: format!("`{}` uses it and cannot be changed: {err}", user.display),
                })
                .collect(),
            edits: Vec::new(),
        },
    }
}

fn hash_text(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

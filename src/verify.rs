//! `--verify`: checks with the compiler that the written fixes added no error, finishes the fixes
//! that the compiler's errors show how to finish, and otherwise restores every changed file.
//!
//! 1. Before anything is written, `cargo metadata` finds the Cargo package of each changed file,
//!    and `cargo check --all-targets --message-format=json` on those packages gives the errors
//!    that the code already had.
//! 2. After writing, the packages are checked again. An error that the first check did not
//!    report, compared by file, code and message, is new.
//! 3. A new error with a mechanical fix gets it: a `.borrow()` or `.borrow_mut()` left on what is
//!    now a `Mutex` becomes a lock, a `RefCell::new` where a `Mutex` is expected becomes
//!    `Mutex::new`, and a missing `Mutex` import is added. Then the packages are checked again,
//!    for at most `MAX_FOLLOW_UP_ROUNDS` rounds.
//! 4. When a new error is left, every file that mockfix wrote gets its original bytes back, and
//!    the compiler's message is reported as a bug in mockfix.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::config::{RuleSet, Strategy};
use crate::edit::{self, TextEdit};
use crate::workspace::{Edition, EditionLookup};
use crate::write::{self, FileWrite, WrittenFile};

/// Rounds of follow-up edits after the first check; each round is followed by another check.
const MAX_FOLLOW_UP_ROUNDS: usize = 3;

/// Picks the lock call that follow-up edits write: the one of the enabled `wrap` rules when they agree,
/// else `lock().unwrap()`.
pub fn lock_call_for(rules: &RuleSet) -> &'static str {
    let mut calls = rules
        .enabled()
        .filter(|rule| rule.strategy == Strategy::Wrap)
        .map(|rule| rule.lock.lock_call());
    let first = calls.next().unwrap_or("lock().unwrap()");
    if calls.all(|call| call == first) {
        first
    } else {
        "lock().unwrap()"
    }
}

/// A compiler error, placed at its primary span.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: Option<String>,
    pub message: String,
    /// The file of the primary span, symbolic links resolved.
    pub file: Option<PathBuf>,
    /// Byte range of the primary span in the file as stored, a byte order mark included.
    pub range: (usize, usize),
    pub line: usize,
    pub column: usize,
    /// The labels of the spans and the messages of the notes, such as
    /// "expected `Mutex<u32>`, found `RefCell<u32>`".
    pub notes: Vec<String>,
    pub rendered: String,
}

impl Diagnostic {
    fn key(&self) -> (Option<&Path>, Option<&str>, &str) {
        (self.file.as_deref(), self.code.as_deref(), self.message.as_str())
    }

    /// `path:line:column: error[code]: message`.
    fn summary(&self) -> String {
        let place = match &self.file {
            Some(file) => format!("{}:{}:{}: ", shown(file), self.line, self.column),
            None => String::new(),
        };
        let code = self.code.as_ref().map(|code| format!("[{code}]")).unwrap_or_default();
        format!("{place}error{code}: {}", self.message)
    }
}

/// One `cargo check`: a workspace and those of its packages that contain changed files.
#[derive(Debug, Clone)]
struct CheckTarget {
    workspace_root: PathBuf,
    package_ids: Vec<String>,
    package_names: Vec<String>,
}

struct CheckOutput {
    errors: Vec<Diagnostic>,
    /// The source files that the checked targets compiled, from the compiler's dep-info files.
    compiled: BTreeSet<PathBuf>,
}

/// Whether follow-up edits may change files that the fixes did not touch.
#[derive(Debug, Clone, Copy)]
pub struct FollowUpPolicy {
    pub allow_dirty: bool,
    pub allow_no_vcs: bool,
}

/// The packages to check, and their errors before mockfix wrote anything.
pub struct Verifier {
    targets: Vec<CheckTarget>,
    baseline: Vec<Diagnostic>,
    lock_call: &'static str,
    /// The edition of each file that a follow-up edit changes, which its result is parsed with.
    editions: EditionLookup,
}

impl Verifier {
    /// Finds the packages that contain `files` and checks them before anything is written.
    pub fn start(files: &[PathBuf], lock_call: &'static str) -> Result<Verifier, String> {
        let targets = find_targets(files)?;
        let mut baseline = Vec::new();
        for target in &targets {
            eprintln!(
                "mockfix: --verify: checking {} before writing",
                quoted_list(&target.package_names)
            );
            baseline.extend(run_check(target)?.errors);
        }
        Ok(Verifier {
            targets,
            baseline,
            lock_call,
            editions: EditionLookup::default(),
        })
    }

    /// Checks the packages after the files of `journal` were written, finishes the fixes that the
    /// new errors show how to finish, and restores every file of `journal` when a new error is
    /// left. Follow-up edits add their files to `journal`.
    ///
    /// Returns whether the changes were kept.
    pub fn finish(&self, journal: &mut Vec<WrittenFile>, policy: FollowUpPolicy) -> bool {
        let mut round = 0;
        let failure = loop {
            let output = match self.check_all() {
                Ok(output) => output,
                Err(message) => break vec![format!("cannot check the changed files: {message}")],
            };
            let new_errors = new_errors(&self.baseline, &output.errors);
            if new_errors.is_empty() {
                // Cargo lists what a target compiled only when the target compiles without errors.
                if output.errors.is_empty() {
                    warn_uncompiled(journal, &output.compiled);
                }
                eprintln!("mockfix: --verify: `cargo check` reports no new errors");
                return true;
            }
            if round == MAX_FOLLOW_UP_ROUNDS {
                break report_errors(&new_errors, "still reports");
            }
            match self.follow_up(&new_errors, journal, policy) {
                Ok(()) => round += 1,
                Err(reason) => break reason,
            }
        };

        crate::apply::print_lines(&failure);
        let not_restored = write::restore(journal);
        let restored = journal.len() - not_restored.len();
        eprintln!(
            "mockfix: --verify: restored {restored} changed {} to {} original content",
            if restored == 1 { "file" } else { "files" },
            if restored == 1 { "its" } else { "their" }
        );
        for (path, err) in &not_restored {
            eprintln!(
                "mockfix: {}: cannot restore the original content: {err}; restore it from version control",
                shown(path)
            );
        }
        eprintln!(
            "mockfix: this is a bug in mockfix, unless the error comes from a fix that needs review and was applied with --unsafe-fixes; please report it with the error above"
        );
        false
    }

    fn check_all(&self) -> Result<CheckOutput, String> {
        let mut output = CheckOutput {
            errors: Vec::new(),
            compiled: BTreeSet::new(),
        };
        for target in &self.targets {
            eprintln!(
                "mockfix: --verify: checking {} after writing",
                quoted_list(&target.package_names)
            );
            let checked = run_check(target)?;
            output.errors.extend(checked.errors);
            output.compiled.extend(checked.compiled);
        }
        Ok(output)
    }

    /// Plans and writes the edits that fix `errors`, or returns why they cannot be fixed.
    fn follow_up(
        &self,
        errors: &[&Diagnostic],
        journal: &mut Vec<WrittenFile>,
        policy: FollowUpPolicy,
    ) -> Result<(), Vec<String>> {
        let mut by_file: BTreeMap<&Path, Vec<&Diagnostic>> = BTreeMap::new();
        for error in errors {
            let Some(file) = &error.file else {
                return Err(report_errors(errors, "reports"));
            };
            by_file.entry(file).or_default().push(error);
        }

        let mut writes = Vec::new();
        let mut notes = Vec::new();
        for (file, file_errors) in by_file {
            let bytes = std::fs::read(file)
                .map_err(|err| vec![format!("{}: cannot read for a follow-up edit: {err}", shown(file))])?;
            let written_before = journal.iter().find(|written| written.path == file);
            if written_before.is_some_and(|written| written.written != bytes) {
                return Err(vec![format!(
                    "{}: the file changed on disk while `cargo check` ran, so mockfix cannot finish its fixes",
                    shown(file)
                )]);
            }
            let edition = self.editions.edition_for(file).unwrap_or(Edition::DEFAULT);
            let (contents, file_notes) = plan_follow_ups(&bytes, &file_errors, self.lock_call, edition)
                .map_err(|unfixable| report_errors(&[unfixable], "reports"))?;
            notes.extend(file_notes.into_iter().map(|note| format!("{}:{note}", shown(file))));
            writes.push(FileWrite {
                path: file.to_path_buf(),
                expected: bytes,
                contents,
            });
        }

        let untouched: Vec<PathBuf> = writes
            .iter()
            .map(|write| write.path.clone())
            .filter(|path| !journal.iter().any(|file| file.path == *path))
            .collect();
        if let Err(problem) = write::check_vcs(&untouched, policy.allow_dirty, policy.allow_no_vcs) {
            let mut lines = vec!["--verify: the new errors are in files that mockfix may not change:".to_string()];
            lines.extend(crate::apply::describe_vcs_problem(&problem));
            return Err(lines);
        }
        let written = write::write_all_or_nothing(&writes).map_err(|err| {
            vec![format!(
                "{}: cannot write a follow-up edit: {}",
                shown(&err.path),
                err.error
            )]
        })?;
        for note in notes {
            eprintln!("mockfix: {note}");
        }
        for file in written {
            match journal.iter_mut().find(|known| known.path == file.path) {
                Some(known) => known.written = file.written,
                None => journal.push(file),
            }
        }
        Ok(())
    }
}

fn report_errors(errors: &[&Diagnostic], verb: &str) -> Vec<String> {
    let mut lines = vec![format!(
        "--verify: after the fixes, `cargo check` {verb} {} that mockfix cannot fix:",
        if errors.len() == 1 { "a new error" } else { "new errors" }
    )];
    lines.extend(errors.iter().map(|error| format!("  {}", error.summary())));
    if let Some(first) = errors.first() {
        lines.extend(first.rendered.trim_end().lines().map(|line| format!("    {line}")));
    }
    lines
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Warns about written files that no checked target compiles, since `cargo check` reports
/// nothing about them.
fn warn_uncompiled(journal: &[WrittenFile], compiled: &BTreeSet<PathBuf>) {
    for file in journal {
        let real = std::fs::canonicalize(&file.path).unwrap_or_else(|_| file.path.clone());
        if !compiled.contains(&real) {
            log::warn!(
                "{}: no target of its package compiles this file, so --verify could not check it",
                shown(&file.path)
            );
        }
    }
}

/// Returns the errors of `after` that `before` does not have, counting repeats.
fn new_errors<'a>(before: &[Diagnostic], after: &'a [Diagnostic]) -> Vec<&'a Diagnostic> {
    let mut known: Vec<&Diagnostic> = before.iter().collect();
    let mut new = Vec::new();
    for error in after {
        match known.iter().position(|old| old.key() == error.key()) {
            Some(found) => {
                known.swap_remove(found);
            }
            None => new.push(error),
        }
    }
    new
}

/// The follow-up edit that one error needs.
enum FollowUp {
    Edit { edit: TextEdit, note: String },
    Import,
}

/// Plans the follow-up edits of one file for `errors`, and returns the new bytes and a note for
/// each edit, or the first error that has no mechanical fix.
fn plan_follow_ups<'a>(
    bytes: &[u8],
    errors: &[&'a Diagnostic],
    lock_call: &str,
    edition: Edition,
) -> Result<(Vec<u8>, Vec<String>), &'a Diagnostic> {
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let text = std::str::from_utf8(&bytes[bom..]).map_err(|_| errors[0])?;
    let mut edits = Vec::new();
    let mut notes = Vec::new();
    let mut needs_import = false;
    for error in errors {
        match follow_up_for(error, text, bom, lock_call) {
            Some(FollowUp::Edit { edit, note }) => {
                edits.push(edit);
                notes.push(note);
            }
            Some(FollowUp::Import) => needs_import = true,
            None => return Err(error),
        }
    }
    edit::normalize(&mut edits).map_err(|_| errors[0])?;
    let edited = edit::apply(text, &edits);
    // As for the fixes themselves: import `Mutex` where the code now names it, drop `RefCell`
    // imports that nothing uses any more, and reject a result with a new syntax error.
    let fixed = crate::rust::finish(text, &edits, edition).map_err(|_| errors[0])?;
    if fixed != edited {
        notes.push(" updated the `use` items".to_string());
    } else if needs_import {
        // The missing `Mutex` is not one that an import in this file can bring in.
        return Err(errors[0]);
    }

    let mut contents = bytes[..bom].to_vec();
    contents.extend_from_slice(fixed.as_bytes());
    Ok((contents, notes))
}

fn follow_up_for(error: &Diagnostic, text: &str, bom: usize, lock_call: &str) -> Option<FollowUp> {
    let start = error.range.0.checked_sub(bom)?;
    let end = error.range.1.checked_sub(bom)?;
    let spanned = text.get(start..end)?;
    let place = format!("{}:{}:", error.line, error.column);
    match error.code.as_deref()? {
        // `no method named `borrow_mut` found for reference `&Mutex<Vec<String>>``
        "E0599" => {
            let method = ["borrow_mut", "borrow"]
                .into_iter()
                .find(|method| error.message.starts_with(&format!("no method named `{method}` found")))?;
            if spanned != method || !error.message.contains("Mutex<") || !text[end..].starts_with("()") {
                return None;
            }
            Some(FollowUp::Edit {
                edit: TextEdit::replace(start, end + "()".len(), lock_call),
                note: format!("{place} changed `.{method}()` to `.{lock_call}` on a field that is now a `Mutex`"),
            })
        }
        // `mismatched types`: expected `Mutex<Vec<String>>`, found `RefCell<Vec<_>>`.
        "E0308" => {
            let expects_mutex = error.notes.iter().any(|note| {
                let Some((expected, found)) = note.split_once("found") else {
                    return false;
                };
                expected.contains("Mutex<") && found.contains("RefCell<")
            });
            if !expects_mutex {
                return None;
            }
            let (prefix, replacement) = [
                ("std::cell::RefCell", "std::sync::Mutex"),
                ("core::cell::RefCell", "std::sync::Mutex"),
                ("RefCell", "Mutex"),
            ]
            .into_iter()
            .find(|(prefix, _)| {
                ["::new(", "::default("]
                    .iter()
                    .any(|call| spanned.starts_with(&format!("{prefix}{call}")))
            })?;
            Some(FollowUp::Edit {
                edit: TextEdit::replace(start, start + prefix.len(), replacement),
                note: format!("{place} changed `{prefix}` to `{replacement}` where a `Mutex` is expected"),
            })
        }
        // `failed to resolve: use of undeclared type `Mutex`` and `cannot find type `Mutex``.
        "E0433" | "E0412" if error.message.contains("`Mutex`") => Some(FollowUp::Import),
        _ => None,
    }
}

/// A Cargo workspace, as `cargo metadata --no-deps` describes it.
struct Workspace {
    root: PathBuf,
    /// Each member's id, name and folder.
    packages: Vec<(String, String, PathBuf)>,
}

/// Groups `files` by the workspace and package that contain them.
fn find_targets(files: &[PathBuf]) -> Result<Vec<CheckTarget>, String> {
    let mut by_folder: BTreeMap<PathBuf, Option<usize>> = BTreeMap::new();
    let mut workspaces: Vec<Workspace> = Vec::new();
    let mut targets: Vec<CheckTarget> = Vec::new();
    for file in files {
        let real = std::fs::canonicalize(file).map_err(|err| format!("cannot resolve `{}`: {err}", shown(file)))?;
        let folder = real.parent().map(Path::to_path_buf).unwrap_or_default();
        let known = match by_folder.get(&folder) {
            Some(known) => *known,
            None => {
                let found = workspace_of(&folder)?.map(|workspace| {
                    match workspaces.iter().position(|other| other.root == workspace.root) {
                        Some(index) => index,
                        None => {
                            workspaces.push(workspace);
                            workspaces.len() - 1
                        }
                    }
                });
                by_folder.insert(folder.clone(), found);
                found
            }
        };
        let not_in_package = || {
            format!(
                "`{}` is not part of a Cargo package, so --verify cannot check it; run without --verify to write it",
                shown(file)
            )
        };
        let workspace = &workspaces[known.ok_or_else(not_in_package)?];
        let (id, name, _) = workspace
            .packages
            .iter()
            .filter(|(_, _, package_folder)| real.starts_with(package_folder))
            .max_by_key(|(_, _, package_folder)| package_folder.components().count())
            .ok_or_else(not_in_package)?;
        let target = match targets
            .iter_mut()
            .find(|target| target.workspace_root == workspace.root)
        {
            Some(target) => target,
            None => {
                targets.push(CheckTarget {
                    workspace_root: workspace.root.clone(),
                    package_ids: Vec::new(),
                    package_names: Vec::new(),
                });
                targets.last_mut().expect("just pushed")
            }
        };
        if !target.package_ids.contains(id) {
            target.package_ids.push(id.clone());
            target.package_names.push(name.clone());
        }
    }
    Ok(targets)
}

fn cargo() -> Command {
    // Cargo sets CARGO for the programs it runs, such as `cargo run`; use the same cargo then.
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Finds the workspace that contains `folder`, or `None` when no `Cargo.toml` is above it.
fn workspace_of(folder: &Path) -> Result<Option<Workspace>, String> {
    let output = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(folder)
        .output()
        .map_err(|err| format!("cannot run cargo: {err}; install Rust's cargo or run without --verify"))?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr);
        if message.contains("could not find `Cargo.toml`") {
            return Ok(None);
        }
        return Err(format!(
            "`cargo metadata` failed in `{}`: {}",
            shown(folder),
            message.trim()
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("cannot read the output of `cargo metadata`: {err}"))?;
    let root = metadata["workspace_root"]
        .as_str()
        .map(PathBuf::from)
        .ok_or("the output of `cargo metadata` has no workspace_root")?;
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    let mut packages = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let (Some(id), Some(name), Some(manifest)) = (
            package["id"].as_str(),
            package["name"].as_str(),
            package["manifest_path"].as_str(),
        ) else {
            continue;
        };
        let folder = Path::new(manifest).parent().map(Path::to_path_buf).unwrap_or_default();
        let folder = std::fs::canonicalize(&folder).unwrap_or(folder);
        packages.push((id.to_string(), name.to_string(), folder));
    }
    Ok(Some(Workspace { root, packages }))
}

fn run_check(target: &CheckTarget) -> Result<CheckOutput, String> {
    let mut command = cargo();
    command
        .args(["check", "--all-targets", "--message-format=json", "--manifest-path"])
        .arg(target.workspace_root.join("Cargo.toml"))
        .current_dir(&target.workspace_root);
    for id in &target.package_ids {
        command.arg("--package").arg(id);
    }
    let output = command
        .output()
        .map_err(|err| format!("cannot run cargo: {err}; install Rust's cargo or run without --verify"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let checked = parse_check_output(&stdout, &target.workspace_root);
    if !output.status.success() && checked.errors.is_empty() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(10).collect();
        return Err(format!(
            "`cargo check` failed without a compiler error:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    Ok(checked)
}

/// Reads the JSON lines of `cargo check --message-format=json`.
fn parse_check_output(stdout: &str, workspace_root: &Path) -> CheckOutput {
    let mut output = CheckOutput {
        errors: Vec::new(),
        compiled: BTreeSet::new(),
    };
    for line in stdout.lines() {
        let Ok(value) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        match value["reason"].as_str() {
            Some("compiler-message") => {
                if let Some(error) = read_error(&value["message"], workspace_root) {
                    let seen = output
                        .errors
                        .iter()
                        .any(|other| other.key() == error.key() && other.range == error.range);
                    // `--all-targets` checks a library once alone and once with its tests.
                    if !seen {
                        output.errors.push(error);
                    }
                }
            }
            Some("compiler-artifact") => {
                for filename in value["filenames"].as_array().into_iter().flatten() {
                    if let Some(filename) = filename.as_str() {
                        output
                            .compiled
                            .extend(dep_info_sources(Path::new(filename), workspace_root));
                    }
                }
            }
            _ => {}
        }
    }
    output
}

fn read_error(message: &Value, workspace_root: &Path) -> Option<Diagnostic> {
    if message["level"].as_str() != Some("error") {
        return None;
    }
    let text = message["message"].as_str()?;
    // The summary line changes with the number of errors, which are compared one by one.
    if text.starts_with("aborting due to") {
        return None;
    }
    let spans = message["spans"].as_array().cloned().unwrap_or_default();
    let primary = spans.iter().find(|span| span["is_primary"].as_bool() == Some(true));
    let mut notes: Vec<String> = spans
        .iter()
        .filter_map(|span| span["label"].as_str().map(str::to_string))
        .collect();
    for child in message["children"].as_array().into_iter().flatten() {
        notes.extend(child["message"].as_str().map(str::to_string));
    }
    let number = |span: Option<&Value>, key: &str| span.and_then(|span| span[key].as_u64()).unwrap_or(0) as usize;
    let file = primary.and_then(|span| span["file_name"].as_str()).map(|name| {
        let joined = workspace_root.join(name);
        std::fs::canonicalize(&joined).unwrap_or(joined)
    });
    Some(Diagnostic {
        code: message["code"]["code"].as_str().map(str::to_string),
        message: text.to_string(),
        file,
        range: (number(primary, "byte_start"), number(primary, "byte_end")),
        line: number(primary, "line_start"),
        column: number(primary, "column_start"),
        notes,
        rendered: message["rendered"].as_str().unwrap_or(text).to_string(),
    })
}

/// Reads the source files listed in the dep-info file that rustc writes beside `artifact`:
/// `deps/libname-hash.rmeta` has `deps/name-hash.d`.
fn dep_info_sources(artifact: &Path, workspace_root: &Path) -> Vec<PathBuf> {
    let Some(stem) = artifact.file_stem().and_then(|stem| stem.to_str()) else {
        return Vec::new();
    };
    let name = stem.strip_prefix("lib").unwrap_or(stem);
    let dep_info = artifact.with_file_name(format!("{name}.d"));
    let Ok(text) = std::fs::read_to_string(dep_info) else {
        return Vec::new();
    };
    let mut sources = Vec::new();
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let Some((_, dependencies)) = line.split_once(": ") else {
            continue;
        };
        for dependency in split_escaped_spaces(dependencies) {
            let path = workspace_root.join(dependency);
            sources.push(std::fs::canonicalize(&path).unwrap_or(path));
        }
    }
    sources
}

/// Splits a dep-info dependency list at spaces that are not escaped as `\ `.
fn split_escaped_spaces(list: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = list.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => {
                current.push(' ');
                chars.next();
            }
            ' ' => {
                if !current.is_empty() {
                    items.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        items.push(current);
    }
    items
}

/// Formats a path as messages show it: relative to the current folder when it is inside it.
fn shown(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|folder| std::fs::canonicalize(folder).ok())
        .and_then(|folder| path.strip_prefix(folder).ok().map(Path::to_path_buf));
    relative.unwrap_or_else(|| path.to_path_buf()).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: &str, message: &str, range: (usize, usize), notes: &[&str]) -> Diagnostic {
        Diagnostic {
            code: Some(code.to_string()),
            message: message.to_string(),
            file: Some(PathBuf::from("/src/user.rs")),
            range,
            line: 1,
            column: range.0 + 1,
            notes: notes.iter().map(|note| note.to_string()).collect(),
            rendered: String::new(),
        }
    }

    #[test]
    fn borrow_mut_on_mutex_becomes_lock() {
        let text = "fn f(m: &M) { m.sent.borrow_mut().push(1); }";
        let at = text.find("borrow_mut").unwrap();
        let error = error(
            "E0599",
            "no method named `borrow_mut` found for struct `Mutex<Vec<i32>>` in the current scope",
            (at, at + "borrow_mut".len()),
            &[],
        );
        let (fixed, notes) = plan_follow_ups(text.as_bytes(), &[&error], "lock().unwrap()", Edition::DEFAULT).unwrap();
        assert_eq!(
            String::from_utf8(fixed).unwrap(),
            "fn f(m: &M) { m.sent.lock().unwrap().push(1); }"
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
    }

    #[test]
    fn span_offsets_count_byte_order_mark() {
        let text = "\u{feff}fn f(m: &M) -> usize {\r\n    m.sent.borrow().len()\r\n}\r\n";
        let at = text.find("borrow").unwrap();
        let error = error(
            "E0599",
            "no method named `borrow` found for struct `Mutex<Vec<i32>>` in the current scope",
            (at, at + "borrow".len()),
            &[],
        );
        let (fixed, _) = plan_follow_ups(text.as_bytes(), &[&error], "lock().unwrap()", Edition::DEFAULT).unwrap();
        assert_eq!(
            String::from_utf8(fixed).unwrap(),
            "\u{feff}fn f(m: &M) -> usize {\r\n    m.sent.lock().unwrap().len()\r\n}\r\n"
        );
    }

    #[test]
    fn refcell_new_becomes_mutex_new() {
        let text = "use crate::M;\n\nfn make() -> M {\n    M { sent: RefCell::new(Vec::new()) }\n}\n";
        let at = text.find("RefCell::new").unwrap();
        let error = error(
            "E0308",
            "mismatched types",
            (at, at + "RefCell::new(Vec::new())".len()),
            &["expected `Mutex<Vec<String>>`, found `RefCell<Vec<_>>`"],
        );
        let (fixed, notes) = plan_follow_ups(text.as_bytes(), &[&error], "lock().unwrap()", Edition::DEFAULT).unwrap();
        assert_eq!(
            String::from_utf8(fixed).unwrap(),
            "use std::sync::Mutex;\nuse crate::M;\n\nfn make() -> M {\n    M { sent: Mutex::new(Vec::new()) }\n}\n"
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
    }

    #[test]
    fn other_errors_have_no_follow_up() {
        let text = "fn f(m: &M) { m.sent.try_borrow_mut(); }";
        let at = text.find("try_borrow_mut").unwrap();
        let unfixable = error(
            "E0599",
            "no method named `try_borrow_mut` found for struct `Mutex<Vec<i32>>` in the current scope",
            (at, at + "try_borrow_mut".len()),
            &[],
        );
        let result = plan_follow_ups(text.as_bytes(), &[&unfixable], "lock().unwrap()", Edition::DEFAULT);
        assert!(result.is_err());
    }

    #[test]
    fn mismatched_span_has_no_follow_up() {
        let text = "fn f(m: &M) { m.sent.borrow_mut(); }";
        let error = error(
            "E0599",
            "no method named `borrow_mut` found for struct `Mutex<Vec<i32>>` in the current scope",
            (0, 10),
            &[],
        );
        assert!(plan_follow_ups(text.as_bytes(), &[&error], "lock().unwrap()", Edition::DEFAULT).is_err());
    }

    #[test]
    fn new_errors_count_repeats() {
        let old = error("E0599", "no method", (1, 2), &[]);
        let moved = error("E0599", "no method", (5, 6), &[]);
        let other = error("E0308", "mismatched types", (1, 2), &[]);
        let before = vec![old.clone()];
        let after = vec![moved.clone(), moved.clone(), other.clone()];
        let new = new_errors(&before, &after);
        assert_eq!(new.len(), 2);
        assert_eq!(new[0].code.as_deref(), Some("E0599"));
        assert_eq!(new[1].code.as_deref(), Some("E0308"));
    }

    #[test]
    fn check_output_is_read() {
        let root = Path::new("/nonexistent-workspace");
        let stdout = concat!(
            r#"{"reason":"compiler-message","message":{"level":"error","message":"mismatched types","code":{"code":"E0308"},"#,
            r#""spans":[{"file_name":"src/a.rs","byte_start":3,"byte_end":9,"line_start":2,"column_start":4,"is_primary":true,"label":"expected `Mutex<u8>`, found `RefCell<u8>`"}],"#,
            r#""children":[],"rendered":"error[E0308]: mismatched types"}}"#,
            "\n",
            r#"{"reason":"compiler-message","message":{"level":"error","message":"aborting due to 1 previous error","code":null,"spans":[],"children":[],"rendered":""}}"#,
            "\n",
            r#"{"reason":"compiler-message","message":{"level":"warning","message":"unused","code":null,"spans":[],"children":[],"rendered":""}}"#,
            "\n",
            "not json\n",
            r#"{"reason":"build-finished","success":false}"#,
            "\n"
        );
        let output = parse_check_output(stdout, root);
        assert_eq!(output.errors.len(), 1);
        let error = &output.errors[0];
        assert_eq!(error.file.as_deref(), Some(root.join("src/a.rs").as_path()));
        assert_eq!((error.range, error.line, error.column), ((3, 9), 2, 4));
        assert_eq!(
            error.notes,
            vec!["expected `Mutex<u8>`, found `RefCell<u8>`".to_string()]
        );
    }

    #[test]
    fn dep_info_lists_are_split_at_unescaped_spaces() {
        assert_eq!(
            split_escaped_spaces("src/lib.rs src/my\\ file.rs  tests/t.rs"),
            vec!["src/lib.rs", "src/my file.rs", "tests/t.rs"]
        );
    }
}

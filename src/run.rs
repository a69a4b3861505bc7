//! One command-line run: check every file in parallel, then report, print diffs or write.
//!
//! Results go to stdout (diffs); messages go to stderr with the `mockfix:` prefix. A per-file
//! error is reported and the run goes on; it only changes the exit code at the end.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::apply::{apply, ApplyOptions, PlannedFile};
use crate::config::RuleSet;
use crate::crate_uses::PackageFiles;
use crate::fix::Applicability;
use crate::read::{read_source, SourceText};
use crate::walk::{check_root, for_each_rust_file_in, Prefilter};
use crate::write::{resolve_within, Resolved};
use crate::{fix_source, fix_source_with, FileOutcome, FixPolicy, FixRequest};

/// The process exit code, as documented in `--help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing to fix, or every fix was applied.
    Clean = 0,
    /// A dry run found something to fix, or `--apply` left findings it could not fix.
    Pending = 1,
    /// An error: an invalid rule file, a missing path, a file that could not be read, decoded or
    /// written, a syntax error, or changes that `--verify` undid.
    Error = 2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    DryRun,
    Apply,
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub paths: Vec<PathBuf>,
    pub mode: Mode,
    pub policy: FixPolicy,
    pub allow_dirty: bool,
    pub allow_no_vcs: bool,
    /// With `Mode::Apply`, check the build after writing and undo changes that break it.
    pub verify: bool,
    pub color: anstream::ColorChoice,
}

/// A file the walk checked, with what came of it.
struct CheckedFile {
    path: PathBuf,
    /// The real file behind `path`, symbolic links resolved: the one to write.
    target: PathBuf,
    display: String,
    /// The bytes as read, to detect a change between reading and writing.
    original_bytes: Vec<u8>,
    result: Result<CheckedText, String>,
}

struct CheckedText {
    /// A UTF-8 byte order mark that was stripped before parsing and goes back on write.
    bom: bool,
    text: String,
    outcome: FileOutcome,
}

/// Runs mockfix over `options.paths` with `rules`.
pub fn run(options: &RunOptions, rules: &RuleSet) -> ExitStatus {
    let mut had_error = false;
    let mut roots = Vec::new();
    for path in &options.paths {
        match check_root(path) {
            Ok(()) => roots.push(path.clone()),
            Err(message) => {
                eprintln!("mockfix: {}: {message}", path.display());
                had_error = true;
            }
        }
    }

    let words = rules.trigger_words();
    let prefilter = Prefilter::new(&words);
    let checked = Mutex::new(Vec::new());
    let walk_errors = for_each_rust_file_in(&roots, |root, path| {
        if let Some(file) = check_file(root, path, &prefilter, rules, options.policy) {
            checked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(file);
        }
    });
    for err in walk_errors {
        match err.path {
            Some(path) => eprintln!("mockfix: {}: cannot read: {}", path.display(), err.message),
            None => eprintln!("mockfix: {}", err.message),
        }
        had_error = true;
    }
    let mut checked = checked.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    checked.sort_by(|a, b| a.display.cmp(&b.display));
    drop_duplicate_targets(&mut checked);
    review_uses_in_other_files(&mut checked, rules, options.policy);

    let mut fix_count = 0;
    let mut changed: Vec<&CheckedFile> = Vec::new();
    let mut pending_findings = 0;
    for file in &checked {
        let text = match &file.result {
            Ok(text) => text,
            Err(message) => {
                eprintln!("mockfix: {}: {message}", file.display);
                had_error = true;
                continue;
            }
        };
        if report_syntax_errors(file, text) {
            had_error = true;
        }
        report_findings(file, text, options.policy);
        let unapplied = text.outcome.findings.len() - text.outcome.applied.len();
        pending_findings += unapplied;
        if !text.outcome.applied.is_empty() {
            fix_count += text.outcome.applied.len();
            changed.push(file);
        }
    }

    let files_word = |n: usize| if n == 1 { "file" } else { "files" };
    let fixes_word = |n: usize| if n == 1 { "fix" } else { "fixes" };
    match options.mode {
        Mode::DryRun => {
            print_diffs(&changed, options.color);
            eprintln!(
                "mockfix: {fix_count} {} in {} {}",
                fixes_word(fix_count),
                changed.len(),
                files_word(changed.len())
            );
            if had_error {
                ExitStatus::Error
            } else if fix_count > 0 || pending_findings > 0 {
                ExitStatus::Pending
            } else {
                ExitStatus::Clean
            }
        }
        Mode::Apply => {
            let (written, write_failed) = apply_changes(&changed, options, rules);
            let applied: usize = written
                .iter()
                .filter_map(|file| file.result.as_ref().ok())
                .map(|text| text.outcome.applied.len())
                .sum();
            eprintln!(
                "mockfix: applied {applied} {} in {} {}",
                fixes_word(applied),
                written.len(),
                files_word(written.len())
            );
            if had_error || write_failed {
                ExitStatus::Error
            } else if pending_findings > 0 {
                ExitStatus::Pending
            } else {
                ExitStatus::Clean
            }
        }
    }
}

/// Marks the fixes of doubles that other files of their package use as needing review, and
/// plans those files' fixes again.
fn review_uses_in_other_files(checked: &mut [CheckedFile], rules: &RuleSet, policy: FixPolicy) {
    let mut packages = PackageFiles::default();
    for file in checked.iter_mut() {
        let Ok(text) = &mut file.result else { continue };
        let reviews = packages.reviews_for(&file.path, &text.outcome.findings);
        if reviews.is_empty() {
            continue;
        }
        let request = FixRequest {
            policy,
            reviews: &reviews,
            only_struct: None,
        };
        match fix_source_with(&file.display, &text.text, rules, &request) {
            Ok(outcome) => text.outcome = outcome,
            Err(err) => file.result = Err(format!("{err}; the file was left unchanged")),
        }
    }
}

fn check_file(
    root: &Path,
    path: &Path,
    prefilter: &Prefilter,
    rules: &RuleSet,
    policy: FixPolicy,
) -> Option<CheckedFile> {
    let unchecked = |display: String, message: String| CheckedFile {
        path: path.to_path_buf(),
        target: path.to_path_buf(),
        display,
        original_bytes: Vec::new(),
        result: Err(message),
    };
    let (bytes, bom, text) = match read_source(path, prefilter) {
        SourceText::NotCandidate => return None,
        SourceText::Unchecked(message) => return Some(unchecked(display_path(path), message)),
        SourceText::Text { bytes, bom, text } => (bytes, bom, text),
    };

    // Only a file inside the folder being fixed may be written, also when a link leads to it.
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.file_type().is_symlink());
    let target = match resolve_within(root, path) {
        Ok(Resolved::Inside(target)) => target,
        Ok(Resolved::Outside { target, folder }) => {
            log::warn!(
                "{}: symbolic link to `{}`, which is outside `{}`, the folder being fixed; skipped. Run mockfix on the target's folder to check it",
                display_path(path),
                target.display(),
                folder.display()
            );
            return None;
        }
        Err(err) => return Some(unchecked(display_path(path), format!("cannot resolve the path: {err}"))),
    };
    let display = if is_link {
        display_path(&relative_to_current_folder(&target))
    } else {
        display_path(path)
    };

    let result = fix_source(&display, &text, rules, policy)
        .map(|outcome| CheckedText { bom, text, outcome })
        .map_err(|err| format!("{err}; the file was left unchanged"));
    Some(CheckedFile {
        path: path.to_path_buf(),
        target,
        display,
        original_bytes: bytes,
        result,
    })
}

/// `path` relative to the current folder when it lies inside it, else `path` itself.
fn relative_to_current_folder(path: &Path) -> PathBuf {
    std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .ok()
        .and_then(|folder| path.strip_prefix(folder).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

/// Keeps one entry per real file when symbolic links lead to a file more than once, preferring
/// the file's own path over a link's.
fn drop_duplicate_targets(checked: &mut Vec<CheckedFile>) {
    let mut unique: Vec<CheckedFile> = Vec::with_capacity(checked.len());
    let mut by_target: std::collections::HashMap<PathBuf, usize> = std::collections::HashMap::new();
    for file in checked.drain(..) {
        match by_target.get(&file.target) {
            Some(&index) => {
                let other = &mut unique[index];
                log::debug!("{}: skipped, the same file as another path", file.path.display());
                if other.path != other.target && file.path == file.target {
                    *other = file;
                }
            }
            None => {
                by_target.insert(file.target.clone(), unique.len());
                unique.push(file);
            }
        }
    }
    unique.sort_by(|a, b| a.display.cmp(&b.display));
    *checked = unique;
}

/// Reports the syntax errors of a file, and returns whether it has any.
fn report_syntax_errors(file: &CheckedFile, text: &CheckedText) -> bool {
    let errors = &text.outcome.syntax_errors;
    let Some(first) = errors.first() else {
        return false;
    };
    let more = match errors.len() {
        1 => String::new(),
        2 => " (and 1 more)".to_string(),
        count => format!(" (and {} more)", count - 1),
    };
    eprintln!(
        "mockfix: {}:{}:{}: syntax error: {}{more}\n  code near a syntax error is left unchanged; fix the syntax, then run mockfix again",
        file.display, first.line, first.column, first.message
    );
    true
}

fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

fn report_findings(file: &CheckedFile, text: &CheckedText, policy: FixPolicy) {
    for (index, finding) in text.outcome.findings.iter().enumerate() {
        let (line, column) = line_column(&text.text, finding.name_range.0);
        let place = format!("{}:{line}:{column}", file.display);
        match (&finding.fix, &finding.unfixable_reason) {
            (Some(fix), _) if text.outcome.applied.contains(&index) => {
                eprintln!(
                    "mockfix: {place}: [{}] {}\n  fix: {}",
                    finding.rule_id, finding.message, fix.title
                );
            }
            (Some(fix), _) if fix.applicability == Applicability::NeedsReview && !policy.include_needs_review => {
                eprintln!(
                    "mockfix: {place}: [{}] {}\n  fix needs review: {}; pass --unsafe-fixes to include it",
                    finding.rule_id,
                    finding.message,
                    fix.review_reason.as_deref().unwrap_or("not proven safe")
                );
            }
            (_, Some(reason)) => {
                eprintln!(
                    "mockfix: {place}: [{}] {}\n  not fixed: {reason}",
                    finding.rule_id, finding.message
                );
            }
            _ => eprintln!("mockfix: {place}: [{}] {}", finding.rule_id, finding.message),
        }
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |last| last.chars().count()) + 1;
    (line, column)
}

fn print_diffs(changed: &[&CheckedFile], color: anstream::ColorChoice) {
    let mut out = anstream::AutoStream::new(std::io::stdout().lock(), color);
    for file in changed {
        let Ok(text) = &file.result else { continue };
        let diff = crate::render::diff::unified(&file.display, &text.text, &text.outcome.fixed_text);
        if crate::render::diff::write_colored(&mut out, &diff).is_err() {
            // stdout is closed, for example by `| head`; nothing more can be shown.
            return;
        }
    }
    let _ = out.flush();
}

/// Writes the fixed files, after the version-control check. Returns the files written and
/// whether any write failed.
fn apply_changes<'a>(
    changed: &[&'a CheckedFile],
    options: &RunOptions,
    rules: &RuleSet,
) -> (Vec<&'a CheckedFile>, bool) {
    let mut files = Vec::new();
    let mut sources = Vec::new();
    for file in changed {
        let Ok(text) = &file.result else { continue };
        let mut contents = Vec::with_capacity(text.outcome.fixed_text.len() + 3);
        if text.bom {
            contents.extend_from_slice(b"\xEF\xBB\xBF");
        }
        contents.extend_from_slice(text.outcome.fixed_text.as_bytes());
        // Each fix changes one file today, so each file is its own all-or-nothing group.
        files.push(PlannedFile {
            display: file.display.clone(),
            path: file.target.clone(),
            original: file.original_bytes.clone(),
            contents,
            group: files.len(),
        });
        sources.push(*file);
    }
    let apply_options = ApplyOptions {
        allow_dirty: options.allow_dirty,
        allow_no_vcs: options.allow_no_vcs,
        verify: options.verify,
        lock_call: crate::verify::lock_call_for(rules),
    };
    let report = apply(&files, &apply_options);
    let written = report.written.iter().map(|&index| sources[index]).collect();
    (written, report.failed)
}

//! One command-line run: check every file in parallel, then report, print diffs or write.
//!
//! Results go to stdout (diffs); messages go to stderr with the `mockfix:` prefix. A per-file
//! error is reported and the run goes on; it only changes the exit code at the end.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::GlobSet;

use crate::apply::{apply, edit_set_groups, ApplyOptions, PlannedFile};
use crate::cli::OutputFormat;
use crate::config::RuleSet;
use crate::edit::line_column;
use crate::fix::{Applicability, Fix};
use crate::language::Language;
use crate::progress::Progress;
use crate::read::{read_source, SourceText};
use crate::render::report::{self, Report};
use crate::walk::{check_root, for_each_in_parallel, for_each_source_file_in, Prefilter};
use crate::workspace::{Edition, EditionLookup};
use crate::write::{resolve_within, Resolved};
use crate::{fix_source_with, FileOutcome, FixPolicy, FixRequest};

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
    pub format: OutputFormat,
    /// Paths under this folder are shown relative to it and matched against `exclude`.
    pub root: PathBuf,
    /// Files to skip, matched against their shown path.
    pub exclude: GlobSet,
    /// Show a progress bar on stderr when the run is long and stderr is a terminal.
    pub progress: bool,
}

/// A file the run checked, with what came of it.
pub(crate) struct CheckedFile {
    pub(crate) path: PathBuf,
    /// The path without symbolic links, which tells two spellings of one file apart. It is the
    /// file that `--apply` writes.
    pub(crate) canonical: PathBuf,
    pub(crate) display: String,
    /// The file lies under the paths the run was given; a file outside them is changed only where
    /// it uses a double fixed elsewhere.
    pub(crate) walked: bool,
    /// The bytes as read, to detect a change between reading and writing.
    pub(crate) original_bytes: Vec<u8>,
    pub(crate) result: Result<CheckedText, String>,
}

pub(crate) struct CheckedText {
    /// A UTF-8 byte order mark that was stripped before parsing and goes back on write.
    pub(crate) bom: bool,
    pub(crate) text: String,
    pub(crate) edition: Edition,
    /// The file's package depends on the `tokio` crate.
    pub(crate) uses_tokio: bool,
    pub(crate) outcome: FileOutcome,
}

/// Runs mockfix over `options.paths` with `rules`.
pub fn run(options: &RunOptions, rules: &RuleSet) -> ExitStatus {
    let mut had_error = false;
    let mut run_errors = Vec::new();
    let mut roots = Vec::new();
    for path in &options.paths {
        match check_root(path) {
            Ok(()) => roots.push(path.clone()),
            Err(message) => {
                let message = format!("{}: {message}", path.display());
                eprintln!("mockfix: {message}");
                run_errors.push(message);
                had_error = true;
            }
        }
    }

    // The files are found first, so that the progress bar can show how many there are.
    let mut progress = Progress::start(options.progress);
    let found = Mutex::new(Vec::new());
    let walk_errors = for_each_source_file_in(&roots, |root, path| {
        found
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((root.to_path_buf(), path.to_path_buf()));
    });
    let mut paths = found.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    paths.sort();
    progress.set_total(paths.len());

    let prefilter = Prefilter::new(rules);
    let checked = Mutex::new(Vec::new());
    let editions = EditionLookup::default();
    for_each_in_parallel(&paths, |(root, path)| {
        if let Some(file) = check_file(root, path, &prefilter, rules, &editions, options) {
            checked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(file);
        }
        progress.file_done();
    });
    for err in walk_errors {
        let message = match err.path {
            Some(path) => format!("{}: cannot read: {}", path.display(), err.message),
            None => err.message,
        };
        // The progress bar may still be on screen, and would draw over the line.
        crate::progress::suspend_for(|| eprintln!("mockfix: {message}"));
        run_errors.push(message);
        had_error = true;
    }
    let mut checked = checked.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    checked.sort_by(|a, b| a.display.cmp(&b.display));
    drop_duplicate_targets(&mut checked);
    progress.set_step("following fixes into other files");
    crate::follow::follow_fixes_across_files(
        &mut checked,
        rules,
        options.policy,
        &options.root,
        &editions,
        &options.exclude,
    );
    progress.finish();

    let mut fix_count = 0;
    let mut changed: Vec<&CheckedFile> = Vec::new();
    let mut pending = PendingFindings::default();
    for file in &checked {
        let text = match &file.result {
            Ok(text) => text,
            Err(message) => {
                eprintln!("mockfix: {}: {message}", file.display);
                had_error = true;
                continue;
            }
        };
        if report_syntax_errors(file, text, options.format) {
            had_error = true;
        }
        if options.format == OutputFormat::Diff {
            report_findings(file, text, options.color);
        }
        pending.count(&text.outcome);
        fix_count += text.outcome.applied.len();
        if text.outcome.fixed_text != text.text {
            changed.push(file);
        }
    }

    let files_word = |n: usize| if n == 1 { "file" } else { "files" };
    let fixes_word = |n: usize| if n == 1 { "fix" } else { "fixes" };
    match options.mode {
        Mode::DryRun => {
            if options.format == OutputFormat::Diff {
                print_diffs(&checked, &changed, options.color);
            } else {
                let counts = report::FixCounts {
                    fixes: fix_count,
                    files: changed.len(),
                };
                print_report(&checked, run_errors, rules, options, counts);
            }
            eprintln!(
                "mockfix: {fix_count} {} in {} {}{}",
                fixes_word(fix_count),
                changed.len(),
                files_word(changed.len()),
                pending.note(options.format)
            );
            // A finding that only has a display-only fix is pending too, because the code still
            // has the problem.
            if had_error {
                ExitStatus::Error
            } else if fix_count > 0 || pending.total() > 0 {
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
            // Fixes that were planned but not written, because the run rejected the files or
            // `--verify` rolled them back.
            let unwritten = fix_count.saturating_sub(applied);
            let mut run_errors = run_errors;
            if write_failed {
                run_errors.push(format!(
                    "--apply did not write {unwritten} of the {fix_count} planned {}; the messages on stderr say why",
                    fixes_word(fix_count)
                ));
            }
            if options.format != OutputFormat::Diff {
                let counts = report::FixCounts {
                    fixes: applied,
                    files: written.len(),
                };
                print_report(&checked, run_errors, rules, options, counts);
            }
            let unwritten_note = match unwritten {
                0 => String::new(),
                _ => format!("; {unwritten} {} not written", fixes_word(unwritten)),
            };
            eprintln!(
                "mockfix: applied {applied} {} in {} {}{unwritten_note}{}",
                fixes_word(applied),
                written.len(),
                files_word(written.len()),
                pending.note(options.format)
            );
            if had_error || write_failed {
                ExitStatus::Error
            } else if pending.total() > 0 {
                ExitStatus::Pending
            } else {
                ExitStatus::Clean
            }
        }
    }
}

/// Counts of the findings that a run leaves as they are, by reason.
#[derive(Debug, Default)]
struct PendingFindings {
    /// Findings whose fix needs review and is held back without `--unsafe-fixes`.
    needs_review: usize,
    display_only: usize,
    /// Findings with no fix at all.
    no_fix: usize,
}

impl PendingFindings {
    fn count(&mut self, outcome: &FileOutcome) {
        for (index, finding) in outcome.findings.iter().enumerate() {
            if outcome.applied.contains(&index) {
                continue;
            }
            match finding.fix.as_ref().map(|fix| fix.applicability) {
                Some(Applicability::DisplayOnly) => self.display_only += 1,
                Some(Applicability::Safe | Applicability::NeedsReview) => self.needs_review += 1,
                None => self.no_fix += 1,
            }
        }
    }

    fn total(&self) -> usize {
        self.needs_review + self.display_only + self.no_fix
    }

    /// Returns the end of the summary line, such as
    /// `; 2 findings not fixed (1 needs review, 1 display-only), see above`. With a `format` other
    /// than diffs, the findings are in the report on stdout rather than above on stderr.
    fn note(&self, format: OutputFormat) -> String {
        let total = self.total();
        if total == 0 {
            return String::new();
        }
        let parts: Vec<String> = [
            (self.needs_review, "needs review"),
            (self.display_only, "display-only"),
            (self.no_fix, "without a fix"),
        ]
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, what)| format!("{count} {what}"))
        .collect();
        let findings = if total == 1 { "finding" } else { "findings" };
        let place = match format {
            OutputFormat::Diff => "see above",
            _ => "see the report",
        };
        format!("; {total} {findings} not fixed ({}), {place}", parts.join(", "))
    }
}

fn check_file(
    root: &Path,
    path: &Path,
    prefilter: &Prefilter,
    rules: &RuleSet,
    editions: &EditionLookup,
    options: &RunOptions,
) -> Option<CheckedFile> {
    let display = display_path(path, &options.root);
    if options.exclude.is_match(&display) {
        log::debug!("{display}: skipped: matches an `exclude` glob");
        return None;
    }
    let language = Language::of_path(path)?;
    let unchecked = |display: String, bytes: Vec<u8>, message: String| CheckedFile {
        path: path.to_path_buf(),
        canonical: canonical_path(path),
        display,
        walked: true,
        original_bytes: bytes,
        result: Err(message),
    };
    let (bytes, bom, text) = match read_source(path, prefilter, language) {
        SourceText::NotCandidate => return None,
        SourceText::Unchecked(message) => return Some(unchecked(display, Vec::new(), message)),
        SourceText::Text { bytes, bom, text } => (bytes, bom, text),
    };

    // Only a file inside the folder being fixed may be written, also when a link leads to it.
    let canonical = match resolve_within(root, path) {
        Ok(Resolved::Inside(target)) => target,
        Ok(Resolved::Outside { target, folder }) => {
            log::warn!(
                "{display}: symbolic link to `{}`, which is outside `{}`, the folder being fixed; skipped. Run mockfix on the target's folder to check it",
                target.display(),
                folder.display()
            );
            return None;
        }
        Err(err) => return Some(unchecked(display, bytes, format!("cannot resolve the path: {err}"))),
    };
    // A diff must name the file that changes, not the link to it.
    let display = if is_symlink(path) {
        display_path(&canonical, &options.root)
    } else {
        display
    };

    // Editions are a Rust idea; a Go file never looks for a `Cargo.toml`.
    let edition = match language {
        Language::Go => Ok(Edition::DEFAULT),
        Language::Rust => editions.edition_for(path),
    };
    let edition = match edition {
        Ok(edition) => edition,
        Err(err) => {
            let message = format!("cannot tell the Rust edition: {err}; the file was skipped");
            return Some(unchecked(display, bytes, message));
        }
    };
    let uses_tokio = language == Language::Rust && editions.uses_tokio(path);
    let request = FixRequest {
        policy: options.policy,
        reviews: &[],
        only_struct: None,
        foreign: &[],
        edition,
        uses_tokio,
    };
    let result = fix_source_with(&display, &text, rules, &request)
        .map(|outcome| CheckedText {
            bom,
            text,
            edition,
            uses_tokio,
            outcome,
        })
        .map_err(|err| format!("{err}; the file was left unchanged"));
    Some(CheckedFile {
        path: path.to_path_buf(),
        canonical,
        display,
        walked: true,
        original_bytes: bytes,
        result,
    })
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.file_type().is_symlink())
}

/// Keeps one entry per real file when symbolic links lead to a file more than once, preferring
/// the file's own path over a link's.
fn drop_duplicate_targets(checked: &mut Vec<CheckedFile>) {
    let mut unique: Vec<CheckedFile> = Vec::with_capacity(checked.len());
    let mut by_target: std::collections::HashMap<PathBuf, usize> = std::collections::HashMap::new();
    for file in checked.drain(..) {
        match by_target.get(&file.canonical) {
            Some(&index) => {
                log::debug!("{}: skipped, the same file as another path", file.path.display());
                if is_symlink(&unique[index].path) && !is_symlink(&file.path) {
                    unique[index] = file;
                }
            }
            None => {
                by_target.insert(file.canonical.clone(), unique.len());
                unique.push(file);
            }
        }
    }
    unique.sort_by(|a, b| a.display.cmp(&b.display));
    *checked = unique;
}

/// Reports the syntax errors of a file, and returns whether it has any.
fn report_syntax_errors(file: &CheckedFile, text: &CheckedText, format: OutputFormat) -> bool {
    let errors = &text.outcome.syntax_errors;
    let Some(first) = errors.first() else {
        return false;
    };
    if format != OutputFormat::Diff {
        return true;
    }
    let more = match errors.len() {
        1 => String::new(),
        count => format!(" (and {} more)", count - 1),
    };
    eprintln!(
        "mockfix: {}:{}:{}: syntax error: {}{more}\n  code near a syntax error is left unchanged; fix the syntax, then run mockfix again",
        file.display, first.line, first.column, first.message
    );
    true
}

pub(crate) fn canonical_path(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Returns the path shown for `path`: relative to `root` when it is inside it, else as given,
/// with `/` separators.
pub(crate) fn display_path(path: &Path, root: &Path) -> String {
    let absolute = crate::workspace::absolute(path);
    let shown = match absolute.strip_prefix(root) {
        Ok(relative) if !relative.as_os_str().is_empty() => relative,
        _ => path,
    };
    let text = shown.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

/// The gutter before each line of a diff shown in the report on stderr.
const REPORT_GUTTER: &str = "  | ";

/// Reports each finding of a file on stderr: its place, rule and message, then its fix, why the
/// fix needs review or is display-only, or why there is none. A fix that the run does not write
/// is shown as a diff of its own, behind `REPORT_GUTTER`.
fn report_findings(file: &CheckedFile, text: &CheckedText, color: anstream::ColorChoice) {
    let mut out = anstream::AutoStream::new(std::io::stderr().lock(), color);
    for (index, finding) in text.outcome.findings.iter().enumerate() {
        let (line, column) = line_column(&text.text, finding.name_range.0);
        let mut report = format!(
            "mockfix: {}:{line}:{column}: [{}] {}\n",
            file.display, finding.rule_id, finding.message
        );
        let applied = text.outcome.applied.contains(&index);
        let mut shown_fix = None;
        match (&finding.fix, &finding.unfixable_reason) {
            (Some(fix), _) if applied => match &fix.review_reason {
                // Applied with --unsafe-fixes: the reviewer still needs to know what to check.
                Some(reason) => report.push_str(&format!(
                    "  fix (needs review, included by --unsafe-fixes): {}; check: {reason}\n",
                    fix.title
                )),
                None => report.push_str(&format!("  fix: {}\n", fix.title)),
            },
            (Some(fix), _) => {
                let reason = fix.review_reason.as_deref().unwrap_or("not proven safe");
                report.push_str(&match fix.applicability {
                    Applicability::DisplayOnly => format!(
                        "  display-only fix: {reason}\n  shown only, never applied, not even with --unsafe-fixes, because it does not finish the fix; use it as a starting point:\n"
                    ),
                    Applicability::NeedsReview | Applicability::Safe => format!(
                        "  fix needs review: {reason}\n  not applied; pass --unsafe-fixes to apply it:\n"
                    ),
                });
                shown_fix = Some(fix);
            }
            (_, Some(reason)) => report.push_str(&format!("  not fixed: {reason}\n")),
            _ => {}
        }
        let mut written = out.write_all(report.as_bytes());
        if let Some(fix) = shown_fix {
            written = written.and_then(|()| write_fix_diff(&mut out, file, text, fix));
        }
        if written.is_err() {
            // stderr is closed; nothing more can be shown.
            return;
        }
    }
    let _ = out.flush();
}

/// Writes the diff of `fix` alone, as it would change the file, behind `REPORT_GUTTER`.
fn write_fix_diff(out: &mut impl Write, file: &CheckedFile, text: &CheckedText, fix: &Fix) -> std::io::Result<()> {
    match crate::fixed_text_of_fix(&file.display, &text.text, fix, text.edition) {
        Ok(fixed) => {
            let diff = crate::render::diff::unified(&file.display, &text.text, &fixed);
            crate::render::diff::write_colored_with_gutter(out, &diff, REPORT_GUTTER)
        }
        Err(err) => writeln!(out, "{REPORT_GUTTER}(the diff of this fix could not be made: {err})"),
    }
}

/// Prints the report of a run in one of the machine-readable formats.
fn print_report(
    checked: &[CheckedFile],
    run_errors: Vec<String>,
    rules: &RuleSet,
    options: &RunOptions,
    counts: report::FixCounts,
) {
    let report = build_report(checked, run_errors, rules, options, counts);
    let text = match options.format {
        OutputFormat::Diff => return,
        OutputFormat::Json => crate::render::json::render(&report),
        OutputFormat::Sarif => crate::render::sarif::render(&report, rules),
        OutputFormat::Github => crate::render::github::render(&report),
    };
    let mut out = std::io::stdout().lock();
    // A closed stdout, for example after `| head`, leaves nothing more to show.
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn build_report(
    checked: &[CheckedFile],
    run_errors: Vec<String>,
    rules: &RuleSet,
    options: &RunOptions,
    counts: report::FixCounts,
) -> Report {
    let mut files = Vec::new();
    for file in checked {
        match &file.result {
            Ok(text) => {
                let findings = report::finding_reports(&file.display, text, rules);
                let edits = report::edit_reports(&text.text, &text.outcome.fixed_text);
                // The first syntax error is an error of the file, as for a file that could not be
                // checked at all, so that exit code 2 has a reason in the report. Later errors
                // are mostly the parser's recovery from the first.
                let errors: Vec<report::ErrorReport> = text
                    .outcome
                    .syntax_errors
                    .first()
                    .map(|error| report::ErrorReport {
                        message: crate::SourceError::Syntax {
                            line: error.line,
                            column: error.column,
                            message: error.message.clone(),
                        }
                        .to_string(),
                    })
                    .into_iter()
                    .collect();
                if !findings.is_empty() || !edits.is_empty() || !errors.is_empty() {
                    files.push(report::FileReport {
                        path: file.display.clone(),
                        findings,
                        edits,
                        errors,
                    });
                }
            }
            Err(message) => files.push(report::FileReport {
                path: file.display.clone(),
                findings: Vec::new(),
                edits: Vec::new(),
                errors: vec![report::ErrorReport {
                    message: message.clone(),
                }],
            }),
        }
    }
    Report::new(files, run_errors, options.mode == Mode::Apply, counts)
}

/// Prints the diffs of the changed files on stdout, as one patch. Before a file's diff, a line
/// starting with `# mockfix:` names each fix in it that needs review: `git apply` and `patch`
/// skip text before a file's `---` header.
fn print_diffs(checked: &[CheckedFile], changed: &[&CheckedFile], color: anstream::ColorChoice) {
    let reviewed = applied_needing_review(checked);
    let mut out = anstream::AutoStream::new(std::io::stdout().lock(), color);
    let marker_style = anstyle::AnsiColor::Yellow.on_default().bold();
    for file in changed {
        let Ok(text) = &file.result else { continue };
        let mut markers = Vec::new();
        // FIXME: a file's uses are matched to a reviewed fix by the double's name alone, so uses
        // of another double of that name, in another package, are marked as well.
        for finding in &reviewed {
            if finding.display == file.display {
                markers.push(format!(
                    "# mockfix: needs review: the fix of `{}` at line {} ({}) in this file: {}",
                    finding.struct_name, finding.line, finding.rule_id, finding.reason
                ));
            } else if text.outcome.foreign_applied.contains(&finding.struct_name) {
                markers.push(format!(
                    "# mockfix: needs review: this file follows the fix of `{}` in {}: {}",
                    finding.struct_name, finding.display, finding.reason
                ));
            }
        }
        let diff = crate::render::diff::unified(&file.display, &text.text, &text.outcome.fixed_text);
        let mut written = Ok(());
        for marker in &markers {
            written = written.and_then(|()| writeln!(out, "{marker_style}{marker}{marker_style:#}"));
        }
        if written
            .and_then(|()| crate::render::diff::write_colored(&mut out, &diff))
            .is_err()
        {
            // stdout is closed, for example by `| head`; nothing more can be shown.
            return;
        }
    }
    let _ = out.flush();
}

/// An applied fix that needs review, as the markers in the patch name it.
struct ReviewedFix {
    display: String,
    struct_name: String,
    line: usize,
    rule_id: String,
    /// The review reason on one line, so that the marker stays one line.
    reason: String,
}

fn applied_needing_review(checked: &[CheckedFile]) -> Vec<ReviewedFix> {
    let mut reviewed = Vec::new();
    for file in checked {
        let Ok(text) = &file.result else { continue };
        for &index in &text.outcome.applied {
            let finding = &text.outcome.findings[index];
            let Some(fix) = finding
                .fix
                .as_ref()
                .filter(|fix| fix.applicability != Applicability::Safe)
            else {
                continue;
            };
            let reason = fix.review_reason.as_deref().unwrap_or("not proven safe");
            reviewed.push(ReviewedFix {
                display: file.display.clone(),
                struct_name: finding.struct_name.clone(),
                line: line_column(&text.text, finding.name_range.0).0,
                rule_id: finding.rule_id.clone(),
                reason: reason.split_whitespace().collect::<Vec<_>>().join(" "),
            });
        }
    }
    reviewed
}

/// Writes the fixed files, after the version-control check. Returns the files written and
/// whether any write failed.
fn apply_changes<'a>(
    changed: &[&'a CheckedFile],
    options: &RunOptions,
    rules: &RuleSet,
) -> (Vec<&'a CheckedFile>, bool) {
    let mut sources = Vec::new();
    let mut names = Vec::new();
    for file in changed {
        let Ok(text) = &file.result else { continue };
        // A fix and the rewrites of its double's uses in other files belong together.
        let own = text
            .outcome
            .applied
            .iter()
            .map(|&index| &text.outcome.findings[index].struct_name);
        names.push(
            own.chain(&text.outcome.foreign_applied)
                .cloned()
                .collect::<Vec<String>>(),
        );
        sources.push((*file, text));
    }
    let groups = edit_set_groups(&names);
    let files: Vec<PlannedFile> = sources
        .iter()
        .zip(groups)
        .map(|((file, text), group)| {
            let mut contents = Vec::with_capacity(text.outcome.fixed_text.len() + 3);
            if text.bom {
                contents.extend_from_slice(b"\xEF\xBB\xBF");
            }
            contents.extend_from_slice(text.outcome.fixed_text.as_bytes());
            PlannedFile {
                display: file.display.clone(),
                path: file.canonical.clone(),
                original: file.original_bytes.clone(),
                contents,
                group,
            }
        })
        .collect();
    let apply_options = ApplyOptions {
        allow_dirty: options.allow_dirty,
        allow_no_vcs: options.allow_no_vcs,
        verify: options.verify,
        lock_call: crate::verify::lock_call_for(rules),
    };
    let report = apply(&files, &apply_options);
    let written = report.written.iter().map(|&index| sources[index].0).collect();
    (written, report.failed)
}

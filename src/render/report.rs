//! The report of one run for the machine-readable formats: every finding with its place, its
//! applicability and the edits of its own fix, every error, and the totals.
//!
//! JSON serializes these types as they are, so their field names are the JSON schema that the
//! README documents. SARIF and GitHub annotations are rendered from the same values.
//!
//! Lines are one-based. Columns are one-based and count Unicode scalar values (Rust `char`s), as
//! the messages on stderr do. Byte offsets count from the start of the file's text after a UTF-8
//! byte order mark, if the file has one.

use serde::Serialize;

use crate::config::RuleSet;
use crate::fix::{Applicability, Finding, Fix};
use crate::workspace::Edition;
use crate::{edit, fix_source_with, FixPolicy, FixRequest};

/// The version of the JSON document's layout; it changes when a field is removed or changes
/// meaning, not when one is added.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    /// Files with findings, edits or errors, sorted by path. Files with none are left out.
    pub files: Vec<FileReport>,
    /// Errors that belong to no file, such as a path that does not exist.
    pub errors: Vec<ErrorReport>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The path relative to the project root, with `/` separators.
    pub path: String,
    pub findings: Vec<FindingReport>,
    /// The edits that the run's output makes to this file: every fix it includes, and the
    /// rewrites of uses of doubles fixed in other files. `--apply` writes them.
    pub edits: Vec<EditReport>,
    pub errors: Vec<ErrorReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorReport {
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingReport {
    pub rule_id: String,
    pub struct_name: String,
    /// Place of the struct's name.
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub applicability: ReportApplicability,
    /// The reason the fix needs review or is display-only, or the reason there is none; `null`
    /// for a safe fix.
    pub reason: Option<String>,
    /// The fix of this finding alone, display-only fixes included; `null` when there is none.
    pub fix: Option<FixReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportApplicability {
    /// `--apply` writes the fix.
    Safe,
    /// `--apply --unsafe-fixes` writes the fix.
    NeedsReview,
    /// The fix is shown and never written, because it is known to leave the problem.
    DisplayOnly,
    /// mockfix has no fix for the finding.
    NotFixed,
}

#[derive(Debug, Clone, Serialize)]
pub struct FixReport {
    pub title: String,
    /// Replacements of the original text, sorted and not overlapping. Applied together they give
    /// the file with only this fix, imports included.
    pub edits: Vec<EditReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EditReport {
    pub start_byte: usize,
    pub end_byte: usize,
    pub start: Position,
    /// Exclusive.
    pub end: Position,
    pub replacement: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// Returns the one-based line and `char` column of byte `offset` in `text`.
    pub fn of(text: &str, offset: usize) -> Position {
        let (line, column) = crate::edit::line_column(text, offset);
        Position { line, column }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// `"dry-run"` or `"apply"`.
    pub mode: &'static str,
    pub findings: usize,
    pub safe: usize,
    pub needs_review: usize,
    pub display_only: usize,
    pub not_fixed: usize,
    /// Fixes in the output: those a dry run would write, or those `--apply` wrote.
    pub fixes: usize,
    /// Files those fixes change.
    pub files_changed: usize,
    /// Errors in files and outside them.
    pub errors: usize,
}

/// How many fixes a run wrote, or would write, and in how many files.
#[derive(Debug, Clone, Copy)]
pub struct FixCounts {
    pub fixes: usize,
    pub files: usize,
}

impl Report {
    pub fn new(files: Vec<FileReport>, run_errors: Vec<String>, apply: bool, counts: FixCounts) -> Report {
        let findings = || files.iter().flat_map(|file| &file.findings);
        let count = |applicability| {
            findings()
                .filter(|finding| finding.applicability == applicability)
                .count()
        };
        let summary = Summary {
            mode: if apply { "apply" } else { "dry-run" },
            findings: findings().count(),
            safe: count(ReportApplicability::Safe),
            needs_review: count(ReportApplicability::NeedsReview),
            display_only: count(ReportApplicability::DisplayOnly),
            not_fixed: count(ReportApplicability::NotFixed),
            fixes: counts.fixes,
            files_changed: counts.files,
            errors: run_errors.len() + files.iter().map(|file| file.errors.len()).sum::<usize>(),
        };
        Report {
            schema_version: SCHEMA_VERSION,
            errors: run_errors.into_iter().map(|message| ErrorReport { message }).collect(),
            files,
            summary,
        }
    }
}

impl FindingReport {
    /// Formats the finding's message followed by a line on its fix: what it does, why it needs
    /// review or is display-only, or why there is none.
    pub fn message_with_fix(&self) -> String {
        let fix_title = self.fix.as_ref().map_or("", |fix| fix.title.as_str());
        let reason = self.reason.as_deref().unwrap_or("not proven safe");
        match self.applicability {
            ReportApplicability::Safe => format!("{}\nfix (safe): {fix_title}", self.message),
            ReportApplicability::NeedsReview => format!(
                "{}\nfix (needs-review): {reason}; written only with --unsafe-fixes",
                self.message
            ),
            ReportApplicability::DisplayOnly => format!(
                "{}\nfix (display-only, never applied): {reason}; it does not finish the fix, so use it only as a starting point",
                self.message
            ),
            ReportApplicability::NotFixed => match &self.reason {
                Some(reason) => format!("{}\nnot fixed: {reason}", self.message),
                None => self.message.clone(),
            },
        }
    }

    /// Returns the column just after the struct's name, which is on one line.
    pub fn end_column(&self) -> usize {
        self.column + self.struct_name.chars().count()
    }
}

// FIXME: A finding's own fix holds only the edits in the double's own file, so the rewrites of
// its uses in other files appear only in those files' `edits`, mixed with their other changes.
/// Reports the findings of one file, each with the edits of its fix alone.
///
/// Each fix is planned again with `only_struct`, so its edits include the imports it needs and
/// can be applied without the fixes of the file's other doubles.
pub(crate) fn finding_reports(path: &str, checked: &crate::run::CheckedText, rules: &RuleSet) -> Vec<FindingReport> {
    checked
        .outcome
        .findings
        .iter()
        .map(|finding| finding_report(path, checked, finding, rules))
        .collect()
}

fn finding_report(path: &str, checked: &crate::run::CheckedText, finding: &Finding, rules: &RuleSet) -> FindingReport {
    let text = checked.text.as_str();
    let edition = checked.edition;
    let place = Position::of(text, finding.name_range.0);
    let (applicability, reason) = match &finding.fix {
        Some(fix) => match fix.applicability {
            Applicability::Safe => (ReportApplicability::Safe, None),
            Applicability::NeedsReview => (ReportApplicability::NeedsReview, fix.review_reason.clone()),
            Applicability::DisplayOnly => (ReportApplicability::DisplayOnly, fix.review_reason.clone()),
        },
        None => (ReportApplicability::NotFixed, finding.unfixable_reason.clone()),
    };
    let fix = finding.fix.as_ref().and_then(|fix| {
        // No run applies a display-only fix, so planning it again would give no edits.
        let edits = match fix.applicability {
            Applicability::DisplayOnly => display_only_edits(path, text, fix, edition)?,
            Applicability::Safe | Applicability::NeedsReview => fix_edits(path, checked, &finding.struct_name, rules)?,
        };
        Some(FixReport {
            title: fix.title.clone(),
            edits,
        })
    });
    FindingReport {
        rule_id: finding.rule_id.clone(),
        struct_name: finding.struct_name.clone(),
        line: place.line,
        column: place.column,
        message: finding.message.clone(),
        applicability,
        reason,
        fix,
    }
}

// FIXME: A struct matched by two rules gets one fix that contains both rules' edits, because
// `only_struct` selects by struct name.
/// The edits that apply the fix of `struct_name` alone to `text`, or `None` when planning it
/// alone fails.
fn fix_edits(
    path: &str,
    checked: &crate::run::CheckedText,
    struct_name: &str,
    rules: &RuleSet,
) -> Option<Vec<EditReport>> {
    let text = checked.text.as_str();
    let request = FixRequest {
        policy: FixPolicy {
            include_needs_review: true,
        },
        reviews: &[],
        only_struct: Some(struct_name),
        foreign: &[],
        edition: checked.edition,
        uses_tokio: checked.uses_tokio,
    };
    let outcome = match fix_source_with(path, text, rules, &request) {
        Ok(outcome) => outcome,
        Err(err) => {
            log::debug!("{path}: the fix of `{struct_name}` alone could not be planned: {err}");
            return None;
        }
    };
    Some(edit_reports(text, &outcome.fixed_text))
}

/// Computes the edits of a display-only fix applied alone to `text`; `None` when that fails.
fn display_only_edits(path: &str, text: &str, fix: &Fix, edition: Edition) -> Option<Vec<EditReport>> {
    match crate::fixed_text_of_fix(path, text, fix, edition) {
        Ok(fixed) => Some(edit_reports(text, &fixed)),
        Err(err) => {
            log::debug!(
                "{path}: the display-only fix `{}` could not be applied alone: {err}",
                fix.title
            );
            None
        }
    }
}

/// Computes the line-granular edits that turn `text` into `fixed`, with their places in `text`.
pub fn edit_reports(text: &str, fixed: &str) -> Vec<EditReport> {
    if text == fixed {
        return Vec::new();
    }
    edit::diff_edits(text, fixed)
        .into_iter()
        .map(|edit| EditReport {
            start_byte: edit.start,
            end_byte: edit.end,
            start: Position::of(text, edit.start),
            end: Position::of(text, edit.end),
            replacement: edit.replacement,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_chars_from_one() {
        let text = "ab\n\u{e9}x\n";
        assert_eq!(Position::of(text, 0), Position { line: 1, column: 1 });
        assert_eq!(Position::of(text, 3), Position { line: 2, column: 1 });
        // `é` is two bytes and one column.
        assert_eq!(Position::of(text, 5), Position { line: 2, column: 2 });
        assert_eq!(Position::of(text, text.len()), Position { line: 3, column: 1 });
    }
}

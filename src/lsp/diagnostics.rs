//! Findings as LSP diagnostics: one warning per finding, on the double's struct name.
//!
//! The message is the finding's message, followed, like the command line's report, by why the
//! fix needs review or is display-only, or why there is no fix. The code is the rule id, so that a reader can look
//! the rule up and a code action can find the diagnostic it fixes.

use lsp_types::{Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Range, Uri};

use crate::fix::{Applicability, Finding};

/// The `source` of every diagnostic the server publishes.
pub const SOURCE: &str = "mockfix";

pub fn for_finding(finding: &Finding, range: Range) -> Diagnostic {
    let reason = || {
        finding
            .fix
            .as_ref()
            .and_then(|fix| fix.review_reason.as_deref())
            .unwrap_or("not proven safe")
    };
    let message = match (&finding.fix, &finding.unfixable_reason) {
        (Some(fix), _) if fix.applicability == Applicability::NeedsReview => {
            format!("{}\nfix needs review: {}", finding.message, reason())
        }
        // No code action edits the code for a display-only fix, so the message describes it.
        (Some(fix), _) if fix.applicability == Applicability::DisplayOnly => format!(
            "{}\ndisplay-only fix, not offered as a quick fix: {}, because it does not finish the fix; it shows where to start: {}",
            finding.message,
            reason(),
            fix.title
        ),
        (None, Some(reason)) => format!("{}\nnot fixed: {reason}", finding.message),
        _ => finding.message.clone(),
    };
    Diagnostic {
        range,
        severity: Some(DiagnosticSeverity::WARNING),
        code: Some(NumberOrString::String(finding.rule_id.clone())),
        source: Some(SOURCE.to_string()),
        message,
        ..Diagnostic::default()
    }
}

/// Adds the places that show the problem, such as the first borrow of a cell, as the
/// diagnostic's related information; `range` maps a byte range of the document to LSP.
pub fn with_related(
    mut diagnostic: Diagnostic,
    related: Vec<((usize, usize), String)>,
    uri: &Uri,
    range: impl Fn(usize, usize) -> Range,
) -> Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = related
        .into_iter()
        .map(|((start, end), message)| DiagnosticRelatedInformation {
            location: Location {
                uri: uri.clone(),
                range: range(start, end),
            },
            message,
        })
        .collect();
    if !related.is_empty() {
        diagnostic.related_information = Some(related);
    }
    diagnostic
}

/// Returns whether the client's `diagnostic` is the one published for a finding as `ours`. Clients send
/// back the diagnostics under the cursor with a code-action request.
pub fn is_same(diagnostic: &Diagnostic, ours: &Diagnostic) -> bool {
    diagnostic.source == ours.source && diagnostic.code == ours.code && diagnostic.range == ours.range
}

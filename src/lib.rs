//! mockfix finds test doubles (mocks, fakes, stubs, spies) whose shared state is not
//! synchronized and rewrites them to be thread-safe.
//!
//! One run goes through these steps, each in its own module:
//!
//! 1. `config`: the built-in and user rule files become checked `Rule`s.
//! 2. `walk`: a parallel, gitignore-aware walk yields `.rs` files, and a byte-level prefilter
//!    drops files that contain none of the rules' trigger words before they are decoded or parsed.
//! 3. `rust`: the Rust front end parses a candidate file losslessly, finds the doubles that a rule
//!    matches, and plans each fix as text edits over the original source (`edit`, `fix`).
//! 4. `fix_source` (here): the fixes of one file are checked for overlap, their imports are
//!    planned, the edits are applied in memory and the result is parsed again, so that a fix
//!    which would break the syntax is dropped before anything is written.
//! 5. `render` prints unified diffs; `write` replaces files atomically.
//!
//! `fix_source` is the whole pipeline for one file's text and does no I/O.

pub mod apply;
pub mod config;
pub mod crate_uses;
pub mod edit;
pub mod fix;
pub mod read;
pub mod render;
pub mod run;
pub mod rust;
pub mod verify;
pub mod walk;
pub mod write;

use crate::config::RuleSet;
use crate::fix::{Applicability, Finding};

/// What checking one file produced.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    pub findings: Vec<Finding>,
    /// Indexes into `findings` of the fixes that `fixed_text` contains.
    pub applied: Vec<usize>,
    /// The file's text with `applied` fixes; equal to the input when none applies.
    pub fixed_text: String,
    /// The input's syntax errors. Fixes that would change code near one are not applied.
    pub syntax_errors: Vec<rust::SyntaxError>,
}

/// A file that could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error("syntax error at line {line}, column {column}: {message}; fix the syntax and run mockfix again")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("internal error: {0}; please report this as a bug in mockfix")]
    Internal(String),
}

/// Which fixes a run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixPolicy {
    /// Apply fixes marked "needs review" too.
    pub include_needs_review: bool,
}

/// Finds the doubles in one Rust file and applies every fix that `policy` allows.
///
/// `path` is the file's path with `/` separators, matched against the rules' path globs.
pub fn fix_source(path: &str, source: &str, rules: &RuleSet, policy: FixPolicy) -> Result<FileOutcome, SourceError> {
    fix_source_with(
        path,
        source,
        rules,
        &FixRequest {
            policy,
            reviews: &[],
            only_struct: None,
        },
    )
}

/// A reason, found outside the file, why the fix of one double needs review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalReview {
    pub struct_name: String,
    pub reason: String,
}

/// Options of `fix_source_with` beyond the policy.
#[derive(Debug, Clone, Copy)]
pub struct FixRequest<'a> {
    pub policy: FixPolicy,
    /// Doubles whose fixes need review for reasons found outside the file.
    pub reviews: &'a [ExternalReview],
    /// Apply only the fix of the double with this name, as an editor's quick fix does.
    pub only_struct: Option<&'a str>,
}

/// Like `fix_source`, with the extra options of `request`.
pub fn fix_source_with(
    path: &str,
    source: &str,
    rules: &RuleSet,
    request: &FixRequest,
) -> Result<FileOutcome, SourceError> {
    let policy = request.policy;
    let analysis = rust::analyze_file(path, source, rules)?;
    let mut findings = analysis.findings;
    let syntax_errors = analysis.syntax_errors;
    for review in request.reviews {
        let fixes = findings
            .iter_mut()
            .filter(|finding| finding.struct_name == review.struct_name);
        for fix in fixes.filter_map(|finding| finding.fix.as_mut()) {
            fix.applicability = Applicability::NeedsReview;
            fix.review_reason = Some(match fix.review_reason.take() {
                Some(earlier) => format!("{earlier}; {}", review.reason),
                None => review.reason.clone(),
            });
        }
    }

    let wanted = |finding: &Finding| {
        request.only_struct.is_none_or(|name| name == finding.struct_name)
            && finding
                .fix
                .as_ref()
                .is_some_and(|fix| fix.applicability == Applicability::Safe || policy.include_needs_review)
    };
    let mut applied: Vec<usize> = Vec::new();
    let mut body_edits = Vec::new();
    for (index, finding) in findings.iter_mut().enumerate() {
        if !wanted(finding) {
            continue;
        }
        let fix = finding.fix.as_ref().expect("wanted findings have a fix");
        let mut candidate = body_edits.clone();
        candidate.extend(fix.edits.iter().cloned());
        if let Err(overlap) = edit::normalize(&mut candidate) {
            // Two doubles whose fixes touch the same code: keep the first, report the second.
            log::debug!("{path}: fix for `{}` dropped: {overlap}", finding.struct_name);
            finding.unfixable_reason = Some(
                "its fix overlaps the fix of another double in this file; run mockfix again after applying the first"
                    .to_string(),
            );
            finding.fix = None;
            continue;
        }
        body_edits = candidate;
        applied.push(index);
    }
    if applied.is_empty() {
        return Ok(FileOutcome {
            findings,
            applied,
            fixed_text: source.to_string(),
            syntax_errors,
        });
    }

    let fixed_text = match rust::finish(source, &body_edits) {
        Ok(fixed_text) => fixed_text,
        // Around an existing syntax error the parser may read the fixed text differently, so
        // try the fixes one at a time and keep those that add no error.
        Err(SourceError::Internal(_)) if !syntax_errors.is_empty() => {
            let (fixed_text, applied_fixes) = finish_one_by_one(source, &mut findings, &applied);
            applied = applied_fixes;
            fixed_text
        }
        Err(err) => return Err(err),
    };
    Ok(FileOutcome {
        findings,
        applied,
        fixed_text,
        syntax_errors,
    })
}

/// Applies the fixes of `findings` at `applied` in order, skipping each one whose result does not
/// parse as well as the input, and returns the text and the fixes kept.
fn finish_one_by_one(source: &str, findings: &mut [Finding], applied: &[usize]) -> (String, Vec<usize>) {
    let mut applied_fixes = Vec::new();
    let mut edits: Vec<edit::TextEdit> = Vec::new();
    let mut fixed_text = source.to_string();
    for &index in applied {
        let fix = findings[index].fix.as_ref().expect("applied findings have a fix");
        let mut candidate = edits.clone();
        candidate.extend(fix.edits.iter().cloned());
        match rust::finish(source, &candidate) {
            Ok(text) => {
                fixed_text = text;
                edits = candidate;
                applied_fixes.push(index);
            }
            Err(err) => {
                log::debug!("fix for `{}` dropped: {err}", findings[index].struct_name);
                findings[index].fix = None;
                findings[index].unfixable_reason = Some(
                    "the file has syntax errors, and this fix would add another; fix the syntax, then run mockfix again"
                        .to_string(),
                );
            }
        }
    }
    (fixed_text, applied_fixes)
}

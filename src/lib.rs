//! mockfix finds test doubles (mocks, fakes, stubs, spies) whose shared state is not
//! synchronized and rewrites them to be thread-safe.
//!
//! One run goes through these steps, each in its own module:
//!
//! 1. `config`: the built-in and user rule files become checked `Rule`s.
//! 2. `walk`: a parallel, gitignore-aware walk yields `.rs` and `.go` files, and a byte-level
//!    prefilter drops files that contain none of the rules' trigger words before they are decoded
//!    or parsed.
//! 3. `language` routes the file by its extension to a front end, `rust` or `go`, which parses it
//!    losslessly, finds the doubles that a rule of its language matches, and plans each fix as
//!    text edits over the original source (`edit`, `fix`).
//! 4. `fix_source` (here): the fixes of one file are checked for overlap, their imports are
//!    planned, the edits are applied in memory and the result is parsed again, so that a fix
//!    which would break the syntax is dropped before anything is written.
//! 5. `render` prints unified diffs; `write` replaces files atomically. `lsp` shows the same
//!    findings and fixes in an editor, as diagnostics and code actions.
//!
//! `fix_source` is the whole pipeline for one file's text and does no I/O.

mod app;
pub mod apply;
pub mod cli;
pub mod commands;
pub mod config;
pub mod edit;
pub mod fix;
mod follow;
pub mod go;
pub mod language;
pub mod lsp;
pub mod package;
mod progress;
pub mod read;
pub mod render;
pub mod run;
pub mod rust;
pub mod verify;
pub mod walk;
pub mod workspace;
pub mod write;

pub use crate::app::cli_main;
use crate::config::RuleSet;
use crate::fix::{Applicability, Finding, Fix, ForeignDouble};
use crate::language::Language;
pub use crate::workspace::Edition;

/// What checking one file produced.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    pub findings: Vec<Finding>,
    /// Indexes into `findings` of the fixes that `fixed_text` contains.
    pub applied: Vec<usize>,
    /// The file's text with `applied` fixes and the uses of `foreign_applied` doubles rewritten;
    /// equal to the input when nothing applies.
    pub fixed_text: String,
    /// Doubles of other files whose uses in this file were rewritten.
    pub foreign_applied: Vec<String>,
    /// Doubles of other files whose uses in this file cannot follow their fix, and why.
    pub foreign_problems: Vec<ExternalReview>,
    /// The input's syntax errors. Fixes that would change code near one are not applied.
    pub syntax_errors: Vec<SyntaxError>,
}

/// A syntax error in a file, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte range of the error in the file.
    pub range: (usize, usize),
    /// 1-based line and column, the column counted in characters.
    pub line: usize,
    pub column: usize,
    pub message: String,
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

/// The fixes that a run writes, by applicability. Display-only fixes are never written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixPolicy {
    /// Apply fixes marked "needs review" too.
    pub include_needs_review: bool,
}

impl FixPolicy {
    /// Returns whether a fix of this applicability is applied under this policy.
    pub fn applies(self, applicability: Applicability) -> bool {
        match applicability {
            Applicability::Safe => true,
            Applicability::NeedsReview => self.include_needs_review,
            Applicability::DisplayOnly => false,
        }
    }
}

/// Finds the doubles in one Rust or Go file and applies every fix that `policy` allows, parsing
/// Rust as edition 2021.
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
            foreign: &[],
            edition: Edition::DEFAULT,
            uses_tokio: false,
        },
    )
}

/// Applies `fix` alone to `source`, the text of the file at `path` that it was planned on, and
/// returns the result, whatever the fix's applicability. This is how a fix that a run does not
/// write is shown. The uses of the double in other files are not part of it.
pub fn fixed_text_of_fix(path: &str, source: &str, fix: &Fix, edition: Edition) -> Result<String, SourceError> {
    let language = Language::of_path(path).unwrap_or(Language::Rust);
    language::finish(language, source, &fix.edits, edition)
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
    /// Doubles declared in other files whose fixes this file's uses must follow.
    pub foreign: &'a [ForeignDouble],
    /// The Rust edition to parse the file with: its package's edition. Go files ignore it.
    pub edition: Edition,
    /// The file's package depends on the `tokio` crate, so a fix may use `tokio::sync::Mutex`.
    pub uses_tokio: bool,
}

/// Like `fix_source`, with the extra options of `request`. The file's language comes from the
/// extension of `path`; a path with another extension is read as Rust.
pub fn fix_source_with(
    path: &str,
    source: &str,
    rules: &RuleSet,
    request: &FixRequest,
) -> Result<FileOutcome, SourceError> {
    let mut planned = plan_fixes(path, source, rules, request)?;
    let fixed_text = match planned.fixed_text(source) {
        Ok(fixed_text) => fixed_text,
        // Around an existing syntax error the parser may read the fixed text differently. Then
        // nothing is applied to the file, so that no new error is added.
        Err(SourceError::Internal(reason)) if !planned.syntax_errors.is_empty() => {
            planned.hold_back_all(path, &reason);
            source.to_string()
        }
        Err(err) => return Err(err),
    };
    Ok(FileOutcome {
        findings: planned.findings,
        applied: planned.applied,
        fixed_text,
        foreign_applied: planned.foreign_applied,
        foreign_problems: planned.foreign_problems,
        syntax_errors: planned.syntax_errors,
    })
}

/// The findings of one file and the fixes chosen for it, before the fixes are applied.
///
/// Applying them, with the import changes and the second parse, costs a few times more than
/// finding them, so an editor computes `fixed_text` only when the user asks for a fix. The
/// default value is the plan of a file without findings.
#[derive(Debug, Clone)]
pub struct PlannedFixes {
    pub findings: Vec<Finding>,
    /// Indexes into `findings` of the fixes that `fixed_text` applies.
    pub applied: Vec<usize>,
    /// Doubles of other files whose uses `fixed_text` rewrites.
    pub foreign_applied: Vec<String>,
    /// Doubles of other files whose uses in this file cannot follow their fix, and why.
    pub foreign_problems: Vec<ExternalReview>,
    /// The syntax errors that the parser recovered from.
    pub syntax_errors: Vec<SyntaxError>,
    /// The edits of the `applied` fixes and of the uses of the `foreign_applied` doubles,
    /// checked for overlap, without import changes.
    body_edits: Vec<edit::TextEdit>,
    /// The edition the file was parsed with, which the fixed text is parsed with too.
    edition: Edition,
    /// The language of the file, whose front end applies the edits.
    language: Language,
    /// The syntax tree of a Rust file's text, which applying the fixes reuses.
    rust_tree: Option<ra_ap_syntax::Parse<ra_ap_syntax::SourceFile>>,
}

impl Default for PlannedFixes {
    fn default() -> PlannedFixes {
        PlannedFixes {
            findings: Vec::new(),
            applied: Vec::new(),
            foreign_applied: Vec::new(),
            foreign_problems: Vec::new(),
            syntax_errors: Vec::new(),
            body_edits: Vec::new(),
            edition: Edition::DEFAULT,
            language: Language::Rust,
            rust_tree: None,
        }
    }
}

impl PlannedFixes {
    /// Applies the chosen fixes to `source`, the text they were planned on, and returns the
    /// result: `source` itself when nothing applies.
    pub fn fixed_text(&self, source: &str) -> Result<String, SourceError> {
        if self.body_edits.is_empty() {
            return Ok(source.to_string());
        }
        self.finish(source, &self.body_edits)
    }

    /// Applies the fix of the finding at `index` alone to `source`, the text it was planned on,
    /// and returns the result; `None` when the finding has no fix. The uses of the double in other
    /// files are not part of it.
    pub fn fixed_text_of(&self, index: usize, source: &str) -> Option<Result<String, SourceError>> {
        let fix = self.findings.get(index)?.fix.as_ref()?;
        Some(self.finish(source, &fix.edits))
    }

    fn finish(&self, source: &str, edits: &[edit::TextEdit]) -> Result<String, SourceError> {
        match (&self.rust_tree, self.language) {
            (Some(tree), Language::Rust) => rust::finish_parsed(source, tree, edits, self.edition),
            _ => language::finish(self.language, source, edits, self.edition),
        }
    }

    /// Drops every chosen fix and every rewrite of a foreign double's uses, because applying
    /// them would add a syntax error to a file that has some already.
    fn hold_back_all(&mut self, path: &str, reason: &str) {
        for &index in &self.applied {
            let finding = &mut self.findings[index];
            log::debug!("{path}: fix for `{}` dropped: {reason}", finding.struct_name);
            finding.fix = None;
            finding.unfixable_reason = Some(format!("the file has syntax errors already, and {reason}"));
        }
        self.applied.clear();
        for struct_name in self.foreign_applied.drain(..) {
            self.foreign_problems.push(ExternalReview {
                struct_name,
                reason: format!("in `{path}`, which has syntax errors already, {reason}"),
            });
        }
        self.body_edits.clear();
    }
}

/// Finds the doubles in one Rust or Go file and chooses the fixes that `request` allows, the
/// first half of `fix_source_with`. The language comes from the extension of `path`.
pub fn plan_fixes(
    path: &str,
    source: &str,
    rules: &RuleSet,
    request: &FixRequest,
) -> Result<PlannedFixes, SourceError> {
    let policy = request.policy;
    let language = Language::of_path(path).unwrap_or(Language::Rust);
    let analysis = language::analyze_file(
        language,
        path,
        source,
        rules,
        request.foreign,
        request.edition,
        request.uses_tokio,
    )?;
    let (mut findings, foreign_uses) = (analysis.findings, analysis.foreign_uses);
    for review in request.reviews {
        let fixes = findings
            .iter_mut()
            .filter(|finding| finding.struct_name == review.struct_name);
        for fix in fixes.filter_map(|finding| finding.fix.as_mut()) {
            // A display-only fix stays display-only.
            fix.applicability = fix.applicability.max(Applicability::NeedsReview);
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
                .is_some_and(|fix| policy.applies(fix.applicability))
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

    // Uses of doubles fixed in other files follow those fixes, unless they cannot.
    let mut foreign_applied = Vec::new();
    let mut foreign_problems = Vec::new();
    for uses in foreign_uses {
        if !uses.problems.is_empty() {
            foreign_problems.push(ExternalReview {
                struct_name: uses.struct_name.clone(),
                reason: format!("in `{path}`: {}", uses.problems.join("; ")),
            });
            continue;
        }
        let mut candidate = body_edits.clone();
        candidate.extend(uses.edits.iter().cloned());
        if let Err(overlap) = edit::normalize(&mut candidate) {
            foreign_problems.push(ExternalReview {
                struct_name: uses.struct_name.clone(),
                reason: format!("in `{path}`, its edits overlap the fix of another double ({overlap})"),
            });
            continue;
        }
        body_edits = candidate;
        if !uses.edits.is_empty() {
            foreign_applied.push(uses.struct_name);
        }
    }

    Ok(PlannedFixes {
        findings,
        applied,
        foreign_applied,
        foreign_problems,
        syntax_errors: analysis.syntax_errors,
        body_edits,
        edition: request.edition,
        language,
        rust_tree: analysis.rust_tree,
    })
}

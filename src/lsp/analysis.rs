//! The engine's view of one open document: its findings, and the edits of the fix-all action and
//! of each quick fix, computed once per document version.
//!
//! The analysis runs the same steps as a command-line dry run of the document's file: the
//! byte-level prefilter, the planning of the safe fixes, and the offer of each fixed double to
//! the other files of its package (`follow`). A use there that cannot follow the fix turns it
//! into one that needs review. Applying fixes costs a few times more than finding them, so edits
//! are computed on the first code action that needs them, not on every change. Every offset the
//! analysis hands out is a byte offset into the document's text, byte order mark included.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::follow::Follower;
use crate::config::RuleSet;
use crate::edit::{self, TextEdit};
use crate::fix::{Applicability, Finding, ForeignDouble};
use crate::language::Language;
use crate::walk::Prefilter;
use crate::workspace::Edition;
use crate::{fix_source_with, plan_fixes, ExternalReview, FixPolicy, FixRequest, PlannedFixes, SourceError};

const BYTE_ORDER_MARK: char = '\u{feff}';

/// The findings of one document version under the rules of one generation, with their fixes.
pub struct Analysis {
    /// Length of a byte order mark at the start of the text. The engine checks the text after it.
    body_start: usize,
    /// The path that the rules' path globs are matched against.
    rule_path: String,
    /// The canonical path of the document's file, whose package the other files belong to.
    origin: Option<PathBuf>,
    /// The edition the document is parsed with: its package's edition.
    edition: Edition,
    /// The document's package depends on the `tokio` crate.
    uses_tokio: bool,
    planned: PlannedFixes,
    reviews: Vec<ExternalReview>,
    /// The edits of every safe fix, once computed; `None` inside when there is none.
    fix_all: Option<Option<Vec<TextEdit>>>,
    /// Quick-fix edits by index into the findings; `None` when the fix could not be applied alone.
    quick_fixes: HashMap<usize, Option<Vec<TextEdit>>>,
}

/// The rules and the other files that an analysis uses besides the document.
pub struct Checker<'a> {
    pub rules: &'a RuleSet,
    pub prefilter: &'a Prefilter,
    pub follower: Follower<'a>,
}

impl Analysis {
    /// Checks `text`, the document of the file at the canonical path `origin` if it has one.
    ///
    /// `rule_path` is the path with `/` separators that the rules' path globs are matched
    /// against, relative to the workspace root when the file is inside it.
    pub fn run(
        text: &str,
        rule_path: &str,
        origin: Option<&Path>,
        (edition, uses_tokio): (Edition, bool),
        mut checker: Checker,
    ) -> Result<Analysis, SourceError> {
        let body_start = if text.starts_with(BYTE_ORDER_MARK) {
            BYTE_ORDER_MARK.len_utf8()
        } else {
            0
        };
        let body = &text[body_start..];
        let policy = FixPolicy {
            include_needs_review: false,
        };
        let mut request = FixRequest {
            policy,
            reviews: &[],
            only_struct: None,
            foreign: &[],
            edition,
            uses_tokio,
        };

        // A file without any trigger word cannot hold a finding; the command line skips it too.
        let language = Language::of_path(rule_path).unwrap_or(Language::Rust);
        if !checker.prefilter.is_candidate(body.as_bytes(), language) {
            let mut analysis = Analysis::empty(rule_path);
            analysis.body_start = body_start;
            return Ok(analysis);
        }
        let mut planned = plan_fixes(rule_path, body, checker.rules, &request)?;
        // A document with a syntax error is most often being typed. It keeps its last
        // diagnostics, as before `plan_fixes` learnt to check files with syntax errors.
        if let Some(first) = planned.syntax_errors.first() {
            return Err(SourceError::Syntax {
                line: first.line,
                column: first.column,
                message: first.message.clone(),
            });
        }
        // FIXME: the files that name a double are found on disk, and this analysis is made again
        // only when this document changes or a file is saved. An unsaved edit of another open
        // document that adds or breaks a use therefore shows here late.
        let reviews = match origin {
            Some(origin) => checker.follower.reviews(origin, &planned.findings),
            None => Vec::new(),
        };
        if !reviews.is_empty() {
            request.reviews = &reviews;
            planned = plan_fixes(rule_path, body, checker.rules, &request)?;
        }
        Ok(Analysis {
            body_start,
            rule_path: rule_path.to_string(),
            origin: origin.map(Path::to_path_buf),
            edition,
            uses_tokio,
            planned,
            reviews,
            fix_all: None,
            quick_fixes: HashMap::new(),
        })
    }

    /// Returns the analysis of a document that is not checked, such as one that `exclude` matches.
    pub fn empty(rule_path: &str) -> Analysis {
        Analysis {
            body_start: 0,
            rule_path: rule_path.to_string(),
            origin: None,
            edition: Edition::DEFAULT,
            uses_tokio: false,
            planned: PlannedFixes::default(),
            reviews: Vec::new(),
            fix_all: None,
            quick_fixes: HashMap::new(),
        }
    }

    pub fn findings(&self) -> &[Finding] {
        &self.planned.findings
    }

    /// Returns the canonical path of the document's file, when it has one.
    pub fn origin(&self) -> Option<&Path> {
        self.origin.as_deref()
    }

    /// The double and fix of the finding at `index`, as other files must follow it, when it has
    /// a fix.
    pub fn foreign_double(&self, index: usize) -> Option<ForeignDouble> {
        let finding = &self.planned.findings[index];
        let fix = finding.fix.as_ref()?;
        Some(ForeignDouble {
            struct_name: finding.struct_name.clone(),
            conversion: fix.conversion.clone(),
        })
    }

    /// Returns the doubles whose fixes the fix-all action applies.
    pub fn fix_all_doubles(&self) -> Vec<ForeignDouble> {
        self.planned
            .applied
            .iter()
            .filter_map(|index| self.foreign_double(*index))
            .collect()
    }

    /// Returns the byte range of the struct name of the finding at `index`.
    pub fn name_range(&self, index: usize) -> (usize, usize) {
        let (start, end) = self.planned.findings[index].name_range;
        (start + self.body_start, end + self.body_start)
    }

    /// Returns the places that show finding `index`'s problem, as byte ranges of the document's
    /// text with their messages.
    pub fn related(&self, index: usize) -> Vec<((usize, usize), String)> {
        self.planned.findings[index]
            .related
            .iter()
            .map(|related| {
                (
                    (related.range.0 + self.body_start, related.range.1 + self.body_start),
                    related.message.clone(),
                )
            })
            .collect()
    }

    /// Returns the edits that apply every safe fix of the file, computed on first use.
    ///
    /// Returns `None` when there is no safe fix, or when applying them failed. Such a failure is
    /// a bug in mockfix and is logged.
    pub fn fix_all_edits(&mut self, text: &str) -> Option<&[TextEdit]> {
        if self.fix_all.is_none() {
            let edits = self.plan_fix_all(text);
            self.fix_all = Some(edits);
        }
        self.fix_all.as_ref().and_then(Option::as_deref)
    }

    fn plan_fix_all(&self, text: &str) -> Option<Vec<TextEdit>> {
        if self.planned.applied.is_empty() {
            return None;
        }
        let body = &text[self.body_start..];
        match self.planned.fixed_text(body) {
            Ok(fixed_text) => Some(self.shifted(edit::diff_edits(body, &fixed_text))),
            Err(err) => {
                log::warn!("{}: applying every safe fix failed: {err}", self.rule_path);
                None
            }
        }
    }

    /// Returns the edits of the fix of the finding at `index` alone, safe or needing review,
    /// computed on first use.
    ///
    /// Returns `None` when the finding has no fix or a display-only one, or its fix fails when
    /// applied alone, which is a bug in mockfix that is logged.
    pub fn quick_fix_edits(&mut self, index: usize, text: &str, rules: &RuleSet) -> Option<&[TextEdit]> {
        if !self.quick_fixes.contains_key(&index) {
            let edits = self.plan_quick_fix(index, text, rules);
            self.quick_fixes.insert(index, edits);
        }
        self.quick_fixes[&index].as_deref()
    }

    fn plan_quick_fix(&self, index: usize, text: &str, rules: &RuleSet) -> Option<Vec<TextEdit>> {
        let finding = &self.planned.findings[index];
        let fix = finding
            .fix
            .as_ref()
            .filter(|fix| fix.applicability != Applicability::DisplayOnly)?;
        // Two rules can match one struct; only the rule of this finding may contribute edits.
        let rule = rules.rules.iter().find(|rule| rule.id == finding.rule_id)?;
        let body = &text[self.body_start..];

        // A rule of one state kind plans at most one finding per struct, the same alone as among
        // the other rules. When this analysis has no other finding of the rule and struct, the
        // check below of the rule alone would find this one and apply its edits, so they are
        // applied here without checking the file again.
        let same_double = self
            .planned
            .findings
            .iter()
            .filter(|other| other.rule_id == finding.rule_id && other.struct_name == finding.struct_name)
            .count();
        if rule.state_kinds.len() == 1 && same_double == 1 {
            return match self.planned.fixed_text_of(index, body)? {
                Ok(fixed_text) => Some(self.shifted(edit::diff_edits(body, &fixed_text))),
                Err(err) => {
                    log::warn!(
                        "{}: the fix of `{}` failed when applied alone: {err}",
                        self.rule_path,
                        finding.struct_name
                    );
                    None
                }
            };
        }

        let one_rule = RuleSet {
            rules: vec![rule.clone()],
        };
        let request = FixRequest {
            policy: FixPolicy {
                include_needs_review: fix.applicability == Applicability::NeedsReview,
            },
            reviews: &self.reviews,
            only_struct: Some(&finding.struct_name),
            foreign: &[],
            edition: self.edition,
            uses_tokio: self.uses_tokio,
        };

        match fix_source_with(&self.rule_path, body, &one_rule, &request) {
            Ok(outcome) if !outcome.applied.is_empty() => {
                Some(self.shifted(edit::diff_edits(body, &outcome.fixed_text)))
            }
            Ok(_) => {
                log::warn!(
                    "{}: the fix of `{}` applied nothing when applied alone",
                    self.rule_path,
                    finding.struct_name
                );
                None
            }
            Err(err) => {
                log::warn!(
                    "{}: the fix of `{}` failed when applied alone: {err}",
                    self.rule_path,
                    finding.struct_name
                );
                None
            }
        }
    }

    fn shifted(&self, mut edits: Vec<TextEdit>) -> Vec<TextEdit> {
        for edit in &mut edits {
            edit.start += self.body_start;
            edit.end += self.body_start;
        }
        edits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOUBLE: &str = "use std::cell::RefCell;

pub struct MockMailer {
    sent: RefCell<Vec<String>>,
}

impl MockMailer {
    pub fn send(&self, to: &str) {
        self.sent.borrow_mut().push(to.to_string());
    }
}
";

    // `Uri` hashes and compares its text, which never changes. The lint reacts to its inner cells.
    #[allow(clippy::mutable_key_type)]
    fn analyze(text: &str, rules: &RuleSet) -> Analysis {
        let prefilter = Prefilter::new(rules);
        let mut packages = crate::package::PackageFiles::default();
        let mut cache = super::super::follow::FollowCache::default();
        let documents = HashMap::new();
        let editions = crate::workspace::EditionLookup::default();
        let checker = Checker {
            rules,
            prefilter: &prefilter,
            follower: Follower {
                packages: &mut packages,
                cache: &mut cache,
                documents: &documents,
                root: Path::new("/"),
                editions: &editions,
            },
        };
        Analysis::run(text, "src/mock.rs", None, (Edition::DEFAULT, false), checker).unwrap()
    }

    #[test]
    fn byte_order_mark_shifts_offsets() {
        let rules = RuleSet::builtin();
        let text = format!("{BYTE_ORDER_MARK}{DOUBLE}");
        let mut analysis = analyze(&text, &rules);

        let (start, end) = analysis.name_range(0);
        assert_eq!(&text[start..end], "MockMailer");

        let mut edits = analysis.quick_fix_edits(0, &text, &rules).unwrap().to_vec();
        edit::normalize(&mut edits).unwrap();
        let fixed = edit::apply(&text, &edits);
        let policy = FixPolicy {
            include_needs_review: false,
        };
        let expected = crate::fix_source("src/mock.rs", DOUBLE, &rules, policy)
            .unwrap()
            .fixed_text;
        assert_eq!(fixed, format!("{BYTE_ORDER_MARK}{expected}"));
    }

    #[test]
    fn file_without_trigger_words_has_no_findings() {
        let rules = RuleSet::builtin();
        let mut analysis = analyze("pub struct MockMailer;\n", &rules);
        assert!(analysis.findings().is_empty());
        assert!(analysis.fix_all_edits("pub struct MockMailer;\n").is_none());
    }
}

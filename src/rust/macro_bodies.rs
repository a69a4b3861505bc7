//! Doubles defined inside `macro_rules!` bodies, which the file index does not see, because a
//! macro body is a token tree rather than items.
//!
//! mockfix does not rewrite such a double: its body expands wherever the macro is called, and the
//! code that uses each expansion lies outside the body. A double that a rule matches there is
//! reported as a finding without a fix, with the macro's lines, so that it is fixed by hand
//! instead of being passed over.

use ra_ap_syntax::ast::{self, AstNode, HasName};

use super::discipline::line_of;
use super::index::FileIndex;
use super::strategies::static_mut::{is_test_path, within};
use super::strategies::PlanContext;
use super::suppression;
use super::text::node_range;
use super::token_trees::{contains_word, parse_macro_rules_bodies};
use crate::config::RuleSet;
use crate::fix::Finding;
use crate::language::Language;

/// Finds the doubles that the enabled Rust rules match inside the `macro_rules!` bodies of `file`,
/// each as a finding without a fix. `test_code` returns the byte ranges of the file's test code.
pub fn findings_in_macro_bodies<'t>(
    path: &str,
    file: &ast::SourceFile,
    source: &str,
    rules: &RuleSet,
    test_code: &dyn Fn() -> &'t [(usize, usize)],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Most files define no macro, and this saves them a walk over the whole tree.
    if !source.contains("macro_rules") {
        return findings;
    }
    let rules: Vec<_> = rules
        .enabled()
        .filter(|rule| rule.language == Language::Rust && rule.matches_path(path))
        .collect();
    if rules.is_empty() {
        return findings;
    }
    for definition in file.syntax().descendants().filter_map(ast::MacroRules::cast) {
        if !contains_word(&definition.syntax().text().to_string(), "struct") {
            continue;
        }
        let macro_name = definition
            .name()
            .map(|name| name.text().to_string())
            .unwrap_or_default();
        let (start, end) = node_range(definition.syntax());
        let reason = format!(
            "it is defined inside the body of `macro_rules! {macro_name}`, at lines {} to {}, which mockfix does not rewrite because the body expands wherever the macro is called; fix it by hand",
            line_of(source, start),
            line_of(source, end)
        );
        let in_test_code = is_test_path(path) || within(test_code(), (start, end));
        for body in parse_macro_rules_bodies(&definition) {
            // The snippet's text is the file's within the body, so its offsets are the file's.
            let snippet_text = body.root.text().to_string();
            let Some(snippet_file) = ast::SourceFile::cast(body.root.clone()) else {
                continue;
            };
            let index = FileIndex::build(&snippet_file);
            let ctx = PlanContext {
                source: &snippet_text,
                root: &body.root,
                index: &index,
                uses_tokio: false,
            };
            for info in index.structs.iter().filter(|info| body.covers(info.node.syntax())) {
                for rule in &rules {
                    let by_unsafe_sync =
                        rule.any_name_with_unsafe_sync && !info.unsafe_impls.is_empty() && in_test_code;
                    if !rule.matches_name(&info.name) && !by_unsafe_sync {
                        continue;
                    }
                    let suppressed = suppression::is_suppressed(&snippet_text, info.node.syntax(), &rule.id)
                        || suppression::is_suppressed(source, definition.syntax(), &rule.id);
                    if suppressed {
                        log::debug!(
                            "{path}: `{}` in `macro_rules! {macro_name}` skipped: suppressed by a `mockfix: ignore` comment",
                            info.name
                        );
                        continue;
                    }
                    for mut finding in super::plan_struct(&ctx, rule, info) {
                        finding.fix = None;
                        finding.unfixable_reason = Some(reason.clone());
                        finding
                            .related
                            .retain(|related| body.range.0 <= related.range.0 && related.range.1 <= body.range.1);
                        findings.push(finding);
                    }
                }
            }
        }
    }
    findings
}

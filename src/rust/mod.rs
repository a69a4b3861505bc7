//! The Rust front end: parses a file with `ra_ap_syntax`, finds the doubles that the rules match
//! and plans their fixes as text edits over the original source.
//!
//! `ra_ap_syntax` is lossless: the tree's text is the file's text, byte for byte, so every edit
//! is a byte range of the input and comments, blank lines, tabs and CRLF line endings outside
//! those ranges are kept as they are.

pub mod discipline;
pub mod imports;
pub mod index;
pub mod strategies;
pub mod text;
pub mod uses;

use ra_ap_syntax::{ast, AstNode, Edition, NodeOrToken, Parse, SourceFile, SyntaxNode, TextRange, TextSize};

use crate::config::{RuleSet, Strategy};
use crate::edit::{self, TextEdit};
use crate::fix::Finding;
use crate::SourceError;
use index::{FileIndex, StructInfo};
use strategies::PlanContext;

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

/// Parses `source`, trying edition 2021 and then 2024, and reports the first syntax error when
/// neither parses cleanly.
pub fn parse(source: &str) -> Result<Parse<SourceFile>, SourceError> {
    let (parse, errors) = parse_with_errors(source);
    match errors.into_iter().next() {
        None => Ok(parse),
        Some(first) => Err(SourceError::Syntax {
            line: first.line,
            column: first.column,
            message: first.message,
        }),
    }
}

/// Parses `source` as edition 2021 or 2024, whichever has fewer syntax errors, and returns the
/// tree that the parser recovered together with those errors.
pub fn parse_with_errors(source: &str) -> (Parse<SourceFile>, Vec<SyntaxError>) {
    let parse = SourceFile::parse(source, Edition::Edition2021);
    let errors = parse.errors();
    if errors.is_empty() {
        return (parse, Vec::new());
    }
    let newer = SourceFile::parse(source, Edition::Edition2024);
    let newer_errors = newer.errors();
    let (parse, errors) = if newer_errors.len() < errors.len() {
        (newer, newer_errors)
    } else {
        (parse, errors)
    };
    let errors = errors
        .iter()
        .map(|error| {
            let start = text::offset(error.range().start());
            let end = text::offset(error.range().end());
            let before = &source[..start];
            SyntaxError {
                range: (start, end),
                line: before.matches('\n').count() + 1,
                column: before.rsplit('\n').next().map_or(0, |line| line.chars().count()) + 1,
                message: error.to_string(),
            }
        })
        .collect();
    (parse, errors)
}

/// The doubles of one file and the file's syntax errors.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub syntax_errors: Vec<SyntaxError>,
}

/// Finds the doubles in `source` that the enabled rules match, each with its planned fix.
pub fn analyze(path: &str, source: &str, rules: &RuleSet) -> Result<Vec<Finding>, SourceError> {
    analyze_file(path, source, rules).map(|analysis| analysis.findings)
}

/// Like `analyze`, and also returns the file's syntax errors.
///
/// The parser recovers from syntax errors, so a file with some is still analyzed. A fix is
/// dropped, with the error as its reason, when an error lies in the double's struct, in one of
/// its impls or in an item that the fix edits.
pub fn analyze_file(path: &str, source: &str, rules: &RuleSet) -> Result<Analysis, SourceError> {
    let (parse, syntax_errors) = parse_with_errors(source);
    let file = parse.tree();
    let index = FileIndex::build(&file);
    let mut findings = Vec::new();
    for rule in rules.enabled() {
        if !rule.matches_path(path) {
            log::debug!("{path}: rule `{}` does not apply to this path", rule.id);
            continue;
        }
        let ctx = PlanContext {
            source,
            root: file.syntax(),
            index: &index,
            rule,
        };
        for info in &index.structs {
            // A double is matched by its name, or by `unsafe impl Sync` alone when the rule says so.
            let by_unsafe_sync = rule.any_name_with_unsafe_sync && !info.unsafe_impls.is_empty();
            if !rule.matches_name(&info.name) && !by_unsafe_sync {
                continue;
            }
            // Impls are matched to structs by name, so two structs of one name cannot be told apart.
            if info.name_is_ambiguous {
                log::debug!(
                    "{path}: `{}` skipped: the file declares two structs of that name",
                    info.name
                );
                continue;
            }
            // Tuple and unit structs: fields reached as `self.0` are not supported.
            if !info.is_record {
                log::debug!("{path}: `{}` skipped: not a struct with named fields", info.name);
                continue;
            }
            let finding = match rule.strategy {
                Strategy::Wrap => strategies::wrap::plan(&ctx, info),
                Strategy::Guard => strategies::guard::plan(&ctx, info),
            };
            let Some(mut finding) = finding else { continue };
            if let Some(error) = error_in_fixed_code(file.syntax(), &syntax_errors, info, &finding) {
                log::debug!(
                    "{path}: fix for `{}` dropped: syntax error at line {}",
                    info.name,
                    error.line
                );
                finding.fix = None;
                finding.unfixable_reason = Some(format!(
                    "the syntax error at line {}, column {} ({}) is in code that the fix would change",
                    error.line, error.column, error.message
                ));
            }
            findings.push(finding);
        }
    }
    findings.sort_by_key(|finding| finding.name_range.0);
    Ok(Analysis {
        findings,
        syntax_errors,
    })
}

/// Finds the first syntax error inside the double's struct, one of its impls, or an item that the
/// fix edits. Code around a syntax error may have been parsed as something it is not, so mockfix
/// changes none of it.
fn error_in_fixed_code<'a>(
    root: &SyntaxNode,
    errors: &'a [SyntaxError],
    info: &StructInfo,
    finding: &Finding,
) -> Option<&'a SyntaxError> {
    if errors.is_empty() {
        return None;
    }
    let mut ranges = vec![text::node_range(info.node.syntax())];
    ranges.extend(info.impls.iter().map(|item| text::node_range(item.syntax())));
    for edit in finding.fix.iter().flat_map(|fix| &fix.edits) {
        let range = TextRange::new(TextSize::from(edit.start as u32), TextSize::from(edit.end as u32));
        let covering = match root.covering_element(range) {
            NodeOrToken::Node(node) => node,
            NodeOrToken::Token(token) => token.parent()?,
        };
        let item = covering.ancestors().find(|node| ast::Item::can_cast(node.kind()));
        ranges.push(text::node_range(item.as_ref().unwrap_or(root)));
    }
    errors.iter().find(|error| {
        ranges
            .iter()
            .any(|(start, end)| error.range.0 <= *end && error.range.1 >= *start)
    })
}

/// Applies the fixes' `edits` to `source`, then merges and prunes imports and parses the result.
///
/// Returns the fixed text. An edit set whose result does not parse is a bug in mockfix, reported
/// as `SourceError::Internal`, and nothing of it should be written.
pub fn finish(source: &str, edits: &[TextEdit]) -> Result<String, SourceError> {
    let mut edits = edits.to_vec();
    edit::normalize(&mut edits).map_err(|err| SourceError::Internal(err.to_string()))?;
    let fixed = edit::apply(source, &edits);

    let tree = SourceFile::parse(&fixed, Edition::Edition2024).tree();
    let mut additions = imports::plan_additions(&fixed, tree.syntax(), &["std", "sync", "Mutex"]);
    let fixed = apply_pass(&fixed, &mut additions)?;

    let tree = SourceFile::parse(&fixed, Edition::Edition2024).tree();
    let cell_paths: [&[&str]; 2] = [&["std", "cell", "RefCell"], &["core", "cell", "RefCell"]];
    let originally_used = has_unqualified_name(source, "RefCell");
    let mut removals = if originally_used {
        imports::plan_removals(&fixed, tree.syntax(), &cell_paths)
    } else {
        Vec::new()
    };
    let fixed = apply_pass(&fixed, &mut removals)?;

    check_syntax(source, &fixed)?;
    Ok(fixed)
}

fn apply_pass(text: &str, edits: &mut Vec<TextEdit>) -> Result<String, SourceError> {
    edit::normalize(edits).map_err(|err| SourceError::Internal(format!("import edits: {err}")))?;
    Ok(edit::apply(text, edits))
}

fn has_unqualified_name(source: &str, name: &str) -> bool {
    let tree = SourceFile::parse(source, Edition::Edition2024).tree();
    tree.syntax()
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .any(|token| token.text() == name && !token.parent_ancestors().any(|node| ast::Use::can_cast(node.kind())))
}

/// Rejects output that has a syntax error the input did not have. Errors are compared by message,
/// since the edits move them, and each message must not occur more often than in the input.
pub fn check_syntax(source: &str, fixed: &str) -> Result<(), SourceError> {
    let (_, before) = parse_with_errors(source);
    let (_, after) = parse_with_errors(fixed);
    let mut known: Vec<&str> = before.iter().map(|error| error.message.as_str()).collect();
    for error in &after {
        match known.iter().position(|message| *message == error.message) {
            Some(found) => {
                known.swap_remove(found);
            }
            None => {
                return Err(SourceError::Internal(format!(
                    "the fix would introduce a syntax error at line {}, column {} ({})",
                    error.line, error.column, error.message
                )))
            }
        }
    }
    Ok(())
}

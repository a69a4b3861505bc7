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

use ra_ap_syntax::{ast, AstNode, Parse, SourceFile};

use crate::config::{RuleSet, Strategy};
use crate::edit::{self, TextEdit};
use crate::fix::Finding;
use crate::workspace::Edition;
use crate::SourceError;
use index::FileIndex;
use strategies::PlanContext;

/// Parses `source` as Rust of `edition` and reports the first syntax error, if any.
pub fn parse(source: &str, edition: Edition) -> Result<Parse<SourceFile>, SourceError> {
    let parse = SourceFile::parse(source, edition.syntax_edition());
    let errors = parse.errors();
    let Some(first) = errors.first() else { return Ok(parse) };
    let offset = u32::from(first.range().start()) as usize;
    let line = source[..offset].matches('\n').count() + 1;
    let column = source[..offset]
        .rsplit('\n')
        .next()
        .map_or(0, |text| text.chars().count())
        + 1;
    Err(SourceError::Syntax {
        line,
        column,
        message: first.to_string(),
    })
}

/// Finds the doubles in `source` that the enabled rules match, each with its planned fix.
pub fn analyze(path: &str, source: &str, rules: &RuleSet, edition: Edition) -> Result<Vec<Finding>, SourceError> {
    let parse = parse(source, edition)?;
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
            findings.extend(finding);
        }
    }
    findings.sort_by_key(|finding| finding.name_range.0);
    Ok(findings)
}

/// Applies the fixes' `edits` to `source`, then merges and prunes imports and parses the result.
///
/// Returns the fixed text. An edit set whose result does not parse is a bug in mockfix, reported
/// as `SourceError::Internal`, and nothing of it should be written.
pub fn finish(source: &str, edits: &[TextEdit], edition: Edition) -> Result<String, SourceError> {
    let mut edits = edits.to_vec();
    edit::normalize(&mut edits).map_err(|err| SourceError::Internal(err.to_string()))?;
    let fixed = edit::apply(source, &edits);

    let tree = SourceFile::parse(&fixed, edition.syntax_edition()).tree();
    let mut additions = imports::plan_additions(&fixed, tree.syntax(), &["std", "sync", "Mutex"]);
    let fixed = apply_pass(&fixed, &mut additions)?;

    let tree = SourceFile::parse(&fixed, edition.syntax_edition()).tree();
    let cell_paths: [&[&str]; 2] = [&["std", "cell", "RefCell"], &["core", "cell", "RefCell"]];
    let originally_used = has_unqualified_name(source, "RefCell", edition);
    let mut removals = if originally_used {
        imports::plan_removals(&fixed, tree.syntax(), &cell_paths)
    } else {
        Vec::new()
    };
    let fixed = apply_pass(&fixed, &mut removals)?;

    check_syntax(source, &fixed, edition)?;
    Ok(fixed)
}

fn apply_pass(text: &str, edits: &mut Vec<TextEdit>) -> Result<String, SourceError> {
    edit::normalize(edits).map_err(|err| SourceError::Internal(format!("import edits: {err}")))?;
    Ok(edit::apply(text, edits))
}

fn has_unqualified_name(source: &str, name: &str, edition: Edition) -> bool {
    let tree = SourceFile::parse(source, edition.syntax_edition()).tree();
    tree.syntax()
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .any(|token| token.text() == name && !token.parent_ancestors().any(|node| ast::Use::can_cast(node.kind())))
}

/// Rejects output that has a syntax error the input did not have.
fn check_syntax(source: &str, fixed: &str, edition: Edition) -> Result<(), SourceError> {
    let before = parse(source, edition).is_ok();
    match parse(fixed, edition) {
        Err(SourceError::Syntax { line, column, message }) if before => Err(SourceError::Internal(format!(
            "the fix would introduce a syntax error at line {line}, column {column} ({message})"
        ))),
        _ => Ok(()),
    }
}

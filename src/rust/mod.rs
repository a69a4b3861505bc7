//! The Rust front end: parses a file with `ra_ap_syntax`, finds the doubles that the rules match
//! and plans their fixes as text edits over the original source.
//!
//! `ra_ap_syntax` is lossless: the tree's text is the file's text, byte for byte, so every edit
//! is a byte range of the input and comments, blank lines, tabs and CRLF line endings outside
//! those ranges are kept as they are.

pub mod discipline;
pub mod imports;
pub mod index;
mod macro_bodies;
pub mod strategies;
pub mod suppression;
pub mod text;
pub mod token_trees;
pub mod unsafe_blocks;
pub mod uses;

use ra_ap_syntax::ast::HasAttrs;
use ra_ap_syntax::ast::HasName;
use ra_ap_syntax::{ast, AstNode, NodeOrToken, Parse, SourceFile, SyntaxNode, TextRange, TextSize};

use crate::config::{Rule, RuleSet, StateKind};
use crate::edit::{self, TextEdit};
use crate::fix::{Conversion, Finding, ForeignDouble};
use crate::language::{Analysis, Language};
use crate::workspace::Edition;
use crate::{SourceError, SyntaxError};
use index::{FileIndex, StructInfo};
use strategies::static_mut::{is_test_path, test_code_ranges, within};
use strategies::PlanContext;
use text::node_range;

/// Parses `source` as Rust of `edition` and reports the first syntax error, if any.
pub fn parse(source: &str, edition: Edition) -> Result<Parse<SourceFile>, SourceError> {
    let (parse, errors) = parse_with_errors(source, edition);
    match errors.into_iter().next() {
        None => Ok(parse),
        Some(first) => Err(SourceError::Syntax {
            line: first.line,
            column: first.column,
            message: first.message,
        }),
    }
}

/// Parses `source` as Rust of `edition`, and returns the tree that the parser recovered together
/// with the syntax errors.
pub fn parse_with_errors(source: &str, edition: Edition) -> (Parse<SourceFile>, Vec<SyntaxError>) {
    let parse = SourceFile::parse(source, edition.syntax_edition());
    let errors = syntax_errors_of(source, &parse);
    (parse, errors)
}

/// Returns the syntax errors of `parse`, the tree of `source`, with their places.
fn syntax_errors_of(source: &str, parse: &Parse<SourceFile>) -> Vec<SyntaxError> {
    parse
        .errors()
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
        .collect()
}

/// Finds the doubles in `source` that the enabled rules match, each with its planned fix.
pub fn analyze(path: &str, source: &str, rules: &RuleSet, edition: Edition) -> Result<Vec<Finding>, SourceError> {
    analyze_with_foreign(path, source, rules, &[], edition).map(|(findings, _)| findings)
}

pub use crate::language::ForeignUses;

/// Like `analyze`, and plans this file's uses of the `foreign` doubles that other files fix.
pub fn analyze_with_foreign(
    path: &str,
    source: &str,
    rules: &RuleSet,
    foreign: &[ForeignDouble],
    edition: Edition,
) -> Result<(Vec<Finding>, Vec<ForeignUses>), SourceError> {
    analyze_file(path, source, rules, foreign, edition, false)
        .map(|analysis| (analysis.findings, analysis.foreign_uses))
}

/// Like `analyze_with_foreign`, and also returns the file's syntax errors.
///
/// The parser recovers from syntax errors, so a file with some is still analyzed. A fix is
/// dropped, with the error as its reason, when an error lies in the double's struct, in one of
/// its impls or in an item that the fix edits. Uses of a foreign double that would edit such an
/// item hold that double's fix back.
pub fn analyze_file(
    path: &str,
    source: &str,
    rules: &RuleSet,
    foreign: &[ForeignDouble],
    edition: Edition,
    uses_tokio: bool,
) -> Result<Analysis, SourceError> {
    let (parse, syntax_errors) = parse_with_errors(source, edition);
    let file = parse.tree();
    let index = FileIndex::build(&file);
    let ctx = PlanContext {
        source,
        root: file.syntax(),
        index: &index,
        uses_tokio,
    };
    let mut foreign_uses: Vec<ForeignUses> = foreign.iter().map(|double| plan_foreign_uses(&ctx, double)).collect();
    let mut findings = find_doubles(path, &file, &ctx, rules);
    if syntax_errors.is_empty() {
        return Ok(Analysis {
            findings,
            foreign_uses,
            syntax_errors,
            rust_tree: Some(parse),
        });
    }

    for finding in &mut findings {
        let info = index.structs.iter().find(|info| {
            info.node
                .name()
                .is_some_and(|name| node_range(name.syntax()) == finding.name_range)
        });
        let mut ranges: Vec<(usize, usize)> = info
            .into_iter()
            .flat_map(|info| {
                std::iter::once(&info.node)
                    .map(|node| node_range(node.syntax()))
                    .chain(info.impls.iter().map(|item| node_range(item.syntax())))
            })
            .collect();
        let edits = finding.fix.iter().flat_map(|fix| &fix.edits);
        ranges.extend(edits.map(|edit| edited_item_range(file.syntax(), edit)));
        if let Some(error) = first_error_within(&syntax_errors, &ranges) {
            log::debug!(
                "{path}: fix for `{}` dropped: syntax error at line {}",
                finding.struct_name,
                error.line
            );
            finding.fix = None;
            finding.unfixable_reason = Some(format!(
                "the syntax error at line {}, column {} ({}) is in code that the fix would change",
                error.line, error.column, error.message
            ));
        }
    }
    for uses in &mut foreign_uses {
        let ranges: Vec<(usize, usize)> = uses
            .edits
            .iter()
            .map(|edit| edited_item_range(file.syntax(), edit))
            .collect();
        if let Some(error) = first_error_within(&syntax_errors, &ranges) {
            uses.problems.push(format!(
                "the syntax error at line {}, column {} ({}) is in code that its uses there would change",
                error.line, error.column, error.message
            ));
        }
    }
    Ok(Analysis {
        findings,
        foreign_uses,
        syntax_errors,
        rust_tree: Some(parse),
    })
}

/// Returns the byte range of the innermost item, such as a function, struct or `use`, that
/// contains `edit`. Code around a syntax error may have been parsed as something it is not, so
/// mockfix edits no item that contains one.
fn edited_item_range(root: &SyntaxNode, edit: &TextEdit) -> (usize, usize) {
    let range = TextRange::new(TextSize::from(edit.start as u32), TextSize::from(edit.end as u32));
    let covering = match root.covering_element(range) {
        NodeOrToken::Node(node) => Some(node),
        NodeOrToken::Token(token) => token.parent(),
    };
    let item = covering.and_then(|node| node.ancestors().find(|node| ast::Item::can_cast(node.kind())));
    node_range(item.as_ref().unwrap_or(root))
}

fn first_error_within<'a>(errors: &'a [SyntaxError], ranges: &[(usize, usize)]) -> Option<&'a SyntaxError> {
    errors.iter().find(|error| {
        ranges
            .iter()
            .any(|(start, end)| error.range.0 <= *end && error.range.1 >= *start)
    })
}

fn plan_foreign_uses(ctx: &PlanContext, double: &ForeignDouble) -> ForeignUses {
    let name = double.struct_name.as_str();
    // A struct of the same name declared here is another type, and the name means it in this file.
    if ctx.index.structs.iter().any(|info| info.name == name) {
        return ForeignUses {
            struct_name: double.struct_name.clone(),
            edits: Vec::new(),
            problems: Vec::new(),
        };
    }
    let (edits, problems) = match &double.conversion {
        Conversion::Wrap {
            fields,
            mutex_type,
            lock_call,
            method_locks,
        } => {
            let style = strategies::LockStyle::of(mutex_type, lock_call);
            let plan = strategies::wrap::plan_foreign(ctx, name, fields, style, method_locks);
            (plan.edits, plan.problems)
        }
        Conversion::Guard { field, mutex_type } => strategies::guard::plan_foreign(ctx, name, field, mutex_type),
        // A Go double is never used from Rust.
        Conversion::GoGuard { .. } => (Vec::new(), Vec::new()),
        Conversion::Rc {
            fields,
            functions,
            lock_call,
            method_locks,
        } => {
            let plan = strategies::rc::plan_foreign(ctx, name, fields, functions, lock_call, method_locks);
            (plan.edits, plan.problems)
        }
        Conversion::Cell {
            fields,
            orderings,
            lock_call,
            method_locks,
        } => {
            let plan = strategies::cell::plan_foreign(ctx, name, fields, orderings, lock_call, method_locks);
            (plan.edits, plan.problems)
        }
        Conversion::StaticMut {
            form,
            orderings,
            lock_call,
        } => {
            let plan = strategies::static_mut::plan_foreign(ctx, name, form, orderings, lock_call);
            (plan.edits, plan.problems)
        }
        Conversion::UnsafeSyncCell {
            fields,
            refcell_fields,
            orderings,
            lock_call,
            method_locks,
        } => {
            let plan = strategies::unsafe_sync::plan_foreign(
                ctx,
                name,
                (fields, refcell_fields),
                orderings,
                lock_call,
                method_locks,
            );
            (plan.edits, plan.problems)
        }
    };
    let mut problems = problems;
    // A `static mut` is never destructured, and a Go double is never used from Rust.
    let is_struct = !matches!(
        double.conversion,
        Conversion::StaticMut { .. } | Conversion::GoGuard { .. }
    );
    if is_struct {
        problems.extend(destructuring_reason(ctx, &strategies::Target::foreign(ctx.index, name)));
    }
    ForeignUses {
        struct_name: double.struct_name.clone(),
        edits,
        problems,
    }
}

fn find_doubles(path: &str, file: &SourceFile, ctx: &PlanContext, rules: &RuleSet) -> Vec<Finding> {
    let (source, index) = (ctx.source, ctx.index);
    let mut findings = Vec::new();
    let no_std = file
        .attrs()
        .any(|attr| attr.as_simple_atom().is_some_and(|name| name == "no_std"));
    // Finding the test code walks the whole tree, so it is done once, and only for a file that has
    // a struct behind `unsafe impl Sync`.
    let test_code_cell = std::cell::OnceCell::new();
    let test_code = || {
        test_code_cell
            .get_or_init(|| test_code_ranges(file.syntax()))
            .as_slice()
    };
    for rule in rules.enabled().filter(|rule| rule.language == Language::Rust) {
        if !rule.matches_path(path) {
            log::debug!("{path}: rule `{}` does not apply to this path", rule.id);
            continue;
        }
        // A `static mut` is not a struct: the strategy finds the file's statics itself.
        if rule.state_kinds.contains(&StateKind::StaticMut) {
            for finding in strategies::static_mut::plan_file(ctx, rule, path) {
                findings.push(without_fix_under_no_std(finding, no_std));
            }
        }
        for info in &index.structs {
            // A double is matched by its name, or, in test code, by `unsafe impl Sync` alone when
            // the rule says so. Outside tests, `unsafe impl Sync` over a cell is how locks, channels
            // and once-cells are built, with their own synchronization that a syntax check cannot see.
            let by_unsafe_sync = rule.any_name_with_unsafe_sync
                && !info.unsafe_impls.is_empty()
                && (is_test_path(path) || within(test_code(), node_range(info.node.syntax())));
            if !rule.matches_name(&info.name) && !by_unsafe_sync {
                if rule.any_name_with_unsafe_sync && !info.unsafe_impls.is_empty() {
                    log::debug!(
                        "{path}: `{}` skipped by `{}`: its name matches no glob, and `unsafe impl Sync` alone counts only in test code",
                        info.name,
                        rule.id
                    );
                }
                continue;
            }
            // Impls are matched to structs by name, so two structs of one name cannot be
            // distinguished. Such a double is reported without a fix.
            let ambiguity = info
                .name_is_ambiguous
                .then(|| ambiguous_name_reason(source, index, &info.name));
            // A unit struct has no state to convert.
            if !info.is_record && !info.is_tuple {
                log::debug!("{path}: `{}` skipped: a unit struct has no fields", info.name);
                continue;
            }
            // `// mockfix: ignore` or `// mockfix: ignore[rule-id]` above the struct.
            if suppression::is_suppressed(source, info.node.syntax(), &rule.id) {
                log::debug!(
                    "{path}: `{}` skipped: suppressed by a `mockfix: ignore` comment",
                    info.name
                );
                continue;
            }
            let destructured = destructuring_reason(ctx, &strategies::Target::defined(info));
            for finding in plan_struct(ctx, rule, info) {
                let finding = without_fix_under_no_std(finding, no_std);
                let finding = match (&destructured, &finding.fix) {
                    (Some(reason), Some(_)) => without_fix(finding, reason),
                    _ => finding,
                };
                findings.push(match &ambiguity {
                    Some(reason) => without_fix(finding, reason),
                    None => finding,
                });
            }
        }
    }
    findings.extend(macro_bodies::findings_in_macro_bodies(
        path, file, source, rules, &test_code,
    ));
    findings.sort_by_key(|finding| finding.name_range.0);
    drop_superseded(&mut findings, rules);
    findings
}

/// Plans the findings of each state kind of `rule` on the struct `info`.
fn plan_struct(ctx: &PlanContext, rule: &Rule, info: &StructInfo) -> Vec<Finding> {
    rule.state_kinds
        .iter()
        .filter_map(|kind| match kind {
            StateKind::RefCell => strategies::wrap::plan(ctx, rule, info),
            StateKind::Cell => strategies::cell::plan(ctx, rule, info),
            StateKind::Rc => strategies::rc::plan(ctx, rule, info),
            StateKind::AtomicTwoStep => strategies::guard::plan(ctx, rule, info),
            StateKind::UnsafeSyncCell => strategies::unsafe_sync::plan(ctx, rule, info),
            // Statics are planned per file, and Go state is never in a Rust rule.
            StateKind::StaticMut | StateKind::MutableFields => None,
        })
        .collect()
}

/// Drops the fix of `finding`, with `reason` as why there is none.
fn without_fix(mut finding: Finding, reason: &str) -> Finding {
    finding.fix = None;
    finding.unfixable_reason = Some(reason.to_string());
    finding
}

/// Explains why a double that a pattern of this file destructures, as in `let MockLog(log) = self;`
/// or `let Self { calls, .. } = self;`, is not fixed: the fix changes the types of its fields, but
/// not the uses of the bindings. Returns `None` when no pattern names the double.
fn destructuring_reason(ctx: &PlanContext, target: &strategies::Target) -> Option<String> {
    let mut lines = Vec::new();
    for node in ctx.root.descendants() {
        let path = pattern_path(&node);
        let Some(segment) = path.and_then(|path| path.segment()) else {
            continue;
        };
        let names_double = if segment.self_type_token().is_some() {
            target.impl_contains(node_range(&node).0)
        } else {
            segment.name_ref().is_some_and(|name| name.text() == target.name)
        };
        if names_double {
            lines.push(discipline::line_of(ctx.source, node_range(&node).0).to_string());
        }
    }
    if lines.is_empty() {
        return None;
    }
    Some(format!(
        "`{}` is destructured by a pattern at line{} {}, and the fix would change its field types but not the uses of the bindings; use the fields through the value there, then run mockfix again",
        target.name,
        if lines.len() == 1 { "" } else { "s" },
        lines.join(", ")
    ))
}

/// Returns the path of a tuple-struct or record pattern: `MockLog` in `MockLog(log)`.
fn pattern_path(node: &SyntaxNode) -> Option<ast::Path> {
    if let Some(pattern) = ast::TupleStructPat::cast(node.clone()) {
        return pattern.path();
    }
    ast::RecordPat::cast(node.clone())?.path()
}

/// Explains why a double whose name the file declares more than once is not fixed, with the
/// line of each declaration.
fn ambiguous_name_reason(source: &str, index: &FileIndex, name: &str) -> String {
    let lines: Vec<String> = index
        .structs
        .iter()
        .filter(|info| info.name == name)
        .map(|info| {
            let start = info
                .node
                .name()
                .map_or_else(|| node_range(info.node.syntax()), |name| node_range(name.syntax()))
                .0;
            discipline::line_of(source, start).to_string()
        })
        .collect();
    let (last, rest) = lines
        .split_last()
        .expect("an ambiguous name is declared at least twice");
    format!(
        "the file declares {} structs named `{name}`, at lines {} and {last}, and mockfix matches impls to structs by name, so it cannot tell whose methods are whose; rename one of them or move it to another file, then run mockfix again",
        lines.len(),
        rest.join(", ")
    )
}

/// A `#![no_std]` crate root has no `std::sync` to take a `Mutex` from.
fn without_fix_under_no_std(mut finding: Finding, no_std: bool) -> Finding {
    if no_std && finding.fix.is_some() {
        finding.fix = None;
        finding.unfixable_reason =
            Some("the file is a `#![no_std]` crate root, which has no `std::sync::Mutex`".to_string());
    }
    finding
}

/// Drops a `RefCell` finding on a struct that an `unsafe-sync-cell` rule also fixes: that fix
/// converts the same fields and also removes the `unsafe impl`s, and the two would overlap.
fn drop_superseded(findings: &mut Vec<Finding>, rules: &RuleSet) {
    let kinds_of = |rule_id: &str| {
        rules
            .enabled()
            .find(|rule| rule.id == rule_id)
            .map(|rule| rule.state_kinds.clone())
            .unwrap_or_default()
    };
    let superseding: Vec<(usize, Vec<String>)> = findings
        .iter()
        .filter(|finding| finding.fix.is_some() && kinds_of(&finding.rule_id).contains(&StateKind::UnsafeSyncCell))
        .map(|finding| (finding.name_range.0, finding.changed_fields.clone()))
        .collect();
    findings.retain(|finding| {
        let kinds = kinds_of(&finding.rule_id);
        let superseded = kinds.contains(&StateKind::RefCell)
            && !kinds.contains(&StateKind::UnsafeSyncCell)
            && superseding.iter().any(|(start, fields)| {
                *start == finding.name_range.0 && finding.changed_fields.iter().all(|field| fields.contains(field))
            });
        if superseded {
            log::debug!(
                "`{}`: the `{}` finding is left to the rule that also removes its `unsafe impl`s",
                finding.struct_name,
                finding.rule_id
            );
        }
        !superseded
    });
}

/// Applies the fixes' `edits` to `source`, then merges and prunes imports and parses the result.
///
/// Returns the fixed text. An edit set whose result does not parse is a bug in mockfix, reported
/// as `SourceError::Internal`, and nothing of it should be written.
pub fn finish(source: &str, edits: &[TextEdit], edition: Edition) -> Result<String, SourceError> {
    let original = SourceFile::parse(source, edition.syntax_edition());
    finish_parsed(source, &original, edits, edition)
}

/// Like `finish`, with `original`, the parse of `source` as edition `edition`, so that `source` is
/// not parsed again. A tree of another text is ignored, and `source` is parsed.
pub fn finish_parsed(
    source: &str,
    original: &Parse<SourceFile>,
    edits: &[TextEdit],
    edition: Edition,
) -> Result<String, SourceError> {
    let parsed_here;
    let original = if usize::from(original.syntax_node().text_range().len()) == source.len() {
        original
    } else {
        parsed_here = SourceFile::parse(source, edition.syntax_edition());
        &parsed_here
    };
    let mut edits = edits.to_vec();
    edit::normalize(&mut edits).map_err(|err| SourceError::Internal(err.to_string()))?;
    let imported: Vec<&str> = IMPORTABLE
        .iter()
        .map(|path| *path.last().expect("paths have a name"))
        .collect();
    let replaced: Vec<&str> = REPLACEABLE.iter().map(|(name, _)| *name).collect();
    let names_before = imports::NamesInFile::find(source, original.tree().syntax(), &imported, &replaced);
    let mut fixed = ParsedText::new(edit::apply(source, &edits), edition);
    let mut qualifications = qualify_clashing_names(&edits, &fixed, &names_before);
    fixed.apply_pass(&mut qualifications)?;

    // Each name gets its own pass over freshly parsed text, so that two names merged into one
    // `use` list see each other.
    for path in IMPORTABLE {
        let name = path.last().expect("paths have a name");
        if !fixed.text.contains(name) {
            continue;
        }
        let named_before = names_before.modules_naming(name);
        let mut additions = imports::plan_additions(&fixed.text, &fixed.root, path, named_before);
        fixed.apply_pass(&mut additions)?;
    }

    for (name, paths) in REPLACEABLE {
        if !names_before.spells(name) {
            continue;
        }
        let mut removals = imports::plan_removals(&fixed.text, &fixed.root, paths);
        fixed.apply_pass(&mut removals)?;
    }

    check_fixed_syntax(source, original, &fixed)?;
    Ok(fixed.text)
}

/// Text with its syntax tree, parsed again only when a pass of `finish` changes the text.
struct ParsedText {
    text: String,
    parse: Parse<SourceFile>,
    root: SyntaxNode,
    edition: Edition,
}

impl ParsedText {
    fn new(text: String, edition: Edition) -> ParsedText {
        let parse = SourceFile::parse(&text, edition.syntax_edition());
        let root = parse.syntax_node();
        ParsedText {
            text,
            parse,
            root,
            edition,
        }
    }

    fn apply_pass(&mut self, edits: &mut Vec<TextEdit>) -> Result<(), SourceError> {
        edit::normalize(edits).map_err(|err| SourceError::Internal(format!("import edits: {err}")))?;
        if edits.is_empty() {
            return Ok(());
        }
        *self = ParsedText::new(edit::apply(&self.text, edits), self.edition);
        Ok(())
    }
}

/// Plans to spell out in full each name that the fix wrote where the module already means
/// something else by it, such as `Mutex` next to `use parking_lot::Mutex;`: `std::sync::Mutex`.
/// An import would clash with the module's own, or, for a name that a glob brings and the module
/// uses, change what the module's code means. `edits` are the fix's normalized edits, which made
/// `fixed` from the original text.
fn qualify_clashing_names(
    edits: &[TextEdit],
    fixed: &ParsedText,
    names_before: &imports::NamesInFile,
) -> Vec<TextEdit> {
    // The byte ranges of text the edits wrote, in the fixed text.
    let mut written = Vec::new();
    let mut delta: isize = 0;
    for edit in edits {
        let start = (edit.start as isize + delta) as usize;
        written.push((start, start + edit.replacement.len()));
        delta += edit.replacement.len() as isize - (edit.end - edit.start) as isize;
    }
    let mut qualifications = Vec::new();
    for path in IMPORTABLE {
        let (name, module_path) = path.split_last().expect("paths have a name");
        if !fixed.text.contains(name) {
            continue;
        }
        let named_before = names_before.modules_naming(name);
        for token in imports::tokens_starting_within(&fixed.text, &fixed.root, name, &written) {
            let offset = text::token_range(&token).0;
            let before = text::previous_significant(&token);
            let before_that = before.as_ref().and_then(text::previous_significant);
            let after_separator = before.as_ref().map(|token| token.kind()) == Some(ra_ap_syntax::T![::])
                || (before.as_ref().map(|token| token.kind()) == Some(ra_ap_syntax::T![:])
                    && before_that.map(|token| token.kind()) == Some(ra_ap_syntax::T![:]));
            if after_separator {
                continue;
            }
            if token.parent_ancestors().any(|node| ast::Use::can_cast(node.kind())) {
                continue;
            }
            let module = index::enclosing_item_list(&token.parent().expect("tokens have a parent"));
            let used_before = named_before.contains(&imports::module_path(&module));
            let clash = match imports::binding_of(&module, name, module_path) {
                imports::Binding::Explicit(found) => !found.iter().map(String::as_str).eq(path.iter().copied()),
                imports::Binding::Glob(found) => {
                    used_before && !found.iter().map(String::as_str).eq(path.iter().copied())
                }
                imports::Binding::Unknown => used_before,
                imports::Binding::Unbound => false,
            };
            if clash {
                qualifications.push(TextEdit::insert(offset, format!("{}::", module_path.join("::"))));
            }
        }
    }
    qualifications
}

/// Names that fixes write unqualified, with the path they are imported from.
const IMPORTABLE: &[&[&str]] = &[
    &["std", "sync", "Arc"],
    &["std", "sync", "LazyLock"],
    &["std", "sync", "Mutex"],
    &["std", "sync", "MutexGuard"],
    &["std", "sync", "atomic", "AtomicBool"],
    &["std", "sync", "atomic", "AtomicI8"],
    &["std", "sync", "atomic", "AtomicI16"],
    &["std", "sync", "atomic", "AtomicI32"],
    &["std", "sync", "atomic", "AtomicI64"],
    &["std", "sync", "atomic", "AtomicIsize"],
    &["std", "sync", "atomic", "AtomicU8"],
    &["std", "sync", "atomic", "AtomicU16"],
    &["std", "sync", "atomic", "AtomicU32"],
    &["std", "sync", "atomic", "AtomicU64"],
    &["std", "sync", "atomic", "AtomicUsize"],
    &["std", "sync", "atomic", "Ordering"],
];

/// Types that fixes replace, with the paths they are imported from; those imports go when
/// nothing names the type any more.
const REPLACEABLE: &[(&str, &[&[&str]])] = &[
    ("RefCell", &[&["std", "cell", "RefCell"], &["core", "cell", "RefCell"]]),
    ("Cell", &[&["std", "cell", "Cell"], &["core", "cell", "Cell"]]),
    ("Rc", &[&["std", "rc", "Rc"], &["alloc", "rc", "Rc"]]),
    ("Ref", &[&["std", "cell", "Ref"], &["core", "cell", "Ref"]]),
    ("RefMut", &[&["std", "cell", "RefMut"], &["core", "cell", "RefMut"]]),
    (
        "UnsafeCell",
        &[&["std", "cell", "UnsafeCell"], &["core", "cell", "UnsafeCell"]],
    ),
];

/// Rejects output that has a syntax error the input did not have. Errors are compared by message,
/// since the edits move them, and each message must not occur more often than in the input.
pub fn check_syntax(source: &str, fixed: &str, edition: Edition) -> Result<(), SourceError> {
    let original = SourceFile::parse(source, edition.syntax_edition());
    check_fixed_syntax(source, &original, &ParsedText::new(fixed.to_string(), edition))
}

/// Like `check_syntax`, with the trees of both texts. The errors of `original`, the tree of
/// `source`, are looked up only when the fixed text has some.
fn check_fixed_syntax(source: &str, original: &Parse<SourceFile>, fixed: &ParsedText) -> Result<(), SourceError> {
    let after = syntax_errors_of(&fixed.text, &fixed.parse);
    if after.is_empty() {
        return Ok(());
    }
    let before = syntax_errors_of(source, original);
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

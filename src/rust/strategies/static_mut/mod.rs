//! The static strategy: a `static mut` used by tests becomes a `static` that is safe to share.
//!
//! ```text
//! static mut CALLS: usize = 0;                  static CALLS: AtomicUsize = AtomicUsize::new(0);
//! static mut LOG: Vec<String> = Vec::new();     static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());
//! static mut SEEN: Option<HashMap<K, V>> = None;
//!     =>  static SEEN: LazyLock<Mutex<HashMap<K, V>>> = LazyLock::new(|| Mutex::new(HashMap::new()));
//! unsafe { CALLS += 1; }                  =>    CALLS.fetch_add(1, Ordering::SeqCst);
//! ```
//!
//! Tests run on parallel threads, so a `static mut` that two tests touch is a data race, and
//! edition 2024 rejects references to one. Integers and `bool` become atomics, and any other type
//! a `Mutex`. A `static mut` initialiser is already a constant expression and `Mutex::new` is a
//! `const fn`, so the `Mutex` is built in place. Only an `Option<T>` that every use fills on first
//! access (`SEEN.get_or_insert_with(HashMap::new)`) becomes a `LazyLock<Mutex<T>>`, because
//! `HashMap::new` is not a `const fn`.
//!
//! A static is matched when it is test code: in a `#[cfg(test)]` module or item, in a file under
//! `tests/` or `benches/`, or named by a `#[test]` function of the same file, directly or through
//! a macro that the test calls. Its uses are rewritten in ordinary code, in the arguments of the
//! standard macros and in `macro_rules!` bodies, and `unsafe` blocks left with nothing unsafe lose
//! their `unsafe`.

pub(crate) mod uses;

use std::collections::{BTreeMap, BTreeSet};

use ra_ap_syntax::ast::{self, AstNode, HasAttrs, HasGenericArgs, HasName};
use ra_ap_syntax::{SyntaxKind, SyntaxNode};

use super::cell::atomic_for;
use super::wrap::ForeignPlan;
use super::{names_in_module, PlanContext};
use crate::config::Rule;
use crate::edit::TextEdit;
use crate::fix::{Applicability, Conversion, Finding, Fix, StaticForm};
use crate::rust::discipline::{find_lock_hazard, line_of};
use crate::rust::imports::{self, Binding};
use crate::rust::index::{enclosing_item_list, single_generic_argument, type_path_segments};
use crate::rust::suppression;
use crate::rust::text::{node_range, token_range};
use crate::rust::token_trees::{self, Snippet};
use crate::rust::unsafe_blocks::{self, SafetyFacts};
use uses::{file_token_at, StaticUse, UseRewriter};

/// A `static mut` item of the file.
struct StaticItem {
    name: String,
    node: ast::Static,
    /// Another item or binding of the file has the same name, so uses cannot be distinguished.
    name_is_ambiguous: bool,
}

/// One static's finding, with what the `unsafe` block pass needs to know about its fix.
struct StaticPlan {
    finding: Finding,
    /// Ranges of the original text whose code the fix makes safe.
    rewritten: Vec<(usize, usize)>,
    /// The `macro_rules!` macros whose bodies use the static.
    macros: BTreeSet<String>,
}

impl StaticPlan {
    fn is_safe(&self) -> bool {
        self.finding
            .fix
            .as_ref()
            .is_some_and(|fix| fix.applicability == Applicability::Safe)
    }
}

pub fn plan_file(ctx: &PlanContext, rule: &Rule, path: &str) -> Vec<Finding> {
    let statics = collect_statics(ctx.root);
    if statics.is_empty() {
        return Vec::new();
    }
    let names: Vec<&str> = statics.iter().map(|item| item.name.as_str()).collect();
    // Macro arguments with `unsafe` blocks are parsed too, since those blocks may lose it.
    let mut words = names.clone();
    words.push("unsafe");
    let snippets = token_trees::snippets_mentioning(ctx.root, &words);
    let test_ranges = test_code_ranges(ctx.root);
    let in_test_file = is_test_path(path);

    let mut plans = Vec::new();
    for item in &statics {
        if !rule.matches_static(&item.name) {
            log::debug!("{path}: `{}` skipped: no glob of the rule matches its name", item.name);
            continue;
        }
        // `// mockfix: ignore` or `// mockfix: ignore[rule-id]` above the static.
        if suppression::is_suppressed(ctx.source, item.node.syntax(), &rule.id) {
            log::debug!(
                "{path}: `{}` skipped: suppressed by a `mockfix: ignore` comment",
                item.name
            );
            continue;
        }
        let found = find_uses(ctx, &snippets, &item.name);
        let in_tests = in_test_file
            || within(&test_ranges, node_range(item.node.syntax()))
            || used_by_tests(ctx.root, &snippets, &found, &test_ranges);
        if !in_tests {
            log::debug!("{path}: `{}` skipped: no test code declares or uses it", item.name);
            continue;
        }
        plans.push(plan_static(ctx, rule, item, &found));
    }

    let all_statics: BTreeSet<String> = names.iter().map(|name| name.to_string()).collect();
    plan_unsafe_blocks(ctx, &snippets, &all_statics, &mut plans);
    plans.into_iter().map(|plan| plan.finding).collect()
}

fn collect_statics(root: &SyntaxNode) -> Vec<StaticItem> {
    let mut statics: Vec<StaticItem> = root
        .descendants()
        .filter_map(ast::Static::cast)
        .filter(|item| item.mut_token().is_some())
        .filter_map(|node| {
            Some(StaticItem {
                name: node.name()?.text().to_string(),
                node,
                name_is_ambiguous: false,
            })
        })
        .collect();
    if statics.is_empty() {
        return statics;
    }
    // Every name the file declares or binds, other than the statics themselves.
    let mut declared: BTreeMap<String, usize> = BTreeMap::new();
    for name in root.descendants().filter_map(ast::Name::cast) {
        *declared.entry(name.text().to_string()).or_default() += 1;
    }
    for item in &mut statics {
        item.name_is_ambiguous = declared.get(&item.name).copied().unwrap_or_default() > 1;
    }
    statics
}

/// Returns whether `path` lies in a `tests` or `benches` folder.
pub(crate) fn is_test_path(path: &str) -> bool {
    path.split('/')
        .rev()
        .skip(1)
        .any(|folder| folder == "tests" || folder == "benches")
}

/// Returns the ranges of `#[test]` functions and `#[cfg(test)]` items.
pub(crate) fn test_code_ranges(root: &SyntaxNode) -> Vec<(usize, usize)> {
    root.descendants()
        .filter_map(ast::AnyHasAttrs::cast)
        .filter(|item| item.attrs().any(|attr| is_test_attribute(&attr)))
        .map(|item| node_range(item.syntax()))
        .collect()
}

/// `#[test]`, `#[tokio::test]` and the like, or `#[cfg(test)]`.
fn is_test_attribute(attr: &ast::Attr) -> bool {
    let text: String = attr.syntax().text().to_string().split_whitespace().collect();
    let Some(inner) = text.strip_prefix("#[").and_then(|rest| rest.strip_suffix(']')) else {
        return false;
    };
    let name = inner.split('(').next().unwrap_or_default();
    name == "test" || name.ends_with("::test") || inner == "cfg(test)"
}

pub(crate) fn within(ranges: &[(usize, usize)], range: (usize, usize)) -> bool {
    ranges.iter().any(|&(start, end)| start <= range.0 && range.1 <= end)
}

/// Returns whether test code uses the static: directly, or through a macro whose body uses it and that
/// test code calls.
fn used_by_tests(root: &SyntaxNode, snippets: &[Snippet], found: &[FoundUse], tests: &[(usize, usize)]) -> bool {
    let mut macros = BTreeSet::new();
    for found in found {
        match &found.body_of {
            Some(name) => {
                macros.insert(name.clone());
            }
            None if within(tests, found.item.range()) => return true,
            None => {}
        }
    }
    macro_calls(root, snippets)
        .iter()
        .any(|(name, range)| macros.contains(name) && within(tests, *range))
}

/// Returns every macro call of the file, in ordinary code and in parsed token trees: name and range.
fn macro_calls(root: &SyntaxNode, snippets: &[Snippet]) -> Vec<(String, (usize, usize))> {
    let mut calls = Vec::new();
    let mut add = |call: ast::MacroCall| {
        if let Some(name) = token_trees::macro_call_name(&call) {
            calls.push((name, node_range(call.syntax())));
        }
    };
    root.descendants().filter_map(ast::MacroCall::cast).for_each(&mut add);
    for snippet in snippets {
        snippet
            .root
            .descendants()
            .filter_map(ast::MacroCall::cast)
            .filter(|call| snippet.covers(call.syntax()))
            .for_each(&mut add);
    }
    calls
}

/// A use of a static, and the macro whose body contains it.
struct FoundUse {
    item: StaticUse,
    body_of: Option<String>,
}

/// Returns the paths in `root` and in the parsed token trees that name the static `name`.
fn find_uses(ctx: &PlanContext, snippets: &[Snippet], name: &str) -> Vec<FoundUse> {
    let mut found: Vec<FoundUse> = ctx
        .root
        .descendants()
        .filter_map(ast::PathExpr::cast)
        .filter(|path| names_static(path, name))
        .map(|path| {
            let mut item = StaticUse::of_path(&path);
            item.file_token = item.name_token.clone();
            FoundUse { item, body_of: None }
        })
        .collect();
    for snippet in snippets {
        for path in snippet.root.descendants().filter_map(ast::PathExpr::cast) {
            if !snippet.covers(path.syntax()) || !names_static(&path, name) {
                continue;
            }
            let start = node_range(path.syntax()).0;
            let file_token = if snippet.in_macro_body {
                None
            } else {
                file_token_at(ctx.index.tokens(), start)
            };
            let mut item = StaticUse::of_path(&path);
            // A macro body's `$crate` was parsed as `_crate`: name the static as the file does.
            item.container = ctx.source[start..node_range(path.syntax()).1].to_string();
            item.in_macro_body = snippet.in_macro_body;
            item.macro_name = (!snippet.is_body).then(|| snippet.macro_name.clone());
            item.file_token = file_token;
            found.push(FoundUse {
                item,
                body_of: snippet.in_macro_body.then(|| snippet.macro_name.clone()),
            });
        }
    }
    found.sort_by_key(|found| found.item.range().0);
    found
}

/// Whether `path` names the static `name`: `NAME`, `super::NAME` or `crate::tests::NAME`, but not
/// `Type::NAME`, an associated item.
fn names_static(path: &ast::PathExpr, name: &str) -> bool {
    let Some(path) = path.path() else { return false };
    let Some(segment) = path.segment() else { return false };
    if segment.generic_arg_list().is_some() || segment.name_ref().is_none_or(|found| found.text() != name) {
        return false;
    }
    let mut qualifier = path.qualifier();
    while let Some(current) = qualifier {
        let is_module = current
            .segment()
            .map(|segment| segment.syntax().text().to_string())
            .is_some_and(|text| !text.starts_with(|c: char| c.is_uppercase()) && !text.contains('<'));
        if !is_module {
            return false;
        }
        qualifier = current.qualifier();
    }
    true
}

fn plan_static(ctx: &PlanContext, rule: &Rule, item: &StaticItem, found: &[FoundUse]) -> StaticPlan {
    let name = &item.name;
    let finding = Finding {
        rule_id: rule.id.clone(),
        struct_name: name.clone(),
        name_range: item
            .node
            .name()
            .map(|name| node_range(name.syntax()))
            .unwrap_or_else(|| node_range(item.node.syntax())),
        changed_fields: vec![name.clone()],
        related: Vec::new(),
        message: format!(
            "`static mut {name}` is read and written by tests, which run on parallel threads, and only care keeps them from racing on it; edition 2024 rejects references to it"
        ),
        fix: None,
        unfixable_reason: None,
    };
    let mut plan = StaticPlan {
        finding,
        rewritten: Vec::new(),
        macros: found.iter().filter_map(|found| found.body_of.clone()).collect(),
    };
    match plan_fix(ctx, rule, item, found) {
        Ok((fix, rewritten)) => {
            plan.finding.fix = Some(fix);
            plan.rewritten = rewritten;
        }
        Err(reason) => plan.finding.unfixable_reason = Some(reason),
    }
    plan
}

type PlannedFix = (Fix, Vec<(usize, usize)>);

fn plan_fix(ctx: &PlanContext, rule: &Rule, item: &StaticItem, found: &[FoundUse]) -> Result<PlannedFix, String> {
    let name = &item.name;
    // Uses are recognised by name, so a second item or binding of that name would be rewritten too.
    if item.name_is_ambiguous {
        return Err(format!(
            "the file declares another item or binding named `{name}`, and mockfix recognises uses by name"
        ));
    }
    let ty = item.node.ty().ok_or_else(|| format!("`{name}` has no type"))?;
    let initializer = item.node.body().ok_or_else(|| format!("`{name}` has no initialiser"))?;
    let uses: Vec<StaticUse> = found.iter().map(|found| found.item.clone()).collect();
    let form = match atomic_for(&ty.syntax().text().to_string()) {
        Some(atomic) => StaticForm::Atomic(atomic.to_string()),
        None if lazy_initializer(&ty, &initializer, &uses).is_some() => StaticForm::LazyMutex,
        None => StaticForm::Mutex,
    };
    if let Some(reason) = name_conflict(ctx, item, &form) {
        return Err(reason);
    }

    let mut review = Vec::new();
    let mut edits = declaration_edits(ctx.source, item, &ty, &initializer, &form, &uses);
    if !matches!(form, StaticForm::Atomic(_)) {
        let text = ty.syntax().text().to_string();
        if ["Rc<", "*const", "*mut"].iter().any(|marker| text.contains(marker))
            || (text.contains("dyn ") && !text.contains("Send"))
        {
            review.push(format!(
                "the value of `{name}` ({text}) may not be `Send`, and a `Mutex<T>` in a `static` must be `Sync`, which needs `T: Send`"
            ));
        }
    }

    let (load, store, rmw) = rule.ordering.names();
    let orderings = (load.to_string(), store.to_string(), rmw.to_string());
    let lock_call = rule.lock.lock_call();
    let rewriter = UseRewriter {
        source: ctx.source,
        name,
        form: &form,
        orderings: &orderings,
        lock_call,
    };
    let rewritten = rewriter.rewrite(&uses);
    if let Some(reason) = find_lock_hazard(
        ctx.source,
        ctx.index.tokens(),
        &rewritten.lock_sites,
        &[],
        &BTreeMap::new(),
        false,
    ) {
        return Err(reason);
    }
    // FIXME: a lock taken inside a `macro_rules!` body is not checked against a lock of the same
    // static held at the macro's call site.
    edits.extend(rewritten.edits);
    review.extend(rewritten.review);

    let (applicability, review_reason) = match review.first() {
        None => (Applicability::Safe, None),
        Some(_) => (Applicability::NeedsReview, Some(review.join("; "))),
    };
    let replacement = match &form {
        StaticForm::Atomic(atomic) => format!("`static {atomic}`"),
        StaticForm::Mutex => "a `static Mutex`".to_string(),
        StaticForm::LazyMutex => "a `static LazyLock<Mutex>`".to_string(),
    };
    let fix = Fix {
        title: format!("Replace `static mut {name}` with {replacement}"),
        applicability,
        review_reason,
        edits,
        conversion: Conversion::StaticMut {
            form,
            orderings,
            lock_call: lock_call.to_string(),
        },
    };
    Ok((fix, rewritten.rewritten))
}

/// For `static mut S: Option<T> = None` whose every use is `S.get_or_insert_with(f)` with the
/// same `f`, the expression that builds the value: `HashMap::new()` for `HashMap::new`.
fn lazy_initializer(ty: &ast::Type, initializer: &ast::Expr, uses: &[StaticUse]) -> Option<String> {
    let segments = type_path_segments(ty)?;
    if segments.last().map(String::as_str) != Some("Option") || single_generic_argument(ty).is_none() {
        return None;
    }
    if initializer.syntax().text() != "None" || uses.is_empty() {
        return None;
    }
    let mut builder: Option<String> = None;
    for item in uses {
        let call = item.place.parent().and_then(ast::MethodCallExpr::cast)?;
        if call.name_ref()?.text() != "get_or_insert_with" {
            return None;
        }
        let args: Vec<ast::Expr> = ra_ap_syntax::ast::HasArgList::arg_list(&call)?.args().collect();
        let [function] = args.as_slice() else { return None };
        let text = match function {
            ast::Expr::PathExpr(path) => format!("{}()", path.syntax().text()),
            ast::Expr::ClosureExpr(closure)
                if closure
                    .param_list()
                    .is_some_and(|params| params.params().next().is_none()) =>
            {
                closure.body()?.syntax().text().to_string()
            }
            _ => return None,
        };
        match &builder {
            Some(previous) if *previous != text => return None,
            _ => builder = Some(text),
        }
    }
    builder
}

/// Returns why a name that the fix writes unqualified already means something else in the
/// static's module, such as `parking_lot::Mutex`.
fn name_conflict(ctx: &PlanContext, item: &StaticItem, form: &StaticForm) -> Option<String> {
    let module = enclosing_item_list(item.node.syntax());
    let wanted: Vec<(String, Vec<&str>)> = match form {
        StaticForm::Atomic(atomic) => vec![(atomic.clone(), vec!["std", "sync", "atomic"])],
        StaticForm::Mutex => vec![("Mutex".to_string(), vec!["std", "sync"])],
        StaticForm::LazyMutex => vec![
            ("Mutex".to_string(), vec!["std", "sync"]),
            ("LazyLock".to_string(), vec!["std", "sync"]),
        ],
    };
    for (name, std_module) in wanted {
        let mut std_path: Vec<&str> = std_module.clone();
        std_path.push(&name);
        let other = match imports::binding_of(&module, &name, &std_module) {
            Binding::Explicit(path) if !path.iter().map(String::as_str).eq(std_path.iter().copied()) => {
                Some(path.join("::"))
            }
            Binding::Glob(path)
                if !path.iter().map(String::as_str).eq(std_path.iter().copied()) && names_in_module(&module, &name) =>
            {
                Some(path.join("::"))
            }
            Binding::Unknown if names_in_module(&module, &name) => Some("a glob import".to_string()),
            _ => None,
        };
        if let Some(other) = other {
            return Some(format!(
                "`{name}` already means `{other}` in the module of `{}` at line {}, and the fix needs `{}`",
                item.name,
                line_of(ctx.source, node_range(item.node.syntax()).0),
                std_path.join("::")
            ));
        }
    }
    None
}

/// `static mut NAME: T = init;` becomes `static NAME: New = New::new(init);`.
fn declaration_edits(
    source: &str,
    item: &StaticItem,
    ty: &ast::Type,
    initializer: &ast::Expr,
    form: &StaticForm,
    uses: &[StaticUse],
) -> Vec<TextEdit> {
    let mut edits = Vec::new();
    if let Some(keyword) = item.node.mut_token() {
        let (start, mut end) = token_range(&keyword);
        while source[end..].starts_with([' ', '\t']) {
            end += 1;
        }
        edits.push(TextEdit::delete(start, end));
    }
    let (ty_start, ty_end) = node_range(ty.syntax());
    let (init_start, init_end) = node_range(initializer.syntax());
    match form {
        StaticForm::Atomic(atomic) => {
            edits.push(TextEdit::replace(ty_start, ty_end, atomic.clone()));
            edits.push(TextEdit::insert(init_start, format!("{atomic}::new(")));
            edits.push(TextEdit::insert(init_end, ")"));
        }
        StaticForm::Mutex => {
            edits.push(TextEdit::insert(ty_start, "Mutex<"));
            edits.push(TextEdit::insert(ty_end, ">"));
            edits.push(TextEdit::insert(init_start, "Mutex::new("));
            edits.push(TextEdit::insert(init_end, ")"));
        }
        StaticForm::LazyMutex => {
            let inner = single_generic_argument(ty).unwrap_or_default();
            let builder = lazy_initializer(ty, initializer, uses).unwrap_or_default();
            edits.push(TextEdit::replace(ty_start, ty_end, format!("LazyLock<Mutex<{inner}>>")));
            edits.push(TextEdit::replace(
                init_start,
                init_end,
                format!("LazyLock::new(|| Mutex::new({builder}))"),
            ));
        }
    }
    edits
}

/// Removes the `unsafe` of each block whose only unsafe operations were uses of statics that
/// the fixes convert. The edits go to the fix of the first such static, and only when every
/// static involved has a safe fix, since a fix that needs review may not be applied.
fn plan_unsafe_blocks(
    ctx: &PlanContext,
    snippets: &[Snippet],
    all_statics: &BTreeSet<String>,
    plans: &mut [StaticPlan],
) {
    let mut facts = SafetyFacts::for_file(ctx.root);
    let safe_names: BTreeSet<String> = plans
        .iter()
        .filter(|plan| plan.is_safe())
        .map(|plan| plan.finding.struct_name.clone())
        .collect();
    facts.unsafe_statics = all_statics.difference(&safe_names).cloned().collect();
    facts.rewritten = plans
        .iter()
        .filter(|plan| plan.is_safe())
        .flat_map(|plan| plan.rewritten.iter().copied())
        .collect();
    facts.safe_macros = safe_macros(ctx.source, snippets, &facts);
    let calls = macro_calls(ctx.root, snippets);
    let exported = exported_macros(ctx.root);

    let mut blocks: Vec<(ast::BlockExpr, Option<&Snippet>)> = ctx
        .root
        .descendants()
        .filter_map(ast::BlockExpr::cast)
        .map(|block| (block, None))
        .collect();
    for snippet in snippets {
        blocks.extend(
            snippet
                .root
                .descendants()
                .filter_map(ast::BlockExpr::cast)
                .filter(|block| snippet.covers(block.syntax()))
                .map(|block| (block, Some(snippet))),
        );
    }

    for (block, snippet) in blocks {
        if block.unsafe_token().is_none() {
            continue;
        }
        let range = node_range(block.syntax());
        let called: BTreeSet<String> = calls
            .iter()
            .filter(|(_, call)| range.0 <= call.0 && call.1 <= range.1)
            .map(|(name, _)| name.clone())
            .collect();
        let involved: Vec<usize> = (0..plans.len())
            .filter(|&i| {
                plans[i].rewritten.iter().any(|rewritten| within(&[range], *rewritten))
                    || plans[i].macros.iter().any(|name| called.contains(name))
            })
            .collect();
        if involved.is_empty() || involved.iter().any(|&i| !plans[i].is_safe()) {
            continue;
        }
        // `$x` in a macro body is code of the caller, which the body's `unsafe` covered.
        if let Some(snippet) = snippet.filter(|snippet| snippet.in_macro_body) {
            let uses_metavariables = ctx.source[range.0..range.1].contains('$');
            if uses_metavariables && !arguments_are_safe(ctx, snippets, &facts, &snippet.macro_name, &exported) {
                log::debug!(
                    "`unsafe` block at line {} kept: callers of `{}!` may pass unsafe code",
                    line_of(ctx.source, range.0),
                    snippet.macro_name
                );
                continue;
            }
        }
        if let Some(operation) = unsafe_blocks::first_unsafe_operation(ctx.source, &facts, block.syntax()) {
            log::debug!(
                "`unsafe` block at line {} kept: it still contains {operation}",
                line_of(ctx.source, range.0)
            );
            continue;
        }
        let in_macro_body = snippet.is_some_and(|snippet| snippet.in_macro_body);
        let edits = unsafe_blocks::remove_unsafe(ctx.source, &block, !in_macro_body);
        if let Some(fix) = plans[involved[0]].finding.fix.as_mut() {
            fix.edits.extend(edits);
        }
    }
}

/// The `macro_rules!` macros whose bodies, after the fixes, contain no unsafe operation outside
/// their own `unsafe` blocks, so that their callers need no `unsafe` for them.
fn safe_macros(source: &str, snippets: &[Snippet], facts: &SafetyFacts) -> BTreeSet<String> {
    let bodies: Vec<&Snippet> = snippets.iter().filter(|snippet| snippet.is_body).collect();
    let mut names: BTreeSet<String> = bodies.iter().map(|snippet| snippet.macro_name.clone()).collect();
    // Drop unsafe macros until none changes, since a macro may call another.
    loop {
        let mut with_names = facts.clone();
        with_names.safe_macros = names.clone();
        let unsafe_names: BTreeSet<String> = bodies
            .iter()
            .filter(|body| {
                let block = body
                    .root
                    .descendants()
                    .find_map(ast::Fn::cast)
                    .and_then(|function| function.body());
                block.is_none_or(|block| {
                    unsafe_blocks::first_unsafe_operation(source, &with_names, block.syntax()).is_some()
                })
            })
            .map(|body| body.macro_name.clone())
            .collect();
        let before = names.len();
        names.retain(|name| !unsafe_names.contains(name));
        if names.len() == before {
            return names;
        }
    }
}

fn exported_macros(root: &SyntaxNode) -> BTreeSet<String> {
    root.descendants()
        .filter_map(ast::MacroRules::cast)
        .filter(|rules| {
            rules
                .attrs()
                .any(|attr| attr.path().is_some_and(|path| path.syntax().text() == "macro_export"))
        })
        .filter_map(|rules| rules.name().map(|name| name.text().to_string()))
        .collect()
}

/// Whether every call of the macro `name` in this file passes arguments with no unsafe
/// operation, and no other crate can call it.
fn arguments_are_safe(
    ctx: &PlanContext,
    snippets: &[Snippet],
    facts: &SafetyFacts,
    name: &str,
    exported: &BTreeSet<String>,
) -> bool {
    if exported.contains(name) {
        return false;
    }
    let mut trees: Vec<SyntaxNode> = ctx
        .root
        .descendants()
        .filter_map(ast::MacroCall::cast)
        .filter(|call| token_trees::macro_call_name(call).as_deref() == Some(name))
        .filter_map(|call| call.token_tree().map(|tree| tree.syntax().clone()))
        .collect();
    for snippet in snippets {
        trees.extend(
            snippet
                .root
                .descendants()
                .filter_map(ast::MacroCall::cast)
                .filter(|call| snippet.covers(call.syntax()))
                .filter(|call| token_trees::macro_call_name(call).as_deref() == Some(name))
                .filter_map(|call| call.token_tree().map(|tree| tree.syntax().clone())),
        );
    }
    trees
        .iter()
        .all(|tree| unsafe_blocks::unsafe_tokens(facts, tree).is_none())
}

/// Plans the uses of the static `name` in a file other than the one declaring it, which another
/// file's fix converted.
pub fn plan_foreign(
    ctx: &PlanContext,
    name: &str,
    form: &StaticForm,
    orderings: &(String, String, String),
    lock_call: &str,
) -> ForeignPlan {
    let declares_own = ctx
        .root
        .descendants()
        .filter_map(ast::Name::cast)
        .any(|declared| declared.text() == name);
    let imported = imports_name(ctx.root, name);
    let snippets = token_trees::snippets_mentioning(ctx.root, &[name, "unsafe"]);
    // Without an import, only a qualified path such as `common::CALLS` reaches the other file's
    // static. A file that declares its own item of that name is left to the user.
    let found: Vec<FoundUse> = find_uses(ctx, &snippets, name)
        .into_iter()
        .filter(|found| {
            let qualified = found
                .item
                .path()
                .and_then(|path| path.path())
                .and_then(|path| path.qualifier())
                .is_some();
            qualified || imported
        })
        .collect();
    if found.is_empty() {
        return ForeignPlan {
            edits: Vec::new(),
            problems: Vec::new(),
        };
    }
    if declares_own {
        return ForeignPlan {
            edits: Vec::new(),
            problems: vec![format!(
                "the file declares its own item named `{name}`, so uses of the converted static cannot be distinguished from it; rename one of them, then run mockfix again"
            )],
        };
    }
    let uses: Vec<StaticUse> = found.iter().map(|found| found.item.clone()).collect();
    let rewriter = UseRewriter {
        source: ctx.source,
        name,
        form,
        orderings,
        lock_call,
    };
    let rewritten = rewriter.rewrite(&uses);
    let mut problems = rewritten.review.clone();
    if let Some(reason) = find_lock_hazard(
        ctx.source,
        ctx.index.tokens(),
        &rewritten.lock_sites,
        &[],
        &BTreeMap::new(),
        false,
    ) {
        problems.push(reason);
    }
    let mut edits = rewritten.edits;
    if problems.is_empty() {
        let mut plans = vec![StaticPlan {
            finding: Finding {
                rule_id: String::new(),
                struct_name: name.to_string(),
                name_range: (0, 0),
                changed_fields: Vec::new(),
                related: Vec::new(),
                message: String::new(),
                fix: Some(Fix {
                    title: String::new(),
                    applicability: Applicability::Safe,
                    review_reason: None,
                    edits: Vec::new(),
                    conversion: Conversion::StaticMut {
                        form: form.clone(),
                        orderings: orderings.clone(),
                        lock_call: lock_call.to_string(),
                    },
                }),
                unfixable_reason: None,
            },
            rewritten: rewritten.rewritten,
            macros: found.iter().filter_map(|found| found.body_of.clone()).collect(),
        }];
        let statics: BTreeSet<String> = collect_statics(ctx.root).into_iter().map(|item| item.name).collect();
        plan_unsafe_blocks(ctx, &snippets, &statics, &mut plans);
        edits.extend(plans.remove(0).finding.fix.map(|fix| fix.edits).unwrap_or_default());
    }
    ForeignPlan { edits, problems }
}

/// Whether a `use` item of the file imports `name` itself: `use crate::common::CALLS;`.
fn imports_name(root: &SyntaxNode, name: &str) -> bool {
    root.descendants()
        .filter(|node| node.kind() == SyntaxKind::SOURCE_FILE || node.kind() == SyntaxKind::ITEM_LIST)
        .flat_map(|module| imports::use_leaves(&module))
        .any(|leaf| leaf.binds(name) && leaf.path.len() > 1)
}

//! The rc strategy: a double that shares state with its test through `Rc<RefCell<T>>` gets
//! `Arc<Mutex<T>>` instead, and an `Rc<T>` field becomes `Arc<T>`.
//!
//! ```text
//! sent: Rc<RefCell<Vec<String>>>                  sent: Arc<Mutex<Vec<String>>>
//! let sent = Rc::new(RefCell::new(Vec::new()));   let sent = Arc::new(Mutex::new(Vec::new()));
//! (Self { sent: Rc::clone(&sent) }, sent)    =>   (Self { sent: Arc::clone(&sent) }, sent)
//! assert_eq!(sent.borrow().len(), 4);             assert_eq!(sent.lock().unwrap().len(), 4);
//! ```
//!
//! An `Rc` value travels: into locals, out of constructors as a tuple element, into other
//! structs. So the rewrite covers the whole file: every `Rc` path becomes `Arc`, every
//! `Rc<RefCell<T>>` type and `Rc::new(RefCell::new(x))` value becomes the `Arc<Mutex<T>>` form, and
//! `.borrow()` becomes a lock on every value known to hold one: fields of that type, locals
//! bound from such values or from functions returning them, and parameters of that type. A
//! `.borrow()` on a value whose type cannot be told from the syntax makes the fix need review.

use std::collections::{BTreeMap, BTreeSet};

use ra_ap_syntax::ast::{self, AstNode, HasGenericArgs, HasName};
use ra_ap_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, T};

use super::derived_impls::{self, Reads, Storage};
use super::wrap::ForeignPlan;
use super::{derive_blocker, first_use, PlanContext, Target};
use crate::config::Rule;
use crate::edit::TextEdit;
use crate::fix::{Applicability, Conversion, Finding, Fix, SharedResult};
use crate::rust::discipline::{line_of, LockSite};
use crate::rust::index::{FieldKind, StructInfo};
use crate::rust::text::{node_range, squeeze, token_range};

pub fn plan(ctx: &PlanContext, rule: &Rule, info: &StructInfo) -> Option<Finding> {
    let rc_fields: Vec<String> = info
        .fields_of_kind(FieldKind::Rc)
        .map(|field| field.name.clone())
        .collect();
    if rc_fields.is_empty() {
        return None;
    }
    let field_list = rc_fields
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut finding = Finding {
        rule_id: rule.id.clone(),
        struct_name: info.name.clone(),
        name_range: info.node.name().map(|name| node_range(name.syntax())).unwrap_or_else(|| node_range(info.node.syntax())),
        message: format!(
            "`{}` shares state through `Rc` field{} {field_list}, which is neither `Send` nor `Sync`: the double cannot move to or be shared with another thread",
            info.name,
            if rc_fields.len() == 1 { "" } else { "s" },
        ),
        changed_fields: rc_fields.clone(),
        related: Vec::new(),
        fix: None,
        unfixable_reason: None,
    };
    // `Arc` is `Clone`, `Default` and `Debug` like `Rc`. `Mutex` has no `PartialEq` or `Ord`, so
    // those derives are written by hand over the locked values.
    let mut handled = vec!["Copy", "Hash"];
    handled.extend(derived_impls::WRITTEN_BY_HAND);
    if let Some(reason) = derive_blocker(info, &handled) {
        finding.unfixable_reason = Some(reason);
        return Some(finding);
    }
    let shared_mutexes: Vec<&str> = info
        .fields_of_kind(FieldKind::Rc)
        .filter(|field| {
            field
                .node
                .ty()
                .is_some_and(|ty| is_rc_refcell(&ty.syntax().text().to_string()))
        })
        .map(|field| field.name.as_str())
        .collect();

    let lock_call = rule.lock.lock_call();
    let functions = shared_results(ctx);
    let mut planner = RcPlanner::new(ctx, Target::defined(info), lock_call);
    planner.rewrite_file(&rc_fields, &functions);
    let names: Vec<&str> = rc_fields.iter().map(String::as_str).collect();
    finding.related = first_use(ctx, &planner.target, &names, "used");
    let mut unfinished = Vec::new();
    for field in info.fields_of_kind(FieldKind::Rc) {
        let text = field
            .node
            .ty()
            .map(|ty| squeeze(&ty.syntax().text().to_string()))
            .unwrap_or_default();
        // The `RefCell` directly inside becomes a `Mutex`; any other cell inside stays unsynchronized.
        let inner = text
            .trim_start_matches("std::rc::")
            .trim_start_matches("Rc<")
            .replacen("RefCell<", "", 1);
        if !["Cell<", "Rc<", "*const", "*mut"]
            .iter()
            .any(|marker| inner.contains(marker))
        {
            continue;
        }
        // A fix known to leave the double not `Sync` is display-only: applying it would also hide
        // the problem, because the rule does not match an `Arc` field.
        match arc_content_not_sync(&text) {
            Some(reason) => unfinished.push(format!(
                "`{}` holds `{text}`, and after the fix {reason}, so the double still cannot be shared between threads; make the value inside thread-safe by hand first, such as an atomic in place of a `Cell`",
                field.name
            )),
            None => planner.review.push(format!(
                "`{}` holds `{text}`, and `Arc<T>` is `Send` and `Sync` only when `T` is both",
                field.name
            )),
        }
    }
    let locks = match planner.check_locks(&derived_impls::method_locks(info, &shared_mutexes)) {
        Ok(locks) => locks,
        Err(reason) => {
            finding.unfixable_reason = Some(reason);
            return Some(finding);
        }
    };
    let storage_of = |field: &crate::rust::index::FieldInfo| {
        if shared_mutexes.contains(&field.name.as_str()) {
            Storage::SharedMutex
        } else {
            Storage::Plain
        }
    };
    let reads = Reads {
        lock_call,
        load_ordering: rule.ordering.names().0,
    };
    match derived_impls::plan(ctx.source, info, storage_of, reads) {
        Ok(edits) => planner.edits.extend(edits),
        Err(reason) => {
            finding.unfixable_reason = Some(reason);
            return Some(finding);
        }
    }
    let (applicability, review_reason) = Applicability::from_reasons(&unfinished, &planner.review);
    finding.fix = Some(Fix {
        title: match shared_mutexes.is_empty() {
            true => format!("Replace `Rc` with `Arc` in `{}`", info.name),
            false => format!("Replace `Rc<RefCell>` with `Arc<Mutex>` in `{}`", info.name),
        },
        applicability,
        review_reason,
        edits: planner.edits,
        conversion: Conversion::Rc {
            fields: rc_fields,
            functions,
            lock_call: lock_call.to_string(),
            method_locks: locks,
        },
    });
    Some(finding)
}

/// Plans a file that uses the double `name`, whose `Rc` fields another file's fix converted.
pub fn plan_foreign(
    ctx: &PlanContext,
    name: &str,
    fields: &[String],
    functions: &[SharedResult],
    lock_call: &str,
    method_locks: &BTreeMap<String, BTreeSet<String>>,
) -> ForeignPlan {
    let mut planner = RcPlanner::new(ctx, Target::foreign(ctx.index, name), lock_call);
    let mut known = shared_results(ctx);
    known.extend(functions.iter().cloned());
    planner.rewrite_file(fields, &known);
    let mut problems = planner.review.clone();
    if let Err(reason) = planner.check_locks(method_locks) {
        problems.push(reason);
    }
    ForeignPlan {
        edits: planner.edits,
        problems,
    }
}

struct RcPlanner<'a> {
    ctx: &'a PlanContext<'a>,
    target: Target<'a>,
    lock_call: &'a str,
    edits: Vec<TextEdit>,
    review: Vec<String>,
    lock_sites: Vec<LockSite>,
}

impl<'a> RcPlanner<'a> {
    fn new(ctx: &'a PlanContext<'a>, target: Target<'a>, lock_call: &'a str) -> RcPlanner<'a> {
        RcPlanner {
            ctx,
            target,
            lock_call,
            edits: Vec::new(),
            review: Vec::new(),
            lock_sites: Vec::new(),
        }
    }

    fn check_locks(
        &self,
        known: &BTreeMap<String, BTreeSet<String>>,
    ) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
        super::check_locks(self.ctx, &self.target, &self.lock_sites, known, false)
    }

    fn rewrite_file(&mut self, double_fields: &[String], functions: &[SharedResult]) {
        self.rewrite_types();
        self.rewrite_paths();

        let mut shared_fields: BTreeSet<String> = double_fields.iter().cloned().collect();
        for info in &self.ctx.index.structs {
            for field in &info.fields {
                if field
                    .node
                    .ty()
                    .is_some_and(|ty| is_rc_refcell(&ty.syntax().text().to_string()))
                {
                    shared_fields.insert(field.name.clone());
                }
            }
        }
        let locals = shared_locals(self.ctx, &shared_fields, functions);
        self.rewrite_borrows(double_fields, &shared_fields, &locals);
    }

    /// `Rc<RefCell<T>>` becomes `Arc<Mutex<T>>` and `Rc<T>` becomes `Arc<T>`, wherever the file
    /// writes the type.
    fn rewrite_types(&mut self) {
        for path_type in self.ctx.root.descendants().filter_map(ast::PathType::cast) {
            if inside_use(path_type.syntax()) {
                continue;
            }
            let Some(path) = path_type.path() else { continue };
            let Some(segment) = path.segment() else { continue };
            let names_rc = segment.name_ref().is_some_and(|name| name.text() == "Rc");
            if !names_rc || !is_rc_qualifier(path.qualifier()) {
                continue;
            }
            let Some(args) = segment.generic_arg_list() else {
                continue;
            };
            let (start, _) = node_range(path.syntax());
            let (args_start, _) = node_range(args.syntax());
            self.edits.push(TextEdit::replace(start, args_start, "Arc"));

            let Some(ast::GenericArg::TypeArg(inner)) = args.generic_args().next() else {
                continue;
            };
            let Some(ast::Type::PathType(inner)) = inner.ty() else {
                continue;
            };
            let Some(inner_path) = inner.path() else { continue };
            let Some(inner_segment) = inner_path.segment() else {
                continue;
            };
            let Some(inner_args) = inner_segment.generic_arg_list() else {
                continue;
            };
            if inner_segment.name_ref().is_some_and(|name| name.text() == "RefCell") {
                let (start, _) = node_range(inner_path.syntax());
                let (args_start, _) = node_range(inner_args.syntax());
                self.edits.push(TextEdit::replace(start, args_start, "Mutex"));
            }
        }
    }

    /// `Rc::new(RefCell::new(x))` becomes `Arc::new(Mutex::new(x))`, and every other `Rc::` path,
    /// such as `Rc::clone` or `Rc::strong_count`, names `Arc`.
    fn rewrite_paths(&mut self) {
        let tokens = self.ctx.index.tokens();
        for (i, token) in tokens.iter().enumerate() {
            if token.kind() != SyntaxKind::IDENT
                || token.text() != "Rc"
                || inside_use(&token.parent().expect("tokens have a parent"))
            {
                continue;
            }
            // Inside macro arguments `::` is two `:` tokens.
            let Some(separator) = path_separator(tokens, i + 1) else {
                continue;
            };
            // `std::rc::Rc::new` names the type through its module; it becomes `Arc` all the same.
            let qualified_start = qualified_path_start(tokens, i);
            let (_, end) = token_range(token);
            self.edits
                .push(TextEdit::replace(token_range(&tokens[qualified_start]).0, end, "Arc"));

            // `Rc::new(RefCell::new(..))`: the cell inside becomes a `Mutex`.
            let name = i + 1 + separator;
            let is_new = tokens.get(name).is_some_and(|token| token.text() == "new")
                && tokens.get(name + 1).is_some_and(|paren| paren.kind() == T!['(']);
            if !is_new {
                continue;
            }
            let cell = name + 2;
            let cell_start = qualified_path_start_forward(tokens, cell);
            let Some(cell_name) = cell_start else { continue };
            if tokens[cell_name].text() == "RefCell" && path_separator(tokens, cell_name + 1).is_some() {
                let (start, _) = token_range(&tokens[cell]);
                let (_, end) = token_range(&tokens[cell_name]);
                self.edits.push(TextEdit::replace(start, end, "Mutex"));
            }
        }
    }

    /// `.borrow()` and `.borrow_mut()` become a lock on every receiver known to hold an
    /// `Rc<RefCell<T>>`: a field of that type or a local bound to one.
    fn rewrite_borrows(
        &mut self,
        double_fields: &[String],
        shared_fields: &BTreeSet<String>,
        locals: &BTreeMap<(usize, String), usize>,
    ) {
        let tokens = self.ctx.index.tokens().to_vec();
        for i in 1..tokens.len().saturating_sub(3) {
            let (dot, method, open, close) = (&tokens[i], &tokens[i + 1], &tokens[i + 2], tokens.get(i + 3));
            if dot.kind() != T![.] || open.kind() != T!['('] || !matches!(method.text(), "borrow" | "borrow_mut") {
                continue;
            }
            if close.is_none_or(|close| close.kind() != T![')']) {
                continue;
            }
            let receiver = &tokens[i - 1];
            let before = i.checked_sub(2).map(|j| tokens[j].kind());
            let offset = token_range(receiver).0;
            let line = line_of(self.ctx.source, offset);
            let shared = match receiver.kind() {
                SyntaxKind::IDENT if before == Some(T![.]) => shared_fields.contains(receiver.text()),
                SyntaxKind::IDENT => enclosing_scope(receiver)
                    .is_some_and(|scope| locals.contains_key(&(scope, receiver.text().to_string()))),
                // Any tuple has a `.0`, so only `self.0` inside the impls of a struct whose field
                // `0` is shared counts.
                SyntaxKind::INT_NUMBER if before == Some(T![.]) && i >= 3 && tokens[i - 3].kind() == T![self] => {
                    let field = receiver.text();
                    (double_fields.iter().any(|name| name == field) && self.target.impl_contains(offset))
                        || self.ctx.index.structs.iter().any(|info| {
                            info.impl_contains(offset)
                                && info.field(field).is_some_and(|field| {
                                    field
                                        .node
                                        .ty()
                                        .is_some_and(|ty| is_rc_refcell(&ty.syntax().text().to_string()))
                                })
                        })
                }
                _ => false,
            };
            if !shared {
                let known_cell = before == Some(T![.]) && self.is_refcell_field(receiver.text());
                if !known_cell {
                    self.review.push(format!(
                        "`{}.{}()` at line {line} may be on an `Rc<RefCell<T>>` that mockfix cannot see, and was left unchanged",
                        receiver.text(),
                        method.text()
                    ));
                }
                continue;
            }
            let (start, _) = token_range(method);
            let (_, end) = token_range(close.expect("checked above"));
            self.edits.push(TextEdit::replace(start, end, self.lock_call));
            let receiver_name = if before == Some(T![.]) {
                i.checked_sub(3)
                    .map(|j| tokens[j].text().to_string())
                    .filter(|_| i >= 3 && tokens[i - 3].kind() != SyntaxKind::R_PAREN)
            } else {
                Some(receiver.text().to_string())
            };
            self.lock_sites.push(LockSite {
                held_to_block_end: false,
                field: receiver.text().to_string(),
                offset,
                token: receiver.clone(),
                receiver: receiver_name,
            });
        }
    }

    fn is_refcell_field(&self, name: &str) -> bool {
        self.ctx
            .index
            .structs
            .iter()
            .flat_map(|info| info.fields.iter())
            .any(|field| field.name == name && field.kind == FieldKind::RefCell)
    }
}

/// The locals and parameters that hold an `Rc<RefCell<T>>`, keyed by the start of the function
/// or closure they belong to and their name, found by following bindings until nothing changes.
fn shared_locals(
    ctx: &PlanContext,
    shared_fields: &BTreeSet<String>,
    functions: &[SharedResult],
) -> BTreeMap<(usize, String), usize> {
    let mut locals: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for param in ctx.root.descendants().filter_map(ast::Param::cast) {
        let (Some(ast::Pat::IdentPat(pat)), Some(ty)) = (param.pat(), param.ty()) else {
            continue;
        };
        let (Some(name), Some(scope)) = (pat.name(), enclosing_scope_node(param.syntax())) else {
            continue;
        };
        if is_rc_refcell(&ty.syntax().text().to_string()) {
            locals.insert((scope, name.text().to_string()), node_range(param.syntax()).0);
        }
    }
    loop {
        let before = locals.len();
        for stmt in ctx.root.descendants().filter_map(ast::LetStmt::cast) {
            let Some(scope) = enclosing_scope_node(stmt.syntax()) else {
                continue;
            };
            let annotated = stmt
                .ty()
                .is_some_and(|ty| is_rc_refcell(&ty.syntax().text().to_string()));
            let Some(init) = stmt.initializer() else { continue };
            match stmt.pat() {
                Some(ast::Pat::IdentPat(pat)) => {
                    let Some(name) = pat.name() else { continue };
                    if annotated || holds_shared(&init, scope, shared_fields, &locals, functions) {
                        locals.insert((scope, name.text().to_string()), node_range(stmt.syntax()).0);
                    }
                }
                Some(ast::Pat::TuplePat(tuple)) => {
                    let Some(positions) = shared_positions(&init, functions) else {
                        continue;
                    };
                    for (position, field) in tuple.fields().enumerate() {
                        let ast::Pat::IdentPat(pat) = field else { continue };
                        let Some(name) = pat.name() else { continue };
                        if positions.contains(&position) {
                            locals.insert((scope, name.text().to_string()), node_range(stmt.syntax()).0);
                        }
                    }
                }
                _ => {}
            }
        }
        if locals.len() == before {
            return locals;
        }
    }
}

/// Whether `init` evaluates to a shared `Rc<RefCell<T>>`: a new one, a clone of a shared value,
/// or the result of a function known to return one.
fn holds_shared(
    init: &ast::Expr,
    scope: usize,
    shared_fields: &BTreeSet<String>,
    locals: &BTreeMap<(usize, String), usize>,
    functions: &[SharedResult],
) -> bool {
    let text = squeeze(&init.syntax().text().to_string());
    if text.starts_with("Rc::new(RefCell::") || text.starts_with("std::rc::Rc::new(RefCell::") {
        return true;
    }
    let is_shared_name = |name: &str| {
        let name = name.trim_start_matches('&');
        if let Some(field) = name.rsplit('.').next().filter(|_| name.contains('.')) {
            return shared_fields.contains(field);
        }
        locals.contains_key(&(scope, name.to_string()))
    };
    if let Some(inner) = text.strip_prefix("Rc::clone(").and_then(|rest| rest.strip_suffix(')')) {
        return is_shared_name(inner);
    }
    if let Some(inner) = text.strip_suffix(".clone()") {
        return is_shared_name(inner);
    }
    called_function(init).is_some_and(|name| {
        functions
            .iter()
            .any(|result| result.function == name && result.positions.is_none())
    })
}

fn shared_positions(init: &ast::Expr, functions: &[SharedResult]) -> Option<Vec<usize>> {
    let name = called_function(init)?;
    functions
        .iter()
        .find(|result| result.function == name)
        .and_then(|result| result.positions.clone())
}

/// The name of the function or method that `expr` calls: `new` for `MockMailer::new()`.
fn called_function(expr: &ast::Expr) -> Option<String> {
    match expr {
        ast::Expr::CallExpr(call) => {
            let ast::Expr::PathExpr(path) = call.expr()? else {
                return None;
            };
            Some(path.path()?.segment()?.name_ref()?.text().to_string())
        }
        ast::Expr::MethodCallExpr(call) => Some(call.name_ref()?.text().to_string()),
        _ => None,
    }
}

/// Returns the functions of the file whose result is, or is a tuple holding, an `Rc<RefCell<T>>`.
fn shared_results(ctx: &PlanContext) -> Vec<SharedResult> {
    let mut results = Vec::new();
    for function in ctx.root.descendants().filter_map(ast::Fn::cast) {
        let (Some(name), Some(ret)) = (function.name(), function.ret_type().and_then(|ret| ret.ty())) else {
            continue;
        };
        let positions = match &ret {
            ast::Type::TupleType(tuple) => {
                let positions: Vec<usize> = tuple
                    .fields()
                    .enumerate()
                    .filter(|(_, ty)| is_rc_refcell(&ty.syntax().text().to_string()))
                    .map(|(position, _)| position)
                    .collect();
                if positions.is_empty() {
                    continue;
                }
                Some(positions)
            }
            ty if is_rc_refcell(&ty.syntax().text().to_string()) => None,
            _ => continue,
        };
        results.push(SharedResult {
            function: name.text().to_string(),
            positions,
        });
    }
    results
}

fn is_rc_refcell(type_text: &str) -> bool {
    let text = squeeze(type_text);
    let text = text.trim_start_matches('&').trim_start_matches("mut");
    let text = text
        .strip_prefix("std::rc::")
        .or_else(|| text.strip_prefix("rc::"))
        .unwrap_or(text);
    let Some(inner) = text.strip_prefix("Rc<") else {
        return false;
    };
    let inner = inner
        .strip_prefix("std::cell::")
        .or_else(|| inner.strip_prefix("cell::"))
        .unwrap_or(inner);
    inner.starts_with("RefCell<")
}

fn is_rc_qualifier(qualifier: Option<ast::Path>) -> bool {
    let Some(qualifier) = qualifier else { return true };
    let text = squeeze(&qualifier.syntax().text().to_string());
    matches!(text.as_str(), "std::rc" | "alloc::rc" | "rc" | "::std::rc")
}

/// Returns the number of tokens of a `::` starting at `at`: one in parsed code, two `:` in macro
/// arguments.
fn path_separator(tokens: &[SyntaxToken], at: usize) -> Option<usize> {
    match tokens.get(at)?.kind() {
        T![::] => Some(1),
        T![:] if tokens.get(at + 1)?.kind() == T![:] => Some(2),
        _ => None,
    }
}

/// Returns the index of the first token of a path like `std::rc::Rc` that ends at `at`.
fn qualified_path_start(tokens: &[SyntaxToken], at: usize) -> usize {
    let mut start = at;
    loop {
        let width = if start >= 2 && tokens[start - 1].kind() == T![::] {
            1
        } else if start >= 3 && tokens[start - 1].kind() == T![:] && tokens[start - 2].kind() == T![:] {
            2
        } else {
            return start;
        };
        if !matches!(tokens[start - 1 - width].text(), "rc" | "std" | "alloc") {
            return start;
        }
        start -= 1 + width;
    }
}

/// Returns the index of the type name in a path like `std::cell::RefCell` that starts at `at`.
fn qualified_path_start_forward(tokens: &[SyntaxToken], at: usize) -> Option<usize> {
    let mut index = at;
    while matches!(tokens.get(index)?.text(), "std" | "core" | "cell") {
        index += 1 + path_separator(tokens, index + 1)?;
    }
    Some(index)
}

fn inside_use(node: &SyntaxNode) -> bool {
    node.ancestors().any(|ancestor| ancestor.kind() == SyntaxKind::USE)
}

/// The start offset of the function or closure whose body contains `token`.
fn enclosing_scope(token: &SyntaxToken) -> Option<usize> {
    enclosing_scope_node(&token.parent()?)
}

fn enclosing_scope_node(node: &SyntaxNode) -> Option<usize> {
    node.ancestors()
        .find(|ancestor| ancestor.kind() == SyntaxKind::FN)
        .map(|function| node_range(&function).0)
}

/// Returns why the `Arc` that replaces an `Rc` of type `text`, written without whitespace, is
/// certainly not `Sync`, or `None` when the type does not show it. That is so when the `Arc`
/// contains a cell or a raw pointer directly, or when the `Mutex` that replaces a `RefCell` directly
/// inside contains a raw pointer, which is not `Send`.
fn arc_content_not_sync(text: &str) -> Option<&'static str> {
    fn without_cell_path(text: &str) -> &str {
        text.trim_start_matches("std::cell::")
            .trim_start_matches("core::cell::")
    }
    let is_raw_pointer = |text: &str| text.starts_with("*const") || text.starts_with("*mut");
    let content = without_cell_path(text.trim_start_matches("std::rc::").trim_start_matches("Rc<"));
    match content.strip_prefix("RefCell<") {
        Some(inside) if is_raw_pointer(inside) => Some(
            "the `Mutex` holds a raw pointer, which is not `Send`, and `Mutex<T>` is `Sync` only when `T` is `Send`",
        ),
        Some(_) => None,
        None => {
            let cell = ["Cell<", "UnsafeCell<", "OnceCell<"]
                .iter()
                .any(|prefix| content.starts_with(prefix));
            (cell || is_raw_pointer(content)).then_some("the `Arc` holds a value that is not `Sync`")
        }
    }
}

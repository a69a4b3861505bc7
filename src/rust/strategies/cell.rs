//! The cell strategy: each `Cell<T>` field of a double becomes an atomic when `T` is an integer or
//! `bool`, and a `Mutex<T>` otherwise.
//!
//! ```text
//! calls: Cell<usize>                          calls: AtomicUsize
//! self.calls.get()                      =>    self.calls.load(Ordering::SeqCst)
//! self.calls.set(0)                           self.calls.store(0, Ordering::SeqCst)
//! self.calls.set(self.calls.get() + 1)        self.calls.fetch_add(1, Ordering::SeqCst)
//! ```
//!
//! A read-modify-write in one `set` becomes one atomic operation (`fetch_add`, `fetch_max`, or
//! `fetch_update` for other expressions), because a `store` of a `load` would lose concurrent
//! updates. For a `Mutex`, the same update takes the lock once and updates the value through the
//! guard. A read in one statement and a write in another cannot be made atomic by rewriting each
//! access, so such a fix needs review.

use std::collections::{BTreeMap, BTreeSet};

use ra_ap_syntax::ast::{self, AstNode, HasArgList, HasName};
use ra_ap_syntax::{SyntaxKind, SyntaxNode, SyntaxToken};

use super::derived_impls::{self, Reads, Storage};
use super::wrap::ForeignPlan;
use super::{
    cell_derive_blocker, first_use, rewrite_cell_constructors, rewrite_cell_field_types, target_accesses, PlanContext,
    Target,
};
use crate::config::Rule;
use crate::edit::TextEdit;
use crate::fix::{Applicability, CellField, Conversion, Finding, Fix};
use crate::rust::discipline::{line_of, LockSite};
use crate::rust::imports::{self, Binding};
use crate::rust::index::{enclosing_item_list, single_generic_argument, FieldKind, StructInfo};
use crate::rust::text::{node_range, squeeze, token_range};

/// The methods of `Cell`.
const CELL_METHODS: &[&str] = &[
    "get",
    "set",
    "replace",
    "take",
    "swap",
    "into_inner",
    "get_mut",
    "update",
    "as_ptr",
    "from_mut",
];

/// Returns the atomic type for a `Cell`'s value type, when there is one.
pub(super) fn atomic_for(value_type: &str) -> Option<&'static str> {
    let atomic = match value_type.trim() {
        "bool" => "AtomicBool",
        "u8" => "AtomicU8",
        "u16" => "AtomicU16",
        "u32" => "AtomicU32",
        "u64" => "AtomicU64",
        "usize" => "AtomicUsize",
        "i8" => "AtomicI8",
        "i16" => "AtomicI16",
        "i32" => "AtomicI32",
        "i64" => "AtomicI64",
        "isize" => "AtomicIsize",
        _ => return None,
    };
    Some(atomic)
}

pub fn plan(ctx: &PlanContext, rule: &Rule, info: &StructInfo) -> Option<Finding> {
    let fields: Vec<CellField> = info
        .fields_of_kind(FieldKind::Cell)
        .map(|field| {
            let value_type = field
                .node
                .ty()
                .and_then(|ty| single_generic_argument(&ty))
                .unwrap_or_default();
            CellField {
                name: field.name.clone(),
                atomic: atomic_for(&value_type).map(str::to_string),
            }
        })
        .collect();
    if fields.is_empty() {
        return None;
    }
    let field_list = fields
        .iter()
        .map(|field| format!("`{}`", field.name))
        .collect::<Vec<_>>()
        .join(", ");
    let mut finding = Finding {
        rule_id: rule.id.clone(),
        struct_name: info.name.clone(),
        name_range: info.node.name().map(|name| node_range(name.syntax())).unwrap_or_else(|| node_range(info.node.syntax())),
        message: format!(
            "`{}` keeps its state in `Cell` field{} {field_list}, so it is not `Sync`: sharing it between threads does not compile, and forcing it with `unsafe impl Sync` is a data race",
            info.name,
            if fields.len() == 1 { "" } else { "s" },
        ),
        changed_fields: fields.iter().map(|field| field.name.clone()).collect(),
        related: Vec::new(),
        fix: None,
        unfixable_reason: None,
    };
    let uses_mutex = fields.iter().any(|field| field.atomic.is_none());
    if let Some(reason) = cell_derive_blocker(info, "Cell") {
        finding.unfixable_reason = Some(reason);
        return Some(finding);
    }
    if let Some(reason) = derived_impls::mixed_cells_blocker(info) {
        finding.unfixable_reason = Some(reason);
        return Some(finding);
    }

    let (load, store, rmw) = rule.ordering.names();
    let orderings = (load.to_string(), store.to_string(), rmw.to_string());
    let lock_call = rule.lock.lock_call();
    let mut planner = CellPlanner::new(ctx, Target::defined(info), &fields, orderings.clone(), lock_call);
    planner.rewrite_field_types();
    planner.rewrite_constructors();
    planner.rewrite_accesses();
    let names: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();
    finding.related = first_use(ctx, &planner.target, &names, "used");
    let mutex_fields: Vec<&str> = fields
        .iter()
        .filter(|field| field.atomic.is_none())
        .map(|field| field.name.as_str())
        .collect();
    let locks = match planner.check_locks(&derived_impls::method_locks(info, &mutex_fields)) {
        Ok(locks) => locks,
        Err(reason) => {
            finding.unfixable_reason = Some(reason);
            return Some(finding);
        }
    };
    let storage_of = |field: &crate::rust::index::FieldInfo| match fields.iter().find(|cell| cell.name == field.name) {
        Some(CellField {
            atomic: Some(atomic), ..
        }) => Storage::Atomic(atomic.clone()),
        Some(CellField { atomic: None, .. }) => Storage::Mutex,
        None => Storage::Plain,
    };
    let reads = Reads {
        lock_call,
        load_ordering: load,
    };
    match derived_impls::plan(ctx.source, info, storage_of, reads) {
        Ok(edits) => planner.edits.extend(edits),
        Err(reason) => {
            finding.unfixable_reason = Some(reason);
            return Some(finding);
        }
    }

    let (applicability, review_reason) = match planner.review.first() {
        None => (Applicability::Safe, None),
        Some(_) => (Applicability::NeedsReview, Some(planner.review.join("; "))),
    };
    let replacement = if uses_mutex { "a `Mutex`" } else { "an atomic" };
    finding.fix = Some(Fix {
        title: format!("Replace `Cell` with {replacement} in `{}`", info.name),
        applicability,
        review_reason,
        edits: planner.edits,
        conversion: Conversion::Cell {
            fields,
            orderings,
            lock_call: lock_call.to_string(),
            method_locks: locks,
        },
    });
    Some(finding)
}

/// Plans the uses of the double `name`, whose cell `fields` another file's fix converted.
pub fn plan_foreign(
    ctx: &PlanContext,
    name: &str,
    fields: &[CellField],
    orderings: &(String, String, String),
    lock_call: &str,
    method_locks: &BTreeMap<String, BTreeSet<String>>,
) -> ForeignPlan {
    let mut planner = CellPlanner::new(
        ctx,
        Target::foreign(ctx.index, name),
        fields,
        orderings.clone(),
        lock_call,
    );
    planner.rewrite_constructors();
    planner.rewrite_accesses();
    let mut problems = planner.review.clone();
    if let Err(reason) = planner.check_locks(method_locks) {
        problems.push(reason);
    }
    ForeignPlan {
        edits: planner.edits,
        problems,
    }
}

struct CellPlanner<'a> {
    ctx: &'a PlanContext<'a>,
    target: Target<'a>,
    fields: &'a [CellField],
    /// `Ordering` variants of a load, a store and a read-modify-write.
    orderings: (String, String, String),
    lock_call: &'a str,
    edits: Vec<TextEdit>,
    review: Vec<String>,
    lock_sites: Vec<LockSite>,
}

impl<'a> CellPlanner<'a> {
    fn new(
        ctx: &'a PlanContext<'a>,
        target: Target<'a>,
        fields: &'a [CellField],
        orderings: (String, String, String),
        lock_call: &'a str,
    ) -> CellPlanner<'a> {
        CellPlanner {
            ctx,
            target,
            fields,
            orderings,
            lock_call,
            edits: Vec::new(),
            review: Vec::new(),
            lock_sites: Vec::new(),
        }
    }

    fn field(&self, name: &str) -> Option<&CellField> {
        self.fields.iter().find(|field| field.name == name)
    }

    fn line(&self, offset: usize) -> usize {
        line_of(self.ctx.source, offset)
    }

    fn ordering(&self, at: &SyntaxNode, variant: &str) -> String {
        ordering_path(at, variant)
    }

    fn check_locks(
        &self,
        known: &BTreeMap<String, BTreeSet<String>>,
    ) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
        super::check_locks(self.ctx, &self.target, &self.lock_sites, known, false)
    }

    /// `Cell<usize>` becomes `AtomicUsize`; `Cell<T>` becomes `Mutex<T>`.
    fn rewrite_field_types(&mut self) {
        if let Some(info) = self.target.definition {
            self.edits
                .extend(rewrite_cell_field_types(info, FieldKind::Cell, self.fields, "Mutex"));
        }
    }

    /// `Cell::new(x)` in the double's literals becomes `AtomicUsize::new(x)` or `Mutex::new(x)`.
    fn rewrite_constructors(&mut self) {
        let edits = rewrite_cell_constructors(self.ctx, &self.target, self.fields, "Cell", "Mutex", &mut self.review);
        self.edits.extend(edits);
    }

    fn rewrite_accesses(&mut self) {
        let names: Vec<&str> = self.fields.iter().map(|field| field.name.as_str()).collect();
        let accesses = target_accesses(
            self.ctx,
            &self.target,
            &names,
            FieldKind::Cell,
            CELL_METHODS,
            &mut self.review,
        );
        let mut reads: Vec<(String, usize, Option<SyntaxNode>)> = Vec::new();
        let mut writes: Vec<(String, usize, Option<SyntaxNode>)> = Vec::new();

        for access in accesses {
            let line = self.line(access.offset);
            let Some(cell) = self.field(&access.field).cloned() else {
                continue;
            };
            let index = self.ctx.index;
            let name_token = index.tokens()[access.dot_index + 1].clone();
            let receiver = receiver_text(&name_token);
            let function = enclosing_function(&name_token);
            let Some(method) = access.method.clone() else {
                self.review.push(format!(
                    "`.{}` at line {line} is used as a `Cell` and was left unchanged",
                    access.field
                ));
                continue;
            };
            let method_tokens = access.method_tokens(index).to_vec();
            let site = LockSite {
                held_to_block_end: false,
                field: access.field.clone(),
                offset: access.offset,
                token: name_token.clone(),
                receiver: access.receiver.clone(),
            };
            match method.as_str() {
                "get" if method_tokens.len() == 4 && method_tokens[3].kind() == ra_ap_syntax::T![')'] => {
                    // `.get()` inside a `set` of the same cell is part of that update, handled there.
                    if self.inside_own_set(&name_token, receiver.as_deref()) {
                        continue;
                    }
                    let (start, _) = token_range(&method_tokens[1]);
                    let (_, end) = token_range(&method_tokens[3]);
                    let text = match &cell.atomic {
                        Some(_) => format!(
                            "load({})",
                            self.ordering(&name_token.parent().unwrap(), &self.orderings.0)
                        ),
                        None => {
                            self.lock_sites.push(site);
                            format!("{}.clone()", self.lock_call)
                        }
                    };
                    self.edits.push(TextEdit::replace(start, end, text));
                    if let Some(receiver) = receiver {
                        reads.push((receiver, access.offset, function));
                    }
                }
                "set" | "replace" | "take" | "update" if !access.in_macro => {
                    let Some(call) = method_call_of(&name_token) else {
                        self.review.push(format!(
                            "`.{}.{method}(..)` at line {line} could not be rewritten",
                            access.field
                        ));
                        continue;
                    };
                    let rewritten = self.rewrite_call(&cell, &call, &method, receiver.as_deref().unwrap_or_default());
                    match rewritten {
                        Some(takes_lock) => {
                            if takes_lock {
                                self.lock_sites.push(site);
                            }
                            if method == "set" {
                                if let Some(receiver) = receiver {
                                    writes.push((receiver, access.offset, function));
                                }
                            }
                        }
                        None => self.review.push(format!(
                            "`.{}.{method}(..)` at line {line} could not be rewritten",
                            access.field
                        )),
                    }
                }
                "into_inner" | "get_mut" => {
                    if cell.atomic.is_none() {
                        let unwrap_call = &self.lock_call["lock()".len()..];
                        let (_, end) = token_range(method_tokens.last().expect("a call has tokens"));
                        self.edits.push(TextEdit::insert(end, unwrap_call.to_string()));
                    }
                }
                other => self.review.push(format!(
                    "`.{}.{other}(..)` at line {line} has no equivalent that mockfix can write and was left unchanged",
                    access.field
                )),
            }
        }

        // A read in one statement and a write in a later one of the same function is an update
        // in two steps, which per-access rewriting cannot make atomic.
        for (receiver, write_offset, write_function) in &writes {
            let split = reads.iter().find(|(read_receiver, read_offset, read_function)| {
                read_receiver == receiver
                    && read_offset < write_offset
                    && read_function == write_function
                    && read_function.is_some()
            });
            if let Some((_, read_offset, _)) = split {
                self.review.push(format!(
                    "`{receiver}` is read at line {} and written at line {}; each step becomes atomic, but another thread can update it between them, so move both into one update",
                    self.line(*read_offset),
                    self.line(*write_offset)
                ));
            }
        }
    }

    /// Returns whether the `.get()` at `name_token` is an argument of `.set(..)` on the same receiver.
    fn inside_own_set(&self, name_token: &SyntaxToken, receiver: Option<&str>) -> bool {
        let Some(receiver) = receiver else { return false };
        name_token
            .parent_ancestors()
            .filter_map(ast::MethodCallExpr::cast)
            .any(|call| {
                let is_set = call.name_ref().is_some_and(|name| name.text() == "set");
                let same = call
                    .receiver()
                    .is_some_and(|expr| squeeze(&expr.syntax().text().to_string()) == receiver);
                is_set && same
            })
    }

    /// Rewrites `.set(..)`, `.replace(..)`, `.take()` or `.update(..)`; returns whether the new
    /// code takes a lock, or `None` when it cannot be rewritten.
    ///
    /// The argument's own text is kept in place rather than copied, so that edits inside it, such
    /// as a `.get()` of another cell, still apply.
    fn rewrite_call(
        &mut self,
        cell: &CellField,
        call: &ast::MethodCallExpr,
        method: &str,
        receiver: &str,
    ) -> Option<bool> {
        let args: Vec<ast::Expr> = call.arg_list()?.args().collect();
        let call_range = node_range(call.syntax());
        let receiver_text = call.receiver()?.syntax().text().to_string();
        let at = call.syntax().clone();
        let (load, store, rmw) = (
            self.ordering(&at, &self.orderings.0),
            self.ordering(&at, &self.orderings.1),
            self.ordering(&at, &self.orderings.2),
        );
        let lock = self.lock_call;
        let statement = is_statement(call);
        let mut edits = Vec::new();
        let takes_lock = cell.atomic.is_none();
        match (&cell.atomic, method, args.as_slice()) {
            (Some(_), "set", [value]) => {
                let reads = own_gets(value, receiver);
                if reads.is_empty() {
                    edits.extend(surround(
                        call_range,
                        node_range(value.syntax()),
                        format!("{receiver_text}.store("),
                        format!(", {store})"),
                    ));
                } else if let Some((function, operand)) = simple_update(value, receiver) {
                    let (before, after) =
                        as_statement(statement, format!("{receiver_text}.{function}("), format!(", {rmw})"));
                    match operand {
                        Operand::Expr(operand) => {
                            edits.extend(surround(call_range, node_range(operand.syntax()), before, after))
                        }
                        Operand::Literal(text) => edits.push(TextEdit::replace(
                            call_range.0,
                            call_range.1,
                            format!("{before}{text}{after}"),
                        )),
                    }
                } else {
                    // Any other expression of the old value is recomputed until no other thread
                    // got in between, so it runs again on each retry and must have no side effects.
                    let (before, after) = as_statement(
                        statement,
                        format!("let _ = {receiver_text}.fetch_update({rmw}, {load}, |current| Some("),
                        "))".to_string(),
                    );
                    edits.extend(surround(call_range, node_range(value.syntax()), before, after));
                    edits.extend(reads.iter().map(|get| replace_node(get.syntax(), "current")));
                }
            }
            (Some(_), "replace", [value]) => {
                edits.extend(surround(
                    call_range,
                    node_range(value.syntax()),
                    format!("{receiver_text}.swap("),
                    format!(", {rmw})"),
                ));
            }
            (Some(_), "take", []) => {
                edits.push(TextEdit::replace(
                    call_range.0,
                    call_range.1,
                    format!("{receiver_text}.swap(Default::default(), {rmw})"),
                ));
            }
            (Some(_), "update", [function]) => {
                let (before, after) = as_statement(
                    statement,
                    format!("let _ = {receiver_text}.fetch_update({rmw}, {load}, |current| Some(("),
                    ")(current)))".to_string(),
                );
                edits.extend(surround(call_range, node_range(function.syntax()), before, after));
            }
            (None, "set", [value]) => {
                let reads = own_gets(value, receiver);
                let compound = simple_update(value, receiver).and_then(|(function, operand)| {
                    let operator = match function {
                        "fetch_add" => "+=",
                        "fetch_sub" => "-=",
                        "fetch_or" => "|=",
                        "fetch_and" => "&=",
                        "fetch_xor" => "^=",
                        _ => return None,
                    };
                    Some((operator, operand))
                });
                if reads.is_empty() {
                    edits.extend(surround(
                        call_range,
                        node_range(value.syntax()),
                        format!("*{receiver_text}.{lock} = "),
                        String::new(),
                    ));
                } else if let Some((operator, Operand::Expr(operand))) = compound {
                    edits.extend(surround(
                        call_range,
                        node_range(operand.syntax()),
                        format!("*{receiver_text}.{lock} {operator} "),
                        String::new(),
                    ));
                } else {
                    // One lock for the whole update: a second lock for the read would deadlock.
                    edits.extend(surround(
                        call_range,
                        node_range(value.syntax()),
                        format!("{{ let mut current = {receiver_text}.{lock}; *current = "),
                        "; }".to_string(),
                    ));
                    edits.extend(
                        reads
                            .iter()
                            .map(|get| replace_node(get.syntax(), locked_value(get.syntax()))),
                    );
                }
            }
            (None, "replace", [value]) => {
                edits.extend(surround(
                    call_range,
                    node_range(value.syntax()),
                    format!("std::mem::replace(&mut *{receiver_text}.{lock}, "),
                    ")".to_string(),
                ));
            }
            (None, "take", []) => {
                edits.push(TextEdit::replace(
                    call_range.0,
                    call_range.1,
                    format!("std::mem::take(&mut *{receiver_text}.{lock})"),
                ));
            }
            _ => return None,
        }
        self.edits.extend(edits);
        Some(takes_lock)
    }
}

/// `Ordering::SeqCst`, or the full path where the module of `at` imports another `Ordering`, such
/// as `std::cmp::Ordering`.
pub(super) fn ordering_path(at: &SyntaxNode, variant: &str) -> String {
    let module = enclosing_item_list(at);
    let atomic_ordering = ["std", "sync", "atomic", "Ordering"];
    let clash = match imports::binding_of(&module, "Ordering", &["std", "sync", "atomic"]) {
        Binding::Unbound => false,
        Binding::Explicit(path) | Binding::Glob(path) => !path.iter().map(String::as_str).eq(atomic_ordering),
        Binding::Unknown => true,
    };
    if clash {
        format!("std::sync::atomic::Ordering::{variant}")
    } else {
        format!("Ordering::{variant}")
    }
}

/// The operand of a read-modify-write: an expression of the source, or text mockfix writes.
enum Operand {
    Expr(ast::Expr),
    Literal(&'static str),
}

/// Edits that replace the text of `outer` around `inner` with `before` and `after`.
pub(super) fn surround(outer: (usize, usize), inner: (usize, usize), before: String, after: String) -> [TextEdit; 2] {
    [
        TextEdit::replace(outer.0, inner.0, before),
        TextEdit::replace(inner.1, outer.1, after),
    ]
}

/// Returns the value under the lock, `*current`, for the `.get()` call `get`. Before a field, a method or
/// an index the guard is dereferenced automatically, so it stays `current`, and before `?`,
/// `.await` or a call's arguments it needs parentheses, which would otherwise apply first.
fn locked_value(get: &SyntaxNode) -> &'static str {
    let Some(parent) = get.parent() else { return "*current" };
    match parent.kind() {
        SyntaxKind::FIELD_EXPR | SyntaxKind::METHOD_CALL_EXPR => "current",
        SyntaxKind::INDEX_EXPR
            if ast::IndexExpr::cast(parent.clone())
                .and_then(|index| index.base())
                .is_some_and(|base| base.syntax() == get) =>
        {
            "current"
        }
        SyntaxKind::TRY_EXPR | SyntaxKind::AWAIT_EXPR => "(*current)",
        SyntaxKind::CALL_EXPR
            if ast::CallExpr::cast(parent)
                .and_then(|call| call.expr())
                .is_some_and(|callee| callee.syntax() == get) =>
        {
            "(*current)"
        }
        _ => "*current",
    }
}

fn replace_node(node: &SyntaxNode, text: &str) -> TextEdit {
    let (start, end) = node_range(node);
    TextEdit::replace(start, end, text)
}

fn is_statement(call: &ast::MethodCallExpr) -> bool {
    call.syntax()
        .parent()
        .is_some_and(|parent| parent.kind() == SyntaxKind::EXPR_STMT)
}

/// `set(..)` returns `()`, but its replacement may return the old value or be a `let`, so unless
/// the call is a whole statement, the replacement goes in a block.
pub(super) fn as_statement(statement: bool, before: String, after: String) -> (String, String) {
    if statement {
        (before, after)
    } else {
        (format!("{{ {before}"), format!("{after}; }}"))
    }
}

/// `receiver.get()` calls inside `value`, in source order.
fn own_gets(value: &ast::Expr, receiver: &str) -> Vec<ast::MethodCallExpr> {
    value
        .syntax()
        .descendants()
        .filter_map(ast::MethodCallExpr::cast)
        .filter(|call| call.name_ref().is_some_and(|name| name.text() == "get"))
        .filter(|call| call.arg_list().is_some_and(|args| args.args().next().is_none()))
        .filter(|call| {
            call.receiver()
                .is_some_and(|expr| squeeze(&expr.syntax().text().to_string()) == receiver)
        })
        .collect()
}

/// Returns the atomic read-modify-write that `value` describes, with its operand: `x.get() + n` is
/// `fetch_add(n)`, `x.get().max(n)` is `fetch_max(n)`, `!x.get()` is `fetch_xor(true)`.
fn simple_update(value: &ast::Expr, receiver: &str) -> Option<(&'static str, Operand)> {
    let is_own_get = |expr: &ast::Expr| {
        own_gets(expr, receiver)
            .first()
            .is_some_and(|get| get.syntax() == expr.syntax())
    };
    let is_free = |expr: &ast::Expr| own_gets(expr, receiver).is_empty();
    match value {
        ast::Expr::ParenExpr(inner) => simple_update(&inner.expr()?, receiver),
        ast::Expr::BinExpr(bin) => {
            let (lhs, rhs) = (bin.lhs()?, bin.rhs()?);
            let operator = bin.op_token()?.text().to_string();
            let function = match operator.as_str() {
                "+" => "fetch_add",
                "-" => "fetch_sub",
                "|" => "fetch_or",
                "&" => "fetch_and",
                "^" => "fetch_xor",
                _ => return None,
            };
            if is_own_get(&lhs) && is_free(&rhs) {
                return Some((function, Operand::Expr(rhs)));
            }
            let commutative = function != "fetch_sub";
            if commutative && is_own_get(&rhs) && is_free(&lhs) {
                return Some((function, Operand::Expr(lhs)));
            }
            None
        }
        ast::Expr::MethodCallExpr(call) => {
            let receiver_expr = call.receiver()?;
            let name = call.name_ref()?.text().to_string();
            let function = match name.as_str() {
                "max" => "fetch_max",
                "min" => "fetch_min",
                "wrapping_add" => "fetch_add",
                "wrapping_sub" => "fetch_sub",
                _ => return None,
            };
            let args: Vec<ast::Expr> = call.arg_list()?.args().collect();
            match args.as_slice() {
                [operand] if is_own_get(&receiver_expr) && is_free(operand) => {
                    Some((function, Operand::Expr(operand.clone())))
                }
                _ => None,
            }
        }
        ast::Expr::PrefixExpr(prefix) if prefix.op_kind() == Some(ast::UnaryOp::Not) && is_own_get(&prefix.expr()?) => {
            Some(("fetch_xor", Operand::Literal("true")))
        }
        _ => None,
    }
}

/// Returns the receiver of the field access at `name_token`, without whitespace: `self.calls` for
/// `self.calls.get()`.
fn receiver_text(name_token: &SyntaxToken) -> Option<String> {
    let field = name_token.parent_ancestors().find_map(ast::FieldExpr::cast)?;
    Some(squeeze(&field.syntax().text().to_string()))
}

fn method_call_of(name_token: &SyntaxToken) -> Option<ast::MethodCallExpr> {
    let field = name_token.parent_ancestors().find_map(ast::FieldExpr::cast)?;
    field.syntax().parent().and_then(ast::MethodCallExpr::cast)
}

fn enclosing_function(token: &SyntaxToken) -> Option<SyntaxNode> {
    token
        .parent_ancestors()
        .find(|node| matches!(node.kind(), SyntaxKind::FN | SyntaxKind::CLOSURE_EXPR))
}

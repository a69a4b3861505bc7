//! The uses of one `static mut`, rewritten for its new type.
//!
//! ```text
//! CALLS += n                     CALLS.fetch_add(n, Ordering::SeqCst)
//! CALLS *= 7                     let _ = CALLS.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |current| Some(current * 7))
//! CALLS = CALLS * 2 + 1    =>    let _ = CALLS.fetch_update(.., |current| Some(current * 2 + 1))
//! CALLS = 0                      CALLS.store(0, Ordering::SeqCst)
//! LOG.push(x)                    LOG.lock().unwrap().push(x)
//! LOG = v                        *LOG.lock().unwrap() = v
//! ```
//!
//! An update whose new value reads the static again becomes one atomic read-modify-write, or one
//! lock bound to a variable. A load followed by a store would lose updates, and a second lock of
//! the same `Mutex` in one statement would deadlock.

use ra_ap_syntax::ast::{self, AstNode, HasName};
use ra_ap_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, T};

use crate::edit::TextEdit;
use crate::fix::StaticForm;
use crate::rust::discipline::{line_of, LockSite};
use crate::rust::strategies::cell::{as_statement, ordering_path, surround};
use crate::rust::text::{node_range, token_range};

/// Standard macros whose arguments are expressions evaluated where the macro is called.
const EXPRESSION_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "format",
    "format_args",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "panic",
    "vec",
    "dbg",
    "matches",
];

/// Methods that return a reference into their receiver. Called on a locked static, the reference
/// borrows from the guard, which is dropped at the end of the statement.
const BORROWING_METHODS: &[&str] = &[
    "first",
    "last",
    "first_mut",
    "last_mut",
    "get",
    "get_mut",
    "iter",
    "iter_mut",
    "as_str",
    "as_slice",
    "as_mut_slice",
    "as_ref",
    "as_mut",
    "as_deref",
    "as_deref_mut",
    "keys",
    "values",
    "values_mut",
    "entry",
    "chars",
    "bytes",
    "lines",
    "split",
    "split_whitespace",
    "trim",
    "drain",
    "range",
];

/// One place where the code names the static, or the value of a cell.
#[derive(Clone, Debug)]
pub struct StaticUse {
    /// The expression that stands for the value: the static's path, or `*self.x.get()` for an
    /// `UnsafeCell`.
    pub place: SyntaxNode,
    /// The text that names the new atomic or `Mutex`: `CALLS`, `super::CALLS` or `self.x`.
    pub container: String,
    /// The token of the name, which places a lock in its statement.
    pub name_token: Option<SyntaxToken>,
    /// The use sits in a `macro_rules!` body, which expands at its call sites, so paths written
    /// there are fully qualified.
    pub in_macro_body: bool,
    /// The macro whose arguments contain the use, if any.
    pub macro_name: Option<String>,
    /// The token of the file at the use, which places the use in its module and statement.
    /// `None` in a macro body.
    pub file_token: Option<SyntaxToken>,
}

impl StaticUse {
    /// Builds the use of a static at `path`.
    pub fn of_path(path: &ast::PathExpr) -> StaticUse {
        let name_token = path
            .path()
            .and_then(|path| path.segment())
            .and_then(|segment| segment.name_ref())
            .and_then(|name| name.ident_token());
        StaticUse {
            place: path.syntax().clone(),
            container: path.syntax().text().to_string(),
            name_token,
            in_macro_body: false,
            macro_name: None,
            file_token: None,
        }
    }

    pub fn range(&self) -> (usize, usize) {
        node_range(&self.place)
    }

    pub fn path(&self) -> Option<ast::PathExpr> {
        ast::PathExpr::cast(self.place.clone())
    }
}

/// The edits, review reasons and lock sites that rewriting the uses produced.
#[derive(Debug, Default)]
pub struct RewrittenUses {
    pub edits: Vec<TextEdit>,
    pub review: Vec<String>,
    pub lock_sites: Vec<LockSite>,
    /// Ranges of the original text that hold no unsafe operation after the rewrite.
    pub rewritten: Vec<(usize, usize)>,
}

pub struct UseRewriter<'a> {
    pub source: &'a str,
    pub name: &'a str,
    pub form: &'a StaticForm,
    /// `Ordering` variants of a load, a store and a read-modify-write.
    pub orderings: &'a (String, String, String),
    pub lock_call: &'a str,
}

impl UseRewriter<'_> {
    pub fn rewrite(&self, uses: &[StaticUse]) -> RewrittenUses {
        let mut out = RewrittenUses::default();
        // Reads inside the new value of an update are part of that update.
        let mut consumed: Vec<(usize, usize)> = Vec::new();
        for item in uses {
            let range = item.range();
            if consumed.iter().any(|&(start, end)| start <= range.0 && range.1 <= end) {
                continue;
            }
            let line = line_of(self.source, range.0);
            if let Some(reason) = self.unsupported_macro(item) {
                out.review.push(format!("`{}` at line {line} {reason}", self.name));
                continue;
            }
            if let Some(update) = assignment_of(item) {
                let value = update.rhs();
                let inner: Vec<&StaticUse> = uses
                    .iter()
                    .filter(|other| {
                        value
                            .as_ref()
                            .is_some_and(|value| inside(other.range(), value.syntax()))
                    })
                    .collect();
                if let Some(value) = &value {
                    consumed.push(node_range(value.syntax()));
                }
                match self.rewrite_update(item, &update, &inner, &mut out) {
                    Ok(()) => out.rewritten.push(node_range(update.syntax())),
                    Err(reason) => out.review.push(format!("`{}` at line {line} {reason}", self.name)),
                }
                continue;
            }
            match self.rewrite_access(item, &mut out) {
                Ok(()) => out.rewritten.push(range),
                Err(reason) => out.review.push(format!("`{}` at line {line} {reason}", self.name)),
            }
        }
        out.review.extend(self.split_updates(uses));
        out
    }

    /// A read in one statement and a write in a later one of the same function is an update in
    /// two steps, which rewriting each access cannot make atomic.
    fn split_updates(&self, uses: &[StaticUse]) -> Vec<String> {
        let function_of = |item: &StaticUse| {
            item.place
                .ancestors()
                .find(|node| matches!(node.kind(), SyntaxKind::FN | SyntaxKind::CLOSURE_EXPR))
        };
        let statement_of = |node: &SyntaxNode| {
            node.ancestors()
                .find(|ancestor| matches!(ancestor.kind(), SyntaxKind::EXPR_STMT | SyntaxKind::LET_STMT))
        };
        let mut reasons = Vec::new();
        for write in uses.iter().filter(|item| assignment_of(item).is_some()) {
            let Some(function) = function_of(write) else { continue };
            let write_statement = statement_of(&write.place);
            let read = uses.iter().find(|read| {
                read.range().0 < write.range().0
                    && read.container == write.container
                    && assignment_of(read).is_none()
                    && function_of(read).as_ref() == Some(&function)
                    && statement_of(&read.place) != write_statement
            });
            if let Some(read) = read {
                reasons.push(format!(
                    "`{}` is read at line {} and written at line {}; each step becomes atomic, but another thread can update it between them, so move both into one update",
                    write.container,
                    line_of(self.source, read.range().0),
                    line_of(self.source, write.range().0),
                ));
            }
        }
        reasons
    }

    /// Uses in the arguments of a macro that mockfix does not know may be quoted, stringified or
    /// expanded anywhere.
    fn unsupported_macro(&self, item: &StaticUse) -> Option<String> {
        let name = item.macro_name.as_deref()?;
        if matches!(name, "addr_of" | "addr_of_mut") {
            return Some(format!(
                "is taken by address with `{name}!`, which needs the `static mut`; rewrite it by hand"
            ));
        }
        (!EXPRESSION_MACROS.contains(&name)).then(|| {
            format!("is passed to the macro `{name}!`, whose use of it mockfix cannot see, and was left unchanged")
        })
    }

    fn ordering(&self, item: &StaticUse, variant: &str) -> String {
        if item.in_macro_body {
            return format!("::std::sync::atomic::Ordering::{variant}");
        }
        match &item.file_token {
            Some(token) => ordering_path(&token.parent().expect("tokens have a parent"), variant),
            None => format!("::std::sync::atomic::Ordering::{variant}"),
        }
    }

    fn lock_site(&self, item: &StaticUse, held_to_block_end: bool) -> Option<LockSite> {
        let token = item.file_token.clone().or_else(|| item.name_token.clone())?;
        Some(LockSite {
            field: self.name.to_string(),
            offset: item.range().0,
            token,
            receiver: None,
            held_to_block_end,
        })
    }

    /// `S = v` or `S op= v`.
    fn rewrite_update(
        &self,
        item: &StaticUse,
        update: &ast::BinExpr,
        inner: &[&StaticUse],
        out: &mut RewrittenUses,
    ) -> Result<(), String> {
        let value = update.rhs().ok_or("has an assignment without a value")?;
        let Some(ast::BinaryOp::Assignment { op }) = update.op_kind() else {
            return Err("is assigned in a form mockfix does not know".to_string());
        };
        let operator = op.map(|op| op.to_string());
        let path = item.container.clone();
        let update_range = node_range(update.syntax());
        let value_range = node_range(value.syntax());
        let statement = is_statement(update.syntax());
        let (load, store, rmw) = (
            self.ordering(item, &self.orderings.0),
            self.ordering(item, &self.orderings.1),
            self.ordering(item, &self.orderings.2),
        );
        match self.form {
            StaticForm::Atomic(_) => {
                let function = match operator.as_deref() {
                    None => None,
                    Some(op) => fetch_function(op),
                };
                if inner.is_empty() && operator.is_none() {
                    out.edits.extend(surround(
                        update_range,
                        value_range,
                        format!("{path}.store("),
                        format!(", {store})"),
                    ));
                    return Ok(());
                }
                if let (true, Some(function)) = (inner.is_empty(), function) {
                    let (before, after) = as_statement(statement, format!("{path}.{function}("), format!(", {rmw})"));
                    out.edits.extend(surround(update_range, value_range, before, after));
                    return Ok(());
                }
                if let (None, Some((function, operand))) = (&operator, simple_update(&value, inner)) {
                    let (before, after) = as_statement(statement, format!("{path}.{function}("), format!(", {rmw})"));
                    out.edits
                        .extend(surround(update_range, node_range(operand.syntax()), before, after));
                    return Ok(());
                }
                // Any other new value is computed from `current` in one `fetch_update`, which
                // retries when another thread got in between, so the value must be free of side
                // effects.
                let current = free_name(update.syntax(), &["current", "current_value"])
                    .ok_or("is updated in an expression that already names `current` and `current_value`")?;
                let combined = match &operator {
                    Some(op) => {
                        let operand = if needs_parentheses(&value) { "(" } else { "" };
                        let close = if operand.is_empty() { "" } else { ")" };
                        (format!("{current} {op} {operand}"), close.to_string())
                    }
                    None => (String::new(), String::new()),
                };
                let own_statement = update
                    .syntax()
                    .parent()
                    .is_some_and(|parent| parent.kind() == SyntaxKind::EXPR_STMT);
                let call = format!("{path}.fetch_update({rmw}, {load}, |{current}| Some({}", combined.0);
                let close = format!("{}))", combined.1);
                // The tail of `unsafe { .. };` may stay an expression, where `let` cannot stand, so
                // the result is discarded with `_ =` there.
                let (before, after) = match (own_statement, statement) {
                    (true, _) => (format!("let _ = {call}"), close),
                    (false, true) => (format!("_ = {call}"), close),
                    (false, false) => as_statement(false, format!("let _ = {call}"), close),
                };
                out.edits.extend(surround(update_range, value_range, before, after));
                for read in inner {
                    out.edits.extend(self.rewrite_bound_read(read, &current, true));
                }
                Ok(())
            }
            StaticForm::Mutex | StaticForm::LazyMutex => {
                let lock = self.lock_call;
                let assign = operator.map_or("=".to_string(), |op| format!("{op}="));
                if inner.is_empty() {
                    out.edits.push(TextEdit::insert(item.range().0, "*"));
                    out.edits.push(TextEdit::insert(item.range().1, format!(".{lock}")));
                    out.lock_sites.extend(self.lock_site(item, false));
                    return Ok(());
                }
                // One lock for the whole update: a second lock for the read would deadlock.
                let guard = free_name(update.syntax(), &["guard", "locked"])
                    .ok_or("is updated in an expression that already names `guard` and `locked`")?;
                out.edits.extend(surround(
                    update_range,
                    value_range,
                    format!("{{ let mut {guard} = {path}.{lock}; *{guard} {assign} "),
                    "; }".to_string(),
                ));
                out.lock_sites.extend(self.lock_site(item, false));
                for read in inner {
                    out.edits.extend(self.rewrite_bound_read(read, &guard, false));
                }
                Ok(())
            }
        }
    }

    /// A read of the static inside an update that already holds its value in `binding`: the
    /// `current` of a `fetch_update`, or a lock guard.
    fn rewrite_bound_read(&self, read: &StaticUse, binding: &str, is_value: bool) -> Vec<TextEdit> {
        let (start, end) = read.range();
        if is_value {
            return vec![TextEdit::replace(start, end, binding)];
        }
        let replacement = match place_of(read) {
            Place::Receiver(_) | Place::Base => binding.to_string(),
            Place::Ref(_) => format!("*{binding}"),
            _ => format!("(*{binding})"),
        };
        vec![TextEdit::replace(start, end, replacement)]
    }

    /// Any use that does not assign the static.
    fn rewrite_access(&self, item: &StaticUse, out: &mut RewrittenUses) -> Result<(), String> {
        let (start, end) = item.range();
        let place = place_of(item);
        if let Place::Ref(reference) = &place {
            if reference.raw_token().is_some() {
                return Err("is taken by raw address, which needs the `static mut`; rewrite it by hand".to_string());
            }
        }
        match self.form {
            StaticForm::Atomic(_) => {
                if let Place::Ref(_) = place {
                    return Err(
                        "is borrowed, and a reference to an atomic's value cannot be written; rewrite it by hand"
                            .to_string(),
                    );
                }
                let load = self.ordering(item, &self.orderings.0);
                out.edits.push(TextEdit::replace(
                    start,
                    end,
                    format!("{}.load({load})", item.container),
                ));
                Ok(())
            }
            StaticForm::LazyMutex => {
                let Place::Receiver(call) = place else {
                    return Err("is used other than through `get_or_insert_with`".to_string());
                };
                let (_, call_end) = node_range(call.syntax());
                out.edits
                    .push(TextEdit::replace(end, call_end, format!(".{}", self.lock_call)));
                let binding = let_of_value(call.syntax());
                // The binding held a `&mut T` and now holds the guard, which must be `mut` to
                // change the value through it.
                if let Some(edit) = binding.as_ref().and_then(mut_binding_edit) {
                    out.edits.push(edit);
                }
                out.lock_sites.extend(self.lock_site(item, binding.is_some()));
                Ok(())
            }
            StaticForm::Mutex => {
                let lock = self.lock_call;
                match place {
                    Place::Receiver(_) | Place::Base => {
                        let chain = chain_top(&item.place);
                        if let Some(method) = borrowed_from_guard(&chain) {
                            return Err(format!(
                                "is read with `.{method}(..)` into a `let`, and the result would borrow from a lock guard that is dropped at the end of the statement; bind the value or the guard first"
                            ));
                        }
                        let bound = chain
                            .parent()
                            .is_some_and(|parent| parent.kind() == SyntaxKind::REF_EXPR && value_bound_by_let(&parent));
                        out.edits.push(TextEdit::insert(end, format!(".{lock}")));
                        out.lock_sites.extend(self.lock_site(item, bound));
                    }
                    Place::Ref(reference) => {
                        let argument = reference
                            .syntax()
                            .parent()
                            .is_some_and(|parent| parent.kind() == SyntaxKind::ARG_LIST);
                        if !argument {
                            return Err(
                                "is borrowed outside a call argument, so the lock would have to outlive the statement; rewrite it by hand"
                                    .to_string(),
                            );
                        }
                        out.edits.push(TextEdit::insert(start, "*"));
                        out.edits.push(TextEdit::insert(end, format!(".{lock}")));
                        out.lock_sites.extend(self.lock_site(item, false));
                    }
                    Place::Read => {
                        out.edits.push(TextEdit::insert(start, "*"));
                        out.edits.push(TextEdit::insert(end, format!(".{lock}")));
                        out.lock_sites.extend(self.lock_site(item, false));
                    }
                }
                Ok(())
            }
        }
    }
}

/// Where a use of the static sits in its expression.
enum Place {
    /// `S.method(..)`.
    Receiver(ast::MethodCallExpr),
    /// `S.field` or `S[i]`.
    Base,
    /// `&S`, `&mut S` or `&raw const S`.
    Ref(ast::RefExpr),
    Read,
}

fn place_of(item: &StaticUse) -> Place {
    let node = &item.place;
    let Some(parent) = node.parent() else {
        return Place::Read;
    };
    if let Some(call) = ast::MethodCallExpr::cast(parent.clone()) {
        if call.receiver().is_some_and(|receiver| receiver.syntax() == node) {
            return Place::Receiver(call);
        }
    }
    if let Some(field) = ast::FieldExpr::cast(parent.clone()) {
        if field.expr().is_some_and(|base| base.syntax() == node) {
            return Place::Base;
        }
    }
    if let Some(index) = ast::IndexExpr::cast(parent.clone()) {
        if index.base().is_some_and(|base| base.syntax() == node) {
            return Place::Base;
        }
    }
    if let Some(reference) = ast::RefExpr::cast(parent) {
        return Place::Ref(reference);
    }
    Place::Read
}

/// The assignment whose left side is exactly the static: `S = v` or `S += v`.
fn assignment_of(item: &StaticUse) -> Option<ast::BinExpr> {
    let node = &item.place;
    let bin = ast::BinExpr::cast(node.parent()?)?;
    let is_assignment = matches!(bin.op_kind(), Some(ast::BinaryOp::Assignment { .. }));
    (is_assignment && bin.lhs()?.syntax() == node).then_some(bin)
}

fn inside(range: (usize, usize), node: &SyntaxNode) -> bool {
    let (start, end) = node_range(node);
    start <= range.0 && range.1 <= end
}

/// Whether the value of `node` is discarded as a statement: `x += 1;`, or the tail of an `unsafe`
/// block that is itself a statement ending in `;`, as in `unsafe { x += 1 };`.
fn is_statement(node: &SyntaxNode) -> bool {
    let Some(parent) = node.parent() else { return false };
    if parent.kind() == SyntaxKind::EXPR_STMT {
        return true;
    }
    let is_tail = ast::StmtList::cast(parent.clone())
        .and_then(|list| list.tail_expr())
        .is_some_and(|tail| tail.syntax() == node);
    let block = parent.parent().and_then(ast::BlockExpr::cast);
    let statement = block
        .as_ref()
        .and_then(|block| block.syntax().parent())
        .and_then(ast::ExprStmt::cast);
    is_tail
        && block.is_some_and(|block| block.unsafe_token().is_some())
        && statement.is_some_and(|statement| statement.semicolon_token().is_some())
}

/// The atomic read-modify-write of a compound operator, when there is one.
fn fetch_function(operator: &str) -> Option<&'static str> {
    let function = match operator {
        "+" => "fetch_add",
        "-" => "fetch_sub",
        "|" => "fetch_or",
        "&" => "fetch_and",
        "^" => "fetch_xor",
        _ => return None,
    };
    Some(function)
}

/// `S + n`, `n + S`, `S - n` and the like, where `S` is the only read of the static: the
/// function and its operand.
fn simple_update(value: &ast::Expr, reads: &[&StaticUse]) -> Option<(&'static str, ast::Expr)> {
    let [read] = reads else { return None };
    let ast::Expr::BinExpr(bin) = value else { return None };
    let function = fetch_function(bin.op_token()?.text())?;
    let (lhs, rhs) = (bin.lhs()?, bin.rhs()?);
    if lhs.syntax() == &read.place {
        return Some((function, rhs));
    }
    if function != "fetch_sub" && rhs.syntax() == &read.place {
        return Some((function, lhs));
    }
    None
}

fn needs_parentheses(value: &ast::Expr) -> bool {
    !matches!(
        value,
        ast::Expr::Literal(_)
            | ast::Expr::PathExpr(_)
            | ast::Expr::CallExpr(_)
            | ast::Expr::MethodCallExpr(_)
            | ast::Expr::ParenExpr(_)
            | ast::Expr::FieldExpr(_)
            | ast::Expr::IndexExpr(_)
            | ast::Expr::MacroExpr(_)
    )
}

/// The first of `names` that no identifier in the statement around `node` uses.
fn free_name(node: &SyntaxNode, names: &[&str]) -> Option<String> {
    let scope = node
        .ancestors()
        .find(|ancestor| matches!(ancestor.kind(), SyntaxKind::EXPR_STMT | SyntaxKind::LET_STMT))
        .unwrap_or_else(|| node.clone());
    let taken = |name: &str| {
        scope
            .descendants_with_tokens()
            .filter_map(|element| element.into_token())
            .any(|token| token.kind() == SyntaxKind::IDENT && token.text() == name)
    };
    names.iter().find(|name| !taken(name)).map(|name| name.to_string())
}

/// The outermost expression of the method calls, fields and indexes that start at `node`:
/// `LOG.iter().count()` for `LOG`.
fn chain_top(node: &SyntaxNode) -> SyntaxNode {
    let mut current = node.clone();
    while let Some(parent) = current.parent() {
        let continues = match ast::Expr::cast(parent.clone()) {
            Some(ast::Expr::MethodCallExpr(call)) => {
                call.receiver().is_some_and(|receiver| receiver.syntax() == &current)
            }
            Some(ast::Expr::FieldExpr(field)) => field.expr().is_some_and(|base| base.syntax() == &current),
            Some(ast::Expr::IndexExpr(index)) => index.base().is_some_and(|base| base.syntax() == &current),
            Some(ast::Expr::TryExpr(_)) => true,
            _ => false,
        };
        if !continues {
            break;
        }
        current = parent;
    }
    current
}

/// The method at the top of `chain` when the chain is bound by a `let` and the method returns a
/// reference into the locked value.
fn borrowed_from_guard(chain: &SyntaxNode) -> Option<String> {
    let call = ast::MethodCallExpr::cast(chain.clone())?;
    let method = call.name_ref()?.text().to_string();
    (BORROWING_METHODS.contains(&method.as_str()) && value_bound_by_let(chain)).then_some(method)
}

/// Whether the value of `node` is what a `let` binds, directly or as the tail of blocks and
/// parentheses: `let g = unsafe { S.get_or_insert_with(..) };`.
pub(crate) fn value_bound_by_let(node: &SyntaxNode) -> bool {
    let_of_value(node).is_some()
}

/// The `let` statement that binds the value of `node`, as `value_bound_by_let` describes.
fn let_of_value(node: &SyntaxNode) -> Option<ast::LetStmt> {
    let mut current = node.clone();
    loop {
        let parent = current.parent()?;
        match parent.kind() {
            SyntaxKind::LET_STMT => {
                let statement = ast::LetStmt::cast(parent)?;
                let binds = statement
                    .initializer()
                    .is_some_and(|initializer| initializer.syntax() == &current);
                return binds.then_some(statement);
            }
            SyntaxKind::PAREN_EXPR | SyntaxKind::BLOCK_EXPR => current = parent,
            SyntaxKind::STMT_LIST => {
                let is_tail = ast::StmtList::cast(parent.clone())
                    .and_then(|list| list.tail_expr())
                    .is_some_and(|tail| tail.syntax() == &current);
                if !is_tail {
                    return None;
                }
                current = parent;
            }
            _ => return None,
        }
    }
}

/// Methods of the standard collections that take `&mut self`.
const MUTATING_METHODS: &[&str] = &[
    "entry",
    "insert",
    "push",
    "push_str",
    "push_back",
    "push_front",
    "pop",
    "remove",
    "clear",
    "extend",
    "retain",
    "drain",
    "get_mut",
    "truncate",
    "sort",
    "dedup",
    "append",
    "take",
    "replace",
    "get_or_insert_with",
    "values_mut",
    "iter_mut",
];

/// `let seen = ..` becomes `let mut seen = ..` when a later statement of the block changes the
/// value through `seen`: calls a mutating method, dereferences it or indexes it.
fn mut_binding_edit(statement: &ast::LetStmt) -> Option<TextEdit> {
    let ast::Pat::IdentPat(pattern) = statement.pat()? else {
        return None;
    };
    if pattern.mut_token().is_some() || pattern.ref_token().is_some() {
        return None;
    }
    let name = pattern.name()?;
    let block = statement.syntax().parent()?;
    let (_, statement_end) = node_range(statement.syntax());
    let tokens: Vec<SyntaxToken> = block
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| !token.kind().is_trivia() && token_range(token).0 >= statement_end)
        .collect();
    let changed = tokens.windows(4).any(|window| {
        let named = window[1].kind() == SyntaxKind::IDENT && window[1].text() == name.text();
        let deref = window[0].kind() == T![*];
        let method = window[2].kind() == T![.] && MUTATING_METHODS.contains(&window[3].text());
        named && (deref || method)
    });
    changed.then(|| TextEdit::insert(node_range(name.syntax()).0, "mut "))
}

/// Returns the token of `tokens` that starts at `offset`, which maps a node of a parsed token
/// tree back to the file's own token.
pub fn file_token_at(tokens: &[SyntaxToken], offset: usize) -> Option<SyntaxToken> {
    let index = tokens.partition_point(|token| token_range(token).0 < offset);
    tokens
        .get(index)
        .filter(|token| token_range(token).0 == offset && token.kind() != T![;])
        .cloned()
}

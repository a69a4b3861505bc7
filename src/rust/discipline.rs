//! Lock discipline: proof that a planned lock is never taken twice by one thread.
//!
//! `std::sync::Mutex` is not re-entrant. Two `RefCell::borrow()` calls may overlap, but the two
//! `lock()` calls that replace them deadlock. This module works out how long each lock lives,
//! following Rust's rules for temporaries, and reports a second lock of the same mutex inside
//! that span, directly or through a method call that locks it.

use std::collections::{BTreeMap, BTreeSet};

use ra_ap_syntax::ast::{self, AstNode};
use ra_ap_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, T};

use super::index::MethodInfo;
use super::text::{next_significant, node_range, previous_significant, token_range};
use super::uses::MethodCall;

/// A place where the fixed code takes the lock of `field`.
#[derive(Clone, Debug)]
pub struct LockSite {
    pub field: String,
    /// Byte offset of the field name.
    pub offset: usize,
    /// The field name token.
    pub token: SyntaxToken,
    /// The value whose field is locked, when it is a plain name such as `self` or `mock`.
    pub receiver: Option<String>,
    /// The fixed code binds the guard itself with `let`, so the lock is held to the end of the
    /// block, which the original code at `token` does not show.
    pub held_to_block_end: bool,
}

/// For each method in `methods`, the fields it locks directly or through methods it calls on
/// `self`, starting from what `known` says of methods defined elsewhere.
pub fn locks_by_method(
    methods: &[MethodInfo],
    sites: &[LockSite],
    calls: &[MethodCall],
    known: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut direct: BTreeMap<String, BTreeSet<String>> = known.clone();
    let mut callees: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for method in methods {
        let (start, end) = node_range(method.node.syntax());
        let inside = |offset: usize| start <= offset && offset < end;
        direct.entry(method.name.clone()).or_default().extend(
            sites
                .iter()
                .filter(|site| inside(site.offset))
                .map(|site| site.field.clone()),
        );
        callees.entry(method.name.clone()).or_default().extend(
            calls
                .iter()
                .filter(|call| call.on_self && inside(call.offset))
                .map(|call| call.name.clone()),
        );
    }
    let mut locks = direct;
    loop {
        let mut changed = false;
        for (method, called) in &callees {
            let inherited: BTreeSet<String> = called
                .iter()
                .filter_map(|callee| locks.get(callee))
                .flatten()
                .cloned()
                .collect();
            let own = locks.entry(method.clone()).or_default();
            let before = own.len();
            own.extend(inherited);
            changed |= own.len() != before;
        }
        if !changed {
            return locks;
        }
    }
}

/// Returns why the planned locks are unsafe, if they are: a lock taken again while it is held
/// (directly, or by a method called on the same value), a lock held across `.await`, the value
/// passed to a call that may re-enter it while locked, or two fields locked in both orders.
/// `awaits_allowed` is set for a lock made to be held across `.await`, as `tokio::sync::Mutex` is.
pub fn find_lock_hazard(
    source: &str,
    tokens: &[SyntaxToken],
    sites: &[LockSite],
    calls: &[MethodCall],
    locks: &BTreeMap<String, BTreeSet<String>>,
    awaits_allowed: bool,
) -> Option<String> {
    let mut nested_orders: Vec<(String, String, usize)> = Vec::new();
    for site in sites {
        let (start, end) = held_span(site);
        let inside = |offset: usize| start <= offset && offset < end;
        let line = line_of(source, site.offset);

        for other in sites
            .iter()
            .filter(|other| other.offset != site.offset && inside(other.offset))
        {
            if other.field == site.field {
                // `self.x` and `other.x`, as in a hand-written `eq`, are one mutex when the two
                // values are one.
                if let (Some(first), Some(second)) = (&site.receiver, &other.receiver) {
                    if first != second {
                        return Some(format!(
                            "`{second}.{}` would be locked at line {} while `{first}.{}` taken at line {line} is still held; `{first}` and `{second}` can be the same value, as in `a == a`, and a `std::sync::Mutex` is not re-entrant, so the fix would deadlock; copy the first value out before locking the second, then run mockfix again",
                            other.field,
                            line_of(source, other.offset),
                            site.field,
                        ));
                    }
                }
                return Some(format!(
                    "`{}` would be locked at line {} while the lock taken at line {line} is still held, and a `std::sync::Mutex` is not re-entrant, so the fix would deadlock; release the first borrow earlier, then run mockfix again",
                    site.field,
                    line_of(source, other.offset),
                ));
            }
            // Both locks of one statement live to its end, but the one taken first is not taken
            // while the other is held. Source order is evaluation order, except across the two
            // sides of an assignment, whose right side Rust evaluates first, so both orders
            // count there.
            if other.offset > site.offset || assigned_across(&site.token, &other.token) {
                nested_orders.push((site.field.clone(), other.field.clone(), other.offset));
            }
        }

        // A call locks the same mutex only when it is made on the same value: `self.count()` while
        // `self.calls` is locked, or `mock.count()` while `mock.calls` is.
        let same_value = |call: &&MethodCall| call.receiver.is_some() && call.receiver == site.receiver;
        for call in calls.iter().filter(|call| inside(call.offset)).filter(same_value) {
            let Some(fields) = locks.get(&call.name) else { continue };
            if fields.contains(&site.field) {
                return Some(format!(
                    "`{}` locks `{}` at line {} while the lock taken at line {line} is still held, and a `std::sync::Mutex` is not re-entrant, so the fix would deadlock; release the first borrow earlier, then run mockfix again",
                    call.name,
                    site.field,
                    line_of(source, call.offset),
                ));
            }
            for field in fields {
                nested_orders.push((site.field.clone(), field.clone(), call.offset));
            }
        }

        let span_tokens = tokens_in(tokens, start, end);
        if let Some(receiver) = &site.receiver {
            for (offset, method) in comparisons_of(span_tokens, receiver) {
                let Some(fields) = locks.get(method) else { continue };
                if fields.contains(&site.field) {
                    return Some(format!(
                        "`{receiver}` is compared at line {} while the lock of `{}` taken at line {line} is held, and its `{}` impl takes that lock again, which deadlocks because a `std::sync::Mutex` is not re-entrant; release the borrow before the comparison, then run mockfix again",
                        line_of(source, offset),
                        site.field,
                        if method == "eq" { "PartialEq" } else { "PartialOrd" },
                    ));
                }
                for field in fields {
                    nested_orders.push((site.field.clone(), field.clone(), offset));
                }
            }
        }
        if let Some(await_token) = span_tokens
            .iter()
            .find(|token| token.kind() == T![await])
            .filter(|_| !awaits_allowed)
        {
            return Some(format!(
                "the lock of `{}` taken at line {line} would be held across the `.await` at line {}, which blocks other tasks and makes the future not `Send`; release the borrow before the `.await` and run mockfix again, or make the field a `tokio::sync::Mutex` by hand (mockfix does that itself in packages that depend on tokio)",
                site.field,
                line_of(source, token_range(await_token).0),
            ));
        }
        if let Some(receiver) = &site.receiver {
            if let Some(offset) = passed_as_argument(span_tokens, receiver) {
                return Some(format!(
                    "`{receiver}` is passed to a call at line {} while the lock of `{}` taken at line {line} is held, and that call may lock it again; release the borrow before the call, then run mockfix again",
                    line_of(source, offset),
                    site.field,
                ));
            }
        }
    }

    // Two fields locked in both orders can deadlock two threads.
    for (outer, inner, offset) in &nested_orders {
        if let Some((_, _, reverse_offset)) = nested_orders
            .iter()
            .find(|(other_outer, other_inner, _)| other_outer == inner && other_inner == outer)
        {
            return Some(format!(
                "`{inner}` is locked while `{outer}` is held at line {}, and `{outer}` while `{inner}` is held at line {}, so two threads can deadlock; lock them in one order, then run mockfix again",
                line_of(source, *offset),
                line_of(source, *reverse_offset),
            ));
        }
    }
    None
}

/// Returns the tokens whose start lies in `start..end`.
pub fn tokens_in(tokens: &[SyntaxToken], start: usize, end: usize) -> &[SyntaxToken] {
    let first = tokens.partition_point(|token| token_range(token).0 < start);
    let last = tokens.partition_point(|token| token_range(token).0 < end);
    &tokens[first..last]
}

/// Returns the offset of a call argument that is `receiver` itself, or a reference to it: `f(self)`,
/// `callback(&*self)`, `g(x, &mock)`.
pub fn passed_as_argument(tokens: &[SyntaxToken], receiver: &str) -> Option<usize> {
    for (i, token) in tokens.iter().enumerate() {
        if token.text() != receiver {
            continue;
        }
        let mut before = i;
        while before > 0 && matches!(tokens[before - 1].kind(), T![&] | T![*] | T![mut]) {
            before -= 1;
        }
        let opens_argument = before > 0 && matches!(tokens[before - 1].kind(), T!['('] | T![,]);
        let closes_argument = tokens
            .get(i + 1)
            .is_some_and(|next| matches!(next.kind(), T![')'] | T![,]));
        // `(self)` right after a method name on `Self::` is a call on the same value, which the
        // call graph covers; any other call may call back into it.
        if opens_argument && closes_argument && !is_tuple_or_group(tokens, before - 1) {
            return Some(token_range(token).0);
        }
    }
    None
}

/// Returns the comparisons among `tokens` that compare `receiver` itself or a reference to it,
/// each with its offset and the trait method that it calls. That is `eq` for `self == other`,
/// `*mock != x` and the first two arguments of `assert_eq!` and `assert_ne!`, and `partial_cmp`
/// for `<`, `<=`, `>` and `>=`.
fn comparisons_of(tokens: &[SyntaxToken], receiver: &str) -> Vec<(usize, &'static str)> {
    let mut comparisons = Vec::new();
    for token in tokens.iter().filter(|token| token.text() == receiver) {
        let offset = token_range(token).0;
        if compared_by_assert(token) {
            comparisons.push((offset, "eq"));
            continue;
        }
        let Some(path) = token.parent_ancestors().find_map(ast::PathExpr::cast) else {
            continue;
        };
        if path.syntax().text() != receiver {
            continue;
        }
        let mut operand = path.syntax().clone();
        while let Some(parent) = operand.parent() {
            let wraps = match parent.kind() {
                SyntaxKind::PAREN_EXPR | SyntaxKind::REF_EXPR => true,
                SyntaxKind::PREFIX_EXPR => {
                    ast::PrefixExpr::cast(parent.clone()).and_then(|prefix| prefix.op_kind())
                        == Some(ast::UnaryOp::Deref)
                }
                _ => false,
            };
            if !wraps {
                break;
            }
            operand = parent;
        }
        let Some(comparison) = operand.parent().and_then(ast::BinExpr::cast) else {
            continue;
        };
        match comparison.op_kind() {
            Some(ast::BinaryOp::CmpOp(ast::CmpOp::Eq { .. })) => comparisons.push((offset, "eq")),
            Some(ast::BinaryOp::CmpOp(ast::CmpOp::Ord { .. })) => comparisons.push((offset, "partial_cmp")),
            _ => {}
        }
    }
    comparisons
}

/// Returns whether `token` is one of the two compared arguments of `assert_eq!`, `assert_ne!` or
/// their `debug_` forms, alone or behind `&` and `*`.
fn compared_by_assert(token: &SyntaxToken) -> bool {
    let Some(tree) = token.parent().filter(|parent| parent.kind() == SyntaxKind::TOKEN_TREE) else {
        return false;
    };
    let Some(call) = tree.parent().and_then(ast::MacroCall::cast) else {
        return false;
    };
    let name = call
        .path()
        .and_then(|path| path.segment())
        .and_then(|segment| segment.name_ref())
        .map(|name| name.text().to_string());
    if !matches!(
        name.as_deref(),
        Some("assert_eq" | "assert_ne" | "debug_assert_eq" | "debug_assert_ne")
    ) {
        return false;
    }
    let mut before = previous_significant(token);
    while let Some(prefix) = before.clone().filter(|prefix| matches!(prefix.kind(), T![&] | T![*])) {
        before = previous_significant(&prefix);
    }
    let after = next_significant(token);
    let whole_argument = before.is_some_and(|before| matches!(before.kind(), T!['('] | T![,]))
        && after.is_some_and(|after| matches!(after.kind(), T![,] | T![')']));
    let commas_before = tree
        .children_with_tokens()
        .filter_map(|element| element.into_token())
        .take_while(|other| other != token)
        .filter(|other| other.kind() == T![,])
        .count();
    whole_argument && commas_before < 2
}

/// Returns whether the `(` or `,` at `at` belongs to a tuple or a parenthesised expression rather than
/// to the arguments of a call: a call's `(` follows a name, `>` of a turbofish, or `)`.
fn is_tuple_or_group(tokens: &[SyntaxToken], at: usize) -> bool {
    if tokens[at].kind() != T!['('] {
        return false;
    }
    let Some(before) = at.checked_sub(1).map(|i| &tokens[i]) else {
        return true;
    };
    !matches!(before.kind(), SyntaxKind::IDENT | T![>] | T![')'] | T![self] | T![Self])
}

pub fn line_of(source: &str, offset: usize) -> usize {
    source[..offset].matches('\n').count() + 1
}

/// Returns the byte range during which a lock taken at `token` is held.
///
/// A lock taken in an expression is a temporary: it lives until the end of the enclosing
/// statement, or of a shorter temporary scope such as an `if` condition, a match arm or a closure
/// body. A lock bound with `let` lives until the end of the block.
/// Returns whether `first` and `second` lie on the two sides of one assignment, such as
/// `*x.a.lock().unwrap() = x.b.lock().unwrap().len()`.
fn assigned_across(first: &SyntaxToken, second: &SyntaxToken) -> bool {
    let Some(assignment) = first
        .parent_ancestors()
        .filter_map(ast::BinExpr::cast)
        .filter(|bin| matches!(bin.op_kind(), Some(ast::BinaryOp::Assignment { .. })))
        .find(|bin| {
            let (start, end) = node_range(bin.syntax());
            let offset = token_range(second).0;
            start <= offset && offset < end
        })
    else {
        return false;
    };
    let Some(right) = assignment.rhs() else { return false };
    let right_start = node_range(right.syntax()).0;
    (token_range(first).0 < right_start) != (token_range(second).0 < right_start)
}

/// Returns whether the lock of any of `sites` would be held across an `.await`.
pub fn held_across_await(tokens: &[SyntaxToken], sites: &[LockSite]) -> bool {
    sites.iter().any(|site| {
        let (start, end) = held_span(site);
        tokens_in(tokens, start, end)
            .iter()
            .any(|token| token.kind() == T![await])
    })
}

/// Returns whether the code at `token` runs in an `async` function, block or closure, where a
/// lock can be awaited.
pub fn in_async_context(token: &SyntaxToken) -> bool {
    for node in token.parent_ancestors() {
        if let Some(block) = ast::BlockExpr::cast(node.clone()) {
            if block.async_token().is_some() {
                return true;
            }
        } else if let Some(closure) = ast::ClosureExpr::cast(node.clone()) {
            return closure.async_token().is_some();
        } else if let Some(function) = ast::Fn::cast(node) {
            return function.async_token().is_some();
        }
    }
    false
}

/// Returns the byte range in which the lock taken at `site` is held.
fn held_span(site: &LockSite) -> (usize, usize) {
    if site.held_to_block_end {
        let_scope(&site.token)
    } else {
        lock_span(&site.token)
    }
}

fn lock_span(token: &SyntaxToken) -> (usize, usize) {
    let (start, end) = temporary_scope(token);
    // The statements of a block before the one that takes the lock have run already, so the span
    // starts at that statement, or at the block's tail expression, even when the temporary lives
    // to the end of the block.
    let statement_start = token
        .parent_ancestors()
        .find(|node| {
            node.parent()
                .is_some_and(|parent| parent.kind() == SyntaxKind::STMT_LIST)
        })
        .map_or(start, |statement| node_range(&statement).0);
    (start.max(statement_start.min(end)), end)
}

/// The byte range of the scope whose end drops a temporary lock taken at `token`.
fn temporary_scope(token: &SyntaxToken) -> (usize, usize) {
    let mut previous: Option<SyntaxNode> = None;
    for node in token.parent_ancestors() {
        match node.kind() {
            SyntaxKind::LET_STMT => {
                if binds_lock_guard(&node, token) {
                    let (start, _) = node_range(&node);
                    let block_end = node.parent().map_or(node_range(&node).1, |block| node_range(&block).1);
                    return (start, block_end);
                }
                return node_range(&node);
            }
            SyntaxKind::EXPR_STMT | SyntaxKind::MATCH_ARM => return node_range(&node),
            SyntaxKind::CLOSURE_EXPR => return node_range(&node),
            SyntaxKind::BLOCK_EXPR if node.parent().is_some_and(|parent| parent.kind() == SyntaxKind::FN) => {
                return node_range(&node);
            }
            SyntaxKind::IF_EXPR | SyntaxKind::WHILE_EXPR => {
                if let Some(previous) = &previous {
                    if is_plain_condition(&node, previous) {
                        return node_range(previous);
                    }
                }
            }
            SyntaxKind::BIN_EXPR => {
                let expr = ast::BinExpr::cast(node.clone()).expect("kind checked");
                let lazy = matches!(expr.op_token().map(|op| op.kind()), Some(T![&&]) | Some(T![||]));
                if let (true, Some(rhs), Some(previous)) = (lazy, expr.rhs(), &previous) {
                    if rhs.syntax() == previous {
                        return node_range(previous);
                    }
                }
            }
            _ => {}
        }
        previous = Some(node);
    }
    (0, usize::MAX)
}

/// From the `let` statement that contains `token` to the end of its block.
fn let_scope(token: &SyntaxToken) -> (usize, usize) {
    let Some(statement) = token
        .parent_ancestors()
        .find(|node| node.kind() == SyntaxKind::LET_STMT)
    else {
        return lock_span(token);
    };
    let (start, end) = node_range(&statement);
    let block_end = statement.parent().map_or(end, |block| node_range(&block).1);
    (start, block_end)
}

/// Returns whether `child` is the condition of an `if` or `while` without `let`, which drops its
/// temporaries before the body runs.
fn is_plain_condition(node: &SyntaxNode, child: &SyntaxNode) -> bool {
    let condition = if let Some(if_expr) = ast::IfExpr::cast(node.clone()) {
        if_expr.condition()
    } else {
        ast::WhileExpr::cast(node.clone()).and_then(|while_expr| while_expr.condition())
    };
    condition.is_some_and(|condition| {
        condition.syntax() == child
            && condition.syntax().kind() != SyntaxKind::LET_EXPR
            && !condition
                .syntax()
                .descendants()
                .any(|inner| inner.kind() == SyntaxKind::LET_EXPR)
    })
}

/// Returns whether the `let` keeps the guard of the lock at `token` alive: `let g = self.x.lock()`, or a
/// reference into it such as `let first = &self.x.lock()[0]`, whose temporary is extended.
/// `let n = *self.x.lock();` copies the value and drops the guard at the end of the statement.
fn binds_lock_guard(let_stmt: &SyntaxNode, token: &SyntaxToken) -> bool {
    let Some(mut expr) = ast::LetStmt::cast(let_stmt.clone()).and_then(|stmt| stmt.initializer()) else {
        return false;
    };
    let mut under_borrow = false;
    loop {
        let inner = match &expr {
            ast::Expr::ParenExpr(inner) => inner.expr(),
            ast::Expr::RefExpr(inner) => {
                under_borrow = true;
                inner.expr()
            }
            // Dereferences, fields and indexes keep a temporary alive only under a borrow.
            ast::Expr::PrefixExpr(inner) if under_borrow && inner.op_kind() == Some(ast::UnaryOp::Deref) => {
                inner.expr()
            }
            ast::Expr::FieldExpr(inner) if under_borrow => inner.expr(),
            ast::Expr::IndexExpr(inner) if under_borrow => inner.base(),
            ast::Expr::MethodCallExpr(call) => {
                let Some(ast::Expr::FieldExpr(receiver)) = call.receiver() else {
                    return false;
                };
                return receiver
                    .name_ref()
                    .is_some_and(|name| name.syntax().text_range() == token.text_range());
            }
            _ => return false,
        };
        let Some(inner) = inner else { return false };
        expr = inner;
    }
}

//! Lock discipline: proof that a planned lock is never taken twice by one thread.
//!
//! `std::sync::Mutex` is not re-entrant. Two `RefCell::borrow()` calls may overlap, but the two
//! `lock()` calls that replace them deadlock. This module works out how long each lock lives,
//! following Rust's rules for temporaries, and reports a second lock of the same mutex inside
//! that span, directly or through a method call that locks it.

use std::collections::{BTreeSet, HashMap};

use ra_ap_syntax::ast::{self, AstNode};
use ra_ap_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, T};

use super::index::StructInfo;
use super::text::node_range;
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
}

/// For each method of the struct, the fields it locks directly or through methods it calls on
/// `self`.
pub fn locks_by_method(
    info: &StructInfo,
    sites: &[LockSite],
    calls: &[MethodCall],
) -> HashMap<String, BTreeSet<String>> {
    let mut direct: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut callees: HashMap<String, BTreeSet<String>> = HashMap::new();
    for method in &info.methods {
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

/// Returns a description of the first lock taken while the same lock is already held, if any.
pub fn find_double_lock(
    source: &str,
    sites: &[LockSite],
    calls: &[MethodCall],
    locks: &HashMap<String, BTreeSet<String>>,
) -> Option<String> {
    for site in sites {
        let (start, end) = lock_span(&site.token);
        let inside = |offset: usize| start <= offset && offset < end;
        for other in sites
            .iter()
            .filter(|other| other.field == site.field && other.offset != site.offset)
        {
            if inside(other.offset) {
                return Some(format!(
                    "`{}` would be locked at line {} while the lock taken at line {} is still held, and a `std::sync::Mutex` is not re-entrant",
                    site.field,
                    line_of(source, other.offset),
                    line_of(source, site.offset),
                ));
            }
        }
        // A call locks the same mutex only when it is made on the same value: `self.count()` while
        // `self.calls` is locked, or `mock.count()` while `mock.calls` is.
        let same_value = |call: &&MethodCall| call.receiver.is_some() && call.receiver == site.receiver;
        for call in calls.iter().filter(|call| inside(call.offset)).filter(same_value) {
            if locks.get(&call.name).is_some_and(|fields| fields.contains(&site.field)) {
                return Some(format!(
                    "`{}` locks `{}` at line {} while the lock taken at line {} is still held, and a `std::sync::Mutex` is not re-entrant",
                    call.name,
                    site.field,
                    line_of(source, call.offset),
                    line_of(source, site.offset),
                ));
            }
        }
    }
    None
}

pub fn line_of(source: &str, offset: usize) -> usize {
    source[..offset].matches('\n').count() + 1
}

/// The byte range during which a lock taken at `token` is held.
///
/// A lock taken in an expression is a temporary: it lives until the end of the enclosing
/// statement, or of a shorter temporary scope such as an `if` condition, a match arm or a closure
/// body. A lock bound with `let` lives until the end of the block.
fn lock_span(token: &SyntaxToken) -> (usize, usize) {
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

/// Whether `child` is the condition of an `if` or `while` without `let`, which drops its
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

/// Whether the `let` keeps the guard of the lock at `token` alive: `let g = self.x.lock()`, or a
/// reference into it such as `let first = &self.x.lock()[0]`.
fn binds_lock_guard(let_stmt: &SyntaxNode, token: &SyntaxToken) -> bool {
    let Some(mut expr) = ast::LetStmt::cast(let_stmt.clone()).and_then(|stmt| stmt.initializer()) else {
        return false;
    };
    loop {
        expr = match expr {
            ast::Expr::ParenExpr(inner) => match inner.expr() {
                Some(inner) => inner,
                None => return false,
            },
            ast::Expr::RefExpr(inner) => match inner.expr() {
                Some(inner) => inner,
                None => return false,
            },
            ast::Expr::PrefixExpr(inner) if inner.op_kind() == Some(ast::UnaryOp::Deref) => match inner.expr() {
                Some(inner) => inner,
                None => return false,
            },
            ast::Expr::FieldExpr(inner) => match inner.expr() {
                Some(inner) => inner,
                None => return false,
            },
            ast::Expr::IndexExpr(inner) => match inner.base() {
                Some(inner) => inner,
                None => return false,
            },
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
    }
}

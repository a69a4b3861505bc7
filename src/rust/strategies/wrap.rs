//! The wrap strategy: each `RefCell<T>` field of a double becomes `std::sync::Mutex<T>`.
//!
//! ```text
//! struct MockMailer { sent: RefCell<Vec<String>> }        struct MockMailer { sent: Mutex<Vec<String>> }
//! self.sent.borrow_mut().push(to.into());          =>     self.sent.lock().unwrap().push(to.into());
//! Self { sent: RefCell::new(Vec::new()) }                 Self { sent: Mutex::new(Vec::new()) }
//! ```
//!
//! `.borrow()` and `.borrow_mut()` both become a lock, `.take()` and `.replace(v)` become
//! `std::mem::take` and `std::mem::replace` on the locked value, and `.into_inner()` and
//! `.get_mut()` unwrap the `LockResult` that `Mutex` returns. Any other use of the field makes the
//! fix one that needs review, and two locks of one field that would be held at once make it no
//! fix at all.

use ra_ap_syntax::ast::{self, AstNode, HasArgList, HasGenericArgs, HasName};

use super::{derive_blocker, mutex_name_conflict, struct_literals, PlanContext};
use crate::edit::TextEdit;
use crate::fix::{Applicability, Finding, Fix};
use crate::rust::discipline::{find_double_lock, line_of, locks_by_method, LockSite};
use crate::rust::index::{FieldInfo, FieldKind, StructInfo};
use crate::rust::text::{node_range, token_range};
use crate::rust::uses::{field_accesses, method_calls, AccessKind};

/// Methods of `RefCell` other than `borrow` and `borrow_mut`, which mockfix cannot convert.
const REFCELL_METHODS: &[&str] = &[
    "try_borrow",
    "try_borrow_mut",
    "try_borrow_unguarded",
    "replace_with",
    "swap",
    "as_ptr",
    "undo_leak",
];

pub fn plan(ctx: &PlanContext, info: &StructInfo) -> Option<Finding> {
    let cells: Vec<&str> = info
        .fields_of_kind(FieldKind::RefCell)
        .map(|field| field.name.as_str())
        .collect();
    if cells.is_empty() {
        return None;
    }
    let field_list = cells
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut finding = Finding {
        rule_id: ctx.rule.id.clone(),
        struct_name: info.name.clone(),
        name_range: info.node.name().map(|name| node_range(name.syntax())).unwrap_or_else(|| node_range(info.node.syntax())),
        message: format!(
            "`{}` keeps its state in `RefCell` field{} {field_list}, so it is not `Sync`: sharing it between threads does not compile, and forcing it with `unsafe impl Sync` is a data race",
            info.name,
            if cells.len() == 1 { "" } else { "s" },
        ),
        changed_fields: cells.iter().map(|name| name.to_string()).collect(),
        fix: None,
        unfixable_reason: None,
    };
    if let Some(reason) = derive_blocker(info).or_else(|| mutex_name_conflict(ctx, info)) {
        finding.unfixable_reason = Some(reason);
        return Some(finding);
    }

    let mut planner = WrapPlanner {
        ctx,
        info,
        edits: Vec::new(),
        review: Vec::new(),
        lock_sites: Vec::new(),
    };
    planner.rewrite_field_types();
    planner.rewrite_constructors(&cells);
    planner.rewrite_accesses(&cells);

    let method_names: Vec<&str> = info.methods.iter().map(|method| method.name.as_str()).collect();
    let calls = method_calls(ctx.index, &method_names);
    let locks = locks_by_method(info, &planner.lock_sites, &calls);
    if let Some(reason) = find_double_lock(ctx.source, &planner.lock_sites, &calls, &locks) {
        finding.unfixable_reason = Some(format!(
            "{reason}, so the fix would deadlock; release the first borrow earlier, then run mockfix again"
        ));
        return Some(finding);
    }

    let (applicability, review_reason) = match planner.review.first() {
        None => (Applicability::Safe, None),
        Some(_) => (Applicability::NeedsReview, Some(planner.review.join("; "))),
    };
    finding.fix = Some(Fix {
        title: format!("Replace `RefCell` with `Mutex` in `{}`", info.name),
        applicability,
        review_reason,
        edits: planner.edits,
    });
    Some(finding)
}

struct WrapPlanner<'a> {
    ctx: &'a PlanContext<'a>,
    info: &'a StructInfo,
    edits: Vec<TextEdit>,
    /// Reasons why the fix needs review.
    review: Vec<String>,
    lock_sites: Vec<LockSite>,
}

impl WrapPlanner<'_> {
    fn line(&self, offset: usize) -> usize {
        line_of(self.ctx.source, offset)
    }

    /// `RefCell<T>` and `std::cell::RefCell<T>` become `Mutex<T>`.
    fn rewrite_field_types(&mut self) {
        for field in self.info.fields_of_kind(FieldKind::RefCell) {
            let Some(ast::Type::PathType(path_type)) = field.node.ty() else {
                continue;
            };
            let Some(path) = path_type.path() else { continue };
            let Some(generic_args) = path.segment().and_then(|segment| segment.generic_arg_list()) else {
                continue;
            };
            let (start, _) = node_range(path.syntax());
            let (args_start, _) = node_range(generic_args.syntax());
            self.edits.push(TextEdit::replace(start, args_start, "Mutex"));

            let inner = generic_args.syntax().text().to_string();
            if ["Rc<", "Cell<", "*const", "*mut"]
                .iter()
                .any(|marker| inner.contains(marker))
                || (inner.contains("dyn ") && !inner.contains("Send"))
            {
                self.review.push(format!(
                    "the value in `{}` ({}) may not be `Send`, and `Mutex<T>` is `Sync` only when `T` is `Send`",
                    field.name,
                    inner.trim_start_matches('<').trim_end_matches('>')
                ));
            }
        }
    }

    /// `RefCell::new(x)` in the struct's literals becomes `Mutex::new(x)`.
    fn rewrite_constructors(&mut self, cells: &[&str]) {
        for literal in struct_literals(self.ctx, self.info) {
            let Some(list) = literal.record_expr_field_list() else {
                continue;
            };
            for field in list.fields() {
                let Some(name) = field.field_name() else { continue };
                if !cells.iter().any(|cell| name.text() == *cell) {
                    continue;
                }
                let start = node_range(field.syntax()).0;
                let Some(value) = field.expr().filter(|_| field.colon_token().is_some()) else {
                    self.review.push(format!(
                        "`{name}` is initialised by shorthand at line {}, which mockfix cannot convert to a `Mutex`",
                        self.line(start)
                    ));
                    continue;
                };
                if let Some(edit) = rewrite_cell_constructor(&value) {
                    self.edits.push(edit);
                } else if !is_default_call(&value) {
                    self.review.push(format!(
                        "`{name}` is initialised with `{}` at line {}, which mockfix cannot convert to a `Mutex`",
                        value.syntax().text(),
                        self.line(start)
                    ));
                }
            }
        }
    }

    fn rewrite_accesses(&mut self, cells: &[&str]) {
        let index = self.ctx.index;
        let other_fields: Vec<&FieldInfo> = index
            .structs
            .iter()
            .filter(|other| other.node.syntax() != self.info.node.syntax())
            .flat_map(|other| other.fields.iter())
            .collect();
        let lock_call = self.ctx.rule.lock.lock_call();
        let unwrap_call = &lock_call["lock()".len()..];

        for access in field_accesses(index, cells) {
            let line = LineOf {
                source: self.ctx.source,
                offset: access.offset,
            };
            let on_own_self = access.on_self && self.info.impl_contains(access.offset);
            if access.on_self && !on_own_self {
                // `self.calls` inside the impl of some other type is that type's field.
                continue;
            }
            let namesakes: Vec<&&FieldInfo> = other_fields.iter().filter(|field| field.name == access.field).collect();
            if !on_own_self && !namesakes.is_empty() {
                // Another struct has a field of this name, and the receiver's type is unknown. A call
                // that `RefCell` does not have is on the other struct's field; a `RefCell` call is
                // ours unless the other field is a `RefCell` too.
                let refcell_call = match &access.kind {
                    AccessKind::OtherMethod(name) => REFCELL_METHODS.contains(&name.as_str()),
                    AccessKind::Load | AccessKind::Store => false,
                    _ => true,
                };
                let namesake_is_cell = namesakes.iter().any(|field| field.kind == FieldKind::RefCell);
                if !refcell_call {
                    continue;
                }
                if namesake_is_cell || matches!(access.kind, AccessKind::Other) {
                    self.review.push(format!(
                        "`.{}` at line {line} may belong to another struct of this file with a field of that name, so it was left unchanged",
                        access.field
                    ));
                    continue;
                }
            }
            let method = access.method_tokens(index);
            let name_token = &index.tokens[access.dot_index + 1];
            let site = LockSite {
                field: access.field.clone(),
                offset: access.offset,
                token: name_token.clone(),
                receiver: access.receiver.clone(),
            };
            match &access.kind {
                AccessKind::Borrow => {
                    let (start, _) = token_range(&method[1]);
                    let (_, end) = token_range(&method[3]);
                    self.edits.push(TextEdit::replace(start, end, lock_call));
                    self.lock_sites.push(site);
                }
                AccessKind::Unlocked => {
                    let (_, end) = token_range(&method[3]);
                    self.edits.push(TextEdit::insert(end, unwrap_call));
                }
                AccessKind::Take | AccessKind::Replace if !access.in_macro => {
                    if self.rewrite_mem_call(&access.kind, name_token, lock_call) {
                        self.lock_sites.push(site);
                    } else {
                        self.review
                            .push(format!("`.{}` at line {line} could not be rewritten", access.field));
                    }
                }
                AccessKind::OtherMethod(name) => self.review.push(format!(
                    "`.{}.{name}(..)` at line {line} has no `Mutex` equivalent and was left unchanged",
                    access.field
                )),
                _ => self.review.push(format!(
                    "`.{}` at line {line} is used as a `RefCell` and was left unchanged",
                    access.field
                )),
            }
        }
    }

    /// `x.cell.take()` becomes `std::mem::take(&mut *x.cell.lock().unwrap())`, and
    /// `x.cell.replace(v)` becomes `std::mem::replace(&mut *x.cell.lock().unwrap(), v)`.
    fn rewrite_mem_call(&mut self, kind: &AccessKind, name_token: &ra_ap_syntax::SyntaxToken, lock_call: &str) -> bool {
        let Some(field_expr) = name_token.parent_ancestors().find_map(ast::FieldExpr::cast) else {
            return false;
        };
        let Some(call) = field_expr.syntax().parent().and_then(ast::MethodCallExpr::cast) else {
            return false;
        };
        let (Some(dot), Some(args)) = (call.dot_token(), call.arg_list()) else {
            return false;
        };
        let (receiver_start, _) = node_range(field_expr.syntax());
        let (dot_start, _) = token_range(&dot);
        let Some(l_paren) = args.l_paren_token() else {
            return false;
        };
        let (_, l_paren_end) = token_range(&l_paren);
        match kind {
            AccessKind::Take => {
                self.edits
                    .push(TextEdit::insert(receiver_start, "std::mem::take(&mut *"));
                self.edits.push(TextEdit::replace(
                    dot_start,
                    node_range(call.syntax()).1,
                    format!(".{lock_call})"),
                ));
            }
            _ => {
                self.edits
                    .push(TextEdit::insert(receiver_start, "std::mem::replace(&mut *"));
                self.edits
                    .push(TextEdit::replace(dot_start, l_paren_end, format!(".{lock_call}, ")));
            }
        }
        true
    }
}

/// `RefCell::new(x)`, `RefCell::default()` or `std::cell::RefCell::from(x)`: the edit that names
/// `Mutex` instead.
fn rewrite_cell_constructor(value: &ast::Expr) -> Option<TextEdit> {
    let ast::Expr::CallExpr(call) = value else { return None };
    let ast::Expr::PathExpr(callee) = call.expr()? else {
        return None;
    };
    let path = callee.path()?;
    let function = path.segment()?.name_ref()?;
    if !["new", "default", "from"].iter().any(|name| function.text() == *name) {
        return None;
    }
    let qualifier = path.qualifier()?;
    let type_name = qualifier.segment()?.name_ref()?;
    if type_name.text() != "RefCell" || qualifier.segment()?.generic_arg_list().is_some() {
        return None;
    }
    let (start, end) = node_range(qualifier.syntax());
    Some(TextEdit::replace(start, end, "Mutex"))
}

fn is_default_call(value: &ast::Expr) -> bool {
    let text: String = value
        .syntax()
        .text()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    matches!(text.as_str(), "Default::default()" | "std::default::Default::default()")
}

/// The line number of an offset, counted only when a message prints it: counting it for every
/// access is quadratic in the size of the file.
struct LineOf<'a> {
    source: &'a str,
    offset: usize,
}

impl std::fmt::Display for LineOf<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", line_of(self.source, self.offset))
    }
}

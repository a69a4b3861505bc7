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

use std::collections::{BTreeMap, BTreeSet};

use super::derived_impls::{self, Reads, Storage};
use super::{
    cell_derive_blocker, constructor_qualifier, first_use, is_default_call, struct_literals, target_accesses,
    PlanContext, Target,
};
use crate::config::Rule;
use crate::edit::TextEdit;
use crate::fix::{Applicability, Conversion, Finding, Fix};
use crate::rust::discipline::{line_of, LockSite};
use crate::rust::index::{FieldKind, StructInfo};
use crate::rust::text::{node_range, token_range};
use crate::rust::uses::AccessKind;

/// The methods of `RefCell`.
const REFCELL_METHODS: &[&str] = &[
    "borrow",
    "borrow_mut",
    "take",
    "replace",
    "into_inner",
    "get_mut",
    "try_borrow",
    "try_borrow_mut",
    "try_borrow_unguarded",
    "replace_with",
    "swap",
    "as_ptr",
    "undo_leak",
];

pub fn plan(ctx: &PlanContext, rule: &Rule, info: &StructInfo) -> Option<Finding> {
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
        rule_id: rule.id.clone(),
        struct_name: info.name.clone(),
        name_range: info.node.name().map(|name| node_range(name.syntax())).unwrap_or_else(|| node_range(info.node.syntax())),
        message: format!(
            "`{}` keeps its state in `RefCell` field{} {field_list}, so it is not `Sync`: sharing it between threads does not compile, and forcing it with `unsafe impl Sync` is a data race",
            info.name,
            if cells.len() == 1 { "" } else { "s" },
        ),
        changed_fields: cells.iter().map(|name| name.to_string()).collect(),
        related: Vec::new(),
        fix: None,
        unfixable_reason: None,
    };
    if let Some(reason) = cell_derive_blocker(info, "RefCell") {
        finding.unfixable_reason = Some(reason);
        return Some(finding);
    }

    let lock_call = rule.lock.lock_call();
    let mut planner = WrapPlanner::new(ctx, Target::defined(info), lock_call);
    planner.rewrite_field_types();
    planner.rewrite_constructors(&cells);
    planner.rewrite_accesses(&cells);
    finding.related = first_use(ctx, &planner.target, &cells, "used");
    let locks = match planner.check_locks(&derived_impls::method_locks(info, &cells)) {
        Ok(locks) => locks,
        Err(reason) => {
            finding.unfixable_reason = Some(reason);
            return Some(finding);
        }
    };
    let storage_of = |field: &crate::rust::index::FieldInfo| {
        if cells.contains(&field.name.as_str()) {
            Storage::Mutex
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

    let (applicability, review_reason) = match planner.review.first() {
        None => (Applicability::Safe, None),
        Some(_) => (Applicability::NeedsReview, Some(planner.review.join("; "))),
    };
    finding.fix = Some(Fix {
        title: format!("Replace `RefCell` with `Mutex` in `{}`", info.name),
        applicability,
        review_reason,
        edits: planner.edits,
        conversion: Conversion::Wrap {
            fields: finding.changed_fields.clone(),
            lock_call: lock_call.to_string(),
            method_locks: locks,
        },
    });
    Some(finding)
}

/// The edits at the uses of a wrapped double declared in another file, or why they cannot be made.
pub struct ForeignPlan {
    pub edits: Vec<TextEdit>,
    /// Reasons why the double's fix needs review, or why it would deadlock, found in this file.
    pub problems: Vec<String>,
}

/// Plans the uses of the double `name`, whose `fields` another file's fix turned into mutexes.
pub fn plan_foreign(
    ctx: &PlanContext,
    name: &str,
    fields: &[String],
    lock_call: &str,
    method_locks: &BTreeMap<String, BTreeSet<String>>,
) -> ForeignPlan {
    let cells: Vec<&str> = fields.iter().map(String::as_str).collect();
    let mut planner = WrapPlanner::new(ctx, Target::foreign(ctx.index, name), lock_call);
    planner.rewrite_constructors(&cells);
    planner.rewrite_accesses(&cells);
    let mut problems = planner.review.clone();
    if let Err(reason) = planner.check_locks(method_locks) {
        problems.push(reason);
    }
    ForeignPlan {
        edits: planner.edits,
        problems,
    }
}

struct WrapPlanner<'a> {
    ctx: &'a PlanContext<'a>,
    target: Target<'a>,
    lock_call: &'a str,
    edits: Vec<TextEdit>,
    /// Reasons why the fix needs review.
    review: Vec<String>,
    lock_sites: Vec<LockSite>,
}

impl<'a> WrapPlanner<'a> {
    fn new(ctx: &'a PlanContext<'a>, target: Target<'a>, lock_call: &'a str) -> WrapPlanner<'a> {
        WrapPlanner {
            ctx,
            target,
            lock_call,
            edits: Vec::new(),
            review: Vec::new(),
            lock_sites: Vec::new(),
        }
    }

    /// Checks the planned locks for deadlocks and returns what each method locks.
    fn check_locks(
        &self,
        known: &BTreeMap<String, BTreeSet<String>>,
    ) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
        super::check_locks(self.ctx, &self.target, &self.lock_sites, known)
    }

    fn line(&self, offset: usize) -> usize {
        line_of(self.ctx.source, offset)
    }

    /// `RefCell<T>` and `std::cell::RefCell<T>` become `Mutex<T>`.
    fn rewrite_field_types(&mut self) {
        let Some(info) = self.target.definition else { return };
        for field in info.fields_of_kind(FieldKind::RefCell) {
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
        for literal in struct_literals(self.ctx, &self.target) {
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
                if let Some((start, end)) = constructor_qualifier(&value, "RefCell") {
                    self.edits.push(TextEdit::replace(start, end, "Mutex"));
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
        let lock_call = self.lock_call;
        let unwrap_call = &lock_call["lock()".len()..];
        let accesses = target_accesses(
            self.ctx,
            &self.target,
            cells,
            FieldKind::RefCell,
            REFCELL_METHODS,
            &mut self.review,
        );

        for access in accesses {
            let line = self.line(access.offset);
            let method = access.method_tokens(index);
            let name_token = &index.tokens()[access.dot_index + 1];
            let site = LockSite {
                held_to_block_end: false,
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

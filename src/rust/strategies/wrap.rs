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
//!
//! A borrow that the code holds across `.await` cannot become a `std::sync::Mutex` guard: the
//! future would stop being `Send`, and a task blocked on the lock would stall its thread. When
//! the rule allows it and the package depends on tokio, the field becomes a
//! `tokio::sync::Mutex<T>` locked with `.lock().await` instead, as long as every use of it is in
//! async code.

use ra_ap_syntax::ast::{self, AstNode, HasArgList, HasGenericArgs, HasName};
use ra_ap_syntax::{SyntaxKind, T};

use std::collections::{BTreeMap, BTreeSet};

use super::derived_impls::{self, Reads, Storage};
use super::unsafe_sync::certainly_not_send;
use super::{
    async_lock_derive_blocker, cell_derive_blocker, depends_on_tokio, first_use, rewrite_cell_constructors,
    rewrite_cell_field_types, target_accesses, LockStyle, PlanContext, Refusal, Target,
};
use crate::config::{AsyncLock, Rule};
use crate::edit::TextEdit;
use crate::fix::{Applicability, CellField, Conversion, Finding, Fix};
use crate::rust::discipline::{held_across_await, in_async_context, line_of, LockSite};
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
    if let Some(reason) = cell_derive_blocker(info, "RefCell").or_else(|| derived_impls::mixed_cells_blocker(info)) {
        finding.unfixable_reason = Some(reason);
        return Some(finding);
    }

    let blocking = LockStyle::blocking(rule.lock.lock_call());
    let (planner, locks) = match plan_in_file(ctx, rule, info, &cells, blocking, &mut finding) {
        Ok(planned) => planned,
        Err(refusal) if refusal.across_await && rule.async_lock == AsyncLock::Tokio && depends_on_tokio(ctx) => {
            match plan_in_file(ctx, rule, info, &cells, LockStyle::TOKIO, &mut finding) {
                Ok(planned) => planned,
                Err(refusal) => {
                    finding.unfixable_reason = Some(refusal.reason);
                    return Some(finding);
                }
            }
        }
        Err(refusal) => {
            finding.unfixable_reason = Some(refusal.reason);
            return Some(finding);
        }
    };
    let (applicability, review_reason) = Applicability::from_reasons(&planner.unfinished, &planner.review);
    finding.fix = Some(Fix {
        title: format!(
            "Replace `RefCell` with `{}` in `{}`",
            planner.style.mutex_type, info.name
        ),
        applicability,
        review_reason,
        edits: planner.edits,
        conversion: Conversion::Wrap {
            fields: finding.changed_fields.clone(),
            mutex_type: planner.style.mutex_type.to_string(),
            lock_call: planner.style.lock_call.to_string(),
            method_locks: locks,
        },
    });
    Some(finding)
}

/// Plans the fix of the double `info` with locks of `style`, in its own file, and returns the
/// planner with its edits and what each method locks. `finding` gets the related locations.
fn plan_in_file<'a>(
    ctx: &'a PlanContext<'a>,
    rule: &Rule,
    info: &'a StructInfo,
    cells: &[&str],
    style: LockStyle<'a>,
    finding: &mut Finding,
) -> Result<(WrapPlanner<'a>, BTreeMap<String, BTreeSet<String>>), Refusal> {
    let refusal = |reason: String| Refusal {
        reason,
        across_await: false,
    };

    let mut planner = WrapPlanner::new(ctx, Target::defined(info), style);
    planner.rewrite_field_types();
    planner.rewrite_borrow_types().map_err(refusal)?;
    planner.rewrite_constructors(cells);
    planner.rewrite_accesses(cells);
    finding.related = first_use(ctx, &planner.target, cells, "used");

    let locks = planner
        .check_locks(&derived_impls::method_locks(info, cells))
        .map_err(|reason| Refusal {
            across_await: !style.awaits && held_across_await(ctx.index.tokens(), &planner.lock_sites),
            reason,
        })?;
    if let Some(reason) = planner.sync_context_lock() {
        return Err(refusal(reason));
    }
    // The derived impls lock the fields in functions that are not async.
    if let Some(reason) = style.awaits.then(|| async_lock_derive_blocker(info)).flatten() {
        return Err(refusal(reason));
    }

    let storage_of = |field: &crate::rust::index::FieldInfo| {
        if cells.contains(&field.name.as_str()) {
            Storage::Mutex
        } else {
            Storage::Plain
        }
    };
    let reads = Reads {
        lock_call: style.lock_call,
        load_ordering: rule.ordering.names().0,
    };
    let edits = derived_impls::plan(ctx.source, info, storage_of, reads).map_err(refusal)?;
    planner.edits.extend(edits);
    Ok((planner, locks))
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
    style: LockStyle,
    method_locks: &BTreeMap<String, BTreeSet<String>>,
) -> ForeignPlan {
    let cells: Vec<&str> = fields.iter().map(String::as_str).collect();
    let mut planner = WrapPlanner::new(ctx, Target::foreign(ctx.index, name), style);
    planner.rewrite_constructors(&cells);
    planner.rewrite_accesses(&cells);
    let mut problems = planner.review.clone();
    if let Err(reason) = planner.check_locks(method_locks) {
        problems.push(reason);
    }
    problems.extend(planner.sync_context_lock());
    ForeignPlan {
        edits: planner.edits,
        problems,
    }
}

struct WrapPlanner<'a> {
    ctx: &'a PlanContext<'a>,
    target: Target<'a>,
    style: LockStyle<'a>,
    edits: Vec<TextEdit>,
    /// Reasons why the fix needs review.
    review: Vec<String>,
    /// Reasons the fix is known to leave the double unsynchronized, which make it display-only.
    unfinished: Vec<String>,
    lock_sites: Vec<LockSite>,
}

impl<'a> WrapPlanner<'a> {
    fn new(ctx: &'a PlanContext<'a>, target: Target<'a>, style: LockStyle<'a>) -> WrapPlanner<'a> {
        WrapPlanner {
            ctx,
            target,
            style,
            edits: Vec::new(),
            review: Vec::new(),
            unfinished: Vec::new(),
            lock_sites: Vec::new(),
        }
    }

    /// Checks the planned locks for deadlocks and returns what each method locks.
    fn check_locks(
        &self,
        known: &BTreeMap<String, BTreeSet<String>>,
    ) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
        super::check_locks(self.ctx, &self.target, &self.lock_sites, known, self.style.awaits)
    }

    /// Returns why the fix cannot use an async lock: a lock planned outside async code, where
    /// it cannot be awaited.
    fn sync_context_lock(&self) -> Option<String> {
        if !self.style.awaits {
            return None;
        }
        let site = self.lock_sites.iter().find(|site| !in_async_context(&site.token))?;
        Some(format!(
            "`{}` is held across `.await`, so it needs a `tokio::sync::Mutex`, but it is also used outside async code at line {}, where that lock cannot be awaited; make that code async or release the borrow before the `.await`, then run mockfix again",
            site.field,
            self.line(site.offset)
        ))
    }

    fn line(&self, offset: usize) -> usize {
        line_of(self.ctx.source, offset)
    }

    /// `RefCell<T>` and `std::cell::RefCell<T>` become `Mutex<T>`.
    fn rewrite_field_types(&mut self) {
        let Some(info) = self.target.definition else { return };
        let cells: Vec<CellField> = info
            .fields_of_kind(FieldKind::RefCell)
            .map(|field| CellField {
                name: field.name.clone(),
                atomic: None,
            })
            .collect();
        self.edits.extend(rewrite_cell_field_types(
            info,
            FieldKind::RefCell,
            &cells,
            self.style.mutex_type,
        ));

        for field in info.fields_of_kind(FieldKind::RefCell) {
            let Some(ast::Type::PathType(path_type)) = field.node.ty() else {
                continue;
            };
            let Some(generic_args) = path_type
                .path()
                .and_then(|path| path.segment())
                .and_then(|segment| segment.generic_arg_list())
            else {
                continue;
            };
            let inner = generic_args.syntax().text().to_string();
            if ["Rc<", "Cell<", "*const", "*mut"]
                .iter()
                .any(|marker| inner.contains(marker))
                || (inner.contains("dyn ") && !inner.contains("Send"))
            {
                let value = inner
                    .strip_prefix('<')
                    .and_then(|rest| rest.strip_suffix('>'))
                    .unwrap_or(&inner);
                // A value that is certainly not `Send` leaves the double not `Sync`, and the rule
                // would no longer report it, so the fix is display-only.
                if certainly_not_send(value) {
                    self.unfinished.push(format!(
                        "the value in `{}` ({value}) is not `Send`, and `Mutex<T>` is `Sync` only when `T` is `Send`, so the double still cannot be shared between threads; make the value `Send` by hand first, such as an `Arc` in place of an `Rc`",
                        field.name
                    ));
                } else {
                    self.review.push(format!(
                        "the value in `{}` ({value}) may not be `Send`, and `Mutex<T>` is `Sync` only when `T` is `Send`",
                        field.name
                    ));
                }
            }
        }
    }

    /// `Ref<'_, T>` and `RefMut<'_, T>` in the return types of the double's methods become
    /// `MutexGuard<'_, T>`, since the borrows they returned become locks. That needs review,
    /// because a caller may hold two such borrows at once, which `RefCell` allows and a lock does
    /// not. Returns why the fix cannot be made when the impls call `Ref::map` or other functions
    /// of `Ref`, which `MutexGuard` has no stable counterpart of.
    fn rewrite_borrow_types(&mut self) -> Result<(), String> {
        let guard_type = match self.style.awaits {
            true => "tokio::sync::MutexGuard",
            false => "MutexGuard",
        };
        for method in &self.target.methods {
            let Some(ret_type) = method.node.ret_type() else {
                continue;
            };
            for path_type in ret_type.syntax().descendants().filter_map(ast::PathType::cast) {
                let Some(path) = path_type.path() else { continue };
                let Some(segment) = path.segment() else { continue };
                let is_borrow = segment
                    .name_ref()
                    .is_some_and(|name| name.text() == "Ref" || name.text() == "RefMut");
                let from_cell = path.qualifier().is_none_or(|qualifier| {
                    qualifier
                        .segment()
                        .and_then(|segment| segment.name_ref())
                        .is_some_and(|name| name.text() == "cell")
                });
                let Some(args) = segment.generic_arg_list().filter(|_| is_borrow && from_cell) else {
                    continue;
                };
                let (start, _) = node_range(path.syntax());
                let (args_start, _) = node_range(args.syntax());
                self.edits.push(TextEdit::replace(start, args_start, guard_type));
                let borrow = segment
                    .name_ref()
                    .map(|name| name.text().to_string())
                    .unwrap_or_default();
                // Two `Ref`s of one cell coexist, but a `RefMut` with any other borrow panics.
                let before = match borrow.as_str() {
                    "Ref" => "where it used to share the borrow",
                    _ => "where `RefCell` used to panic",
                };
                self.review.push(format!(
                    "`{}` returned a `{borrow}` and now returns a lock guard, so a caller that holds it while calling the double again waits forever {before}",
                    method.name,
                ));
            }
        }
        let tokens = self.ctx.index.tokens();
        for (i, token) in tokens.iter().enumerate() {
            let names_borrow = token.kind() == SyntaxKind::IDENT && (token.text() == "Ref" || token.text() == "RefMut");
            let is_path = tokens.get(i + 1).is_some_and(|next| next.kind() == T![::]);
            let offset = token_range(token).0;
            if names_borrow && is_path && self.target.impl_contains(offset) {
                return Err(format!(
                    "`{}` calls a function of `{}` at line {}, which `MutexGuard` has no stable counterpart of; return the value or a clone instead, then run mockfix again",
                    self.target.name,
                    token.text(),
                    self.line(offset)
                ));
            }
        }
        Ok(())
    }

    /// `RefCell::new(x)` where the double is built becomes `Mutex::new(x)`.
    fn rewrite_constructors(&mut self, cells: &[&str]) {
        let fields: Vec<CellField> = cells
            .iter()
            .map(|name| CellField {
                name: name.to_string(),
                atomic: None,
            })
            .collect();
        let edits = rewrite_cell_constructors(
            self.ctx,
            &self.target,
            &fields,
            "RefCell",
            self.style.mutex_type,
            &mut self.review,
        );
        self.edits.extend(edits);
    }

    fn rewrite_accesses(&mut self, cells: &[&str]) {
        let index = self.ctx.index;
        let lock_call = self.style.lock_call;
        let unwrap_call = self.style.unlocked_suffix;
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

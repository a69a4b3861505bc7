//! The guard strategy: a `mutex: Mutex<()>` field, locked at the start of every `&self` method
//! that touches the double's state, so that each method's steps happen as one.
//!
//! ```text
//! pub fn hit(&self) {                                  pub fn hit(&self) {
//!     let n = self.hits.load(Ordering::SeqCst);  =>        let _guard = self.mutex.lock().unwrap();
//!     self.hits.store(n + 1, Ordering::SeqCst);            let n = self.hits.load(Ordering::SeqCst);
//! }                                                        self.hits.store(n + 1, Ordering::SeqCst);
//!                                                      }
//! ```
//!
//! `std::sync::Mutex` is not re-entrant, so the guard goes only where no path can lock it twice:
//! a method that only delegates to other methods on `self` gets none, and neither does a private
//! helper that is called only from guarded methods. When a guarded method still reaches another
//! guarded method, there is no fix and the finding names the call chain.

use std::collections::{BTreeSet, HashMap};

use ra_ap_syntax::ast::{self, AstNode, HasName};

use super::{derive_blocker, mutex_name_conflict, struct_literals, PlanContext};
use crate::edit::TextEdit;
use crate::fix::{Applicability, Finding, Fix};
use crate::rust::discipline::line_of;
use crate::rust::index::{FieldKind, MethodInfo, SelfKind, StructInfo};
use crate::rust::text::{append_to_braced_list, indentation_at, line_ending_at, line_start, node_range, token_range};
use crate::rust::uses::{field_accesses, method_calls, AccessKind, MethodCall};

pub fn plan(ctx: &PlanContext, info: &StructInfo) -> Option<Finding> {
    let atomics: Vec<&str> = info
        .fields_of_kind(FieldKind::Atomic)
        .map(|field| field.name.as_str())
        .collect();
    if atomics.is_empty() {
        return None;
    }
    let accesses: Vec<_> = field_accesses(ctx.index, &atomics)
        .into_iter()
        .filter(|access| access.on_self && info.impl_contains(access.offset))
        .collect();
    let method_at = |offset: usize| {
        info.methods.iter().find(|method| {
            let (start, end) = node_range(method.node.syntax());
            start <= offset && offset < end
        })
    };

    // The rule is about two-step updates: a load of a field followed by a store to it in one method.
    // FIXME: a load made through a getter (`let n = self.hits(); self.hits.store(n + 1, ..)`) is
    // the same lost update, but only direct `.load` calls are seen.
    let mut split_updates: Vec<(String, String)> = Vec::new();
    for load in accesses.iter().filter(|access| access.kind == AccessKind::Load) {
        let Some(method) = method_at(load.offset) else { continue };
        // A method taking `&mut self` or `self` has exclusive access, so its two steps cannot race.
        if method.self_kind != SelfKind::Shared {
            continue;
        }
        let stored_later = accesses.iter().any(|store| {
            store.kind == AccessKind::Store
                && store.field == load.field
                && store.offset > load.offset
                && method_at(store.offset).is_some_and(|other| other.name == method.name)
        });
        if stored_later && !split_updates.iter().any(|(m, f)| *m == method.name && *f == load.field) {
            split_updates.push((method.name.clone(), load.field.clone()));
        }
    }
    if split_updates.is_empty() {
        log::debug!("`{}`: no method loads and then stores the same atomic field", info.name);
        return None;
    }
    if !info.is_record {
        return None;
    }

    let existing_guard = info
        .fields_of_kind(FieldKind::UnitMutex)
        .next()
        .map(|field| field.name.clone());
    let guard_field = existing_guard
        .clone()
        .unwrap_or_else(|| free_field_name(info, &ctx.rule.guard_field));
    let touching: BTreeSet<String> = accesses
        .iter()
        .filter_map(|access| method_at(access.offset))
        .filter(|method| method.self_kind == SelfKind::Shared)
        .map(|method| method.name.clone())
        .collect();
    let method_names: Vec<&str> = info.methods.iter().map(|method| method.name.as_str()).collect();
    let calls = method_calls(ctx.index, &method_names);
    let guarded = choose_guarded_methods(info, &touching, &calls);

    let updates: Vec<String> = split_updates
        .iter()
        .map(|(method, field)| format!("`{method}` loads `{field}` and stores it back"))
        .collect();
    let mut finding = Finding {
        rule_id: ctx.rule.id.clone(),
        struct_name: info.name.clone(),
        name_range: info
            .node
            .name()
            .map(|name| node_range(name.syntax()))
            .unwrap_or_else(|| node_range(info.node.syntax())),
        message: format!(
            "`{}` updates atomics in two steps ({}), so two threads calling it at once can lose an update",
            info.name,
            updates.join(", ")
        ),
        changed_fields: Vec::new(),
        fix: None,
        unfixable_reason: None,
    };

    let pending: Vec<&MethodInfo> = info
        .methods
        .iter()
        .filter(|method| guarded.contains(&method.name) && !starts_with_guard(method, &guard_field))
        .collect();
    if pending.is_empty() && existing_guard.is_some() {
        return None;
    }
    if let Some(chain) = reentrant_chain(info, &guarded, &calls) {
        finding.unfixable_reason = Some(format!(
            "a guard in every method that touches the state would be taken twice on the call chain `{}`, and a `std::sync::Mutex` is not re-entrant; split the shared steps into a private helper, then run mockfix again",
            chain.join(" -> ")
        ));
        return Some(finding);
    }
    if let Some(reason) = derive_blocker(info).or_else(|| mutex_name_conflict(ctx, info)) {
        finding.unfixable_reason = Some(reason);
        return Some(finding);
    }

    let mut edits = Vec::new();
    let mut review = Vec::new();
    if existing_guard.is_none() {
        let Some(ast::FieldList::RecordFieldList(list)) = info.node.field_list() else {
            return None;
        };
        let (Some(l_curly), Some(r_curly)) = (list.l_curly_token(), list.r_curly_token()) else {
            return None;
        };
        let last = list.fields().last().map(|field| field.syntax().clone());
        edits.extend(append_to_braced_list(
            ctx.source,
            &l_curly,
            last.as_ref(),
            &r_curly,
            &format!("{guard_field}: Mutex<()>"),
        ));
        for literal in struct_literals(ctx, info) {
            let Some(fields) = literal.record_expr_field_list() else {
                continue;
            };
            // `..base` supplies the new field from the base value.
            if fields.dotdot_token().is_some() {
                continue;
            }
            let (Some(l_curly), Some(r_curly)) = (fields.l_curly_token(), fields.r_curly_token()) else {
                review.push(format!(
                    "the struct literal at line {} is incomplete",
                    line_of(ctx.source, node_range(literal.syntax()).0)
                ));
                continue;
            };
            let last = fields.fields().last().map(|field| field.syntax().clone());
            edits.extend(append_to_braced_list(
                ctx.source,
                &l_curly,
                last.as_ref(),
                &r_curly,
                &format!("{guard_field}: Mutex::new(())"),
            ));
        }
    }
    let lock = format!(
        "let {} = self.{guard_field}.{};",
        ctx.rule.guard_binding,
        ctx.rule.lock.lock_call()
    );
    for method in pending {
        if let Some(edit) = insert_first_statement(ctx.source, &method.node, &lock) {
            edits.push(edit);
        }
    }

    let (applicability, review_reason) = if review.is_empty() {
        (Applicability::Safe, None)
    } else {
        (Applicability::NeedsReview, Some(review.join("; ")))
    };
    finding.fix = Some(Fix {
        title: format!("Guard `{}` with a mutex", info.name),
        applicability,
        review_reason,
        edits,
    });
    Some(finding)
}

/// The rule's field name, or a variant of it when the struct already has a field so named.
fn free_field_name(info: &StructInfo, preferred: &str) -> String {
    let candidates = [
        preferred.to_string(),
        format!("state_{preferred}"),
        format!("{preferred}_guard"),
    ];
    candidates
        .into_iter()
        .chain((2..).map(|n| format!("{preferred}{n}")))
        .find(|name| info.field(name).is_none())
        .expect("an unbounded list of names contains a free one")
}

/// The methods that get a guard: those that touch the state, minus private helpers that are only
/// ever called, on `self`, from methods that hold the guard already.
fn choose_guarded_methods(info: &StructInfo, touching: &BTreeSet<String>, calls: &[MethodCall]) -> BTreeSet<String> {
    let caller_of = |offset: usize| {
        info.methods.iter().find(|method| {
            let (start, end) = node_range(method.node.syntax());
            start <= offset && offset < end
        })
    };
    // Start by assuming every private method runs under the guard, then drop those with a call
    // from anywhere else, until nothing changes.
    let mut held: BTreeSet<String> = info
        .methods
        .iter()
        .filter(|method| !method.is_public)
        .map(|method| method.name.clone())
        .collect();
    loop {
        let before = held.len();
        let previous = held.clone();
        held.retain(|name| {
            let sites: Vec<&MethodCall> = calls.iter().filter(|call| call.name == *name).collect();
            !sites.is_empty()
                && sites.iter().all(|call| {
                    call.on_self
                        && caller_of(call.offset)
                            .is_some_and(|caller| touching.contains(&caller.name) || previous.contains(&caller.name))
                })
        });
        if held.len() == before {
            break;
        }
    }
    touching.iter().filter(|name| !held.contains(*name)).cloned().collect()
}

/// A call chain from one guarded method to a guarded method, if there is one.
fn reentrant_chain(info: &StructInfo, guarded: &BTreeSet<String>, calls: &[MethodCall]) -> Option<Vec<String>> {
    let mut callees: HashMap<&str, Vec<&str>> = HashMap::new();
    for method in &info.methods {
        let (start, end) = node_range(method.node.syntax());
        let called = calls
            .iter()
            .filter(|call| call.on_self && start <= call.offset && call.offset < end)
            .map(|call| call.name.as_str());
        callees.entry(method.name.as_str()).or_default().extend(called);
    }
    for start in guarded {
        let mut stack: Vec<Vec<&str>> = vec![vec![start.as_str()]];
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        while let Some(path) = stack.pop() {
            let current = *path.last().expect("paths are never empty");
            for callee in callees.get(current).into_iter().flatten() {
                let mut next = path.clone();
                next.push(callee);
                if guarded.contains(*callee) {
                    return Some(next.into_iter().map(str::to_string).collect());
                }
                if seen.insert(callee) {
                    stack.push(next);
                }
            }
        }
    }
    None
}

fn starts_with_guard(method: &MethodInfo, guard_field: &str) -> bool {
    let Some(first) = method
        .node
        .body()
        .and_then(|body| body.stmt_list())
        .and_then(|list| list.statements().next())
    else {
        return false;
    };
    let text: String = first
        .syntax()
        .text()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    text.contains(&format!("self.{guard_field}.lock()"))
}

/// Plans the insert of `statement` as the first line of a function body, indented like the
/// line that follows it, with the file's line ending.
fn insert_first_statement(source: &str, function: &ast::Fn, statement: &str) -> Option<TextEdit> {
    let list = function.body()?.stmt_list()?;
    let l_curly = list.l_curly_token()?;
    let (_, open_end) = token_range(&l_curly);
    // The first thing after `{`, comments included, so that a leading comment stays first.
    let first = l_curly.next_token().and_then(|token| {
        let mut current = Some(token);
        while let Some(token) = current {
            if token.kind() != ra_ap_syntax::SyntaxKind::WHITESPACE {
                return Some(token);
            }
            current = token.next_token();
        }
        None
    })?;
    let (first_start, _) = token_range(&first);
    let eol = line_ending_at(source, open_end);
    if source[open_end..first_start].contains('\n') && first.kind() != ra_ap_syntax::T!['}'] {
        let indent = indentation_at(source, first_start);
        return Some(TextEdit::insert(
            line_start(source, first_start),
            format!("{indent}{statement}{eol}"),
        ));
    }
    // A body written on one line, such as `{ self.hits.load(..) }`, keeps its shape.
    Some(TextEdit::insert(open_end, format!(" {statement}")))
}

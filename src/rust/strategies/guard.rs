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
//! helper that is called only from guarded methods, nor a method that only loads one atomic once
//! and is called from a guarded method. When a guarded method still reaches another guarded
//! method, there is no fix and the finding names the call chain.
//!
//! A guard held across `.await` cannot be a `std::sync::Mutex` guard: the future would not be
//! `Send`, and a task blocked on the lock would stall its thread. When the rule allows it and the
//! package depends on tokio, the field becomes a `tokio::sync::Mutex<()>` instead, taken with
//! `let _guard = self.mutex.lock().await;`, as long as every guarded method is async. That lock is
//! not re-entrant either, so the same call chains are refused.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ra_ap_syntax::ast::{self, AstNode, HasName};
use ra_ap_syntax::{SyntaxKind, SyntaxNode};

use super::{
    async_lock_derive_blocker, depends_on_tokio, derive_blocker, struct_literals, LockStyle, PlanContext, Refusal,
    Target,
};
use crate::config::{AsyncLock, Rule};
use crate::edit::TextEdit;
use crate::fix::{Applicability, Conversion, Finding, Fix, Related};
use crate::rust::discipline::{in_async_context, line_of, passed_as_argument, tokens_in};
use crate::rust::imports::{binding_of, Binding};
use crate::rust::index::{
    enclosing_item_list, type_path_segments, FieldInfo, FieldKind, MethodInfo, SelfKind, StructInfo,
};
use crate::rust::text::{
    append_to_braced_list, indent_unit, indentation_at, line_content_end, line_ending_at, line_start, node_range,
    squeeze, token_range,
};
use crate::rust::uses::{field_accesses, method_calls, AccessKind, FieldAccess, MethodCall};

pub fn plan(ctx: &PlanContext, rule: &Rule, info: &StructInfo) -> Option<Finding> {
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
    if !info.is_record && !info.is_tuple {
        return None;
    }

    let existing_guard = info.fields_of_kind(FieldKind::UnitMutex).next();
    let guard_field = existing_guard
        .map(|field| field.name.clone())
        .unwrap_or_else(|| free_field_name(info, &rule.guard_field));
    let touching: BTreeSet<String> = accesses
        .iter()
        .filter_map(|access| method_at(access.offset))
        .filter(|method| method.self_kind == SelfKind::Shared)
        .map(|method| method.name.clone())
        .collect();
    let method_names: Vec<&str> = info.methods.iter().map(|method| method.name.as_str()).collect();
    let calls = method_calls(ctx.index, &method_names);
    let guarded = choose_guarded_methods(info, &touching, &calls);
    let guarded = exempt_single_loads(ctx, info, guarded, &accesses, &calls);

    let updates: Vec<String> = split_updates
        .iter()
        .map(|(method, field)| format!("`{method}` loads `{field}` and stores it back"))
        .collect();
    let mut finding = Finding {
        rule_id: rule.id.clone(),
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
        related: Vec::new(),
        fix: None,
        unfixable_reason: None,
    };

    finding.related = accesses
        .iter()
        .filter(|access| {
            access.kind == AccessKind::Load && split_updates.iter().any(|(_, field)| *field == access.field)
        })
        .take(1)
        .map(|access| Related {
            range: (access.offset, access.offset + access.field.len()),
            message: format!(
                "`{}` is loaded here and stored back later, so an update in between is lost",
                access.field
            ),
        })
        .collect();

    let pending: Vec<&MethodInfo> = info
        .methods
        .iter()
        .filter(|method| guarded.contains(&method.name) && !starts_with_guard(method, &guard_field))
        .collect();
    if pending.is_empty() && existing_guard.is_some() {
        return None;
    }
    if info.is_tuple && existing_guard.is_none() {
        finding.unfixable_reason = Some(format!(
            "`{}` is a tuple struct, and a new lock field would change every `{}(..)` call that builds it; add a `Mutex<()>` field by hand, then run mockfix again",
            info.name, info.name
        ));
        return Some(finding);
    }
    let access_offsets: Vec<usize> = accesses.iter().map(|access| access.offset).collect();
    let sites = GuardSites {
        guarded: &guarded,
        calls: &calls,
        access_offsets: &access_offsets,
    };
    let (style, placements) = match plan_locks(ctx, rule, info, existing_guard, &sites) {
        Ok(planned) => planned,
        Err(reason) => {
            finding.unfixable_reason = Some(reason);
            return Some(finding);
        }
    };
    // A derived impl that reads the state would have to lock the guard, which it cannot await.
    let async_blocker = style.awaits.then(|| async_lock_derive_blocker(info)).flatten();
    if let Some(reason) = async_blocker.or_else(|| derive_blocker(info, &[])) {
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
        let visibility = shared_visibility(info);
        edits.extend(append_to_braced_list(
            ctx.source,
            &l_curly,
            last.as_ref(),
            &r_curly,
            &format!("{visibility}{guard_field}: {}<()>", style.mutex_type),
        ));
        let (literal_edits, literal_review) =
            initialise_in_literals(ctx, &Target::defined(info), &guard_field, style.mutex_type);
        edits.extend(literal_edits);
        review.extend(literal_review);
    }
    let lock = format!("let {} = self.{guard_field}.{};", rule.guard_binding, style.lock_call);
    for method in pending {
        match placements.get(&method.name) {
            Some(Placement::Narrow { first, last }) => {
                edits.extend(guard_block(ctx.source, &method.node, first, last, &lock));
                review.push(format!(
                    "the guard in `{}` covers lines {} to {} only, so its other statements, which call back into `{}`, run without it",
                    method.name,
                    line_of(ctx.source, node_range(first).0),
                    line_of(ctx.source, node_range(last).1),
                    info.name
                ));
            }
            _ => edits.extend(insert_first_statement(ctx.source, &method.node, &lock)),
        }
    }

    let (applicability, review_reason) = if review.is_empty() {
        (Applicability::Safe, None)
    } else {
        (Applicability::NeedsReview, Some(review.join("; ")))
    };
    let title = if style.awaits {
        format!("Guard `{}` with a `{}`", info.name, style.mutex_type)
    } else {
        format!("Guard `{}` with a mutex", info.name)
    };
    finding.fix = Some(Fix {
        title,
        applicability,
        review_reason,
        edits,
        conversion: Conversion::Guard {
            field: guard_field,
            mutex_type: style.mutex_type.to_string(),
        },
    });
    Some(finding)
}

/// Plans the initialisation of the guard field `field`, of type `mutex_type<()>`, of the double
/// `name`, declared in another file, in this file's struct literals.
pub fn plan_foreign(ctx: &PlanContext, name: &str, field: &str, mutex_type: &str) -> (Vec<TextEdit>, Vec<String>) {
    initialise_in_literals(ctx, &Target::foreign(ctx.index, name), field, mutex_type)
}

/// Adds `field: Mutex::new(())`, with `mutex_type` in place of `Mutex`, to each struct literal of
/// the double, except those with `..base`, which supplies the field from the base value, and
/// those that initialise the field already.
fn initialise_in_literals(
    ctx: &PlanContext,
    target: &Target,
    field: &str,
    mutex_type: &str,
) -> (Vec<TextEdit>, Vec<String>) {
    let mut edits = Vec::new();
    let mut review = Vec::new();
    for literal in struct_literals(ctx, target) {
        let Some(fields) = literal.record_expr_field_list() else {
            continue;
        };
        let initialised = fields
            .fields()
            .any(|existing| existing.field_name().is_some_and(|name| name.text() == field));
        if fields.dotdot_token().is_some() || initialised {
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
            &format!("{field}: {mutex_type}::new(())"),
        ));
    }
    (edits, review)
}

/// The visibility that every field of the struct shares, such as `pub(crate) `, so that code that
/// can write a literal of the struct today can still write it with the new field; empty when the
/// fields differ or are private.
fn shared_visibility(info: &StructInfo) -> String {
    let visibilities: BTreeSet<String> = info
        .fields
        .iter()
        .map(|field| {
            field
                .node
                .visibility()
                .map(|vis| vis.syntax().text().to_string())
                .unwrap_or_default()
        })
        .collect();
    match visibilities.into_iter().collect::<Vec<_>>().as_slice() {
        [only] if !only.is_empty() => format!("{only} "),
        _ => String::new(),
    }
}

/// Returns the rule's field name, or a variant of it when the struct already has a field so named.
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

/// Returns the methods that get a guard: those that touch the state, minus private helpers that are only
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

/// Drops from `guarded` each method that loads one atomic field once and does nothing else with
/// the state, when a guarded method calls it on `self`, where its own guard would be taken twice.
///
/// One load is one atomic step, so it loses no update without the guard. Run outside the guard,
/// it may load while a guarded method is in progress. It still loads a value that the field has
/// between guarded methods, as long as no guarded method writes that field more than once. A
/// write in a loop or closure, and any use of the field other than a load or a write, counts as
/// more than one write.
fn exempt_single_loads(
    ctx: &PlanContext,
    info: &StructInfo,
    mut guarded: BTreeSet<String>,
    accesses: &[FieldAccess],
    calls: &[MethodCall],
) -> BTreeSet<String> {
    let callees = callee_map(info, calls);
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut pending: Vec<String> = guarded
        .iter()
        .flat_map(|name| callees.get(name).into_iter().flatten().cloned())
        .collect();
    while let Some(name) = pending.pop() {
        if reached.insert(name.clone()) {
            pending.extend(callees.get(&name).into_iter().flatten().cloned());
        }
    }

    let within = |method: &MethodInfo| {
        let (start, end) = node_range(method.node.syntax());
        accesses
            .iter()
            .filter(move |access| start <= access.offset && access.offset < end)
    };
    for method in info.methods.iter().filter(|method| reached.contains(&method.name)) {
        if !guarded.contains(&method.name) || callees.get(&method.name).is_some_and(|called| !called.is_empty()) {
            continue;
        }
        let own: Vec<&FieldAccess> = within(method).collect();
        let [load] = own.as_slice() else { continue };
        if load.kind != AccessKind::Load {
            continue;
        }
        let Some(body) = method.node.body() else { continue };
        let (start, end) = node_range(body.syntax());
        let body_tokens = tokens_in(ctx.index.tokens(), start, end);
        if body_tokens.iter().any(|token| token.kind() == ra_ap_syntax::T![await])
            || passed_as_argument(body_tokens, "self").is_some()
        {
            continue;
        }
        let writes_of = |other: &MethodInfo| -> usize {
            within(other)
                .filter(|access| access.field == load.field)
                .map(|access| write_weight(ctx, other, access))
                .sum()
        };
        let direct: HashMap<&str, usize> = info
            .methods
            .iter()
            .map(|other| (other.name.as_str(), writes_of(other)))
            .collect();
        let written_once = info
            .methods
            .iter()
            .all(|other| section_writes(&other.name, &direct, &callees, &mut BTreeSet::new()) <= 1);
        if written_once {
            log::debug!(
                "`{}`: `{}` loads `{}` once and is called from a guarded method, so it gets no guard",
                info.name,
                method.name,
                load.field
            );
            guarded.remove(&method.name);
        }
    }
    guarded
}

/// Returns how many times one access writes its field: 0 for a load and 1 for a store or a
/// read-modify-write. A write in a loop or closure may run more than once, and any other use may
/// write the field, so those count 2.
fn write_weight(ctx: &PlanContext, method: &MethodInfo, access: &FieldAccess) -> usize {
    let writes = match &access.kind {
        AccessKind::Load => return 0,
        AccessKind::Store => true,
        AccessKind::OtherMethod(name) => {
            name.starts_with("fetch_") || matches!(name.as_str(), "swap" | "compare_exchange" | "compare_exchange_weak")
        }
        _ => false,
    };
    if !writes {
        return 2;
    }
    let repeats = ctx.index.tokens()[access.dot_index]
        .parent_ancestors()
        .take_while(|node| node != method.node.syntax())
        .any(|node| {
            matches!(
                node.kind(),
                SyntaxKind::FOR_EXPR | SyntaxKind::WHILE_EXPR | SyntaxKind::LOOP_EXPR | SyntaxKind::CLOSURE_EXPR
            )
        });
    if repeats {
        2
    } else {
        1
    }
}

/// Returns the writes of one field that a call of `method` makes, with those of the methods it
/// calls on `self`. Recursion counts as 2.
fn section_writes(
    method: &str,
    direct: &HashMap<&str, usize>,
    callees: &HashMap<String, Vec<String>>,
    visiting: &mut BTreeSet<String>,
) -> usize {
    if !visiting.insert(method.to_string()) {
        return 2;
    }
    let mut total = direct.get(method).copied().unwrap_or(0);
    for callee in callees.get(method).into_iter().flatten() {
        total += section_writes(callee, direct, callees, visiting);
    }
    visiting.remove(method);
    total
}

/// Where a method's guard goes.
enum Placement {
    /// The first statement of the body, held to its end.
    Whole,
    /// A block around the statements from `first` to `last`, which touch the state, so that the
    /// guard is released before a call that may lock it again.
    Narrow { first: SyntaxNode, last: SyntaxNode },
}

/// The code that a guard covers: the methods that take it, the calls on `self`, and the offsets
/// of the accesses to the atomic fields.
#[derive(Clone, Copy)]
struct GuardSites<'a> {
    guarded: &'a BTreeSet<String>,
    calls: &'a [MethodCall],
    access_offsets: &'a [usize],
}

/// Chooses the mutex of the guard and places it in each guarded method.
///
/// The guard is a `std::sync::Mutex<()>`, unless it would be held across `.await` and the rule
/// allows a `tokio::sync::Mutex<()>` in a package that depends on tokio. A guard field that is already
/// a `tokio::sync::Mutex<()>` stays one, whatever the rule's `async_lock` is, because only
/// `.lock().await` locks it.
fn plan_locks(
    ctx: &PlanContext,
    rule: &Rule,
    info: &StructInfo,
    existing_guard: Option<&FieldInfo>,
    sites: &GuardSites,
) -> Result<(LockStyle<'static>, BTreeMap<String, Placement>), String> {
    let tokio_guard = existing_guard.filter(|field| is_tokio_mutex(field));
    if let Some(field) = tokio_guard {
        let placements = place_guards(ctx, info, sites, LockStyle::TOKIO).map_err(|refusal| refusal.reason)?;
        let tokio_reason = format!(
            "`{}` guards its state with the `tokio::sync::Mutex<()>` field `{}`",
            info.name, field.name
        );
        return match sync_guarded_method(ctx, info, sites.guarded, &tokio_reason) {
            Some(reason) => Err(reason),
            None => Ok((LockStyle::TOKIO, placements)),
        };
    }
    let blocking = LockStyle::blocking(rule.lock.lock_call());
    match place_guards(ctx, info, sites, blocking) {
        Ok(placements) => Ok((blocking, placements)),
        Err(refusal)
            if refusal.across_await
                && existing_guard.is_none()
                && rule.async_lock == AsyncLock::Tokio
                && depends_on_tokio(ctx) =>
        {
            let placements = place_guards(ctx, info, sites, LockStyle::TOKIO).map_err(|refusal| refusal.reason)?;
            let tokio_reason = match first_await(ctx, info, sites.guarded) {
                Some((method, line)) => format!(
                    "a guard in `{method}` would be held across the `.await` at line {line}, so it must be a `tokio::sync::Mutex<()>`"
                ),
                None => "a guard would be held across `.await`, so it must be a `tokio::sync::Mutex<()>`".to_string(),
            };
            match sync_guarded_method(ctx, info, sites.guarded, &tokio_reason) {
                Some(reason) => Err(reason),
                None => Ok((LockStyle::TOKIO, placements)),
            }
        }
        Err(refusal) => Err(refusal.reason),
    }
}

/// Returns whether the `Mutex<()>` field `field` is a `tokio::sync::Mutex`: written with the
/// `tokio` path, or named through a `use` of `tokio::sync::Mutex` or `tokio::sync`.
fn is_tokio_mutex(field: &FieldInfo) -> bool {
    let Some(segments) = field.node.ty().as_ref().and_then(type_path_segments) else {
        return false;
    };
    let Some(first) = segments.first() else { return false };
    if first == "tokio" {
        return true;
    }
    let module = enclosing_item_list(field.node.syntax());
    match binding_of(&module, first, &["std", "sync"]) {
        Binding::Explicit(path) => path.first().is_some_and(|crate_name| crate_name == "tokio"),
        _ => false,
    }
}

/// Returns the first guarded method whose body awaits, with the line of its first `.await`.
fn first_await(ctx: &PlanContext, info: &StructInfo, guarded: &BTreeSet<String>) -> Option<(String, usize)> {
    info.methods
        .iter()
        .filter(|method| guarded.contains(&method.name))
        .find_map(|method| {
            let (start, end) = node_range(method.node.body()?.syntax());
            let await_token = tokens_in(ctx.index.tokens(), start, end)
                .iter()
                .find(|token| token.kind() == ra_ap_syntax::T![await])?;
            Some((method.name.clone(), line_of(ctx.source, token_range(await_token).0)))
        })
}

/// Returns why a `tokio::sync::Mutex<()>` guard cannot be taken in every guarded method, if it
/// cannot: a guarded method is not async, so it cannot await the lock. `tokio_reason` is the
/// reason the guard must be a `tokio::sync::Mutex<()>`.
fn sync_guarded_method(
    ctx: &PlanContext,
    info: &StructInfo,
    guarded: &BTreeSet<String>,
    tokio_reason: &str,
) -> Option<String> {
    let method = info
        .methods
        .iter()
        .filter(|method| guarded.contains(&method.name))
        .find(|method| {
            let open = method
                .node
                .body()
                .and_then(|body| body.stmt_list())
                .and_then(|list| list.l_curly_token());
            open.is_none_or(|token| !in_async_context(&token))
        })?;
    let name_offset = method.node.name().map_or_else(
        || node_range(method.node.syntax()).0,
        |name| node_range(name.syntax()).0,
    );
    Some(format!(
        "{tokio_reason}, but `{}` at line {} touches the state and is not async, so it cannot await that lock; make `{}` async, then run mockfix again",
        method.name,
        line_of(ctx.source, name_offset),
        method.name
    ))
}

/// Returns how the messages name the mutex of `style`.
fn mutex_name(style: LockStyle) -> &'static str {
    if style.awaits {
        "a `tokio::sync::Mutex`"
    } else {
        "a `std::sync::Mutex`"
    }
}

/// Places the guard of each guarded method so that no thread can lock it twice.
///
/// A method whose body calls back into the double (a call on `self` that reaches a guarded
/// method, `self` passed to a callback, or an `.await` unless `style` allows one) gets its guard
/// narrowed to the statements that touch the state, when those calls lie outside them. Otherwise
/// there is no fix, and the refusal names the call chain or the call.
fn place_guards(
    ctx: &PlanContext,
    info: &StructInfo,
    sites: &GuardSites,
    style: LockStyle,
) -> Result<BTreeMap<String, Placement>, Refusal> {
    let GuardSites {
        guarded,
        calls,
        access_offsets,
    } = *sites;
    let callees = callee_map(info, calls);
    let mut placements = BTreeMap::new();
    for method in info.methods.iter().filter(|method| guarded.contains(&method.name)) {
        let Some(body) = method.node.body() else { continue };
        let (start, end) = node_range(body.syntax());
        let hazards = hazards_in(ctx, info, method, sites, &callees, style, start, end);
        if hazards.is_empty() {
            placements.insert(method.name.clone(), Placement::Whole);
            continue;
        }
        let inside = |offset: usize| start <= offset && offset < end;
        let touching: Vec<usize> = access_offsets
            .iter()
            .copied()
            .filter(|offset| inside(*offset))
            .collect();
        match narrow(ctx.source, &body, &touching, &hazards) {
            Some((first, last)) => {
                placements.insert(method.name.clone(), Placement::Narrow { first, last });
            }
            None => {
                let awaits = tokens_in(ctx.index.tokens(), start, end)
                    .iter()
                    .any(|token| token.kind() == ra_ap_syntax::T![await]);
                return Err(Refusal {
                    reason: hazards[0].1.clone(),
                    across_await: awaits && !style.awaits,
                });
            }
        }
    }

    // A call made while a guard is held must not reach any guarded method, narrowed or not.
    for method in info.methods.iter().filter(|method| guarded.contains(&method.name)) {
        let held = match placements.get(&method.name) {
            Some(Placement::Narrow { first, last }) => (node_range(first).0, node_range(last).1),
            _ => node_range(method.node.syntax()),
        };
        for call in calls
            .iter()
            .filter(|call| call.on_self && held.0 <= call.offset && call.offset < held.1)
        {
            if let Some(mut chain) = chain_to_guarded(&call.name, guarded, &callees) {
                chain.insert(0, method.name.clone());
                return Err(Refusal {
                    reason: format!(
                        "a guard in every method that touches the state would be taken twice on the call chain `{}`, and {} is not re-entrant; split the shared steps into a private helper, then run mockfix again",
                        chain.join(" -> "),
                        mutex_name(style)
                    ),
                    across_await: false,
                });
            }
        }
    }
    Ok(placements)
}

/// The calls on `self` that each method makes, by method name.
fn callee_map(info: &StructInfo, calls: &[MethodCall]) -> HashMap<String, Vec<String>> {
    let mut callees: HashMap<String, Vec<String>> = HashMap::new();
    for method in &info.methods {
        let (start, end) = node_range(method.node.syntax());
        let called = calls
            .iter()
            .filter(|call| call.on_self && start <= call.offset && call.offset < end)
            .map(|call| call.name.clone());
        callees.entry(method.name.clone()).or_default().extend(called);
    }
    callees
}

/// The path from `start` to a guarded method through methods without a guard, if there is one.
fn chain_to_guarded(
    start: &str,
    guarded: &BTreeSet<String>,
    callees: &HashMap<String, Vec<String>>,
) -> Option<Vec<String>> {
    let mut stack: Vec<Vec<String>> = vec![vec![start.to_string()]];
    let mut seen: BTreeSet<String> = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let current = path.last().expect("paths are never empty").clone();
        if guarded.contains(&current) {
            return Some(path);
        }
        for callee in callees.get(&current).into_iter().flatten() {
            if seen.insert(callee.clone()) {
                let mut next = path.clone();
                next.push(callee.clone());
                stack.push(next);
            }
        }
    }
    None
}

/// The offsets in a method body that must not run while its guard, locked as `style` locks, is
/// held, each with the reason.
#[allow(clippy::too_many_arguments)]
fn hazards_in(
    ctx: &PlanContext,
    info: &StructInfo,
    method: &MethodInfo,
    sites: &GuardSites,
    callees: &HashMap<String, Vec<String>>,
    style: LockStyle,
    start: usize,
    end: usize,
) -> Vec<(usize, String)> {
    let mut hazards = Vec::new();
    let tokens = tokens_in(ctx.index.tokens(), start, end);
    let awaits = tokens
        .iter()
        .filter(|token| token.kind() == ra_ap_syntax::T![await] && !style.awaits);
    for await_token in awaits {
        let offset = token_range(await_token).0;
        hazards.push((
            offset,
            format!(
                "a guard in `{}` would be held across the `.await` at line {}, which blocks other tasks and makes the future not `Send`; guard it with a `tokio::sync::Mutex<()>` by hand",
                method.name,
                line_of(ctx.source, offset)
            ),
        ));
    }
    if let Some(offset) = passed_as_argument(tokens, "self") {
        hazards.push((
            offset,
            format!(
                "`{}` passes `self` to a call at line {}, which may call back into `{}` while the guard is held, and {} is not re-entrant",
                method.name,
                line_of(ctx.source, offset),
                info.name,
                mutex_name(style)
            ),
        ));
    }
    for call in sites
        .calls
        .iter()
        .filter(|call| call.on_self && start <= call.offset && call.offset < end)
    {
        if let Some(mut chain) = chain_to_guarded(&call.name, sites.guarded, callees) {
            chain.insert(0, method.name.clone());
            hazards.push((
                call.offset,
                format!(
                    "a guard in every method that touches the state would be taken twice on the call chain `{}`, and {} is not re-entrant; split the shared steps into a private helper, then run mockfix again",
                    chain.join(" -> "),
                    mutex_name(style)
                ),
            ));
        }
    }
    hazards.sort_by_key(|(offset, _)| *offset);
    hazards
}

/// Returns the first and last statements of `body` that touch the state, when a block around them would
/// hold none of the `hazards`, keep every binding that later statements use, and can be indented
/// without changing a string literal.
fn narrow(
    source: &str,
    body: &ast::BlockExpr,
    touching: &[usize],
    hazards: &[(usize, String)],
) -> Option<(SyntaxNode, SyntaxNode)> {
    let list = body.stmt_list()?;
    let statements: Vec<SyntaxNode> = list.statements().map(|stmt| stmt.syntax().clone()).collect();
    let contains = |node: &SyntaxNode, offset: usize| {
        let (start, end) = node_range(node);
        start <= offset && offset < end
    };
    let first = statements
        .iter()
        .position(|stmt| touching.iter().any(|offset| contains(stmt, *offset)))?;
    let last = statements
        .iter()
        .rposition(|stmt| touching.iter().any(|offset| contains(stmt, *offset)))?;
    // State touched in the tail expression cannot move into a block statement.
    if list
        .tail_expr()
        .is_some_and(|tail| touching.iter().any(|offset| contains(tail.syntax(), *offset)))
    {
        return None;
    }
    let range_start = node_range(&statements[first]).0;
    let range_end = node_range(&statements[last]).1;
    if hazards
        .iter()
        .any(|(offset, _)| range_start <= *offset && *offset < range_end)
    {
        return None;
    }
    // A `let` inside the block would go out of scope before the statements after it.
    let after = &source[range_end..node_range(list.syntax()).1];
    for stmt in &statements[first..=last] {
        let Some(let_stmt) = ast::LetStmt::cast(stmt.clone()) else {
            continue;
        };
        let names: Vec<String> = let_stmt
            .pat()
            .into_iter()
            .flat_map(|pat| {
                pat.syntax()
                    .descendants()
                    .filter_map(ast::Name::cast)
                    .collect::<Vec<_>>()
            })
            .map(|name| name.text().to_string())
            .collect();
        if names
            .iter()
            .any(|name| crate::package::contains_word(after.as_bytes(), name.as_bytes()))
        {
            return None;
        }
    }
    let multiline_literal = statements[first..=last].iter().any(|stmt| {
        stmt.descendants_with_tokens()
            .filter_map(|element| element.into_token())
            .any(|token| token.kind() == ra_ap_syntax::SyntaxKind::STRING && token.text().contains('\n'))
    });
    // The block takes whole lines, so the statements must have their lines to themselves.
    let before_first = &source[line_start(source, range_start)..range_start];
    let after_last = source[range_end..line_content_end(source, range_end)].trim();
    if multiline_literal || !before_first.trim().is_empty() || !(after_last.is_empty() || after_last.starts_with("//"))
    {
        return None;
    }
    Some((statements[first].clone(), statements[last].clone()))
}

/// Plans the block that holds the guard around the statements from `first` to `last`: the
/// statements move one level in, after `{` and the guard.
fn guard_block(
    source: &str,
    function: &ast::Fn,
    first: &SyntaxNode,
    last: &SyntaxNode,
    statement: &str,
) -> Vec<TextEdit> {
    let (start, _) = node_range(first);
    let (_, end) = node_range(last);
    let first_line = line_start(source, start);
    let indent = indentation_at(source, start).to_string();
    let outer = function.syntax().first_token().map_or(String::new(), |token| {
        indentation_at(source, token_range(&token).0).to_string()
    });
    let unit = indent_unit(&indent, &outer);
    let eol = line_ending_at(source, start);

    let mut edits = vec![TextEdit::insert(
        first_line,
        format!("{indent}{{{eol}{indent}{unit}{statement}{eol}"),
    )];
    let mut line = first_line;
    while line < end {
        let content_end = line_content_end(source, line);
        if !source[line..content_end].trim().is_empty() {
            edits.push(TextEdit::insert(line, unit.clone()));
        }
        match source[line..].find('\n') {
            Some(newline) => line += newline + 1,
            None => break,
        }
    }
    edits.push(TextEdit::insert(
        line_content_end(source, end),
        format!("{eol}{indent}}}"),
    ));
    edits
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
    let text = squeeze(&first.syntax().text().to_string());
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

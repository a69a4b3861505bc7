//! The unsafe-sync strategy: a struct that shares an `UnsafeCell<T>` or `RefCell<T>` between
//! threads by declaring `unsafe impl Sync` gets a `Mutex<T>`, or an atomic for an integer or
//! `bool`, and loses the `unsafe impl`s that the compiler can now check for itself.
//!
//! ```text
//! hits: UnsafeCell<u64>                              hits: AtomicU64
//! unsafe { *self.hits.get() += 1 }             =>    self.hits.fetch_add(1, Ordering::SeqCst)
//! log: UnsafeCell<Vec<String>>                       log: Mutex<Vec<String>>
//! unsafe { (*self.log.get()).push(line) }      =>    (*self.log.lock().unwrap()).push(line)
//! unsafe impl Sync for RecordingSink {}              (removed)
//! ```
//!
//! Every access of an `UnsafeCell` goes through the raw pointer that `.get()` returns. A
//! dereference of it, `*self.x.get()`, becomes the locked value `*self.x.lock().unwrap()` in any
//! position, or an atomic load, store or read-modify-write. A raw pointer kept or passed on
//! cannot be converted, and makes the fix need review. `RefCell` fields are converted as the wrap
//! strategy does. When another field is still not `Send` or `Sync` (a raw pointer, `Rc`, `Cell`,
//! `Box<dyn Any>`), the `unsafe impl`s stay and the fix is display-only, because it leaves the data
//! race. When a field only may not be, such as a trait object of a user's trait, or the struct has
//! type parameters, the fix needs review.

use std::collections::{BTreeMap, BTreeSet};

use ra_ap_syntax::ast::{self, AstNode, HasGenericParams, HasName};
use ra_ap_syntax::SyntaxKind;

use super::cell::atomic_for;
use super::static_mut::uses::{value_bound_by_let, StaticUse, UseRewriter};
use super::wrap::{self, ForeignPlan};
use super::{
    derive_blocker, rewrite_cell_constructors, rewrite_cell_field_types, target_accesses, LockStyle, PlanContext,
    Target,
};
use crate::config::Rule;
use crate::edit::TextEdit;
use crate::fix::{Applicability, CellField, Conversion, Finding, Fix, Related, StaticForm};
use crate::rust::discipline::{line_of, LockSite};
use crate::rust::index::{single_generic_argument, FieldKind, StructInfo};
use crate::rust::text::{line_content_end, line_start, node_range, squeeze, token_range};
use crate::rust::unsafe_blocks::{self, SafetyFacts};

/// The methods of `UnsafeCell`.
const UNSAFE_CELL_METHODS: &[&str] = &["get", "get_mut", "into_inner", "raw_get", "as_ptr"];

pub fn plan(ctx: &PlanContext, rule: &Rule, info: &StructInfo) -> Option<Finding> {
    // Without `unsafe impl Sync` or `Send`, a cell cannot reach another thread: nothing to fix.
    if info.unsafe_impls.is_empty() {
        return None;
    }
    let cells: Vec<CellField> = info
        .fields_of_kind(FieldKind::UnsafeCell)
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
    let refcells: Vec<String> = info
        .fields_of_kind(FieldKind::RefCell)
        .map(|field| field.name.clone())
        .collect();
    if cells.is_empty() && refcells.is_empty() {
        return None;
    }
    let mut changed_fields: Vec<String> = cells.iter().map(|cell| cell.name.clone()).collect();
    changed_fields.extend(refcells.iter().cloned());
    let field_list = changed_fields
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut finding = Finding {
        rule_id: rule.id.clone(),
        struct_name: info.name.clone(),
        name_range: info
            .node
            .name()
            .map(|name| node_range(name.syntax()))
            .unwrap_or_else(|| node_range(info.node.syntax())),
        message: format!(
            "`{}` declares `unsafe impl {}` over cell field{} {field_list}, so calls from two threads are a data race that the compiler no longer reports",
            info.name,
            impl_traits(info).join("` and `unsafe impl "),
            if changed_fields.len() == 1 { "" } else { "s" },
        ),
        changed_fields,
        related: info
            .unsafe_impls
            .iter()
            .map(|item| Related { range: node_range(item.syntax()), message: format!("`{}` is declared here", item.syntax().text().to_string().trim()) })
            .collect(),
        fix: None,
        unfixable_reason: None,
    };

    let mut edits = Vec::new();
    let mut review = Vec::new();
    let mut unfinished = Vec::new();
    let mut method_locks = BTreeMap::new();
    let uses_mutex = !refcells.is_empty() || cells.iter().any(|cell| cell.atomic.is_none());
    if !refcells.is_empty() {
        // The wrap strategy converts the `RefCell` fields, with its checks of derives and locks.
        let wrapped = wrap::plan(ctx, rule, info)?;
        let Some(fix) = wrapped.fix else {
            finding.unfixable_reason = wrapped.unfixable_reason;
            return Some(finding);
        };
        edits.extend(fix.edits);
        match fix.applicability {
            Applicability::DisplayOnly => unfinished.extend(fix.review_reason),
            Applicability::Safe | Applicability::NeedsReview => review.extend(fix.review_reason),
        }
        if let Conversion::Wrap {
            method_locks: locks,
            mutex_type,
            ..
        } = fix.conversion
        {
            // FIXME: state held across `.await` behind `unsafe impl Sync` could get a
            // `tokio::sync::Mutex` too, but the uses in other files would not follow it.
            if mutex_type != "Mutex" {
                finding.unfixable_reason = Some(format!(
                    "a `RefCell` of `{}` is held across `.await`, which needs a `tokio::sync::Mutex`, and mockfix does not convert that under `unsafe impl Sync`; convert it by hand, then run mockfix again",
                    info.name
                ));
                return Some(finding);
            }
            method_locks = locks;
        }
    } else if uses_mutex {
        if let Some(reason) = derive_blocker(info, &[]) {
            finding.unfixable_reason = Some(reason);
            return Some(finding);
        }
    }

    let (load, store, rmw) = rule.ordering.names();
    let orderings = (load.to_string(), store.to_string(), rmw.to_string());
    let lock_call = rule.lock.lock_call();
    let mut planner = CellPlanner::new(ctx, Target::defined(info), &cells, &orderings, lock_call);
    planner.rewrite_field_types();
    planner.rewrite_constructors();
    planner.rewrite_accesses();
    // FIXME: the locks of `RefCell` fields are checked by the wrap planner and those of
    // `UnsafeCell` fields here, so two such fields locked in both orders are not reported.
    match planner.check_locks(&method_locks) {
        Ok(locks) => method_locks.extend(locks),
        Err(reason) => {
            finding.unfixable_reason = Some(reason);
            return Some(finding);
        }
    }
    edits.extend(planner.edits);
    review.extend(planner.review);

    // An `unsafe impl` kept over a field that is certainly not thread-safe keeps the data race,
    // and once the cells are gone the rule no longer reports it, so that fix is display-only.
    let blockers = fields_still_unsafe(info, &cells);
    if blockers.known.is_empty() && blockers.possible.is_empty() {
        edits.extend(remove_unsafe_impls(ctx.source, info));
        edits.extend(unsafe_block_edits(ctx, &planner.rewritten));
    } else if blockers.known.is_empty() {
        review.push(format!(
            "the `unsafe impl`s of `{}` stay, because {}; check that the struct is really safe to share, or make those fields thread-safe",
            info.name,
            blockers.possible.join(" and ")
        ));
    } else {
        let mut reasons = blockers.known;
        reasons.extend(blockers.possible);
        unfinished.push(format!(
            "the `unsafe impl`s of `{}` would stay, because {}, so sharing the struct between threads stays a data race; make those fields thread-safe too",
            info.name,
            reasons.join(" and ")
        ));
    }

    let (applicability, review_reason) = Applicability::from_reasons(&unfinished, &review);
    finding.fix = Some(Fix {
        title: format!(
            "Replace the cells of `{}` with thread-safe types and remove its `unsafe impl`s",
            info.name
        ),
        applicability,
        review_reason,
        edits,
        conversion: Conversion::UnsafeSyncCell {
            fields: cells,
            refcell_fields: refcells,
            orderings,
            lock_call: lock_call.to_string(),
            method_locks,
        },
    });
    Some(finding)
}

/// `Sync` and `Send`, as the struct's `unsafe impl`s name them.
fn impl_traits(info: &StructInfo) -> Vec<String> {
    let mut traits: Vec<String> = info
        .unsafe_impls
        .iter()
        .filter_map(|item| item.trait_())
        .map(|name| name.syntax().text().to_string())
        .collect();
    traits.sort();
    traits.dedup();
    traits
}

/// Plans the uses of the double `name` in another file, whose cells another file's fix converted.
pub fn plan_foreign(
    ctx: &PlanContext,
    name: &str,
    (cells, refcells): (&[CellField], &[String]),
    orderings: &(String, String, String),
    lock_call: &str,
    method_locks: &BTreeMap<String, BTreeSet<String>>,
) -> ForeignPlan {
    let mut edits = Vec::new();
    let mut problems = Vec::new();
    if !refcells.is_empty() {
        let wrapped = wrap::plan_foreign(ctx, name, refcells, LockStyle::blocking(lock_call), method_locks);
        edits.extend(wrapped.edits);
        problems.extend(wrapped.problems);
    }
    let mut planner = CellPlanner::new(ctx, Target::foreign(ctx.index, name), cells, orderings, lock_call);
    planner.rewrite_constructors();
    planner.rewrite_accesses();
    problems.extend(planner.review.iter().cloned());
    if let Err(reason) = planner.check_locks(method_locks) {
        problems.push(reason);
    }
    edits.extend(planner.edits.iter().cloned());
    if problems.is_empty() {
        edits.extend(unsafe_block_edits(ctx, &planner.rewritten));
    }
    ForeignPlan { edits, problems }
}

struct CellPlanner<'a> {
    ctx: &'a PlanContext<'a>,
    target: Target<'a>,
    cells: &'a [CellField],
    orderings: &'a (String, String, String),
    lock_call: &'a str,
    edits: Vec<TextEdit>,
    review: Vec<String>,
    lock_sites: Vec<LockSite>,
    /// Ranges of the original text that hold no unsafe operation after the fix.
    rewritten: Vec<(usize, usize)>,
}

impl<'a> CellPlanner<'a> {
    fn new(
        ctx: &'a PlanContext<'a>,
        target: Target<'a>,
        cells: &'a [CellField],
        orderings: &'a (String, String, String),
        lock_call: &'a str,
    ) -> CellPlanner<'a> {
        CellPlanner {
            ctx,
            target,
            cells,
            orderings,
            lock_call,
            edits: Vec::new(),
            review: Vec::new(),
            lock_sites: Vec::new(),
            rewritten: Vec::new(),
        }
    }

    fn cell(&self, name: &str) -> Option<&CellField> {
        self.cells.iter().find(|cell| cell.name == name)
    }

    fn line(&self, offset: usize) -> usize {
        line_of(self.ctx.source, offset)
    }

    fn check_locks(
        &self,
        known: &BTreeMap<String, BTreeSet<String>>,
    ) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
        super::check_locks(self.ctx, &self.target, &self.lock_sites, known, false)
    }

    /// `UnsafeCell<u64>` becomes `AtomicU64`; `UnsafeCell<T>` becomes `Mutex<T>`.
    fn rewrite_field_types(&mut self) {
        if let Some(info) = self.target.definition {
            self.edits.extend(rewrite_cell_field_types(
                info,
                FieldKind::UnsafeCell,
                self.cells,
                "Mutex",
            ));
        }
    }

    /// `UnsafeCell::new(x)` in the struct's literals becomes `AtomicU64::new(x)` or `Mutex::new(x)`.
    fn rewrite_constructors(&mut self) {
        let edits = rewrite_cell_constructors(
            self.ctx,
            &self.target,
            self.cells,
            "UnsafeCell",
            "Mutex",
            &mut self.review,
        );
        self.edits.extend(edits);
    }

    fn rewrite_accesses(&mut self) {
        let names: Vec<&str> = self.cells.iter().map(|cell| cell.name.as_str()).collect();
        let accesses = target_accesses(
            self.ctx,
            &self.target,
            &names,
            FieldKind::UnsafeCell,
            UNSAFE_CELL_METHODS,
            &mut self.review,
        );
        let index = self.ctx.index;
        let mut atomic_uses: BTreeMap<String, Vec<StaticUse>> = BTreeMap::new();
        for access in accesses {
            let line = self.line(access.offset);
            let Some(cell) = self.cell(&access.field).cloned() else {
                continue;
            };
            let name_token = index.tokens()[access.dot_index + 1].clone();
            let field_expr = name_token.parent_ancestors().find_map(ast::FieldExpr::cast);
            let call = field_expr
                .as_ref()
                .and_then(|field| field.syntax().parent())
                .and_then(ast::MethodCallExpr::cast);
            let (Some(field_expr), Some(call), false) = (field_expr, call, access.in_macro) else {
                self.review.push(format!(
                    "`.{}` at line {line} is used as an `UnsafeCell` in a way mockfix cannot convert",
                    access.field
                ));
                continue;
            };
            let method = access.method.clone().unwrap_or_default();
            let method_tokens = access.method_tokens(index).to_vec();
            let (method_start, _) = token_range(&method_tokens[1]);
            let (_, call_end) = node_range(call.syntax());
            match method.as_str() {
                "get" => {
                    let deref = call
                        .syntax()
                        .parent()
                        .and_then(ast::PrefixExpr::cast)
                        .filter(|prefix| prefix.op_kind() == Some(ast::UnaryOp::Deref));
                    let Some(deref) = deref else {
                        self.review.push(format!(
                            "`.{}.get()` at line {line} keeps or passes on the raw pointer, which mockfix cannot convert",
                            access.field
                        ));
                        continue;
                    };
                    match &cell.atomic {
                        None => {
                            self.edits
                                .push(TextEdit::replace(method_start, call_end, self.lock_call));
                            // `let x = &mut *self.x.get();` keeps the guard alive to the end of the block.
                            let held_to_block_end = deref.syntax().parent().is_some_and(|parent| {
                                parent.kind() == SyntaxKind::REF_EXPR && value_bound_by_let(&parent)
                            });
                            self.lock_sites.push(LockSite {
                                field: access.field.clone(),
                                offset: access.offset,
                                token: name_token.clone(),
                                receiver: access.receiver.clone(),
                                held_to_block_end,
                            });
                            self.rewritten.push(node_range(deref.syntax()));
                        }
                        Some(_) => {
                            let (start, end) = node_range(field_expr.syntax());
                            atomic_uses.entry(access.field.clone()).or_default().push(StaticUse {
                                place: deref.syntax().clone(),
                                container: self.ctx.source[start..end].to_string(),
                                name_token: Some(name_token.clone()),
                                in_macro_body: false,
                                macro_name: None,
                                file_token: Some(name_token.clone()),
                            });
                        }
                    }
                }
                // Exclusive access needs no lock, but `Mutex` returns a `LockResult`.
                "get_mut" | "into_inner" => {
                    if cell.atomic.is_none() {
                        let unwrap_call = &self.lock_call["lock()".len()..];
                        self.edits.push(TextEdit::insert(call_end, unwrap_call.to_string()));
                    }
                }
                other => self.review.push(format!(
                    "`.{}.{other}(..)` at line {line} has no equivalent that mockfix can write and was left unchanged",
                    access.field
                )),
            }
        }

        for (field, uses) in atomic_uses {
            let Some(CellField {
                atomic: Some(atomic), ..
            }) = self.cell(&field).cloned()
            else {
                continue;
            };
            let form = StaticForm::Atomic(atomic);
            let rewriter = UseRewriter {
                source: self.ctx.source,
                name: &field,
                form: &form,
                orderings: self.orderings,
                lock_call: self.lock_call,
            };
            let rewritten = rewriter.rewrite(&uses);
            self.edits.extend(rewritten.edits);
            self.review.extend(rewritten.review);
            self.rewritten.extend(rewritten.rewritten);
        }
    }
}

/// Removes the `unsafe` of each block of the file whose only unsafe operations were the cell
/// accesses that the fix converted.
fn unsafe_block_edits(ctx: &PlanContext, rewritten: &[(usize, usize)]) -> Vec<TextEdit> {
    let mut facts = SafetyFacts::for_file(ctx.root);
    facts.rewritten = rewritten.to_vec();
    facts.unsafe_statics = ctx
        .root
        .descendants()
        .filter_map(ast::Static::cast)
        .filter(|item| item.mut_token().is_some())
        .filter_map(|item| item.name().map(|name| name.text().to_string()))
        .collect();
    let mut edits = Vec::new();
    for block in ctx.root.descendants().filter_map(ast::BlockExpr::cast) {
        if block.unsafe_token().is_none() {
            continue;
        }
        let (start, end) = node_range(block.syntax());
        let involved = rewritten.iter().any(|&(from, to)| start <= from && to <= end);
        if !involved {
            continue;
        }
        match unsafe_blocks::first_unsafe_operation(ctx.source, &facts, block.syntax()) {
            Some(operation) => log::debug!(
                "`unsafe` block at line {} kept: it still contains {operation}",
                line_of(ctx.source, start)
            ),
            None => edits.extend(unsafe_blocks::remove_unsafe(ctx.source, &block, true)),
        }
    }
    edits
}

/// The reasons a struct still needs its `unsafe impl`s after the fix.
struct Blockers {
    /// Fields whose types are certainly not `Send` or not `Sync`.
    known: Vec<String>,
    /// Fields whose types may not be, and type parameters.
    possible: Vec<String>,
}

/// Finds the fields whose types are not `Send` or `Sync` after the fix, and the type parameters
/// that may not be.
fn fields_still_unsafe(info: &StructInfo, cells: &[CellField]) -> Blockers {
    let mut blockers = Blockers {
        known: Vec::new(),
        possible: Vec::new(),
    };
    for field in &info.fields {
        let text = field
            .node
            .ty()
            .map(|ty| ty.syntax().text().to_string())
            .unwrap_or_default();
        let converted = matches!(field.kind, FieldKind::RefCell | FieldKind::UnsafeCell);
        let inner = if converted {
            single_generic_argument(&field.node.ty().expect("converted fields have a type")).unwrap_or_default()
        } else {
            text.clone()
        };
        let is_atomic = cells
            .iter()
            .any(|cell| cell.name == field.name && cell.atomic.is_some());
        if is_atomic {
            continue;
        }
        let unsafe_kind = !converted && matches!(field.kind, FieldKind::Cell | FieldKind::Rc);
        if !unsafe_kind && !not_thread_safe(&inner) {
            continue;
        }
        if unsafe_kind || certainly_not_send(&inner) {
            blockers
                .known
                .push(format!("`{}` ({text}) is still not `Sync`", field.name));
        } else {
            blockers.possible.push(format!(
                "`{}` ({text}) is not known to be `Send` and `Sync`",
                field.name
            ));
        }
    }
    if let Some(params) = info.node.generic_param_list() {
        for param in params.type_or_const_params() {
            if let ast::TypeOrConstParam::Type(param) = param {
                let name = param.name().map(|name| name.text().to_string()).unwrap_or_default();
                blockers
                    .possible
                    .push(format!("the type parameter `{name}` may be neither `Send` nor `Sync`"));
            }
        }
    }
    blockers
}

/// Returns whether a type, from its text, may be neither `Send` nor `Sync`: raw pointers, `Rc`, cells,
/// and trait objects without both bounds.
fn not_thread_safe(text: &str) -> bool {
    let markers = ["*const", "*mut", "NonNull<", "Rc<", "Cell<"];
    let trait_object = text.contains("dyn ") && !(text.contains("Send") && text.contains("Sync"));
    markers.iter().any(|marker| text.contains(marker)) || trait_object
}

/// Returns whether a type, from its text, is certainly neither `Send` nor `Sync`. That is a raw
/// pointer, `NonNull` or `Rc` as the whole type, or a box of a trait object of standard traits
/// without `Send` or `Sync` as supertraits, such as `Box<dyn Any>`. A trait object of another
/// trait is not counted, because that trait may require `Send` and `Sync`.
pub(super) fn certainly_not_send(text: &str) -> bool {
    let text = squeeze(text);
    let text = text.trim_start_matches("std::").trim_start_matches("core::");
    let text = text.trim_start_matches("ptr::").trim_start_matches("rc::");
    if text.starts_with("*const") || text.starts_with("*mut") || text.starts_with("NonNull<") || text.starts_with("Rc<")
    {
        return true;
    }
    let Some(object) = text.strip_prefix("Box<dyn").and_then(|rest| rest.strip_suffix('>')) else {
        return false;
    };
    let standard = ["Any", "Fn(", "FnMut(", "FnOnce(", "Debug", "Display", "Error"];
    let bounds: Vec<&str> = object.split('+').collect();
    let names_standard = |bound: &str| {
        let bound = bound
            .trim_start_matches("std::")
            .trim_start_matches("any::")
            .trim_start_matches("fmt::")
            .trim_start_matches("error::");
        standard
            .iter()
            .any(|name| bound == *name || (name.ends_with('(') && bound.starts_with(name)))
    };
    bounds
        .iter()
        .all(|bound| names_standard(bound) || bound.starts_with('\''))
        && !bounds.iter().any(|bound| *bound == "Send" || *bound == "Sync")
}

/// Deletes each `unsafe impl Sync for X {}` and `unsafe impl Send for X {}`, with its line when
/// nothing else is on it, and one of the blank lines around a group of such lines.
fn remove_unsafe_impls(source: &str, info: &StructInfo) -> Vec<TextEdit> {
    let mut whole_lines: Vec<(usize, usize)> = Vec::new();
    let mut edits = Vec::new();
    for item in &info.unsafe_impls {
        let (start, end) = node_range(item.syntax());
        let begin = line_start(source, start);
        let content_end = line_content_end(source, end);
        let alone = source[begin..start].trim().is_empty() && source[end..content_end].trim().is_empty();
        if alone {
            whole_lines.push((begin, next_line_start(source, content_end)));
        } else {
            edits.push(TextEdit::delete(start, end));
        }
    }
    whole_lines.sort_unstable();
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for (begin, end) in whole_lines {
        match groups.last_mut() {
            Some(last) if last.1 == begin => last.1 = end,
            _ => groups.push((begin, end)),
        }
    }
    for (begin, mut end) in groups {
        let blank_before = begin > 0 && source[line_start(source, begin - 1)..begin].trim().is_empty();
        let following_end = next_line_start(source, line_content_end(source, end));
        let blank_after = end < source.len() && source[end..following_end].trim().is_empty();
        if blank_before && blank_after {
            end = following_end;
        }
        edits.push(TextEdit::delete(begin, end));
    }
    edits
}

/// Returns the start of the line after the one whose content ends at `content_end`.
fn next_line_start(source: &str, content_end: usize) -> usize {
    source[content_end..]
        .find('\n')
        .map_or(source.len(), |i| content_end + i + 1)
}

#[cfg(test)]
mod tests {
    use super::certainly_not_send;

    #[test]
    fn certainly_not_send_types() {
        for text in [
            "*const u8",
            "*mut Vec<u8>",
            "std::ptr::NonNull<u8>",
            "std::rc::Rc<String>",
            "Box<dyn Any>",
        ] {
            assert!(certainly_not_send(text), "{text}");
        }
        assert!(certainly_not_send("Box<dyn std::any::Any + 'static>"));
        assert!(certainly_not_send("Box<dyn Fn(u32) -> u32>"));
    }

    #[test]
    fn maybe_send_types_are_not_certain() {
        for text in [
            "Arc<String>",
            "Vec<Rc<String>>",
            "Box<dyn Any + Send>",
            "Box<dyn Handler>",
            "Option<*const u8>",
        ] {
            assert!(!certainly_not_send(text), "{text}");
        }
    }
}

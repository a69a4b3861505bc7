//! Planning: the lock discipline and the edits of one Go double's fix.
//!
//! ```text
//! type MockMailer struct {              type MockMailer struct {
//!     sent []string                         mutex sync.Mutex
//! }                                         sent  []string
//!                                  =>   }
//! func (m *MockMailer) Send(to string) {
//!     m.sent = append(m.sent, to)       func (m *MockMailer) Send(to string) {
//! }                                         m.mutex.Lock()
//!                                           defer m.mutex.Unlock()
//!                                           m.sent = append(m.sent, to)
//!                                       }
//! ```
//!
//! A `sync.Mutex` is not re-entrant, so the lock goes only where no path can take it twice, as in
//! the Rust guard strategy. A method that only delegates to other methods gets none, and neither
//! does an unexported helper called only while the lock is held. A method may call back into
//! the double through a function field the test sets, a function parameter, or by passing its
//! receiver on. Such a method is locked only around the statements that touch the state. When those statements cannot be separated from the call, the finding is
//! reported with the call chain.

use std::collections::{BTreeMap, BTreeSet};

use tree_sitter::Node;

use super::align::{insert_first_field, realign_one_line_functions};
use super::detect::{default_impls, method_facts, returns_from_method, statement_index, BodyFacts, DefaultImpl};
use super::index::{composite_literals, is_positional, FileIndex, MethodInfo, MutexKind, StructInfo};
use super::syntax::{block_statements, descendants, first_error, line_of, named_children, text};
use crate::config::{GoMutexType, Rule};
use crate::edit::TextEdit;
use crate::fix::{Applicability, Conversion, Finding, Fix};
use crate::rust::text::{indentation_at, line_content_end, line_ending_at, line_start};
use crate::SourceError;

/// The parsed file that planning reads.
pub struct PlanContext<'a, 't> {
    pub source: &'a str,
    pub index: &'a FileIndex<'t>,
}

/// The place of a method's lock.
enum Placement {
    /// `Lock` and `defer Unlock` as the first statements, held to the end of the method.
    Whole,
    /// `Lock` before the top-level statement `first` and `Unlock` after `last`, which are all the
    /// statements that touch the state, so the calls back into the double run without it.
    Narrow { first: usize, last: usize },
}

/// The mutex that the fix locks.
struct MutexChoice {
    /// The field's selector name: `mutex`, `mu`, or `Mutex` for an embedded `sync.Mutex`.
    field: String,
    kind: MutexKind,
    embedded: bool,
    /// The fix adds the field. When false, the double already has it.
    added: bool,
}

/// Plans the fix of the double `info`, or returns `None` when its methods change no field.
///
/// Returns an error when a node that the fix would edit has a syntax error.
pub fn plan(ctx: &PlanContext, rule: &Rule, info: &StructInfo) -> Result<Option<Finding>, SourceError> {
    let source = ctx.source;
    let methods = ctx.index.methods_of(&info.name);
    let method_names: Vec<String> = methods.iter().map(|method| method.name.clone()).collect();
    let facts = method_facts(&methods, info, &method_names, source);
    let defaults = default_impls(ctx.index, info, &method_names, source);

    // State is what the double's own code writes. A field that only the test sets before the
    // goroutines start is configuration.
    let state: BTreeSet<String> = facts
        .iter()
        .map(|(_, facts)| facts)
        .chain(defaults.iter().map(|default| &default.facts))
        .flat_map(|facts| facts.accesses.iter())
        .filter(|access| access.write)
        .map(|access| access.field.clone())
        .collect();
    if state.is_empty() {
        log::debug!("`{}` skipped: no method writes one of its fields", info.name);
        return Ok(None);
    }
    let analysis = Analysis {
        state: &state,
        defaults: &defaults,
    };
    let touching: Vec<&str> = facts
        .iter()
        .filter(|(_, facts)| analysis.touches(facts))
        .map(|(method, _)| method.name.as_str())
        .collect();
    if touching.is_empty() {
        log::debug!("`{}` skipped: only its constructor writes its fields", info.name);
        return Ok(None);
    }

    let mut finding = Finding {
        rule_id: rule.id.clone(),
        struct_name: info.name.clone(),
        name_range: info.name_range,
        changed_fields: Vec::new(),
        related: Vec::new(),
        message: describe(info, &facts, &defaults, &state),
        fix: None,
        unfixable_reason: None,
    };

    // Value receivers get a copy of the double, mutex included, on every call.
    let by_value: Vec<&MethodInfo> = methods.iter().filter(|method| !method.pointer).collect();
    if let Some(method) = by_value.first() {
        let receiver = method.receiver.as_deref().unwrap_or("x");
        finding.unfixable_reason = Some(format!(
            "`{}` has a value receiver (line {}), which would copy the mutex on every call (go vet copylocks); declare it as `func ({receiver} *{}) {}`, then run mockfix again",
            method.name,
            line_of(source, method.node.start_byte()),
            info.name,
            method.name
        ));
        return Ok(Some(finding));
    }
    // A goroutine started by a method runs after the method's lock is released.
    let in_goroutine = facts
        .iter()
        .flat_map(|(method, facts)| facts.accesses.iter().map(move |access| (method, access)))
        .find(|(_, access)| access.in_goroutine && state.contains(&access.field));
    if let Some((method, access)) = in_goroutine {
        finding.unfixable_reason = Some(format!(
            "`{}` touches `{}` in a goroutine at line {}, which runs after the method returns, so a lock in the method does not cover it; lock inside the goroutine by hand",
            method.name,
            access.field,
            line_of(source, access.offset)
        ));
        return Ok(Some(finding));
    }

    let mutex = choose_mutex(info, rule);
    if mutex.added {
        let positional = composite_literals(ctx.index.root, &info.name, source)
            .into_iter()
            .find(|literal| is_positional(*literal));
        if let Some(literal) = positional {
            finding.unfixable_reason = Some(format!(
                "the composite literal at line {} lists the fields of `{}` by position, and the new mutex field would break it; name the fields, then run mockfix again",
                line_of(source, literal.start_byte()),
                info.name
            ));
            return Ok(Some(finding));
        }
    }

    // Methods that already lock the mutex by hand, and how long they hold it. Their accesses
    // outside that lock stay unlocked after the fix, which is therefore display-only.
    let mut unfinished: Vec<String> = Vec::new();
    let mut moves: Vec<(&MethodInfo, usize)> = Vec::new();
    let mut held_by_hand: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (method, method_facts) in &facts {
        let Some(held) = hand_lock_range(method, method_facts, &mutex.field) else {
            continue;
        };
        held_by_hand.insert(method.name.clone(), held);
        let outside = method_facts
            .accesses
            .iter()
            .find(|access| state.contains(&access.field) && !(held.0 <= access.offset && access.offset < held.1));
        let Some(outside) = outside else { continue };
        match movable_lock(method, method_facts, &state) {
            Some(lock_statement) => moves.push((method, lock_statement)),
            None => unfinished.push(format!(
                "`{}` touches `{}` at line {}, outside the lock it takes by hand",
                method.name,
                outside.field,
                line_of(source, outside.offset)
            )),
        }
    }

    let candidates: BTreeSet<String> = touching
        .iter()
        .filter(|name| !held_by_hand.contains_key(**name))
        .map(|name| name.to_string())
        .collect();
    let helpers = unlocked_helpers(ctx, &methods, &facts, &defaults, &candidates, &held_by_hand);
    let guarded: BTreeSet<String> = candidates.difference(&helpers).cloned().collect();
    let locks_by_hand: BTreeSet<String> = held_by_hand.keys().cloned().collect();
    let reach_new = reaching(&facts, &defaults, &guarded);
    let reach_any = reaching(&facts, &defaults, &guarded.union(&locks_by_hand).cloned().collect());

    // A method that holds the mutex by hand must not call a method that now locks it.
    for (method, method_facts) in &facts {
        let Some(held) = held_by_hand.get(&method.name) else {
            continue;
        };
        let call = method_facts
            .method_calls
            .iter()
            .find(|call| held.0 <= call.offset && call.offset < held.1 && reach_new.contains_key(&call.name));
        if let Some(call) = call {
            finding.unfixable_reason = Some(format!(
                "`{}` holds `{}` at line {} and calls {}, and a `sync.Mutex` is not re-entrant, so the fix would deadlock; have it call an unexported helper that does not lock, then run mockfix again",
                method.name,
                mutex.field,
                line_of(source, call.offset),
                chain_text(&call.name, &reach_new, &mutex.field)
            ));
            return Ok(Some(finding));
        }
    }

    let mut placements: BTreeMap<String, Placement> = BTreeMap::new();
    for (method, method_facts) in facts.iter().filter(|(method, _)| guarded.contains(&method.name)) {
        let conflicts = conflicts_of(info, method_facts, &defaults, &reach_any, &mutex.field, source);
        if conflicts.is_empty() {
            placements.insert(method.name.clone(), Placement::Whole);
            continue;
        }
        match narrow(method, method_facts, &analysis, &helpers, &conflicts) {
            Some((first, last)) => {
                placements.insert(method.name.clone(), Placement::Narrow { first, last });
            }
            None => {
                let (offset, description) = &conflicts[0];
                finding.unfixable_reason = Some(format!(
                    "`{}` {description} at line {} while it would hold the lock, and that may take the lock again, which deadlocks because a `sync.Mutex` is not re-entrant; move that call out of the statements that touch the state, then run mockfix again",
                    method.name,
                    line_of(source, *offset)
                ));
                return Ok(Some(finding));
            }
        }
    }

    // Every node the edits touch must parse cleanly.
    let mut edited: Vec<Node> = vec![info.declaration];
    edited.extend(
        methods
            .iter()
            .filter(|method| placements.contains_key(&method.name))
            .map(|method| method.node),
    );
    edited.extend(moves.iter().map(|(method, _)| method.node));
    if let Some(err) = edited.iter().find_map(|node| first_error(*node, source)) {
        return Err(err);
    }

    let mut edits = Vec::new();
    if mutex.added {
        let sync = ctx.index.package_name("sync").unwrap_or_else(|| "sync".to_string());
        let type_text = match sync.as_str() {
            "." => mutex.kind.type_name().to_string(),
            sync => format!("{sync}.{}", mutex.kind.type_name()),
        };
        edits.extend(insert_first_field(source, info, &mutex.field, &type_text));
    }
    let writes = writing(&facts, &analysis, &helpers);
    for (method, placement) in methods
        .iter()
        .filter_map(|method| placements.get(&method.name).map(|placement| (method, placement)))
    {
        let receiver = method
            .receiver
            .as_deref()
            .expect("methods that touch state have a receiver");
        let read_only = mutex.kind == MutexKind::RwMutex && !writes.contains(&method.name);
        let (lock, unlock) = lock_calls(receiver, &mutex, read_only);
        match placement {
            Placement::Whole => edits.extend(insert_first_statements(
                source,
                method,
                &[lock, format!("defer {unlock}")],
            )),
            Placement::Narrow { first, last } => {
                let body = method.body.expect("placed methods have a body");
                let statements = block_statements(body);
                match around_statements(source, statements[*first], statements[*last], &lock, &unlock) {
                    Some(narrowed) => edits.extend(narrowed),
                    None => {
                        finding.unfixable_reason = Some(format!(
                            "`{}` needs the lock around lines {} to {} only, but those statements share a line with others; put each statement on its own line (gofmt), then run mockfix again",
                            method.name,
                            line_of(source, statements[*first].start_byte()),
                            line_of(source, statements[*last].end_byte())
                        ));
                        return Ok(Some(finding));
                    }
                }
            }
        }
    }
    let expanded: Vec<Node> = methods
        .iter()
        .filter(|method| matches!(placements.get(&method.name), Some(Placement::Whole)))
        .filter(|method| expands_body(source, method))
        .map(|method| method.node)
        .collect();
    edits.extend(realign_one_line_functions(source, ctx.index.root, &expanded));
    for (method, lock_statement) in &moves {
        edits.extend(move_lock_to_top(source, method, *lock_statement));
    }
    if edits.is_empty() && unfinished.is_empty() {
        log::debug!(
            "`{}` skipped: every method that touches its state already locks",
            info.name
        );
        return Ok(None);
    }
    if edits.is_empty() {
        finding.unfixable_reason = Some(format!("{}; move that access under the lock", unfinished.join("; ")));
        return Ok(Some(finding));
    }
    let unfinished: Vec<String> = unfinished
        .iter()
        .map(|access| format!("{access}, which the fix leaves as it is; move that access under the lock"))
        .collect();

    let (applicability, review_reason) = Applicability::from_reasons(&unfinished, &[]);
    let title = if mutex.added {
        format!("Guard `{}` with a `sync.{}`", info.name, mutex.kind.type_name())
    } else {
        format!(
            "Lock `{}` in every method of `{}` that touches its state",
            mutex.field, info.name
        )
    };
    finding.fix = Some(Fix {
        title,
        applicability,
        review_reason,
        edits,
        conversion: Conversion::GoGuard {
            field: mutex.field.clone(),
            field_added: mutex.added,
            state_fields: state.iter().cloned().collect(),
            unlocked_helpers: helpers.iter().cloned().collect(),
        },
    });
    Ok(Some(finding))
}

/// The state fields and default implementations that decide which code touches the state.
struct Analysis<'a> {
    state: &'a BTreeSet<String>,
    defaults: &'a [DefaultImpl],
}

impl Analysis<'_> {
    fn default_of(&self, field: &str) -> Option<&DefaultImpl> {
        self.defaults.iter().find(|default| default.field == field)
    }

    fn touches_directly(&self, facts: &BodyFacts) -> bool {
        facts.accesses.iter().any(|access| self.state.contains(&access.field))
    }

    /// Whether a function field's default implementation touches the state, so that calling the
    /// field touches it too.
    fn touching_field(&self, field: &str) -> bool {
        self.default_of(field)
            .is_some_and(|default| self.touches_directly(&default.facts))
    }

    fn touches(&self, facts: &BodyFacts) -> bool {
        self.touches_directly(facts)
            || facts
                .func_field_calls
                .iter()
                .any(|call| self.touching_field(&call.name))
    }
}

/// Writes the finding's message: which fields the methods change without a lock.
fn describe(
    info: &StructInfo,
    facts: &[(&MethodInfo, BodyFacts)],
    defaults: &[DefaultImpl],
    state: &BTreeSet<String>,
) -> String {
    let mut writers: Vec<String> = Vec::new();
    for field in state {
        let writer = facts
            .iter()
            .find(|(_, facts)| {
                facts
                    .accesses
                    .iter()
                    .any(|access| access.write && access.field == *field)
            })
            .map(|(method, _)| format!("`{}` writes `{field}`", method.name))
            .or_else(|| {
                defaults
                    .iter()
                    .find(|default| {
                        default
                            .facts
                            .accesses
                            .iter()
                            .any(|access| access.write && access.field == *field)
                    })
                    .map(|default| format!("the default `{}` writes `{field}`", default.field))
            });
        writers.extend(writer);
    }
    format!(
        "`{}` changes its fields without a lock ({}), so calls from several goroutines at once are a data race",
        info.name,
        writers.join(", ")
    )
}

/// Chooses the mutex to lock: an existing `sync.Mutex` or `sync.RWMutex` field, or a new one.
fn choose_mutex(info: &StructInfo, rule: &Rule) -> MutexChoice {
    if let Some(field) = info.fields.iter().find(|field| field.mutex.is_some()) {
        return MutexChoice {
            field: field.selector_names()[0].clone(),
            kind: field.mutex.expect("filtered on a mutex"),
            embedded: field.is_embedded(),
            added: false,
        };
    }
    let kind = match rule.mutex_type {
        GoMutexType::Mutex => MutexKind::Mutex,
        GoMutexType::RwMutex => MutexKind::RwMutex,
    };
    MutexChoice {
        field: free_field_name(info, &rule.guard_field),
        kind,
        embedded: false,
        added: true,
    }
}

/// Returns the rule's field name, or a variant of it when the struct already has a field so
/// named.
fn free_field_name(info: &StructInfo, preferred: &str) -> String {
    let candidates = [preferred.to_string(), format!("state{}", capitalized(preferred))];
    candidates
        .into_iter()
        .chain((2..).map(|n| format!("{preferred}{n}")))
        .find(|name| info.field(name).is_none())
        .expect("an unbounded list of names contains a free one")
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The byte range during which a method that locks `mutex_field` by hand holds it: from its first
/// `Lock` or `RLock` to the end of the body when a `defer` releases it, else to its first
/// `Unlock` or `RUnlock` after that.
fn hand_lock_range(method: &MethodInfo, facts: &BodyFacts, mutex_field: &str) -> Option<(usize, usize)> {
    let body = method.body?;
    let calls: Vec<_> = facts
        .lock_calls
        .iter()
        .filter(|call| call.mutex_field == mutex_field)
        .collect();
    let lock = calls
        .iter()
        .find(|call| call.method == "Lock" || call.method == "RLock")?;
    let statements = block_statements(body);
    let unlock = calls
        .iter()
        .find(|call| call.offset > lock.offset && (call.method == "Unlock" || call.method == "RUnlock"))?;
    let deferred =
        statement_index(&statements, unlock.offset).is_some_and(|index| statements[index].kind() == "defer_statement");
    if deferred {
        Some((lock.offset, body.end_byte()))
    } else {
        Some((lock.offset, unlock.offset))
    }
}

/// Finds the `Lock` statement of a method that locks by hand after statements that only read
/// the state, such as a check of an injected error. Moving it to the top, with the
/// `defer Unlock` after it, locks those reads too and keeps what the method does.
fn movable_lock(method: &MethodInfo, facts: &BodyFacts, state: &BTreeSet<String>) -> Option<usize> {
    let body = method.body?;
    let statements = block_statements(body);
    let lock = facts
        .lock_calls
        .iter()
        .find(|call| call.method == "Lock" || call.method == "RLock")?;
    let index = statement_index(&statements, lock.offset)?;
    let next = statements.get(index + 1)?;
    let unlock_deferred = next.kind() == "defer_statement"
        && facts
            .lock_calls
            .iter()
            .any(|call| next.start_byte() <= call.offset && call.offset < next.end_byte());
    if index == 0 || !unlock_deferred || statements[index].kind() != "expression_statement" {
        return None;
    }
    let before = statements[index - 1].end_byte();
    let early = |offset: usize| offset < before;
    let only_reads = facts
        .accesses
        .iter()
        .filter(|access| early(access.offset))
        .all(|access| !access.write || !state.contains(&access.field));
    let calls_back = facts.method_calls.iter().any(|call| early(call.offset))
        || facts.func_field_calls.iter().any(|call| early(call.offset))
        || facts.hazards.iter().any(|hazard| early(hazard.offset));
    (only_reads && !calls_back).then_some(index)
}

/// Finds the unexported methods that touch the state but are only ever called, on the receiver,
/// from methods that hold the lock. They must not lock it again.
fn unlocked_helpers(
    ctx: &PlanContext,
    methods: &[MethodInfo],
    facts: &[(&MethodInfo, BodyFacts)],
    defaults: &[DefaultImpl],
    candidates: &BTreeSet<String>,
    held_by_hand: &BTreeMap<String, (usize, usize)>,
) -> BTreeSet<String> {
    let all_calls = selector_calls(ctx);
    let mut held = BTreeSet::new();
    for method in methods
        .iter()
        .filter(|method| !method.is_exported() && candidates.contains(&method.name))
    {
        let name = &method.name;
        let mut known_sites = 0;
        let mut all_held = true;
        for (caller, caller_facts) in facts {
            for call in caller_facts.method_calls.iter().filter(|call| call.name == *name) {
                known_sites += 1;
                // A caller holds the lock when it locks by hand around the call, or when it
                // touches the state itself, as a guarded method or as another helper.
                all_held &= match held_by_hand.get(&caller.name) {
                    Some(range) => range.0 <= call.offset && call.offset < range.1,
                    None => candidates.contains(&caller.name),
                };
            }
        }
        let from_defaults = defaults
            .iter()
            .flat_map(|default| default.facts.method_calls.iter())
            .any(|call| call.name == *name);
        // Calls elsewhere in the file, such as from the test itself, hold no lock.
        let everywhere = all_calls.iter().filter(|call| *call == name).count();
        if known_sites > 0 && all_held && !from_defaults && everywhere == known_sites {
            held.insert(name.clone());
        }
    }
    held
}

/// The names of every method call written `x.name(...)` in the file, once per call.
fn selector_calls(ctx: &PlanContext) -> Vec<String> {
    descendants(ctx.index.root)
        .into_iter()
        .filter(|node| node.kind() == "call_expression")
        .filter_map(|call| call.child_by_field_name("function"))
        .filter(|function| function.kind() == "selector_expression")
        .filter_map(|selector| selector.child_by_field_name("field"))
        .map(|field| text(field, ctx.source).to_string())
        .collect()
}

/// Maps every method that takes the lock, directly (`locking`) or through the methods and
/// default function fields it calls, to the next method on the way to the lock. A method in
/// `locking` maps to `None`.
fn reaching(
    facts: &[(&MethodInfo, BodyFacts)],
    defaults: &[DefaultImpl],
    locking: &BTreeSet<String>,
) -> BTreeMap<String, Option<String>> {
    let mut reach: BTreeMap<String, Option<String>> = locking.iter().map(|name| (name.clone(), None)).collect();
    loop {
        let mut changed = false;
        for (method, method_facts) in facts {
            if reach.contains_key(&method.name) {
                continue;
            }
            let through_method = method_facts
                .method_calls
                .iter()
                .find(|call| reach.contains_key(&call.name))
                .map(|call| call.name.clone());
            let through_default = || {
                method_facts.func_field_calls.iter().find_map(|call| {
                    let default = defaults.iter().find(|default| default.field == call.name)?;
                    default
                        .facts
                        .method_calls
                        .iter()
                        .find(|inner| reach.contains_key(&inner.name))
                        .map(|inner| inner.name.clone())
                })
            };
            if let Some(next) = through_method.or_else(through_default) {
                reach.insert(method.name.clone(), Some(next));
                changed = true;
            }
        }
        if !changed {
            return reach;
        }
    }
}

/// "`Flush`, which locks `mutex`", or "`record`, which calls `Flush`, which locks `mutex`".
fn chain_text(start: &str, reach: &BTreeMap<String, Option<String>>, mutex_field: &str) -> String {
    let mut parts = vec![format!("`{start}`")];
    let mut current = start.to_string();
    let mut seen = BTreeSet::new();
    while let Some(Some(next)) = reach.get(&current) {
        if !seen.insert(next.clone()) {
            break;
        }
        parts.push(format!("which calls `{next}`"));
        current = next.clone();
    }
    parts.push(format!("which locks `{mutex_field}`"));
    parts.join(", ")
}

/// The places where a guarded method may take the lock again or call back into the double, with
/// what happens there.
fn conflicts_of(
    info: &StructInfo,
    facts: &BodyFacts,
    defaults: &[DefaultImpl],
    reach: &BTreeMap<String, Option<String>>,
    mutex_field: &str,
    source: &str,
) -> Vec<(usize, String)> {
    let mut conflicts: Vec<(usize, String)> = facts
        .hazards
        .iter()
        .map(|hazard| (hazard.offset, hazard.description.clone()))
        .collect();
    for call in &facts.method_calls {
        if reach.contains_key(&call.name) {
            conflicts.push((
                call.offset,
                format!("calls {}", chain_text(&call.name, reach, mutex_field)),
            ));
        }
    }
    for call in &facts.func_field_calls {
        match defaults.iter().find(|default| default.field == call.name) {
            None => conflicts.push((
                call.offset,
                format!(
                    "calls the function field `{}`, which the test sets and which may call back into `{}`",
                    call.name, info.name
                ),
            )),
            Some(default) => {
                let inner = default
                    .facts
                    .method_calls
                    .iter()
                    .find(|inner| reach.contains_key(&inner.name));
                if let Some(inner) = inner {
                    conflicts.push((
                        call.offset,
                        format!(
                            "calls the function field `{}`, whose default implementation at line {} calls {}",
                            call.name,
                            line_of(source, default.offset),
                            chain_text(&inner.name, reach, mutex_field)
                        ),
                    ));
                } else if let Some(hazard) = default.facts.hazards.first() {
                    conflicts.push((
                        call.offset,
                        format!(
                            "calls the function field `{}`, whose default implementation {}",
                            call.name, hazard.description
                        ),
                    ));
                }
            }
        }
    }
    conflicts.sort_by_key(|(offset, _)| *offset);
    conflicts
}

/// The first and last top-level statements of a method that touch the state, when no conflict
/// lies between them and none of them returns, so that `Lock` before and `Unlock` after them
/// cover every access.
fn narrow(
    method: &MethodInfo,
    facts: &BodyFacts,
    analysis: &Analysis,
    helpers: &BTreeSet<String>,
    conflicts: &[(usize, String)],
) -> Option<(usize, usize)> {
    let statements = block_statements(method.body?);
    let mut touching_offsets: Vec<usize> = facts
        .accesses
        .iter()
        .filter(|access| analysis.state.contains(&access.field))
        .map(|access| access.offset)
        .collect();
    touching_offsets.extend(
        facts
            .func_field_calls
            .iter()
            .filter(|call| analysis.touching_field(&call.name))
            .map(|call| call.offset),
    );
    touching_offsets.extend(
        facts
            .method_calls
            .iter()
            .filter(|call| helpers.contains(&call.name))
            .map(|call| call.offset),
    );
    let indexes: Vec<usize> = touching_offsets
        .iter()
        .filter_map(|offset| statement_index(&statements, *offset))
        .collect();
    let first = *indexes.iter().min()?;
    let last = *indexes.iter().max()?;
    let conflict_inside = conflicts
        .iter()
        .any(|(offset, _)| statement_index(&statements, *offset).is_none_or(|index| first <= index && index <= last));
    let returns = statements[first..=last]
        .iter()
        .any(|statement| returns_from_method(*statement));
    (!conflict_inside && !returns).then_some((first, last))
}

/// Finds the methods that write the state, directly, through the default of a function field
/// they call, or through an unlocked helper. The others may take a read lock.
fn writing(facts: &[(&MethodInfo, BodyFacts)], analysis: &Analysis, helpers: &BTreeSet<String>) -> BTreeSet<String> {
    let writes_directly = |facts: &BodyFacts| {
        facts
            .accesses
            .iter()
            .any(|access| access.write && analysis.state.contains(&access.field))
            || facts.func_field_calls.iter().any(|call| {
                analysis.default_of(&call.name).is_some_and(|default| {
                    default
                        .facts
                        .accesses
                        .iter()
                        .any(|access| access.write && analysis.state.contains(&access.field))
                })
            })
    };
    let mut writers: BTreeSet<String> = facts
        .iter()
        .filter(|(_, facts)| writes_directly(facts))
        .map(|(method, _)| method.name.clone())
        .collect();
    loop {
        let before = writers.len();
        for (method, method_facts) in facts {
            if method_facts
                .method_calls
                .iter()
                .any(|call| helpers.contains(&call.name) && writers.contains(&call.name))
            {
                writers.insert(method.name.clone());
            }
        }
        if writers.len() == before {
            return writers;
        }
    }
}

/// Writes the statements that take and release the lock: `m.mutex.Lock()` and
/// `m.mutex.Unlock()`, or `m.Lock()` for an embedded mutex, with `RLock` and `RUnlock` for a read.
fn lock_calls(receiver: &str, mutex: &MutexChoice, read_only: bool) -> (String, String) {
    let target = if mutex.embedded {
        receiver.to_string()
    } else {
        format!("{receiver}.{}", mutex.field)
    };
    if read_only {
        (format!("{target}.RLock()"), format!("{target}.RUnlock()"))
    } else {
        (format!("{target}.Lock()"), format!("{target}.Unlock()"))
    }
}

/// Plans the insert of `lines` as the first statements of a method's body, each on its own line
/// and indented like the body. A body written on one line is spread over several, as gofmt
/// prints bodies of more than one statement.
fn insert_first_statements(source: &str, method: &MethodInfo, lines: &[String]) -> Vec<TextEdit> {
    let Some(body) = method.body else { return Vec::new() };
    let eol = line_ending_at(source, body.start_byte());
    let members = body_members(body);
    let Some(first) = members.first() else {
        return Vec::new();
    };
    if !expands_body(source, method) {
        let indent = indentation_at(source, first.start_byte());
        let text: String = lines.iter().map(|line| format!("{indent}{line}{eol}")).collect();
        return vec![TextEdit::insert(line_start(source, first.start_byte()), text)];
    }
    let outer = indentation_at(source, method.node.start_byte());
    let mut text = format!("{{{eol}");
    for line in lines {
        text.push_str(&format!("{outer}\t{line}{eol}"));
    }
    for member in &members {
        text.push_str(&format!("{outer}\t{}{eol}", super::syntax::text(*member, source)));
    }
    text.push_str(&format!("{outer}}}"));
    // A one-line body may be padded to align with the one-line functions around it, as in
    // `func (s *S) Len() int  { ... }`. A body on several lines follows a single space.
    let start = body
        .prev_sibling()
        .map_or(body.start_byte(), |before| before.end_byte());
    vec![TextEdit::replace(start, body.end_byte(), format!(" {text}"))]
}

/// The statements and comments of a body, in order.
fn body_members(body: Node) -> Vec<Node> {
    named_children(body)
        .into_iter()
        .flat_map(|child| {
            if child.kind() == "statement_list" {
                named_children(child)
            } else {
                vec![child]
            }
        })
        .collect()
}

/// Whether the method's body starts on the line of its `{`, so that inserting statements
/// spreads it over several lines.
fn expands_body(source: &str, method: &MethodInfo) -> bool {
    let Some(body) = method.body else { return false };
    body_members(body)
        .first()
        .is_some_and(|first| !source[body.start_byte() + 1..first.start_byte()].contains('\n'))
}

/// Plans `lock` on a line before `first` and `unlock` on a line after `last`, or `None` when
/// either statement shares its line with other code.
fn around_statements(source: &str, first: Node, last: Node, lock: &str, unlock: &str) -> Option<Vec<TextEdit>> {
    let first_line = line_start(source, first.start_byte());
    if !source[first_line..first.start_byte()].trim().is_empty() {
        return None;
    }
    let last_end = line_content_end(source, last.end_byte());
    if !source[last.end_byte()..last_end].trim().is_empty() {
        return None;
    }
    let indent = indentation_at(source, first.start_byte());
    let eol = line_ending_at(source, first.start_byte());
    Some(vec![
        TextEdit::insert(first_line, format!("{indent}{lock}{eol}")),
        TextEdit::insert(last_end, format!("{eol}{indent}{unlock}")),
    ])
}

/// Moves a method's `Lock` statement at `lock_index`, and the `defer Unlock` after it, to the
/// top of the body.
fn move_lock_to_top(source: &str, method: &MethodInfo, lock_index: usize) -> Vec<TextEdit> {
    let Some(body) = method.body else { return Vec::new() };
    let statements = block_statements(body);
    let (lock, unlock) = (statements[lock_index], statements[lock_index + 1]);
    let start = line_start(source, lock.start_byte());
    let end = line_content_end(source, unlock.end_byte());
    let end = source[end..]
        .find('\n')
        .map_or(source.len(), |newline| end + newline + 1);
    let moved = &source[start..end];
    let top = line_start(source, statements[0].start_byte());
    vec![TextEdit::insert(top, moved.to_string()), TextEdit::delete(start, end)]
}

/// The facts of one function literal body, for tests of default implementations.
#[cfg(test)]
fn literal_facts(source: &str, info: &StructInfo, receiver: &str) -> BodyFacts {
    use super::detect::body_facts;

    let tree_root = info.declaration.parent().expect("a declaration has a parent");
    let literal = descendants(tree_root)
        .into_iter()
        .find(|node| node.kind() == "func_literal")
        .expect("the source has a function literal");
    body_facts(
        literal.child_by_field_name("body").unwrap(),
        receiver,
        info,
        &[],
        &[],
        source,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::syntax::parse;

    #[test]
    fn default_literal_touches_state() {
        let source = "package a\n\ntype FakeFS struct {\n\tfiles map[string]string\n\tRead  func(string) string\n}\n\nfunc NewFakeFS() *FakeFS {\n\tfs := &FakeFS{files: map[string]string{}}\n\tfs.Read = func(name string) string { return fs.files[name] }\n\treturn fs\n}\n";
        let tree = parse(source).unwrap();
        let index = FileIndex::build(tree.root_node(), source);
        let facts = literal_facts(source, &index.structs[0], "fs");
        assert_eq!(facts.accesses.len(), 1);
        assert_eq!(facts.accesses[0].field, "files");
        assert!(!facts.accesses[0].write);
    }

    #[test]
    fn free_field_name_avoids_existing_fields() {
        let source = "package a\n\ntype FakeFS struct {\n\tmutex int\n}\n";
        let tree = parse(source).unwrap();
        let index = FileIndex::build(tree.root_node(), source);
        assert_eq!(free_field_name(&index.structs[0], "mutex"), "stateMutex");
    }
}

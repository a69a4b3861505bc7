//! Doubles that mockfix must report instead of fixing, or leave alone: each case checks the
//! reason the user reads and that the text is unchanged.

use mockfix::config::RuleSet;
use mockfix::fix::Applicability;
use mockfix::{fix_source, FixPolicy};

/// Runs every built-in rule on `source`, including fixes that need review, and returns the
/// reason given for the one finding on `double`, after checking that nothing was changed.
fn reason_for(source: &str, double: &str) -> String {
    let outcome = fix_source(
        "lib.rs",
        source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: true,
        },
    )
    .unwrap();
    assert_eq!(outcome.fixed_text, source, "a refused fix changed the text");
    let finding = outcome
        .findings
        .iter()
        .find(|finding| finding.struct_name == double)
        .unwrap_or_else(|| panic!("no finding on `{double}`: {:?}", outcome.findings));
    assert!(finding.fix.is_none(), "`{double}` got a fix: {:?}", finding.fix);
    finding
        .unfixable_reason
        .clone()
        .expect("a finding without a fix says why")
}

fn findings_on(source: &str) -> Vec<String> {
    let outcome = fix_source(
        "lib.rs",
        source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: true,
        },
    )
    .unwrap();
    outcome
        .findings
        .iter()
        .map(|finding| finding.struct_name.clone())
        .collect()
}

#[test]
fn borrow_across_await_is_reported() {
    let source = "use std::cell::RefCell;
pub struct FakeClock { now: RefCell<u64> }
impl FakeClock {
    pub async fn advance(&self) {
        self.now.borrow_mut().checked_add(tick().await);
    }
}
async fn tick() -> u64 { 1 }
";
    let reason = reason_for(source, "FakeClock");
    assert!(reason.contains("held across the `.await` at line 5"), "{reason}");
}

#[test]
fn guard_across_await_without_tokio_is_reported() {
    let source = "use std::sync::atomic::{AtomicU64, Ordering};
pub struct FakeClock { now: AtomicU64 }
impl FakeClock {
    pub async fn advance(&self) {
        let now = self.now.load(Ordering::SeqCst);
        tick().await;
        self.now.store(now + 1, Ordering::SeqCst);
    }
}
async fn tick() {}
";
    let reason = reason_for(source, "FakeClock");
    assert!(
        reason.contains("a guard in `advance` would be held across the `.await` at line 6"),
        "{reason}"
    );
}

#[test]
fn tokio_guard_in_sync_method_is_reported() {
    let source = "use std::sync::atomic::{AtomicU64, Ordering};
pub struct FakeClock { now: AtomicU64 }
impl FakeClock {
    pub async fn advance(&self) {
        let now = self.now.load(Ordering::SeqCst);
        tokio::task::yield_now().await;
        self.now.store(now + 1, Ordering::SeqCst);
    }
    pub fn rewind(&self) {
        let now = self.now.load(Ordering::SeqCst);
        self.now.store(now.saturating_sub(1), Ordering::SeqCst);
    }
}
";
    let reason = reason_for(source, "FakeClock");
    assert!(
        reason.contains("a guard in `advance` would be held across the `.await` at line 6, so it must be a `tokio::sync::Mutex<()>`"),
        "{reason}"
    );
    assert!(
        reason.contains("`rewind` at line 9 touches the state and is not async"),
        "{reason}"
    );
}

#[test]
fn existing_tokio_guard_sync_method_reported() {
    let source = "use std::sync::atomic::{AtomicU64, Ordering};
pub struct FakeClock { now: AtomicU64, mutex: tokio::sync::Mutex<()> }
impl FakeClock {
    pub async fn advance(&self) {
        let _guard = self.mutex.lock().await;
        let now = self.now.load(Ordering::SeqCst);
        self.now.store(now + 1, Ordering::SeqCst);
    }
    pub fn rewind(&self) {
        let now = self.now.load(Ordering::SeqCst);
        self.now.store(now.saturating_sub(1), Ordering::SeqCst);
    }
}
";
    let reason = reason_for(source, "FakeClock");
    assert!(
        reason.contains("guards its state with the `tokio::sync::Mutex<()>` field `mutex`"),
        "{reason}"
    );
    assert!(
        reason.contains("`rewind` at line 9 touches the state and is not async"),
        "{reason}"
    );
}

#[test]
fn tokio_guard_derived_partial_eq_reported() {
    let source = "use std::sync::atomic::{AtomicU64, Ordering};
#[derive(PartialEq)]
pub struct FakeClock { now: AtomicU64 }
impl FakeClock {
    pub async fn advance(&self) {
        let now = self.now.load(Ordering::SeqCst);
        tokio::task::yield_now().await;
        self.now.store(now + 1, Ordering::SeqCst);
    }
}
";
    let reason = reason_for(source, "FakeClock");
    assert!(
        reason.contains("derives `PartialEq`, and a `tokio::sync::Mutex` cannot be locked in that impl"),
        "{reason}"
    );
}

#[test]
fn tokio_guard_taken_twice_is_reported() {
    let source = "use std::sync::atomic::{AtomicU64, Ordering};
pub struct FakeClock { now: AtomicU64 }
impl FakeClock {
    pub async fn advance(&self) {
        let now = self.now.load(Ordering::SeqCst);
        self.skip().await;
        self.now.store(now + 1, Ordering::SeqCst);
    }
    pub async fn skip(&self) {
        let now = self.now.load(Ordering::SeqCst);
        tokio::task::yield_now().await;
        self.now.store(now + 2, Ordering::SeqCst);
    }
}
";
    let reason = reason_for(source, "FakeClock");
    assert!(
        reason
            .contains("taken twice on the call chain `advance -> skip`, and a `tokio::sync::Mutex` is not re-entrant"),
        "{reason}"
    );
}

#[test]
fn fields_locked_in_both_orders_are_reported() {
    let source = "use std::cell::RefCell;
pub struct MockBank { a: RefCell<u32>, b: RefCell<u32> }
impl MockBank {
    pub fn move_a_to_b(&self) {
        let mut a = self.a.borrow_mut();
        *self.b.borrow_mut() += *a;
        *a = 0;
    }
    pub fn move_b_to_a(&self) {
        let mut b = self.b.borrow_mut();
        *self.a.borrow_mut() += *b;
        *b = 0;
    }
}
";
    let reason = reason_for(source, "MockBank");
    assert!(reason.contains("two threads can deadlock"), "{reason}");
    assert!(reason.contains("line 6") && reason.contains("line 11"), "{reason}");
}

#[test]
fn fields_locked_in_one_order_are_fixed() {
    let source = "use std::cell::RefCell;
pub struct MockBank { a: RefCell<u32>, b: RefCell<u32> }
impl MockBank {
    pub fn move_a_to_b(&self) {
        let mut a = self.a.borrow_mut();
        *self.b.borrow_mut() += *a;
        *a = 0;
    }
}
";
    let outcome = fix_source(
        "lib.rs",
        source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: false,
        },
    )
    .unwrap();
    assert_eq!(outcome.applied.len(), 1, "{:?}", outcome.findings);
}

#[test]
fn borrow_twice_in_one_statement_is_reported() {
    let source = "use std::cell::RefCell;
pub struct SpyLog { lines: RefCell<Vec<String>> }
pub fn check(spy: &SpyLog) {
    assert_eq!(spy.lines.borrow().len(), spy.lines.borrow().iter().count());
}
";
    let reason = reason_for(source, "SpyLog");
    assert!(
        reason.contains("`lines` would be locked at line 4 while the lock taken at line 4"),
        "{reason}"
    );
}

#[test]
fn let_guard_across_locking_call_is_reported() {
    let source = "use std::cell::RefCell;
pub struct MockQueue { items: RefCell<Vec<u32>> }
impl MockQueue {
    pub fn len(&self) -> usize { self.items.borrow().len() }
    pub fn push(&self, item: u32) {
        let mut items = self.items.borrow_mut();
        items.push(item);
        println!(\"{}\", self.len());
    }
}
";
    let reason = reason_for(source, "MockQueue");
    assert!(
        reason.contains("`len` locks `items` at line 8 while the lock taken at line 6"),
        "{reason}"
    );
}

#[test]
fn callback_with_self_under_guard_is_reported() {
    let source = "use std::sync::atomic::{AtomicUsize, Ordering};
pub struct FakeCache { hits: AtomicUsize, on_hit: fn(&FakeCache) }
impl FakeCache {
    pub fn hit(&self) {
        let n = self.hits.load(Ordering::SeqCst);
        (self.on_hit)(self);
        self.hits.store(n + 1, Ordering::SeqCst);
    }
}
";
    let reason = reason_for(source, "FakeCache");
    assert!(reason.contains("`hit` passes `self` to a call at line 6"), "{reason}");
}

/// Fixes `source` with fixes that need review included, and returns the fixed text and the review
/// reason of the fix on `double`.
fn reviewed_fix(source: &str, double: &str) -> (String, String) {
    let outcome = fix_source(
        "lib.rs",
        source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: true,
        },
    )
    .unwrap();
    let finding = outcome
        .findings
        .iter()
        .find(|finding| finding.struct_name == double)
        .expect("a finding");
    let fix = finding
        .fix
        .as_ref()
        .unwrap_or_else(|| panic!("no fix: {:?}", finding.unfixable_reason));
    (
        outcome.fixed_text.clone(),
        fix.review_reason.clone().unwrap_or_default(),
    )
}

#[test]
fn recursive_call_after_update_narrows_guard() {
    let source = "use std::sync::atomic::{AtomicUsize, Ordering};
pub struct FakeTree { visits: AtomicUsize }
impl FakeTree {
    pub fn visit(&self, depth: u32) {
        let n = self.visits.load(Ordering::SeqCst);
        self.visits.store(n + 1, Ordering::SeqCst);
        if depth > 0 {
            self.visit(depth - 1);
        }
    }
}
";
    let (fixed, reason) = reviewed_fix(source, "FakeTree");
    assert!(
        reason.contains("the guard in `visit` covers lines 5 to 6 only"),
        "{reason}"
    );
    let expected_body = "        {
            let _guard = self.mutex.lock().unwrap();
            let n = self.visits.load(Ordering::SeqCst);
            self.visits.store(n + 1, Ordering::SeqCst);
        }
        if depth > 0 {
            self.visit(depth - 1);
        }";
    assert!(fixed.contains(expected_body), "{fixed}");
}

#[test]
fn recursive_call_inside_update_is_reported() {
    let source = "use std::sync::atomic::{AtomicUsize, Ordering};
pub struct FakeTree { visits: AtomicUsize }
impl FakeTree {
    pub fn visit(&self, depth: u32) {
        let n = self.visits.load(Ordering::SeqCst);
        if depth > 0 {
            self.visit(depth - 1);
        }
        self.visits.store(n + 1, Ordering::SeqCst);
    }
}
";
    let reason = reason_for(source, "FakeTree");
    assert!(reason.contains("call chain `visit -> visit`"), "{reason}");
}

#[test]
fn public_getter_called_before_update_narrows_guard() {
    let source = "use std::sync::atomic::{AtomicUsize, Ordering};
pub struct FakeMeter { hits: AtomicUsize, misses: AtomicUsize }
impl FakeMeter {
    pub fn total(&self) -> usize { self.hits.load(Ordering::SeqCst) + self.misses.load(Ordering::SeqCst) }
    pub fn hit(&self) {
        let n = self.total();
        let m = self.hits.load(Ordering::SeqCst);
        self.hits.store(n.max(m) + 1, Ordering::SeqCst);
    }
}
";
    let (fixed, reason) = reviewed_fix(source, "FakeMeter");
    assert!(
        reason.contains("the guard in `hit` covers lines 7 to 8 only"),
        "{reason}"
    );
    assert!(
        fixed.contains("        let n = self.total();\n        {\n            let _guard"),
        "{fixed}"
    );
}

#[test]
fn binding_used_after_update_blocks_narrowing() {
    let source = "use std::sync::atomic::{AtomicUsize, Ordering};
pub struct FakeMeter { hits: AtomicUsize, misses: AtomicUsize }
impl FakeMeter {
    pub fn total(&self) -> usize { self.hits.load(Ordering::SeqCst) + self.misses.load(Ordering::SeqCst) }
    pub fn hit(&self) -> usize {
        let n = self.hits.load(Ordering::SeqCst);
        self.hits.store(n + 1, Ordering::SeqCst);
        n + self.total()
    }
}
";
    let reason = reason_for(source, "FakeMeter");
    assert!(reason.contains("`hit -> total`"), "{reason}");
}

#[test]
fn single_load_under_guard_unguarded() {
    let source = "use std::sync::atomic::{AtomicUsize, Ordering};
pub struct FakeMeter { hits: AtomicUsize }
impl FakeMeter {
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
    pub fn hit(&self) -> usize {
        let n = self.hits.load(Ordering::SeqCst);
        self.hits.store(n + 1, Ordering::SeqCst);
        n + self.hits()
    }
}
";
    let outcome = fix_source(
        "lib.rs",
        source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: false,
        },
    )
    .unwrap();
    assert_eq!(outcome.applied.len(), 1, "{:?}", outcome.findings);
    assert_eq!(
        outcome.fixed_text.matches("let _guard").count(),
        1,
        "{}",
        outcome.fixed_text
    );
    assert!(
        outcome
            .fixed_text
            .contains("    pub fn hit(&self) -> usize {\n        let _guard = self.mutex.lock().unwrap();"),
        "{}",
        outcome.fixed_text
    );
}

#[test]
fn single_load_double_write_keeps_guard() {
    let source = "use std::sync::atomic::{AtomicUsize, Ordering};
pub struct FakeMeter { hits: AtomicUsize }
impl FakeMeter {
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
    pub fn hit(&self) -> usize {
        let n = self.hits.load(Ordering::SeqCst);
        self.hits.store(n + 1, Ordering::SeqCst);
        self.hits.store(n + 2, Ordering::SeqCst);
        n + self.hits()
    }
}
";
    let reason = reason_for(source, "FakeMeter");
    assert!(reason.contains("`hit -> hits`"), "{reason}");
}

#[test]
fn single_load_loop_write_keeps_guard() {
    let source = "use std::sync::atomic::{AtomicUsize, Ordering};
pub struct FakeMeter { hits: AtomicUsize }
impl FakeMeter {
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
    pub fn hit(&self, times: usize) -> usize {
        for _ in 0..times {
            let n = self.hits.load(Ordering::SeqCst);
            self.hits.store(n + 1, Ordering::SeqCst);
        }
        self.hits()
    }
}
";
    let (fixed, _) = reviewed_fix(source, "FakeMeter");
    assert!(
        fixed.contains("    pub fn hits(&self) -> usize {\n        let _guard = self.mutex.lock().unwrap();"),
        "{fixed}"
    );
}

#[test]
fn derive_hash_is_reported() {
    let source = "use std::cell::RefCell;
#[derive(Clone, Hash, PartialEq)]
pub struct MockMailer { sent: RefCell<Vec<String>> }
";
    let reason = reason_for(source, "MockMailer");
    assert!(
        reason.contains("derives `Hash`, which `RefCell` does not implement either"),
        "{reason}"
    );
    assert!(reason.contains("remove it from the derive"), "{reason}");
}

#[test]
fn derive_copy_is_reported() {
    let source = "use std::cell::Cell;
#[derive(Clone, Copy)]
pub struct FakeCounter { hits: Cell<usize> }
";
    let reason = reason_for(source, "FakeCounter");
    assert!(
        reason.contains("derives `Copy`, which `Cell` does not implement either"),
        "{reason}"
    );
}

#[test]
fn derive_under_cfg_attr_is_reported() {
    let source = "use std::cell::RefCell;
#[cfg_attr(test, derive(PartialEq))]
pub struct MockMailer { sent: RefCell<Vec<String>> }
";
    let reason = reason_for(source, "MockMailer");
    assert!(
        reason.contains("derives `PartialEq` under `#[cfg_attr(..)]`"),
        "{reason}"
    );
}

#[test]
fn field_under_cfg_attr_is_reported() {
    let source = "use std::cell::RefCell;
#[derive(Clone, PartialEq)]
pub struct MockMailer {
    sent: RefCell<Vec<String>>,
    #[cfg_attr(feature = \"strict\", cfg(test))]
    label: String,
}
";
    let reason = reason_for(source, "MockMailer");
    assert!(
        reason.contains("cannot write them by hand because field `label` has `#[cfg_attr(..)]`"),
        "{reason}"
    );
}

#[test]
fn comparison_while_borrowed_is_reported() {
    let source = "use std::cell::RefCell;
#[derive(PartialEq)]
pub struct MockLog { lines: RefCell<Vec<String>> }
impl MockLog {
    pub fn matches(&self, other: &MockLog) -> bool {
        let lines = self.lines.borrow();
        !lines.is_empty() && *self == *other
    }
}
";
    let reason = reason_for(source, "MockLog");
    assert!(
        reason.contains("`self` is compared at line 7 while the lock of `lines` taken at line 6 is held"),
        "{reason}"
    );
}

#[test]
fn assert_eq_while_borrowed_is_reported() {
    let source = "use std::cell::RefCell;
#[derive(Debug, PartialEq)]
pub struct MockLog { lines: RefCell<Vec<String>> }
pub fn check(log: &MockLog, expected: &MockLog) {
    let lines = log.lines.borrow();
    assert_eq!(log, expected, \"{} lines\", lines.len());
}
";
    let reason = reason_for(source, "MockLog");
    assert!(
        reason.contains("`log` is compared at line 6 while the lock of `lines` taken at line 5 is held"),
        "{reason}"
    );
}

#[test]
fn ordering_while_borrowed_is_reported() {
    let source = "use std::cell::RefCell;
#[derive(PartialEq, PartialOrd)]
pub struct MockRank { scores: RefCell<Vec<u32>> }
impl MockRank {
    pub fn beats(&self, other: &MockRank) -> bool {
        let scores = self.scores.borrow();
        !scores.is_empty() && self > other
    }
}
";
    let reason = reason_for(source, "MockRank");
    assert!(
        reason.contains("its `PartialOrd` impl takes that lock again"),
        "{reason}"
    );
}

#[test]
fn clone_while_borrowed_is_reported() {
    let source = "use std::cell::RefCell;
#[derive(Clone)]
pub struct MockLog { lines: RefCell<Vec<String>> }
impl MockLog {
    pub fn snapshot(&self) -> MockLog {
        let lines = self.lines.borrow();
        assert!(!lines.is_empty());
        self.clone()
    }
}
";
    let reason = reason_for(source, "MockLog");
    assert!(
        reason.contains("`clone` locks `lines` at line 8 while the lock taken at line 6 is still held"),
        "{reason}"
    );
}

#[test]
fn trait_method_called_by_path_is_followed() {
    let source = "use std::cell::RefCell;
pub trait Audit { fn audit(&self); }
pub trait Outbox { fn pending(&self) -> usize; }
pub struct MockMailer { sent: RefCell<Vec<String>> }
impl MockMailer {
    pub fn send(&self) {
        let sent = self.sent.borrow();
        self.audit();
        drop(sent);
    }
}
impl Audit for MockMailer {
    fn audit(&self) {
        let _ = Outbox::pending(self);
    }
}
impl Outbox for MockMailer {
    fn pending(&self) -> usize { self.sent.borrow().len() }
}
";
    let reason = reason_for(source, "MockMailer");
    assert!(
        reason.contains("`audit` locks `sent` at line 8 while the lock taken at line 7 is still held"),
        "{reason}"
    );
}

#[test]
fn mixed_cells_with_derives_reported() {
    let source = "use std::cell::{Cell, RefCell};
#[derive(Clone, PartialEq)]
pub struct MockApi { calls: Cell<u32>, log: RefCell<Vec<String>> }
";
    let outcome = fix_source(
        "lib.rs",
        source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: true,
        },
    )
    .unwrap();
    assert_eq!(outcome.fixed_text, source, "a refused fix changed the text");
    for rule in ["cell-in-shared-double", "refcell-in-shared-double"] {
        let finding = outcome
            .findings
            .iter()
            .find(|finding| finding.rule_id == rule)
            .unwrap_or_else(|| panic!("no finding of {rule}: {:?}", outcome.findings));
        assert!(finding.fix.is_none(), "{rule} offered a fix: {:?}", finding.fix);
        let reason = finding.unfixable_reason.as_deref().unwrap_or_default();
        assert!(reason.contains("has both `RefCell` and `Cell` fields"), "{reason}");
        assert!(reason.contains("implement them by hand"), "{reason}");
    }
}

#[test]
fn no_std_crate_is_reported() {
    let source = "#![no_std]
use core::cell::RefCell;
pub struct MockPin { level: RefCell<bool> }
";
    let reason = reason_for(source, "MockPin");
    assert!(reason.contains("`#![no_std]`"), "{reason}");
}

#[test]
fn suppression_comment_silences_double() {
    let double = "pub struct MockMailer { sent: std::cell::RefCell<Vec<String>> }\n";
    assert_eq!(findings_on(double), ["MockMailer"]);
    assert!(findings_on(&format!("// mockfix: ignore\n{double}")).is_empty());
    assert!(findings_on(&format!(
        "// mockfix: ignore[refcell-in-shared-double]\n#[derive(Default)]\n{double}"
    ))
    .is_empty());
    assert_eq!(
        findings_on(&format!("// mockfix: ignore[other-rule]\n{double}")),
        ["MockMailer"]
    );
    assert_eq!(
        findings_on(&format!("// mockfix: ignore\n\n{double}")),
        ["MockMailer"],
        "a blank line ends the comment block"
    );
}

#[test]
fn unrelated_names_are_left_alone() {
    assert!(findings_on("pub struct Registry { items: std::cell::RefCell<Vec<u8>> }\n").is_empty());
    assert!(findings_on("pub struct Registry(std::cell::RefCell<u8>);\n").is_empty());
}

#[test]
fn cell_read_then_write_needs_review() {
    let source = "use std::cell::Cell;
pub struct FakeCounter { hits: Cell<usize> }
impl FakeCounter {
    pub fn hit(&self) {
        let seen = self.hits.get();
        self.hits.set(seen + 1);
    }
}
";
    let outcome = fix_source(
        "lib.rs",
        source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: false,
        },
    )
    .unwrap();
    assert!(outcome.applied.is_empty(), "a split update was applied");
    assert_eq!(outcome.fixed_text, source);
    let fix = outcome.findings[0].fix.as_ref().expect("the fix is offered for review");
    let reason = fix.review_reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("`self.hits` is read at line 5 and written at line 6"),
        "{reason}"
    );
}

#[test]
fn cell_update_in_one_call_is_safe() {
    let source = "use std::cell::Cell;
pub struct FakeCounter { hits: Cell<usize> }
impl FakeCounter {
    pub fn hit(&self) -> () {
        self.hits.set(self.hits.get() + 1)
    }
}
";
    let outcome = fix_source(
        "lib.rs",
        source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: false,
        },
    )
    .unwrap();
    assert_eq!(outcome.applied.len(), 1, "{:?}", outcome.findings);
    assert!(
        outcome
            .fixed_text
            .contains("{ self.hits.fetch_add(1, Ordering::SeqCst); }"),
        "a tail expression keeps the type `()`: {}",
        outcome.fixed_text
    );
}

#[test]
fn rc_borrow_on_unknown_value_needs_review() {
    let source = "use std::cell::RefCell;
use std::rc::Rc;
pub struct MockLog { lines: Rc<RefCell<Vec<String>>> }
pub fn count(source: &Holder) -> usize {
    source.lines_handle().borrow().len()
}
pub struct Holder;
impl Holder { pub fn lines_handle(&self) -> &RefCell<Vec<String>> { unimplemented!() } }
";
    let outcome = fix_source(
        "lib.rs",
        source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: false,
        },
    )
    .unwrap();
    assert!(outcome.applied.is_empty());
    let fix = outcome.findings[0].fix.as_ref().expect("offered for review");
    let reason = fix.review_reason.as_deref().unwrap_or_default();
    assert!(reason.contains("at line 5 may be on an `Rc<RefCell<T>>`"), "{reason}");
}

/// Runs the built-in rules on `source` as the file `path` and returns the outcome, applying
/// fixes that need review when `include_needs_review` is set.
fn outcome_at(path: &str, source: &str, include_needs_review: bool) -> mockfix::FileOutcome {
    fix_source(path, source, &RuleSet::builtin(), FixPolicy { include_needs_review }).unwrap()
}

fn review_reason_for(outcome: &mockfix::FileOutcome, name: &str) -> String {
    let finding = outcome
        .findings
        .iter()
        .find(|finding| finding.struct_name == name)
        .unwrap_or_else(|| panic!("no finding on `{name}`: {:?}", outcome.findings));
    let fix = finding
        .fix
        .as_ref()
        .unwrap_or_else(|| panic!("`{name}` got no fix: {:?}", finding.unfixable_reason));
    assert_eq!(fix.applicability, Applicability::NeedsReview);
    fix.review_reason.clone().unwrap_or_default()
}

/// Returns the reason of the display-only fix of `name`, after checking that neither policy
/// applies it.
fn display_only_reason_for(path: &str, source: &str, name: &str) -> String {
    for include_needs_review in [false, true] {
        let outcome = outcome_at(path, source, include_needs_review);
        assert_eq!(
            outcome.fixed_text, source,
            "a display-only fix was applied (include_needs_review: {include_needs_review})"
        );
        assert!(outcome.applied.is_empty(), "{:?}", outcome.applied);
    }
    let outcome = outcome_at(path, source, true);
    let fix = fix_of(&outcome, name);
    assert_eq!(fix.applicability, Applicability::DisplayOnly);
    fix.review_reason.clone().unwrap_or_default()
}

fn fix_of<'a>(outcome: &'a mockfix::FileOutcome, name: &str) -> &'a mockfix::fix::Fix {
    let finding = outcome
        .findings
        .iter()
        .find(|finding| finding.struct_name == name)
        .unwrap_or_else(|| panic!("no finding on `{name}`: {:?}", outcome.findings));
    finding
        .fix
        .as_ref()
        .unwrap_or_else(|| panic!("`{name}` got no fix: {:?}", finding.unfixable_reason))
}

/// Returns `source` with the fix of `name` alone applied, whatever its applicability.
fn shown_fix(path: &str, source: &str, name: &str) -> String {
    let outcome = outcome_at(path, source, true);
    mockfix::fixed_text_of_fix(path, source, fix_of(&outcome, name), mockfix::Edition::DEFAULT).unwrap()
}

#[test]
fn unsafe_sync_box_dyn_any_display_only() {
    let source = "use std::any::Any;
use std::cell::UnsafeCell;
pub struct FakeRegistry {
    hits: UnsafeCell<u64>,
    payload: Box<dyn Any>,
}
unsafe impl Sync for FakeRegistry {}
impl FakeRegistry {
    pub fn hit(&self) {
        unsafe { *self.hits.get() += 1 };
    }
}
";
    let reason = display_only_reason_for("src/lib.rs", source, "FakeRegistry");
    assert!(
        reason.contains("`payload` (Box<dyn Any>) is still not `Sync`"),
        "{reason}"
    );

    let shown = shown_fix("src/lib.rs", source, "FakeRegistry");
    assert!(
        shown.contains("unsafe impl Sync for FakeRegistry {}"),
        "the impl was removed although `payload` still needs it: {shown}"
    );
    assert!(shown.contains("hits: AtomicU64,"), "{shown}");
}

#[test]
fn unsafe_sync_with_type_parameter_needs_review() {
    let source = "use std::cell::UnsafeCell;
pub struct FakeSlot<T> {
    hits: UnsafeCell<u64>,
    value: T,
}
unsafe impl<T> Sync for FakeSlot<T> {}
impl<T> FakeSlot<T> {
    pub fn hit(&self) {
        unsafe { *self.hits.get() += 1 };
    }
}
";
    let outcome = outcome_at("src/lib.rs", source, false);
    let reason = review_reason_for(&outcome, "FakeSlot");
    assert!(
        reason.contains("the type parameter `T` may be neither `Send` nor `Sync`"),
        "{reason}"
    );
    assert_eq!(outcome_at("src/lib.rs", source, true).applied.len(), 1);
}

#[test]
fn rc_of_cell_is_display_only() {
    let source = "use std::cell::Cell;
use std::rc::Rc;
pub struct MockCounter {
    hits: Rc<Cell<usize>>,
}
impl MockCounter {
    pub fn hit(&self) {
        self.hits.set(self.hits.get() + 1);
    }
}
";
    let reason = display_only_reason_for("src/lib.rs", source, "MockCounter");
    assert!(reason.contains("`hits` holds `Rc<Cell<usize>>`"), "{reason}");
    assert!(
        reason.contains("the `Arc` holds a value that is not `Sync`"),
        "{reason}"
    );
    let shown = shown_fix("src/lib.rs", source, "MockCounter");
    assert!(shown.contains("hits: Arc<Cell<usize>>,"), "{shown}");
}

#[test]
fn rc_with_nested_rc_needs_review() {
    let source = "use std::cell::RefCell;
use std::rc::Rc;
pub struct MockLog {
    lines: Rc<RefCell<Vec<Rc<String>>>>,
}
impl MockLog {
    pub fn add(&self, line: Rc<String>) {
        self.lines.borrow_mut().push(line);
    }
}
";
    let outcome = outcome_at("src/lib.rs", source, false);
    let reason = review_reason_for(&outcome, "MockLog");
    assert!(
        reason.contains("`Arc<T>` is `Send` and `Sync` only when `T` is both"),
        "{reason}"
    );
}

#[test]
fn refcell_of_rc_is_display_only() {
    let source = "use std::cell::RefCell;
use std::rc::Rc;
pub struct FakeCache {
    entry: RefCell<Rc<String>>,
}
impl FakeCache {
    pub fn set(&self, value: Rc<String>) {
        *self.entry.borrow_mut() = value;
    }
}
";
    let reason = display_only_reason_for("src/lib.rs", source, "FakeCache");
    assert!(
        reason.contains("the value in `entry` (Rc<String>) is not `Send`"),
        "{reason}"
    );
    assert!(shown_fix("src/lib.rs", source, "FakeCache").contains("entry: Mutex<Rc<String>>,"));
}

#[test]
fn refcell_of_nested_rc_needs_review() {
    let source = "use std::cell::RefCell;
use std::rc::Rc;
pub struct FakeCache {
    entries: RefCell<Vec<Rc<String>>>,
}
impl FakeCache {
    pub fn add(&self, value: Rc<String>) {
        self.entries.borrow_mut().push(value);
    }
}
";
    let outcome = outcome_at("src/lib.rs", source, false);
    let reason = review_reason_for(&outcome, "FakeCache");
    assert!(
        reason.contains("the value in `entries` (Vec<Rc<String>>) may not be `Send`"),
        "{reason}"
    );
}

#[test]
fn double_in_macro_rules_is_reported() {
    let source = "use std::cell::RefCell;

macro_rules! recorder {
    ($name:ident) => {
        pub struct MockRecorder {
            calls: RefCell<Vec<String>>,
        }
        impl MockRecorder {
            pub fn record(&self, call: &str) {
                self.calls.borrow_mut().push(call.to_string());
            }
        }
    };
}

recorder!(calls);
";
    let outcome = outcome_at("src/lib.rs", source, true);
    assert_eq!(outcome.fixed_text, source);
    assert_eq!(outcome.findings.len(), 1, "{:?}", outcome.findings);
    let finding = &outcome.findings[0];
    assert_eq!(finding.struct_name, "MockRecorder");
    assert_eq!(&source[finding.name_range.0..finding.name_range.1], "MockRecorder");
    assert!(finding.fix.is_none());
    let reason = finding.unfixable_reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("defined inside the body of `macro_rules! recorder`, at lines 3 to 14"),
        "{reason}"
    );
    assert!(reason.ends_with("fix it by hand"), "{reason}");
}

#[test]
fn macro_rules_double_can_be_suppressed() {
    let source = "use std::cell::RefCell;

// mockfix: ignore
macro_rules! recorder {
    () => {
        pub struct MockRecorder {
            calls: RefCell<Vec<String>>,
        }
    };
}
";
    assert!(findings_on(source).is_empty());
}

#[test]
fn stateless_macro_struct_not_reported() {
    let source = "use std::cell::RefCell;

macro_rules! recorder {
    () => {
        pub struct MockRecorder {
            calls: Vec<String>,
        }
        pub struct Registry {
            items: RefCell<Vec<String>>,
        }
    };
}
";
    assert!(findings_on(source).is_empty());
}

#[test]
fn struct_name_declared_twice_is_reported() {
    let source = "use std::cell::RefCell;

mod first {
    pub struct MockStore {
        items: std::cell::RefCell<Vec<u8>>,
    }
    impl MockStore {
        pub fn put(&self, item: u8) {
            self.items.borrow_mut().push(item);
        }
    }
}

mod second {
    pub struct MockStore {
        items: std::cell::RefCell<Vec<u8>>,
    }
}
";
    let outcome = outcome_at("src/lib.rs", source, true);
    assert_eq!(outcome.fixed_text, source);
    let lines: Vec<usize> = outcome
        .findings
        .iter()
        .map(|finding| source[..finding.name_range.0].matches('\n').count() + 1)
        .collect();
    assert_eq!(lines, [4, 15]);
    for finding in &outcome.findings {
        assert!(finding.fix.is_none(), "{:?}", finding.fix);
        let reason = finding.unfixable_reason.as_deref().unwrap_or_default();
        assert!(
            reason.contains("declares 2 structs named `MockStore`, at lines 4 and 15"),
            "{reason}"
        );
    }
}

#[test]
fn unsafe_cell_pointer_kept_needs_review() {
    let source = "use std::cell::UnsafeCell;
pub struct FakeBuffer { bytes: UnsafeCell<Vec<u8>> }
unsafe impl Sync for FakeBuffer {}
impl FakeBuffer {
    pub fn raw(&self) -> *mut Vec<u8> {
        self.bytes.get()
    }
}
";
    let outcome = outcome_at("src/lib.rs", source, false);
    let reason = review_reason_for(&outcome, "FakeBuffer");
    assert!(
        reason.contains("`.bytes.get()` at line 6 keeps or passes on the raw pointer"),
        "{reason}"
    );
}

#[test]
fn static_mut_outside_tests_is_left_alone() {
    let source = "static mut CALLS: usize = 0;
pub fn call() {
    unsafe { CALLS += 1 };
}
";
    assert!(findings_on(source).is_empty());
}

#[test]
fn static_mut_in_tests_folder_is_matched() {
    let source = "static mut CALLS: usize = 0;
pub fn call() {
    unsafe { CALLS += 1 };
}
";
    let outcome = outcome_at("tests/support/mod.rs", source, false);
    assert_eq!(outcome.applied.len(), 1, "{:?}", outcome.findings);
    assert!(
        outcome
            .fixed_text
            .contains("    CALLS.fetch_add(1, Ordering::SeqCst);\n"),
        "{}",
        outcome.fixed_text
    );
}

#[test]
fn static_mut_taken_by_address_needs_review() {
    let source = "static mut CALLS: usize = 0;
#[test]
fn counts() {
    let first = unsafe { &raw const CALLS };
    let second = unsafe { std::ptr::addr_of!(CALLS) };
    assert_eq!(first, second);
}
";
    let outcome = outcome_at("src/lib.rs", source, false);
    assert_eq!(outcome.fixed_text, source);
    let reason = review_reason_for(&outcome, "CALLS");
    assert!(reason.contains("`CALLS` at line 4 is taken by raw address"), "{reason}");
    assert!(
        reason.contains("`CALLS` at line 5 is taken by address with `addr_of!`"),
        "{reason}"
    );
}

#[test]
fn static_mut_locked_twice_in_statement_is_reported() {
    let source = "static mut LOG: Vec<String> = Vec::new();
#[test]
fn logs() {
    unsafe { LOG.push(LOG.len().to_string()) };
}
";
    let outcome = outcome_at("src/lib.rs", source, true);
    assert_eq!(outcome.fixed_text, source);
    let reason = outcome.findings[0].unfixable_reason.clone().unwrap_or_default();
    assert!(
        reason.contains("`LOG` would be locked at line 4 while the lock taken at line 4 is still held"),
        "{reason}"
    );
}

#[test]
fn static_mut_assignment_reading_itself_locks_once() {
    let source = "static mut LOG: Vec<String> = Vec::new();
#[test]
fn logs() {
    unsafe {
        LOG = LOG.iter().rev().cloned().collect();
    }
}
";
    let outcome = outcome_at("src/lib.rs", source, false);
    assert_eq!(outcome.applied.len(), 1, "{:?}", outcome.findings);
    assert!(
        outcome
            .fixed_text
            .contains("{ let mut guard = LOG.lock().unwrap(); *guard = guard.iter().rev().cloned().collect(); };"),
        "{}",
        outcome.fixed_text
    );
}

#[test]
fn static_mut_read_then_write_needs_review() {
    let source = "static mut CALLS: u32 = 0;
#[test]
fn counts() {
    let seen = unsafe { CALLS };
    unsafe { CALLS = seen + 1 };
}
";
    let outcome = outcome_at("src/lib.rs", source, false);
    let reason = review_reason_for(&outcome, "CALLS");
    assert!(
        reason.contains("`CALLS` is read at line 4 and written at line 5"),
        "{reason}"
    );
}

#[test]
fn unsafe_block_with_raw_pointer_keeps_unsafe() {
    let source = "static mut CALLS: u32 = 0;
#[test]
fn counts() {
    let mut value = 0;
    let pointer = &mut value as *mut i32;
    unsafe {
        CALLS += 1;
        *pointer = 3;
    }
    assert_eq!(value, 3);
}
";
    let outcome = outcome_at("src/lib.rs", source, false);
    assert_eq!(outcome.applied.len(), 1, "{:?}", outcome.findings);
    assert!(
        outcome
            .fixed_text
            .contains("    unsafe {\n        CALLS.fetch_add(1, Ordering::SeqCst);\n        *pointer = 3;"),
        "{}",
        outcome.fixed_text
    );
}

#[test]
fn unsafe_sync_mock_fixed_once() {
    let source = "use std::cell::RefCell;
pub struct MockMailer { sent: RefCell<Vec<String>> }
unsafe impl Sync for MockMailer {}
impl MockMailer {
    pub fn send(&self, to: &str) {
        self.sent.borrow_mut().push(to.to_string());
    }
}
";
    let outcome = outcome_at("src/lib.rs", source, false);
    let rules: Vec<&str> = outcome
        .findings
        .iter()
        .map(|finding| finding.rule_id.as_str())
        .collect();
    assert_eq!(rules, ["unsafe-sync-over-cell"]);
    assert_eq!(outcome.applied.len(), 1);
    assert!(!outcome.fixed_text.contains("unsafe impl"), "{}", outcome.fixed_text);
    assert!(
        outcome
            .fixed_text
            .contains("self.sent.lock().unwrap().push(to.to_string());"),
        "{}",
        outcome.fixed_text
    );
}

#[test]
fn unsafe_sync_primitive_outside_tests_is_left_alone() {
    let source = "use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering};
pub struct SpinLock<T> { locked: AtomicBool, value: UnsafeCell<T> }
unsafe impl<T: Send> Sync for SpinLock<T> {}
impl<T> SpinLock<T> {
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        while self.locked.swap(true, Ordering::Acquire) {}
        let result = f(unsafe { &mut *self.value.get() });
        self.locked.store(false, Ordering::Release);
        result
    }
}
";
    assert!(
        findings_on(source).is_empty(),
        "a lock built on UnsafeCell outside tests was flagged"
    );
}

#[test]
fn borrow_in_tail_after_locking_call_is_fixed() {
    let source = "use std::cell::RefCell;
pub struct MockQueue { items: RefCell<Vec<u32>>, a: RefCell<Vec<u32>>, b: RefCell<Vec<u32>> }
impl MockQueue {
    pub fn count(&self) -> usize { self.items.borrow().len() }
    pub fn last(&self) -> Option<u32> {
        if self.count() == 0 {
            return None;
        }
        self.items.borrow().last().cloned()
    }
    pub fn both(&self) -> usize {
        let a = self.a.borrow_mut();
        a.len() + self.b.borrow().len()
    }
}
";
    let outcome = fix_source(
        "lib.rs",
        source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: false,
        },
    )
    .unwrap();
    let finding = &outcome.findings[0];
    assert!(
        finding.unfixable_reason.is_none(),
        "refused: {:?}",
        finding.unfixable_reason
    );
    assert_eq!(outcome.applied.len(), 1);
}

#[test]
fn tuple_struct_without_lock_field_is_reported() {
    let source = "use std::sync::atomic::{AtomicU32, Ordering};
pub struct MockHits(AtomicU32);
impl MockHits {
    pub fn hit(&self) {
        let n = self.0.load(Ordering::SeqCst);
        self.0.store(n + 1, Ordering::SeqCst);
    }
}
";
    let reason = reason_for(source, "MockHits");
    assert!(reason.contains("is a tuple struct"), "{reason}");
    assert!(reason.contains("add a `Mutex<()>` field by hand"), "{reason}");
}

#[test]
fn tuple_struct_with_lock_field_reuses_it() {
    let source = "use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
pub struct MockHits(AtomicU32, Mutex<()>);
impl MockHits {
    pub fn hit(&self) {
        let n = self.0.load(Ordering::SeqCst);
        self.0.store(n + 1, Ordering::SeqCst);
    }
}
";
    let outcome = outcome_at("lib.rs", source, false);
    assert_eq!(outcome.applied.len(), 1, "{:?}", outcome.findings);
    assert!(
        outcome
            .fixed_text
            .contains("    pub fn hit(&self) {\n        let _guard = self.1.lock().unwrap();\n"),
        "{}",
        outcome.fixed_text
    );
}

#[test]
fn positional_access_on_another_tuple_needs_review() {
    let source = "use std::cell::RefCell;
pub struct MockLog(RefCell<Vec<u32>>);
impl MockLog {
    pub fn push(&self) { self.0.borrow_mut().push(1); }
}
pub fn bump(pair: &(RefCell<u32>, u32)) {
    *pair.0.borrow_mut() += 1;
}
";
    let reviewed = outcome_at("lib.rs", source, true);
    let reason = review_reason_for(&reviewed, "MockLog");
    assert!(
        reason.contains("`.0` at line 7 may belong to another tuple"),
        "{reason}"
    );
    assert!(
        reviewed.fixed_text.contains("*pair.0.borrow_mut() += 1;"),
        "{}",
        reviewed.fixed_text
    );
    assert!(
        reviewed.fixed_text.contains("self.0.lock().unwrap().push(1)"),
        "{}",
        reviewed.fixed_text
    );
}

#[test]
fn tuple_struct_passed_as_function_needs_review() {
    let source = "use std::cell::RefCell;
pub struct MockLog(RefCell<Vec<u32>>);
impl MockLog {
    pub fn push(&self) { self.0.borrow_mut().push(1); }
}
pub fn logs(cells: Vec<RefCell<Vec<u32>>>) -> Vec<MockLog> {
    cells.into_iter().map(MockLog).collect()
}
";
    let outcome = outcome_at("lib.rs", source, false);
    assert!(outcome.applied.is_empty(), "{:?}", outcome.applied);
    let reason = review_reason_for(&outcome, "MockLog");
    assert!(
        reason.contains("`MockLog` is passed as a function at line 7"),
        "{reason}"
    );
}

#[test]
fn await_borrow_also_sync_reported() {
    let source = "use std::cell::RefCell;
pub struct FakeClock { now: RefCell<u64> }
impl FakeClock {
    pub async fn advance(&self) {
        let mut now = self.now.borrow_mut();
        *now += tick().await;
    }
    pub fn now(&self) -> u64 { *self.now.borrow() }
}
async fn tick() -> u64 { tokio::task::yield_now().await; 1 }
";
    let reason = reason_for(source, "FakeClock");
    assert!(
        reason.contains("it is also used outside async code at line 8"),
        "{reason}"
    );
}

#[test]
fn await_borrow_with_derived_clone_is_reported() {
    let source = "use std::cell::RefCell;
#[derive(Clone)]
pub struct FakeClock { now: RefCell<u64> }
impl FakeClock {
    pub async fn advance(&self) {
        let mut now = self.now.borrow_mut();
        *now += tick().await;
    }
}
async fn tick() -> u64 { tokio::task::yield_now().await; 1 }
";
    let reason = reason_for(source, "FakeClock");
    assert!(
        reason.contains("derives `Clone`, and a `tokio::sync::Mutex` cannot be locked in that impl"),
        "{reason}"
    );
}

#[test]
fn await_borrow_without_tokio_is_reported() {
    let source = "use std::cell::RefCell;
pub struct FakeClock { now: RefCell<u64> }
impl FakeClock {
    pub async fn advance(&self) {
        let mut now = self.now.borrow_mut();
        *now += tick().await;
    }
}
async fn tick() -> u64 { 1 }
";
    let reason = reason_for(source, "FakeClock");
    assert!(reason.contains("held across the `.await` at line 6"), "{reason}");
}

#[test]
fn destructured_double_is_reported() {
    let source = "use std::cell::RefCell;
pub struct SpyLog(RefCell<Vec<u32>>);
impl SpyLog {
    pub fn push(&self, item: u32) { self.0.borrow_mut().push(item); }
    pub fn len(&self) -> usize {
        let SpyLog(items) = self;
        items.borrow().len()
    }
}
";
    let reason = reason_for(source, "SpyLog");
    assert!(
        reason.contains("`SpyLog` is destructured by a pattern at line 6"),
        "{reason}"
    );
}

#[test]
fn destructured_self_record_is_reported() {
    let source = "use std::cell::RefCell;
pub struct MockQueue { items: RefCell<Vec<u32>>, cap: usize }
impl MockQueue {
    pub fn push(&self, item: u32) {
        let Self { items, cap } = self;
        if items.borrow().len() < *cap { items.borrow_mut().push(item); }
    }
}
";
    let reason = reason_for(source, "MockQueue");
    assert!(reason.contains("destructured by a pattern at line 5"), "{reason}");
}

#[test]
fn getter_returning_ref_returns_guard_after_review() {
    let source = "use std::cell::{Ref, RefCell};
pub struct FakeStore { log: RefCell<Vec<String>> }
impl FakeStore {
    pub fn log(&self) -> Ref<'_, Vec<String>> { self.log.borrow() }
}
";
    let outcome = outcome_at("lib.rs", source, true);
    let reason = review_reason_for(&outcome, "FakeStore");
    assert!(
        reason.contains("`log` returned a `Ref` and now returns a lock guard"),
        "{reason}"
    );
    assert!(
        outcome
            .fixed_text
            .contains("pub fn log(&self) -> MutexGuard<'_, Vec<String>> {"),
        "{}",
        outcome.fixed_text
    );
    assert!(
        outcome.fixed_text.starts_with("use std::sync::{Mutex, MutexGuard};\n"),
        "{}",
        outcome.fixed_text
    );
}

#[test]
fn ref_map_in_double_is_reported() {
    let source = "use std::cell::{Ref, RefCell};
pub struct FakeStore { log: RefCell<Vec<String>> }
impl FakeStore {
    pub fn first(&self) -> Ref<'_, String> { Ref::map(self.log.borrow(), |log| &log[0]) }
}
";
    let reason = reason_for(source, "FakeStore");
    assert!(reason.contains("calls a function of `Ref` at line 4"), "{reason}");
}

#[test]
fn manual_eq_locking_both_reported() {
    let source = "use std::cell::RefCell;
pub struct MockQueue { items: RefCell<Vec<u32>> }
impl PartialEq for MockQueue {
    fn eq(&self, other: &Self) -> bool {
        *self.items.borrow() == *other.items.borrow()
    }
}
";
    let reason = reason_for(source, "MockQueue");
    assert!(
        reason.contains("`other.items` would be locked at line 5 while `self.items` taken at line 5 is still held"),
        "{reason}"
    );
    assert!(reason.contains("can be the same value, as in `a == a`"), "{reason}");
}

#[test]
fn nested_locks_in_one_statement_are_fixed() {
    let source = "use std::cell::RefCell;
pub struct MockLog { a: RefCell<Vec<String>>, b: RefCell<Vec<String>> }
impl MockLog {
    pub fn copy(&self) { self.a.borrow_mut().push(self.b.borrow().len().to_string()); }
}
";
    let outcome = outcome_at("lib.rs", source, false);
    assert_eq!(outcome.applied.len(), 1, "{:?}", outcome.findings);
    assert!(
        outcome
            .fixed_text
            .contains("self.a.lock().unwrap().push(self.b.lock().unwrap().len().to_string());"),
        "{}",
        outcome.fixed_text
    );
}

#[test]
fn assignment_locking_right_side_first_is_reported() {
    // The right side of `=` runs first, so `b` is taken before `a` there, and `a` before `b` in
    // `copy`: two threads can deadlock.
    let source = "use std::cell::RefCell;
pub struct MockLog { a: RefCell<Vec<usize>>, b: RefCell<Vec<usize>> }
impl MockLog {
    pub fn copy(&self) { self.a.borrow_mut().push(self.b.borrow().len()); }
    pub fn set(&self) { self.a.borrow_mut()[0] = self.b.borrow().len(); }
}
";
    let reason = reason_for(source, "MockLog");
    assert!(reason.contains("so two threads can deadlock"), "{reason}");
}

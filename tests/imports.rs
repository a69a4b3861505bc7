//! Import merging and pruning, through the whole pipeline on small files.

use mockfix::config::RuleSet;
use mockfix::{fix_source, FixPolicy};

const BODY: &str = "
pub struct MockLog {
    lines: RefCell<Vec<String>>,
}

impl MockLog {
    pub fn push(&self, line: &str) {
        self.lines.borrow_mut().push(line.to_string());
    }
}
";

/// Fixes `imports` followed by a double that needs `Mutex`, and returns the fixed imports.
fn fixed_imports(imports: &str) -> String {
    let source = format!("{imports}{BODY}");
    let outcome = fix_source(
        "lib.rs",
        &source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: false,
        },
    )
    .unwrap();
    assert_eq!(
        outcome.applied.len(),
        1,
        "the double was not fixed: {:?}",
        outcome.findings
    );
    let body = BODY
        .replace("RefCell<", "Mutex<")
        .replace(".borrow_mut()", ".lock().unwrap()");
    outcome
        .fixed_text
        .strip_suffix(&body)
        .unwrap_or_else(|| panic!("body changed: {}", outcome.fixed_text))
        .to_string()
}

#[test]
fn single_sync_import_becomes_list() {
    assert_eq!(
        fixed_imports("use std::cell::RefCell;\nuse std::sync::Arc;\n"),
        "use std::sync::{Arc, Mutex};\n"
    );
}

#[test]
fn existing_list_gains_name_in_order() {
    assert_eq!(
        fixed_imports("use std::cell::RefCell;\nuse std::sync::{Arc, Barrier, RwLock};\n"),
        "use std::sync::{Arc, Barrier, Mutex, RwLock};\n"
    );
}

#[test]
fn list_with_module_first_keeps_rustfmt_order() {
    assert_eq!(
        fixed_imports("use std::cell::RefCell;\nuse std::sync::{atomic::AtomicUsize, Arc};\n"),
        "use std::sync::{atomic::AtomicUsize, Arc, Mutex};\n"
    );
}

#[test]
fn multiline_list_gains_a_line() {
    assert_eq!(
        fixed_imports("use std::cell::RefCell;\nuse std::sync::{\n    Arc,\n    Barrier,\n};\n"),
        "use std::sync::{\n    Arc,\n    Barrier,\n    Mutex,\n};\n"
    );
}

#[test]
fn nested_std_group_is_merged_and_pruned() {
    assert_eq!(
        fixed_imports("use std::{cell::RefCell, sync::Arc};\n"),
        "use std::sync::{Arc, Mutex};\n"
    );
}

#[test]
fn nested_std_group_with_other_names() {
    assert_eq!(
        fixed_imports("use std::{cell::RefCell, collections::HashMap, sync::Arc};\n"),
        "use std::{collections::HashMap, sync::{Arc, Mutex}};\n"
    );
}

#[test]
fn cell_list_keeps_other_cells() {
    assert_eq!(
        fixed_imports("use std::cell::{Cell, RefCell};\n\nfn touch(c: &Cell<u8>) { c.set(1) }\n"),
        "use std::cell::Cell;\nuse std::sync::Mutex;\n\nfn touch(c: &Cell<u8>) { c.set(1) }\n"
    );
}

#[test]
fn no_std_sync_import_adds_one_after_std_imports() {
    assert_eq!(
        fixed_imports("use std::cell::RefCell;\nuse std::collections::HashMap;\n\nuse crate::other;\n"),
        "use std::collections::HashMap;\nuse std::sync::Mutex;\n\nuse crate::other;\n"
    );
}

#[test]
fn already_imported_mutex_is_not_imported_twice() {
    assert_eq!(
        fixed_imports("use std::cell::RefCell;\nuse std::sync::{Arc, Mutex};\n"),
        "use std::sync::{Arc, Mutex};\n"
    );
    assert_eq!(
        fixed_imports("use std::cell::RefCell;\nuse std::sync::*;\n"),
        "use std::sync::*;\n"
    );
}

#[test]
fn qualified_refcell_needs_no_import_change() {
    let source = "pub struct MockLog {\n    lines: std::cell::RefCell<Vec<String>>,\n}\n";
    let outcome = fix_source(
        "lib.rs",
        source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: false,
        },
    )
    .unwrap();
    assert_eq!(
        outcome.fixed_text,
        "use std::sync::Mutex;\n\npub struct MockLog {\n    lines: Mutex<Vec<String>>,\n}\n"
    );
}

#[test]
fn refcell_still_used_elsewhere_keeps_import() {
    let imports = "use std::cell::RefCell;\n\nthread_local! { static X: RefCell<u8> = RefCell::new(0); }\n";
    assert_eq!(
        fixed_imports(imports),
        "use std::cell::RefCell;\nuse std::sync::Mutex;\n\nthread_local! { static X: RefCell<u8> = RefCell::new(0); }\n"
    );
}

#[test]
fn other_mutex_in_scope_gets_full_path() {
    let source = format!(
        "use std::cell::RefCell;\nuse parking_lot::Mutex;\n{BODY}\npub fn other() -> Mutex<u8> {{ Mutex::new(0) }}\n"
    );
    let outcome = fix_source(
        "lib.rs",
        &source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: false,
        },
    )
    .unwrap();
    assert_eq!(outcome.applied.len(), 1, "{:?}", outcome.findings);
    let fixed = &outcome.fixed_text;
    assert!(fixed.contains("    lines: std::sync::Mutex<Vec<String>>,"), "{fixed}");
    assert!(
        fixed.starts_with("use parking_lot::Mutex;\n"),
        "no second `Mutex` import: {fixed}"
    );
    assert!(
        fixed.contains("pub fn other() -> Mutex<u8> { Mutex::new(0) }"),
        "the module's own `Mutex` is untouched: {fixed}"
    );
}

#[test]
fn glob_mutex_used_by_module_gets_full_path() {
    let source = "use std::cell::RefCell;
use crate::sync::*;
pub struct MockLog { lines: RefCell<Vec<String>> }
pub fn other() -> Mutex<u8> { Mutex::new(0) }
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
    assert!(
        outcome.fixed_text.contains("lines: std::sync::Mutex<Vec<String>>"),
        "{}",
        outcome.fixed_text
    );
    assert!(
        !outcome.fixed_text.contains("use std::sync::Mutex"),
        "{}",
        outcome.fixed_text
    );
}

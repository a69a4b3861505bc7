//! A double in `src/` whose fields and literals are used by an integration test in `tests/`: the
//! fix must change both, and the fixed crate must build and pass its threaded test with cargo.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{cargo_test, copy_tree};

fn fixture_crate() -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let crate_dir = folder.path().join("mailer");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crates/mailer"),
        &crate_dir,
    );
    (folder, crate_dir)
}

#[test]
fn crate_fails_before_and_passes_after_fix() {
    let (folder, crate_dir) = fixture_crate();
    let target_dir = folder.path().join("target");

    let before = cargo_test(&crate_dir, &target_dir);
    assert!(!before.status.success(), "the unfixed crate passed its tests");
    assert!(
        String::from_utf8_lossy(&before.stderr).contains("E0277"),
        "{}",
        String::from_utf8_lossy(&before.stderr)
    );

    let apply = Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(["--apply", "--allow-no-vcs", "src"])
        .current_dir(&crate_dir)
        .output()
        .unwrap();
    let messages = String::from_utf8_lossy(&apply.stderr);
    assert_eq!(apply.status.code(), Some(0), "stderr: {messages}");
    assert!(messages.contains("applied 2 fixes in 2 files"), "stderr: {messages}");
    let test_file = std::fs::read_to_string(crate_dir.join("tests/threads.rs")).unwrap();
    assert!(test_file.contains("mailer.sent.lock().unwrap().len()"), "{test_file}");

    let after = cargo_test(&crate_dir, &target_dir);
    assert!(
        after.status.success(),
        "the fixed crate fails: {}{}",
        String::from_utf8_lossy(&after.stdout),
        String::from_utf8_lossy(&after.stderr)
    );

    let second = Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(["--dry-run", "."])
        .current_dir(&crate_dir)
        .output()
        .unwrap();
    assert_eq!(
        second.status.code(),
        Some(0),
        "a second run found more: {}",
        String::from_utf8_lossy(&second.stdout)
    );
}

#[test]
fn literal_in_other_file_gets_guard_field() {
    let (_folder, crate_dir) = fixture_crate();
    let output = Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(["--dry-run", "src/doubles.rs"])
        .current_dir(&crate_dir)
        .output()
        .unwrap();
    let diff = String::from_utf8_lossy(&output.stdout);
    assert!(
        diff.contains(
            "+    let metrics = Arc::new(FakeMetrics { signups: AtomicUsize::new(0), mutex: Mutex::new(()) });"
        ),
        "{diff}"
    );
    assert!(
        diff.contains("+    pub mutex: Mutex<()>,"),
        "the new field is as visible as the others: {diff}"
    );
    assert!(diff.contains("+use std::sync::{Arc, Mutex};"), "{diff}");
}

#[test]
fn rc_log_returned_to_integration_test_follows() {
    let folder = tempfile::tempdir().unwrap();
    let crate_dir = folder.path().join("publisher");
    std::fs::create_dir_all(crate_dir.join("src")).unwrap();
    std::fs::create_dir_all(crate_dir.join("tests")).unwrap();
    std::fs::write(
        crate_dir.join("Cargo.toml"),
        "[package]\nname = \"publisher\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(
        crate_dir.join("src/lib.rs"),
        "use std::cell::RefCell;
use std::rc::Rc;

pub struct MockPublisher {
    log: Rc<RefCell<Vec<String>>>,
}

impl MockPublisher {
    pub fn new() -> (Self, Rc<RefCell<Vec<String>>>) {
        let log = Rc::new(RefCell::new(Vec::new()));
        (MockPublisher { log: Rc::clone(&log) }, log)
    }

    pub fn publish(&self, event: &str) {
        self.log.borrow_mut().push(event.to_string());
    }
}
",
    )
    .unwrap();
    std::fs::write(
        crate_dir.join("tests/publish.rs"),
        "use std::sync::Arc;

use publisher::MockPublisher;

#[test]
fn publishes_from_threads() {
    let (publisher, log) = MockPublisher::new();
    let publisher = Arc::new(publisher);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let publisher = Arc::clone(&publisher);
            scope.spawn(move || publisher.publish(\"event\"));
        }
    });
    assert_eq!(log.borrow().len(), 4);
}
",
    )
    .unwrap();

    let apply = Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(["--apply", "--allow-no-vcs", "src"])
        .current_dir(&crate_dir)
        .output()
        .unwrap();
    assert_eq!(
        apply.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&apply.stderr)
    );
    let test_file = std::fs::read_to_string(crate_dir.join("tests/publish.rs")).unwrap();
    assert!(
        test_file.contains("assert_eq!(log.lock().unwrap().len(), 4);"),
        "{test_file}"
    );

    let after = cargo_test(&crate_dir, &folder.path().join("target"));
    assert!(
        after.status.success(),
        "the fixed crate fails: {}",
        String::from_utf8_lossy(&after.stderr)
    );
}

#[test]
fn static_mut_in_shared_test_module_follows() {
    let folder = tempfile::tempdir().unwrap();
    let crate_dir = folder.path().join("uploads");
    std::fs::create_dir_all(crate_dir.join("src")).unwrap();
    std::fs::create_dir_all(crate_dir.join("tests/common")).unwrap();
    std::fs::write(
        crate_dir.join("Cargo.toml"),
        "[package]\nname = \"uploads\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    std::fs::write(
        crate_dir.join("src/lib.rs"),
        "pub fn size(data: &[u8]) -> usize { data.len() }\n",
    )
    .unwrap();
    std::fs::write(
        crate_dir.join("tests/common/mod.rs"),
        "/// Uploads seen by the fake store, shared by every test of the binary.
pub static mut UPLOADS: usize = 0;
pub static mut NAMES: Vec<String> = Vec::new();

pub fn fake_store(name: &str) {
    unsafe {
        UPLOADS += 1;
        NAMES.push(name.to_string());
    }
}
",
    )
    .unwrap();
    std::fs::write(
        crate_dir.join("tests/upload.rs"),
        "mod common;

#[test]
fn uploads_from_threads() {
    std::thread::scope(|scope| {
        for worker in 0..4 {
            scope.spawn(move || {
                for i in 0..100 {
                    common::fake_store(&format!(\"{worker}-{i}\"));
                }
            });
        }
    });
    assert_eq!(unsafe { common::UPLOADS }, 400);
    assert_eq!(unsafe { common::NAMES.len() }, 400);
    assert_eq!(uploads::size(b\"abc\"), 3);
}
",
    )
    .unwrap();
    let target_dir = folder.path().join("target");

    let before = cargo_test(&crate_dir, &target_dir);
    assert!(!before.status.success(), "the unfixed crate passed its tests");
    assert!(
        String::from_utf8_lossy(&before.stderr).contains("reference to mutable static"),
        "{}",
        String::from_utf8_lossy(&before.stderr)
    );

    let apply = Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(["--apply", "--allow-no-vcs", "tests/common"])
        .current_dir(&crate_dir)
        .output()
        .unwrap();
    let messages = String::from_utf8_lossy(&apply.stderr);
    assert_eq!(apply.status.code(), Some(0), "stderr: {messages}");
    let test_file = std::fs::read_to_string(crate_dir.join("tests/upload.rs")).unwrap();
    assert!(
        test_file.contains("assert_eq!(common::UPLOADS.load(Ordering::SeqCst), 400);"),
        "{test_file}"
    );
    assert!(
        test_file.contains("assert_eq!(common::NAMES.lock().unwrap().len(), 400);"),
        "{test_file}"
    );

    let after = cargo_test(&crate_dir, &target_dir);
    assert!(
        after.status.success(),
        "the fixed crate fails: {}",
        String::from_utf8_lossy(&after.stderr)
    );
}

#[test]
fn pattern_in_other_file_holds_fix_back() {
    let folder = support::folder_with(&[
        ("Cargo.toml", "[package]\nname = \"log\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        ("src/lib.rs", "pub mod mock;\npub mod user;\n"),
        (
            "src/mock.rs",
            "use std::cell::RefCell;\n\npub struct MockLog {\n    pub items: RefCell<Vec<u32>>,\n}\n\nimpl MockLog {\n    pub fn push(&self, item: u32) {\n        self.items.borrow_mut().push(item);\n    }\n}\n",
        ),
        (
            "src/user.rs",
            "use crate::mock::MockLog;\n\npub fn count(log: &MockLog) -> usize {\n    let MockLog { items } = log;\n    items.borrow().len()\n}\n",
        ),
    ]);
    let output = support::mockfix(folder.path(), &["--dry-run", "."]);
    let messages = support::stderr(&output);
    assert_eq!(output.status.code(), Some(1), "stderr: {messages}");
    assert!(
        output.stdout.is_empty(),
        "a fix was offered: {}",
        support::stdout(&output)
    );
    assert!(
        messages.contains("`MockLog` is destructured by a pattern at line 4"),
        "stderr: {messages}"
    );
    assert!(messages.contains("src/user.rs"), "stderr: {messages}");
}

#[test]
fn nested_package_is_not_followed() {
    let double = "use std::cell::RefCell;\n\npub struct MockLog {\n    pub items: RefCell<Vec<u32>>,\n}\n\nimpl MockLog {\n    pub fn push(&self, item: u32) {\n        self.items.borrow_mut().push(item);\n    }\n}\n";
    // `other` is a package of its own, with its own `MockLog` whose field is not converted.
    let other_user = "pub struct MockLog {\n    pub items: std::cell::RefCell<Vec<u32>>,\n}\n\npub fn count(log: &MockLog) -> usize {\n    log.items.borrow().len()\n}\n";
    let folder = support::folder_with(&[
        (
            "Cargo.toml",
            "[package]\nname = \"log\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/lib.rs", "pub mod mock;\n"),
        ("src/mock.rs", double),
        (
            "other/Cargo.toml",
            "[package]\nname = \"other\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("other/src/lib.rs", other_user),
    ]);
    let output = support::mockfix(folder.path(), &["--dry-run", "src/mock.rs"]);
    let diff = support::stdout(&output);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", support::stderr(&output));
    assert!(diff.contains("+++ b/src/mock.rs"), "{diff}");
    assert!(!diff.contains("other/src/lib.rs"), "{diff}");
}

#[test]
fn excluded_user_holds_fix_back() {
    let double = "use std::cell::RefCell;\n\npub struct MockLog {\n    pub items: RefCell<Vec<u32>>,\n}\n";
    let user = "use log::mock::MockLog;\n\n#[test]\nfn empty() {\n    let log = MockLog { items: Default::default() };\n    assert!(log.items.borrow().is_empty());\n}\n";
    let folder = support::folder_with(&[
        (
            "Cargo.toml",
            "[package]\nname = \"log\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/lib.rs", "pub mod mock;\n"),
        ("src/mock.rs", double),
        ("tests/it.rs", user),
    ]);
    let output = support::mockfix(folder.path(), &["--dry-run", "--exclude", "tests/**", "."]);
    let messages = support::stderr(&output);
    assert_eq!(output.status.code(), Some(1), "stderr: {messages}");
    assert!(
        output.stdout.is_empty(),
        "a fix was offered: {}",
        support::stdout(&output)
    );
    assert!(
        messages.contains("`tests/it.rs` uses it, and an `exclude` glob keeps mockfix from changing that file"),
        "stderr: {messages}"
    );
}

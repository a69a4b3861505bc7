//! Doubles whose lock would be held across `.await`, in crates that use tokio: a `RefCell`
//! borrow that the fix makes a `tokio::sync::Mutex`, and a two-step atomic update that the fix
//! guards with a `tokio::sync::Mutex<()>`. Each fixed crate must build, keep its futures `Send`,
//! and pass its threaded test with cargo.

mod support;

use std::path::{Path, PathBuf};

use support::{cargo_test, copy_tree, mockfix};

fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Copies the crate `tests/crates/NAME` into a temporary folder, and returns the folder, which
/// must be kept alive, the crate's copy and a target folder for cargo.
fn copy_crate(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let crate_dir = folder.path().join(name);
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crates").join(name),
        &crate_dir,
    );
    let target_dir = folder.path().join("target");
    (folder, crate_dir, target_dir)
}

#[test]
fn borrow_held_across_await_becomes_tokio_mutex() {
    let (_folder, crate_dir, target_dir) = copy_crate("uploader");

    let before = cargo_test(&crate_dir, &target_dir);
    assert!(!before.status.success(), "the unfixed crate passed its tests");
    assert!(
        output_text(&before).contains("future cannot be sent between threads safely"),
        "{}",
        output_text(&before)
    );

    let apply = mockfix(&crate_dir, &["--apply", "--allow-no-vcs", "src"]);
    assert_eq!(apply.status.code(), Some(0), "{}", output_text(&apply));
    assert!(
        output_text(&apply).contains("Replace `RefCell` with `tokio::sync::Mutex` in `FakeUploader`"),
        "{}",
        output_text(&apply)
    );
    let fixed = std::fs::read_to_string(crate_dir.join("src/lib.rs")).unwrap();
    assert!(fixed.contains("uploaded: tokio::sync::Mutex<Vec<String>>,"), "{fixed}");
    assert!(
        fixed.contains("let mut uploaded = self.uploaded.lock().await;"),
        "{fixed}"
    );
    assert!(!fixed.contains("RefCell"), "{fixed}");

    let after = cargo_test(&crate_dir, &target_dir);
    assert!(after.status.success(), "the fixed crate fails: {}", output_text(&after));

    let second = mockfix(&crate_dir, &["--dry-run", "."]);
    assert_eq!(
        second.status.code(),
        Some(0),
        "a second run found more: {}",
        output_text(&second)
    );
}

#[test]
fn guard_held_across_await_becomes_tokio_mutex() {
    let (_folder, crate_dir, target_dir) = copy_crate("ledger");

    let before = cargo_test(&crate_dir, &target_dir);
    assert!(!before.status.success(), "the unfixed crate passed its tests");
    // Every credit loads the balance before any stores it, so all but one are lost.
    assert!(output_text(&before).contains("left: 1"), "{}", output_text(&before));
    assert!(output_text(&before).contains("right: 4"), "{}", output_text(&before));

    let apply = mockfix(&crate_dir, &["--apply", "--allow-no-vcs", "src"]);
    assert_eq!(apply.status.code(), Some(0), "{}", output_text(&apply));
    assert!(
        output_text(&apply).contains("Guard `FakeLedger` with a `tokio::sync::Mutex`"),
        "{}",
        output_text(&apply)
    );
    assert!(
        output_text(&apply).contains("applied 1 fix in 2 files"),
        "{}",
        output_text(&apply)
    );
    let fixed = std::fs::read_to_string(crate_dir.join("src/lib.rs")).unwrap();
    assert!(fixed.contains("pub mutex: tokio::sync::Mutex<()>,"), "{fixed}");
    assert_eq!(
        fixed.matches("let _guard = self.mutex.lock().await;").count(),
        2,
        "both methods that touch the balance take the guard: {fixed}"
    );
    assert!(!fixed.contains("use std::sync::Mutex"), "{fixed}");
    let test_file = std::fs::read_to_string(crate_dir.join("tests/threads.rs")).unwrap();
    assert!(
        test_file.contains("mutex: tokio::sync::Mutex::new(()),"),
        "the literal in the integration test initialises the guard: {test_file}"
    );

    let after = cargo_test(&crate_dir, &target_dir);
    assert!(after.status.success(), "the fixed crate fails: {}", output_text(&after));

    let second = mockfix(&crate_dir, &["--dry-run", "."]);
    assert_eq!(
        second.status.code(),
        Some(0),
        "a second run found more: {}",
        output_text(&second)
    );
}

/// An async double whose file never names tokio, in a package whose `Cargo.toml` may list it.
const CLOCK: &str = "use std::cell::RefCell;

pub struct FakeClock {
    now: RefCell<u64>,
}

impl FakeClock {
    pub async fn advance(&self, step: impl std::future::Future<Output = u64>) {
        let mut now = self.now.borrow_mut();
        *now += step.await;
    }
}
";

#[test]
fn tokio_in_manifest_allows_tokio_mutex() {
    let manifest =
        "[package]\nname = \"clock\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntokio = \"1\"\n";
    let folder = support::folder_with(&[("Cargo.toml", manifest), ("src/lib.rs", CLOCK)]);
    let output = mockfix(folder.path(), &["--dry-run", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", output_text(&output));
    let diff = String::from_utf8_lossy(&output.stdout);
    assert!(diff.contains("+    now: tokio::sync::Mutex<u64>,"), "{diff}");
    assert!(diff.contains("+        let mut now = self.now.lock().await;"), "{diff}");
}

#[test]
fn tokio_dev_dependency_serves_tests_only() {
    let manifest =
        "[package]\nname = \"clock\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dev-dependencies]\ntokio = \"1\"\n";
    let folder = support::folder_with(&[
        ("Cargo.toml", manifest),
        ("src/lib.rs", CLOCK),
        ("tests/clock.rs", CLOCK),
    ]);
    let output = mockfix(folder.path(), &["--dry-run", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", output_text(&output));
    let diff = String::from_utf8_lossy(&output.stdout);
    // A library build does not see dev-dependencies, so only the integration test changes.
    assert!(diff.contains("+++ b/tests/clock.rs"), "{diff}");
    assert!(diff.contains("+    now: tokio::sync::Mutex<u64>,"), "{diff}");
    assert!(!diff.contains("src/lib.rs"), "{diff}");
    assert!(
        output_text(&output).contains("would be held across the `.await` at line 10"),
        "{}",
        output_text(&output)
    );
}

#[test]
fn no_tokio_anywhere_is_reported() {
    let manifest = "[package]\nname = \"clock\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
    let folder = support::folder_with(&[("Cargo.toml", manifest), ("src/lib.rs", CLOCK)]);
    let output = mockfix(folder.path(), &["--dry-run", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", output_text(&output));
    assert!(output.stdout.is_empty(), "{}", output_text(&output));
    assert!(
        output_text(&output).contains("would be held across the `.await` at line 10"),
        "{}",
        output_text(&output)
    );
}

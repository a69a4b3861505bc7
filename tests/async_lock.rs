//! A double whose `RefCell` borrow is held across `.await`: in a crate that uses tokio, the fix
//! makes it a `tokio::sync::Mutex`, and the fixed crate must build, keep its future `Send`, and
//! pass its threaded test with cargo.

mod support;

use std::path::Path;

use support::{cargo_test, copy_tree, mockfix};

fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn borrow_held_across_await_becomes_tokio_mutex() {
    let folder = tempfile::tempdir().unwrap();
    let crate_dir = folder.path().join("uploader");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crates/uploader"),
        &crate_dir,
    );
    let target_dir = folder.path().join("target");

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

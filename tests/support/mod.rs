//! Helpers shared by the integration tests that run the real binaries in temporary folders.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `mockfix` binary in `folder`.
pub fn mockfix(folder: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(args)
        .current_dir(folder)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("mockfix runs")
}

/// Writes `files` under `root`, creating folders as needed.
pub fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// A temporary folder holding `files`.
pub fn folder_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    write_files(folder.path(), files);
    folder
}

/// A temporary git repository holding `files` in one commit.
pub fn git_repo_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let folder = folder_with(files);
    git(folder.path(), &["init", "-q"]);
    git(folder.path(), &["add", "-A"]);
    git(folder.path(), &["commit", "-q", "-m", "initial"]);
    folder
}

pub fn git(folder: &Path, args: &[&str]) -> Output {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=mockfix tests",
            "-c",
            "user.email=tests@mockfix.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(folder)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A double that keeps its state in a `RefCell`.
pub const DOUBLE: &str = "use std::cell::RefCell;

pub struct MockMailer {
    sent: RefCell<Vec<String>>,
}

impl MockMailer {
    pub fn send(&self, to: &str) {
        self.sent.borrow_mut().push(to.to_string());
    }
}
";

/// Copies the folder `from` to `to`, with everything in it.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs `cargo test` on the crate in `crate_dir`, building into `target_dir`. The crate's
/// dependencies are downloaded if cargo has not cached them yet.
pub fn cargo_test(crate_dir: &Path, target_dir: &Path) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    Command::new(cargo)
        .args(["test", "--quiet"])
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(crate_dir)
        .output()
        .expect("cargo runs")
}

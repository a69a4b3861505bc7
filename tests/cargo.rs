//! mockfix in Cargo projects: as `cargo mockfix`, in workspaces with no PATH, and with each
//! package's edition.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{folder_with, mockfix, stderr, stdout, DOUBLE};

/// A double whose method uses `async` as a variable name, which parses only in edition 2015.
const DOUBLE_2015: &str = "use std::cell::RefCell;

pub struct MockMailer {
    sent: RefCell<Vec<String>>,
}

impl MockMailer {
    pub fn send(&self, to: &str) {
        let async = to.to_string();
        self.sent.borrow_mut().push(async);
    }
}
";

/// A double that uses `gen` as a variable name, which edition 2024 reserves.
const DOUBLE_GEN: &str = "use std::cell::RefCell;

pub struct MockMailer {
    sent: RefCell<Vec<String>>,
}

impl MockMailer {
    pub fn send(&self, to: &str) {
        let gen = to.to_string();
        self.sent.borrow_mut().push(gen);
    }
}
";

fn bin_folder() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_cargo-mockfix"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn cargo(folder: &Path, args: &[&str]) -> std::process::Output {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin_folder()];
    paths.extend(std::env::split_paths(&path));
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()))
        .args(args)
        .current_dir(folder)
        .env("PATH", std::env::join_paths(paths).unwrap())
        .output()
        .expect("cargo runs")
}

#[test]
fn cargo_mockfix_dry_run_in_crate() {
    let krate = folder_with(&[
        (
            "Cargo.toml",
            "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/lib.rs", DOUBLE),
    ]);
    let output = cargo(krate.path(), &["mockfix", "--dry-run"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    assert!(
        stdout(&output).starts_with("--- a/src/lib.rs\n+++ b/src/lib.rs\n"),
        "{}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains("mockfix: 1 fix in 1 file"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn cargo_mockfix_help_names_cargo_command() {
    let folder = folder_with(&[]);
    let output = cargo(folder.path(), &["mockfix", "--help"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(
        stdout(&output).contains("Usage: cargo mockfix [OPTIONS] [PATH]..."),
        "{}",
        stdout(&output)
    );
}

#[test]
fn cargo_mockfix_subcommand_works() {
    let folder = folder_with(&[]);
    let output = cargo(folder.path(), &["mockfix", "rules"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(
        stdout(&output).contains("refcell-in-shared-double"),
        "{}",
        stdout(&output)
    );
}

fn workspace() -> tempfile::TempDir {
    folder_with(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.package]\nedition = \"2024\"\n",
        ),
        (
            "crates/new/Cargo.toml",
            "[package]\nname = \"new\"\nversion = \"0.1.0\"\nedition.workspace = true\n",
        ),
        ("crates/new/src/lib.rs", DOUBLE),
        (
            "crates/old/Cargo.toml",
            "[package]\nname = \"old\"\nversion = \"0.1.0\"\nedition = \"2015\"\n",
        ),
        ("crates/old/src/lib.rs", DOUBLE_2015),
    ])
}

#[test]
fn no_path_checks_workspace_root() {
    let workspace = workspace();
    let inside = workspace.path().join("crates/new/src");
    let output = mockfix(&inside, &[]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let diff = stdout(&output);
    assert!(diff.contains("+++ b/crates/new/src/lib.rs"), "{diff}");
    assert!(
        diff.contains("+++ b/crates/old/src/lib.rs"),
        "the other member was not checked: {diff}"
    );
    assert!(stderr(&output).contains("2 fixes in 2 files"), "{}", stderr(&output));
}

#[test]
fn explicit_path_shown_relative_to_workspace_root() {
    let workspace = workspace();
    let member = workspace.path().join("crates/new");
    let output = mockfix(&member, &["src"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let diff = stdout(&output);
    assert!(diff.starts_with("--- a/crates/new/src/lib.rs\n"), "{diff}");
    assert!(!diff.contains("crates/old"), "only the given path is checked: {diff}");
}

#[test]
fn package_root_without_workspace() {
    let krate = folder_with(&[
        ("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n"),
        ("src/lib.rs", DOUBLE),
        ("tests/support/mock.rs", &DOUBLE.replace("MockMailer", "FakeMailer")),
    ]);
    let output = mockfix(&krate.path().join("tests"), &[]);
    let diff = stdout(&output);
    assert!(diff.contains("+++ b/src/lib.rs"), "{diff}");
    assert!(diff.contains("+++ b/tests/support/mock.rs"), "{diff}");
}

#[test]
fn each_file_parsed_with_its_package_edition() {
    let workspace = workspace();
    // `async` is a keyword from 2018 on, so the same file fails to parse in the 2024 member.
    support::write_files(workspace.path(), &[("crates/new/src/old_style.rs", DOUBLE_2015)]);
    let output = mockfix(workspace.path(), &[]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "stderr: {message}");
    assert!(
        stdout(&output).contains("+++ b/crates/old/src/lib.rs"),
        "the 2015 file was fixed"
    );
    assert!(
        message.contains("mockfix: crates/new/src/old_style.rs:9:13: syntax error"),
        "stderr: {message}"
    );
    assert!(
        !message.contains("crates/old/src/lib.rs: syntax error"),
        "stderr: {message}"
    );
}

#[test]
fn inherited_edition_2024_reserves_gen() {
    let workspace = workspace();
    support::write_files(
        workspace.path(),
        &[
            ("crates/new/src/lib.rs", DOUBLE_GEN),
            (
                "crates/mid/Cargo.toml",
                "[package]\nname = \"mid\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("crates/mid/src/lib.rs", DOUBLE_GEN),
        ],
    );
    let output = mockfix(workspace.path(), &[]);
    let message = stderr(&output);
    assert!(
        message.contains("crates/new/src/lib.rs:9:13: syntax error"),
        "stderr: {message}"
    );
    assert!(
        stdout(&output).contains("+++ b/crates/mid/src/lib.rs"),
        "stderr: {message}"
    );
}

#[test]
fn invalid_manifest_edition_is_reported() {
    let krate = folder_with(&[
        ("Cargo.toml", "[package]\nname = \"demo\"\nedition = \"2020\"\n"),
        ("src/lib.rs", DOUBLE),
    ]);
    let output = mockfix(krate.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("src/lib.rs: cannot tell the Rust edition"),
        "stderr: {message}"
    );
    assert!(message.contains("invalid edition \"2020\""), "stderr: {message}");
}

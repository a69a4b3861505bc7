//! `--apply --verify` on small Cargo packages in temporary folders: the fixes are kept when the
//! package still compiles, finished from the compiler's errors when that is mechanical, and
//! undone byte for byte otherwise.

use std::path::Path;
use std::process::{Command, Output};

const MANIFEST: &str = "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

const LIB: &str = "pub mod alias;\npub mod mock;\npub mod user;\n";

/// Another name for the double, so that `USER` never names it and mockfix's own search for uses
/// in other files does not find that file.
const ALIAS: &str = "pub type Mailer = crate::mock::MockMailer;\n";

const MOCK: &str = "use std::cell::RefCell;

pub struct MockMailer {
    pub sent: RefCell<Vec<String>>,
}

impl MockMailer {
    pub fn new() -> Self {
        MockMailer { sent: RefCell::new(Vec::new()) }
    }

    pub fn send(&self, to: &str) {
        self.sent.borrow_mut().push(to.to_string());
    }
}
";

/// Another file of the package that reads the double's field and builds it through `ALIAS`, so
/// the fix of `MOCK` alone does not compile.
const USER: &str = "use std::cell::RefCell;

use crate::alias::Mailer;

pub fn count(mock: &Mailer) -> usize {
    mock.sent.borrow().len()
}

pub fn make() -> Mailer {
    Mailer { sent: RefCell::new(vec![String::new()]) }
}
";

/// Returns a `cargo` command that builds into the package's own `target` folder. Every test
/// package is named `demo`, and cargo gives a package the same artifact names wherever it lies,
/// so packages checked at once in one shared `CARGO_TARGET_DIR` would overwrite each other.
fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.env_remove("CARGO_TARGET_DIR");
    command
}

/// Runs mockfix in `folder`, whose `--verify` runs cargo without a shared `CARGO_TARGET_DIR`,
/// as `cargo` does.
fn mockfix(folder: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(args)
        .current_dir(folder)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("mockfix runs")
}

fn git(folder: &Path, args: &[&str]) {
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
    assert!(output.status.success(), "git {args:?} failed");
}

/// Creates a committed Cargo package with `files`, and `target/` ignored.
fn package_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    for (name, text) in [("Cargo.toml", MANIFEST), (".gitignore", "target/\nCargo.lock\n")]
        .iter()
        .chain(files)
    {
        let path = folder.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    git(folder.path(), &["init", "-q"]);
    git(folder.path(), &["add", "-A"]);
    git(folder.path(), &["commit", "-q", "-m", "initial"]);
    folder
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn read(folder: &Path, name: &str) -> String {
    std::fs::read_to_string(folder.join(name)).unwrap()
}

fn cargo_check_passes(folder: &Path) -> bool {
    cargo()
        .args(["check", "--all-targets", "--quiet"])
        .current_dir(folder)
        .output()
        .expect("cargo runs")
        .status
        .success()
}

#[test]
fn verify_finishes_fixes_from_compiler_errors() {
    let package = package_with(&[
        ("src/lib.rs", LIB),
        ("src/alias.rs", ALIAS),
        ("src/mock.rs", MOCK),
        ("src/user.rs", USER),
    ]);
    let output = mockfix(package.path(), &["--apply", "--verify"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("src/user.rs:6:15: changed `.borrow()` to `.lock().unwrap()`"),
        "stderr: {message}"
    );
    assert!(
        message.contains("src/user.rs:10:20: changed `RefCell` to `Mutex`"),
        "stderr: {message}"
    );
    assert!(
        message.contains("`cargo check` reports no new errors"),
        "stderr: {message}"
    );
    assert_eq!(
        read(package.path(), "src/user.rs"),
        "use std::sync::Mutex;

use crate::alias::Mailer;

pub fn count(mock: &Mailer) -> usize {
    mock.sent.lock().unwrap().len()
}

pub fn make() -> Mailer {
    Mailer { sent: Mutex::new(vec![String::new()]) }
}
"
    );
    assert!(read(package.path(), "src/mock.rs").contains("pub sent: Mutex<Vec<String>>,"));
    assert!(cargo_check_passes(package.path()));
}

#[test]
fn verify_restores_every_file_when_an_error_remains() {
    let user = format!("{USER}\npub fn idle(mock: &Mailer) -> bool {{\n    mock.sent.try_borrow().is_ok()\n}}\n");
    let package = package_with(&[
        ("src/lib.rs", LIB),
        ("src/alias.rs", ALIAS),
        ("src/mock.rs", MOCK),
        ("src/user.rs", &user),
    ]);
    let output = mockfix(package.path(), &["--apply", "--verify"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("src/user.rs:14:15: error[E0599]: no method named `try_borrow` found"),
        "stderr: {message}"
    );
    assert!(message.contains("restored 1 changed file"), "stderr: {message}");
    assert!(message.contains("this is a bug in mockfix"), "stderr: {message}");
    assert!(message.contains("applied 0 fixes in 0 files"), "stderr: {message}");
    assert_eq!(read(package.path(), "src/mock.rs"), MOCK);
    assert_eq!(read(package.path(), "src/user.rs"), user);
}

#[test]
fn verify_ignores_earlier_errors() {
    let broken = "pub fn broken() -> u32 {\n    \"not a number\"\n}\n";
    let package = package_with(&[
        ("src/lib.rs", "pub mod broken;\npub mod mock;\n"),
        ("src/mock.rs", MOCK),
        ("src/broken.rs", broken),
    ]);
    let output = mockfix(package.path(), &["--apply", "--verify"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(read(package.path(), "src/mock.rs").contains("pub sent: Mutex<Vec<String>>,"));
    assert_eq!(read(package.path(), "src/broken.rs"), broken);
}

#[test]
fn verify_warns_about_files_no_target_compiles() {
    let package = package_with(&[("src/lib.rs", "\n"), ("src/mock.rs", MOCK)]);
    let output = mockfix(package.path(), &["--apply", "--verify"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains("src/mock.rs: no target of its package compiles this file"),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn verify_rejects_files_outside_cargo_packages() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("mock.rs"), MOCK).unwrap();
    let output = mockfix(folder.path(), &["--apply", "--allow-no-vcs", "--verify"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains("`mock.rs` is not part of a Cargo package, so --verify cannot check it"),
        "stderr: {}",
        stderr(&output)
    );
    assert_eq!(read(folder.path(), "mock.rs"), MOCK);
}

#[cfg(unix)]
#[test]
fn compiler_runs_only_with_verify() {
    use std::os::unix::fs::PermissionsExt;
    let package = package_with(&[("src/lib.rs", "pub mod mock;\n"), ("src/mock.rs", MOCK)]);
    let tools = tempfile::tempdir().unwrap();
    let marker = tools.path().join("cargo-ran");
    let fake_cargo = tools.path().join("cargo");
    std::fs::write(
        &fake_cargo,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\nexit 1\n", marker.display()),
    )
    .unwrap();
    std::fs::set_permissions(&fake_cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mockfix"))
            .args(args)
            .current_dir(package.path())
            .env("CARGO", &fake_cargo)
            .output()
            .unwrap()
    };

    let verified = run(&["--apply", "--verify"]);
    assert_eq!(verified.status.code(), Some(2), "stderr: {}", stderr(&verified));
    assert!(marker.exists(), "--verify ran cargo");
    assert!(
        stderr(&verified).contains("nothing was written"),
        "stderr: {}",
        stderr(&verified)
    );
    assert_eq!(read(package.path(), "src/mock.rs"), MOCK);

    std::fs::remove_file(&marker).unwrap();
    let applied = run(&["--apply"]);
    assert_eq!(applied.status.code(), Some(0), "stderr: {}", stderr(&applied));
    assert!(!marker.exists(), "cargo ran without --verify");
    assert!(read(package.path(), "src/mock.rs").contains("pub sent: Mutex<Vec<String>>,"));
}

/// A double whose fix is display-only: the `Mutex` that would replace its `RefCell` contains an
/// `Rc`, which is not `Send`.
const CACHE: &str = "use std::cell::RefCell;
use std::rc::Rc;

pub struct FakeCache {
    pub entry: RefCell<Rc<String>>,
}

impl FakeCache {
    pub fn set(&self, value: Rc<String>) {
        *self.entry.borrow_mut() = value;
    }
}

pub fn entry_len(cache: &FakeCache) -> usize {
    cache.entry.borrow().len()
}
";

#[test]
fn verify_writes_no_display_only_fix() {
    let package = package_with(&[
        (
            "src/lib.rs",
            "pub mod alias;\npub mod cache;\npub mod mock;\npub mod user;\n",
        ),
        ("src/alias.rs", ALIAS),
        ("src/cache.rs", CACHE),
        ("src/mock.rs", MOCK),
        ("src/user.rs", USER),
    ]);
    let output = mockfix(package.path(), &["--apply", "--verify", "--unsafe-fixes"]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "stderr: {message}");
    assert!(
        message.contains("1 finding not fixed (1 display-only)"),
        "stderr: {message}"
    );
    assert_eq!(read(package.path(), "src/cache.rs"), CACHE);
    assert!(read(package.path(), "src/mock.rs").contains("pub sent: Mutex<Vec<String>>,"));
    assert!(read(package.path(), "src/user.rs").contains("mock.sent.lock().unwrap().len()"));
    assert!(cargo_check_passes(package.path()));
}

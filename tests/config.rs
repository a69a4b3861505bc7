//! Project configuration through the real binary: `mockfix.toml`, Cargo metadata, the flags
//! that override them, and `mockfix config`.

mod support;

use support::{folder_with, git_repo_with, mockfix, stderr, stdout, DOUBLE};

const MANIFEST: &str = "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

const RECORDER_RULE: &str = "summary = \"s\"\ndescription = \"d\"\n[structs]\nnames = [\"*Recorder\"]\n[state]\nkinds = [\"RefCell\"]\n[fix]\nstrategy = \"wrap\"\n";

#[test]
fn exclude_in_mockfix_toml_silences_folder() {
    let krate = folder_with(&[
        ("Cargo.toml", MANIFEST),
        ("mockfix.toml", "exclude = [\"src/**\"]\n"),
        ("src/lib.rs", DOUBLE),
        ("src/deep/mock.rs", &DOUBLE.replace("MockMailer", "FakeQueue")),
        ("tests/mock.rs", &DOUBLE.replace("MockMailer", "SpyLog")),
    ]);
    let output = mockfix(krate.path(), &[]);
    let diff = stdout(&output);
    assert!(!diff.contains("src/"), "src/ was not excluded: {diff}");
    assert!(diff.contains("+++ b/tests/mock.rs"), "{diff}");
    assert!(stderr(&output).contains("1 fix in 1 file"), "{}", stderr(&output));
}

#[test]
fn exclude_flag_replaces_config_value() {
    let krate = folder_with(&[
        ("Cargo.toml", MANIFEST),
        ("mockfix.toml", "exclude = [\"src/**\"]\n"),
        ("src/lib.rs", DOUBLE),
        ("tests/mock.rs", &DOUBLE.replace("MockMailer", "SpyLog")),
    ]);
    let output = mockfix(krate.path(), &["--exclude", "tests/**"]);
    let diff = stdout(&output);
    assert!(diff.contains("+++ b/src/lib.rs"), "{diff}");
    assert!(!diff.contains("tests/mock.rs"), "{diff}");
}

#[test]
fn select_and_ignore_flags() {
    let atomic = "use std::sync::atomic::{AtomicUsize, Ordering};

pub struct FakeCounter {
    hits: AtomicUsize,
}

impl FakeCounter {
    pub fn hit(&self) {
        let n = self.hits.load(Ordering::SeqCst);
        self.hits.store(n + 1, Ordering::SeqCst);
    }
}
";
    let folder = folder_with(&[("mock.rs", DOUBLE), ("counter.rs", atomic)]);
    let ignored = mockfix(folder.path(), &["--ignore", "refcell-in-shared-double"]);
    assert!(!stdout(&ignored).contains("mock.rs"), "{}", stdout(&ignored));
    assert!(stdout(&ignored).contains("+++ b/counter.rs"), "{}", stdout(&ignored));

    let selected = mockfix(folder.path(), &["--select", "refcell-in-shared-double"]);
    assert!(stdout(&selected).contains("+++ b/mock.rs"), "{}", stdout(&selected));
    assert!(!stdout(&selected).contains("counter.rs"), "{}", stdout(&selected));

    let unknown = mockfix(folder.path(), &["--select", "refcell,split-atomic-update-in-double"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("unknown rule id `refcell`"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn package_metadata_sets_fix_options() {
    let manifest =
        format!("{MANIFEST}\n[package.metadata.mockfix.rule.refcell-in-shared-double]\nlock = \"ignore-poison\"\n");
    let krate = folder_with(&[("Cargo.toml", &manifest), ("src/lib.rs", DOUBLE)]);
    let output = mockfix(krate.path(), &[]);
    assert!(
        stdout(&output).contains("self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner)"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn mockfix_toml_beats_package_metadata() {
    let manifest =
        format!("{MANIFEST}\n[package.metadata.mockfix.rule.refcell-in-shared-double]\nlock = \"ignore-poison\"\n");
    let krate = folder_with(&[
        ("Cargo.toml", &manifest),
        ("mockfix.toml", "[rule.refcell-in-shared-double]\nlock = \"unwrap\"\n"),
        ("src/lib.rs", DOUBLE),
    ]);
    let output = mockfix(krate.path(), &[]);
    assert!(
        stdout(&output).contains("self.sent.lock().unwrap()."),
        "{}",
        stdout(&output)
    );
    let shown = stdout(&mockfix(krate.path(), &["config"]));
    let config_file = std::fs::canonicalize(krate.path().join("mockfix.toml")).unwrap();
    assert!(
        shown.contains(&format!("lock = \"unwrap\"  # {}", config_file.display())),
        "{shown}"
    );
}

#[test]
fn workspace_metadata_applies_to_members() {
    let workspace = folder_with(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\"]\n\n[workspace.metadata.mockfix]\nignore = [\"refcell-in-shared-double\"]\n",
        ),
        ("a/Cargo.toml", MANIFEST),
        ("a/src/lib.rs", DOUBLE),
    ]);
    let output = mockfix(&workspace.path().join("a"), &[]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "");
}

#[test]
fn mockfix_toml_found_at_git_top() {
    let repo = git_repo_with(&[
        ("mockfix.toml", "exclude = [\"legacy/**\"]\n"),
        ("tools/legacy/mock.rs", DOUBLE),
        ("tools/mock.rs", &DOUBLE.replace("MockMailer", "FakeMailer")),
    ]);
    // No Cargo.toml: the project root is the current folder, and paths are relative to it.
    let output = mockfix(&repo.path().join("tools"), &[]);
    let diff = stdout(&output);
    assert!(diff.contains("+++ b/mock.rs"), "{diff}");
    assert!(!diff.contains("legacy"), "{diff}");
}

#[test]
fn unknown_key_reports_file_line_column() {
    let folder = folder_with(&[
        ("mockfix.toml", "# settings\nexclude = []\nexlude = [\"src/**\"]\n"),
        ("mock.rs", DOUBLE),
    ]);
    let output = mockfix(folder.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("mockfix.toml:3:1: unknown key `exlude`"),
        "stderr: {message}"
    );
    assert_eq!(stdout(&output), "", "nothing is checked with an invalid configuration");
}

#[test]
fn unknown_metadata_key_reports_manifest_position() {
    let manifest = format!("{MANIFEST}\n[package.metadata.mockfix]\nselect = []\nstrategy = \"wrap\"\n");
    let krate = folder_with(&[("Cargo.toml", &manifest), ("src/lib.rs", DOUBLE)]);
    let output = mockfix(krate.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("Cargo.toml:8:1: unknown key `package.metadata.mockfix.strategy`"),
        "stderr: {message}"
    );
}

#[test]
fn invalid_ordering_value_is_rejected() {
    let folder = folder_with(&[(
        "mockfix.toml",
        "[rule.split-atomic-update-in-double]\nordering = \"seqcst\"\n",
    )]);
    let output = mockfix(folder.path(), &["config"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("mockfix.toml:2:12: invalid value \"seqcst\""),
        "stderr: {message}"
    );
    assert!(
        message.contains("\"SeqCst\", \"AcqRel\", \"Acquire\", \"Release\", \"Relaxed\""),
        "stderr: {message}"
    );
}

#[test]
fn config_flag_reads_given_file() {
    let folder = folder_with(&[
        ("mockfix.toml", "ignore = [\"refcell-in-shared-double\"]\n"),
        ("ci/strict.toml", "exclude = []\n"),
        ("mock.rs", DOUBLE),
    ]);
    let discovered = mockfix(folder.path(), &[]);
    assert_eq!(discovered.status.code(), Some(0), "{}", stderr(&discovered));
    let given = mockfix(folder.path(), &["--config", "ci/strict.toml"]);
    assert_eq!(given.status.code(), Some(1), "{}", stderr(&given));
}

#[test]
fn rules_path_relative_to_config_file() {
    let folder = git_repo_with(&[
        ("mockfix.toml", "rules = [\"my-rules\"]\n"),
        ("my-rules/refcell-in-recorder.toml", RECORDER_RULE),
        ("src/rec.rs", &DOUBLE.replace("MockMailer", "CallRecorder")),
    ]);
    let output = mockfix(&folder.path().join("src"), &["."]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    assert!(stdout(&output).contains("+    sent: Mutex<Vec<String>>,"));
}

#[test]
fn config_command_lists_sources_and_origins() {
    let workspace = folder_with(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\"]\n[workspace.metadata.mockfix]\nexclude = [\"gen/**\"]\n",
        ),
        (
            "a/Cargo.toml",
            &format!("{MANIFEST}[package.metadata.mockfix.rule.split-atomic-update-in-double]\nguard_field = \"state_lock\"\n"),
        ),
    ]);
    let output = mockfix(
        &workspace.path().join("a"),
        &["config", "--select", "split-atomic-update-in-double"],
    );
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let shown = stdout(&output);
    let root = std::fs::canonicalize(workspace.path()).unwrap();
    let workspace_manifest = root.join("Cargo.toml");
    let package_manifest = root.join("a/Cargo.toml");
    assert!(
        shown.contains("select = [\"split-atomic-update-in-double\"]  # command line"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!(
            "exclude = [\"gen/**\"]  # [workspace.metadata.mockfix] in {}",
            workspace_manifest.display()
        )),
        "{shown}"
    );
    assert!(
        shown.contains(&format!(
            "guard_field = \"state_lock\"  # [package.metadata.mockfix] in {}",
            package_manifest.display()
        )),
        "{shown}"
    );
    let refcell = shown.split("[rule.refcell-in-shared-double]").nth(1).unwrap();
    assert!(refcell.contains("enabled = false  # command line"), "{shown}");
    let parsed: Result<toml::Table, _> = toml::from_str(&shown);
    assert!(parsed.is_ok(), "the output is not TOML: {parsed:?}\n{shown}");
}

#[test]
fn ordering_override_reaches_cell_fix() {
    let spy = "use std::cell::Cell;

pub struct SpyNotifier {
    calls: Cell<usize>,
}

impl SpyNotifier {
    pub fn notify(&self) {
        self.calls.set(self.calls.get() + 1);
    }

    pub fn count(&self) -> usize {
        self.calls.get()
    }
}
";
    let folder = folder_with(&[
        ("mockfix.toml", "[rule.cell-in-shared-double]\nordering = \"Release\"\n"),
        ("spy.rs", spy),
    ]);
    let output = mockfix(folder.path(), &[]);
    let diff = stdout(&output);
    assert!(
        diff.contains("+        self.calls.fetch_add(1, Ordering::Release);"),
        "{diff}"
    );
    assert!(
        diff.contains("+        self.calls.load(Ordering::Relaxed)"),
        "a load cannot release: {diff}"
    );

    let flag = mockfix(folder.path(), &["config"]);
    assert!(
        stdout(&flag).contains("ordering = \"Release\"  # "),
        "{}",
        stdout(&flag)
    );
}

//! The `mockfix` binary end to end, on real files in temporary folders.

use std::path::Path;
use std::process::{Command, Output};

const DOUBLE: &str = "use std::cell::RefCell;

pub struct MockMailer {
    sent: RefCell<Vec<String>>,
}

impl MockMailer {
    pub fn send(&self, to: &str) {
        self.sent.borrow_mut().push(to.to_string());
    }
}
";

const CLEAN: &str = "pub fn add(a: u32, b: u32) -> u32 {
    a + b
}
";

fn mockfix(folder: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(args)
        .current_dir(folder)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("mockfix runs")
}

fn git(folder: &Path, args: &[&str]) -> Output {
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

fn git_repo_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = folder.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    git(folder.path(), &["init", "-q"]);
    git(folder.path(), &["add", "-A"]);
    git(folder.path(), &["commit", "-q", "-m", "initial"]);
    folder
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn dry_run_prints_diff_and_exits_1() {
    let repo = git_repo_with(&[("src/mock.rs", DOUBLE), ("src/lib.rs", CLEAN)]);
    let output = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let diff = stdout(&output);
    assert!(
        diff.starts_with("--- a/src/mock.rs\n+++ b/src/mock.rs\n"),
        "diff: {diff}"
    );
    assert!(diff.contains("+    sent: Mutex<Vec<String>>,"), "diff: {diff}");
    assert!(
        stderr(&output).contains("mockfix: 1 fix in 1 file"),
        "stderr: {}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("src/mock.rs")).unwrap(),
        DOUBLE,
        "dry run wrote the file"
    );
}

#[test]
fn no_flag_behaves_as_dry_run() {
    let repo = git_repo_with(&[("mock.rs", DOUBLE)]);
    let output = mockfix(repo.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), stdout(&mockfix(repo.path(), &["--dry-run"])));
    assert_eq!(std::fs::read_to_string(repo.path().join("mock.rs")).unwrap(), DOUBLE);
}

#[test]
fn clean_tree_exits_0() {
    let repo = git_repo_with(&[("src/lib.rs", CLEAN)]);
    let output = mockfix(repo.path(), &["--dry-run", "src"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("0 fixes in 0 files"),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn diff_of_path_with_space_applies() {
    let files = [("tests/with space/my mock.rs", DOUBLE)];
    let repo = git_repo_with(&files);
    let diff = stdout(&mockfix(repo.path(), &["--dry-run"]));
    assert!(diff.starts_with("--- a/tests/with space/my mock.rs\t\n"), "{diff}");
    std::fs::write(repo.path().join("fix.diff"), &diff).unwrap();
    git(repo.path(), &["apply", "--check", "fix.diff"]);

    let patched = git_repo_with(&files);
    std::fs::write(patched.path().join("fix.diff"), &diff).unwrap();
    let patch = Command::new("patch")
        .args(["-p1", "-i", "fix.diff"])
        .current_dir(patched.path())
        .output()
        .unwrap();
    assert!(
        patch.status.success(),
        "patch -p1 failed: {}",
        String::from_utf8_lossy(&patch.stdout)
    );
    let fixed = std::fs::read_to_string(patched.path().join("tests/with space/my mock.rs")).unwrap();
    assert!(fixed.contains("Mutex"), "{fixed}");
}

#[test]
fn diff_applies_with_git_and_patch() {
    let repo = git_repo_with(&[
        ("src/mock.rs", DOUBLE),
        ("tests/crlf_mock.rs", &DOUBLE.replace('\n', "\r\n")),
    ]);
    let diff = stdout(&mockfix(repo.path(), &["--dry-run"]));
    std::fs::write(repo.path().join("fix.diff"), &diff).unwrap();
    git(repo.path(), &["apply", "--check", "fix.diff"]);

    let patched = git_repo_with(&[
        ("src/mock.rs", DOUBLE),
        ("tests/crlf_mock.rs", &DOUBLE.replace('\n', "\r\n")),
    ]);
    std::fs::write(patched.path().join("fix.diff"), &diff).unwrap();
    let patch = Command::new("patch")
        .args(["-p1", "--binary", "-i", "fix.diff"])
        .current_dir(patched.path())
        .output()
        .unwrap();
    assert!(
        patch.status.success(),
        "patch -p1 failed: {}",
        String::from_utf8_lossy(&patch.stdout)
    );

    let applied = mockfix(repo.path(), &["--apply"]);
    assert_eq!(applied.status.code(), Some(0), "stderr: {}", stderr(&applied));
    for file in ["src/mock.rs", "tests/crlf_mock.rs"] {
        assert_eq!(
            std::fs::read(repo.path().join(file)).unwrap(),
            std::fs::read(patched.path().join(file)).unwrap(),
            "--apply and the patched diff differ for {file}"
        );
    }
    let crlf = std::fs::read_to_string(repo.path().join("tests/crlf_mock.rs")).unwrap();
    assert_eq!(
        crlf.matches('\n').count(),
        crlf.matches("\r\n").count(),
        "bare LF in a CRLF file: {crlf:?}"
    );
}

#[test]
fn apply_then_second_run_is_clean() {
    let repo = git_repo_with(&[("mock.rs", DOUBLE)]);
    let first = mockfix(repo.path(), &["--apply"]);
    assert_eq!(first.status.code(), Some(0), "stderr: {}", stderr(&first));
    assert!(
        stderr(&first).contains("applied 1 fix in 1 file"),
        "stderr: {}",
        stderr(&first)
    );
    git(repo.path(), &["commit", "-q", "-am", "fixed"]);
    let second = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(second.status.code(), Some(0), "stderr: {}", stderr(&second));
    assert_eq!(stdout(&second), "");
}

#[test]
fn apply_rejects_uncommitted_changes() {
    let repo = git_repo_with(&[("mock.rs", DOUBLE), ("other.rs", CLEAN)]);
    let edited = format!("{DOUBLE}// local edit\n");
    std::fs::write(repo.path().join("mock.rs"), &edited).unwrap();
    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("mock.rs"), "stderr: {}", stderr(&output));
    assert!(stderr(&output).contains("--allow-dirty"), "stderr: {}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(repo.path().join("mock.rs")).unwrap(),
        edited,
        "a dirty file was written"
    );

    let allowed = mockfix(repo.path(), &["--apply", "--allow-dirty"]);
    assert_eq!(allowed.status.code(), Some(0), "stderr: {}", stderr(&allowed));
    assert!(std::fs::read_to_string(repo.path().join("mock.rs"))
        .unwrap()
        .contains("Mutex<Vec<String>>"));
}

#[test]
fn dirty_files_elsewhere_do_not_block_apply() {
    let repo = git_repo_with(&[("mock.rs", DOUBLE), ("other.rs", CLEAN)]);
    std::fs::write(repo.path().join("other.rs"), "// changed\n").unwrap();
    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
}

#[test]
fn apply_outside_git_needs_flag() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("mock.rs"), DOUBLE).unwrap();
    let output = mockfix(folder.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--allow-no-vcs"),
        "stderr: {}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_to_string(folder.path().join("mock.rs")).unwrap(), DOUBLE);

    let allowed = mockfix(folder.path(), &["--apply", "--allow-no-vcs"]);
    assert_eq!(allowed.status.code(), Some(0), "stderr: {}", stderr(&allowed));
    assert!(std::fs::read_to_string(folder.path().join("mock.rs"))
        .unwrap()
        .contains("self.sent.lock().unwrap()"));
}

#[test]
fn missing_path_exits_2_and_names_it() {
    let repo = git_repo_with(&[("mock.rs", DOUBLE)]);
    let output = mockfix(repo.path(), &["--dry-run", "no/such/folder", "mock.rs"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("mockfix: no/such/folder: path not found"),
        "stderr: {}",
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("+++ b/mock.rs"),
        "the existing path was still checked"
    );
}

#[test]
fn unknown_flag_exits_2() {
    let folder = tempfile::tempdir().unwrap();
    let output = mockfix(folder.path(), &["--aply"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--aply"), "stderr: {}", stderr(&output));
}

#[test]
fn apply_only_flags_reject_dry_run() {
    let folder = tempfile::tempdir().unwrap();
    for flag in ["--verify", "--allow-dirty", "--allow-no-vcs"] {
        let output = mockfix(folder.path(), &["--dry-run", flag]);
        assert_eq!(output.status.code(), Some(2), "{flag}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(&format!("'--dry-run' cannot be used with '{flag}'")),
            "{flag}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn invalid_rule_file_names_file_line_and_key() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("my-rule.toml"),
        "summary = \"s\"\ndescription = \"d\"\n[structs]\nnames = [\"Mock*\"]\n[state]\nkinds = [\"RefCell\"]\n[fix]\nstrategy = \"wrap\"\nlok = \"unwrap\"\n",
    )
    .unwrap();
    std::fs::write(folder.path().join("mock.rs"), DOUBLE).unwrap();
    let output = mockfix(folder.path(), &["--rules", "my-rule.toml", "mock.rs"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("my-rule.toml:9:1"), "stderr: {message}");
    assert!(message.contains("unknown field `lok`"), "stderr: {message}");
    assert_eq!(stdout(&output), "", "nothing is checked with an invalid rule");
}

#[test]
fn user_rule_folder_adds_rules() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::create_dir(folder.path().join("rules")).unwrap();
    std::fs::write(
        folder.path().join("rules/refcell-in-recorder.toml"),
        "summary = \"s\"\ndescription = \"d\"\n[structs]\nnames = [\"*Recorder\"]\n[state]\nkinds = [\"RefCell\"]\n[fix]\nstrategy = \"wrap\"\n",
    )
    .unwrap();
    std::fs::write(
        folder.path().join("rec.rs"),
        DOUBLE.replace("MockMailer", "CallRecorder"),
    )
    .unwrap();
    let builtin_only = mockfix(folder.path(), &["rec.rs"]);
    assert_eq!(
        builtin_only.status.code(),
        Some(0),
        "the built-in rules do not match `CallRecorder`"
    );
    let with_rule = mockfix(folder.path(), &["--rules", "rules", "--no-default-rules", "rec.rs"]);
    assert_eq!(with_rule.status.code(), Some(1), "stderr: {}", stderr(&with_rule));
    assert!(stdout(&with_rule).contains("+    sent: Mutex<Vec<String>>,"));
}

#[test]
fn unreadable_files_are_reported_and_run_goes_on() {
    let folder = tempfile::tempdir().unwrap();
    let mut not_utf8 = b"// RefCell in MockLegacy \xff\xfe\n".to_vec();
    not_utf8.extend_from_slice(CLEAN.as_bytes());
    std::fs::write(folder.path().join("a_binary.rs"), &not_utf8).unwrap();
    std::fs::write(
        folder.path().join("b_broken.rs"),
        "struct MockX { a: RefCell<u8> \nfn (",
    )
    .unwrap();
    std::fs::write(folder.path().join("c_mock.rs"), DOUBLE).unwrap();
    let output = mockfix(folder.path(), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("mockfix: a_binary.rs: not valid UTF-8"),
        "stderr: {message}"
    );
    assert!(
        message.contains("mockfix: b_broken.rs:1:30: syntax error: "),
        "stderr: {message}"
    );
    assert!(
        stdout(&output).contains("+++ b/c_mock.rs"),
        "the valid file was still fixed"
    );
    assert_eq!(std::fs::read(folder.path().join("a_binary.rs")).unwrap(), not_utf8);
}

#[test]
fn target_folder_and_gitignored_files_are_skipped() {
    let repo = git_repo_with(&[
        (".gitignore", "generated/\n"),
        ("target/debug/mock.rs", DOUBLE),
        ("generated/mock.rs", DOUBLE),
        ("src/lib.rs", CLEAN),
    ]);
    let output = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(0), "stdout: {}", stdout(&output));
}

#[test]
fn byte_order_mark_is_kept() {
    let repo = git_repo_with(&[("mock.rs", &format!("\u{feff}{DOUBLE}"))]);
    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let fixed = std::fs::read(repo.path().join("mock.rs")).unwrap();
    assert!(
        fixed.starts_with(b"\xEF\xBB\xBFuse std::sync::Mutex;"),
        "{:?}",
        String::from_utf8_lossy(&fixed[..40])
    );
}

#[test]
fn color_follows_flag_and_no_color() {
    let repo = git_repo_with(&[("mock.rs", DOUBLE)]);
    let always = mockfix(repo.path(), &["--color", "always"]);
    assert!(stdout(&always).contains("\u{1b}["), "--color always prints escapes");
    let never = mockfix(repo.path(), &["--color", "never"]);
    assert!(!stdout(&never).contains('\u{1b}'));
    let piped = mockfix(repo.path(), &[]);
    assert!(!stdout(&piped).contains('\u{1b}'), "auto prints no escapes into a pipe");
    let no_color = Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .current_dir(repo.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!stdout(&no_color).contains('\u{1b}'));
}

#[test]
fn help_documents_exit_codes() {
    let folder = tempfile::tempdir().unwrap();
    let help = stdout(&mockfix(folder.path(), &["--help"]));
    for line in ["0  nothing to fix", "1  fixes or findings pending", "2  an error"] {
        assert!(help.contains(line), "--help lacks `{line}`: {help}");
    }
}

#[test]
fn dry_run_output_snapshot() {
    let repo = git_repo_with(&[("src/mock.rs", DOUBLE)]);
    let output = mockfix(repo.path(), &["--dry-run"]);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| {
        insta::assert_snapshot!(
            "cli_dry_run",
            format!("{}\n--- stderr ---\n{}", stdout(&output), stderr(&output))
        )
    });
}

#[test]
fn uses_in_other_files_follow_the_fix() {
    let user =
        "use crate::mock::MockMailer;\n\nfn sent(mock: &MockMailer) -> usize {\n    mock.sent.borrow().len()\n}\n";
    let repo = git_repo_with(&[
        ("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n"),
        ("src/mock.rs", DOUBLE),
        ("src/user.rs", user),
    ]);
    let output = mockfix(repo.path(), &["--dry-run", "src/mock.rs"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let diff = stdout(&output);
    assert!(diff.contains("+++ b/src/mock.rs"), "diff: {diff}");
    assert!(diff.contains("+++ b/src/user.rs"), "diff: {diff}");
    assert!(diff.contains("+    mock.sent.lock().unwrap().len()"), "diff: {diff}");
    assert!(
        stderr(&output).contains("1 fix in 2 files"),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn use_that_cannot_follow_holds_fix_back() {
    let user = "use crate::mock::MockMailer;\n\nfn cell(mock: &MockMailer) -> &std::cell::RefCell<Vec<String>> {\n    &mock.sent\n}\n";
    let repo = git_repo_with(&[
        ("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n"),
        ("src/mock.rs", DOUBLE),
        ("src/user.rs", user),
    ]);
    let output = mockfix(repo.path(), &["--dry-run", "src/mock.rs"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "", "no file changes while a use cannot follow the fix");
    let message = stderr(&output);
    assert!(
        message.contains("in `src/user.rs`: `.sent` at line 4 is used as a `RefCell`"),
        "stderr: {message}"
    );
    assert!(message.contains("--unsafe-fixes"), "stderr: {message}");
}

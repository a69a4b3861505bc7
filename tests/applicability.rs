//! Fixes that need review and display-only fixes through the real binary: where a dry run shows
//! them, what `--apply` writes, and that the marked patch still applies with `git apply` and
//! `patch -p1`.

mod support;

use std::path::Path;
use std::process::Command;

use support::{git, git_repo_with, mockfix, stderr, stdout, DOUBLE};

/// A double whose fix is display-only: the `Arc` that replaces its `Rc` contains a `Cell`.
const DISPLAY_ONLY: &str = "use std::cell::Cell;
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

/// A double whose fix needs review: it reads the cell in one statement and writes it in the next.
const NEEDS_REVIEW: &str = "use std::cell::Cell;

pub struct FakeCounter {
    hits: Cell<usize>,
}

impl FakeCounter {
    pub fn hit(&self) {
        let n = self.hits.get();
        self.hits.set(n + 1);
    }
}
";

fn read(folder: &Path, name: &str) -> String {
    std::fs::read_to_string(folder.join(name)).unwrap()
}

/// Runs `patch -p1` with `diff` in `folder` and checks that it succeeds.
fn patch(folder: &Path, diff: &str) {
    std::fs::write(folder.join("fix.diff"), diff).unwrap();
    let output = Command::new("patch")
        .args(["-p1", "--binary", "-i", "fix.diff"])
        .current_dir(folder)
        .output()
        .expect("patch runs");
    assert!(
        output.status.success(),
        "patch -p1 failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::remove_file(folder.join("fix.diff")).unwrap();
}

#[test]
fn held_back_fixes_shown_on_stderr() {
    let repo = git_repo_with(&[
        ("src/counter.rs", DISPLAY_ONLY),
        ("src/fake.rs", NEEDS_REVIEW),
        ("src/mock.rs", DOUBLE),
    ]);
    let output = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));

    let diff = stdout(&output);
    assert!(
        diff.starts_with("--- a/src/mock.rs\n"),
        "only the safe fix is in the patch: {diff}"
    );
    assert!(!diff.contains("src/counter.rs"), "{diff}");
    assert!(!diff.contains("src/fake.rs"), "{diff}");
    assert!(!diff.contains("# mockfix:"), "no fix in the patch needs review: {diff}");

    let report = stderr(&output);
    let display_only =
        "mockfix: src/counter.rs:4:12: [rc-in-shared-double] `MockCounter` shares state through `Rc` field `hits`";
    let display_only_at = report.find(display_only).unwrap_or_else(|| panic!("stderr: {report}"));
    let shown = &report[display_only_at..];
    assert!(
        shown.contains("\n  display-only fix: `hits` holds `Rc<Cell<usize>>`"),
        "stderr: {report}"
    );
    assert!(
        shown.contains(
            "\n  shown only, never applied, not even with --unsafe-fixes, because it does not finish the fix; use it as a starting point:\n  | --- a/src/counter.rs\n  | +++ b/src/counter.rs\n"
        ),
        "stderr: {report}"
    );
    assert!(
        shown.contains("\n  | +    hits: Arc<Cell<usize>>,\n"),
        "stderr: {report}"
    );

    let review_at = report
        .find("mockfix: src/fake.rs:3:12: [cell-in-shared-double]")
        .unwrap_or_else(|| panic!("stderr: {report}"));
    let review = &report[review_at..];
    assert!(
        review.contains("\n  fix needs review: `self.hits` is read at line 9 and written at line 10"),
        "stderr: {report}"
    );
    assert!(
        review.contains("\n  not applied; pass --unsafe-fixes to apply it:\n  | --- a/src/fake.rs\n"),
        "stderr: {report}"
    );
    assert!(
        review.contains("\n  | +        self.hits.store(n + 1, Ordering::SeqCst);\n"),
        "stderr: {report}"
    );

    assert!(
        report.contains("\n  fix: Replace `RefCell` with `Mutex` in `MockMailer`\nmockfix: "),
        "a fix in the patch is not shown again: {report}"
    );
    assert!(
        report
            .ends_with("mockfix: 1 fix in 1 file; 2 findings not fixed (1 needs review, 1 display-only), see above\n"),
        "stderr: {report}"
    );
}

#[test]
fn display_only_finding_exits_1_unwritten() {
    let repo = git_repo_with(&[("src/counter.rs", DISPLAY_ONLY)]);
    for flags in [
        &["--dry-run"][..],
        &["--dry-run", "--unsafe-fixes"],
        &["--apply"],
        &["--apply", "--unsafe-fixes"],
    ] {
        let output = mockfix(repo.path(), flags);
        assert_eq!(output.status.code(), Some(1), "{flags:?}: {}", stderr(&output));
        assert_eq!(stdout(&output), "", "{flags:?}");
        assert_eq!(
            read(repo.path(), "src/counter.rs"),
            DISPLAY_ONLY,
            "{flags:?} wrote the file"
        );
        assert!(
            stderr(&output).contains("1 finding not fixed (1 display-only), see above"),
            "{flags:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn display_only_fix_leaves_uses_alone() {
    let user = "use crate::counter::MockCounter;

pub fn count(counter: &MockCounter) -> usize {
    counter.hits.get()
}
";
    let repo = git_repo_with(&[
        ("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n"),
        ("src/counter.rs", DISPLAY_ONLY),
        ("src/user.rs", user),
        ("src/mock.rs", DOUBLE),
    ]);
    let output = mockfix(repo.path(), &["--apply", "--unsafe-fixes"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    assert_eq!(read(repo.path(), "src/counter.rs"), DISPLAY_ONLY);
    assert_eq!(read(repo.path(), "src/user.rs"), user);
    assert!(
        read(repo.path(), "src/mock.rs").contains("sent: Mutex<Vec<String>>,"),
        "the safe fix is still written"
    );
}

#[test]
fn unsafe_fixes_patch_is_marked_and_applies() {
    // The first file has no line break at its end, so its diff ends with a
    // `\ No newline at end of file` line, which a marker then follows.
    let files = [
        ("src/a_mock.rs", DOUBLE.trim_end().to_string()),
        ("src/b_fake.rs", NEEDS_REVIEW.to_string()),
        ("src/c_fake_crlf.rs", NEEDS_REVIEW.replace('\n', "\r\n")),
        ("src/d_counter.rs", DISPLAY_ONLY.to_string()),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(name, text)| (*name, text.as_str())).collect();
    let repo = git_repo_with(&files);
    let output = mockfix(repo.path(), &["--dry-run", "--unsafe-fixes"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let diff = stdout(&output);

    // Each marker is a line of its own directly before the header of the file it is about.
    let marker = "# mockfix: needs review: the fix of `FakeCounter` at line 3 (cell-in-shared-double) in this file: `self.hits` is read at line 9 and written at line 10";
    for file in ["src/b_fake.rs", "src/c_fake_crlf.rs"] {
        let header = format!("\n--- a/{file}");
        let at = diff
            .find(&header)
            .unwrap_or_else(|| panic!("no diff of {file}: {diff}"));
        let before = diff[..at].lines().last().unwrap();
        assert!(before.starts_with(marker), "line before {file}: {before:?}\n{diff}");
    }
    assert_eq!(diff.matches("# mockfix:").count(), 2, "{diff}");
    assert!(
        diff.starts_with("--- a/src/a_mock.rs\n"),
        "a safe fix is not marked: {diff}"
    );
    assert!(
        diff.contains("\\ No newline at end of file\n# mockfix: needs review:"),
        "{diff}"
    );
    assert!(!diff.contains("d_counter.rs"), "{diff}");

    std::fs::write(repo.path().join("fix.diff"), &diff).unwrap();
    git(repo.path(), &["apply", "--check", "fix.diff"]);
    std::fs::remove_file(repo.path().join("fix.diff")).unwrap();
    let patched = git_repo_with(&files);
    patch(patched.path(), &diff);
    let git_applied = git_repo_with(&files);
    std::fs::write(git_applied.path().join("fix.diff"), &diff).unwrap();
    git(git_applied.path(), &["apply", "fix.diff"]);

    let applied = mockfix(repo.path(), &["--apply", "--unsafe-fixes"]);
    assert_eq!(applied.status.code(), Some(1), "stderr: {}", stderr(&applied));
    for (file, _) in &files {
        let written = std::fs::read(repo.path().join(file)).unwrap();
        assert_eq!(
            written,
            std::fs::read(patched.path().join(file)).unwrap(),
            "--apply and patch -p1 differ for {file}"
        );
        assert_eq!(
            written,
            std::fs::read(git_applied.path().join(file)).unwrap(),
            "--apply and git apply differ for {file}"
        );
    }
    let crlf = read(repo.path(), "src/c_fake_crlf.rs");
    assert!(crlf.contains("hits: AtomicUsize,\r\n"), "{crlf:?}");
    assert_eq!(crlf.matches('\n').count(), crlf.matches("\r\n").count(), "{crlf:?}");
    assert_eq!(read(repo.path(), "src/d_counter.rs"), DISPLAY_ONLY);
}

#[test]
fn patch_marks_followers_of_reviewed_fix() {
    let fake = NEEDS_REVIEW.replace("    hits: Cell<usize>,", "    pub hits: Cell<usize>,");
    let user = "use crate::fake::FakeCounter;

pub fn hits(counter: &FakeCounter) -> usize {
    counter.hits.get()
}
";
    let files = [
        ("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n"),
        ("src/fake.rs", fake.as_str()),
        ("src/user.rs", user),
    ];
    let repo = git_repo_with(&files);
    let output = mockfix(repo.path(), &["--dry-run", "--unsafe-fixes"]);
    let diff = stdout(&output);
    assert!(
        diff.contains(
            "\n# mockfix: needs review: this file follows the fix of `FakeCounter` in src/fake.rs: `self.hits` is read at line 9"
        ),
        "{diff}"
    );
    let user_header = diff.find("--- a/src/user.rs").unwrap_or_else(|| panic!("{diff}"));
    let marker = diff.find("this file follows the fix").unwrap();
    assert!(marker < user_header, "{diff}");

    let patched = git_repo_with(&files);
    patch(patched.path(), &diff);
    let applied = mockfix(repo.path(), &["--apply", "--unsafe-fixes"]);
    assert_eq!(applied.status.code(), Some(0), "stderr: {}", stderr(&applied));
    for file in ["src/fake.rs", "src/user.rs"] {
        assert_eq!(read(repo.path(), file), read(patched.path(), file), "{file}");
    }
}

#[test]
fn report_diff_color_follows_flag() {
    let repo = git_repo_with(&[("src/counter.rs", DISPLAY_ONLY)]);
    let always = stderr(&mockfix(repo.path(), &["--color", "always"]));
    assert!(
        always.contains("  | \u{1b}[32m+    hits: Arc<Cell<usize>>,"),
        "--color always colors the shown diff: {always:?}"
    );
    let never = stderr(&mockfix(repo.path(), &["--color", "never"]));
    assert!(!never.contains('\u{1b}'), "{never:?}");
    let piped = stderr(&mockfix(repo.path(), &[]));
    assert!(
        !piped.contains('\u{1b}'),
        "auto prints no escapes into a pipe: {piped:?}"
    );
}

#[test]
fn help_lists_the_applicabilities() {
    let folder = tempfile::tempdir().unwrap();
    let help = stdout(&mockfix(folder.path(), &["--help"]));
    for line in [
        "  safe          in the diff on stdout, and written by --apply",
        "  needs-review  in the diff and written only with --unsafe-fixes",
        "  display-only  known to leave the double unsynchronized: shown on stderr, never written",
    ] {
        assert!(help.contains(line), "--help lacks `{line}`: {help}");
    }
}

#[test]
fn held_back_fixes_snapshot() {
    let repo = git_repo_with(&[
        ("src/counter.rs", DISPLAY_ONLY),
        ("src/fake.rs", NEEDS_REVIEW),
        ("src/mock.rs", DOUBLE),
    ]);
    let output = mockfix(repo.path(), &["--dry-run"]);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| {
        insta::assert_snapshot!(
            "cli_dry_run_held_back",
            format!("{}\n--- stderr ---\n{}", stdout(&output), stderr(&output))
        )
    });
}

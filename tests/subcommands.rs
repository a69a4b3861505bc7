//! The subcommands through the real binary: rules, explain, test, new-rule, completions, man.

mod support;

use support::{folder_with, mockfix, stderr, stdout, DOUBLE};

const RECORDER_RULE: &str = r#"# A rule for recorders.
summary = "s"
description = "d"

[structs]
names = ["*Recorder"]

[state]
kinds = ["RefCell"]

[fix]
strategy = "wrap"

# The case below expects the wrong output on purpose.
[[test]]
name = "recorder"
code = """
use std::cell::RefCell;

pub struct CallRecorder {
    calls: RefCell<Vec<u32>>,
}
"""
fixed = """
use std::cell::RefCell;

pub struct CallRecorder {
    calls: RefCell<Vec<u32>>,
}
"""

[[test]]
name = "other_name"
code = """
pub struct Log {
    lines: Vec<u32>,
}
"""
unchanged = true
"#;

#[test]
fn rules_lists_ids_and_enabled_state() {
    let folder = folder_with(&[]);
    let output = mockfix(folder.path(), &["rules", "--ignore", "split-atomic-update-in-double"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    let header = text.lines().next().unwrap();
    assert!(header.starts_with("ID"), "{text}");
    assert!(header.contains("STRATEGY"), "{text}");
    assert!(header.contains("ENABLED"), "{text}");
    let refcell = text
        .lines()
        .find(|line| line.starts_with("refcell-in-shared-double"))
        .unwrap();
    assert!(refcell.contains(" wrap "), "{refcell}");
    assert!(refcell.contains(" yes "), "{refcell}");
    let atomic = text
        .lines()
        .find(|line| line.starts_with("split-atomic-update-in-double"))
        .unwrap();
    assert!(atomic.contains(" guard "), "{atomic}");
    assert!(atomic.contains(" no "), "{atomic}");
}

#[test]
fn explain_prints_description_and_example() {
    let folder = folder_with(&[]);
    let output = mockfix(folder.path(), &["explain", "split-atomic-update-in-double"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.starts_with("split-atomic-update-in-double\n"), "{text}");
    assert!(text.contains("two threads can both load the old value"), "{text}");
    assert!(
        text.contains("        let _guard = self.mutex.lock().unwrap();"),
        "{text}"
    );

    let unknown = mockfix(folder.path(), &["explain", "no-such-rule"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("unknown rule `no-such-rule`"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn test_runs_builtin_cases() {
    let folder = folder_with(&[]);
    let output = mockfix(folder.path(), &["test"]);
    assert_eq!(output.status.code(), Some(0), "stdout: {}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.contains("test refcell-in-shared-double::mailer_is_fixed ... ok"),
        "{text}"
    );
    assert!(text.lines().last().unwrap().ends_with(" passed, 0 failed"), "{text}");
}

#[test]
fn test_failure_shows_diff_and_update_fixes_it() {
    let folder = folder_with(&[("refcell-in-recorder.toml", RECORDER_RULE)]);
    let failed = mockfix(folder.path(), &["test", "refcell-in-recorder.toml"]);
    assert_eq!(failed.status.code(), Some(1));
    let text = stdout(&failed);
    assert!(text.contains("test refcell-in-recorder::recorder ... FAILED"), "{text}");
    assert!(text.contains("--- expected (fixed)\n+++ actual\n"), "{text}");
    assert!(text.contains("+    calls: Mutex<Vec<u32>>,"), "{text}");
    assert!(text.contains("test refcell-in-recorder::other_name ... ok"), "{text}");
    assert!(text.ends_with("1 passed, 1 failed\n"), "{text}");

    let updated = mockfix(folder.path(), &["test", "--update", "refcell-in-recorder.toml"]);
    assert_eq!(updated.status.code(), Some(0), "stderr: {}", stderr(&updated));
    let file = std::fs::read_to_string(folder.path().join("refcell-in-recorder.toml")).unwrap();
    assert!(file.starts_with("# A rule for recorders.\n"), "{file}");
    assert!(
        file.contains("# The case below expects the wrong output on purpose.\n"),
        "{file}"
    );
    assert!(file.contains("    calls: Mutex<Vec<u32>>,\n"), "{file}");

    let again = mockfix(folder.path(), &["test", "refcell-in-recorder.toml"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    assert!(stdout(&again).ends_with("2 passed, 0 failed\n"));
}

#[test]
fn test_update_needs_rules_path() {
    let folder = folder_with(&[]);
    let output = mockfix(folder.path(), &["test", "--update"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("<RULES_PATH>"), "{}", stderr(&output));
}

#[test]
fn test_case_with_both_expectations_is_invalid() {
    let rule = RECORDER_RULE.replace("unchanged = true", "unchanged = true\nfixed = \"x\"");
    let folder = folder_with(&[("refcell-in-recorder.toml", &rule)]);
    let output = mockfix(folder.path(), &["test", "."]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("refcell-in-recorder.toml:33:8"), "{message}");
    assert!(
        message.contains("sets both `fixed` and `unchanged = true`"),
        "{message}"
    );
}

#[test]
fn new_rule_writes_working_skeleton() {
    let folder = folder_with(&[("rec.rs", &DOUBLE.replace("MockMailer", "CallRecorder"))]);
    let created = mockfix(folder.path(), &["new-rule", "refcell-in-recorder"]);
    assert_eq!(created.status.code(), Some(0), "stderr: {}", stderr(&created));
    let path = folder.path().join("refcell-in-recorder.toml");
    let skeleton = std::fs::read_to_string(&path).unwrap();
    assert!(skeleton.starts_with("# The rule `refcell-in-recorder`."), "{skeleton}");

    let tested = mockfix(folder.path(), &["test", "refcell-in-recorder.toml"]);
    assert_eq!(tested.status.code(), Some(0), "{}", stdout(&tested));
    let checked = mockfix(
        folder.path(),
        &["--rules", "refcell-in-recorder.toml", "--no-default-rules", "rec.rs"],
    );
    assert!(
        stdout(&checked).contains("+    sent: Mutex<Vec<String>>,"),
        "{}",
        stderr(&checked)
    );

    std::fs::write(&path, "# my edits\n").unwrap();
    let again = mockfix(folder.path(), &["new-rule", "refcell-in-recorder"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# my edits\n");
}

#[test]
fn new_rule_rejects_invalid_id() {
    let folder = folder_with(&[]);
    let output = mockfix(folder.path(), &["new-rule", "My Rule"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid rule id `My Rule`"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 0);
}

#[test]
fn completions_for_each_shell() {
    let folder = folder_with(&[]);
    for (shell, marker) in [
        ("bash", "complete -F _mockfix"),
        ("zsh", "#compdef mockfix"),
        ("fish", "complete -c mockfix"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let output = mockfix(folder.path(), &["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}: {}", stderr(&output));
        let script = stdout(&output);
        assert!(script.contains(marker), "{shell} script lacks `{marker}`");
        assert!(script.contains("new-rule"), "{shell} script lacks the subcommands");
    }
}

#[test]
fn man_page_is_roff() {
    let folder = folder_with(&[]);
    let output = mockfix(folder.path(), &["man"]);
    assert_eq!(output.status.code(), Some(0));
    let page = stdout(&output);
    assert!(page.contains(".TH mockfix 1"), "{page}");
    assert!(page.contains("\\-\\-format"), "{page}");
}

#[test]
fn path_named_like_subcommand() {
    let folder = folder_with(&[("rules/mock.rs", DOUBLE)]);
    for args in [&["--dry-run", "rules"][..], &["./rules"][..]] {
        let output = mockfix(folder.path(), args);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {}", stderr(&output));
        assert!(stdout(&output).contains("+++ b/rules/mock.rs"), "{args:?}");
    }
}

#[test]
fn subcommand_rejects_check_flags() {
    let folder = folder_with(&[]);
    let output = mockfix(folder.path(), &["--apply", "rules"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "rules is a path here, and --apply needs git"
    );
    let listed = mockfix(folder.path(), &["rules", "--apply"]);
    assert_eq!(listed.status.code(), Some(2));
    assert!(stderr(&listed).contains("--apply"), "{}", stderr(&listed));
}

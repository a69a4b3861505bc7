//! The `mockfix` binary on Go packages, end to end: the diff of a dry run applies with
//! `git apply`, `--apply` makes `go test -race` pass, and the cases that a Go fix reports
//! instead of fixing.
//!
//! Needs `git` and Go's `go` on `PATH`; `.ci/run` installs Go when it is missing.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::{git, git_repo_with, mockfix, stderr, stdout};

const MOCK: &str = include_str!("go/call_log/before/notifier_mock_test.go");
const MOCK_FIXED: &str = include_str!("go/call_log/after/notifier_mock_test.go");
const CODE: &str = include_str!("go/call_log/before/notify.go");
const TEST: &str = include_str!("go/call_log/before/notify_test.go");
const GO_MOD: &str = "module case\n\ngo 1.19\n";

fn call_log_package() -> tempfile::TempDir {
    git_repo_with(&[
        ("go.mod", GO_MOD),
        ("notify/notifier_mock_test.go", MOCK),
        ("notify/notify.go", CODE),
        ("notify/notify_test.go", TEST),
    ])
}

fn race_test(folder: &Path) -> Output {
    Command::new("go")
        .args(["test", "-race", "-count=1", "-timeout=300s", "./..."])
        .current_dir(folder)
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .output()
        .expect("go runs; install Go (Debian: apt-get install golang-go) or run .ci/run")
}

fn read(folder: &Path, name: &str) -> String {
    std::fs::read_to_string(folder.join(name)).unwrap()
}

#[test]
fn go_dry_run_diff_applies_with_git() {
    let repo = call_log_package();
    let output = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let diff = stdout(&output);
    assert!(
        diff.starts_with("--- a/notify/notifier_mock_test.go\n+++ b/notify/notifier_mock_test.go\n"),
        "diff: {diff}"
    );
    assert!(
        stderr(&output).contains("notify/notifier_mock_test.go:4:6: [go-unsynchronized-mock]"),
        "stderr: {}",
        stderr(&output)
    );
    assert_eq!(
        read(repo.path(), "notify/notifier_mock_test.go"),
        MOCK,
        "dry run wrote the file"
    );

    std::fs::write(repo.path().join("fix.diff"), &diff).unwrap();
    git(repo.path(), &["apply", "fix.diff"]);
    assert_eq!(read(repo.path(), "notify/notifier_mock_test.go"), MOCK_FIXED);
}

#[test]
fn go_apply_makes_race_test_pass() {
    let repo = call_log_package();
    let before = race_test(repo.path());
    assert!(
        !before.status.success(),
        "the package should race before the fix:\n{}",
        String::from_utf8_lossy(&before.stdout)
    );

    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains("mockfix: applied 1 fix in 1 file"),
        "stderr: {}",
        stderr(&output)
    );
    assert_eq!(read(repo.path(), "notify/notifier_mock_test.go"), MOCK_FIXED);
    assert_eq!(read(repo.path(), "notify/notify.go"), CODE, "production code changed");

    let after = race_test(repo.path());
    assert!(
        after.status.success(),
        "go test -race failed after --apply:\n{}{}",
        String::from_utf8_lossy(&after.stdout),
        String::from_utf8_lossy(&after.stderr)
    );

    let again = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(again.status.code(), Some(0), "stderr: {}", stderr(&again));
    assert_eq!(stdout(&again), "", "a second run found more to fix");
}

#[test]
fn go_production_package_left_alone() {
    let repo = git_repo_with(&[(
        "mailer/mailer.go",
        "package mailer\n\ntype FakeMailer struct {\n\tsent []string\n}\n\nfunc (f *FakeMailer) Send(to string) {\n\tf.sent = append(f.sent, to)\n}\n",
    )]);
    let output = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "");
}

#[test]
fn go_mocks_package_is_checked() {
    let repo = git_repo_with(&[(
        "internal/mocks/mailer.go",
        "package mocks\n\ntype MailerMock struct {\n\tsent []string\n}\n\nfunc (m *MailerMock) Send(to string) {\n\tm.sent = append(m.sent, to)\n}\n",
    )]);
    let output = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    assert!(
        stdout(&output).contains("+\tm.mutex.Lock()\n"),
        "diff: {}",
        stdout(&output)
    );
}

#[test]
fn go_lock_chain_is_reported() {
    let source = "package queue

type FakeQueue struct {
	items  []string
	pushes int
}

func (q *FakeQueue) Push(item string) {
	q.items = append(q.items, item)
	q.Flush()
	q.pushes++
}

func (q *FakeQueue) Flush() {
	q.items = nil
}
";
    let repo = git_repo_with(&[("queue_test.go", source)]);
    let output = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "", "a fix that would deadlock must not be printed");
    let messages = stderr(&output);
    assert!(
        messages.contains("not fixed: `Push` calls `Flush`, which locks `mutex` at line 10"),
        "stderr: {messages}"
    );
}

#[test]
fn go_unlocked_helper_keeps_single_lock() {
    let source = "package queue

type FakeQueue struct {
	items []string
	drops int
}

func (q *FakeQueue) Push(item string) {
	if len(q.items) > 2 {
		q.drop()
	}
	q.items = append(q.items, item)
}

func (q *FakeQueue) drop() {
	q.items = q.items[1:]
	q.drops++
}
";
    let repo = git_repo_with(&[("queue_test.go", source)]);
    let output = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let diff = stdout(&output);
    assert_eq!(diff.matches("q.mutex.Lock()").count(), 1, "diff: {diff}");
    assert!(
        !diff.contains("+\tdefer q.mutex.Unlock()\n \tq.items = q.items[1:]"),
        "the helper runs under its caller's lock and must not lock again; diff: {diff}"
    );
}

#[test]
fn go_rw_mutex_rule_read_locks_readers() {
    let builtin = include_str!("../rules/go-unsynchronized-mock.toml");
    let rule = builtin.replace("mutex_type = \"sync.Mutex\"", "mutex_type = \"sync.RWMutex\"");
    assert_ne!(rule, builtin, "the built-in rule sets mutex_type");
    let source = "package cache

type FakeCache struct {
	values map[string]string
}

func (f *FakeCache) Put(key, value string) {
	f.values[key] = value
}

func (f *FakeCache) Get(key string) string {
	return f.values[key]
}
";
    let repo = git_repo_with(&[
        ("rules/go-unsynchronized-mock.toml", &rule),
        ("cache/cache_test.go", source),
    ]);
    let output = mockfix(repo.path(), &["--dry-run", "--rules", "rules", "cache"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let diff = stdout(&output);
    assert!(diff.contains("+\tmutex  sync.RWMutex\n"), "diff: {diff}");
    assert!(
        diff.contains("+\tf.mutex.Lock()\n+\tdefer f.mutex.Unlock()\n \tf.values[key] = value"),
        "diff: {diff}"
    );
    assert!(
        diff.contains("+\tf.mutex.RLock()\n+\tdefer f.mutex.RUnlock()\n \treturn f.values[key]"),
        "diff: {diff}"
    );
}

#[test]
fn go_method_in_other_file_holds_fix_back() {
    let mock = "package queue

type FakeQueue struct {
	items []string
}

func (q *FakeQueue) Push(item string) {
	q.items = append(q.items, item)
}
";
    let extra = "package queue

func (q *FakeQueue) Len() int {
	return len(q.items)
}
";
    let repo = git_repo_with(&[("queue/mock_test.go", mock), ("queue/extra_test.go", extra)]);
    let output = mockfix(repo.path(), &["--dry-run", "queue/mock_test.go"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "", "the fix must be held back");
    let messages = stderr(&output);
    assert!(
        messages.contains(
            "fix needs review: in `queue/extra_test.go`: its method `Len` at line 3 touches the state without the lock"
        ),
        "stderr: {messages}"
    );
}

#[test]
fn go_syntax_error_in_edited_method_skips_file() {
    let source = "package queue

type FakeQueue struct {
	items []string
}

func (q *FakeQueue) Push(item string) {
	q.items = append(q.items, item
}
";
    let repo = git_repo_with(&[("queue_test.go", source)]);
    let output = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let messages = stderr(&output);
    assert!(
        messages.contains("mockfix: queue_test.go: syntax error at line"),
        "stderr: {messages}"
    );
    assert!(messages.contains("the file was left unchanged"), "stderr: {messages}");
}

#[test]
fn go_syntax_error_elsewhere_does_not_block_fix() {
    let source = "package queue

type FakeQueue struct {
	items []string
}

func (q *FakeQueue) Push(item string) {
	q.items = append(q.items, item)
}

func helper() {
	x := 
}
";
    let repo = git_repo_with(&[("queue_test.go", source)]);
    let output = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    assert!(
        stdout(&output).contains("+\tq.mutex.Lock()\n"),
        "diff: {}",
        stdout(&output)
    );
}

#[test]
fn go_positional_literal_is_reported() {
    let source = "package queue

type FakeQueue struct {
	items []string
}

func (q *FakeQueue) Push(item string) {
	q.items = append(q.items, item)
}

func newQueue() *FakeQueue {
	return &FakeQueue{nil}
}
";
    let repo = git_repo_with(&[("queue_test.go", source)]);
    let output = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("the composite literal at line 12 lists the fields of `FakeQueue` by position"),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn go_access_outside_lock_display_only() {
    let mock = "package queue

import \"sync\"

type FakeQueue struct {
	mutex sync.Mutex
	items []string
}

func (q *FakeQueue) Push(item string) {
	q.items = append(q.items, item)
}

func (q *FakeQueue) Trim(n int) {
	q.mutex.Lock()
	size := len(q.items)
	q.mutex.Unlock()
	q.items = q.items[:size-n]
}
";
    let repo = git_repo_with(&[("queue/mock_test.go", mock)]);
    let output = mockfix(repo.path(), &["--dry-run", "--unsafe-fixes"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "", "a display-only fix is not in the patch");
    let messages = stderr(&output);
    assert!(
        messages.contains(
            "display-only fix: `Trim` touches `items` at line 18, outside the lock it takes by hand, which the fix leaves as it is"
        ),
        "stderr: {messages}"
    );
    assert!(
        messages.contains("  | +\tq.mutex.Lock()\n  | +\tdefer q.mutex.Unlock()\n"),
        "stderr: {messages}"
    );

    let applied = mockfix(repo.path(), &["--apply", "--unsafe-fixes"]);
    assert_eq!(applied.status.code(), Some(1), "stderr: {}", stderr(&applied));
    assert_eq!(read(repo.path(), "queue/mock_test.go"), mock);
}

#[test]
fn go_only_hand_locked_method_is_reported() {
    let mock = "package queue

import \"sync\"

type FakeStack struct {
	mutex sync.Mutex
	items []string
}

func (s *FakeStack) Trim(n int) {
	s.mutex.Lock()
	size := len(s.items)
	s.mutex.Unlock()
	s.items = s.items[:size-n]
}
";
    let repo = git_repo_with(&[("stack_test.go", mock)]);
    let output = mockfix(repo.path(), &["--dry-run"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let messages = stderr(&output);
    assert!(
        messages.contains("stack_test.go:5:6: [go-unsynchronized-mock] `FakeStack` changes its fields without a lock"),
        "stderr: {messages}"
    );
    assert!(
        messages.contains(
            "  not fixed: `Trim` touches `items` at line 14, outside the lock it takes by hand; move that access under the lock"
        ),
        "stderr: {messages}"
    );
}

//! Go fixtures: each case under `tests/go/<case>/` is a small module. `before/` is the module as
//! a user has it, with a test that shares a double between goroutines. `after/` is the same
//! module with every `.go` file as mockfix rewrites it.
//!
//! Each case runs `fix_source` on the `.go` files of `before/` and compares the output byte for
//! byte with `after/`; `MOCKFIX_BLESS=1` writes `after/` instead, which must then be read before
//! it is committed. The diff is also a snapshot in `snapshots/go-unsynchronized-mock__<case>.snap`,
//! and a second run must change nothing. Then the Go toolchain checks both modules:
//! `go test -race` reports a data race in `before/` and passes in `after/`, `gofmt -l` lists no
//! file of `after/`, and `go vet` accepts it, copylocks check included. A double that mockfix
//! only reports keeps `after/` equal to `before/`.
//!
//! The Go checks need `go` and `gofmt` on `PATH`; `.ci/run` installs Debian's `golang-go`
//! (Go 1.19) when they are missing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mockfix::config::RuleSet;
use mockfix::{fix_source, FileOutcome, FixPolicy};

const BLESS_VAR: &str = "MOCKFIX_BLESS";
const RULE: &str = "go-unsynchronized-mock";

/// What mockfix does with the case's double.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// These doubles are fixed, and the fixed module passes `go test -race`.
    Fixed(&'static [&'static str]),
    /// The double is reported with a reason containing the text, and no file changes.
    Reported(&'static str, &'static str),
}

macro_rules! go_fixture_tests {
    ($($test:ident: $case:literal => $expect:expr;)*) => {
        $(
            #[test]
            fn $test() {
                check_case($case, $expect);
            }
        )*

        const CASES: &[&str] = &[$($case),*];
    };
}

go_fixture_tests! {
    go_call_log: "call_log" => Expect::Fixed(&["MockNotifier"]);
    go_filesystem: "filesystem" => Expect::Fixed(&["FakeFS"]);
    go_lazy_map: "lazy_map" => Expect::Fixed(&["StubCache"]);
    go_delegating: "delegating" => Expect::Fixed(&["SpyMailer"]);
    go_partial_mutex: "partial_mutex" => Expect::Fixed(&["MockStore"]);
    go_callback: "callback" => Expect::Fixed(&["MockHandler"]);
    go_value_receiver: "value_receiver" => Expect::Reported("FakeRecorder", "value receiver");
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("go")
}

fn bless_requested() -> bool {
    std::env::var(BLESS_VAR).is_ok_and(|value| value == "1")
}

/// The `.go` files directly in `dir`, sorted by name.
fn go_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("failed to read {}: {err}", dir.display()))
        .map(|entry| entry.expect("failed to read a folder entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".go"))
        .collect();
    names.sort();
    names
}

fn run_fix(label: &str, path: &str, source: &str) -> FileOutcome {
    fix_source(
        path,
        source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: false,
        },
    )
    .unwrap_or_else(|err| panic!("{label}: fix_source failed on {path}: {err}"))
}

fn check_case(case: &str, expect: Expect) {
    let before_dir = cases_dir().join(case).join("before");
    let after_dir = cases_dir().join(case).join("after");
    let mut diff = String::new();
    let mut applied: BTreeSet<String> = BTreeSet::new();
    let mut reported: Vec<(String, String)> = Vec::new();

    for file in go_files(&before_dir) {
        let label = format!("{case}/{file}");
        let relative = format!("tests/go/{case}/before/{file}");
        let source = std::fs::read_to_string(before_dir.join(&file))
            .unwrap_or_else(|err| panic!("{label}: failed to read the fixture: {err}"));
        let outcome = run_fix(&label, &relative, &source);
        for finding in &outcome.findings {
            assert_eq!(
                finding.rule_id, RULE,
                "{label}: finding of another rule: {}",
                finding.message
            );
            if let Some(reason) = &finding.unfixable_reason {
                reported.push((finding.struct_name.clone(), reason.clone()));
            }
            if let Some(reason) = finding.fix.as_ref().and_then(|fix| fix.review_reason.as_ref()) {
                reported.push((finding.struct_name.clone(), reason.clone()));
            }
        }
        applied.extend(
            outcome
                .applied
                .iter()
                .map(|&index| outcome.findings[index].struct_name.clone()),
        );
        check_output_or_bless(&label, &after_dir.join(&file), &outcome.fixed_text);
        check_idempotent(&label, &relative, &outcome.fixed_text);
        diff.push_str(&mockfix::render::diff::unified(&relative, &source, &outcome.fixed_text));
    }
    if bless_requested() {
        std::fs::copy(before_dir.join("go.mod"), after_dir.join("go.mod"))
            .unwrap_or_else(|err| panic!("{case}: failed to copy go.mod into after/: {err}"));
    }

    match expect {
        Expect::Fixed(doubles) => {
            let expected: BTreeSet<String> = doubles.iter().map(|name| name.to_string()).collect();
            assert_eq!(
                applied, expected,
                "{case}: applied fixes differ from the expected ones; reported: {reported:?}"
            );
            assert_ne!(diff, "", "{case}: expected a non-empty diff");
        }
        Expect::Reported(double, reason) => {
            assert!(applied.is_empty(), "{case}: expected no fix, got {applied:?}");
            assert_eq!(diff, "", "{case}: a reported double must leave the files unchanged");
            assert!(
                reported
                    .iter()
                    .any(|(name, message)| name == double && message.contains(reason)),
                "{case}: expected `{double}` to be reported with a reason containing {reason:?}, got {reported:?}"
            );
        }
    }
    snapshot(case, &before_dir, &diff);
    check_with_go_toolchain(case, expect, &before_dir, &after_dir);
}

fn check_output_or_bless(label: &str, expected_path: &Path, fixed_text: &str) {
    if bless_requested() {
        std::fs::create_dir_all(expected_path.parent().unwrap()).unwrap();
        std::fs::write(expected_path, fixed_text)
            .unwrap_or_else(|err| panic!("{label}: failed to write {}: {err}", expected_path.display()));
        return;
    }
    let expected = std::fs::read_to_string(expected_path).unwrap_or_else(|err| {
        panic!(
            "{label}: failed to read expected output {}: {err}. Run `{BLESS_VAR}=1 cargo test --test go_fixtures` to create it",
            expected_path.display()
        )
    });
    if expected != fixed_text {
        panic!(
            "{label}: output differs from {}; diff from expected to actual:\n{}\n\
             If the new output is right, run `{BLESS_VAR}=1 cargo test --test go_fixtures` and review the changed files.",
            expected_path.display(),
            mockfix::render::diff::unified(label, &expected, fixed_text),
        );
    }
}

fn check_idempotent(label: &str, relative: &str, fixed_text: &str) {
    let again = run_fix(label, relative, fixed_text);
    assert_eq!(
        again.fixed_text, fixed_text,
        "{label}: a second run changed the fixed file"
    );
    assert!(again.applied.is_empty(), "{label}: a second run still applies fixes");
}

fn snapshot(case: &str, before_dir: &Path, diff: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(before_dir);
    settings.set_description(format!("mockfix diff of tests/go/{case}/before"));
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::assert_snapshot!(format!("{RULE}__{case}"), diff);
    });
}

/// Copies the files of `from` into a new temporary folder, so that the Go tools write nothing
/// into the repository.
fn copy_module(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("failed to create a temporary folder");
    for entry in std::fs::read_dir(from).unwrap_or_else(|err| panic!("failed to read {}: {err}", from.display())) {
        let entry = entry.expect("failed to read a folder entry");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name()))
            .unwrap_or_else(|err| panic!("failed to copy {}: {err}", entry.path().display()));
    }
    dir
}

/// Runs a Go tool in `dir`, with the module proxy off because the fixtures use only the
/// standard library.
fn go_tool(program: &str, args: &[&str], dir: &Path) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GO111MODULE", "on")
        .output()
        .unwrap_or_else(|err| {
            panic!("failed to run `{program}`: {err}. Install Go (Debian: apt-get install golang-go), or run .ci/run, which installs it")
        })
}

fn combined(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `go test -race` on a module. The timeout turns a deadlock into a failure with stack traces
/// instead of a hung test run.
fn race_test(dir: &Path) -> Output {
    go_tool("go", &["test", "-race", "-count=1", "-timeout=300s", "./..."], dir)
}

fn check_with_go_toolchain(case: &str, expect: Expect, before_dir: &Path, after_dir: &Path) {
    let before = copy_module(before_dir);
    let before_run = race_test(before.path());
    let before_output = combined(&before_run);
    assert!(
        !before_run.status.success(),
        "{case}: `go test -race` passed on the module before the fix, so the fixture shows no race:\n{before_output}"
    );
    assert!(
        before_output.contains("DATA RACE"),
        "{case}: `go test -race` failed before the fix, but not with a data race:\n{before_output}"
    );
    if let Expect::Reported(..) = expect {
        return;
    }

    let after = copy_module(after_dir);
    let after_run = race_test(after.path());
    let after_output = combined(&after_run);
    assert!(
        after_run.status.success(),
        "{case}: `go test -race` failed on the fixed module:\n{after_output}"
    );
    assert!(
        !after_output.contains("DATA RACE"),
        "{case}: the fixed module still has a data race:\n{after_output}"
    );

    let gofmt = go_tool("gofmt", &["-l", "."], after.path());
    assert!(gofmt.status.success(), "{case}: gofmt failed:\n{}", combined(&gofmt));
    assert_eq!(
        String::from_utf8_lossy(&gofmt.stdout),
        "",
        "{case}: gofmt would reformat these fixed files"
    );

    let vet = go_tool("go", &["vet", "./..."], after.path());
    assert!(
        vet.status.success(),
        "{case}: `go vet` rejects the fixed module:\n{}",
        combined(&vet)
    );
}

#[test]
fn every_go_fixture_has_a_test() {
    let mut on_disk: Vec<String> = std::fs::read_dir(cases_dir())
        .expect("failed to read tests/go")
        .map(|entry| entry.expect("failed to read an entry of tests/go"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut declared: Vec<String> = CASES.iter().map(|case| case.to_string()).collect();
    declared.sort();
    assert_eq!(on_disk, declared, "add each folder of tests/go to `go_fixture_tests!`");
}

//! Builds every fixture and its `.fixed.rs` with `rustc --edition 2021 --test` and runs the test
//! binaries, so that each fixture is known to show the bug and each fixed version to cure it.
//! A case may list more editions: its fixed version is then built and run under each of them.
//!
//! Each case is its own test, so the test harness builds cases in parallel. Within a case, the
//! fixture and its fixed version are built and run on two threads. The `.fixed.rs` files are
//! written by `MOCKFIX_BLESS=1 cargo test --test fixtures`.
//!
//! rustc is `$RUSTC` when set, otherwise `rustc` on `PATH`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a fixture's test binary may run before it counts as timed out. Each fixed fixture's
/// tests finished in under a second on a 2-core machine, so a binary that runs this long has most
/// likely deadlocked on a lock it already holds.
const TEST_RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// How a fixture behaves before mockfix fixes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Before {
    /// A `RefCell` double shared between threads is not `Sync`, so rustc rejects it with E0277.
    FailsToCompileE0277,
    /// Racing two-step atomic updates lose increments, so the exact-total asserts fail.
    FailsTests,
    /// An `async fn` of a `RefCell` double returns a future that is not `Send`, so rustc rejects
    /// finishing it on another thread.
    FutureNotSend,
    /// No rule applies, so the fixture builds and passes and its fixed version is identical.
    PassesUnchanged,
    /// A `static mut` shared by tests is a data race whose outcome varies from run to run, so the
    /// fixture is built under edition 2024, which rejects references to a `static mut`.
    RejectedByEdition2024,
}

impl Before {
    /// The edition the fixture is built with to show its bug.
    fn edition(self, editions: &[&'static str]) -> &'static str {
        match self {
            Before::RejectedByEdition2024 => "2024",
            _ => editions[0],
        }
    }
}

/// Declares one test per fixture. Cases without `editions [..]` are built with edition 2021.
macro_rules! compile_tests {
    ($($test:ident: $rule:literal / $case:literal, before $before:ident $(, editions [$($edition:literal),+])?;)*) => {
        $(
            #[test]
            fn $test() {
                // "2021" heads the list only when the case names no editions of its own.
                let editions: &[&'static str] = &["2021" $(, $($edition),+)?];
                check_case($rule, $case, Before::$before, &editions[usize::from(editions.len() > 1)..]);
            }
        )*

        const CASES: &[(&str, &str)] = &[$(($rule, $case)),*];
    };
}

compile_tests! {
    refcell_basic: "refcell-in-shared-double" / "basic", before FailsToCompileE0277;
    refcell_constructor_and_default: "refcell-in-shared-double" / "constructor_and_default", before FailsToCompileE0277;
    refcell_assert_macros: "refcell-in-shared-double" / "assert_macros", before FailsToCompileE0277;
    refcell_import_no_sync: "refcell-in-shared-double" / "import_no_sync", before FailsToCompileE0277;
    refcell_import_cell_kept: "refcell-in-shared-double" / "import_cell_kept", before FailsToCompileE0277;
    refcell_double_in_test_module: "refcell-in-shared-double" / "double_in_test_module", before FailsToCompileE0277;
    refcell_two_doubles: "refcell-in-shared-double" / "two_doubles", before FailsToCompileE0277;
    refcell_crlf_comments: "refcell-in-shared-double" / "crlf_comments", before FailsToCompileE0277;
    refcell_tab_indent: "refcell-in-shared-double" / "tab_indent", before FailsToCompileE0277;
    refcell_doc_comments: "refcell-in-shared-double" / "doc_comments", before FailsToCompileE0277;
    refcell_let_bound_guard: "refcell-in-shared-double" / "let_bound_guard", before FailsToCompileE0277;
    refcell_field_name_shared_with_real_store: "refcell-in-shared-double" / "field_name_shared_with_real_store", before FailsToCompileE0277;
    refcell_derive_clone_generic: "refcell-in-shared-double" / "derive_clone_generic", before FailsToCompileE0277;
    refcell_not_applicable_registry: "refcell-in-shared-double" / "not_applicable_registry", before PassesUnchanged;
    refcell_tuple_struct: "refcell-in-shared-double" / "tuple_struct", before FailsToCompileE0277;
    cell_tuple_counter: "cell-in-shared-double" / "tuple_counter", before FailsToCompileE0277;
    rc_tuple_struct: "rc-in-shared-double" / "tuple_struct", before FailsToCompileE0277;
    rc_derive_partial_eq: "rc-in-shared-double" / "derive_partial_eq", before FailsToCompileE0277;
    unsafe_sync_tuple_clock: "unsafe-sync-over-cell" / "tuple_clock", before FailsTests;
    refcell_derive_clone_partial_eq: "refcell-in-shared-double" / "derive_clone_partial_eq", before FailsToCompileE0277;
    refcell_trait_methods_call_each_other: "refcell-in-shared-double" / "trait_methods_call_each_other", before FailsToCompileE0277;
    refcell_async_method_send: "refcell-in-shared-double" / "async_method_send", before FutureNotSend;
    refcell_generic_where_clause: "refcell-in-shared-double" / "generic_where_clause", before FailsToCompileE0277;
    refcell_derive_ord_crlf_tabs: "refcell-in-shared-double" / "derive_ord_crlf_tabs", before FailsToCompileE0277;
    refcell_derive_partial_eq_nan: "refcell-in-shared-double" / "derive_partial_eq_nan", before FailsToCompileE0277;
    cell_counter_rmw: "cell-in-shared-double" / "counter_rmw", before FailsToCompileE0277;
    cell_mixed_types: "cell-in-shared-double" / "mixed_types", before FailsToCompileE0277;
    cell_derive_compare: "cell-in-shared-double" / "derive_compare", before FailsToCompileE0277;
    rc_shared_log: "rc-in-shared-double" / "shared_log", before FailsToCompileE0277;
    atomic_basic_counter: "split-atomic-update-in-double" / "basic_counter", before FailsTests;
    atomic_existing_mutex_field: "split-atomic-update-in-double" / "existing_mutex_field", before FailsTests;
    atomic_delegating_method: "split-atomic-update-in-double" / "delegating_method", before FailsTests;
    atomic_private_helper: "split-atomic-update-in-double" / "private_helper", before FailsTests;
    atomic_mut_self_method: "split-atomic-update-in-double" / "mut_self_method", before FailsTests;
    atomic_struct_literals: "split-atomic-update-in-double" / "struct_literals", before FailsTests;
    atomic_trait_methods_call_each_other: "split-atomic-update-in-double" / "trait_methods_call_each_other", before FailsTests;
    static_counter_and_log: "static-mut-in-tests" / "counter_and_log", before RejectedByEdition2024, editions ["2021", "2024"];
    static_lazy_map: "static-mut-in-tests" / "lazy_map", before RejectedByEdition2024, editions ["2021", "2024"];
    static_other_module: "static-mut-in-tests" / "other_module", before RejectedByEdition2024, editions ["2021", "2024"];
    unsafe_sync_counter: "unsafe-sync-over-cell" / "unsafe_cell_counter", before FailsTests;
    unsafe_sync_refcell_log: "unsafe-sync-over-cell" / "refcell_log", before FailsTests;
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures")
}

#[test]
fn every_fixture_file_has_a_compile_test() {
    let mut missing = Vec::new();
    for rule_dir in std::fs::read_dir(fixtures_dir()).expect("failed to read tests/fixtures") {
        let rule_dir = rule_dir.expect("failed to read an entry of tests/fixtures").path();
        if !rule_dir.is_dir() {
            continue;
        }
        let rule = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        for file in
            std::fs::read_dir(&rule_dir).unwrap_or_else(|err| panic!("failed to read {}: {err}", rule_dir.display()))
        {
            let file_name = file
                .expect("failed to read a fixture folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            let Some(case) = file_name
                .strip_suffix(".rs")
                .filter(|_| !file_name.ends_with(".fixed.rs"))
            else {
                continue;
            };
            if !CASES.contains(&(rule.as_str(), case)) {
                missing.push(format!("{rule}/{case}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "fixtures without a compile test, so add them to `compile_tests!`: {missing:?}"
    );
}

/// What building and running one source file produced.
#[derive(Debug)]
enum BuildOutcome {
    CompileError { stderr: String },
    TestsFailed { status: ExitStatus, output: String },
    TimedOut { output: String },
    TestsPassed,
}

fn check_case(rule: &str, case: &str, before: Before, editions: &[&'static str]) {
    let label = format!("{rule}/{case}");
    let dir = fixtures_dir().join(rule);
    let before_path = dir.join(format!("{case}.rs"));
    let fixed_path = dir.join(format!("{case}.fixed.rs"));
    assert!(
        before_path.is_file(),
        "{label}: fixture {} does not exist",
        before_path.display()
    );
    assert!(
        fixed_path.is_file(),
        "{label}: {} does not exist. Run `MOCKFIX_BLESS=1 cargo test --test fixtures` to create it",
        fixed_path.display()
    );

    let (before_outcome, fixed_outcomes) = std::thread::scope(|scope| {
        let before_build = scope.spawn(|| build_and_run(case, &before_path, before.edition(editions)));
        let fixed_builds: Vec<_> = editions
            .iter()
            .map(|edition| (*edition, scope.spawn(|| build_and_run(case, &fixed_path, edition))))
            .collect();
        (
            before_build.join().expect("building the fixture panicked"),
            fixed_builds
                .into_iter()
                .map(|(edition, build)| (edition, build.join().expect("building the fixed file panicked")))
                .collect::<Vec<_>>(),
        )
    });

    for (edition, fixed_outcome) in fixed_outcomes {
        let label = format!("{label} (edition {edition})");
        check_fixed(&label, &fixed_path, fixed_outcome);
    }

    match (before, before_outcome) {
        (Before::FailsToCompileE0277, BuildOutcome::CompileError { stderr }) => assert!(
            stderr.contains("error[E0277]"),
            "{label}: the fixture should fail to compile because its double is not `Sync` (E0277), \
             but rustc failed with other errors:\n{stderr}"
        ),
        (Before::FutureNotSend, BuildOutcome::CompileError { stderr }) => assert!(
            stderr.contains("future cannot be sent between threads safely"),
            "{label}: the fixture should fail to compile because the future of its double is not \
             `Send`, but rustc failed with other errors:\n{stderr}"
        ),
        (Before::RejectedByEdition2024, BuildOutcome::CompileError { stderr }) => assert!(
            stderr.contains("reference to mutable static"),
            "{label}: the fixture should fail to compile under edition 2024 because it takes a \
             reference to a `static mut`, but rustc failed with other errors:\n{stderr}"
        ),
        (Before::FailsTests, BuildOutcome::TestsFailed { .. }) => {}
        (Before::PassesUnchanged, BuildOutcome::TestsPassed) => {
            let before_bytes = std::fs::read(&before_path).expect("the fixture was read by rustc a moment ago");
            let fixed_bytes = std::fs::read(&fixed_path).expect("the fixed file was read by rustc a moment ago");
            assert!(
                before_bytes == fixed_bytes,
                "{label}: no rule applies here, so the fixed file must equal the fixture"
            );
        }
        (expected, actual) => panic!("{label}: expected the fixture to behave as {expected:?}, but got {actual:#?}"),
    }
}

/// Checks that the fixed file built and its tests passed.
fn check_fixed(label: &str, fixed_path: &Path, fixed_outcome: BuildOutcome) {
    match fixed_outcome {
        BuildOutcome::TestsPassed => {}
        BuildOutcome::CompileError { stderr } => {
            panic!(
                "{label}: the fixed file {} does not compile:\n{stderr}",
                fixed_path.display()
            )
        }
        BuildOutcome::TestsFailed { status, output } => {
            panic!(
                "{label}: the tests of the fixed file {} fail ({status}):\n{output}",
                fixed_path.display()
            )
        }
        BuildOutcome::TimedOut { output } => panic!(
            "{label}: the tests of the fixed file {} timed out after {TEST_RUN_TIMEOUT:?}, \
             probably because a method locks a mutex that its caller already holds:\n{output}",
            fixed_path.display()
        ),
    }
}

fn rustc() -> PathBuf {
    std::env::var_os("RUSTC").map_or_else(|| PathBuf::from("rustc"), PathBuf::from)
}

/// Builds `source` as a test binary of `edition` in a fresh temporary folder and runs it with the
/// default number of test threads.
fn build_and_run(crate_name: &str, source: &Path, edition: &str) -> BuildOutcome {
    let dir = tempfile::tempdir().expect("failed to create a temporary folder for the test binary");
    let binary = dir.path().join("bin");

    // `--crate-name` because rustc derives the name from the file stem, and `case.fixed` is not a
    // valid crate name.
    let compile = Command::new(rustc())
        .args(["--edition", edition, "--test", "--crate-name", crate_name, "-o"])
        .arg(&binary)
        .arg(source)
        .output()
        .unwrap_or_else(|err| {
            panic!(
                "failed to run {}: {err}. Set RUSTC or put rustc on PATH",
                rustc().display()
            )
        });
    if !compile.status.success() {
        return BuildOutcome::CompileError {
            stderr: String::from_utf8_lossy(&compile.stderr).into_owned(),
        };
    }

    // The output goes to a file, not a pipe, so a chatty binary cannot block on a full pipe while
    // this thread waits for it to exit.
    let output_path = dir.path().join("output.txt");
    let output_file = File::create(&output_path).expect("failed to create the test output file");
    let mut child = Command::new(&binary)
        .stdin(Stdio::null())
        .stdout(
            output_file
                .try_clone()
                .expect("failed to duplicate the test output file handle"),
        )
        .stderr(output_file)
        .spawn()
        .unwrap_or_else(|err| panic!("failed to run test binary {}: {err}", binary.display()));

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("failed to wait for the test binary") {
            break Some(status);
        }
        if started.elapsed() > TEST_RUN_TIMEOUT {
            child.kill().expect("failed to stop the test binary after its timeout");
            child.wait().expect("failed to reap the stopped test binary");
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = std::fs::read_to_string(&output_path).unwrap_or_default();
    match status {
        None => BuildOutcome::TimedOut { output },
        Some(status) if status.success() => BuildOutcome::TestsPassed,
        Some(status) => BuildOutcome::TestsFailed { status, output },
    }
}

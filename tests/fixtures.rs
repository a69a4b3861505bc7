//! Runs `fix_source` on every fixture under `tests/fixtures/<rule-id>/<case>.rs` and compares the
//! output byte for byte with `<case>.fixed.rs`.
//!
//! Set `MOCKFIX_BLESS=1` to write the output to `<case>.fixed.rs` instead of comparing, then read
//! every changed file before committing it. The unified diff of each case is also a snapshot in
//! `snapshots/<rule-id>__<case>.snap`. Insta stores snapshots with `\n` line endings, so the
//! byte-for-byte comparison is what checks that CRLF files keep their line endings.
//!
//! `tests/compile_fixtures.rs` checks that the fixtures and their fixed versions build with rustc.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mockfix::config::RuleSet;
use mockfix::{fix_source, FileOutcome, FixPolicy};

const BLESS_VAR: &str = "MOCKFIX_BLESS";

/// One fixture file and the doubles whose fixes it expects to be applied.
struct Case {
    rule: &'static str,
    name: &'static str,
    /// Structs whose fix must be applied. Empty for a case where no rule applies.
    fixed_doubles: &'static [&'static str],
}

impl Case {
    /// Path relative to the crate root with `/` separators, as `fix_source` and the diff headers see it.
    fn relative_path(&self) -> String {
        format!("tests/fixtures/{}/{}.rs", self.rule, self.name)
    }

    fn before_path(&self) -> PathBuf {
        fixtures_dir().join(self.rule).join(format!("{}.rs", self.name))
    }

    fn fixed_path(&self) -> PathBuf {
        fixtures_dir().join(self.rule).join(format!("{}.fixed.rs", self.name))
    }

    fn label(&self) -> String {
        format!("{}/{}", self.rule, self.name)
    }
}

/// Declares one test per fixture and the `CASES` table that the folder listing is checked against.
macro_rules! fixture_tests {
    ($($test:ident: $rule:literal / $case:literal fixes [$($double:literal),* $(,)?];)*) => {
        $(
            #[test]
            fn $test() {
                check_case(&Case { rule: $rule, name: $case, fixed_doubles: &[$($double),*] });
            }
        )*

        const CASES: &[(&str, &str)] = &[$(($rule, $case)),*];
    };
}

fixture_tests! {
    refcell_basic: "refcell-in-shared-double" / "basic" fixes ["MockMailer"];
    refcell_constructor_and_default: "refcell-in-shared-double" / "constructor_and_default" fixes ["FakeSessionStore"];
    refcell_assert_macros: "refcell-in-shared-double" / "assert_macros" fixes ["MockAuditLog"];
    refcell_import_no_sync: "refcell-in-shared-double" / "import_no_sync" fixes ["StubHttpClient"];
    refcell_import_cell_kept: "refcell-in-shared-double" / "import_cell_kept" fixes ["FakeClock"];
    refcell_double_in_test_module: "refcell-in-shared-double" / "double_in_test_module" fixes ["FakeCounterStore"];
    refcell_two_doubles: "refcell-in-shared-double" / "two_doubles" fixes ["AuditLogSpy", "MockMailer"];
    refcell_crlf_comments: "refcell-in-shared-double" / "crlf_comments" fixes ["StubFlagSource"];
    refcell_tab_indent: "refcell-in-shared-double" / "tab_indent" fixes ["NotifierMock"];
    refcell_doc_comments: "refcell-in-shared-double" / "doc_comments" fixes ["FakePaymentGateway"];
    refcell_let_bound_guard: "refcell-in-shared-double" / "let_bound_guard" fixes ["SpyPublisher"];
    refcell_field_name_shared_with_real_store: "refcell-in-shared-double" / "field_name_shared_with_real_store" fixes ["FakeCounterStore"];
    refcell_derive_clone_generic: "refcell-in-shared-double" / "derive_clone_generic" fixes ["FakeStore"];
    refcell_not_applicable_registry: "refcell-in-shared-double" / "not_applicable_registry" fixes [];
    refcell_tuple_struct: "refcell-in-shared-double" / "tuple_struct" fixes ["SpyNotifier"];
    cell_tuple_counter: "cell-in-shared-double" / "tuple_counter" fixes ["FakeBackoff"];
    rc_tuple_struct: "rc-in-shared-double" / "tuple_struct" fixes ["MockSink"];
    rc_derive_partial_eq: "rc-in-shared-double" / "derive_partial_eq" fixes ["SpyEventSink"];
    unsafe_sync_tuple_clock: "unsafe-sync-over-cell" / "tuple_clock" fixes ["MockClock"];
    refcell_derive_clone_partial_eq: "refcell-in-shared-double" / "derive_clone_partial_eq" fixes ["SpyPublisher"];
    refcell_trait_methods_call_each_other: "refcell-in-shared-double" / "trait_methods_call_each_other" fixes ["MockMailer"];
    refcell_async_method_send: "refcell-in-shared-double" / "async_method_send" fixes ["FakeInbox"];
    refcell_generic_where_clause: "refcell-in-shared-double" / "generic_where_clause" fixes ["MockStore"];
    refcell_derive_ord_crlf_tabs: "refcell-in-shared-double" / "derive_ord_crlf_tabs" fixes ["SpyScoreboard"];
    refcell_derive_partial_eq_nan: "refcell-in-shared-double" / "derive_partial_eq_nan" fixes ["FakeGauge"];
    cell_counter_rmw: "cell-in-shared-double" / "counter_rmw" fixes ["FakeRateLimiter"];
    cell_mixed_types: "cell-in-shared-double" / "mixed_types" fixes ["SpyNotifier"];
    cell_derive_compare: "cell-in-shared-double" / "derive_compare" fixes ["FakeRateLimiter"];
    rc_shared_log: "rc-in-shared-double" / "shared_log" fixes ["MockPublisher"];
    atomic_basic_counter: "split-atomic-update-in-double" / "basic_counter" fixes ["FakeViewCounter"];
    atomic_existing_mutex_field: "split-atomic-update-in-double" / "existing_mutex_field" fixes ["FakeUploadMetrics"];
    atomic_delegating_method: "split-atomic-update-in-double" / "delegating_method" fixes ["SpyLoginAttempts"];
    atomic_private_helper: "split-atomic-update-in-double" / "private_helper" fixes ["FakeLedger"];
    atomic_mut_self_method: "split-atomic-update-in-double" / "mut_self_method" fixes ["StubIdSource"];
    atomic_struct_literals: "split-atomic-update-in-double" / "struct_literals" fixes ["FakeClock"];
    atomic_trait_methods_call_each_other: "split-atomic-update-in-double" / "trait_methods_call_each_other" fixes ["FakeRequestMeter"];
    static_counter_and_log: "static-mut-in-tests" / "counter_and_log" fixes ["BATCH_SCALE", "SENT", "SEND_CALLS"];
    static_lazy_map: "static-mut-in-tests" / "lazy_map" fixes ["GENERATION", "SEEN"];
    static_other_module: "static-mut-in-tests" / "other_module" fixes ["FAILURES", "LAST_ERROR"];
    unsafe_sync_counter: "unsafe-sync-over-cell" / "unsafe_cell_counter" fixes ["HitCounter"];
    unsafe_sync_refcell_log: "unsafe-sync-over-cell" / "refcell_log" fixes ["RecordingSink"];
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures")
}

fn bless_requested() -> bool {
    std::env::var(BLESS_VAR).is_ok_and(|value| value == "1")
}

fn run_fix(case: &Case, path: &str, source: &str, step: &str) -> FileOutcome {
    fix_source(
        path,
        source,
        &RuleSet::builtin(),
        FixPolicy {
            include_needs_review: false,
        },
    )
    .unwrap_or_else(|err| panic!("{}: fix_source failed on the {step}: {err}", case.label()))
}

fn check_case(case: &Case) {
    let label = case.label();
    let relative_path = case.relative_path();
    let before_path = case.before_path();
    let source = std::fs::read_to_string(&before_path)
        .unwrap_or_else(|err| panic!("{label}: failed to read fixture {}: {err}", before_path.display()));

    let outcome = run_fix(case, &relative_path, &source, "fixture");
    check_findings(case, &outcome);
    check_output_or_bless(case, &outcome.fixed_text);
    check_layout_kept(case, &source, &outcome.fixed_text);
    check_idempotent(case, &relative_path, &outcome.fixed_text);
    snapshot_diff(case, &relative_path, &source, &outcome.fixed_text);
}

fn check_findings(case: &Case, outcome: &FileOutcome) {
    let label = case.label();
    for finding in &outcome.findings {
        assert_eq!(
            finding.rule_id, case.rule,
            "{label}: unexpected finding of another rule on `{}`: {}",
            finding.struct_name, finding.message
        );
    }

    let applied: BTreeSet<&str> = outcome
        .applied
        .iter()
        .map(|&index| outcome.findings[index].struct_name.as_str())
        .collect();
    let expected: BTreeSet<&str> = case.fixed_doubles.iter().copied().collect();
    let not_applied: Vec<String> = outcome
        .findings
        .iter()
        .filter(|finding| expected.contains(finding.struct_name.as_str()))
        .filter(|finding| !applied.contains(finding.struct_name.as_str()))
        .map(|finding| {
            let reason = match (&finding.fix, &finding.unfixable_reason) {
                (Some(fix), _) => format!(
                    "fix needs review: {}",
                    fix.review_reason.as_deref().unwrap_or("no reason given")
                ),
                (None, Some(reason)) => format!("no fix: {reason}"),
                (None, None) => "no fix and no reason".to_string(),
            };
            format!("`{}` ({reason})", finding.struct_name)
        })
        .collect();
    assert_eq!(
        applied, expected,
        "{label}: the applied fixes are for other doubles than expected; findings not applied: {not_applied:?}"
    );

    if case.fixed_doubles.is_empty() {
        let names: Vec<&str> = outcome
            .findings
            .iter()
            .map(|finding| finding.struct_name.as_str())
            .collect();
        assert!(
            names.is_empty(),
            "{label}: expected no findings in a case where no rule applies, got {names:?}"
        );
    }
}

fn check_output_or_bless(case: &Case, fixed_text: &str) {
    let label = case.label();
    let fixed_path = case.fixed_path();
    if bless_requested() {
        std::fs::write(&fixed_path, fixed_text)
            .unwrap_or_else(|err| panic!("{label}: failed to write {}: {err}", fixed_path.display()));
        return;
    }

    let expected = std::fs::read(&fixed_path).unwrap_or_else(|err| {
        panic!(
            "{label}: failed to read expected output {}: {err}. Run `{BLESS_VAR}=1 cargo test --test fixtures` to create it",
            fixed_path.display()
        )
    });
    let expected = String::from_utf8(expected)
        .unwrap_or_else(|err| panic!("{label}: expected output {} is not UTF-8: {err}", fixed_path.display()));
    if expected != fixed_text {
        let offset = common_prefix_len(&expected, fixed_text);
        panic!(
            "{label}: output differs from {} at {}\nexpected line: {:?}\nactual line:   {:?}\n\
             diff from expected to actual:\n{}\n\
             If the new output is right, run `{BLESS_VAR}=1 cargo test --test fixtures` and review the changed file.",
            fixed_path.display(),
            line_and_column(&expected, offset),
            line_around(&expected, offset),
            line_around(fixed_text, offset),
            mockfix::render::diff::unified(&case.relative_path(), &expected, fixed_text),
        );
    }
}

/// Formats a byte offset as "line L, column C", both one-based and the column in bytes.
fn line_and_column(text: &str, offset: usize) -> String {
    let line_start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
    let line = text[..offset].matches('\n').count() + 1;
    format!("line {line}, column {}", offset - line_start + 1)
}

/// Returns the line of `text` that contains `offset`, with its line ending, so that a `\r`
/// difference shows in `{:?}` output.
fn line_around(text: &str, offset: usize) -> &str {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
    let end = text[offset..]
        .find('\n')
        .map_or(text.len(), |newline| offset + newline + 1);
    &text[start..end]
}

/// Returns the length in bytes of the longest common prefix, cut back to a char boundary.
fn common_prefix_len(left: &str, right: &str) -> usize {
    let mut offset = left.bytes().zip(right.bytes()).take_while(|(l, r)| l == r).count();
    while !left.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Checks what every fix must keep from the fixture: its line endings, its indentation style and
/// its comments.
fn check_layout_kept(case: &Case, source: &str, fixed_text: &str) {
    let label = case.label();

    let source_lf_only = count_bare_lf(source);
    let source_crlf = source.matches("\r\n").count();
    if source_lf_only == 0 && source_crlf > 0 {
        assert_eq!(
            count_bare_lf(fixed_text),
            0,
            "{label}: the fixture uses CRLF line endings, but the output has lines ending in LF only"
        );
    }
    if source_crlf == 0 {
        assert!(
            !fixed_text.contains('\r'),
            "{label}: the fixture uses LF line endings, but the output contains CR"
        );
    }

    let source_indents_with_spaces = source.lines().any(|line| line.starts_with(' '));
    let source_indents_with_tabs = source.lines().any(|line| line.starts_with('\t'));
    if source_indents_with_tabs && !source_indents_with_spaces {
        let space_indented: Vec<&str> = fixed_text.lines().filter(|line| line.starts_with(' ')).collect();
        assert!(
            space_indented.is_empty(),
            "{label}: the fixture indents with tabs, but these output lines start with spaces: {space_indented:#?}"
        );
    }

    for comment in comments(source) {
        assert!(
            fixed_text.contains(comment),
            "{label}: the output lost the comment {comment:?}"
        );
    }
}

fn count_bare_lf(text: &str) -> usize {
    text.match_indices('\n')
        .filter(|&(offset, _)| offset == 0 || text.as_bytes()[offset - 1] != b'\r')
        .count()
}

/// Returns each line's text from its first `//` or `/*` to the line end, trimmed.
///
/// NOTE: `//` inside a string literal counts as a comment here too. That is harmless for these
/// fixtures because no fix edits a string literal, so such text is kept in the output as well.
fn comments(source: &str) -> Vec<&str> {
    source
        .lines()
        .filter_map(|line| {
            let start = [line.find("//"), line.find("/*")].into_iter().flatten().min()?;
            Some(line[start..].trim_end())
        })
        .collect()
}

fn check_idempotent(case: &Case, relative_path: &str, fixed_text: &str) {
    let label = case.label();
    let second = run_fix(case, relative_path, fixed_text, "fixed output");
    if second.fixed_text != fixed_text {
        panic!(
            "{label}: running mockfix on its own output changes it again:\n{}",
            mockfix::render::diff::unified(relative_path, fixed_text, &second.fixed_text)
        );
    }

    let still_fixable: Vec<String> = second
        .findings
        .iter()
        .filter(|finding| finding.fix.is_some())
        .map(|finding| format!("{} on `{}`: {}", finding.rule_id, finding.struct_name, finding.message))
        .collect();
    assert!(
        still_fixable.is_empty(),
        "{label}: the fixed output still has findings with a fix: {still_fixable:#?}"
    );
}

fn snapshot_diff(case: &Case, relative_path: &str, source: &str, fixed_text: &str) {
    let diff = mockfix::render::diff::unified(relative_path, source, fixed_text);
    if case.fixed_doubles.is_empty() {
        assert_eq!(
            diff,
            "",
            "{}: expected an empty diff in a case where no rule applies",
            case.label()
        );
    } else {
        assert_ne!(diff, "", "{}: expected a non-empty diff", case.label());
    }

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(case.before_path());
    settings.set_description(format!("mockfix diff of {relative_path}"));
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::assert_snapshot!(format!("{}__{}", case.rule, case.name), diff);
    });
}

#[test]
fn every_fixture_file_has_a_test() {
    let mut on_disk = BTreeSet::new();
    let rule_dirs = std::fs::read_dir(fixtures_dir())
        .unwrap_or_else(|err| panic!("failed to read {}: {err}", fixtures_dir().display()));
    for rule_dir in rule_dirs {
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
            if let Some(case) = file_name
                .strip_suffix(".rs")
                .filter(|_| !file_name.ends_with(".fixed.rs"))
            {
                on_disk.insert((rule.clone(), case.to_string()));
            }
        }
    }

    let listed: BTreeSet<(String, String)> = CASES
        .iter()
        .map(|(rule, case)| (rule.to_string(), case.to_string()))
        .collect();
    let missing_tests: Vec<_> = on_disk.difference(&listed).collect();
    let missing_files: Vec<_> = listed.difference(&on_disk).collect();
    assert!(
        missing_tests.is_empty(),
        "fixtures without a test, so add them to `fixture_tests!` here and in compile_fixtures.rs: {missing_tests:?}"
    );
    assert!(
        missing_files.is_empty(),
        "tests whose fixture file does not exist: {missing_files:?}"
    );
}

#[test]
fn every_rule_has_fixtures() {
    // Go rules have their fixtures, whole modules, under tests/go/ (see tests/go_fixtures.rs).
    let rust_rules = RuleSet::builtin()
        .rules
        .into_iter()
        .filter(|rule| rule.language == mockfix::language::Language::Rust);
    for rule in rust_rules {
        assert!(
            CASES.iter().any(|(case_rule, _)| *case_rule == rule.id),
            "built-in rule `{}` has no fixture under tests/fixtures/{}/",
            rule.id,
            rule.id
        );
    }
}

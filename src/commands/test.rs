//! `mockfix test [RULES_PATH]`: runs the `[[test]]` cases of rule files.
//!
//! Each case runs its rule alone on `code`, applying every fix including those that need review,
//! and compares the output with `fixed`, or with `code` when the case sets `unchanged = true`.
//! A failure prints a unified diff from the expected to the actual output. `--update` writes the
//! actual output of each failing case into its rule file with `toml_edit`, which keeps the file's
//! comments and layout.

use std::path::{Path, PathBuf};

use similar::TextDiff;
use toml_edit::{DocumentMut, Item};

use crate::config::{
    compile_rule, load_rule_file, rule_files_under, Rule, RuleError, RuleSet, RuleTest, BUILTIN_RULES,
};
use crate::run::ExitStatus;
use crate::workspace::Edition;
use crate::{fix_source_with, FixPolicy, FixRequest};

/// What one test case produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseResult {
    Passed,
    /// The output differs from the expected one.
    Failed {
        actual: String,
    },
    /// mockfix could not check the code, for example because it does not parse.
    Error(String),
}

/// Runs the tests of the rules at `rules_path`, or of the built-in rules, and prints the results.
pub fn run(rules_path: Option<&Path>, update: bool) -> ExitStatus {
    let rules = match load_rules(rules_path) {
        Ok(rules) => rules,
        Err(errors) => {
            for err in errors {
                eprintln!("mockfix: invalid rule: {err}");
            }
            eprintln!("mockfix: fix the rule files above; no test was run");
            return ExitStatus::Error;
        }
    };

    let (mut passed, mut failed, mut errors) = (0, 0, 0);
    let mut updates: Vec<(&Rule, &RuleTest, String)> = Vec::new();
    for rule in &rules {
        if rule.tests.is_empty() {
            eprintln!("mockfix: {}: the rule has no [[test]] cases", rule.file.display());
        }
        for case in &rule.tests {
            let label = format!("{}::{}", rule.id, case.name);
            match run_case(rule, case) {
                CaseResult::Passed => {
                    println!("test {label} ... ok");
                    passed += 1;
                }
                CaseResult::Failed { actual } => {
                    println!("test {label} ... FAILED");
                    print!("{}", failure_diff(case, &actual));
                    println!("  at {}:{}", rule.file.display(), case.line);
                    failed += 1;
                    updates.push((rule, case, actual));
                }
                CaseResult::Error(message) => {
                    println!("test {label} ... ERROR");
                    println!("  {message}");
                    println!("  at {}:{}", rule.file.display(), case.line);
                    errors += 1;
                }
            }
        }
    }

    if update && !updates.is_empty() {
        match write_updates(&updates) {
            Ok(count) => eprintln!("mockfix: updated the expected output of {count} failing tests"),
            Err(message) => {
                eprintln!("mockfix: {message}");
                return ExitStatus::Error;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if errors > 0 {
        eprintln!("mockfix: {errors} tests could not run");
        ExitStatus::Error
    } else if failed > 0 && !update {
        ExitStatus::Pending
    } else {
        ExitStatus::Clean
    }
}

fn load_rules(rules_path: Option<&Path>) -> Result<Vec<Rule>, Vec<RuleError>> {
    let Some(path) = rules_path else {
        let rules = BUILTIN_RULES
            .iter()
            .map(|(id, text)| compile_rule(id, &PathBuf::from(format!("<built-in>/{id}.toml")), text))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| vec![err])?;
        return Ok(rules);
    };
    let files = rule_files_under(path).map_err(|err| vec![err])?;
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        match load_rule_file(&file) {
            Ok(rule) => rules.push(rule),
            Err(err) => errors.push(err),
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// Runs `rule` alone, enabled, on the case's code.
pub fn run_case(rule: &Rule, case: &RuleTest) -> CaseResult {
    let mut alone = rule.clone();
    alone.enabled = true;
    let rules = RuleSet { rules: vec![alone] };
    let request = FixRequest {
        policy: FixPolicy {
            include_needs_review: true,
        },
        reviews: &[],
        only_struct: None,
        foreign: &[],
        edition: Edition::DEFAULT,
        uses_tokio: false,
    };
    let outcome = match fix_source_with(&case.path, &case.code, &rules, &request) {
        Ok(outcome) => outcome,
        Err(err) => return CaseResult::Error(err.to_string()),
    };
    let expected = case.fixed.as_deref().unwrap_or(&case.code);
    if outcome.fixed_text == expected {
        CaseResult::Passed
    } else {
        CaseResult::Failed {
            actual: outcome.fixed_text,
        }
    }
}

fn failure_diff(case: &RuleTest, actual: &str) -> String {
    let expected = case.fixed.as_deref().unwrap_or(&case.code);
    let expected_label = if case.fixed.is_some() {
        "expected (fixed)"
    } else {
        "expected (unchanged = true)"
    };
    TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header(expected_label, "actual")
        .to_string()
}

/// Writes the actual outputs into the rule files and returns how many cases were updated.
fn write_updates(updates: &[(&Rule, &RuleTest, String)]) -> Result<usize, String> {
    let mut files: Vec<&Path> = updates.iter().map(|(rule, _, _)| rule.file.as_path()).collect();
    files.dedup();
    let mut count = 0;
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|err| format!("{}: cannot read: {err}", file.display()))?;
        let cases: Vec<(&RuleTest, &str)> = updates
            .iter()
            .filter(|(rule, _, _)| rule.file == file)
            .map(|(_, case, actual)| (*case, actual.as_str()))
            .collect();
        let updated = update_expected(&text, &cases).map_err(|message| format!("{}: {message}", file.display()))?;
        crate::write::write_atomic(file, updated.as_bytes())
            .map_err(|err| format!("{}: cannot write: {err}; the file was left unchanged", file.display()))?;
        count += cases.len();
    }
    Ok(count)
}

/// Returns `text`, a rule file, with the expected output of each case in `cases` replaced by the
/// actual output: `fixed = ACTUAL`, or `unchanged = true` when the actual output is the code.
pub fn update_expected(text: &str, cases: &[(&RuleTest, &str)]) -> Result<String, String> {
    let mut document: DocumentMut = text.parse().map_err(|err| format!("invalid TOML: {err}"))?;
    let tests = document
        .get_mut("test")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or("the file has no [[test]] tables")?;
    for (case, actual) in cases {
        let table = tests
            .iter_mut()
            .find(|table| table.get("name").and_then(Item::as_str) == Some(case.name.as_str()))
            .ok_or_else(|| format!("test `{}` is no longer in the file", case.name))?;
        if *actual == case.code {
            table.remove("fixed");
            table.insert("unchanged", toml_edit::value(true));
        } else {
            table.remove("unchanged");
            table.insert("fixed", toml_edit::value(*actual));
        }
    }
    Ok(document.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rule_tests_pass() {
        let rules = load_rules(None).unwrap();
        for rule in &rules {
            let fixed = rule.tests.iter().filter(|case| case.fixed.is_some()).count();
            let unchanged = rule.tests.iter().filter(|case| case.fixed.is_none()).count();
            assert!(fixed >= 1, "{} has no case that it fixes", rule.id);
            assert!(unchanged >= 1, "{} has no case that it leaves alone", rule.id);
            for case in &rule.tests {
                assert_eq!(run_case(rule, case), CaseResult::Passed, "{}::{}", rule.id, case.name);
            }
        }
    }

    #[test]
    fn update_keeps_comments_and_sets_output() {
        let text = "# A comment that must stay.\nsummary = \"s\"\n\n[[test]]\n# before the case\nname = \"one\"\ncode = \"a\\n\"\nfixed = \"wrong\\n\"\n\n[[test]]\nname = \"two\"\ncode = \"b\\n\"\nfixed = \"c\\n\"\n";
        let one = RuleTest {
            name: "one".to_string(),
            line: 6,
            code: "a\n".to_string(),
            fixed: Some("wrong\n".to_string()),
            path: "src/lib.rs".to_string(),
        };
        let two = RuleTest {
            name: "two".to_string(),
            line: 11,
            code: "b\n".to_string(),
            fixed: Some("c\n".to_string()),
            path: "src/lib.rs".to_string(),
        };
        let updated = update_expected(text, &[(&one, "right\nline\n"), (&two, "b\n")]).unwrap();
        assert!(updated.starts_with("# A comment that must stay.\n"), "{updated}");
        assert!(updated.contains("# before the case\n"), "{updated}");

        let parsed: toml::Table = toml::from_str(&updated).unwrap();
        let tests = parsed["test"].as_array().unwrap();
        assert_eq!(tests[0]["fixed"].as_str(), Some("right\nline\n"));
        assert_eq!(tests[1].get("fixed"), None);
        assert_eq!(tests[1]["unchanged"].as_bool(), Some(true));
    }
}

//! `--format sarif`: the report of a run as a SARIF 2.1.0 log, which GitHub code scanning and
//! other tools import.
//!
//! The log has one run. `tool.driver.rules` lists every enabled rule, and each finding is a
//! result whose location is the struct's name and whose `fixes` hold the edits of its own fix,
//! unless that fix is display-only. `properties.applicability` names the kind of fix.
//! Errors become `toolExecutionNotifications` of the run's invocation. Columns count Unicode code
//! points, as `columnKind` states, and artifact URIs are relative to the project root
//! (`%SRCROOT%`) when the file is inside it.

use serde_json::{json, Value};

use super::report::{EditReport, FindingReport, Position, Report, ReportApplicability};
use crate::config::{Rule, RuleSet};

const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SOURCE_ROOT: &str = "%SRCROOT%";

/// Renders `report` as a SARIF 2.1.0 log followed by a newline.
pub fn render(report: &Report, rules: &RuleSet) -> String {
    let enabled: Vec<&Rule> = rules.enabled().collect();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for file in &report.files {
        for finding in &file.findings {
            let rule_index = enabled.iter().position(|rule| rule.id == finding.rule_id);
            results.push(result(&file.path, finding, rule_index));
        }
        for error in &file.errors {
            notifications.push(json!({
                "level": "error",
                "message": { "text": error.message },
                "locations": [{ "physicalLocation": { "artifactLocation": artifact_location(&file.path) } }],
            }));
        }
    }
    for error in &report.errors {
        notifications.push(json!({ "level": "error", "message": { "text": error.message } }));
    }

    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "mockfix",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": enabled.iter().map(|rule| rule_descriptor(rule)).collect::<Vec<_>>(),
                }
            },
            "invocations": [{
                "executionSuccessful": report.summary.errors == 0,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&log).expect("a SARIF log holds only strings, numbers and lists");
    text.push('\n');
    text
}

fn rule_descriptor(rule: &Rule) -> Value {
    let mut help_text = rule.description.trim_end().to_string();
    let mut help_markdown = help_text.clone();
    if let Some((before, after)) = &rule.example {
        help_text.push_str(&format!("\n\nBefore:\n{before}\nAfter:\n{after}"));
        help_markdown.push_str(&format!(
            "\n\nBefore:\n\n```rust\n{before}```\n\nAfter:\n\n```rust\n{after}```"
        ));
    }
    json!({
        "id": rule.id,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": rule.description.trim_end() },
        "help": { "text": help_text, "markdown": help_markdown },
        "defaultConfiguration": { "level": "warning" },
        "properties": { "strategy": rule.strategy.name() },
    })
}

fn result(path: &str, finding: &FindingReport, rule_index: Option<usize>) -> Value {
    let mut result = json!({
        "ruleId": finding.rule_id,
        "level": "warning",
        "message": { "text": finding.message_with_fix() },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact_location(path),
                "region": {
                    "startLine": finding.line,
                    "startColumn": finding.column,
                    "endLine": finding.line,
                    "endColumn": finding.end_column(),
                },
            }
        }],
        "properties": {
            "applicability": finding.applicability,
            "structName": finding.struct_name,
        },
    });
    if let Some(index) = rule_index {
        result["ruleIndex"] = json!(index);
    }
    // A SARIF viewer may apply a result's fixes with one click, and SARIF cannot mark a fix as
    // not to be applied. So a display-only fix is left out, and its reason is in the message.
    if let Some(fix) = &finding.fix {
        if matches!(
            finding.applicability,
            ReportApplicability::Safe | ReportApplicability::NeedsReview
        ) {
            result["fixes"] = json!([{
                "description": { "text": fix.title },
                "artifactChanges": [{
                    "artifactLocation": artifact_location(path),
                    "replacements": fix.edits.iter().map(replacement).collect::<Vec<_>>(),
                }],
            }]);
        }
    }
    result
}

fn replacement(edit: &EditReport) -> Value {
    json!({
        "deletedRegion": region(edit.start, edit.end),
        "insertedContent": { "text": edit.replacement },
    })
}

fn region(start: Position, end: Position) -> Value {
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

/// Builds the artifact location of a shown path: relative to `%SRCROOT%`, or a `file` URI for a
/// path outside the project root.
fn artifact_location(path: &str) -> Value {
    if path.starts_with('/') {
        return json!({ "uri": format!("file://{}", percent_encode(path)) });
    }
    json!({ "uri": percent_encode(path), "uriBaseId": SOURCE_ROOT })
}

/// Percent-encodes every byte of `path` that may not appear as is in a URI path.
fn percent_encode(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte);
        if keep {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_encodes_spaces_and_unicode() {
        assert_eq!(percent_encode("tests/my mocks/ü.rs"), "tests/my%20mocks/%C3%BC.rs");
    }

    #[test]
    fn absolute_path_becomes_file_uri() {
        assert_eq!(artifact_location("/tmp/a.rs"), json!({ "uri": "file:///tmp/a.rs" }));
    }
}

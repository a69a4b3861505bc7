//! `--format json`: the report of a run as one JSON document.
//!
//! The document is the serialized `report::Report`; the README documents its fields.

use super::report::Report;

/// Renders `report` as pretty-printed JSON followed by a newline.
pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("a report holds only strings, numbers and lists");
    text.push('\n');
    text
}

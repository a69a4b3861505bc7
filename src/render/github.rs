//! `--format github`: workflow commands that GitHub Actions turns into annotations on the
//! changed lines of a pull request.
//!
//! Each finding is a `::warning` line and each error an `::error` line. GitHub reads `%`, CR and
//! LF in a message as escapes (`%25`, `%0D`, `%0A`), and also `:` and `,` in a property value.

use std::fmt::Write;

use super::report::Report;

/// Renders one workflow command per finding and per error.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for file in &report.files {
        let path = escape_property(&file.path);
        for finding in &file.findings {
            let _ = writeln!(
                out,
                "::warning file={path},line={line},col={column},endColumn={end},title={title}::{message}",
                line = finding.line,
                column = finding.column,
                end = finding.end_column(),
                title = escape_property(&finding.rule_id),
                message = escape_data(&finding.message_with_fix()),
            );
        }
        for error in &file.errors {
            let _ = writeln!(out, "::error file={path}::{}", escape_data(&error.message));
        }
    }
    for error in &report.errors {
        let _ = writeln!(out, "::error::{}", escape_data(&error.message));
    }
    out
}

/// Escapes a message: `%`, CR and LF.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value such as `file=`: `%`, CR, LF, `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
    }

    #[test]
    fn property_escapes_colon_and_comma() {
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}

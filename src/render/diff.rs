//! Unified diffs with `a/` and `b/` headers, which `git apply` and `patch -p1` accept.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use similar::TextDiff;

const CONTEXT_LINES: usize = 3;

/// The unified diff from `old` to `new`, or an empty string when they are equal.
pub fn unified(display_path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let path = display_path.strip_prefix("./").unwrap_or(display_path);
    // GNU patch ends a header's file name at the first space unless a tab follows the name, as
    // git writes it; `git apply` reads either form.
    let end = if path.contains(' ') { "\t" } else { "" };
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .header(&format!("a/{path}{end}"), &format!("b/{path}{end}"))
        .to_string()
}

/// Writes `diff` to `out`, coloring headers, hunk ranges, removed and added lines.
///
/// `out` decides whether the colors reach the terminal: an `anstream` stream drops them when
/// color is off.
pub fn write_colored(out: &mut impl Write, diff: &str) -> io::Result<()> {
    write_colored_with_gutter(out, diff, "")
}

/// Like `write_colored`, with `gutter` written uncolored before each line. The report on stderr
/// shows the fixes that a run does not write behind a gutter such as `  | `, which sets them apart
/// from the messages and keeps `patch` from reading them as a diff.
pub fn write_colored_with_gutter(out: &mut impl Write, diff: &str, gutter: &str) -> io::Result<()> {
    let header = Style::new().bold();
    let hunk = AnsiColor::Cyan.on_default();
    let removed = AnsiColor::Red.on_default();
    let added = AnsiColor::Green.on_default();
    for line in diff.split_inclusive('\n') {
        let style = if line.starts_with("---") || line.starts_with("+++") {
            header
        } else if line.starts_with("@@") {
            hunk
        } else if line.starts_with('-') {
            removed
        } else if line.starts_with('+') {
            added
        } else {
            Style::new()
        };
        let content = line.trim_end_matches(['\r', '\n']);
        let ending = &line[content.len()..];
        write!(out, "{gutter}{style}{content}{style:#}{ending}")?;
    }
    Ok(())
}

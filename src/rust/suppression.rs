//! Suppression comments: `// mockfix: ignore` above an item silences every rule on it, and
//! `// mockfix: ignore[rule-id, other-id]` silences the rules named.

use ra_ap_syntax::SyntaxNode;

use super::text::{line_start, node_range};

const MARKER: &str = "mockfix: ignore";

/// Whether a comment directly above `item` (or inside its leading comments and attributes)
/// suppresses `rule_id`. A blank line ends the comment block that belongs to the item.
pub fn is_suppressed(source: &str, item: &SyntaxNode, rule_id: &str) -> bool {
    let (start, _) = node_range(item);
    // The node may start with its own leading comments; look at its lines up to the first line of
    // code, then at the lines above it.
    let item_text = &source[start..];
    let own_lines = item_text.lines().take_while(|line| is_comment_or_attribute(line));
    let lines_above = source[..line_start(source, start)]
        .lines()
        .rev()
        .take_while(|line| is_comment_or_attribute(line));
    own_lines.chain(lines_above).any(|line| suppresses(line, rule_id))
}

fn is_comment_or_attribute(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("//") || line.starts_with("#[")
}

/// Whether one comment line is a `mockfix: ignore` marker that names `rule_id` or no rule.
pub fn suppresses(line: &str, rule_id: &str) -> bool {
    let Some(comment) = line.trim_start().strip_prefix("//") else {
        return false;
    };
    let comment = comment.trim_start_matches(['/', '!']).trim();
    let Some(rest) = comment.strip_prefix(MARKER) else {
        return false;
    };
    let rest = rest.trim_end();
    if rest.is_empty() {
        return true;
    }
    let Some(list) = rest.strip_prefix('[').and_then(|list| list.strip_suffix(']')) else {
        return false;
    };
    list.split(',').any(|id| id.trim() == rule_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_forms() {
        assert!(suppresses("// mockfix: ignore", "any-rule"));
        assert!(suppresses("    //mockfix: ignore[a-rule, b-rule]", "b-rule"));
        assert!(!suppresses("// mockfix: ignore[a-rule]", "b-rule"));
        assert!(!suppresses("// mockfix: ignored", "a-rule"));
        assert!(!suppresses("// see mockfix: ignore", "a-rule"));
    }
}

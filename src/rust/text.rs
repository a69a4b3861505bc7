//! Whitespace and line helpers for planning edits that keep the file's own style: its line
//! endings, its indentation (tabs stay tabs) and its comments.

use ra_ap_syntax::{ast, AstNode, SyntaxKind, SyntaxNode, SyntaxToken, TextSize, T};

use crate::edit::TextEdit;

/// Returns `text` without its whitespace, so that code is compared however it is laid out.
pub fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

pub fn offset(size: TextSize) -> usize {
    u32::from(size) as usize
}

pub fn node_range(node: &SyntaxNode) -> (usize, usize) {
    let range = node.text_range();
    (offset(range.start()), offset(range.end()))
}

pub fn token_range(token: &SyntaxToken) -> (usize, usize) {
    let range = token.text_range();
    (offset(range.start()), offset(range.end()))
}

/// The line ending of the line that contains `at`, or of the file's first line when that line
/// has none.
pub fn line_ending_at(source: &str, at: usize) -> &'static str {
    let newline = source[at..].find('\n').map(|i| at + i).or_else(|| source.find('\n'));
    match newline {
        Some(i) if i > 0 && source.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

pub fn line_start(source: &str, at: usize) -> usize {
    source[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset just before the line break of the line containing `at`, stepping back over a
/// `\r` so that an insert there keeps CRLF line endings intact.
pub fn line_content_end(source: &str, at: usize) -> usize {
    let end = source[at..].find('\n').map_or(source.len(), |i| at + i);
    if end > at && source.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// The spaces and tabs at the start of the line containing `at`.
pub fn indentation_at(source: &str, at: usize) -> &str {
    let start = line_start(source, at);
    let rest = &source[start..];
    let width = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..width]
}

/// One level of indentation as the file writes it, guessed from the line containing `at`
/// compared with the line of its parent.
pub fn indent_unit(inner: &str, outer: &str) -> String {
    if let Some(extra) = inner.strip_prefix(outer) {
        if !extra.is_empty() {
            return extra.to_string();
        }
    }
    if inner.starts_with('\t') || outer.starts_with('\t') {
        "\t".to_string()
    } else {
        "    ".to_string()
    }
}

pub fn spans_lines(source: &str, start: usize, end: usize) -> bool {
    source[start..end].contains('\n')
}

/// The next token after `token` that is not whitespace or a comment.
pub fn next_significant(token: &SyntaxToken) -> Option<SyntaxToken> {
    ra_ap_syntax::algo::skip_trivia_token(token.next_token()?, ra_ap_syntax::Direction::Next)
}

/// The token before `token` that is not whitespace or a comment.
pub fn previous_significant(token: &SyntaxToken) -> Option<SyntaxToken> {
    ra_ap_syntax::algo::skip_trivia_token(token.prev_token()?, ra_ap_syntax::Direction::Prev)
}

/// The next token after `node` that is not whitespace or a comment.
pub fn token_after(node: &SyntaxNode) -> Option<SyntaxToken> {
    node.last_token().and_then(|last| next_significant(&last))
}

/// Plans the edits that append `element` to a braced, comma-separated list: the fields of a
/// struct or of a struct literal.
///
/// `last` is the list's current last element, if any, and `r_curly` its closing brace. A list
/// written over several lines gets the element on a line of its own, after any trailing comment
/// of the last element; a one-line list gets it inline.
pub fn append_to_braced_list(
    source: &str,
    l_curly: &SyntaxToken,
    last: Option<&SyntaxNode>,
    r_curly: &SyntaxToken,
    element: &str,
) -> Vec<TextEdit> {
    let (_, open_end) = token_range(l_curly);
    let (close_start, _) = token_range(r_curly);
    let Some(last) = last else {
        if spans_lines(source, open_end, close_start) {
            let outer = indentation_at(source, close_start);
            let unit = indent_unit("", outer);
            let eol = line_ending_at(source, open_end);
            return vec![TextEdit::insert(
                line_content_end(source, open_end),
                format!("{eol}{outer}{unit}{element},"),
            )];
        }
        return vec![TextEdit::replace(open_end, close_start, format!(" {element} "))];
    };

    let (_, last_end) = node_range(last);
    let comma = token_after(last).filter(|token| token.kind() == SyntaxKind::COMMA);
    let after_last = comma.as_ref().map_or(last_end, |comma| token_range(comma).1);
    let mut edits = Vec::new();
    if spans_lines(source, after_last, close_start) {
        if comma.is_none() {
            edits.push(TextEdit::insert(last_end, ","));
        }
        let first_token_start = last.first_token().map_or(last_end, |token| token_range(&token).0);
        let indent = indentation_at(source, first_token_start);
        let eol = line_ending_at(source, after_last);
        edits.push(TextEdit::insert(
            line_content_end(source, after_last),
            format!("{eol}{indent}{element},"),
        ));
    } else if comma.is_some() {
        edits.push(TextEdit::insert(after_last, format!(" {element},")));
    } else {
        edits.push(TextEdit::insert(last_end, format!(", {element}")));
    }
    edits
}

/// The names in `#[derive(..)]` attributes of an item.
pub fn derive_names(item: &impl ast::HasAttrs) -> Vec<String> {
    let mut names = Vec::new();
    for attr in item.attrs() {
        let Some((name, token_tree)) = attr.as_simple_call() else {
            continue;
        };
        if name != "derive" {
            continue;
        }
        names.extend(derive_list_names(&token_tree));
    }
    names
}

/// Returns the trait names in the token tree of `derive(..)`: the last segment of each path, so
/// `Clone` for `std::clone::Clone`.
fn derive_list_names(token_tree: &ast::TokenTree) -> Vec<String> {
    let mut names = Vec::new();
    let mut last = None;
    for token in token_tree
        .syntax()
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
    {
        match token.kind() {
            SyntaxKind::IDENT => last = Some(token.text().to_string()),
            T![,] | T![')'] => names.extend(last.take()),
            _ => {}
        }
    }
    names.extend(last);
    names
}

/// Returns the names derived under `#[cfg_attr(.., derive(..))]` attributes of an item.
pub fn conditional_derive_names(item: &impl ast::HasAttrs) -> Vec<String> {
    let mut names = Vec::new();
    for attr in item.attrs() {
        let Some(meta @ ast::Meta::CfgAttrMeta(_)) = attr.meta() else {
            continue;
        };
        for inner in meta.skip_cfg_attrs() {
            let Some((name, token_tree)) = inner.as_simple_call() else {
                continue;
            };
            if name != "derive" {
                continue;
            }
            names.extend(derive_list_names(&token_tree));
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_names_take_last_path_segment() {
        let source =
            "#[derive(Debug, std::clone::Clone)]\n#[cfg_attr(test, derive(core::cmp::PartialEq))]\nstruct MockA;\n";
        let file = ra_ap_syntax::SourceFile::parse(source, ra_ap_syntax::Edition::Edition2021).tree();
        let item = file.syntax().descendants().find_map(ast::Struct::cast).unwrap();
        assert_eq!(derive_names(&item), ["Debug", "Clone"]);
        assert_eq!(conditional_derive_names(&item), ["PartialEq"]);
    }

    #[test]
    fn line_content_end_steps_over_carriage_return() {
        let source = "a // note\r\nb";
        assert_eq!(line_content_end(source, 0), 9);
        assert_eq!(line_ending_at(source, 0), "\r\n");
    }

    #[test]
    fn indent_unit_keeps_tabs() {
        assert_eq!(indent_unit("\t\t", "\t"), "\t");
        assert_eq!(indent_unit("  ", ""), "  ");
        assert_eq!(indent_unit("", ""), "    ");
    }
}

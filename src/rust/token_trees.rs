//! Code inside macro token trees, parsed as Rust so that strategies can rewrite it like any other
//! code: the arguments of `assert_eq!(..)` and the bodies of `macro_rules!` definitions.
//!
//! The parser keeps a token tree as a flat list of tokens. Here its text is parsed again inside a
//! function written so that every byte keeps its offset in the file: the text before the tree is
//! replaced by spaces and a short wrapper such as `fn _m(){_f(`. Ranges taken from the parsed
//! snippet are therefore ranges of the original file, and edits planned on it apply to the file
//! directly. `$name` metavariables of a macro body become `_name`, which has the same length.
//! Parts that still do not parse (`vec![x; n]`, `$(..)*` repetitions) are recovered from by the
//! parser and simply yield no expression there.

use ra_ap_syntax::ast::{self, AstNode, HasName};
use ra_ap_syntax::{Edition, SourceFile, SyntaxKind, SyntaxNode};

use super::text::node_range;

/// Maximum nesting of macro calls inside macro calls that is followed.
const MAX_DEPTH: usize = 4;

/// A piece of a token tree parsed as code, with the file's offsets.
#[derive(Clone, Debug)]
pub struct Snippet {
    /// The root of the parsed wrapper; nodes inside the original text have the file's offsets.
    pub root: SyntaxNode,
    /// The byte range of the original text that the snippet covers.
    pub range: (usize, usize),
    /// The snippet is, or lies in, a `macro_rules!` body, which expands at its call sites.
    pub in_macro_body: bool,
    /// The snippet is a `macro_rules!` body itself rather than the arguments of a macro call.
    pub is_body: bool,
    /// The name of the macro whose arguments or body this is.
    pub macro_name: String,
}

impl Snippet {
    /// Whether `node` comes from the original text rather than from the wrapper.
    pub fn covers(&self, node: &SyntaxNode) -> bool {
        let (start, end) = node_range(node);
        self.range.0 <= start && end <= self.range.1
    }
}

/// Parses `text`, found at byte `start` of the file, inside `prefix` and `suffix`, so that the
/// nodes of `text` keep the file's offsets. Returns `None` when there is no room for the prefix.
fn parse_at(start: usize, text: &str, prefix: &str, suffix: &str) -> Option<SyntaxNode> {
    let padding = start.checked_sub(prefix.len())?;
    let mut wrapped = String::with_capacity(start + text.len() + suffix.len());
    wrapped.extend(std::iter::repeat_n(' ', padding));
    wrapped.push_str(prefix);
    wrapped.push_str(&text.replace('$', "_"));
    wrapped.push_str(suffix);
    Some(
        SourceFile::parse(&wrapped, Edition::Edition2021)
            .tree()
            .syntax()
            .clone(),
    )
}

/// Returns the text between the delimiters of a token tree and its start offset.
fn inner_text(tree: &ast::TokenTree) -> Option<(usize, String)> {
    let (start, end) = node_range(tree.syntax());
    let text = tree.syntax().text().to_string();
    if text.len() < 2 || end - start != text.len() {
        return None;
    }
    let closed = matches!(text.as_bytes()[text.len() - 1], b')' | b']' | b'}');
    let inner_end = if closed { text.len() - 1 } else { text.len() };
    Some((start + 1, text[1..inner_end].to_string()))
}

/// Returns the name of a macro call: `assert_eq` for `assert_eq!(..)` and `std::assert_eq!(..)`.
pub fn macro_call_name(call: &ast::MacroCall) -> Option<String> {
    let segment = call.path()?.segment()?;
    Some(segment.name_ref()?.text().to_string())
}

/// Parses the arguments of a macro call as the arguments of a function call.
pub fn parse_call_arguments(call: &ast::MacroCall) -> Option<Snippet> {
    let tree = call.token_tree()?;
    let (start, text) = inner_text(&tree)?;
    let root = parse_at(start, &text, "fn _m(){_f(", ");}")?;
    Some(Snippet {
        root,
        range: (start, start + text.len()),
        in_macro_body: false,
        is_body: false,
        macro_name: macro_call_name(call).unwrap_or_default(),
    })
}

/// Parses each rule body (transcriber) of a `macro_rules!` definition as a function body.
pub fn parse_macro_rules_bodies(rules: &ast::MacroRules) -> Vec<Snippet> {
    let Some(tree) = rules.token_tree() else {
        return Vec::new();
    };
    let name = rules.name().map(|name| name.text().to_string()).unwrap_or_default();
    // The definition's trees alternate: a matcher, then the body that follows `=>`.
    let bodies = tree
        .syntax()
        .children()
        .filter(|child| child.kind() == SyntaxKind::TOKEN_TREE)
        .skip(1)
        .step_by(2);
    let mut snippets = Vec::new();
    for body in bodies.filter_map(ast::TokenTree::cast) {
        let Some((start, text)) = inner_text(&body) else {
            continue;
        };
        let Some(root) = parse_at(start, &text, "fn _m(){", "\n}") else {
            continue;
        };
        snippets.push(Snippet {
            root,
            range: (start, start + text.len()),
            in_macro_body: true,
            is_body: true,
            macro_name: name.clone(),
        });
    }
    snippets
}

/// Parses every snippet of the file whose text contains one of `words`: macro call arguments and
/// `macro_rules!` bodies, and the macro calls nested in those, in source order.
pub fn snippets_mentioning(root: &SyntaxNode, words: &[&str]) -> Vec<Snippet> {
    let mentions = |node: &SyntaxNode| {
        let text = node.text().to_string();
        words.iter().any(|word| contains_word(&text, word))
    };
    let mut snippets = Vec::new();
    for rules in root.descendants().filter_map(ast::MacroRules::cast) {
        if !mentions(rules.syntax()) {
            continue;
        }
        for snippet in parse_macro_rules_bodies(&rules) {
            collect_nested(&snippet, &mentions, 1, &mut snippets);
            snippets.push(snippet);
        }
    }
    for call in root.descendants().filter_map(ast::MacroCall::cast) {
        if !call.token_tree().is_some_and(|tree| mentions(tree.syntax())) {
            continue;
        }
        let Some(snippet) = parse_call_arguments(&call) else {
            continue;
        };
        collect_nested(&snippet, &mentions, 1, &mut snippets);
        snippets.push(snippet);
    }
    snippets.sort_by_key(|snippet| snippet.range.0);
    snippets
}

fn collect_nested(parent: &Snippet, mentions: &impl Fn(&SyntaxNode) -> bool, depth: usize, out: &mut Vec<Snippet>) {
    if depth >= MAX_DEPTH {
        return;
    }
    for call in parent.root.descendants().filter_map(ast::MacroCall::cast) {
        if !parent.covers(call.syntax()) || !call.token_tree().is_some_and(|tree| mentions(tree.syntax())) {
            continue;
        }
        let Some(mut snippet) = parse_call_arguments(&call) else {
            continue;
        };
        // A call inside a macro body expands where the body does.
        snippet.in_macro_body = parent.in_macro_body;
        collect_nested(&snippet, mentions, depth + 1, out);
        out.push(snippet);
    }
}

/// Whether `word` occurs in `text` with no identifier character on either side.
pub fn contains_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_of(source: &str) -> SyntaxNode {
        SourceFile::parse(source, Edition::Edition2021).tree().syntax().clone()
    }

    #[test]
    fn call_arguments_keep_file_offsets() {
        let source = "fn t() { assert_eq!(CALLS + 1, 4); }";
        let snippets = snippets_mentioning(&root_of(source), &["CALLS"]);
        assert_eq!(snippets.len(), 1);
        let path = snippets[0]
            .root
            .descendants()
            .filter_map(ast::PathExpr::cast)
            .find(|path| path.syntax().text() == "CALLS")
            .unwrap();
        let (start, end) = node_range(path.syntax());
        assert_eq!(&source[start..end], "CALLS");
    }

    #[test]
    fn macro_rules_bodies_are_parsed() {
        let source = "macro_rules! bump {\n    ($n:expr) => { unsafe { CALLS += $n; } };\n    () => { bump!(1) };\n}\n";
        let snippets = snippets_mentioning(&root_of(source), &["CALLS"]);
        assert!(snippets.iter().all(|snippet| snippet.in_macro_body));
        let assign = snippets[0]
            .root
            .descendants()
            .filter_map(ast::BinExpr::cast)
            .next()
            .unwrap();
        let (start, end) = node_range(assign.syntax());
        assert_eq!(&source[start..end], "CALLS += $n");
    }

    #[test]
    fn words_match_whole_identifiers() {
        assert!(contains_word("a + CALLS;", "CALLS"));
        assert!(!contains_word("MY_CALLS", "CALLS"));
        assert!(!contains_word("CALLS_2", "CALLS"));
    }
}

//! Parsing Go with tree-sitter-go, and the few tree helpers the rest of the front end shares.
//!
//! tree-sitter keeps byte ranges into the text it parsed, so every edit is a range of the
//! original file and everything outside the edits is kept byte for byte. A file with syntax
//! errors still gets a tree. Its broken parts are `ERROR` or missing nodes, and `has_error`
//! returns whether a node contains one.

use tree_sitter::{Node, Parser, Tree};

use crate::SourceError;

/// Parses `source` as Go. The tree always exists; syntax errors are nodes inside it.
pub fn parse(source: &str) -> Result<Tree, SourceError> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_go::LANGUAGE.into())
        .map_err(|err| SourceError::Internal(format!("cannot load the Go grammar: {err}")))?;
    parser
        .parse(source, None)
        .ok_or_else(|| SourceError::Internal("the Go parser returned no tree".to_string()))
}

/// The source text of `node`.
pub fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// The named children of `node`, in order.
pub fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// The children of `node` with the field name `field`, in order.
pub fn field_children<'t>(node: Node<'t>, field: &str) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children_by_field_name(field, &mut cursor).collect()
}

/// Every node under `node`, `node` included, in document order.
pub fn descendants<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut nodes = Vec::new();
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        nodes.push(current);
        let mut cursor = current.walk();
        let children: Vec<Node<'t>> = current.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    nodes
}

/// The first syntax error inside `node`, as a `SourceError` with its line and column.
pub fn first_error(node: Node, source: &str) -> Option<SourceError> {
    if !node.has_error() {
        return None;
    }
    let broken = descendants(node)
        .into_iter()
        .find(|candidate| candidate.is_error() || candidate.is_missing())?;
    let offset = broken.start_byte();
    let line = source[..offset].matches('\n').count() + 1;
    let column = source[..offset]
        .rsplit('\n')
        .next()
        .map_or(0, |text| text.chars().count())
        + 1;
    let message = if broken.is_missing() {
        format!("missing `{}`", broken.kind())
    } else {
        format!("unexpected `{}`", first_line(text(broken, source)))
    };
    Some(SourceError::Syntax { line, column, message })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim()
}

/// The one-based line of byte `offset`.
pub fn line_of(source: &str, offset: usize) -> usize {
    source[..offset].matches('\n').count() + 1
}

/// Whether `inner` lies inside `outer`, or is `outer`.
pub fn contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// The nearest ancestor of `node` of kind `kind`, `node` excluded, that lies inside `within`.
pub fn ancestor_of_kind<'t>(node: Node<'t>, kind: &str, within: Node<'t>) -> Option<Node<'t>> {
    let mut current = node.parent();
    while let Some(parent) = current {
        if !contains(within, parent) {
            return None;
        }
        if parent.kind() == kind {
            return Some(parent);
        }
        current = parent.parent();
    }
    None
}

/// The statements of a `block`: the named children of its statement list, without comments.
pub fn block_statements<'t>(block: Node<'t>) -> Vec<Node<'t>> {
    named_children(block)
        .into_iter()
        .filter(|child| child.kind() == "statement_list")
        .flat_map(named_children)
        .filter(|statement| statement.kind() != "comment")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_text_and_reports_errors() {
        let source = "package a\n\nfunc f() {\n\tx := \n}\n";
        let tree = parse(source).unwrap();
        let root = tree.root_node();
        assert_eq!(text(root, source), source);
        let err = first_error(root, source).expect("the file has a syntax error");
        let SourceError::Syntax { line, .. } = err else {
            panic!("expected a syntax error, got {err:?}")
        };
        assert!((4..=5).contains(&line), "error reported at line {line}");
    }

    #[test]
    fn clean_file_has_no_error() {
        let source = "package a\n\ntype T struct{ n int }\n";
        let tree = parse(source).unwrap();
        assert!(first_error(tree.root_node(), source).is_none());
    }
}

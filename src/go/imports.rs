//! The `"sync"` import that a fix needs, added once per file in a place gofmt keeps.
//!
//! Into an `import ( ... )` group it goes in sorted position among the standard-library
//! imports, or as a group of its own before the others when the file imports only other
//! packages. A single `import "fmt"` becomes a group, and a file without imports gets
//! `import "sync"` after its package clause.

use super::index::{FileIndex, ImportDecl};
use super::syntax::text;
use crate::edit::TextEdit;
use crate::rust::text::{indentation_at, line_content_end, line_ending_at, line_start};

/// Plans the edit that makes `path` importable under its own name, or nothing when an import
/// already provides that name.
pub fn plan_import(source: &str, index: &FileIndex, path: &str) -> Option<TextEdit> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if index.package_name(path).as_deref() == Some(name) {
        return None;
    }
    let eol = line_ending_at(source, 0);
    let quoted = format!("\"{path}\"");

    if let Some(group) = index.imports.iter().find(|decl| decl.group.is_some()) {
        return Some(insert_into_group(source, group, path, &quoted, eol));
    }
    if let Some(single) = index.imports.last() {
        let spec = single.specs.first()?;
        let spec_text = text(spec.node, source);
        let (first, second) = if spec.path.as_str() < path {
            (spec_text, quoted.as_str())
        } else {
            (quoted.as_str(), spec_text)
        };
        return Some(TextEdit::replace(
            single.node.start_byte(),
            spec.node.end_byte(),
            format!("import ({eol}\t{first}{eol}\t{second}{eol})"),
        ));
    }
    let clause = index.package_clause?;
    let end = line_content_end(source, clause.start_byte());
    Some(TextEdit::insert(end, format!("{eol}{eol}import {quoted}")))
}

/// Whether an import path belongs to the standard library: its first element has no dot.
fn is_standard(path: &str) -> bool {
    !path.split('/').next().unwrap_or(path).contains('.')
}

fn insert_into_group(source: &str, decl: &ImportDecl, path: &str, quoted: &str, eol: &str) -> TextEdit {
    // Runs of import lines without a blank line between them; gofmt sorts each run on its own.
    let mut runs: Vec<Vec<usize>> = Vec::new();
    for (position, spec) in decl.specs.iter().enumerate() {
        let starts_run = match position.checked_sub(1).map(|previous| &decl.specs[previous]) {
            None => true,
            Some(previous) => {
                source[previous.node.end_byte()..spec.node.start_byte()].contains("\n\n")
                    || source[previous.node.end_byte()..spec.node.start_byte()].contains("\n\r\n")
            }
        };
        if starts_run {
            runs.push(Vec::new());
        }
        runs.last_mut().expect("a run was started").push(position);
    }
    let standard_run = runs
        .iter()
        .find(|run| run.iter().all(|&position| is_standard(&decl.specs[position].path)));

    let Some(run) = standard_run else {
        // Only other packages: a standard-library group of its own goes first.
        let first = &decl.specs[0];
        let at = line_start(source, leading_comment_start(source, first.node.start_byte()));
        let indent = indentation_at(source, first.node.start_byte());
        return TextEdit::insert(at, format!("{indent}{quoted}{eol}{eol}"));
    };
    let indent = indentation_at(source, decl.specs[run[0]].node.start_byte()).to_string();
    match run.iter().find(|&&position| decl.specs[position].path.as_str() > path) {
        Some(&position) => {
            let start = decl.specs[position].node.start_byte();
            let at = line_start(source, leading_comment_start(source, start));
            TextEdit::insert(at, format!("{indent}{quoted}{eol}"))
        }
        None => {
            let last = &decl.specs[*run.last().expect("runs are not empty")];
            let end = line_content_end(source, last.node.end_byte());
            TextEdit::insert(end, format!("{eol}{indent}{quoted}"))
        }
    }
}

/// The start of the comment lines directly above `offset`, which belong to the spec there, or
/// `offset` itself.
fn leading_comment_start(source: &str, offset: usize) -> usize {
    let mut start = line_start(source, offset);
    while start > 0 {
        let previous = line_start(source, start - 1);
        if !source[previous..start].trim_start().starts_with("//") {
            break;
        }
        start = previous;
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{apply, normalize};
    use crate::go::syntax::parse;

    fn add_sync(source: &str) -> String {
        let tree = parse(source).unwrap();
        let index = FileIndex::build(tree.root_node(), source);
        let mut edits: Vec<TextEdit> = plan_import(source, &index, "sync").into_iter().collect();
        normalize(&mut edits).unwrap();
        apply(source, &edits)
    }

    #[test]
    fn sorted_into_group() {
        let source = "package a\n\nimport (\n\t\"fmt\"\n\t\"testing\"\n\n\t\"example.com/x\"\n)\n";
        assert_eq!(
            add_sync(source),
            "package a\n\nimport (\n\t\"fmt\"\n\t\"sync\"\n\t\"testing\"\n\n\t\"example.com/x\"\n)\n"
        );
    }

    #[test]
    fn last_in_group() {
        let source = "package a\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n";
        assert_eq!(
            add_sync(source),
            "package a\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"sync\"\n)\n"
        );
    }

    #[test]
    fn own_group_before_other_packages() {
        let source = "package a\n\nimport (\n\t\"example.com/x\"\n)\n";
        assert_eq!(
            add_sync(source),
            "package a\n\nimport (\n\t\"sync\"\n\n\t\"example.com/x\"\n)\n"
        );
    }

    #[test]
    fn single_import_becomes_group() {
        assert_eq!(
            add_sync("package a\n\nimport \"testing\"\n"),
            "package a\n\nimport (\n\t\"sync\"\n\t\"testing\"\n)\n"
        );
        assert_eq!(
            add_sync("package a\n\nimport \"fmt\"\n"),
            "package a\n\nimport (\n\t\"fmt\"\n\t\"sync\"\n)\n"
        );
    }

    #[test]
    fn no_imports_gets_one() {
        assert_eq!(
            add_sync("package a\n\ntype T struct{}\n"),
            "package a\n\nimport \"sync\"\n\ntype T struct{}\n"
        );
    }

    #[test]
    fn existing_import_is_kept() {
        let source = "package a\n\nimport \"sync\"\n";
        assert_eq!(add_sync(source), source);
    }
}

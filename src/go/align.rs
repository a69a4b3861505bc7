//! gofmt alignment of struct fields and of one-line functions, so that a fix leaves the file
//! gofmt-clean.
//!
//! gofmt (Go 1.19) prints each field as cells separated by tabs and aligns them with
//! `text/tabwriter`: names, type, tag and comment. An embedded field has no name cell, and a
//! comment after an embedded field without a tag gets an empty cell before it. A column is
//! aligned over a run of consecutive lines that all have a cell after it. The last cell of a line
//! is never padded. A blank line, a comment line and the end of a field that spans several lines
//! start a new section. Cells are padded with spaces to the widest cell plus one, counting
//! characters, and a column whose cells are all empty takes no space.

use tree_sitter::Node;

use super::index::StructInfo;
use super::syntax::{field_children, named_children, text};
use crate::edit::TextEdit;
use crate::rust::text::{indentation_at, line_content_end, line_ending_at, line_start};

/// Plans the insert of the field `name type_text` as the first field of `info`, and re-aligns
/// the fields of its section as gofmt would.
pub fn insert_first_field(source: &str, info: &StructInfo, name: &str, type_text: &str) -> Vec<TextEdit> {
    let list = info.field_list;
    let open_end = list.start_byte() + 1;
    let eol = line_ending_at(source, list.start_byte());
    let outer = indentation_at(source, info.declaration.start_byte()).to_string();
    let new_cells = vec![name.to_string(), type_text.to_string()];

    let members: Vec<Node> = named_children(list);
    let first_member = members.first().copied();
    let on_own_lines = first_member.is_some_and(|member| source[open_end..member.start_byte()].contains('\n'));
    let Some(first_member) = first_member.filter(|_| on_own_lines) else {
        // `struct{}`, `struct {\n}` or `struct{ a int }`: write the whole list again.
        let mut lines = vec![format!("{outer}\t{name} {type_text}")];
        for member in &members {
            lines.push(format!("{outer}\t{}", text(*member, source)));
        }
        let body = lines.iter().map(|line| format!("{line}{eol}")).collect::<String>();
        // gofmt writes `struct {` with a space once the list is not empty.
        let space = if source[..list.start_byte()].ends_with(' ') {
            ""
        } else {
            " "
        };
        return vec![TextEdit::replace(
            list.start_byte(),
            list.end_byte(),
            format!("{space}{{{eol}{body}{outer}}}"),
        )];
    };

    let indent = indentation_at(source, first_member.start_byte()).to_string();
    let insert_at = line_start(source, first_member.start_byte());
    let section = section_after(source, &members);
    let Some(section) = section else {
        // A line that this module cannot split into cells: keep the new field in a section of
        // its own, which gofmt leaves as it is.
        return vec![TextEdit::insert(
            insert_at,
            format!("{indent}{name} {type_text}{eol}{eol}"),
        )];
    };

    let mut rows = vec![new_cells];
    rows.extend(section.iter().map(|line| line.cells.clone()));
    let aligned = tabwriter(&rows);
    let mut edits = vec![TextEdit::insert(insert_at, format!("{indent}{}{eol}", aligned[0]))];
    for (line, new_text) in section.iter().zip(&aligned[1..]) {
        if source[line.start..line.end] != *new_text {
            edits.push(TextEdit::replace(line.start, line.end, new_text.clone()));
        }
    }
    edits
}

/// Re-aligns the one-line functions next to those in `expanded`, whose bodies a fix spreads over
/// several lines. gofmt pads the `{` of consecutive one-line functions into a column, so a
/// function that no longer fits on one line splits its run in two, and each part is aligned
/// again. The functions in `expanded` are left to the edit that rewrites them.
pub fn realign_one_line_functions(source: &str, root: Node, expanded: &[Node]) -> Vec<TextEdit> {
    if expanded.is_empty() {
        return Vec::new();
    }
    let line = |offset: usize| source[..offset].matches('\n').count();
    let one_line: Vec<Option<Node>> = named_children(root)
        .into_iter()
        .filter(|item| matches!(item.kind(), "function_declaration" | "method_declaration"))
        .map(|item| Some(item).filter(|item| line(item.start_byte()) == line(item.end_byte())))
        .collect();
    let declarations: Vec<Node> = one_line.iter().flatten().copied().collect();

    // Runs of one-line functions on consecutive lines.
    let mut runs: Vec<Vec<Node>> = Vec::new();
    for declaration in declarations {
        let continues = runs
            .last()
            .and_then(|run| run.last())
            .is_some_and(|previous| line(previous.end_byte()) + 1 == line(declaration.start_byte()));
        if !continues {
            runs.push(Vec::new());
        }
        runs.last_mut().expect("a run was started").push(declaration);
    }

    let mut edits = Vec::new();
    for run in runs {
        if !run
            .iter()
            .any(|member| expanded.iter().any(|node| node.id() == member.id()))
        {
            continue;
        }
        for part in run.split(|member| expanded.iter().any(|node| node.id() == member.id())) {
            edits.extend(align_one_line_run(source, part));
        }
    }
    edits
}

/// Aligns the `{` of consecutive one-line functions as gofmt does, or plans nothing when a line
/// contains more than the function, such as a trailing comment.
fn align_one_line_run(source: &str, run: &[Node]) -> Vec<TextEdit> {
    let mut rows = Vec::new();
    for function in run {
        let Some(body) = function.child_by_field_name("body") else {
            return Vec::new();
        };
        if line_content_end(source, function.start_byte()) != function.end_byte() {
            return Vec::new();
        }
        let signature = source[function.start_byte()..body.start_byte()].trim_end().to_string();
        rows.push(vec![signature, text(body, source).to_string()]);
    }
    let aligned = tabwriter(&rows);
    run.iter()
        .zip(aligned)
        .filter(|(function, new_text)| text(**function, source) != new_text)
        .map(|(function, new_text)| TextEdit::replace(function.start_byte(), function.end_byte(), new_text))
        .collect()
}

/// One field line of a section: its cells and the byte range of its text after the indentation.
struct FieldLine {
    cells: Vec<String>,
    start: usize,
    end: usize,
}

/// Collects the lines of the section that begins with the first member of the field list, or
/// returns `None` when a line does not have the shape gofmt gives it.
fn section_after(source: &str, members: &[Node]) -> Option<Vec<FieldLine>> {
    let mut lines = Vec::new();
    let mut index = 0;
    let mut previous_end: Option<usize> = None;
    while let Some(member) = members.get(index) {
        if let Some(previous_end) = previous_end {
            let gap = &source[previous_end..member.start_byte()];
            // A blank line between two fields ends the section.
            if gap.matches('\n').count() != 1 {
                break;
            }
        }
        if member.kind() == "comment" {
            // A comment on a line of its own ends the section. One after a field is its last cell.
            break;
        }
        if member.kind() != "field_declaration" {
            return None;
        }
        let start = member.start_byte();
        let content_end = line_content_end(source, start);
        let mut cells = field_cells(*member, source)?;
        let mut end = member.end_byte();
        index += 1;
        let multi_line = source[start..member.end_byte()].contains('\n');
        if multi_line {
            // Only the first line is aligned: the names, then the rest of the line unpadded.
            let type_start = member.child_by_field_name("type")?.start_byte();
            cells = vec![cells[0].clone(), source[type_start..content_end].trim_end().to_string()];
            lines.push(FieldLine {
                cells,
                start,
                end: content_end,
            });
            break;
        }
        if let Some(comment) = members
            .get(index)
            .filter(|next| next.kind() == "comment" && !source[member.end_byte()..next.start_byte()].contains('\n'))
        {
            let comment_text = text(*comment, source);
            if !comment_text.starts_with("//") {
                return None;
            }
            let has_name = !field_children(*member, "name").is_empty();
            let has_tag = member.child_by_field_name("tag").is_some();
            if !has_name && !has_tag {
                cells.push(String::new());
            }
            cells.push(comment_text.to_string());
            end = comment.end_byte();
            index += 1;
        }
        // Something else on the same line, such as a second field after `;`.
        if end != content_end {
            return None;
        }
        lines.push(FieldLine { cells, start, end });
        previous_end = Some(end);
    }
    Some(lines)
}

/// Splits a field into cells: names joined by `, ` (absent for an embedded field), type, tag.
fn field_cells(field: Node, source: &str) -> Option<Vec<String>> {
    let mut cells = Vec::new();
    let names: Vec<&str> = field_children(field, "name")
        .into_iter()
        .map(|name| text(name, source))
        .collect();
    if !names.is_empty() {
        cells.push(names.join(", "));
    }
    cells.push(text(field.child_by_field_name("type")?, source).to_string());
    if let Some(tag) = field.child_by_field_name("tag") {
        cells.push(text(tag, source).to_string());
    }
    Some(cells)
}

/// Aligns rows of cells as `text/tabwriter` does with padding 1, spaces and
/// `DiscardEmptyColumns`: every cell but the last of a row is padded to its column's width.
fn tabwriter(rows: &[Vec<String>]) -> Vec<String> {
    let width = |cell: &String| cell.chars().count();
    let columns = rows.iter().map(|row| row.len().saturating_sub(1)).max().unwrap_or(0);
    let mut widths: Vec<Vec<usize>> = rows.iter().map(|row| vec![0; row.len()]).collect();
    for column in 0..columns {
        let mut line = 0;
        while line < rows.len() {
            if rows[line].len() <= column + 1 {
                line += 1;
                continue;
            }
            // A block: consecutive rows that have a padded cell in this column.
            let block_end = (line..rows.len())
                .find(|&row| rows[row].len() <= column + 1)
                .unwrap_or(rows.len());
            let block = line..block_end;
            let all_empty = block.clone().all(|row| rows[row][column].is_empty());
            let column_width = if all_empty {
                0
            } else {
                block
                    .clone()
                    .map(|row| width(&rows[row][column]) + 1)
                    .max()
                    .unwrap_or(0)
            };
            for row in block {
                widths[row][column] = column_width;
            }
            line = block_end;
        }
    }
    rows.iter()
        .zip(&widths)
        .map(|(row, row_widths)| {
            let mut out = String::new();
            for (index, cell) in row.iter().enumerate() {
                out.push_str(cell);
                if index + 1 < row.len() {
                    let padding = row_widths[index].saturating_sub(width(cell));
                    out.extend(std::iter::repeat_n(' ', padding));
                }
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{apply, normalize};
    use crate::go::index::FileIndex;
    use crate::go::syntax::parse;

    fn insert(source: &str) -> String {
        let tree = parse(source).unwrap();
        let index = FileIndex::build(tree.root_node(), source);
        let mut edits = insert_first_field(source, &index.structs[0], "mutex", "sync.Mutex");
        normalize(&mut edits).unwrap();
        apply(source, &edits)
    }

    #[test]
    fn realigns_names_and_comments() {
        let source = "package a\n\ntype T struct {\n\ta int // a\n\tbb string\n\n\tlonger int\n}\n";
        assert_eq!(
            insert(source),
            "package a\n\ntype T struct {\n\tmutex sync.Mutex\n\ta     int // a\n\tbb    string\n\n\tlonger int\n}\n"
        );
    }

    #[test]
    fn keeps_wider_columns() {
        let source = "package a\n\ntype T struct {\n\tReadFileFunc func(name string) ([]byte, error)\n\tfiles        map[string][]byte\n}\n";
        assert_eq!(
            insert(source),
            "package a\n\ntype T struct {\n\tmutex        sync.Mutex\n\tReadFileFunc func(name string) ([]byte, error)\n\tfiles        map[string][]byte\n}\n"
        );
    }

    #[test]
    fn comment_line_ends_section() {
        let source = "package a\n\ntype T struct {\n\t// Calls lists the calls.\n\tCalls []string\n}\n";
        assert_eq!(
            insert(source),
            "package a\n\ntype T struct {\n\tmutex sync.Mutex\n\t// Calls lists the calls.\n\tCalls []string\n}\n"
        );
    }

    #[test]
    fn empty_struct_gets_a_field_list() {
        let source = "package a\n\ntype T struct{}\n";
        assert_eq!(insert(source), "package a\n\ntype T struct {\n\tmutex sync.Mutex\n}\n");
    }

    #[test]
    fn tabwriter_discards_empty_columns() {
        let rows = vec![
            vec!["sync.Mutex".to_string(), String::new(), "// e".to_string()],
            vec!["a".to_string(), "int".to_string(), "// a".to_string()],
            vec!["bbbbbb".to_string(), "string".to_string()],
        ];
        assert_eq!(
            tabwriter(&rows),
            vec!["sync.Mutex     // e", "a          int // a", "bbbbbb     string"]
        );
    }
}

//! A hand-written `Clone` for a double whose derived `Clone` stops compiling once a field becomes a
//! `Mutex`.
//!
//! `RefCell<T>`'s `Clone` copies the value, and so does the impl written here: it locks each
//! converted field in a statement of its own, clones the value and wraps the copy in a new
//! `Mutex`, so the clone shares no state with the original, as before.

use ra_ap_syntax::ast::{self, AstNode, HasAttrs, HasGenericParams, HasName, HasTypeBounds};
use ra_ap_syntax::{SyntaxKind, T};

use crate::edit::TextEdit;
use crate::rust::index::StructInfo;
use crate::rust::text::{
    indent_unit, indentation_at, line_content_end, line_ending_at, line_start, next_significant, node_range,
    token_range,
};

/// Plans the edits that drop `Clone` from the struct's derives and add an `impl Clone` after it.
///
/// Returns `None` when the impl cannot be written faithfully: a field carries an attribute such
/// as `#[cfg(..)]`, or `Clone` is not in a plain `#[derive(..)]`.
pub fn plan(source: &str, info: &StructInfo, cells: &[&str], lock_call: &str) -> Option<Vec<TextEdit>> {
    if info.fields.iter().any(|field| field.node.has_attrs()) {
        return None;
    }
    let mut edits = remove_derive(source, info)?;

    let (start, end) = node_range(info.node.syntax());
    let first_code = info.node.struct_token().map_or(start, |token| token_range(&token).0);
    let indent = indentation_at(source, first_code).to_string();
    let inner_indent = info.fields.first().map_or_else(
        || format!("{indent}    "),
        |field| indentation_at(source, node_range(field.node.syntax()).0).to_string(),
    );
    let unit = indent_unit(&inner_indent, &indent);
    let eol = line_ending_at(source, end);

    let (impl_generics, type_arguments) = generics(&info.node);
    let where_clause = info
        .node
        .where_clause()
        .map(|clause| format!(" {}", clause.syntax().text()))
        .unwrap_or_default();
    // A positional field `0` is bound to the local `field_0`.
    let local = |name: &str| {
        if info.is_tuple {
            format!("field_{name}")
        } else {
            name.to_string()
        }
    };
    let mut body = Vec::new();
    for name in cells {
        body.push(format!(
            "{indent}{unit}{unit}let {} = self.{name}.{lock_call}.clone();",
            local(name)
        ));
    }
    let values: Vec<String> = info
        .fields
        .iter()
        .map(|field| {
            let name = &field.name;
            if cells.contains(&name.as_str()) {
                format!("Mutex::new({})", local(name))
            } else {
                format!("self.{name}.clone()")
            }
        })
        .collect();
    if info.is_tuple {
        let one_line = format!("{indent}{unit}{unit}Self({})", values.join(", "));
        // rustfmt's default `max_width`.
        if one_line.len() <= 100 {
            body.push(one_line);
        } else {
            body.push(format!("{indent}{unit}{unit}Self("));
            for value in &values {
                body.push(format!("{indent}{unit}{unit}{unit}{value},"));
            }
            body.push(format!("{indent}{unit}{unit})"));
        }
    } else {
        body.push(format!("{indent}{unit}{unit}Self {{"));
        for (field, value) in info.fields.iter().zip(&values) {
            body.push(format!("{indent}{unit}{unit}{unit}{}: {value},", field.name));
        }
        body.push(format!("{indent}{unit}{unit}}}"));
    }

    let mut lines = vec![
        String::new(),
        format!(
            "{indent}impl{impl_generics} Clone for {}{type_arguments}{where_clause} {{",
            info.name
        ),
        format!("{indent}{unit}fn clone(&self) -> Self {{"),
    ];
    lines.extend(body);
    lines.push(format!("{indent}{unit}}}"));
    lines.push(format!("{indent}}}"));
    let text = lines.join(eol);
    edits.push(TextEdit::insert(line_content_end(source, end), format!("{eol}{text}")));
    Some(edits)
}

/// The edit that removes `Clone` from `#[derive(..)]`, or the whole attribute when it derives
/// nothing else.
fn remove_derive(source: &str, info: &StructInfo) -> Option<Vec<TextEdit>> {
    for attr in info.node.attrs() {
        let Some((name, token_tree)) = attr.as_simple_call() else {
            continue;
        };
        if name != "derive" {
            continue;
        }
        let idents: Vec<_> = token_tree
            .syntax()
            .descendants_with_tokens()
            .filter_map(|element| element.into_token())
            .filter(|token| token.kind() == SyntaxKind::IDENT)
            .collect();
        let Some(clone) = idents.iter().find(|token| token.text() == "Clone") else {
            continue;
        };
        if idents.len() == 1 {
            let (start, end) = node_range(attr.syntax());
            let line_begin = line_start(source, start);
            let content_end = line_content_end(source, end);
            if source[line_begin..start].trim().is_empty() && source[end..content_end].trim().is_empty() {
                let next_line = source[content_end..]
                    .find('\n')
                    .map_or(source.len(), |i| content_end + i + 1);
                return Some(vec![TextEdit::delete(line_begin, next_line)]);
            }
            return Some(vec![TextEdit::delete(start, end)]);
        }
        let (start, end) = token_range(clone);
        let next = next_significant(clone)?;
        if next.kind() == T![,] {
            let after_comma = next_significant(&next)?;
            let until = if after_comma.kind() == T![')'] {
                token_range(&next).1
            } else {
                token_range(&after_comma).0
            };
            return Some(vec![TextEdit::delete(start, until)]);
        }
        // `Clone` is last: remove it with the comma before it.
        let mut previous = clone.prev_token();
        while let Some(token) = previous.clone().filter(|token| token.kind().is_trivia()) {
            previous = token.prev_token();
        }
        let comma = previous.filter(|token| token.kind() == T![,])?;
        return Some(vec![TextEdit::delete(token_range(&comma).0, end)]);
    }
    None
}

/// The impl's generic parameters, with `Clone` added to each type parameter as the derive does,
/// and the type's arguments: `(<T: Clone>, <T>)`.
fn generics(node: &ast::Struct) -> (String, String) {
    let Some(list) = node.generic_param_list() else {
        return (String::new(), String::new());
    };
    let mut parameters = Vec::new();
    let mut arguments = Vec::new();
    for param in list.generic_params() {
        match param {
            ast::GenericParam::TypeParam(param) => {
                let name = param.name().map(|name| name.text().to_string()).unwrap_or_default();
                let bounds = param
                    .type_bound_list()
                    .map(|bounds| format!("{} + ", bounds.syntax().text()))
                    .unwrap_or_default();
                parameters.push(format!("{name}: {bounds}Clone"));
                arguments.push(name);
            }
            ast::GenericParam::LifetimeParam(param) => {
                let text = param.syntax().text().to_string();
                arguments.push(
                    param
                        .lifetime()
                        .map(|lifetime| lifetime.syntax().text().to_string())
                        .unwrap_or_default(),
                );
                parameters.push(text);
            }
            ast::GenericParam::ConstParam(param) => {
                let text = param.syntax().text().to_string();
                let without_default = text.split('=').next().unwrap_or_default().trim().to_string();
                arguments.push(param.name().map(|name| name.text().to_string()).unwrap_or_default());
                parameters.push(without_default);
            }
        }
    }
    (
        format!("<{}>", parameters.join(", ")),
        format!("<{}>", arguments.join(", ")),
    )
}

//! Property tests of `fix_source` on generated doubles: it never panics, its output always
//! parses, a second run changes nothing, and CRLF files get no bare line feeds.
//!
//! Each double has fields of random kinds (`RefCell`, atomic, plain), methods that borrow,
//! load, store or read them, and random comments, blank lines, indentation and line endings.

use mockfix::config::RuleSet;
use mockfix::{fix_source, FixPolicy};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy)]
enum FieldKind {
    RefCellVec,
    RefCellCount,
    Atomic,
    Plain,
}

/// What one statement of a method does with a field.
#[derive(Debug, Clone, Copy)]
enum Access {
    Borrow,
    BorrowMut,
    Load,
    LoadThenStore,
    Read,
}

#[derive(Debug, Clone)]
struct Method {
    statements: Vec<(usize, Access)>,
    comment: Option<String>,
}

#[derive(Debug, Clone)]
struct Double {
    name: String,
    fields: Vec<FieldKind>,
    methods: Vec<Method>,
    constructor: bool,
    field_comments: Vec<Option<String>>,
}

#[derive(Debug, Clone)]
struct Layout {
    crlf: bool,
    tabs: bool,
    /// Blank lines after each line, cycled.
    blank_lines: Vec<u8>,
    import_arc: bool,
}

fn comment() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("// keep the calls in order".to_string())),
        Just(Some("/* RefCell on purpose */".to_string())),
        Just(Some("// TODO(test): borrow_mut here".to_string())),
    ]
}

fn field_kind() -> impl Strategy<Value = FieldKind> {
    prop_oneof![
        Just(FieldKind::RefCellVec),
        Just(FieldKind::RefCellCount),
        Just(FieldKind::Atomic),
        Just(FieldKind::Plain),
    ]
}

fn access() -> impl Strategy<Value = Access> {
    prop_oneof![
        Just(Access::Borrow),
        Just(Access::BorrowMut),
        Just(Access::Load),
        Just(Access::LoadThenStore),
        Just(Access::Read),
    ]
}

fn double(index: usize) -> impl Strategy<Value = Double> {
    let prefix = prop_oneof![Just("Mock"), Just("Fake"), Just("Stub"), Just("Spy")];
    (
        prefix,
        prop::collection::vec(field_kind(), 1..4),
        prop::collection::vec((prop::collection::vec((0usize..4, access()), 1..4), comment()), 0..4),
        any::<bool>(),
        prop::collection::vec(comment(), 4),
    )
        .prop_map(move |(prefix, fields, methods, constructor, field_comments)| Double {
            name: format!("{prefix}Service{index}"),
            methods: methods
                .into_iter()
                .map(|(statements, comment)| Method {
                    statements: statements
                        .into_iter()
                        .map(|(field, access)| (field % fields.len(), access))
                        .collect(),
                    comment,
                })
                .collect(),
            fields,
            constructor,
            field_comments,
        })
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(0u8..3, 1..6),
        any::<bool>(),
    )
        .prop_map(|(crlf, tabs, blank_lines, import_arc)| Layout {
            crlf,
            tabs,
            blank_lines,
            import_arc,
        })
}

fn field_type(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::RefCellVec => "RefCell<Vec<u32>>",
        FieldKind::RefCellCount => "RefCell<u32>",
        FieldKind::Atomic => "AtomicUsize",
        FieldKind::Plain => "u32",
    }
}

fn field_value(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::RefCellVec => "RefCell::new(Vec::new())",
        FieldKind::RefCellCount => "RefCell::new(0)",
        FieldKind::Atomic => "AtomicUsize::new(0)",
        FieldKind::Plain => "0",
    }
}

/// Renders one statement that uses field `f{field}` as `access` requests, in a way that
/// compiles for the field's kind.
fn statement(field: usize, kind: FieldKind, access: Access) -> String {
    let name = format!("self.f{field}");
    match (kind, access) {
        (FieldKind::RefCellVec, Access::BorrowMut | Access::LoadThenStore) => {
            format!("{name}.borrow_mut().push(1);")
        }
        (FieldKind::RefCellVec, _) => format!("let _len = {name}.borrow().len();"),
        (FieldKind::RefCellCount, Access::BorrowMut | Access::LoadThenStore) => {
            format!("*{name}.borrow_mut() += 1;")
        }
        (FieldKind::RefCellCount, _) => format!("let _value = *{name}.borrow();"),
        (FieldKind::Atomic, Access::LoadThenStore | Access::BorrowMut) => {
            format!("let value = {name}.load(Ordering::SeqCst);\n{name}.store(value + 1, Ordering::SeqCst);")
        }
        (FieldKind::Atomic, _) => format!("let _value = {name}.load(Ordering::SeqCst);"),
        (FieldKind::Plain, _) => format!("let _value = {name} + 1;"),
    }
}

/// Renders the doubles as one file, with `\n` line ends and the layout's indentation.
fn render(doubles: &[Double], layout: &Layout) -> String {
    let indent = if layout.tabs { "\t" } else { "    " };
    let mut lines: Vec<String> = Vec::new();
    if layout.import_arc {
        lines.push("use std::sync::Arc;".to_string());
    }
    lines.push("use std::cell::RefCell;".to_string());
    lines.push("use std::sync::atomic::{AtomicUsize, Ordering};".to_string());
    lines.push(String::new());
    for double in doubles {
        lines.push(format!("pub struct {} {{", double.name));
        for (index, kind) in double.fields.iter().enumerate() {
            if let Some(comment) = &double.field_comments[index % double.field_comments.len()] {
                lines.push(format!("{indent}{comment}"));
            }
            lines.push(format!("{indent}f{index}: {},", field_type(*kind)));
        }
        lines.push("}".to_string());
        lines.push(String::new());
        lines.push(format!("impl {} {{", double.name));
        if double.constructor {
            lines.push(format!("{indent}pub fn new() -> Self {{"));
            lines.push(format!("{indent}{indent}Self {{"));
            for (index, kind) in double.fields.iter().enumerate() {
                lines.push(format!("{indent}{indent}{indent}f{index}: {},", field_value(*kind)));
            }
            lines.push(format!("{indent}{indent}}}"));
            lines.push(format!("{indent}}}"));
        }
        for (number, method) in double.methods.iter().enumerate() {
            if let Some(comment) = &method.comment {
                lines.push(format!("{indent}{comment}"));
            }
            lines.push(format!("{indent}pub fn method{number}(&self) {{"));
            for (field, access) in &method.statements {
                let kind = double.fields[*field];
                for line in statement(*field, kind, *access).lines() {
                    lines.push(format!("{indent}{indent}{line}"));
                }
            }
            lines.push(format!("{indent}}}"));
        }
        lines.push("}".to_string());
        lines.push(String::new());
    }

    let mut text = String::new();
    for (number, line) in lines.iter().enumerate() {
        text.push_str(line);
        text.push('\n');
        let blanks = layout.blank_lines[number % layout.blank_lines.len()];
        for _ in 0..blanks {
            text.push('\n');
        }
    }
    if layout.crlf {
        text = text.replace('\n', "\r\n");
    }
    text
}

fn file() -> impl Strategy<Value = (String, bool)> {
    (
        prop::collection::vec(any::<u8>(), 1..4).prop_flat_map(|seeds| {
            let doubles: Vec<_> = (0..seeds.len()).map(double).collect();
            doubles
        }),
        layout(),
    )
        .prop_map(|(doubles, layout)| (render(&doubles, &layout), layout.crlf))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fixes_parse_and_are_idempotent((source, crlf) in file(), include_needs_review in any::<bool>()) {
        let rules = RuleSet::load(&[], false).expect("the built-in rules load");
        let policy = FixPolicy { include_needs_review };
        prop_assert!(mockfix::rust::parse(&source, mockfix::Edition::DEFAULT).is_ok(), "the generated input does not parse:\n{}", source);

        let first = fix_source("tests/doubles.rs", &source, &rules, policy);
        let first = match first {
            Ok(outcome) => outcome,
            Err(err) => return Err(TestCaseError::fail(format!("{err}\n{source}"))),
        };
        let fixed = &first.fixed_text;
        if let Err(err) = mockfix::rust::parse(fixed, mockfix::Edition::DEFAULT) {
            return Err(TestCaseError::fail(format!("{err}\ninput:\n{source}\noutput:\n{fixed}")));
        }
        if crlf {
            prop_assert_eq!(
                fixed.matches('\n').count(),
                fixed.matches("\r\n").count(),
                "bare line feed in a CRLF file:\n{}",
                fixed
            );
        }

        let second = fix_source("tests/doubles.rs", fixed, &rules, policy)
            .map_err(|err| TestCaseError::fail(format!("{err}\n{fixed}")))?;
        prop_assert_eq!(&second.fixed_text, fixed, "a second run changed the output of\n{}", source);
    }
}

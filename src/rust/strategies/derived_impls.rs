//! Hand-written impls of the derives that a double loses when its cells become `Mutex`es or
//! atomics, which implement neither `Clone` nor the comparison traits.
//!
//! `RefCell<T>` and `Cell<T>` implement `Clone`, `PartialEq`, `Eq`, `PartialOrd` and `Ord` over
//! the value they contain. The impls written here do the same over the fixed fields: a `Mutex`
//! field is read under its lock and an atomic with `load`. `Clone` copies the values, so the
//! clone shares no state with the original, as before, and the comparisons go field by field in
//! declaration order, as derived comparisons do.
//!
//! `Hash` and `Copy` are never written, because neither `RefCell` nor `Cell` implements them:
//! a double that derives them does not compile before the fix either.

use std::collections::{BTreeMap, BTreeSet};

use ra_ap_syntax::ast::{self, AstNode, HasAttrs, HasGenericParams, HasName, HasTypeBounds};
use ra_ap_syntax::{NodeOrToken, SyntaxKind, T};

use crate::edit::TextEdit;
use crate::rust::index::{FieldInfo, FieldKind, StructInfo};
use crate::rust::text::{indent_unit, indentation_at, line_content_end, line_ending_at, line_start, node_range};

/// The derives that this module writes by hand, in the order their impls follow the struct.
pub const WRITTEN_BY_HAND: &[&str] = &["Clone", "PartialEq", "Eq", "PartialOrd", "Ord"];

/// How the fixed struct stores a field, which decides how a written impl reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    /// Unchanged by the fix, read as it is.
    Plain,
    /// A `Mutex` in place of a cell, read under its lock.
    Mutex,
    /// An `Arc<Mutex<T>>` in place of an `Rc<RefCell<T>>`, read under its lock. A clone shares
    /// it, as it shared the `Rc`.
    SharedMutex,
    /// An atomic in place of a `Cell`, read with `load`; the atomic's type name.
    Atomic(String),
}

/// The calls that read the converted fields in the fixed code.
#[derive(Clone, Copy, Debug)]
pub struct Reads<'a> {
    /// The call that locks a `Mutex` field, such as `lock().unwrap()`.
    pub lock_call: &'a str,
    /// The variant of `Ordering` for an atomic load, such as `SeqCst`.
    pub load_ordering: &'a str,
}

/// Returns the methods of the impls that `plan` writes for the struct, each with the
/// `mutex_fields` that it locks. Code that holds one of those locks must not call them.
pub fn method_locks(info: &StructInfo, mutex_fields: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let derives = |name: &str| info.derives.iter().any(|derive| derive == name);
    let mut methods = Vec::new();
    if derives("Clone") {
        methods.push("clone");
    }
    if derives("PartialEq") {
        methods.extend(["eq", "ne"]);
    }
    if derives("PartialOrd") {
        methods.extend(["partial_cmp", "lt", "le", "gt", "ge"]);
    }
    if derives("Ord") {
        methods.extend(["cmp", "max", "min", "clamp"]);
    }
    let locked: BTreeSet<String> = mutex_fields.iter().map(|field| field.to_string()).collect();
    if locked.is_empty() {
        return BTreeMap::new();
    }
    methods
        .into_iter()
        .map(|method| (method.to_string(), locked.clone()))
        .collect()
}

/// Returns why a double with both `RefCell` and `Cell` fields that derives one of
/// `WRITTEN_BY_HAND` is not fixed, if it is such a double. Each fix writes the impls for its own
/// kind of cell and reads the other kind as it was, so neither fix alone leaves impls that
/// compile once the other kind is converted too.
pub fn mixed_cells_blocker(info: &StructInfo) -> Option<String> {
    let has = |kind: FieldKind| info.fields_of_kind(kind).next().is_some();
    if !has(FieldKind::RefCell) || !has(FieldKind::Cell) {
        return None;
    }
    let written: Vec<&str> = WRITTEN_BY_HAND
        .iter()
        .copied()
        .filter(|name| info.derives.iter().any(|derive| derive == name))
        .collect();
    if written.is_empty() {
        return None;
    }
    Some(format!(
        "`{}` derives `{}` and has both `RefCell` and `Cell` fields, and mockfix writes those impls for one kind of cell at a time; implement {} by hand, then run mockfix again",
        info.name,
        written.join("`, `"),
        if written.len() == 1 { "it" } else { "them" },
    ))
}

/// Plans the edits that drop the derives in `WRITTEN_BY_HAND` from the struct's `#[derive(..)]`
/// and add their impls after it. A struct that derives none of them gets no edits.
///
/// `storage_of` returns how the fixed struct stores each field. The error is the message for the
/// user when the impls cannot be written faithfully, such as for a field under `#[cfg_attr(..)]`.
pub fn plan(
    source: &str,
    info: &StructInfo,
    storage_of: impl Fn(&FieldInfo) -> Storage,
    reads: Reads,
) -> Result<Vec<TextEdit>, String> {
    // `Arc` is `Clone`, so a struct whose only new fields are shared keeps its derived `Clone`.
    let copies_on_clone = info
        .fields
        .iter()
        .any(|field| matches!(storage_of(field), Storage::Mutex | Storage::Atomic(_)));
    let derived: Vec<&str> = WRITTEN_BY_HAND
        .iter()
        .copied()
        .filter(|name| info.derives.iter().any(|derive| derive == name))
        .filter(|name| *name != "Clone" || copies_on_clone)
        .collect();
    if derived.is_empty() {
        return Ok(Vec::new());
    }
    let cannot_write = |why: String| {
        format!(
            "`{}` derives `{}`, which the new field types do not implement, and mockfix cannot write {} by hand because {why}; implement {} by hand, then run mockfix again",
            info.name,
            derived.join("`, `"),
            if derived.len() == 1 { "it" } else { "them" },
            if derived.len() == 1 { "it" } else { "them" },
        )
    };

    let mut fields = Vec::new();
    for field in &info.fields {
        let cfgs = cfg_attributes(field)
            .map_err(|attribute| cannot_write(format!("field `{}` has `{attribute}`", field.name)))?;
        // `Self(..)` cannot leave out an argument under `#[cfg(..)]`.
        if info.is_tuple && !cfgs.is_empty() {
            return Err(cannot_write(format!(
                "positional field `{}` has `#[cfg(..)]`",
                field.name
            )));
        }
        fields.push(Field {
            name: field.name.clone(),
            storage: storage_of(field),
            cfgs,
        });
    }
    let mut edits = remove_derives(source, info, &derived)
        .ok_or_else(|| cannot_write("it cannot edit the `#[derive(..)]` attribute".to_string()))?;

    let (start, end) = node_range(info.node.syntax());
    let first_code = info
        .node
        .struct_token()
        .map_or(start, |token| crate::rust::text::token_range(&token).0);
    let indent = indentation_at(source, first_code).to_string();
    let inner_indent = info.fields.first().map_or_else(
        || format!("{indent}    "),
        |field| indentation_at(source, node_range(field.node.syntax()).0).to_string(),
    );
    let writer = ImplWriter {
        node: &info.node,
        name: &info.name,
        is_tuple: info.is_tuple,
        fields,
        reads,
        unit: indent_unit(&inner_indent, &indent),
    };

    let has_type_parameters = info.node.generic_param_list().is_some_and(|list| {
        list.generic_params()
            .any(|param| matches!(param, ast::GenericParam::TypeParam(_)))
    });
    let mut lines = Vec::new();
    for name in &derived {
        lines.push(Line::blank());
        lines.extend(match *name {
            "Clone" => writer.clone_impl(),
            "PartialEq" => writer.partial_eq_impl(),
            "Eq" => writer.marker_impl("Eq"),
            // Clippy's `non_canonical_partial_ord_impl` lint expects `Some(self.cmp(other))` of an
            // `Ord` type. With type parameters that form needs `T: Ord` where the derive bounds
            // `T: PartialOrd`, so then the fields are compared one by one, as the derive does.
            "PartialOrd" if derived.contains(&"Ord") && !has_type_parameters => writer.canonical_partial_ord_impl(),
            "PartialOrd" => writer.compare_impl(Comparison::PartialCmp),
            "Ord" => writer.compare_impl(Comparison::Cmp),
            _ => unreachable!("only the derives in WRITTEN_BY_HAND are written"),
        });
    }
    let eol = line_ending_at(source, end);
    let text: Vec<String> = lines.iter().map(|line| line.render(&indent, &writer.unit)).collect();
    edits.push(TextEdit::insert(
        line_content_end(source, end),
        format!("{eol}{}", text.join(eol)),
    ));
    Ok(edits)
}

/// One field as the written impls see it.
struct Field {
    name: String,
    storage: Storage,
    /// The field's `#[cfg(..)]` attributes, repeated on each statement that reads it.
    cfgs: Vec<String>,
}

impl Field {
    /// Returns the name of the local that stores the field's value: the field's name, or
    /// `field_0` for the positional field `0`.
    fn local(&self) -> String {
        if self.name.starts_with(|c: char| c.is_ascii_digit()) {
            format!("field_{}", self.name)
        } else {
            self.name.clone()
        }
    }
}

/// Returns the field's `#[cfg(..)]` attributes, or the text of a `#[cfg_attr(..)]` attribute,
/// which may add a `cfg` that mockfix cannot see.
///
/// Other attributes, such as `#[allow(..)]`, doc comments and the helper attributes of other
/// derives, do not decide whether the field exists, so the impls ignore them.
fn cfg_attributes(field: &FieldInfo) -> Result<Vec<String>, String> {
    let mut cfgs = Vec::new();
    for attr in field.node.attrs() {
        match attr.simple_name().as_deref() {
            Some("cfg") => cfgs.push(attr.syntax().text().to_string()),
            Some("cfg_attr") => return Err("#[cfg_attr(..)]".to_string()),
            _ => {}
        }
    }
    Ok(cfgs)
}

/// The comparison that an impl makes of each pair of fields.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Comparison {
    PartialCmp,
    Cmp,
}

impl Comparison {
    fn trait_name(self) -> &'static str {
        match self {
            Comparison::PartialCmp => "PartialOrd",
            Comparison::Cmp => "Ord",
        }
    }

    /// The trait function that compares two values: `PartialOrd::partial_cmp`.
    fn function(self) -> &'static str {
        match self {
            Comparison::PartialCmp => "PartialOrd::partial_cmp",
            Comparison::Cmp => "Ord::cmp",
        }
    }

    /// Returns the result that means "equal, go on with the next field".
    fn equal(self) -> &'static str {
        match self {
            Comparison::PartialCmp => "Some(std::cmp::Ordering::Equal)",
            Comparison::Cmp => "std::cmp::Ordering::Equal",
        }
    }

    fn signature(self) -> &'static str {
        match self {
            Comparison::PartialCmp => "fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {",
            Comparison::Cmp => "fn cmp(&self, other: &Self) -> std::cmp::Ordering {",
        }
    }
}

/// A line of generated code, indented `depth` levels deeper than the struct.
struct Line {
    depth: usize,
    text: String,
}

impl Line {
    fn new(depth: usize, text: impl Into<String>) -> Line {
        Line {
            depth,
            text: text.into(),
        }
    }

    fn blank() -> Line {
        Line::new(0, "")
    }

    fn render(&self, indent: &str, unit: &str) -> String {
        if self.text.is_empty() {
            return String::new();
        }
        format!("{indent}{}{}", unit.repeat(self.depth), self.text)
    }
}

/// Writes the impls of one struct. Every read of a field goes through `member` and every
/// `Self { .. }` through `struct_literal`, the two places that know fields by name.
struct ImplWriter<'a> {
    node: &'a ast::Struct,
    name: &'a str,
    /// Built as `Self(..)` rather than `Self { .. }`.
    is_tuple: bool,
    fields: Vec<Field>,
    reads: Reads<'a>,
    /// One level of indentation as the file writes it.
    unit: String,
}

impl ImplWriter<'_> {
    /// `receiver.field`: how the impls reach a field of `self` or `other`.
    fn member(receiver: &str, field: &Field) -> String {
        format!("{receiver}.{}", field.name)
    }

    /// `Self { name: value, .. }` over `values`, one per field in declaration order, each field
    /// under its `#[cfg(..)]` attributes, or `Self(value, ..)` for a tuple struct.
    fn struct_literal(&self, depth: usize, values: &[String]) -> Vec<Line> {
        if self.is_tuple {
            let one_line = format!("Self({})", values.join(", "));
            // rustfmt's default `max_width` is 100, reckoned here with four columns per level.
            if depth * 4 + one_line.len() <= 100 {
                return vec![Line::new(depth, one_line)];
            }
            let mut lines = vec![Line::new(depth, "Self(")];
            lines.extend(values.iter().map(|value| Line::new(depth + 1, format!("{value},"))));
            lines.push(Line::new(depth, ")"));
            return lines;
        }
        let mut lines = vec![Line::new(depth, "Self {")];
        for (field, value) in self.fields.iter().zip(values) {
            lines.extend(field.cfgs.iter().map(|cfg| Line::new(depth + 1, cfg.clone())));
            lines.push(Line::new(depth + 1, format!("{}: {value},", field.name)));
        }
        lines.push(Line::new(depth, "}"));
        lines
    }

    /// Returns the `impl .. for Name<..> {` line, with `bound` added to each type parameter as the
    /// derive adds it, and the struct's `where` clause laid out as rustfmt does.
    fn header(&self, bound: &str) -> Vec<Line> {
        let (parameters, arguments) = generics(self.node, bound);
        let first = format!("impl{parameters} {bound} for {}{arguments}", self.name);
        let Some(clause) = self.node.where_clause() else {
            return vec![Line::new(0, format!("{first} {{"))];
        };
        let mut lines = vec![Line::new(0, first), Line::new(0, "where")];
        for predicate in clause.predicates() {
            lines.push(Line::new(1, format!("{},", predicate.syntax().text())));
        }
        lines.push(Line::new(0, "{"));
        lines
    }

    /// `&receiver.field` as a `&Mutex<T>`: through the `Arc` of a shared mutex.
    fn borrow_mutex(receiver: &str, field: &Field) -> String {
        match field.storage {
            Storage::SharedMutex => format!("&*{}", Self::member(receiver, field)),
            _ => format!("&{}", Self::member(receiver, field)),
        }
    }

    fn lock(&self, receiver: &str, field: &Field) -> String {
        format!("{}.{}", Self::member(receiver, field), self.reads.lock_call)
    }

    fn load(&self, receiver: &str, field: &Field) -> String {
        format!(
            "{}.load(Ordering::{})",
            Self::member(receiver, field),
            self.reads.load_ordering
        )
    }

    fn has_mutex_fields(&self) -> bool {
        self.fields
            .iter()
            .any(|field| matches!(field.storage, Storage::Mutex | Storage::SharedMutex))
    }

    /// Locks each `Mutex` field in a statement of its own, so that no two locks are held at once,
    /// and copies the value. `Clone::clone(&x)` rather than `x.clone()`, as the derive writes it,
    /// because Clippy rejects `.clone()` on a `Copy` value, such as the `u32` in a `RefCell<u32>`.
    fn clone_impl(&self) -> Vec<Line> {
        let mut lines = self.header("Clone");
        lines.push(Line::new(1, "fn clone(&self) -> Self {"));
        let mut values = Vec::new();
        for field in &self.fields {
            let value = match &field.storage {
                Storage::Plain | Storage::SharedMutex => format!("Clone::clone(&{})", Self::member("self", field)),
                Storage::Mutex => {
                    lines.extend(field.cfgs.iter().map(|cfg| Line::new(2, cfg.clone())));
                    lines.push(Line::new(
                        2,
                        format!("let {} = Clone::clone(&*{});", field.local(), self.lock("self", field)),
                    ));
                    format!("Mutex::new({})", field.local())
                }
                Storage::Atomic(atomic) => format!("{atomic}::new({})", self.load("self", field)),
            };
            values.push(value);
        }
        lines.extend(self.struct_literal(2, &values));
        lines.push(Line::new(1, "}"));
        lines.push(Line::new(0, "}"));
        lines
    }

    fn marker_impl(&self, name: &str) -> Vec<Line> {
        let mut lines = self.header(name);
        if let Some(last) = lines.last_mut() {
            last.text.push('}');
        }
        lines
    }

    fn partial_eq_impl(&self) -> Vec<Line> {
        let mut lines = self.header("PartialEq");
        lines.push(Line::new(1, "fn eq(&self, other: &Self) -> bool {"));
        if self.has_mutex_fields() {
            lines.extend(self.compare_locked_helper(2));
            lines.push(Line::blank());
        }
        for field in &self.fields {
            lines.extend(field.cfgs.iter().map(|cfg| Line::new(2, cfg.clone())));
            let differs = match &field.storage {
                Storage::Plain => format!("{} != {}", Self::member("self", field), Self::member("other", field)),
                Storage::Mutex | Storage::SharedMutex => format!(
                    "!compare_locked({}, {}, PartialEq::eq)",
                    Self::borrow_mutex("self", field),
                    Self::borrow_mutex("other", field)
                ),
                // One atomic read twice could give two values, and an integer or `bool` always
                // equals itself.
                Storage::Atomic(_) => format!(
                    "!std::ptr::eq(self, other) && {} != {}",
                    self.load("self", field),
                    self.load("other", field)
                ),
            };
            lines.push(Line::new(2, format!("if {differs} {{")));
            lines.push(Line::new(3, "return false;"));
            lines.push(Line::new(2, "}"));
        }
        lines.push(Line::new(2, "true"));
        lines.push(Line::new(1, "}"));
        lines.push(Line::new(0, "}"));
        lines
    }

    fn canonical_partial_ord_impl(&self) -> Vec<Line> {
        let mut lines = self.header("PartialOrd");
        lines.extend([
            Line::new(1, Comparison::PartialCmp.signature()),
            Line::new(2, "Some(self.cmp(other))"),
            Line::new(1, "}"),
            Line::new(0, "}"),
        ]);
        lines
    }

    fn compare_impl(&self, comparison: Comparison) -> Vec<Line> {
        let mut lines = self.header(comparison.trait_name());
        lines.push(Line::new(1, comparison.signature()));
        if self.has_mutex_fields() {
            lines.extend(self.compare_locked_helper(2));
            lines.push(Line::blank());
        }
        let function = comparison.function();
        for field in &self.fields {
            lines.extend(field.cfgs.iter().map(|cfg| Line::new(2, cfg.clone())));
            let (ordering, depth) = match &field.storage {
                Storage::Plain => (
                    format!(
                        "{function}(&{}, &{})",
                        Self::member("self", field),
                        Self::member("other", field)
                    ),
                    2,
                ),
                Storage::Mutex | Storage::SharedMutex => (
                    format!(
                        "compare_locked({}, {}, {function})",
                        Self::borrow_mutex("self", field),
                        Self::borrow_mutex("other", field)
                    ),
                    2,
                ),
                Storage::Atomic(_) => {
                    // An integer or `bool` compares equal to itself.
                    lines.push(Line::new(2, "if !std::ptr::eq(self, other) {"));
                    (
                        format!(
                            "{function}(&{}, &{})",
                            self.load("self", field),
                            self.load("other", field)
                        ),
                        3,
                    )
                }
            };
            lines.push(Line::new(depth, format!("match {ordering} {{")));
            lines.push(Line::new(depth + 1, format!("{} => {{}}", comparison.equal())));
            lines.push(Line::new(depth + 1, "ordering => return ordering,"));
            lines.push(Line::new(depth, "}"));
            if depth == 3 {
                lines.push(Line::new(2, "}"));
            }
        }
        lines.push(Line::new(2, comparison.equal()));
        lines.push(Line::new(1, "}"));
        lines.push(Line::new(0, "}"));
        lines
    }

    /// A function, local to the comparing method, that compares the values of two mutexes.
    ///
    /// Comparing a double with itself passes one mutex twice, which is locked once, and its value
    /// is compared with itself, so `a == a` cannot deadlock and keeps the derived result even for a
    /// NaN. Two different mutexes are locked lowest address first, so that two threads comparing
    /// `a == b` and `b == a` take the locks in the same order and cannot deadlock. Both are
    /// released before the next field is compared. Cloning one value out first would hold one lock
    /// at a time, but needs `T: Clone`, which the derive did not ask for.
    fn compare_locked_helper(&self, depth: usize) -> Vec<Line> {
        let lock = self.reads.lock_call;
        [
            (
                0,
                "/// Compares the values of two mutexes. A mutex compared with itself is locked once, and",
            ),
            (
                0,
                "/// two are locked lowest address first, so that every thread takes them in one order.",
            ),
            (0, "fn compare_locked<T, R>("),
            (1, "left: &Mutex<T>,"),
            (1, "right: &Mutex<T>,"),
            (1, "compare: impl FnOnce(&T, &T) -> R,"),
            (0, ") -> R {"),
            (1, "if std::ptr::eq(left, right) {"),
            (2, &format!("let value = left.{lock};")),
            (2, "return compare(&value, &value);"),
            (1, "}"),
            (
                1,
                "let left_first = (left as *const Mutex<T>) < (right as *const Mutex<T>);",
            ),
            (1, "let (left_value, right_value) = if left_first {"),
            (2, &format!("let left_value = left.{lock};")),
            (2, &format!("(left_value, right.{lock})")),
            (1, "} else {"),
            (2, &format!("let right_value = right.{lock};")),
            (2, &format!("(left.{lock}, right_value)")),
            (1, "};"),
            (1, "compare(&left_value, &right_value)"),
            (0, "}"),
        ]
        .into_iter()
        .map(|(offset, text)| Line::new(depth + offset, text))
        .collect()
    }
}

/// Plans the edits that remove `names` from the struct's `#[derive(..)]` attributes, and an
/// attribute as a whole when it derives nothing else. Returns `None` when a name is not found.
fn remove_derives(source: &str, info: &StructInfo, names: &[&str]) -> Option<Vec<TextEdit>> {
    let mut edits = Vec::new();
    let mut found = 0;
    for attr in info.node.attrs() {
        let Some((name, token_tree)) = attr.as_simple_call() else {
            continue;
        };
        if name != "derive" {
            continue;
        }
        let entries = derive_entries(&token_tree);
        let removed: Vec<bool> = entries
            .iter()
            .map(|entry| names.contains(&entry.name.as_str()))
            .collect();
        found += removed.iter().filter(|removed| **removed).count();
        if !removed.contains(&true) {
            continue;
        }
        if removed.iter().all(|removed| *removed) {
            edits.push(delete_attribute(source, &attr));
            continue;
        }
        // Each run of removed entries goes with the separator after it, or, at the end of the
        // list, with the separator before it.
        let mut index = 0;
        while index < entries.len() {
            if !removed[index] {
                index += 1;
                continue;
            }
            let first = index;
            while index < entries.len() && removed[index] {
                index += 1;
            }
            if index < entries.len() {
                edits.push(TextEdit::delete(entries[first].start, entries[index].start));
            } else {
                edits.push(TextEdit::delete(entries[first - 1].end, entries[index - 1].end));
            }
        }
    }
    (found >= names.len()).then_some(edits)
}

/// One path in `#[derive(..)]`: its byte range and its last segment, such as `Clone` for
/// `std::clone::Clone`.
struct DeriveEntry {
    start: usize,
    end: usize,
    name: String,
}

fn derive_entries(token_tree: &ast::TokenTree) -> Vec<DeriveEntry> {
    let mut entries = Vec::new();
    let mut current: Option<DeriveEntry> = None;
    for element in token_tree.syntax().children_with_tokens() {
        let NodeOrToken::Token(token) = element else {
            continue;
        };
        match token.kind() {
            T!['('] => {}
            T![,] | T![')'] => entries.extend(current.take()),
            kind if kind.is_trivia() => {}
            kind => {
                let (start, end) = crate::rust::text::token_range(&token);
                let entry = current.get_or_insert(DeriveEntry {
                    start,
                    end,
                    name: String::new(),
                });
                entry.end = end;
                if kind == SyntaxKind::IDENT {
                    entry.name = token.text().to_string();
                }
            }
        }
    }
    entries
}

/// Returns the edit that removes an attribute, with its line when the attribute is alone on it,
/// and otherwise with the spaces after it.
fn delete_attribute(source: &str, attr: &ast::Attr) -> TextEdit {
    let (start, end) = node_range(attr.syntax());
    let line_begin = line_start(source, start);
    let content_end = line_content_end(source, end);
    if source[line_begin..start].trim().is_empty() && source[end..content_end].trim().is_empty() {
        let next_line = source[content_end..]
            .find('\n')
            .map_or(source.len(), |i| content_end + i + 1);
        return TextEdit::delete(line_begin, next_line);
    }
    let spaces = source[end..content_end].len() - source[end..content_end].trim_start_matches([' ', '\t']).len();
    TextEdit::delete(start, end + spaces)
}

/// Returns the impl's generic parameters, with `bound` added to each type parameter as the derive does,
/// and the type's arguments: `(<T: Clone>, <T>)`.
fn generics(node: &ast::Struct, bound: &str) -> (String, String) {
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
                parameters.push(format!("{name}: {bounds}{bound}"));
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

#[cfg(test)]
mod tests {
    use ra_ap_syntax::{Edition, SourceFile};

    use super::*;
    use crate::rust::index::FileIndex;

    /// Returns `source` with `names` removed from the derives of its first struct.
    fn without_derives(source: &str, names: &[&str]) -> String {
        let file = SourceFile::parse(source, Edition::Edition2021).tree();
        let index = FileIndex::build(&file);
        let mut edits = remove_derives(source, &index.structs[0], names)
            .unwrap_or_else(|| panic!("a name is not derived in {source:?}"));
        crate::edit::normalize(&mut edits).expect("the edits do not overlap");
        crate::edit::apply(source, &edits)
    }

    #[test]
    fn derive_entries_removed_in_place() {
        let cases = [
            (
                "#[derive(Debug, Clone, PartialEq, Default)]\nstruct A;\n",
                "#[derive(Debug, Default)]\nstruct A;\n",
            ),
            (
                "#[derive(Debug, Clone, PartialEq)]\nstruct A;\n",
                "#[derive(Debug)]\nstruct A;\n",
            ),
            (
                "#[derive(Clone, PartialEq, Debug)]\nstruct A;\n",
                "#[derive(Debug)]\nstruct A;\n",
            ),
            (
                "#[derive(Clone, Debug, PartialEq,)]\nstruct A;\n",
                "#[derive(Debug,)]\nstruct A;\n",
            ),
            (
                "#[derive(\n    Clone,\n    Debug,\n    PartialEq,\n)]\nstruct A;\n",
                "#[derive(\n    Debug,\n)]\nstruct A;\n",
            ),
            (
                "#[derive(std::clone::Clone, Debug, core::cmp::PartialEq)]\nstruct A;\n",
                "#[derive(Debug)]\nstruct A;\n",
            ),
            (
                "/// Docs.\n#[derive(Clone, PartialEq)]\n#[derive(Debug)]\nstruct A;\n",
                "/// Docs.\n#[derive(Debug)]\nstruct A;\n",
            ),
            (
                "#[derive(Clone)] #[derive(Debug, PartialEq)]\nstruct A;\n",
                "#[derive(Debug)]\nstruct A;\n",
            ),
        ];
        for (source, expected) in cases {
            assert_eq!(without_derives(source, &["Clone", "PartialEq"]), expected, "{source:?}");
        }
    }

    #[test]
    fn derive_missing_from_list_is_none() {
        let source = "#[derive(Debug)]\nstruct A;\n";
        let file = SourceFile::parse(source, Edition::Edition2021).tree();
        let index = FileIndex::build(&file);
        assert!(remove_derives(source, &index.structs[0], &["Clone"]).is_none());
    }
}

//! The file index: the package name, the imports, the struct types of one Go file with their
//! fields, and the methods declared on each, found once and shared by every rule.

use tree_sitter::Node;

use super::syntax::{descendants, field_children, named_children, text};

/// A `sync` mutex type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MutexKind {
    Mutex,
    RwMutex,
}

impl MutexKind {
    pub fn type_name(self) -> &'static str {
        match self {
            MutexKind::Mutex => "Mutex",
            MutexKind::RwMutex => "RWMutex",
        }
    }
}

#[derive(Clone, Debug)]
pub struct FieldInfo<'t> {
    /// The declared names; empty for an embedded field.
    pub names: Vec<String>,
    /// The `field_declaration` node.
    pub node: Node<'t>,
    /// The field's type written without spaces, such as `map[string][]byte`.
    pub type_text: String,
    /// The type is a function type, so methods may call the field.
    pub is_func: bool,
    /// The field is a `sync.Mutex` or `sync.RWMutex` value, which a fix can lock.
    pub mutex: Option<MutexKind>,
    /// The type synchronizes itself (a `sync` or `sync/atomic` type, or a channel), so its uses
    /// are not unsynchronized state.
    pub synchronized: bool,
}

impl FieldInfo<'_> {
    pub fn is_embedded(&self) -> bool {
        self.names.is_empty()
    }

    /// Returns the names a selector uses to reach the field: its declared names, or for an
    /// embedded field the type's name without package and pointer, such as `Mutex`.
    pub fn selector_names(&self) -> Vec<String> {
        if !self.is_embedded() {
            return self.names.clone();
        }
        let bare = self.type_text.trim_start_matches('*');
        let bare = bare.split('[').next().unwrap_or(bare);
        vec![bare.rsplit('.').next().unwrap_or(bare).to_string()]
    }
}

#[derive(Clone, Debug)]
pub struct StructInfo<'t> {
    pub name: String,
    /// The `type_declaration` that contains the struct's `type_spec`, for comments and errors.
    pub declaration: Node<'t>,
    /// The struct's `field_declaration_list`.
    pub field_list: Node<'t>,
    pub fields: Vec<FieldInfo<'t>>,
    /// Byte range of the struct's name.
    pub name_range: (usize, usize),
    /// Another type of this file has the same name, so methods cannot be matched to it by name.
    pub name_is_ambiguous: bool,
}

impl<'t> StructInfo<'t> {
    /// Finds the field that the selector name `name` reaches.
    pub fn field(&self, name: &str) -> Option<&FieldInfo<'t>> {
        self.fields
            .iter()
            .find(|field| field.selector_names().iter().any(|known| known == name))
    }
}

#[derive(Clone, Debug)]
pub struct MethodInfo<'t> {
    pub name: String,
    /// The `method_declaration` node.
    pub node: Node<'t>,
    /// The receiver's name; `None` when it has none or is `_`, so the body cannot reach it.
    pub receiver: Option<String>,
    /// The receiver's type name, without `*` and type arguments.
    pub receiver_type: String,
    /// `func (m *T)`: the method can change the value it is called on.
    pub pointer: bool,
    pub body: Option<Node<'t>>,
    /// Names of the parameters whose type is a function type.
    pub func_params: Vec<String>,
}

impl MethodInfo<'_> {
    /// Whether other packages can call the method: its name starts with an upper-case letter.
    pub fn is_exported(&self) -> bool {
        self.name.chars().next().is_some_and(char::is_uppercase)
    }
}

/// One import spec: `"sync"` or `name "path"`.
#[derive(Clone, Debug)]
pub struct ImportSpec<'t> {
    pub path: String,
    /// The explicit package name: an alias, `_` or `.`.
    pub name: Option<String>,
    pub node: Node<'t>,
}

/// One `import` declaration: a single spec or a parenthesized group.
#[derive(Clone, Debug)]
pub struct ImportDecl<'t> {
    pub node: Node<'t>,
    /// The `import_spec_list` of a grouped declaration.
    pub group: Option<Node<'t>>,
    pub specs: Vec<ImportSpec<'t>>,
}

pub struct FileIndex<'t> {
    pub root: Node<'t>,
    /// The name in the `package` clause.
    pub package: String,
    pub package_clause: Option<Node<'t>>,
    pub imports: Vec<ImportDecl<'t>>,
    pub structs: Vec<StructInfo<'t>>,
    /// Every method declaration of the file.
    pub methods: Vec<MethodInfo<'t>>,
}

impl<'t> FileIndex<'t> {
    pub fn build(root: Node<'t>, source: &str) -> FileIndex<'t> {
        let mut package = String::new();
        let mut package_clause = None;
        let mut imports = Vec::new();
        let mut type_names = Vec::new();
        let mut specs = Vec::new();
        let mut methods = Vec::new();
        for item in named_children(root) {
            match item.kind() {
                "package_clause" => {
                    package_clause = Some(item);
                    if let Some(name) = named_children(item)
                        .into_iter()
                        .find(|child| child.kind() == "package_identifier")
                    {
                        package = text(name, source).to_string();
                    }
                }
                "import_declaration" => imports.push(import_declaration(item, source)),
                "type_declaration" => {
                    for spec in named_children(item) {
                        if let Some(name) = spec.child_by_field_name("name") {
                            type_names.push(text(name, source).to_string());
                        }
                        if spec.kind() == "type_spec" {
                            specs.push((item, spec));
                        }
                    }
                }
                "method_declaration" => methods.extend(method_info(item, source)),
                _ => {}
            }
        }

        let sync_name = package_name_of(&imports, "sync");
        let structs = specs
            .into_iter()
            .filter_map(|(declaration, spec)| struct_info(declaration, spec, source, sync_name.as_deref()))
            .map(|mut info| {
                info.name_is_ambiguous = type_names.iter().filter(|name| **name == info.name).count() > 1;
                info
            })
            .collect();
        FileIndex {
            root,
            package,
            package_clause,
            imports,
            structs,
            methods,
        }
    }

    /// The methods declared on the type `name`.
    pub fn methods_of(&self, name: &str) -> Vec<MethodInfo<'t>> {
        self.methods
            .iter()
            .filter(|method| method.receiver_type == name)
            .cloned()
            .collect()
    }

    /// The name that this file's code uses for the package with import path `path`, or `None`
    /// when the file does not import it under a usable name.
    pub fn package_name(&self, path: &str) -> Option<String> {
        package_name_of(&self.imports, path)
    }
}

/// The name under which `imports` make the package at `path` usable: its last path element or
/// its alias; `.` for a dot import. A blank import (`_`) makes no name.
fn package_name_of(imports: &[ImportDecl], path: &str) -> Option<String> {
    let spec = imports
        .iter()
        .flat_map(|decl| decl.specs.iter())
        .find(|spec| spec.path == path && spec.name.as_deref() != Some("_"))?;
    Some(match &spec.name {
        Some(name) => name.clone(),
        None => path.rsplit('/').next().unwrap_or(path).to_string(),
    })
}

fn import_declaration<'t>(node: Node<'t>, source: &str) -> ImportDecl<'t> {
    let group = named_children(node)
        .into_iter()
        .find(|child| child.kind() == "import_spec_list");
    let spec_nodes: Vec<Node<'t>> = match group {
        Some(list) => named_children(list)
            .into_iter()
            .filter(|child| child.kind() == "import_spec")
            .collect(),
        None => named_children(node)
            .into_iter()
            .filter(|child| child.kind() == "import_spec")
            .collect(),
    };
    let specs = spec_nodes
        .into_iter()
        .filter_map(|spec| {
            let path = spec.child_by_field_name("path")?;
            let path = text(path, source).trim_matches(['"', '`']).to_string();
            let name = spec
                .child_by_field_name("name")
                .map(|name| text(name, source).to_string());
            Some(ImportSpec { path, name, node: spec })
        })
        .collect();
    ImportDecl { node, group, specs }
}

fn struct_info<'t>(
    declaration: Node<'t>,
    spec: Node<'t>,
    source: &str,
    sync_name: Option<&str>,
) -> Option<StructInfo<'t>> {
    let name = spec.child_by_field_name("name")?;
    let struct_type = spec.child_by_field_name("type")?;
    if struct_type.kind() != "struct_type" {
        return None;
    }
    let field_list = named_children(struct_type)
        .into_iter()
        .find(|child| child.kind() == "field_declaration_list")?;
    let fields = named_children(field_list)
        .into_iter()
        .filter(|child| child.kind() == "field_declaration")
        .filter_map(|field| field_info(field, source, sync_name))
        .collect();
    Some(StructInfo {
        name: text(name, source).to_string(),
        declaration,
        field_list,
        fields,
        name_range: (name.start_byte(), name.end_byte()),
        name_is_ambiguous: false,
    })
}

fn field_info<'t>(node: Node<'t>, source: &str, sync_name: Option<&str>) -> Option<FieldInfo<'t>> {
    let names = field_children(node, "name")
        .into_iter()
        .map(|name| text(name, source).to_string())
        .collect();
    let field_type = node.child_by_field_name("type")?;
    let type_text: String = text(field_type, source).split_whitespace().collect();
    let is_func = field_type.kind() == "function_type";
    let qualified = |package: &str, type_name: &str| match package {
        "." => type_text == type_name,
        package => type_text == format!("{package}.{type_name}"),
    };
    let mutex = sync_name.and_then(|sync| {
        if qualified(sync, "Mutex") {
            Some(MutexKind::Mutex)
        } else if qualified(sync, "RWMutex") {
            Some(MutexKind::RwMutex)
        } else {
            None
        }
    });
    let bare = type_text.trim_start_matches('*');
    let synchronized = sync_name.is_some_and(|sync| bare.starts_with(&format!("{sync}.")))
        || bare.starts_with("atomic.")
        || field_type.kind() == "channel_type";
    Some(FieldInfo {
        names,
        node,
        type_text,
        is_func,
        mutex,
        synchronized,
    })
}

fn method_info<'t>(node: Node<'t>, source: &str) -> Option<MethodInfo<'t>> {
    let name = text(node.child_by_field_name("name")?, source).to_string();
    let receiver_list = node.child_by_field_name("receiver")?;
    let receiver = named_children(receiver_list)
        .into_iter()
        .find(|child| child.kind() == "parameter_declaration")?;
    let receiver_name = receiver
        .child_by_field_name("name")
        .map(|name| text(name, source).to_string())
        .filter(|name| name != "_");
    let mut receiver_type = receiver.child_by_field_name("type")?;
    let pointer = receiver_type.kind() == "pointer_type";
    if pointer {
        receiver_type = named_children(receiver_type).into_iter().next()?;
    }
    if receiver_type.kind() == "generic_type" {
        receiver_type = receiver_type.child_by_field_name("type")?;
    }
    let func_params = node
        .child_by_field_name("parameters")
        .map(|params| {
            named_children(params)
                .into_iter()
                .filter(|param| {
                    param
                        .child_by_field_name("type")
                        .is_some_and(|param_type| param_type.kind() == "function_type")
                })
                .flat_map(|param| field_children(param, "name"))
                .map(|name| text(name, source).to_string())
                .collect()
        })
        .unwrap_or_default();
    Some(MethodInfo {
        name,
        node,
        receiver: receiver_name,
        receiver_type: text(receiver_type, source).to_string(),
        pointer,
        body: node.child_by_field_name("body"),
        func_params,
    })
}

/// The composite literals of the struct `name` in the subtree of `node`: `T{...}`, including
/// those under `&`.
pub fn composite_literals<'t>(node: Node<'t>, name: &str, source: &str) -> Vec<Node<'t>> {
    descendants(node)
        .into_iter()
        .filter(|candidate| candidate.kind() == "composite_literal")
        .filter(|literal| {
            literal.child_by_field_name("type").is_some_and(|literal_type| {
                let base = if literal_type.kind() == "generic_type" {
                    literal_type.child_by_field_name("type")
                } else {
                    Some(literal_type)
                };
                base.is_some_and(|base| base.kind() == "type_identifier" && text(base, source) == name)
            })
        })
        .collect()
}

/// Whether the composite literal lists values by position, as in `T{a, b}`, so that a new
/// field breaks it. An empty literal, `T{}`, names no fields and is not positional.
pub fn is_positional(literal: Node) -> bool {
    literal.child_by_field_name("body").is_some_and(|body| {
        named_children(body)
            .into_iter()
            .any(|element| element.kind() == "literal_element")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::syntax::parse;

    const SOURCE: &str = r#"package fakes

import (
	"fmt"
	s "sync"
)

type FakeStore struct {
	s.Mutex
	data     map[string]string
	a, b     int
	OnSet    func(key string)
	lock     s.RWMutex
	updates  chan string
}

func (f *FakeStore) Set(k, v string, done func()) { f.data[k] = v }
func (FakeStore) Name() string { return fmt.Sprint("x") }
"#;

    #[test]
    fn index_reads_fields_and_methods() {
        let tree = parse(SOURCE).unwrap();
        let index = FileIndex::build(tree.root_node(), SOURCE);
        assert_eq!(index.package, "fakes");
        assert_eq!(index.package_name("sync").as_deref(), Some("s"));
        let info = &index.structs[0];
        assert_eq!(info.name, "FakeStore");
        let embedded = &info.fields[0];
        assert!(embedded.is_embedded());
        assert_eq!(embedded.selector_names(), vec!["Mutex".to_string()]);
        assert_eq!(embedded.mutex, Some(MutexKind::Mutex));
        assert_eq!(info.field("b").unwrap().names, vec!["a".to_string(), "b".to_string()]);
        assert!(info.field("OnSet").unwrap().is_func);
        assert_eq!(info.field("lock").unwrap().mutex, Some(MutexKind::RwMutex));
        assert!(info.field("updates").unwrap().synchronized);
        assert!(!info.field("data").unwrap().synchronized);

        let methods = index.methods_of("FakeStore");
        assert_eq!(methods.len(), 2);
        assert_eq!(methods[0].receiver.as_deref(), Some("f"));
        assert!(methods[0].pointer);
        assert_eq!(methods[0].func_params, vec!["done".to_string()]);
        assert_eq!(methods[1].receiver, None);
        assert!(!methods[1].pointer);
    }
}

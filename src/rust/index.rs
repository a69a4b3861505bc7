//! The file index: the structs of one file, their fields, and the impls and methods that belong
//! to each, found once and shared by every rule.

use std::cell::OnceCell;
use std::collections::HashMap;

use ra_ap_syntax::ast::{self, HasAttrs, HasGenericArgs, HasModuleItem, HasName, HasVisibility};
use ra_ap_syntax::{AstNode, SyntaxKind, SyntaxNode, SyntaxToken};

use super::text::{conditional_derive_names, derive_names, node_range, squeeze};

/// A field whose type is recognised as interior-mutable state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    RefCell,
    /// `Cell<T>`: not `Sync`; integers and `bool` have atomic counterparts.
    Cell,
    /// `Rc<T>`, usually `Rc<RefCell<T>>` shared with the test: neither `Send` nor `Sync`.
    Rc,
    /// `UnsafeCell<T>`: not `Sync`; a struct shares one only behind `unsafe impl Sync`.
    UnsafeCell,
    Atomic,
    /// `Mutex<()>`, from `std::sync` or written as `tokio::sync::Mutex<()>`: a guard field,
    /// possibly added by an earlier run.
    UnitMutex,
    Other,
}

#[derive(Clone, Debug)]
pub struct FieldInfo {
    /// The field's name, or its position (`"0"`) in a tuple struct.
    pub name: String,
    pub node: FieldNode,
    pub kind: FieldKind,
}

/// A field declaration: named in a record struct, positional in a tuple struct.
#[derive(Clone, Debug)]
pub enum FieldNode {
    Named(ast::RecordField),
    Positional(ast::TupleField),
}

impl FieldNode {
    pub fn ty(&self) -> Option<ast::Type> {
        match self {
            FieldNode::Named(field) => field.ty(),
            FieldNode::Positional(field) => field.ty(),
        }
    }

    pub fn syntax(&self) -> &SyntaxNode {
        match self {
            FieldNode::Named(field) => field.syntax(),
            FieldNode::Positional(field) => field.syntax(),
        }
    }

    pub fn visibility(&self) -> Option<ast::Visibility> {
        match self {
            FieldNode::Named(field) => field.visibility(),
            FieldNode::Positional(field) => field.visibility(),
        }
    }

    pub fn attrs(&self) -> ast::AstChildren<ast::Attr> {
        match self {
            FieldNode::Named(field) => field.attrs(),
            FieldNode::Positional(field) => field.attrs(),
        }
    }
}

/// How a method takes `self`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelfKind {
    Shared,
    Exclusive,
    Owned,
    /// An associated function without `self`, such as `new`.
    None,
}

#[derive(Clone, Debug)]
pub struct MethodInfo {
    pub name: String,
    pub node: ast::Fn,
    pub self_kind: SelfKind,
    /// Callable from outside the impl: `pub` or part of a trait impl.
    pub is_public: bool,
}

#[derive(Clone, Debug)]
pub struct StructInfo {
    pub name: String,
    pub node: ast::Struct,
    /// Named fields of a record struct, or positional fields of a tuple struct; empty for a unit
    /// struct.
    pub fields: Vec<FieldInfo>,
    pub is_record: bool,
    /// Declared as `struct MockX(A, B);`, built by calls such as `MockX(a, b)`.
    pub is_tuple: bool,
    pub derives: Vec<String>,
    /// Names derived under `#[cfg_attr(.., derive(..))]`, which fixes do not edit.
    pub conditional_derives: Vec<String>,
    /// The `unsafe impl Sync` or `unsafe impl Send` items for this struct.
    pub unsafe_impls: Vec<ast::Impl>,
    pub impls: Vec<ast::Impl>,
    pub methods: Vec<MethodInfo>,
    /// Another struct of this file has the same name, so impls cannot be told apart by name.
    pub name_is_ambiguous: bool,
}

impl StructInfo {
    pub fn fields_of_kind(&self, kind: FieldKind) -> impl Iterator<Item = &FieldInfo> {
        self.fields.iter().filter(move |field| field.kind == kind)
    }

    pub fn field(&self, name: &str) -> Option<&FieldInfo> {
        self.fields.iter().find(|field| field.name == name)
    }

    pub fn method(&self, name: &str) -> Option<&MethodInfo> {
        self.methods.iter().find(|method| method.name == name)
    }

    /// Whether `offset` lies inside one of this struct's impls.
    pub fn impl_contains(&self, offset: usize) -> bool {
        self.impls.iter().any(|item| {
            let (start, end) = node_range(item.syntax());
            start <= offset && offset < end
        })
    }
}

pub struct FileIndex {
    pub structs: Vec<StructInfo>,
    /// Every impl of the file, of structs defined here or elsewhere.
    pub impls: Vec<ast::Impl>,
    root: SyntaxNode,
    /// Every token of the file that is not whitespace or a comment, in order, collected on first
    /// use, because most files have no double and no strategy looks at their tokens.
    tokens: OnceCell<Vec<SyntaxToken>>,
    /// Every struct literal of the file, such as `MockMailer { .. }` or `Self { .. }`.
    pub record_exprs: Vec<ast::RecordExpr>,
    /// Every call of a capitalised path, such as `MockLog(..)` or `Self(..)`: the ones that build
    /// tuple structs, among enum variants and other calls.
    pub capitalised_calls: Vec<ast::CallExpr>,
}

impl FileIndex {
    pub fn build(file: &ast::SourceFile) -> FileIndex {
        let root = file.syntax();
        let mut structs: Vec<StructInfo> = Vec::new();
        let mut impls: Vec<ast::Impl> = Vec::new();
        let mut record_exprs = Vec::new();
        let mut capitalised_calls = Vec::new();
        for node in root.descendants() {
            if let Some(item) = ast::Struct::cast(node.clone()) {
                structs.extend(struct_info(item));
            } else if let Some(item) = ast::Impl::cast(node.clone()) {
                impls.push(item);
            } else if let Some(literal) = ast::RecordExpr::cast(node.clone()) {
                record_exprs.push(literal);
            } else if let Some(call) = ast::CallExpr::cast(node) {
                if call_path(&call).and_then(|path| path.segment()).is_some_and(|segment| {
                    segment
                        .syntax()
                        .text()
                        .char_at(0.into())
                        .is_some_and(|c| c.is_uppercase())
                }) {
                    capitalised_calls.push(call);
                }
            }
        }

        // Group impls and structs by name once: comparing every struct with every impl is
        // quadratic and takes minutes on generated files with thousands of items.
        let mut impls_by_name: HashMap<String, Vec<&ast::Impl>> = HashMap::new();
        for item in &impls {
            if let Some(name) = impl_self_name(item) {
                impls_by_name.entry(name).or_default().push(item);
            }
        }
        let mut struct_counts: HashMap<String, usize> = HashMap::new();
        for info in &structs {
            *struct_counts.entry(info.name.clone()).or_default() += 1;
        }
        for info in &mut structs {
            info.name_is_ambiguous = struct_counts[&info.name] > 1;
            for item in impls_by_name.get(&info.name).into_iter().flatten().copied() {
                if item.unsafe_token().is_some()
                    && item
                        .assoc_item_list()
                        .is_none_or(|list| list.assoc_items().next().is_none())
                {
                    info.unsafe_impls.push(item.clone());
                    continue;
                }
                info.methods.extend(methods_of(item));
                info.impls.push(item.clone());
            }
        }

        FileIndex {
            structs,
            impls,
            record_exprs,
            capitalised_calls,
            root: root.clone(),
            tokens: OnceCell::new(),
        }
    }

    /// Every token of the file that is not whitespace or a comment, in order.
    pub fn tokens(&self) -> &[SyntaxToken] {
        self.tokens.get_or_init(|| {
            self.root
                .descendants_with_tokens()
                .filter_map(|element| element.into_token())
                .filter(|token| !token.kind().is_trivia())
                .collect()
        })
    }

    /// The impls of this file whose self type is named `name`, other than empty `unsafe impl`s.
    pub fn impls_of(&self, name: &str) -> Vec<ast::Impl> {
        self.impls
            .iter()
            .filter(|item| impl_self_name(item).as_deref() == Some(name))
            .filter(|item| {
                item.unsafe_token().is_none()
                    || item
                        .assoc_item_list()
                        .is_some_and(|list| list.assoc_items().next().is_some())
            })
            .cloned()
            .collect()
    }
}

/// Returns the callee of a call when the callee is a plain path: `MockLog` in `MockLog(x)`.
pub fn call_path(call: &ast::CallExpr) -> Option<ast::Path> {
    let ast::Expr::PathExpr(callee) = call.expr()? else {
        return None;
    };
    callee.path()
}

/// The functions of an impl block.
pub fn methods_of(item: &ast::Impl) -> Vec<MethodInfo> {
    let in_trait_impl = item.trait_().is_some();
    let mut methods = Vec::new();
    for function in item.assoc_item_list().into_iter().flat_map(|list| list.assoc_items()) {
        let ast::AssocItem::Fn(function) = function else {
            continue;
        };
        let Some(name) = function.name() else { continue };
        methods.push(MethodInfo {
            name: name.text().to_string(),
            self_kind: self_kind(&function),
            is_public: in_trait_impl || function.visibility().is_some(),
            node: function,
        });
    }
    methods
}

fn struct_info(node: ast::Struct) -> Option<StructInfo> {
    let name = node.name()?.text().to_string();
    let mut fields = Vec::new();
    let is_record = matches!(node.field_list(), Some(ast::FieldList::RecordFieldList(_)));
    let is_tuple = matches!(node.field_list(), Some(ast::FieldList::TupleFieldList(_)));
    match node.field_list() {
        Some(ast::FieldList::RecordFieldList(list)) => {
            for field in list.fields() {
                let Some(field_name) = field.name() else { continue };
                let kind = field.ty().map_or(FieldKind::Other, |ty| field_kind(&ty));
                fields.push(FieldInfo {
                    name: field_name.text().to_string(),
                    node: FieldNode::Named(field),
                    kind,
                });
            }
        }
        Some(ast::FieldList::TupleFieldList(list)) => {
            for (position, field) in list.fields().enumerate() {
                let kind = field.ty().map_or(FieldKind::Other, |ty| field_kind(&ty));
                fields.push(FieldInfo {
                    name: position.to_string(),
                    node: FieldNode::Positional(field),
                    kind,
                });
            }
        }
        None => {}
    }
    let derives = derive_names(&node);
    let conditional_derives = conditional_derive_names(&node);
    Some(StructInfo {
        name,
        node,
        fields,
        is_record,
        is_tuple,
        derives,
        conditional_derives,
        unsafe_impls: Vec::new(),
        impls: Vec::new(),
        methods: Vec::new(),
        name_is_ambiguous: false,
    })
}

/// The last path segment of an impl's self type: `MockMailer` for `impl<T> a::MockMailer<T>`.
fn impl_self_name(item: &ast::Impl) -> Option<String> {
    let ast::Type::PathType(path_type) = item.self_ty()? else {
        return None;
    };
    let segment = path_type.path()?.segment()?;
    Some(segment.name_ref()?.text().to_string())
}

fn self_kind(function: &ast::Fn) -> SelfKind {
    let Some(self_param) = function.param_list().and_then(|params| params.self_param()) else {
        return SelfKind::None;
    };
    match self_param.kind() {
        ast::SelfParamKind::Ref => SelfKind::Shared,
        ast::SelfParamKind::MutRef => SelfKind::Exclusive,
        ast::SelfParamKind::Owned => {
            // `self: &Self` and `self: Arc<Self>` are written with a type.
            match self_param.ty() {
                Some(ast::Type::RefType(ref_type)) if ref_type.mut_token().is_none() => SelfKind::Shared,
                Some(ast::Type::RefType(_)) => SelfKind::Exclusive,
                Some(_) => SelfKind::Shared,
                None => SelfKind::Owned,
            }
        }
    }
}

/// The segment names of a type written as a plain path, without generic arguments:
/// `["std", "cell", "RefCell"]` for `std::cell::RefCell<T>`.
pub fn type_path_segments(ty: &ast::Type) -> Option<Vec<String>> {
    let ast::Type::PathType(path_type) = ty else {
        return None;
    };
    let path = path_type.path()?;
    Some(
        path.segments()
            .filter_map(|segment| segment.name_ref().map(|name| name.text().to_string()))
            .collect(),
    )
}

fn field_kind(ty: &ast::Type) -> FieldKind {
    let Some(segments) = type_path_segments(ty) else {
        return FieldKind::Other;
    };
    let Some((last, qualifier)) = segments.split_last() else {
        return FieldKind::Other;
    };
    let qualifier: Vec<&str> = qualifier.iter().map(String::as_str).collect();
    let std_or_core = |rest: &[&str]| {
        qualifier.is_empty()
            || qualifier == rest[rest.len() - 1..]
            || (qualifier.len() == rest.len() + 1
                && matches!(qualifier[0], "std" | "core" | "alloc")
                && qualifier[1..] == *rest)
    };
    match last.as_str() {
        "RefCell" if std_or_core(&["cell"]) => FieldKind::RefCell,
        "Cell" if std_or_core(&["cell"]) => FieldKind::Cell,
        "UnsafeCell" if std_or_core(&["cell"]) => FieldKind::UnsafeCell,
        "Rc" if std_or_core(&["rc"]) => FieldKind::Rc,
        name if name.starts_with("Atomic") && name.len() > "Atomic".len() && std_or_core(&["sync", "atomic"]) => {
            FieldKind::Atomic
        }
        "Mutex" if (std_or_core(&["sync"]) || qualifier == ["tokio", "sync"]) && is_unit_generic(ty) => {
            FieldKind::UnitMutex
        }
        _ => FieldKind::Other,
    }
}

fn is_unit_generic(ty: &ast::Type) -> bool {
    let ast::Type::PathType(path_type) = ty else {
        return false;
    };
    let Some(args) = path_type
        .path()
        .and_then(|path| path.segment())
        .and_then(|segment| segment.generic_arg_list())
    else {
        return false;
    };
    let text = args.syntax().text().to_string();
    squeeze(&text) == "<()>"
}

/// The module whose items contain `node`: the nearest inline `mod` item list or the file.
pub fn enclosing_item_list(node: &SyntaxNode) -> SyntaxNode {
    node.ancestors()
        .find(|ancestor| {
            ancestor.kind() == SyntaxKind::ITEM_LIST
                && ancestor
                    .parent()
                    .is_some_and(|parent| parent.kind() == SyntaxKind::MODULE)
        })
        .unwrap_or_else(|| node.ancestors().last().expect("a node has a root"))
}

/// The items of a module node returned by `enclosing_item_list`.
pub fn module_items(module: &SyntaxNode) -> Vec<ast::Item> {
    if let Some(list) = ast::ItemList::cast(module.clone()) {
        list.items().collect()
    } else if let Some(file) = ast::SourceFile::cast(module.clone()) {
        file.items().collect()
    } else {
        Vec::new()
    }
}

/// The text of a path type's single generic argument: `usize` for `Cell<usize>`.
pub fn single_generic_argument(ty: &ast::Type) -> Option<String> {
    let ast::Type::PathType(path_type) = ty else {
        return None;
    };
    let args = path_type.path()?.segment()?.generic_arg_list()?;
    let mut iter = args.generic_args();
    let first = iter.next()?;
    if iter.next().is_some() {
        return None;
    }
    Some(first.syntax().text().to_string())
}

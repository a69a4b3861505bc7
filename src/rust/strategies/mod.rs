//! Fix strategies: each turns one matched double into a `Finding` with its planned edits.
//!
//! `wrap` replaces `RefCell` fields with `Mutex`, and `guard` adds a `Mutex<()>` field and locks
//! it in each method. `cell`, `rc`, `static_mut` and `unsafe_sync` convert `Cell`, `Rc`,
//! `static mut` and `UnsafeCell` state. They share the helpers below for struct literals,
//! derives and imports.

pub mod cell;
pub mod derived_impls;
pub mod guard;
pub mod rc;
pub mod static_mut;
pub mod unsafe_sync;
pub mod wrap;

use ra_ap_syntax::ast::{self, AstNode, HasArgList, HasGenericArgs};
use ra_ap_syntax::{SyntaxKind, SyntaxNode, T};

use super::discipline::line_of;
use super::index::{call_path, methods_of, FieldInfo, FieldKind, FileIndex, MethodInfo, StructInfo};
use super::text::{node_range, squeeze};
use super::uses::{field_accesses, FieldAccess};
use crate::edit::TextEdit;

/// What every strategy needs to plan edits in one file.
pub struct PlanContext<'a> {
    pub source: &'a str,
    pub root: &'a SyntaxNode,
    pub index: &'a FileIndex,
    /// The file's package depends on the `tokio` crate, so a fix may use `tokio::sync::Mutex`.
    pub uses_tokio: bool,
}

/// Derives that `Mutex` does not implement, so a struct deriving them stops compiling once a field
/// becomes a `Mutex`.
const DERIVES_MUTEX_LACKS: &[&str] = &["Clone", "Copy", "PartialEq", "Eq", "PartialOrd", "Ord", "Hash"];

/// Returns why the fix cannot be applied because of the struct's derives, if it cannot.
/// Derives in `handled` do not block: the new field types implement them, or the fix writes them
/// by hand. A derive under `#[cfg_attr(..)]` blocks like a plain one.
pub fn derive_blocker(info: &StructInfo, handled: &[&str]) -> Option<String> {
    let blocking: Vec<&str> = info
        .derives
        .iter()
        .chain(&info.conditional_derives)
        .map(String::as_str)
        .filter(|name| DERIVES_MUTEX_LACKS.contains(name) && !handled.contains(name))
        .collect();
    if blocking.is_empty() {
        return None;
    }
    Some(format!(
        "`{}` derives `{}`, which `Mutex` does not implement; implement {} by hand, then run mockfix again",
        info.name,
        blocking.join("`, `"),
        if blocking.len() == 1 { "it" } else { "them" }
    ))
}

/// Returns why a double whose `cell_type` fields become `Mutex`es or atomics cannot be fixed
/// because of its derives, if it cannot. `derived_impls` writes the other derives by hand.
///
/// `Hash` and `Copy` block because `cell_type` lacks them too, so the struct does not compile as it
/// is and there is no meaning to keep. A derive that needs an impl by hand blocks when it sits
/// under `#[cfg_attr(..)]`, because the fix cannot make the impl depend on the same condition.
pub fn cell_derive_blocker(info: &StructInfo, cell_type: &str) -> Option<String> {
    let plural = |names: &[&str]| if names.len() == 1 { "it" } else { "them" };
    let never_compiled: Vec<&str> = info
        .derives
        .iter()
        .chain(&info.conditional_derives)
        .map(String::as_str)
        .filter(|name| ["Hash", "Copy"].contains(name))
        .collect();
    if !never_compiled.is_empty() {
        return Some(format!(
            "`{}` derives `{}`, which `{cell_type}` does not implement either, so the struct does not compile as it is; remove {} from the derive, then run mockfix again",
            info.name,
            never_compiled.join("`, `"),
            plural(&never_compiled),
        ));
    }
    let conditional: Vec<&str> = info
        .conditional_derives
        .iter()
        .map(String::as_str)
        .filter(|name| derived_impls::WRITTEN_BY_HAND.contains(name))
        .collect();
    if !conditional.is_empty() {
        return Some(format!(
            "`{}` derives `{}` under `#[cfg_attr(..)]`, which the new field types do not implement and mockfix does not rewrite; implement {} by hand, then run mockfix again",
            info.name,
            conditional.join("`, `"),
            plural(&conditional),
        ));
    }
    None
}

/// Returns whether the file's package depends on the `tokio` crate: its `Cargo.toml` lists it, or
/// the file names `tokio` in a path, as `use tokio::..` or `#[tokio::test]` do.
pub fn depends_on_tokio(ctx: &PlanContext) -> bool {
    if ctx.uses_tokio {
        return true;
    }
    let tokens = ctx.index.tokens();
    tokens
        .windows(2)
        .any(|pair| pair[0].kind() == SyntaxKind::IDENT && pair[0].text() == "tokio" && pair[1].kind() == T![::])
}

/// The mutex type that a fix writes, for a new field or in place of a cell, and the code that
/// locks it.
#[derive(Clone, Copy)]
pub struct LockStyle<'a> {
    /// The mutex type that the fix writes: `Mutex`, imported from `std::sync`, or
    /// `tokio::sync::Mutex`.
    pub mutex_type: &'a str,
    /// The lock expression written after `.`: `lock().unwrap()` or `lock().await`.
    pub lock_call: &'a str,
    /// The call written after `.get_mut()` and `.into_inner()`: `.unwrap()` for a
    /// `std::sync::Mutex`, whose methods return a `LockResult`, and nothing for tokio's.
    pub unlocked_suffix: &'a str,
    /// The lock may be held across `.await`, and may be taken only in async code.
    pub awaits: bool,
}

impl<'a> LockStyle<'a> {
    pub const TOKIO: LockStyle<'static> = LockStyle {
        mutex_type: "tokio::sync::Mutex",
        lock_call: "lock().await",
        unlocked_suffix: "",
        awaits: true,
    };

    /// Returns the style of a `std::sync::Mutex` locked with `lock_call`, such as `lock().unwrap()`.
    pub fn blocking(lock_call: &'a str) -> LockStyle<'a> {
        LockStyle {
            mutex_type: "Mutex",
            lock_call,
            unlocked_suffix: &lock_call["lock()".len()..],
            awaits: false,
        }
    }

    /// Returns the style of a fix made in another file, from its type and lock expression.
    pub fn of(mutex_type: &'a str, lock_call: &'a str) -> LockStyle<'a> {
        if mutex_type == LockStyle::TOKIO.mutex_type {
            LockStyle::TOKIO
        } else {
            LockStyle::blocking(lock_call)
        }
    }
}

/// The reason a double cannot be fixed with one kind of lock.
pub struct Refusal {
    pub reason: String,
    /// A lock would be held across `.await`, which an async lock allows.
    pub across_await: bool,
}

/// Returns why a double cannot get a `tokio::sync::Mutex`, if it derives a trait whose impl would
/// have to lock it: that impl is not async, so it cannot await the lock.
pub fn async_lock_derive_blocker(info: &StructInfo) -> Option<String> {
    let locking = |name: &&String| derived_impls::WRITTEN_BY_HAND.contains(&name.as_str()) && *name != "Eq";
    let derive = info.derives.iter().chain(&info.conditional_derives).find(locking)?;
    Some(format!(
        "`{}` derives `{derive}`, and a `tokio::sync::Mutex` cannot be locked in that impl, which is not async; implement it by hand, then run mockfix again",
        info.name
    ))
}

/// Returns the struct literals that build the double in the file: `MockMailer { .. }`, and `Self { .. }`
/// inside its impls.
pub fn struct_literals(ctx: &PlanContext, target: &Target) -> Vec<ast::RecordExpr> {
    ctx.index
        .record_exprs
        .iter()
        .filter(|literal| {
            let Some(segment) = literal.path().and_then(|path| path.segment()) else {
                return false;
            };
            if segment.self_type_token().is_some() {
                return target.impl_contains(node_range(literal.syntax()).0);
            }
            segment.name_ref().is_some_and(|name| name.text() == target.name)
        })
        .cloned()
        .collect()
}

/// A double as one file sees it: its definition when the file declares it, and the impls and
/// methods of it that the file contains. A fix plans edits in the defining file and, through a
/// `Target` without a definition, at the use sites in the other files of the package.
pub struct Target<'a> {
    pub name: &'a str,
    pub definition: Option<&'a StructInfo>,
    pub impls: Vec<ast::Impl>,
    pub methods: Vec<MethodInfo>,
}

impl<'a> Target<'a> {
    pub fn defined(info: &'a StructInfo) -> Target<'a> {
        Target {
            name: &info.name,
            definition: Some(info),
            impls: info.impls.clone(),
            methods: info.methods.clone(),
        }
    }

    /// Builds the view of the double `name`, which another file declares.
    pub fn foreign(index: &FileIndex, name: &'a str) -> Target<'a> {
        let impls = index.impls_of(name);
        let methods = impls.iter().flat_map(methods_of).collect();
        Target {
            name,
            definition: None,
            impls,
            methods,
        }
    }

    /// Returns whether `offset` lies inside one of the double's impls in this file.
    pub fn impl_contains(&self, offset: usize) -> bool {
        self.impls.iter().any(|item| {
            let (start, end) = node_range(item.syntax());
            start <= offset && offset < end
        })
    }
}

/// The accesses of `fields` in this file that belong to the target double, whose fields are of
/// `kind` and have the methods `kind_methods`.
///
/// `self.x` inside another type's impl is that type's field and is skipped. Where another struct
/// of the file has a field of the same name and the receiver's type is unknown, a call that the
/// cell type does not have belongs to the other struct and is skipped; anything else there is
/// ambiguous and recorded in `review`.
pub fn target_accesses(
    ctx: &PlanContext,
    target: &Target,
    fields: &[&str],
    kind: FieldKind,
    kind_methods: &[&str],
    review: &mut Vec<String>,
) -> Vec<FieldAccess> {
    let other_fields: Vec<&FieldInfo> = ctx
        .index
        .structs
        .iter()
        .filter(|other| {
            target
                .definition
                .is_none_or(|info| other.node.syntax() != info.node.syntax())
        })
        .flat_map(|other| other.fields.iter())
        .collect();
    let mut selected = Vec::new();
    for access in field_accesses(ctx.index, fields) {
        let on_own_self = access.on_self && target.impl_contains(access.offset);
        if access.on_self && !on_own_self {
            continue;
        }
        // Any tuple has a `.0`, so outside the double's impls a positional access is a guess.
        if !on_own_self && access.field.starts_with(|c: char| c.is_ascii_digit()) {
            if access
                .method
                .as_deref()
                .is_none_or(|method| kind_methods.contains(&method))
            {
                review.push(format!(
                    "`.{}` at line {} may belong to another tuple, so it was left unchanged",
                    access.field,
                    line_of(ctx.source, access.offset)
                ));
            }
            continue;
        }
        let namesakes: Vec<&&FieldInfo> = other_fields.iter().filter(|field| field.name == access.field).collect();
        if !on_own_self && !namesakes.is_empty() {
            let kind_call = access
                .method
                .as_deref()
                .is_none_or(|method| kind_methods.contains(&method));
            if !kind_call {
                continue;
            }
            if namesakes.iter().any(|field| field.kind == kind) || access.method.is_none() {
                review.push(format!(
                    "`.{}` at line {} may belong to another struct of this file with a field of that name, so it was left unchanged",
                    access.field,
                    line_of(ctx.source, access.offset)
                ));
                continue;
            }
        }
        selected.push(access);
    }
    selected
}

/// Returns whether code in `module` itself, outside `use` items, names `name`.
pub fn names_in_module(module: &SyntaxNode, name: &str) -> bool {
    module
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| token.text() == name)
        .any(|token| {
            !token
                .parent_ancestors()
                .any(|node| node.kind() == ra_ap_syntax::SyntaxKind::USE)
        })
}

/// Points at the first use of one of `fields` in the double's impls, for editors to show next to
/// the finding: "`calls` is borrowed here".
pub fn first_use(ctx: &PlanContext, target: &Target, fields: &[&str], what: &str) -> Vec<crate::fix::Related> {
    field_accesses(ctx.index, fields)
        .into_iter()
        .find(|access| access.on_self && target.impl_contains(access.offset))
        .map(|access| crate::fix::Related {
            range: (access.offset, access.offset + access.field.len()),
            message: format!("`{}` is {what} here without a lock", access.field),
        })
        .into_iter()
        .collect()
}

/// Checks the planned `lock_sites` of the target double for deadlocks, and returns what each of
/// its methods locks. `known` lists what the methods defined in other files lock, and
/// `awaits_allowed` is set for a lock that may be held across `.await`.
pub fn check_locks(
    ctx: &PlanContext,
    target: &Target,
    lock_sites: &[crate::rust::discipline::LockSite],
    known: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
    awaits_allowed: bool,
) -> Result<std::collections::BTreeMap<String, std::collections::BTreeSet<String>>, String> {
    let mut names: Vec<&str> = target.methods.iter().map(|method| method.name.as_str()).collect();
    names.extend(known.keys().map(String::as_str));
    let calls = crate::rust::uses::method_calls(ctx.index, &names);
    let locks = crate::rust::discipline::locks_by_method(&target.methods, lock_sites, &calls, known);
    match crate::rust::discipline::find_lock_hazard(
        ctx.source,
        ctx.index.tokens(),
        lock_sites,
        &calls,
        &locks,
        awaits_allowed,
    ) {
        Some(reason) => Err(reason),
        None => Ok(locks),
    }
}

/// Returns the byte range of the type in a constructor call of the cell type `cell_type`:
/// `RefCell` in `RefCell::new(x)`, `RefCell::default()` or `std::cell::RefCell::from(x)`.
pub fn constructor_qualifier(value: &ast::Expr, cell_type: &str) -> Option<(usize, usize)> {
    let ast::Expr::CallExpr(call) = value else { return None };
    let ast::Expr::PathExpr(callee) = call.expr()? else {
        return None;
    };
    let path = callee.path()?;
    let function = path.segment()?.name_ref()?;
    if !["new", "default", "from"].iter().any(|name| function.text() == *name) {
        return None;
    }
    let qualifier = path.qualifier()?;
    let type_name = qualifier.segment()?.name_ref()?;
    if type_name.text() != cell_type || qualifier.segment()?.generic_arg_list().is_some() {
        return None;
    }
    Some(node_range(qualifier.syntax()))
}

/// Returns whether `value` is `Default::default()`, which builds a `Mutex` or an atomic as well
/// as the cell it replaces.
pub fn is_default_call(value: &ast::Expr) -> bool {
    let text = squeeze(&value.syntax().text().to_string());
    matches!(text.as_str(), "Default::default()" | "std::default::Default::default()")
}

/// Plans the new types of the `cells` fields of `kind`: the atomic when a cell has one,
/// otherwise `mutex_type` in place of the cell's type name, keeping its generic argument.
pub fn rewrite_cell_field_types(
    info: &StructInfo,
    kind: FieldKind,
    cells: &[crate::fix::CellField],
    mutex_type: &str,
) -> Vec<TextEdit> {
    let mut edits = Vec::new();
    for field in info.fields_of_kind(kind) {
        let Some(ast::Type::PathType(path_type)) = field.node.ty() else {
            continue;
        };
        let Some(path) = path_type.path() else { continue };
        let Some(generic_args) = path.segment().and_then(|segment| segment.generic_arg_list()) else {
            continue;
        };
        let (start, end) = node_range(path_type.syntax());
        match cells
            .iter()
            .find(|cell| cell.name == field.name)
            .and_then(|cell| cell.atomic.clone())
        {
            Some(atomic) => edits.push(TextEdit::replace(start, end, atomic)),
            None => edits.push(TextEdit::replace(
                start,
                node_range(generic_args.syntax()).0,
                mutex_type,
            )),
        }
    }
    edits
}

/// One field's value where the double is built: `calls: RefCell::new(vec![])` in a struct literal,
/// or the argument at the field's position in `MockLog(RefCell::new(vec![]))`.
pub struct Initialiser {
    pub field: String,
    /// `None` for shorthand, as in `MockMailer { calls }`.
    pub value: Option<ast::Expr>,
    pub offset: usize,
}

/// Returns the initialisers of `fields` in every struct literal and tuple-struct call that builds
/// the double in this file. A tuple struct's name passed as a function, as in `.map(MockLog)`,
/// builds it from values made elsewhere, so that use is added to `review`.
pub fn field_initialisers(
    ctx: &PlanContext,
    target: &Target,
    fields: &[&str],
    review: &mut Vec<String>,
) -> Vec<Initialiser> {
    let mut initialisers = Vec::new();
    for literal in struct_literals(ctx, target) {
        let Some(list) = literal.record_expr_field_list() else {
            continue;
        };
        for field in list.fields() {
            let Some(name) = field.field_name() else { continue };
            if !fields.iter().any(|field| name.text() == *field) {
                continue;
            }
            initialisers.push(Initialiser {
                field: name.text().to_string(),
                value: field.expr().filter(|_| field.colon_token().is_some()),
                offset: node_range(field.syntax()).0,
            });
        }
    }
    if !fields
        .iter()
        .any(|field| field.starts_with(|c: char| c.is_ascii_digit()))
    {
        return initialisers;
    }
    for call in &ctx.index.capitalised_calls {
        if !builds_target(call, target) {
            continue;
        }
        for (position, argument) in call.arg_list().into_iter().flat_map(|list| list.args()).enumerate() {
            let field = position.to_string();
            if fields.contains(&field.as_str()) {
                initialisers.push(Initialiser {
                    field,
                    offset: node_range(argument.syntax()).0,
                    value: Some(argument),
                });
            }
        }
    }
    for token in ctx.index.tokens().iter().filter(|token| token.text() == target.name) {
        let Some(path_expr) = token.parent_ancestors().find_map(ast::PathExpr::cast) else {
            continue;
        };
        let is_callee = path_expr
            .syntax()
            .parent()
            .and_then(ast::CallExpr::cast)
            .and_then(|call| call.expr())
            .is_some_and(|callee| callee.syntax() == path_expr.syntax());
        if !is_callee {
            review.push(format!(
                "`{}` is passed as a function at line {}, so the values it is built from were left unchanged",
                target.name,
                line_of(ctx.source, node_range(path_expr.syntax()).0)
            ));
        }
    }
    initialisers
}

/// Returns whether `call` is `Name(..)` for the target double, or `Self(..)` inside its impls.
fn builds_target(call: &ast::CallExpr, target: &Target) -> bool {
    let Some(segment) = call_path(call).and_then(|path| path.segment()) else {
        return false;
    };
    if segment.self_type_token().is_some() {
        return target.impl_contains(node_range(call.syntax()).0);
    }
    segment.name_ref().is_some_and(|name| name.text() == target.name)
}

/// Plans `Cell::new(x)` (for `cell_type` `Cell`) becoming `AtomicUsize::new(x)` or `Mutex::new(x)`,
/// with `mutex_type` for `Mutex`,
/// where the double is built. A field initialised some other way is added to `review`.
pub fn rewrite_cell_constructors(
    ctx: &PlanContext,
    target: &Target,
    cells: &[crate::fix::CellField],
    cell_type: &str,
    mutex_type: &str,
    review: &mut Vec<String>,
) -> Vec<TextEdit> {
    let names: Vec<&str> = cells.iter().map(|cell| cell.name.as_str()).collect();
    let mut edits = Vec::new();
    for initialiser in field_initialisers(ctx, target, &names, review) {
        let name = &initialiser.field;
        let Some(cell) = cells.iter().find(|cell| cell.name == *name) else {
            continue;
        };
        let line = line_of(ctx.source, initialiser.offset);
        let Some(value) = initialiser.value else {
            review.push(format!(
                "`{name}` is initialised by shorthand at line {line}, which mockfix cannot convert"
            ));
            continue;
        };
        let replacement = cell.atomic.as_deref().unwrap_or(mutex_type);
        match constructor_qualifier(&value, cell_type) {
            Some((start, end)) => edits.push(TextEdit::replace(start, end, replacement)),
            None if is_default_call(&value) => {}
            None => review.push(format!(
                "`{name}` is initialised with `{}` at line {line}, which mockfix cannot convert",
                value.syntax().text()
            )),
        }
    }
    edits
}

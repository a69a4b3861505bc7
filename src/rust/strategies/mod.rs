//! Fix strategies: each turns one matched double into a `Finding` with its planned edits.
//!
//! `wrap` replaces `RefCell` fields with `Mutex`; `guard` adds a `Mutex<()>` field and locks it
//! in each method. Both share the helpers below for struct literals, derives and imports.

pub mod guard;
pub mod wrap;

use ra_ap_syntax::ast::{self, AstNode};
use ra_ap_syntax::SyntaxNode;

use super::imports;
use super::index::{enclosing_item_list, FileIndex, StructInfo};
use super::text::node_range;
use crate::config::Rule;

/// What every strategy needs to plan a fix in one file.
pub struct PlanContext<'a> {
    pub source: &'a str,
    pub root: &'a SyntaxNode,
    pub index: &'a FileIndex,
    pub rule: &'a Rule,
}

/// Derives that `Mutex` does not implement, so a struct deriving them stops compiling once a field
/// becomes a `Mutex`.
const DERIVES_MUTEX_LACKS: &[&str] = &["Clone", "Copy", "PartialEq", "Eq", "PartialOrd", "Ord", "Hash"];

/// Returns why the fix cannot be applied because of the struct's derives, if it cannot.
pub fn derive_blocker(info: &StructInfo) -> Option<String> {
    let blocking: Vec<&str> = info
        .derives
        .iter()
        .map(String::as_str)
        .filter(|name| DERIVES_MUTEX_LACKS.contains(name))
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

/// The struct literals that build this struct in the file: `MockMailer { .. }`, and `Self { .. }`
/// inside its impls.
pub fn struct_literals(ctx: &PlanContext, info: &StructInfo) -> Vec<ast::RecordExpr> {
    ctx.index
        .record_exprs
        .iter()
        .filter(|literal| {
            let Some(segment) = literal.path().and_then(|path| path.segment()) else {
                return false;
            };
            if segment.self_type_token().is_some() {
                return info.impl_contains(node_range(literal.syntax()).0);
            }
            segment.name_ref().is_some_and(|name| name.text() == info.name)
        })
        .cloned()
        .collect()
}

/// Returns why `Mutex` cannot be written unqualified where the fix writes it: in the struct's
/// module or the module of one of its literals, an explicit import already binds `Mutex` to
/// another item, such as `parking_lot::Mutex`.
pub fn mutex_name_conflict(ctx: &PlanContext, info: &StructInfo) -> Option<String> {
    let mut places = vec![info.node.syntax().clone()];
    places.extend(
        struct_literals(ctx, info)
            .iter()
            .map(|literal| literal.syntax().clone()),
    );
    for place in places {
        let module = enclosing_item_list(&place);
        let conflicting = imports::use_leaves(&module)
            .into_iter()
            .find(|leaf| leaf.binds("Mutex") && !leaf.is_path(&["std", "sync", "Mutex"]));
        if let Some(leaf) = conflicting {
            return Some(format!(
                "the module already imports another `Mutex` (`{}`), and the fix needs `std::sync::Mutex`",
                leaf.path.join("::")
            ));
        }
    }
    None
}

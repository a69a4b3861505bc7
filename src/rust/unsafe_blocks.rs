//! `unsafe` blocks that a fix leaves with nothing unsafe inside: finding them, and the edits that
//! remove the `unsafe`.
//!
//! A fix that turns a `static mut` into an atomic, or `unsafe { &mut *self.x.get() }` into a
//! lock, makes the code in many `unsafe` blocks safe, and rustc then warns about `unused_unsafe`.
//! Without type information this module cannot prove that a block is free of unsafe operations,
//! so it decides conservatively. A block stays `unsafe` when, outside the code the fix rewrote, it
//! dereferences anything but a reference or a rewritten value, or names a `static mut` that stays.
//! It also stays when it calls a function not known to be safe, a method that is unsafe on some
//! type (`get_unchecked`, or `add` and `read` on a raw pointer) or a macro mockfix does not know,
//! or when it uses inline assembly. Union fields are not recognised; a block that reads one keeps compiling only
//! if something else in it keeps it `unsafe`.

use std::collections::BTreeSet;

use ra_ap_syntax::ast::{self, AstNode, HasName};
use ra_ap_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, T};

use super::discipline::line_of;
use super::text::{node_range, token_range};
use super::token_trees::macro_call_name;
use crate::edit::TextEdit;

/// Methods that are `unsafe fn` on the standard types that have them.
const UNSAFE_METHODS: &[&str] = &[
    "get_unchecked",
    "get_unchecked_mut",
    "set_len",
    "unwrap_unchecked",
    "assume_init",
    "assume_init_ref",
    "assume_init_mut",
    "assume_init_read",
    "assume_init_drop",
    "as_bytes_mut",
    "from_utf8_unchecked",
    "swap_unchecked",
    "unchecked_add",
    "unchecked_sub",
    "unchecked_mul",
    "get_many_unchecked_mut",
    "as_mut_vec",
    "into_raw_parts",
    "copy_from",
    "copy_from_nonoverlapping",
    "copy_to",
    "copy_to_nonoverlapping",
    "drop_in_place",
    "write_bytes",
    "increment_strong_count",
    "decrement_strong_count",
];

/// Methods that are safe on most types but `unsafe fn` on raw pointers. A call of one is safe
/// only on a value that the fix rewrote, whose type is known not to be a raw pointer.
const RAW_POINTER_METHODS: &[&str] = &[
    "add",
    "sub",
    "offset",
    "byte_add",
    "byte_sub",
    "byte_offset",
    "read",
    "read_unaligned",
    "read_volatile",
    "write",
    "write_unaligned",
    "write_volatile",
    "replace",
    "swap",
    "as_ref",
    "as_mut",
    "as_uninit_ref",
    "as_uninit_mut",
    "offset_from",
];

/// Functions that the standard library declares safe, called by their last path segment. An
/// associated function of one of these names on a type named with a capital letter is taken to
/// be safe too: `Vec::new`, `String::from`.
const SAFE_FUNCTIONS: &[&str] = &[
    "new",
    "from",
    "default",
    "with_capacity",
    "clone",
    "drop",
    "take",
    "replace",
    "swap",
    "spawn",
    "scope",
    "sleep",
    "yield_now",
    "from_millis",
    "from_secs",
    "to_string",
    "to_owned",
    "into",
    "min",
    "max",
    "identity",
];

/// Standard macros that expand to no unsafe operation of their own.
const SAFE_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "format",
    "format_args",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "panic",
    "vec",
    "matches",
    "dbg",
    "todo",
    "unreachable",
    "unimplemented",
    "concat",
    "stringify",
    "line",
    "file",
    "column",
];

/// Facts about the file and the fix that the check relies on.
#[derive(Clone, Debug, Default)]
pub struct SafetyFacts {
    /// Byte ranges of the original text whose code the fix turned into safe code.
    pub rewritten: Vec<(usize, usize)>,
    /// Names of `static mut` items that stay `static mut`.
    pub unsafe_statics: BTreeSet<String>,
    /// Functions and methods of the file declared `unsafe fn`.
    pub unsafe_functions: BTreeSet<String>,
    /// Functions and methods of the file declared with a body and without `unsafe`.
    pub safe_functions: BTreeSet<String>,
    /// Macros of the file whose expansion, after the fix, needs no `unsafe` at the call site.
    pub safe_macros: BTreeSet<String>,
}

impl SafetyFacts {
    /// Collects the functions of the file at `root`; the other sets are the caller's to fill.
    pub fn for_file(root: &SyntaxNode) -> SafetyFacts {
        let mut facts = SafetyFacts::default();
        for function in root.descendants().filter_map(ast::Fn::cast) {
            let Some(name) = function.name() else { continue };
            let name = name.text().to_string();
            let in_extern_block = function
                .syntax()
                .ancestors()
                .any(|node| node.kind() == SyntaxKind::EXTERN_BLOCK);
            if function.unsafe_token().is_some() || in_extern_block || function.body().is_none() {
                facts.unsafe_functions.insert(name);
            } else {
                facts.safe_functions.insert(name);
            }
        }
        // A name declared both ways is treated as unsafe.
        let unsafe_names = facts.unsafe_functions.clone();
        facts.safe_functions.retain(|name| !unsafe_names.contains(name));
        facts
    }

    fn is_rewritten(&self, start: usize, end: usize) -> bool {
        self.rewritten.iter().any(|&(from, to)| from <= start && end <= to)
    }

    fn is_safe_function(&self, name: &str, qualified_by_type: bool) -> bool {
        if self.unsafe_functions.contains(name) {
            return false;
        }
        let constructor = name.starts_with(|c: char| c.is_uppercase());
        constructor
            || self.safe_functions.contains(name)
            || (SAFE_FUNCTIONS.contains(&name) && (qualified_by_type || !name.starts_with("from")))
    }

    fn is_safe_macro(&self, name: &str) -> bool {
        SAFE_MACROS.contains(&name) || self.safe_macros.contains(name)
    }
}

/// Returns the first operation in `node`, outside the rewritten ranges and outside nested
/// `unsafe` blocks and items, that may need `unsafe`, with its line.
pub fn first_unsafe_operation(source: &str, facts: &SafetyFacts, node: &SyntaxNode) -> Option<String> {
    let mut walk = node.preorder();
    while let Some(event) = walk.next() {
        let ra_ap_syntax::WalkEvent::Enter(current) = event else {
            continue;
        };
        let (start, end) = node_range(&current);
        if facts.is_rewritten(start, end) {
            walk.skip_subtree();
            continue;
        }
        if &current != node && is_own_unsafe_scope(&current) {
            walk.skip_subtree();
            continue;
        }
        let line = || line_of(source, start);
        if let Some(reason) = unsafe_expression(facts, &current) {
            return Some(format!("{reason} at line {}", line()));
        }
        if let Some(call) = ast::MacroCall::cast(current.clone()) {
            let name = macro_call_name(&call).unwrap_or_default();
            if !facts.is_safe_macro(&name) {
                return Some(format!("the macro `{name}!` at line {}", line()));
            }
            if let Some(reason) = call.token_tree().and_then(|tree| unsafe_tokens(facts, tree.syntax())) {
                return Some(format!("{reason} in the arguments of `{name}!` at line {}", line()));
            }
            walk.skip_subtree();
        }
    }
    None
}

/// Nested `unsafe` blocks, functions and other items keep their own `unsafe` or need none.
fn is_own_unsafe_scope(node: &SyntaxNode) -> bool {
    if let Some(block) = ast::BlockExpr::cast(node.clone()) {
        return block.unsafe_token().is_some();
    }
    ast::Item::can_cast(node.kind()) && node.kind() != SyntaxKind::MACRO_CALL
}

fn unsafe_expression(facts: &SafetyFacts, node: &SyntaxNode) -> Option<String> {
    match node.kind() {
        SyntaxKind::ASM_EXPR => Some("inline assembly".to_string()),
        SyntaxKind::PATH_EXPR => {
            let name = last_segment(&ast::PathExpr::cast(node.clone())?.path()?)?;
            facts
                .unsafe_statics
                .contains(&name)
                .then(|| format!("the `static mut` `{name}`"))
        }
        SyntaxKind::PREFIX_EXPR => {
            let prefix = ast::PrefixExpr::cast(node.clone())?;
            if prefix.op_kind() != Some(ast::UnaryOp::Deref) {
                return None;
            }
            let operand = prefix.expr()?;
            if matches!(operand, ast::Expr::RefExpr(_)) || rooted_in_rewritten(facts, &operand) {
                return None;
            }
            Some(format!("a dereference of `{}`", operand.syntax().text()))
        }
        SyntaxKind::CALL_EXPR => {
            let call = ast::CallExpr::cast(node.clone())?;
            let ast::Expr::PathExpr(callee) = call.expr()? else {
                return Some("a call of a computed function".to_string());
            };
            let path = callee.path()?;
            let name = last_segment(&path)?;
            let qualified_by_type = path
                .qualifier()
                .and_then(|qualifier| last_segment(&qualifier))
                .is_some_and(|type_name| type_name.starts_with(|c: char| c.is_uppercase()));
            (!facts.is_safe_function(&name, qualified_by_type)).then(|| format!("a call of `{}`", path.syntax().text()))
        }
        SyntaxKind::METHOD_CALL_EXPR => {
            let call = ast::MethodCallExpr::cast(node.clone())?;
            let name = call.name_ref()?.text().to_string();
            let on_rewritten = call
                .receiver()
                .is_some_and(|receiver| rooted_in_rewritten(facts, &receiver));
            let unsafe_method = UNSAFE_METHODS.contains(&name.as_str())
                || facts.unsafe_functions.contains(&name)
                || (RAW_POINTER_METHODS.contains(&name.as_str()) && !on_rewritten);
            unsafe_method.then(|| format!("a call of `.{name}()`"))
        }
        _ => None,
    }
}

fn last_segment(path: &ast::Path) -> Option<String> {
    Some(path.segment()?.name_ref()?.text().to_string())
}

/// Whether the receiver chain of `expr` (through method calls, fields, indexes and `try`) starts
/// at code that the fix rewrote.
fn rooted_in_rewritten(facts: &SafetyFacts, expr: &ast::Expr) -> bool {
    let mut current = expr.clone();
    loop {
        let (start, end) = node_range(current.syntax());
        if facts.is_rewritten(start, end) {
            return true;
        }
        let next = match &current {
            ast::Expr::MethodCallExpr(call) => call.receiver(),
            ast::Expr::FieldExpr(field) => field.expr(),
            ast::Expr::IndexExpr(index) => index.base(),
            ast::Expr::TryExpr(inner) => inner.expr(),
            ast::Expr::ParenExpr(inner) => inner.expr(),
            _ => None,
        };
        match next {
            Some(next) => current = next,
            None => return false,
        }
    }
}

/// The token-level version of the check, for the arguments of a macro call, which are tokens.
pub fn unsafe_tokens(facts: &SafetyFacts, tree: &SyntaxNode) -> Option<String> {
    let tokens: Vec<SyntaxToken> = tree
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| !token.kind().is_trivia())
        .filter(|token| {
            let (start, end) = token_range(token);
            !facts.is_rewritten(start, end)
        })
        .collect();
    for (i, token) in tokens.iter().enumerate() {
        let previous = i.checked_sub(1).map(|j| tokens[j].kind());
        let next = tokens.get(i + 1).map(SyntaxToken::kind);
        match token.kind() {
            T![unsafe] => return Some("an `unsafe` block".to_string()),
            T![*] if is_prefix_position(previous) => return Some("a dereference".to_string()),
            SyntaxKind::IDENT => {
                let name = token.text();
                if facts.unsafe_statics.contains(name) {
                    return Some(format!("the `static mut` `{name}`"));
                }
                if next == Some(T![!]) && !facts.is_safe_macro(name) {
                    return Some(format!("the macro `{name}!`"));
                }
                if next != Some(T!['(']) {
                    continue;
                }
                let is_method = previous == Some(T![.]);
                let unsafe_call = if is_method {
                    UNSAFE_METHODS.contains(&name)
                        || RAW_POINTER_METHODS.contains(&name)
                        || facts.unsafe_functions.contains(name)
                } else {
                    let qualified_by_type = previous == Some(T![:])
                        && i >= 3
                        && tokens[i - 3].text().starts_with(|c: char| c.is_uppercase());
                    !facts.is_safe_function(name, qualified_by_type)
                };
                if unsafe_call {
                    return Some(format!("a call of `{name}`"));
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether a `*` after a token of kind `previous` is a prefix operator rather than a product,
/// as in `*x` but not `a * x`.
fn is_prefix_position(previous: Option<SyntaxKind>) -> bool {
    match previous {
        None => true,
        Some(kind) => !matches!(
            kind,
            SyntaxKind::IDENT
                | SyntaxKind::INT_NUMBER
                | SyntaxKind::FLOAT_NUMBER
                | SyntaxKind::STRING
                | SyntaxKind::CHAR
                | T![')']
                | T![']']
                | T!['}']
                | T![self]
                | T![Self]
                | T![?]
        ),
    }
}

/// Plans the edits that remove the `unsafe` of `block`, keeping its contents and comments.
///
/// With `may_unwrap`, a block on one line with one statement or one expression and no comment is
/// unwrapped where the result means the same: `unsafe { CALLS += 1; }` as a statement, or
/// `unsafe { x }` as a `let` initializer, a call argument or a statement. Any other block keeps
/// its braces and loses only the keyword. A block in a `macro_rules!` body is never unwrapped,
/// because the body may expand where an expression is expected.
pub fn remove_unsafe(source: &str, block: &ast::BlockExpr, may_unwrap: bool) -> Vec<TextEdit> {
    let Some(keyword) = block.unsafe_token() else {
        return Vec::new();
    };
    if let Some(edits) = unwrap_edits(source, block).filter(|_| may_unwrap) {
        return edits;
    }
    let (start, mut end) = token_range(&keyword);
    while source[end..].starts_with([' ', '\t']) {
        end += 1;
    }
    vec![TextEdit::delete(start, end)]
}

fn unwrap_edits(source: &str, block: &ast::BlockExpr) -> Option<Vec<TextEdit>> {
    let (block_start, block_end) = node_range(block.syntax());
    let one_line = !source[block_start..block_end].contains('\n');
    let has_comment = block
        .syntax()
        .descendants_with_tokens()
        .any(|element| element.kind() == SyntaxKind::COMMENT);
    if !one_line || has_comment || block.label().is_some() {
        return None;
    }

    let list = block.stmt_list()?;
    let statements: Vec<ast::Stmt> = list.statements().collect();
    let parent = block.syntax().parent()?;
    let inner = match (statements.as_slice(), list.tail_expr()) {
        // `unsafe { CALLS += 1; }` as a statement of its own.
        ([ast::Stmt::ExprStmt(statement)], None) if statement.semicolon_token().is_some() => {
            let in_statement_position = parent.kind() == SyntaxKind::EXPR_STMT
                || (parent.kind() == SyntaxKind::STMT_LIST && is_block_like_tail(&parent, block));
            if !in_statement_position {
                return None;
            }
            let (inner_start, inner_end) = node_range(statement.syntax());
            // `unsafe { x; };` would leave `x;;`.
            let trailing = ast::ExprStmt::cast(parent.clone())
                .and_then(|outer| outer.semicolon_token())
                .map_or(block_end, |semicolon| token_range(&semicolon).1);
            return Some(vec![
                TextEdit::delete(block_start, inner_start),
                TextEdit::delete(inner_end, trailing),
            ]);
        }
        ([], Some(tail)) => tail,
        _ => return None,
    };

    let value_position = matches!(
        parent.kind(),
        SyntaxKind::LET_STMT | SyntaxKind::ARG_LIST | SyntaxKind::EXPR_STMT | SyntaxKind::CLOSURE_EXPR
    ) || (parent.kind() == SyntaxKind::STMT_LIST && is_block_like_tail(&parent, block));
    // An assignment gives `()` and is written as a statement when unwrapped, so only where the
    // block stood as a statement.
    let assignment =
        matches!(&inner, ast::Expr::BinExpr(bin) if matches!(bin.op_kind(), Some(ast::BinaryOp::Assignment { .. })));
    if !value_position || (assignment && parent.kind() != SyntaxKind::EXPR_STMT) {
        return None;
    }
    let (inner_start, inner_end) = node_range(inner.syntax());
    Some(vec![
        TextEdit::delete(block_start, inner_start),
        TextEdit::delete(inner_end, block_end),
    ])
}

/// Whether `block` is the tail expression of the statement list `list`.
fn is_block_like_tail(list: &SyntaxNode, block: &ast::BlockExpr) -> bool {
    ast::StmtList::cast(list.clone())
        .and_then(|list| list.tail_expr())
        .is_some_and(|tail| tail.syntax() == block.syntax())
}

#[cfg(test)]
mod tests {
    use ra_ap_syntax::{Edition, SourceFile};

    use super::*;
    use crate::edit;

    /// Parses `source`, marks every `CALLS` path as rewritten and returns the check's result for
    /// the first `unsafe` block, with the text after removing its `unsafe`.
    fn check_first_block(source: &str, unsafe_statics: &[&str]) -> (Option<String>, String) {
        let root = SourceFile::parse(source, Edition::Edition2021).tree().syntax().clone();
        let mut facts = SafetyFacts::for_file(&root);
        facts.unsafe_statics = unsafe_statics.iter().map(|name| name.to_string()).collect();
        facts.rewritten = root
            .descendants()
            .filter_map(ast::PathExpr::cast)
            .filter(|path| path.syntax().text() == "CALLS")
            .map(|path| node_range(path.syntax()))
            .collect();
        let block = root
            .descendants()
            .filter_map(ast::BlockExpr::cast)
            .find(|block| block.unsafe_token().is_some())
            .unwrap();
        let operation = first_unsafe_operation(source, &facts, block.syntax());
        let mut edits = remove_unsafe(source, &block, true);
        edit::normalize(&mut edits).unwrap();
        (operation, edit::apply(source, &edits))
    }

    #[test]
    fn block_of_rewritten_code_is_unwrapped() {
        let (operation, fixed) = check_first_block("fn f() {\n    unsafe { CALLS += 1; }\n}\n", &[]);
        assert_eq!(operation, None);
        assert_eq!(fixed, "fn f() {\n    CALLS += 1;\n}\n");
    }

    #[test]
    fn block_value_is_unwrapped_in_let() {
        let (operation, fixed) = check_first_block("fn f() {\n    let n = unsafe { CALLS };\n}\n", &[]);
        assert_eq!(operation, None);
        assert_eq!(fixed, "fn f() {\n    let n = CALLS;\n}\n");
    }

    #[test]
    fn block_with_comment_keeps_braces() {
        let source = "fn f() {\n    unsafe { /* count */ CALLS += 1; }\n}\n";
        let (_, fixed) = check_first_block(source, &[]);
        assert_eq!(fixed, "fn f() {\n    { /* count */ CALLS += 1; }\n}\n");
    }

    #[test]
    fn unsafe_operations_are_found() {
        let cases = [
            (
                "fn f(p: *mut u8) { unsafe { CALLS += 1; *p = 0; } }",
                "a dereference of `p`",
            ),
            (
                "fn f() { unsafe { CALLS += 1; OTHER += 1; } }",
                "the `static mut` `OTHER`",
            ),
            (
                "fn f(v: &[u8]) { unsafe { CALLS += *v.get_unchecked(0) as usize; } }",
                "a dereference",
            ),
            (
                "fn f(v: &[u8]) { unsafe { CALLS += v.get_unchecked(0).count_ones() as usize; } }",
                "`.get_unchecked()`",
            ),
            (
                "extern \"C\" { fn abs(x: i32) -> i32; }\nfn f() { unsafe { CALLS += abs(-1) as usize; } }",
                "a call of `abs`",
            ),
            (
                "fn f() { unsafe { CALLS += external::count(); } }",
                "a call of `external::count`",
            ),
            ("fn f() { unsafe { CALLS += 1; log!(OTHER); } }", "the macro `log!`"),
            (
                "fn f() { unsafe { assert_eq!(OTHER, 1); } }",
                "the `static mut` `OTHER`",
            ),
            // Without types, a reference cannot be told from a raw pointer, so the block stays.
            ("fn f(n: &usize) { unsafe { CALLS += *n; } }", "a dereference of `n`"),
        ];
        for (source, expected) in cases {
            let (operation, _) = check_first_block(source, &["OTHER"]);
            let operation = operation.unwrap_or_else(|| panic!("no unsafe operation found in {source}"));
            assert!(operation.contains(expected), "{source}: {operation}");
        }
    }

    #[test]
    fn safe_calls_are_accepted() {
        let cases = [
            "fn f() { unsafe { CALLS += helper(); } }\nfn helper() -> usize { 1 }",
            "fn f() { unsafe { CALLS += String::from(\"a\").len(); } }",
            "fn f() { unsafe { CALLS += Some(1).unwrap_or(0); } }",
            "fn f() { unsafe { assert_eq!(CALLS, 1); } }",
            "fn f(n: usize) { unsafe { CALLS += *&n; } }",
        ];
        for source in cases {
            let (operation, _) = check_first_block(source, &[]);
            assert_eq!(operation, None, "{source}");
        }
    }
}

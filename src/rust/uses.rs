//! Field accesses found by scanning tokens: `.calls.borrow_mut()` and friends.
//!
//! A token scan sees accesses in ordinary code and inside macro arguments alike: the arguments
//! of `assert_eq!` or `format!` are token trees, not expressions, so a walk over expression nodes
//! would miss them.

use ra_ap_syntax::{SyntaxKind, SyntaxToken, T};

use super::index::FileIndex;
use super::text::token_range;

/// What the code does with a field right after naming it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessKind {
    /// `.borrow()` or `.borrow_mut()`.
    Borrow,
    /// `.replace(value)`.
    Replace,
    /// `.take()`.
    Take,
    /// `.into_inner()` or `.get_mut()`, which need no lock but return a `Result` on a `Mutex`.
    Unlocked,
    /// `.load(..)` on an atomic.
    Load,
    /// `.store(..)` on an atomic.
    Store,
    /// Any other method call, named here.
    OtherMethod(String),
    /// Not a method call: a reference, an argument or a field of its own.
    Other,
}

/// One `.field` in the file.
#[derive(Clone, Debug)]
pub struct FieldAccess {
    pub field: String,
    /// Index of the `.` before the field name in `FileIndex::tokens`.
    pub dot_index: usize,
    /// Byte offset of the field name.
    pub offset: usize,
    /// The receiver is the `self` keyword: `self.field`.
    pub on_self: bool,
    /// The receiver when it is a plain name such as `self` or `mock`.
    pub receiver: Option<String>,
    /// The access sits in a macro's arguments.
    pub in_macro: bool,
    pub kind: AccessKind,
    /// The name of the method called on the field, if one is.
    pub method: Option<String>,
}

impl FieldAccess {
    /// The tokens of the method call after the field: `.`, name, `(`; and `)` when the call has no
    /// arguments.
    pub fn method_tokens<'a>(&self, index: &'a FileIndex) -> &'a [SyntaxToken] {
        let start = self.dot_index + 2;
        let end = (start + 4).min(index.tokens().len());
        &index.tokens()[start..end]
    }
}

/// Finds every `.name` access of one of `fields`, other than method calls named like a field.
pub fn field_accesses(index: &FileIndex, fields: &[&str]) -> Vec<FieldAccess> {
    let tokens = index.tokens();
    let kind_at = |i: usize| tokens.get(i).map(|token: &SyntaxToken| token.kind());
    let mut accesses = Vec::new();
    for i in 0..tokens.len().saturating_sub(1) {
        // `self.0` names a field of a tuple struct.
        if tokens[i].kind() != T![.] || !matches!(tokens[i + 1].kind(), SyntaxKind::IDENT | SyntaxKind::INT_NUMBER) {
            continue;
        }
        let name = tokens[i + 1].text();
        if !fields.contains(&name) {
            continue;
        }
        // `.calls()` and `.calls::<T>()` are method calls, not field accesses.
        if matches!(kind_at(i + 2), Some(T!['(']) | Some(T![::])) {
            continue;
        }
        let is_call = kind_at(i + 2) == Some(T![.])
            && kind_at(i + 3) == Some(SyntaxKind::IDENT)
            && kind_at(i + 4) == Some(T!['(']);
        let method = is_call.then(|| tokens[i + 3].text().to_string());
        let kind = if kind_at(i + 2) == Some(T![.])
            && kind_at(i + 3) == Some(SyntaxKind::IDENT)
            && kind_at(i + 4) == Some(T!['('])
        {
            let no_arguments = kind_at(i + 5) == Some(T![')']);
            match (tokens[i + 3].text(), no_arguments) {
                ("borrow" | "borrow_mut", true) => AccessKind::Borrow,
                ("take", true) => AccessKind::Take,
                ("replace", false) => AccessKind::Replace,
                ("into_inner" | "get_mut", true) => AccessKind::Unlocked,
                ("load", _) => AccessKind::Load,
                ("store", _) => AccessKind::Store,
                (method, _) => AccessKind::OtherMethod(method.to_string()),
            }
        } else {
            AccessKind::Other
        };
        accesses.push(FieldAccess {
            field: name.to_string(),
            dot_index: i,
            offset: token_range(&tokens[i + 1]).0,
            on_self: i > 0 && tokens[i - 1].kind() == T![self],
            receiver: simple_receiver(tokens, i),
            in_macro: tokens[i]
                .parent()
                .is_some_and(|parent| parent.kind() == SyntaxKind::TOKEN_TREE),
            kind,
            method,
        });
    }
    accesses
}

/// A call of a method by name: `.name(` on any receiver, or `Path::name(` such as `Self::name(`
/// or `Trait::name(self)`.
#[derive(Clone, Debug)]
pub struct MethodCall {
    pub name: String,
    pub offset: usize,
    /// The call is `self.name(..)`, `Self::name(..)` or `Path::name(self, ..)`.
    pub on_self: bool,
    /// The receiver when it is a plain name such as `self` or `mock`: before the `.`, or the first
    /// argument of a call through a path.
    pub receiver: Option<String>,
}

pub fn method_calls(index: &FileIndex, names: &[&str]) -> Vec<MethodCall> {
    let tokens = index.tokens();
    let mut calls = Vec::new();
    for i in 1..tokens.len().saturating_sub(1) {
        let separator = tokens[i - 1].kind();
        if !matches!(separator, T![.] | T![::])
            || tokens[i].kind() != SyntaxKind::IDENT
            || tokens[i + 1].kind() != T!['(']
        {
            continue;
        }
        let name = tokens[i].text();
        if !names.contains(&name) {
            continue;
        }
        let before = i.checked_sub(2).map(|j| tokens[j].kind());
        let (on_self, receiver) = match separator {
            T![.] => (before == Some(T![self]), simple_receiver(tokens, i - 1)),
            // `Trait::name(self)` calls a trait's method on `self` by its path, as code does when two
            // traits of the double have methods of one name.
            _ => {
                let receiver = first_argument(tokens, i + 1);
                (
                    before == Some(T![Self]) || receiver.as_deref() == Some("self"),
                    receiver,
                )
            }
        };
        calls.push(MethodCall {
            name: name.to_string(),
            offset: token_range(&tokens[i]).0,
            on_self,
            receiver,
        });
    }
    calls
}

/// Returns the first argument of the call whose `(` is at `open` when it is a plain name, or a reference to
/// or dereference of one: `self` in `Trait::name(&*self, x)`.
fn first_argument(tokens: &[SyntaxToken], open: usize) -> Option<String> {
    let mut at = open + 1;
    while tokens
        .get(at)
        .is_some_and(|token| matches!(token.kind(), T![&] | T![*] | T![mut]))
    {
        at += 1;
    }
    let name = tokens.get(at)?;
    let closes = tokens
        .get(at + 1)
        .is_some_and(|next| matches!(next.kind(), T![,] | T![')']));
    (matches!(name.kind(), SyntaxKind::IDENT | T![self]) && closes).then(|| name.text().to_string())
}

/// The receiver before the `.` at `dot` when it is a single name that does not continue a longer
/// path or chain: `mock` in `mock.calls`, but nothing for `a.mock.calls` or `f().calls`.
fn simple_receiver(tokens: &[SyntaxToken], dot: usize) -> Option<String> {
    let receiver = tokens.get(dot.checked_sub(1)?)?;
    if !matches!(receiver.kind(), SyntaxKind::IDENT | T![self]) {
        return None;
    }
    let before = dot.checked_sub(2).map(|i| tokens[i].kind());
    if matches!(before, Some(T![.]) | Some(T![::])) {
        return None;
    }
    Some(receiver.text().to_string())
}

//! Imports: merges the `std::sync` names that a fix introduces into the `use` items already
//! there, and removes the `std::cell` imports that a fix left unused.
//!
//! Both passes run on the text after the fix's other edits, parsed again, so that they see
//! exactly which names the fixed code uses in which module. Each edit touches one `use` tree and
//! keeps the file's formatting: `use std::sync::Arc;` becomes `use std::sync::{Arc, Mutex};`, a
//! multi-line list gains a line, and a new `use` goes beside the module's other imports.

use ra_ap_syntax::ast::{self, AstNode, HasName};
use ra_ap_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextSize, T};

use super::index::{enclosing_item_list, module_items};
use super::text::{
    indentation_at, line_content_end, line_ending_at, line_start, next_significant, node_range, previous_significant,
    token_range,
};
use crate::edit::TextEdit;

/// One name brought into scope by a `use` tree, or a glob.
#[derive(Clone, Debug)]
pub struct UseLeaf {
    /// The full path, with the prefixes of enclosing `{..}` lists: `["std", "sync", "Arc"]`.
    pub path: Vec<String>,
    pub alias: Option<String>,
    pub is_glob: bool,
    pub tree: ast::UseTree,
}

impl UseLeaf {
    /// Returns whether the leaf puts `name` in scope.
    pub fn binds(&self, name: &str) -> bool {
        !self.is_glob && self.alias.as_deref().or(self.path.last().map(String::as_str)) == Some(name)
    }

    pub fn is_path(&self, path: &[&str]) -> bool {
        !self.is_glob && self.path.iter().map(String::as_str).eq(path.iter().copied())
    }
}

/// A `use` tree with a `{..}` list, and the full path in front of the list.
struct UseList {
    prefix: Vec<String>,
    list: ast::UseTreeList,
}

fn path_segments(path: &ast::Path) -> Vec<String> {
    path.segments()
        .map(|segment| segment.syntax().text().to_string().trim().to_string())
        .collect()
}

fn collect_trees(tree: ast::UseTree, prefix: &[String], leaves: &mut Vec<UseLeaf>, lists: &mut Vec<UseList>) {
    let mut path = prefix.to_vec();
    if let Some(own) = tree.path() {
        path.extend(path_segments(&own));
    }
    if let Some(list) = tree.use_tree_list() {
        for child in list.use_trees() {
            collect_trees(child, &path, leaves, lists);
        }
        lists.push(UseList { prefix: path, list });
    } else {
        let alias = tree
            .rename()
            .and_then(|rename| rename.name().map(|name| name.text().to_string()));
        leaves.push(UseLeaf {
            path,
            alias,
            is_glob: tree.star_token().is_some(),
            tree,
        });
    }
}

/// Returns the `use` items of a module node returned by `enclosing_item_list`, in order.
fn module_uses(module: &SyntaxNode) -> Vec<ast::Use> {
    let is_module = ast::ItemList::can_cast(module.kind()) || ast::SourceFile::can_cast(module.kind());
    if !is_module {
        return Vec::new();
    }
    module.children().filter_map(ast::Use::cast).collect()
}

fn trees_of(module: &SyntaxNode) -> (Vec<UseLeaf>, Vec<UseList>) {
    let mut leaves = Vec::new();
    let mut lists = Vec::new();
    for use_item in module_uses(module) {
        if let Some(tree) = use_item.use_tree() {
            collect_trees(tree, &[], &mut leaves, &mut lists);
        }
    }
    (leaves, lists)
}

/// Returns the leaves of every `use` item directly in `module`.
pub fn use_leaves(module: &SyntaxNode) -> Vec<UseLeaf> {
    trees_of(module).0
}

fn inside_use(token: &SyntaxToken) -> bool {
    token.parent_ancestors().any(|node| node.kind() == SyntaxKind::USE)
}

/// Tokens naming `name` as the start of a path, outside `use` items: `Mutex` in `Mutex<T>` and
/// `Mutex::new`, but not in `std::sync::Mutex`. `source` is the text of `root`, a whole file.
fn unqualified_uses(source: &str, root: &SyntaxNode, name: &str) -> Vec<SyntaxToken> {
    tokens_spelling(source, root, name)
        .into_iter()
        .filter(|token| starts_path(token) && !inside_use(token))
        .collect()
}

/// Returns the tokens of `root` whose text is `name`, in order. `source` is the text of `root`,
/// a whole file.
///
/// Only the places where `source` contains `name` are looked up in the tree, which is much
/// cheaper than a walk over every token of a large file.
fn tokens_spelling(source: &str, root: &SyntaxNode, name: &str) -> Vec<SyntaxToken> {
    let finder = memchr::memmem::Finder::new(name);
    let mut tokens = Vec::new();
    let mut from = 0;
    // Each search starts one byte after the last match, so that matches may overlap.
    while let Some(found) = finder.find(&source.as_bytes()[from..]) {
        let offset = from + found;
        from = offset + 1;
        let Ok(at) = u32::try_from(offset) else { break };
        let Some(token) = root.token_at_offset(TextSize::from(at)).right_biased() else {
            continue;
        };
        if usize::from(token.text_range().start()) == offset && token.text() == name {
            tokens.push(token);
        }
    }
    tokens
}

/// Returns the tokens of `root` whose text is `name` and that start inside one of `ranges`, in
/// order. `ranges` are byte ranges of `source`, sorted by start, and `source` is the text of
/// `root`, a whole file.
pub fn tokens_starting_within(
    source: &str,
    root: &SyntaxNode,
    name: &str,
    ranges: &[(usize, usize)],
) -> Vec<SyntaxToken> {
    let finder = memchr::memmem::Finder::new(name);
    let mut tokens = Vec::new();
    for &(start, end) in ranges {
        // A token that starts inside the range may end after it.
        let window_end = (end + name.len()).min(source.len());
        let Some(window) = source.as_bytes().get(start..window_end) else {
            continue;
        };
        let mut from = 0;
        while let Some(found) = finder.find(&window[from..]) {
            let offset = start + from + found;
            from += found + 1;
            if offset >= end {
                break;
            }
            let Ok(at) = u32::try_from(offset) else { break };
            let Some(token) = root.token_at_offset(TextSize::from(at)).right_biased() else {
                continue;
            };
            if usize::from(token.text_range().start()) == offset && token.text() == name {
                tokens.push(token);
            }
        }
    }
    tokens
}

/// Returns whether `token` is an identifier that starts a path: the token before it, whitespace and
/// comments skipped, is not `::`.
fn starts_path(token: &SyntaxToken) -> bool {
    if token.kind() != SyntaxKind::IDENT {
        return false;
    }
    previous_significant(token).is_none_or(|previous| previous.kind() != T![::])
}

/// The places where a file names the items that fixes import or replace.
#[derive(Debug, Default)]
pub struct NamesInFile {
    /// For each item that fixes import, the modules, by `module_path`, whose code names it
    /// outside `use` items, when there are any.
    modules: Vec<(String, Vec<Vec<String>>)>,
    /// The items that fixes replace whose name a token outside `use` items spells, also as the
    /// last segment of a longer path.
    spelled: Vec<String>,
}

impl NamesInFile {
    /// Finds the names in `imported` and in `replaced` in `root`, whose text is `source`.
    pub fn find(source: &str, root: &SyntaxNode, imported: &[&str], replaced: &[&str]) -> NamesInFile {
        let mut names = NamesInFile::default();
        for name in imported {
            let mut modules: Vec<Vec<String>> = Vec::new();
            for token in unqualified_uses(source, root, name) {
                let module = module_path(&enclosing_item_list(&token.parent().expect("tokens have a parent")));
                if !modules.contains(&module) {
                    modules.push(module);
                }
            }
            if !modules.is_empty() {
                names.modules.push((name.to_string(), modules));
            }
        }
        for name in replaced {
            if tokens_spelling(source, root, name)
                .iter()
                .any(|token| !inside_use(token))
            {
                names.spelled.push(name.to_string());
            }
        }
        names
    }

    /// Returns the modules, by `module_path`, whose code names `name` outside `use` items.
    pub fn modules_naming(&self, name: &str) -> &[Vec<String>] {
        self.modules
            .iter()
            .find(|(known, _)| known == name)
            .map_or(&[], |(_, modules)| modules.as_slice())
    }

    /// Returns whether a token outside `use` items spells `name`.
    pub fn spells(&self, name: &str) -> bool {
        self.spelled.iter().any(|known| known == name)
    }
}

/// Plans the imports of `path` (such as `std::sync::Mutex`) for every module of `root` whose code
/// names it without importing it.
///
/// `named_before` lists the modules, by `module_path`, whose code named the item before the fix.
/// In any other module every use is the fix's own, so a glob import that brings another item of
/// that name is shadowed by an explicit import. In a module that named it before, the existing
/// uses mean the glob's item and only an unbound name gets an import.
pub fn plan_additions(source: &str, root: &SyntaxNode, path: &[&str], named_before: &[Vec<String>]) -> Vec<TextEdit> {
    let name = *path.last().expect("an import path has a name");
    let mut modules: Vec<SyntaxNode> = Vec::new();
    for token in unqualified_uses(source, root, name) {
        let module = enclosing_item_list(&token.parent().expect("tokens have a parent"));
        if !modules.contains(&module) {
            modules.push(module);
        }
    }
    // Outer modules first, so that a child with `use super::*` sees its parent's new import.
    modules.sort_by_key(|module| module.ancestors().count());
    let mut gaining: Vec<SyntaxNode> = Vec::new();
    let mut edits = Vec::new();
    let (item_name, std_module) = path.split_last().expect("an import path has a name");
    for module in modules {
        let parent_gains = has_super_glob(&module) && gaining.iter().any(|gainer| is_parent(gainer, &module));
        let needed = match binding_of(&module, item_name, std_module) {
            _ if parent_gains => false,
            Binding::Unbound => true,
            Binding::Explicit(_) => false,
            Binding::Glob(found) => {
                !named_before.contains(&module_path(&module))
                    && !found.iter().map(String::as_str).eq(path.iter().copied())
            }
            Binding::Unknown => !named_before.contains(&module_path(&module)),
        };
        if !needed {
            continue;
        }
        edits.extend(plan_addition(source, &module, path));
        gaining.push(module);
    }
    edits
}

/// Returns the names of the inline `mod` items around `module`, outermost first; empty for the file.
pub fn module_path(module: &SyntaxNode) -> Vec<String> {
    let mut names: Vec<String> = module
        .ancestors()
        .filter_map(ast::Module::cast)
        .filter_map(|item| item.name().map(|name| name.text().to_string()))
        .collect();
    names.reverse();
    names
}

fn has_super_glob(module: &SyntaxNode) -> bool {
    use_leaves(module)
        .iter()
        .any(|leaf| leaf.is_glob && leaf.path == ["super"])
}

/// Returns whether `parent` is the module that directly contains `child`.
fn is_parent(parent: &SyntaxNode, child: &SyntaxNode) -> bool {
    child
        .parent()
        .and_then(|module_item| module_item.parent())
        .is_some_and(|outer| enclosing_item_list(&outer) == *parent)
}

fn plan_addition(source: &str, module: &SyntaxNode, path: &[&str]) -> Option<TextEdit> {
    let (name, prefix) = path.split_last().expect("an import path has a name");
    let (leaves, lists) = trees_of(module);

    // `use std::sync::{Arc, Barrier};` gains the name in order.
    if let Some(found) = lists
        .iter()
        .find(|list| list.prefix.iter().map(String::as_str).eq(prefix.iter().copied()))
    {
        return Some(insert_into_list(&found.list, name));
    }
    // `use std::sync::Arc;` becomes `use std::sync::{Arc, Mutex};`.
    let sibling = leaves.iter().find(|leaf| {
        leaf.alias.is_none()
            && !leaf.is_glob
            && leaf.path.len() == path.len()
            && leaf.path[..prefix.len()]
                .iter()
                .map(String::as_str)
                .eq(prefix.iter().copied())
            && leaf.path.last().is_some_and(|last| last != "self")
    });
    if let Some(leaf) = sibling {
        let segment = leaf.tree.path()?.segment()?;
        let (start, end) = node_range(segment.syntax());
        let existing = leaf.path.last().expect("checked above").clone();
        let mut names = [existing, name.to_string()];
        names.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        return Some(TextEdit::replace(start, end, format!("{{{}, {}}}", names[0], names[1])));
    }

    let statement = format!("use {};", path.join("::"));
    let uses = module_uses(module);
    let std_use = uses
        .iter()
        .rfind(|use_item| use_item.syntax().text().to_string().contains("std::"));
    if let Some(anchor) = std_use {
        let (start, end) = node_range(anchor.syntax());
        let indent = indentation_at(source, start);
        let eol = line_ending_at(source, end);
        return Some(TextEdit::insert(
            line_content_end(source, end),
            format!("{eol}{indent}{statement}"),
        ));
    }
    let first_item = uses
        .first()
        .map(|use_item| use_item.syntax().clone())
        .or_else(|| module_items(module).first().map(|item| item.syntax().clone()));
    if let Some(first) = first_item {
        let (start, _) = node_range(&first);
        let indent = indentation_at(source, start).to_string();
        let eol = line_ending_at(source, start);
        let gap = if uses.is_empty() { eol } else { "" };
        return Some(TextEdit::insert(
            line_start(source, start),
            format!("{indent}{statement}{eol}{gap}"),
        ));
    }
    // A module without items: `mod tests {}` or an empty file.
    let l_curly = ast::ItemList::cast(module.clone()).and_then(|list| list.l_curly_token());
    match l_curly {
        Some(l_curly) => {
            let (_, end) = token_range(&l_curly);
            Some(TextEdit::insert(end, format!(" {statement}")))
        }
        None => Some(TextEdit::insert(0, format!("{statement}{}", line_ending_at(source, 0)))),
    }
}

/// Orders names as rustfmt's default style does: `self` first, then modules, then types.
fn sort_key(name: &str) -> (u8, &str) {
    let class = match name {
        "self" => 0,
        _ if name.starts_with(|c: char| c.is_lowercase()) => 1,
        _ => 2,
    };
    (class, name)
}

fn insert_into_list(list: &ast::UseTreeList, name: &str) -> TextEdit {
    let trees: Vec<ast::UseTree> = list.use_trees().collect();
    let multiline = list.syntax().text().contains_char('\n');
    let next = trees
        .iter()
        .find(|tree| sort_key(name) < sort_key(tree.syntax().text().to_string().trim()));
    if let Some(next) = next {
        let (start, _) = node_range(next.syntax());
        let before = next.syntax().first_token().and_then(|token| token.prev_token());
        let whitespace = before
            .filter(|token| token.kind() == SyntaxKind::WHITESPACE)
            .map(|token| token.text().to_string());
        let separator = whitespace
            .filter(|text| !text.is_empty())
            .unwrap_or_else(|| " ".to_string());
        return TextEdit::insert(start, format!("{name},{separator}"));
    }
    let Some(last) = trees.last() else {
        let (_, end) = token_range(&list.l_curly_token().expect("a use list has braces"));
        return TextEdit::insert(end, name.to_string());
    };
    let (_, last_end) = node_range(last.syntax());
    let comma = last
        .syntax()
        .last_token()
        .and_then(|token| next_significant(&token))
        .filter(|token| token.kind() == T![,]);
    if multiline {
        let before = last.syntax().first_token().and_then(|token| token.prev_token());
        let whitespace = before
            .filter(|token| token.kind() == SyntaxKind::WHITESPACE)
            .map_or_else(|| " ".to_string(), |token| token.text().to_string());
        return match comma {
            Some(comma) => TextEdit::insert(token_range(&comma).1, format!("{whitespace}{name},")),
            None => TextEdit::insert(last_end, format!(",{whitespace}{name}")),
        };
    }
    match comma {
        Some(comma) => TextEdit::insert(token_range(&comma).1, format!(" {name},")),
        None => TextEdit::insert(last_end, format!(", {name}")),
    }
}

/// Plans the removal of every import of `paths` (such as `std::cell::RefCell` and
/// `core::cell::RefCell`, which end in the same name) when nothing in `root` outside `use` items
/// names it any more.
pub fn plan_removals(source: &str, root: &SyntaxNode, paths: &[&[&str]]) -> Vec<TextEdit> {
    let name = *paths[0].last().expect("an import path has a name");
    if !unqualified_uses(source, root, name).is_empty() {
        return Vec::new();
    }
    // An import of one of `paths`, which all end in `name`, spells `name` inside its `use` item,
    // so only the modules of such items need a look; they are taken in the order of the file.
    let mut modules: Vec<SyntaxNode> = Vec::new();
    for token in tokens_spelling(source, root, name) {
        let Some(use_item) = token.parent_ancestors().find(|node| node.kind() == SyntaxKind::USE) else {
            continue;
        };
        let Some(module) = use_item.parent() else { continue };
        let is_module = module.kind() == SyntaxKind::SOURCE_FILE || is_module_item_list(&module);
        if is_module && !modules.contains(&module) {
            modules.push(module);
        }
    }
    modules.sort_by_key(|module| module.text_range().start());
    let mut edits = Vec::new();
    for module in modules {
        for leaf in use_leaves(&module) {
            if leaf.alias.is_none() && paths.iter().any(|path| leaf.is_path(path)) {
                edits.extend(remove_tree(source, &leaf.tree));
            }
        }
    }
    edits
}

fn is_module_item_list(node: &SyntaxNode) -> bool {
    node.kind() == SyntaxKind::ITEM_LIST && node.parent().is_some_and(|parent| parent.kind() == SyntaxKind::MODULE)
}

fn remove_tree(source: &str, tree: &ast::UseTree) -> Vec<TextEdit> {
    let Some(list) = tree.parent_use_tree_list() else {
        // The whole `use` item goes, with its line when it has one to itself.
        let Some(use_item) = tree.syntax().parent().and_then(ast::Use::cast) else {
            return Vec::new();
        };
        let (start, end) = node_range(use_item.syntax());
        let line_begin = line_start(source, start);
        let content_end = line_content_end(source, end);
        let alone = source[line_begin..start].trim().is_empty() && source[end..content_end].trim().is_empty();
        if alone {
            let line_after = |from: usize| source[from..].find('\n').map_or(source.len(), |i| from + i + 1);
            let mut next_line = line_after(content_end);
            // When the item was the only line of its group, the blank line after it goes too, so
            // that no blank line is left at the top of the file or doubled.
            let is_blank = |from: usize, to: usize| source[from..to].trim().is_empty();
            let blank_before = line_begin == 0 || {
                let previous = line_start(source, line_begin - 1);
                is_blank(previous, line_begin)
            };
            let following = line_after(next_line);
            if blank_before && next_line < source.len() && is_blank(next_line, following) {
                next_line = following;
            }
            return vec![TextEdit::delete(line_begin, next_line)];
        }
        return vec![TextEdit::delete(start, end)];
    };
    let siblings: Vec<ast::UseTree> = list
        .use_trees()
        .filter(|sibling| sibling.syntax() != tree.syntax())
        .collect();
    if siblings.is_empty() {
        return remove_tree(source, &list.parent_use_tree());
    }
    let list_text = list.syntax().text().to_string();
    let single_line = !list_text.contains('\n') && !list_text.contains("//") && !list_text.contains("/*");
    if let [remaining] = siblings.as_slice() {
        let remaining_text = remaining.syntax().text().to_string();
        if single_line && remaining_text != "self" {
            let (start, end) = node_range(list.syntax());
            // `std::cell::{Cell, RefCell}` becomes `std::cell::Cell`; a bare `{a}` list keeps its braces
            // only where a path must follow `::`.
            let owner_has_path = list.parent_use_tree().path().is_some();
            if owner_has_path {
                return vec![TextEdit::replace(start, end, remaining_text)];
            }
        }
    }
    let (start, end) = node_range(tree.syntax());
    let comma_after = tree
        .syntax()
        .last_token()
        .and_then(|token| next_significant(&token))
        .filter(|token| token.kind() == T![,]);
    let next_sibling = siblings.iter().find(|sibling| node_range(sibling.syntax()).0 > start);
    match (comma_after, next_sibling) {
        (Some(_), Some(next)) => vec![TextEdit::delete(start, node_range(next.syntax()).0)],
        (Some(comma), None) => {
            let previous = siblings.last().expect("siblings are not empty");
            let previous_comma = previous
                .syntax()
                .last_token()
                .and_then(|token| next_significant(&token));
            let from = previous_comma.map_or(node_range(previous.syntax()).1, |comma| token_range(&comma).1);
            vec![TextEdit::delete(from, token_range(&comma).1)]
        }
        (None, _) => {
            let previous = siblings.last().expect("siblings are not empty");
            vec![TextEdit::delete(node_range(previous.syntax()).1, end)]
        }
    }
}

/// What a name refers to in a module, as far as its `use` items tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// Nothing in the module's imports binds the name.
    Unbound,
    /// An import of the module itself binds the name to this path.
    Explicit(Vec<String>),
    /// A glob import brings the name from this path: `use super::*` and the parent's import, or
    /// `use std::sync::*`.
    Glob(Vec<String>),
    /// A glob import of a module mockfix cannot see into may bring the name.
    Unknown,
}

/// Resolves `name` in `module` through its imports and `use super::*` chains. `std_modules` lists
/// the standard modules whose globs are known to bring the name, such as `["std", "sync"]`.
pub fn binding_of(module: &SyntaxNode, name: &str, std_module: &[&str]) -> Binding {
    let leaves = use_leaves(module);
    if let Some(leaf) = leaves.iter().find(|leaf| leaf.binds(name)) {
        return Binding::Explicit(leaf.path.clone());
    }
    let mut result = Binding::Unbound;
    for glob in leaves.iter().filter(|leaf| leaf.is_glob) {
        let found = if glob.path == ["super"] {
            let parent = module
                .parent()
                .and_then(|module_item| module_item.parent())
                .map(|outer| enclosing_item_list(&outer));
            match parent.map(|parent| binding_of(&parent, name, std_module)) {
                Some(Binding::Explicit(path) | Binding::Glob(path)) => Binding::Glob(path),
                Some(other) => other,
                None => Binding::Unbound,
            }
        } else if glob.path.iter().map(String::as_str).eq(std_module.iter().copied()) {
            let mut path = glob.path.clone();
            path.push(name.to_string());
            Binding::Glob(path)
        } else if glob.path.first().is_some_and(|first| first == "std" || first == "core") {
            // Other standard modules: only `std::cmp` and `core::cmp` bring an `Ordering`.
            if glob.path.last().is_some_and(|last| last == "cmp") && name == "Ordering" {
                let mut path = glob.path.clone();
                path.push(name.to_string());
                Binding::Glob(path)
            } else {
                Binding::Unbound
            }
        } else {
            Binding::Unknown
        };
        if found != Binding::Unbound {
            result = found;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use ra_ap_syntax::{Edition, SourceFile};

    use super::*;

    fn module_named(root: &SyntaxNode, name: &str) -> SyntaxNode {
        root.descendants()
            .filter_map(ast::Module::cast)
            .find(|module| module.name().is_some_and(|found| found.text() == name))
            .and_then(|module| module.item_list())
            .map(|list| list.syntax().clone())
            .unwrap()
    }

    #[test]
    fn binding_follows_super_glob() {
        let source = "use std::cmp::Ordering;\nmod tests {\n    use super::*;\n    mod deeper { use super::*; }\n}\n";
        let root = SourceFile::parse(source, Edition::Edition2021).tree().syntax().clone();
        let expected = Binding::Glob(vec!["std".into(), "cmp".into(), "Ordering".into()]);
        assert_eq!(
            binding_of(&module_named(&root, "tests"), "Ordering", &["std", "sync", "atomic"]),
            expected
        );
        assert_eq!(
            binding_of(&module_named(&root, "deeper"), "Ordering", &["std", "sync", "atomic"]),
            expected
        );
        assert_eq!(
            binding_of(&root, "Ordering", &["std", "sync", "atomic"]),
            Binding::Explicit(vec!["std".into(), "cmp".into(), "Ordering".into()])
        );
    }

    #[test]
    fn binding_of_unknown_glob() {
        let source = "use crate::prelude::*;\n";
        let root = SourceFile::parse(source, Edition::Edition2021).tree().syntax().clone();
        assert_eq!(binding_of(&root, "Mutex", &["std", "sync"]), Binding::Unknown);
        let root = SourceFile::parse("use std::sync::*;\n", Edition::Edition2021)
            .tree()
            .syntax()
            .clone();
        assert_eq!(
            binding_of(&root, "Mutex", &["std", "sync"]),
            Binding::Glob(vec!["std".into(), "sync".into(), "Mutex".into()])
        );
    }
}

//! The Go front end: parses a file with tree-sitter-go, finds the struct doubles that the Go
//! rules match and plans their fixes as text edits over the original source.
//!
//! It mirrors the Rust front end. `syntax` parses, `index` lists the structs, methods and
//! imports, and `detect` finds what each method does with the fields. `plan` places the locks
//! and plans the edits, `align` keeps struct fields aligned as gofmt aligns them, and `imports`
//! adds `"sync"`. tree-sitter's byte ranges are into the original text, so everything outside
//! the edits stays as it was.

pub mod align;
pub mod detect;
pub mod imports;
pub mod index;
pub mod plan;
pub mod syntax;

use tree_sitter::Node;

use crate::config::{RuleSet, StateKind};
use crate::edit::{self, TextEdit};
use crate::fix::{Conversion, Finding, ForeignDouble};
use crate::language::{ForeignUses, Language};
use crate::rust::suppression::suppresses;
use crate::rust::text::line_start;
use crate::SourceError;
use index::{composite_literals, is_positional, FileIndex, StructInfo};
use plan::PlanContext;
use syntax::{descendants, first_error, line_of, text};

/// Finds the doubles in `source` that the enabled Go rules match, each with its planned fix, and
/// plans this file's uses of the `foreign` doubles that other files of its package fix.
pub fn analyze_with_foreign(
    path: &str,
    source: &str,
    rules: &RuleSet,
    foreign: &[ForeignDouble],
) -> Result<(Vec<Finding>, Vec<ForeignUses>), SourceError> {
    let tree = syntax::parse(source)?;
    let index = FileIndex::build(tree.root_node(), source);
    let ctx = PlanContext { source, index: &index };
    let foreign_uses = foreign.iter().map(|double| plan_foreign_uses(&ctx, double)).collect();
    let findings = find_doubles(path, &ctx, rules)?;
    Ok((findings, foreign_uses))
}

fn find_doubles(path: &str, ctx: &PlanContext, rules: &RuleSet) -> Result<Vec<Finding>, SourceError> {
    let index = ctx.index;
    let mut findings = Vec::new();
    for rule in rules.enabled().filter(|rule| rule.language == Language::Go) {
        if !rule.matches_path(path) {
            log::debug!("{path}: rule `{}` does not apply to this path", rule.id);
            continue;
        }
        // Doubles belong to tests: `_test.go` files and packages that only tests import.
        if !rule.matches_go_package(path, &index.package) {
            log::debug!(
                "{path}: rule `{}` skipped: not a `_test.go` file, and package `{}` is not one of its test packages",
                rule.id,
                index.package
            );
            continue;
        }
        for info in &index.structs {
            if !rule.matches_name(&info.name) {
                continue;
            }
            // Methods are matched to types by name, so two types of one name cannot be separated.
            if info.name_is_ambiguous {
                log::debug!(
                    "{path}: `{}` skipped: the file declares two types of that name",
                    info.name
                );
                continue;
            }
            // `// mockfix: ignore` or `// mockfix: ignore[rule-id]` above the type.
            if is_suppressed(ctx.source, info, &rule.id) {
                log::debug!(
                    "{path}: `{}` skipped: suppressed by a `mockfix: ignore` comment",
                    info.name
                );
                continue;
            }
            for kind in &rule.state_kinds {
                let planned = match kind {
                    StateKind::MutableFields => plan::plan(ctx, rule, info)?,
                    // Rust state, which a Go rule never lists.
                    StateKind::RefCell
                    | StateKind::Cell
                    | StateKind::Rc
                    | StateKind::AtomicTwoStep
                    | StateKind::StaticMut
                    | StateKind::UnsafeSyncCell => None,
                };
                findings.extend(planned);
            }
        }
    }
    findings.sort_by_key(|finding| finding.name_range.0);
    Ok(findings)
}

/// Whether a comment line directly above the type suppresses `rule_id`.
fn is_suppressed(source: &str, info: &StructInfo, rule_id: &str) -> bool {
    let start = line_start(source, info.name_range.0);
    source[..start]
        .lines()
        .rev()
        .take_while(|line| line.trim_start().starts_with("//"))
        .any(|line| suppresses(line, rule_id))
}

/// Checks this file's uses of a double that another file of the package fixes. The fix never
/// edits this file. It needs review when this file declares methods of the double that touch its
/// state, builds it with a positional literal, or calls a method that runs without the lock.
fn plan_foreign_uses(ctx: &PlanContext, double: &ForeignDouble) -> ForeignUses {
    let name = double.struct_name.as_str();
    let mut uses = ForeignUses {
        struct_name: double.struct_name.clone(),
        edits: Vec::new(),
        problems: Vec::new(),
    };
    let Conversion::GoGuard {
        field,
        field_added,
        state_fields,
        unlocked_helpers,
    } = &double.conversion
    else {
        return uses;
    };
    // A type of the same name declared here is this file's own.
    if ctx.index.structs.iter().any(|info| info.name == name) {
        return uses;
    }
    let source = ctx.source;
    for method in ctx.index.methods_of(name) {
        let (Some(receiver), Some(body)) = (method.receiver.as_deref(), method.body) else {
            continue;
        };
        let touches = descendants(body).into_iter().any(|node| {
            node.kind() == "selector_expression"
                && node
                    .child_by_field_name("operand")
                    .is_some_and(|operand| text(operand, source) == receiver)
                && node
                    .child_by_field_name("field")
                    .is_some_and(|selected| state_fields.iter().any(|state| state == text(selected, source)))
        });
        let locks = text(body, source).contains(&format!("{receiver}.{field}."));
        if touches && !locks {
            uses.problems.push(format!(
                "its method `{}` at line {} touches the state without the lock; move it into the file that declares `{name}`, then run mockfix again",
                method.name,
                line_of(source, method.node.start_byte())
            ));
        }
    }
    if *field_added {
        if let Some(literal) = composite_literals(ctx.index.root, name, source)
            .into_iter()
            .find(|literal| is_positional(*literal))
        {
            uses.problems.push(format!(
                "the composite literal at line {} lists its fields by position, and the new field `{field}` would break it",
                line_of(source, literal.start_byte())
            ));
        }
    }
    for call in descendants(ctx.index.root)
        .into_iter()
        .filter(|node| node.kind() == "call_expression")
        .filter_map(|call| call.child_by_field_name("function"))
        .filter(|function| function.kind() == "selector_expression")
    {
        let Some(selected) = call.child_by_field_name("field") else {
            continue;
        };
        let selected = text(selected, source);
        if unlocked_helpers.iter().any(|helper| helper == selected) {
            uses.problems.push(format!(
                "line {} calls `{selected}`, which the fix leaves unlocked because it expects its callers to hold the lock",
                line_of(source, call.start_byte())
            ));
        }
    }
    uses
}

/// Applies the fixes' `edits` to `source`, adds the `"sync"` import the new fields need, and
/// parses the result.
///
/// Returns the fixed text. An edit set whose result has more syntax errors than the input is a
/// bug in mockfix, reported as `SourceError::Internal`, and nothing of it should be written.
pub fn finish(source: &str, edits: &[TextEdit]) -> Result<String, SourceError> {
    let mut edits = edits.to_vec();
    edit::normalize(&mut edits).map_err(|err| SourceError::Internal(err.to_string()))?;
    let mut fixed = edit::apply(source, &edits);

    let tree = syntax::parse(&fixed)?;
    let index = FileIndex::build(tree.root_node(), &fixed);
    if names_sync_mutex(tree.root_node(), &fixed) {
        if let Some(import) = index.imports.iter().find(|decl| decl.node.has_error()) {
            return Err(first_error(import.node, &fixed).unwrap_or(SourceError::Syntax {
                line: line_of(&fixed, import.node.start_byte()),
                column: 1,
                message: "invalid import declaration".to_string(),
            }));
        }
        if let Some(import) = imports::plan_import(&fixed, &index, "sync") {
            fixed = edit::apply(&fixed, &[import]);
        }
    }

    let errors_before = error_count(syntax::parse(source)?.root_node());
    let tree = syntax::parse(&fixed)?;
    if error_count(tree.root_node()) > errors_before {
        let message = first_error(tree.root_node(), &fixed)
            .map(|err| err.to_string())
            .unwrap_or_default();
        return Err(SourceError::Internal(format!(
            "the fix would introduce a syntax error ({message})"
        )));
    }
    Ok(fixed)
}

/// Whether a struct field of the file has the type `sync.Mutex` or `sync.RWMutex`, written
/// with the package name `sync`.
fn names_sync_mutex(root: Node, source: &str) -> bool {
    descendants(root)
        .into_iter()
        .filter(|node| node.kind() == "field_declaration")
        .filter_map(|field| field.child_by_field_name("type"))
        .any(|field_type| matches!(text(field_type, source), "sync.Mutex" | "sync.RWMutex"))
}

fn error_count(root: Node) -> usize {
    if !root.has_error() {
        return 0;
    }
    descendants(root)
        .into_iter()
        .filter(|node| node.is_error() || node.is_missing())
        .count()
}

#[cfg(test)]
mod tests {
    use crate::config::RuleSet;
    use crate::{fix_source, FixPolicy};

    #[test]
    fn two_doubles_import_sync_once() {
        let source = "package two\n\ntype FakeA struct {\n\tn int\n}\n\nfunc (a *FakeA) Inc() { a.n++ }\n\ntype FakeB struct {\n\tm map[string]int\n}\n\nfunc (b *FakeB) Put(k string) { b.m[k]++ }\n";
        let policy = FixPolicy {
            include_needs_review: false,
        };
        let outcome = fix_source("two_test.go", source, &RuleSet::builtin(), policy).unwrap();
        assert_eq!(outcome.applied.len(), 2);
        assert_eq!(
            outcome.fixed_text.matches("\"sync\"").count(),
            1,
            "{}",
            outcome.fixed_text
        );
        assert_eq!(outcome.fixed_text.matches("mutex sync.Mutex").count(), 2);
    }

    #[test]
    fn rust_rules_skip_go_files() {
        let source = "package a\n\ntype MockMailer struct {\n\tsent []string\n}\n\nfunc (m *MockMailer) Send(to string) {\n\tm.sent = append(m.sent, to)\n}\n";
        let mut rules = RuleSet::builtin();
        rules
            .rules
            .retain(|rule| rule.language == crate::language::Language::Rust);
        let policy = FixPolicy {
            include_needs_review: false,
        };
        let outcome = fix_source("mailer_test.go", source, &rules, policy).unwrap();
        assert!(outcome.findings.is_empty());
        assert_eq!(outcome.fixed_text, source);
    }

    #[test]
    fn expanded_one_liner_splits_aligned_run() {
        let source = "package a\n\ntype FakeStore struct {\n\tn int\n}\n\nfunc (f *FakeStore) ID() int       { return 1 }\nfunc (f *FakeStore) Bump()         { f.n++ }\nfunc (f *FakeStore) Name() string  { return \"store\" }\nfunc (f *FakeStore) Kind() string  { return \"fake\" }\n";
        let policy = FixPolicy {
            include_needs_review: false,
        };
        let outcome = fix_source("store_test.go", source, &RuleSet::builtin(), policy).unwrap();
        let expected = "package a\n\nimport \"sync\"\n\ntype FakeStore struct {\n\tmutex sync.Mutex\n\tn     int\n}\n\nfunc (f *FakeStore) ID() int { return 1 }\nfunc (f *FakeStore) Bump() {\n\tf.mutex.Lock()\n\tdefer f.mutex.Unlock()\n\tf.n++\n}\nfunc (f *FakeStore) Name() string { return \"store\" }\nfunc (f *FakeStore) Kind() string { return \"fake\" }\n";
        assert_eq!(outcome.fixed_text, expected);
    }
}

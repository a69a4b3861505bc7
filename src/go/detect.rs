//! Detection: what each method of a double does with its fields, found from the syntax alone.
//!
//! This module reads every method body, and every function literal that a constructor installs
//! in a function-typed field. For each it lists the field reads and writes through the receiver,
//! the calls of methods and of function-typed fields on the receiver, and the existing `Lock` and
//! `Unlock` calls. It also lists the hazards: places where the body may call back into the
//! double, which a lock held across them would deadlock.

use tree_sitter::Node;

use super::index::{FileIndex, MethodInfo, StructInfo};
use super::syntax::{ancestor_of_kind, descendants, named_children, text};

/// One read or write of a field through the receiver.
#[derive(Clone, Debug)]
pub struct Access {
    pub field: String,
    pub offset: usize,
    pub write: bool,
    /// The access sits in a `go` statement, so it runs after the method returns.
    pub in_goroutine: bool,
}

/// A call through the receiver: of a method (`m.Flush()`) or of a function-typed field
/// (`m.ReadFileFunc(name)`).
#[derive(Clone, Debug)]
pub struct Call {
    pub name: String,
    pub offset: usize,
}

/// A call of `Lock`, `RLock`, `Unlock` or `RUnlock` on a mutex field of the double.
#[derive(Clone, Debug)]
pub struct LockCall {
    /// The selector name of the mutex field: `mu`, or `Mutex` for an embedded one.
    pub mutex_field: String,
    pub method: String,
    pub offset: usize,
}

/// A place where the body may call back into the double.
#[derive(Clone, Debug)]
pub struct Hazard {
    pub offset: usize,
    /// The call back as a clause, such as "passes `m` to a call".
    pub description: String,
}

/// The accesses, calls and hazards of one body.
#[derive(Clone, Debug, Default)]
pub struct BodyFacts {
    pub accesses: Vec<Access>,
    pub method_calls: Vec<Call>,
    pub func_field_calls: Vec<Call>,
    pub lock_calls: Vec<LockCall>,
    pub hazards: Vec<Hazard>,
}

/// A function literal that a constructor stores in a function-typed field of the double, such
/// as `fs.ReadFileFunc = func(name string) ([]byte, error) { ... }`. Methods that call the field
/// run this body unless the test replaces it.
#[derive(Clone, Debug)]
pub struct DefaultImpl {
    pub field: String,
    /// Byte offset of the function literal.
    pub offset: usize,
    pub facts: BodyFacts,
}

const LOCK_METHODS: &[&str] = &["Lock", "RLock", "Unlock", "RUnlock"];

/// Lists what `body` does with the double `info`, reached through the variable `receiver`.
/// `func_params` are the names of function-typed parameters, which the caller passes in.
pub fn body_facts(
    body: Node,
    receiver: &str,
    info: &StructInfo,
    method_names: &[String],
    func_params: &[String],
    source: &str,
) -> BodyFacts {
    let mut facts = BodyFacts::default();
    for node in descendants(body) {
        if node.kind() == "call_expression" {
            if let Some(function) = node.child_by_field_name("function") {
                let name = text(function, source);
                if function.kind() == "identifier" && func_params.iter().any(|param| param == name) {
                    facts.hazards.push(Hazard {
                        offset: node.start_byte(),
                        description: format!("calls `{name}`, a function that its caller passes in"),
                    });
                }
            }
            continue;
        }
        // FIXME: only accesses through the receiver's name are seen, so `other := m` followed by
        // `other.calls = nil` touches the state unnoticed.
        if node.kind() != "identifier" || text(node, source) != receiver {
            continue;
        }
        let Some(parent) = node.parent() else { continue };
        if parent.kind() == "argument_list" {
            facts.hazards.push(Hazard {
                offset: node.start_byte(),
                description: format!("passes `{receiver}` to a call"),
            });
            continue;
        }
        let is_operand = parent.kind() == "selector_expression"
            && parent
                .child_by_field_name("operand")
                .is_some_and(|operand| operand.id() == node.id());
        if !is_operand {
            continue;
        }
        let Some(name_node) = parent.child_by_field_name("field") else {
            continue;
        };
        let name = text(name_node, source).to_string();
        let called = called_as_function(parent);
        // FIXME: a function literal that the method stores for later, rather than starting with
        // `go`, also runs outside the method's lock, but its accesses count as the method's own.
        let in_goroutine = ancestor_of_kind(node, "go_statement", body).is_some();

        if method_names.contains(&name) {
            facts.method_calls.push(Call {
                name,
                offset: node.start_byte(),
            });
            continue;
        }
        // `m.Lock()` on an embedded mutex.
        if called && LOCK_METHODS.contains(&name.as_str()) {
            if let Some(mutex) = info
                .fields
                .iter()
                .find(|field| field.is_embedded() && field.mutex.is_some())
            {
                facts.lock_calls.push(LockCall {
                    mutex_field: mutex.selector_names()[0].clone(),
                    method: name,
                    offset: node.start_byte(),
                });
                continue;
            }
        }
        let Some(field) = info.field(&name) else {
            // A field or method promoted from an embedded type, which this file cannot see.
            continue;
        };
        if field.mutex.is_some() {
            if let Some(method) = lock_method_called_on(parent, source) {
                facts.lock_calls.push(LockCall {
                    mutex_field: name,
                    method,
                    offset: node.start_byte(),
                });
            }
            continue;
        }
        if field.synchronized {
            continue;
        }
        if field.is_func && called {
            facts.func_field_calls.push(Call {
                name: name.clone(),
                offset: node.start_byte(),
            });
        }
        facts.accesses.push(Access {
            field: name,
            offset: node.start_byte(),
            write: is_write(parent, source),
            in_goroutine,
        });
    }
    facts
}

/// Whether `node` is the function of a call expression: `m.Flush()` for the selector `m.Flush`.
fn called_as_function(node: Node) -> bool {
    node.parent().is_some_and(|parent| {
        parent.kind() == "call_expression"
            && parent
                .child_by_field_name("function")
                .is_some_and(|function| function.id() == node.id())
    })
}

/// For the selector `m.mu`, the method of `m.mu.Lock()` when it is one of the lock methods.
fn lock_method_called_on(selector: Node, source: &str) -> Option<String> {
    let outer = selector.parent()?;
    if outer.kind() != "selector_expression" || !called_as_function(outer) {
        return None;
    }
    let method = text(outer.child_by_field_name("field")?, source);
    LOCK_METHODS.contains(&method).then(|| method.to_string())
}

/// Whether the field selector `m.f` is written: assigned (`m.f = x`, `m.f[k] = v`, `m.f.x += 1`),
/// incremented, passed to `delete`, its address taken, or a method called on it, which may
/// change it.
fn is_write(selector: Node, source: &str) -> bool {
    let mut node = selector;
    loop {
        let Some(parent) = node.parent() else { return false };
        let through = match parent.kind() {
            "index_expression" => parent.child_by_field_name("operand").map(|n| n.id()) == Some(node.id()),
            "selector_expression" => parent.child_by_field_name("operand").map(|n| n.id()) == Some(node.id()),
            "parenthesized_expression" => true,
            _ => false,
        };
        if !through {
            break;
        }
        if parent.kind() == "selector_expression" && called_as_function(parent) {
            return true;
        }
        node = parent;
    }
    let Some(parent) = node.parent() else { return false };
    match parent.kind() {
        "inc_statement" | "dec_statement" => true,
        "unary_expression" => parent
            .child_by_field_name("operator")
            .is_some_and(|operator| text(operator, source) == "&"),
        "expression_list" => parent.parent().is_some_and(|statement| {
            statement.kind() == "assignment_statement"
                && statement
                    .child_by_field_name("left")
                    .is_some_and(|left| left.id() == parent.id())
        }),
        "argument_list" => {
            let first_argument = named_children(parent).first().map(|n| n.id()) == Some(node.id());
            let call = parent.parent();
            first_argument
                && call
                    .and_then(|call| call.child_by_field_name("function"))
                    .is_some_and(|function| function.kind() == "identifier" && text(function, source) == "delete")
        }
        _ => false,
    }
}

/// Finds the default implementations of the double's function-typed fields: function literals
/// assigned to them (`x.F = func(...) {...}`) in a constructor, a function that builds the
/// double and returns it, or given there as `F: func(...) {...}` in a composite literal of it
/// that is assigned to a variable.
pub fn default_impls(index: &FileIndex, info: &StructInfo, method_names: &[String], source: &str) -> Vec<DefaultImpl> {
    let func_fields: Vec<String> = info
        .fields
        .iter()
        .filter(|field| field.is_func)
        .flat_map(|field| field.names.clone())
        .collect();
    if func_fields.is_empty() {
        return Vec::new();
    }
    let mut impls = Vec::new();
    for function in named_children(index.root)
        .into_iter()
        .filter(|item| item.kind() == "function_declaration")
    {
        let Some(body) = function.child_by_field_name("body") else {
            continue;
        };
        // A constructor returns the double; a test that builds one and then replaces a function
        // field installs its own implementation, not the default.
        let returns_double = function.child_by_field_name("result").is_some_and(|result| {
            text(result, source)
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|word| word == info.name)
        });
        let literals = super::index::composite_literals(body, &info.name, source);
        let builds_double = !literals.is_empty() || text(body, source).contains(&format!("new({})", info.name));
        if !returns_double || !builds_double {
            continue;
        }
        for node in descendants(body) {
            // `x.F = func(...) {...}`
            if node.kind() == "assignment_statement" {
                let (Some(left), Some(right)) = (node.child_by_field_name("left"), node.child_by_field_name("right"))
                else {
                    continue;
                };
                let (left, right) = (named_children(left), named_children(right));
                let ([target], [value]) = (left.as_slice(), right.as_slice()) else {
                    continue;
                };
                if target.kind() != "selector_expression" || value.kind() != "func_literal" {
                    continue;
                }
                let (Some(operand), Some(field)) = (
                    target.child_by_field_name("operand"),
                    target.child_by_field_name("field"),
                ) else {
                    continue;
                };
                let field = text(field, source);
                if operand.kind() != "identifier" || !func_fields.iter().any(|known| known == field) {
                    continue;
                }
                if let Some(literal_body) = value.child_by_field_name("body") {
                    impls.push(DefaultImpl {
                        field: field.to_string(),
                        offset: value.start_byte(),
                        facts: body_facts(literal_body, text(operand, source), info, method_names, &[], source),
                    });
                }
            }
        }
        // `x := &T{F: func(...) {...}}`
        for literal in literals {
            let Some(variable) = assigned_variable(literal, source) else {
                continue;
            };
            let Some(literal_body) = literal.child_by_field_name("body") else {
                continue;
            };
            for element in named_children(literal_body)
                .into_iter()
                .filter(|element| element.kind() == "keyed_element")
            {
                let (Some(key), Some(value)) =
                    (element.child_by_field_name("key"), element.child_by_field_name("value"))
                else {
                    continue;
                };
                let key = text(key, source);
                let value = named_children(value).into_iter().next().unwrap_or(value);
                if value.kind() != "func_literal" || !func_fields.iter().any(|known| known == key) {
                    continue;
                }
                if let Some(func_body) = value.child_by_field_name("body") {
                    impls.push(DefaultImpl {
                        field: key.to_string(),
                        offset: value.start_byte(),
                        facts: body_facts(func_body, &variable, info, method_names, &[], source),
                    });
                }
            }
        }
    }
    impls
}

/// The variable that a composite literal, or its address, is assigned to: `x` in
/// `x := &T{...}` or `x = T{...}`.
fn assigned_variable(literal: Node, source: &str) -> Option<String> {
    let mut value = literal;
    if let Some(parent) = value.parent().filter(|parent| parent.kind() == "unary_expression") {
        value = parent;
    }
    let list = value.parent().filter(|parent| parent.kind() == "expression_list")?;
    let statement = list
        .parent()
        .filter(|statement| matches!(statement.kind(), "short_var_declaration" | "assignment_statement"))?;
    let left = named_children(statement.child_by_field_name("left")?);
    let right = named_children(list);
    let position = right.iter().position(|node| node.id() == value.id())?;
    let target = left.get(position)?;
    (target.kind() == "identifier").then(|| text(*target, source).to_string())
}

/// The top-level statement of `body` that contains `offset`, as an index into
/// `block_statements(body)`.
pub fn statement_index(statements: &[Node], offset: usize) -> Option<usize> {
    statements
        .iter()
        .position(|statement| statement.start_byte() <= offset && offset < statement.end_byte())
}

/// Whether `statement` contains a `return` that leaves the method, not one inside a function
/// literal.
pub fn returns_from_method(statement: Node) -> bool {
    descendants(statement)
        .into_iter()
        .any(|node| node.kind() == "return_statement" && ancestor_of_kind(node, "func_literal", statement).is_none())
}

/// The facts of every method of the double that has a receiver name and a body.
pub fn method_facts<'t>(
    methods: &'t [MethodInfo<'t>],
    info: &StructInfo,
    method_names: &[String],
    source: &str,
) -> Vec<(&'t MethodInfo<'t>, BodyFacts)> {
    methods
        .iter()
        .filter_map(|method| {
            let receiver = method.receiver.as_deref()?;
            let body = method.body?;
            Some((
                method,
                body_facts(body, receiver, info, method_names, &method.func_params, source),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::index::FileIndex;
    use crate::go::syntax::parse;

    const SOURCE: &str = r#"package fakes

type FakeStore struct {
	data  map[string]string
	log   []string
	n     int
	OnSet func(key string)
}

func (f *FakeStore) Set(k, v string, done func()) {
	f.n++
	f.data[k] = v
	delete(f.data, "old")
	f.log = append(f.log, k)
	f.OnSet(k)
	f.flush()
	done()
	notify(f)
	go func() { f.n += 1 }()
	_ = len(f.log)
}

func (f *FakeStore) flush() {}
"#;

    #[test]
    fn body_facts_classify_accesses() {
        let tree = parse(SOURCE).unwrap();
        let index = FileIndex::build(tree.root_node(), SOURCE);
        let info = &index.structs[0];
        let methods = index.methods_of("FakeStore");
        let names: Vec<String> = methods.iter().map(|method| method.name.clone()).collect();
        let facts = method_facts(&methods, info, &names, SOURCE);
        let (_, set) = &facts[0];
        let summary: Vec<(String, bool)> = set
            .accesses
            .iter()
            .map(|access| (access.field.clone(), access.write))
            .collect();
        let expected: Vec<(String, bool)> = [
            ("n", true),
            ("data", true),
            ("data", true),
            ("log", true),
            ("log", false),
            ("OnSet", false),
            ("n", true),
            ("log", false),
        ]
        .iter()
        .map(|(field, write)| (field.to_string(), *write))
        .collect();
        assert_eq!(summary, expected);
        assert!(set.accesses[6].in_goroutine);
        assert_eq!(set.method_calls.len(), 1);
        assert_eq!(set.func_field_calls.len(), 1);
        let hazards: Vec<&str> = set.hazards.iter().map(|hazard| hazard.description.as_str()).collect();
        assert_eq!(
            hazards,
            vec![
                "calls `done`, a function that its caller passes in",
                "passes `f` to a call"
            ]
        );
    }
}

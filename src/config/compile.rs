//! The compile step: turns a parsed rule file into a checked `Rule`.

use std::path::Path;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use toml::Spanned;

use super::rule_file::RuleFile;
use super::RuleError;
use crate::edit::line_column;
use crate::language::Language;

/// A kind of unsynchronized state that a rule looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateKind {
    /// A `RefCell<T>` field: not `Sync`, so the double cannot be shared between threads at all.
    RefCell,
    /// An atomic field that a method loads and later stores: each access is atomic, but an update
    /// made of the two can lose a concurrent write.
    AtomicTwoStep,
    /// A `Cell<T>` field: not `Sync`; integers and `bool` become atomics, other types a `Mutex`.
    Cell,
    /// An `Rc<T>` field, usually `Rc<RefCell<T>>`: becomes `Arc<T>` and `Arc<Mutex<T>>`.
    Rc,
    /// A `static mut` item used by tests: integers and `bool` become atomics, other types a
    /// `Mutex`. It is not a struct, so `[structs] names` filters the statics by their own name.
    StaticMut,
    /// An `UnsafeCell<T>` or `RefCell<T>` field of a struct that declares `unsafe impl Sync` or
    /// `unsafe impl Send`: becomes a `Mutex<T>` or an atomic, and the `unsafe impl`s go.
    UnsafeSyncCell,
    /// Go: fields that pointer-receiver methods write (`append`, map assignment or `delete`,
    /// `++`, `+=`, plain assignment) and read, with no lock held.
    MutableFields,
}

impl StateKind {
    const NAMES: &'static [(&'static str, StateKind)] = &[
        ("RefCell", StateKind::RefCell),
        ("Cell", StateKind::Cell),
        ("Rc", StateKind::Rc),
        ("atomic-two-step", StateKind::AtomicTwoStep),
        ("static-mut", StateKind::StaticMut),
        ("unsafe-sync-cell", StateKind::UnsafeSyncCell),
        ("mutable-fields", StateKind::MutableFields),
    ];

    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, kind)| *kind == self)
            .map(|(name, _)| *name)
            .unwrap_or_default()
    }

    /// Words that occur in every file holding state of this kind; the prefilter looks for them.
    pub fn trigger_words(self) -> &'static [&'static str] {
        match self {
            StateKind::RefCell => &["RefCell"],
            StateKind::Cell => &["Cell"],
            StateKind::Rc => &["Rc"],
            StateKind::AtomicTwoStep => &["Atomic"],
            StateKind::StaticMut => &["static mut"],
            StateKind::UnsafeSyncCell => &["unsafe impl"],
            // Every Go method is declared with `func`.
            StateKind::MutableFields => &["func"],
        }
    }

    /// The language whose files hold state of this kind.
    pub fn language(self) -> Language {
        match self {
            StateKind::RefCell
            | StateKind::Cell
            | StateKind::Rc
            | StateKind::AtomicTwoStep
            | StateKind::StaticMut
            | StateKind::UnsafeSyncCell => Language::Rust,
            StateKind::MutableFields => Language::Go,
        }
    }

    /// Words of which a file must also contain one, besides a trigger word, to hold this kind
    /// of state. The list is empty when a trigger word is enough. A struct behind `unsafe impl Sync` is
    /// matched only with a field whose type names `UnsafeCell` or `RefCell`.
    pub fn companion_words(self) -> &'static [&'static str] {
        match self {
            StateKind::UnsafeSyncCell => &["Cell"],
            StateKind::RefCell
            | StateKind::Cell
            | StateKind::Rc
            | StateKind::AtomicTwoStep
            | StateKind::StaticMut
            | StateKind::MutableFields => &[],
        }
    }

    /// The strategy that can fix this kind of state.
    pub fn strategy(self) -> Strategy {
        match self {
            StateKind::RefCell | StateKind::Cell | StateKind::Rc | StateKind::UnsafeSyncCell => Strategy::Wrap,
            StateKind::AtomicTwoStep | StateKind::MutableFields => Strategy::Guard,
            StateKind::StaticMut => Strategy::Static,
        }
    }
}

/// How a fix synchronizes the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Replace each cell with a `Mutex` and lock it where the cell was borrowed.
    Wrap,
    /// Add a `Mutex<()>` field and lock it at the start of each method that touches the state.
    Guard,
    /// Turn a `static mut` into a `static` atomic or `Mutex`, and its uses into atomic operations
    /// or locks.
    Static,
}

impl Strategy {
    pub const NAMES: &'static [(&'static str, Strategy)] = &[
        ("wrap", Strategy::Wrap),
        ("guard", Strategy::Guard),
        ("static", Strategy::Static),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Wrap => "wrap",
            Strategy::Guard => "guard",
            Strategy::Static => "static",
        }
    }
}

/// The expression that takes a lock, written after `.`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockPolicy {
    /// `lock().unwrap()`: a panic in another thread while it held the lock fails the test too.
    Unwrap,
    /// `lock().unwrap_or_else(PoisonError::into_inner)`: keep going after such a panic.
    IgnorePoison,
}

impl LockPolicy {
    pub const NAMES: &'static [(&'static str, LockPolicy)] = &[
        ("unwrap", LockPolicy::Unwrap),
        ("ignore-poison", LockPolicy::IgnorePoison),
    ];

    pub fn name(self) -> &'static str {
        match self {
            LockPolicy::Unwrap => "unwrap",
            LockPolicy::IgnorePoison => "ignore-poison",
        }
    }

    pub fn lock_call(self) -> &'static str {
        match self {
            LockPolicy::Unwrap => "lock().unwrap()",
            LockPolicy::IgnorePoison => "lock().unwrap_or_else(std::sync::PoisonError::into_inner)",
        }
    }
}

/// The lock a fix may use for state that stays locked across `.await`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsyncLock {
    /// Report such state instead of fixing it.
    None,
    /// `tokio::sync::Mutex`, locked with `.lock().await`, in packages that depend on tokio.
    Tokio,
}

impl AsyncLock {
    pub const NAMES: &'static [(&'static str, AsyncLock)] = &[("none", AsyncLock::None), ("tokio", AsyncLock::Tokio)];

    pub fn name(self) -> &'static str {
        match self {
            AsyncLock::None => "none",
            AsyncLock::Tokio => "tokio",
        }
    }
}

/// The type of the mutex field that a Go fix adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoMutexType {
    /// `sync.Mutex`: every method takes `Lock`.
    Mutex,
    /// `sync.RWMutex`: methods that only read the state take `RLock`, so readers run together.
    RwMutex,
}

impl GoMutexType {
    pub const NAMES: &'static [(&'static str, GoMutexType)] = &[
        ("sync.Mutex", GoMutexType::Mutex),
        ("sync.RWMutex", GoMutexType::RwMutex),
    ];

    /// The type's name in package `sync`.
    pub fn type_name(self) -> &'static str {
        match self {
            GoMutexType::Mutex => "Mutex",
            GoMutexType::RwMutex => "RWMutex",
        }
    }
}

/// The memory ordering of the atomic operations that replace a cell's accesses. Each operation
/// keeps the parts of the ordering that apply to it, because a load cannot release and a store
/// cannot acquire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtomicOrdering {
    /// `SeqCst` everywhere: what a `Cell` in one thread behaved like.
    SeqCst,
    /// `Acquire` loads, `Release` stores and `AcqRel` read-modify-writes.
    AcqRel,
    /// `Acquire` loads and read-modify-writes, `Relaxed` stores.
    Acquire,
    /// `Relaxed` loads, `Release` stores and read-modify-writes.
    Release,
    /// `Relaxed` everywhere: enough for counters that publish no other data.
    Relaxed,
}

impl AtomicOrdering {
    pub const NAMES: &'static [(&'static str, AtomicOrdering)] = &[
        ("SeqCst", AtomicOrdering::SeqCst),
        ("AcqRel", AtomicOrdering::AcqRel),
        ("Acquire", AtomicOrdering::Acquire),
        ("Release", AtomicOrdering::Release),
        ("Relaxed", AtomicOrdering::Relaxed),
    ];

    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, ordering)| *ordering == self)
            .map(|(name, _)| *name)
            .unwrap_or_default()
    }

    /// The orderings of a load, a store and a read-modify-write, as `Ordering` variant names.
    pub fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            AtomicOrdering::SeqCst => ("SeqCst", "SeqCst", "SeqCst"),
            AtomicOrdering::AcqRel => ("Acquire", "Release", "AcqRel"),
            AtomicOrdering::Acquire => ("Acquire", "Relaxed", "Acquire"),
            AtomicOrdering::Release => ("Relaxed", "Release", "Release"),
            AtomicOrdering::Relaxed => ("Relaxed", "Relaxed", "Relaxed"),
        }
    }
}

/// One `[[test]]` case of a rule file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleTest {
    pub name: String,
    /// One-based line of the case's `name` in the rule file.
    pub line: usize,
    pub code: String,
    /// The expected output, or `None` when the rule must leave `code` unchanged.
    pub fixed: Option<String>,
    /// The path the code is checked as.
    pub path: String,
}

/// The path a Rust rule test's code is checked as when the case sets none; Go rules use
/// `Language::default_test_path`.
pub const DEFAULT_TEST_PATH: &str = "src/lib.rs";

/// A checked rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// The file name without `.toml`; it names the bad pattern.
    pub id: String,
    /// The rule file, or `<built-in>/ID.toml` for a built-in rule.
    pub file: std::path::PathBuf,
    pub summary: String,
    pub description: String,
    pub enabled: bool,
    /// The language of the files the rule checks.
    pub language: Language,
    pub name_patterns: Vec<String>,
    names: GlobSet,
    paths: Option<GlobSet>,
    exclude_paths: GlobSet,
    /// Go only: package names whose files are test code, when the rule limits itself to tests.
    test_packages: Option<GlobSet>,
    pub any_name_with_unsafe_sync: bool,
    pub state_kinds: Vec<StateKind>,
    pub strategy: Strategy,
    /// Name of the `Mutex<()>` field that the guard strategy adds.
    pub guard_field: String,
    /// Name of the variable that holds the guard in each method.
    pub guard_binding: String,
    pub lock: LockPolicy,
    /// The lock for state held across `.await`. Default `none`.
    pub async_lock: AsyncLock,
    /// The ordering of the atomic operations that a fix writes. Default `SeqCst`.
    pub ordering: AtomicOrdering,
    /// Go only: the type of the mutex field that a fix adds. Default `sync.Mutex`.
    pub mutex_type: GoMutexType,
    /// The rule's example: `(before, after)`.
    pub example: Option<(String, String)>,
    pub tests: Vec<RuleTest>,
}

impl Rule {
    /// Checks that `strategy` can fix every state kind of the rule.
    pub fn check_strategy(&self, strategy: Strategy) -> Result<(), String> {
        match self.state_kinds.iter().find(|kind| kind.strategy() != strategy) {
            None => Ok(()),
            Some(kind) => Err(format!(
                "rule `{}` looks for state kind `{}`, which needs strategy \"{}\", not \"{}\"",
                self.id,
                kind.name(),
                kind.strategy().name(),
                strategy.name()
            )),
        }
    }

    /// Words of which a file must contain one for this rule to find anything in it: one
    /// for the state (`RefCell`), and, as a second list, one for the struct's name (`Mock` for
    /// `Mock*`). The name list is `None` when a name glob has no literal part or the rule also
    /// matches by `unsafe impl Sync`, which then stands in for the name.
    pub fn required_words(&self) -> (Vec<String>, Option<Vec<String>>) {
        let state: Vec<String> = self
            .state_kinds
            .iter()
            .flat_map(|kind| kind.trigger_words())
            .map(|word| word.to_string())
            .collect();
        // A `static-mut` rule with no name globs matches statics of any name.
        if self.name_patterns.is_empty() && !self.any_name_with_unsafe_sync {
            return (state, None);
        }
        let mut names = Vec::new();
        for pattern in &self.name_patterns {
            let literal = pattern
                .split(['*', '?', '[', ']', '{', '}'])
                .max_by_key(|piece| piece.len())
                .filter(|piece| piece.len() >= 2);
            match literal {
                Some(literal) => names.push(literal.to_string()),
                None => return (state, None),
            }
        }
        if self.any_name_with_unsafe_sync {
            names.push("unsafe".to_string());
        }
        (state, Some(names))
    }

    pub fn matches_name(&self, struct_name: &str) -> bool {
        self.names.is_match(struct_name)
    }

    /// Whether a Go rule looks at a file of the package `package`: always when the rule sets no
    /// `test_packages`, else when the file is a `_test.go` file or the package name matches.
    pub fn matches_go_package(&self, path: &str, package: &str) -> bool {
        match &self.test_packages {
            None => true,
            Some(packages) => path.ends_with("_test.go") || packages.is_match(package),
        }
    }

    /// Whether the rule looks at the `static mut` named `name`: every static when `names` is
    /// empty, otherwise those whose name matches a glob.
    pub fn matches_static(&self, name: &str) -> bool {
        self.name_patterns.is_empty() || self.names.is_match(name)
    }

    /// Whether the rule looks at the file at `path`, written with `/` separators.
    pub fn matches_path(&self, path: &str) -> bool {
        let path = path.strip_prefix("./").unwrap_or(path);
        let included = self.paths.as_ref().is_none_or(|paths| paths.is_match(path));
        included && !self.exclude_paths.is_match(path)
    }
}

pub fn compile_rule(id: &str, file: &Path, text: &str) -> Result<Rule, RuleError> {
    let error_at = |span: Option<std::ops::Range<usize>>, message: String| RuleError {
        file: file.to_path_buf(),
        position: span.map(|span| line_column(text, span.start)),
        message,
    };

    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(error_at(
            None,
            format!("invalid rule id `{id}`: rename the file to lowercase words joined by `-`, such as `refcell-in-shared-double.toml`"),
        ));
    }
    let raw: RuleFile = toml::from_str(text).map_err(|err| {
        let message = err.message().to_string();
        error_at(err.span(), message)
    })?;

    let language = match &raw.language {
        Some(language) => parse_choice(language, "language", Language::NAMES, &error_at)?,
        None => Language::Rust,
    };
    check_language_keys(&raw, language, &error_at)?;

    let names = compile_globs(&raw.structs.names, "structs.names", false, &error_at)?;
    let test_packages = if raw.structs.test_packages.is_empty() {
        None
    } else {
        Some(compile_globs(
            &raw.structs.test_packages,
            "structs.test_packages",
            false,
            &error_at,
        )?)
    };
    let paths = if raw.structs.paths.is_empty() {
        None
    } else {
        Some(compile_globs(&raw.structs.paths, "structs.paths", true, &error_at)?)
    };
    let exclude_paths = compile_globs(&raw.structs.exclude_paths, "structs.exclude_paths", true, &error_at)?;
    let strategy = parse_choice(&raw.fix.strategy, "fix.strategy", Strategy::NAMES, &error_at)?;
    if raw.state.kinds.is_empty() {
        return Err(error_at(
            None,
            "key `state.kinds` is empty: list at least one kind, such as \"RefCell\"".to_string(),
        ));
    }
    let mut state_kinds = Vec::new();
    for kind in &raw.state.kinds {
        let parsed = parse_choice(kind, "state.kinds", StateKind::NAMES, &error_at)?;
        if parsed.language() != language {
            return Err(error_at(
                Some(kind.span()),
                format!(
                    "invalid key `state.kinds`: state kind `{}` is for rules with `language = \"{}\"`, but this rule sets `language = \"{}\"`",
                    parsed.name(),
                    parsed.language().name(),
                    language.name()
                ),
            ));
        }
        if parsed.strategy() != strategy {
            return Err(error_at(
                Some(kind.span()),
                format!(
                    "invalid key `state.kinds`: state kind `{}` needs `fix.strategy = \"{}\"`, not \"{}\"",
                    parsed.name(),
                    parsed.strategy().name(),
                    strategy.name()
                ),
            ));
        }
        state_kinds.push(parsed);
    }
    // A `static mut` is matched by where it is used, so its rule needs no name glob: an empty
    // `names` matches every static.
    let only_statics = state_kinds.iter().all(|kind| *kind == StateKind::StaticMut);
    if raw.structs.names.is_empty() && !raw.structs.any_name_with_unsafe_sync && !only_statics {
        return Err(error_at(
            None,
            "key `structs.names` is empty and `structs.any_name_with_unsafe_sync` is false, so the rule matches nothing: add a name glob such as \"Mock*\"".to_string(),
        ));
    }

    let guard_field = parse_identifier(raw.fix.guard_field.as_ref(), "fix.guard_field", "mutex", &error_at)?;
    let guard_binding = parse_identifier(raw.fix.guard_binding.as_ref(), "fix.guard_binding", "_guard", &error_at)?;
    let lock = match &raw.fix.lock {
        Some(lock) => parse_choice(lock, "fix.lock", LockPolicy::NAMES, &error_at)?,
        None => LockPolicy::Unwrap,
    };
    let async_lock = match &raw.fix.async_lock {
        Some(async_lock) => parse_choice(async_lock, "fix.async_lock", AsyncLock::NAMES, &error_at)?,
        None => AsyncLock::None,
    };
    let ordering = match &raw.fix.ordering {
        Some(ordering) => parse_choice(ordering, "fix.ordering", AtomicOrdering::NAMES, &error_at)?,
        None => AtomicOrdering::SeqCst,
    };

    let mutex_type = match &raw.fix.mutex_type {
        Some(mutex_type) => parse_choice(mutex_type, "fix.mutex_type", GoMutexType::NAMES, &error_at)?,
        None => GoMutexType::Mutex,
    };

    let mut tests = Vec::new();
    for case in raw.test {
        let line = line_column(text, case.name.span().start).0;
        let fixed = match (case.fixed, case.unchanged) {
            (Some(fixed), false) => Some(fixed),
            (None, true) => None,
            (Some(_), true) => {
                return Err(error_at(
                    Some(case.name.span()),
                    format!(
                        "test `{}` sets both `fixed` and `unchanged = true`: keep the one that the rule must produce",
                        case.name.get_ref()
                    ),
                ))
            }
            (None, false) => {
                return Err(error_at(
                    Some(case.name.span()),
                    format!(
                        "test `{}` has neither `fixed` nor `unchanged = true`: add the expected output as `fixed`",
                        case.name.get_ref()
                    ),
                ))
            }
        };
        if tests.iter().any(|known: &RuleTest| known.name == *case.name.get_ref()) {
            return Err(error_at(
                Some(case.name.span()),
                format!(
                    "duplicate test name `{}`: give each test its own name",
                    case.name.get_ref()
                ),
            ));
        }
        tests.push(RuleTest {
            name: case.name.into_inner(),
            line,
            code: case.code,
            fixed,
            path: case.path.unwrap_or_else(|| language.default_test_path().to_string()),
        });
    }

    Ok(Rule {
        id: id.to_string(),
        file: file.to_path_buf(),
        summary: raw.summary,
        description: raw.description,
        enabled: raw.enabled,
        language,
        name_patterns: raw.structs.names.iter().map(|name| name.get_ref().clone()).collect(),
        names,
        paths,
        exclude_paths,
        test_packages,
        any_name_with_unsafe_sync: raw.structs.any_name_with_unsafe_sync,
        state_kinds,
        strategy,
        guard_field,
        guard_binding,
        lock,
        async_lock,
        ordering,
        mutex_type,
        example: raw.example.map(|example| (example.before, example.after)),
        tests,
    })
}

/// Rejects keys that have no meaning for the rule's language, so that a Rust option set on a Go
/// rule does not look as if it had an effect.
fn check_language_keys(
    raw: &RuleFile,
    language: Language,
    error_at: &impl Fn(Option<std::ops::Range<usize>>, String) -> RuleError,
) -> Result<(), RuleError> {
    let rust_only: [(&str, Option<std::ops::Range<usize>>); 5] = [
        ("fix.guard_binding", raw.fix.guard_binding.as_ref().map(Spanned::span)),
        ("fix.lock", raw.fix.lock.as_ref().map(Spanned::span)),
        ("fix.async_lock", raw.fix.async_lock.as_ref().map(Spanned::span)),
        ("fix.ordering", raw.fix.ordering.as_ref().map(Spanned::span)),
        (
            "structs.any_name_with_unsafe_sync",
            raw.structs.any_name_with_unsafe_sync.then_some(0..0),
        ),
    ];
    let go_only: [(&str, Option<std::ops::Range<usize>>); 2] = [
        ("fix.mutex_type", raw.fix.mutex_type.as_ref().map(Spanned::span)),
        (
            "structs.test_packages",
            raw.structs.test_packages.first().map(Spanned::span),
        ),
    ];
    let (misplaced, other) = match language {
        Language::Rust => (&go_only[..], Language::Go),
        Language::Go => (&rust_only[..], Language::Rust),
    };
    for (key, span) in misplaced {
        let Some(span) = span else { continue };
        return Err(error_at(
            Some(span.clone()).filter(|span| !span.is_empty()),
            format!(
                "key `{key}` applies only to rules with `language = \"{}\"`, and this rule sets `language = \"{}\"`: remove the key",
                other.name(),
                language.name()
            ),
        ));
    }
    Ok(())
}

fn compile_globs(
    patterns: &[Spanned<String>],
    key: &str,
    literal_separator: bool,
    error_at: &impl Fn(Option<std::ops::Range<usize>>, String) -> RuleError,
) -> Result<GlobSet, RuleError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob: Glob = GlobBuilder::new(pattern.get_ref())
            .literal_separator(literal_separator)
            .build()
            .map_err(|err| {
                error_at(
                    Some(pattern.span()),
                    format!("invalid glob in key `{key}`: {}", err.kind()),
                )
            })?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|err| error_at(None, format!("invalid globs in key `{key}`: {err}")))
}

fn parse_choice<T: Copy>(
    value: &Spanned<String>,
    key: &str,
    choices: &[(&str, T)],
    error_at: &impl Fn(Option<std::ops::Range<usize>>, String) -> RuleError,
) -> Result<T, RuleError> {
    let found = choices.iter().find(|(name, _)| *name == value.get_ref().as_str());
    found.map(|(_, choice)| *choice).ok_or_else(|| {
        let expected: Vec<String> = choices.iter().map(|(name, _)| format!("\"{name}\"")).collect();
        error_at(
            Some(value.span()),
            format!(
                "invalid value \"{}\" for key `{key}`: expected one of {}",
                value.get_ref(),
                expected.join(", ")
            ),
        )
    })
}

/// Checks whether `name` is a Rust identifier made of ASCII letters, digits and `_`.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let valid_start = chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic());
    valid_start && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn parse_identifier(
    value: Option<&Spanned<String>>,
    key: &str,
    default: &str,
    error_at: &impl Fn(Option<std::ops::Range<usize>>, String) -> RuleError,
) -> Result<String, RuleError> {
    let Some(value) = value else {
        return Ok(default.to_string());
    };
    let name = value.get_ref();
    if is_identifier(name) {
        Ok(name.clone())
    } else {
        Err(error_at(
            Some(value.span()),
            format!("invalid value \"{name}\" for key `{key}`: expected a Rust identifier"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"
summary = "s"
description = "d"
[structs]
names = ["Mock*"]
[state]
kinds = ["RefCell"]
[fix]
strategy = "wrap"
"#;

    fn compile(text: &str) -> Result<Rule, RuleError> {
        compile_rule("test-rule", Path::new("rules/test-rule.toml"), text)
    }

    #[test]
    fn valid_rule_compiles_with_defaults() {
        let rule = compile(VALID).unwrap();
        assert_eq!(rule.guard_field, "mutex");
        assert_eq!(rule.guard_binding, "_guard");
        assert_eq!(rule.lock, LockPolicy::Unwrap);
        assert!(rule.matches_name("MockMailer"));
        assert!(!rule.matches_name("Mailer"));
        assert!(rule.matches_path("src/lib.rs"));
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let text = VALID.replace("strategy = \"wrap\"", "strategy = \"wrap\"\nstrategee = 1");
        let err = compile(&text).unwrap_err();
        assert_eq!(err.position, Some((10, 1)));
        assert!(err.message.contains("unknown field `strategee`"), "{}", err.message);
    }

    #[test]
    fn wrong_strategy_for_kind_is_rejected() {
        let err = compile(&VALID.replace("\"wrap\"", "\"guard\"")).unwrap_err();
        assert_eq!(err.position, Some((7, 10)));
        assert!(
            err.message.contains("needs `fix.strategy = \"wrap\"`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn unknown_state_kind_lists_choices() {
        let err = compile(&VALID.replace("\"RefCell\"", "\"Refcell\"")).unwrap_err();
        assert!(
            err.message
                .contains("expected one of \"RefCell\", \"Cell\", \"Rc\", \"atomic-two-step\", \"static-mut\""),
            "{}",
            err.message
        );
    }

    #[test]
    fn static_mut_rule_needs_no_names() {
        let text = VALID
            .replace("names = [\"Mock*\"]", "names = []")
            .replace("\"RefCell\"", "\"static-mut\"")
            .replace("\"wrap\"", "\"static\"");
        let rule = compile(&text).unwrap();
        assert_eq!(rule.strategy, Strategy::Static);
        assert!(rule.matches_static("CALLS"));
    }

    #[test]
    fn static_mut_names_filter_statics() {
        let text = VALID
            .replace("names = [\"Mock*\"]", "names = [\"TEST_*\"]")
            .replace("\"RefCell\"", "\"static-mut\"")
            .replace("\"wrap\"", "\"static\"");
        let rule = compile(&text).unwrap();
        assert!(rule.matches_static("TEST_CALLS"));
        assert!(!rule.matches_static("CALLS"));
    }

    #[test]
    fn static_mut_with_wrap_is_rejected() {
        let err = compile(&VALID.replace("\"RefCell\"", "\"static-mut\"")).unwrap_err();
        assert!(
            err.message.contains("needs `fix.strategy = \"static\"`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn empty_names_rejected_for_struct_kinds() {
        let err = compile(&VALID.replace("names = [\"Mock*\"]", "names = []")).unwrap_err();
        assert!(err.message.contains("matches nothing"), "{}", err.message);
    }

    #[test]
    fn invalid_guard_field_is_rejected() {
        let err = compile(&format!("{VALID}guard_field = \"my mutex\"\n")).unwrap_err();
        assert!(err.message.contains("fix.guard_field"), "{}", err.message);
    }

    const GO_RULE: &str = r#"
summary = "s"
description = "d"
language = "go"
[structs]
names = ["Mock*"]
[state]
kinds = ["mutable-fields"]
[fix]
strategy = "guard"
"#;

    #[test]
    fn go_rule_compiles_with_defaults() {
        let rule = compile(GO_RULE).unwrap();
        assert_eq!(rule.language, Language::Go);
        assert_eq!(rule.mutex_type, GoMutexType::Mutex);
        assert_eq!(rule.tests.len(), 0);
        assert!(rule.matches_go_package("pkg/service.go", "service"));
    }

    #[test]
    fn go_test_packages_limit_files() {
        let rule = compile(&GO_RULE.replace(
            "names = [\"Mock*\"]",
            "names = [\"Mock*\"]\ntest_packages = [\"mocks\"]",
        ))
        .unwrap();
        assert!(rule.matches_go_package("pkg/service_test.go", "service"));
        assert!(rule.matches_go_package("pkg/mocks/mailer.go", "mocks"));
        assert!(!rule.matches_go_package("pkg/service.go", "service"));
    }

    #[test]
    fn rust_state_kind_in_go_rule_is_rejected() {
        let err = compile(&GO_RULE.replace("\"mutable-fields\"", "\"atomic-two-step\"")).unwrap_err();
        assert_eq!(err.position, Some((8, 10)));
        assert!(
            err.message.contains("is for rules with `language = \"rust\"`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn rust_only_key_in_go_rule_is_rejected() {
        let err = compile(&format!("{GO_RULE}lock = \"unwrap\"\n")).unwrap_err();
        assert!(
            err.message
                .contains("key `fix.lock` applies only to rules with `language = \"rust\"`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn go_only_key_in_rust_rule_is_rejected() {
        let err = compile(&format!("{VALID}mutex_type = \"sync.RWMutex\"\n")).unwrap_err();
        assert!(
            err.message
                .contains("key `fix.mutex_type` applies only to rules with `language = \"go\"`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn unknown_language_lists_choices() {
        let err = compile(&GO_RULE.replace("\"go\"", "\"golang\"")).unwrap_err();
        assert!(
            err.message.contains("expected one of \"rust\", \"go\""),
            "{}",
            err.message
        );
    }

    #[test]
    fn go_test_path_defaults_to_test_file() {
        let rule = compile(&format!(
            "{GO_RULE}[[test]]\nname = \"t\"\ncode = \"package a\\n\"\nunchanged = true\n"
        ))
        .unwrap();
        assert_eq!(rule.tests[0].path, "mock_test.go");
    }

    #[test]
    fn path_globs_include_and_exclude() {
        let text = VALID.replace(
            "names = [\"Mock*\"]",
            "names = [\"Mock*\"]\npaths = [\"tests/**\"]\nexclude_paths = [\"tests/generated/**\"]",
        );
        let rule = compile(&text).unwrap();
        assert!(rule.matches_path("./tests/a.rs"));
        assert!(!rule.matches_path("src/a.rs"));
        assert!(!rule.matches_path("tests/generated/a.rs"));
    }
}

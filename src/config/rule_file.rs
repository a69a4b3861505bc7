//! The on-disk rule format: plain serde types that mirror a rule's TOML file.
//!
//! Nothing here is checked beyond what serde checks (unknown keys, wrong types); `compile`
//! turns these into `Rule`s and reports every other mistake with its line and column.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// One line: the bad pattern, for rule listings.
    pub summary: String,
    /// Why the pattern is a problem and what the fix does.
    pub description: String,
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// `"rust"` (the default) or `"go"`: the language of the files the rule checks.
    pub language: Option<Spanned<String>>,
    pub structs: StructsSection,
    pub state: StateSection,
    pub fix: FixSection,
    pub example: Option<ExampleSection>,
    /// Test cases that `mockfix test` runs: `[[test]]` tables.
    #[serde(default)]
    pub test: Vec<TestSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StructsSection {
    /// Globs over struct names, such as `Mock*`.
    #[serde(default)]
    pub names: Vec<Spanned<String>>,
    /// Globs over file paths; a struct is matched only in files that one of them matches.
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    /// Globs over file paths to leave alone.
    #[serde(default)]
    pub exclude_paths: Vec<Spanned<String>>,
    /// Match a struct whatever its name when it declares `unsafe impl Sync` over its state.
    #[serde(default)]
    pub any_name_with_unsafe_sync: bool,
    /// Go only: globs over package names whose files are test code. When set, a Go rule looks at
    /// `_test.go` files and at the files of these packages only.
    #[serde(default)]
    pub test_packages: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSection {
    pub kinds: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixSection {
    pub strategy: Spanned<String>,
    pub guard_field: Option<Spanned<String>>,
    pub guard_binding: Option<Spanned<String>>,
    /// Memory ordering of the atomics that replace cells: `SeqCst`, `AcqRel`, `Acquire`, `Release`
    /// or `Relaxed`.
    pub ordering: Option<Spanned<String>>,
    pub lock: Option<Spanned<String>>,
    /// The lock for state held across `.await`: `tokio` or `none`.
    pub async_lock: Option<Spanned<String>>,
    /// Go only: the type of the mutex field that a fix adds, `sync.Mutex` or `sync.RWMutex`.
    pub mutex_type: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleSection {
    pub before: String,
    pub after: String,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSection {
    pub name: Spanned<String>,
    /// The source the rule runs on.
    pub code: String,
    /// The expected output after every fix is applied.
    pub fixed: Option<String>,
    /// `true` when the rule must leave `code` as it is.
    #[serde(default)]
    pub unchanged: bool,
    /// The path the code is checked as, matched against the rule's path globs.
    pub path: Option<String>,
}

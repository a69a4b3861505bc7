//! Project configuration: `mockfix.toml`, `[package.metadata.mockfix]` and
//! `[workspace.metadata.mockfix]` in `Cargo.toml`, merged with the command line into the settings
//! of one run.
//!
//! Each source is read with `toml_edit` into a `Layer`, keeping the line and column of every
//! value so that an error, and `mockfix config`, can point at it. A key takes its value from the
//! first layer that sets it, in this order: command line, `mockfix.toml`, package metadata,
//! workspace metadata, and last the rule file itself for the fix options. Lists are not merged.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use toml_edit::{Item, TableLike};

use super::{is_identifier, AtomicOrdering, LockPolicy, RuleError, RuleSet, Strategy};
use crate::edit::line_column;
use crate::workspace;

/// The name of the configuration file at the repository root.
pub const CONFIG_FILE_NAME: &str = "mockfix.toml";

/// The source of a setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    CommandLine,
    /// A `mockfix.toml`, found at the repository root or passed with `--config`.
    ConfigFile(PathBuf),
    /// `[package.metadata.mockfix]` in this `Cargo.toml`.
    PackageMetadata(PathBuf),
    /// `[workspace.metadata.mockfix]` in this `Cargo.toml`.
    WorkspaceMetadata(PathBuf),
    /// The rule file's own `[fix]` table or its default.
    RuleFile(PathBuf),
    Default,
}

impl Origin {
    fn file(&self) -> Option<&Path> {
        match self {
            Origin::ConfigFile(file)
            | Origin::PackageMetadata(file)
            | Origin::WorkspaceMetadata(file)
            | Origin::RuleFile(file) => Some(file),
            Origin::CommandLine | Origin::Default => None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::CommandLine => f.write_str("command line"),
            Origin::ConfigFile(file) => write!(f, "{}", file.display()),
            Origin::PackageMetadata(file) => write!(f, "[package.metadata.mockfix] in {}", file.display()),
            Origin::WorkspaceMetadata(file) => write!(f, "[workspace.metadata.mockfix] in {}", file.display()),
            Origin::RuleFile(file) => write!(f, "rule file {}", file.display()),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// A value with its one-based line and column in its source file, when it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub position: Option<(usize, usize)>,
}

impl<T> Located<T> {
    fn unplaced(value: T) -> Located<T> {
        Located { value, position: None }
    }
}

/// Per-rule fix options that a configuration overrides: `[rule.<id>]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FixOverrides {
    /// Position of the `[rule.<id>]` key, for errors about the id.
    pub id_position: Option<(usize, usize)>,
    pub strategy: Option<Located<Strategy>>,
    pub lock: Option<Located<LockPolicy>>,
    pub guard_field: Option<Located<String>>,
    pub guard_binding: Option<Located<String>>,
    pub ordering: Option<Located<AtomicOrdering>>,
}

/// The settings of one source.
#[derive(Clone, Debug)]
pub struct Layer {
    pub origin: Origin,
    /// Rule files or folders, relative paths resolved against the source's folder.
    pub rules: Option<Located<Vec<PathBuf>>>,
    pub select: Option<Located<Vec<Located<String>>>>,
    pub ignore: Option<Located<Vec<Located<String>>>>,
    pub exclude: Option<Located<Vec<Located<String>>>>,
    pub overrides: BTreeMap<String, FixOverrides>,
}

impl Layer {
    fn empty(origin: Origin) -> Layer {
        Layer {
            origin,
            rules: None,
            select: None,
            ignore: None,
            exclude: None,
            overrides: BTreeMap::new(),
        }
    }
}

/// An error that stops the rules of a run from being built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsError {
    /// Rule files that could not be read or are invalid.
    Rules(Vec<RuleError>),
    /// Configuration that names unknown rules or sets options a rule cannot take.
    Config(Vec<RuleError>),
}

impl SettingsError {
    pub fn errors(&self) -> &[RuleError] {
        match self {
            SettingsError::Rules(errors) | SettingsError::Config(errors) => errors,
        }
    }
}

/// Settings given on the command line.
#[derive(Clone, Debug, Default)]
pub struct CommandLineSettings {
    pub rules: Vec<PathBuf>,
    pub no_default_rules: bool,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub exclude: Vec<String>,
    /// A configuration file to read in place of the discovered `mockfix.toml`.
    pub config: Option<PathBuf>,
}

/// Every source of settings for one run, highest precedence first.
#[derive(Clone, Debug)]
pub struct ProjectSettings {
    /// The folder that paths are shown relative to and `exclude` globs are matched against: the
    /// workspace root, else the nearest package root, else the current folder.
    pub root: PathBuf,
    pub no_default_rules: bool,
    pub layers: Vec<Layer>,
}

impl ProjectSettings {
    /// Finds and reads the configuration that applies when mockfix runs in `current_dir`.
    ///
    /// `mockfix.toml` is taken from the workspace root or, when that has none, the top of the git
    /// work tree; `--config` replaces it. Package metadata comes from the package that contains
    /// `current_dir`, and workspace metadata from the workspace root.
    pub fn discover(current_dir: &Path, cli: &CommandLineSettings) -> Result<ProjectSettings, Vec<RuleError>> {
        let (settings, errors) = ProjectSettings::discover_valid(current_dir, cli);
        if errors.is_empty() {
            Ok(settings)
        } else {
            Err(errors)
        }
    }

    /// Like `discover`, but leaves out the configuration files that are invalid and returns
    /// their errors beside the settings, for the language server, which cannot stop.
    pub fn discover_valid(current_dir: &Path, cli: &CommandLineSettings) -> (ProjectSettings, Vec<RuleError>) {
        let current_dir = workspace::absolute(current_dir);
        let root = workspace::project_root(&current_dir);
        let mut layers = vec![command_line_layer(cli)];
        let mut errors = Vec::new();

        let config_file = match &cli.config {
            Some(path) => Some(workspace::absolute(path)),
            None => [Some(root.clone()), workspace::git_root(&current_dir)]
                .into_iter()
                .flatten()
                .map(|folder| folder.join(CONFIG_FILE_NAME))
                .find(|file| file.is_file()),
        };
        if let Some(file) = config_file {
            match read_config_file(&file) {
                Ok(layer) => layers.push(layer),
                Err(err) => errors.push(err),
            }
        }

        // FIXME: Only the package that contains the current folder is read, so the
        // `[package.metadata.mockfix]` of other workspace members does not apply to their files.
        let package_manifest = current_dir
            .ancestors()
            .map(|folder| folder.join("Cargo.toml"))
            .find(|manifest| manifest.is_file());
        if let Some(manifest) = &package_manifest {
            match read_metadata(manifest, MetadataTable::Package) {
                Ok(Some(layer)) => layers.push(layer),
                Ok(None) => {}
                Err(err) => errors.push(err),
            }
        }
        let workspace_manifest = root.join("Cargo.toml");
        if workspace_manifest.is_file() {
            match read_metadata(&workspace_manifest, MetadataTable::Workspace) {
                Ok(Some(layer)) => layers.push(layer),
                Ok(None) => {}
                Err(err) => errors.push(err),
            }
        }

        let settings = ProjectSettings {
            root,
            no_default_rules: cli.no_default_rules,
            layers,
        };
        (settings, errors)
    }

    /// Returns the first layer that sets a key, with the key's value.
    pub fn effective<'a, T>(&'a self, pick: impl Fn(&'a Layer) -> Option<&'a T>) -> Option<(&'a T, &'a Layer)> {
        self.layers
            .iter()
            .find_map(|layer| pick(layer).map(|value| (value, layer)))
    }

    /// Loads the rules, then applies `select`, `ignore` and the per-rule fix overrides.
    pub fn rule_set(&self) -> Result<RuleSet, SettingsError> {
        let (set, rule_errors, config_errors) = self.build_rule_set();
        if !rule_errors.is_empty() {
            return Err(SettingsError::Rules(rule_errors));
        }
        if !config_errors.is_empty() {
            return Err(SettingsError::Config(config_errors));
        }
        Ok(set)
    }

    /// Like `rule_set`, but keeps the valid rules and settings and returns the errors of the
    /// others, for the language server, which cannot stop.
    pub fn rule_set_valid(&self) -> (RuleSet, Vec<RuleError>) {
        let (set, mut errors, config_errors) = self.build_rule_set();
        errors.extend(config_errors);
        (set, errors)
    }

    /// The rule paths in effect: the configured rule files and folders.
    pub fn rule_paths(&self) -> Vec<PathBuf> {
        self.effective(|layer| layer.rules.as_ref())
            .map(|(paths, _)| paths.value.clone())
            .unwrap_or_default()
    }

    /// Builds the rule set from the valid rule files and settings, and returns it with the
    /// errors of the invalid rule files and of the invalid settings.
    fn build_rule_set(&self) -> (RuleSet, Vec<RuleError>, Vec<RuleError>) {
        let (mut set, rule_errors) = RuleSet::load_valid(&self.rule_paths(), self.no_default_rules);
        let mut errors = Vec::new();

        if let Some((select, layer)) = self.effective(|layer| layer.select.as_ref()) {
            for rule in &mut set.rules {
                rule.enabled = false;
            }
            for id in &select.value {
                match set.get_mut(&id.value) {
                    Some(rule) => rule.enabled = true,
                    None => errors.push(unknown_rule(layer, id, "select", &set)),
                }
            }
        }
        if let Some((ignore, layer)) = self.effective(|layer| layer.ignore.as_ref()) {
            for id in &ignore.value {
                match set.get_mut(&id.value) {
                    Some(rule) => rule.enabled = false,
                    None => errors.push(unknown_rule(layer, id, "ignore", &set)),
                }
            }
        }

        // Lower layers first, so that a higher layer's value is the one left.
        for layer in self.layers.iter().rev() {
            for (id, overrides) in &layer.overrides {
                let Some(rule) = set.get_mut(id) else {
                    let located = Located {
                        value: id.clone(),
                        position: overrides.id_position,
                    };
                    errors.push(unknown_rule(layer, &located, "rule", &set));
                    continue;
                };
                if let Some(strategy) = &overrides.strategy {
                    match rule.check_strategy(strategy.value) {
                        Ok(()) => rule.strategy = strategy.value,
                        Err(message) => errors.push(layer_error(
                            layer,
                            strategy.position,
                            format!("invalid key `rule.{id}.strategy`: {message}"),
                        )),
                    }
                }
                if let Some(lock) = &overrides.lock {
                    rule.lock = lock.value;
                }
                if let Some(field) = &overrides.guard_field {
                    rule.guard_field = field.value.clone();
                }
                if let Some(binding) = &overrides.guard_binding {
                    rule.guard_binding = binding.value.clone();
                }
                if let Some(ordering) = &overrides.ordering {
                    rule.ordering = ordering.value;
                }
            }
        }

        (set, rule_errors, errors)
    }

    /// Compiles the effective `exclude` globs, which match paths relative to `root`.
    pub fn exclude_set(&self) -> Result<GlobSet, RuleError> {
        let mut builder = GlobSetBuilder::new();
        if let Some((exclude, layer)) = self.effective(|layer| layer.exclude.as_ref()) {
            for pattern in &exclude.value {
                let glob = GlobBuilder::new(&pattern.value)
                    .literal_separator(true)
                    .build()
                    .map_err(|err| {
                        layer_error(
                            layer,
                            pattern.position,
                            format!("invalid glob in key `exclude`: {}", err.kind()),
                        )
                    })?;
                builder.add(glob);
            }
        }
        builder.build().map_err(|err| RuleError {
            file: PathBuf::from("exclude"),
            position: None,
            message: format!("invalid globs in key `exclude`: {err}"),
        })
    }
}

fn unknown_rule(layer: &Layer, id: &Located<String>, key: &str, set: &RuleSet) -> RuleError {
    layer_error(
        layer,
        id.position,
        format!(
            "unknown rule id `{}` in `{key}`: known rules are {}",
            id.value,
            set.ids()
                .iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

fn layer_error(layer: &Layer, position: Option<(usize, usize)>, message: String) -> RuleError {
    RuleError {
        file: layer
            .origin
            .file()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("command line")),
        position,
        message,
    }
}

fn command_line_layer(cli: &CommandLineSettings) -> Layer {
    let list = |values: &[String]| {
        (!values.is_empty()).then(|| Located::unplaced(values.iter().cloned().map(Located::unplaced).collect()))
    };
    Layer {
        origin: Origin::CommandLine,
        rules: (!cli.rules.is_empty()).then(|| Located::unplaced(cli.rules.clone())),
        select: list(&cli.select),
        ignore: list(&cli.ignore),
        exclude: list(&cli.exclude),
        overrides: BTreeMap::new(),
    }
}

fn read_text(file: &Path) -> Result<String, RuleError> {
    std::fs::read_to_string(file).map_err(|err| RuleError {
        file: file.to_path_buf(),
        position: None,
        message: format!("cannot read configuration: {err}"),
    })
}

fn parse_document(file: &Path, text: &str) -> Result<toml_edit::Document<String>, RuleError> {
    toml_edit::Document::parse(text.to_string()).map_err(|err| RuleError {
        file: file.to_path_buf(),
        position: err.span().map(|span| line_column(text, span.start)),
        message: format!("invalid TOML: {}", err.message()),
    })
}

/// Reads a `mockfix.toml`.
pub fn read_config_file(file: &Path) -> Result<Layer, RuleError> {
    let text = read_text(file)?;
    let document = parse_document(file, &text)?;
    let reader = LayerReader {
        file,
        text: &text,
        prefix: "",
    };
    reader.read(document.as_table(), Origin::ConfigFile(file.to_path_buf()))
}

#[derive(Clone, Copy)]
enum MetadataTable {
    Package,
    Workspace,
}

/// Reads `[package.metadata.mockfix]` or `[workspace.metadata.mockfix]` of a `Cargo.toml`, if set.
fn read_metadata(manifest: &Path, which: MetadataTable) -> Result<Option<Layer>, RuleError> {
    let text = read_text(manifest)?;
    let document = parse_document(manifest, &text)?;
    let (top, origin) = match which {
        MetadataTable::Package => ("package", Origin::PackageMetadata(manifest.to_path_buf())),
        MetadataTable::Workspace => ("workspace", Origin::WorkspaceMetadata(manifest.to_path_buf())),
    };
    let Some(item) = document
        .get(top)
        .and_then(Item::as_table_like)
        .and_then(|table| table.get("metadata"))
        .and_then(Item::as_table_like)
        .and_then(|metadata| metadata.get("mockfix"))
    else {
        return Ok(None);
    };
    let prefix = format!("{top}.metadata.mockfix.");
    let reader = LayerReader {
        file: manifest,
        text: &text,
        prefix: &prefix,
    };
    let table = item.as_table_like().ok_or_else(|| {
        reader.error(
            item.span(),
            format!("invalid key `{top}.metadata.mockfix`: expected a table"),
        )
    })?;
    reader.read(table, origin).map(Some)
}

/// Reads one configuration table, checking every key.
struct LayerReader<'a> {
    file: &'a Path,
    text: &'a str,
    /// The table's dotted path and a trailing `.`, for messages; empty for `mockfix.toml`.
    prefix: &'a str,
}

const TOP_KEYS: &[&str] = &["rules", "select", "ignore", "exclude", "rule"];
const RULE_KEYS: &[&str] = &["strategy", "lock", "guard_field", "guard_binding", "ordering"];

impl LayerReader<'_> {
    fn position(&self, span: Option<std::ops::Range<usize>>) -> Option<(usize, usize)> {
        span.map(|span| line_column(self.text, span.start))
    }

    fn error(&self, span: Option<std::ops::Range<usize>>, message: String) -> RuleError {
        RuleError {
            file: self.file.to_path_buf(),
            position: self.position(span),
            message,
        }
    }

    fn read(&self, table: &dyn TableLike, origin: Origin) -> Result<Layer, RuleError> {
        let mut layer = Layer::empty(origin);
        let base = self.file.parent().unwrap_or(Path::new("."));
        for (key, item) in table.iter() {
            let key_span = table.key(key).and_then(toml_edit::Key::span);
            match key {
                "rules" => {
                    let paths = self.string_list(key, item)?;
                    layer.rules = Some(Located {
                        value: paths.value.iter().map(|path| base.join(&path.value)).collect(),
                        position: paths.position,
                    });
                }
                "select" => layer.select = Some(self.string_list(key, item)?),
                "ignore" => layer.ignore = Some(self.string_list(key, item)?),
                "exclude" => layer.exclude = Some(self.string_list(key, item)?),
                "rule" => layer.overrides = self.rule_tables(item)?,
                _ => return Err(self.unknown_key(key_span, key, TOP_KEYS)),
            }
        }
        Ok(layer)
    }

    fn unknown_key(&self, span: Option<std::ops::Range<usize>>, key: &str, expected: &[&str]) -> RuleError {
        self.error(
            span,
            format!(
                "unknown key `{}{key}`: expected one of {}",
                self.prefix,
                expected
                    .iter()
                    .map(|key| format!("`{key}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    }

    fn string_list(&self, key: &str, item: &Item) -> Result<Located<Vec<Located<String>>>, RuleError> {
        let array = item.as_array().ok_or_else(|| {
            self.error(
                item.span(),
                format!("invalid key `{}{key}`: expected a list of strings", self.prefix),
            )
        })?;
        let mut values = Vec::new();
        for value in array.iter() {
            let text = value.as_str().ok_or_else(|| {
                self.error(
                    value.span(),
                    format!("invalid key `{}{key}`: expected a list of strings", self.prefix),
                )
            })?;
            values.push(Located {
                value: text.to_string(),
                position: self.position(value.span()),
            });
        }
        Ok(Located {
            value: values,
            position: self.position(item.span()),
        })
    }

    fn rule_tables(&self, item: &Item) -> Result<BTreeMap<String, FixOverrides>, RuleError> {
        let table = item.as_table_like().ok_or_else(|| {
            self.error(
                item.span(),
                format!(
                    "invalid key `{}rule`: expected tables such as `[rule.refcell-in-shared-double]`",
                    self.prefix
                ),
            )
        })?;
        let mut rules = BTreeMap::new();
        for (id, rule_item) in table.iter() {
            let id_span = table.key(id).and_then(toml_edit::Key::span);
            let rule_table = rule_item.as_table_like().ok_or_else(|| {
                self.error(
                    rule_item.span().or(id_span.clone()),
                    format!(
                        "invalid key `{}rule.{id}`: expected a table of fix options",
                        self.prefix
                    ),
                )
            })?;
            let mut overrides = FixOverrides {
                id_position: self.position(id_span),
                ..FixOverrides::default()
            };
            for (key, value) in rule_table.iter() {
                let full_key = format!("rule.{id}.{key}");
                match key {
                    "strategy" => overrides.strategy = Some(self.choice(&full_key, value, Strategy::NAMES)?),
                    "lock" => overrides.lock = Some(self.choice(&full_key, value, LockPolicy::NAMES)?),
                    "ordering" => overrides.ordering = Some(self.choice(&full_key, value, AtomicOrdering::NAMES)?),
                    "guard_field" => overrides.guard_field = Some(self.identifier(&full_key, value)?),
                    "guard_binding" => overrides.guard_binding = Some(self.identifier(&full_key, value)?),
                    _ => {
                        let key_span = rule_table.key(key).and_then(toml_edit::Key::span);
                        return Err(self.unknown_key(key_span, &format!("rule.{id}.{key}"), RULE_KEYS));
                    }
                }
            }
            rules.insert(id.to_string(), overrides);
        }
        Ok(rules)
    }

    fn string<'i>(&self, key: &str, item: &'i Item) -> Result<Located<&'i str>, RuleError> {
        let text = item.as_str().ok_or_else(|| {
            self.error(
                item.span(),
                format!("invalid key `{}{key}`: expected a string", self.prefix),
            )
        })?;
        Ok(Located {
            value: text,
            position: self.position(item.span()),
        })
    }

    fn choice<T: Copy>(&self, key: &str, item: &Item, choices: &[(&str, T)]) -> Result<Located<T>, RuleError> {
        let text = self.string(key, item)?;
        match choices.iter().find(|(name, _)| *name == text.value) {
            Some((_, choice)) => Ok(Located {
                value: *choice,
                position: text.position,
            }),
            None => Err(self.error(
                item.span(),
                format!(
                    "invalid value \"{}\" for key `{}{key}`: expected one of {}",
                    text.value,
                    self.prefix,
                    choices
                        .iter()
                        .map(|(name, _)| format!("\"{name}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    fn identifier(&self, key: &str, item: &Item) -> Result<Located<String>, RuleError> {
        let text = self.string(key, item)?;
        if !is_identifier(text.value) {
            return Err(self.error(
                item.span(),
                format!(
                    "invalid value \"{}\" for key `{}{key}`: expected a Rust identifier",
                    text.value, self.prefix
                ),
            ));
        }
        Ok(Located {
            value: text.value.to_string(),
            position: text.position,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, name: &str, text: &str) -> PathBuf {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn discover(folder: &Path, cli: CommandLineSettings) -> Result<ProjectSettings, Vec<RuleError>> {
        ProjectSettings::discover(folder, &cli)
    }

    #[test]
    fn unknown_key_names_file_line_and_column() {
        let folder = tempfile::tempdir().unwrap();
        write(folder.path(), "mockfix.toml", "exclude = []\n\n  selekt = [\"x\"]\n");
        let errors = discover(folder.path(), CommandLineSettings::default()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].position, Some((3, 3)));
        assert!(errors[0].message.contains("unknown key `selekt`"), "{}", errors[0]);
        assert!(errors[0].file.ends_with("mockfix.toml"));
    }

    #[test]
    fn unknown_rule_option_in_metadata() {
        let folder = tempfile::tempdir().unwrap();
        write(
            folder.path(),
            "Cargo.toml",
            "[package]\nname = \"a\"\n\n[package.metadata.mockfix.rule.refcell-in-shared-double]\nlok = \"unwrap\"\n",
        );
        let errors = discover(folder.path(), CommandLineSettings::default()).unwrap_err();
        assert_eq!(errors[0].position, Some((5, 1)));
        assert!(
            errors[0]
                .message
                .contains("unknown key `package.metadata.mockfix.rule.refcell-in-shared-double.lok`"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn invalid_ordering_is_rejected() {
        let folder = tempfile::tempdir().unwrap();
        write(
            folder.path(),
            "mockfix.toml",
            "[rule.split-atomic-update-in-double]\nordering = \"Sequential\"\n",
        );
        let errors = discover(folder.path(), CommandLineSettings::default()).unwrap_err();
        assert_eq!(errors[0].position, Some((2, 12)));
        assert!(errors[0].message.contains("\"SeqCst\", \"AcqRel\""), "{}", errors[0]);
    }

    #[test]
    fn precedence_of_sources() {
        let folder = tempfile::tempdir().unwrap();
        write(
            folder.path(),
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\"]\n[workspace.metadata.mockfix]\nexclude = [\"w/**\"]\n\
             [workspace.metadata.mockfix.rule.refcell-in-shared-double]\nlock = \"ignore-poison\"\nguard_binding = \"_w\"\n",
        );
        write(
            folder.path(),
            "a/Cargo.toml",
            "[package]\nname = \"a\"\n[package.metadata.mockfix]\nexclude = [\"p/**\"]\nignore = [\"split-atomic-update-in-double\"]\n\
             [package.metadata.mockfix.rule.refcell-in-shared-double]\nguard_binding = \"_p\"\n",
        );
        write(
            folder.path(),
            "mockfix.toml",
            "[rule.refcell-in-shared-double]\nguard_field = \"lock_f\"\n",
        );
        let member = folder.path().join("a");
        let settings = discover(&member, CommandLineSettings::default()).unwrap();
        let rules = settings.rule_set().unwrap();
        let rule = rules.get("refcell-in-shared-double").unwrap();
        assert_eq!(rule.lock, LockPolicy::IgnorePoison, "workspace metadata applies");
        assert_eq!(rule.guard_binding, "_p", "package metadata beats workspace metadata");
        assert_eq!(rule.guard_field, "lock_f", "mockfix.toml applies");
        assert!(!rules.get("split-atomic-update-in-double").unwrap().enabled);
        let (exclude, layer) = settings.effective(|layer| layer.exclude.as_ref()).unwrap();
        assert_eq!(exclude.value[0].value, "p/**");
        assert!(matches!(layer.origin, Origin::PackageMetadata(_)));

        let cli = CommandLineSettings {
            exclude: vec!["c/**".to_string()],
            ignore: vec!["refcell-in-shared-double".to_string()],
            ..CommandLineSettings::default()
        };
        let settings = discover(&member, cli).unwrap();
        let (exclude, layer) = settings.effective(|layer| layer.exclude.as_ref()).unwrap();
        assert_eq!(exclude.value[0].value, "c/**");
        assert_eq!(layer.origin, Origin::CommandLine);
        let rules = settings.rule_set().unwrap();
        assert!(!rules.get("refcell-in-shared-double").unwrap().enabled);
        assert!(
            rules.get("split-atomic-update-in-double").unwrap().enabled,
            "the command line's ignore replaces the package's"
        );
    }

    #[test]
    fn select_enables_only_listed_rules() {
        let folder = tempfile::tempdir().unwrap();
        write(
            folder.path(),
            "mockfix.toml",
            "select = [\"split-atomic-update-in-double\"]\n",
        );
        let rules = discover(folder.path(), CommandLineSettings::default())
            .unwrap()
            .rule_set()
            .unwrap();
        let enabled: Vec<&str> = rules.enabled().map(|rule| rule.id.as_str()).collect();
        assert_eq!(enabled, ["split-atomic-update-in-double"]);
    }

    #[test]
    fn unknown_rule_id_is_error_with_position() {
        let folder = tempfile::tempdir().unwrap();
        write(folder.path(), "mockfix.toml", "ignore = [\"refcell-in-double\"]\n");
        let errors = discover(folder.path(), CommandLineSettings::default())
            .unwrap()
            .rule_set()
            .unwrap_err();
        let errors = errors.errors();
        assert_eq!(errors[0].position, Some((1, 11)));
        assert!(
            errors[0].message.contains("unknown rule id `refcell-in-double`"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn strategy_override_must_fit_state_kind() {
        let folder = tempfile::tempdir().unwrap();
        write(
            folder.path(),
            "mockfix.toml",
            "[rule.refcell-in-shared-double]\nstrategy = \"guard\"\n",
        );
        let errors = discover(folder.path(), CommandLineSettings::default())
            .unwrap()
            .rule_set()
            .unwrap_err();
        let errors = errors.errors();
        assert_eq!(errors[0].position, Some((2, 12)));
        assert!(errors[0].message.contains("needs strategy \"wrap\""), "{}", errors[0]);
    }

    #[test]
    fn config_flag_replaces_discovered_file() {
        let folder = tempfile::tempdir().unwrap();
        write(folder.path(), "mockfix.toml", "exclude = [\"found/**\"]\n");
        let other = write(folder.path(), "ci/mockfix-ci.toml", "exclude = [\"given/**\"]\n");
        let cli = CommandLineSettings {
            config: Some(other.clone()),
            ..CommandLineSettings::default()
        };
        let settings = discover(folder.path(), cli).unwrap();
        let (exclude, layer) = settings.effective(|layer| layer.exclude.as_ref()).unwrap();
        assert_eq!(exclude.value[0].value, "given/**");
        assert_eq!(layer.origin, Origin::ConfigFile(workspace::absolute(&other)));
    }

    #[test]
    fn rule_paths_resolve_against_config_folder() {
        let folder = tempfile::tempdir().unwrap();
        write(folder.path(), "mockfix.toml", "rules = [\"my-rules\"]\n");
        let settings = discover(folder.path(), CommandLineSettings::default()).unwrap();
        let (paths, _) = settings.effective(|layer| layer.rules.as_ref()).unwrap();
        assert_eq!(paths.value, [workspace::absolute(folder.path()).join("my-rules")]);
    }
}

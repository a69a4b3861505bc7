//! Cargo projects: which folder a run checks when no path is given, and which Rust edition each
//! file is parsed with.
//!
//! Manifests are read with `toml_edit`, and only the keys needed here: `[workspace]` to find the
//! workspace root, and `package.edition` (or `[workspace.package] edition` when a package sets
//! `edition.workspace = true`). The rest of a `Cargo.toml` is never checked.

use std::collections::HashMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// A Rust edition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edition {
    E2015,
    E2018,
    E2021,
    E2024,
}

impl Edition {
    /// The edition of files outside any Cargo package.
    pub const DEFAULT: Edition = Edition::E2021;

    /// The edition of a package whose manifest sets none, as Cargo defines it.
    pub const CARGO_DEFAULT: Edition = Edition::E2015;

    const NAMES: &'static [(&'static str, Edition)] = &[
        ("2015", Edition::E2015),
        ("2018", Edition::E2018),
        ("2021", Edition::E2021),
        ("2024", Edition::E2024),
    ];

    pub fn from_name(name: &str) -> Option<Edition> {
        Self::NAMES
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, edition)| *edition)
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, edition)| *edition == self)
            .map(|(name, _)| *name)
            .unwrap_or_default()
    }

    pub fn syntax_edition(self) -> ra_ap_syntax::Edition {
        match self {
            Edition::E2015 => ra_ap_syntax::Edition::Edition2015,
            Edition::E2018 => ra_ap_syntax::Edition::Edition2018,
            Edition::E2021 => ra_ap_syntax::Edition::Edition2021,
            Edition::E2024 => ra_ap_syntax::Edition::Edition2024,
        }
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An invalid or unreadable `Cargo.toml`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", manifest.display())]
pub struct ManifestError {
    pub manifest: PathBuf,
    pub message: String,
}

/// The parts of one `Cargo.toml` that mockfix uses.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    pub has_package: bool,
    pub has_workspace: bool,
    /// `package.edition`: `Some(None)` when it is `{ workspace = true }`.
    package_edition: Option<Option<Edition>>,
    /// `workspace.package.edition`.
    workspace_edition: Option<Edition>,
    /// A `[dependencies]` table, also one under `[target.'cfg(..)']`, has a `tokio` key, the
    /// name the package's code uses for the crate.
    depends_on_tokio: bool,
    /// The same for a `[dev-dependencies]` table, which only test, bench and example builds see.
    tests_depend_on_tokio: bool,
}

impl Manifest {
    pub fn read(path: &Path) -> Result<Manifest, ManifestError> {
        let error = |message: String| ManifestError {
            manifest: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|err| error(format!("cannot read: {err}")))?;
        let document =
            toml_edit::Document::parse(text.as_str()).map_err(|err| error(format!("invalid TOML: {err}")))?;
        let root = document.as_table();

        let package = root.get("package").and_then(toml_edit::Item::as_table_like);
        let workspace = root.get("workspace").and_then(toml_edit::Item::as_table_like);
        let package_edition = match package.and_then(|package| package.get("edition")) {
            None => None,
            Some(item) => {
                Some(edition_value(item, true).map_err(|message| error(format!("key `package.edition`: {message}")))?)
            }
        };
        let workspace_edition = match workspace
            .and_then(|workspace| workspace.get("package"))
            .and_then(toml_edit::Item::as_table_like)
            .and_then(|package| package.get("edition"))
        {
            None => None,
            Some(item) => edition_value(item, false)
                .map_err(|message| error(format!("key `workspace.package.edition`: {message}")))?,
        };
        let targets = root.get("target").and_then(toml_edit::Item::as_table_like);
        let lists_tokio = |table_name: &str| {
            let in_table = |table: &dyn toml_edit::TableLike| {
                table
                    .get(table_name)
                    .and_then(toml_edit::Item::as_table_like)
                    .is_some_and(|dependencies| dependencies.contains_key("tokio"))
            };
            in_table(root)
                || targets.is_some_and(|targets| {
                    targets
                        .iter()
                        .filter_map(|(_, target)| target.as_table_like())
                        .any(in_table)
                })
        };
        Ok(Manifest {
            has_package: package.is_some(),
            has_workspace: workspace.is_some(),
            package_edition,
            workspace_edition,
            depends_on_tokio: lists_tokio("dependencies"),
            tests_depend_on_tokio: lists_tokio("dev-dependencies"),
        })
    }
}

/// Reads an edition value: a string such as "2021", or `{ workspace = true }` when `inheritable`,
/// which is returned as `None`.
fn edition_value(item: &toml_edit::Item, inheritable: bool) -> Result<Option<Edition>, String> {
    if let Some(name) = item.as_str() {
        return Edition::from_name(name)
            .map(Some)
            .ok_or_else(|| format!("invalid edition \"{name}\": expected \"2015\", \"2018\", \"2021\" or \"2024\""));
    }
    let inherits = item
        .as_table_like()
        .and_then(|table| table.get("workspace"))
        .and_then(toml_edit::Item::as_bool)
        == Some(true);
    if inheritable && inherits {
        return Ok(None);
    }
    Err("expected an edition such as \"2021\" or `{ workspace = true }`".to_string())
}

/// Finds the folder that a run checks when no path is given: the nearest folder at or above
/// `start` whose `Cargo.toml` has a `[workspace]` table, else the nearest folder with a
/// `Cargo.toml`, else `start` itself.
pub fn project_root(start: &Path) -> PathBuf {
    let start = absolute(start);
    let Some(package_root) = start.ancestors().find(|folder| folder.join("Cargo.toml").is_file()) else {
        return start;
    };
    workspace_root_from(package_root).unwrap_or_else(|| package_root.to_path_buf())
}

/// Finds the nearest folder at or above `folder` whose `Cargo.toml` declares `[workspace]`.
fn workspace_root_from(folder: &Path) -> Option<PathBuf> {
    folder
        .ancestors()
        .filter(|candidate| candidate.join("Cargo.toml").is_file())
        .find(|candidate| {
            let manifest = candidate.join("Cargo.toml");
            match Manifest::read(&manifest) {
                Ok(manifest) => manifest.has_workspace,
                Err(err) => {
                    log::debug!("{err}; not taken as a workspace root");
                    false
                }
            }
        })
        .map(Path::to_path_buf)
}

/// Finds the top of the git work tree that contains `start`: the nearest folder with a `.git`
/// entry.
pub fn git_root(start: &Path) -> Option<PathBuf> {
    absolute(start)
        .ancestors()
        .find(|folder| folder.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Looks up the edition of each file from its package's manifest, reading each manifest once.
///
/// Safe to share between the walk's threads.
#[derive(Debug, Default)]
pub struct EditionLookup {
    manifests: Mutex<HashMap<PathBuf, Result<Manifest, ManifestError>>>,
}

impl EditionLookup {
    /// Returns the edition to parse `file` with: its package's edition, Cargo's default 2015 when
    /// the package sets none, or 2021 when no `Cargo.toml` with `[package]` is above the file.
    pub fn edition_for(&self, file: &Path) -> Result<Edition, ManifestError> {
        let file = absolute(file);
        let Some(folder) = package_folder(&file) else {
            return Ok(Edition::DEFAULT);
        };
        let manifest = self.manifest(&folder.join("Cargo.toml"))?;
        if !manifest.has_package {
            // A file next to a virtual manifest belongs to no package.
            return Ok(Edition::DEFAULT);
        }
        match manifest.package_edition {
            None => Ok(Edition::CARGO_DEFAULT),
            Some(Some(edition)) => Ok(edition),
            Some(None) => self.workspace_edition(folder),
        }
    }

    /// Returns whether the code of `file` can use the `tokio` crate: a `[dependencies]` entry
    /// of its package, or a `[dev-dependencies]` entry when the file lies in the package's
    /// `tests`, `benches` or `examples` folder. A file outside any package, or one whose
    /// manifest cannot be read, counts as not using it.
    // NOTE: a `#[cfg(test)]` module in `src/` also sees dev-dependencies, but this check goes by
    // folder, so there only a file that names `tokio::` itself gets a tokio fix.
    pub fn uses_tokio(&self, file: &Path) -> bool {
        let file = absolute(file);
        let Some(folder) = package_folder(&file) else {
            return false;
        };
        let Ok(manifest) = self.manifest(&folder.join("Cargo.toml")) else {
            return false;
        };
        let in_test_folder = ["tests", "benches", "examples"]
            .iter()
            .any(|name| file.starts_with(folder.join(name)));
        manifest.has_package && (manifest.depends_on_tokio || (manifest.tests_depend_on_tokio && in_test_folder))
    }

    fn workspace_edition(&self, package_folder: &Path) -> Result<Edition, ManifestError> {
        let package_manifest = package_folder.join("Cargo.toml");
        let Some(root) = workspace_root_from(package_folder) else {
            return Err(ManifestError {
                manifest: package_manifest,
                message: "`edition.workspace = true`, but no `Cargo.toml` with `[workspace]` was found above it"
                    .to_string(),
            });
        };
        let manifest_path = root.join("Cargo.toml");
        let manifest = self.manifest(&manifest_path)?;
        manifest.workspace_edition.ok_or_else(|| ManifestError {
            manifest: manifest_path,
            message: format!(
                "`{}` inherits the edition, but this manifest has no `[workspace.package] edition`",
                package_manifest.display()
            ),
        })
    }

    fn manifest(&self, path: &Path) -> Result<Manifest, ManifestError> {
        let cached = self
            .manifests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(path)
            .cloned();
        if let Some(manifest) = cached {
            return manifest;
        }
        // Read without the lock, so that the walk's threads do not queue behind one file read.
        let manifest = Manifest::read(path);
        self.manifests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(path.to_path_buf())
            .or_insert(manifest)
            .clone()
    }
}

/// Returns the nearest folder above `file` that has a `Cargo.toml`.
pub fn package_folder(file: &Path) -> Option<&Path> {
    file.parent()?
        .ancestors()
        .find(|folder| folder.join("Cargo.toml").is_file())
}

/// Makes `path` absolute against the current folder and resolves `.` and `..` lexically.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut normal = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, name: &str, text: &str) {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn edition_comes_from_package() {
        let folder = tempfile::tempdir().unwrap();
        write(
            folder.path(),
            "a/Cargo.toml",
            "[package]\nname = \"a\"\nedition = \"2024\"\n",
        );
        write(folder.path(), "b/Cargo.toml", "[package]\nname = \"b\"\n");
        let lookup = EditionLookup::default();
        assert_eq!(
            lookup.edition_for(&folder.path().join("a/src/lib.rs")).unwrap(),
            Edition::E2024
        );
        assert_eq!(
            lookup.edition_for(&folder.path().join("b/src/lib.rs")).unwrap(),
            Edition::E2015
        );
    }

    #[test]
    fn tokio_dependency_is_found_in_each_table() {
        let folder = tempfile::tempdir().unwrap();
        // Each manifest's dependencies, and whether `src/lib.rs` and `tests/it.rs` can use tokio.
        let manifests = [
            ("plain", "[dependencies]\ntokio = \"1\"\n", true, true),
            ("dev", "[dev-dependencies.tokio]\nversion = \"1\"\n", false, true),
            (
                "target",
                "[target.'cfg(unix)'.dependencies]\ntokio = { version = \"1\", features = [\"sync\"] }\n",
                true,
                true,
            ),
            (
                "target_dev",
                "[target.'cfg(unix)'.dev-dependencies]\ntokio = { version = \"1\", features = [\"sync\"] }\n",
                false,
                true,
            ),
            (
                "renamed",
                "[dependencies]\nrt = { package = \"tokio\", version = \"1\" }\n",
                false,
                false,
            ),
            ("build", "[build-dependencies]\ntokio = \"1\"\n", false, false),
            ("none", "[dependencies]\nserde = \"1\"\n", false, false),
        ];
        for (name, dependencies, _, _) in manifests {
            let manifest = format!("[package]\nname = \"{name}\"\n{dependencies}");
            write(folder.path(), &format!("{name}/Cargo.toml"), &manifest);
        }
        let lookup = EditionLookup::default();
        for (name, _, in_library, in_tests) in manifests {
            let package = folder.path().join(name);
            assert_eq!(
                lookup.uses_tokio(&package.join("src/lib.rs")),
                in_library,
                "`{name}` src/lib.rs"
            );
            assert_eq!(
                lookup.uses_tokio(&package.join("tests/it.rs")),
                in_tests,
                "`{name}` tests/it.rs"
            );
        }
        assert!(!lookup.uses_tokio(&folder.path().join("outside.rs")));
    }

    #[test]
    fn edition_inherited_from_workspace() {
        let folder = tempfile::tempdir().unwrap();
        write(
            folder.path(),
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\n[workspace.package]\nedition = \"2018\"\n",
        );
        write(
            folder.path(),
            "crates/a/Cargo.toml",
            "[package]\nname = \"a\"\nedition.workspace = true\n",
        );
        write(
            folder.path(),
            "crates/b/Cargo.toml",
            "[package]\nname = \"b\"\nedition = { workspace = true }\n",
        );
        let lookup = EditionLookup::default();
        for member in ["a", "b"] {
            let file = folder.path().join(format!("crates/{member}/src/lib.rs"));
            assert_eq!(lookup.edition_for(&file).unwrap(), Edition::E2018, "member {member}");
        }
        let outside = folder.path().join("scripts/tool.rs");
        assert_eq!(lookup.edition_for(&outside).unwrap(), Edition::DEFAULT);
    }

    #[test]
    fn inherited_edition_missing_is_error() {
        let folder = tempfile::tempdir().unwrap();
        write(folder.path(), "Cargo.toml", "[workspace]\nmembers = [\"a\"]\n");
        write(
            folder.path(),
            "a/Cargo.toml",
            "[package]\nname = \"a\"\nedition.workspace = true\n",
        );
        let err = EditionLookup::default()
            .edition_for(&folder.path().join("a/src/lib.rs"))
            .unwrap_err();
        assert!(err.message.contains("[workspace.package] edition"), "{err}");
    }

    #[test]
    fn invalid_edition_is_error() {
        let folder = tempfile::tempdir().unwrap();
        write(
            folder.path(),
            "Cargo.toml",
            "[package]\nname = \"a\"\nedition = \"2022\"\n",
        );
        let err = EditionLookup::default()
            .edition_for(&folder.path().join("src/lib.rs"))
            .unwrap_err();
        assert!(err.message.contains("invalid edition \"2022\""), "{err}");
    }

    #[test]
    fn project_root_prefers_workspace() {
        let folder = tempfile::tempdir().unwrap();
        write(folder.path(), "Cargo.toml", "[workspace]\nmembers = [\"crates/a\"]\n");
        write(folder.path(), "crates/a/Cargo.toml", "[package]\nname = \"a\"\n");
        std::fs::create_dir_all(folder.path().join("crates/a/src")).unwrap();
        let root = absolute(folder.path());
        assert_eq!(project_root(&folder.path().join("crates/a/src")), root);

        let lone = tempfile::tempdir().unwrap();
        write(lone.path(), "Cargo.toml", "[package]\nname = \"lone\"\n");
        std::fs::create_dir_all(lone.path().join("src")).unwrap();
        assert_eq!(project_root(&lone.path().join("src")), absolute(lone.path()));
    }

    #[test]
    fn absolute_resolves_dots() {
        assert_eq!(absolute(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
    }
}

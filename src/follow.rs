//! Cross-file follow-up: the uses of a fixed double in the other files of its package change with
//! the fix, or the fix is held back.
//!
//! Each file is first checked on its own. Then, in rounds: every applied fix's `Conversion` is
//! offered to the files of the package that name the double, which rewrite their uses (a
//! `.borrow()` in a test elsewhere, a struct literal that needs the new guard field). A file whose
//! uses cannot follow (an ambiguous field, a lock that would deadlock, a file that does not parse)
//! sends back a reason; the double's own fix then needs review, and the next round offers the
//! remaining fixes again. Rounds end when no new reason comes back.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use globset::GlobSet;

use crate::config::RuleSet;
use crate::fix::ForeignDouble;
use crate::language::Language;
use crate::package::{package_root, PackageKey, PackageSearch};
use crate::read::decode_utf8;
use crate::run::{display_path, CheckedFile, CheckedText};
use crate::workspace::EditionLookup;
use crate::{fix_source_with, ExternalReview, FixPolicy, FixRequest};

/// A fix rarely needs more than two rounds: one to rewrite the uses, one to hold back the fixes
/// whose uses could not follow. More rounds only happen when holding one back blocks another.
const MAX_ROUNDS: usize = 6;

/// A fix applied in one file whose double other files may use.
struct Applied {
    origin: PathBuf,
    package: PathBuf,
    double: ForeignDouble,
}

/// `root` is the folder that paths are shown relative to, and `editions` gives the edition of each
/// file that is loaded here.
pub(crate) fn follow_fixes_across_files(
    checked: &mut Vec<CheckedFile>,
    rules: &RuleSet,
    policy: FixPolicy,
    root: &Path,
    editions: &EditionLookup,
    exclude: &GlobSet,
) {
    let mut packages = PackageSearch::default();
    let mut reviews: HashMap<PathBuf, Vec<ExternalReview>> = HashMap::new();
    let mut offered: HashMap<PathBuf, Vec<ForeignDouble>> = HashMap::new();

    for round in 0..MAX_ROUNDS {
        let applied = applied_fixes(checked);
        let mut searches: Vec<(PackageKey, Vec<String>)> = Vec::new();
        for fix in &applied {
            let key = package_key(fix);
            let name = fix.double.struct_name.clone();
            match searches.iter_mut().find(|(package, _)| *package == key) {
                Some((_, names)) => names.push(name),
                None => searches.push((key, vec![name])),
            }
        }
        packages.search(&searches);
        let mut wanted: BTreeMap<PathBuf, Vec<ForeignDouble>> = BTreeMap::new();
        // Uses in files that an `exclude` glob keeps mockfix from changing, by the fix's origin.
        let mut excluded_uses: Vec<(PathBuf, ExternalReview)> = Vec::new();
        for fix in &applied {
            let key = package_key(fix);
            for path in packages.files_naming(&key, &fix.double.struct_name) {
                if *path == fix.origin {
                    continue;
                }
                let (_, display) = shown_paths(path, root);
                if exclude.is_match(&display) {
                    excluded_uses.push((
                        fix.origin.clone(),
                        ExternalReview {
                            struct_name: fix.double.struct_name.clone(),
                            reason: format!(
                                "`{display}` uses it, and an `exclude` glob keeps mockfix from changing that file"
                            ),
                        },
                    ));
                    continue;
                }
                wanted.entry(path.clone()).or_default().push(fix.double.clone());
            }
        }

        // Check again every file whose offered doubles changed, including files offered none now.
        let mut touched: Vec<PathBuf> = wanted.keys().cloned().collect();
        touched.extend(offered.keys().filter(|path| !wanted.contains_key(*path)).cloned());
        for path in touched {
            let now = wanted.get(&path).cloned().unwrap_or_default();
            if offered.get(&path).cloned().unwrap_or_default() == now {
                continue;
            }
            let position = match checked.iter().position(|file| file.canonical == path) {
                Some(position) => position,
                None => {
                    let Some(file) = load(&path, root, editions) else {
                        continue;
                    };
                    checked.push(file);
                    checked.len() - 1
                }
            };
            recheck(
                &mut checked[position],
                rules,
                policy,
                reviews.get(&path).map_or(&[], Vec::as_slice),
                &now,
            );
            offered.insert(path, now);
        }

        // Uses that cannot follow hold back the fix of their double.
        let mut held_back = Vec::new();
        for (origin, problem) in excluded_uses {
            let known = reviews.entry(origin.clone()).or_default();
            if !known.contains(&problem) {
                known.push(problem);
                held_back.push(origin);
            }
        }
        for file in checked.iter() {
            let problems: Vec<ExternalReview> = match &file.result {
                Ok(text) => text.outcome.foreign_problems.clone(),
                Err(message) => offered
                    .get(&file.canonical)
                    .into_iter()
                    .flatten()
                    .map(|double| ExternalReview {
                        struct_name: double.struct_name.clone(),
                        reason: format!("`{}` uses it and cannot be changed: {message}", file.display),
                    })
                    .collect(),
            };
            for problem in problems {
                let origin = applied.iter().find(|fix| fix.double.struct_name == problem.struct_name);
                let Some(origin) = origin else { continue };
                let known = reviews.entry(origin.origin.clone()).or_default();
                if !known.contains(&problem) {
                    known.push(problem);
                    held_back.push(origin.origin.clone());
                }
            }
        }
        if held_back.is_empty() {
            return;
        }
        log::debug!(
            "round {round}: {} fixes held back by their uses in other files",
            held_back.len()
        );
        for origin in held_back {
            let Some(file) = checked.iter_mut().find(|file| file.canonical == origin) else {
                continue;
            };
            let foreign = offered.get(&origin).cloned().unwrap_or_default();
            recheck(file, rules, policy, &reviews[&origin], &foreign);
        }
    }
    log::warn!(
        "the fixes of doubles used across files did not settle after {MAX_ROUNDS} rounds; some may be held back"
    );
}

/// Returns the package of the file that declares the double of `fix`, with the file's language.
fn package_key(fix: &Applied) -> PackageKey {
    let language = Language::of_path(&fix.origin).unwrap_or(Language::Rust);
    (fix.package.clone(), language)
}

fn applied_fixes(checked: &[CheckedFile]) -> Vec<Applied> {
    let mut applied = Vec::new();
    for file in checked {
        let Ok(text) = &file.result else { continue };
        for &index in &text.outcome.applied {
            let finding = &text.outcome.findings[index];
            let Some(fix) = &finding.fix else { continue };
            applied.push(Applied {
                origin: file.canonical.clone(),
                package: package_root(&file.canonical),
                double: ForeignDouble {
                    struct_name: finding.struct_name.clone(),
                    conversion: fix.conversion.clone(),
                },
            });
        }
    }
    applied
}

/// Returns the path to show for the canonical `path`: relative to the current folder when it is
/// inside it, and its display relative to `root`, as the walk shows the files it checks.
fn shown_paths(path: &Path, root: &Path) -> (PathBuf, String) {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| std::fs::canonicalize(cwd).ok())
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(PathBuf::from))
        .unwrap_or_else(|| path.to_path_buf());
    let display = display_path(&shown, root);
    (shown, display)
}

/// Loads a file of the package that the walk did not check, because it has no double of its own.
fn load(path: &PathBuf, root: &Path, editions: &EditionLookup) -> Option<CheckedFile> {
    let language = Language::of_path(path).unwrap_or(Language::Rust);
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            log::warn!("{}: not searched for uses of fixed doubles: {err}", path.display());
            return None;
        }
    };
    let (shown, display) = shown_paths(path, root);
    let edition = match language {
        Language::Go => Ok(crate::Edition::DEFAULT),
        Language::Rust => editions
            .edition_for(path)
            .map_err(|err| format!("cannot tell the Rust edition: {err}; the file was skipped")),
    };
    let uses_tokio = language == Language::Rust && editions.uses_tokio(path);
    let result = decode_utf8(&bytes).and_then(|(bom, text)| {
        Ok(CheckedText {
            bom,
            text: text.to_string(),
            edition: edition?,
            uses_tokio,
            outcome: crate::FileOutcome {
                findings: Vec::new(),
                applied: Vec::new(),
                fixed_text: text.to_string(),
                foreign_applied: Vec::new(),
                foreign_problems: Vec::new(),
                syntax_errors: Vec::new(),
            },
        })
    });
    Some(CheckedFile {
        path: shown.clone(),
        canonical: path.clone(),
        display,
        walked: false,
        original_bytes: bytes,
        result,
    })
}

fn recheck(
    file: &mut CheckedFile,
    rules: &RuleSet,
    policy: FixPolicy,
    reviews: &[ExternalReview],
    foreign: &[ForeignDouble],
) {
    let Ok(text) = &mut file.result else { return };
    // Outside the given paths only the uses of doubles fixed elsewhere change.
    let no_rules = RuleSet::default();
    let rules = if file.walked { rules } else { &no_rules };
    let request = FixRequest {
        policy,
        reviews,
        only_struct: None,
        foreign,
        edition: text.edition,
        uses_tokio: text.uses_tokio,
    };
    match fix_source_with(&file.display, &text.text, rules, &request) {
        Ok(outcome) => text.outcome = outcome,
        Err(err) => file.result = Err(format!("{err}; the file was left unchanged")),
    }
}

//! The `--apply` step: the version-control check, the writes, and the check of the build that
//! `--verify` requests.
//!
//! Files are written in groups, each all or nothing, because the fixes of one edit set may
//! change several files and writing only some of them would leave code that does not compile.
//! A fix and the rewrites of its double's uses in other files of the package form one group.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::verify::{FollowUpPolicy, Verifier};
use crate::write::{self, FileWrite, VcsProblem};

/// A test hook: milliseconds to wait after the version-control check and before the first
/// write, so that a test can change a file in between.
const PAUSE_BEFORE_WRITE_VARIABLE: &str = "MOCKFIX_TEST_PAUSE_BEFORE_WRITE_MS";

/// A file that `--apply` writes.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    /// The path as messages show it.
    pub display: String,
    /// The real file, symbolic links resolved.
    pub path: PathBuf,
    /// The bytes that the fixes were planned from.
    pub original: Vec<u8>,
    pub contents: Vec<u8>,
    /// Files with the same group are written all or nothing.
    pub group: usize,
}

#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    pub allow_dirty: bool,
    pub allow_no_vcs: bool,
    /// Check the build with `cargo check` and undo the changes when they add an error.
    pub verify: bool,
    /// The lock call that `--verify` writes in follow-up edits.
    pub lock_call: &'static str,
}

/// The outcome of `apply`.
#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Indexes into the planned files of those written and kept.
    pub written: Vec<usize>,
    /// Some file was not written, or `--verify` undid the changes.
    pub failed: bool,
}

/// Writes `files`, after checking that git can undo every change, and reports each problem on
/// stderr.
pub fn apply(files: &[PlannedFile], options: &ApplyOptions) -> ApplyReport {
    let mut report = ApplyReport::default();
    if files.is_empty() {
        return report;
    }
    let displays: HashMap<&Path, &str> = files
        .iter()
        .map(|file| (file.path.as_path(), file.display.as_str()))
        .collect();
    let display = |path: &Path| {
        displays
            .get(path)
            .map_or_else(|| path.display().to_string(), |shown| shown.to_string())
    };
    let paths: Vec<PathBuf> = files.iter().map(|file| file.path.clone()).collect();
    if let Err(problem) = write::check_vcs(&paths, options.allow_dirty, options.allow_no_vcs) {
        let mut lines = describe_vcs_problem_with(&problem, display);
        lines.push("nothing was written".to_string());
        print_lines(&lines);
        report.failed = true;
        return report;
    }
    remove_stale_temp_files(&paths);

    let verifier = if options.verify {
        match Verifier::start(&paths, options.lock_call) {
            Ok(verifier) => Some(verifier),
            Err(message) => {
                eprintln!("mockfix: --verify: {message}; nothing was written");
                report.failed = true;
                return report;
            }
        }
    } else {
        None
    };
    pause_for_tests();

    let mut journal = Vec::new();
    // Groups in the order of their first file, each with its files in order.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_slots: HashMap<usize, usize> = HashMap::new();
    for (index, file) in files.iter().enumerate() {
        let slot = *group_slots.entry(file.group).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[slot].push(index);
    }
    for members in groups {
        let writes: Vec<FileWrite> = members
            .iter()
            .map(|&index| FileWrite {
                path: files[index].path.clone(),
                expected: files[index].original.clone(),
                contents: files[index].contents.clone(),
            })
            .collect();
        match write::write_all_or_nothing(&writes) {
            Ok(written) => {
                journal.extend(written);
                report.written.extend(members);
            }
            Err(err) => {
                report.failed = true;
                let next_step = match err.error {
                    write::WriteError::Changed => "; run mockfix again",
                    _ => "",
                };
                eprintln!(
                    "mockfix: {}: cannot write: {}; the file was left unchanged{next_step}",
                    display(&err.path),
                    err.error
                );
                if !err.restored.is_empty() {
                    let restored: Vec<String> = err.restored.iter().map(|path| display(path)).collect();
                    eprintln!(
                        "mockfix: restored the other files of the same fix: {}",
                        restored.join(", ")
                    );
                }
                for (path, restore_error) in &err.not_restored {
                    eprintln!(
                        "mockfix: {}: written, but its original content could not be restored: {restore_error}; restore it from version control",
                        display(path)
                    );
                }
            }
        }
    }

    if let Some(verifier) = verifier {
        if !journal.is_empty() {
            let policy = FollowUpPolicy {
                allow_dirty: options.allow_dirty,
                allow_no_vcs: options.allow_no_vcs,
            };
            if !verifier.finish(&mut journal, policy) {
                report.written.clear();
                report.failed = true;
            }
        }
    }
    report
}

/// Groups files whose changes belong together: each file is given the names of the doubles whose
/// fixes or uses it changes, and files that share a name get the same group number. Two doubles
/// of one name in different packages only make a group larger than it needs to be.
pub fn edit_set_groups(names: &[Vec<String>]) -> Vec<usize> {
    fn representative(parents: &mut [usize], mut index: usize) -> usize {
        while parents[index] != index {
            parents[index] = parents[parents[index]];
            index = parents[index];
        }
        index
    }
    let mut parents: Vec<usize> = (0..names.len()).collect();
    let mut first_file: HashMap<&str, usize> = HashMap::new();
    for (index, file_names) in names.iter().enumerate() {
        for name in file_names {
            match first_file.get(name.as_str()) {
                Some(&other) => {
                    let (a, b) = (representative(&mut parents, index), representative(&mut parents, other));
                    parents[a.max(b)] = a.min(b);
                }
                None => {
                    first_file.insert(name, index);
                }
            }
        }
    }
    (0..names.len())
        .map(|index| representative(&mut parents, index))
        .collect()
}

/// Describes why git cannot undo a change of some files, as message lines; `display` names a
/// file.
pub fn describe_vcs_problem(problem: &VcsProblem) -> Vec<String> {
    describe_vcs_problem_with(problem, |path| path.display().to_string())
}

fn describe_vcs_problem_with(problem: &VcsProblem, display: impl Fn(&Path) -> String) -> Vec<String> {
    match problem {
        VcsProblem::NoRepository(files) => {
            let mut lines = vec!["these files are not in a git repository, so a fix could not be undone:".to_string()];
            lines.extend(files.iter().map(|file| format!("  {}", display(file))));
            lines.push("commit them to git first, or pass --allow-no-vcs to write anyway".to_string());
            lines
        }
        VcsProblem::Dirty(files) => {
            let mut lines = vec![
                "these files have changes that are not committed, which the fix would mix with its own:".to_string(),
            ];
            lines.extend(
                files
                    .iter()
                    .map(|file| format!("  {} ({})", display(&file.path), file.state)),
            );
            lines.push("commit or stash them first, or pass --allow-dirty to write anyway".to_string());
            lines
        }
        VcsProblem::GitFailed(message) => vec![format!("cannot check the files with git: {message}")],
    }
}

/// Prints message lines on stderr. A line that starts with a space continues the message above
/// it and gets no `mockfix:` prefix.
pub(crate) fn print_lines(lines: &[String]) {
    for line in lines {
        if line.starts_with(' ') {
            eprintln!("{line}");
        } else {
            eprintln!("mockfix: {line}");
        }
    }
}

/// Removes the temporary files of killed runs from the folders that this run writes to.
fn remove_stale_temp_files(paths: &[PathBuf]) {
    let mut folders: Vec<&Path> = paths.iter().filter_map(|path| path.parent()).collect();
    folders.sort();
    folders.dedup();
    for folder in folders {
        for removed in write::remove_stale_temp_files(folder) {
            log::info!(
                "removed `{}`, left by a mockfix run that was stopped",
                removed.display()
            );
        }
    }
}

fn pause_for_tests() {
    let Some(milliseconds) = std::env::var(PAUSE_BEFORE_WRITE_VARIABLE)
        .ok()
        .and_then(|value| value.parse::<u64>().ok())
    else {
        return;
    };
    eprintln!("mockfix: {PAUSE_BEFORE_WRITE_VARIABLE}: waiting {milliseconds} ms before writing");
    std::thread::sleep(Duration::from_millis(milliseconds));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&[&str]]) -> Vec<Vec<String>> {
        list.iter()
            .map(|file| file.iter().map(|name| name.to_string()).collect())
            .collect()
    }

    #[test]
    fn groups_join_files_sharing_a_double() {
        let groups = edit_set_groups(&names(&[&["MockA"], &["MockB"], &["MockA", "MockC"], &["MockC"], &[]]));
        assert_eq!(groups[0], groups[2]);
        assert_eq!(groups[2], groups[3]);
        assert_ne!(groups[0], groups[1]);
        assert_ne!(groups[4], groups[0]);
        assert_ne!(groups[4], groups[1]);
    }
}

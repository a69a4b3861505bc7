//! Safe writes: the version-control check before `--apply`, the atomic replacement of one file,
//! and the all-or-nothing writing of a group of files.
//!
//! Every write goes to a temporary file in the target's folder. The temporary file is flushed to
//! disk, the target is read once more and compared with the bytes mockfix planned from, and only
//! then is the temporary file renamed over the target and the folder flushed. A crash or a kill
//! therefore leaves each file with either its old or its new content. A group of files is
//! written in order, and when one write fails the files already written get their old bytes and
//! permissions back.

use std::collections::BTreeMap;
use std::fs::{File, Permissions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Temporary files are named `.mockfix-<pid>-<random>.tmp`. The process id lets a later run tell
/// the leftovers of a killed run from the files of a run that is still writing.
const TEMP_PREFIX: &str = ".mockfix-";
const TEMP_SUFFIX: &str = ".tmp";

/// The reason one file was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the file changed on disk since mockfix read it")]
    Changed,
    #[error("the file is read-only; make it writable to fix it")]
    ReadOnlyFile,
    #[error("its folder `{}` is read-only; make the folder writable to fix the file", .0.display())]
    ReadOnlyFolder(PathBuf),
    #[error("the file has {0} hard links, and replacing it would leave the other links with the old content")]
    HardLinks(u64),
    #[error("{action}: {source}")]
    Io {
        action: String,
        #[source]
        source: io::Error,
    },
}

impl WriteError {
    fn io(action: impl Into<String>) -> impl FnOnce(io::Error) -> WriteError {
        let action = action.into();
        move |source| WriteError::Io { action, source }
    }
}

/// Replaces the file at `path` with `contents` atomically, keeping its permissions, whatever it
/// contains now.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let permissions = std::fs::metadata(path)?.permissions();
    replace_through_temp(path, contents, permissions, || Ok(())).map_err(|err| match err {
        WriteError::Io { source, .. } => source,
        other => io::Error::other(other.to_string()),
    })
}

/// Replaces the file at `path` with `contents` if it still contains `expected`, keeping its
/// permissions. Read-only files and files in read-only folders are rejected, even when the
/// operating system would let this process write them.
pub fn replace_file(path: &Path, expected: &[u8], contents: &[u8]) -> Result<(), WriteError> {
    let metadata = check_writable(path)?;
    replace_through_temp(path, contents, metadata.permissions(), || {
        check_unchanged(path, expected)
    })
}

/// Checks that mockfix may replace the file at `path`, and returns its metadata.
pub fn check_writable(path: &Path) -> Result<std::fs::Metadata, WriteError> {
    let metadata = std::fs::metadata(path).map_err(WriteError::io("cannot read the file's metadata"))?;
    if metadata.permissions().readonly() {
        return Err(WriteError::ReadOnlyFile);
    }
    // A file the user cannot open for writing could still be replaced by a rename, because that
    // needs only the folder's permission. Opening it without truncating changes nothing.
    if let Err(err) = std::fs::OpenOptions::new().write(true).open(path) {
        return Err(match err.kind() {
            io::ErrorKind::PermissionDenied => WriteError::ReadOnlyFile,
            _ => WriteError::Io {
                action: "cannot open the file for writing".to_string(),
                source: err,
            },
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if metadata.nlink() > 1 {
            return Err(WriteError::HardLinks(metadata.nlink()));
        }
    }
    let folder = folder_of(path);
    let folder_metadata = std::fs::metadata(folder).map_err(WriteError::io(format!(
        "cannot read the metadata of folder `{}`",
        folder.display()
    )))?;
    if folder_metadata.permissions().readonly() {
        return Err(WriteError::ReadOnlyFolder(folder.to_path_buf()));
    }
    Ok(metadata)
}

fn check_unchanged(path: &Path, expected: &[u8]) -> Result<(), WriteError> {
    let current = std::fs::read(path).map_err(WriteError::io("cannot read the file again before writing"))?;
    if current != expected {
        return Err(WriteError::Changed);
    }
    Ok(())
}

/// Writes `contents` to a temporary file next to `path`, flushes it, runs `before_rename` and
/// renames the temporary file over `path`. The temporary file is removed when any step fails.
fn replace_through_temp(
    path: &Path,
    contents: &[u8],
    permissions: Permissions,
    before_rename: impl FnOnce() -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    let folder = folder_of(path);
    let mut temporary = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(folder)
        .map_err(|source| match source.kind() {
            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                WriteError::ReadOnlyFolder(folder.to_path_buf())
            }
            _ => WriteError::Io {
                action: format!("cannot create a temporary file in `{}`", folder.display()),
                source,
            },
        })?;
    let written = temporary
        .write_all(contents)
        .and_then(|()| temporary.flush())
        .and_then(|()| temporary.as_file().set_permissions(permissions))
        .and_then(|()| temporary.as_file().sync_all());
    written.map_err(WriteError::io("cannot write the temporary file"))?;

    before_rename()?;
    temporary.persist(path).map_err(|err| WriteError::Io {
        action: "cannot rename the temporary file over the file".to_string(),
        source: err.error,
    })?;
    sync_folder(folder);
    Ok(())
}

/// Flushes a folder, so that a rename in it survives a power loss. Some file systems cannot flush
/// folders; the file is written either way, so a failure is only logged.
fn sync_folder(folder: &Path) {
    #[cfg(unix)]
    if let Err(err) = File::open(folder).and_then(|handle| handle.sync_all()) {
        log::warn!("{}: cannot flush the folder to disk: {err}", folder.display());
    }
    #[cfg(not(unix))]
    let _ = folder;
}

fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// One file of a group: the bytes mockfix planned from, and the bytes to write.
#[derive(Debug, Clone)]
pub struct FileWrite {
    pub path: PathBuf,
    pub expected: Vec<u8>,
    pub contents: Vec<u8>,
}

/// A file that a group wrote, with what is needed to restore it.
#[derive(Debug, Clone)]
pub struct WrittenFile {
    pub path: PathBuf,
    pub original: Vec<u8>,
    pub written: Vec<u8>,
    pub permissions: Permissions,
}

/// A group that was not written. Files of the group written before the failure were restored,
/// except for those in `not_restored`.
#[derive(Debug)]
pub struct GroupError {
    pub path: PathBuf,
    pub error: WriteError,
    pub restored: Vec<PathBuf>,
    pub not_restored: Vec<(PathBuf, WriteError)>,
}

/// Writes every file of `writes`, in order, or none of them.
///
/// Every file is checked first: it must still hold its `expected` bytes and be writable. Then
/// each is replaced as `replace_file` does. When a write fails, the files already written get
/// their `expected` bytes and their permissions back, and the error names the failed file.
pub fn write_all_or_nothing(writes: &[FileWrite]) -> Result<Vec<WrittenFile>, GroupError> {
    write_all_or_nothing_with(writes, |_, write| {
        replace_file(&write.path, &write.expected, &write.contents)
    })
}

/// `write_all_or_nothing` with the write of one file passed in, so that tests can make the n-th
/// write fail.
fn write_all_or_nothing_with(
    writes: &[FileWrite],
    mut write_one: impl FnMut(usize, &FileWrite) -> Result<(), WriteError>,
) -> Result<Vec<WrittenFile>, GroupError> {
    let mut permissions = Vec::with_capacity(writes.len());
    for write in writes {
        let checked = check_writable(&write.path).and_then(|metadata| {
            check_unchanged(&write.path, &write.expected)?;
            Ok(metadata.permissions())
        });
        match checked {
            Ok(mode) => permissions.push(mode),
            Err(error) => {
                return Err(GroupError {
                    path: write.path.clone(),
                    error,
                    restored: Vec::new(),
                    not_restored: Vec::new(),
                })
            }
        }
    }

    let mut written: Vec<WrittenFile> = Vec::with_capacity(writes.len());
    for (index, (write, mode)) in writes.iter().zip(permissions).enumerate() {
        if let Err(error) = write_one(index, write) {
            let not_restored = restore(&written);
            let restored = written
                .iter()
                .map(|file| file.path.clone())
                .filter(|path| !not_restored.iter().any(|(failed, _)| failed == path))
                .collect();
            return Err(GroupError {
                path: write.path.clone(),
                error,
                restored,
                not_restored,
            });
        }
        written.push(WrittenFile {
            path: write.path.clone(),
            original: write.expected.clone(),
            written: write.contents.clone(),
            permissions: mode,
        });
    }
    Ok(written)
}

/// Gives each of `files` its original bytes and permissions back, last written first. A file that
/// no longer contains what mockfix wrote was changed by someone else and is left alone.
///
/// Returns the files that could not be restored.
pub fn restore(files: &[WrittenFile]) -> Vec<(PathBuf, WriteError)> {
    let mut failures = Vec::new();
    for file in files.iter().rev() {
        let restored = replace_through_temp(&file.path, &file.original, file.permissions.clone(), || {
            check_unchanged(&file.path, &file.written)
        });
        if let Err(err) = restored {
            failures.push((file.path.clone(), err));
        }
    }
    failures
}

/// Removes the temporary files that killed mockfix runs left in `folder`, and returns their
/// paths. A temporary file is stale when the process that created it is no longer running.
///
/// Only Linux shows running processes under `/proc`; elsewhere nothing is removed.
pub fn remove_stale_temp_files(folder: &Path) -> Vec<PathBuf> {
    let proc_root = Path::new("/proc");
    if !proc_root.join("self").exists() {
        // FIXME: Without /proc, mockfix cannot tell a killed run's temporary files from a running one's, so it leaves them.
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_file_pid) else {
            continue;
        };
        if pid == std::process::id() || proc_root.join(pid.to_string()).exists() {
            continue;
        }
        if std::fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
}

/// Reads the process id from a temporary file name of the form `.mockfix-<pid>-<random>.tmp`.
fn temp_file_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(TEMP_PREFIX)?.strip_suffix(TEMP_SUFFIX)?;
    let (pid, random) = rest.split_once('-')?;
    if random.is_empty() {
        return None;
    }
    pid.parse().ok()
}

/// The place of a file found by the walk, once symbolic links are resolved.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// The real file, inside the folder being fixed.
    Inside(PathBuf),
    /// A symbolic link to a file outside `folder`, the folder being fixed.
    Outside { target: PathBuf, folder: PathBuf },
}

/// Resolves `path`, found by walking `root`, to the file that a write would change.
///
/// The folder being fixed is `root` itself, or its folder when `root` is a file. A file reached
/// through a symbolic link counts only when its real path lies inside that folder.
pub fn resolve_within(root: &Path, path: &Path) -> io::Result<Resolved> {
    let target = std::fs::canonicalize(path)?;
    let root_is_folder = std::fs::metadata(root)?.is_dir();
    let folder = if root_is_folder {
        std::fs::canonicalize(root)?
    } else {
        std::fs::canonicalize(folder_of(root))?
    };
    if target.starts_with(&folder) {
        Ok(Resolved::Inside(target))
    } else {
        Ok(Resolved::Outside { target, folder })
    }
}

/// The reason `--apply` will not write some files.
#[derive(Debug, PartialEq, Eq)]
pub enum VcsProblem {
    /// The files are not inside a git work tree.
    NoRepository(Vec<PathBuf>),
    /// The files have uncommitted changes, staged or not, or git does not track them.
    Dirty(Vec<DirtyFile>),
    /// git could not be run, or failed, for the reason in the message.
    GitFailed(String),
}

/// A file whose current content git cannot give back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirtyFile {
    pub path: PathBuf,
    /// The state that `git status` reports, in words: `modified`, `staged`, `untracked`, ...
    pub state: String,
}

/// Checks that every file in `files` is inside a git work tree and has no uncommitted changes.
///
/// Staged changes count as uncommitted, and untracked and ignored files count as changed, because
/// git cannot restore any of them. Git is asked with one `git status` per repository.
pub fn check_vcs(files: &[PathBuf], allow_dirty: bool, allow_no_vcs: bool) -> Result<(), VcsProblem> {
    let mut outside = Vec::new();
    let mut by_repository: BTreeMap<PathBuf, Vec<(PathBuf, String)>> = BTreeMap::new();
    let mut toplevels: BTreeMap<PathBuf, Option<PathBuf>> = BTreeMap::new();
    for file in files {
        let folder = folder_of(file).to_path_buf();
        let toplevel = match toplevels.get(&folder) {
            Some(known) => known.clone(),
            None => {
                let found = git_toplevel(&folder)?;
                toplevels.insert(folder.clone(), found.clone());
                found
            }
        };
        let Some(toplevel) = toplevel else {
            outside.push(file.clone());
            continue;
        };
        let absolute = std::fs::canonicalize(folder)
            .map(|real| real.join(file.file_name().unwrap_or_default()))
            .map_err(|err| VcsProblem::GitFailed(format!("cannot resolve `{}`: {err}", file.display())))?;
        let Ok(relative) = absolute.strip_prefix(&toplevel) else {
            outside.push(file.clone());
            continue;
        };
        let relative = relative.to_string_lossy().replace('\\', "/");
        by_repository
            .entry(toplevel)
            .or_default()
            .push((file.clone(), relative));
    }
    if !outside.is_empty() && !allow_no_vcs {
        return Err(VcsProblem::NoRepository(outside));
    }
    if allow_dirty {
        return Ok(());
    }

    let mut dirty = Vec::new();
    for (toplevel, files) in by_repository {
        // Keep each command line short enough for every platform.
        for chunk in files.chunks(200) {
            let relative: Vec<&str> = chunk.iter().map(|(_, relative)| relative.as_str()).collect();
            let states = git_status(&toplevel, &relative)?;
            for (file, relative) in chunk {
                // A folder entry such as `generated/` covers the files inside it.
                let state = states.get(relative.as_str()).or_else(|| {
                    states
                        .iter()
                        .find(|(path, _)| path.ends_with('/') && relative.starts_with(path.as_str()))
                        .map(|(_, state)| state)
                });
                if let Some(state) = state {
                    dirty.push(DirtyFile {
                        path: file.clone(),
                        state: state.clone(),
                    });
                }
            }
        }
    }
    if !dirty.is_empty() {
        return Err(VcsProblem::Dirty(dirty));
    }
    Ok(())
}

/// Finds the top folder of the git work tree that contains `folder`, or `None` outside of one.
fn git_toplevel(folder: &Path) -> Result<Option<PathBuf>, VcsProblem> {
    let output = Command::new("git")
        .arg("-C")
        .arg(folder)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .map_err(|err| VcsProblem::GitFailed(format!("cannot run git: {err}; install git or pass --allow-no-vcs")))?;
    if output.status.success() {
        let text = String::from_utf8_lossy(&output.stdout);
        let toplevel = PathBuf::from(text.trim_end_matches(['\n', '\r']));
        let toplevel = std::fs::canonicalize(&toplevel).unwrap_or(toplevel);
        return Ok(Some(toplevel));
    }
    let message = String::from_utf8_lossy(&output.stderr);
    if message.contains("not a git repository") {
        return Ok(None);
    }
    Err(VcsProblem::GitFailed(format!(
        "`git rev-parse --show-toplevel` failed in `{}`: {}",
        folder.display(),
        message.trim()
    )))
}

/// Runs `git status` for `paths`, relative to `toplevel`, and returns the state of each path
/// that git reports. Paths that git does not report are committed and unchanged.
fn git_status(toplevel: &Path, paths: &[&str]) -> Result<BTreeMap<String, String>, VcsProblem> {
    let output = Command::new("git")
        .arg("--literal-pathspecs")
        .arg("-C")
        .arg(toplevel)
        .args([
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            // With `--untracked-files=all`, this lists each file inside an ignored folder.
            "--ignored=traditional",
            "--",
        ])
        .args(paths)
        .output()
        .map_err(|err| VcsProblem::GitFailed(format!("cannot run git: {err}")))?;
    if !output.status.success() {
        return Err(VcsProblem::GitFailed(format!(
            "`git status` failed in `{}`: {}",
            toplevel.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(parse_porcelain(&output.stdout))
}

/// Parses `git status --porcelain=v1 -z`: entries `XY PATH`, where a rename or copy is followed
/// by the old path as one more entry.
fn parse_porcelain(output: &[u8]) -> BTreeMap<String, String> {
    let mut states = BTreeMap::new();
    let mut entries = output.split(|byte| *byte == 0).filter(|entry| !entry.is_empty());
    while let Some(entry) = entries.next() {
        if entry.len() < 4 {
            continue;
        }
        let (index, worktree) = (entry[0], entry[1]);
        let path = String::from_utf8_lossy(&entry[3..]).into_owned();
        if matches!(index, b'R' | b'C') {
            entries.next();
        }
        states.insert(path, describe_status(index, worktree).to_string());
    }
    states
}

fn describe_status(index: u8, worktree: u8) -> &'static str {
    match (index, worktree) {
        (b'?', b'?') => "untracked",
        (b'!', b'!') => "ignored by git",
        (b'U', _) | (_, b'U') | (b'A', b'A') | (b'D', b'D') => "unmerged",
        (b' ', _) => "modified",
        (_, b' ') => "staged",
        _ => "staged and modified",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_of(path: &Path, old: &str, new: &str) -> FileWrite {
        FileWrite {
            path: path.to_path_buf(),
            expected: old.as_bytes().to_vec(),
            contents: new.as_bytes().to_vec(),
        }
    }

    #[cfg(unix)]
    #[test]
    fn write_atomic_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("a.rs");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        let leftovers: Vec<_> = std::fs::read_dir(folder.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn replace_file_rejects_changed_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("a.rs");
        std::fs::write(&path, "edited").unwrap();
        let result = replace_file(&path, b"old", b"new");
        assert!(matches!(result, Err(WriteError::Changed)), "{result:?}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited");
        assert_eq!(
            std::fs::read_dir(folder.path()).unwrap().count(),
            1,
            "temporary file left"
        );
    }

    #[test]
    fn replace_file_rejects_read_only_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("a.rs");
        std::fs::write(&path, "old").unwrap();
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&path, permissions).unwrap();
        let result = replace_file(&path, b"old", b"new");
        assert!(matches!(result, Err(WriteError::ReadOnlyFile)), "{result:?}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    }

    #[cfg(unix)]
    #[test]
    fn replace_file_rejects_hard_linked_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("a.rs");
        std::fs::write(&path, "old").unwrap();
        std::fs::hard_link(&path, folder.path().join("b.rs")).unwrap();
        let result = replace_file(&path, b"old", b"new");
        assert!(matches!(result, Err(WriteError::HardLinks(2))), "{result:?}");
    }

    #[test]
    fn group_writes_every_file() {
        let folder = tempfile::tempdir().unwrap();
        let (a, b) = (folder.path().join("a.rs"), folder.path().join("b.rs"));
        std::fs::write(&a, "a old").unwrap();
        std::fs::write(&b, "b old").unwrap();
        let written = write_all_or_nothing(&[write_of(&a, "a old", "a new"), write_of(&b, "b old", "b new")]).unwrap();
        assert_eq!(written.len(), 2);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "a new");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "b new");
    }

    #[test]
    fn group_writes_nothing_when_a_later_file_changed() {
        let folder = tempfile::tempdir().unwrap();
        let (a, b) = (folder.path().join("a.rs"), folder.path().join("b.rs"));
        std::fs::write(&a, "a old").unwrap();
        std::fs::write(&b, "b edited").unwrap();
        let error =
            write_all_or_nothing(&[write_of(&a, "a old", "a new"), write_of(&b, "b old", "b new")]).unwrap_err();
        assert_eq!(error.path, b);
        assert!(matches!(error.error, WriteError::Changed), "{error:?}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "a old");
    }

    #[cfg(unix)]
    #[test]
    fn group_restores_after_read_only_folder() {
        use std::os::unix::fs::PermissionsExt;
        let folder = tempfile::tempdir().unwrap();
        let (first_folder, second_folder) = (folder.path().join("one"), folder.path().join("two"));
        std::fs::create_dir(&first_folder).unwrap();
        std::fs::create_dir(&second_folder).unwrap();
        let (a, b) = (first_folder.join("a.rs"), second_folder.join("b.rs"));
        std::fs::write(&a, "a old\r\n\u{feff}").unwrap();
        std::fs::set_permissions(&a, Permissions::from_mode(0o640)).unwrap();
        std::fs::write(&b, "b old").unwrap();
        let writes = [
            write_of(&a, "a old\r\n\u{feff}", "a new"),
            write_of(&b, "b old", "b new"),
        ];

        // Both files pass the checks before writing. The second folder becomes read-only after
        // the first file is written, as if another program changed it meanwhile.
        let result = write_all_or_nothing_with(&writes, |index, write| {
            if index == 1 {
                std::fs::set_permissions(&second_folder, Permissions::from_mode(0o555)).unwrap();
            }
            replace_file(&write.path, &write.expected, &write.contents)
        });
        std::fs::set_permissions(&second_folder, Permissions::from_mode(0o755)).unwrap();

        let error = result.unwrap_err();
        assert_eq!(error.path, b);
        assert!(matches!(error.error, WriteError::ReadOnlyFolder(_)), "{error:?}");
        assert_eq!(error.restored, vec![a.clone()]);
        assert!(error.not_restored.is_empty(), "{:?}", error.not_restored);
        assert_eq!(std::fs::read(&a).unwrap(), "a old\r\n\u{feff}".as_bytes());
        assert_eq!(std::fs::metadata(&a).unwrap().permissions().mode() & 0o777, 0o640);
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "b old");
        for leftover in [&first_folder, &second_folder] {
            assert_eq!(std::fs::read_dir(leftover).unwrap().count(), 1, "temporary file left");
        }
    }

    #[test]
    fn group_restores_written_files_when_third_write_fails() {
        let folder = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = ["a.rs", "b.rs", "c.rs"]
            .iter()
            .map(|name| folder.path().join(name))
            .collect();
        for path in &paths {
            std::fs::write(path, "old").unwrap();
        }
        let writes: Vec<FileWrite> = paths.iter().map(|path| write_of(path, "old", "new")).collect();
        let result = write_all_or_nothing_with(&writes, |index, write| {
            if index == 2 {
                return Err(WriteError::Io {
                    action: "injected failure".to_string(),
                    source: io::Error::other("disk full"),
                });
            }
            replace_file(&write.path, &write.expected, &write.contents)
        });
        let error = result.unwrap_err();
        assert_eq!(error.path, paths[2]);
        assert_eq!(error.restored, vec![paths[0].clone(), paths[1].clone()]);
        for path in &paths {
            assert_eq!(std::fs::read_to_string(path).unwrap(), "old", "{}", path.display());
        }
    }

    #[test]
    fn restore_leaves_file_changed_after_write() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("a.rs");
        std::fs::write(&path, "old").unwrap();
        let written = write_all_or_nothing(&[write_of(&path, "old", "new")]).unwrap();
        std::fs::write(&path, "edited by the user").unwrap();
        let failures = restore(&written);
        assert_eq!(failures.len(), 1);
        assert!(matches!(failures[0].1, WriteError::Changed));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited by the user");
    }

    #[test]
    fn temp_file_pid_reads_own_pattern_only() {
        assert_eq!(temp_file_pid(".mockfix-123-abc.tmp"), Some(123));
        assert_eq!(temp_file_pid(".mockfix-abc.tmp"), None);
        assert_eq!(temp_file_pid(".mockfix-123-.tmp"), None);
        assert_eq!(temp_file_pid("mockfix-123-abc.tmp"), None);
        assert_eq!(temp_file_pid(".mockfix-123-abc.rs"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn stale_temp_files_of_dead_processes_are_removed() {
        let folder = tempfile::tempdir().unwrap();
        // Process ids on Linux stay below 2^22, so this one cannot be running.
        let stale = folder.path().join(".mockfix-4294967-abc.tmp");
        let own = folder.path().join(format!(".mockfix-{}-abc.tmp", std::process::id()));
        let unrelated = folder.path().join(".other-4294967-abc.tmp");
        for path in [&stale, &own, &unrelated] {
            std::fs::write(path, "partial").unwrap();
        }
        assert_eq!(remove_stale_temp_files(folder.path()), vec![stale.clone()]);
        assert!(!stale.exists());
        assert!(own.exists(), "a running process's file was removed");
        assert!(unrelated.exists(), "another program's file was removed");
    }

    #[test]
    fn porcelain_states_are_described() {
        let output = b" M modified.rs\0M  staged.rs\0MM both.rs\0?? new.rs\0!! ignored.rs\0R  renamed.rs\0old.rs\0UU conflict.rs\0";
        let states = parse_porcelain(output);
        assert_eq!(states["modified.rs"], "modified");
        assert_eq!(states["staged.rs"], "staged");
        assert_eq!(states["both.rs"], "staged and modified");
        assert_eq!(states["new.rs"], "untracked");
        assert_eq!(states["ignored.rs"], "ignored by git");
        assert_eq!(states["renamed.rs"], "staged");
        assert_eq!(states["conflict.rs"], "unmerged");
        assert!(!states.contains_key("old.rs"));
    }

    #[cfg(unix)]
    #[test]
    fn symlink_outside_root_is_reported() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path().join("root");
        let outside = folder.path().join("outside");
        std::fs::create_dir(&root).unwrap();
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("a.rs"), "").unwrap();
        std::fs::write(root.join("b.rs"), "").unwrap();
        std::os::unix::fs::symlink(outside.join("a.rs"), root.join("out.rs")).unwrap();
        std::os::unix::fs::symlink("b.rs", root.join("in.rs")).unwrap();

        let real_root = std::fs::canonicalize(&root).unwrap();
        assert_eq!(
            resolve_within(&root, &root.join("in.rs")).unwrap(),
            Resolved::Inside(real_root.join("b.rs"))
        );
        assert_eq!(
            resolve_within(&root, &root.join("out.rs")).unwrap(),
            Resolved::Outside {
                target: std::fs::canonicalize(outside.join("a.rs")).unwrap(),
                folder: real_root.clone(),
            }
        );
        // A file named as the root is checked against the folder it is in.
        assert!(matches!(
            resolve_within(&root.join("out.rs"), &root.join("out.rs")).unwrap(),
            Resolved::Outside { .. }
        ));
    }
}

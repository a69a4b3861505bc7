//! Safe writes: the version-control check before `--apply` and the atomic replacement of a file.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Replaces the file at `path` with `contents` atomically: a temporary file in the same folder is
/// written, flushed to disk and renamed over the original, so a crash leaves either the old or
/// the new content. The original file's permissions are kept.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let folder = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let permissions = std::fs::metadata(path)?.permissions();
    let mut temporary = tempfile::Builder::new()
        .prefix(".mockfix-")
        .suffix(".tmp")
        .tempfile_in(folder)?;
    temporary.write_all(contents)?;
    temporary.as_file().sync_all()?;
    temporary.as_file().set_permissions(permissions)?;
    temporary.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// Why `--apply` will not write some files.
#[derive(Debug, PartialEq, Eq)]
pub enum VcsProblem {
    /// The files are not inside a git work tree.
    NoRepository(Vec<PathBuf>),
    /// The files have uncommitted changes, staged or not, or are not tracked.
    Dirty(Vec<PathBuf>),
}

/// Checks that every file in `files` is inside a git work tree and has no uncommitted changes.
pub fn check_vcs(files: &[PathBuf], allow_dirty: bool, allow_no_vcs: bool) -> Result<(), VcsProblem> {
    let mut outside = Vec::new();
    let mut dirty = Vec::new();
    for file in files {
        let folder = file
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = file.file_name().map(PathBuf::from).unwrap_or_default();
        let inside = Command::new("git")
            .arg("-C")
            .arg(folder)
            .args(["rev-parse", "--is-inside-work-tree"])
            .output()
            .is_ok_and(|output| output.status.success() && output.stdout.starts_with(b"true"));
        if !inside {
            outside.push(file.clone());
            continue;
        }
        if allow_dirty {
            continue;
        }
        let status = Command::new("git")
            .arg("-C")
            .arg(folder)
            .args(["status", "--porcelain=v1", "--untracked-files=all", "--"])
            .arg(&name)
            .output();
        match status {
            Ok(output) if output.status.success() && output.stdout.is_empty() => {}
            _ => dirty.push(file.clone()),
        }
    }
    if !outside.is_empty() && !allow_no_vcs {
        return Err(VcsProblem::NoRepository(outside));
    }
    if !dirty.is_empty() {
        return Err(VcsProblem::Dirty(dirty));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

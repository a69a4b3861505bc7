//! An upload service and the test doubles its tests use.
//!
//! `Uploader` stores files under one folder per user and writes an audit entry for every
//! change. Its tests replace the file system, the audit log and the request metrics with
//! in-memory doubles and run eight workers against them at once.
//!
//! Before mockfix fixes it, `MockAuditLogger` and `FakeFileSystem` keep their state in `RefCell`,
//! which is not `Sync`, so the file does not compile. The traits require `Send + Sync` because
//! `Uploader` shares them between threads. `FakeRequestCounter` compiles, but it loads and then
//! stores its counter, so concurrent calls can lose updates. Build and run the tests with:
//!
//! ```text
//! rustc --edition 2021 --test examples/doubles.rs -o /tmp/doubles && /tmp/doubles
//! ```

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// One change recorded in the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
}

/// Audit log that records who changed what.
pub trait AuditLog: Send + Sync {
    fn record(&self, actor: &str, action: &str);
}

/// File system operations that `Uploader` needs.
pub trait FileSystem: Send + Sync {
    /// Writes `contents` to `path`, replacing an existing file and creating missing parent folders.
    fn write(&self, path: &Path, contents: &[u8]) -> io::Result<()>;

    /// Returns the contents of the file at `path`, or an error of kind `NotFound`.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;

    /// Removes the file at `path`, or returns an error of kind `NotFound`.
    fn remove(&self, path: &Path) -> io::Result<()>;

    /// Returns the paths of the files directly inside the folder `dir`, sorted.
    fn list(&self, dir: &Path) -> Vec<PathBuf>;

    /// Returns whether a file or a folder exists at `path`.
    fn exists(&self, path: &Path) -> bool;
}

/// Request metrics that the service exports.
pub trait RequestMetrics: Send + Sync {
    fn record_request(&self);
}

/// Upload service that stores files under `root/<user>/` and writes an audit entry for each change.
pub struct Uploader {
    root: PathBuf,
    files: Arc<dyn FileSystem>,
    audit: Arc<dyn AuditLog>,
    metrics: Arc<dyn RequestMetrics>,
}

impl Uploader {
    pub fn new(
        root: impl Into<PathBuf>,
        files: Arc<dyn FileSystem>,
        audit: Arc<dyn AuditLog>,
        metrics: Arc<dyn RequestMetrics>,
    ) -> Self {
        Self {
            root: root.into(),
            files,
            audit,
            metrics,
        }
    }

    /// Stores `contents` as the file `name` of `user` and returns its path.
    pub fn upload(&self, user: &str, name: &str, contents: &[u8]) -> io::Result<PathBuf> {
        self.metrics.record_request();
        let path = self.user_dir(user).join(name);
        self.files.write(&path, contents)?;
        self.audit
            .record(user, &format!("upload {}", path.display()));
        Ok(path)
    }

    /// Deletes the file `name` of `user`.
    pub fn delete(&self, user: &str, name: &str) -> io::Result<()> {
        self.metrics.record_request();
        let path = self.user_dir(user).join(name);
        self.files.remove(&path)?;
        self.audit
            .record(user, &format!("delete {}", path.display()));
        Ok(())
    }

    /// Returns the paths of the files of `user`, sorted.
    pub fn list(&self, user: &str) -> Vec<PathBuf> {
        self.metrics.record_request();
        self.files.list(&self.user_dir(user))
    }

    fn user_dir(&self, user: &str) -> PathBuf {
        self.root.join(user)
    }
}

/// Audit log double that keeps every entry in memory.
#[derive(Debug, Default)]
pub struct MockAuditLogger {
    entries: RefCell<Vec<AuditEntry>>,
}

impl MockAuditLogger {
    /// Returns a copy of the entries recorded so far, oldest first.
    pub fn entries(&self) -> Vec<AuditEntry> {
        self.entries.borrow().clone()
    }
}

impl AuditLog for MockAuditLogger {
    fn record(&self, actor: &str, action: &str) {
        let entry = AuditEntry {
            actor: actor.to_string(),
            action: action.to_string(),
        };
        self.entries.borrow_mut().push(entry);
    }
}

/// In-memory file system double.
#[derive(Debug)]
pub struct FakeFileSystem {
    files: RefCell<HashMap<PathBuf, Vec<u8>>>,
    /// Every folder that contains a file or did contain one, because `remove` leaves folders.
    dirs: RefCell<BTreeSet<PathBuf>>,
}

impl FakeFileSystem {
    pub fn new() -> Self {
        Self {
            files: RefCell::new(HashMap::new()),
            dirs: RefCell::new(BTreeSet::new()),
        }
    }
}

impl Default for FakeFileSystem {
    fn default() -> Self {
        Self::new()
    }
}

impl FileSystem for FakeFileSystem {
    fn write(&self, path: &Path, contents: &[u8]) -> io::Result<()> {
        for dir in path.ancestors().skip(1) {
            if !dir.as_os_str().is_empty() {
                self.dirs.borrow_mut().insert(dir.to_path_buf());
            }
        }
        let contents = contents.to_vec();
        self.files.borrow_mut().insert(path.to_path_buf(), contents);
        Ok(())
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let contents = self.files.borrow().get(path).cloned();
        contents.ok_or_else(|| not_found(path))
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        let removed = self.files.borrow_mut().remove(path);
        removed.map(|_| ()).ok_or_else(|| not_found(path))
    }

    fn list(&self, dir: &Path) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self
            .files
            .borrow()
            .keys()
            .filter(|path| path.parent() == Some(dir))
            .cloned()
            .collect();
        paths.sort();
        paths
    }

    fn exists(&self, path: &Path) -> bool {
        let is_file = self.files.borrow().contains_key(path);
        is_file || self.dirs.borrow().contains(path)
    }
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("no such file: {}", path.display()),
    )
}

/// Request metrics double that counts calls.
#[derive(Debug, Default)]
pub struct FakeRequestCounter {
    hits: AtomicUsize,
}

impl FakeRequestCounter {
    /// Returns the number of requests recorded so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl RequestMetrics for FakeRequestCounter {
    fn record_request(&self) {
        let n = self.hits.load(Ordering::SeqCst);
        // Lets other threads run between the load and the store, as slower work there would.
        std::thread::yield_now();
        self.hits.store(n + 1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKERS: usize = 8;
    const UPLOADS_PER_WORKER: usize = 200;
    /// Each worker deletes every fourth file it uploaded.
    const DELETES_PER_WORKER: usize = UPLOADS_PER_WORKER / 4;

    fn user_name(worker: usize) -> String {
        format!("user-{worker}")
    }

    fn file_name(index: usize) -> String {
        format!("report-{index:03}.csv")
    }

    fn file_contents(worker: usize, index: usize) -> Vec<u8> {
        format!("worker {worker}, report {index}\n").into_bytes()
    }

    fn is_deleted(index: usize) -> bool {
        index.is_multiple_of(4)
    }

    #[test]
    fn concurrent_uploads_keep_every_change() {
        let files = Arc::new(FakeFileSystem::new());
        let audit = Arc::new(MockAuditLogger::default());
        let metrics = Arc::new(FakeRequestCounter::default());
        let uploader = Uploader::new("/uploads", files.clone(), audit.clone(), metrics.clone());

        std::thread::scope(|scope| {
            for worker in 0..WORKERS {
                let uploader = &uploader;
                scope.spawn(move || {
                    let user = user_name(worker);
                    for index in 0..UPLOADS_PER_WORKER {
                        uploader
                            .upload(&user, &file_name(index), &file_contents(worker, index))
                            .unwrap();
                    }
                    for index in (0..UPLOADS_PER_WORKER).filter(|index| is_deleted(*index)) {
                        uploader.delete(&user, &file_name(index)).unwrap();
                    }
                });
            }
        });

        let requests_per_worker = UPLOADS_PER_WORKER + DELETES_PER_WORKER;
        assert_eq!(metrics.hits(), WORKERS * requests_per_worker);

        let entries = audit.entries();
        assert_eq!(entries.len(), WORKERS * requests_per_worker);

        for worker in 0..WORKERS {
            let user = user_name(worker);
            let user_dir = Path::new("/uploads").join(&user);

            let uploads = (0..UPLOADS_PER_WORKER)
                .map(|index| format!("upload {}", user_dir.join(file_name(index)).display()));
            let deletes = (0..UPLOADS_PER_WORKER)
                .filter(|index| is_deleted(*index))
                .map(|index| format!("delete {}", user_dir.join(file_name(index)).display()));
            let expected_actions: Vec<String> = uploads.chain(deletes).collect();
            let actions: Vec<String> = entries
                .iter()
                .filter(|entry| entry.actor == user)
                .map(|entry| entry.action.clone())
                .collect();
            assert_eq!(actions, expected_actions, "audit entries of {user}");

            let expected_paths: Vec<PathBuf> = (0..UPLOADS_PER_WORKER)
                .filter(|index| !is_deleted(*index))
                .map(|index| user_dir.join(file_name(index)))
                .collect();
            assert_eq!(uploader.list(&user), expected_paths, "files of {user}");

            for index in 0..UPLOADS_PER_WORKER {
                let path = user_dir.join(file_name(index));
                if is_deleted(index) {
                    let error = files.read(&path).unwrap_err();
                    assert_eq!(error.kind(), io::ErrorKind::NotFound, "{}", path.display());
                } else {
                    assert_eq!(
                        files.read(&path).unwrap(),
                        file_contents(worker, index),
                        "{}",
                        path.display()
                    );
                }
            }

            assert!(files.exists(&user_dir), "{} is missing", user_dir.display());
        }

        assert!(files.exists(Path::new("/uploads")));
        assert!(!files.exists(Path::new("/uploads/user-8")));
    }

    #[test]
    fn delete_of_missing_file_is_not_found() {
        let files = Arc::new(FakeFileSystem::default());
        let audit = Arc::new(MockAuditLogger::default());
        let metrics = Arc::new(FakeRequestCounter::default());
        let uploader = Uploader::new("/uploads", files, audit.clone(), metrics);

        let error = uploader.delete("user-0", "missing.csv").unwrap_err();

        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        assert_eq!(audit.entries(), Vec::new());
    }
}

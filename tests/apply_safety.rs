//! What `--apply` promises about the files it writes, checked with the real binary on real git
//! repositories, file permissions, symbolic links and odd encodings in temporary folders.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const DOUBLE: &str = "use std::cell::RefCell;

pub struct MockMailer {
    sent: RefCell<Vec<String>>,
}

impl MockMailer {
    pub fn send(&self, to: &str) {
        self.sent.borrow_mut().push(to.to_string());
    }
}
";

/// `DOUBLE` as `--apply` writes it.
const FIXED: &str = "use std::sync::Mutex;

pub struct MockMailer {
    sent: Mutex<Vec<String>>,
}

impl MockMailer {
    pub fn send(&self, to: &str) {
        self.sent.lock().unwrap().push(to.to_string());
    }
}
";

/// `DOUBLE` with its struct renamed, so that files of one folder do not use each other's double.
fn double(name: &str) -> String {
    DOUBLE.replace("MockMailer", name)
}

/// `FIXED` with its struct renamed.
fn fixed(name: &str) -> String {
    FIXED.replace("MockMailer", name)
}

fn mockfix(folder: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(args)
        .current_dir(folder)
        .output()
        .expect("mockfix runs")
}

fn git(folder: &Path, args: &[&str]) -> Output {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=mockfix tests",
            "-c",
            "user.email=tests@mockfix.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(folder)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn write_files(folder: &Path, files: &[(&str, &[u8])]) {
    for (name, bytes) in files {
        let path = folder.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

fn git_repo_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    write_files(folder.path(), files);
    git(folder.path(), &["init", "-q"]);
    git(folder.path(), &["add", "-A"]);
    git(folder.path(), &["commit", "-q", "-m", "initial"]);
    folder
}

fn folder_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    write_files(folder.path(), files);
    folder
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn read(folder: &Path, name: &str) -> Vec<u8> {
    std::fs::read(folder.join(name)).unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn dirty_file_is_rejected_and_listed() {
    let repo = git_repo_with(&[
        ("src/mock.rs", double("MockA").as_bytes()),
        ("src/clean.rs", double("MockB").as_bytes()),
    ]);
    let edited = format!("{}// local edit\n", double("MockA"));
    std::fs::write(repo.path().join("src/mock.rs"), &edited).unwrap();

    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("  src/mock.rs (modified)"), "stderr: {message}");
    assert!(!message.contains("  src/clean.rs"), "stderr: {message}");
    assert!(message.contains("--allow-dirty"), "stderr: {message}");
    assert!(message.contains("nothing was written"), "stderr: {message}");
    assert!(
        message.contains("mockfix: applied 0 fixes in 0 files; 2 fixes not written"),
        "stderr: {message}"
    );
    assert_eq!(read(repo.path(), "src/mock.rs"), edited.as_bytes());
    assert_eq!(
        read(repo.path(), "src/clean.rs"),
        double("MockB").as_bytes(),
        "a clean file was written although the run was rejected"
    );
}

#[test]
fn allow_dirty_writes_dirty_file() {
    let repo = git_repo_with(&[("mock.rs", DOUBLE.as_bytes())]);
    let edited = format!("{DOUBLE}// local edit\n");
    std::fs::write(repo.path().join("mock.rs"), &edited).unwrap();
    let output = mockfix(repo.path(), &["--apply", "--allow-dirty"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(
        read(repo.path(), "mock.rs"),
        format!("{FIXED}// local edit\n").as_bytes()
    );
}

#[test]
fn staged_change_counts_as_dirty() {
    let repo = git_repo_with(&[("mock.rs", DOUBLE.as_bytes())]);
    let edited = format!("{DOUBLE}// staged edit\n");
    std::fs::write(repo.path().join("mock.rs"), &edited).unwrap();
    git(repo.path(), &["add", "mock.rs"]);
    let status = git(repo.path(), &["status", "--porcelain"]);
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "M  mock.rs\n",
        "the change is staged and the work tree matches the index"
    );

    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains("  mock.rs (staged)"),
        "stderr: {}",
        stderr(&output)
    );
    assert_eq!(read(repo.path(), "mock.rs"), edited.as_bytes());
}

#[test]
fn untracked_and_ignored_files_count_as_dirty() {
    let repo = git_repo_with(&[(".gitignore", b"ignored/\n")]);
    write_files(
        repo.path(),
        &[
            ("new.rs", double("MockA").as_bytes()),
            ("ignored/mock.rs", double("MockB").as_bytes()),
        ],
    );
    let output = mockfix(repo.path(), &["--apply", "new.rs", "ignored/mock.rs"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("  new.rs (untracked)"), "stderr: {message}");
    assert!(
        message.contains("  ignored/mock.rs (ignored by git)"),
        "stderr: {message}"
    );
    assert_eq!(read(repo.path(), "new.rs"), double("MockA").as_bytes());
    assert_eq!(read(repo.path(), "ignored/mock.rs"), double("MockB").as_bytes());
}

#[test]
fn file_names_are_not_read_as_pathspecs() {
    // `*` in a pathspec would match `mock.rs` too, whose change must not count for `[*].rs`.
    let repo = git_repo_with(&[("[*].rs", DOUBLE.as_bytes()), ("mock.rs", b"// clean\n")]);
    std::fs::write(repo.path().join("mock.rs"), "// edited\n").unwrap();
    let output = mockfix(repo.path(), &["--apply", "[*].rs"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(read(repo.path(), "[*].rs"), FIXED.as_bytes());
}

#[test]
fn no_repository_needs_allow_no_vcs() {
    let folder = folder_with(&[
        ("a.rs", double("MockA").as_bytes()),
        ("b.rs", double("MockB").as_bytes()),
    ]);
    let output = mockfix(folder.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("not in a git repository"), "stderr: {message}");
    assert!(message.contains("  a.rs\n  b.rs\n"), "stderr: {message}");
    assert_eq!(read(folder.path(), "a.rs"), double("MockA").as_bytes());

    let allowed = mockfix(folder.path(), &["--apply", "--allow-no-vcs"]);
    assert_eq!(allowed.status.code(), Some(0), "stderr: {}", stderr(&allowed));
    assert_eq!(read(folder.path(), "a.rs"), fixed("MockA").as_bytes());
    assert_eq!(read(folder.path(), "b.rs"), fixed("MockB").as_bytes());
}

#[test]
fn file_changed_between_read_and_write_is_skipped() {
    let repo = git_repo_with(&[
        ("a_changed.rs", double("MockA").as_bytes()),
        ("b_kept.rs", double("MockB").as_bytes()),
    ]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .arg("--apply")
        .current_dir(repo.path())
        .env("MOCKFIX_TEST_PAUSE_BEFORE_WRITE_MS", "3000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // mockfix has read and checked every file once it announces the pause.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let pausing = line.contains("MOCKFIX_TEST_PAUSE_BEFORE_WRITE_MS");
        seen.push(line);
        if pausing {
            break;
        }
    }
    let edited = format!("{}// edited while mockfix ran\n", double("MockA"));
    std::fs::write(repo.path().join("a_changed.rs"), &edited).unwrap();
    seen.extend(lines.map(Result::unwrap));
    let status = child.wait().unwrap();

    let message = seen.join("\n");
    assert_eq!(status.code(), Some(2), "stderr: {message}");
    assert!(
        message.contains("a_changed.rs: cannot write: the file changed on disk since mockfix read it"),
        "stderr: {message}"
    );
    assert_eq!(read(repo.path(), "a_changed.rs"), edited.as_bytes());
    assert_eq!(
        read(repo.path(), "b_kept.rs"),
        fixed("MockB").as_bytes(),
        "the other file was written"
    );
}

#[cfg(unix)]
#[test]
fn symlink_inside_root_writes_its_target() {
    let repo = git_repo_with(&[
        ("tests/.shared/double.rs", double("MockA").as_bytes()),
        ("tests/mock.rs", double("MockB").as_bytes()),
    ]);
    // One link leads to a hidden file that the walk skips, one to a file it visits itself.
    std::os::unix::fs::symlink(".shared/double.rs", repo.path().join("tests/linked.rs")).unwrap();
    std::os::unix::fs::symlink("mock.rs", repo.path().join("tests/alias.rs")).unwrap();
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "links"]);

    let output = mockfix(repo.path(), &["--apply", "tests"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains("applied 2 fixes in 2 files"),
        "each real file is fixed once: {}",
        stderr(&output)
    );
    assert_eq!(read(repo.path(), "tests/.shared/double.rs"), fixed("MockA").as_bytes());
    assert_eq!(read(repo.path(), "tests/mock.rs"), fixed("MockB").as_bytes());
    for link in ["tests/linked.rs", "tests/alias.rs"] {
        let metadata = std::fs::symlink_metadata(repo.path().join(link)).unwrap();
        assert!(metadata.file_type().is_symlink(), "{link} is still a link");
    }
}

#[cfg(unix)]
#[test]
fn symlink_outside_root_is_skipped() {
    let repo = git_repo_with(&[
        ("shared/double.rs", double("MockA").as_bytes()),
        ("tests/own.rs", double("MockB").as_bytes()),
    ]);
    std::os::unix::fs::symlink("../shared/double.rs", repo.path().join("tests/linked.rs")).unwrap();
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "link"]);

    for root in ["tests", "tests/linked.rs"] {
        let output = mockfix(repo.path(), &["--apply", root]);
        assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains("tests/linked.rs: symbolic link to")
                && message.contains("which is outside")
                && message.contains("skipped"),
            "stderr: {message}"
        );
        assert_eq!(read(repo.path(), "shared/double.rs"), double("MockA").as_bytes());
    }
    assert_eq!(read(repo.path(), "tests/own.rs"), fixed("MockB").as_bytes());
}

#[cfg(unix)]
#[test]
fn read_only_file_is_reported_and_others_written() {
    let repo = git_repo_with(&[
        ("a_locked.rs", double("MockA").as_bytes()),
        ("b_open.rs", double("MockB").as_bytes()),
    ]);
    let locked = repo.path().join("a_locked.rs");
    set_mode(&locked, 0o444);
    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains("a_locked.rs: cannot write: the file is read-only"),
        "stderr: {}",
        stderr(&output)
    );
    assert_eq!(read(repo.path(), "a_locked.rs"), double("MockA").as_bytes());
    assert_eq!(mode(&locked), 0o444);
    assert_eq!(read(repo.path(), "b_open.rs"), fixed("MockB").as_bytes());
}

#[cfg(unix)]
#[test]
fn read_only_folder_is_reported_and_others_written() {
    let repo = git_repo_with(&[
        ("locked/mock.rs", double("MockA").as_bytes()),
        ("open/mock.rs", double("MockB").as_bytes()),
    ]);
    let locked = repo.path().join("locked");
    set_mode(&locked, 0o555);
    let output = mockfix(repo.path(), &["--apply"]);
    set_mode(&locked, 0o755);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("locked/mock.rs: cannot write: its folder") && message.contains("is read-only"),
        "stderr: {message}"
    );
    assert_eq!(read(repo.path(), "locked/mock.rs"), double("MockA").as_bytes());
    assert_eq!(
        std::fs::read_dir(&locked).unwrap().count(),
        1,
        "no temporary file is left"
    );
    assert_eq!(read(repo.path(), "open/mock.rs"), fixed("MockB").as_bytes());
}

#[cfg(unix)]
#[test]
fn permissions_are_kept() {
    let repo = git_repo_with(&[
        ("mock.rs", double("MockA").as_bytes()),
        ("script.rs", double("MockB").as_bytes()),
    ]);
    set_mode(&repo.path().join("mock.rs"), 0o600);
    set_mode(&repo.path().join("script.rs"), 0o755);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "modes"]);
    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(mode(&repo.path().join("mock.rs")), 0o600);
    assert_eq!(mode(&repo.path().join("script.rs")), 0o755);
    assert_eq!(read(repo.path(), "mock.rs"), fixed("MockA").as_bytes());
    assert_eq!(read(repo.path(), "script.rs"), fixed("MockB").as_bytes());
}

#[test]
fn byte_order_mark_and_crlf_are_kept() {
    let crlf = double("MockA").replace('\n', "\r\n");
    let with_bom = format!("\u{feff}{}", double("MockB").replace('\n', "\r\n"));
    let repo = git_repo_with(&[("crlf.rs", crlf.as_bytes()), ("bom.rs", with_bom.as_bytes())]);
    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let fixed_crlf = fixed("MockA").replace('\n', "\r\n");
    let fixed_bom = format!("\u{feff}{}", fixed("MockB").replace('\n', "\r\n"));
    assert_eq!(read(repo.path(), "crlf.rs"), fixed_crlf.as_bytes());
    assert_eq!(read(repo.path(), "bom.rs"), fixed_bom.as_bytes());
}

#[test]
fn mixed_line_endings_are_kept_line_by_line() {
    let mixed = "use std::cell::RefCell;\r\n\npub struct MockMailer {\r\n    sent: RefCell<Vec<String>>,\n}\r\n\r\nimpl MockMailer {\n    pub fn send(&self, to: &str) {\r\n        self.sent.borrow_mut().push(to.to_string());\n    }\r\n}\n";
    let expected = mixed
        .replace("std::cell::RefCell", "std::sync::Mutex")
        .replace("RefCell<", "Mutex<")
        .replace("borrow_mut()", "lock().unwrap()");
    let repo = git_repo_with(&[("mock.rs", mixed.as_bytes())]);
    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(String::from_utf8(read(repo.path(), "mock.rs")).unwrap(), expected);
}

#[test]
fn invalid_utf8_is_left_byte_identical() {
    let mut bytes = double("MockA").into_bytes();
    bytes.extend_from_slice(b"// caf\xe9 in Latin-1\n");
    let repo = git_repo_with(&[("latin1.rs", &bytes), ("mock.rs", double("MockB").as_bytes())]);
    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains("latin1.rs: not valid UTF-8 (invalid byte at offset"),
        "stderr: {}",
        stderr(&output)
    );
    assert_eq!(read(repo.path(), "latin1.rs"), bytes);
    assert_eq!(read(repo.path(), "mock.rs"), fixed("MockB").as_bytes());
}

#[test]
fn utf16_files_are_skipped_with_message() {
    let little: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(DOUBLE.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let big: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(DOUBLE.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    let repo = git_repo_with(&[("little.rs", &little), ("big.rs", &big)]);
    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("little.rs: the file is encoded as UTF-16 (little-endian, byte order mark FF FE)"),
        "stderr: {message}"
    );
    assert!(
        message.contains("big.rs: the file is encoded as UTF-16 (big-endian, byte order mark FE FF)"),
        "stderr: {message}"
    );
    assert_eq!(read(repo.path(), "little.rs"), little);
    assert_eq!(read(repo.path(), "big.rs"), big);
}

#[test]
fn empty_file_is_left_alone() {
    let repo = git_repo_with(&[("empty.rs", b""), ("mock.rs", DOUBLE.as_bytes())]);
    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(read(repo.path(), "empty.rs"), b"");
    let only_empty = mockfix(repo.path(), &["--dry-run", "empty.rs"]);
    assert_eq!(only_empty.status.code(), Some(0), "stderr: {}", stderr(&only_empty));
}

#[test]
fn binary_data_is_reported_or_skipped() {
    let mut candidate = b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec();
    candidate.extend_from_slice(b"struct MockA { a: RefCell<u8> }");
    candidate.extend((0..4096u32).map(|i| (i * 7 % 251) as u8));
    let other: Vec<u8> = (0..4096u32).map(|i| (i * 13 % 251) as u8).collect();
    let repo = git_repo_with(&[("blob.rs", &candidate), ("noise.rs", &other)]);
    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("blob.rs: the file contains binary data (a NUL byte at offset 7)"),
        "stderr: {message}"
    );
    assert!(
        !message.contains("noise.rs"),
        "without trigger words a file is skipped: {message}"
    );
    assert_eq!(read(repo.path(), "blob.rs"), candidate);
    assert_eq!(read(repo.path(), "noise.rs"), other);
}

/// Generated Rust: `structs` plain structs with an impl each, and a double after every 500th.
fn generated_source(structs: usize) -> String {
    let mut text = String::from("use std::cell::RefCell;\n\n");
    for i in 0..structs {
        text.push_str(&format!(
            "pub struct Generated{i} {{\n    pub a: u32,\n    pub b: String,\n}}\n\nimpl Generated{i} {{\n    pub fn get(&self) -> u32 {{\n        self.a + {i}\n    }}\n}}\n\n"
        ));
        if i % 500 == 0 {
            text.push_str(&format!(
                "pub struct MockGenerated{i} {{\n    calls: RefCell<Vec<u32>>,\n}}\n\nimpl MockGenerated{i} {{\n    pub fn call(&self) {{\n        self.calls.borrow_mut().push({i});\n    }}\n}}\n\n"
            ));
        }
    }
    text
}

#[test]
fn oversized_file_is_reported() {
    // About 24 MB: tens of megabytes of generated code.
    let large = generated_source(150_000);
    assert!(large.len() > 20_000_000, "{} bytes", large.len());
    let without_trigger = large.replace("RefCell", "Vec");
    let repo = git_repo_with(&[
        ("generated.rs", large.as_bytes()),
        ("plain.rs", without_trigger.as_bytes()),
    ]);

    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("generated.rs: the file is ") && message.contains("MiB, larger than the 4 MiB"),
        "stderr: {message}"
    );
    assert!(message.contains(".ignore"), "stderr: {message}");
    assert!(!message.contains("plain.rs"), "stderr: {message}");
    assert_eq!(read(repo.path(), "generated.rs"), large.as_bytes());
}

#[test]
fn large_generated_file_is_fixed() {
    let source = generated_source(1_500);
    let repo = git_repo_with(&[("generated.rs", source.as_bytes())]);
    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let expected = source
        .replace("use std::cell::RefCell;", "use std::sync::Mutex;")
        .replace("RefCell<", "Mutex<")
        .replace("borrow_mut()", "lock().unwrap()");
    assert!(
        stderr(&output).contains("applied 3 fixes in 1 file"),
        "stderr: {}",
        stderr(&output)
    );
    assert!(read(repo.path(), "generated.rs") == expected.as_bytes());
}

#[test]
fn syntax_error_blocks_only_its_double() {
    let broken = "use std::cell::RefCell;

pub struct MockBroken {
    calls: RefCell<Vec<u32>>,
}

impl MockBroken {
    pub fn call(&self) {
        self.calls.borrow_mut().push(1 +);
    }
}

pub struct MockWorking {
    calls: RefCell<Vec<u32>>,
}

impl MockWorking {
    pub fn call(&self) {
        self.calls.borrow_mut().push(2);
    }
}
";
    let repo = git_repo_with(&[("mock.rs", broken.as_bytes())]);
    let output = mockfix(repo.path(), &["--apply"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("mock.rs:9:41: syntax error: "), "stderr: {message}");
    assert!(
        message.contains("not fixed: the syntax error at line 9, column 41"),
        "stderr: {message}"
    );
    let fixed = String::from_utf8(read(repo.path(), "mock.rs")).unwrap();
    let (broken_part, working_part) = fixed.split_at(fixed.find("pub struct MockWorking").unwrap());
    assert!(broken_part.contains("calls: RefCell<Vec<u32>>"), "{fixed}");
    assert!(broken_part.contains("self.calls.borrow_mut().push(1 +);"), "{fixed}");
    assert!(working_part.contains("calls: Mutex<Vec<u32>>"), "{fixed}");
    assert!(working_part.contains("self.calls.lock().unwrap().push(2);"), "{fixed}");
    assert!(
        fixed.starts_with("use std::cell::RefCell;\nuse std::sync::Mutex;\n"),
        "both imports are needed: {fixed}"
    );
}

#[test]
fn bad_paths_have_clear_messages() {
    let repo = git_repo_with(&[("mock.rs", DOUBLE.as_bytes()), ("notes.txt", b"RefCell\n")]);
    let output = mockfix(repo.path(), &["--dry-run", "missing", "mock.rs/inner", "notes.txt"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("mockfix: missing: path not found"),
        "stderr: {message}"
    );
    assert!(
        message.contains("mockfix: mock.rs/inner: path not found: a part of it before the last `/` is a file"),
        "stderr: {message}"
    );
    assert!(
        message.contains("notes.txt: not a Rust (.rs) or Go (.go) source file, skipped"),
        "stderr: {message}"
    );
}

/// Runs mockfix as an unprivileged user when the tests run as root, who may read any folder.
#[cfg(unix)]
fn mockfix_without_privileges(folder: &Path, args: &[&str]) -> Output {
    let uid = Command::new("id").arg("-u").output().expect("id runs");
    let is_root = String::from_utf8_lossy(&uid.stdout).trim() == "0";
    let mut command = if is_root {
        let mut setpriv = Command::new("setpriv");
        setpriv.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            env!("CARGO_BIN_EXE_mockfix"),
        ]);
        setpriv
    } else {
        Command::new(env!("CARGO_BIN_EXE_mockfix"))
    };
    command
        .args(args)
        .current_dir(folder)
        .output()
        .expect("mockfix runs; as root, setpriv from util-linux must be installed")
}

#[cfg(unix)]
#[test]
fn unreadable_folder_is_reported_and_run_goes_on() {
    let folder = folder_with(&[
        ("closed/mock.rs", double("MockA").as_bytes()),
        ("open/mock.rs", double("MockB").as_bytes()),
    ]);
    set_mode(folder.path(), 0o755);
    set_mode(&folder.path().join("open/mock.rs"), 0o644);
    set_mode(&folder.path().join("closed"), 0o000);
    let output = mockfix_without_privileges(folder.path(), &["--dry-run"]);
    set_mode(&folder.path().join("closed"), 0o755);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("closed") && message.contains("Permission denied"),
        "stderr: {message}"
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("+++ b/open/mock.rs"),
        "the readable folder was still checked: {message}"
    );
}

/// A small xorshift generator, so that the kill test needs no extra crate; the seed is printed
/// with every failure.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn write_originals(folder: &Path, originals: &[(String, String)]) {
    for (name, text) in originals {
        std::fs::write(folder.join(name), text).unwrap();
    }
}

fn temp_files_in(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".mockfix-") && name.ends_with(".tmp"))
        .collect()
}

/// Kills `--apply` with SIGKILL at random moments while it fixes many files and checks that each
/// file contains exactly its old or exactly its new content. Temporary files that a killed run leaves
/// are removed by the next complete run that writes to their folder.
#[test]
fn killed_apply_leaves_each_file_old_or_new() {
    const FILES: usize = 200;
    const RUNS: usize = 30;
    let originals: Vec<(String, String)> = (0..FILES)
        .map(|i| (format!("mock_{i:03}.rs"), double(&format!("MockMailer{i:03}"))))
        .collect();

    // The expected new content comes from a complete run on a copy. The test hook announces when
    // that run starts writing, and the kill moments are spread over the time before and during
    // the writes, so that most kills land while files are written, on slow and fast disks.
    let reference = tempfile::tempdir().unwrap();
    write_originals(reference.path(), &originals);
    let started = std::time::Instant::now();
    let mut complete = Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(["--apply", "--allow-no-vcs"])
        .current_dir(reference.path())
        .env("MOCKFIX_TEST_PAUSE_BEFORE_WRITE_MS", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut write_start_ms = None;
    let mut reference_stderr = Vec::new();
    for line in BufReader::new(complete.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if line.contains("MOCKFIX_TEST_PAUSE_BEFORE_WRITE_MS") {
            write_start_ms = Some(started.elapsed().as_millis() as u64);
        }
        reference_stderr.push(line);
    }
    let status = complete.wait().unwrap();
    let full_run_ms = started.elapsed().as_millis() as u64;
    assert_eq!(status.code(), Some(0), "stderr: {}", reference_stderr.join("\n"));
    let write_start_ms = write_start_ms.expect("the complete run announces its writes");
    let expected: Vec<Vec<u8>> = originals.iter().map(|(name, _)| read(reference.path(), name)).collect();
    for ((name, old), new) in originals.iter().zip(&expected) {
        assert_ne!(
            old.as_bytes(),
            new.as_slice(),
            "{name} was not fixed by the complete run"
        );
    }

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut random = Xorshift(seed);
    let work = tempfile::tempdir().unwrap();
    let (mut runs_all_old, mut runs_mixed, mut runs_all_new, mut max_temp_files) = (0, 0, 0, 0);
    for run in 0..RUNS {
        write_originals(work.path(), &originals);
        // One run in five is killed before the writes, the others while they go on.
        let delay_ms = if run % 5 == 0 {
            random.next() % (write_start_ms + 1)
        } else {
            write_start_ms + random.next() % (full_run_ms - write_start_ms + 1)
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_mockfix"))
            .args(["--apply", "--allow-no-vcs"])
            .current_dir(work.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // `kill` sends SIGKILL on Unix; the run may have finished already, which is fine.
        let _ = child.kill();
        child.wait().unwrap();

        let mut new_files = 0;
        for ((name, old), new) in originals.iter().zip(&expected) {
            let now = read(work.path(), name);
            assert!(
                now == old.as_bytes() || now == *new,
                "run {run} (seed {seed}, killed after {delay_ms} ms): {name} is neither the old nor the new content:\n{}",
                String::from_utf8_lossy(&now)
            );
            new_files += usize::from(now == *new);
        }
        match new_files {
            0 => runs_all_old += 1,
            FILES => runs_all_new += 1,
            _ => runs_mixed += 1,
        }
        max_temp_files = max_temp_files.max(temp_files_in(work.path()).len());
    }

    write_originals(work.path(), &originals);
    let last = mockfix(work.path(), &["--apply", "--allow-no-vcs"]);
    assert_eq!(last.status.code(), Some(0), "stderr: {}", stderr(&last));
    for ((name, _), new) in originals.iter().zip(&expected) {
        assert_eq!(read(work.path(), name), *new, "{name} after a complete run");
    }
    assert_eq!(
        temp_files_in(work.path()),
        Vec::<String>::new(),
        "stale temporary files"
    );
    eprintln!(
        "{RUNS} killed runs, writes from {write_start_ms} to {full_run_ms} ms: {runs_all_old} before any write, {runs_mixed} while writing, {runs_all_new} after the last write; at most {max_temp_files} temporary files left by one kill"
    );
}

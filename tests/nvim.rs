//! `mockfix lsp` in a real editor: headless Neovim applies the quick fix of a fixture with its
//! own LSP client, writes the file, and the result must equal what `mockfix --apply` writes.
//!
//! The editor side is `tests/editors/nvim_quick_fix.lua`. The test fails when `nvim` is not on
//! `PATH`, because a skipped editor test would look like a passing one; `.ci/run` installs it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `RefCell` double of the fixtures, with non-ASCII text before the struct name, so that the
/// UTF-16 columns Neovim uses differ from byte columns.
fn fixture() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/refcell-in-shared-double/basic.rs");
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains("\npub struct MockMailer {"), "the fixture changed");
    text.replace("\npub struct MockMailer {", "\n/* café ü 🚀 */ pub struct MockMailer {")
}

/// Writes `text` to `name` in a new folder, runs `mockfix --apply` there, and returns the result.
fn cli_apply(name: &str, text: &str) -> String {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join(name), text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(["--apply", "--allow-no-vcs", name])
        .current_dir(folder.path())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "mockfix --apply failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(folder.path().join(name)).unwrap()
}

#[test]
fn neovim_quick_fix_matches_cli_apply() {
    if let Err(err) = Command::new("nvim").arg("--version").output() {
        panic!(
            "cannot run `nvim` ({err}); install Neovim, for example with `apt-get install neovim`, to run this test"
        );
    }
    let text = fixture();
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("mailer.rs");
    std::fs::write(&file, &text).unwrap();
    let home = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/editors/nvim_quick_fix.lua");

    let mut nvim = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("MOCKFIX_BIN", env!("CARGO_BIN_EXE_mockfix"))
        .env("MOCKFIX_FILE", &file)
        // Neovim's LSP log and state go to a throwaway folder, not the user's home.
        .env("XDG_CACHE_HOME", home.path())
        .env("XDG_STATE_HOME", home.path())
        .env("XDG_DATA_HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nvim starts");

    // The script has its own timeouts; this one only keeps a stuck editor from hanging the suite.
    let deadline = Instant::now() + Duration::from_secs(120);
    while nvim.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = nvim.kill();
            panic!("nvim did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = nvim.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "nvim failed: {stderr}");
    assert!(
        stderr.contains("applying: Replace `RefCell` with `Mutex` in `MockMailer`"),
        "{stderr}"
    );

    let written = std::fs::read_to_string(&file).unwrap();
    assert_ne!(written, text, "nvim left the file unchanged");
    assert_eq!(written, cli_apply("mailer.rs", &text));
}

//! The shipped example, fixed by the real binary, compiles and passes its threaded tests, and the
//! unfixed example does not compile.

use std::path::Path;
use std::process::Command;

fn rustc_test(source: &Path, output: &Path) -> std::process::Output {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    Command::new(rustc)
        .args(["--edition", "2021", "--test", "-o"])
        .arg(output)
        .arg(source)
        .output()
        .expect("rustc runs")
}

#[test]
fn example_fails_before_and_passes_after_apply() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/doubles.rs");
    let folder = tempfile::tempdir().unwrap();
    let copy = folder.path().join("doubles.rs");
    std::fs::copy(&example, &copy).unwrap();

    let before = rustc_test(&copy, &folder.path().join("before"));
    assert!(
        !before.status.success(),
        "the unfixed example compiled, so it shows no problem"
    );
    assert!(
        String::from_utf8_lossy(&before.stderr).contains("E0277"),
        "expected E0277 (not Sync)"
    );

    let apply = Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(["--apply", "--allow-no-vcs", "doubles.rs"])
        .current_dir(folder.path())
        .output()
        .unwrap();
    assert_eq!(
        apply.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&apply.stderr)
    );

    let after = rustc_test(&copy, &folder.path().join("after"));
    assert!(
        after.status.success(),
        "the fixed example does not compile: {}",
        String::from_utf8_lossy(&after.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&after.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&after.stderr)
    );
    let run = Command::new(folder.path().join("after")).output().unwrap();
    assert!(
        run.status.success(),
        "the fixed example's tests failed: {}",
        String::from_utf8_lossy(&run.stdout)
    );

    let second = Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(["--dry-run", "doubles.rs"])
        .current_dir(folder.path())
        .output()
        .unwrap();
    assert_eq!(
        second.status.code(),
        Some(0),
        "a second run found more: {}",
        String::from_utf8_lossy(&second.stdout)
    );
}

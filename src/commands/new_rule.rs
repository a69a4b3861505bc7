//! `mockfix new-rule NAME`: writes a commented skeleton of a rule file, `NAME.toml`, that
//! compiles and whose test cases pass, so a new rule starts from something that works.

use std::io::Write;
use std::path::Path;

use crate::run::ExitStatus;

/// The skeleton; `{id}` is replaced by the rule id.
const SKELETON: &str = r#"# The rule `{id}`. The file name without `.toml` is the rule id: lowercase words joined by `-`
# that name the bad pattern. Pass this file, or its folder, to mockfix with `--rules`, and run
# its test cases with `mockfix test {id}.toml`.

# One line naming the bad pattern, shown by `mockfix rules`.
summary = "A call recorder keeps its state in a `RefCell`, so it cannot be shared between threads"

# Why the pattern is a problem and what the fix does, shown by `mockfix explain {id}`.
description = """
Recorders are shared with worker threads, but a `RefCell` is not `Sync`. The fix replaces each
`RefCell<T>` field with `std::sync::Mutex<T>` and each borrow with a lock.
"""

# Set to false to keep the rule without running it.
enabled = true

[structs]
# Globs over struct names. `*` matches any run of characters.
names = ["*Recorder"]
# Globs over file paths relative to the project root; `**` matches folders at any depth.
# paths = ["tests/**"]
# exclude_paths = ["tests/generated/**"]
# Also match a struct of any name that declares `unsafe impl Sync`.
# any_name_with_unsafe_sync = false

[state]
# "RefCell" needs strategy "wrap"; "atomic-two-step" needs strategy "guard".
kinds = ["RefCell"]

[fix]
strategy = "wrap"
# "unwrap" writes `.lock().unwrap()`; "ignore-poison" keeps going after a panic in another thread.
lock = "unwrap"
# For strategy "guard": the `Mutex<()>` field it adds and the variable holding the lock.
# guard_field = "mutex"
# guard_binding = "_guard"

# Shown by `mockfix explain` and in the SARIF rule help.
[example]
before = """
pub struct CallRecorder {
    calls: RefCell<Vec<String>>,
}
"""
after = """
pub struct CallRecorder {
    calls: Mutex<Vec<String>>,
}
"""

# Test cases for `mockfix test`. Each has a `name` and `code`, and either the expected output
# as `fixed` or `unchanged = true`. `mockfix test --update {id}.toml` writes the actual output
# of failing cases here.
[[test]]
name = "recorder_is_fixed"
code = """
use std::cell::RefCell;

pub struct CallRecorder {
    calls: RefCell<Vec<String>>,
}

impl CallRecorder {
    pub fn record(&self, call: &str) {
        self.calls.borrow_mut().push(call.to_string());
    }
}
"""
fixed = """
use std::sync::Mutex;

pub struct CallRecorder {
    calls: Mutex<Vec<String>>,
}

impl CallRecorder {
    pub fn record(&self, call: &str) {
        self.calls.lock().unwrap().push(call.to_string());
    }
}
"""

[[test]]
name = "other_names_left_alone"
code = """
use std::cell::RefCell;

pub struct CallLog {
    calls: RefCell<Vec<String>>,
}
"""
unchanged = true
"#;

/// Writes `DIR/NAME.toml`, rejecting an invalid id or an existing file.
pub fn run(name: &str, dir: &Path) -> ExitStatus {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        eprintln!(
            "mockfix: invalid rule id `{name}`: use lowercase words joined by `-` that name the bad pattern, such as `refcell-in-recorder`"
        );
        return ExitStatus::Error;
    }
    let path = dir.join(format!("{name}.toml"));
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path);
    let mut file = match file {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "mockfix: {}: already exists and was left unchanged; pick another name or remove the file",
                path.display()
            );
            return ExitStatus::Error;
        }
        Err(err) => {
            eprintln!("mockfix: {}: cannot create: {err}", path.display());
            return ExitStatus::Error;
        }
    };
    if let Err(err) = file.write_all(skeleton(name).as_bytes()) {
        eprintln!("mockfix: {}: cannot write: {err}", path.display());
        return ExitStatus::Error;
    }
    eprintln!(
        "mockfix: wrote {}; edit it, then run `mockfix test {}`",
        path.display(),
        path.display()
    );
    ExitStatus::Clean
}

pub fn skeleton(id: &str) -> String {
    SKELETON.replace("{id}", id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::test::{run_case, CaseResult};
    use crate::config::compile_rule;

    #[test]
    fn skeleton_compiles_and_passes_its_tests() {
        let id = "refcell-in-recorder";
        let rule = compile_rule(id, Path::new("refcell-in-recorder.toml"), &skeleton(id)).unwrap();
        assert_eq!(rule.tests.len(), 2);
        for case in &rule.tests {
            assert_eq!(run_case(&rule, case), CaseResult::Passed, "{}", case.name);
        }
    }
}

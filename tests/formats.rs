//! `--format json`, `sarif` and `github` through the real binary.

mod support;

use serde_json::Value;
use support::{folder_with, git_repo_with, mockfix, stderr, stdout, DOUBLE};

const TWO_DOUBLES: &str = "use std::cell::RefCell;

/* café */ pub struct MockMailer {
    sent: RefCell<Vec<String>>,
}

pub struct FakeClock {
    now: RefCell<u64>,
}

impl MockMailer {
    pub fn send(&self, to: &str) {
        self.sent.borrow_mut().push(to.to_string());
    }
}

impl FakeClock {
    pub fn tick(&self) {
        *self.now.borrow_mut() += 1;
    }
}
";

/// A double that derives `Hash`, which neither `RefCell` nor `Mutex` implements, so it has no fix.
const UNFIXABLE_DOUBLE: &str = "use std::cell::RefCell;

#[derive(Hash)]
pub struct StubStore {
    items: RefCell<Vec<u32>>,
}
";

/// A double whose fix is display-only: the `Arc` that replaces its `Rc` contains a `Cell`.
const DISPLAY_ONLY_DOUBLE: &str = "use std::cell::Cell;
use std::rc::Rc;

pub struct MockCounter {
    hits: Rc<Cell<usize>>,
}

impl MockCounter {
    pub fn hit(&self) {
        self.hits.set(self.hits.get() + 1);
    }
}
";

fn json(output: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(output)).unwrap_or_else(|err| panic!("invalid JSON ({err}): {}", stdout(output)))
}

/// Applies a finding's `fix.edits` to `text`, checking that they are sorted and do not overlap.
fn apply_edits(text: &str, fix: &Value) -> String {
    let mut output = String::new();
    let mut cursor = 0;
    for edit in fix["edits"].as_array().unwrap() {
        let start = edit["start_byte"].as_u64().unwrap() as usize;
        let end = edit["end_byte"].as_u64().unwrap() as usize;
        assert!(start >= cursor, "edits overlap or are out of order: {fix}");
        output.push_str(&text[cursor..start]);
        output.push_str(edit["replacement"].as_str().unwrap());
        cursor = end;
    }
    output.push_str(&text[cursor..]);
    output
}

fn finding<'a>(document: &'a Value, path: &str, struct_name: &str) -> &'a Value {
    let file = document["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|file| file["path"] == path)
        .unwrap_or_else(|| panic!("no file {path} in {document:#}"));
    file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["struct_name"] == struct_name)
        .unwrap_or_else(|| panic!("no finding for {struct_name} in {document:#}"))
}

#[test]
fn json_reports_each_finding_with_its_own_fix() {
    let folder = folder_with(&[("doubles.rs", TWO_DOUBLES)]);
    let output = mockfix(folder.path(), &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let document = json(&output);
    assert_eq!(document["schema_version"], 1);

    let mailer = finding(&document, "doubles.rs", "MockMailer");
    assert_eq!(mailer["rule_id"], "refcell-in-shared-double");
    assert_eq!(mailer["line"], 3);
    // `/* café */ pub struct ` is 22 characters but 23 bytes.
    assert_eq!(mailer["column"], 23);
    assert_eq!(mailer["applicability"], "safe");
    assert_eq!(mailer["reason"], Value::Null);
    assert!(mailer["message"].as_str().unwrap().contains("`sent`"));
    assert_eq!(mailer["fix"]["title"], "Replace `RefCell` with `Mutex` in `MockMailer`");

    let only_mailer = apply_edits(TWO_DOUBLES, &mailer["fix"]);
    assert!(only_mailer.contains("sent: Mutex<Vec<String>>"), "{only_mailer}");
    assert!(
        only_mailer.contains("now: RefCell<u64>"),
        "the other double changed: {only_mailer}"
    );
    assert!(only_mailer.contains("use std::sync::Mutex;"), "{only_mailer}");
    assert!(
        only_mailer.contains("use std::cell::RefCell;"),
        "still needed: {only_mailer}"
    );

    let clock = finding(&document, "doubles.rs", "FakeClock");
    let only_clock = apply_edits(TWO_DOUBLES, &clock["fix"]);
    assert!(only_clock.contains("now: Mutex<u64>"), "{only_clock}");
    assert!(only_clock.contains("sent: RefCell<Vec<String>>"), "{only_clock}");
}

#[test]
fn json_edit_positions_match_byte_offsets() {
    let folder = folder_with(&[("doubles.rs", TWO_DOUBLES)]);
    let document = json(&mockfix(folder.path(), &["--format", "json"]));
    let mailer = finding(&document, "doubles.rs", "MockMailer");
    for edit in mailer["fix"]["edits"].as_array().unwrap() {
        for (offset_key, place_key) in [("start_byte", "start"), ("end_byte", "end")] {
            let offset = edit[offset_key].as_u64().unwrap() as usize;
            let before = &TWO_DOUBLES[..offset];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
            assert_eq!(edit[place_key]["line"], line, "{edit}");
            assert_eq!(edit[place_key]["column"], column, "{edit}");
        }
    }
}

#[test]
fn json_whole_file_edits_match_apply() {
    let repo = git_repo_with(&[("mock.rs", DOUBLE)]);
    let document = json(&mockfix(repo.path(), &["--format", "json"]));
    let fixed = apply_edits(DOUBLE, &finding(&document, "mock.rs", "MockMailer")["fix"]);
    let applied = mockfix(repo.path(), &["--apply", "--format", "json"]);
    assert_eq!(applied.status.code(), Some(0), "stderr: {}", stderr(&applied));
    assert_eq!(std::fs::read_to_string(repo.path().join("mock.rs")).unwrap(), fixed);
    let summary = &json(&applied)["summary"];
    assert_eq!(summary["mode"], "apply");
    assert_eq!(summary["fixes"], 1);
    assert_eq!(summary["files_changed"], 1);
}

#[test]
fn json_needs_review_and_not_fixed() {
    // A read in one statement and a write in a later one stays two steps after the rewrite.
    let split_update = "use std::cell::Cell;

pub struct SpyCounter {
    calls: Cell<usize>,
}

impl SpyCounter {
    pub fn hit(&self) {
        let n = self.calls.get();
        self.calls.set(n + 1);
    }
}
";
    let folder = folder_with(&[("src/spy.rs", split_update), ("src/store.rs", UNFIXABLE_DOUBLE)]);
    let output = mockfix(folder.path(), &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let document = json(&output);

    let review = finding(&document, "src/spy.rs", "SpyCounter");
    assert_eq!(review["applicability"], "needs-review");
    assert!(review["reason"].is_string(), "{review}");
    let fixed = apply_edits(split_update, &review["fix"]);
    assert!(fixed.contains("calls: AtomicUsize"), "{fixed}");

    let not_fixed = finding(&document, "src/store.rs", "StubStore");
    assert_eq!(not_fixed["applicability"], "not-fixed");
    assert!(not_fixed["reason"].is_string(), "{not_fixed}");
    assert_eq!(not_fixed["fix"], Value::Null);

    let summary = &document["summary"];
    assert_eq!(summary["mode"], "dry-run");
    assert_eq!(summary["findings"], 2);
    assert_eq!(summary["safe"], 0);
    assert_eq!(summary["needs_review"], 1);
    assert_eq!(summary["display_only"], 0);
    assert_eq!(summary["not_fixed"], 1);
    assert_eq!(summary["fixes"], 0);
    assert_eq!(stdout(&output).matches("\"schema_version\"").count(), 1, "one document");
    assert!(
        stderr(&output).ends_with("2 findings not fixed (1 needs review, 1 without a fix), see the report\n"),
        "stderr: {}",
        stderr(&output)
    );
}

#[test]
fn display_only_fix_in_each_format() {
    let folder = folder_with(&[("src/counter.rs", DISPLAY_ONLY_DOUBLE)]);

    let output = mockfix(folder.path(), &["--format", "json", "--unsafe-fixes"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let document = json(&output);
    let shown = finding(&document, "src/counter.rs", "MockCounter");
    assert_eq!(shown["applicability"], "display-only");
    let reason = shown["reason"].as_str().unwrap();
    assert!(reason.contains("`hits` holds `Rc<Cell<usize>>`"), "{reason}");
    let fixed = apply_edits(DISPLAY_ONLY_DOUBLE, &shown["fix"]);
    assert!(fixed.contains("hits: Arc<Cell<usize>>,"), "{fixed}");
    assert_eq!(
        document["files"][0]["edits"],
        serde_json::json!([]),
        "a display-only fix is not among the edits that --apply writes"
    );
    let summary = &document["summary"];
    assert_eq!(summary["display_only"], 1);
    assert_eq!(summary["needs_review"], 0);
    assert_eq!(summary["fixes"], 0);
    assert_eq!(summary["files_changed"], 0);

    let output = mockfix(folder.path(), &["--format", "sarif"]);
    assert_eq!(output.status.code(), Some(1));
    let result = &json(&output)["runs"][0]["results"][0];
    assert_eq!(result["properties"]["applicability"], "display-only");
    assert_eq!(result["fixes"], Value::Null, "a SARIF viewer could apply it: {result}");
    let message = result["message"]["text"].as_str().unwrap();
    assert!(
        message.contains("\nfix (display-only, never applied): `hits` holds"),
        "{message}"
    );

    let output = mockfix(folder.path(), &["--format", "github"]);
    assert_eq!(output.status.code(), Some(1));
    let annotations = stdout(&output);
    assert!(
        annotations.contains("%0Afix (display-only, never applied): `hits` holds `Rc<Cell<usize>>`"),
        "{annotations}"
    );
}

#[test]
fn json_reports_errors() {
    let folder = folder_with(&[
        ("broken.rs", "struct MockX { a: RefCell<u8> \nfn ("),
        ("mock.rs", DOUBLE),
    ]);
    let output = mockfix(folder.path(), &["--format", "json", ".", "missing"]);
    assert_eq!(output.status.code(), Some(2));
    let document = json(&output);
    let broken = document["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|file| file["path"] == "broken.rs")
        .unwrap();
    assert!(
        broken["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("syntax error at line"),
        "{broken}"
    );
    assert!(
        document["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("missing: path not found"),
        "{document:#}"
    );
    assert_eq!(document["summary"]["errors"], 2);
    assert_eq!(document["summary"]["fixes"], 1);
}

#[test]
fn json_clean_tree_is_empty_and_exits_0() {
    let folder = folder_with(&[("lib.rs", "pub fn add(a: u32) -> u32 { a }\n")]);
    let output = mockfix(folder.path(), &["--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let document = json(&output);
    assert_eq!(document["files"], serde_json::json!([]));
    assert_eq!(document["summary"]["findings"], 0);
}

/// The SARIF 2.1.0 schema, less the `pattern` of the `language` properties of `run` and
/// `toolComponent`.
///
/// That pattern, `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`, has an unmatched `]`, which the
/// validator's regex check of the schema rejects. mockfix writes no `language`, so dropping the
/// pattern changes nothing that is checked in its output.
fn sarif_schema() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0-rtm.5.json");
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for definition in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][definition]["properties"]["language"];
        assert!(language["pattern"].is_string(), "the schema changed: {language}");
        language.as_object_mut().unwrap().remove("pattern");
    }
    schema
}

#[test]
fn sarif_validates_against_schema() {
    let user = "use crate::mock::MockMailer;\nfn count(mock: &MockMailer) -> usize { mock.sent.borrow().len() }\n";
    let krate = folder_with(&[
        ("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n"),
        ("src/doubles.rs", TWO_DOUBLES),
        ("src/mock.rs", DOUBLE),
        ("src/user.rs", user),
        ("src/store.rs", UNFIXABLE_DOUBLE),
        ("src/counter.rs", DISPLAY_ONLY_DOUBLE),
        ("src/broken.rs", "struct MockX { a: RefCell<u8> \nfn ("),
    ]);
    let output = mockfix(krate.path(), &["--format", "sarif"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let log = json(&output);
    let validator = jsonschema::draft4::new(&sarif_schema()).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|err| format!("{} at {}", err, err.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}\n{log:#}",
        errors.join("\n")
    );

    // The validator does check: a level that SARIF does not define is rejected.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("loud");
    assert!(!validator.is_valid(&broken), "the schema accepted an invalid level");
}

#[test]
fn sarif_has_rules_results_and_fixes() {
    let folder = folder_with(&[("src/doubles.rs", TWO_DOUBLES)]);
    let output = mockfix(folder.path(), &["--format", "sarif"]);
    assert_eq!(output.status.code(), Some(1));
    let log = json(&output);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "mockfix");
    let rules = driver["rules"].as_array().unwrap();
    let refcell = rules
        .iter()
        .find(|rule| rule["id"] == "refcell-in-shared-double")
        .unwrap();
    assert!(refcell["shortDescription"]["text"]
        .as_str()
        .unwrap()
        .contains("`RefCell`"));
    assert!(refcell["fullDescription"]["text"]
        .as_str()
        .unwrap()
        .contains("not `Sync`"));
    assert!(refcell["help"]["text"].as_str().unwrap().contains("Before:"));

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let result = results
        .iter()
        .find(|result| result["properties"]["structName"] == "MockMailer")
        .unwrap();
    assert_eq!(result["ruleId"], "refcell-in-shared-double");
    assert_eq!(
        rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "refcell-in-shared-double"
    );
    assert_eq!(result["level"], "warning");
    assert!(result["message"]["text"].as_str().unwrap().contains("MockMailer"));
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "src/doubles.rs");
    assert_eq!(location["region"]["startLine"], 3);
    assert_eq!(location["region"]["startColumn"], 23);
    let change = &result["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "src/doubles.rs");
    let replacements = change["replacements"].as_array().unwrap();
    assert!(!replacements.is_empty());
    assert!(replacements
        .iter()
        .all(|replacement| replacement["deletedRegion"]["startLine"].is_u64()
            && replacement["insertedContent"]["text"].is_string()));
    assert_eq!(run["columnKind"], "unicodeCodePoints");
}

#[test]
fn github_annotations_escape_values() {
    let folder = folder_with(&[
        ("odd,name.rs", DOUBLE),
        ("broken.rs", "struct MockX { a: RefCell<u8> \nfn ("),
    ]);
    let output = mockfix(folder.path(), &["--format", "github"]);
    assert_eq!(output.status.code(), Some(2));
    let text = stdout(&output);
    let warning = text
        .lines()
        .find(|line| line.starts_with("::warning file=odd"))
        .unwrap_or_else(|| panic!("no warning in {text}"));
    assert!(
        warning.starts_with("::warning file=odd%2Cname.rs,line=3,col=12,endColumn=22,title=refcell-in-shared-double::"),
        "{warning}"
    );
    assert!(
        warning.contains("%0Afix (safe): Replace `RefCell` with `Mutex`"),
        "{warning}"
    );
    assert!(!warning.contains('\r'));
    let error = text.lines().find(|line| line.starts_with("::error ")).unwrap();
    assert!(
        error.starts_with("::error file=broken.rs::syntax error at line 1"),
        "{error}"
    );
    assert!(
        !stderr(&output).contains("[refcell-in-shared-double]"),
        "findings go to stdout only"
    );
}

#[test]
fn json_file_edits_include_uses_in_other_files() {
    let user =
        "use crate::mock::MockMailer;\n\npub fn count(mock: &MockMailer) -> usize {\n    mock.sent.borrow().len()\n}\n";
    let krate = folder_with(&[
        ("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n"),
        ("src/mock.rs", DOUBLE),
        ("src/user.rs", user),
    ]);
    let output = mockfix(krate.path(), &["--format", "json", "src/mock.rs"]);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let document = json(&output);
    let files = document["files"].as_array().unwrap();

    let mock = files.iter().find(|file| file["path"] == "src/mock.rs").unwrap();
    let own_fix = &mock["findings"][0]["fix"];
    assert_eq!(
        mock["edits"], own_fix["edits"],
        "one fix: the file's edits are the fix's"
    );

    let user_file = files
        .iter()
        .find(|file| file["path"] == "src/user.rs")
        .unwrap_or_else(|| panic!("the file that uses the double is missing: {document:#}"));
    assert_eq!(user_file["findings"], serde_json::json!([]));
    let followed = apply_edits(user, &serde_json::json!({ "edits": user_file["edits"] }));
    assert!(followed.contains("mock.sent.lock().unwrap().len()"), "{followed}");
    assert_eq!(document["summary"]["files_changed"], 2);
}

#[test]
fn json_reports_rejected_apply() {
    let repo = git_repo_with(&[("src/mock.rs", DOUBLE)]);
    std::fs::write(repo.path().join("src/mock.rs"), format!("{DOUBLE}// local edit\n")).unwrap();
    let output = mockfix(repo.path(), &["--apply", "--format", "json"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let document = json(&output);
    let message = document["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("--apply did not write 1 of the 1 planned fix"),
        "{document:#}"
    );
    assert_eq!(document["summary"]["errors"], 1);
    assert_eq!(document["summary"]["fixes"], 0);
}

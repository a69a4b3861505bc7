//! `mockfix lsp` end to end: the real binary, driven over stdin and stdout by a small JSON-RPC
//! client, as an editor would drive it.
//!
//! The client responds to the server's own requests (watcher registration) with an empty result,
//! and keeps the notifications it reads while waiting for something else. To check that the server
//! published nothing for a notification, a test sends a request after it and waits for the
//! response: the server handles messages in order, so anything published earlier has arrived.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long to wait for one message before failing the test rather than hanging it.
const MESSAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// A double with a `RefCell`, with non-ASCII text before the struct name on its line and on the
/// last line, which has no line break and which the fix changes.
const MAILER: &str = "use std::cell::RefCell;

/* café ü 🚀 */ pub struct MockMailer {
    sent: RefCell<Vec<String>>,
}

impl MockMailer {
    pub fn send(&self, to: &str) {
        self.sent.borrow_mut().push(to.to_string()); // 🚀 sent
    }
}

impl MockMailer { pub fn count(&self) -> usize { self.sent.borrow().len() } } // café 🚀";

/// Two doubles, one for each built-in rule.
const TWO_DOUBLES: &str = "use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct FakeClock {
    ticks: RefCell<Vec<u64>>,
}

impl FakeClock {
    pub fn tick(&self, at: u64) {
        self.ticks.borrow_mut().push(at);
    }
}

#[derive(Default)]
pub struct FakeViewCounter {
    views: AtomicUsize,
}

impl FakeViewCounter {
    pub fn record_view(&self) {
        let current = self.views.load(Ordering::SeqCst);
        self.views.store(current + 1, Ordering::SeqCst);
    }
}
";

/// A double without a fix: `add` would lock `items` again inside `count` while holding it.
const DEADLOCKING_DOUBLE: &str = "use std::cell::RefCell;

pub struct StubStore {
    items: RefCell<Vec<u32>>,
}

impl StubStore {
    pub fn add(&self, item: u32) {
        let mut items = self.items.borrow_mut();
        items.push(item + self.count());
    }

    pub fn count(&self) -> u32 {
        self.items.borrow().len() as u32
    }
}
";

/// A double whose fix is display-only, next to one with a safe fix.
const DISPLAY_ONLY_AND_SAFE: &str = "use std::cell::{Cell, RefCell};
use std::rc::Rc;

pub struct MockCounter {
    hits: Rc<Cell<usize>>,
}

impl MockCounter {
    pub fn hit(&self) {
        self.hits.set(self.hits.get() + 1);
    }
}

pub struct FakeClock {
    ticks: RefCell<Vec<u64>>,
}

impl FakeClock {
    pub fn tick(&self, at: u64) {
        self.ticks.borrow_mut().push(at);
    }
}
";

/// A test in another file that reaches the field of `MockMailer`, and can follow its fix.
const MAILER_USER: &str = "pub fn sent_count(mailer: &MockMailer) -> usize {
    mailer.sent.borrow().len()
}
";

/// Another file that hands out the `RefCell` of `MockMailer`, and cannot follow its fix.
const MAILER_CELL_USER: &str = "pub fn cell(mailer: &MockMailer) -> &std::cell::RefCell<Vec<String>> {
    &mailer.sent
}
";

const RECORDER_RULE: &str = r#"summary = "A call recorder keeps its state in a `RefCell`"
description = "Recorders are shared with worker threads."

[structs]
names = ["*Recorder"]

[state]
kinds = ["RefCell"]

[fix]
strategy = "wrap"
"#;

const RECORDER: &str = "use std::cell::RefCell;

pub struct CallRecorder {
    calls: RefCell<Vec<String>>,
}

impl CallRecorder {
    pub fn record(&self, call: &str) {
        self.calls.borrow_mut().push(call.to_string());
    }
}
";

/// The client capabilities of a current editor: versioned workspace edits and watchers.
fn editor_capabilities() -> Value {
    json!({
        "workspace": {
            "workspaceEdit": { "documentChanges": true },
            "didChangeWatchedFiles": { "dynamicRegistration": true, "relativePatternSupport": true }
        },
        "textDocument": { "publishDiagnostics": { "relatedInformation": true } }
    })
}

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Notifications read while waiting for a response or another notification.
    pending: VecDeque<Value>,
    next_id: i64,
    /// `"utf-16"` or `"utf-8"`, as the server chose at `initialize`.
    encoding: String,
    workspace: PathBuf,
    server_requests: Vec<Value>,
}

impl Client {
    /// Starts `mockfix lsp` and initializes it for the folder `workspace`.
    fn start(workspace: &Path, capabilities: Value, initialization_options: Value) -> (Client, Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mockfix"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("mockfix lsp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });

        let mut client = Client {
            child,
            stdin,
            messages,
            pending: VecDeque::new(),
            next_id: 0,
            encoding: String::new(),
            workspace: workspace.to_path_buf(),
            server_requests: Vec::new(),
        };
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": file_uri(workspace),
                "workspaceFolders": [{ "uri": file_uri(workspace), "name": "workspace" }],
                "capabilities": capabilities,
                "initializationOptions": initialization_options,
            }),
        );
        client.encoding = result["capabilities"]["positionEncoding"]
            .as_str()
            .unwrap_or("utf-16")
            .to_string();
        client.notify("initialized", json!({}));
        (client, result)
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_string(message).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns the whole response, result or error.
    fn request_response(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.read();
            if message.get("method").is_none() && message["id"] == json!(id) {
                return message;
            }
            self.keep(message);
        }
    }

    /// Sends a request and returns its result, failing the test on an error response.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_response(method, params);
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    fn read(&mut self) -> Value {
        match self.messages.recv_timeout(MESSAGE_TIMEOUT) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("no message from the server within {MESSAGE_TIMEOUT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed stdout"),
        }
    }

    /// Responds to a request of the server, or keeps a notification for later.
    fn keep(&mut self, message: Value) {
        if message.get("id").is_some() && message.get("method").is_some() {
            let id = message["id"].clone();
            self.server_requests.push(message);
            self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": null }));
        } else {
            self.pending.push_back(message);
        }
    }

    /// Returns the first notification of `method` that `matches` accepts, kept or new.
    fn wait_for(&mut self, method: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let accept = |message: &Value| message["method"] == method && matches(&message["params"]);
        if let Some(at) = self.pending.iter().position(accept) {
            return self.pending.remove(at).unwrap()["params"].clone();
        }
        loop {
            let message = self.read();
            if accept(&message) {
                return message["params"].clone();
            }
            self.keep(message);
        }
    }

    /// Returns the next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let params = self.wait_for("textDocument/publishDiagnostics", |params| params["uri"] == uri);
        params["diagnostics"].as_array().unwrap().clone()
    }

    /// Waits until every message sent so far is handled, and returns the notifications kept.
    fn drain(&mut self) -> Vec<Value> {
        self.request_response("mockfix/unknownMethod", json!(null));
        self.pending.drain(..).collect()
    }

    fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = file_uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": 1, "text": text } }),
        );
        uri
    }

    fn code_actions(&mut self, uri: &str, range: Value, only: Option<&[&str]>) -> Vec<Value> {
        let mut context = json!({ "diagnostics": [] });
        if let Some(only) = only {
            context["only"] = json!(only);
        }
        let result = self.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": range, "context": context }),
        );
        result.as_array().cloned().unwrap_or_default()
    }

    /// Sends `shutdown` and `exit`, and returns the exit status.
    fn shutdown(mut self) -> ExitStatus {
        self.request("shutdown", json!(null));
        self.notify("exit", json!(null));
        wait_for_exit(&mut self.child)
    }

    /// Replaces the workspace folder in `value` by a fixed name, for snapshots.
    fn redact(&self, value: &Value) -> String {
        serde_json::to_string_pretty(value)
            .unwrap()
            .replace(&file_uri(&self.workspace), "file:///WORKSPACE")
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A failed test must not leave the server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for_exit(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not exit within 5 s of `exit`"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = Some(value.parse::<usize>().unwrap());
        }
    }
    let mut body = vec![0; length.expect("a Content-Length header")];
    reader.read_exact(&mut body).ok()?;
    Some(serde_json::from_slice(&body).unwrap())
}

fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.to_str().unwrap().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// The byte offset of an LSP position, counting columns in `encoding`.
fn offset_of(text: &str, position: &Value, encoding: &str) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (offset, c) in text[line_start..].char_indices() {
        if units >= character || c == '\n' {
            return line_start + offset;
        }
        units += if encoding == "utf-8" {
            c.len_utf8()
        } else {
            c.len_utf16()
        };
    }
    text.len()
}

/// Applies LSP text edits to `text`, as an editor does.
fn apply_edits(text: &str, edits: &[Value], encoding: &str) -> String {
    let mut ranges: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|edit| {
            let start = offset_of(text, &edit["range"]["start"], encoding);
            let end = offset_of(text, &edit["range"]["end"], encoding);
            (start, end, edit["newText"].as_str().unwrap())
        })
        .collect();
    ranges.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    let mut result = text.to_string();
    for (start, end, new_text) in ranges {
        result.replace_range(start..end, new_text);
    }
    result
}

/// The edits of `uri` in a workspace edit that changes several documents.
fn edits_of_document(edit: &Value, uri: &str) -> Vec<Value> {
    let changes = edit["documentChanges"].as_array().unwrap();
    let change = changes
        .iter()
        .find(|change| change["textDocument"]["uri"] == uri)
        .unwrap_or_else(|| panic!("no edits of {uri} in {edit}"));
    change["edits"].as_array().unwrap().clone()
}

/// The edits of `uri` in a workspace edit of that document alone, from `documentChanges` or
/// `changes`.
fn edits_of(edit: &Value, uri: &str) -> Vec<Value> {
    if let Some(changes) = edit["documentChanges"].as_array() {
        assert_eq!(changes.len(), 1, "{edit}");
        assert_eq!(changes[0]["textDocument"]["uri"], uri);
        return changes[0]["edits"].as_array().unwrap().clone();
    }
    edit["changes"][uri].as_array().unwrap().clone()
}

/// The text of `name` after `mockfix --apply --allow-no-vcs` in a copy of `folder`.
fn cli_apply(folder: &Path, name: &str, extra_args: &[&str]) -> String {
    cli_apply_reading(folder, name, extra_args, &[name]).remove(0)
}

/// The texts of the files `read` after `mockfix --apply --allow-no-vcs` on `name` in a copy of
/// `folder`.
fn cli_apply_reading(folder: &Path, name: &str, extra_args: &[&str], read: &[&str]) -> Vec<String> {
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(folder).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), copy.path().join(entry.file_name())).unwrap();
        }
    }
    let output = Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(["--apply", "--allow-no-vcs"])
        .args(extra_args)
        .arg(name)
        .current_dir(copy.path())
        .output()
        .unwrap();
    assert!(
        output.status.code().is_some_and(|code| code <= 1),
        "mockfix --apply failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    read.iter()
        .map(|file| std::fs::read_to_string(copy.path().join(file)).unwrap())
        .collect()
}

fn workspace_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = folder.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    folder
}

fn range(start: (u32, u32), end: (u32, u32)) -> Value {
    json!({
        "start": { "line": start.0, "character": start.1 },
        "end": { "line": end.0, "character": end.1 }
    })
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings
}

#[test]
fn initialize_offers_code_actions_and_full_sync() {
    let workspace = workspace_with(&[]);
    let (client, result) = Client::start(workspace.path(), json!({}), json!(null));

    let capabilities = &result["capabilities"];
    assert_eq!(capabilities["positionEncoding"], "utf-16");
    assert_eq!(capabilities["textDocumentSync"]["change"], 1, "full-text sync");
    assert_eq!(capabilities["textDocumentSync"]["openClose"], true);
    assert_eq!(
        capabilities["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix.mockfix", "source.fixAll.mockfix"])
    );
    assert_eq!(result["serverInfo"]["name"], "mockfix");
    assert!(client.shutdown().success());
}

#[test]
fn did_open_publishes_diagnostics() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);

    let published = client.wait_for("textDocument/publishDiagnostics", |params| params["uri"] == uri);

    assert_eq!(published["version"], 1);
    snapshot_settings().bind(|| insta::assert_snapshot!("lsp_diagnostics", client.redact(&published)));
}

#[test]
fn quick_fix_matches_cli_apply() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");

    let actions = client.code_actions(&uri, diagnostics[0]["range"].clone(), None);

    snapshot_settings().bind(|| insta::assert_snapshot!("lsp_quick_fix", client.redact(&json!(actions))));
    let quick_fix = actions
        .iter()
        .find(|action| action["kind"] == "quickfix.mockfix")
        .expect("a quick fix");
    assert_eq!(quick_fix["title"], "Replace `RefCell` with `Mutex` in `MockMailer`");
    assert_eq!(quick_fix["isPreferred"], true);
    assert_eq!(quick_fix["diagnostics"], json!([diagnostics[0]]));
    assert_eq!(quick_fix["edit"]["documentChanges"][0]["textDocument"]["version"], 1);
    let fixed = apply_edits(MAILER, &edits_of(&quick_fix["edit"], &uri), &client.encoding);
    assert_eq!(fixed, cli_apply(workspace.path(), "mailer.rs", &[]));
}

#[test]
fn quick_fix_from_context_diagnostic_on_other_column() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    let diagnostics = client.diagnostics(&uri);

    // Editors send the cursor position and the diagnostics of its line; here the cursor is at
    // the start of the line, before the struct name.
    let result = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": range((2, 0), (2, 0)),
            "context": { "diagnostics": diagnostics, "only": ["quickfix"] }
        }),
    );

    let actions = result.as_array().unwrap();
    assert_eq!(actions.len(), 1, "{result}");
    assert_eq!(actions[0]["kind"], "quickfix.mockfix");
}

#[test]
fn quick_fix_away_from_finding() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    client.diagnostics(&uri);

    let actions = client.code_actions(&uri, range((0, 0), (0, 3)), None);

    let kinds: Vec<&Value> = actions.iter().map(|action| &action["kind"]).collect();
    assert_eq!(kinds, [&json!("source.fixAll.mockfix")]);
}

#[test]
fn fix_all_matches_cli_apply() {
    let workspace = workspace_with(&[("doubles.rs", TWO_DOUBLES)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("doubles.rs"), TWO_DOUBLES);
    assert_eq!(client.diagnostics(&uri).len(), 2);

    let actions = client.code_actions(&uri, range((0, 0), (0, 0)), Some(&["source.fixAll"]));

    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.mockfix");
    assert_eq!(actions[0]["title"], "Apply all safe mockfix fixes");
    let fixed = apply_edits(TWO_DOUBLES, &edits_of(&actions[0]["edit"], &uri), &client.encoding);
    assert_eq!(fixed, cli_apply(workspace.path(), "doubles.rs", &[]));
    assert!(fixed.contains("ticks: Mutex<Vec<u64>>"), "{fixed}");
    assert!(fixed.contains("mutex: Mutex<()>"), "{fixed}");
}

#[test]
fn quick_fix_applies_only_its_double() {
    let workspace = workspace_with(&[("doubles.rs", TWO_DOUBLES)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("doubles.rs"), TWO_DOUBLES);
    let diagnostics = client.diagnostics(&uri);
    let counter = diagnostics
        .iter()
        .find(|diagnostic| diagnostic["code"] == "split-atomic-update-in-double")
        .unwrap();

    let actions = client.code_actions(&uri, counter["range"].clone(), Some(&["quickfix"]));

    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["title"], "Guard `FakeViewCounter` with a mutex");
    let fixed = apply_edits(TWO_DOUBLES, &edits_of(&actions[0]["edit"], &uri), &client.encoding);
    assert!(fixed.contains("mutex: Mutex<()>"), "{fixed}");
    assert!(
        fixed.contains("ticks: RefCell<Vec<u64>>"),
        "the other double changed: {fixed}"
    );
}

#[test]
fn quick_fix_changes_uses_in_other_files() {
    let workspace = workspace_with(&[("mailer.rs", MAILER), ("report.rs", MAILER_USER)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");

    let actions = client.code_actions(&uri, diagnostics[0]["range"].clone(), Some(&["quickfix"]));

    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["isPreferred"], true);
    let edit = &actions[0]["edit"];
    let report_uri = file_uri(&workspace.path().join("report.rs"));
    let report_change = &edit["documentChanges"][1];
    assert_eq!(report_change["textDocument"]["uri"], report_uri.as_str());
    assert_eq!(
        report_change["textDocument"]["version"],
        Value::Null,
        "not open in the editor"
    );
    let fixed_mailer = apply_edits(MAILER, &edits_of_document(edit, &uri), &client.encoding);
    let fixed_report = apply_edits(MAILER_USER, &edits_of_document(edit, &report_uri), &client.encoding);
    let expected = cli_apply_reading(workspace.path(), "mailer.rs", &[], &["mailer.rs", "report.rs"]);
    assert_eq!(fixed_mailer, expected[0]);
    assert_eq!(fixed_report, expected[1]);
    assert!(
        fixed_report.contains("mailer.sent.lock().unwrap().len()"),
        "{fixed_report}"
    );
}

#[test]
fn quick_fix_uses_open_text_of_other_file() {
    let workspace = workspace_with(&[("mailer.rs", MAILER), ("report.rs", MAILER_USER)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    // The user added a line at the top of report.rs and has not saved it.
    let edited_report = format!("// unsaved\n{MAILER_USER}");
    let report_uri = client.open(&workspace.path().join("report.rs"), &edited_report);
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    let diagnostics = client.diagnostics(&uri);

    let actions = client.code_actions(&uri, diagnostics[0]["range"].clone(), Some(&["quickfix"]));

    let edit = &actions[0]["edit"];
    assert_eq!(edit["documentChanges"][1]["textDocument"]["version"], 1);
    let fixed_report = apply_edits(&edited_report, &edits_of_document(edit, &report_uri), &client.encoding);
    assert_eq!(
        fixed_report,
        "// unsaved\npub fn sent_count(mailer: &MockMailer) -> usize {\n    mailer.sent.lock().unwrap().len()\n}\n"
    );
}

#[test]
fn needs_review_fix_is_offered_but_not_preferred() {
    let workspace = workspace_with(&[("mailer.rs", MAILER), ("cell.rs", MAILER_CELL_USER)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let message = diagnostics[0]["message"].as_str().unwrap();
    assert!(
        message.contains("\nfix needs review: in `cell.rs`: `.sent` at line 2 is used as a `RefCell`"),
        "{message}"
    );

    let actions = client.code_actions(&uri, diagnostics[0]["range"].clone(), None);

    assert_eq!(actions.len(), 1, "a needs-review fix is not in fix-all: {actions:?}");
    assert_eq!(
        actions[0]["title"],
        "Replace `RefCell` with `Mutex` in `MockMailer` (needs review)"
    );
    assert_eq!(actions[0]["isPreferred"], false);
    let edit = &actions[0]["edit"];
    assert_eq!(
        edit["documentChanges"].as_array().unwrap().len(),
        1,
        "cell.rs stays: {edit}"
    );
    let fixed = apply_edits(MAILER, &edits_of(edit, &uri), &client.encoding);
    assert_eq!(fixed, cli_apply(workspace.path(), "mailer.rs", &["--unsafe-fixes"]));
}

#[test]
fn display_only_fix_has_no_action() {
    let workspace = workspace_with(&[("doubles.rs", DISPLAY_ONLY_AND_SAFE)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("doubles.rs"), DISPLAY_ONLY_AND_SAFE);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
    let counter = diagnostics
        .iter()
        .find(|diagnostic| diagnostic["range"]["start"]["line"] == 3)
        .unwrap_or_else(|| panic!("no diagnostic on `MockCounter`: {diagnostics:?}"));
    let message = counter["message"].as_str().unwrap();
    assert!(
        message.contains("\ndisplay-only fix, not offered as a quick fix: `hits` holds `Rc<Cell<usize>>`"),
        "{message}"
    );
    assert!(
        message.ends_with(
            "because it does not finish the fix; it shows where to start: Replace `Rc` with `Arc` in `MockCounter`"
        ),
        "{message}"
    );

    let actions = client.code_actions(&uri, counter["range"].clone(), None);

    let titles: Vec<&Value> = actions.iter().map(|action| &action["title"]).collect();
    assert_eq!(titles, [&json!("Apply all safe mockfix fixes")], "{actions:?}");
    let fixed = apply_edits(
        DISPLAY_ONLY_AND_SAFE,
        &edits_of(&actions[0]["edit"], &uri),
        &client.encoding,
    );
    assert!(fixed.contains("    hits: Rc<Cell<usize>>,\n"), "{fixed}");
    assert!(fixed.contains("    ticks: Mutex<Vec<u64>>,\n"), "{fixed}");
    assert_eq!(fixed, cli_apply(workspace.path(), "doubles.rs", &["--unsafe-fixes"]));

    let quick_fixes = client.code_actions(&uri, counter["range"].clone(), Some(&["quickfix"]));
    assert_eq!(quick_fixes, Vec::<Value>::new());
}

#[test]
fn finding_without_fix_has_no_action() {
    let workspace = workspace_with(&[("store.rs", DEADLOCKING_DOUBLE)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("store.rs"), DEADLOCKING_DOUBLE);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let message = diagnostics[0]["message"].as_str().unwrap();
    assert!(
        message.contains("\nnot fixed: `count` locks `items` at line 10 while the lock taken at line 9"),
        "{message}"
    );

    let actions = client.code_actions(&uri, diagnostics[0]["range"].clone(), None);

    assert_eq!(actions, Vec::<Value>::new());
}

#[test]
fn client_without_document_changes_gets_changes() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let (mut client, _) = Client::start(workspace.path(), json!({}), json!(null));
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    let diagnostics = client.diagnostics(&uri);

    let actions = client.code_actions(&uri, diagnostics[0]["range"].clone(), Some(&["quickfix"]));

    let edit = &actions[0]["edit"];
    assert!(edit.get("documentChanges").is_none(), "{edit}");
    let fixed = apply_edits(MAILER, &edits_of(edit, &uri), &client.encoding);
    assert_eq!(fixed, cli_apply(workspace.path(), "mailer.rs", &[]));
}

#[test]
fn positions_count_utf16_units() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let (mut client, result) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);

    let diagnostics = client.diagnostics(&uri);

    // "/* café ü 🚀 */ pub struct " is 26 characters, and the rocket takes two UTF-16 units.
    assert_eq!(diagnostics[0]["range"], range((2, 27), (2, 37)));
    let actions = client.code_actions(&uri, diagnostics[0]["range"].clone(), Some(&["quickfix"]));
    let edits = edits_of(&actions[0]["edit"], &uri);
    // The last line has no line break, so the last edit ends after its last character.
    let last_end = &edits.last().unwrap()["range"]["end"];
    assert_eq!(last_end, &json!({ "line": 12, "character": 88 }));
    let fixed = apply_edits(MAILER, &edits, "utf-16");
    assert_eq!(fixed, cli_apply(workspace.path(), "mailer.rs", &[]));
}

#[test]
fn positions_count_utf8_bytes_when_offered() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let mut capabilities = editor_capabilities();
    capabilities["general"] = json!({ "positionEncodings": ["utf-8", "utf-16"] });
    let (mut client, result) = Client::start(workspace.path(), capabilities, json!(null));
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);

    let diagnostics = client.diagnostics(&uri);

    // é and ü take two bytes each, and the rocket four.
    assert_eq!(diagnostics[0]["range"], range((2, 31), (2, 41)));
    let actions = client.code_actions(&uri, diagnostics[0]["range"].clone(), Some(&["quickfix"]));
    let edits = edits_of(&actions[0]["edit"], &uri);
    let last_end = &edits.last().unwrap()["range"]["end"];
    assert_eq!(last_end, &json!({ "line": 12, "character": 91 }));
    let fixed = apply_edits(MAILER, &edits, "utf-8");
    assert_eq!(fixed, cli_apply(workspace.path(), "mailer.rs", &[]));
}

#[test]
fn change_that_removes_finding_clears_diagnostics() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    assert_eq!(client.diagnostics(&uri).len(), 1);

    let renamed = MAILER.replace("MockMailer", "Mailer");
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": renamed }]
        }),
    );

    let published = client.wait_for("textDocument/publishDiagnostics", |params| params["uri"] == uri);
    assert_eq!(published["version"], 2);
    assert_eq!(published["diagnostics"], json!([]));
    let actions = client.code_actions(&uri, range((0, 0), (20, 0)), None);
    assert_eq!(actions, Vec::<Value>::new());
}

#[test]
fn close_clears_diagnostics() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    assert_eq!(client.diagnostics(&uri).len(), 1);

    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));

    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
}

#[test]
fn invalid_rule_file_is_shown_and_builtins_stay() {
    let workspace = workspace_with(&[
        (
            "rules/refcell-in-recorder.toml",
            &RECORDER_RULE.replace("strategy", "strategee"),
        ),
        ("recorder.rs", RECORDER),
        ("mailer.rs", MAILER),
    ]);
    let rule_file = workspace.path().join("rules/refcell-in-recorder.toml");
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!({ "rules": ["rules"] }));

    let shown = client.wait_for("window/showMessage", |_| true);
    assert_eq!(shown["type"], 1, "an error: {shown}");
    let text = shown["message"].as_str().unwrap();
    assert!(text.contains("refcell-in-recorder.toml:11:1"), "{text}");
    assert!(text.contains("unknown field `strategee`"), "{text}");
    let rule_diagnostics = client.diagnostics(&file_uri(&rule_file));
    snapshot_settings()
        .bind(|| insta::assert_snapshot!("lsp_invalid_rule_diagnostics", client.redact(&json!(rule_diagnostics))));

    let mailer = client.open(&workspace.path().join("mailer.rs"), MAILER);
    assert_eq!(client.diagnostics(&mailer).len(), 1, "built-in rules are in use");
    let recorder = client.open(&workspace.path().join("recorder.rs"), RECORDER);
    assert_eq!(client.diagnostics(&recorder), Vec::<Value>::new());

    // The editor asked to watch rule files; the user fixes the rule.
    let registration = &client.server_requests[0];
    assert_eq!(registration["method"], "client/registerCapability");
    assert_eq!(
        registration["params"]["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    std::fs::write(&rule_file, RECORDER_RULE).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": file_uri(&rule_file), "type": 2 }] }),
    );

    assert_eq!(client.diagnostics(&file_uri(&rule_file)), Vec::<Value>::new());
    let recorder_diagnostics = client.diagnostics(&recorder);
    assert_eq!(recorder_diagnostics.len(), 1, "{recorder_diagnostics:?}");
    assert_eq!(recorder_diagnostics[0]["code"], "refcell-in-recorder");
}

#[test]
fn saved_rule_file_reloads_rules() {
    let workspace = workspace_with(&[
        ("rules/refcell-in-recorder.toml", RECORDER_RULE),
        ("recorder.rs", RECORDER),
    ]);
    let rule_file = workspace.path().join("rules/refcell-in-recorder.toml");
    // No watcher support: a save in the editor is the only news of the change.
    let (mut client, _) = Client::start(workspace.path(), json!({}), json!({ "rules": ["rules"] }));
    let recorder = client.open(&workspace.path().join("recorder.rs"), RECORDER);
    assert_eq!(client.diagnostics(&recorder).len(), 1);

    let disabled = RECORDER_RULE.replace("[structs]", "enabled = false\n\n[structs]");
    std::fs::write(&rule_file, &disabled).unwrap();
    client.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": file_uri(&rule_file) } }),
    );

    assert_eq!(client.diagnostics(&recorder), Vec::<Value>::new());
    assert!(client.server_requests.is_empty(), "no watchers without client support");
}

#[test]
fn invalid_initialization_options_are_shown() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let (mut client, _) = Client::start(workspace.path(), json!({}), json!({ "rules": 42 }));

    let shown = client.wait_for("window/showMessage", |_| true);

    assert!(
        shown["message"]
            .as_str()
            .unwrap()
            .contains("invalid initializationOptions"),
        "{shown}"
    );
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    assert_eq!(client.diagnostics(&uri).len(), 1);
}

#[test]
fn unparsable_and_other_documents_get_nothing() {
    let half_typed = MAILER.replace("    sent: RefCell<Vec<String>>,\n}", "    sent: RefCell<Vec<Str");
    let workspace = workspace_with(&[]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let rust = client.open(&workspace.path().join("typing.rs"), &half_typed);
    let notes = file_uri(&workspace.path().join("notes.txt"));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": notes, "languageId": "plaintext", "version": 1, "text": MAILER } }),
    );
    let untitled = "untitled:Untitled-1";
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": untitled, "languageId": "rust", "version": 1, "text": "\u{0}\u{fffd}{{{ struct MockX { a: RefCell<" } }),
    );

    let everywhere = range((0, 0), (10_000, 10_000));
    for uri in [rust.as_str(), notes.as_str(), untitled, "file:///not/open.rs"] {
        assert_eq!(
            client.code_actions(uri, everywhere.clone(), None),
            Vec::<Value>::new(),
            "{uri}"
        );
    }
    let published: Vec<Value> = client
        .drain()
        .into_iter()
        .filter(|message| message["method"] == "textDocument/publishDiagnostics")
        .collect();
    assert_eq!(published, Vec::<Value>::new());
}

#[test]
fn diagnostics_survive_half_typed_change() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    assert_eq!(client.diagnostics(&uri).len(), 1);

    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": format!("{MAILER}\nfn half_typed( {{") }]
        }),
    );
    let published: Vec<Value> = client
        .drain()
        .into_iter()
        .filter(|message| message["method"] == "textDocument/publishDiagnostics")
        .collect();

    assert_eq!(published, Vec::<Value>::new(), "the diagnostics of version 1 stay");
    let actions = client.code_actions(&uri, range((2, 27), (2, 27)), None);
    assert_eq!(actions, Vec::<Value>::new(), "no fix for text that does not parse");
}

#[test]
fn huge_file_is_checked() {
    // About 30,000 lines and 1 MB: far more than a hand-written test file.
    let mut huge = String::from(MAILER);
    huge.push('\n');
    for index in 0..10_000 {
        huge.push_str(&format!(
            "pub fn filler_{index}(x: u32) -> u32 {{\n    x + {index}\n}}\n"
        ));
    }
    let workspace = workspace_with(&[("huge.rs", &huge)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("huge.rs"), &huge);

    assert_eq!(client.diagnostics(&uri).len(), 1);
    let actions = client.code_actions(&uri, range((2, 27), (2, 27)), Some(&["quickfix"]));
    assert_eq!(actions.len(), 1);
}

#[test]
fn unknown_request_gets_method_not_found() {
    let workspace = workspace_with(&[]);
    let (mut client, _) = Client::start(workspace.path(), json!({}), json!(null));

    let response = client.request_response("textDocument/hover", json!({}));

    assert_eq!(response["error"]["code"], -32601, "{response}");
    assert!(client.shutdown().success());
}

#[test]
fn invalid_params_get_error() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let (mut client, _) = Client::start(workspace.path(), json!({}), json!(null));

    let response = client.request_response("textDocument/codeAction", json!({ "textDocument": 7 }));

    assert_eq!(response["error"]["code"], -32602, "{response}");
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    assert_eq!(client.diagnostics(&uri).len(), 1);
}

#[test]
fn shutdown_and_exit_end_with_status_0() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    client.diagnostics(&uri);

    let status = client.shutdown();

    assert_eq!(status.code(), Some(0));
}

#[test]
fn exit_without_shutdown_ends_with_status_1() {
    let workspace = workspace_with(&[]);
    let (mut client, _) = Client::start(workspace.path(), json!({}), json!(null));

    client.notify("exit", json!(null));

    assert_eq!(wait_for_exit(&mut client.child).code(), Some(1));
}

#[test]
fn folder_named_lsp_after_option_is_path() {
    let workspace = workspace_with(&[("lsp/mailer.rs", MAILER)]);

    let output = Command::new(env!("CARGO_BIN_EXE_mockfix"))
        .args(["--dry-run", "lsp"])
        .current_dir(workspace.path())
        .output()
        .unwrap();

    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let diff = String::from_utf8(output.stdout).unwrap();
    assert!(diff.starts_with("--- a/lsp/mailer.rs\n"), "{diff}");
}

#[test]
fn settings_come_from_mockfix_toml() {
    let workspace = workspace_with(&[
        ("mockfix.toml", "rules = [\"rules\"]\nexclude = [\"generated/**\"]\n"),
        ("rules/refcell-in-recorder.toml", RECORDER_RULE),
        ("recorder.rs", RECORDER),
        ("generated/mailer.rs", MAILER),
    ]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));

    let recorder = client.open(&workspace.path().join("recorder.rs"), RECORDER);
    let recorder_diagnostics = client.diagnostics(&recorder);
    let generated = client.open(&workspace.path().join("generated/mailer.rs"), MAILER);
    let generated_diagnostics = client.diagnostics(&generated);

    assert_eq!(recorder_diagnostics.len(), 1, "{recorder_diagnostics:?}");
    assert_eq!(recorder_diagnostics[0]["code"], "refcell-in-recorder");
    assert_eq!(generated_diagnostics, Vec::<Value>::new(), "excluded by mockfix.toml");

    // The user drops the exclusion; the watcher reports the change.
    let config = workspace.path().join("mockfix.toml");
    std::fs::write(&config, "rules = [\"rules\"]\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": file_uri(&config), "type": 2 }] }),
    );
    assert_eq!(client.diagnostics(&generated).len(), 1);
}

#[test]
fn invalid_mockfix_toml_is_shown_on_the_file() {
    let workspace = workspace_with(&[("mockfix.toml", "selekt = []\n"), ("mailer.rs", MAILER)]);
    let config = workspace.path().join("mockfix.toml");
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));

    let shown = client.wait_for("window/showMessage", |_| true);
    let config_diagnostics = client.diagnostics(&file_uri(&config));

    assert!(
        shown["message"].as_str().unwrap().contains("mockfix.toml:1:1"),
        "{shown}"
    );
    assert_eq!(config_diagnostics.len(), 1, "{config_diagnostics:?}");
    assert_eq!(
        config_diagnostics[0]["range"]["start"],
        json!({ "line": 0, "character": 0 })
    );
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    assert_eq!(client.diagnostics(&uri).len(), 1, "the built-in rules stay in use");
}

#[test]
fn go_mock_gets_diagnostic_and_quick_fix() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/call_log/before");
    let mock = std::fs::read_to_string(folder.join("notifier_mock_test.go")).unwrap();
    let files: Vec<(String, String)> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap())
        .map(|entry| {
            (
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(entry.path()).unwrap(),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    let workspace = workspace_with(&borrowed);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("notifier_mock_test.go"), &mock);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["source"], "mockfix");

    let actions = client.code_actions(&uri, diagnostics[0]["range"].clone(), None);
    let quick_fix = actions
        .iter()
        .find(|action| action["kind"] == "quickfix.mockfix")
        .expect("a quick fix");
    let fixed = apply_edits(&mock, &edits_of(&quick_fix["edit"], &uri), &client.encoding);
    assert_eq!(fixed, cli_apply(workspace.path(), "notifier_mock_test.go", &[]));
    assert!(fixed.contains("\"sync\""), "{fixed}");
}

#[test]
fn diagnostic_points_at_first_borrow() {
    let workspace = workspace_with(&[("mailer.rs", MAILER)]);
    let (mut client, _) = Client::start(workspace.path(), editor_capabilities(), json!(null));
    let uri = client.open(&workspace.path().join("mailer.rs"), MAILER);
    let diagnostics = client.diagnostics(&uri);
    let related = diagnostics[0]["relatedInformation"]
        .as_array()
        .expect("related information");
    assert_eq!(related.len(), 1, "{related:?}");
    assert_eq!(related[0]["location"]["uri"], uri);
    let start = offset_of(MAILER, &related[0]["location"]["range"]["start"], &client.encoding);
    assert!(
        MAILER[start..].starts_with("sent"),
        "points at {:?}",
        &MAILER[start..start + 20]
    );
    assert!(
        related[0]["message"]
            .as_str()
            .unwrap()
            .contains("`sent` is used here without a lock"),
        "{related:?}"
    );
}

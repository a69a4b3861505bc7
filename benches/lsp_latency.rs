//! Measures how long the language server takes to check a 5,000-line file and to respond to a
//! code action on it, first and from the cache, through the real server loop in memory.
//!
//! Run it with `cargo bench --bench lsp_latency`; it prints one line per step. It is a manual
//! benchmark, not a test: the figures depend on the machine.

use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

const DOUBLE: &str = "use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct MockMailer {
    sent: RefCell<Vec<String>>,
}

impl MockMailer {
    pub fn send(&self, to: &str) {
        self.sent.borrow_mut().push(to.to_string());
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

/// Lines of the measured file.
const LINES: usize = 5_000;
/// How many times each step runs; the report gives the median.
const RUNS: usize = 11;

struct Client {
    connection: Connection,
    next_id: i32,
}

impl Client {
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        let request = Request::new(id.clone(), method.to_string(), params);
        self.connection.sender.send(request.into()).unwrap();
        loop {
            if let Message::Response(response) = self.connection.receiver.recv().unwrap() {
                if response.id == id {
                    return response.response_result.expect("the request succeeds");
                }
            }
        }
    }

    fn notify(&self, method: &str, params: Value) {
        let notification = Notification::new(method.to_string(), params);
        self.connection.sender.send(notification.into()).unwrap();
    }

    fn wait_for_diagnostics(&self, version: i32) -> usize {
        loop {
            if let Message::Notification(notification) = self.connection.receiver.recv().unwrap() {
                let params = &notification.params;
                if notification.method == "textDocument/publishDiagnostics" && params["version"] == version {
                    return params["diagnostics"].as_array().unwrap().len();
                }
            }
        }
    }
}

fn main() {
    let mut text = String::from(DOUBLE);
    let mut index = 0;
    while text.lines().count() < LINES {
        text.push_str(&format!(
            "\npub fn filler_{index}(x: u32) -> u32 {{\n    x + {index}\n}}\n"
        ));
        index += 1;
    }
    let lines = text.lines().count();

    let (server_side, client_side) = Connection::memory();
    let server = std::thread::spawn(move || mockfix::lsp::serve(&server_side));
    let mut client = Client {
        connection: client_side,
        next_id: 0,
    };
    client.request("initialize", json!({ "capabilities": {} }));
    client.notify("initialized", json!({}));

    let uri = "file:///bench/doubles.rs";
    let code_action = |only: &[&str]| {
        json!({
            "textDocument": { "uri": uri },
            "range": { "start": { "line": 3, "character": 11 }, "end": { "line": 3, "character": 11 } },
            "context": { "diagnostics": [], "only": only }
        })
    };
    let quick_fix = code_action(&["quickfix"]);
    let fix_all = code_action(&["source.fixAll"]);
    let both = code_action(&["quickfix", "source.fixAll"]);

    let mut check = Vec::new();
    let mut first_quick_fix = Vec::new();
    let mut first_fix_all = Vec::new();
    let mut cached = Vec::new();
    for version in 1..=RUNS as i32 {
        if version == 1 {
            let item = json!({ "uri": uri, "languageId": "rust", "version": 1, "text": text });
            client.notify("textDocument/didOpen", json!({ "textDocument": item }));
        } else {
            // Each version is new text to the server, so it checks it again.
            let change =
                json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] });
            client.notify("textDocument/didChange", change);
        }
        let started = Instant::now();
        let found = client.wait_for_diagnostics(version);
        check.push(started.elapsed());
        assert_eq!(found, 2, "both doubles are found");

        let started = Instant::now();
        let actions = client.request("textDocument/codeAction", quick_fix.clone());
        first_quick_fix.push(started.elapsed());
        assert_eq!(actions.as_array().unwrap().len(), 1, "a quick fix");

        let started = Instant::now();
        let actions = client.request("textDocument/codeAction", fix_all.clone());
        first_fix_all.push(started.elapsed());
        assert_eq!(actions.as_array().unwrap().len(), 1, "a fix-all action");

        let started = Instant::now();
        let actions = client.request("textDocument/codeAction", both.clone());
        cached.push(started.elapsed());
        assert_eq!(actions.as_array().unwrap().len(), 2, "a quick fix and fix-all");
    }

    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    server.join().unwrap().unwrap();

    println!("file: {lines} lines, {} bytes; median of {RUNS} runs", text.len());
    println!(
        "check on open or change, until diagnostics: {:>8.2} ms",
        median_ms(&mut check)
    );
    println!(
        "first quick fix of the version:             {:>8.2} ms",
        median_ms(&mut first_quick_fix)
    );
    println!(
        "first fix-all of the version:               {:>8.2} ms",
        median_ms(&mut first_fix_all)
    );
    println!(
        "quick fix and fix-all again, from the cache: {:>7.2} ms",
        median_ms(&mut cached)
    );
}

fn median_ms(samples: &mut [Duration]) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

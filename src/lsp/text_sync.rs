//! The document notifications: `didOpen`, `didChange`, `didSave` and `didClose`.
//!
//! Opening or changing a document publishes its diagnostics. Saving a file can change what
//! other files see on disk: a saved rule or configuration file reloads the settings, and a saved
//! Rust file can add or remove a use of a double that another open document defines.

use lsp_types::notification::PublishDiagnostics;
use lsp_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    PublishDiagnosticsParams,
};

use super::document::Document;
use super::rules;
use super::server::Server;
use super::uri;

pub fn did_open(server: &mut Server, params: DidOpenTextDocumentParams) {
    let item = params.text_document;
    let path = uri::to_path(&item.uri);
    let document = Document::new(item.text, item.version, item.language_id, path);
    server.documents.insert(item.uri.clone(), document);
    server.publish(&item.uri);
}

pub fn did_change(server: &mut Server, params: DidChangeTextDocumentParams) {
    let uri = params.text_document.uri;
    let encoding = server.encoding;
    let Some(document) = server.documents.get_mut(&uri) else {
        log::debug!("{}: change of a document that is not open, ignored", uri.as_str());
        return;
    };
    document.apply_changes(params.text_document.version, params.content_changes, encoding);
    server.publish(&uri);
}

pub fn did_save(server: &mut Server, params: DidSaveTextDocumentParams) {
    let Some(path) = uri::to_path(&params.text_document.uri) else {
        return;
    };
    if rules::is_settings_file(&server.rule_paths, &path) {
        server.reload_rules();
    } else if path.extension().is_some_and(|ext| ext == "rs") {
        server.reload_package_files();
    }
}

pub fn did_close(server: &mut Server, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    if server.documents.remove(&uri).is_none() {
        return;
    }
    // The diagnostics of a closed document would go stale, so they are removed.
    server.notify::<PublishDiagnostics>(PublishDiagnosticsParams {
        uri,
        diagnostics: Vec::new(),
        version: None,
    });
}

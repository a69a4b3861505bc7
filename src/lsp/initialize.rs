//! The `initialize` handshake: what the server offers, and the client capabilities it relies on.

use std::path::PathBuf;

use lsp_types::{
    ClientCapabilities, CodeActionKind, CodeActionOptions, CodeActionProviderCapability, InitializeParams,
    InitializeResult, PositionEncodingKind, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
};

use super::code_action::{FIX_ALL_KIND, QUICK_FIX_KIND};
use super::position::PositionEncoding;
use super::uri;

/// The parts of the client's capabilities that change what the server sends.
#[derive(Debug, Clone, Default)]
pub struct ClientSupport {
    pub position_encodings: Option<Vec<PositionEncodingKind>>,
    /// Workspace edits may use `documentChanges`, which carry the document version.
    pub document_changes: bool,
    /// The server may register file watchers with `client/registerCapability`.
    pub watched_files_registration: bool,
    /// File watchers may use a base folder and a pattern relative to it.
    pub relative_patterns: bool,
}

impl ClientSupport {
    pub fn from_capabilities(capabilities: &ClientCapabilities) -> ClientSupport {
        let workspace = capabilities.workspace.as_ref();
        let watched_files = workspace.and_then(|workspace| workspace.did_change_watched_files.as_ref());
        ClientSupport {
            position_encodings: capabilities
                .general
                .as_ref()
                .and_then(|general| general.position_encodings.clone()),
            document_changes: workspace
                .and_then(|workspace| workspace.workspace_edit.as_ref())
                .and_then(|edit| edit.document_changes)
                .unwrap_or(false),
            watched_files_registration: watched_files
                .and_then(|watched| watched.dynamic_registration)
                .unwrap_or(false),
            relative_patterns: watched_files
                .and_then(|watched| watched.relative_pattern_support)
                .unwrap_or(false),
        }
    }
}

/// The `initialize` result: full-text sync, save notifications, and the two code-action kinds.
pub fn result(encoding: PositionEncoding) -> InitializeResult {
    let sync = TextDocumentSyncOptions {
        open_close: Some(true),
        change: Some(TextDocumentSyncKind::FULL),
        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
            include_text: Some(false),
        })),
        ..TextDocumentSyncOptions::default()
    };
    let code_actions = CodeActionOptions {
        code_action_kinds: Some(vec![
            CodeActionKind::new(QUICK_FIX_KIND),
            CodeActionKind::new(FIX_ALL_KIND),
        ]),
        resolve_provider: Some(false),
        ..CodeActionOptions::default()
    };
    InitializeResult {
        capabilities: ServerCapabilities {
            position_encoding: Some(encoding.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(sync)),
            code_action_provider: Some(CodeActionProviderCapability::Options(code_actions)),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo {
            name: "mockfix".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    }
}

/// The folders of the workspace, or the older `rootUri` or `rootPath` when the client sends no
/// workspace folders. The first one is where relative rule paths start.
pub fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    let folders: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|folder| uri::to_path(&folder.uri))
        .collect();
    if !folders.is_empty() {
        return folders;
    }
    #[allow(deprecated)]
    let root_uri = params.root_uri.as_ref().and_then(uri::to_path);
    #[allow(deprecated)]
    let root_path = params.root_path.as_ref().map(PathBuf::from);
    root_uri.or(root_path).into_iter().collect()
}

//! File watching: the watchers the server registers, and `workspace/didChangeWatchedFiles`.
//!
//! Rule and configuration files change the rules of every document, and any Rust file of a
//! package can add or remove a use of a double whose fix its uses must follow. Clients that cannot
//! register watchers still get both reloads when they save such a file in the editor.

use lsp_types::notification::{DidChangeWatchedFiles, Notification};
use lsp_types::request::RegisterCapability;
use lsp_types::{
    DidChangeWatchedFilesParams, DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern, OneOf,
    Registration, RegistrationParams, RelativePattern,
};

use super::rules;
use super::server::Server;
use super::uri;

/// Asks the client to watch rule files and Rust files, when it supports watcher registration.
pub fn register(server: &mut Server) {
    if !server.client.watched_files_registration {
        return;
    }
    let mut patterns = vec![
        GlobPattern::String("**/*.rs".to_string()),
        GlobPattern::String("**/*.toml".to_string()),
    ];
    // `**/*.toml` covers rule folders inside the workspace; others need a pattern of their own.
    if server.client.relative_patterns {
        for rule_path in &server.rule_paths {
            let (base, pattern) = if rule_path.extension().is_some_and(|ext| ext == "toml") {
                let name = rule_path.file_name().map(|name| name.to_string_lossy().into_owned());
                (rule_path.parent(), name.unwrap_or_default())
            } else {
                (Some(rule_path.as_path()), "*.toml".to_string())
            };
            if let Some(base_uri) = base.and_then(uri::from_path) {
                patterns.push(GlobPattern::Relative(RelativePattern {
                    base_uri: OneOf::Right(base_uri),
                    pattern,
                }));
            }
        }
    }

    let watchers = patterns
        .into_iter()
        .map(|glob_pattern| FileSystemWatcher {
            glob_pattern,
            kind: None,
        })
        .collect();
    let options = DidChangeWatchedFilesRegistrationOptions { watchers };
    let registration = Registration {
        id: "mockfix-watched-files".to_string(),
        method: DidChangeWatchedFiles::METHOD.to_string(),
        register_options: Some(serde_json::to_value(options).expect("watcher options serialize to JSON")),
    };
    server.send_request::<RegisterCapability>(RegistrationParams {
        registrations: vec![registration],
    });
}

pub fn did_change(server: &mut Server, params: DidChangeWatchedFilesParams) {
    let paths: Vec<_> = params
        .changes
        .iter()
        .filter_map(|change| uri::to_path(&change.uri))
        .collect();
    if paths
        .iter()
        .any(|path| rules::is_settings_file(&server.rule_paths, path))
    {
        server.reload_rules();
    }
    if paths.iter().any(|path| path.extension().is_some_and(|ext| ext == "rs")) {
        server.reload_package_files();
    }
}

//! The server loop: the session state, the dispatch of each message to its handler, and the
//! guard that turns a panic in a handler into a logged error instead of a dead server.
//!
//! Messages are handled one at a time on the thread that calls `serve`. Analyses are cached per
//! document version, so a burst of requests on one version parses the text once.

use std::collections::{BTreeSet, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use globset::GlobSet;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    notification, request, InitializeParams, LogMessageParams, MessageType, PublishDiagnosticsParams,
    ShowMessageParams, Uri,
};

use super::analysis::{Analysis, Checker};
use super::document::Document;
use super::follow::{FollowCache, Follower};
use super::initialize::ClientSupport;
use super::position::{LineMap, PositionEncoding};
use super::rules::{self, LoadedSettings, RuleConfig};
use super::{code_action, diagnostics, initialize, text_sync, uri, watched_files, ServerError};
use crate::config::RuleSet;
use crate::package::PackageFiles;
use crate::run::display_path;
use crate::walk::Prefilter;
use crate::workspace::{Edition, EditionLookup};

/// The state of one session, from `initialize` to `exit`.
pub struct Server<'a> {
    connection: &'a Connection,
    pub client: ClientSupport,
    pub encoding: PositionEncoding,
    pub rule_config: RuleConfig,
    pub rules: RuleSet,
    prefilter: Prefilter,
    /// The project root of the settings: rule path globs and `exclude` see paths relative to it.
    project_root: PathBuf,
    exclude: GlobSet,
    /// The configured rule files and folders, whose changes reload the settings.
    pub rule_paths: Vec<PathBuf>,
    editions: EditionLookup,
    /// Counts reloads of the rules and of the package files; an analysis of an older
    /// generation is stale.
    generation: u64,
    /// Rule and configuration files that have error diagnostics, which a reload clears when they
    /// become valid.
    rule_files_with_errors: BTreeSet<PathBuf>,
    pub documents: HashMap<Uri, Document>,
    packages: PackageFiles,
    follow_cache: FollowCache,
    next_request_id: i32,
}

/// Runs a session on `connection`: the `initialize` handshake, then every message until `exit`.
pub fn serve(connection: &Connection) -> Result<(), ServerError> {
    let (initialize_id, initialize_params) = connection.initialize_start()?;
    let (params, params_error) = match serde_json::from_value::<InitializeParams>(initialize_params) {
        Ok(params) => (params, None),
        Err(err) => (InitializeParams::default(), Some(err)),
    };
    let client = ClientSupport::from_capabilities(&params.capabilities);
    let encoding = PositionEncoding::negotiate(client.position_encodings.as_deref());
    let result = initialize::result(encoding);
    let result = serde_json::to_value(result).expect("an initialize result serializes to JSON");
    connection.initialize_finish(initialize_id, result)?;

    // Settings are discovered as by a command-line run in the first workspace folder.
    let start = initialize::workspace_roots(&params)
        .into_iter()
        .next()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let (rule_config, options_error) =
        RuleConfig::from_initialization_options(params.initialization_options.as_ref(), &start);
    let mut server = Server {
        connection,
        client,
        encoding,
        rule_config,
        rules: RuleSet::default(),
        prefilter: Prefilter::new(&RuleSet::default()),
        project_root: start,
        exclude: GlobSet::empty(),
        rule_paths: Vec::new(),
        editions: EditionLookup::default(),
        generation: 0,
        rule_files_with_errors: BTreeSet::new(),
        documents: HashMap::new(),
        packages: PackageFiles::default(),
        follow_cache: FollowCache::default(),
        next_request_id: 0,
    };
    if let Some(err) = params_error {
        server.log(
            MessageType::WARNING,
            format!("invalid initialize parameters: {err}; continuing with default client capabilities"),
        );
    }
    if let Some(message) = options_error {
        server.show_message(MessageType::ERROR, message);
    }
    server.reload_rules();
    watched_files::register(&mut server);
    server.run()
}

impl Server<'_> {
    fn run(&mut self) -> Result<(), ServerError> {
        while let Ok(message) = self.connection.receiver.recv() {
            match message {
                Message::Request(request) => {
                    if self.connection.handle_shutdown(&request)? {
                        return Ok(());
                    }
                    self.on_request(request);
                }
                Message::Notification(notification) if notification.method == notification::Exit::METHOD => {
                    return Err(ServerError::ExitWithoutShutdown);
                }
                Message::Notification(notification) => self.on_notification(notification),
                Message::Response(response) => {
                    if let Err(err) = response.response_result {
                        self.log(
                            MessageType::WARNING,
                            format!("the client rejected request {}: {}", response.id, err.message),
                        );
                    }
                }
            }
        }
        Err(ServerError::Disconnected)
    }

    fn on_request(&mut self, request: Request) {
        let Request { id, method, params } = request;
        let outcome = match method.as_str() {
            request::CodeActionRequest::METHOD => self.handle(&method, params, code_action::handle),
            _ => Err((ErrorCode::MethodNotFound, format!("mockfix does not handle `{method}`"))),
        };
        let response = match outcome {
            Ok(result) => Response::new_ok(id, result),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.send(response.into());
    }

    fn on_notification(&mut self, notification: Notification) {
        let Notification { method, params } = notification;
        // A notification has no response, and `handle` has already logged any failure.
        let _ = match method.as_str() {
            notification::DidOpenTextDocument::METHOD => self.handle(&method, params, text_sync::did_open),
            notification::DidChangeTextDocument::METHOD => self.handle(&method, params, text_sync::did_change),
            notification::DidSaveTextDocument::METHOD => self.handle(&method, params, text_sync::did_save),
            notification::DidCloseTextDocument::METHOD => self.handle(&method, params, text_sync::did_close),
            notification::DidChangeWatchedFiles::METHOD => self.handle(&method, params, watched_files::did_change),
            // Other notifications, such as `$/cancelRequest`, need no action, because the server
            // responds to each request before it reads the next message.
            _ => Ok(serde_json::Value::Null),
        };
    }

    /// Decodes `params`, runs `handler` with panics caught, and encodes its result.
    fn handle<P, R>(
        &mut self,
        method: &str,
        params: serde_json::Value,
        handler: impl FnOnce(&mut Server, P) -> R,
    ) -> Result<serde_json::Value, (ErrorCode, String)>
    where
        P: serde::de::DeserializeOwned,
        R: serde::Serialize,
    {
        let params: P = serde_json::from_value(params).map_err(|err| {
            let message = format!("invalid parameters for `{method}`: {err}");
            self.log(MessageType::ERROR, message.clone());
            (ErrorCode::InvalidParams, message)
        })?;
        let result = catch_unwind(AssertUnwindSafe(|| handler(self, params))).map_err(|payload| {
            let reason = payload
                .downcast_ref::<&str>()
                .map(|text| text.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            let message = format!(
                "mockfix panicked while handling `{method}`: {reason}; this is a bug in mockfix, please report it"
            );
            self.log(MessageType::ERROR, message.clone());
            (ErrorCode::InternalError, message)
        })?;
        Ok(serde_json::to_value(result).expect("LSP results serialize to JSON"))
    }

    /// Loads the settings and rules again, shows the errors of invalid rule and configuration
    /// files, and checks every open document with the new rules.
    pub fn reload_rules(&mut self) {
        let LoadedSettings {
            rules,
            root,
            exclude,
            rule_paths,
            errors,
        } = self.rule_config.load();
        if !errors.is_empty() {
            let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
            let message = if errors.len() == 1 {
                format!("invalid rule or setting, not used until it is fixed: {}", listed[0])
            } else {
                format!(
                    "{} invalid rules or settings, not used until they are fixed: {}",
                    errors.len(),
                    listed.join("; ")
                )
            };
            self.show_message(MessageType::ERROR, message);
        }
        if rules.enabled().next().is_none() {
            self.show_message(
                MessageType::WARNING,
                "no rules are enabled, so nothing is checked; set `noDefaultRules` to false or add rule files"
                    .to_string(),
            );
        }

        let by_file = rules::diagnostics_by_file(&errors, self.encoding);
        let cleared: Vec<PathBuf> = self
            .rule_files_with_errors
            .iter()
            .filter(|file| !by_file.contains_key(*file))
            .cloned()
            .collect();
        for file in cleared {
            self.publish_for_path(&file, Vec::new());
        }
        self.rule_files_with_errors = by_file.keys().cloned().collect();
        for (file, file_diagnostics) in by_file {
            self.publish_for_path(&file, file_diagnostics);
        }

        self.prefilter = Prefilter::new(&rules);
        self.rules = rules;
        self.project_root = root;
        self.exclude = exclude;
        self.rule_paths = rule_paths;
        // A changed `Cargo.toml` can change a package's edition.
        self.editions = EditionLookup::default();
        self.generation += 1;
        self.publish_all();
    }

    /// Forgets the package files read for following fixes into other files, after one of them
    /// changed on disk, and checks every open document again.
    pub fn reload_package_files(&mut self) {
        self.packages = PackageFiles::default();
        self.generation += 1;
        self.publish_all();
    }

    /// Analyses the document at `uri` unless its analysis is current; `false` when it is not
    /// open or not a Rust or Go document.
    pub fn refresh_analysis(&mut self, uri: &Uri) -> bool {
        let Some(document) = self.documents.get(uri) else {
            return false;
        };
        if !document.is_source() {
            return false;
        }
        if document
            .analysis
            .as_ref()
            .is_some_and(|(generation, _)| *generation == self.generation)
        {
            return true;
        }

        let rule_path = match &document.path {
            Some(path) => display_path(path, &self.project_root),
            None => uri.as_str().to_string(),
        };
        let analysis = if self.exclude.is_match(&rule_path) {
            log::debug!("{rule_path}: not checked: matches an `exclude` glob");
            Ok(Analysis::empty(&rule_path))
        } else {
            let edition = match &document.path {
                Some(path) => self.editions.edition_for(path).unwrap_or_else(|err| {
                    log::warn!("{rule_path}: cannot tell the Rust edition, so 2021 is used: {err}");
                    Edition::DEFAULT
                }),
                None => Edition::DEFAULT,
            };
            let uses_tokio = document
                .path
                .as_ref()
                .is_some_and(|path| self.editions.uses_tokio(path));
            let checker = Checker {
                rules: &self.rules,
                prefilter: &self.prefilter,
                follower: Follower {
                    packages: &mut self.packages,
                    cache: &mut self.follow_cache,
                    documents: &self.documents,
                    root: &self.project_root,
                    editions: &self.editions,
                },
            };
            Analysis::run(
                &document.text,
                &rule_path,
                document.canonical_path.as_deref(),
                (edition, uses_tokio),
                checker,
            )
        };
        if let Some(document) = self.documents.get_mut(uri) {
            document.analysis = Some((self.generation, analysis));
        }
        true
    }

    /// Publishes the diagnostics of the document at `uri`.
    ///
    /// A document with a syntax error keeps the diagnostics of its last version that parsed,
    /// because half-typed code is the normal state of a file being edited.
    pub fn publish(&mut self, uri: &Uri) {
        if !self.refresh_analysis(uri) {
            return;
        }
        let document = &self.documents[uri];
        let Some((_, analysis)) = &document.analysis else {
            return;
        };
        let analysis = match analysis {
            Ok(analysis) => analysis,
            Err(crate::SourceError::Syntax { line, column, message }) => {
                log::debug!(
                    "{}: not checked: syntax error at {line}:{column}: {message}",
                    uri.as_str()
                );
                return;
            }
            Err(err) => {
                let message = format!("{}: not checked: {err}", uri.as_str());
                self.log(MessageType::ERROR, message);
                return;
            }
        };

        let map = LineMap::new(&document.text, &document.line_index, self.encoding);
        let published: Vec<_> = (0..analysis.findings().len())
            .map(|index| {
                let (start, end) = analysis.name_range(index);
                let diagnostic = diagnostics::for_finding(&analysis.findings()[index], map.range(start, end));
                diagnostics::with_related(diagnostic, analysis.related(index), uri, |start, end| {
                    map.range(start, end)
                })
            })
            .collect();
        let params = PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics: published,
            version: Some(document.version),
        };
        self.notify::<notification::PublishDiagnostics>(params);
    }

    /// Publishes the diagnostics of every open document.
    pub fn publish_all(&mut self) {
        let uris: Vec<Uri> = self.documents.keys().cloned().collect();
        for uri in uris {
            self.publish(&uri);
        }
    }

    /// Publishes `diagnostics` for a file that need not be open, such as a rule file.
    pub fn publish_for_path(&mut self, path: &Path, diagnostics: Vec<lsp_types::Diagnostic>) {
        let Some(uri) = uri::from_path(path) else {
            self.log(
                MessageType::WARNING,
                format!("{}: cannot show diagnostics, the path has no file URI", path.display()),
            );
            return;
        };
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        };
        self.notify::<notification::PublishDiagnostics>(params);
    }

    /// Returns the parts of the session that following fixes into other files needs.
    pub fn follower(&mut self) -> Follower<'_> {
        Follower {
            packages: &mut self.packages,
            cache: &mut self.follow_cache,
            documents: &self.documents,
            root: &self.project_root,
            editions: &self.editions,
        }
    }

    /// Sends a request to the client; its response is only checked for an error.
    pub fn send_request<R: lsp_types::request::Request>(&mut self, params: R::Params) {
        self.next_request_id += 1;
        let id = RequestId::from(format!("mockfix-{}", self.next_request_id));
        self.send(Request::new(id, R::METHOD.to_string(), params).into());
    }

    pub fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params).into());
    }

    /// Sends a message to the client's log, and to stderr, which editors also keep.
    pub fn log(&self, typ: MessageType, message: String) {
        let level = match typ {
            MessageType::ERROR => log::Level::Error,
            MessageType::WARNING => log::Level::Warn,
            _ => log::Level::Info,
        };
        log::log!(level, "{message}");
        self.notify::<notification::LogMessage>(LogMessageParams {
            typ,
            message: format!("mockfix: {message}"),
        });
    }

    /// Shows `message` to the user, and logs it.
    pub fn show_message(&self, typ: MessageType, message: String) {
        self.log(typ, message.clone());
        self.notify::<notification::ShowMessage>(ShowMessageParams {
            typ,
            message: format!("mockfix: {message}"),
        });
    }

    fn send(&self, message: Message) {
        // The channel closes only when the client has gone; the loop then ends on its own.
        let _ = self.connection.sender.send(message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_turns_panic_into_error_and_log() {
        let (server_side, client_side) = Connection::memory();
        let mut server = Server {
            connection: &server_side,
            client: ClientSupport::default(),
            encoding: PositionEncoding::Utf16,
            rule_config: RuleConfig::default(),
            rules: RuleSet::builtin(),
            prefilter: Prefilter::new(&RuleSet::default()),
            project_root: PathBuf::new(),
            exclude: GlobSet::empty(),
            rule_paths: Vec::new(),
            editions: EditionLookup::default(),
            generation: 0,
            rule_files_with_errors: BTreeSet::new(),
            documents: HashMap::new(),
            packages: PackageFiles::default(),
            follow_cache: FollowCache::default(),
            next_request_id: 0,
        };

        let outcome = server.handle("test/panics", serde_json::Value::Null, |_, ()| -> () {
            panic!("handler failed on purpose")
        });

        let (code, message) = outcome.unwrap_err();
        assert_eq!(code as i32, ErrorCode::InternalError as i32);
        assert!(message.contains("handler failed on purpose"), "{message}");
        let Ok(Message::Notification(logged)) = client_side.receiver.try_recv() else {
            panic!("the panic was not logged to the client");
        };
        assert_eq!(logged.method, notification::LogMessage::METHOD);
        assert!(logged.params["message"].as_str().unwrap().contains("test/panics"));
    }

    #[test]
    fn handle_rejects_invalid_params() {
        let (server_side, _client_side) = Connection::memory();
        let mut server = Server {
            connection: &server_side,
            client: ClientSupport::default(),
            encoding: PositionEncoding::Utf16,
            rule_config: RuleConfig::default(),
            rules: RuleSet::builtin(),
            prefilter: Prefilter::new(&RuleSet::default()),
            project_root: PathBuf::new(),
            exclude: GlobSet::empty(),
            rule_paths: Vec::new(),
            editions: EditionLookup::default(),
            generation: 0,
            rule_files_with_errors: BTreeSet::new(),
            documents: HashMap::new(),
            packages: PackageFiles::default(),
            follow_cache: FollowCache::default(),
            next_request_id: 0,
        };

        let outcome = server.handle("test/params", serde_json::json!({ "x": 1 }), |_, _: u32| 0);

        let (code, _) = outcome.unwrap_err();
        assert_eq!(code as i32, ErrorCode::InvalidParams as i32);
    }
}

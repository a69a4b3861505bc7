//! `textDocument/codeAction`: a quick fix for each fixable finding at the requested range, and
//! one action that applies every safe fix of the file.
//!
//! A quick fix applies the fix of one double alone, with `fix_source_with` limited to that
//! double and its rule. A fix that needs review is offered too, marked so in its title, and it is
//! never the preferred action. A display-only fix is never offered. The fix-all action applies what `mockfix --apply` would write to
//! the file. Both also change the uses of the fixed doubles in other files of the package, as a
//! command-line run does, and carry all edits as line-granular replacements of the original texts
//! (`edit::diff_edits`).

use line_index::LineIndex;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, DocumentChanges, MessageType, OneOf,
    OptionalVersionedTextDocumentIdentifier, TextDocumentEdit, Uri, WorkspaceEdit,
};

use super::analysis::Analysis;
use super::diagnostics;
use super::follow::UserFile;
use super::position::LineMap;
use super::server::Server;
use crate::edit::TextEdit;
use crate::fix::Applicability;

/// The kind of the quick fix of one finding.
pub const QUICK_FIX_KIND: &str = "quickfix.mockfix";
/// The kind of the action that applies every safe fix of a file.
pub const FIX_ALL_KIND: &str = "source.fixAll.mockfix";

pub fn handle(server: &mut Server, params: CodeActionParams) -> Vec<CodeActionOrCommand> {
    let uri = params.text_document.uri.clone();
    // Not open, not Rust, or not parsed: there is nothing to fix.
    if !server.refresh_analysis(&uri) {
        return Vec::new();
    }
    // The analysis leaves its document while the actions are built, because following the fixes
    // into other files reads the other open documents.
    let Some(document) = server.documents.get_mut(&uri) else {
        return Vec::new();
    };
    let Some((generation, result)) = document.analysis.take() else {
        return Vec::new();
    };
    let mut analysis = match result {
        Ok(analysis) => analysis,
        Err(err) => {
            document.analysis = Some((generation, Err(err)));
            return Vec::new();
        }
    };
    let actions = actions(server, &params, &mut analysis);
    if let Some(document) = server.documents.get_mut(&uri) {
        document.analysis = Some((generation, Ok(analysis)));
    }
    actions
}

fn actions(server: &mut Server, params: &CodeActionParams, analysis: &mut Analysis) -> Vec<CodeActionOrCommand> {
    let uri = &params.text_document.uri;
    let document = &server.documents[uri];
    let (text, line_index, version) = (document.text.clone(), document.line_index.clone(), document.version);
    let map = LineMap::new(&text, &line_index, server.encoding);
    let requested = (map.offset(params.range.start), map.offset(params.range.end));
    let wants = |kind: &str| {
        params
            .context
            .only
            .as_ref()
            .is_none_or(|only| only.iter().any(|requested| kind_matches(kind, requested.as_str())))
    };
    let own_edits = |edits: &[TextEdit]| FileEdits {
        uri: uri.clone(),
        version: Some(version),
        edits: to_lsp_edits(&map, edits),
    };

    let mut actions = Vec::new();
    if wants(QUICK_FIX_KIND) {
        for index in 0..analysis.findings().len() {
            let (name_start, name_end) = analysis.name_range(index);
            let finding = &analysis.findings()[index];
            // A display-only fix is known to leave the double unsynchronized, so only the
            // diagnostic describes it.
            let Some(fix) = finding
                .fix
                .as_ref()
                .filter(|fix| fix.applicability != Applicability::DisplayOnly)
            else {
                continue;
            };
            let diagnostic = diagnostics::for_finding(finding, map.range(name_start, name_end));
            let diagnostic = diagnostics::with_related(diagnostic, analysis.related(index), uri, |start, end| {
                map.range(start, end)
            });
            let touches_range = name_start <= requested.1 && requested.0 <= name_end;
            let in_context = params
                .context
                .diagnostics
                .iter()
                .any(|sent| diagnostics::is_same(sent, &diagnostic));
            if !touches_range && !in_context {
                continue;
            }

            let safe = fix.applicability == Applicability::Safe;
            let title = if safe {
                fix.title.clone()
            } else {
                format!("{} (needs review)", fix.title)
            };
            let Some(edits) = analysis.quick_fix_edits(index, &text, &server.rules) else {
                continue;
            };
            let mut changes = vec![own_edits(edits)];
            if let (Some(origin), Some(double)) = (analysis.origin(), analysis.foreign_double(index)) {
                let followers = server.follower().edits_for_one(origin, &double);
                changes.extend(
                    followers
                        .into_iter()
                        .filter_map(|(user, edits)| user_edits(user, &edits, server)),
                );
            }
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::new(QUICK_FIX_KIND)),
                diagnostics: Some(vec![diagnostic]),
                edit: Some(workspace_edit(changes, server.client.document_changes)),
                is_preferred: Some(safe),
                ..CodeAction::default()
            }));
        }
    }

    if wants(FIX_ALL_KIND) {
        if let Some(edits) = analysis.fix_all_edits(&text) {
            let mut changes = vec![own_edits(edits)];
            if let Some(origin) = analysis.origin() {
                let followers = server.follower().edits_for_all(origin, &analysis.fix_all_doubles());
                changes.extend(
                    followers
                        .into_iter()
                        .filter_map(|(user, edits)| user_edits(user, &edits, server)),
                );
            }
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: "Apply all safe mockfix fixes".to_string(),
                kind: Some(CodeActionKind::new(FIX_ALL_KIND)),
                edit: Some(workspace_edit(changes, server.client.document_changes)),
                ..CodeAction::default()
            }));
        }
    }
    actions
}

/// The edits of one document in a workspace edit.
struct FileEdits {
    uri: Uri,
    /// The version the edits were planned on, when the client has the document open.
    version: Option<i32>,
    edits: Vec<lsp_types::TextEdit>,
}

fn to_lsp_edits(map: &LineMap, edits: &[TextEdit]) -> Vec<lsp_types::TextEdit> {
    edits
        .iter()
        .map(|edit| lsp_types::TextEdit::new(map.range(edit.start, edit.end), edit.replacement.clone()))
        .collect()
}

/// Returns the edits of another file that follow a fix, with positions in that file's text.
fn user_edits(user: UserFile, edits: &[TextEdit], server: &Server) -> Option<FileEdits> {
    let Some(uri) = user.uri() else {
        server.log(
            MessageType::WARNING,
            format!(
                "{}: the path has no file URI, so its uses were not changed",
                user.path.display()
            ),
        );
        return None;
    };
    let index = LineIndex::new(&user.text);
    let map = LineMap::new(&user.text, &index, server.encoding);
    Some(FileEdits {
        uri,
        version: user.open_as.as_ref().map(|(_, version)| *version),
        edits: to_lsp_edits(&map, edits),
    })
}

/// Returns whether an action of `kind` matches the `requested` kind. Code-action kinds are hierarchical,
/// so a request for `quickfix` includes `quickfix.mockfix`.
fn kind_matches(kind: &str, requested: &str) -> bool {
    kind == requested || kind.strip_prefix(requested).is_some_and(|rest| rest.starts_with('.'))
}

/// Edits of each document, versioned when the client accepts `documentChanges`, so that it can
/// reject them for a newer version of the text.
// `Uri` hashes and compares its text, which never changes. The lint reacts to its inner cells.
#[allow(clippy::mutable_key_type)]
fn workspace_edit(changes: Vec<FileEdits>, document_changes: bool) -> WorkspaceEdit {
    if !document_changes {
        let by_uri = changes.into_iter().map(|change| (change.uri, change.edits)).collect();
        return WorkspaceEdit {
            changes: Some(by_uri),
            ..WorkspaceEdit::default()
        };
    }
    let document_edits = changes
        .into_iter()
        .map(|change| TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: change.uri,
                version: change.version,
            },
            edits: change.edits.into_iter().map(OneOf::Left).collect(),
        })
        .collect();
    WorkspaceEdit {
        document_changes: Some(DocumentChanges::Edits(document_edits)),
        ..WorkspaceEdit::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_matches_parent_kinds_only() {
        assert!(kind_matches(QUICK_FIX_KIND, "quickfix"));
        assert!(kind_matches(QUICK_FIX_KIND, QUICK_FIX_KIND));
        assert!(kind_matches(FIX_ALL_KIND, "source"));
        assert!(kind_matches(FIX_ALL_KIND, "source.fixAll"));
        assert!(!kind_matches(FIX_ALL_KIND, "source.fix"));
        assert!(!kind_matches(QUICK_FIX_KIND, "refactor"));
    }
}

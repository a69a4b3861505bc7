//! `textDocument/codeAction`: a quick fix for each fixable finding at the requested range, and
//! one action that applies every safe fix of the file.
//!
//! A quick fix applies the fix of one double alone, with `fix_source_with` limited to that
//! double and its rule. A fix that needs review is offered too, marked so in its title, and it is
//! never the preferred action. The fix-all action applies what `mockfix --apply` would write to
//! the file. Both carry their edits as line-granular replacements of the original text
//! (`edit::diff_edits`).

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, DocumentChanges, OneOf,
    OptionalVersionedTextDocumentIdentifier, TextDocumentEdit, Uri, WorkspaceEdit,
};

use super::diagnostics;
use super::position::LineMap;
use super::server::Server;
use crate::edit::TextEdit;
use crate::fix::Applicability;

/// The kind of the quick fix of one finding.
pub const QUICK_FIX_KIND: &str = "quickfix.mockfix";
/// The kind of the action that applies every safe fix of a file.
pub const FIX_ALL_KIND: &str = "source.fixAll.mockfix";

pub fn handle(server: &mut Server, params: CodeActionParams) -> Vec<CodeActionOrCommand> {
    let uri = params.text_document.uri;
    // Not open, not Rust, or not parsed: there is nothing to fix.
    if !server.refresh_analysis(&uri) {
        return Vec::new();
    }
    let encoding = server.encoding;
    let document_changes = server.client.document_changes;
    let rules = &server.rules;
    let Some(document) = server.documents.get_mut(&uri) else {
        return Vec::new();
    };
    let Some((_, Ok(analysis))) = &mut document.analysis else {
        return Vec::new();
    };
    let map = LineMap::new(&document.text, &document.line_index, encoding);
    let requested = (map.offset(params.range.start), map.offset(params.range.end));
    let wants = |kind: &str| {
        params
            .context
            .only
            .as_ref()
            .is_none_or(|only| only.iter().any(|requested| kind_matches(kind, requested.as_str())))
    };
    let edit_for = |edits: &[TextEdit]| {
        let text_edits = edits
            .iter()
            .map(|edit| lsp_types::TextEdit::new(map.range(edit.start, edit.end), edit.replacement.clone()))
            .collect();
        workspace_edit(&uri, document.version, text_edits, document_changes)
    };

    let mut actions = Vec::new();
    if wants(QUICK_FIX_KIND) {
        for index in 0..analysis.findings().len() {
            let (name_start, name_end) = analysis.name_range(index);
            let finding = &analysis.findings()[index];
            let Some(fix) = &finding.fix else { continue };
            let diagnostic = diagnostics::for_finding(finding, map.range(name_start, name_end));
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
            let Some(edits) = analysis.quick_fix_edits(index, &document.text, rules) else {
                continue;
            };
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::new(QUICK_FIX_KIND)),
                diagnostics: Some(vec![diagnostic]),
                edit: Some(edit_for(edits)),
                is_preferred: Some(safe),
                ..CodeAction::default()
            }));
        }
    }

    if wants(FIX_ALL_KIND) {
        if let Some(edits) = analysis.fix_all_edits(&document.text) {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: "Apply all safe mockfix fixes".to_string(),
                kind: Some(CodeActionKind::new(FIX_ALL_KIND)),
                edit: Some(edit_for(edits)),
                ..CodeAction::default()
            }));
        }
    }
    actions
}

/// Whether an action of `kind` matches the `requested` kind. Code-action kinds are hierarchical,
/// so a request for `quickfix` includes `quickfix.mockfix`.
fn kind_matches(kind: &str, requested: &str) -> bool {
    kind == requested || kind.strip_prefix(requested).is_some_and(|rest| rest.starts_with('.'))
}

/// Edits of one document, versioned when the client accepts `documentChanges`, so that it can
/// reject them for a newer version of the text.
fn workspace_edit(uri: &Uri, version: i32, edits: Vec<lsp_types::TextEdit>, document_changes: bool) -> WorkspaceEdit {
    if !document_changes {
        return WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        };
    }
    let document_edit = TextDocumentEdit {
        text_document: OptionalVersionedTextDocumentIdentifier {
            uri: uri.clone(),
            version: Some(version),
        },
        edits: edits.into_iter().map(OneOf::Left).collect(),
    };
    WorkspaceEdit {
        document_changes: Some(DocumentChanges::Edits(vec![document_edit])),
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

//! The language server, `mockfix lsp`: the findings as editor diagnostics and the fixes as code
//! actions, over the Language Server Protocol on stdin and stdout.
//!
//! It is one more renderer of the pipeline. Each open document goes through the same steps as a
//! file of a command-line run (prefilter, `fix_source`, the check of uses in other files), with
//! the rules a run would load, and the results are turned into LSP types:
//!
//! - `server`: the session state and the loop that sends each message to its handler.
//! - `initialize`: capabilities and the position encoding, UTF-16 or UTF-8.
//! - `text_sync`, `watched_files`: notifications that change documents, rules or files on disk.
//! - `analysis`, `document`: the cached analysis of each open document version.
//! - `follow`: the uses of a document's doubles in other files, which change with their fixes.
//! - `diagnostics`, `code_action`: findings as diagnostics, and fixes as code actions.
//! - `position`, `uri`, `rules`: conversions and the rule settings of the client.

mod analysis;
mod code_action;
mod diagnostics;
mod document;
mod follow;
mod initialize;
mod position;
mod rules;
mod server;
mod text_sync;
mod uri;
mod watched_files;

use lsp_server::{Connection, ProtocolError};

pub use code_action::{FIX_ALL_KIND, QUICK_FIX_KIND};
pub use server::serve;

/// Why a session ended other than by `shutdown` and `exit`.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtocolError),
    #[error("the client sent `exit` without `shutdown` first")]
    ExitWithoutShutdown,
    #[error("the client closed the connection without `shutdown` and `exit`")]
    Disconnected,
    #[error("the stdin or stdout thread failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs the server on stdin and stdout until the client sends `exit`.
pub fn run_stdio() -> Result<(), ServerError> {
    let (connection, io_threads) = Connection::stdio();
    let result = serve(&connection);
    // The writer thread ends when the last sender is gone, so the connection must be dropped
    // before the join, or the process would hang after `exit`.
    drop(connection);
    match result {
        // The reader thread may still wait on stdin after a protocol error; do not join it.
        Err(err @ ServerError::Protocol(_)) => Err(err),
        result => {
            io_threads.join()?;
            result
        }
    }
}

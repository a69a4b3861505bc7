//! Output renderers. Each turns a file's original and fixed text into what the user reads.

pub mod diff;

//! Output renderers. Each turns the outcome of a run into what the user or a tool reads: unified
//! diffs, or, built from `report`, JSON, SARIF or GitHub Actions annotations.

pub mod diff;
pub mod github;
pub mod json;
pub mod report;
pub mod sarif;

//! Subcommands other than the check run, one module each. Each returns the process exit status.

pub mod config;
pub mod new_rule;
pub mod rules;
pub mod shell;
pub mod test;

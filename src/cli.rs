//! Command-line flags.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

const AFTER_HELP: &str = "\
Exit codes:
  0  nothing to fix, or every fix was applied
  1  fixes or findings pending: a dry run found something, or --apply left findings it could not fix
  2  an error: an invalid rule file, a missing path, a file that could not be read, a syntax error,
     a file that --apply could not write, or a change that --verify undid";

/// Find test doubles whose shared state is not synchronized and rewrite them to be thread-safe.
#[derive(Debug, Parser)]
#[command(name = "mockfix", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Files or folders to check; folders are walked, honoring .gitignore and skipping target/
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Print the fixes as unified diffs on stdout and write nothing (the default)
    #[arg(long, conflicts_with = "apply")]
    pub dry_run: bool,

    /// Write the fixes to the files
    #[arg(long)]
    pub apply: bool,

    /// Also apply fixes marked "needs review"
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// With --apply, write files that have uncommitted changes
    #[arg(long, requires = "apply")]
    pub allow_dirty: bool,

    /// With --apply, write files that are not in a git repository
    #[arg(long, requires = "apply")]
    pub allow_no_vcs: bool,

    /// With --apply, run `cargo check` on the changed packages before and after writing, finish
    /// fixes that the compiler's errors show how to finish, and restore every file if a new error remains
    #[arg(long, requires = "apply")]
    pub verify: bool,

    /// Add a rule file, or a folder of *.toml rule files; a rule with the id of a built-in replaces it
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,

    /// Do not use the built-in rules
    #[arg(long)]
    pub no_default_rules: bool,

    /// When to color the diff: auto colors it on a terminal unless NO_COLOR is set
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Log why files, structs and methods were skipped, on stderr
    #[arg(long)]
    pub debug: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    pub fn choice(self) -> anstream::ColorChoice {
        match self {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        }
    }
}

//! Command-line flags and subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Fixes:
  safe          in the diff on stdout, and written by --apply
  needs-review  in the diff and written only with --unsafe-fixes, after a \"# mockfix:\" line;
                otherwise shown on stderr next to its finding
  display-only  known to leave the double unsynchronized: shown on stderr, never written

Exit codes:
  0  nothing to fix, or every fix was applied
  1  fixes or findings pending: a dry run found something, display-only fixes included, or --apply
     left findings it could not fix
  2  an error: an invalid rule file, a missing path, a file that could not be read, a syntax error,
     files with uncommitted changes or outside git that --apply would not write,
     a file that --apply could not write, or a change that --verify undid";

/// Find test doubles whose shared state is not synchronized and rewrite them to be thread-safe.
#[derive(Debug, Parser)]
#[command(name = "mockfix", version, after_help = AFTER_HELP, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Files or folders to check; folders are walked, honoring .gitignore and skipping target/
    /// [default: the Cargo workspace root, else the package root, else .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Print the fixes as unified diffs on stdout and write nothing (the default). Fixes that
    /// would not be written are shown next to their findings on stderr
    #[arg(long, conflicts_with = "apply")]
    pub dry_run: bool,

    /// Write the fixes to the files
    #[arg(long)]
    pub apply: bool,

    /// Also apply fixes marked "needs review". Display-only fixes are never applied
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// With --apply, write files that have uncommitted changes
    #[arg(long, requires = "apply", conflicts_with = "dry_run")]
    pub allow_dirty: bool,

    /// With --apply, write files that are not in a git repository
    #[arg(long, requires = "apply", conflicts_with = "dry_run")]
    pub allow_no_vcs: bool,

    /// With --apply, run `cargo check` on the changed packages before and after writing, finish
    /// fixes that the compiler's errors show how to finish, and restore every file if a new error remains
    #[arg(long, requires = "apply", conflicts_with = "dry_run")]
    pub verify: bool,

    /// The output on stdout: unified diffs, one JSON document, SARIF 2.1.0, or GitHub Actions
    /// annotations
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = OutputFormat::Diff)]
    pub format: OutputFormat,

    #[command(flatten)]
    pub settings: SettingsArgs,

    /// When to color diffs: auto colors those on stdout and those in the report on stderr when
    /// that stream is a terminal, unless NO_COLOR is set
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Do not show the progress bar, which otherwise appears on stderr when a run lasts more than
    /// a second and stderr is a terminal
    #[arg(long)]
    pub quiet: bool,

    /// Log why files, structs and methods were skipped, on stderr
    #[arg(long, global = true)]
    pub debug: bool,
}

/// Flags that choose the rules and the files, shared by the check run and the subcommands that
/// show the configuration.
#[derive(Debug, Clone, Default, Args)]
pub struct SettingsArgs {
    /// Add a rule file, or a folder of *.toml rule files; a rule with the id of a built-in replaces it
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,

    /// Do not use the built-in rules
    #[arg(long)]
    pub no_default_rules: bool,

    /// Run only these rules (comma-separated ids or repeated)
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Do not run these rules (comma-separated ids or repeated)
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Skip files whose path relative to the project root matches this glob, such as "src/**"
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Read this configuration file in place of the mockfix.toml found at the repository root
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the effective configuration and where each value came from
    Config(SettingsArgs),
    /// List the rules: id, summary, strategy and whether each is enabled
    Rules(SettingsArgs),
    /// Print a rule's description and example
    Explain {
        /// The rule id, such as refcell-in-shared-double
        rule: String,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Run the [[test]] cases of rule files
    Test {
        /// A rule file or a folder of *.toml rule files [default: the built-in rules]
        #[arg(value_name = "RULES_PATH")]
        rules_path: Option<PathBuf>,
        /// Write each failing case's actual output into its rule file as the expected output
        #[arg(long, requires = "rules_path")]
        update: bool,
    },
    /// Write a commented skeleton of a new rule file, NAME.toml
    NewRule {
        /// The rule id: lowercase words joined by -, naming the bad pattern
        name: String,
        /// The folder to write the rule file in
        #[arg(long, value_name = "DIR", default_value = ".")]
        dir: PathBuf,
    },
    /// Print a shell completion script
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page in roff format
    Man,
    /// Run the language server on stdin and stdout, for editors
    Lsp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Diff,
    Json,
    Sarif,
    Github,
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

impl SettingsArgs {
    pub fn command_line_settings(&self) -> crate::config::project::CommandLineSettings {
        crate::config::project::CommandLineSettings {
            rules: self.rules.clone(),
            no_default_rules: self.no_default_rules,
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            exclude: self.exclude.clone(),
            config: self.config.clone(),
        }
    }
}

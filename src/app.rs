//! The command line as a whole: parse flags, set up logging, and hand each subcommand to its
//! module, or run the check when there is none. Both binaries, `mockfix` and `cargo-mockfix`,
//! call `cli_main`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, SettingsArgs};
use crate::commands;
use crate::config::project::{ProjectSettings, SettingsError};
use crate::config::RuleSet;
use crate::run::{run, ExitStatus, Mode, RunOptions};
use crate::FixPolicy;

/// Runs mockfix with the command-line arguments `args`, the first being the program name, and
/// returns the exit code.
pub fn cli_main<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = Cli::parse_from(args);
    init_logging(cli.debug);
    let status = match cli.command {
        None => check(&cli),
        Some(Command::Config(ref settings)) => commands::config::run(settings),
        Some(Command::Rules(ref settings)) => commands::rules::list(settings),
        Some(Command::Explain { ref rule, ref settings }) => commands::rules::explain(rule, settings),
        Some(Command::Test { ref rules_path, update }) => commands::test::run(rules_path.as_deref(), update),
        Some(Command::NewRule { ref name, ref dir }) => commands::new_rule::run(name, dir),
        Some(Command::Completions { shell }) => commands::shell::completions(shell),
        Some(Command::Man) => commands::shell::man(),
        Some(Command::Lsp) => return run_language_server(),
    };
    ExitCode::from(status as u8)
}

/// Runs `mockfix lsp`. Its exit code follows the Language Server Protocol, not `ExitStatus`: 0
/// after `shutdown` and `exit`, 1 when the session ended any other way.
fn run_language_server() -> ExitCode {
    match crate::lsp::run_stdio() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mockfix: language server stopped: {err}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(debug: bool) {
    let level = if debug {
        log::LevelFilter::Debug
    } else {
        log::LevelFilter::Warn
    };
    let logger = env_logger::Builder::new()
        .filter_level(log::LevelFilter::Warn)
        .filter_module("mockfix", level)
        .format(|out, record| {
            use std::io::Write;
            writeln!(out, "mockfix: {}", record.args())
        })
        .build();
    let max_level = logger.filter();
    if log::set_boxed_logger(Box::new(AroundProgress(logger))).is_ok() {
        log::set_max_level(max_level);
    }
}

/// Writes log lines with the progress bar hidden, so that the bar does not draw over them.
struct AroundProgress(env_logger::Logger);

impl log::Log for AroundProgress {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        self.0.enabled(metadata)
    }

    fn log(&self, record: &log::Record) {
        if self.0.matches(record) {
            crate::progress::suspend_for(|| self.0.log(record));
        }
    }

    fn flush(&self) {
        self.0.flush();
    }
}

/// Loads the project settings and rules from `settings` and the configuration files. On error,
/// reports the errors on stderr and returns the exit status.
pub(crate) fn load_settings(settings: &SettingsArgs) -> Result<(ProjectSettings, RuleSet), ExitStatus> {
    let current_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let project = ProjectSettings::discover(&current_dir, &settings.command_line_settings()).map_err(|errors| {
        for err in errors {
            eprintln!("mockfix: invalid configuration: {err}");
        }
        eprintln!("mockfix: fix the configuration above; nothing was checked");
        ExitStatus::Error
    })?;
    let rules = project.rule_set().map_err(|err| {
        match err {
            SettingsError::Rules(errors) => {
                for err in errors {
                    eprintln!("mockfix: invalid rule: {err}");
                }
                eprintln!("mockfix: fix the rule files above; nothing was checked");
            }
            SettingsError::Config(errors) => {
                for err in errors {
                    eprintln!("mockfix: invalid configuration: {err}");
                }
                eprintln!("mockfix: fix the configuration above; nothing was checked");
            }
        }
        ExitStatus::Error
    })?;
    Ok((project, rules))
}

/// Runs the check: `mockfix [OPTIONS] [PATH]...`.
fn check(cli: &Cli) -> ExitStatus {
    let (project, rules) = match load_settings(&cli.settings) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    if rules.enabled().next().is_none() {
        eprintln!("mockfix: no rules are enabled; drop --no-default-rules or --ignore, or pass --rules PATH");
        return ExitStatus::Error;
    }
    let exclude = match project.exclude_set() {
        Ok(exclude) => exclude,
        Err(err) => {
            eprintln!("mockfix: invalid configuration: {err}");
            return ExitStatus::Error;
        }
    };

    let paths = if cli.paths.is_empty() {
        log::debug!("no PATH given: checking {}", project.root.display());
        vec![default_path(&project.root)]
    } else {
        cli.paths.clone()
    };
    let options = RunOptions {
        paths,
        mode: if cli.apply { Mode::Apply } else { Mode::DryRun },
        policy: FixPolicy {
            include_needs_review: cli.unsafe_fixes,
        },
        allow_dirty: cli.allow_dirty,
        allow_no_vcs: cli.allow_no_vcs,
        verify: cli.verify,
        color: cli.color.choice(),
        format: cli.format,
        root: project.root.clone(),
        exclude,
        // Log lines would be drawn over by the bar.
        progress: !cli.quiet && !cli.debug,
    };
    run(&options, &rules)
}

/// Returns the walk root for the project root: `.` when it is the current folder, so that
/// messages about the walk show short paths.
fn default_path(root: &Path) -> PathBuf {
    let current_dir = std::env::current_dir().map(|dir| crate::workspace::absolute(&dir));
    match current_dir {
        Ok(dir) if dir == root => PathBuf::from("."),
        _ => root.to_path_buf(),
    }
}

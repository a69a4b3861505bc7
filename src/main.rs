//! The `mockfix` command: parse flags, load rules, run, and turn the result into an exit code.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use mockfix::config::RuleSet;
use mockfix::run::{run, ExitStatus, Mode, RunOptions};
use mockfix::FixPolicy;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let level = if cli.debug {
        log::LevelFilter::Debug
    } else {
        log::LevelFilter::Warn
    };
    env_logger::Builder::new()
        .filter_level(level)
        .format(|out, record| {
            use std::io::Write;
            writeln!(out, "mockfix: {}", record.args())
        })
        .init();

    let rules = match RuleSet::load(&cli.rules, cli.no_default_rules) {
        Ok(rules) => rules,
        Err(errors) => {
            for err in errors {
                eprintln!("mockfix: invalid rule: {err}");
            }
            eprintln!("mockfix: fix the rule files above; nothing was checked");
            return ExitCode::from(ExitStatus::Error as u8);
        }
    };
    if rules.enabled().next().is_none() {
        eprintln!("mockfix: no rules are enabled; drop --no-default-rules or pass --rules PATH");
        return ExitCode::from(ExitStatus::Error as u8);
    }

    let options = RunOptions {
        paths: cli.paths,
        mode: if cli.apply { Mode::Apply } else { Mode::DryRun },
        policy: FixPolicy {
            include_needs_review: cli.unsafe_fixes,
        },
        allow_dirty: cli.allow_dirty,
        allow_no_vcs: cli.allow_no_vcs,
        verify: cli.verify,
        color: cli.color.choice(),
    };
    ExitCode::from(run(&options, &rules) as u8)
}

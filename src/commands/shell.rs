//! `mockfix completions SHELL` and `mockfix man`: files generated from the command-line
//! definition, so they always match the flags.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::run::ExitStatus;

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> ExitStatus {
    let mut command = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut command, "mockfix", &mut out);
    finish(out.flush())
}

/// Prints the man page, in roff, on stdout.
pub fn man() -> ExitStatus {
    let mut out = std::io::stdout().lock();
    let written = clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .and_then(|()| out.flush());
    finish(written)
}

fn finish(written: std::io::Result<()>) -> ExitStatus {
    match written {
        Ok(()) => ExitStatus::Clean,
        // A reader that stops early, such as `| head`, is not an error worth reporting.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Clean,
        Err(err) => {
            eprintln!("mockfix: cannot write to stdout: {err}");
            ExitStatus::Error
        }
    }
}

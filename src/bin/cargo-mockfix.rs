//! The `cargo mockfix` command. Cargo runs `cargo-mockfix mockfix ARGS...`, so the subcommand name
//! that cargo repeats is dropped before the arguments reach the shared `cli_main`.

use std::ffi::OsString;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let _program = args.next();
    let mut rest: Vec<OsString> = args.collect();
    if rest.first().is_some_and(|first| first == "mockfix") {
        rest.remove(0);
    }
    // Help and errors then name the command as it is typed.
    let program = OsString::from("cargo mockfix");
    mockfix::cli_main(std::iter::once(program).chain(rest))
}

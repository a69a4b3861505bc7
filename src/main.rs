//! The `mockfix` command. Everything it does is in the library's `cli_main`, which the
//! `cargo-mockfix` binary shares.

use std::process::ExitCode;

fn main() -> ExitCode {
    mockfix::cli_main(std::env::args_os())
}

//! `cargo-tune` binary: parse the command line, run, report errors cargo-style.

use std::process::ExitCode;

use cargo_tune::api::cli;
use cargo_tune::api::commands::SilentExit;
use cargo_tune::api::commands::UsageError;
use cargo_tune::api::process::{Interrupted, install_interrupt_handler};
use cargo_tune::api::ui::{Shell, Verbosity};

fn main() -> ExitCode {
    // A workload launcher (see `process::trampoline`) must do nothing else first: every page it
    // touches before forking the workload counts toward that workload's peak memory.
    cargo_tune::api::process::run_if_requested();
    cargo_tune::api::process::measure_through("/proc/self/exe");
    // rustc runs this binary as its linker, under another name, to record the link.
    if let Some(code) = cargo_tune::api::link::wrapper_main() {
        return code;
    }
    let cli = cli::parse_from(std::env::args_os());
    install_interrupt_handler();
    // Errors are shown even with --quiet, in the colours the user asked for.
    let shell = Shell::new(Verbosity::Normal, cli.output.color);
    match cargo_tune::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(SilentExit(code)) = e.downcast_ref() {
                return ExitCode::from(*code as u8);
            }
            if e.downcast_ref::<UsageError>().is_some() {
                shell.error(format!("{e:#}"));
                return ExitCode::from(2);
            }
            if e.downcast_ref::<Interrupted>().is_some() {
                eprintln!("interrupted: stopped all child processes; your files are unchanged");
                return ExitCode::from(130);
            }
            shell.error(format!("{e:#}"));
            ExitCode::FAILURE
        }
    }
}

//! `cargo-tune` binary: parse the command line, run, report errors cargo-style.

use std::io::IsTerminal;
use std::process::ExitCode;

use cargo_tune::process::{Interrupted, install_interrupt_handler};
use cargo_tune::{SilentExit, cli};

fn main() -> ExitCode {
    let cli = cli::parse_from(std::env::args_os());
    install_interrupt_handler();
    let color = cli.output.color;
    match cargo_tune::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(SilentExit(code)) = e.downcast_ref() {
                return ExitCode::from(*code as u8);
            }
            if e.downcast_ref::<Interrupted>().is_some() {
                eprintln!("interrupted: stopped all child processes; your files are unchanged");
                return ExitCode::from(130);
            }
            let paint = match color {
                cargo_tune::ui::ColorChoice::Always => true,
                cargo_tune::ui::ColorChoice::Never => false,
                cargo_tune::ui::ColorChoice::Auto => {
                    std::io::stderr().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            eprintln!(
                "{} {e:#}",
                cargo_tune::ui::paint(paint, cargo_tune::ui::RED, "error:")
            );
            ExitCode::FAILURE
        }
    }
}

//! cargo-tune: build variants of a Rust binary, run the user's workload against each,
//! measure them side by side, and write the best configuration into Cargo.toml.
//!
//! The pipeline flows one way (`docs/architecture.md` draws the module map):
//! `cli` → `commands` → (`search` → `session` →) `bolt`/`pgo` → `cargo` → `workload` → `measure` →
//! `run` (the saved model) → `report` (its views); only `manifest` writes user files.
//! `tests/integration/architecture.rs` checks that no module, down to single files, imports one
//! that imports it back, and that every item has one import path.

pub mod bolt;
pub mod cargo;
pub mod check;
pub mod ci;
pub mod cli;
pub mod commands;
pub mod explain;
pub mod link;
pub mod lints;
pub mod manifest;
pub mod measure;
pub mod pgo;
pub mod platform;
pub mod presets;
pub mod process;
pub mod report;
pub mod run;
pub mod search;
pub mod session;
pub mod size;
pub mod spec;
pub mod toml_file;
pub mod toolchain;
pub mod tune_config;
pub mod ui;
pub mod variant;
pub mod workload;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::commands::Ctx;
use crate::ui::Shell;

/// The whole parser's definition, for the commands that generate text from it (completions,
/// manual pages) without importing `cli` from below it.
fn cli_definition() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx {
        shell: Shell::new(cli.output.verbosity(), cli.output.color),
        cargo: cli.cargo.into(),
    };
    // Commands that build or measure refuse a platform where their figures would be wrong.
    if matches!(
        cli.command,
        Command::Auto(_)
            | Command::Compare(_)
            | Command::Pgo(_)
            | Command::Build(_)
            | Command::Load(_)
            | Command::Check(_)
            | Command::Explain(_)
    ) {
        platform::check()?;
    }
    match &cli.command {
        Command::Auto(a) => commands::auto::run(&ctx, a),
        Command::Compare(a) => commands::compare::run(&ctx, a),
        Command::Pgo(a) => commands::pgo::run(&ctx, a),
        Command::Bolt(a) => commands::bolt::run(&ctx, a),
        Command::Build(a) => commands::build::run(&ctx, a),
        Command::Profile(a) => commands::profile::run(&ctx, a),
        Command::Report(a) => commands::report::run(&ctx, a),
        Command::Size(a) => commands::size::run(&ctx, a),
        Command::Doctor(a) => commands::doctor::run(&ctx, a),
        Command::Clean(a) => commands::clean::run(&ctx, a),
        Command::Load(a) => commands::load::run(&ctx, a),
        Command::Check(a) => commands::check::run(&ctx, a),
        Command::Explain(a) => commands::explain::run(&ctx, a),
        Command::Ci(a) => commands::ci::run(&ctx, a),
        Command::Completions(a) => commands::completions::run(&ctx, a, cli_definition()),
        Command::Man(a) => commands::man::run(&ctx, a, cli_definition()),
    }
}

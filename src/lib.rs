//! cargo-tune: build variants of a Rust binary, run the user's workload against each,
//! measure them side by side, and write the best configuration into Cargo.toml.
//!
//! The pipeline flows one way (`docs/architecture.md` draws the module map):
//! `cli` → `commands` → (`search` → `session` →) `bolt`/`pgo` → `cargo` → `workload` → `measure` →
//! `run` (the saved model) → `report` (its views); only `manifest` writes user files.
//! `tests/integration/architecture.rs` checks that no module, down to single files, imports one
//! that imports it back, and that every item has one import path.

#![warn(unreachable_pub)]

mod bolt;
mod cargo;
mod check;
mod ci;
mod cli;
mod commands;
mod explain;
mod link;
mod lints;
mod manifest;
mod measure;
mod pgo;
mod platform;
mod presets;
mod process;
mod report;
mod run;
mod search;
mod session;
mod size;
mod spec;
mod toml_file;
mod toolchain;
mod tune_config;
mod ui;
mod variant;
mod workload;

use anyhow::Result;

/// The library's public face: what the binary and the integration tests use, one module per
/// concern. Everything else is crate-private (`unreachable_pub` keeps it so); inside the crate
/// each item has one path, `crate::<module>::…`, and from outside one, `cargo_tune::api::…`.
pub mod api {
    /// The command line.
    pub mod cli {
        pub use crate::cli::{Cli, parse_from};
    }
    /// How a command ends without an ordinary error.
    pub mod commands {
        pub use crate::commands::{SilentExit, UsageError};
    }
    /// Child processes: interrupts, the workload launcher, how a run ended.
    pub mod process {
        pub use crate::process::{
            Ended, Interrupted, install_interrupt_handler, measure_through, run_if_requested,
        };
    }
    /// Terminal output.
    pub mod ui {
        pub use crate::ui::{Shell, Verbosity, format_bytes};
    }
    /// Recording and replaying the final link; code layouts.
    pub mod link {
        pub use crate::link::capture::{find, wrapper_main};
        pub use crate::link::layouts::{LayoutMode, make, sha256};
    }
    /// Running one workload.
    pub mod workload {
        pub use crate::workload::cachegrind::{Count, read_counts, wrapper_args};
        pub use crate::workload::{CommandRun, Outcome, RunOptions, ServiceRun, one_off, run_once};
    }
    /// `[package.metadata.tune]` as written.
    pub mod tune_config {
        pub use crate::tune_config::{Dur, LoadConfig, WeightedUrl, WorkloadConfig, config_tables};
    }
    /// Finding rustc's LLVM tools.
    pub mod toolchain {
        pub use crate::toolchain::{LlvmTool, override_var};
    }
    /// The measurement loop.
    pub mod measure {
        pub use crate::measure::{
            CommandSample, Executor, NoProgress, Placement, Sample, Settings, WorkloadKind, measure,
        };
    }
    /// The saved run.
    pub mod run {
        pub use crate::run::host::{HostInfo, ProjectInfo};
        pub use crate::run::store::save;
        pub use crate::run::{BuildInfo, Run, RunCommand, VariantResult, WorkloadInfo};
    }
    /// Variants and their spec grammar.
    pub mod variant {
        pub use crate::spec::apply_pairs;
        pub use crate::variant::Variant;
    }
    /// Binary images (sections, symbols).
    pub mod size {
        pub use crate::size::Image;
    }
}

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

//! `cargo tune auto`'s command line.

use std::time::Duration;

use clap::Args;

use crate::commands::options::{ExportArgs, SessionArgs, parse_percent};
use crate::tune_config::{CompileCap, Goal, parse_budget, parse_compile_cap};

#[derive(Debug, Args)]
pub struct AutoArgs {
    /// What to optimise for [default: `goal` in [package.metadata.tune], else speed]
    #[arg(long, value_enum)]
    pub goal: Option<Goal>,
    /// Wall-clock budget for the search and the final measurement (e.g. 20m) [default: `budget`, else 20m]
    // Hyphen values reach the parser, so `-5m` gets a real message, not clap's "pass '-5'" tip.
    #[arg(long, value_name = "DURATION", value_parser = parse_budget, allow_hyphen_values = true)]
    pub budget: Option<Duration>,
    /// Reject configurations that compile longer than this: a factor of the baseline (3x) or a duration (5m)
    #[arg(long, value_name = "CAP", value_parser = parse_compile_cap)]
    pub max_compile_time: Option<CompileCap>,
    /// Size goal: how much slower than the baseline the pick may be [default: the noise threshold]
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub allow_slowdown: Option<f64>,
    /// Write the winner as [profile.NAME] (and its rustflags into .cargo/config.toml), diff first
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "tuned")]
    pub apply: Option<String>,
    /// With --apply: overwrite an existing, different profile of that name, or a read-only
    /// Cargo.toml (keeping its mode)
    #[arg(long, requires = "apply")]
    pub force: bool,
    /// Leave PGO out of the search
    #[arg(long)]
    pub no_pgo: bool,
    /// Leave BOLT out of the search (speed goal)
    #[arg(long)]
    pub no_bolt: bool,
    /// Also try target-cpu=native (the binary then needs a CPU like this machine's)
    #[arg(long)]
    pub native: bool,
    /// Judge every profile-guided figure in-sample, without held-out folds [default with
    /// several training workloads: folds of the final run's PGO variants; --held-out: of every
    /// PGO candidate]
    #[arg(long, conflicts_with = "held_out")]
    pub no_held_out: bool,
    /// JSON holds everything (the path, the Pareto front, every sample); HTML the search path and
    /// the trade-off chart too
    #[command(flatten)]
    pub export: ExportArgs,
    #[command(flatten)]
    pub session: SessionArgs,
    /// Run the binary with these arguments as the (only) workload
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

//! Command-line interface: `cargo tune <command>` with cargo-shaped global options.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands;
use crate::ui::{ColorChoice, Verbosity};

#[derive(Debug, Parser)]
#[command(
    name = "cargo-tune",
    bin_name = "cargo tune",
    version,
    about = "Make Rust release binaries faster and smaller, by measurement",
    long_about = "Builds variants of your binary (profile settings, target-cpu, PGO), runs your own \
                  workload against each, measures them side by side and writes the best one into Cargo.toml.",
    after_help = "Workloads, goal and budget live in Cargo.toml under [package.metadata.tune]. \
                  Start with `cargo tune doctor`, then `cargo tune auto`."
)]
pub struct Cli {
    #[command(flatten)]
    pub cargo: CargoArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find the best build for your goal by measurement, and optionally apply it. The last
    /// line of stdout is the winning binary's path, for scripts (as `build`, `pgo` and `bolt`).
    Auto(commands::auto::AutoArgs),
    /// Build variants and measure them side by side on your workload.
    Compare(commands::compare::CompareArgs),
    /// Profile-guided optimization: instrument, run workloads, merge, optimize.
    Pgo(commands::pgo::PgoArgs),
    /// BOLT post-link optimization: instrument, run workloads, merge, optimize (alone or on PGO).
    Bolt(commands::bolt::BoltArgs),
    /// Build one variant of the binary and print its path.
    Build(commands::build::BuildArgs),
    /// List, show, diff and apply profile presets.
    Profile(commands::profile::ProfileArgs),
    /// Where the bytes go: per-crate and per-function size, features, and the change between two variants.
    Size(commands::size::SizeArgs),
    /// Where a change in cost comes from: per function and per crate, counted by cachegrind on
    /// two builds (e.g. `--variants release,production+pgo`).
    Explain(commands::explain::ExplainArgs),
    /// Is this change slower or bigger? The base revision against the working tree, same build
    /// (exit 0 no regression, 1 regression, 2 error)
    Check(commands::check::CheckArgs),
    /// Write the GitHub Actions workflow (PGO release builds, a PR performance gate) and check it
    Ci(commands::ci::CiArgs),
    /// Re-render a saved comparison without measuring again.
    Report(commands::report::ReportArgs),
    /// Check the toolchain, the LLVM tools and the project's configuration.
    Doctor(commands::doctor::DoctorArgs),
    /// Remove cargo-tune's builds and PGO data (<target-dir>/tune), keeping saved results.
    Clean(commands::clean::CleanArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(commands::completions::CompletionsArgs),
    /// Print the manual page (roff), or write one per subcommand with --dir.
    Man(commands::man::ManArgs),
    /// Drive HTTP load at a URL and print requests/s and latency (a small wrk).
    #[command(hide = true)]
    Load(commands::load::LoadArgs),
}

/// Options shaped like cargo's own, accepted before or after the subcommand.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Cargo options")]
pub struct CargoArgs {
    /// Path to Cargo.toml
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Package with the binary to tune
    #[arg(short = 'p', long = "package", global = true, value_name = "SPEC")]
    pub package: Option<String>,
    /// Binary to tune (default: the package's only binary)
    #[arg(long, global = true, value_name = "NAME")]
    pub bin: Option<String>,
    /// Space or comma separated list of features to activate
    #[arg(short = 'F', long, global = true, value_name = "FEATURES")]
    pub features: Vec<String>,
    /// Activate all available features
    #[arg(long, global = true)]
    pub all_features: bool,
    /// Do not activate the `default` feature
    #[arg(long, global = true)]
    pub no_default_features: bool,
    /// Build for the target triple (default: the host)
    #[arg(long, global = true, value_name = "TRIPLE")]
    pub target: Option<String>,
    /// Directory for all generated artifacts
    #[arg(
        long,
        global = true,
        env = "CARGO_TARGET_DIR",
        value_name = "DIRECTORY"
    )]
    pub target_dir: Option<PathBuf>,
    /// Cargo profile the variants start from
    #[arg(
        long,
        global = true,
        value_name = "PROFILE-NAME",
        default_value = "release"
    )]
    pub profile: String,
    /// Require Cargo.lock to be up to date
    #[arg(long, global = true)]
    pub locked: bool,
    /// Run without accessing the network
    #[arg(long, global = true)]
    pub offline: bool,
    /// Fail at once instead of waiting when another cargo-tune holds the lock on <target-dir>/tune
    #[arg(long, global = true)]
    pub no_wait: bool,
}

#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Output options")]
pub struct OutputArgs {
    /// Use verbose output (shows cargo's own output and every command run)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Do not print status messages
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Coloring: auto, always, never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

impl OutputArgs {
    pub fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            _ => Verbosity::Verbose,
        }
    }
}

impl From<CargoArgs> for crate::cargo::Selection {
    fn from(a: CargoArgs) -> Self {
        crate::cargo::Selection {
            manifest_path: a.manifest_path,
            package: a.package,
            bin: a.bin,
            features: a.features,
            all_features: a.all_features,
            no_default_features: a.no_default_features,
            target: a.target,
            target_dir: a.target_dir,
            profile: a.profile,
            locked: a.locked,
            offline: a.offline,
            no_wait: a.no_wait,
        }
    }
}

/// Parses the process arguments; `cargo tune …` passes `tune` as the first argument.
pub fn parse_from(args: impl IntoIterator<Item = OsString>) -> Cli {
    let mut args: Vec<OsString> = args.into_iter().collect();
    if args.get(1).is_some_and(|a| a == "tune") {
        args.remove(1);
    }
    Cli::parse_from(args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn both_invocations_parse() {
        let a = parse_from(["cargo-tune", "tune", "doctor", "-p", "x"].map(OsString::from));
        let b = parse_from(["cargo-tune", "-p", "x", "doctor"].map(OsString::from));
        assert_eq!(a.cargo.package.as_deref(), Some("x"));
        assert_eq!(b.cargo.package.as_deref(), Some("x"));
    }
}

//! `cargo tune pgo`: the one-shot PGO workflow and its steps (instrument, run, merge, optimize, clean).

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::{Args, Subcommand};

use crate::cargo::{BinTarget, Builder, Project};
use crate::commands::Ctx;
use crate::pgo::layout::Layout;
use crate::pgo::{Pgo, PgoOptions, PgoRun, PgoWarnings, ProfileSource};
use crate::spec::parse_variant;
use crate::ui::{Shell, count, format_duration};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct PgoArgs {
    #[command(subcommand)]
    pub step: Option<Step>,
    #[command(flatten)]
    pub opts: PgoFlags,
    /// Run the binary with these arguments as the (only) workload
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Step {
    /// Build the instrumented binary (clears earlier raw profiles unless --keep-profiles)
    Instrument(StepArgs),
    /// Run workloads (or --tests / --benches) against the instrumented binary
    Run(StepArgs),
    /// Merge the raw profiles with the matching llvm-profdata
    Merge(StepArgs),
    /// Build the binary with the merged profile
    Optimize(StepArgs),
    /// Remove this binary's PGO data
    Clean(StepArgs),
}

#[derive(Debug, Args)]
pub struct StepArgs {
    #[command(flatten)]
    pub opts: PgoFlags,
    /// Run the binary with these arguments as the workload (for `run`)
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct PgoFlags {
    /// Configuration PGO is applied on: a preset or a spec (`lto=fat,codegen-units=1`)
    #[arg(long, default_value = "release", value_name = "SPEC")]
    pub variant: String,
    /// Only these configured workloads (repeatable)
    #[arg(long = "workload", value_name = "NAME")]
    pub workloads: Vec<String>,
    /// Gather profiles by running the project's tests (`cargo test`) instead of workloads
    #[arg(long, conflicts_with = "benches")]
    pub tests: bool,
    /// Gather profiles by running the project's benchmarks (`cargo bench`)
    #[arg(long)]
    pub benches: bool,
    /// Keep raw profiles from earlier runs
    #[arg(long)]
    pub keep_profiles: bool,
    /// Merge the readable raw profiles and skip corrupt ones
    #[arg(long)]
    pub ignore_bad_profiles: bool,
    /// Allow service load to target hosts other than loopback
    #[arg(long)]
    pub allow_remote: bool,
    /// Rebuild from empty target dirs
    #[arg(long)]
    pub rebuild: bool,
    /// Also write the merged profile to FILE, for `--use-profile` on later commits (one-shot
    /// and `merge`)
    #[arg(long, value_name = "FILE")]
    pub save_profile: Option<PathBuf>,
    /// Build with the profile in FILE instead of gathering one, and report how stale it is
    /// (one-shot and `optimize`)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["tests", "benches", "keep_profiles", "save_profile"])]
    pub use_profile: Option<PathBuf>,
}

impl PgoFlags {
    fn options(&self) -> PgoOptions {
        PgoOptions {
            keep_profiles: self.keep_profiles,
            ignore_bad_profiles: self.ignore_bad_profiles,
            allow_remote: self.allow_remote,
            rebuild: self.rebuild,
        }
    }
}

impl PgoArgs {
    /// The flags, the workload after `--` and the step, wherever on the command line they came.
    fn parts(&self) -> (&PgoFlags, &[String], Option<&Step>) {
        match &self.step {
            None => (&self.opts, &self.args, None),
            Some(
                s @ (Step::Instrument(a)
                | Step::Run(a)
                | Step::Merge(a)
                | Step::Optimize(a)
                | Step::Clean(a)),
            ) => (&a.opts, &a.args, Some(s)),
        }
    }
}

pub(crate) fn run(ctx: &Ctx, args: &PgoArgs) -> Result<()> {
    let (flags, trailing, step) = args.parts();
    let (project, bin) = ctx.target()?;
    let base = parse_variant(&flags.variant, &ctx.cargo.profile)
        .map_err(crate::commands::errors::usage)?;
    let _lock = ctx.lock(&project)?;
    let builder = Builder::new(&ctx.shell, &project, &bin, &ctx.cargo)?;
    let pgo = Pgo::new(&ctx.shell, &builder, &base);
    let opts = flags.options();
    let source = || profile_source(flags, &bin, trailing);
    if !trailing.is_empty() && !matches!(step, None | Some(Step::Run(_))) {
        bail!(
            "arguments after `--` are a workload: they only apply to `cargo tune pgo` and `cargo tune pgo run`"
        );
    }

    check_profile_flags(flags, step)?;
    if let Some(file) = &flags.use_profile {
        if !trailing.is_empty() || !flags.workloads.is_empty() {
            bail!(
                "--use-profile builds with a saved profile and runs no workload: drop the workload"
            );
        }
        return use_saved(ctx, &pgo, file, &opts);
    }
    match step {
        None => one_shot(ctx, &pgo, &source()?, flags, &bin, trailing, &opts),
        Some(Step::Instrument(_)) => instrument(ctx, &pgo, &opts),
        Some(Step::Run(_)) => gather(ctx, &pgo, &source()?, &opts),
        Some(Step::Merge(_)) => merge(ctx, &pgo, flags.save_profile.as_deref(), &opts),
        Some(Step::Optimize(_)) => optimize(ctx, &pgo, &opts),
        Some(Step::Clean(_)) => clean(ctx, &project, &bin),
    }
}

/// `--save-profile` applies where a merged profile is made, `--use-profile` where one is used.
fn check_profile_flags(flags: &PgoFlags, step: Option<&Step>) -> Result<()> {
    if flags.save_profile.is_some() && !matches!(step, None | Some(Step::Merge(_))) {
        bail!(
            "--save-profile writes the merged profile: use it with `cargo tune pgo` or `pgo merge`"
        );
    }
    if flags.use_profile.is_some() && !matches!(step, None | Some(Step::Optimize(_))) {
        bail!(
            "--use-profile builds with a saved profile: use it with `cargo tune pgo` or `pgo optimize`"
        );
    }
    Ok(())
}

/// The optimized build with a saved profile, and how stale the profile is now.
fn use_saved(ctx: &Ctx, pgo: &Pgo, file: &Path, opts: &PgoOptions) -> Result<()> {
    let reused = pgo.use_saved(file, opts)?;
    let line = crate::pgo::saved::staleness(file, &reused);
    if reused.warnings.mismatched > 0 {
        ctx.shell.warn(format!(
            "{line}; gather a fresh profile (`cargo tune{} pgo --save-profile {}`) when that grows",
            ctx.cargo.selection(),
            crate::process::shell_quote(&file.display().to_string())
        ));
    } else {
        ctx.shell.status("Profile", line);
    }
    println!("{}", reused.build.binary.display());
    Ok(())
}

/// What the profiles are gathered with: the tests, the benchmarks, or the selected workloads.
fn profile_source(flags: &PgoFlags, bin: &BinTarget, trailing: &[String]) -> Result<ProfileSource> {
    Ok(if flags.tests {
        ProfileSource::Tests
    } else if flags.benches {
        ProfileSource::Benches
    } else {
        let workloads = crate::workload::select(&bin.config.workload, &flags.workloads, trailing)?;
        crate::workload::roles::require_training(&workloads)?;
        let training = crate::workload::roles::training(&workloads);
        crate::workload::check_workloads(&training, flags.allow_remote)?;
        ProfileSource::Workloads(training)
    })
}

fn one_shot(
    ctx: &Ctx,
    pgo: &Pgo,
    source: &ProfileSource,
    flags: &PgoFlags,
    bin: &BinTarget,
    trailing: &[String],
    opts: &PgoOptions,
) -> Result<()> {
    // The profile of an unchanged instrumented build and the same workloads (from `compare`,
    // `auto` or an earlier `pgo`) is reused, so the optimized build is cargo's cached one: a
    // profile gathered again differs in its counts and would rebuild everything.
    let reuse = !opts.keep_profiles && !opts.rebuild;
    let run = pgo.run(source, opts, reuse)?;
    print_summary(&ctx.shell, pgo, &run);
    if matches!(source, ProfileSource::Workloads(_)) {
        let selected = crate::workload::select(&bin.config.workload, &flags.workloads, trailing)?;
        print_health(
            ctx,
            pgo,
            &run,
            &crate::workload::roles::measured(&selected),
            opts,
        )?;
    }
    if let Some(to) = &flags.save_profile {
        crate::pgo::saved::save(&run.merged.path, to)?;
        ctx.shell
            .status("Saved", format!("the profile to {}", to.display()));
    }
    println!("{}", run.optimized.binary.display());
    Ok(())
}

/// The profile's health against the measured workloads, and a warning per workload it
/// describes poorly.
fn print_health(
    ctx: &Ctx,
    pgo: &Pgo,
    run: &PgoRun,
    measured: &[crate::tune_config::Workload],
    opts: &PgoOptions,
) -> Result<()> {
    let eval = pgo.evaluate(run, measured, false, opts)?;
    for n in &eval.notes {
        ctx.shell.note(n.clone());
    }
    if let Some(h) = &eval.health {
        ctx.shell.status("Health", h.summary());
        for w in h.warnings(&format!("{}+pgo", pgo.base.name)) {
            ctx.shell.warn(w);
        }
    }
    Ok(())
}

fn instrument(ctx: &Ctx, pgo: &Pgo, opts: &PgoOptions) -> Result<()> {
    pgo.preflight()?;
    let build = pgo.instrument(opts)?;
    ctx.shell.note(format!(
        "run it with `cargo tune{} pgo run`, or yourself with LLVM_PROFILE_FILE={}",
        ctx.cargo.selection(),
        pgo.layout.profile_file_pattern().display()
    ));
    println!("{}", build.binary.display());
    Ok(())
}

fn gather(ctx: &Ctx, pgo: &Pgo, source: &ProfileSource, opts: &PgoOptions) -> Result<()> {
    let build = pgo
        .builder
        .build(&pgo.instrumented_variant(), opts.rebuild)?;
    let n = pgo.gather(&build, source, opts)?;
    let total = pgo.layout.raw_files()?.len();
    ctx.shell.status(
        "Gathered",
        format!(
            "{}; {total} in {}",
            count(n, "raw profile"),
            pgo.layout.raw_dir().display()
        ),
    );
    Ok(())
}

fn merge(ctx: &Ctx, pgo: &Pgo, save: Option<&Path>, opts: &PgoOptions) -> Result<()> {
    let tool = pgo.preflight()?;
    let merged = pgo.merge(&tool, opts)?;
    if let Some(to) = save {
        crate::pgo::saved::save(&merged.path, to)?;
        ctx.shell
            .status("Saved", format!("the profile to {}", to.display()));
    }
    let functions = merged
        .functions
        .map(|f| format!(", {f} functions"))
        .unwrap_or_default();
    ctx.shell.status(
        "Merged",
        format!("{}{functions}", count(merged.raw_files, "raw profile")),
    );
    println!("{}", merged.path.display());
    Ok(())
}

fn optimize(ctx: &Ctx, pgo: &Pgo, opts: &PgoOptions) -> Result<()> {
    let tool = pgo.preflight()?;
    let merged = pgo.merged_or_merge(&tool, opts)?;
    let (build, warnings) = pgo.optimize(&merged, opts)?;
    report_warnings(&ctx.shell, &warnings, &ctx.cargo.selection());
    println!("{}", build.binary.display());
    Ok(())
}

fn clean(ctx: &Ctx, project: &Project, bin: &BinTarget) -> Result<()> {
    let dir = Layout::bin_dir(project, bin);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", dir.display()))?;
        ctx.shell.status("Removed", dir.display().to_string());
    } else {
        ctx.shell
            .status("Clean", format!("no PGO data for `{}`", bin.bin));
    }
    Ok(())
}

fn report_warnings(shell: &Shell, w: &PgoWarnings, selection: &str) {
    if w.mismatched > 0 {
        shell.warn(format!(
            "{} changed since the profile was gathered (hash mismatch), so they get no PGO: \
             sources changed since profiling; run `cargo tune{selection} pgo` again to refresh the profile",
            count(w.mismatched, "function")
        ));
    }
    if w.missing > 0 {
        shell.verbose(
            "Note",
            format!(
                "{} had no profile data (never run by the workloads)",
                count(w.missing, "function")
            ),
        );
    }
}

fn print_summary(shell: &Shell, pgo: &Pgo, run: &PgoRun) {
    report_warnings(shell, &run.warnings, &pgo.builder.selection());
    let functions = match run.merged.functions {
        Some(f) => format!("profile covers {f} functions"),
        None => "profile merged".to_string(),
    };
    shell.status(
        "Finished",
        format!(
            "PGO for `{}`: {}; {functions}; {} without profile data, {} changed since profiling",
            pgo.base.name,
            count(run.raw_profiles, "raw profile"),
            count(run.warnings.missing, "function"),
            count(run.warnings.mismatched, "function")
        ),
    );
    let steps: Vec<String> = run
        .steps
        .iter()
        .map(|(s, d)| format!("{s} {}", format_duration(*d)))
        .collect();
    shell.status("Steps", steps.join(", "));
}

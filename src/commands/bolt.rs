//! `cargo tune bolt`: the one-shot BOLT workflow and its steps (instrument, run, merge,
//! optimize, clean), on any configuration, with or without PGO underneath.

use anyhow::{Result, bail};
use clap::{Args, Subcommand};

use crate::bolt::{Bolt, BoltOptions, BoltRun, BoltStats, Layout};
use crate::cargo::Builder;
use crate::commands::Ctx;
use crate::spec::parse_stages;
use crate::tune_config::Workload;
use crate::ui::{Shell, format_duration};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BoltArgs {
    #[command(subcommand)]
    pub step: Option<Step>,
    #[command(flatten)]
    pub opts: BoltFlags,
    /// Run the binary with these arguments as the (only) workload
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Step {
    /// Build the input (relocations kept) and write the BOLT-instrumented binary; drops old profiles
    Instrument(StepArgs),
    /// Run workloads against the instrumented binary (adds to the profiles gathered so far)
    Run(StepArgs),
    /// Merge the raw profiles (.fdata) with the matching merge-fdata
    Merge(StepArgs),
    /// Optimize the input with the merged profile, then strip it as the variant says
    Optimize(StepArgs),
    /// Remove this binary's BOLT data
    Clean(StepArgs),
}

#[derive(Debug, Args)]
pub struct StepArgs {
    #[command(flatten)]
    pub opts: BoltFlags,
    /// Run the binary with these arguments as the workload (for `run`)
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct BoltFlags {
    /// Configuration BOLT is applied on: a preset, a spec, and `+pgo` for PGO underneath
    /// (`production+pgo`)
    #[arg(long, default_value = "release", value_name = "SPEC")]
    pub variant: String,
    /// Only these configured workloads (repeatable)
    #[arg(long = "workload", value_name = "NAME")]
    pub workloads: Vec<String>,
    /// llvm-bolt optimization flags instead of the defaults (one string, space separated)
    #[arg(long, value_name = "FLAGS", allow_hyphen_values = true)]
    pub bolt_args: Option<String>,
    /// Allow service load to target hosts other than loopback
    #[arg(long)]
    pub allow_remote: bool,
    /// Rebuild the input from an empty target dir
    #[arg(long)]
    pub rebuild: bool,
}

impl BoltArgs {
    /// The flags, the workload after `--` and the step, wherever on the command line they came.
    fn parts(&self) -> (&BoltFlags, &[String], Option<&Step>) {
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

impl BoltFlags {
    fn options(&self) -> BoltOptions {
        BoltOptions {
            allow_remote: self.allow_remote,
            rebuild: self.rebuild,
            args: self
                .bolt_args
                .as_ref()
                .map(|a| a.split_whitespace().map(String::from).collect()),
        }
    }
}

/// What a step needs besides the pipeline: the workloads, and how to name this command again
/// in a hint (` --manifest-path …`, ` --variant …`).
struct StepCtx {
    workloads: Vec<Workload>,
    /// Whether the input is a PGO build, trained on the same workloads.
    pgo: bool,
    again: String,
    variant_flag: String,
}

impl StepCtx {
    /// PGO under BOLT needs the workloads for its own profile, whatever the step.
    fn input_workloads(&self) -> &[Workload] {
        if self.pgo { &self.workloads } else { &[] }
    }
}

pub(crate) fn run(ctx: &Ctx, args: &BoltArgs) -> Result<()> {
    let (flags, trailing, step) = args.parts();
    let (project, bin) = ctx.target()?;
    if let Some(Step::Clean(_)) = step {
        return clean(&ctx.shell, &project, &bin);
    }
    if !trailing.is_empty() && !matches!(step, None | Some(Step::Run(_))) {
        bail!(
            "arguments after `--` are a workload: they only apply to `cargo tune bolt` and `cargo tune bolt run`"
        );
    }
    let stages =
        parse_stages(&flags.variant, &ctx.cargo.profile).map_err(crate::commands::errors::usage)?;
    let builder = Builder::new(&ctx.shell, &project, &bin, &ctx.cargo)?;
    let bolt = Bolt::new(
        &ctx.shell,
        &builder,
        &stages.variant,
        stages.pgo,
        flags.options(),
    );
    let selected = crate::workload::select(&bin.config.workload, &flags.workloads, trailing)?;
    crate::workload::roles::require_training(&selected)?;
    let sc = StepCtx {
        // BOLT (and PGO under it) learn from the workloads that train.
        workloads: crate::workload::roles::training(&selected),
        pgo: stages.pgo,
        again: ctx.cargo.selection(),
        variant_flag: variant_flag(&flags.variant),
    };

    match step {
        None => one_shot(ctx, &bolt, &sc),
        Some(Step::Instrument(_)) => instrument(ctx, &bolt, &sc),
        Some(Step::Run(_)) => gather(ctx, &bolt, &sc),
        Some(Step::Merge(_)) => merge(ctx, &bolt, &sc),
        Some(Step::Optimize(_)) => optimize(ctx, &bolt, &sc),
        Some(Step::Clean(_)) => unreachable!("handled above"),
    }
}

/// ` --variant SPEC` to repeat in a hint; nothing for the default.
fn variant_flag(variant: &str) -> String {
    if variant == "release" {
        String::new()
    } else {
        format!(" --variant {}", crate::process::shell_quote(variant))
    }
}

fn one_shot(ctx: &Ctx, bolt: &Bolt, sc: &StepCtx) -> Result<()> {
    let run = bolt.run(&sc.workloads, false)?;
    print_summary(&ctx.shell, bolt, &run);
    println!("{}", run.binary.display());
    Ok(())
}

fn instrument(ctx: &Ctx, bolt: &Bolt, sc: &StepCtx) -> Result<()> {
    let (tool, _) = bolt.preflight()?;
    let input = bolt.input(sc.input_workloads())?;
    let out = bolt.instrument(&input, &tool, true)?;
    ctx.shell.note(format!(
        "run it with `cargo tune{} bolt run{}`; each run writes {}.<pid>.fdata",
        sc.again,
        sc.variant_flag,
        input.layout.profile_prefix().display()
    ));
    println!("{}", out.display());
    Ok(())
}

fn gather(ctx: &Ctx, bolt: &Bolt, sc: &StepCtx) -> Result<()> {
    let (tool, _) = bolt.preflight()?;
    let input = bolt.input(sc.input_workloads())?;
    let instrumented = bolt.instrument(&input, &tool, false)?;
    let n = bolt.gather(&input, &instrumented, &sc.workloads)?;
    let total = input.layout.raw_files()?.len();
    ctx.shell.status(
        "Gathered",
        format!(
            "{n} raw BOLT profile(s); {total} in {}",
            input.layout.raw_dir().display()
        ),
    );
    Ok(())
}

fn merge(ctx: &Ctx, bolt: &Bolt, sc: &StepCtx) -> Result<()> {
    let (_, merge_fdata) = bolt.preflight()?;
    let input = bolt.input(sc.input_workloads())?;
    require_current(bolt, &input, &sc.again, &sc.variant_flag)?;
    let merged = bolt.merge(&input, &merge_fdata)?;
    ctx.shell
        .status("Merged", format!("{} raw profile(s)", merged.raw_files));
    println!("{}", merged.path.display());
    Ok(())
}

fn optimize(ctx: &Ctx, bolt: &Bolt, sc: &StepCtx) -> Result<()> {
    let (tool, merge_fdata) = bolt.preflight()?;
    let input = bolt.input(sc.input_workloads())?;
    let merged = match bolt.existing_merged(&input)? {
        Some(m) => m,
        None => {
            require_current(bolt, &input, &sc.again, &sc.variant_flag)?;
            bolt.merge(&input, &merge_fdata)?
        }
    };
    let (optimized, _) = bolt.optimize(&input, &merged, &tool)?;
    report_stats(&ctx.shell, &optimized.stats);
    println!("{}", optimized.path.display());
    Ok(())
}

/// Fails unless raw profiles of this very input exist: profiles of another build would not match.
fn require_current(
    bolt: &Bolt,
    input: &crate::bolt::Input,
    again: &str,
    variant_flag: &str,
) -> Result<()> {
    let state = input.layout.load_state()?;
    let raw = input.layout.raw_files()?;
    if state.instrumented_from.as_deref() != Some(&input.hash) || raw.is_empty() {
        let why = if state.instrumented_from.is_some() && !raw.is_empty() {
            "the binary changed since its profile was gathered"
        } else {
            "nothing has been profiled yet"
        };
        bail!(
            "no BOLT profile for `{}` ({why}): run `cargo tune{again} bolt instrument{variant_flag}` and \
             `cargo tune{again} bolt run{variant_flag}` first (or the one-shot `cargo tune{again} bolt{variant_flag}`)",
            bolt.name()
        );
    }
    Ok(())
}

fn clean(
    shell: &Shell,
    project: &crate::cargo::Project,
    bin: &crate::cargo::BinTarget,
) -> Result<()> {
    let dirs = Layout::all(project, bin);
    if dirs.is_empty() {
        shell.status("Clean", format!("no BOLT data for `{}`", bin.bin));
    }
    for dir in dirs {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", dir.display()))?;
        shell.status("Removed", dir.display().to_string());
    }
    Ok(())
}

/// BOLT's own figures, and a warning when its profile covers almost nothing.
pub(crate) fn report_stats(shell: &Shell, stats: &BoltStats) {
    if stats.is_low_coverage() {
        shell.warn(format!(
            "the BOLT profile is thin: {}. BOLT only moves code that ran, so expect little; \
             use workloads that exercise what the binary does in production",
            stats.coverage()
        ));
    }
    for w in &stats.warnings {
        shell.verbose("BOLT", format!("warning: {w}"));
    }
}

fn print_summary(shell: &Shell, bolt: &Bolt, run: &BoltRun) {
    report_stats(shell, &run.stats);
    shell.status(
        "Finished",
        format!(
            "BOLT for `{}`: {} raw profile(s); {}; dyno-stats: {}",
            bolt.name(),
            run.raw_profiles,
            run.stats.coverage(),
            run.stats.dyno_summary()
        ),
    );
    let steps: Vec<String> = run
        .steps
        .iter()
        .map(|(s, d)| format!("{s} {}", format_duration(*d)))
        .collect();
    shell.status("Steps", steps.join(", "));
}

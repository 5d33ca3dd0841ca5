//! `cargo tune compare`: build variants, measure them on the workloads, print the comparison table.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::Args;

use crate::cargo::Builder;
use crate::commands::Ctx;
use crate::commands::options::SessionArgs;
use crate::process::Interrupted;
use crate::report::{self, Format, Run, RunCommand};
use crate::session::{Candidate, Session, default_candidates, parse_candidates};
use crate::ui::Shell;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Variants in order, the first is the baseline: presets, `pgo`, `<preset>+pgo`, and
    /// `+key=value` steps that add one change to the row above [default: release,balanced,production,pgo]
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub variants: Vec<String>,
    /// An ad-hoc variant: 'NAME=SPEC' (e.g. 'fast=lto=fat,codegen-units=1' or 'fast=production,pgo'); repeatable
    #[arg(long = "variant", value_name = "NAME=SPEC")]
    pub named: Vec<String>,
    #[command(flatten)]
    pub session: SessionArgs,
    /// Also write the full results (every sample) as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write the table as Markdown to FILE (for a pull request)
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Also write a self-contained HTML report with charts to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Measure the binaries exported to DIR by `cargo tune build --export` (elsewhere, e.g. on
    /// CI runners) instead of building; refuses ones from another commit or rustc
    #[arg(long, value_name = "DIR")]
    pub prebuilt: Option<PathBuf>,
    /// Also show where each variant's change comes from: the functions and crates whose cost
    /// changed most, counted by cachegrind on the first command workload (`cargo tune explain`)
    #[arg(long)]
    pub explain: bool,
    /// Run the binary with these arguments as the (only) workload
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

pub fn run(ctx: &Ctx, args: &CompareArgs) -> Result<()> {
    let started = std::time::Instant::now();
    if let Some(dir) = &args.prebuilt {
        if args.explain {
            bail!(
                "--explain needs the builds themselves (their twins with symbols): drop --prebuilt"
            );
        }
        return crate::commands::prebuilt::compare(ctx, args, dir);
    }
    let (project, bin) = ctx.target()?;
    let (workloads, settings, choice) = args.session.measured(&bin, &args.args)?;
    if choice.service != crate::measure::Metric::RequestsPerSec {
        bail!(
            "compare decides services by req/s and shows p99 beside it; `--metric p99` chooses \
             what `cargo tune auto` optimises"
        );
    }
    crate::workload::check_workloads(&workloads, args.session.allow_remote)?;
    let _lock = ctx.lock(&project)?;
    let builder = Builder::new(&ctx.shell, &project, &bin, &ctx.cargo)?;
    let mut session = Session::new(
        &ctx.shell,
        &builder,
        workloads,
        args.session.session_options(),
    );

    let candidates = candidates(ctx, &bin.config, &session, args)?;

    let mut run = session.new_run(RunCommand::Compare, settings);
    build_baseline(&mut session, &candidates[0])?;
    let built = session.build_all(&candidates)?;
    for (c, b) in candidates.iter().zip(&built) {
        run.variants.push(session.variant_result(c, b));
    }
    session.measure(&mut run);
    if args.explain && !run.interrupted {
        let sides: Vec<_> = candidates
            .iter()
            .zip(&built)
            .map(|(c, b)| (c, &builder, b.as_ref().ok()))
            .collect();
        crate::commands::explain::add_to_run(
            &ctx.shell,
            &sides,
            &session.workloads,
            &project.tune_dir(),
            &mut run,
        )?;
    }
    run.notes.append(&mut session.notes);
    if run.interrupted {
        run.notes
            .push("interrupted: these results are partial".into());
    }
    save_and_print(&ctx.shell, &project.tune_dir(), &run, args)?;
    ctx.shell.status(
        "Finished",
        format!(
            "comparing in {}",
            crate::ui::format_duration(started.elapsed())
        ),
    );
    if run.interrupted {
        return Err(Interrupted.into());
    }
    conclude(&run)
}

/// The variants to compare, in order: `--variants`/`--variant`, else the configured list, else
/// the defaults (with PGO when it can run here).
fn candidates(
    ctx: &Ctx,
    config: &crate::tune_config::TuneConfig,
    session: &Session,
    args: &CompareArgs,
) -> Result<Vec<Candidate>> {
    let configured = config.variants.clone().unwrap_or_default();
    let items = if args.variants.is_empty() {
        &configured
    } else {
        &args.variants
    };
    if !items.is_empty() || !args.named.is_empty() {
        return parse_candidates(items, &args.named, &ctx.cargo.profile);
    }
    let pgo = session.pgo_available();
    if let Err(why) = &pgo {
        ctx.shell.note(format!(
            "leaving PGO out of the default variants: {}",
            why.lines().next().unwrap_or("")
        ));
    }
    Ok(default_candidates(&ctx.cargo.profile, pgo.is_ok()))
}

/// The baseline first: when it does not build there is nothing to compare against, and
/// building the other variants would only make the user wait for the same error.
/// Ctrl-C while building: nothing was measured, so there is nothing to save or show.
fn build_baseline(session: &mut Session, baseline: &Candidate) -> Result<()> {
    if let Err(reason) = session.build(baseline)? {
        bail!(
            "the baseline `{}` did not build, so there is nothing to compare against \
             (the other variants were not built):\n{reason}",
            baseline.name
        );
    }
    Ok(())
}

/// The exit status of a finished comparison: without a measured baseline there is no
/// comparison, and a variant that failed fails the command too.
fn conclude(run: &Run) -> Result<()> {
    let baseline = &run.variants[0];
    if let Some(f) = baseline
        .measurements
        .iter()
        .find_map(|m| m.failure.as_deref())
    {
        bail!(
            "the workload fails on the baseline `{}`, so nothing could be compared:\n{f}",
            baseline.name
        );
    }
    failed_variants(run)
}

/// A variant that did not build, or whose workload failed, fails the command too (after the
/// table, which shows why): a script must not take a partial comparison for a complete one.
pub(crate) fn failed_variants(run: &Run) -> Result<()> {
    let failed: Vec<String> = run
        .variants
        .iter()
        .filter_map(|v| {
            if v.failure.is_some() {
                Some(format!("`{}` did not build", v.name))
            } else {
                let workloads: Vec<&str> = v
                    .measurements
                    .iter()
                    .filter(|m| m.failure.is_some())
                    .map(|m| m.workload.as_str())
                    .collect();
                (!workloads.is_empty())
                    .then(|| format!("`{}` failed on {}", v.name, workloads.join(", ")))
            }
        })
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    bail!(
        "{} of {} variants failed ({}); the table above shows why and compares the others",
        failed.len(),
        run.variants.len(),
        failed.join("; ")
    )
}

fn print_table(shell: &Shell, run: &Run) -> Result<()> {
    print!(
        "{}",
        report::render(run, Format::Table, shell.stdout_color())?
    );
    Ok(())
}

/// Saves the run under `<target-dir>/tune/results/`, writes the requested exports, prints the table.
pub(crate) fn save_and_print(
    shell: &Shell,
    tune_dir: &Path,
    run: &Run,
    args: &CompareArgs,
) -> Result<()> {
    let saved = report::save(run, tune_dir)?;
    for (path, format) in [
        (&args.json, Format::Json),
        (&args.markdown, Format::Markdown),
        (&args.html, Format::Html),
    ] {
        if let Some(path) = path {
            let text = report::render(run, format, false)?;
            report::write_file(path, &text)?;
            shell.status("Wrote", path.display().to_string());
        }
    }
    print_table(shell, run)?;
    shell.status(
        "Saved",
        format!(
            "{0} (show it again: cargo tune report {0})",
            crate::process::shell_quote(&saved.display().to_string())
        ),
    );
    Ok(())
}

//! `cargo tune compare`: build variants, measure them on the workloads, print the comparison table.

mod args;
pub(crate) mod prebuilt;

pub(crate) use args::CompareArgs;

use crate::cargo::Builder;
use crate::commands::{Ctx, failed_variants, save_and_print};
use crate::process::Interrupted;
use crate::run::{Run, RunCommand};
use crate::session::Session;
use crate::spec::{Candidate, default_candidates, parse_candidates};
use anyhow::{Result, bail};

pub(crate) fn run(ctx: &Ctx, args: &CompareArgs) -> Result<()> {
    let started = std::time::Instant::now();
    if let Some(dir) = &args.prebuilt {
        if args.explain {
            bail!(
                "--explain needs the builds themselves (their twins with symbols): drop --prebuilt"
            );
        }
        return prebuilt::compare(ctx, args, dir);
    }
    let (project, bin) = ctx.target()?;
    let (workloads, settings) = args.session.measured(&bin, &args.args)?;
    crate::workload::check_workloads(&workloads, args.session.allow_remote)?;
    // A mistake in the variants is reported before anything is locked or built.
    let explicit = explicit_candidates(ctx, &bin.config, args)?;
    let _lock = ctx.lock(&project)?;
    let builder = Builder::new(&ctx.shell, &project, &bin, &ctx.cargo)?;
    let mut session = Session::new(
        &ctx.shell,
        &builder,
        workloads,
        args.session.session_options(),
    );

    let candidates = match explicit {
        Some(c) => c,
        None => default_variants(ctx, &session),
    };

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
    save_and_print(&ctx.shell, &project.tune_dir(), &run, &args.export)?;
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

/// The variants given by `--variants`/`--variant` or the configured list, in order; `None`
/// for the defaults.
fn explicit_candidates(
    ctx: &Ctx,
    config: &crate::tune_config::TuneConfig,
    args: &CompareArgs,
) -> Result<Option<Vec<Candidate>>> {
    let configured = config.variants.clone().unwrap_or_default();
    let items = if args.variants.is_empty() {
        &configured
    } else {
        &args.variants
    };
    let base = &ctx.cargo.profile;
    if !items.is_empty() {
        let parsed = parse_candidates(items, &args.named, base);
        // The configured list is the manifest's mistake, flags are the command line's.
        return if args.variants.is_empty() && args.named.is_empty() {
            parsed.map(Some)
        } else {
            parsed.map(Some).map_err(crate::commands::errors::usage)
        };
    }
    if args.named.is_empty() {
        return Ok(None);
    }
    // `--variant` alone adds to the baseline, as a cargo user expects: it is compared with the
    // base profile, unless it names that profile itself (`--variant release`).
    let baseline = if args
        .named
        .iter()
        .any(|n| crate::spec::variant_name(n) == base)
    {
        vec![]
    } else {
        vec![base.clone()]
    };
    parse_candidates(&baseline, &args.named, base)
        .map(Some)
        .map_err(crate::commands::errors::usage)
}

/// The default variants, with PGO when it can run here.
fn default_variants(ctx: &Ctx, session: &Session) -> Vec<Candidate> {
    let pgo = session.pgo_available();
    if let Err(why) = &pgo {
        ctx.shell.note(format!(
            "leaving PGO out of the default variants: {}",
            why.lines().next().unwrap_or("")
        ));
    }
    default_candidates(&ctx.cargo.profile, pgo.is_ok())
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

//! `cargo tune auto`: search for the best build for the goal, show the path and the measured
//! recommendation, and optionally write it into Cargo.toml (`--apply`).

use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::cargo::{BinTarget, Builder, Project};
use crate::commands::Ctx;
use crate::manifest::{self, ApplyOptions};
use crate::process::Interrupted;
use crate::run::auto::AutoResult;
use crate::search::setup::{self, Request};
use crate::search::{self, InterruptedSearch, output};
use crate::session::Session;
use crate::spec::Candidate;
use crate::tune_config::{Goal, check_budget};

mod args;
mod show;

pub(crate) use args::AutoArgs;

pub(crate) fn run(ctx: &Ctx, args: &AutoArgs) -> Result<()> {
    if let Some(name) = &args.apply {
        manifest::validate_profile_name(name).map_err(crate::commands::errors::usage)?;
    }
    let (project, bin) = ctx.target()?;
    if let Some(name) = &args.apply {
        refuse_existing_profile(&project, name, args.force)?;
    }
    let request = request(args, &bin)?;
    let (workloads, final_settings) = args.session.measured(&bin, &args.args)?;
    crate::workload::check_workloads(&workloads, args.session.allow_remote)?;
    let _lock = ctx.lock(&project)?;
    let builder = Builder::new(&ctx.shell, &project, &bin, &ctx.cargo)?;
    let mut session = Session::new(
        &ctx.shell,
        &builder,
        workloads,
        args.session.session_options(),
    );
    let opts = setup::options(&ctx.shell, &session, &request, final_settings, &ctx.cargo);
    let (goal, budget) = (opts.goal, opts.budget);
    ctx.shell.status(
        "Searching",
        format!(
            "for the {} build of `{}` within {}",
            output::goal_name(goal),
            bin.bin,
            humantime::format_duration(budget)
        ),
    );
    let (mut result, winner) = match search::search(&mut session, opts) {
        Ok(done) => done,
        Err(e) => return show_interrupted(ctx, &project, e, args),
    };

    warn_over_budget(ctx, &result, budget);
    if goal == Goal::Size
        && result.winner != 0
        && !result.interrupted
        && let Some(hint) = size_hint(ctx, &builder, &result, &winner)
    {
        result.recommendation.push_str(&hint);
    }
    show::save_and_show(ctx, &project, &result, args)?;

    match &args.apply {
        Some(name) => apply(ctx, &project, &builder, name, &winner, &result, args)?,
        None if result.winner != 0 => show::print_next_steps(ctx, &winner, args),
        None => {}
    }
    let binary = result.final_run.variants[result.winner]
        .build
        .as_ref()
        .map(|b| b.binary.clone())
        .context("the winning configuration has no binary")?;
    // The machine-readable last line, as `build`, `pgo` and `bolt` print theirs; the label
    // goes to stderr so `tail -n1` keeps working.
    ctx.shell
        .status("Winner", "its binary is the last line of stdout");
    println!("{}", binary.display());
    Ok(())
}

/// The search the flags ask for, over [package.metadata.tune]; its budget checked.
fn request(args: &AutoArgs, bin: &BinTarget) -> Result<Request> {
    let config = &bin.config;
    let request = Request {
        goal: args.goal.or(config.goal),
        budget: args.budget.or(config.budget.map(|d| d.0)),
        compile_cap: args.max_compile_time.or(config.max_compile_time),
        allow_slowdown: args.allow_slowdown,
        pgo: !args.no_pgo,
        bolt: !args.no_bolt,
        native: args.native,
        held_out: match (args.session.held_out, args.no_held_out) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
    };
    check_budget(request.budget()).with_context(|| {
        format!(
            "budget in [package.metadata.tune] of {}",
            bin.package_manifest.display()
        )
    })?;
    Ok(request)
}

/// Ctrl-C during the search: show and save what was measured, as `compare` does, then exit 130.
fn show_interrupted(ctx: &Ctx, project: &Project, e: anyhow::Error, args: &AutoArgs) -> Result<()> {
    let partial = e.downcast::<InterruptedSearch>()?;
    show::save_and_show(ctx, project, &partial.0, args)?;
    Err(Interrupted.into())
}

fn warn_over_budget(ctx: &Ctx, result: &AutoResult, budget: Duration) {
    if result.elapsed_secs > budget.as_secs_f64() * 1.05 {
        ctx.shell.warn(format!(
            "the search took {}, over its budget of {}: the first step (the baseline and the reference points) and the final measurement always run",
            crate::ui::format_duration(Duration::from_secs_f64(result.elapsed_secs)),
            crate::ui::format_duration(budget)
        ));
    }
}

/// Size goal: where the pick's bytes still go, as a sentence for the recommendation — what to
/// look at next for a smaller binary.
fn size_hint(
    ctx: &Ctx,
    builder: &Builder,
    result: &AutoResult,
    winner: &Candidate,
) -> Option<String> {
    let built = result.final_run.variants[result.winner].build.as_ref();
    // The final run has the pick's bytes per crate (from symbols or the link map); only when it
    // does not is the pick built unstripped to find them.
    let line = built
        .and_then(|b| crate::report::crates::largest_line(&b.crates, 3))
        .or_else(|| {
            crate::size::variant::contributors(&ctx.shell, builder, &winner.variant, 3).ok()
        })?;
    let spec = winner.variant.spec();
    let variant = if spec.is_empty() {
        String::new()
    } else {
        format!(" --variant '{spec}'")
    };
    Some(format!(
        " Its {line} (`cargo tune{} size{variant}` for the whole table).",
        ctx.cargo.selection()
    ))
}

/// `--apply NAME`: writes the winner's settings as [profile.NAME], then how to reproduce the
/// winning build, stages included.
fn apply(
    ctx: &Ctx,
    project: &Project,
    builder: &Builder,
    name: &str,
    winner: &Candidate,
    result: &AutoResult,
    args: &AutoArgs,
) -> Result<()> {
    // BOLT is a post-link step, not a profile setting: the profile gets the settings alone.
    let settings_only = crate::variant::Variant {
        bolt: false,
        ..winner.variant.clone()
    };
    manifest::apply_profile(
        &ctx.shell,
        project,
        name,
        &settings_only,
        ApplyOptions {
            dry_run: false,
            force: args.force,
            target: Some(builder.target()),
        },
    )?;
    println!();
    println!("Reproduce the winning build:");
    let sel = ctx.cargo.selection();
    if winner.bolt {
        let pgo = if winner.pgo { " --variant pgo" } else { "" };
        println!(
            "  cargo tune{sel} --profile {name} bolt{pgo}{}",
            show::workload_args(&args.args)
        );
        return Ok(());
    }
    if !result.winner_pgo {
        println!("  cargo build{sel} --profile {name}");
        return Ok(());
    }
    println!("  # with cargo-tune, in one step:");
    println!(
        "  cargo tune{sel} --profile {name} pgo{}",
        show::workload_args(&args.args)
    );
    for line in crate::pgo::manual::steps(builder, &winner.variant, name) {
        println!("  {line}");
    }
    Ok(())
}

/// `--apply NAME` onto an existing profile or a read-only manifest needs `--force`: say so
/// before a long search, not after.
fn refuse_existing_profile(project: &Project, name: &str, force: bool) -> Result<()> {
    let read_only = manifest::write::ReadOnly::forced(force);
    manifest::write::check_writable(&project.root_manifest, read_only)?;
    if force {
        return Ok(());
    }
    let doc = crate::toml_file::TomlFile::read(&project.root_manifest)?.doc;
    if doc.get("profile").and_then(|p| p.get(name)).is_some() {
        bail!(
            "[profile.{name}] already exists in {}: add --force to overwrite it, or pick another name (--apply NAME)",
            project.root_manifest.display()
        );
    }
    Ok(())
}

//! `cargo tune auto`: search for the best build for the goal, show the path and the measured
//! recommendation, and optionally write it into Cargo.toml (`--apply`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::cargo::Builder;
use crate::commands::Ctx;
use crate::commands::options::{SessionArgs, parse_percent};
use crate::manifest::{self, ApplyOptions};
use crate::process::Interrupted;
use crate::report::{self, Format};
use crate::search::{self, AutoResult, InterruptedSearch, SearchOptions, SpeedMetric, output};
use crate::session::{Candidate, Session};
use crate::toolchain::{LlvmTool, find_tool};
use crate::tune_config::{CompileCap, Goal, check_budget, parse_budget, parse_compile_cap};

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
    /// With --apply: overwrite an existing, different profile of that name
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
    /// Write everything (path, Pareto front, every sample) as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report (search path, trade-off chart, every sample) to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub session: SessionArgs,
    /// Run the binary with these arguments as the (only) workload
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

pub fn run(ctx: &Ctx, args: &AutoArgs) -> Result<()> {
    if let Some(name) = &args.apply {
        manifest::validate_profile_name(name)?;
    }
    let (project, bin) = ctx.target()?;
    if let Some(name) = &args.apply {
        refuse_existing_profile(&project, name, args.force)?;
    }
    let config = &bin.config;
    let goal = args.goal.or(config.goal).unwrap_or(Goal::Speed);
    let budget = args
        .budget
        .or(config.budget.map(|d| d.0))
        .unwrap_or(search::DEFAULT_BUDGET);
    check_budget(budget).with_context(|| {
        format!(
            "budget in [package.metadata.tune] of {}",
            bin.package_manifest.display()
        )
    })?;
    let compile_cap = args.max_compile_time.or(config.max_compile_time);
    let workloads = crate::workload::select_measurable(
        &config.workload,
        &args.session.workloads,
        &args.args,
        &bin.package_manifest,
    )?;
    let (final_settings, choice) = args.session.measure.settings(config, &workloads)?;
    let allow_slowdown = args
        .allow_slowdown
        .unwrap_or(final_settings.noise_threshold);
    crate::workload::check_workloads(&workloads, args.session.allow_remote)?;
    let _lock = ctx.lock(&project)?;
    let builder = Builder::new(&ctx.shell, &project, &bin, &ctx.cargo)?;
    let mut session = Session::new(
        &ctx.shell,
        &builder,
        workloads,
        args.session.session_options(),
    );
    let pgo = !args.no_pgo
        && match session.pgo_available() {
            Ok(()) => true,
            Err(why) => {
                ctx.shell.warn(format!(
                    "searching without PGO: {}",
                    why.lines().next().unwrap_or("")
                ));
                false
            }
        };
    let bolt = !args.no_bolt && session.bolt_available().is_ok();
    let step_settings = search::step_settings(&final_settings);
    let opts = SearchOptions {
        goal,
        metric: if choice.service == crate::measure::Metric::P99 {
            SpeedMetric::P99
        } else {
            SpeedMetric::Rps
        },
        budget,
        compile_cap,
        allow_slowdown,
        pgo,
        bolt,
        native: args.native,
        x86_64: builder.target().starts_with("x86_64"),
        base_profile: ctx.cargo.profile.clone(),
        step_settings,
        final_settings,
        selection: ctx.cargo.selection(),
    };
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
        Err(e) => {
            // Ctrl-C: show and save what was measured, as `compare` does, then exit 130.
            let partial = e.downcast::<InterruptedSearch>()?;
            save_and_show(ctx, &project, &partial.0, args)?;
            return Err(Interrupted.into());
        }
    };

    if result.elapsed_secs > budget.as_secs_f64() * 1.05 {
        ctx.shell.warn(format!(
            "the search took {}, over its budget of {}: the first step (the baseline and the reference points) and the final measurement always run",
            crate::ui::format_duration(Duration::from_secs_f64(result.elapsed_secs)),
            crate::ui::format_duration(budget)
        ));
    }
    if goal == Goal::Size && result.winner != 0 && !result.interrupted {
        // Where the pick's bytes still go: what to look at next for a smaller binary.
        let built = result.final_run.variants[result.winner].build.as_ref();
        let line = built
            .and_then(|b| {
                crate::size::variant::contributors_of_binary(
                    &builder,
                    &winner.variant,
                    &b.binary,
                    3,
                )
            })
            .or_else(|| {
                crate::size::variant::contributors(&ctx.shell, &builder, &winner.variant, 3).ok()
            });
        if let Some(line) = line {
            let spec = winner.variant.spec();
            let variant = if spec.is_empty() {
                String::new()
            } else {
                format!(" --variant '{spec}'")
            };
            result.recommendation.push_str(&format!(
                " Its {line} (`cargo tune{} size{variant}` for the whole table).",
                ctx.cargo.selection()
            ));
        }
    }
    save_and_show(ctx, &project, &result, args)?;

    match &args.apply {
        Some(name) => apply(ctx, &project, &builder, name, &winner, &result, args)?,
        None if result.winner != 0 => print_next_steps(ctx, &winner, args),
        None => {}
    }
    let binary = result.final_run.variants[result.winner]
        .build
        .as_ref()
        .map(|b| b.binary.clone())
        .context("the winning configuration has no binary")?;
    println!("{}", binary.display());
    Ok(())
}

/// What to run next for a winner other than the baseline: write its settings as a profile,
/// and build it with its PGO/BOLT stages.
fn print_next_steps(ctx: &Ctx, winner: &Candidate, args: &AutoArgs) {
    let spec = winner.variant.spec();
    if !spec.is_empty() {
        println!(
            "To write its settings into Cargo.toml as [profile.tuned], without searching again:\n  cargo tune{} profile apply '{spec}' --name tuned",
            ctx.cargo.selection()
        );
    }
    if winner.bolt {
        let profile = if spec.is_empty() {
            String::new()
        } else {
            " --profile tuned".to_string()
        };
        let pgo = if winner.pgo { " --variant pgo" } else { "" };
        println!(
            "To build it with BOLT{}:\n  cargo tune{}{profile} bolt{pgo}{}",
            if winner.pgo { " on its PGO build" } else { "" },
            ctx.cargo.selection(),
            workload_args(&args.args)
        );
    } else if winner.pgo {
        let profile = if spec.is_empty() {
            String::new()
        } else {
            " --profile tuned".to_string()
        };
        println!(
            "To build it with PGO:\n  cargo tune{}{profile} pgo{}",
            ctx.cargo.selection(),
            workload_args(&args.args)
        );
    }
}

/// Saves the final run (where `cargo tune report` finds it), writes `--json`, and prints the
/// path, the final table and the recommendation. A partial (interrupted) result goes the same way.
fn save_and_show(
    ctx: &Ctx,
    project: &crate::cargo::Project,
    result: &AutoResult,
    args: &AutoArgs,
) -> Result<()> {
    // The saved run is what `cargo tune report` shows later: it carries the conclusion too.
    let mut saved_run = result.final_run.clone();
    if result.interrupted {
        saved_run
            .notes
            .push(format!("auto path so far: {}", path_summary(result)));
    }
    saved_run.notes.push(format!(
        "auto ({} goal): {} Tried {} of {} configurations with {} builds.",
        result.goal,
        result.recommendation,
        result.configurations_tried,
        result.space_size,
        result.builds
    ));
    let saved = report::save(&saved_run, &project.tune_dir())?;
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(result)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        ctx.shell.status("Wrote", path.display().to_string());
    }
    if let Some(path) = &args.html {
        report::write_file(path, &report::html::render_auto(result)?)?;
        ctx.shell.status("Wrote", path.display().to_string());
    }
    print!("{}", output::render(result, ctx.shell.stdout_color()));
    if !result.final_run.variants.is_empty() {
        print!(
            "{}",
            report::render(&result.final_run, Format::Table, ctx.shell.stdout_color())?
        );
        println!();
    }
    println!("{}", result.recommendation);
    ctx.shell.status(
        "Saved",
        format!(
            "{0} (show it again: cargo tune report {0})",
            crate::process::shell_quote(&saved.display().to_string())
        ),
    );
    Ok(())
}

/// "1. release (baseline); 2. production (kept: faster beyond noise)": the path in one note.
fn path_summary(result: &AutoResult) -> String {
    if result.path.is_empty() {
        return "nothing was measured yet".into();
    }
    let steps: Vec<String> = result
        .path
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "{}. {} ({}: {})",
                i + 1,
                t.candidate,
                output::decision_text(t.decision),
                crate::ui::first_line(&t.reason)
            )
        })
        .collect();
    steps.join("; ")
}

fn apply(
    ctx: &Ctx,
    project: &crate::cargo::Project,
    builder: &Builder,
    name: &str,
    winner: &Candidate,
    result: &AutoResult,
    args: &AutoArgs,
) -> Result<()> {
    let (force, args_given) = (args.force, &args.args);
    let sel = ctx.cargo.selection();
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
            force,
            target: Some(builder.target()),
        },
    )?;
    println!();
    println!("Reproduce the winning build:");
    let target = builder.target();
    let bin = &builder.bin().bin;
    if winner.bolt {
        let pgo = if winner.pgo { " --variant pgo" } else { "" };
        println!(
            "  cargo tune{sel} --profile {name} bolt{pgo}{}",
            workload_args(args_given)
        );
        return Ok(());
    }
    if !result.winner_pgo {
        println!("  cargo build{sel} --profile {name}");
        return Ok(());
    }
    let flags = builder.rustflags(&winner.variant).join(" ");
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!("{flags} ")
    };
    let profdata = find_tool(builder.rustc(), LlvmTool::Profdata)
        .found
        .map_or_else(
            || "llvm-profdata".to_string(),
            |f| f.path.display().to_string(),
        );
    let dir = "/tmp/pgo-data";
    println!("  # with cargo-tune, in one step:");
    println!(
        "  cargo tune{sel} --profile {name} pgo{}",
        workload_args(args_given)
    );
    println!("  # or by hand (RUSTFLAGS replaces config rustflags, so they are repeated here):");
    println!(
        "  RUSTFLAGS='{flags}-Cprofile-generate={dir}' cargo build{sel} --profile {name} --target {target}"
    );
    let out = builder
        .project()
        .target_dir
        .join(target)
        .join(name)
        .join(bin);
    println!(
        "  {} …your workload…   # each run adds a .profraw",
        out.display()
    );
    println!("  {profdata} merge -o {dir}/merged.profdata {dir}");
    println!(
        "  RUSTFLAGS='{flags}-Cprofile-use={dir}/merged.profdata' cargo build{sel} --profile {name} --target {target}"
    );
    Ok(())
}

/// `--apply NAME` onto an existing profile needs `--force`: say so before a long search, not after.
fn refuse_existing_profile(project: &crate::cargo::Project, name: &str, force: bool) -> Result<()> {
    if force {
        return Ok(());
    }
    let doc = manifest::TomlFile::read(&project.root_manifest)?.doc;
    if doc.get("profile").and_then(|p| p.get(name)).is_some() {
        bail!(
            "[profile.{name}] already exists in {}: add --force to overwrite it, or pick another name (--apply NAME)",
            project.root_manifest.display()
        );
    }
    Ok(())
}

/// ` -- ARGS` when the workload came from the command line, quoted for a shell.
fn workload_args(args: &[String]) -> String {
    if args.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = args
        .iter()
        .map(|a| crate::process::shell_quote(a))
        .collect();
    format!(" -- {}", quoted.join(" "))
}

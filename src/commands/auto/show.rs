//! What `auto` prints and saves: the path, the Pareto front, the final table and the
//! recommendation (also of an interrupted search), and the commands to run next.

use anyhow::Result;

use super::args::AutoArgs;
use crate::cargo::Project;
use crate::commands::Ctx;
use crate::report::{self, Format};
use crate::run::auto::AutoResult;
use crate::search::output;
use crate::spec::Candidate;

/// What to run next for a winner other than the baseline: write its settings as a profile,
/// and build it with its PGO/BOLT stages.
pub(super) fn print_next_steps(ctx: &Ctx, winner: &Candidate, args: &AutoArgs) {
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
pub(super) fn save_and_show(
    ctx: &Ctx,
    project: &Project,
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
    let saved = crate::run::store::save(&saved_run, &project.tune_dir())?;
    args.export.write(&ctx.shell, |format| match format {
        Format::Json => Ok(serde_json::to_string_pretty(result)? + "\n"),
        Format::Html => report::html::render_auto(result),
        Format::Markdown => Ok(format!(
            "{}\n\n{}",
            result.recommendation,
            report::render(&result.final_run, Format::Markdown, false)?
        )),
        Format::Table => report::render(&result.final_run, format, false),
    })?;
    print!(
        "{}",
        output::render_with(result, ctx.shell.stdout_color(), ctx.shell.is_verbose())
    );
    if !result.final_run.variants.is_empty() {
        print!(
            "{}",
            report::render(&result.final_run, Format::Table, ctx.shell.stdout_color())?
        );
        println!();
        // With several layouts the summary above already says so, with the band.
        if report::layouts::measured(&result.final_run) < 2 {
            println!("{}", report::layouts::count_line(&result.final_run));
        }
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

/// ` -- ARGS` when the workload came from the command line, quoted for a shell.
pub(super) fn workload_args(args: &[String]) -> String {
    if args.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = args
        .iter()
        .map(|a| crate::process::shell_quote(a))
        .collect();
    format!(" -- {}", quoted.join(" "))
}

//! `cargo tune report [--last | FILE] [--format table|markdown|json|html] [-o FILE]`: re-render
//! a saved run (or an `auto --json` document) without measuring again.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use crate::commands::Ctx;
use crate::report::{self, Format};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A saved result, or the output of `auto --json` (default: the newest in <target-dir>/tune/results)
    #[arg(value_name = "FILE", conflicts_with = "last")]
    pub file: Option<PathBuf>,
    /// Show the newest saved run (the default)
    #[arg(long)]
    pub last: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table, value_name = "FORMAT")]
    pub format: Format,
    /// Write the report to FILE instead of standard output (e.g. `--format html -o report.html`)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub(crate) fn run(ctx: &Ctx, args: &ReportArgs) -> Result<()> {
    let (path, run, auto) = match &args.file {
        Some(file) => {
            let (run, auto) = crate::run::store::load_any(file)?;
            (file.clone(), run, auto)
        }
        None => {
            let project = ctx.project().context(
                "cannot find the project's target directory for its saved results \
                 (run inside the project, pass --manifest-path, or give a result FILE)",
            )?;
            let (path, run) = crate::run::store::load_last(&project.tune_dir())?;
            (path, run, None)
        }
    };
    ctx.shell.status(
        "Showing",
        format!(
            "`cargo tune {}` of {} ({})",
            run.command.as_str(),
            run.started,
            path.display()
        ),
    );
    let color = args.output.is_none() && ctx.shell.stdout_color();
    let text = match (&auto, args.format) {
        (Some(auto), Format::Html) => report::html::render_auto(auto)?,
        _ => report::render(&run, args.format, color)?,
    };
    match &args.output {
        Some(out) => {
            crate::run::store::write_file(out, &text)?;
            ctx.shell.status("Wrote", out.display().to_string());
        }
        None => print!("{text}"),
    }
    Ok(())
}

//! `cargo tune report [--last | FILE] [--format table|markdown|json]`: re-render a saved run
//! without measuring again.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use crate::commands::Ctx;
use crate::report::{self, Format};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A saved result (default: the newest in <target-dir>/tune/results)
    #[arg(value_name = "FILE", conflicts_with = "last")]
    pub file: Option<PathBuf>,
    /// Show the newest saved run (the default)
    #[arg(long)]
    pub last: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table, value_name = "FORMAT")]
    pub format: Format,
}

pub fn run(ctx: &Ctx, args: &ReportArgs) -> Result<()> {
    let (path, run) = match &args.file {
        Some(file) => (file.clone(), report::load(file)?),
        None => {
            let project = ctx.project().context(
                "cannot find the project's target directory for its saved results \
                 (run inside the project, pass --manifest-path, or give a result FILE)",
            )?;
            report::load_last(&project.tune_dir())?
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
    let text = report::render(&run, args.format, ctx.shell.stdout_color())?;
    print!("{text}");
    Ok(())
}

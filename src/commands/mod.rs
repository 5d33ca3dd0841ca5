//! One module per subcommand: its clap `Args` and its `run`.

pub(crate) mod auto;
pub(crate) mod bolt;
pub(crate) mod build;
pub(crate) mod check;
pub(crate) mod ci;
pub(crate) mod clean;
pub(crate) mod compare;
pub(crate) mod completions;
pub(crate) mod doctor;
mod errors;
pub(crate) mod explain;
pub(crate) mod load;
pub(crate) mod man;
pub(crate) mod options;
pub(crate) mod pgo;
pub(crate) mod profile;
pub(crate) mod report;
pub(crate) mod size;

use std::path::Path;

use anyhow::{Result, bail};

pub use errors::{SilentExit, UsageError};

use crate::cargo::Selection;
use crate::cargo::{BinTarget, Project, TuneLock, lock_tune_dir};
use crate::commands::options::ExportArgs;
use crate::report::{Format, render};
use crate::run::Run;
use crate::ui::Shell;

/// What every command gets: the shell and the cargo-shaped global options.
pub(crate) struct Ctx {
    pub shell: Shell,
    pub cargo: Selection,
}

impl Ctx {
    pub(crate) fn project(&self) -> Result<Project> {
        Project::load(&self.cargo)
    }

    /// The project and the binary target the global options select.
    pub(crate) fn target(&self) -> Result<(Project, BinTarget)> {
        let project = self.project()?;
        let bin = project.bin_target(&self.cargo)?;
        Ok((project, bin))
    }

    /// Takes the lock on `<target-dir>/tune` for a command that builds or measures: hold the
    /// result until the command ends. `--no-wait` fails instead of waiting.
    pub(crate) fn lock(&self, project: &Project) -> Result<TuneLock> {
        lock_tune_dir(&self.shell, &project.tune_dir(), !self.cargo.no_wait)
    }
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

/// Saves the run under `<target-dir>/tune/results/`, writes the requested exports, prints the table.
pub(crate) fn save_and_print(
    shell: &Shell,
    tune_dir: &Path,
    run: &Run,
    export: &ExportArgs,
) -> Result<()> {
    let saved = crate::run::store::save(run, tune_dir)?;
    export.write(shell, |format| render(run, format, false))?;
    print!("{}", render(run, Format::Table, shell.stdout_color())?);
    shell.status(
        "Saved",
        format!(
            "{0} (show it again: cargo tune report {0})",
            crate::process::shell_quote(&saved.display().to_string())
        ),
    );
    Ok(())
}

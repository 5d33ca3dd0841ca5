//! One module per subcommand: its clap `Args` and its `run`.

pub mod auto;
pub mod bolt;
pub mod build;
pub mod check;
pub mod ci;
pub mod clean;
pub mod compare;
pub mod doctor;
pub mod explain;
pub mod load;
pub mod options;
pub mod pgo;
pub mod prebuilt;
pub mod profile;
pub mod report;
pub mod size;

use anyhow::Result;

use crate::cargo::Selection;
use crate::cargo::{BinTarget, Project, TuneLock, lock_tune_dir};
use crate::ui::Shell;

/// What every command gets: the shell and the cargo-shaped global options.
pub struct Ctx {
    pub shell: Shell,
    pub cargo: Selection,
}

impl Ctx {
    pub fn project(&self) -> Result<Project> {
        Project::load(&self.cargo)
    }

    /// The project and the binary target the global options select.
    pub fn target(&self) -> Result<(Project, BinTarget)> {
        let project = self.project()?;
        let bin = project.bin_target(&self.cargo)?;
        Ok((project, bin))
    }

    /// Takes the lock on `<target-dir>/tune` for a command that builds or measures: hold the
    /// result until the command ends. `--no-wait` fails instead of waiting.
    pub fn lock(&self, project: &Project) -> Result<TuneLock> {
        lock_tune_dir(&self.shell, &project.tune_dir(), !self.cargo.no_wait)
    }
}

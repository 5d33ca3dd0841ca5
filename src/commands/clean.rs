//! `cargo tune clean`: remove what cargo-tune built under `<target-dir>/tune`.

use std::path::Path;

use anyhow::{Context, Result};
use clap::Args;

use crate::commands::Ctx;
use crate::ui::format_bytes;

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Also remove the saved results of compare and auto
    #[arg(long)]
    pub all: bool,
}

pub fn run(ctx: &Ctx, args: &CleanArgs) -> Result<()> {
    let project = ctx.project()?;
    let tune = project.tune_dir();
    let entries = match std::fs::read_dir(&tune) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            ctx.shell
                .status("Clean", format!("nothing to remove in {}", tune.display()));
            return Ok(());
        }
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", tune.display())),
    };
    let mut freed = 0;
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if !args.all && entry.file_name() == "results" {
            continue;
        }
        freed += disk_usage(&path);
        if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        }
        .with_context(|| format!("cannot remove {}", path.display()))?;
        removed += 1;
    }
    let kept = if args.all {
        ""
    } else {
        "; saved results kept (--all removes them)"
    };
    ctx.shell.status(
        "Removed",
        format!(
            "{removed} entries, {} from {}{kept}",
            format_bytes(freed),
            tune.display()
        ),
    );
    Ok(())
}

fn disk_usage(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .map(|rd| rd.flatten().map(|e| disk_usage(&e.path())).sum())
        .unwrap_or(0)
}

//! `cargo tune clean`: remove what cargo-tune built under `<target-dir>/tune`.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{Context, Result};
use clap::Args;

use crate::cargo::LOCK_FILE;
use crate::commands::Ctx;
use crate::ui::format_bytes;

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Also remove the saved results of compare and auto
    #[arg(long)]
    pub all: bool,
}

pub(crate) fn run(ctx: &Ctx, args: &CleanArgs) -> Result<()> {
    let project = ctx.project()?;
    let tune = project.tune_dir();
    if !tune.exists() {
        ctx.shell
            .status("Clean", format!("nothing to remove in {}", tune.display()));
        return Ok(());
    }
    // Removing builds under a running compare or pgo would break it: wait for it like cargo.
    let _lock = ctx.lock(&project)?;
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
    // Cargo hard-links each binary into its profile dir: count every inode once.
    let mut seen = HashSet::new();
    for entry in entries.flatten() {
        let path = entry.path();
        // The lock file stays: a process waiting on it must lock the same file as a newcomer.
        if (!args.all && entry.file_name() == "results") || entry.file_name() == LOCK_FILE {
            continue;
        }
        // The linker wrapper (a symlink) is no build: the next build makes it again.
        if entry.file_name() == crate::link::capture::WRAPPER {
            let _ = std::fs::remove_file(&path);
            continue;
        }
        freed += disk_usage(&path, &mut seen);
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
            "{removed} {}, {} from {}{kept}",
            if removed == 1 { "entry" } else { "entries" },
            format_bytes(freed),
            tune.display()
        ),
    );
    Ok(())
}

/// Bytes freed by removing `path`: files reached twice through hard links count once.
fn disk_usage(path: &Path, seen: &mut HashSet<(u64, u64)>) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        // A file with other links outside `path` frees nothing until they go too; this
        // undercounts nothing cargo-tune makes, whose links all live under the tune dir.
        return if seen.insert((meta.dev(), meta.ino())) {
            meta.len()
        } else {
            0
        };
    }
    std::fs::read_dir(path)
        .map(|rd| rd.flatten().map(|e| disk_usage(&e.path(), seen)).sum())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_links_count_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("deps");
        std::fs::create_dir(&a).unwrap();
        std::fs::write(a.join("bin-123"), vec![0u8; 1000]).unwrap();
        std::fs::hard_link(a.join("bin-123"), dir.path().join("bin")).unwrap();
        std::fs::write(dir.path().join("other"), vec![0u8; 10]).unwrap();
        assert_eq!(disk_usage(dir.path(), &mut HashSet::new()), 1010);
    }
}

//! Merging raw profiles with the matching `llvm-profdata`: bad files named, output named by content hash.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use super::layout::{Layout, MergedInfo};
use crate::process::Cmd;
use crate::ui::Shell;

/// A raw profile `llvm-profdata` could not read, and what it said.
#[derive(Debug, Clone)]
pub(crate) struct BadProfile {
    pub path: PathBuf,
    pub reason: String,
}

/// Merges every raw profile of `layout` into `<root>/<content-hash>.profdata`.
/// The content hash in the name makes rustc's cache see a new profile as a new input.
pub(crate) fn merge(
    shell: &Shell,
    profdata: &Path,
    layout: &Layout,
    ignore_bad: bool,
    selection: &str,
) -> Result<MergedInfo> {
    let raw = layout.raw_files()?;
    if raw.is_empty() {
        bail!(
            "no raw profiles (.profraw) in {}: run the instrumented binary first (`cargo tune{selection} pgo run`)",
            layout.raw_dir().display()
        );
    }
    // Named per process: even outside the tune lock (an older cargo-tune, a script running
    // `pgo merge`), two merges never read or rename each other's half-written file.
    let tmp = layout
        .root
        .join(format!("merging-{}.profdata.tmp", std::process::id()));
    let state = layout.load_state()?;
    let mut inputs = raw.clone();
    let first = merge_cmd(profdata, &tmp, &state.weighted(&inputs)).run_unchecked()?;
    if !first.success() {
        // Find out which files are at fault, so the user knows what to delete.
        let bad = find_bad(profdata, &raw)?;
        if bad.is_empty() {
            return Err(first.error()).context("llvm-profdata could not merge the profiles");
        }
        let list: Vec<String> = bad
            .iter()
            .map(|b| format!("  {}: {}", b.path.display(), b.reason))
            .collect();
        if !ignore_bad {
            bail!(
                "{} of {} cannot be read:\n{}\nre-run with --ignore-bad-profiles to merge the others, \
                 or `cargo tune{selection} pgo clean` and gather them again",
                bad.len(),
                crate::ui::count(raw.len(), "raw profile"),
                list.join("\n")
            );
        }
        shell.warn(format!(
            "skipping {}:\n{}",
            crate::ui::count(bad.len(), "unreadable raw profile"),
            list.join("\n")
        ));
        inputs.retain(|p| !bad.iter().any(|b| &b.path == p));
        if inputs.is_empty() {
            bail!(
                "none of the {} raw profiles in {} can be read",
                raw.len(),
                layout.raw_dir().display()
            );
        }
        merge_cmd(profdata, &tmp, &state.weighted(&inputs))
            .run()
            .context("llvm-profdata could not merge the readable profiles")?;
    }
    let path = content_named(&tmp, &layout.root)?;
    let functions = count_functions(profdata, &path).ok();
    Ok(MergedInfo {
        path,
        gathered_from: layout.load_state()?.gathered_from,
        raw_files: inputs.len(),
        functions,
        merged_at: SystemTime::now(),
    })
}

/// `llvm-profdata merge`; a workload's `weight` other than 1 goes in as `--weighted-input`.
fn merge_cmd(profdata: &Path, out: &Path, inputs: &[(u32, PathBuf)]) -> Cmd {
    let mut cmd = Cmd::new(profdata).arg("merge").arg("-o").arg(out);
    for (weight, path) in inputs {
        cmd = match weight {
            1 => cmd.arg(path),
            w => cmd.arg(format!("--weighted-input={w},{}", path.display())),
        };
    }
    cmd
}

/// Merges `inputs` (each with its weight) into `<dir>/<content-hash>.profdata`, replacing any
/// other profile there: a held-out fold's or a saved profile's folder holds one profile.
pub(crate) fn merge_into(
    profdata: &Path,
    inputs: &[(u32, PathBuf)],
    dir: &Path,
) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!("merging-{}.profdata.tmp", std::process::id()));
    merge_cmd(profdata, &tmp, inputs)
        .run()
        .context("llvm-profdata could not merge the profiles")?;
    content_named(&tmp, dir)
}

/// Renames `tmp` to `<dir>/<hash of its bytes>.profdata` and removes the other profiles there.
pub(crate) fn content_named(tmp: &Path, dir: &Path) -> Result<PathBuf> {
    let bytes = std::fs::read(tmp).with_context(|| format!("cannot read {}", tmp.display()))?;
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = dir.join(format!("{hash}.profdata"));
    for old in super::layout::list(dir, "profdata")? {
        if old != path {
            let _ = std::fs::remove_file(old);
        }
    }
    if path.is_file() {
        // The same profile again (a rerun's fold): leave the file, and its build, untouched.
        let _ = std::fs::remove_file(tmp);
        return Ok(path);
    }
    std::fs::rename(tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

fn find_bad(profdata: &Path, raw: &[PathBuf]) -> Result<Vec<BadProfile>> {
    let mut bad = Vec::new();
    for path in raw {
        let out = Cmd::new(profdata).arg("show").arg(path).run_unchecked()?;
        if !out.success() {
            let stderr = out.stderr_str();
            let reason = stderr
                .lines()
                .find(|l| l.contains("error") || l.contains("warning"))
                .map(|l| l.rsplit(": ").next().unwrap_or(l).trim().to_string())
                .unwrap_or_else(|| out.error().ended.to_string());
            bad.push(BadProfile {
                path: path.clone(),
                reason,
            });
        }
    }
    Ok(bad)
}

/// "Total functions: N" from `llvm-profdata show`.
pub(crate) fn count_functions(profdata: &Path, merged: &Path) -> Result<u64> {
    let out = Cmd::new(profdata)
        .arg("show")
        .arg(merged)
        .run()?
        .stdout_str();
    out.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Total functions:")
                .and_then(|n| n.trim().parse().ok())
        })
        .context("`llvm-profdata show` printed no function count")
}

//! Profiles that outlive a build: `--save-profile` writes the merged profile out, and
//! `--use-profile` builds with one gathered earlier (on another commit, by CI) instead of
//! gathering again. rustc then says how stale it is: functions whose code changed since
//! (hash mismatch) get no profile, new functions have no record.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::layout::MergedInfo;
use super::merge::{content_named, count_functions};
use super::{Pgo, PgoOptions, PgoWarnings};
use crate::cargo::Build;

/// Copies the merged profile to `to`, atomically (a temp file next to it, then a rename).
pub(crate) fn save(merged: &Path, to: &Path) -> Result<()> {
    let dir = match to.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(".cargo-tune-profile-{}.tmp", std::process::id()));
    std::fs::copy(merged, &tmp)
        .with_context(|| format!("cannot write the profile to {}", tmp.display()))?;
    std::fs::rename(&tmp, to).with_context(|| format!("cannot write {}", to.display()))
}

/// A build with a saved profile, and how stale the profile is for today's sources.
#[derive(Debug, Clone)]
pub(crate) struct Reused {
    pub build: Build,
    pub warnings: PgoWarnings,
    /// Functions the profile has records for.
    pub functions: Option<u64>,
}

impl Pgo<'_> {
    /// The optimized build with the profile in `file`. The file is copied into this
    /// configuration's PGO folder under its content hash, so a changed file is a new input to
    /// rustc and its build never replaces the one of freshly gathered profiles.
    pub(crate) fn use_saved(&self, file: &Path, opts: &PgoOptions) -> Result<Reused> {
        let tool = self.preflight()?;
        let functions = count_functions(&tool, file).with_context(|| {
            format!(
                "cannot read {} as an indexed profile (llvm-profdata {}): save it with \
                 `cargo tune pgo --save-profile FILE` on the same toolchain",
                file.display(),
                self.builder.rustc().llvm_version
            )
        })?;
        let dir = self.layout.root.join("saved");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let tmp = dir.join(format!("copying-{}.profdata.tmp", std::process::id()));
        std::fs::copy(file, &tmp).with_context(|| format!("cannot read {}", file.display()))?;
        let path = content_named(&tmp, &dir)?;
        let merged = MergedInfo {
            path,
            gathered_from: vec![format!("saved profile {}", file.display())],
            raw_files: 0,
            functions: Some(functions),
            merged_at: std::time::SystemTime::now(),
        };
        let (build, warnings) = self.optimize(&merged, opts)?;
        Ok(Reused {
            build,
            warnings,
            functions: Some(functions),
        })
    }
}

/// How stale a reused profile is, in one sentence.
pub(crate) fn staleness(file: &Path, r: &Reused) -> String {
    let changed = match r.functions {
        Some(n) => format!("{} of its {n} functions", r.warnings.mismatched),
        None => crate::ui::count(r.warnings.mismatched, "function"),
    };
    format!(
        "{}: {changed} changed since it was taken (their code differs, so they get no PGO); \
         {} without a record (new since, or never instrumented)",
        file.display(),
        crate::ui::count(r.warnings.missing, "function"),
    )
}

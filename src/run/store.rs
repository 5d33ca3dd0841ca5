//! Saved runs: every run is written to `<target-dir>/tune/results/<timestamp>-<command>.json`
//! (timestamps sort by name), and `cargo tune report` reads them back.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};

use crate::run::{Run, SCHEMA};

/// `<tune_dir>/results`.
pub(crate) fn results_dir(tune_dir: &Path) -> PathBuf {
    tune_dir.join("results")
}

/// Writes `run` as pretty JSON under `<tune_dir>/results/` and returns the file's path.
/// The file appears complete or not at all (written aside, then renamed into place).
pub fn save(run: &Run, tune_dir: &Path) -> Result<PathBuf> {
    let dir = results_dir(tune_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let json = serde_json::to_string_pretty(run).context("cannot serialize the results")?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    tmp.write_all(json.as_bytes())
        .and_then(|()| tmp.write_all(b"\n"))
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    loop {
        // Millisecond RFC 3339 stamps are fixed-width, so names sort chronologically.
        let stamp = humantime::format_rfc3339_millis(SystemTime::now())
            .to_string()
            .replace(':', "-");
        let path = dir.join(format!("{stamp}-{}.json", run.command.as_str()));
        match tmp.persist_noclobber(&path) {
            Ok(_) => return Ok(path),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                tmp = e.file;
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Err(e) => {
                return Err(e.error).with_context(|| format!("cannot write {}", path.display()));
            }
        }
    }
}

/// Writes `text` to `path` atomically (a temporary file beside it, then a rename), so an
/// interrupted write never leaves a half-written report where the user asked for one.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    tmp.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    // A temporary file is private (0600); a report is for sharing, like any file the user writes.
    let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode());
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set the permissions of {}", tmp.path().display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Reads a saved run, refusing files from a newer format with a clear message.
pub(crate) fn load(path: &Path) -> Result<Run> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    let Some(schema) = value.get("schema").and_then(|s| s.as_u64()) else {
        bail!(
            "{} is not a cargo-tune result (it has no `schema` field)",
            path.display()
        );
    };
    if schema > u64::from(SCHEMA) {
        bail!(
            "{} was written by a newer cargo-tune (result schema {schema}; this version reads up to {SCHEMA}); upgrade cargo-tune to read it",
            path.display()
        );
    }
    serde_path_to_error::deserialize(value)
        .map_err(|e| anyhow::anyhow!("at `{}`: {}", e.path(), e.inner()))
        .with_context(|| format!("cannot read the results in {}", path.display()))
}

/// The newest saved run's path, if any.
pub(crate) fn last_path(tune_dir: &Path) -> Result<Option<PathBuf>> {
    let dir = results_dir(tune_dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    let mut newest: Option<PathBuf> = None;
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|e| e == "json")
            && newest
                .as_ref()
                .is_none_or(|n| path.file_name() > n.file_name())
        {
            newest = Some(path);
        }
    }
    Ok(newest)
}

/// The newest saved run and its path; a clear error when there is none.
pub(crate) fn load_last(tune_dir: &Path) -> Result<(PathBuf, Run)> {
    match last_path(tune_dir)? {
        Some(path) => {
            let run = load(&path)?;
            Ok((path, run))
        }
        None => bail!(
            "no saved results in {}; `cargo tune compare` (or `cargo tune auto`) measures variants and saves its results there",
            results_dir(tune_dir).display()
        ),
    }
}

/// A saved run, or an `auto --json` document (which carries the search path beside its final run).
pub(crate) fn load_any(path: &Path) -> Result<(Run, Option<crate::run::auto::AutoResult>)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let is_auto = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .is_some_and(|v| v.get("final_run").is_some());
    if is_auto {
        let auto: crate::run::auto::AutoResult =
            serde_json::from_str(&text).with_context(|| {
                format!(
                    "cannot read {} as the output of `cargo tune auto --json`",
                    path.display()
                )
            })?;
        return Ok((auto.final_run.clone(), Some(auto)));
    }
    Ok((load(path)?, None))
}

//! Where PGO data lives: `<target-dir>/tune/pgo/<package>/<bin>/<base-variant-hash>/` and its state file.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::cargo::{BinTarget, Project};
use crate::variant::Variant;

/// The PGO directory of one binary built with one base configuration.
/// Profiles never mix across configurations: function names in a profile carry
/// codegen-unit names, so generate and use builds must share every setting.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
}

/// What the steps run so far left behind (`state.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// The configuration the profiles were gathered with.
    pub base: Option<Variant>,
    pub instrumented_binary: Option<PathBuf>,
    /// Fingerprints of what wrote the raw profiles (one per gathering), in order.
    #[serde(default)]
    pub gathered_from: Vec<String>,
    /// Cleared whenever new raw profiles arrive, so a stale merge is never used.
    pub merged: Option<MergedInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MergedInfo {
    pub path: PathBuf,
    /// `State::gathered_from` at merge time: which workloads the profile represents.
    #[serde(default)]
    pub gathered_from: Vec<String>,
    pub raw_files: usize,
    pub functions: Option<u64>,
    pub merged_at: SystemTime,
}

impl Layout {
    pub fn new(project: &Project, bin: &BinTarget, base: &Variant) -> Layout {
        Layout {
            root: Self::bin_dir(project, bin).join(base.hash()),
        }
    }

    /// `<target-dir>/tune/pgo/<package>/<bin>`: every configuration's data for this binary.
    pub fn bin_dir(project: &Project, bin: &BinTarget) -> PathBuf {
        project
            .tune_dir()
            .join("pgo")
            .join(&bin.package)
            .join(&bin.bin)
    }

    pub fn raw_dir(&self) -> PathBuf {
        self.root.join("raw")
    }

    /// `LLVM_PROFILE_FILE` for runs: `%m` (binary signature) and `%p` (pid) keep
    /// parallel and repeated runs from overwriting each other.
    pub fn profile_file_pattern(&self) -> PathBuf {
        self.raw_dir().join("%m_%p.profraw")
    }

    pub fn raw_files(&self) -> Result<Vec<PathBuf>> {
        list(&self.raw_dir(), "profraw")
    }

    pub fn merged_files(&self) -> Result<Vec<PathBuf>> {
        list(&self.root, "profdata")
    }

    pub fn clear_raw(&self) -> Result<usize> {
        remove_all(&self.raw_files()?)
    }

    pub fn load_state(&self) -> Result<State> {
        load_state(&self.root, "PGO")
    }

    pub fn save_state(&self, state: &State) -> Result<()> {
        save_state(&self.root, state)
    }
}

/// Removes `files`; returns how many.
pub(crate) fn remove_all(files: &[PathBuf]) -> Result<usize> {
    for f in files {
        std::fs::remove_file(f).with_context(|| format!("cannot remove {}", f.display()))?;
    }
    Ok(files.len())
}

/// A stage's `state.json` under `root` (default when absent); `stage` names it in errors.
pub(crate) fn load_state<T: serde::de::DeserializeOwned + Default>(
    root: &Path,
    stage: &str,
) -> Result<T> {
    let path = root.join("state.json");
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("corrupt {stage} state {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes a stage's `state.json` under `root` atomically, through a temp file named per process
/// (two runs never share one).
pub(crate) fn save_state<T: serde::Serialize>(root: &Path, state: &T) -> Result<()> {
    std::fs::create_dir_all(root).with_context(|| format!("cannot create {}", root.display()))?;
    let path = root.join("state.json");
    let tmp = root.join(format!("state.json.{}.tmp", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec_pretty(state)?)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))
}

/// The files with extension `ext` in `dir`, sorted (none when `dir` does not exist).
pub(crate) fn list(dir: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    Ok(files)
}

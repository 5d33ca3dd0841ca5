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
pub(crate) struct Layout {
    pub root: PathBuf,
}

/// What the steps run so far left behind (`state.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct State {
    /// The configuration the profiles were gathered with.
    pub base: Option<Variant>,
    pub instrumented_binary: Option<PathBuf>,
    /// Fingerprints of what wrote the raw profiles (one per gathering), in order.
    #[serde(default)]
    pub gathered_from: Vec<String>,
    /// Cleared whenever new raw profiles arrive, so a stale merge is never used.
    pub merged: Option<MergedInfo>,
    /// Which raw profiles each workload wrote, with its weight: merges of subsets (held-out
    /// folds) and per-workload profiles (health) come from these without running anything again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_workload: Vec<WorkloadRaw>,
}

/// The raw profiles one training workload wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct WorkloadRaw {
    pub name: String,
    pub weight: u32,
    pub files: Vec<PathBuf>,
}

impl State {
    /// Each raw profile with the weight of the workload that wrote it (1 when not recorded).
    pub(crate) fn weighted(&self, raw: &[PathBuf]) -> Vec<(u32, PathBuf)> {
        raw.iter()
            .map(|p| {
                let weight = self
                    .by_workload
                    .iter()
                    .find(|w| w.files.contains(p))
                    .map_or(1, |w| w.weight);
                (weight, p.clone())
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MergedInfo {
    pub path: PathBuf,
    /// `State::gathered_from` at merge time: which workloads the profile represents.
    #[serde(default)]
    pub gathered_from: Vec<String>,
    pub raw_files: usize,
    pub functions: Option<u64>,
    pub merged_at: SystemTime,
}

impl Layout {
    pub(crate) fn new(project: &Project, bin: &BinTarget, base: &Variant) -> Layout {
        Layout {
            root: Self::bin_dir(project, bin).join(base.hash()),
        }
    }

    /// `<target-dir>/tune/pgo/<package>/<bin>`: every configuration's data for this binary.
    pub(crate) fn bin_dir(project: &Project, bin: &BinTarget) -> PathBuf {
        project
            .tune_dir()
            .join("pgo")
            .join(&bin.package)
            .join(&bin.bin)
    }

    pub(crate) fn raw_dir(&self) -> PathBuf {
        self.root.join("raw")
    }

    /// Where a held-out fold's profile (training without `workload`) is merged. A folder of its
    /// own, so its optimized build gets a target dir of its own (`Variant::dir_key`).
    pub(crate) fn fold_dir(&self, workload: &str) -> PathBuf {
        self.root.join(format!("fold-{}", slug(workload)))
    }

    /// Where a measure-only workload's profile is gathered (for health only, never merged into
    /// the training profile).
    pub(crate) fn probe_dir(&self, workload: &str) -> PathBuf {
        self.root.join("probe").join(slug(workload))
    }

    /// `LLVM_PROFILE_FILE` for runs: `%m` (binary signature) and `%p` (pid) keep
    /// parallel and repeated runs from overwriting each other.
    pub(crate) fn profile_file_pattern(&self) -> PathBuf {
        self.raw_dir().join("%m_%p.profraw")
    }

    pub(crate) fn raw_files(&self) -> Result<Vec<PathBuf>> {
        list(&self.raw_dir(), "profraw")
    }

    pub(crate) fn clear_raw(&self) -> Result<usize> {
        remove_all(&self.raw_files()?)
    }

    pub(crate) fn load_state(&self) -> Result<State> {
        load_state(&self.root, "PGO")
    }

    pub(crate) fn save_state(&self, state: &State) -> Result<()> {
        save_state(&self.root, state)
    }
}

/// A workload name as a file name: its safe characters and a short hash of the whole name, so
/// two names never share a folder.
fn slug(name: &str) -> String {
    use sha2::{Digest, Sha256};
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let digest = Sha256::digest(name.as_bytes());
    let hex: String = digest.iter().take(3).map(|b| format!("{b:02x}")).collect();
    format!("{safe}-{hex}")
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

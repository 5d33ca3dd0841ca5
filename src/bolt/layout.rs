//! Where BOLT data lives: `<variant's target dir>/bolt/<package>-<bin>/` (instrumented binary,
//! raw `.fdata`, merged profile, optimized binary) and its state file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::pgo::layout::{list, load_state, remove_all, save_state};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::report::BoltStats;
use crate::cargo::{BinTarget, Project};

/// The BOLT directory of one binary of one input build. It sits in the input variant's own
/// target dir, so a rebuild from scratch of that variant also drops its stale BOLT data.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub root: PathBuf,
    bin: String,
}

/// What the steps run so far left behind (`state.json`). Every product records the input it
/// was made from (by content hash), so a rebuilt input never meets an old profile.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct State {
    /// The input the instrumented binary was made from.
    pub instrumented_from: Option<String>,
    #[serde(default)]
    pub instrument_secs: f64,
    /// Fingerprints of what wrote the raw profiles (one per gathering), in order.
    #[serde(default)]
    pub gathered_from: Vec<String>,
    /// Cleared whenever new raw profiles arrive, so a stale merge is never used.
    pub merged: Option<Merged>,
    pub optimized: Option<Optimized>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Merged {
    pub path: PathBuf,
    /// Content hash of the input binary the profile was gathered on.
    pub input: String,
    pub gathered_from: Vec<String>,
    pub raw_files: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Optimized {
    pub path: PathBuf,
    /// Hash of input, profile, BOLT arguments and strip mode: equal keys, equal binaries.
    pub key: String,
    pub stats: BoltStats,
    pub optimize_secs: f64,
}

impl Layout {
    /// `input_dir` is the target dir of the build BOLT reads.
    pub(crate) fn new(input_dir: &Path, bin: &BinTarget) -> Layout {
        Layout {
            root: input_dir
                .join("bolt")
                .join(format!("{}-{}", bin.package, bin.bin)),
            bin: bin.bin.clone(),
        }
    }

    /// Every BOLT directory of this binary, whatever its input (for `bolt clean`).
    pub(crate) fn all(project: &Project, bin: &BinTarget) -> Vec<PathBuf> {
        let name = format!("{}-{}", bin.package, bin.bin);
        let Ok(entries) = std::fs::read_dir(project.tune_dir()) else {
            return Vec::new();
        };
        let mut dirs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path().join("bolt").join(&name))
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        dirs
    }

    pub(crate) fn raw_dir(&self) -> PathBuf {
        self.root.join("raw")
    }

    /// `--instrumentation-file`: with `--instrumentation-file-append-pid` each process writes
    /// `prof.<pid>.fdata`, so parallel and repeated runs never overwrite each other.
    pub(crate) fn profile_prefix(&self) -> PathBuf {
        self.raw_dir().join("prof")
    }

    pub(crate) fn instrumented_binary(&self) -> PathBuf {
        self.root.join(format!("{}-instrumented", self.bin))
    }

    /// The final binary keeps the binary's own name, so it can be copied out as it is.
    pub(crate) fn optimized_binary(&self) -> PathBuf {
        self.root.join("optimized").join(&self.bin)
    }

    pub(crate) fn raw_files(&self) -> Result<Vec<PathBuf>> {
        list(&self.raw_dir(), "fdata")
    }

    pub(crate) fn merged_files(&self) -> Result<Vec<PathBuf>> {
        list(&self.root, "fdata")
    }

    pub(crate) fn clear_raw(&self) -> Result<usize> {
        remove_all(&self.raw_files()?)
    }

    pub(crate) fn load_state(&self) -> Result<State> {
        load_state(&self.root, "BOLT")
    }

    pub(crate) fn save_state(&self, state: &State) -> Result<()> {
        save_state(&self.root, state)
    }
}

/// A short content hash of a file (inputs and profiles are identified by what they hold).
pub(super) fn file_hash(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(short_hash(&bytes))
}

pub(super) fn short_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

//! Cachegrind's output files kept per binary (by content) and workload, under
//! `<target-dir>/tune/cachegrind/`, so `explain` reads the per-function costs of a run that
//! `compare` or `check` already made instead of running the program under valgrind again.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use super::cachegrind::{Count, runs_binary};
use crate::tune_config::Workload;

/// The store of kept runs.
#[derive(Debug, Clone)]
pub(crate) struct Kept {
    root: PathBuf,
}

impl Kept {
    /// The store in a project's `<target-dir>/tune`.
    pub(crate) fn new(tune_dir: &Path) -> Kept {
        Kept {
            root: tune_dir.join("cachegrind"),
        }
    }

    /// Where a run of the binary whose content hashes to `binary_sha` on `workload`, counted as
    /// `count`, is kept.
    pub(crate) fn dir(&self, binary_sha: &str, workload: &Workload, count: Count) -> PathBuf {
        let what = match count {
            Count::Instructions => "instructions",
            Count::CyclesEst => "cache-sim",
        };
        let sha = &binary_sha[..binary_sha.len().min(16)];
        self.root
            .join(format!("{sha}-{}-{what}", workload_key(workload)))
    }

    /// A kept run of `binary` on `workload` that counted at least what `count` asks for (a
    /// cache-simulating run also serves for instructions).
    pub(crate) fn find(
        &self,
        binary: &Path,
        workload: &Workload,
        count: Count,
    ) -> Result<Option<PathBuf>> {
        let sha = file_sha256(binary)?;
        let mut fits = vec![self.dir(&sha, workload, Count::CyclesEst)];
        if count == Count::Instructions {
            fits.push(self.dir(&sha, workload, Count::Instructions));
        }
        Ok(fits.into_iter().find(|d| d.is_dir()))
    }
}

/// The SHA-256 of a file's content, in hex.
pub(crate) fn file_sha256(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// What identifies a workload's run: its definition as Cargo.toml spells it (arguments, stdin,
/// environment, directory, repeat), not the content of files it reads.
pub(crate) fn workload_key(w: &Workload) -> String {
    let text = serde_json::to_string(w).unwrap_or_default();
    Sha256::digest(text.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Copies cachegrind's files in `out_dir` of the processes that ran `binary` into `dest`. The
/// copy appears whole or not at all; an existing `dest` is left as it is (same binary, same
/// workload: the same counts, give or take what the program itself varies).
pub(crate) fn keep(out_dir: &Path, binary: &Path, dest: &Path) -> Result<()> {
    if dest.is_dir() {
        return Ok(());
    }
    let parent = dest
        .parent()
        .context("a kept run's directory has a parent")?;
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".keeping-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a directory in {}", parent.display()))?;
    let entries =
        std::fs::read_dir(out_dir).with_context(|| format!("cannot read {}", out_dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let cmd = text
            .lines()
            .find_map(|l| l.strip_prefix("cmd:"))
            .unwrap_or("")
            .trim();
        if runs_binary(cmd, binary) {
            let name = path.file_name().context("an output file has a name")?;
            std::fs::write(staging.path().join(name), &text)
                .with_context(|| format!("cannot write into {}", staging.path().display()))?;
        }
    }
    let staged = staging.keep();
    if std::fs::rename(&staged, dest).is_err() {
        // Another process kept the same run first: theirs stays.
        let _ = std::fs::remove_dir_all(&staged);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_binarys_files_and_finds_them_by_content() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("app");
        std::fs::write(&bin, b"binary").unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let own = format!("cmd: {} x\nevents: Ir\nsummary: 5\n", bin.display());
        std::fs::write(out.join("cachegrind.out.1"), &own).unwrap();
        std::fs::write(out.join("cachegrind.out.2"), "cmd: /bin/sh -c x\n").unwrap();
        let store = Kept::new(&tmp.path().join("tune"));
        let w = crate::workload::one_off(vec!["x".into()]);
        let sha = file_sha256(&bin).unwrap();
        let dest = store.dir(&sha, &w, Count::Instructions);
        keep(&out, &bin, &dest).unwrap();
        let kept: Vec<_> = std::fs::read_dir(&dest).unwrap().collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(
            std::fs::read_to_string(dest.join("cachegrind.out.1")).unwrap(),
            own
        );
        assert_eq!(
            store.find(&bin, &w, Count::Instructions).unwrap(),
            Some(dest)
        );
        // Instructions alone cannot serve a cache-simulating run, nor another workload.
        assert_eq!(store.find(&bin, &w, Count::CyclesEst).unwrap(), None);
        let other = crate::workload::one_off(vec!["y".into()]);
        assert_eq!(store.find(&bin, &other, Count::Instructions).unwrap(), None);
    }
}

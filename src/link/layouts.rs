//! K code layouts of one binary, each a replay of its recorded link (one link apiece).
//!
//! `shift` (the default) moves all code by a multiple of 16 bytes below a page, the way a later
//! commit that grows an early function would, and reorders nothing: a padding function
//! (`pad`) is linked in and put first in `.text` with lld's `--symbol-ordering-file`, so the
//! linker's, the compiler's and PGO's placement stay as they were. `shuffle` lets lld put the
//! input sections in a random order (`--shuffle-sections`): a stress test that gives *worse*
//! layouts (callers no longer sit near their callees), not noise around the default one.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::capture::Captured;
use super::pad;
use super::replay::{Edit, relink};

/// How layouts differ from the recorded one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LayoutMode {
    /// Code shifted by 16–4080 bytes, order unchanged.
    #[default]
    Shift,
    /// Input sections in a random order (a worse layout: a stress test).
    Shuffle,
}

impl LayoutMode {
    pub fn as_str(self) -> &'static str {
        match self {
            LayoutMode::Shift => "shift",
            LayoutMode::Shuffle => "shuffle",
        }
    }
}

/// One layout of a variant's binary, as the run's JSON keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// Shift: `pad_bytes` is `16 × (1 + seed mod 255)`; shuffle: lld's shuffle seed.
    pub seed: u64,
    pub sha256: String,
    pub binary: PathBuf,
    /// Shift: how far the code moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pad_bytes: Option<u64>,
}

/// Bytes the code moves in a shifted layout made from `seed`: 16 to 4080, below one page.
pub(crate) fn pad_bytes(seed: u64) -> u64 {
    16 * (1 + seed % 255)
}

/// Whether layouts of `c` can be made, or why not: both modes need lld, which rustc uses on
/// x86_64 Linux by default (`-fuse-ld=lld`, its self-contained `rust-lld`).
pub(crate) fn check(c: &Captured) -> Result<(), String> {
    let fuse = c
        .args
        .iter()
        .rev()
        .find_map(|a| a.strip_prefix("-fuse-ld="));
    match fuse {
        Some(ld) if ld == "lld" || ld.ends_with("ld.lld") || ld.ends_with("/lld") => Ok(()),
        other => Err(format!(
            "it links with {} (`{}`), and moving code without reordering it needs lld's \
             --symbol-ordering-file; link with lld (rustc's default on x86_64 Linux) to vary layouts",
            other.map_or("the C compiler's default linker".to_string(), |l| format!(
                "`{l}`"
            )),
            c.linker
        )),
    }
}

/// One binary per seed, replaying `c` (reused when this record already made it).
pub fn make(c: &Captured, mode: LayoutMode, seeds: &[u64]) -> Result<Vec<Layout>> {
    check(c).map_err(anyhow::Error::msg)?;
    let name = c
        .output
        .file_name()
        .and_then(|n| n.to_str())
        .context("output without a name")?;
    let name = super::capture::unhashed(name);
    seeds
        .iter()
        .map(|&seed| {
            let dir = c.dir.join("layouts").join(dir_name(mode, seed));
            let binary = dir.join(name);
            if !binary.is_file() {
                relink(c, &edit(c, mode, seed, &dir)?, &binary)?;
            }
            Ok(Layout {
                seed,
                sha256: sha256(&binary)?,
                binary,
                pad_bytes: (mode == LayoutMode::Shift).then(|| pad_bytes(seed)),
            })
        })
        .collect()
}

/// Removes the layouts of `c` other than `keep`, so that a record holds the layouts of the
/// last run only, not a binary per run and seed. (Two variants of one run may share a record:
/// call this once per record, after making every layout the run needs.)
pub(crate) fn prune(c: &Captured, keep: &[Layout]) {
    let Ok(entries) = std::fs::read_dir(c.dir.join("layouts")) else {
        return;
    };
    for e in entries.flatten() {
        if !keep.iter().any(|l| l.binary.starts_with(e.path())) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Equally long for every seed: argv[0] ends up on the stack and in the loader's counts.
fn dir_name(mode: LayoutMode, seed: u64) -> String {
    format!("{}-{seed:010}", mode.as_str())
}

/// The replay of one layout; shift writes its padding object and ordering file into `dir`.
fn edit(c: &Captured, mode: LayoutMode, seed: u64, dir: &Path) -> Result<Edit> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    match mode {
        LayoutMode::Shuffle => {
            Ok(Edit::default().adding([format!("-Wl,--shuffle-sections=*={seed}")]))
        }
        LayoutMode::Shift => {
            let template = c
                .args
                .iter()
                .map(Path::new)
                .find(|p| p.extension().is_some_and(|e| e == "o") && p.is_file())
                .context("the recorded link has no object file to model the padding on")?;
            let object = dir.join("pad.o");
            std::fs::write(&object, pad::object(template, pad_bytes(seed) as usize)?)?;
            let order = dir.join("order.txt");
            std::fs::write(&order, format!("{}\n", pad::SYMBOL))?;
            let (object, order) = (path_str(&object)?, path_str(&order)?);
            Ok(Edit::default().adding([
                object,
                format!("-Wl,--symbol-ordering-file={order}"),
                // A root for --gc-sections: nothing calls the padding.
                format!("-Wl,--undefined={}", pad::SYMBOL),
            ]))
        }
    }
}

fn path_str(p: &Path) -> Result<String> {
    p.to_str()
        .map(String::from)
        .with_context(|| format!("{} is not UTF-8", p.display()))
}

pub fn sha256(file: &Path) -> Result<String> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured(args: &[&str]) -> Captured {
        Captured {
            linker: "cc".into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            env: vec![],
            cwd: "/".into(),
            output: "/t/app-0123456789abcdef".into(),
            started: 0.0,
            dir: "/t/rec".into(),
        }
    }

    #[test]
    fn only_lld_links_can_be_varied_and_pads_stay_below_a_page() {
        assert!(check(&captured(&["a.o", "-fuse-ld=lld"])).is_ok());
        assert!(check(&captured(&["-fuse-ld=/usr/bin/ld.lld"])).is_ok());
        let e = check(&captured(&["-fuse-ld=lld", "-fuse-ld=bfd"])).unwrap_err();
        assert!(e.contains("`bfd`"), "{e}");
        let e = check(&captured(&["a.o"])).unwrap_err();
        assert!(e.contains("default linker"), "{e}");
        assert_eq!(
            (pad_bytes(0), pad_bytes(254), pad_bytes(255)),
            (16, 4080, 16)
        );
    }
}

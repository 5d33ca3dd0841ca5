//! Binaries built on one machine (a CI runner) and measured on another: `build --export DIR`
//! writes each binary with a small manifest; `compare --prebuilt DIR` reads them back and
//! refuses any built from another commit or another rustc than the measuring checkout's.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::run::BuildInfo;
use crate::session::Built;
use crate::variant::Variant;

/// The manifest's file name inside each exported variant's directory.
pub(crate) const MANIFEST: &str = "cargo-tune-export.json";

/// What is known about an exported binary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Export {
    pub cargo_tune_version: String,
    /// The name it was built under (`release`, `release+pgo`).
    pub name: String,
    /// The exact configuration (settings, target-cpu, added rustflags).
    pub variant: Variant,
    pub pgo: bool,
    pub bolt: bool,
    /// Every rustflag the final build used (the user's, then the variant's).
    pub rustflags: Vec<String>,
    pub rustc_version: String,
    pub target: String,
    pub package: String,
    pub bin: String,
    /// HEAD of the exporting checkout (None outside git).
    pub commit: Option<String>,
    /// Uncommitted changes when it was built: such a binary matches no commit.
    pub dirty: bool,
    pub compile_time_secs: f64,
    pub builds: u32,
    pub size_bytes: u64,
    /// The binary's file name next to the manifest.
    pub file: String,
}

/// Where the exporting and the measuring checkout stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub commit: Option<String>,
    pub dirty: bool,
    pub rustc_version: String,
}

/// A directory name for a variant name (`release+pgo` stays; `/` and spaces do not).
fn dir_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+-_.=,".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Copies `built`'s binary to `dir/<name>/` with its manifest; returns the directory.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write(
    dir: &Path,
    name: &str,
    built: &Built,
    pgo: bool,
    bolt: bool,
    origin: &Origin,
    target: &str,
    package: &str,
    bin: &str,
) -> Result<PathBuf> {
    let out = dir.join(dir_name(name));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let dest = out.join(bin);
    // Copy to a temp name and rename, so a reader never sees half a binary.
    let tmp = out.join(format!(".{bin}.tmp"));
    std::fs::copy(&built.info.binary, &tmp).with_context(|| {
        format!(
            "cannot copy {} to {}",
            built.info.binary.display(),
            tmp.display()
        )
    })?;
    std::fs::rename(&tmp, &dest).with_context(|| format!("cannot write {}", dest.display()))?;
    let export = Export {
        cargo_tune_version: env!("CARGO_PKG_VERSION").into(),
        name: name.into(),
        variant: built.variant.clone(),
        pgo,
        bolt,
        rustflags: built.rustflags.clone(),
        rustc_version: origin.rustc_version.clone(),
        target: target.into(),
        package: package.into(),
        bin: bin.into(),
        commit: origin.commit.clone(),
        dirty: origin.dirty,
        compile_time_secs: built.info.compile_time_secs,
        builds: built.info.builds,
        size_bytes: built.info.file_size_bytes,
        file: bin.into(),
    };
    let mut text = serde_json::to_string_pretty(&export)?;
    text.push('\n');
    crate::run::store::write_file(&out.join(MANIFEST), &text)?;
    Ok(out)
}

/// Every export under `dir` (its subdirectories, or `dir` itself), sorted by name.
pub(crate) fn read_all(dir: &Path) -> Result<Vec<(PathBuf, Export)>> {
    let mut dirs = vec![dir.to_path_buf()];
    if !dir.join(MANIFEST).is_file() {
        let entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        dirs = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join(MANIFEST).is_file())
            .collect();
    }
    let mut out = Vec::new();
    for d in dirs {
        let path = d.join(MANIFEST);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let export: Export = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a cargo-tune export manifest", path.display()))?;
        out.push((d, export));
    }
    if out.is_empty() {
        bail!(
            "no exported binaries under {} (each needs a {MANIFEST}; write them with \
             `cargo tune build --variant SPEC --export DIR`)",
            dir.display()
        );
    }
    out.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    Ok(out)
}

/// Refuses an export that is not a build of this checkout's code with this rustc.
pub(crate) fn check_origin(e: &Export, here: &Origin, bin: &str, target: &str) -> Result<()> {
    let short = |c: &Option<String>| {
        c.as_deref()
            .map_or("no commit".to_string(), |s| s[..s.len().min(8)].to_string())
    };
    if e.bin != bin {
        bail!(
            "`{}` is a build of binary `{}`, but this project's binary is `{bin}`",
            e.name,
            e.bin
        );
    }
    if e.commit != here.commit {
        bail!(
            "`{}` was built from commit {}, but this checkout is at {}: measure binaries of the \
             code you have (check out {} or export again)",
            e.name,
            short(&e.commit),
            short(&here.commit),
            short(&e.commit)
        );
    }
    if e.dirty {
        bail!(
            "`{}` was built from a working tree with uncommitted changes, so it matches no \
             commit; export it again from a clean checkout",
            e.name
        );
    }
    if e.rustc_version != here.rustc_version {
        bail!(
            "`{}` was built with {}, but here it is {}: the same toolchain on both machines \
             (pin it in rust-toolchain.toml)",
            e.name,
            e.rustc_version,
            here.rustc_version
        );
    }
    if e.target != target {
        bail!(
            "`{}` was built for {}, but this machine measures {target}",
            e.name,
            e.target
        );
    }
    Ok(())
}

/// The report's record of an exported binary (compile time as the exporting machine measured it).
pub(crate) fn build_info(dir: &Path, e: &Export) -> Result<BuildInfo> {
    let binary = dir.join(&e.file);
    let meta =
        std::fs::metadata(&binary).with_context(|| format!("cannot read {}", binary.display()))?;
    // Artifact uploads (GitHub's among them) drop the executable bit.
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode();
    if mode & 0o111 == 0 {
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(mode | 0o755))
            .with_context(|| format!("cannot make {} executable", binary.display()))?;
    }
    Ok(BuildInfo {
        sections: crate::measure::size::section_sizes(&binary).ok(),
        binary,
        file_size_bytes: meta.len(),
        compile_time_secs: e.compile_time_secs,
        compile_time_cached: true,
        builds: e.builds,
        crates: Vec::new(),
    })
}

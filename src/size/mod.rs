//! Where a binary's bytes go: every byte of `.text`, `.rodata` and `.data.rel.ro` attributed to
//! a crate and a function (rlib symbol tables first, demangled names second), with what no
//! symbol covers kept as an `[unattributed]` row so the rows add up to the sections exactly.

mod attribute;
pub(crate) mod diff;
pub(crate) mod features;
mod image;
pub(crate) mod link_map;
pub(crate) mod manifest_edit;
pub(crate) mod names;
pub(crate) mod render;
mod rlibs;
pub(crate) mod trial;
pub(crate) mod variant;

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

pub(crate) use attribute::{attribute, std_row};
pub use image::Image;
pub(crate) use image::SECTIONS;
pub(crate) use rlibs::{Origin, SymbolIndex, crate_of_rlib, strip_llvm_suffix};

/// The row for bytes no symbol covers.
pub(crate) const UNATTRIBUTED: &str = "[unattributed]";
/// The row for named symbols no rlib defines and whose names are not Rust paths (C, asm, linker).
pub(crate) const NO_CRATE: &str = "[no crate]";

/// Bytes per analysed section, in [`SECTIONS`] order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Bytes {
    pub text: u64,
    pub rodata: u64,
    pub data_rel_ro: u64,
}

impl Bytes {
    pub(crate) fn total(&self) -> u64 {
        self.text + self.rodata + self.data_rel_ro
    }

    #[cfg(test)]
    pub(crate) fn get(&self, section: usize) -> u64 {
        [self.text, self.rodata, self.data_rel_ro][section]
    }

    fn add(&mut self, section: usize, n: u64) {
        match section {
            0 => self.text += n,
            1 => self.rodata += n,
            _ => self.data_rel_ro += n,
        }
    }

    fn from_array(a: [u64; 3]) -> Bytes {
        Bytes {
            text: a[0],
            rodata: a[1],
            data_rel_ro: a[2],
        }
    }
}

/// How a row's bytes were attributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum How {
    /// An rlib of that crate defines the symbol.
    Rlib,
    /// A Rust symbol no rlib defines while every rlib holds machine code: the binary's own crate.
    Bin,
    /// The demangled path names the crate (under LTO, dependencies' rlibs hold only bitcode).
    Name,
    /// Neither: a named non-Rust symbol.
    None,
}

/// One crate's share.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CrateRow {
    pub name: String,
    pub bytes: Bytes,
    pub symbols: usize,
    /// Bytes attributed through rlib symbol tables (or, for the binary's crate, through their
    /// absence); the rest through demangled names.
    pub by_rlib: u64,
}

/// One function (or data object); generic instantiations are grouped with a count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FunctionRow {
    #[serde(rename = "crate")]
    pub krate: String,
    /// Demangled without hash; for a generic group, without its type arguments.
    pub name: String,
    pub bytes: Bytes,
    /// Symbols grouped in this row (more than one: instantiations of one generic function).
    pub instances: usize,
}

/// The whole analysis of one binary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SizeReport {
    pub binary: PathBuf,
    pub file_size_bytes: u64,
    /// The size after `strip -s` (what `strip = "symbols"` ships), when `strip` could run.
    pub stripped_size_bytes: Option<u64>,
    pub sections: Bytes,
    /// Sorted by total bytes, largest first; [`UNATTRIBUTED`] is last.
    pub crates: Vec<CrateRow>,
    /// Sorted by total bytes, largest first (every row, not only the ones printed).
    pub functions: Vec<FunctionRow>,
    pub attribution: Attribution,
}

/// How much of the analysed bytes each method accounted for.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct Attribution {
    /// Through rlib symbol tables.
    pub by_rlib_bytes: u64,
    /// Rust code no rlib defines, counted to the binary's crate (every rlib held machine code).
    pub by_bin_bytes: u64,
    pub by_name_bytes: u64,
    pub no_crate_bytes: u64,
    pub unattributed_bytes: u64,
    /// The project's rlibs read (the sysroot's not counted).
    pub project_rlibs: usize,
    /// Those with machine code; under LTO dependencies hold only bitcode and are attributed by name.
    pub project_rlibs_with_code: usize,
    /// The project's rlibs carry LTO bitcode: Rust code no rlib defines is attributed by name.
    pub lto_bitcode: bool,
}

/// Options of the attribution.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// Show `core`, `alloc`, `std`, … as their own rows instead of one `std` row.
    pub split_std: bool,
    /// The binary's own crate (`my_app`): where Rust code that no rlib defines was compiled.
    pub bin_crate: Option<String>,
    /// Ignore the rlibs: every symbol goes to the crate its demangled path names (cargo-bloat's
    /// way), so a generic counts where it is defined, not where it was compiled.
    pub by_name: bool,
}

/// Reads `binary` and the rlibs in `rlib_dirs` and attributes its bytes; the file size and the
/// `strip -s` size are filled in.
pub(crate) fn analyse(
    binary: &Path,
    rlib_dirs: &[(PathBuf, Origin)],
    opts: Options,
) -> Result<SizeReport> {
    let image = Image::read(binary)?;
    if image.symbol_count == 0 {
        anyhow::bail!(
            "{} has no symbol table (it was stripped); build it with `strip = \"none\"` to analyse it",
            binary.display()
        );
    }
    let index = SymbolIndex::read(rlib_dirs)?;
    let mut report = attribute(binary, &image, &index, opts);
    report.file_size_bytes = std::fs::metadata(binary)?.len();
    report.stripped_size_bytes = stripped_size(binary);
    Ok(report)
}

/// The size `binary` would have after `strip -s` (run on a copy), if binutils' strip is there.
fn stripped_size(binary: &Path) -> Option<u64> {
    let dir = tempfile::tempdir().ok()?;
    let copy = dir.path().join("stripped");
    crate::process::Cmd::new("strip")
        .arg("-s")
        .arg("-o")
        .arg(&copy)
        .arg(binary)
        .run()
        .ok()?;
    std::fs::metadata(&copy).ok().map(|m| m.len())
}

/// The rlib directories a variant build used: its `deps/` and the toolchain's for `target`.
pub(crate) fn rlib_dirs(
    variant_target_dir: &Path,
    target: &str,
    profile: &str,
    sysroot: &Path,
) -> Vec<(PathBuf, Origin)> {
    let profile_dir = match profile {
        "dev" | "test" => "debug",
        "bench" => "release",
        p => p,
    };
    vec![
        (
            variant_target_dir
                .join(target)
                .join(profile_dir)
                .join("deps"),
            Origin::Project,
        ),
        (
            sysroot.join("lib/rustlib").join(target).join("lib"),
            Origin::Sysroot,
        ),
    ]
}

/// The `n` largest crates as `name share%` (for one line in another command's report), with
/// the unattributed bytes left out.
pub(crate) fn top_contributors(report: &SizeReport, n: usize) -> Vec<(String, u64, f64)> {
    let total = report.sections.total().max(1) as f64;
    report
        .crates
        .iter()
        .filter(|c| c.name != UNATTRIBUTED)
        .take(n)
        .map(|c| {
            (
                c.name.clone(),
                c.bytes.total(),
                100.0 * c.bytes.total() as f64 / total,
            )
        })
        .collect()
}

/// `largest crates: std 41%, clap 18%, app 9%` — the one line `compare` and `auto --goal size`
/// can print under a variant (see `cargo tune size` for the full table).
pub(crate) fn contributors_line(report: &SizeReport, n: usize) -> String {
    // A crate that rounds to 0% says nothing in a one-line summary.
    let parts: Vec<String> = top_contributors(report, n)
        .iter()
        .filter(|(_, _, pct)| *pct >= 0.5)
        .map(|(name, _, pct)| format!("{name} {pct:.0}%"))
        .collect();
    format!("largest crates: {}", parts.join(", "))
}

#[cfg(test)]
mod tests;

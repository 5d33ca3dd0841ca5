//! The crate of a function row, decided the same way in both builds so the roll-up compares like
//! with like: a Rust path's own crate (`size::names`, std's crates grouped as `std`), else the
//! project rlib that defines the symbol (C code of a `-sys` crate), else no crate.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;

use crate::size::{NO_CRATE, Origin, SymbolIndex, crate_of_rlib, names, std_row};

/// Names crates for the rows of one explanation.
pub(crate) struct Namer {
    index: SymbolIndex,
    sysroot: BTreeSet<String>,
}

impl Namer {
    /// From the project rlibs in each of `deps_dirs` (a build's `deps/`) and the names of the
    /// toolchain's rlibs in `sysroot_lib`.
    pub(crate) fn new(deps_dirs: &[&Path], sysroot_lib: &Path) -> Result<Namer> {
        let dirs: Vec<_> = deps_dirs
            .iter()
            .map(|d| (d.to_path_buf(), Origin::Project))
            .collect();
        let index = SymbolIndex::read(&dirs)?;
        let sysroot = std::fs::read_dir(sysroot_lib)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .filter_map(|e| crate_of_rlib(&e.path()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Namer { index, sysroot })
    }

    /// The crate of the row named `name` (the shared name `diff::key` gave `symbol`).
    pub(crate) fn crate_of(&self, name: &str, symbol: &str) -> String {
        let rust = name != symbol || names::demangle(symbol).is_some();
        if rust && let Some(k) = names::crate_of_path(name) {
            return std_row(&k, &self.sysroot, &self.index.project_crates, false);
        }
        match self.index.owner(symbol) {
            Some((_, Origin::Sysroot)) => "std".into(),
            Some((k, Origin::Project)) => {
                std_row(k, &self.sysroot, &self.index.project_crates, false)
            }
            None => NO_CRATE.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_and_its_private_crates_are_one_row() {
        let namer = Namer {
            index: SymbolIndex::default(),
            sysroot: ["std", "core", "hashbrown"].map(String::from).into(),
        };
        let c = |name: &str, symbol: &str| namer.crate_of(name, symbol);
        assert_eq!(c("core::fmt::write", "_ZN4core3fmt5write17h0E"), "std");
        assert_eq!(
            c("alloc::vec::Vec::push", "_ZN5alloc3vec3Vec4push17h0E"),
            "std"
        );
        assert_eq!(
            c(
                "hashbrown::raw::RawTable::find",
                "_ZN9hashbrown3raw8RawTable4find17h0E"
            ),
            "std"
        );
        assert_eq!(c("app::main", "_ZN3app4main17h0E"), "app");
        assert_eq!(c("memcpy", "memcpy"), NO_CRATE);
        assert_eq!(c("main", "main"), NO_CRATE);
    }
}

//! Which crate defines which symbol, read from the object files inside the rlibs a build used
//! (the variant's own `deps/` and the toolchain's sysroot).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use object::read::archive::ArchiveFile;
use object::{Object, ObjectSymbol};

/// Where a crate's rlib came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Built by cargo for this variant.
    Project,
    /// Shipped with the toolchain (`std`, `core`, `alloc`, and their private dependencies).
    Sysroot,
}

/// Symbol name → defining crate, for names exactly one crate defines.
#[derive(Debug, Default)]
pub(crate) struct SymbolIndex {
    owners: HashMap<String, Owner>,
    /// Rlibs read, and how many held machine code (LTO builds hold only bitcode).
    pub rlibs: usize,
    pub rlibs_with_code: usize,
    /// The project's own rlibs (not the sysroot's), and how many held machine code.
    pub project_rlibs: usize,
    pub project_rlibs_with_code: usize,
    /// Crate names of the sysroot's rlibs (`hashbrown` there is std's private copy).
    pub sysroot_crates: BTreeSet<String>,
    pub project_crates: BTreeSet<String>,
    /// A project rlib carries LLVM bitcode for LTO (`.llvmbc`): the linked code was re-split
    /// and renamed across crates, so missing symbols prove nothing.
    pub project_has_bitcode: bool,
}

#[derive(Debug, Clone)]
enum Owner {
    Crate(String, Origin),
    /// Defined by several crates (local names such as `GCC_except_table0`): not evidence,
    /// unless all of them are the toolchain's (`panic_unwind` and `panic_abort` both define
    /// `__rust_start_panic`): then it is std's either way.
    Ambiguous {
        sysroot_only: bool,
    },
}

impl SymbolIndex {
    /// Reads every `*.rlib` directly in each of `dirs`, tagged with its origin.
    pub(crate) fn read(dirs: &[(PathBuf, Origin)]) -> Result<SymbolIndex> {
        let mut index = SymbolIndex::default();
        for (dir, origin) in dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "rlib"))
                .collect();
            paths.sort();
            for path in paths {
                let Some(krate) = crate_of_rlib(&path) else {
                    continue;
                };
                index
                    .add_rlib(&path, &krate, *origin)
                    .with_context(|| format!("cannot read the rlib {}", path.display()))?;
            }
        }
        Ok(index)
    }

    fn add_rlib(&mut self, path: &Path, krate: &str, origin: Origin) -> Result<()> {
        let bytes = std::fs::read(path)?;
        let archive = ArchiveFile::parse(&*bytes)?;
        self.rlibs += 1;
        let mut had_code = false;
        for member in archive.members() {
            let member = member?;
            // lib.rmeta is an ELF wrapper around metadata, not code.
            if member.name() == b"lib.rmeta" {
                continue;
            }
            let data = member.data(&*bytes)?;
            if data.starts_with(b"BC\xC0\xDE") {
                // LLVM bitcode: cargo builds dependencies this way for LTO.
                if origin == Origin::Project {
                    self.project_has_bitcode = true;
                }
                continue;
            }
            let Ok(obj) = object::File::parse(data) else {
                continue;
            };
            had_code = true;
            for sym in obj.symbols() {
                if sym.is_undefined() || sym.section_index().is_none() {
                    continue;
                }
                let Ok(name) = sym.name() else { continue };
                if name.is_empty() {
                    continue;
                }
                self.insert(name, krate, origin);
            }
        }
        if had_code {
            self.rlibs_with_code += 1;
        }
        match origin {
            Origin::Project => {
                self.project_rlibs += 1;
                self.project_rlibs_with_code += usize::from(had_code);
                self.project_crates.insert(krate.to_string());
            }
            Origin::Sysroot => {
                self.sysroot_crates.insert(krate.to_string());
            }
        }
        Ok(())
    }

    pub(crate) fn insert(&mut self, name: &str, krate: &str, origin: Origin) {
        match self.owners.get_mut(name) {
            None => {
                self.owners
                    .insert(name.to_string(), Owner::Crate(krate.to_string(), origin));
            }
            Some(Owner::Crate(k, _)) if k == krate => {}
            Some(owner) => {
                let sysroot_only = origin == Origin::Sysroot
                    && match owner {
                        Owner::Crate(_, o) => *o == Origin::Sysroot,
                        Owner::Ambiguous { sysroot_only } => *sysroot_only,
                    };
                *owner = Owner::Ambiguous { sysroot_only };
            }
        }
    }

    /// Whether every project rlib held machine code: then a Rust symbol that none defines was
    /// compiled in the binary's own crate (under LTO they hold bitcode and prove nothing).
    pub(crate) fn project_code_complete(&self) -> bool {
        self.project_rlibs == self.project_rlibs_with_code && !self.project_has_bitcode
    }

    /// The crate that defines `name`, if exactly one rlib does.
    pub(crate) fn owner(&self, name: &str) -> Option<(&str, Origin)> {
        match self.owners.get(strip_llvm_suffix(name))? {
            Owner::Crate(k, o) => Some((k.as_str(), *o)),
            Owner::Ambiguous { sysroot_only: true } => Some(("std", Origin::Sysroot)),
            Owner::Ambiguous { .. } => None,
        }
    }
}

/// `libserde_json-0a1b2c.rlib` → `serde_json`.
pub(crate) fn crate_of_rlib(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let stem = stem.strip_prefix("lib")?;
    let name = match stem.rsplit_once('-') {
        Some((name, _hash)) => name,
        None => stem,
    };
    Some(name.to_string())
}

/// ThinLTO renames promoted locals `name.llvm.123456`; the rlib knows them by `name`.
pub(crate) fn strip_llvm_suffix(name: &str) -> &str {
    match name.find(".llvm.") {
        Some(i) => &name[..i],
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_from_rlib_files() {
        let c = |p: &str| crate_of_rlib(Path::new(p));
        assert_eq!(
            c("deps/libserde_json-0a1b2c3d.rlib").as_deref(),
            Some("serde_json")
        );
        assert_eq!(c("libstd-5f7e.rlib").as_deref(), Some("std"));
        assert_eq!(c("libfoo.rlib").as_deref(), Some("foo"));
        assert_eq!(c("foo.rlib"), None);
    }

    #[test]
    fn names_defined_twice_are_not_evidence() {
        let mut i = SymbolIndex::default();
        i.insert("_ZN1a1f17h0E", "a", Origin::Project);
        i.insert("GCC_except_table0", "a", Origin::Project);
        i.insert("GCC_except_table0", "b", Origin::Project);
        assert_eq!(i.owner("_ZN1a1f17h0E"), Some(("a", Origin::Project)));
        assert_eq!(
            i.owner("_ZN1a1f17h0E.llvm.42"),
            Some(("a", Origin::Project))
        );
        assert_eq!(i.owner("GCC_except_table0"), None);
        i.insert("__rust_start_panic", "panic_unwind", Origin::Sysroot);
        i.insert("__rust_start_panic", "panic_abort", Origin::Sysroot);
        assert_eq!(
            i.owner("__rust_start_panic"),
            Some(("std", Origin::Sysroot))
        );
    }

    #[test]
    fn reads_the_sysroot_std() {
        let rustc = crate::toolchain::Rustc::detect().unwrap();
        let dir = rustc
            .sysroot
            .join("lib/rustlib")
            .join(&rustc.host)
            .join("lib");
        let index = SymbolIndex::read(&[(dir, Origin::Sysroot)]).unwrap();
        assert!(index.rlibs_with_code > 3, "{index:?}");
        let (k, o) = index
            .owners
            .iter()
            .find_map(|(n, o)| match o {
                Owner::Crate(k, o) if n.contains("rust_panic") => Some((k.clone(), *o)),
                _ => None,
            })
            .expect("std defines rust_panic");
        assert_eq!((k.as_str(), o), ("std", Origin::Sysroot));
    }
}

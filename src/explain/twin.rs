//! Names for a stripped build without counting other code: an unstripped twin whose loaded
//! sections are byte for byte the shipped binary's, and (only to name the caller an inlined
//! function went into) a twin with debug info whose functions are the same.
//!
//! The twin is built with the variant's own profile (so cargo's `-C metadata` and every symbol
//! hash stay the same) and `-Cstrip=none` after the user's rustflags. Measured on textproc's
//! `production` (fat LTO, strip = "symbols"): its twin's `.text`, `.rodata` and every other
//! loaded section are identical, only `.note.gnu.build-id` differs. Setting `strip = "none"` in
//! the profile instead changes `-C metadata`, the symbol hashes and with them the code layout
//! (`.text` 16 bytes shorter). `-Cdebuginfo` adds `.debug_gdb_scripts`, which moves `.text` and
//! adds one load to `main`: never counted, only read for inlining.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use object::{Object, ObjectSection, ObjectSymbol, SectionKind, SymbolKind};

use crate::cargo::Builder;
use crate::variant::Variant;

/// The binary that names a shipped binary's functions, and the variant that built it.
#[derive(Debug, Clone)]
pub(crate) struct Named {
    pub binary: PathBuf,
    pub variant: Variant,
    /// Whether `binary` is a twin (else it is the shipped binary itself).
    pub twin: bool,
}

/// The binary cachegrind runs to name `shipped`'s functions: `shipped` itself when it kept its
/// symbols, else an unstripped twin with the same loaded code (refused otherwise). The twin is
/// the recorded final link replayed without `--strip-all` (the cost of one link, `link/`), or,
/// when no link was recorded, a build with `-Cstrip=none` in its own target dir.
pub(crate) fn with_symbols(builder: &Builder, variant: &Variant, shipped: &Path) -> Result<Named> {
    if has_symbols(shipped)? {
        return Ok(Named {
            binary: shipped.to_path_buf(),
            variant: variant.clone(),
            twin: false,
        });
    }
    if variant.bolt {
        bail!(
            "`{}` was stripped after BOLT rewrote it, and no build of it keeps symbols; build it \
             with strip = \"none\" to explain it",
            variant.name
        );
    }
    if let Some(named) = relinked(variant, shipped)? {
        return Ok(named);
    }
    let twin = adding(variant, "symbols", &["-Cstrip=none"]);
    let build = builder.build(&twin, false)?;
    same_code(shipped, &build.binary).with_context(|| {
        format!(
            "the unstripped twin of `{}` ({}) is not the same code as the shipped binary, so its \
             functions cannot stand for the shipped one's",
            variant.name,
            build.binary.display()
        )
    })?;
    Ok(Named {
        binary: build.binary,
        variant: twin,
        twin: true,
    })
}

/// The twin from the recorded link of `shipped`, replayed without stripping; `None` when no
/// link was recorded (or the replay fails: the build is the fallback).
fn relinked(variant: &Variant, shipped: &Path) -> Result<Option<Named>> {
    let Ok(record) = crate::link::capture::find(shipped) else {
        return Ok(None);
    };
    // Beside the shipped binary's directory, under a name of the same length: the program's
    // path is its argv[0], and its length moves a few instructions of the binary's own code.
    let (Some(dir), Some(file)) = (shipped.parent(), shipped.file_name()) else {
        return Ok(None);
    };
    let (Some(up), Some(name)) = (dir.parent(), dir.file_name()) else {
        return Ok(None);
    };
    let width = name.to_string_lossy().chars().count();
    let twin_dir = up.join(format!("{:_<width$}", "t"));
    if width < 2 || twin_dir == dir {
        return Ok(None);
    }
    let out = twin_dir.join(file);
    if crate::link::relink(&record, &crate::link::Edit::unstripped(), &out).is_err() {
        return Ok(None);
    }
    same_code(shipped, &out).with_context(|| {
        format!(
            "the relinked unstripped twin of `{}` ({}) is not the same code as the shipped binary",
            variant.name,
            out.display()
        )
    })?;
    Ok(Some(Named {
        binary: out,
        variant: adding(variant, "symbols", &["-Cstrip=none"]),
        twin: true,
    }))
}

/// A build of `named` with debug info, for reading where functions were inlined. Refused unless
/// it has the same functions, of the same sizes, as the counted binary (`main` may differ: it
/// loads `.debug_gdb_scripts`).
pub(crate) fn with_debug_info(builder: &Builder, named: &Named) -> Result<PathBuf> {
    let flags: &[&str] = if named.twin {
        &["-Cdebuginfo=limited"]
    } else {
        &["-Cstrip=none", "-Cdebuginfo=limited"]
    };
    let mut v = adding(&named.variant, "debug info", flags);
    if named.twin {
        v.name = v.name.replacen(" (symbols)", "", 1);
    }
    let build = builder.build(&v, false)?;
    same_functions(&named.binary, &build.binary)?;
    Ok(build.binary)
}

/// `variant` with `flags` after its rustflags, named `<name> (<what>)` in status lines.
fn adding(variant: &Variant, what: &str, flags: &[&str]) -> Variant {
    let mut v = variant.clone();
    v.name = format!("{} ({what})", variant.name);
    v.rustflags.extend(flags.iter().map(|f| f.to_string()));
    v
}

/// Whether the binary has a symbol table that names code.
pub(crate) fn has_symbols(path: &Path) -> Result<bool> {
    let bytes = read(path)?;
    let file = parse(&bytes, path)?;
    Ok(file.symbols().any(|s| s.kind() == SymbolKind::Text))
}

/// Fails unless both binaries load the same bytes at the same addresses: every allocated
/// section but the build id (a hash over the whole file, symbols included).
pub(crate) fn same_code(shipped: &Path, twin: &Path) -> Result<()> {
    let (a, b) = (read(shipped)?, read(twin)?);
    let (fa, fb) = (parse(&a, shipped)?, parse(&b, twin)?);
    let (la, lb) = (loaded(&fa)?, loaded(&fb)?);
    let names = |l: &[Loaded]| l.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    if names(&la) != names(&lb) {
        bail!(
            "other loaded sections: {} against {}",
            names(&la).join(" "),
            names(&lb).join(" ")
        );
    }
    for (x, y) in la.iter().zip(&lb) {
        if x.address != y.address || x.size != y.size {
            bail!(
                "{} is at {:#x} ({} bytes) against {:#x} ({} bytes)",
                x.name,
                x.address,
                x.size,
                y.address,
                y.size
            );
        }
        if let Some(at) = x.data.iter().zip(&y.data).position(|(p, q)| p != q) {
            bail!("{} differs at {:#x}", x.name, x.address + at as u64);
        }
    }
    Ok(())
}

/// Fails unless both binaries define the same functions with the same sizes, `main` aside.
pub(crate) fn same_functions(counted: &Path, other: &Path) -> Result<()> {
    let (a, b) = (read(counted)?, read(other)?);
    let (fa, fb) = (
        functions(&parse(&a, counted)?),
        functions(&parse(&b, other)?),
    );
    let differ: Vec<&String> = fa
        .iter()
        .filter(|(name, size)| fb.get(*name) != Some(size))
        .map(|(name, _)| name)
        .chain(fb.keys().filter(|n| !fa.contains_key(*n)))
        .collect();
    if let Some(first) = differ.first() {
        bail!(
            "the build with debug info has other functions than the counted one ({} differ, e.g. \
             `{first}`)",
            differ.len()
        );
    }
    Ok(())
}

/// Function sizes by name; ThinLTO's `.llvm.<hash>` suffixes hash the module, which debug info
/// changes, so they are left out (and the sizes of names that then repeat are kept sorted).
fn functions(file: &object::File) -> BTreeMap<String, Vec<u64>> {
    let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for s in file.symbols() {
        if s.kind() != SymbolKind::Text || s.size() == 0 {
            continue;
        }
        let Ok(name) = s.name() else { continue };
        let name = crate::size::strip_llvm_suffix(name);
        if name != "main" {
            out.entry(name.to_string()).or_default().push(s.size());
        }
    }
    for sizes in out.values_mut() {
        sizes.sort_unstable();
    }
    out
}

struct Loaded {
    name: String,
    address: u64,
    size: u64,
    data: Vec<u8>,
}

fn loaded(file: &object::File) -> Result<Vec<Loaded>> {
    let mut out = Vec::new();
    for s in file.sections() {
        let object::SectionFlags::Elf { sh_flags, .. } = s.flags() else {
            continue;
        };
        let name = s.name().unwrap_or("").to_string();
        if sh_flags.0 & object::elf::SHF_ALLOC.0 == 0 || name == ".note.gnu.build-id" {
            continue;
        }
        let data = match s.kind() {
            SectionKind::UninitializedData | SectionKind::UninitializedTls => Vec::new(),
            _ => s.data().map(<[u8]>::to_vec).unwrap_or_default(),
        };
        out.push(Loaded {
            name,
            address: s.address(),
            size: s.size(),
            data,
        });
    }
    Ok(out)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn parse<'a>(bytes: &'a [u8], path: &Path) -> Result<object::File<'a>> {
    object::File::parse(bytes).with_context(|| format!("cannot parse {} as ELF", path.display()))
}

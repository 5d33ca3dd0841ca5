//! The attribution itself: each symbol of an [`Image`] to a crate (rlib evidence, then the
//! binary's own crate, then its demangled path) and to a function row, summed so the rows add
//! up to the sections exactly.

use std::collections::HashMap;
use std::path::Path;

use super::image::Piece;
use super::{
    Attribution, Bytes, CrateRow, FunctionRow, How, Image, NO_CRATE, Options, Origin, SizeReport,
    SymbolIndex, UNATTRIBUTED, names, rlibs,
};

/// Attributes every analysed byte of `image` using `index`.
pub(crate) fn attribute(
    binary: &Path,
    image: &Image,
    index: &SymbolIndex,
    opts: Options,
) -> SizeReport {
    let owners = Owners::new(index, &opts);
    let mut tally = Tally::new(index);
    for piece in &image.pieces {
        let demangled = names::demangle(rlibs::strip_llvm_suffix(&piece.name));
        let (krate, how) = owners.of(&piece.name, demangled.as_deref());
        tally.add(piece, krate, how, demangled.as_deref());
    }
    tally.into_report(binary, image)
}

/// Decides which crate a symbol belongs to, and by which evidence.
struct Owners<'a> {
    index: &'a SymbolIndex,
    opts: &'a Options,
    /// The crate that Rust code no rlib defines was compiled into, when every project rlib held
    /// machine code (otherwise such code may be a dependency's, inlined from bitcode).
    compiled_in_bin: Option<&'a str>,
}

impl<'a> Owners<'a> {
    fn new(index: &'a SymbolIndex, opts: &'a Options) -> Self {
        let compiled_in_bin = opts
            .bin_crate
            .as_deref()
            .filter(|_| index.project_code_complete() && !opts.by_name);
        Owners {
            index,
            opts,
            compiled_in_bin,
        }
    }

    /// The crate row for the symbol `name` (demangled as `demangled`) and how it was decided.
    fn of(&self, name: &str, demangled: Option<&str>) -> (String, How) {
        let owner = if self.opts.by_name {
            None
        } else {
            self.index.owner(name)
        };
        match owner {
            Some((_, Origin::Sysroot)) if !self.opts.split_std => ("std".to_string(), How::Rlib),
            Some((k, _)) => (k.to_string(), How::Rlib),
            None => match (demangled, self.compiled_in_bin) {
                (None, _) => (NO_CRATE.to_string(), How::None),
                (Some(_), Some(bin)) => (bin.to_string(), How::Bin),
                (Some(d), None) => match names::crate_of_path(d) {
                    Some(k) => (self.std_name(&k), How::Name),
                    None => (NO_CRATE.to_string(), How::None),
                },
            },
        }
    }

    /// `k`, or `std` when it is one of std's crates and they are not split.
    fn std_name(&self, k: &str) -> String {
        std_row(
            k,
            &self.index.sysroot_crates,
            &self.index.project_crates,
            self.opts.split_std,
        )
    }
}

/// The row of crate `k`: `std` for std's crates (unless `split_std`) and for crates only the
/// toolchain's sysroot has, else `k`.
pub(crate) fn std_row(
    k: &str,
    sysroot_crates: &std::collections::BTreeSet<String>,
    project_crates: &std::collections::BTreeSet<String>,
    split_std: bool,
) -> String {
    // A path crate that only the sysroot has (`hashbrown`, `__rustc`) is std's private code.
    let std_private = k == "__rustc" || (sysroot_crates.contains(k) && !project_crates.contains(k));
    if !split_std && (names::STD_CRATES.contains(&k) || std_private) {
        "std".to_string()
    } else {
        k.to_string()
    }
}

/// Running sums per crate, per function and per method of attribution.
struct Tally {
    crates: HashMap<String, CrateRow>,
    /// Per `(crate, function key)`: its bytes and the symbols grouped in it.
    functions: HashMap<(String, String), (Bytes, Vec<String>)>,
    attribution: Attribution,
}

impl Tally {
    fn new(index: &SymbolIndex) -> Self {
        Tally {
            crates: HashMap::new(),
            functions: HashMap::new(),
            attribution: Attribution {
                project_rlibs: index.project_rlibs,
                project_rlibs_with_code: index.project_rlibs_with_code,
                lto_bitcode: index.project_has_bitcode,
                ..Attribution::default()
            },
        }
    }

    fn add(&mut self, piece: &Piece, krate: String, how: How, demangled: Option<&str>) {
        let a = &mut self.attribution;
        match how {
            How::Rlib => a.by_rlib_bytes += piece.size,
            How::Bin => a.by_bin_bytes += piece.size,
            How::Name => a.by_name_bytes += piece.size,
            How::None => a.no_crate_bytes += piece.size,
        }
        let row = self
            .crates
            .entry(krate.clone())
            .or_insert_with(|| CrateRow {
                name: krate.clone(),
                bytes: Bytes::default(),
                symbols: 0,
                by_rlib: 0,
            });
        row.bytes.add(piece.section, piece.size);
        row.symbols += 1;
        if how != How::Name {
            row.by_rlib += piece.size;
        }
        let key = match demangled {
            Some(d) => names::generic_key(d),
            None => piece.name.clone(),
        };
        let f = self.functions.entry((krate, key)).or_default();
        f.0.add(piece.section, piece.size);
        f.1.push(piece.name.clone());
    }

    fn into_report(mut self, binary: &Path, image: &Image) -> SizeReport {
        self.attribution.unattributed_bytes = image.uncovered.iter().sum();
        SizeReport {
            binary: binary.to_path_buf(),
            file_size_bytes: 0,
            stripped_size_bytes: None,
            sections: Bytes::from_array(image.section_sizes),
            crates: crate_rows(self.crates, image.uncovered),
            functions: function_rows(self.functions),
            attribution: self.attribution,
        }
    }
}

/// Largest first, ties by name, with the [`UNATTRIBUTED`] row last.
fn crate_rows(crates: HashMap<String, CrateRow>, uncovered: [u64; 3]) -> Vec<CrateRow> {
    let mut crates: Vec<CrateRow> = crates.into_values().collect();
    crates.sort_by(|a, b| {
        b.bytes
            .total()
            .cmp(&a.bytes.total())
            .then(a.name.cmp(&b.name))
    });
    crates.push(CrateRow {
        name: UNATTRIBUTED.into(),
        bytes: Bytes::from_array(uncovered),
        symbols: 0,
        by_rlib: 0,
    });
    crates
}

/// Largest first, ties by crate then name; a row's instances are its distinct symbols.
fn function_rows(functions: HashMap<(String, String), (Bytes, Vec<String>)>) -> Vec<FunctionRow> {
    let mut functions: Vec<FunctionRow> = functions
        .into_iter()
        .map(|((krate, name), (bytes, mut syms))| {
            syms.sort();
            syms.dedup();
            FunctionRow {
                krate,
                name,
                bytes,
                instances: syms.len(),
            }
        })
        .collect();
    functions.sort_by(|a, b| {
        b.bytes
            .total()
            .cmp(&a.bytes.total())
            .then(a.krate.cmp(&b.krate))
            .then(a.name.cmp(&b.name))
    });
    functions
}

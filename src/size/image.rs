//! Reading a linked ELF binary: the analysed sections and the symbols that cover them, cut so
//! that symbol bytes plus uncovered bytes equal each section's size exactly.

use std::path::Path;

use anyhow::{Context, Result, bail};
use object::{Object, ObjectSection, ObjectSymbol, SectionIndex, SymbolKind};

/// The sections whose bytes are attributed, in table order.
pub(crate) const SECTIONS: [&str; 3] = [".text", ".rodata", ".data.rel.ro"];

/// A byte range of one section that one symbol owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Index into [`SECTIONS`].
    pub section: usize,
    /// The symbol's name as linked (mangled for Rust).
    pub name: String,
    /// Bytes it owns after overlaps with earlier symbols are cut off.
    pub size: u64,
}

/// What the binary holds, per analysed section.
#[derive(Debug, Clone, Default)]
pub struct Image {
    /// Size of each of [`SECTIONS`] (0 when the binary has no such section).
    pub section_sizes: [u64; 3],
    /// Bytes of each section that no symbol covers (padding, private constants, stripped code).
    pub uncovered: [u64; 3],
    pub pieces: Vec<Piece>,
    /// Number of entries in the symbol table (0 for a stripped binary).
    pub symbol_count: usize,
}

impl Image {
    /// Reads the ELF file at `path`.
    pub fn read(path: &Path) -> Result<Image> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Image::parse(&bytes).with_context(|| format!("cannot analyse {}", path.display()))
    }

    pub fn parse(bytes: &[u8]) -> Result<Image> {
        let file = object::File::parse(bytes).context("not an object file cargo-tune can read")?;
        if file.format() != object::BinaryFormat::Elf {
            bail!(
                "size analysis reads ELF binaries only (this is {:?})",
                file.format()
            );
        }
        let mut image = Image::default();
        let mut ranges = [(SectionIndex(0), 0u64, 0u64); 3];
        let mut present = [false; 3];
        for section in file.sections() {
            let Ok(name) = section.name() else { continue };
            if let Some(i) = SECTIONS.iter().position(|s| *s == name) {
                image.section_sizes[i] = section.size();
                ranges[i] = (section.index(), section.address(), section.size());
                present[i] = true;
            }
        }
        // Candidates per section: (address, size, name), aliases included.
        let mut candidates: [Vec<(u64, u64, String)>; 3] = Default::default();
        for sym in file.symbols() {
            image.symbol_count += 1;
            if sym.size() == 0 || !matches!(sym.kind(), SymbolKind::Text | SymbolKind::Data) {
                continue;
            }
            let Some(index) = sym.section_index() else {
                continue;
            };
            let Some(i) = (0..3).find(|&i| present[i] && ranges[i].0 == index) else {
                continue;
            };
            let Ok(name) = sym.name() else { continue };
            candidates[i].push((sym.address(), sym.size(), name.to_string()));
        }
        for (i, mut syms) in candidates.into_iter().enumerate() {
            let (_, start, size) = ranges[i];
            let end = start + size;
            // Aliases share an address: keep the longest, and among equals a Rust name, so
            // `memcpy`-style aliases of one body count once.
            syms.sort_by(|a, b| {
                a.0.cmp(&b.0)
                    .then(b.1.cmp(&a.1))
                    .then(is_rust(&b.2).cmp(&is_rust(&a.2)))
                    .then(a.2.cmp(&b.2))
            });
            let mut cursor = start;
            let mut covered = 0;
            for (addr, len, name) in syms {
                let from = addr.max(cursor);
                let to = (addr + len).min(end);
                if to <= from {
                    continue;
                }
                image.pieces.push(Piece {
                    section: i,
                    name,
                    size: to - from,
                });
                covered += to - from;
                cursor = to;
            }
            image.uncovered[i] = size - covered;
        }
        Ok(image)
    }
}

/// Whether `name` is a Rust-mangled symbol (legacy `_ZN…17h…E` or v0 `_R…`).
pub(super) fn is_rust(name: &str) -> bool {
    rustc_demangle::try_demangle(name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_and_gaps_add_up_to_the_sections() {
        let exe = std::env::current_exe().unwrap();
        let image = Image::read(&exe).unwrap();
        assert!(image.section_sizes[0] > 10_000);
        for i in 0..3 {
            let pieces: u64 = image
                .pieces
                .iter()
                .filter(|p| p.section == i)
                .map(|p| p.size)
                .sum();
            assert_eq!(pieces + image.uncovered[i], image.section_sizes[i], "{i}");
        }
        assert!(image.pieces.iter().any(|p| is_rust(&p.name)));
    }

    #[test]
    fn non_elf_is_a_clear_error() {
        let e = format!("{:#}", Image::parse(b"hello").unwrap_err());
        assert!(e.contains("not an object file"), "{e}");
    }
}

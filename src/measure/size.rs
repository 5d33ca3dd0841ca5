//! Sizes of a binary's sections (`.text`, `.rodata`, `.data`, debug info, symbols), read with
//! `object`, so a table can say where a size difference comes from. The one reading of them: the
//! lints and the report share it (`size/` reads symbols for its own attribution).

use std::path::Path;

use anyhow::{Context, Result};
use object::{Object, ObjectSection};
use serde::{Deserialize, Serialize};

/// Bytes in the sections that usually explain a size difference between builds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionSizes {
    /// Machine code.
    pub text: u64,
    /// Read-only data (string literals, tables).
    pub rodata: u64,
    /// Initialised writable data.
    pub data: u64,
    /// All `.debug_*` (and compressed `.zdebug_*`) sections together (what `strip` removes).
    pub debug: u64,
    /// The symbol and string tables (`.symtab`, `.strtab`): what `strip = "symbols"` removes
    /// beyond debug info.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub symbols: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Reads the section sizes of the ELF file at `path`.
pub(crate) fn section_sizes(path: &Path) -> Result<SectionSizes> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file = object::File::parse(&*bytes)
        .with_context(|| format!("cannot parse {} as an ELF file", path.display()))?;
    let mut sizes = SectionSizes::default();
    for section in file.sections() {
        let Ok(name) = section.name() else { continue };
        match name {
            ".text" => sizes.text += section.size(),
            ".rodata" => sizes.rodata += section.size(),
            ".data" => sizes.data += section.size(),
            n if n.starts_with(".debug_") || n.starts_with(".zdebug_") => {
                sizes.debug += section.size()
            }
            ".symtab" | ".strtab" => sizes.symbols += section.size(),
            _ => {}
        }
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_test_binary() {
        let exe = std::env::current_exe().unwrap();
        let s = section_sizes(&exe).unwrap();
        let file_size = std::fs::metadata(&exe).unwrap().len();
        assert!(s.text > 10_000, "{s:?}");
        assert!(s.rodata > 0, "{s:?}");
        assert!(s.text + s.rodata + s.data + s.debug <= file_size);
    }

    #[test]
    fn non_elf_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("not-elf");
        std::fs::write(&p, b"hello").unwrap();
        let e = format!("{:#}", section_sizes(&p).unwrap_err());
        assert!(e.contains("cannot parse") && e.contains("not-elf"), "{e}");
        let e = format!(
            "{:#}",
            section_sizes(&dir.path().join("missing")).unwrap_err()
        );
        assert!(e.contains("cannot read"), "{e}");
    }
}

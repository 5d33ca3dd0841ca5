//! The padding object of a shifted layout: one function of a chosen size in its own section,
//! which the linker places first in `.text` so that all code after it moves by that size.
//!
//! It is written in-process with the `object` crate, copying machine, endianness and ELF flags
//! from one of the link's own objects: no assembler is needed (a cc driver need not come with
//! one, and clang's and GNU as' syntax differ), it costs no process per layout, and flags such
//! as RISC-V's float ABI match the objects it is linked with.

use std::path::Path;

use anyhow::{Context, Result, bail};
use object::write::{Object, Symbol, SymbolSection};
use object::{Architecture, Object as _, SectionKind, SymbolFlags, SymbolKind, SymbolScope};

/// The padding function's symbol, named in the symbol-ordering file.
pub(super) const SYMBOL: &str = "__cargo_tune_layout_pad";

/// An ELF relocatable object like `template`'s with one `bytes`-long function [`SYMBOL`] in
/// section `.text.__cargo_tune_layout_pad`, aligned to 16.
pub(super) fn object(template: &Path, bytes: usize) -> Result<Vec<u8>> {
    let data =
        std::fs::read(template).with_context(|| format!("cannot read {}", template.display()))?;
    let t = object::File::parse(&*data)
        .with_context(|| format!("cannot parse {}", template.display()))?;
    if t.format() != object::BinaryFormat::Elf {
        bail!("{} is not an ELF object", template.display());
    }
    let mut obj = Object::new(t.format(), t.architecture(), t.endianness());
    obj.flags = t.flags();
    obj.set_sub_architecture(t.sub_architecture());
    let section = obj.add_section(
        Vec::new(),
        format!(".text.{SYMBOL}").into_bytes(),
        SectionKind::Text,
    );
    // Never executed; on x86 a stray jump into it traps (int3) instead of sliding on.
    let fill = match t.architecture() {
        Architecture::X86_64 | Architecture::X86_64_X32 | Architecture::I386 => 0xcc,
        _ => 0,
    };
    let offset = obj.append_section_data(section, &vec![fill; bytes], 16);
    obj.add_symbol(Symbol {
        name: SYMBOL.as_bytes().to_vec(),
        value: offset,
        size: bytes as u64,
        kind: SymbolKind::Text,
        scope: SymbolScope::Linkage,
        weak: false,
        section: SymbolSection::Section(section),
        flags: SymbolFlags::None,
    });
    obj.write().context("cannot write the padding object")
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::{ObjectSection, ObjectSymbol};

    #[test]
    fn the_pad_copies_its_template_and_has_the_asked_size() {
        let mut t = Object::new(
            object::BinaryFormat::Elf,
            Architecture::X86_64,
            object::Endianness::Little,
        );
        t.add_section(Vec::new(), b".text".to_vec(), SectionKind::Text);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.o");
        std::fs::write(&path, t.write().unwrap()).unwrap();
        let bytes = object(&path, 48).unwrap();
        let pad = object::File::parse(&*bytes).unwrap();
        assert_eq!(pad.architecture(), Architecture::X86_64);
        let s = pad
            .section_by_name(".text.__cargo_tune_layout_pad")
            .unwrap();
        assert_eq!((s.size(), s.align()), (48, 16));
        let sym = pad.symbol_by_name(SYMBOL).unwrap();
        assert!(sym.is_global() && sym.size() == 48);
    }
}

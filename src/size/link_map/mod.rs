//! The linker's map of a binary (`-Wl,-Map`): which input section, named after the function or
//! object it holds (`-ffunction-sections`), went into `.text`, `.rodata` or `.data.rel.ro`. It
//! stands in for the symbol table of a stripped binary, so every variant's bytes can be
//! attributed to crates without a second, unstripped build. lld (rustc's default), mold and
//! GNU ld write it in two formats (`columns`, `gnu`).

mod collector;
mod columns;
mod gnu;

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::size::image::Image;
use collector::Collector;

/// An [`Image`] of a stripped binary, already read as `linked`, from the map at `map`: section
/// sizes from the binary itself, pieces from the map. Fails when the map does not describe this
/// binary (another link, a BOLT rewrite), judged by the three section sizes.
pub(crate) fn image(linked: &Image, map: &Path) -> Result<Image> {
    let text =
        std::fs::read_to_string(map).with_context(|| format!("cannot read {}", map.display()))?;
    let mapped =
        parse(&text).with_context(|| format!("cannot read the link map {}", map.display()))?;
    if mapped.section_sizes != linked.section_sizes {
        bail!(
            "the linker's map {} is of another link: .text, .rodata, .data.rel.ro are {:?} \
             bytes there and {:?} in the binary",
            map.display(),
            mapped.section_sizes,
            linked.section_sizes
        );
    }
    Ok(mapped)
}

/// Reads a map in lld's or mold's column format or in GNU ld's.
pub(crate) fn parse(text: &str) -> Result<Image> {
    let header = text.lines().next().unwrap_or_default();
    let mut collect = Collector::default();
    if let Some(format) = columns::Format::of(header) {
        columns::read(text, format, &mut collect);
    } else if text.lines().any(|l| l.starts_with(gnu::MEMORY_MAP)) {
        gnu::read(text, &mut collect);
    } else {
        bail!(
            "not a link map cargo-tune can read (lld's, mold's or GNU ld's; the first line is `{}`)",
            header.trim()
        );
    }
    Ok(collect.finish())
}

#[cfg(test)]
mod tests {
    use super::collector::symbol_of;
    use super::*;

    /// Pieces as `(section, name, size)`.
    pub(super) fn pieces(image: &Image) -> Vec<(usize, &str, u64)> {
        image
            .pieces
            .iter()
            .map(|p| (p.section, p.name.as_str(), p.size))
            .collect()
    }

    #[test]
    fn anonymous_constants_are_no_symbol() {
        assert_eq!(symbol_of(1, ".rodata..L__unnamed_1"), None);
        assert_eq!(symbol_of(1, ".rodata.cst16"), None);
        assert_eq!(symbol_of(1, ".rodata.str1.1"), None);
        assert_eq!(symbol_of(1, ".rodata.string_table"), Some("string_table"));
        assert_eq!(symbol_of(0, ".text"), None);
        assert_eq!(symbol_of(0, ".text.unlikely.main"), Some("main"));
        assert_eq!(symbol_of(2, ".data.rel.ro..Lanon.7a16.10"), None);
    }

    #[test]
    fn another_format_is_a_clear_error() {
        let e = format!(
            "{:#}",
            parse("Archive member included to satisfy reference\n").unwrap_err()
        );
        assert!(e.contains("not a link map cargo-tune can read"), "{e}");
    }
}

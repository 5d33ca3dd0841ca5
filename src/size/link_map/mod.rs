//! The linker's map of a binary (`-Wl,-Map`): which input section, named after the function or
//! object it holds (`-ffunction-sections`), went into `.text`, `.rodata` or `.data.rel.ro`. It
//! stands in for the symbol table of a stripped binary, so every variant's bytes can be
//! attributed to crates without a second, unstripped build. lld (rustc's default), mold and
//! GNU ld write it in two formats (`columns`, `gnu`).

mod columns;
mod gnu;

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::size::SECTIONS;
use crate::size::image::{Image, Piece};

/// Section-name prefixes rustc and LLVM put before the symbol a section holds, per analysed
/// output section (longest first).
const PREFIXES: [&[&str]; 3] = [
    &[
        ".text.unlikely.",
        ".text.startup.",
        ".text.hot.",
        ".text.exit.",
        ".text.",
    ],
    &[".rodata.unlikely.", ".rodata.hot.", ".rodata."],
    &[".data.rel.ro.local.", ".data.rel.ro."],
];

/// An [`Image`] of a stripped binary, already read as `linked`, from the map at `map`: section
/// sizes from the binary itself, pieces from the map. Fails when the map does not describe this
/// binary (another link, a BOLT rewrite), judged by the three section sizes.
pub fn image(linked: &Image, map: &Path) -> Result<Image> {
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
pub fn parse(text: &str) -> Result<Image> {
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

/// What the format readers find, turned into an [`Image`].
#[derive(Default)]
struct Collector {
    image: Image,
    covered: [u64; 3],
}

impl Collector {
    /// Output section `name` is `size` bytes; returns its index when it is analysed.
    fn output(&mut self, name: &str, size: u64) -> Option<usize> {
        let i = SECTIONS.iter().position(|s| *s == name)?;
        self.image.section_sizes[i] = size;
        Some(i)
    }

    /// Input section `section` of `size` bytes went into analysed section `i`.
    fn input(&mut self, i: usize, section: &str, size: u64) {
        let Some(name) = symbol_of(i, section) else {
            return;
        };
        if size == 0 {
            return;
        }
        self.covered[i] += size;
        self.image.symbol_count += 1;
        self.image.pieces.push(Piece {
            section: i,
            name: name.to_string(),
            size,
        });
    }

    fn finish(mut self) -> Image {
        for (i, covered) in self.covered.iter().enumerate() {
            self.image.uncovered[i] = self.image.section_sizes[i].saturating_sub(*covered);
        }
        self.image
    }
}

/// The symbol an input section of analysed section `i` is named after, when it is one:
/// `.rodata..L__unnamed_3`, `.rodata.cst16` and `.rodata.str1.1` hold anonymous constants.
/// A function's jump tables are in `.rodata.<function>`: they count to the function, which a
/// symbol table cannot tell (there they are bytes no symbol covers).
fn symbol_of(i: usize, section: &str) -> Option<&str> {
    let name = PREFIXES[i].iter().find_map(|p| section.strip_prefix(p))?;
    let digits = |s: &str, extra: u8| s.bytes().all(|b| b.is_ascii_digit() || b == extra);
    let anonymous = name.is_empty()
        || name.starts_with('.')
        || name.strip_prefix("cst").is_some_and(|d| digits(d, b'0'))
        || name.strip_prefix("str").is_some_and(|d| digits(d, b'.'));
    (!anonymous).then_some(name)
}

#[cfg(test)]
mod tests {
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

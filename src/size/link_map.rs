//! The linker's map of a binary (lld's `-Map` format): which input section, named after the
//! function or object it holds (`-ffunction-sections`), went into `.text`, `.rodata` or
//! `.data.rel.ro`. It stands in for the symbol table of a stripped binary, so every variant's
//! bytes can be attributed to crates without a second, unstripped build.

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

/// An [`Image`] of `binary` from the map at `map`: section sizes from the binary itself, pieces
/// from the map. Fails when the map does not describe this binary (another link, a BOLT
/// rewrite), judged by the three section sizes.
pub fn image(binary: &Path, map: &Path) -> Result<Image> {
    let text =
        std::fs::read_to_string(map).with_context(|| format!("cannot read {}", map.display()))?;
    let mapped =
        parse(&text).with_context(|| format!("cannot read the link map {}", map.display()))?;
    let linked = Image::read(binary)?;
    if mapped.section_sizes != linked.section_sizes {
        bail!(
            "the link map {} does not describe {} (section sizes {:?} against {:?})",
            map.display(),
            binary.display(),
            mapped.section_sizes,
            linked.section_sizes
        );
    }
    Ok(mapped)
}

/// Parses lld's map format: `VMA LMA Size Align Out In Symbol`, where an output section starts
/// right after the four numbers, an input section 8 columns further in and a symbol 16.
pub fn parse(text: &str) -> Result<Image> {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let columns: Vec<&str> = header.split_whitespace().collect();
    if columns != ["VMA", "LMA", "Size", "Align", "Out", "In", "Symbol"] {
        bail!(
            "not in lld's map format (the first line is `{}`); per-crate sizes of stripped \
             binaries need rustc's default linker (lld) or a cc-style linker driving lld",
            header.trim()
        );
    }
    let mut image = Image::default();
    let mut current: Option<usize> = None;
    let mut covered = [0u64; 3];
    for line in lines {
        let Some((size, indent, rest)) = fields(line) else {
            continue;
        };
        match indent {
            0 => {
                current = SECTIONS.iter().position(|s| *s == rest);
                if let Some(i) = current {
                    image.section_sizes[i] = size;
                }
            }
            8 => {
                let Some(i) = current else { continue };
                let Some(name) = input_section(rest).and_then(|s| symbol_of(i, s)) else {
                    continue;
                };
                if size == 0 {
                    continue;
                }
                covered[i] += size;
                image.symbol_count += 1;
                image.pieces.push(Piece {
                    section: i,
                    name: name.to_string(),
                    size,
                });
            }
            _ => {}
        }
    }
    for (i, covered) in covered.iter().enumerate() {
        image.uncovered[i] = image.section_sizes[i].saturating_sub(*covered);
    }
    Ok(image)
}

/// `(size, indent of the name relative to an output section's, name)` of one map line.
fn fields(line: &str) -> Option<(u64, usize, &str)> {
    let mut rest = line;
    let mut size = 0;
    for column in 0..4 {
        let trimmed = rest.trim_start();
        let end = trimmed.find(' ').unwrap_or(trimmed.len());
        let value = u64::from_str_radix(&trimmed[..end], 16).ok()?;
        if column == 2 {
            size = value;
        }
        rest = &trimmed[end..];
    }
    let name = rest.trim_start();
    let indent = (rest.len() - name.len()).checked_sub(1)?;
    Some((size, indent, name.trim_end()))
}

/// `.text.foo` out of `/path/lib.rlib(member.o):(.text.foo)`.
fn input_section(text: &str) -> Option<&str> {
    let start = text.rfind(":(")?;
    text[start + 2..].strip_suffix(')')
}

/// The symbol an input section of analysed section `i` is named after, when it is one:
/// `.rodata..L__unnamed_3`, `.rodata.cst16` and `.rodata.str1.1` hold anonymous constants.
/// A function's jump tables are in `.rodata.<function>`: they count to the function, which a
/// symbol table cannot tell (there they are bytes no symbol covers).
fn symbol_of(i: usize, section: &str) -> Option<&str> {
    let name = PREFIXES[i].iter().find_map(|p| section.strip_prefix(p))?;
    let anonymous = name.is_empty()
        || name.starts_with('.')
        || (name.starts_with("cst") && name[3..].bytes().all(|b| b.is_ascii_digit()))
        || (name.starts_with("str") && name[3..].bytes().all(|b| b.is_ascii_digit() || b == b'.'));
    (!anonymous).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: &str = "\
             VMA              LMA     Size Align Out     In      Symbol
             2e0              2e0       1c     1 .interp
             2e0              2e0       1c     1         <internal>:(.interp)
            4080             4080      100    16 .rodata
            4080             4080       20     1         /t/deps/app-1.app.2-cgu.0.rcgu.o:(.rodata..L__unnamed_1)
            40a0             40a0       30     8         /t/deps/app-1.app.2-cgu.0.rcgu.o:(.rodata._ZN3app5TABLE17h0123456789abcdefE)
            40a0             40a0       30     1                 app::TABLE::h0123456789abcdef
            40d0             40d0       10    16         /t/deps/app-1.app.2-cgu.0.rcgu.o:(.rodata.cst16)
           104b0            104b0       80    16 .text
           104b0            104b0       22    16         /usr/lib/x86_64-linux-gnu/Scrt1.o:(.text)
           104b0            104b0       22     1                 _start
           104e0            104e0       40    16         /t/deps/libdep-3.rlib(dep-3.dep.4-cgu.0.rcgu.o):(.text._ZN3dep3run17h0123456789abcdefE)
           104e0            104e0       40     1                 dep::run::h0123456789abcdef
           10520            10520       10    16         /t/deps/app-1.app.2-cgu.0.rcgu.o:(.text.unlikely.main)
           50ab8            50ab8        8     8 .data.rel.ro
           50ab8            50ab8        8     8         /t/deps/app-1.app.2-cgu.0.rcgu.o:(.data.rel.ro..L__unnamed_2)
";

    #[test]
    fn named_input_sections_become_pieces_and_the_rest_is_uncovered() {
        let image = parse(MAP).unwrap();
        assert_eq!(image.section_sizes, [0x80, 0x100, 0x8]);
        let pieces: Vec<(usize, &str, u64)> = image
            .pieces
            .iter()
            .map(|p| (p.section, p.name.as_str(), p.size))
            .collect();
        assert_eq!(
            pieces,
            [
                (1, "_ZN3app5TABLE17h0123456789abcdefE", 0x30),
                (0, "_ZN3dep3run17h0123456789abcdefE", 0x40),
                (0, "main", 0x10),
            ]
        );
        // .text: 0x80 - 0x40 - 0x10 (Scrt1's unnamed `.text` and padding stay uncovered).
        assert_eq!(image.uncovered, [0x30, 0x100 - 0x30, 0x8]);
    }

    #[test]
    fn another_format_is_a_clear_error() {
        let e = format!(
            "{:#}",
            parse("Archive member included to satisfy reference\n").unwrap_err()
        );
        assert!(e.contains("lld's map format"), "{e}");
    }
}

//! lld's and mold's map format: a header naming the columns, then one line per output section,
//! input section (8 columns further in) and symbol (16 further in). lld writes `VMA LMA Size
//! Align` in hex without `0x`; mold writes `VMA` as `0x…` and `Size Align` in decimal.

use super::collector::Collector;

/// Which of the two column layouts a map's first line announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Lld,
    Mold,
}

impl Format {
    pub(super) fn of(header: &str) -> Option<Format> {
        let columns: Vec<&str> = header.split_whitespace().collect();
        match columns.as_slice() {
            ["VMA", "LMA", "Size", "Align", "Out", "In", "Symbol"] => Some(Format::Lld),
            ["VMA", "Size", "Align", "Out", "In", "Symbol"] => Some(Format::Mold),
            _ => None,
        }
    }

    /// Number columns before the name, and which one is the size.
    fn numbers(self) -> (usize, usize) {
        match self {
            Format::Lld => (4, 2),
            Format::Mold => (3, 1),
        }
    }

    fn number(self, column: usize, text: &str) -> Option<u64> {
        match (self, text.strip_prefix("0x")) {
            (_, Some(hex)) => u64::from_str_radix(hex, 16).ok(),
            (Format::Lld, None) => u64::from_str_radix(text, 16).ok(),
            (Format::Mold, None) if column > 0 => text.parse().ok(),
            (Format::Mold, None) => u64::from_str_radix(text, 16).ok(),
        }
    }
}

pub(super) fn read(text: &str, format: Format, collect: &mut Collector) {
    let mut current: Option<usize> = None;
    for line in text.lines().skip(1) {
        let Some((size, indent, name)) = fields(line, format) else {
            continue;
        };
        match indent {
            0 => current = collect.output(name, size),
            8 => {
                if let (Some(i), Some(section)) = (current, input_section(name)) {
                    collect.input(i, section, size);
                }
            }
            _ => {}
        }
    }
}

/// `(size, indent of the name relative to an output section's, name)` of one map line.
fn fields(line: &str, format: Format) -> Option<(u64, usize, &str)> {
    let (count, size_column) = format.numbers();
    let mut rest = line;
    let mut size = 0;
    for column in 0..count {
        let trimmed = rest.trim_start();
        let end = trimmed.find(' ').unwrap_or(trimmed.len());
        let value = format.number(column, &trimmed[..end])?;
        if column == size_column {
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

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::super::tests::pieces;

    /// Excerpts of real maps of one small binary (paths shortened), one per linker.
    const LLD: &str = "\
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

    const MOLD: &str = "\
               VMA       Size Align Out     In      Symbol
                 0         64     8 EHDR
           0x10000        128    16 .text
           0x10000         34    16         /usr/lib/x86_64-linux-gnu/Scrt1.o:(.text)
           0x10000          0     0                 _start
           0x10030         64    16         /t/deps/libdep-3.rlib(dep-3.dep.4-cgu.0.rcgu.o):(.text._ZN3dep3run17h0123456789abcdefE)
           0x10070         16    16         /t/deps/app-1.app.2-cgu.0.rcgu.o:(.text.unlikely.main)
           0x20000        256    16 .rodata
           0x20000         48     8         /t/deps/app-1.app.2-cgu.0.rcgu.o:(.rodata._ZN3app5TABLE17h0123456789abcdefE)
";

    #[test]
    fn lld_named_input_sections_become_pieces_and_the_rest_is_uncovered() {
        let image = parse(LLD).unwrap();
        assert_eq!(image.section_sizes, [0x80, 0x100, 0x8]);
        assert_eq!(
            pieces(&image),
            [
                (1, "_ZN3app5TABLE17h0123456789abcdefE", 0x30),
                (0, "_ZN3dep3run17h0123456789abcdefE", 0x40),
                (0, "main", 0x10),
            ]
        );
        // .text: Scrt1's unnamed `.text` and the padding stay uncovered.
        assert_eq!(image.uncovered, [0x30, 0x100 - 0x30, 0x8]);
    }

    #[test]
    fn mold_sizes_are_decimal() {
        let image = parse(MOLD).unwrap();
        assert_eq!(image.section_sizes, [128, 256, 0]);
        assert_eq!(
            pieces(&image),
            [
                (0, "_ZN3dep3run17h0123456789abcdefE", 64),
                (0, "main", 16),
                (1, "_ZN3app5TABLE17h0123456789abcdefE", 48),
            ]
        );
        assert_eq!(image.uncovered, [48, 208, 0]);
    }
}

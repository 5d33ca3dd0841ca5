//! GNU ld's map format: after "Linker script and memory map", an output section starts at
//! column 0 (`.text  0xADDR  0xSIZE`), an input section at column 1 (` .text.foo  0xADDR  0xSIZE
//! file`), its numbers on the next line when its name is long; `*fill*`, `*(pattern)` and
//! symbol lines (address and name only) carry no input section.

use super::collector::Collector;

/// The line after which the map proper starts (before it: discarded sections, memory regions).
pub(super) const MEMORY_MAP: &str = "Linker script and memory map";

pub(super) fn read(text: &str, collect: &mut Collector) {
    let mut lines = text.lines().skip_while(|l| !l.starts_with(MEMORY_MAP));
    let mut current: Option<usize> = None;
    // A name whose address and size are on the next line: (is an output section, name).
    let mut pending: Option<(bool, &str)> = None;
    for line in lines.by_ref().skip(1) {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some(first) = tokens.first() else {
            continue;
        };
        let numbers = sizes(&tokens);
        if let Some((output, name)) = pending.take()
            && let Some(size) = continued(&tokens)
        {
            if output {
                current = collect.output(name, size);
            } else if let Some(i) = current {
                collect.input(i, name, size);
            }
            continue;
        }
        if !line.starts_with(' ') {
            // An output section, or a directive (`LOAD`, `OUTPUT(...)`) that ends the last one.
            current = None;
            match numbers {
                Some(size) => current = collect.output(first, size),
                None if tokens.len() == 1 && first.starts_with('.') => {
                    pending = Some((true, first))
                }
                None => {}
            }
        } else if line.as_bytes().get(1).is_some_and(|b| *b != b' ') && !first.starts_with('*') {
            match (numbers, current) {
                (Some(size), Some(i)) => collect.input(i, first, size),
                (None, Some(_)) if tokens.len() == 1 => pending = Some((false, first)),
                _ => {}
            }
        }
    }
}

/// The size of `name 0xADDR 0xSIZE …`.
fn sizes(tokens: &[&str]) -> Option<u64> {
    continued(tokens.get(1..)?)
}

/// The size of `0xADDR 0xSIZE …`, the line after a long name.
fn continued(tokens: &[&str]) -> Option<u64> {
    let hex = |t: &str| u64::from_str_radix(t.strip_prefix("0x")?, 16).ok();
    hex(tokens.first()?)?;
    hex(tokens.get(1)?)
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::super::tests::pieces;

    /// An excerpt of a real map (GNU ld 2.40) of one small binary, paths shortened.
    const GNU: &str = "\
Archive member included to satisfy reference by file (symbol)

Discarded input sections

 .text._ZN4core3fmt5write17h0123456789abcdefE
                0x0000000000000000       0x99 /t/deps/app-1.app.2-cgu.0.rcgu.o

Linker script and memory map

LOAD /usr/lib/x86_64-linux-gnu/Scrt1.o
.rodata         0x0000000000044000      0x100
 *(.rodata .rodata.* .gnu.linkonce.r.*)
 .rodata.cst16  0x0000000000044000       0x20 /t/deps/app-1.app.2-cgu.0.rcgu.o
                                         0x2a0 (size before relaxing)
 .rodata._ZN3app5TABLE17h0123456789abcdefE
                0x0000000000044020       0x30 /t/deps/app-1.app.2-cgu.0.rcgu.o
                0x0000000000044020                _ZN3app5TABLE17h0123456789abcdefE

.text           0x0000000000004050       0x80
 *(.text.unlikely .text.*_unlikely .text.unlikely.*)
 .text.unlikely.main
                0x0000000000004050       0x10 /t/deps/app-1.app.2-cgu.0.rcgu.o
 *fill*         0x0000000000004060        0x10
 .text          0x0000000000004070       0x22 /usr/lib/x86_64-linux-gnu/Scrt1.o
                0x0000000000004070                _start
 .text._ZN3dep3run17h0123456789abcdefE
                0x0000000000004098       0x38 /t/deps/libdep-3.rlib(dep-3.dep.4-cgu.0.rcgu.o)

.data.rel.ro    0x00000000000513c0        0x8
 .data.rel.ro   0x00000000000513c0        0x0 /usr/lib/x86_64-linux-gnu/Scrt1.o
 .data.rel.ro..Lanon.7a16.10
                0x00000000000513c0        0x8 /t/deps/app-1.app.2-cgu.0.rcgu.o
OUTPUT(target/release/app elf64-x86-64)
";

    #[test]
    fn named_input_sections_become_pieces_and_discarded_ones_do_not() {
        let image = parse(GNU).unwrap();
        assert_eq!(image.section_sizes, [0x80, 0x100, 0x8]);
        assert_eq!(
            pieces(&image),
            [
                (1, "_ZN3app5TABLE17h0123456789abcdefE", 0x30),
                (0, "main", 0x10),
                (0, "_ZN3dep3run17h0123456789abcdefE", 0x38),
            ]
        );
        assert_eq!(image.uncovered, [0x80 - 0x48, 0x100 - 0x30, 0x8]);
    }
}

//! What the map format readers find, turned into an [`Image`]: analysed output sections and the
//! input sections (named after their function or object) that went into them.

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

/// What the format readers find, turned into an [`Image`].
#[derive(Default)]
pub(super) struct Collector {
    image: Image,
    covered: [u64; 3],
}

impl Collector {
    /// Output section `name` is `size` bytes; returns its index when it is analysed.
    pub(super) fn output(&mut self, name: &str, size: u64) -> Option<usize> {
        let i = SECTIONS.iter().position(|s| *s == name)?;
        self.image.section_sizes[i] = size;
        Some(i)
    }

    /// Input section `section` of `size` bytes went into analysed section `i`.
    pub(super) fn input(&mut self, i: usize, section: &str, size: u64) {
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

    pub(super) fn finish(mut self) -> Image {
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
pub(super) fn symbol_of(i: usize, section: &str) -> Option<&str> {
    let name = PREFIXES[i].iter().find_map(|p| section.strip_prefix(p))?;
    let digits = |s: &str, extra: u8| s.bytes().all(|b| b.is_ascii_digit() || b == extra);
    let anonymous = name.is_empty()
        || name.starts_with('.')
        || name.strip_prefix("cst").is_some_and(|d| digits(d, b'0'))
        || name.strip_prefix("str").is_some_and(|d| digits(d, b'.'));
    (!anonymous).then_some(name)
}

//! Where a function without a symbol of its own went: the DWARF of a build records each inlined
//! copy of a function (`DW_TAG_inlined_subroutine`, pointing at the function it copies) inside
//! the out-of-line function that holds it (a `DW_TAG_subprogram` with code). Names come from
//! linkage names, demangled the way the cost rows are (`diff::key`), so they match.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use anyhow::{Context, Result};
use gimli::{AttributeValue, EndianSlice, RunTimeEndian, Unit, constants as dw};
use object::{Object, ObjectSection};

type Slice<'a> = EndianSlice<'a, RunTimeEndian>;

/// For each of `wanted` (shared names of functions), the out-of-line functions `binary`'s debug
/// info shows copies of it inlined into, the most copies first. A function found nowhere is
/// left out; a binary without debug info gives an empty map.
pub(crate) fn absorbers(
    binary: &Path,
    wanted: &BTreeSet<String>,
) -> Result<BTreeMap<String, Vec<String>>> {
    let bytes =
        std::fs::read(binary).with_context(|| format!("cannot read {}", binary.display()))?;
    let file = object::File::parse(&*bytes)
        .with_context(|| format!("cannot parse {} as ELF", binary.display()))?;
    let endian = if file.is_little_endian() {
        RunTimeEndian::Little
    } else {
        RunTimeEndian::Big
    };
    // Compressed sections would need a decompressor: read them as absent.
    let section = |id: gimli::SectionId| -> Result<Slice<'_>, gimli::Error> {
        let data = file
            .section_by_name(id.name())
            .filter(|s| !is_compressed(s))
            .and_then(|s| s.data().ok())
            .unwrap_or(&[]);
        Ok(EndianSlice::new(data, endian))
    };
    let dwarf = gimli::Dwarf::load(section)?;
    let mut units = Vec::new();
    let mut headers = dwarf.units();
    while let Some(header) = headers.next()? {
        units.push(dwarf.unit(header)?);
    }
    let names = names(&dwarf, &units)?;
    let mut found: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for unit in &units {
        inlined_in(unit, &names, wanted, &mut found)?;
    }
    Ok(found
        .into_iter()
        .map(|(name, callers)| {
            let mut callers: Vec<(String, usize)> = callers.into_iter().collect();
            callers.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            (name, callers.into_iter().map(|(c, _)| c).collect())
        })
        .collect())
}

fn is_compressed(s: &object::Section) -> bool {
    matches!(s.flags(), object::SectionFlags::Elf { sh_flags, .. }
        if sh_flags.0 & object::elf::SHF_COMPRESSED.0 != 0)
}

/// A function entry's name: its own linkage name, or the entry it refers to.
enum Name {
    Linkage(String),
    Ref(usize),
}

/// Every function entry's name, by its offset in `.debug_info`.
fn names(dwarf: &gimli::Dwarf<Slice>, units: &[Unit<Slice>]) -> Result<HashMap<usize, Name>> {
    let mut names = HashMap::new();
    for unit in units {
        let mut cursor = unit.entries();
        while let Some(entry) = cursor.next_dfs()? {
            if !matches!(
                entry.tag(),
                dw::DW_TAG_subprogram | dw::DW_TAG_inlined_subroutine
            ) {
                continue;
            }
            let Some(at) = global(unit, entry.offset()) else {
                continue;
            };
            let linkage = entry
                .attr_value(dw::DW_AT_linkage_name)
                .or_else(|| entry.attr_value(dw::DW_AT_MIPS_linkage_name));
            if let Some(value) = linkage {
                let s = dwarf.attr_string(unit, value)?;
                names.insert(at, Name::Linkage(super::diff::key(&s.to_string_lossy())));
            } else if let Some(r) = reference(unit, entry.attr_value(dw::DW_AT_abstract_origin))
                .or_else(|| reference(unit, entry.attr_value(dw::DW_AT_specification)))
            {
                names.insert(at, Name::Ref(r));
            }
        }
    }
    Ok(names)
}

/// Follows references (a concrete function to its abstract one, a definition to its
/// declaration) to a linkage name.
fn resolve(names: &HashMap<usize, Name>, mut at: usize) -> Option<&str> {
    for _ in 0..8 {
        match names.get(&at)? {
            Name::Linkage(s) => return Some(s),
            Name::Ref(r) => at = *r,
        }
    }
    None
}

/// Counts, for each wanted function inlined in `unit`, the out-of-line function holding it.
fn inlined_in(
    unit: &Unit<Slice>,
    names: &HashMap<usize, Name>,
    wanted: &BTreeSet<String>,
    found: &mut BTreeMap<String, BTreeMap<String, usize>>,
) -> Result<()> {
    // The functions with code around the current entry: (depth, offset).
    let mut holders: Vec<(isize, usize)> = Vec::new();
    let mut cursor = unit.entries();
    while let Some(entry) = cursor.next_dfs()? {
        let depth = entry.depth();
        while holders.last().is_some_and(|(d, _)| *d >= depth) {
            holders.pop();
        }
        let has_code =
            entry.attr(dw::DW_AT_low_pc).is_some() || entry.attr(dw::DW_AT_ranges).is_some();
        match entry.tag() {
            dw::DW_TAG_subprogram if has_code => {
                if let Some(at) = global(unit, entry.offset()) {
                    holders.push((depth, at));
                }
            }
            dw::DW_TAG_inlined_subroutine => {
                let origin = reference(unit, entry.attr_value(dw::DW_AT_abstract_origin));
                let Some(name) = origin.and_then(|o| resolve(names, o)) else {
                    continue;
                };
                if !wanted.contains(name) {
                    continue;
                }
                let Some(holder) = holders.first().and_then(|(_, h)| resolve(names, *h)) else {
                    continue;
                };
                *found
                    .entry(name.to_string())
                    .or_default()
                    .entry(holder.to_string())
                    .or_default() += 1;
            }
            _ => {}
        }
    }
    Ok(())
}

fn global(unit: &Unit<Slice>, offset: gimli::UnitOffset) -> Option<usize> {
    offset.to_debug_info_offset(&unit.header).map(|o| o.0)
}

fn reference(unit: &Unit<Slice>, value: Option<AttributeValue<Slice>>) -> Option<usize> {
    match value? {
        AttributeValue::UnitRef(o) => global(unit, o),
        AttributeValue::DebugInfoRef(o) => Some(o.0),
        _ => None,
    }
}

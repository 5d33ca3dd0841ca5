//! The code layouts a run measures each variant on: K replays of its recorded link (`link`),
//! seeded from the run's seed, or its one binary as built, with the reason, when its link
//! cannot be replayed (another linker, a BOLTed or prebuilt binary).

use std::path::PathBuf;

use crate::cargo::Builder;
use crate::link;
use crate::link::layouts::LayoutMode;
use crate::measure::rng::Rng;
use crate::run::Run;
use crate::ui::Shell;

/// Stream of the run's seed that picks layout seeds (apart from the engine's streams).
const SEEDS: u64 = 0x5eed_1a70;

/// The binaries to measure per variant of `run` (empty when it did not build). With
/// `settings.layouts` > 1 it records each variant's layouts in the run, adds a note for every
/// variant that keeps one layout, and turns layouts off when none could have them.
pub(super) fn binaries(shell: &Shell, builder: &Builder, run: &mut Run) -> Vec<Vec<PathBuf>> {
    let built: Vec<Vec<PathBuf>> = run
        .variants
        .iter()
        .map(|v| v.build.iter().map(|b| b.binary.clone()).collect())
        .collect();
    let (k, mode) = (run.settings.layouts, run.settings.layout_mode);
    if k < 2 {
        return built;
    }
    shell.status(
        "Relinking",
        format!("{k} code layouts of each variant ({})", describe(mode)),
    );
    let mut out = Vec::with_capacity(built.len());
    let mut kept_one = Vec::new();
    // Records in use, with every layout made from each (variants may share one).
    let mut records: Vec<(link::capture::Captured, Vec<link::layouts::Layout>)> = Vec::new();
    for (v, binaries) in built.into_iter().enumerate() {
        let Some(binary) = binaries.first() else {
            out.push(binaries);
            continue;
        };
        let variant = &run.variants[v];
        let made = if variant.variant.bolt {
            Err("BOLT rewrote it after its link, and its layout is the optimization".to_string())
        } else {
            let seeds = seeds(run.settings.seed, v, k, mode);
            builder.link_record(binary).and_then(|c| {
                let made = link::layouts::make(&c, mode, &seeds).map_err(|e| format!("{e:#}"))?;
                match records.iter_mut().find(|(r, _)| r.dir == c.dir) {
                    Some((_, all)) => all.extend(made.iter().cloned()),
                    None => records.push((c, made.clone())),
                }
                Ok(made)
            })
        };
        match made {
            Ok(layouts) => {
                out.push(layouts.iter().map(|l| l.binary.clone()).collect());
                run.variants[v].layouts = layouts;
            }
            Err(why) => {
                kept_one.push((variant.name.clone(), why));
                out.push(binaries);
            }
        }
    }
    for (record, layouts) in &records {
        link::layouts::prune(record, layouts);
    }
    if out.iter().all(|b| b.len() < 2) {
        let why = kept_one.first().map_or(String::new(), |(_, w)| w.clone());
        run.notes.push(format!(
            "Code layouts were not varied: {why}. Each variant ran as built, so a gain may be one \
             layout's luck (docs/layout.md)."
        ));
        run.settings.layouts = 1;
        return out;
    }
    for (name, why) in kept_one {
        run.notes.push(format!(
            "{name} ran on its one layout as built ({why}); its comparisons carry that layout's luck."
        ));
    }
    out
}

pub(super) fn describe(mode: LayoutMode) -> &'static str {
    match mode {
        LayoutMode::Shift => "code shifted by 16–4080 bytes, order kept",
        LayoutMode::Shuffle => "sections shuffled: a stress test, worse than the linker's order",
    }
}

/// `k` layout seeds of variant `v`: distinct layouts (shifted ones by distinct amounts).
fn seeds(seed: u64, v: usize, k: u32, mode: LayoutMode) -> Vec<u64> {
    let mut rng = Rng::derived(seed, &[SEEDS, v as u64]);
    let mut out: Vec<u64> = Vec::new();
    while out.len() < k as usize {
        // lld reads shuffle seeds as 32-bit; 0 would mean "pick one at random".
        let s = 1 + rng.next_u64() % u64::from(u32::MAX - 1);
        let same = |o: &u64| match mode {
            LayoutMode::Shift => link::layouts::pad_bytes(*o) == link::layouts::pad_bytes(s),
            LayoutMode::Shuffle => *o == s,
        };
        if !out.iter().any(same) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_distinct_layouts_and_repeat_per_seed() {
        let s = seeds(7, 1, 255, LayoutMode::Shift);
        let mut pads: Vec<u64> = s.iter().map(|&x| link::layouts::pad_bytes(x)).collect();
        pads.sort_unstable();
        pads.dedup();
        assert_eq!(pads.len(), 255);
        assert_eq!(seeds(7, 1, 4, LayoutMode::Shift), s[..4]);
        assert_ne!(seeds(7, 2, 4, LayoutMode::Shift), s[..4]);
        assert!(
            seeds(7, 1, 4, LayoutMode::Shuffle)
                .iter()
                .all(|&x| x > 0 && x < 1 << 32)
        );
    }
}

//! Where each variant's bytes go: the per-crate table under the workload tables (terminal and
//! Markdown) and the rows the HTML chart stacks, from each build's `crates`.

use crate::report::view::{CellView, TableView, Tone};
use crate::run::{CrateSize, Run, VariantResult};
use crate::ui::format_bytes;

/// Crates shown by name; the rest are summed into "other crates".
pub(crate) const SHOWN: usize = 8;
/// The rows every variant's bytes are split into: the largest crates (by their largest size in
/// any variant), then "other crates", then bytes no symbol covers.
pub(crate) const OTHER: &str = "other crates";
/// The row `size` writes for bytes no symbol covers (as `size::UNATTRIBUTED`).
pub(crate) const UNATTRIBUTED: &str = "[unattributed]";

/// Row names in order: the `SHOWN` largest crates, then [`OTHER`] and [`UNATTRIBUTED`] when
/// any variant has bytes there. Empty when no variant has per-crate sizes.
pub(crate) fn rows(run: &Run) -> Vec<String> {
    let mut largest: Vec<(String, u64)> = Vec::new();
    for c in run.variants.iter().flat_map(crates) {
        // `[unattributed]`, `[no crate]`: not crates.
        if c.name.starts_with('[') {
            continue;
        }
        match largest.iter_mut().find(|(n, _)| *n == c.name) {
            Some((_, b)) => *b = (*b).max(c.bytes),
            None => largest.push((c.name.clone(), c.bytes)),
        }
    }
    if largest.is_empty() {
        return Vec::new();
    }
    largest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut names: Vec<String> = largest.iter().take(SHOWN).map(|(n, _)| n.clone()).collect();
    let named = names.len();
    let has_other = run
        .variants
        .iter()
        .flat_map(crates)
        .any(|c| c.name != UNATTRIBUTED && !names[..named].contains(&c.name) && c.bytes > 0);
    let has_unattributed = run
        .variants
        .iter()
        .flat_map(crates)
        .any(|c| c.name == UNATTRIBUTED && c.bytes > 0);
    if has_other {
        names.push(OTHER.to_string());
    }
    if has_unattributed {
        names.push(UNATTRIBUTED.to_string());
    }
    names
}

fn crates(v: &VariantResult) -> &[crate::run::CrateSize] {
    v.build.as_ref().map(|b| b.crates.as_slice()).unwrap_or(&[])
}

/// `v`'s bytes per row of `names` (as from [`rows`]: named crates, then maybe [`OTHER`] and
/// [`UNATTRIBUTED`]); empty when `v` has no per-crate sizes. The parts add up to its analysed bytes.
pub(crate) fn split(v: &VariantResult, names: &[String]) -> Vec<u64> {
    let crates = crates(v);
    if crates.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0; names.len()];
    for c in crates {
        let named = names
            .iter()
            .position(|n| *n == c.name && n != OTHER)
            .or_else(|| names.iter().position(|n| n == OTHER));
        if let Some(i) = named {
            out[i] += c.bytes;
        }
    }
    out
}

/// `largest crates: std 74%, textproc 14%` from a build's per-crate sizes (shares of all its
/// analysed bytes; bracketed rows and crates under 0.5% left out); `None` without sizes.
pub(crate) fn largest_line(crates: &[CrateSize], n: usize) -> Option<String> {
    let total = crates.iter().map(|c| c.bytes).sum::<u64>().max(1) as f64;
    let parts: Vec<String> = crates
        .iter()
        .filter(|c| !c.name.starts_with('['))
        .take(n)
        .map(|c| (c, 100.0 * c.bytes as f64 / total))
        .filter(|(_, pct)| *pct >= 0.5)
        .map(|(c, pct)| format!("{} {pct:.0}%", c.name))
        .collect();
    (!parts.is_empty()).then(|| format!("largest crates: {}", parts.join(", ")))
}

/// The terminal/Markdown table: one row per crate, one column per variant, changes against the
/// baseline. `None` when no variant has per-crate sizes.
pub(crate) fn table(run: &Run) -> Option<TableView> {
    let names = rows(run);
    if names.is_empty() {
        return None;
    }
    // Held-out folds are the same configuration as their variant: no column of their own.
    let shown: Vec<usize> = (0..run.variants.len())
        .filter(|&v| run.variants[v].fold.is_none())
        .collect();
    let splits: Vec<Vec<u64>> = run.variants.iter().map(|v| split(v, &names)).collect();
    let base = splits.get(run.baseline);
    let cell = |text: String| CellView {
        text,
        best: false,
        tone: Tone::Plain,
    };
    let mut rows: Vec<Vec<CellView>> = Vec::new();
    let total = |s: &Vec<u64>| s.iter().sum::<u64>();
    let lines = names.iter().map(String::as_str).chain(["= analysed"]);
    for (r, name) in lines.enumerate() {
        let mut row = vec![cell(name.to_string())];
        for (v, s) in splits.iter().enumerate() {
            if !shown.contains(&v) {
                continue;
            }
            if s.is_empty() {
                row.push(cell("—".into()));
                continue;
            }
            let bytes = if r < names.len() { s[r] } else { total(s) };
            let reference = base
                .filter(|b| !b.is_empty() && v != run.baseline)
                .map(|b| if r < names.len() { b[r] } else { total(b) });
            row.push(cell(match reference {
                Some(b) if b > 0 && b != bytes => format!(
                    "{} ({:+.0}%)",
                    format_bytes(bytes),
                    100.0 * (bytes as f64 / b as f64 - 1.0)
                ),
                Some(0) if bytes > 0 => format!("{} (new)", format_bytes(bytes)),
                _ => format_bytes(bytes),
            }));
        }
        rows.push(row);
    }
    let headers = std::iter::once("Crate".to_string())
        .chain(shown.iter().map(|&v| run.variants[v].name.clone()))
        .collect();
    Some(TableView {
        title: "Size by crate (.text + .rodata + .data.rel.ro; `cargo tune size` lists functions)"
            .into(),
        headers,
        rows,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `fixture(true)` with per-crate sizes: variant 0 release, 1 production (fat LTO moved
    /// code into std), 2 without any (its build was not analysed).
    pub(crate) fn with_crates(mut run: Run) -> Run {
        let sizes: [&[(&str, u64)]; 2] = [
            &[
                ("std", 300_000),
                ("app", 80_000),
                ("serde", 20_000),
                ("[no crate]", 500),
                ("[unattributed]", 48_000),
            ],
            &[
                ("std", 310_000),
                ("app", 50_000),
                ("[no crate]", 1_500),
                ("[unattributed]", 36_000),
            ],
        ];
        for (v, crates) in run.variants.iter_mut().zip(sizes) {
            let build = v.build.as_mut().unwrap();
            build.crates = crates
                .iter()
                .map(|(name, bytes)| CrateSize {
                    name: name.to_string(),
                    bytes: *bytes,
                })
                .collect();
        }
        run
    }

    #[test]
    fn rows_are_the_largest_crates_then_the_rest_and_they_add_up() {
        let run = with_crates(crate::report::tests::fixture(true));
        let names = rows(&run);
        assert_eq!(names, ["std", "app", "serde", OTHER, UNATTRIBUTED]);
        assert_eq!(
            split(&run.variants[0], &names),
            [300_000, 80_000, 20_000, 500, 48_000]
        );
        assert_eq!(
            split(&run.variants[1], &names),
            [310_000, 50_000, 0, 1_500, 36_000]
        );
        let t = table(&run).unwrap();
        let text: Vec<Vec<&str>> = t
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(text[1][..3], ["app", "80.0 KB", "50.0 KB (-38%)"]);
        assert_eq!(text[2][..3], ["serde", "20.0 KB", "0 B (-100%)"]);
        assert_eq!(text[5][0], "= analysed");
        // The variants after the first two have no per-crate sizes: dashes, not zeros.
        assert!(run.variants.len() > 2);
        assert!(text.iter().all(|r| r[3] == "—"));
    }

    #[test]
    fn the_largest_crates_in_one_line() {
        let run = with_crates(crate::report::tests::fixture(true));
        let crates = &run.variants[0].build.as_ref().unwrap().crates;
        // Shares of all 448.5 KB analysed, the unattributed row included.
        assert_eq!(
            largest_line(crates, 2).unwrap(),
            "largest crates: std 67%, app 18%"
        );
        assert_eq!(largest_line(&[], 3), None);
    }

    #[test]
    fn no_table_without_per_crate_sizes() {
        let run = crate::report::tests::fixture(true);
        assert!(rows(&run).is_empty());
        assert!(table(&run).is_none());
    }
}

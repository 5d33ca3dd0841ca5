//! Terminal tables of a size analysis and of a comparison: exact byte counts, so the rows can be
//! checked to add up to the section sizes.

use std::collections::HashMap;
use std::fmt::Write;

use crate::size::diff::{Change, SizeDiff};
use crate::size::features::DepFeatures;
use crate::size::{SizeReport, UNATTRIBUTED};
use crate::ui::format_bytes;

/// `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `+1,234`, `-56`, `0`.
pub(crate) fn signed(n: i64) -> String {
    match n {
        0 => "0".into(),
        n if n > 0 => format!("+{}", thousands(n as u64)),
        n => format!("-{}", thousands(n.unsigned_abs())),
    }
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        "—".into()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// Lays out rows under a header; columns listed in `left` are left-aligned, the others
/// right-aligned.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>], left: &[usize]) -> String {
    let cols = header.len();
    let mut width = vec![0usize; cols];
    for row in std::iter::once(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>())
        .chain(rows.iter())
    {
        for (i, cell) in row.iter().enumerate() {
            width[i] = width[i].max(cell.chars().count());
        }
    }
    let line = |row: &[String]| -> String {
        let mut s = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = width[i] - cell.chars().count();
            let last = i + 1 == cols;
            if left.contains(&i) {
                s.push_str(cell);
                if !last {
                    s.push_str(&" ".repeat(pad));
                }
            } else {
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            }
            if !last {
                s.push_str("  ");
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    let rule: Vec<String> = width.iter().map(|w| "─".repeat(*w)).collect();
    out.push_str(&line(&rule));
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

/// The header lines: binary, file sizes, section sizes and how the bytes were attributed.
pub(crate) fn summary(r: &SizeReport) -> String {
    let mut s = String::new();
    let stripped = match r.stripped_size_bytes {
        Some(b) => format!("{} stripped (`strip -s`)", format_bytes(b)),
        None => "stripped size unknown (no `strip` found)".into(),
    };
    let _ = writeln!(
        s,
        "{}: {} unstripped, {}",
        r.binary.display(),
        format_bytes(r.file_size_bytes),
        stripped
    );
    let a = &r.attribution;
    let total = r.sections.total();
    let rlibs = if a.project_rlibs == 0 {
        "no dependency rlibs".to_string()
    } else {
        format!(
            "{} of {} dependency rlibs hold machine code",
            a.project_rlibs_with_code, a.project_rlibs
        )
    };
    let _ = writeln!(
        s,
        "Analysed {} bytes (.text {}, .rodata {}, .data.rel.ro {}): {} by rlib symbol tables ({rlibs}), {} the binary's own crate (Rust code no rlib defines), {} by demangled names, {} named without a crate, {} covered by no symbol.",
        thousands(total),
        thousands(r.sections.text),
        thousands(r.sections.rodata),
        thousands(r.sections.data_rel_ro),
        pct(a.by_rlib_bytes, total),
        pct(a.by_bin_bytes, total),
        pct(a.by_name_bytes, total),
        pct(a.no_crate_bytes, total),
        pct(a.unattributed_bytes, total),
    );
    s
}

/// The per-crate table, `n` crates then the rest folded, `[unattributed]` and the sum.
pub(crate) fn crates(r: &SizeReport, n: usize, features: &[DepFeatures]) -> String {
    let total = r.sections.total();
    let by_crate: HashMap<&str, &DepFeatures> =
        features.iter().map(|f| (f.krate.as_str(), f)).collect();
    let mut rows = Vec::new();
    let attributed: Vec<_> = r.crates.iter().filter(|c| c.name != UNATTRIBUTED).collect();
    let row = |name: String, b: &crate::size::Bytes, feats: String| {
        vec![
            name,
            thousands(b.text),
            thousands(b.rodata),
            thousands(b.data_rel_ro),
            thousands(b.total()),
            pct(b.total(), total),
            feats,
        ]
    };
    for c in attributed.iter().take(n) {
        let feats = by_crate
            .get(c.name.as_str())
            .map(|f| fit_features(&f.enabled, FEATURES_WIDTH))
            .unwrap_or_default();
        rows.push(row(c.name.clone(), &c.bytes, feats));
    }
    if attributed.len() > n {
        let mut rest = crate::size::Bytes::default();
        for c in &attributed[n..] {
            rest.text += c.bytes.text;
            rest.rodata += c.bytes.rodata;
            rest.data_rel_ro += c.bytes.data_rel_ro;
        }
        rows.push(row(
            format!("({} more crates)", attributed.len() - n),
            &rest,
            String::new(),
        ));
    }
    if let Some(u) = r.crates.iter().find(|c| c.name == UNATTRIBUTED) {
        rows.push(row(u.name.clone(), &u.bytes, String::new()));
    }
    rows.push(row("= sections".into(), &r.sections, String::new()));
    table(
        &[
            "Crate",
            ".text",
            ".rodata",
            ".data.rel.ro",
            "Total",
            "Share",
            "Features",
        ],
        &rows,
        &[0, 6],
    )
}

/// The widest the Features cell gets: a crate with dozens of features enabled must not make the
/// table hundreds of columns wide (the full list follows under "enabled by").
const FEATURES_WIDTH: usize = 40;

/// `a,b,c` as far as it fits in `width` characters, then `+N more`.
fn fit_features(enabled: &[String], width: usize) -> String {
    let all = enabled.join(",");
    if all.chars().count() <= width {
        return all;
    }
    let mut shown = String::new();
    for (i, f) in enabled.iter().enumerate() {
        let more = format!(" +{} more", enabled.len() - i);
        let sep = if shown.is_empty() { "" } else { "," };
        if shown.chars().count() + sep.len() + f.chars().count() + more.len() > width {
            return format!("{shown}{more}").trim_start().to_string();
        }
        shown.push_str(sep);
        shown.push_str(f);
    }
    shown
}

/// The `n` largest functions (generic instantiations grouped, with their count).
pub(crate) fn functions(r: &SizeReport, n: usize) -> String {
    let total = r.sections.total();
    let rows: Vec<Vec<String>> = r
        .functions
        .iter()
        .take(n)
        .map(|f| {
            vec![
                thousands(f.bytes.total()),
                pct(f.bytes.total(), total),
                if f.instances > 1 {
                    format!("×{}", f.instances)
                } else {
                    String::new()
                },
                f.krate.clone(),
                f.name.clone(),
            ]
        })
        .collect();
    table(
        &["Bytes", "Share", "Inst.", "Crate", "Function"],
        &rows,
        &[3, 4],
    )
}

/// Who enables the features of the `n` largest dependencies.
pub(crate) fn feature_origins(r: &SizeReport, n: usize, features: &[DepFeatures]) -> String {
    let mut s = String::new();
    let by_crate: HashMap<&str, &DepFeatures> =
        features.iter().map(|f| (f.krate.as_str(), f)).collect();
    for c in r.crates.iter().filter(|c| c.name != UNATTRIBUTED).take(n) {
        let Some(f) = by_crate.get(c.name.as_str()) else {
            continue;
        };
        let who: Vec<String> = f
            .enabled_by
            .iter()
            .map(|(p, fs)| format!("{p}: {}", fs.join(",")))
            .collect();
        let _ = writeln!(
            s,
            "  {} {} ({}): [{}] enabled by {}",
            f.package,
            f.version,
            format_bytes(c.bytes.total()),
            f.enabled.join(", "),
            if who.is_empty() {
                "nobody explicitly".into()
            } else {
                who.join("; ")
            }
        );
    }
    s
}

/// The comparison: totals, then crates and the `n` largest function changes.
pub(crate) fn diff(d: &SizeDiff, old: &str, new: &str, n: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{old} → {new}: analysed bytes {} → {} ({}, {}); file {} → {}",
        thousands(d.old_total_bytes),
        thousands(d.new_total_bytes),
        signed(d.new_total_bytes as i64 - d.old_total_bytes as i64),
        pct_change(d.old_total_bytes, d.new_total_bytes),
        format_bytes(d.old_file_size_bytes),
        format_bytes(d.new_file_size_bytes),
    );
    let cell = |b: Option<u64>| b.map(thousands).unwrap_or_else(|| "—".into());
    let crates: Vec<Vec<String>> = d
        .crates
        .iter()
        .filter(|r| r.change != Change::Same)
        .map(|r| {
            vec![
                r.krate.clone(),
                cell(r.old_bytes),
                cell(r.new_bytes),
                signed(r.delta()),
                r.change.as_str().into(),
            ]
        })
        .collect();
    s.push('\n');
    s.push_str(&table(
        &["Crate", old, new, "Δ bytes", "What"],
        &crates,
        &[0, 4],
    ));
    let functions: Vec<Vec<String>> = d
        .functions
        .iter()
        .filter(|r| r.change != Change::Same)
        .take(n)
        .map(|r| {
            let inst = if r.old_instances > 1 || r.new_instances > 1 {
                format!(" (×{} → ×{})", r.old_instances, r.new_instances)
            } else {
                String::new()
            };
            vec![
                signed(r.delta()),
                cell(r.old_bytes),
                cell(r.new_bytes),
                r.change.as_str().into(),
                r.krate.clone(),
                format!("{}{inst}", r.name),
            ]
        })
        .collect();
    let changed = d.functions.iter().filter(|r| r.change != Change::Same);
    let count = |c: Change| d.functions.iter().filter(|r| r.change == c).count();
    let _ = writeln!(
        s,
        "\nFunctions: {} grew, {} shrank, {} appeared, {} vanished ({} changed; largest {} shown)",
        count(Change::Grew),
        count(Change::Shrank),
        count(Change::Appeared),
        count(Change::Vanished),
        changed.count(),
        functions.len()
    );
    s.push_str(&table(
        &["Δ bytes", old, new, "What", "Crate", "Function"],
        &functions,
        &[3, 4, 5],
    ));
    s
}

fn pct_change(old: u64, new: u64) -> String {
    if old == 0 {
        return "—".into();
    }
    format!("{:+.1}%", 100.0 * (new as f64 - old as f64) / old as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(signed(-1234), "-1,234");
    }

    #[test]
    fn many_features_fit_a_bounded_cell() {
        let few: Vec<String> = ["std", "alloc"].map(String::from).to_vec();
        assert_eq!(fit_features(&few, 40), "std,alloc");
        let many: Vec<String> = (0..30).map(|i| format!("feature-{i}")).collect();
        let cell = fit_features(&many, 40);
        assert!(cell.chars().count() <= 40, "{cell}");
        assert_eq!(cell, "feature-0,feature-1,feature-2 +27 more");
        let one_long = vec!["x".repeat(50)];
        assert_eq!(fit_features(&one_long, 40), "+1 more");
    }

    #[test]
    fn columns_line_up() {
        let t = table(
            &["Crate", "Bytes"],
            &[
                vec!["a".into(), "1".into()],
                vec!["long".into(), "1,000".into()],
            ],
            &[0],
        );
        assert_eq!(
            t,
            "Crate  Bytes\n─────  ─────\na          1\nlong   1,000\n"
        );
    }
}

//! An explanation as text: the totals, the functions that carry the change (with what is known
//! about functions only one build has), the rest and the per-crate roll-up, in exact counts so
//! that the rows visibly add up; and the same as GitHub Markdown.

use std::fmt::Write;

use super::{Costs, Explanation, Which};
use crate::size::render::{signed, table, thousands};

/// What is known about where a listed function went, e.g. `absent in B: inlined or removed (B
/// has it inlined into app::main)` or `B also has it inlined into app::main`.
pub(crate) fn presence(e: &Explanation, name: &str) -> Option<String> {
    let labels: Vec<String> = e
        .inlined(name)
        .filter_map(|o| {
            let build = match o.build {
                Which::A => "A",
                Which::B => "B",
            };
            let into = match o.into.as_slice() {
                [] => None,
                [one] => Some(one.clone()),
                [one, more @ ..] => Some(format!(
                    "{one} and {}",
                    crate::ui::count(more.len(), "other")
                )),
            };
            match (o.partly, o.build, into) {
                (true, _, None) => None,
                (true, _, Some(into)) => Some(format!("{build} also has it inlined into {into}")),
                (false, Which::B, into) => {
                    Some(with_into("absent in B: inlined or removed", build, into))
                }
                (false, Which::A, into) => Some(with_into(
                    "new in B: not inlined there, or new code",
                    build,
                    into,
                )),
            }
        })
        .collect();
    (!labels.is_empty()).then(|| labels.join("; "))
}

fn with_into(label: &str, build: &str, into: Option<String>) -> String {
    match into {
        Some(into) => format!("{label} ({build} has it inlined into {into})"),
        None => label.to_string(),
    }
}

/// `-17,311,022 (-5.0%)`.
fn change(c: Costs) -> String {
    let n = i64::try_from(c.change()).unwrap_or(i64::MAX);
    if c.a == 0 {
        return signed(n);
    }
    format!("{} ({:+.1}%)", signed(n), 100.0 * n as f64 / c.a as f64)
}

/// A part's share of the whole change (`—` when nothing changed in total).
fn share(part: Costs, total: Costs) -> String {
    match total.change() {
        0 => "—".into(),
        t => {
            let pct = 100.0 * part.change() as f64 / t as f64;
            // Not `-0%` for a part whose change is a sliver of the whole's.
            format!("{:.0}%", if pct.abs() < 0.5 { 0.0 } else { pct })
        }
    }
}

/// `3.46 M`, `72.2 k`: three significant digits, for prose.
pub(crate) fn short(n: i128) -> String {
    let x = n as f64;
    let (v, unit) = match x.abs() {
        a if a >= 1e9 => (x / 1e9, " G"),
        a if a >= 1e6 => (x / 1e6, " M"),
        a if a >= 1e3 => (x / 1e3, " k"),
        _ => return format!("{n}"),
    };
    let d = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.d$}{unit}")
}

/// Rows of the function table: the listed functions, the rest, the total.
fn function_rows(e: &Explanation) -> Vec<Vec<String>> {
    let d = &e.diff;
    let mut rows: Vec<Vec<String>> = d
        .functions
        .iter()
        .map(|f| {
            let c = Costs { a: f.a, b: f.b };
            vec![
                f.name.clone(),
                f.krate.clone(),
                thousands(f.a),
                thousands(f.b),
                signed(i64::try_from(c.change()).unwrap_or(i64::MAX)),
                share(c, d.total),
                presence(e, &f.name).unwrap_or_default(),
            ]
        })
        .collect();
    for (label, c) in [
        ("rest (every other function)", d.rest),
        ("= total", d.total),
    ] {
        rows.push(vec![
            label.into(),
            String::new(),
            thousands(c.a),
            thousands(c.b),
            signed(i64::try_from(c.change()).unwrap_or(i64::MAX)),
            share(c, d.total),
            String::new(),
        ]);
    }
    rows
}

fn crate_rows(e: &Explanation) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = e
        .crates
        .iter()
        .map(|c| {
            let costs = Costs { a: c.a, b: c.b };
            vec![
                c.name.clone(),
                thousands(c.a),
                thousands(c.b),
                change(costs),
                share(costs, e.diff.total),
            ]
        })
        .collect();
    let t = e.diff.total;
    rows.push(vec![
        "= total".into(),
        thousands(t.a),
        thousands(t.b),
        change(t),
        share(t, t),
    ]);
    rows
}

/// One sentence: the total change and the functions and crate that carry most of it.
pub(crate) fn headline(e: &Explanation) -> String {
    let t = e.diff.total;
    let metric = e.diff.metric.title();
    let direction = match t.change() {
        0 => format!("`{}` runs the same {metric} as `{}`", e.variant, e.baseline),
        c => format!(
            "`{}` runs {} {} {metric} than `{}`",
            e.variant,
            short(c.abs()),
            if c < 0 { "fewer" } else { "more" },
            e.baseline
        ),
    };
    let top: Vec<String> = e
        .diff
        .functions
        .iter()
        .take(3)
        .map(|f| {
            let c = Costs { a: f.a, b: f.b }.change();
            format!("{} ({}{})", f.name, if c > 0 { "+" } else { "" }, short(c))
        })
        .collect();
    let mut s = direction;
    if !top.is_empty() {
        let _ = write!(s, "; the largest changes: {}", top.join(", "));
    }
    if let Some(c) = e.crates.first().filter(|c| c.a != c.b) {
        let change = Costs { a: c.a, b: c.b }.change();
        let _ = write!(
            s,
            "; of the crates, {} changed most ({}{})",
            c.name,
            if change > 0 { "+" } else { "" },
            short(change)
        );
    }
    s.push('.');
    s
}

/// The terminal text of one explanation.
pub(crate) fn text(e: &Explanation) -> String {
    let mut s = String::new();
    let metric = e.diff.metric.title();
    let _ = writeln!(
        s,
        "Where the change comes from: A = {}, B = {}, workload `{}` (cachegrind)",
        e.baseline, e.variant, e.workload
    );
    let mut totals = vec![vec![
        "instructions".to_string(),
        thousands(e.instructions.a),
        thousands(e.instructions.b),
        change(e.instructions),
    ]];
    if let Some(c) = e.cycles_est {
        totals.push(vec![
            "estimated cycles".into(),
            thousands(c.a),
            thousands(c.b),
            change(c),
        ]);
    }
    s.push_str(&table(&["Total", "A", "B", "Change"], &totals, &[0]));
    let _ = writeln!(
        s,
        "\nFunctions that changed most, by {metric} (share: of the total change)"
    );
    s.push_str(&table(
        &["Function", "Crate", "A", "B", "Change", "Share", ""],
        &function_rows(e),
        &[0, 1, 6],
    ));
    let _ = writeln!(
        s,
        "\nBy crate ({metric} where the code runs: inlined code counts to its caller's crate; \
         std, core and alloc as std)"
    );
    s.push_str(&table(
        &["Crate", "A", "B", "Change", "Share"],
        &crate_rows(e),
        &[0],
    ));
    let _ = writeln!(s, "\n{}", headline(e));
    for note in &e.notes {
        let _ = writeln!(s, "Note: {note}");
    }
    s
}

/// The same as GitHub Markdown: a heading line, the function table and the crate table.
pub(crate) fn markdown(e: &Explanation) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "**Where the change comes from** (A = `{}`, B = `{}`, workload `{}`, {}):\n\n{}\n",
        e.baseline,
        e.variant,
        e.workload,
        e.diff.metric.title(),
        headline(e)
    );
    s.push_str("| Function | Crate | A | B | Change | Share | |\n|---|---|--:|--:|--:|--:|---|\n");
    for row in function_rows(e) {
        let mut cells = row;
        cells[0] = format!("`{}`", cells[0].replace('|', "\\|"));
        let _ = writeln!(s, "| {} |", cells.join(" | "));
    }
    s.push_str("\n| Crate | A | B | Change | Share |\n|---|--:|--:|--:|--:|\n");
    for row in crate_rows(e) {
        let _ = writeln!(s, "| {} |", row.join(" | "));
    }
    s
}

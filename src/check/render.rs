//! `check`'s answer as text: the verdict table for the terminal and for Markdown (a pull
//! request's job summary), and github-action-benchmark's `customSmallerIsBetter` JSON.

use serde::Serialize;

use crate::ui::first_line;

use crate::check::{CheckResult, Gate, Outcome, WorkloadVerdict};
use crate::measure::Metric;
use crate::report::format::{Scale, format_pct, format_value, trim_float};
use crate::ui::format_bytes;

/// One row of the verdict table, as strings.
struct Row {
    what: String,
    metric: String,
    base: String,
    head: String,
    change: String,
    interval: String,
    verdict: String,
}

const HEADER: [&str; 7] = [
    "Workload", "Metric", "Base", "Head", "Change", "Interval", "Verdict",
];

fn metric_name(m: Metric) -> String {
    m.key().to_string()
}

fn workload_row(w: &WorkloadVerdict, threshold: f64) -> Row {
    let scale = Scale::for_durations(w.base.unwrap_or(0.0).max(w.head.unwrap_or(0.0)));
    let value = |x: Option<f64>| x.map_or("-".into(), |x| format_value(w.metric, x, scale));
    let pct = |r: f64| (r - 1.0) * 100.0;
    Row {
        what: w.workload.clone(),
        metric: metric_name(w.metric),
        base: value(w.base),
        head: value(w.head),
        change: w.ratio.map_or("-".into(), |r| format_pct(pct(r))),
        interval: match (w.lo, w.hi) {
            (Some(lo), Some(hi)) => format!("[{:+.1}%, {:+.1}%]", pct(lo), pct(hi)),
            _ => "-".into(),
        },
        verdict: w.outcome.describe(threshold),
    }
}

fn rows(r: &CheckResult) -> Vec<Row> {
    let mut rows: Vec<Row> = r
        .workloads
        .iter()
        .map(|w| workload_row(w, r.threshold))
        .collect();
    if let Some(s) = &r.size {
        let t = trim_float(r.size_threshold * 100.0);
        rows.push(Row {
            what: "(binary size)".into(),
            metric: "bytes".into(),
            base: format_bytes(s.base_bytes),
            head: format_bytes(s.head_bytes),
            change: format_pct((s.ratio - 1.0) * 100.0),
            interval: "exact".into(),
            verdict: if s.regression {
                format!("REGRESSION: grew beyond {t}%")
            } else {
                format!("within +{t}%")
            },
        });
    }
    rows
}

/// `by crate: app +40 B, new +20 B, std -10 B` for the size row, when both builds were analysed.
fn crate_line(r: &CheckResult) -> Option<String> {
    let s = r.size.as_ref().filter(|s| !s.crates.is_empty())?;
    let parts: Vec<String> = s
        .crates
        .iter()
        .map(|c| {
            let sign = if c.delta() > 0 { "+" } else { "-" };
            format!(
                "{} {sign}{}",
                c.name,
                format_bytes(c.delta().unsigned_abs())
            )
        })
        .collect();
    Some(format!(
        "binary size by crate (.text, .rodata, .data.rel.ro; largest changes): {}",
        parts.join(", ")
    ))
}

/// The one-line answer.
pub(crate) fn headline(r: &CheckResult) -> String {
    match r.gate {
        Gate::Pass => "no regression".into(),
        Gate::Regression => {
            let mut what: Vec<String> = r
                .workloads
                .iter()
                .filter(|w| w.outcome == Outcome::Slower)
                .map(|w| w.workload.clone())
                .collect();
            if r.size.as_ref().is_some_and(|s| s.regression) {
                what.push("binary size".into());
            }
            format!("regression ({})", what.join(", "))
        }
        Gate::Undecided => {
            "no regression found, but some changes could not be decided at this noise \
             (more runs, or --metric instructions, can decide them)"
                .into()
        }
        Gate::NoBase => {
            "the base revision did not build: nothing to compare (not a regression)".into()
        }
        Gate::Failed => {
            let what: Vec<String> = r
                .workloads
                .iter()
                .filter_map(|w| {
                    Some(format!(
                        "`{}` {}",
                        w.workload,
                        first_line(w.failure.as_deref()?)
                    ))
                })
                .collect();
            format!(
                "a workload failed to run, so it was not compared (under --metric instructions \
                 programs run 25-50x slower: size the workload for it, or raise its `timeout`): {}",
                what.join("; ")
            )
        }
    }
}

fn intro(r: &CheckResult) -> Vec<String> {
    let mut lines = vec![format!(
        "base {} vs head {}, both built as `{}`; threshold ±{}%, size threshold +{}%",
        r.base.label(),
        r.head.label(),
        r.variant,
        trim_float(r.threshold * 100.0),
        trim_float(r.size_threshold * 100.0)
    )];
    lines.push(crate::report::layouts::count_line(&r.run));
    if r.head.changed_files > 0 {
        lines.push(format!(
            "the working tree has uncommitted changes ({}): measured as it is",
            crate::ui::count(r.head.changed_files, "file")
        ));
    }
    lines
}

/// The verdict table for the terminal.
pub(crate) fn text(r: &CheckResult) -> String {
    let mut out = String::new();
    for l in intro(r) {
        out.push_str(&l);
        out.push('\n');
    }
    out.push('\n');
    let rows = rows(r);
    if !rows.is_empty() {
        let cells: Vec<[String; 7]> = std::iter::once(HEADER.map(String::from))
            .chain(rows.into_iter().map(|x| {
                [
                    x.what, x.metric, x.base, x.head, x.change, x.interval, x.verdict,
                ]
            }))
            .collect();
        let widths: Vec<usize> = (0..7)
            .map(|c| {
                cells
                    .iter()
                    .map(|r| r[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in &cells {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect();
            out.push_str("  ");
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
        }
        out.push('\n');
    }
    if let Some(line) = crate_line(r) {
        out.push_str(&format!("{line}\n\n"));
    }
    for n in &r.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out.push_str(&format!("Result: {} (exit {})\n", headline(r), r.exit_code));
    out
}

/// The verdict as GitHub-flavoured Markdown, with the full comparison table folded below it.
pub(crate) fn markdown(r: &CheckResult, full_table: &str) -> String {
    let icon = match r.gate {
        Gate::Pass => "✅",
        Gate::Regression => "❌",
        Gate::Undecided | Gate::NoBase | Gate::Failed => "⚠️",
    };
    let mut out = format!("### {icon} cargo tune check: {}\n\n", headline(r));
    for l in intro(r) {
        out.push_str(&format!("{l}\n\n"));
    }
    let rows = rows(r);
    if !rows.is_empty() {
        out.push_str(&format!("| {} |\n", HEADER.join(" | ")));
        out.push_str("|---|---|--:|--:|--:|--:|---|\n");
        for x in rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                x.what, x.metric, x.base, x.head, x.change, x.interval, x.verdict
            ));
        }
        out.push('\n');
    }
    if let Some(line) = crate_line(r) {
        out.push_str(&format!("{line}\n\n"));
    }
    for n in &r.notes {
        out.push_str(&format!("> {n}\n\n"));
    }
    if !full_table.trim().is_empty() {
        out.push_str("<details><summary>Full comparison</summary>\n\n");
        out.push_str(full_table.trim_end());
        out.push_str("\n\n</details>\n");
    }
    out
}

/// One entry of github-action-benchmark's `customSmallerIsBetter` input.
#[derive(Debug, Serialize)]
pub(crate) struct BenchEntry {
    pub name: String,
    pub unit: String,
    pub value: f64,
    pub range: String,
}

/// The head's figures, smaller is better: each workload's deciding metric (services: p99
/// latency, since req/s grows the wrong way) and the binary size.
pub(crate) fn bench_entries(r: &CheckResult) -> Vec<BenchEntry> {
    let mut out = Vec::new();
    for (w, v) in r.workloads.iter().enumerate() {
        let metric = if v.metric == Metric::RequestsPerSec {
            Metric::P99
        } else {
            v.metric
        };
        let Some(m) = r.run.metric(1, w, metric) else {
            continue;
        };
        let half = m.half_width_pct().unwrap_or(0.0);
        let unit = match metric.unit() {
            crate::measure::Unit::Count => metric.label(),
            crate::measure::Unit::Bytes => "bytes",
            crate::measure::Unit::PerSecond => "req/s",
            crate::measure::Unit::Seconds => "s",
        };
        out.push(BenchEntry {
            name: format!("{} ({})", v.workload, metric_name(metric)),
            unit: unit.into(),
            value: m.median,
            range: format!("± {half:.2}%"),
        });
    }
    if let Some(s) = &r.size {
        out.push(BenchEntry {
            name: "binary size".into(),
            unit: "bytes".into(),
            value: s.head_bytes as f64,
            range: "± 0".into(),
        });
    }
    out
}

//! A workload's table in the report view: its columns, the text of each cell, and which cell
//! is best in its column.

use std::time::Duration;

use super::{CellView, TableView, Tone};
use crate::measure::Metric;
use crate::measure::WorkloadKind;
use crate::measure::stats::Verdict;
use crate::measure::summary::MetricSummary;
use crate::report::format::{CLEARLY_QUICKER, Scale, format_pct, format_value};
use crate::run::{BuildInfo, Run, VariantResult};
use crate::ui::format_bytes;
use crate::ui::format_duration;

/// Confidence level of the medians' own intervals (bootstrap, descriptive).
const MEDIAN_CONFIDENCE: f64 = 95.0;

/// Columns of a workload's table after Variant and Size.
fn measured_columns(
    kind: WorkloadKind,
    command_metric: Metric,
) -> &'static [(Metric, &'static str, bool)] {
    // (metric, header, show its change with the interval)
    match kind {
        // Under valgrind, time and memory are valgrind's: the counts are the only figures.
        WorkloadKind::Command if command_metric == Metric::Instructions => {
            &[(Metric::Instructions, "Instructions", true)]
        }
        WorkloadKind::Command if command_metric == Metric::CyclesEst => &[
            (Metric::CyclesEst, "Est. cycles", true),
            (Metric::Instructions, "Instructions", true),
        ],
        WorkloadKind::Command if command_metric == Metric::Cpu => &[
            (Metric::Cpu, "CPU time", true),
            (Metric::Wall, "Time", true),
            (Metric::PeakRss, "Peak memory", false),
        ],
        WorkloadKind::Command => &[
            (Metric::Wall, "Time", true),
            (Metric::PeakRss, "Peak memory", false),
        ],
        WorkloadKind::Service => &[
            (Metric::RequestsPerSec, "Req/s", true),
            (Metric::P99, "p99 latency", true),
            (Metric::PeakRss, "Peak memory", false),
        ],
    }
}

/// Text of a measured cell: the median, then either its own interval (baseline), the change
/// with the ratio's interval, or `≈ (within noise)`.
fn measured_text(
    m: &MetricSummary,
    metric: Metric,
    scale: Scale,
    is_baseline: bool,
    with_change: bool,
) -> String {
    let value = format_value(metric, m.median, scale);
    if is_baseline {
        return match m.half_width_pct() {
            Some(h) if with_change => format!("{value} ±{h:.1}%"),
            _ => value,
        };
    }
    match m.vs_baseline {
        // An exact metric whose runs all counted the same has no interval to show.
        Some(c) if metric.is_exact() && c.lo == c.hi && with_change => {
            if c.ratio == 1.0 {
                format!("{value} = (identical)")
            } else if c.verdict == Verdict::WithinNoise {
                format!("{value} ≈ {} (within noise)", format_pct(c.change_pct()))
            } else {
                // Every run of each side counted the same: the change is exact.
                format!("{value} {} (exact)", format_pct(c.change_pct()))
            }
        }
        Some(c) if c.verdict == Verdict::WithinNoise => {
            if with_change {
                format!("{value} ≈ (within noise)")
            } else {
                value
            }
        }
        Some(c) if with_change && c.verdict == Verdict::Undecided => format!(
            "{value} ? {} ±{:.1}%",
            format_pct(c.change_pct()),
            c.half_width_pct()
        ),
        Some(c) if with_change => format!(
            "{value} {} ±{:.1}%",
            format_pct(c.change_pct()),
            c.half_width_pct()
        ),
        Some(c) => format!("{value} ({})", format_pct(c.change_pct())),
        None => value,
    }
}

/// Which rows hold the best value of a measured column: the best median, provided the
/// difference is beyond noise (a non-baseline `Better`, or a baseline every other row is
/// `Worse` than). Within noise, no winner is printed.
fn best_measured(run: &Run, w: usize, metric: Metric) -> Option<usize> {
    let b = run.baseline;
    let lower = metric.direction() == crate::measure::stats::Direction::LowerIsBetter;
    let candidates: Vec<(usize, &MetricSummary)> = (0..run.variants.len())
        .filter(|&v| {
            run.variants[v]
                .measurement(w)
                .is_some_and(|m| m.failure.is_none())
        })
        .filter_map(|v| Some((v, run.metric(v, w, metric)?)))
        .collect();
    if candidates.len() < 2 {
        return None;
    }
    let (best, _) = candidates.iter().copied().reduce(|a, c| {
        let better = if lower {
            c.1.median < a.1.median
        } else {
            c.1.median > a.1.median
        };
        if better { c } else { a }
    })?;
    let verdict = |v: usize| run.metric(v, w, metric)?.vs_baseline.map(|c| c.verdict);
    let clear = if best == b {
        candidates
            .iter()
            .filter(|(v, _)| *v != b)
            .all(|(v, _)| verdict(*v) == Some(Verdict::Worse))
    } else {
        verdict(best) == Some(Verdict::Better)
    };
    clear.then_some(best)
}

/// Rows with the minimum of a deterministic column, unless every row has the same value.
fn best_min(values: &[Option<f64>]) -> Vec<bool> {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let Some(min) = present.iter().copied().reduce(f64::min) else {
        return vec![false; values.len()];
    };
    if present.len() < 2 || present.iter().all(|&x| x == min) {
        return vec![false; values.len()];
    }
    values.iter().map(|v| *v == Some(min)).collect()
}

/// `best_min` for compile times: only a build `CLEARLY_QUICKER` times quicker than the rest.
fn clearly_quickest(values: &[Option<f64>]) -> Vec<bool> {
    let best = best_min(values);
    let Some(min) = values
        .iter()
        .zip(&best)
        .find_map(|(v, b)| b.then_some(*v).flatten())
    else {
        return best;
    };
    let clear = values
        .iter()
        .flatten()
        .all(|&x| x == min || x >= min * CLEARLY_QUICKER);
    if clear {
        best
    } else {
        vec![false; values.len()]
    }
}

fn size_text(v: &VariantResult, base: Option<&VariantResult>, is_baseline: bool) -> String {
    let Some(build) = &v.build else {
        return "—".into();
    };
    let text = format_bytes(build.file_size_bytes);
    match base.and_then(|b| b.build.as_ref()) {
        Some(bb) if !is_baseline && bb.file_size_bytes > 0 => {
            let pct = (build.file_size_bytes as f64 / bb.file_size_bytes as f64 - 1.0) * 100.0;
            format!("{text} ({})", format_pct(pct))
        }
        _ => text,
    }
}

fn compile_text(v: &VariantResult, base: Option<&VariantResult>, is_baseline: bool) -> String {
    let Some(build) = &v.build else {
        return "—".into();
    };
    let mut text = format_duration(Duration::from_secs_f64(build.compile_time_secs.max(0.0)));
    let mut extra = Vec::new();
    if let Some(bb) = base.and_then(|b| b.build.as_ref())
        && !is_baseline
        && bb.compile_time_secs > 0.0
    {
        extra.push(format!(
            "{:.1}×",
            build.compile_time_secs / bb.compile_time_secs
        ));
    }
    if build.builds > 1 {
        extra.push(format!("{} builds", build.builds));
    }
    if !extra.is_empty() {
        text.push_str(&format!(" ({})", extra.join(", ")));
    }
    if build.compile_time_cached {
        text.push('†');
    }
    text
}

/// A workload's table: one row per variant under a title that says what each median rests on.
pub(super) fn workload_table(run: &Run, w: usize) -> TableView {
    let columns = Columns::new(run, w);
    TableView {
        title: title(run, w),
        headers: columns.headers(),
        rows: crate::run::training::row_order(run, w)
            .into_iter()
            .map(|v| columns.row(v))
            .collect(),
    }
}

/// A workload's columns, with what every row needs to know about them: which row is best in
/// each, and the scale of the measured ones (computed once for all rows).
struct Columns<'a> {
    run: &'a Run,
    w: usize,
    measured: &'static [(Metric, &'static str, bool)],
    best_size: Vec<bool>,
    best_compile: Vec<bool>,
    best_measured: Vec<Option<usize>>,
    scales: Vec<Scale>,
}

impl<'a> Columns<'a> {
    fn new(run: &'a Run, w: usize) -> Columns<'a> {
        let measured = measured_columns(run.workloads[w].kind, run.settings.command_metric);
        let per_build = |value: fn(&BuildInfo) -> f64| -> Vec<Option<f64>> {
            run.variants
                .iter()
                .map(|v| v.build.as_ref().map(value))
                .collect()
        };
        let scales = measured
            .iter()
            .map(|(m, _, _)| {
                let max = (0..run.variants.len())
                    .filter_map(|v| run.metric(v, w, *m).map(|s| s.median))
                    .fold(0.0, f64::max);
                Scale::for_durations(max)
            })
            .collect();
        Columns {
            run,
            w,
            measured,
            best_size: best_min(&per_build(|b| b.file_size_bytes as f64)),
            best_compile: clearly_quickest(&per_build(|b| b.compile_time_secs)),
            best_measured: measured
                .iter()
                .map(|(m, _, _)| best_measured(run, w, *m))
                .collect(),
            scales,
        }
    }

    fn headers(&self) -> Vec<String> {
        let mut headers = vec!["Variant".to_string(), "Size".to_string()];
        headers.extend(self.measured.iter().map(|(_, h, _)| h.to_string()));
        headers.push("Compile time".into());
        headers
    }

    /// A variant's row: its name, size, measured cells and compile time.
    fn row(&self, v: usize) -> Vec<CellView> {
        let (run, variant) = (self.run, &self.run.variants[v]);
        let (base, is_baseline) = (run.baseline(), v == run.baseline);
        let name = if is_baseline {
            format!("{} (baseline)", variant.name)
        } else {
            variant.name.clone()
        };
        let mut row = vec![CellView::plain(name)];
        row.push(CellView {
            best: self.best_size[v],
            ..CellView::plain(size_text(variant, base, is_baseline))
        });
        row.extend(self.measured_cells(v));
        row.push(CellView {
            best: self.best_compile[v],
            ..CellView::plain(compile_text(variant, base, is_baseline))
        });
        row
    }

    /// The measured cells of a variant's row, or what stopped it from being measured.
    fn measured_cells(&self, v: usize) -> Vec<CellView> {
        let variant = &self.run.variants[v];
        // Reasons are long: the cell says what failed, the list under the table says why.
        let why_not = if variant.failure.is_some() {
            "build failed (see below)"
        } else {
            match variant.measurement(self.w) {
                Some(m) if m.failure.is_some() => "failed (see below)",
                Some(_) => return (0..self.measured.len()).map(|c| self.cell(v, c)).collect(),
                None => "not measured",
            }
        };
        let mut cells = vec![CellView::plain(why_not)];
        cells.extend((1..self.measured.len()).map(|_| CellView::plain("—")));
        cells
    }

    /// Variant `v`'s cell in measured column `c`.
    fn cell(&self, v: usize, c: usize) -> CellView {
        let (metric, _, with_change) = self.measured[c];
        let Some(s) = self.run.metric(v, self.w, metric) else {
            return CellView::plain("—");
        };
        let is_baseline = v == self.run.baseline;
        let mut text = measured_text(s, metric, self.scales[c], is_baseline, with_change);
        // The deciding column says how far its figure carries (`training`).
        let variant = &self.run.variants[v];
        let in_sample = variant.measurement(self.w).is_some_and(|m| m.in_sample);
        if c == 0 && in_sample {
            text.push_str(" (in-sample)");
        } else if c == 0 && !variant.trained_on.is_empty() {
            // A fold, or a measure-only workload: the profile never saw this input.
            text.push_str(" (held-out)");
        }
        CellView {
            text,
            best: self.best_measured[c] == Some(v),
            tone: match s.vs_baseline.map(|c| c.verdict) {
                Some(Verdict::Worse) => Tone::Worse,
                _ => Tone::Plain,
            },
        }
    }
}

/// The table's title: the workload, how many runs each variant got, and what the medians carry.
fn title(run: &Run, w: usize) -> String {
    let workload = &run.workloads[w];
    let runs = runs_text(run, w);
    if workload.kind == WorkloadKind::Command && run.settings.command_metric.is_exact() {
        format!(
            "Workload {} ({}): {runs} per variant under cachegrind, medians with {:.0}% intervals",
            workload.name, workload.kind, MEDIAN_CONFIDENCE
        )
    } else {
        format!(
            "Workload {} ({}): {runs} per variant, medians with {:.0}% intervals",
            workload.name, workload.kind, MEDIAN_CONFIDENCE
        )
    }
}

/// "8 runs", or "5–12 runs" when the variants that were measured got different counts.
fn runs_text(run: &Run, w: usize) -> String {
    let counts: Vec<usize> = run
        .variants
        .iter()
        .filter_map(|v| v.measurement(w))
        .filter(|m| m.failure.is_none())
        .filter_map(|m| m.summary.as_ref().map(|s| s.runs))
        .collect();
    let (lo, hi) = (
        counts.iter().copied().min().unwrap_or(0),
        counts.iter().copied().max().unwrap_or(0),
    );
    if lo == hi {
        format!("{hi} run{}", if hi == 1 { "" } else { "s" })
    } else {
        format!("{lo}–{hi} runs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_columns_highlight_a_strict_minimum() {
        assert_eq!(
            best_min(&[Some(2.0), Some(1.0), None]),
            vec![false, true, false]
        );
        assert_eq!(best_min(&[Some(1.0), Some(1.0)]), vec![false, false]);
        assert_eq!(best_min(&[Some(1.0), None]), vec![false, false]);
    }
}

//! What the table and Markdown reports show, computed once from a `Run`: one table per workload
//! (one row per variant), cell texts, which cell is best in its column, and footnotes.

use std::time::Duration;

use crate::measure::sample::Metric;
use crate::measure::stats::Verdict;
use crate::measure::summary::MetricSummary;
use crate::report::format::{Scale, format_bytes, format_pct, format_value, trim_float};
use crate::report::model::{Run, VariantResult};
use crate::tune_config::WorkloadKind;
use crate::ui::format_duration;

/// How a cell should read at a glance (colour only; the text says it too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Worse,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CellView {
    pub text: String,
    /// Best in its column (and, for measured values, beyond noise).
    pub best: bool,
    pub tone: Tone,
}

impl CellView {
    fn plain(text: impl Into<String>) -> CellView {
        CellView {
            text: text.into(),
            best: false,
            tone: Tone::Plain,
        }
    }
}

/// One table: a workload, with one row per variant.
#[derive(Debug, Clone)]
pub struct TableView {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<CellView>>,
}

/// Everything a report prints, before formatting.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub tables: Vec<TableView>,
    /// Plain-language paragraph under the tables.
    pub summary: String,
    /// Markers and conventions used in the tables.
    pub legend: Vec<String>,
    /// Full failure reasons, `name: reason`.
    pub failures: Vec<(String, String)>,
    pub notes: Vec<String>,
}

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
                // One run has no spread to show; "exact" claims the runs agreed.
                let how = if m.n >= 2 { "exact" } else { "1 run" };
                format!("{value} {} ({how})", format_pct(c.change_pct()))
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

/// Confidence level of the medians' own intervals (bootstrap, descriptive).
const MEDIAN_CONFIDENCE: f64 = 95.0;

/// The confidence of the change intervals, e.g. "97.5%".
fn confidence_text(run: &Run) -> String {
    format!("{:.1}%", run.confidence() * 100.0)
}

/// Why the intervals are at a stricter level than the nominal one, when they are.
fn sequential_line(run: &Run) -> Option<String> {
    let (c, nominal) = (run.confidence() * 100.0, run.settings.confidence * 100.0);
    ((c - nominal).abs() >= 0.05).then(|| {
        format!(
            "Intervals are at {c:.1}% rather than {nominal:.0}%: the run stops as soon as every \
             comparison is decided, and the stricter level keeps the chance of calling identical \
             builds different below {:.0}% over all looks (O'Brien–Fleming alpha spending).",
            100.0 - nominal
        )
    })
}

/// The noise each workload showed, what it allowed, and the ways out when it was too high.
fn noise_lines(run: &Run) -> Vec<String> {
    let mut out = Vec::new();
    for n in &run.noise {
        let (Some(spread), Some(res)) = (n.spread, n.resolution) else {
            continue;
        };
        let line = format!(
            "Noise on {}: the baseline varied ±{:.1}% from run to run; at this noise, changes under \
             {:.1}% could not be told apart from none.",
            n.workload,
            spread * 100.0,
            res * 100.0
        );
        out.push(line);
    }
    out
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

fn workload_table(run: &Run, w: usize) -> TableView {
    let workload = &run.workloads[w];
    let columns = measured_columns(workload.kind, run.settings.command_metric);
    let base = run.baseline();
    let mut headers = vec!["Variant".to_string(), "Size".to_string()];
    headers.extend(columns.iter().map(|(_, h, _)| h.to_string()));
    headers.push("Compile time".into());

    let sizes: Vec<Option<f64>> = run
        .variants
        .iter()
        .map(|v| v.build.as_ref().map(|b| b.file_size_bytes as f64))
        .collect();
    let compiles: Vec<Option<f64>> = run
        .variants
        .iter()
        .map(|v| v.build.as_ref().map(|b| b.compile_time_secs))
        .collect();
    let best_size = best_min(&sizes);
    let best_compile = best_min(&compiles);
    let best_cols: Vec<Option<usize>> = columns
        .iter()
        .map(|(m, _, _)| best_measured(run, w, *m))
        .collect();
    let scales: Vec<Scale> = columns
        .iter()
        .map(|(m, _, _)| {
            let max = (0..run.variants.len())
                .filter_map(|v| run.metric(v, w, *m).map(|s| s.median))
                .fold(0.0, f64::max);
            Scale::for_durations(max)
        })
        .collect();

    let mut rows = Vec::new();
    for (v, variant) in run.variants.iter().enumerate() {
        let is_baseline = v == run.baseline;
        let name = if is_baseline {
            format!("{} (baseline)", variant.name)
        } else {
            variant.name.clone()
        };
        let mut row = vec![CellView::plain(name)];
        row.push(CellView {
            best: best_size[v],
            ..CellView::plain(size_text(variant, base, is_baseline))
        });
        // Reasons are long: the cell says what failed, the list under the table says why.
        if variant.failure.is_some() {
            row.push(CellView::plain("build failed (see below)"));
            row.extend((1..columns.len()).map(|_| CellView::plain("—")));
        } else {
            match variant.measurement(w) {
                Some(m) if m.failure.is_some() => {
                    row.push(CellView::plain("failed (see below)"));
                    row.extend((1..columns.len()).map(|_| CellView::plain("—")));
                }
                Some(_) => {
                    for (c, (metric, _, with_change)) in columns.iter().enumerate() {
                        let cell = match run.metric(v, w, *metric) {
                            Some(s) => CellView {
                                text: measured_text(
                                    s,
                                    *metric,
                                    scales[c],
                                    is_baseline,
                                    *with_change,
                                ),
                                best: best_cols[c] == Some(v),
                                tone: match s.vs_baseline.map(|c| c.verdict) {
                                    Some(Verdict::Worse) => Tone::Worse,
                                    _ => Tone::Plain,
                                },
                            },
                            None => CellView::plain("—"),
                        };
                        row.push(cell);
                    }
                }
                None => {
                    row.push(CellView::plain("not measured"));
                    row.extend((1..columns.len()).map(|_| CellView::plain("—")));
                }
            }
        }
        row.push(CellView {
            best: best_compile[v],
            ..CellView::plain(compile_text(variant, base, is_baseline))
        });
        rows.push(row);
    }
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
    let runs = if lo == hi {
        format!("{hi} run{}", if hi == 1 { "" } else { "s" })
    } else {
        format!("{lo}–{hi} runs")
    };
    let title = if workload.kind == WorkloadKind::Command && run.settings.command_metric.is_exact()
    {
        format!(
            "Workload {} ({}): {runs} per variant under cachegrind, medians with the spread of the runs",
            workload.name, workload.kind
        )
    } else {
        format!(
            "Workload {} ({}): {runs} per variant, medians with {:.0}% intervals",
            workload.name, workload.kind, MEDIAN_CONFIDENCE
        )
    };
    TableView {
        title,
        headers,
        rows,
    }
}

pub fn view(run: &Run) -> ReportView {
    let tables = (0..run.workloads.len())
        .map(|w| workload_table(run, w))
        .collect();
    let base_name = run
        .baseline()
        .map(|b| b.name.as_str())
        .unwrap_or("baseline");
    let noise = trim_float(run.settings.noise_threshold * 100.0);
    let only_counted = run.settings.command_metric.is_exact()
        && run
            .workloads
            .iter()
            .all(|w| w.kind == WorkloadKind::Command);
    let mut legend = vec![if only_counted {
        format!(
            "Changes are relative to {base_name}: the ratio of the counts' medians; ≈ means the \
             change is within the ±{noise}% noise threshold; ? means it is beyond the threshold \
             but within the spread of the runs."
        )
    } else {
        format!(
            "Changes are relative to {base_name}: the typical per-round ratio (Hodges–Lehmann estimate \
             of the paired runs; it can differ slightly from the ratio of the medians), with the \
             half-width of its {} interval. A change is printed only when that interval lies beyond \
             the ±{noise}% noise threshold; ≈ means it lies inside (no change of {noise}% or more); \
             ? means undecided: the interval crosses the threshold, so a change is neither shown nor \
             ruled out.",
            confidence_text(run)
        )
    }];
    if !only_counted {
        legend.extend(sequential_line(run));
    }
    legend.extend(noise_lines(run));
    let has_commands = run
        .workloads
        .iter()
        .any(|w| w.kind == WorkloadKind::Command);
    if has_commands && run.settings.command_metric.is_exact() {
        legend.push(crate::report::format::SIMULATED_LEGEND.into());
    }
    if has_commands && run.settings.pin {
        legend.push("Command workloads ran pinned to one CPU (--pin).".into());
    }
    if run
        .variants
        .iter()
        .any(|v| v.build.as_ref().is_some_and(|b| b.compile_time_cached))
    {
        legend.push(
            "† compile time of an earlier cold build of the same configuration (the binary was up to date)."
                .into(),
        );
    }
    let mut failures = Vec::new();
    for v in &run.variants {
        if let Some(r) = &v.failure {
            failures.push((v.name.clone(), format!("build failed: {r}")));
        }
        for m in &v.measurements {
            if let Some(r) = &m.failure {
                failures.push((format!("{} on {}", v.name, m.workload), r.clone()));
            }
        }
    }
    let mut notes = run.notes.clone();
    for v in &run.variants {
        for m in &v.measurements {
            let Some(s) = &m.summary else { continue };
            let (errors, non_2xx) = (s.errors.unwrap_or(0), s.non_2xx.unwrap_or(0));
            if errors + non_2xx > 0 {
                notes.push(format!(
                    "{} on {}: {errors} connection error{} and {non_2xx} non-2xx response{} \
                     over {} runs; check the workload before trusting its req/s.",
                    v.name,
                    m.workload,
                    if errors == 1 { "" } else { "s" },
                    if non_2xx == 1 { "" } else { "s" },
                    s.runs
                ));
            }
        }
    }
    if let Some(advice) = noise_advice(run) {
        notes.push(advice);
    }
    ReportView {
        tables,
        summary: crate::report::prose::summary(run),
        legend,
        failures,
        notes,
    }
}

/// When some comparison on a deciding metric is neither clearly beyond nor clearly inside the
/// noise band, what would decide it: more runs, and for commands `--pin` and an exact metric.
fn noise_advice(run: &Run) -> Option<String> {
    let mut undecided_kinds = Vec::new();
    for (w, wl) in run.workloads.iter().enumerate() {
        let metric = run.settings.primary(wl.kind);
        let undecided = (0..run.variants.len())
            .filter(|&v| v != run.baseline)
            .any(|v| {
                run.metric(v, w, metric)
                    .and_then(|s| s.vs_baseline)
                    .is_some_and(|c| c.verdict == Verdict::Undecided)
            });
        if undecided && !undecided_kinds.contains(&wl.kind) {
            undecided_kinds.push(wl.kind);
        }
    }
    if undecided_kinds.is_empty() {
        return None;
    }
    let mut fixes = vec!["more runs (--max-runs) narrow the intervals".to_string()];
    if undecided_kinds.contains(&WorkloadKind::Command) && !run.settings.command_metric.is_exact() {
        if !run.settings.pin {
            fixes.push("--pin keeps a command on one CPU".into());
        }
        fixes.push(
            "--metric instructions counts work that machine noise cannot move (under valgrind, \
             runs ~25× slower)"
                .into(),
        );
    }
    Some(format!(
        "Some differences could not be told from noise at ±{}%: the runs vary more than that here; {}.",
        trim_float(run.settings.noise_threshold * 100.0),
        fixes.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::measure::Settings;
    use crate::measure::testing::Behaviour;

    /// Two identical mock variants on one command workload, 8% noise, few rounds.
    fn noisy_run(settings: Settings) -> Run {
        let behaviour = vec![vec![Behaviour::command(1.0, 0.08)]; 2];
        Run::mock_measured(settings, &[("cli", WorkloadKind::Command)], behaviour)
    }

    #[test]
    fn undecided_commands_are_pointed_to_pin_and_instructions() {
        let settings = Settings {
            min_runs: 8,
            max_runs: 8,
            warmup: 0,
            seed: 1,
            resamples: 300,
            ..Settings::default()
        };
        let advice = noise_advice(&noisy_run(settings.clone())).unwrap();
        assert!(
            advice.contains("--max-runs")
                && advice.contains("--pin")
                && advice.contains("--metric instructions"),
            "{advice}"
        );
        let pinned = noise_advice(&noisy_run(Settings {
            pin: true,
            ..settings
        }))
        .unwrap();
        assert!(!pinned.contains("--pin"), "{pinned}");
    }

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

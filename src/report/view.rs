//! What the table and Markdown reports show, computed once from a `Run`: one table per workload
//! (one row per variant), cell texts, which cell is best in its column, and footnotes.

mod table;

use crate::measure::WorkloadKind;
use crate::measure::stats::Verdict;
use crate::report::format::trim_float;
use crate::run::Run;

/// How a cell should read at a glance (colour only; the text says it too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    Plain,
    Worse,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CellView {
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
pub(crate) struct TableView {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<CellView>>,
}

/// Everything a report prints, before formatting.
#[derive(Debug, Clone)]
pub(crate) struct ReportView {
    pub tables: Vec<TableView>,
    /// Plain-language paragraph under the tables.
    pub summary: String,
    /// Markers and conventions used in the tables.
    pub legend: Vec<String>,
    /// Full failure reasons, `name: reason`.
    pub failures: Vec<(String, String)>,
    pub notes: Vec<String>,
}

/// The confidences of the deciding metric's change intervals, lowest and highest.
fn confidences(run: &Run) -> (f64, f64) {
    let all: Vec<f64> = (0..run.workloads.len())
        .flat_map(|w| {
            let m = run.deciding(w);
            (0..run.variants.len())
                .filter_map(move |v| run.metric(v, w, m)?.vs_baseline?.confidence)
        })
        .collect();
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if lo.is_finite() {
        (lo, hi)
    } else {
        (run.confidence(), run.confidence())
    }
}

/// The confidence of the change intervals, e.g. "97.5%" or "95.9–99.98%".
fn confidence_text(run: &Run) -> String {
    let (lo, hi) = confidences(run);
    if (hi - lo).abs() < 0.0005 {
        level_pct(lo)
    } else {
        format!("{}–{}", level_pct(lo).trim_end_matches('%'), level_pct(hi))
    }
}

/// A confidence level as a percentage with one decimal, or as many more (up to four) as it
/// takes not to round a level below 100% up to "100.0%" (0.99981 is "99.98%").
fn level_pct(level: f64) -> String {
    let pct = level * 100.0;
    (1..=4)
        .map(|d| format!("{pct:.d$}%"))
        .find(|text| level >= 1.0 || !text.starts_with("100"))
        .unwrap_or_else(|| "99.9999%".to_string())
}

/// Why the intervals are at stricter levels than the nominal one, when they are.
fn sequential_line(run: &Run) -> Option<String> {
    let nominal = run.settings.confidence * 100.0;
    let (lo, hi) = confidences(run);
    ((lo * 100.0 - nominal).abs() >= 0.05 || (hi * 100.0 - nominal).abs() >= 0.05).then(|| {
        format!(
            "Intervals are at {} rather than {nominal:.0}%: each is at the level its verdict was \
             decided at. The run stops as soon as every comparison is decided (O'Brien–Fleming \
             alpha spending over the looks), and the rows share the error rate (Holm's \
             procedure), so the chance that any verdict in the table is false stays below {:.0}%.",
            confidence_text(run),
            100.0 - nominal
        )
    })
}

/// The noise each workload showed, what it allowed, and the ways out when it was too high.
fn noise_lines(run: &Run) -> Vec<String> {
    let mut out = Vec::new();
    for n in &run.noise {
        let (Some(spread), Some(found)) = (n.spread, n.detectable) else {
            continue;
        };
        let line = format!(
            "Noise on {} ({}): the baseline varied ±{:.1}% from run to run; at this noise and {} \
             rounds, changes of {:.1}% or more are found about 80% of the time.",
            n.workload,
            n.metric.label(),
            spread * 100.0,
            run.rounds,
            found * 100.0
        );
        out.push(line);
    }
    out
}

pub(crate) fn view(run: &Run) -> ReportView {
    ReportView {
        tables: (0..run.workloads.len())
            .map(|w| table::workload_table(run, w))
            .collect(),
        summary: crate::report::prose::summary(run),
        legend: legend(run),
        failures: failures(run),
        notes: notes(run),
    }
}

/// The conventions under the tables: how changes read, then what applies to this run only.
fn legend(run: &Run) -> Vec<String> {
    let only_counted = run.settings.command_metric.is_exact()
        && run
            .workloads
            .iter()
            .all(|w| w.kind == WorkloadKind::Command);
    let mut legend = vec![changes_line(run, only_counted)];
    legend.extend(sequential_line(run));
    legend.extend(noise_lines(run));
    legend.extend(crate::report::layouts::legend_line(run));
    let has_commands = run
        .workloads
        .iter()
        .any(|w| w.kind == WorkloadKind::Command);
    if has_commands && run.settings.command_metric.is_exact() {
        legend.push(crate::report::format::SIMULATED_LEGEND.into());
    }
    legend.extend(training_legend(run));
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
    legend
}

/// What the in-sample and held-out marks mean, when the run has them.
fn training_legend(run: &Run) -> Vec<String> {
    let mut out = Vec::new();
    let in_sample = run
        .variants
        .iter()
        .any(|v| v.measurements.iter().any(|m| m.in_sample));
    if in_sample {
        out.push(
            "(in-sample): measured on a workload the variant's PGO/BOLT profile was trained on; \
             the gain may not carry to inputs the profile never saw."
                .into(),
        );
    }
    if run.variants.iter().any(|v| v.fold.is_some()) {
        out.push(
            "X[¬W] (held-out): X built from a profile gathered without workload W, measured on W \
             only; its change is what X gains on an input its profile did not see."
                .into(),
        );
    } else if run
        .variants
        .iter()
        .any(|v| !v.trained_on.is_empty() && v.measurements.iter().any(|m| !m.in_sample))
    {
        out.push(
            "(held-out): measured on a workload that does not train (role = \"measure\"): the \
             profile never saw this input."
                .into(),
        );
    }
    out
}

/// What a change in a cell means: the estimate of the ratio with its interval, from paired
/// rounds, or from all runs as independent samples when every workload was counted.
fn changes_line(run: &Run, only_counted: bool) -> String {
    let base_name = run
        .baseline()
        .map(|b| b.name.as_str())
        .unwrap_or("baseline");
    let noise = trim_float(run.settings.noise_threshold * 100.0);
    let estimate = if only_counted {
        "the typical ratio of the counts (Hodges–Lehmann estimate over all runs as independent \
         samples: counts have no round-to-round drift to pair away)"
    } else {
        "the typical per-round ratio (Hodges–Lehmann estimate of the paired runs; it can differ \
         slightly from the ratio of the medians)"
    };
    format!(
        "Changes are relative to {base_name}: {estimate}, with the half-width of its {} interval. \
         A change is printed only when that interval lies beyond the ±{noise}% noise threshold; \
         ≈ means it lies inside (no change of {noise}% or more); ? means undecided: the interval \
         crosses the threshold, so a change is neither shown nor ruled out.",
        confidence_text(run)
    )
}

/// Every build and measurement that failed, with its full reason.
fn failures(run: &Run) -> Vec<(String, String)> {
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
    failures
}

/// The run's own notes, then a warning per measurement that saw request errors, then what would
/// decide the undecided comparisons.
fn notes(run: &Run) -> Vec<String> {
    let mut notes = run.notes.clone();
    notes.extend(crate::run::training::health_lines(run));
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
    notes.extend(noise_advice(run));
    notes
}

/// When some comparison on a deciding metric is neither clearly beyond nor clearly inside the
/// noise band, what would decide it: more runs, and for commands `--pin` and an exact metric.
fn noise_advice(run: &Run) -> Option<String> {
    let mut undecided_kinds = Vec::new();
    for (w, wl) in run.workloads.iter().enumerate() {
        let metric = run.deciding(w);
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
    fn levels_below_one_never_print_as_a_hundred_percent() {
        assert_eq!(level_pct(0.95), "95.0%");
        assert_eq!(level_pct(0.975), "97.5%");
        assert_eq!(level_pct(0.99981), "99.98%");
        assert_eq!(level_pct(0.999996), "99.9996%");
        assert_eq!(level_pct(0.99999999), "99.9999%");
        assert_eq!(level_pct(1.0), "100.0%");
    }
}

//! The report's charts, each a function from the run to one `<svg>`: per workload
//! (`workload`: distribution, change, run order; `service`: req/s and latency percentiles),
//! across workloads (`builds`: size and compile time), for `auto` (`tradeoff`) and for
//! `--explain` (`waterfall`: a change split by function).

pub(crate) mod builds;
pub(crate) mod crates;
pub(crate) mod service;
pub(crate) mod tradeoff;
pub(crate) mod waterfall;
pub(crate) mod workload;

use crate::measure::Metric;
use crate::measure::stats::{Outlier, Verdict};
use crate::report::format::{Scale as Units, format_value};
use crate::run::Run;

/// The y-axis bands of a per-variant chart: each variant's name, the baseline emphasised.
pub(crate) fn variant_labels(run: &Run) -> Vec<(String, bool)> {
    run.variants
        .iter()
        .enumerate()
        .map(|(v, x)| (x.name.clone(), v == run.baseline))
        .collect()
}

/// How a verdict looks in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VerdictView {
    /// CSS class (colour).
    pub class: &'static str,
    /// Words for a tooltip or a legend.
    pub words: &'static str,
    /// Put before the change, as in the terminal table: `≈ ` when no difference is shown.
    pub mark: &'static str,
}

/// The one place verdicts are turned into looks: one arm per verdict, no wildcard, so a new
/// verdict cannot be rendered by accident as another.
pub(crate) fn verdict_view(v: Verdict) -> VerdictView {
    let (class, words, mark) = match v {
        Verdict::Better => ("better", "better beyond noise", ""),
        Verdict::Worse => ("worse", "worse beyond noise", ""),
        Verdict::WithinNoise => ("noise", "within noise", "≈ "),
        Verdict::Undecided => (
            "undecided",
            "undecided: the interval straddles the noise band",
            "? ",
        ),
    };
    VerdictView { class, words, mark }
}

/// One measured sample of a variant on a workload, as charts use it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Point {
    pub round: u32,
    pub value: f64,
    pub outlier: Option<Outlier>,
    /// Which of the variant's code layouts ran, when it had several.
    pub layout: Option<u32>,
}

/// The measured (non-warm-up) samples of `metric` of variant `v` on workload `w`.
pub(crate) fn points(run: &Run, v: usize, w: usize, metric: Metric) -> Vec<Point> {
    let Some(m) = run.variants.get(v).and_then(|x| x.measurement(w)) else {
        return Vec::new();
    };
    m.samples
        .iter()
        .filter(|r| !r.warmup)
        .filter_map(|r| {
            let value = r.sample.value(metric)?;
            value.is_finite().then_some(Point {
                round: r.round,
                value,
                outlier: r.outlier,
                layout: r.layout,
            })
        })
        .collect()
}

/// `(round, value)` of the warm-up samples of `metric` of variant `v` on workload `w`.
pub(crate) fn warmups(run: &Run, v: usize, w: usize, metric: Metric) -> Vec<(u32, f64)> {
    let Some(m) = run.variants.get(v).and_then(|x| x.measurement(w)) else {
        return Vec::new();
    };
    m.samples
        .iter()
        .filter(|r| r.warmup)
        .filter_map(|r| Some((r.round, r.sample.value(metric)?)))
        .filter(|(_, v)| v.is_finite())
        .collect()
}

/// Tick labels in the unit the table uses for this metric, chosen from the largest value.
pub(crate) fn value_label(metric: Metric, max: f64) -> impl Fn(f64) -> String {
    let units = Units::for_durations(max.abs());
    move |x| {
        if x == 0.0 {
            "0".into()
        } else {
            format_value(metric, x, units)
        }
    }
}

/// Name of a metric as an axis title.
pub(crate) fn metric_title(metric: Metric) -> &'static str {
    metric.label()
}

/// `+7.8%`, `−12%`: signed, with a real minus sign, one decimal below 10%.
pub(crate) fn pct_label(x: f64) -> String {
    if x.abs() < 0.05 {
        return "0%".into();
    }
    let s = if x.abs() >= 10.0 {
        format!("{:+.0}%", x)
    } else {
        format!("{:+.1}%", x)
    };
    s.replace('-', "−")
}

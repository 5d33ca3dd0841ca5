//! Summaries of a series: per metric the median with its interval and the comparison with the
//! baseline (ratio, interval, verdict); outlier flags on the samples. Deterministic per seed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::measure::comparison::Comparison;
use crate::measure::decide::{self, Levels};
use crate::measure::metric::{Metric, WorkloadKind};
use crate::measure::rng::Rng;
use crate::measure::sample::{Sample, Series};
use crate::measure::settings::Settings;
use crate::measure::stats;

/// One metric over a series' measured samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    pub median: f64,
    /// Confidence interval of the median (absent with fewer than 3 samples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lo: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hi: Option<f64>,
    pub min: f64,
    pub max: f64,
    /// Number of samples summarised.
    pub n: usize,
    /// Absent for the baseline itself and when either side has too few samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vs_baseline: Option<Comparison>,
}

impl MetricSummary {
    /// Half the width of the median's interval relative to the median, in percent.
    pub fn half_width_pct(&self) -> Option<f64> {
        match (self.lo, self.hi) {
            (Some(lo), Some(hi)) if self.median != 0.0 => {
                Some((hi - lo) / 2.0 / self.median.abs() * 100.0)
            }
            _ => None,
        }
    }
}

/// Everything the report shows about one variant on one workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Measured (non-warm-up) samples.
    pub runs: usize,
    /// Samples flagged as outliers on the primary metric.
    pub outliers: usize,
    /// Service workloads: connection errors and non-2xx responses over all measured samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_2xx: Option<u64>,
    pub metrics: BTreeMap<Metric, MetricSummary>,
}

impl Summary {
    pub fn metric(&self, m: Metric) -> Option<&MetricSummary> {
        self.metrics.get(&m)
    }
}

/// Compares `metric` of `series` with `baseline` at the levels `levels` gives (the run's final
/// analysis, unadjusted: the deciding metric's comparisons are replaced by their family's).
/// `None` when no interval is possible.
pub(crate) fn compare(
    series: &Series,
    baseline: &Series,
    metric: Metric,
    levels: Levels,
    noise: f64,
) -> Option<Comparison> {
    let (v, b) = (series.values(metric), baseline.values(metric));
    let arm = decide::Arm {
        variant: &v,
        reference: &b,
        direction: metric.direction(),
        exact: metric.is_exact(),
    };
    decide::single(&arm, levels, noise).ok()
}

/// Summarises every metric of `series`; `baseline` is `None` for the baseline itself.
/// `levels` are the run's final analysis'.
pub(crate) fn summarize(
    series: &Series,
    baseline: Option<&Series>,
    settings: &Settings,
    levels: Levels,
    variant: usize,
    workload: usize,
) -> Summary {
    let mut metrics = BTreeMap::new();
    for metric in Metric::for_kind(series.kind) {
        let values: Vec<f64> = series.values(metric).into_iter().map(|(_, v)| v).collect();
        let Some(median) = stats::median(&values) else {
            continue;
        };
        let mut rng = Rng::derived(
            settings.seed,
            &[variant as u64, workload as u64, metric.stream(), 0],
        );
        let ci = stats::median_ci(&values, settings.bootstrap(), &mut rng);
        metrics.insert(
            metric,
            MetricSummary {
                median,
                lo: ci.map(|c| c.lo),
                hi: ci.map(|c| c.hi),
                min: values.iter().copied().fold(f64::INFINITY, f64::min),
                max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                n: values.len(),
                vs_baseline: baseline
                    .and_then(|b| compare(series, b, metric, levels, settings.noise_threshold)),
            },
        );
    }
    let measured = series.samples.iter().filter(|r| !r.warmup);
    let (errors, non_2xx) = match series.kind {
        WorkloadKind::Service => {
            let (mut e, mut n) = (0, 0);
            for r in measured.clone() {
                if let Sample::Service(s) = &r.sample {
                    e += s.errors;
                    n += s.non_2xx;
                }
            }
            (Some(e), Some(n))
        }
        WorkloadKind::Command => (None, None),
    };
    Summary {
        runs: series.runs(),
        outliers: measured.filter(|r| r.outlier.is_some()).count(),
        errors,
        non_2xx,
        metrics,
    }
}

/// Robust run-to-run spread of `values` relative to their median (IQR / 1.349 / median: the
/// standard deviation for normal data, unmoved by a few outliers); `None` below 4 values.
pub(crate) fn spread(values: &[(u32, f64)]) -> Option<f64> {
    let mut xs: Vec<f64> = values.iter().map(|v| v.1).collect();
    if xs.len() < 4 {
        return None;
    }
    xs.sort_unstable_by(f64::total_cmp);
    let med = stats::quantile_sorted(&xs, 0.5);
    let iqr = stats::quantile_sorted(&xs, 0.75) - stats::quantile_sorted(&xs, 0.25);
    (med > 0.0).then(|| iqr / 1.349 / med)
}

/// Flags measured samples whose deciding metric lies beyond the IQR fences; clears old flags.
pub(crate) fn flag_outliers(series: &mut Series, primary: Metric) {
    let idx: Vec<usize> = (0..series.samples.len())
        .filter(|&i| !series.samples[i].warmup)
        .filter(|&i| series.samples[i].sample.value(primary).is_some())
        .collect();
    let values: Vec<f64> = idx
        .iter()
        .map(|&i| series.samples[i].sample.value(primary).unwrap_or(f64::NAN))
        .collect();
    for r in series.samples.iter_mut() {
        r.outlier = None;
    }
    for (&i, flag) in idx.iter().zip(stats::outliers(&values)) {
        series.samples[i].outlier = flag;
    }
}

//! The document `auto` produces (its `--json`): the path the search took, each step's speed,
//! the Pareto front and the final run; and the two views of a run the search and the HTML
//! report share — a variant's speed against another over all workloads, and the Pareto front.
//! The search (`search/`) fills it; reports read it; neither reaches back into the other.

use serde::{Deserialize, Serialize};

use crate::measure::Metric;
use crate::measure::decide::{self, Arm};
use crate::measure::stats::Verdict;
use crate::report::Run;
use crate::tune_config::{Goal, WorkloadKind};
use crate::ui::first_line;

/// Which metric decides for service workloads (command workloads always use wall time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum SpeedMetric {
    /// Requests per second (higher is better)
    Rps,
    /// 99th-percentile latency (lower is better)
    P99,
}

impl SpeedMetric {
    pub fn for_kind(self, kind: WorkloadKind) -> Metric {
        match (kind, self) {
            (WorkloadKind::Command, _) => Metric::Wall,
            (WorkloadKind::Service, SpeedMetric::Rps) => Metric::RequestsPerSec,
            (WorkloadKind::Service, SpeedMetric::P99) => Metric::P99,
        }
    }
}

/// A candidate's speed against a reference, over all workloads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Speed {
    /// Over workloads, the geometric mean of the time-like ratio (candidate / reference; for
    /// req/s the inverse), so below 1 is faster; `lo`/`hi` is its interval (`measure::decide`).
    pub time_ratio: f64,
    pub lo: f64,
    pub hi: f64,
    /// Better when the combined interval lies beyond the noise threshold on the good side and no
    /// single workload is clearly worse; Worse when the combined interval is, or any workload is;
    /// WithinNoise when it lies inside the band; Undecided across an edge.
    pub verdict: Verdict,
    /// Each workload was judged on a build whose profile left it out (`--held-out` folds).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held_out: bool,
}

impl Speed {
    pub const SAME: Speed = Speed {
        time_ratio: 1.0,
        lo: 1.0,
        hi: 1.0,
        verdict: Verdict::WithinNoise,
        held_out: false,
    };

    /// Relative change of time in percent (negative is faster).
    pub fn change_pct(&self) -> f64 {
        (self.time_ratio - 1.0) * 100.0
    }

    pub fn half_width_pct(&self) -> f64 {
        (self.hi - self.lo) / 2.0 * 100.0
    }

    /// The speed-up factor counted by the balanced score: 1 unless the change is established.
    pub fn counted_speedup(&self) -> f64 {
        match self.verdict {
            Verdict::Better | Verdict::Worse => 1.0 / self.time_ratio,
            Verdict::WithinNoise | Verdict::Undecided => 1.0,
        }
    }
}

/// Speed of variant `v` against variant `reference` of `run`, over all workloads, decided by
/// `measure::decide::joint` at the level of the run's final analysis — the same engine and level
/// as the table, so a single workload against the baseline gets exactly the table's verdict.
/// `Err` with the reason when a workload failed for either or was not measured.
pub fn speed(run: &Run, v: usize, reference: usize, metric: SpeedMetric) -> Result<Speed, String> {
    speed_by(run, v, reference, metric, &|i, _| Some(i))
}

/// As [`speed`], with each side's samples on workload `w` taken from variant `pick(side, w)`
/// (a held-out fold of the side on that workload, `report::training`); a workload where `pick`
/// gives `None` is left out.
pub fn speed_by(
    run: &Run,
    v: usize,
    reference: usize,
    metric: SpeedMetric,
    pick: &dyn Fn(usize, usize) -> Option<usize>,
) -> Result<Speed, String> {
    let mut values = Vec::new();
    for (w, info) in run.workloads.iter().enumerate() {
        let (Some(pv), Some(pr)) = (pick(v, w), pick(reference, w)) else {
            continue;
        };
        let m = match info.kind {
            WorkloadKind::Command => run.settings.primary(info.kind),
            WorkloadKind::Service => metric.for_kind(info.kind),
        };
        let series = |i: usize| {
            let variant = &run.variants[i];
            let meas = variant.measurements.get(w).ok_or_else(|| {
                variant
                    .failure
                    .clone()
                    .unwrap_or_else(|| format!("{} was not measured", variant.name))
            })?;
            if let Some(f) = &meas.failure {
                return Err(format!(
                    "{} failed on {}: {}",
                    variant.name,
                    info.name,
                    first_line(f)
                ));
            }
            Ok(meas.series().values(m))
        };
        values.push((series(pv)?, series(pr)?, m));
    }
    if values.is_empty() {
        return Err("no workload was measured".into());
    }
    let arms: Vec<Arm> = values
        .iter()
        .map(|(a, b, m)| Arm {
            variant: a,
            reference: b,
            direction: m.direction(),
            exact: m.is_exact(),
        })
        .collect();
    let alpha = 1.0 - run.confidence();
    let j = decide::joint(&arms, alpha, run.settings.noise_threshold).map_err(|w| {
        format!(
            "too few samples of {} on {}",
            run.variants[v].name, run.workloads[w].name
        )
    })?;
    let Some((lo, hi)) = j.interval else {
        return Err(format!(
            "too few rounds to compare {} with {} (an interval needs at least 6)",
            run.variants[v].name, run.variants[reference].name
        ));
    };
    Ok(Speed {
        time_ratio: j.ratio,
        lo,
        hi,
        verdict: j.verdict,
        held_out: false,
    })
}

/// What happened to one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Baseline,
    /// It became the best so far.
    Kept,
    /// Measured and not better (or not worth its cost).
    Dropped,
    /// Its build or its workload failed, or it broke a constraint.
    Rejected,
    /// Not tried: the budget, or a direction already measured as noise.
    Skipped,
}

/// One step of the path the search took.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trial {
    pub candidate: String,
    pub describe: String,
    /// The candidate it was measured against.
    pub against: Option<String>,
    pub speed: Option<Speed>,
    pub size_bytes: Option<u64>,
    pub compile_time_secs: Option<f64>,
    pub decision: Decision,
    pub reason: String,
}

/// Everything `auto` found; this is its `--json` output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AutoResult {
    pub goal: Goal,
    pub metric: SpeedMetric,
    pub budget_secs: f64,
    pub elapsed_secs: f64,
    /// Compiler runs that did work (cached, up-to-date builds are not counted).
    pub builds: u32,
    pub configurations_tried: usize,
    pub space_size: usize,
    pub path: Vec<Trial>,
    pub not_explored: Vec<String>,
    /// Index into `final_run.variants`.
    pub winner: usize,
    pub recommendation: String,
    /// Indices into `final_run.variants` that no other variant beats on speed, size and compile time.
    pub pareto: Vec<usize>,
    /// The recommendation measured beside the baseline and the reference points, in one run.
    pub final_run: Run,
    /// Every step's measurement, with every raw sample.
    pub steps: Vec<Run>,
    /// The winning candidate's spec, for reproducing it.
    pub winner_pgo: bool,
    /// True when Ctrl-C stopped the search: the path so far, no recommendation, and
    /// `final_run` is the last (possibly partial) measurement.
    #[serde(default)]
    pub interrupted: bool,
}

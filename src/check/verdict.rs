//! What `check` concludes from a measured base-vs-head run: a verdict per workload and for size,
//! and the exit status. Reads the run's comparisons; computes no statistics of its own.

use serde::Serialize;

use crate::measure::Metric;
use crate::measure::stats::Verdict;
use crate::run::{CrateSize, Run};

/// How the head compares with the base on one workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    /// Faster by more than the threshold (the whole interval).
    Faster,
    /// Slower by more than the threshold (the whole interval): a regression.
    Slower,
    /// Any change is smaller than the threshold (the whole interval).
    WithinThreshold,
    /// The interval reaches across an edge of the threshold band: not enough evidence either way.
    Undecided,
    /// The workload failed (crashed, timed out) on the base or the head: nothing to compare.
    Failed,
}

impl Outcome {
    pub(crate) fn describe(self, threshold: f64) -> String {
        let t = crate::report::format::trim_float(threshold * 100.0);
        match self {
            Outcome::Faster => format!("faster (beyond {t}%)"),
            Outcome::Slower => format!("REGRESSION: slower beyond {t}%"),
            Outcome::WithinThreshold => format!("no change beyond ±{t}%"),
            Outcome::Undecided => "could not decide at this noise".into(),
            Outcome::Failed => "FAILED to run (see above)".into(),
        }
    }
}

/// One workload's verdict.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WorkloadVerdict {
    pub workload: String,
    pub metric: Metric,
    pub base: Option<f64>,
    pub head: Option<f64>,
    /// head / base, the estimate the verdict tests, and its interval.
    pub ratio: Option<f64>,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// The binary's size on both sides.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SizeVerdict {
    pub base_bytes: u64,
    pub head_bytes: u64,
    /// head / base.
    pub ratio: f64,
    /// Grew by more than `--size-threshold`.
    pub regression: bool,
    /// The crates whose bytes changed most, largest change first (from both builds' per-crate
    /// sizes; empty when either has none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crates: Vec<CrateChange>,
}

/// One crate's analysed bytes on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct CrateChange {
    pub name: String,
    pub base_bytes: u64,
    pub head_bytes: u64,
}

impl CrateChange {
    pub(crate) fn delta(&self) -> i64 {
        self.head_bytes as i64 - self.base_bytes as i64
    }
}

/// Crates shown in the size row's explanation.
const CRATES_SHOWN: usize = 3;

/// The [`CRATES_SHOWN`] crates whose bytes changed most between two builds.
fn crate_changes(base: &[CrateSize], head: &[CrateSize]) -> Vec<CrateChange> {
    if base.is_empty() || head.is_empty() {
        return Vec::new();
    }
    let bytes = |side: &[CrateSize], name: &str| {
        side.iter().find(|c| c.name == name).map_or(0, |c| c.bytes)
    };
    let mut names: Vec<&str> = base.iter().chain(head).map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let mut changes: Vec<CrateChange> = names
        .into_iter()
        .map(|name| CrateChange {
            name: name.to_string(),
            base_bytes: bytes(base, name),
            head_bytes: bytes(head, name),
        })
        .filter(|c| c.delta() != 0)
        .collect();
    changes.sort_by(|a, b| {
        b.delta()
            .abs()
            .cmp(&a.delta().abs())
            .then(a.name.cmp(&b.name))
    });
    changes.truncate(CRATES_SHOWN);
    changes
}

/// Workload verdicts of a run whose variant 0 is the base and variant 1 the head.
pub(super) fn workload_verdicts(run: &Run) -> Vec<WorkloadVerdict> {
    (0..run.workloads.len())
        .map(|w| {
            let metric = run.deciding(w);
            let base = run.metric(0, w, metric).map(|m| m.median);
            let head = run.metric(1, w, metric);
            let failed_on = |v: usize, side: &str| {
                run.variants
                    .get(v)
                    .and_then(|v| v.measurement(w))
                    .and_then(|m| m.failure.as_ref())
                    .map(|f| format!("on the {side}: {f}"))
            };
            let failure = failed_on(0, "base").or_else(|| failed_on(1, "head"));
            let cmp = head.and_then(|h| h.vs_baseline);
            let outcome = match (&failure, cmp.map(|c| c.verdict)) {
                (Some(_), _) => Outcome::Failed,
                (None, Some(Verdict::Better)) => Outcome::Faster,
                (None, Some(Verdict::Worse)) => Outcome::Slower,
                (None, Some(Verdict::WithinNoise)) => Outcome::WithinThreshold,
                (None, Some(Verdict::Undecided) | None) => Outcome::Undecided,
            };
            WorkloadVerdict {
                workload: run.workloads[w].name.clone(),
                metric,
                base,
                head: head.map(|h| h.median),
                ratio: cmp.map(|c| c.ratio),
                lo: cmp.map(|c| c.lo),
                hi: cmp.map(|c| c.hi),
                outcome,
                failure,
            }
        })
        .collect()
}

/// Size of base and head from the run's builds, when both built.
pub(super) fn size_verdict(run: &Run, size_threshold: f64) -> Option<SizeVerdict> {
    let base = run.variants.first()?.build.as_ref()?;
    let head = run.variants.get(1)?.build.as_ref()?;
    let ratio = head.file_size_bytes as f64 / base.file_size_bytes.max(1) as f64;
    Some(SizeVerdict {
        base_bytes: base.file_size_bytes,
        head_bytes: head.file_size_bytes,
        ratio,
        regression: ratio > 1.0 + size_threshold,
        crates: crate_changes(&base.crates, &head.crates),
    })
}

/// The gate's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Gate {
    Pass,
    /// Slower or bigger beyond the thresholds.
    Regression,
    /// Something could not be decided (only fails with `--strict`).
    Undecided,
    /// The base revision did not build: nothing to compare, not a regression.
    NoBase,
    /// A workload failed to run: an error, not a measurement.
    Failed,
}

/// The gate from the verdicts: a regression needs a whole interval beyond the threshold.
pub(super) fn gate(workloads: &[WorkloadVerdict], size: Option<&SizeVerdict>) -> Gate {
    let slower = workloads.iter().any(|w| w.outcome == Outcome::Slower);
    if workloads.iter().any(|w| w.outcome == Outcome::Failed) {
        Gate::Failed
    } else if slower || size.is_some_and(|s| s.regression) {
        Gate::Regression
    } else if workloads.iter().any(|w| w.outcome == Outcome::Undecided) {
        Gate::Undecided
    } else {
        Gate::Pass
    }
}

/// Exit status: 0 pass, 1 regression (and, with `strict`, undecided or a base that did not
/// build), 2 a workload that failed to run.
pub(super) fn exit_code(gate: Gate, strict: bool) -> i32 {
    match gate {
        Gate::Pass => 0,
        Gate::Regression => 1,
        Gate::Failed => 2,
        Gate::Undecided | Gate::NoBase => i32::from(strict),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(outcome: Outcome) -> WorkloadVerdict {
        WorkloadVerdict {
            workload: "w".into(),
            metric: Metric::Wall,
            base: Some(1.0),
            head: Some(1.0),
            ratio: Some(1.0),
            lo: Some(0.9),
            hi: Some(1.1),
            outcome,
            failure: None,
        }
    }

    #[test]
    fn noise_is_never_a_regression() {
        let undecided = gate(&[v(Outcome::Undecided), v(Outcome::Faster)], None);
        assert_eq!(undecided, Gate::Undecided);
        assert_eq!(exit_code(undecided, false), 0);
        assert_eq!(exit_code(undecided, true), 1);
        let slower = gate(&[v(Outcome::Undecided), v(Outcome::Slower)], None);
        assert_eq!(exit_code(slower, false), 1);
        assert_eq!(gate(&[v(Outcome::WithinThreshold)], None), Gate::Pass);
        assert_eq!(exit_code(Gate::NoBase, false), 0);
        let failed = gate(&[v(Outcome::Failed), v(Outcome::Slower)], None);
        assert_eq!(exit_code(failed, false), 2, "an error, not a measurement");
    }

    #[test]
    fn the_crates_that_changed_most_explain_a_size_change() {
        let side = |sizes: &[(&str, u64)]| -> Vec<CrateSize> {
            sizes
                .iter()
                .map(|(n, b)| CrateSize {
                    name: n.to_string(),
                    bytes: *b,
                })
                .collect()
        };
        let base = side(&[("std", 300), ("app", 80), ("old", 5), ("same", 7)]);
        let head = side(&[("std", 290), ("app", 120), ("new", 20), ("same", 7)]);
        let changes = crate_changes(&base, &head);
        let shown: Vec<(&str, i64)> = changes
            .iter()
            .map(|c| (c.name.as_str(), c.delta()))
            .collect();
        assert_eq!(shown, [("app", 40), ("new", 20), ("std", -10)]);
        assert!(crate_changes(&base, &[]).is_empty());
    }

    #[test]
    fn size_beyond_its_threshold_is_a_regression() {
        let grew = SizeVerdict {
            base_bytes: 100,
            head_bytes: 103,
            ratio: 1.03,
            regression: true,
            crates: Vec::new(),
        };
        assert_eq!(
            gate(&[v(Outcome::WithinThreshold)], Some(&grew)),
            Gate::Regression
        );
    }
}

//! A held-out fold as the run records it: which variant it is a fold of and which workload its
//! profile left out, and the held-out figure shown beside an in-sample one.

use serde::{Deserialize, Serialize};

use crate::measure::Metric;
use crate::measure::stats::Verdict;

/// A held-out fold: variant `of`, rebuilt from a profile without `held_out`, and measured only
/// on that workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fold {
    pub of: String,
    pub held_out: String,
}

/// The held-out figure beside an in-sample one: the fold's change against the baseline on the
/// same workload, decided by the same engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldOut {
    /// The fold variant's name.
    pub variant: String,
    pub metric: Metric,
    /// What the fold is compared with: the baseline's own fold on this workload when it has one
    /// (`check`: both sides built without the workload's profile); absent: the baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against: Option<String>,
    /// Fold / reference, with its interval and verdict; absent until measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lo: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hi: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
}

/// The name of `of`'s fold that leaves `workload` out.
pub(crate) fn fold_name(of: &str, workload: &str) -> String {
    format!("{of}[¬{workload}]")
}

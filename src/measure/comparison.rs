//! A variant against a reference on one metric: the estimated ratio, its interval and the
//! verdict. `measure::decide` makes every one of them.

use serde::{Deserialize, Serialize};

use crate::measure::stats::Verdict;

/// A variant's metric relative to the baseline's on the same workload.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Estimated `variant / baseline`: the Hodges–Lehmann estimate of the per-round ratios when
    /// paired (the median of their pairwise geometric means), of the two sides' ratio otherwise.
    /// It is what the verdict tests, and can differ slightly from the ratio of the medians.
    pub ratio: f64,
    /// Confidence interval of the ratio, at the run's final sequential level.
    pub lo: f64,
    pub hi: f64,
    /// True when resampled as per-round pairs.
    pub paired: bool,
    pub verdict: Verdict,
}

impl Comparison {
    /// Relative change in percent (`+7.8` for a ratio of 1.078).
    pub fn change_pct(&self) -> f64 {
        (self.ratio - 1.0) * 100.0
    }

    /// Half the width of the interval, in percentage points.
    pub fn half_width_pct(&self) -> f64 {
        (self.hi - self.lo) / 2.0 * 100.0
    }
}

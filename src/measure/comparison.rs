//! A variant against a reference: the estimated ratio, its interval, the level of that interval
//! and the verdict. `measure::decide` makes every one of them, for every metric; tables, prose,
//! charts and the search only read them.

use serde::{Deserialize, Serialize};

use crate::measure::stats::Verdict;

/// `variant / reference` on one metric and workload, or (time-like, below 1 is faster) jointly
/// over several workloads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Estimated ratio: the Hodges–Lehmann estimate of the per-round ratios when paired (the
    /// median of their pairwise geometric means), of the two sides' ratio otherwise. It is what
    /// the verdict tests, and can differ slightly from the ratio of the medians. Joint over
    /// workloads, it is time-like (requests per second inverted).
    #[serde(alias = "time_ratio")]
    pub ratio: f64,
    /// The interval of the ratio at `confidence`.
    pub lo: f64,
    pub hi: f64,
    /// Confidence of `lo..hi`: the level the verdict was decided at (the sequential look's, and
    /// for several comparisons in one run the share Holm's procedure gave this one). Older
    /// results have none: the run's confidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// True when estimated from per-round pairs.
    #[serde(default)]
    pub paired: bool,
    pub verdict: Verdict,
    /// Each workload was judged on a build whose profile left it out (`--held-out` folds).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held_out: bool,
}

impl Comparison {
    /// Two identical things: no change, decided.
    pub const SAME: Comparison = Comparison {
        ratio: 1.0,
        lo: 1.0,
        hi: 1.0,
        confidence: None,
        paired: true,
        verdict: Verdict::WithinNoise,
        held_out: false,
    };

    /// Relative change in percent (`+7.8` for a ratio of 1.078).
    pub fn change_pct(&self) -> f64 {
        (self.ratio - 1.0) * 100.0
    }

    /// Half the width of the interval, in percentage points.
    pub fn half_width_pct(&self) -> f64 {
        (self.hi - self.lo) / 2.0 * 100.0
    }

    /// The same comparison the other way round (`reference / variant`).
    pub fn inverted(self) -> Comparison {
        Comparison {
            ratio: 1.0 / self.ratio,
            lo: 1.0 / self.hi,
            hi: 1.0 / self.lo,
            ..self
        }
    }
}

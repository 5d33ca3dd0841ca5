//! What one measurement says about a candidate: its speed relative to the run's reference
//! (combined over workloads), its size and compile time, and the balanced score.

use serde::{Deserialize, Serialize};

use crate::config::WorkloadKind;
use crate::measure::stats::Verdict;
use crate::measure::{Metric, Settings, summary};
use crate::report::Run;

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
    /// Geometric mean over workloads of the time-like ratio (candidate / reference; for req/s
    /// the inverse), so below 1 is faster. `lo`/`hi` combine the intervals the same way.
    pub time_ratio: f64,
    pub lo: f64,
    pub hi: f64,
    /// Better only if some workload is better beyond noise and none is worse; Worse if any is.
    pub verdict: Verdict,
}

impl Speed {
    pub const SAME: Speed = Speed {
        time_ratio: 1.0,
        lo: 1.0,
        hi: 1.0,
        verdict: Verdict::WithinNoise,
    };

    /// Relative change of time in percent (negative is faster).
    pub fn change_pct(&self) -> f64 {
        (self.time_ratio - 1.0) * 100.0
    }

    pub fn half_width_pct(&self) -> f64 {
        (self.hi - self.lo) / 2.0 * 100.0
    }

    /// The speed-up factor counted by the balanced score: 1 unless the change is beyond noise.
    pub fn counted_speedup(&self) -> f64 {
        if self.verdict == Verdict::WithinNoise {
            1.0
        } else {
            1.0 / self.time_ratio
        }
    }
}

/// Speed of variant `v` against variant `reference` of `run`; `Err` with the reason when a
/// workload failed for either or was not measured.
pub fn speed(run: &Run, v: usize, reference: usize, metric: SpeedMetric) -> Result<Speed, String> {
    let (mut log_r, mut log_lo, mut log_hi, mut n) = (0.0, 0.0, 0.0, 0.0);
    let (mut better, mut worse) = (false, false);
    for (w, info) in run.workloads.iter().enumerate() {
        let m = metric.for_kind(info.kind);
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
            Ok(meas.series())
        };
        let (a, b) = (series(v)?, series(reference)?);
        let c = summary::compare(&a, &b, m, &run.settings, v, w).ok_or_else(|| {
            format!(
                "too few samples of {} on {}",
                run.variants[v].name, info.name
            )
        })?;
        let inverse = m == Metric::RequestsPerSec;
        let (r, lo, hi) = if inverse {
            (1.0 / c.ratio, 1.0 / c.hi, 1.0 / c.lo)
        } else {
            (c.ratio, c.lo, c.hi)
        };
        log_r += r.ln();
        log_lo += lo.ln();
        log_hi += hi.ln();
        n += 1.0;
        better |= c.verdict == Verdict::Better;
        worse |= c.verdict == Verdict::Worse;
    }
    if n == 0.0 {
        return Err("no workload was measured".into());
    }
    let verdict = match (better, worse) {
        (_, true) => Verdict::Worse,
        (true, false) => Verdict::Better,
        _ => Verdict::WithinNoise,
    };
    Ok(Speed {
        time_ratio: (log_r / n).exp(),
        lo: (log_lo / n).exp(),
        hi: (log_hi / n).exp(),
        verdict,
    })
}

/// Whether `speed` (against the baseline) stays within an allowed slowdown: the median is
/// within it and the slowdown is not established beyond it.
pub fn within_slowdown(speed: &Speed, allowed: f64) -> bool {
    speed.time_ratio <= 1.0 + allowed && speed.lo <= 1.0 + allowed
}

/// The balanced score: speed-up × size ratio^-0.1 × compile-time ratio^-0.1. Doubling the
/// compile time (or the size) must buy about 7% of speed to pay off (2^0.1 ≈ 1.072).
pub fn balanced_score(speed: &Speed, size_ratio: f64, compile_ratio: f64) -> f64 {
    speed.counted_speedup() * size_ratio.max(1e-9).powf(-0.1) * compile_ratio.max(1e-9).powf(-0.1)
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// The noise threshold the settings apply, for messages.
pub fn noise_pct(settings: &Settings) -> f64 {
    settings.noise_threshold * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_speedup_ignores_noise() {
        let noise = Speed {
            time_ratio: 0.98,
            lo: 0.95,
            hi: 1.01,
            verdict: Verdict::WithinNoise,
        };
        assert_eq!(noise.counted_speedup(), 1.0);
        let real = Speed {
            time_ratio: 0.8,
            lo: 0.78,
            hi: 0.82,
            verdict: Verdict::Better,
        };
        assert!((real.counted_speedup() - 1.25).abs() < 1e-9);
    }

    #[test]
    fn balanced_score_trades_speed_for_cost() {
        let ten_pct = Speed {
            time_ratio: 1.0 / 1.1,
            lo: 0.88,
            hi: 0.92,
            verdict: Verdict::Better,
        };
        // 10% faster at twice the compile time is still worth it; 5% is not.
        assert!(balanced_score(&ten_pct, 1.0, 2.0) > 1.0);
        let five_pct = Speed {
            time_ratio: 1.0 / 1.05,
            lo: 0.94,
            hi: 0.96,
            verdict: Verdict::Better,
        };
        assert!(balanced_score(&five_pct, 1.0, 2.0) < 1.0);
        // Half the size counts like ~7% of speed.
        assert!(balanced_score(&Speed::SAME, 0.5, 1.0) > 1.07);
    }

    #[test]
    fn slowdown_allowance() {
        let slower = Speed {
            time_ratio: 1.05,
            lo: 1.03,
            hi: 1.07,
            verdict: Verdict::Worse,
        };
        assert!(!within_slowdown(&slower, 0.01));
        assert!(within_slowdown(&slower, 0.10));
        let noisy = Speed {
            time_ratio: 1.004,
            lo: 0.99,
            hi: 1.02,
            verdict: Verdict::WithinNoise,
        };
        assert!(within_slowdown(&noisy, 0.01));
    }
}

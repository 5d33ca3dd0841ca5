//! The one place verdicts come from: a variant against a reference on one workload, or jointly
//! over several workloads (mean log time-ratio, with a clearly slower workload vetoing a gain).
//! `compare`'s table, the measurement loop's stopping rule and `auto`'s steps all call these.
//!
//! Estimate and interval: rounds interleave variants, so per round the log of `variant / reference`
//! cancels whatever slowed the machine during that round; its Hodges–Lehmann estimate (the
//! median of the pairwise averages of the per-round log-ratios) is the printed change, and the
//! signed-rank interval around it, at the sequential design's level, decides. When rounds do not
//! line up (a pair failed part-way), the two sides' logs are compared as independent samples.

use serde::{Deserialize, Serialize};

use crate::measure::exact;
use crate::measure::stats::rank;
use crate::measure::stats::{Direction, MIN_SAMPLES, Verdict, verdict};
use crate::measure::summary::Comparison;

/// A ratio `variant / reference` with its interval and verdict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// Estimated ratio (Hodges–Lehmann, back from logs).
    pub ratio: f64,
    /// Its interval at the analysis' level; `None` when too few runs for any interval there.
    pub interval: Option<(f64, f64)>,
    /// True when estimated from per-round pairs.
    pub paired: bool,
    pub verdict: Verdict,
}

/// One workload's samples of a variant and of its reference, as `(round, value)`.
#[derive(Debug, Clone, Copy)]
pub struct Arm<'a> {
    pub variant: &'a [(u32, f64)],
    pub reference: &'a [(u32, f64)],
    pub direction: Direction,
    /// An exact metric (instruction counts): compared by `measure::exact`, no intervals needed.
    pub exact: bool,
}

/// Per-round log-ratios when rounds line up for most samples, else the two sides' logs.
enum Logs {
    Paired(Vec<(u32, f64)>),
    Unpaired(Vec<f64>, Vec<f64>),
}

fn logs(arm: &Arm) -> Option<Logs> {
    let ln = |x: f64| (x > 0.0 && x.is_finite()).then(|| x.ln());
    let v: Vec<(u32, f64)> = arm
        .variant
        .iter()
        .filter_map(|&(r, x)| Some((r, ln(x)?)))
        .collect();
    let b: Vec<(u32, f64)> = arm
        .reference
        .iter()
        .filter_map(|&(r, x)| Some((r, ln(x)?)))
        .collect();
    // A value that cannot be logged (zero time) leaves the comparison out rather than biased.
    if v.len() != arm.variant.len() || b.len() != arm.reference.len() {
        return None;
    }
    let pairs: Vec<(u32, f64)> = v
        .iter()
        .filter_map(|&(r, x)| b.iter().find(|(rb, _)| *rb == r).map(|&(_, y)| (r, x - y)))
        .collect();
    if pairs.len() >= MIN_SAMPLES && pairs.len() * 2 >= v.len().min(b.len()) {
        Some(Logs::Paired(pairs))
    } else if v.len() >= MIN_SAMPLES && b.len() >= MIN_SAMPLES {
        Some(Logs::Unpaired(
            v.iter().map(|p| p.1).collect(),
            b.iter().map(|p| p.1).collect(),
        ))
    } else {
        None
    }
}

/// Estimate and interval of the log-ratio at level `1 − alpha`.
fn shift(logs: &Logs, alpha: f64) -> Option<(f64, Option<(f64, f64)>)> {
    match logs {
        Logs::Paired(p) => {
            let d: Vec<f64> = p.iter().map(|x| x.1).collect();
            Some((
                rank::hodges_lehmann(&d)?,
                rank::signed_rank_interval(&d, alpha),
            ))
        }
        Logs::Unpaired(v, b) => Some((
            rank::hodges_lehmann_shift(v, b)?,
            rank::rank_sum_interval(v, b, alpha),
        )),
    }
}

fn judgement(
    est: f64,
    ci: Option<(f64, f64)>,
    paired: bool,
    noise: f64,
    d: Direction,
) -> Judgement {
    let interval = ci.map(|(lo, hi)| (lo.exp(), hi.exp()));
    Judgement {
        ratio: est.exp(),
        interval,
        paired,
        verdict: interval.map_or(Verdict::Undecided, |(lo, hi)| verdict(lo, hi, noise, d)),
    }
}

/// The smallest change a verdict may call faster or slower: the noise threshold, or the
/// workload's layout band (`measure::layout`) when the run measured several code layouts and
/// that is wider. Pass the result as `noise` to [`single`] and [`joint`].
pub fn threshold(noise: f64, layout_band: Option<f64>) -> f64 {
    layout_band.map_or(noise, |band| noise.max(band))
}

/// One workload: `variant / reference` in the metric's own units, tested at level `1 − alpha`.
/// `None` when there is nothing to estimate (too few samples, or values that cannot be logged).
pub fn single(arm: &Arm, alpha: f64, noise: f64) -> Option<Judgement> {
    if arm.exact {
        return exact::compare(arm.variant, arm.reference, noise, arm.direction).map(from_exact);
    }
    let logs = logs(arm)?;
    let (est, ci) = shift(&logs, alpha)?;
    Some(judgement(
        est,
        ci,
        matches!(logs, Logs::Paired(_)),
        noise,
        arm.direction,
    ))
}

/// Several workloads at once, as a time-like ratio (below 1 is faster; for throughput the ratio
/// is inverted): the mean over workloads of the log time-ratios, tested at level `1 − alpha`.
///
/// The error rate is split so the joint call keeps `alpha` in total: with k > 1 workloads the
/// joint interval gets `alpha / 2`, and each workload's veto ("clearly slower on its own makes the
/// whole Worse") `alpha / 2k`. When every workload has per-round pairs in common rounds, the joint
/// interval is the signed-rank interval of the per-round means; otherwise it is the mean of the
/// workloads' own intervals at `alpha / 2k` each (simultaneous by Bonferroni).
/// `Err` names the workload with too few samples.
pub fn joint(arms: &[Arm], alpha: f64, noise: f64) -> Result<Judgement, usize> {
    // Counts repeat exactly: their spread, not an interval, decides (`measure::exact`).
    if !arms.is_empty() && arms.iter().all(|a| a.exact) {
        let each: Vec<Comparison> = arms
            .iter()
            .enumerate()
            .map(|(w, a)| {
                let c = exact::compare(a.variant, a.reference, noise, a.direction).ok_or(w)?;
                Ok(match a.direction {
                    Direction::LowerIsBetter => c,
                    Direction::HigherIsBetter => Comparison {
                        ratio: 1.0 / c.ratio,
                        lo: 1.0 / c.hi,
                        hi: 1.0 / c.lo,
                        ..c
                    },
                })
            })
            .collect::<Result<_, usize>>()?;
        return exact::combine(&each, noise).map(from_exact).ok_or(0);
    }
    let flip = |arm: &Arm, l: Logs| match (arm.direction, l) {
        (Direction::LowerIsBetter, l) => l,
        (Direction::HigherIsBetter, Logs::Paired(p)) => {
            Logs::Paired(p.into_iter().map(|(r, x)| (r, -x)).collect())
        }
        (Direction::HigherIsBetter, Logs::Unpaired(v, b)) => Logs::Unpaired(
            v.into_iter().map(|x| -x).collect(),
            b.into_iter().map(|x| -x).collect(),
        ),
    };
    let mut per = Vec::with_capacity(arms.len());
    for (w, arm) in arms.iter().enumerate() {
        per.push(flip(arm, logs(arm).ok_or(w)?));
    }
    let k = per.len();
    if k == 1 {
        let (est, ci) = shift(&per[0], alpha).ok_or(0usize)?;
        let paired = matches!(per[0], Logs::Paired(_));
        return Ok(judgement(est, ci, paired, noise, Direction::LowerIsBetter));
    }
    let each = alpha / (2 * k) as f64;
    let vetoed = per.iter().any(|l| {
        shift(l, each).is_some_and(|(_, ci)| ci.is_some_and(|(lo, _)| lo.exp() > 1.0 + noise))
    });
    let mut j = match common_rounds(&per) {
        Some(means) => {
            let est = rank::hodges_lehmann(&means).unwrap_or(0.0);
            let ci = rank::signed_rank_interval(&means, alpha / 2.0);
            judgement(est, ci, true, noise, Direction::LowerIsBetter)
        }
        None => {
            let shifts: Vec<_> = per.iter().filter_map(|l| shift(l, each)).collect();
            let n = shifts.len() as f64;
            let est = shifts.iter().map(|s| s.0).sum::<f64>() / n;
            let ci = shifts
                .iter()
                .map(|s| s.1)
                .collect::<Option<Vec<_>>>()
                .map(|cis| {
                    let lo = cis.iter().map(|c| c.0).sum::<f64>() / n;
                    let hi = cis.iter().map(|c| c.1).sum::<f64>() / n;
                    (lo, hi)
                });
            judgement(est, ci, false, noise, Direction::LowerIsBetter)
        }
    };
    if vetoed {
        j.verdict = Verdict::Worse;
    }
    Ok(j)
}

fn from_exact(c: Comparison) -> Judgement {
    Judgement {
        ratio: c.ratio,
        interval: Some((c.lo, c.hi)),
        paired: c.paired,
        verdict: c.verdict,
    }
}

/// Per round, the mean of the workloads' log-ratios, when every workload is paired and the
/// rounds they share are most of their pairs.
fn common_rounds(per: &[Logs]) -> Option<Vec<f64>> {
    let paired: Vec<&Vec<(u32, f64)>> = per
        .iter()
        .map(|l| match l {
            Logs::Paired(p) => Some(p),
            Logs::Unpaired(..) => None,
        })
        .collect::<Option<_>>()?;
    let shortest = paired.iter().map(|p| p.len()).min()?;
    let means: Vec<f64> = paired[0]
        .iter()
        .filter_map(|&(r, _)| {
            let xs: Option<Vec<f64>> = paired
                .iter()
                .map(|p| p.iter().find(|(rr, _)| *rr == r).map(|x| x.1))
                .collect();
            xs.map(|xs| xs.iter().sum::<f64>() / xs.len() as f64)
        })
        .collect();
    (means.len() >= MIN_SAMPLES && means.len() * 2 >= shortest).then_some(means)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rounds(xs: &[f64]) -> Vec<(u32, f64)> {
        xs.iter().enumerate().map(|(i, &x)| (i as u32, x)).collect()
    }

    #[test]
    fn paired_estimate_is_the_hodges_lehmann_ratio() {
        let base = rounds(&[1.0; 12]);
        let v = rounds(&[0.9; 12]);
        let arm = Arm {
            variant: &v,
            reference: &base,
            direction: Direction::LowerIsBetter,
            exact: false,
        };
        let j = single(&arm, 0.05, 0.01).unwrap();
        assert!((j.ratio - 0.9).abs() < 1e-12 && j.paired);
        assert_eq!(j.verdict, Verdict::Better);
        let j = joint(&[arm, arm], 0.05, 0.01).unwrap();
        assert!((j.ratio - 0.9).abs() < 1e-12);
        assert_eq!(j.verdict, Verdict::Better);
        // Throughput: more is better, and the joint ratio is time-like.
        let up = rounds(&[1.25; 12]);
        let rps = Arm {
            variant: &up,
            reference: &base,
            direction: Direction::HigherIsBetter,
            exact: false,
        };
        assert_eq!(single(&rps, 0.05, 0.01).unwrap().verdict, Verdict::Better);
        let j = joint(&[rps], 0.05, 0.01).unwrap();
        assert!((j.ratio - 0.8).abs() < 1e-12, "{j:?}");
    }

    #[test]
    fn too_few_runs_are_undecided_and_a_slow_workload_vetoes() {
        let base = rounds(&[1.0; 4]);
        let v = rounds(&[0.5; 4]);
        let arm = Arm {
            variant: &v,
            reference: &base,
            direction: Direction::LowerIsBetter,
            exact: false,
        };
        // Four pairs cannot reach 95%: the interval is unbounded.
        let j = single(&arm, 0.05, 0.01).unwrap();
        assert_eq!((j.interval, j.verdict), (None, Verdict::Undecided));
        let base = rounds(&[1.0; 20]);
        let fast = rounds(&[0.7; 20]);
        let slow = rounds(&[1.1; 20]);
        let arms = [
            Arm {
                variant: &fast,
                reference: &base,
                direction: Direction::LowerIsBetter,
                exact: false,
            },
            Arm {
                variant: &slow,
                reference: &base,
                direction: Direction::LowerIsBetter,
                exact: false,
            },
        ];
        let j = joint(&arms, 0.05, 0.01).unwrap();
        assert!(j.ratio < 0.95, "{j:?}");
        assert_eq!(j.verdict, Verdict::Worse);
        let empty: Vec<(u32, f64)> = vec![];
        let broken = Arm {
            variant: &empty,
            ..arms[0]
        };
        assert_eq!(joint(&[arms[0], broken], 0.05, 0.01).unwrap_err(), 1);
    }
}

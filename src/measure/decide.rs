//! The one place verdicts come from: a variant against a reference on one workload, or jointly
//! over several (mean log time-ratio; a clearly slower workload vetoes a gain, and "within noise"
//! needs every workload inside the band). `compare`'s table, the loop's stopping rule, `check`
//! and `auto`'s steps all call these, through `family` when a run asks several questions.
//!
//! Estimate and interval: rounds interleave variants, so per round the log of `variant / reference`
//! cancels whatever slowed the machine during that round; its Hodges–Lehmann estimate (the
//! median of the pairwise averages of the per-round log-ratios) is the printed change, and the
//! signed-rank interval around it decides. When rounds do not line up (a pair failed part-way),
//! and for exact counts (`measure::exact`), the two sides' logs are compared as independent
//! samples (rank-sum). The level of each test comes from the caller (`Levels`): the sequential
//! design's level at this look for the share of the error rate the test may spend.

use crate::measure::comparison::Comparison;
use crate::measure::metric::Metric;
use crate::measure::stats::rank;
use crate::measure::stats::{Direction, MIN_SAMPLES, Verdict, verdict};

/// One workload's samples of a variant and of its reference, as `(round, value)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arm<'a> {
    pub variant: &'a [(u32, f64)],
    pub reference: &'a [(u32, f64)],
    pub direction: Direction,
    /// An exact metric (instruction counts): the sides are independent samples.
    pub exact: bool,
}

impl<'a> Arm<'a> {
    /// The arm of `metric`'s values, in its direction, exact when it is a count.
    pub(crate) fn of(
        variant: &'a [(u32, f64)],
        reference: &'a [(u32, f64)],
        metric: Metric,
    ) -> Arm<'a> {
        Arm {
            variant,
            reference,
            direction: metric.direction(),
            exact: metric.is_exact(),
        }
    }
}

/// Why a comparison has no verdict at all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Undecidable {
    /// Workload `w` has too few samples, or values that cannot be logged (zero times).
    Samples(usize),
    /// Too few runs for any interval at the level this look allows; the estimate so far.
    NoInterval { ratio: f64 },
}

/// The level (two-sided, `1 − confidence`) of a test that may spend `share` of the question's
/// error rate at this analysis; 0 when this look cannot decide.
pub(crate) type Levels<'a> = &'a dyn Fn(f64) -> f64;

/// Per-round log-ratios when rounds line up for most samples, else the two sides' logs.
enum Logs {
    Paired(Vec<(u32, f64)>),
    Unpaired(Vec<f64>, Vec<f64>),
}

fn logs(arm: &Arm) -> Option<Logs> {
    let ln = |x: f64| (x > 0.0 && x.is_finite()).then(|| x.ln());
    let side = |xs: &[(u32, f64)]| -> Option<Vec<(u32, f64)>> {
        xs.iter().map(|&(r, x)| Some((r, ln(x)?))).collect()
    };
    // A value that cannot be logged (zero time) leaves the comparison out rather than biased.
    let (v, b) = (side(arm.variant)?, side(arm.reference)?);
    let pairs: Vec<(u32, f64)> = v
        .iter()
        .filter_map(|&(r, x)| b.iter().find(|(rb, _)| *rb == r).map(|&(_, y)| (r, x - y)))
        .collect();
    let paired =
        !arm.exact && pairs.len() >= MIN_SAMPLES && pairs.len() * 2 >= v.len().min(b.len());
    let min = if arm.exact { 1 } else { MIN_SAMPLES };
    if paired {
        Some(Logs::Paired(pairs))
    } else if v.len() >= min && b.len() >= min {
        Some(Logs::Unpaired(
            v.iter().map(|p| p.1).collect(),
            b.iter().map(|p| p.1).collect(),
        ))
    } else {
        None
    }
}

impl Logs {
    fn flipped(self, direction: Direction) -> Logs {
        match (direction, self) {
            (Direction::LowerIsBetter, l) => l,
            (Direction::HigherIsBetter, Logs::Paired(p)) => {
                Logs::Paired(p.into_iter().map(|(r, x)| (r, -x)).collect())
            }
            (Direction::HigherIsBetter, Logs::Unpaired(v, b)) => Logs::Unpaired(
                v.into_iter().map(|x| -x).collect(),
                b.into_iter().map(|x| -x).collect(),
            ),
        }
    }

    /// Estimate of the log-ratio and its interval at `level` (`None`: no interval reachable).
    fn shift(&self, level: f64) -> Option<(f64, Option<(f64, f64)>)> {
        let ci = |c: Option<(f64, f64)>| c.filter(|_| level > 0.0);
        match self {
            Logs::Paired(p) => {
                let d: Vec<f64> = p.iter().map(|x| x.1).collect();
                Some((
                    rank::hodges_lehmann(&d)?,
                    ci(rank::signed_rank_interval(&d, level)),
                ))
            }
            Logs::Unpaired(v, b) => Some((
                rank::hodges_lehmann_shift(v, b)?,
                ci(rank::rank_sum_interval(v, b, level)),
            )),
        }
    }

    fn paired(&self) -> bool {
        matches!(self, Logs::Paired(_))
    }
}

/// The comparison from a log estimate and log interval at `level`.
fn comparison(
    est: f64,
    ci: Option<(f64, f64)>,
    level: f64,
    paired: bool,
    noise: f64,
    direction: Direction,
) -> Result<Comparison, Undecidable> {
    let Some((lo, hi)) = ci.map(|(lo, hi)| (lo.exp(), hi.exp())) else {
        return Err(Undecidable::NoInterval { ratio: est.exp() });
    };
    Ok(Comparison {
        ratio: est.exp(),
        lo,
        hi,
        confidence: Some(1.0 - level),
        paired,
        verdict: verdict(lo, hi, noise, direction),
        held_out: false,
    })
}

/// The smallest change a verdict may call faster or slower: the noise threshold, or the
/// workload's layout band (`measure::layout`) when the run measured several code layouts and
/// that is wider. Pass the result as `noise` to [`single`] and [`joint`].
pub(crate) fn threshold(noise: f64, layout_band: Option<f64>) -> f64 {
    layout_band.map_or(noise, |band| noise.max(band))
}

/// One workload: `variant / reference` in the metric's own units.
pub(crate) fn single(arm: &Arm, levels: Levels, noise: f64) -> Result<Comparison, Undecidable> {
    let logs = logs(arm).ok_or(Undecidable::Samples(0))?;
    let level = levels(1.0);
    let (est, ci) = logs.shift(level).ok_or(Undecidable::Samples(0))?;
    comparison(est, ci, level, logs.paired(), noise, arm.direction)
}

/// Several workloads at once, as a time-like ratio (below 1 is faster; for throughput the ratio
/// is inverted): the mean over workloads of the log time-ratios.
///
/// The error rate is split so the joint call keeps it in total: with k > 1 workloads the joint
/// interval gets half, and each workload's own interval `1 / 2k`. A workload clearly slower on
/// its own makes the whole Worse; "within noise" needs every workload's own interval inside the
/// band, so a +5% / −5% pair is not called a tie. When every workload has per-round pairs in
/// common rounds, the joint interval is the signed-rank interval of the per-round means;
/// otherwise it is the mean of the workloads' own intervals (simultaneous by Bonferroni).
pub(crate) fn joint(arms: &[Arm], levels: Levels, noise: f64) -> Result<Comparison, Undecidable> {
    let mut per = Vec::with_capacity(arms.len());
    for (w, arm) in arms.iter().enumerate() {
        per.push(
            logs(arm)
                .ok_or(Undecidable::Samples(w))?
                .flipped(arm.direction),
        );
    }
    let k = per.len();
    if k == 0 {
        return Err(Undecidable::Samples(0));
    }
    if k == 1 {
        let level = levels(1.0);
        let (est, ci) = per[0].shift(level).ok_or(Undecidable::Samples(0))?;
        return comparison(
            est,
            ci,
            level,
            per[0].paired(),
            noise,
            Direction::LowerIsBetter,
        );
    }
    let each_level = levels(0.5 / k as f64);
    let each: Vec<Option<(f64, f64)>> = per
        .iter()
        .map(|l| l.shift(each_level).and_then(|s| s.1))
        .collect();
    let level = levels(0.5);
    let mut j = match common_rounds(&per) {
        Some(means) => {
            let est = rank::hodges_lehmann(&means).unwrap_or(0.0);
            let ci = rank::signed_rank_interval(&means, level).filter(|_| level > 0.0);
            comparison(est, ci, level, true, noise, Direction::LowerIsBetter)
        }
        None => {
            let shifts: Vec<_> = per.iter().filter_map(|l| l.shift(each_level)).collect();
            let n = shifts.len() as f64;
            let est = shifts.iter().map(|s| s.0).sum::<f64>() / n;
            let ci = each.iter().copied().collect::<Option<Vec<_>>>().map(|cis| {
                let lo = cis.iter().map(|c| c.0).sum::<f64>() / n;
                let hi = cis.iter().map(|c| c.1).sum::<f64>() / n;
                (lo, hi)
            });
            comparison(est, ci, each_level, false, noise, Direction::LowerIsBetter)
        }
    }?;
    let inside = |c: &Option<(f64, f64)>| {
        c.is_some_and(|(lo, hi)| lo.exp() >= 1.0 - noise && hi.exp() <= 1.0 + noise)
    };
    if each
        .iter()
        .any(|c| c.is_some_and(|(lo, _)| lo.exp() > 1.0 + noise))
    {
        j.verdict = Verdict::Worse;
    } else if j.verdict == Verdict::WithinNoise && !each.iter().all(inside) {
        j.verdict = Verdict::Undecided;
    }
    Ok(j)
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
mod tests;

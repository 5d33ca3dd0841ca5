//! The sequential design that makes adaptive stopping valid: planned looks between `min_runs`
//! and `max_runs`, and the level each look tests at.
//!
//! Method: a group-sequential design with the O'Brien–Fleming-type alpha-spending function of
//! Lan and DeMets, `α(t) = 2 − 2Φ(z₁₋α/₂ / √t)`, `t` the fraction of the planned rounds done.
//! The boundaries come from the joint distribution of the looks: the signed-rank statistic is
//! nearly normal, and its standardised values at the looks behave like a Brownian motion
//! observed at the round counts (`boundaries`, the recursive integration of Armitage, McPherson
//! and Rowe). Look `k`'s boundary `c_k` is set so that crossing it, and no earlier one, has
//! probability `α(t_k) − α(t_{k−1})` under no change; its nominal level `2 − 2Φ(c_k)` is what the
//! signed-rank interval is computed at. A look whose level no test could reach with that many
//! runs (`2 / 2^n` is the smallest p-value of `n` signed ranks) gets no boundary and passes its
//! share on.
//!
//! The intervals printed after a stop are repeated confidence intervals: at the stopping look's
//! own nominal level, so that together over all looks they cover with the design's confidence.
//! A run that ends between looks (time limit, Ctrl-C) is analysed as a final look there, with
//! all the error rate the looks before it left.

use std::cell::RefCell;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::measure::settings::Settings;
use crate::measure::stats::rank::{inverse_normal_cdf, normal_cdf};

/// Growth of the look schedule: each planned look comes after about 1.5× the runs of the last.
const LOOK_GROWTH: f64 = 1.5;

/// The planned looks of one measurement and their levels at the design's own error rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    /// The method, for the saved run and the legend.
    pub method: String,
    /// Overall two-sided error rate (1 − confidence) of one comparison over all its looks.
    pub alpha: f64,
    /// Rounds after which the comparisons are looked at, ascending; the last is `max_runs`.
    pub looks: Vec<u32>,
    /// The nominal level each look tests at, for `alpha` (0 where no test could reach it).
    pub levels: Vec<f64>,
}

impl Design {
    pub fn new(settings: &Settings) -> Design {
        let alpha = 1.0 - settings.confidence;
        let looks = schedule(settings.min_runs.max(1), settings.max_runs.max(1));
        let levels = nominal_levels(&looks, alpha);
        Design {
            method: "group-sequential, O'Brien–Fleming-type alpha spending (Lan–DeMets), \
                     boundaries from the joint distribution of the looks"
                .into(),
            alpha,
            looks,
            levels,
        }
    }

    /// The level a comparison tested at error rate `alpha` (its share of the design's, e.g.
    /// after Holm) gets at the planned look after `rounds` rounds; `None` between looks and at a
    /// look where no test could decide.
    pub fn look(&self, alpha: f64, rounds: u32) -> Option<f64> {
        let i = self.looks.iter().position(|&n| n == rounds)?;
        let level = nominal_levels(&self.looks, alpha)[i];
        (level > 0.0).then_some(level)
    }

    /// The level of the analysis after `rounds` rounds at error rate `alpha`: the look's own
    /// nominal level at a planned look (a repeated confidence interval), else a final look
    /// there that spends what the looks before it left.
    pub fn analysis(&self, alpha: f64, rounds: u32) -> f64 {
        if let Some(level) = self.look(alpha, rounds) {
            return level;
        }
        let mut looks: Vec<u32> = self.looks.iter().copied().filter(|&n| n < rounds).collect();
        looks.push(rounds.max(1));
        // The looks before spend as planned; the final one whatever they left.
        let max = f64::from(*self.looks.last().unwrap_or(&1));
        let all = boundaries(&looks, alpha, &|n| spending(alpha, f64::from(n) / max));
        all.last().map_or(alpha, |c| level_of(*c))
    }
}

/// `min, ⌈1.5·min⌉, …, max`: sparse looks keep the per-look levels large.
fn schedule(min: u32, max: u32) -> Vec<u32> {
    let mut looks = Vec::new();
    let mut n = min.min(max);
    while n < max {
        looks.push(n);
        n = ((f64::from(n) * LOOK_GROWTH).ceil() as u32).max(n + 1);
    }
    looks.push(max);
    looks
}

/// The O'Brien–Fleming-type spending function: the error rate spent by information fraction `t`.
fn spending(alpha: f64, t: f64) -> f64 {
    if t <= 0.0 {
        return 0.0;
    }
    let z = inverse_normal_cdf(1.0 - alpha / 2.0);
    (2.0 - 2.0 * normal_cdf(z / t.min(1.0).sqrt())).min(alpha)
}

fn level_of(c: f64) -> f64 {
    if c.is_finite() {
        2.0 - 2.0 * normal_cdf(c)
    } else {
        0.0
    }
}

/// Nominal levels of `looks` at error rate `alpha` (memoised: the loop and the reports ask for
/// the same few designs again and again).
fn nominal_levels(looks: &[u32], alpha: f64) -> Vec<f64> {
    type Cache = RefCell<HashMap<(Vec<u32>, u64), Vec<f64>>>;
    thread_local! {
        static CACHE: Cache = RefCell::default();
    }
    let key = (looks.to_vec(), alpha.to_bits());
    if let Some(l) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return l;
    }
    let max = f64::from(*looks.last().unwrap_or(&1));
    let spent = |n: u32| spending(alpha, f64::from(n) / max);
    let levels: Vec<f64> = boundaries(looks, alpha, &spent)
        .into_iter()
        .map(level_of)
        .collect();
    CACHE.with(|c| c.borrow_mut().insert(key, levels.clone()));
    levels
}

/// Points of the grid on which the continuation densities are carried (odd: Simpson's rule).
const GRID: usize = 241;
/// Where "no boundary" is cut off: the mass beyond 8 standard deviations is below 1e-15.
const FAR: f64 = 8.0;

/// The boundary `c_k` of each look on the standardised scale (`∞`: this look cannot reject),
/// such that the probability of first crossing at look `k` is `spent(n_k)` minus what the looks
/// before actually spent. A look is left without a boundary when its level would be below the
/// smallest p-value `n` signed ranks can give (`2 / 2^n`), except the last, which spends all
/// that is left whatever it can reach.
fn boundaries(looks: &[u32], alpha: f64, spent: &dyn Fn(u32) -> f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(looks.len());
    // The sub-density of Z at the previous look over the region where no boundary was crossed.
    let mut density: Option<(Vec<f64>, Vec<f64>)> = None;
    let mut prev_n = 0.0;
    let mut total = 0.0;
    for (k, &n) in looks.iter().enumerate() {
        let n = f64::from(n);
        let last = k + 1 == looks.len();
        let target = if last { alpha } else { spent(n as u32) }.min(alpha);
        let share = (target - total).max(0.0);
        let cross = |c: f64| crossing(density.as_ref(), prev_n, n, c);
        let mut c = solve(share, &cross);
        let attainable = level_of(c) >= 2f64.powf(1.0 - n) * (1.0 - 1e-9);
        if share <= 1e-15 || (!attainable && !last) {
            c = f64::INFINITY;
        }
        total += cross(c);
        density = Some(continuation(density.as_ref(), prev_n, n, c));
        prev_n = n;
        out.push(c);
    }
    out
}

/// Probability of crossing `±c` at information `n`, having not crossed before.
fn crossing(prev: Option<&(Vec<f64>, Vec<f64>)>, prev_n: f64, n: f64, c: f64) -> f64 {
    if !c.is_finite() {
        return 0.0;
    }
    match prev {
        None => 2.0 - 2.0 * normal_cdf(c),
        Some((z, w)) => {
            let sd = (n - prev_n).sqrt();
            let edge = c * n.sqrt();
            z.iter()
                .zip(w)
                .map(|(&zi, &wi)| {
                    let s = zi * prev_n.sqrt();
                    wi * (normal_cdf((-edge - s) / sd) + 1.0 - normal_cdf((edge - s) / sd))
                })
                .sum()
        }
    }
}

/// The continuation sub-density at information `n` inside `±c`, as grid points and weights
/// (density × Simpson weight), from the previous one.
fn continuation(
    prev: Option<&(Vec<f64>, Vec<f64>)>,
    prev_n: f64,
    n: f64,
    c: f64,
) -> (Vec<f64>, Vec<f64>) {
    let edge = if c.is_finite() { c.min(FAR) } else { FAR };
    let h = 2.0 * edge / (GRID - 1) as f64;
    let points: Vec<f64> = (0..GRID).map(|i| -edge + h * i as f64).collect();
    let phi = |x: f64| (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let weights = points
        .iter()
        .enumerate()
        .map(|(i, &y)| {
            let simpson = if i == 0 || i == GRID - 1 {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            } * h
                / 3.0;
            let density = match prev {
                None => phi(y),
                Some((z, w)) => {
                    let sd = (n - prev_n).sqrt();
                    z.iter()
                        .zip(w)
                        .map(|(&zi, &wi)| wi * phi((y * n.sqrt() - zi * prev_n.sqrt()) / sd))
                        .sum::<f64>()
                        * n.sqrt()
                        / sd
                }
            };
            density * simpson
        })
        .collect();
    (points, weights)
}

/// The `c` whose crossing probability is `share` (bisection; crossing falls as `c` grows).
fn solve(share: f64, cross: &dyn Fn(f64) -> f64) -> f64 {
    if share <= 0.0 {
        return f64::INFINITY;
    }
    let (mut lo, mut hi) = (0.0, FAR);
    if cross(hi) > share {
        return hi;
    }
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if cross(mid) > share {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design(min: u32, max: u32) -> Design {
        Design::new(&Settings {
            min_runs: min,
            max_runs: max,
            ..Settings::default()
        })
    }

    #[test]
    fn looks_grow_geometrically_and_end_at_max() {
        assert_eq!(schedule(10, 30), vec![10, 15, 23, 30]);
        assert_eq!(schedule(6, 20), vec![6, 9, 14, 20]);
        assert_eq!(schedule(5, 5), vec![5]);
        assert_eq!(schedule(1, 3), vec![1, 2, 3]);
    }

    #[test]
    fn first_crossings_spend_what_the_spending_function_allows() {
        // Brownian motion observed at five equally spaced looks, simulated: the chance of first
        // crossing the boundaries by each look is the spending function's (Lan–DeMets, 1983:
        // α(t) = 2 − 2Φ(1.96 / √t)); its first boundary is 1.96 / √0.2 = 4.383.
        let looks = [40, 80, 120, 160, 200];
        let spent = |n: u32| spending(0.05, f64::from(n) / 200.0);
        let c = boundaries(&looks, 0.05, &spent);
        assert!((c[0] - 4.383).abs() < 0.002, "{c:?}");
        let mut rng = crate::measure::rng::Rng::new(1);
        let paths = 400_000;
        let mut crossed = [0usize; 5];
        for _ in 0..paths {
            let (mut s, mut prev) = (0.0, 0.0);
            for (k, &n) in looks.iter().enumerate() {
                let n = f64::from(n);
                s += (n - prev).sqrt() * rng.normal();
                prev = n;
                if (s / n.sqrt()).abs() >= c[k] {
                    crossed[k] += 1;
                    break;
                }
            }
        }
        let mut cum = 0;
        for (k, &n) in looks.iter().enumerate() {
            cum += crossed[k];
            let (got, want) = (cum as f64 / paths as f64, spent(n));
            let se = (want / paths as f64).sqrt();
            assert!(
                (got - want).abs() < 4.0 * se + 1e-5,
                "look {k}: {got} vs {want} ({c:?})"
            );
        }
    }

    #[test]
    fn levels_spend_exactly_alpha_and_grow_over_the_union_bound() {
        let d = design(10, 30);
        // 10 runs cannot reach the 0.0007 O'Brien–Fleming spends there; 15 can.
        assert_eq!(d.levels[0], 0.0);
        assert_eq!(d.look(d.alpha, 10), None);
        // The nominal levels the audit computed for 15 / 23 / 30: 0.0056 / 0.0231 / 0.0406.
        for (got, want) in d.levels[1..].iter().zip([0.0056, 0.0231, 0.0406]) {
            assert!((got - want).abs() < 0.0006, "{:?}", d.levels);
        }
        // A repeated confidence interval after a stop at 15 is at 15's own level.
        assert_eq!(d.analysis(d.alpha, 15), d.levels[1]);
        // Ending between looks (time limit) spends what is left: more than the look before.
        let at_20 = d.analysis(d.alpha, 20);
        assert!(at_20 > d.levels[1] && at_20 < d.alpha, "{at_20}");
        // A smaller share of alpha (Holm) gets smaller levels.
        let half = d.look(d.alpha / 2.0, 30).unwrap();
        assert!(half < d.levels[3] && half > 0.015, "{half}");
    }
}

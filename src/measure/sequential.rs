//! The sequential design that makes adaptive stopping valid: planned looks between `min_runs`
//! and `max_runs`, and the share of the error rate each look may spend.
//!
//! Method: a group-sequential design with the O'Brien–Fleming-type alpha-spending function of
//! Lan and DeMets, `α(t) = 2 − 2Φ(z₁₋α/₂ / √t)`, where `t` is the fraction of the planned rounds
//! done. Each look tests at the level it spends, `α(tⱼ) − α(tⱼ₋₁)`; by the union bound the chance
//! that identical variants are ever called different, over all looks together, stays below `α`
//! whatever the correlation between looks. A look whose level no test could reach with that many
//! runs spends nothing (its rejection probability is zero) and passes its share on. A run that
//! ends elsewhere (time limit, Ctrl-C) analyses its last round with all the level left.

use serde::{Deserialize, Serialize};

use crate::measure::settings::Settings;
use crate::measure::stats::rank::{inverse_normal_cdf, normal_cdf, signed_rank_attainable};

/// Growth of the look schedule: each planned look comes after about 1.5× the runs of the last.
const LOOK_GROWTH: f64 = 1.5;

/// The planned looks of one measurement and their levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    /// The method, for the saved run and the legend.
    pub method: String,
    /// Overall two-sided error rate (1 − confidence).
    pub alpha: f64,
    /// Rounds after which the comparisons are looked at, ascending; the last is `max_runs`.
    pub looks: Vec<u32>,
    /// The level each look tests at (0 where no test could reach its share).
    pub levels: Vec<f64>,
}

impl Design {
    pub fn new(settings: &Settings) -> Design {
        let alpha = 1.0 - settings.confidence;
        let looks = schedule(settings.min_runs.max(1), settings.max_runs.max(1));
        let max = f64::from(*looks.last().unwrap_or(&1));
        let mut levels = Vec::with_capacity(looks.len());
        let mut spent = 0.0;
        for &n in &looks {
            let share = (spending(alpha, f64::from(n) / max) - spent).max(0.0);
            if signed_rank_attainable(n as usize, share) {
                levels.push(share);
                spent += share;
            } else {
                levels.push(0.0);
            }
        }
        Design {
            method: "group-sequential, O'Brien–Fleming-type alpha spending (Lan–DeMets)".into(),
            alpha,
            looks,
            levels,
        }
    }

    /// The level of the look after `rounds` rounds, if one is planned there and can decide.
    pub fn look(&self, rounds: u32) -> Option<f64> {
        let i = self.looks.iter().position(|&n| n == rounds)?;
        (self.levels[i] > 0.0).then_some(self.levels[i])
    }

    /// The level of the final analysis after `rounds` rounds: all that the looks before it
    /// left unspent.
    pub fn final_level(&self, rounds: u32) -> f64 {
        let spent: f64 = self
            .looks
            .iter()
            .zip(&self.levels)
            .filter(|(n, _)| **n < rounds)
            .map(|(_, l)| l)
            .sum();
        (self.alpha - spent).max(0.0)
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
    fn levels_never_spend_more_than_alpha() {
        for (min, max) in [(10, 30), (6, 20), (10, 50), (3, 200), (30, 30)] {
            let d = design(min, max);
            let total: f64 = d.levels.iter().sum();
            assert!(total <= 0.05 + 1e-12, "{min}..{max}: {total}");
            assert!((d.final_level(max) + total - d.levels.last().unwrap() - 0.05).abs() < 1e-12);
        }
        let d = design(10, 30);
        // O'Brien–Fleming spends little early: 10 runs cannot reach 0.0007, so 15 gets 0.0056.
        assert_eq!(d.levels[0], 0.0);
        assert!((d.levels[1] - 0.00557).abs() < 2e-4, "{:?}", d.levels);
        assert!(d.final_level(30) > 0.02, "{:?}", d.levels);
        // Stopping at an unplanned round analyses it with everything left.
        assert!((d.final_level(20) - (0.05 - d.levels[1])).abs() < 1e-12);
        assert_eq!(d.look(15), Some(d.levels[1]));
        assert_eq!(d.look(10), None);
        assert_eq!(d.look(16), None);
    }
}

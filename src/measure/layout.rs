//! The layout band: how far a workload's figure moves with code layout alone, estimated from
//! variants measured over several layouts, and the smallest change a verdict may then claim.
//!
//! Model (log scale): a run of variant `v` on layout `i` in round `r` is
//! `μ_v + round_r + L_{v,i} + ε`, with layout offsets `L` drawn once per layout (a random
//! effect, spread `σ_L`). Rounds pair the variants, so the paired interval cancels `round_r`;
//! but every run of `v` uses one of only K layouts, so its estimate is off by the mean of K
//! offsets, `mean_i L_{v,i} − mean_j L_{b,j}`, spread `σ_L·√(2/K)`. That term does not shrink
//! with more rounds, and an interval that treats rounds as independent does not see it: after
//! enough rounds the interval is narrow around a value that one lucky set of layouts moved.
//!
//! `σ_L²` comes from a one-way random-effects ANOVA per variant (between-layout mean square
//! minus within, over the effective group size) on values relative to the other variants of
//! the same round (`round_r` cancels, so a machine that drifts does not pass its drift off as
//! layout; the others' layouts are independent of this one's, so they only add to the within
//! term), pooled over every variant measured on ≥ 2
//! layouts with some layout run twice (`df = Σ(K_v − 1)`). A variant whose every run had a
//! layout of its own needs no band: its runs' spread holds the layout's, and a paired interval
//! (or the range of exact counts) covers it.
//!
//! The band is `t_{df} · σ_L · √(2/K)` at the run's confidence: with identical code,
//! `|offset difference| > band` happens with about that probability (a Student-t, since `σ_L`
//! is itself estimated), and since a verdict needs its whole interval beyond the band, identical
//! code is called different less often still. The verdict engine (`decide::threshold`) uses
//! `max(noise threshold, band)`.

use serde::{Deserialize, Serialize};

use crate::measure::metric::Metric;
use crate::measure::sample::Series;

/// A workload's layout band (relative figures: 0.02 = 2%).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// Layouts per variant the run asked for.
    pub layouts: u32,
    /// How much the baseline's layouts differ among themselves: their estimated standard
    /// deviation (0 when the runs within a layout vary as much as between).
    pub spread: f64,
    /// Changes within ±`band` are never called faster or slower.
    pub band: f64,
    /// Degrees of freedom of the pooled estimate behind `band`.
    pub df: u32,
}

/// Per measured round, the sum of the log values of the variants that ran in it, and how many.
fn round_sums(series: &[&Series], metric: Metric) -> std::collections::HashMap<u32, (f64, u32)> {
    let mut sums: std::collections::HashMap<u32, (f64, u32)> = Default::default();
    for s in series {
        for r in s.samples.iter().filter(|r| !r.warmup) {
            if let Some(v) = r.sample.value(metric).filter(|v| v.is_finite() && *v > 0.0) {
                let e = sums.entry(r.round).or_default();
                *e = (e.0 + v.ln(), e.1 + 1);
            }
        }
    }
    sums
}

/// `(layout, value relative to the round's other variants)` of the samples of `series` that
/// ran on a known layout in a round where another variant ran too.
fn within_round(
    series: &Series,
    metric: Metric,
    rounds: &std::collections::HashMap<u32, (f64, u32)>,
) -> Vec<(u32, f64)> {
    series
        .samples
        .iter()
        .filter(|r| !r.warmup)
        .filter_map(|r| {
            let v = r
                .sample
                .value(metric)
                .filter(|v| v.is_finite() && *v > 0.0)?
                .ln();
            let (sum, n) = rounds.get(&r.round).copied().filter(|(_, n)| *n >= 2)?;
            let others = (sum - v) / f64::from(n - 1);
            Some((r.layout?, (v - others).exp()))
        })
        .collect()
}

/// The band of one workload from its variants' series (`baseline` indexes them), on `metric`,
/// for a run of `layouts` layouts per variant at `confidence`. `None` when layouts are off or
/// no variant has two measured layouts yet.
pub(crate) fn estimate(
    series: &[&Series],
    baseline: usize,
    metric: Metric,
    layouts: u32,
    confidence: f64,
) -> Option<Band> {
    if layouts < 2 {
        return None;
    }
    let rounds = round_sums(series, metric);
    let each: Vec<Option<(f64, u32)>> = series
        .iter()
        .map(|s| between_variance(&within_round(s, metric, &rounds)))
        .collect();
    let (sum, df) = each.iter().flatten().fold((0.0, 0), |(s, d), &(var, df)| {
        (s + var * f64::from(df), d + df)
    });
    if df == 0 {
        return None;
    }
    let pooled = sum / f64::from(df);
    let p = 1.0 - (1.0 - confidence) / 2.0;
    let log_band = t_quantile(p, f64::from(df)) * (pooled * 2.0 / f64::from(layouts)).sqrt();
    Some(Band {
        layouts,
        spread: each
            .get(baseline)
            .copied()
            .flatten()
            .map_or(0.0, |(var, _)| var.sqrt().exp_m1()),
        band: log_band.exp_m1(),
        df,
    })
}

/// The between-layout variance component of the logs of `values` (`(layout, value)`), and its
/// degrees of freedom (layouts seen − 1): `max(0, (MSB − MSW) / n₀)`. `None` below two layouts,
/// or when no layout ran twice.
fn between_variance(values: &[(u32, f64)]) -> Option<(f64, u32)> {
    let mut groups: Vec<(u32, Vec<f64>)> = Vec::new();
    for &(l, v) in values {
        match groups.iter_mut().find(|g| g.0 == l) {
            Some(g) => g.1.push(v.ln()),
            None => groups.push((l, vec![v.ln()])),
        }
    }
    let g = groups.len();
    let n: usize = groups.iter().map(|g| g.1.len()).sum();
    if g < 2 {
        return None;
    }
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let grand = groups.iter().flat_map(|g| g.1.iter()).sum::<f64>() / n as f64;
    let (mut ssb, mut ssw) = (0.0, 0.0);
    for (_, xs) in &groups {
        let m = mean(xs);
        ssb += xs.len() as f64 * (m - grand).powi(2);
        ssw += xs.iter().map(|x| (x - m).powi(2)).sum::<f64>();
    }
    // Every run on a layout of its own: runs and layouts cannot be told apart, and need not
    // be, since the runs' own spread (which the interval or the counts' range uses) then
    // includes layout.
    if n == g {
        return None;
    }
    let msb = ssb / (g - 1) as f64;
    let msw = ssw / (n - g) as f64;
    let sum_sq: f64 = groups.iter().map(|g| (g.1.len() as f64).powi(2)).sum();
    let n0 = (n as f64 - sum_sq / n as f64) / (g - 1) as f64;
    Some((((msb - msw) / n0).max(0.0), (g - 1) as u32))
}

/// The `p` quantile of Student's t with `df` degrees of freedom (bisection on its CDF).
pub(crate) fn t_quantile(p: f64, df: f64) -> f64 {
    let (mut lo, mut hi) = (-1e4, 1e4);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

fn t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The regularized incomplete beta function `I_x(a, b)` (continued fraction, Numerical Recipes).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 || x >= 1.0 {
        return x.clamp(0.0, 1.0);
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    let tiny = 1e-300;
    let (mut c, mut d) = (1.0, 1.0 - (a + b) * x / (a + 1.0));
    d = 1.0 / if d.abs() < tiny { tiny } else { d };
    let mut h = d;
    for m in 1..300 {
        let m = f64::from(m);
        for num in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + num * d;
            d = 1.0 / if d.abs() < tiny { tiny } else { d };
            c = 1.0 + num / c;
            c = if c.abs() < tiny { tiny } else { c };
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, nine terms: 15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |s, (i, c)| s + c / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod simulation;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_published_tables() {
        for (df, q) in [(1.0, 12.7062), (3.0, 3.1824), (6.0, 2.4469), (30.0, 2.0423)] {
            assert!((t_quantile(0.975, df) - q).abs() < 1e-3, "df {df}");
        }
        assert!((t_quantile(0.975, 1e6) - 1.96).abs() < 1e-3);
    }

    #[test]
    fn the_between_layout_component_separates_layouts_from_run_noise() {
        // Four layouts at ×0.97, ×1, ×1, ×1.03, each run twice with ±0.5% noise.
        let mut v = Vec::new();
        for (l, f) in [0.97, 1.0, 1.0, 1.03].into_iter().enumerate() {
            v.push((l as u32, f * 1.005));
            v.push((l as u32, f / 1.005));
        }
        let (var, df) = between_variance(&v).unwrap();
        assert_eq!(df, 3);
        assert!((var.sqrt() - 0.0245).abs() < 0.001, "{}", var.sqrt());
        // One layout, or one run per layout: no band (the runs' spread already holds layout).
        assert!(between_variance(&[(0, 1.0), (0, 1.1)]).is_none());
        assert!(between_variance(&[(0, 1.0), (1, 1.1), (2, 0.9)]).is_none());
        let within = [(0, 1.0), (0, 1.1), (1, 1.0), (1, 1.1)];
        assert_eq!(between_variance(&within).unwrap().0, 0.0);
    }
}

//! Rank statistics for shifts: the Hodges–Lehmann estimate and its distribution-free confidence
//! interval, from the exact null distribution of the Wilcoxon signed-rank statistic (paired
//! differences) or of the Mann–Whitney statistic (two independent samples).
//!
//! Why ranks: on identical builds, the difference of two runs in one round is symmetric around
//! zero whatever the machine's noise looks like (Gaussian, heavy-tailed, two modes), because the
//! order within a round is random. The signed-rank interval is then exact at any level, so the
//! sequential design can ask for the small levels its early looks need and still get them.

/// Largest sample for which the exact distribution is computed; beyond it the normal
/// approximation is within 1e-4 of it at the levels used here.
const EXACT_MAX_N: usize = 120;
/// Largest `m · n` for the exact two-sample distribution.
const EXACT_MAX_MN: usize = 3600;

/// Hodges–Lehmann estimate of the centre of `d`: the median of the Walsh averages.
pub(crate) fn hodges_lehmann(d: &[f64]) -> Option<f64> {
    crate::measure::stats::median(&walsh_averages(d))
}

/// Hodges–Lehmann estimate of the shift `y − x`: the median of all pairwise differences.
pub(crate) fn hodges_lehmann_shift(y: &[f64], x: &[f64]) -> Option<f64> {
    crate::measure::stats::median(&pairwise_differences(y, x))
}

/// Confidence interval at level `1 − alpha` (two-sided) of the centre of `d`, by inverting the
/// signed-rank test. `None` when `d` is too short for any interval at that level (the smallest
/// possible p-value, `2 / 2^n`, is above `alpha`): the interval is then unbounded.
pub(crate) fn signed_rank_interval(d: &[f64], alpha: f64) -> Option<(f64, f64)> {
    let n = d.len();
    let c = signed_rank_critical(n, alpha)?;
    let mut w = walsh_averages(d);
    w.sort_unstable_by(f64::total_cmp);
    let m = w.len();
    Some((w[c - 1], w[m - c]))
}

/// Confidence interval at level `1 − alpha` of the shift `y − x`, by inverting the Mann–Whitney
/// test; `None` when the samples are too small for that level.
pub(crate) fn rank_sum_interval(y: &[f64], x: &[f64], alpha: f64) -> Option<(f64, f64)> {
    let c = rank_sum_critical(y.len(), x.len(), alpha)?;
    let mut d = pairwise_differences(y, x);
    d.sort_unstable_by(f64::total_cmp);
    let m = d.len();
    Some((d[c - 1], d[m - c]))
}

/// Whether `n` paired differences can give any interval at level `1 − alpha`.
pub(crate) fn signed_rank_attainable(n: usize, alpha: f64) -> bool {
    signed_rank_critical(n, alpha).is_some()
}

fn walsh_averages(d: &[f64]) -> Vec<f64> {
    let mut w = Vec::with_capacity(d.len() * (d.len() + 1) / 2);
    for i in 0..d.len() {
        for j in i..d.len() {
            w.push((d[i] + d[j]) / 2.0);
        }
    }
    w
}

fn pairwise_differences(y: &[f64], x: &[f64]) -> Vec<f64> {
    y.iter()
        .flat_map(|a| x.iter().map(move |b| a - b))
        .collect()
}

/// The 1-based order statistic `c` of the Walsh averages that bounds the interval: the largest
/// `c` with `P(T ≤ c − 1) ≤ alpha / 2` under the null (T the signed-rank statistic).
fn signed_rank_critical(n: usize, alpha: f64) -> Option<usize> {
    thread_local! {
        // The loop asks for the same few (n, level) pairs at every look of every run.
        static CACHE: std::cell::RefCell<std::collections::HashMap<(usize, u64), Option<usize>>> =
            Default::default();
    }
    let key = (n, alpha.to_bits());
    if let Some(c) = CACHE.with(|c| c.borrow().get(&key).copied()) {
        return c;
    }
    let c = signed_rank_critical_uncached(n, alpha);
    CACHE.with(|cache| cache.borrow_mut().insert(key, c));
    c
}

fn signed_rank_critical_uncached(n: usize, alpha: f64) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let total = n * (n + 1) / 2;
    let c = if n <= EXACT_MAX_N {
        // counts[s]: subsets of {1..n} summing to s; the null distribution of T times 2^n.
        let mut counts = vec![0.0f64; total + 1];
        counts[0] = 1.0;
        for k in 1..=n {
            for s in (k..=total).rev() {
                counts[s] += counts[s - k];
            }
        }
        let all = 2f64.powi(n as i32);
        lower_tail_count(&counts, all, alpha / 2.0)
    } else {
        let nf = n as f64;
        let mean = nf * (nf + 1.0) / 4.0;
        let sd = (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0).sqrt();
        normal_critical(mean, sd, alpha / 2.0)
    };
    (c >= 1 && c <= total.div_ceil(2)).then_some(c)
}

/// As `signed_rank_critical`, for the Mann–Whitney statistic of samples of sizes `m` and `n`.
fn rank_sum_critical(m: usize, n: usize, alpha: f64) -> Option<usize> {
    if m == 0 || n == 0 {
        return None;
    }
    let total = m * n;
    let c = if total <= EXACT_MAX_MN {
        // Coefficients of the Gaussian binomial [m+n choose m]_q: the null counts of U.
        let mut poly = vec![0.0f64; total + 1];
        poly[0] = 1.0;
        for i in 1..=m {
            let up = n + i;
            for u in (up..=total).rev() {
                poly[u] -= poly[u - up];
            }
            for u in i..=total {
                poly[u] += poly[u - i];
            }
        }
        let all: f64 = poly.iter().sum();
        lower_tail_count(&poly, all, alpha / 2.0)
    } else {
        let (mf, nf) = (m as f64, n as f64);
        let mean = mf * nf / 2.0;
        let sd = (mf * nf * (mf + nf + 1.0) / 12.0).sqrt();
        normal_critical(mean, sd, alpha / 2.0)
    };
    (c >= 1 && c <= total.div_ceil(2)).then_some(c)
}

/// The largest `c` with `Σ_{s < c} counts[s] / all ≤ tail`.
fn lower_tail_count(counts: &[f64], all: f64, tail: f64) -> usize {
    let mut cum = 0.0;
    for (s, &k) in counts.iter().enumerate() {
        cum += k / all;
        // Tolerance for floating-point sums at exactly the tail probability.
        if cum > tail * (1.0 + 1e-9) {
            return s;
        }
    }
    counts.len()
}

/// Normal approximation (with continuity correction) of the critical count.
fn normal_critical(mean: f64, sd: f64, tail: f64) -> usize {
    let z = inverse_normal_cdf(1.0 - tail);
    (mean - z * sd + 0.5).floor().max(0.0) as usize
}

/// Standard normal CDF, via the complementary error function (Numerical Recipes' erfc, error
/// below 1.2e-7 everywhere).
pub(crate) fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x);
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    if z >= 0.0 {
        1.0 - erfc / 2.0
    } else {
        erfc / 2.0
    }
}

/// Inverse of `normal_cdf` by bisection (monotone, 80 halvings reach f64 precision).
pub(crate) fn inverse_normal_cdf(p: f64) -> f64 {
    let (mut lo, mut hi) = (-40.0, 40.0);
    for _ in 0..80 {
        let mid = (lo + hi) / 2.0;
        if normal_cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_values_match_published_tables() {
        // Wilcoxon signed-rank, two-sided 5%: n = 10 rejects at T ≤ 8, so the interval runs
        // from the 9th Walsh average; n = 20: T ≤ 52 (Hollander & Wolfe, Table A.4).
        assert_eq!(signed_rank_critical(10, 0.05), Some(9));
        assert_eq!(signed_rank_critical(20, 0.05), Some(53));
        // The smallest p-value with 5 pairs is 2/32 = 0.0625: no 95% interval.
        assert_eq!(signed_rank_critical(5, 0.05), None);
        assert_eq!(signed_rank_critical(6, 0.05), Some(1));
        // Mann–Whitney, two-sided 5%: m = n = 10 rejects at U ≤ 23.
        assert_eq!(rank_sum_critical(10, 10, 0.05), Some(24));
        // The normal approximation agrees with the exact count near the boundary.
        let exact = signed_rank_critical(EXACT_MAX_N, 0.01).unwrap();
        let nf = EXACT_MAX_N as f64;
        let approx = normal_critical(
            nf * (nf + 1.0) / 4.0,
            (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0).sqrt(),
            0.005,
        );
        assert!(
            (exact as f64 - approx as f64).abs() / (exact as f64) < 0.005,
            "{exact} vs {approx}"
        );
    }

    #[test]
    fn intervals_and_estimates() {
        let d = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
        assert!((hodges_lehmann(&d).unwrap() - 0.55).abs() < 1e-12);
        let (lo, hi) = signed_rank_interval(&d, 0.05).unwrap();
        assert!(lo < 0.55 && 0.55 < hi && lo > 0.1 && hi < 1.0, "{lo} {hi}");
        // Identical values: a zero-width interval at the value.
        assert_eq!(signed_rank_interval(&[0.0; 12], 0.01), Some((0.0, 0.0)));
        let y = [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0];
        let x = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
        assert_eq!(hodges_lehmann_shift(&y, &x), Some(2.0));
        let (lo, hi) = rank_sum_interval(&y, &x, 0.05).unwrap();
        assert!(lo <= 2.0 && hi >= 2.0 && lo > -3.0 && hi < 7.0, "{lo} {hi}");
        assert_eq!(rank_sum_interval(&[1.0, 2.0], &[1.0, 2.0], 0.05), None);
    }

    #[test]
    fn normal_cdf_and_inverse() {
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-3.0) - 0.001_349_9).abs() < 1e-6);
        assert!((inverse_normal_cdf(0.975) - 1.959_964).abs() < 1e-5);
    }
}

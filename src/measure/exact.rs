//! Exact metrics (instruction counts, estimated cycles) in the one decision engine: how they are
//! compared, and how many runs that needs.
//!
//! "Exact" means the count does not depend on what else the machine is doing: cachegrind counts
//! the instructions the program executes, not time. It is *nearly* repeatable, not perfectly:
//! ASLR moves addresses (and so hash values of pointer keys, allocator paths), `HashMap`'s random
//! seed changes iteration order and probe lengths, and the environment (its size shifts the
//! stack) can change a few instructions. A count has no machine drift for rounds to cancel, so
//! the runs of each side are compared as independent samples: the rank-sum (Mann–Whitney)
//! interval of the log-ratio, at the same sequential levels as every other metric. It is
//! distribution-free: identical builds are called different at most at the design's error rate
//! however much or little the counts drift. With `n` runs a side the smallest level it can
//! reach is `2 / C(2n, n)`: 2.9% at 4 runs, so 4 runs a side is the least that can decide at 95%,
//! and one comparison among several (Holm's shares of 5%) needs 5 or 6.

/// The default runs per side of an exact metric: one look at 6 runs, enough to decide up to 23
/// comparisons in one run at 95% together (`2 / C(12, 6)` is 0.22%, under 5% / 23; five runs
/// would stop at six comparisons, fewer than an `auto` final run can ask).
pub(crate) const DEFAULT_RUNS: u32 = 6;

/// The smallest two-sided level `n` and `m` independent runs can reach: `2 / C(n + m, n)`.
pub(crate) fn smallest_level(n: usize, m: usize) -> f64 {
    let (n, m) = (n.min(m) as f64, n.max(m) as f64);
    // C(n + m, n) = Π_{i=1..n} (m + i) / i
    let c: f64 = (1..=n as usize)
        .map(|i| (m + i as f64) / i as f64)
        .product();
    2.0 / c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_levels_of_a_few_runs() {
        assert!((smallest_level(3, 3) - 0.1).abs() < 1e-12);
        assert!((smallest_level(4, 4) - 2.0 / 70.0).abs() < 1e-12);
        assert!((smallest_level(5, 5) - 2.0 / 252.0).abs() < 1e-12);
        assert!((smallest_level(1, 1) - 1.0).abs() < 1e-12);
        assert!(smallest_level(4, 4) < 0.05);
        assert!(smallest_level(3, 3) > 0.05);
        assert!(smallest_level(DEFAULT_RUNS as usize, DEFAULT_RUNS as usize) < 0.05 / 23.0);
    }
}

//! Comparing exact metrics (instruction counts, estimated cycles): no bootstrap, the ratio of
//! medians and the spread the runs actually showed.
//!
//! "Exact" means the count does not depend on what else the machine is doing: cachegrind counts
//! the instructions the program executes, not time. It is *nearly* repeatable, not perfectly:
//! ASLR moves addresses (and so hash values of pointer keys, allocator paths), `HashMap`'s random
//! seed changes iteration order and probe lengths, and the environment (its size shifts the
//! stack) can change a few instructions. On the bundled CLI the drift between runs of one binary
//! is below 0.01% (see the README); the noise threshold of 0.1% that `--metric instructions`
//! defaults to is ten times that. A difference counts only when it is beyond the threshold *and*
//! beyond every run-to-run difference observed, so a program whose count does drift (a random
//! seed that changes the work) is reported within noise instead of better or worse.

use crate::measure::comparison::Comparison;
use crate::measure::stats::{Direction, Verdict};

/// Compares `variant` with `baseline` (`(round, value)` pairs, as `Series::values` gives them):
/// the ratio of the medians, and as `lo`/`hi` the smallest and largest ratio of any variant run
/// to any baseline run (zero width when every run counted the same). `None` when a side has no
/// value or the baseline's median is not positive.
pub fn compare(
    variant: &[(u32, f64)],
    baseline: &[(u32, f64)],
    noise: f64,
    direction: Direction,
) -> Option<Comparison> {
    let v: Vec<f64> = variant.iter().map(|p| p.1).collect();
    let b: Vec<f64> = baseline.iter().map(|p| p.1).collect();
    let (vm, bm) = (
        crate::measure::stats::median(&v)?,
        crate::measure::stats::median(&b)?,
    );
    let (vmin, vmax) = min_max(&v);
    let (bmin, bmax) = min_max(&b);
    if bm <= 0.0 || bmin <= 0.0 {
        return None;
    }
    let ratio = vm / bm;
    let (lo, hi) = (vmin / bmax, vmax / bmin);
    Some(Comparison {
        ratio,
        lo,
        hi,
        paired: false,
        verdict: verdict(ratio, lo, hi, noise, direction),
    })
}

/// Several workloads' exact comparisons (time-like: below 1 is better) as one: the geometric
/// mean of the ratios and of the spreads' ends. Any single workload worse beyond noise vetoes.
pub fn combine(each: &[Comparison], noise: f64) -> Option<Comparison> {
    if each.is_empty() {
        return None;
    }
    let n = each.len() as f64;
    let gm = |f: fn(&Comparison) -> f64| (each.iter().map(|c| f(c).ln()).sum::<f64>() / n).exp();
    let (ratio, lo, hi) = (gm(|c| c.ratio), gm(|c| c.lo), gm(|c| c.hi));
    let mut verdict = verdict(ratio, lo, hi, noise, Direction::LowerIsBetter);
    if each.iter().any(|c| c.verdict == Verdict::Worse) {
        verdict = Verdict::Worse;
    }
    Some(Comparison {
        ratio,
        lo,
        hi,
        paired: false,
        verdict,
    })
}

/// Real when the ratio is beyond the threshold and the whole observed spread is on its side of 1.
fn verdict(ratio: f64, lo: f64, hi: f64, noise: f64, direction: Direction) -> Verdict {
    let (up, down) = (
        ratio > 1.0 + noise && lo > 1.0,
        ratio < 1.0 - noise && hi < 1.0,
    );
    match (direction, up, down) {
        (Direction::LowerIsBetter, true, _) | (Direction::HigherIsBetter, _, true) => {
            Verdict::Worse
        }
        (Direction::LowerIsBetter, _, true) | (Direction::HigherIsBetter, true, _) => {
            Verdict::Better
        }
        // The counts differ beyond the threshold, but the runs' own spread crosses 1.
        _ if (ratio - 1.0).abs() > noise => Verdict::Undecided,
        _ => Verdict::WithinNoise,
    }
}

fn min_max(xs: &[f64]) -> (f64, f64) {
    xs.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(xs: &[f64]) -> Vec<(u32, f64)> {
        xs.iter().enumerate().map(|(i, &x)| (i as u32, x)).collect()
    }

    const T: f64 = 0.001;

    #[test]
    fn identical_counts_are_exactly_equal_with_one_run() {
        let c = compare(
            &runs(&[1.086e9]),
            &runs(&[1.086e9]),
            T,
            Direction::LowerIsBetter,
        )
        .unwrap();
        assert_eq!((c.ratio, c.lo, c.hi), (1.0, 1.0, 1.0));
        assert_eq!(c.verdict, Verdict::WithinNoise);
    }

    #[test]
    fn one_run_each_decides_a_small_real_difference() {
        let c = compare(
            &runs(&[1.061e9]),
            &runs(&[1.086e9]),
            T,
            Direction::LowerIsBetter,
        )
        .unwrap();
        assert_eq!(c.verdict, Verdict::Better);
        assert!((c.change_pct() + 2.302).abs() < 0.01, "{c:?}");
        assert_eq!(c.lo, c.hi);
        let worse = compare(
            &runs(&[1.003e9]),
            &runs(&[1.0e9]),
            T,
            Direction::LowerIsBetter,
        )
        .unwrap();
        assert_eq!(worse.verdict, Verdict::Worse);
    }

    #[test]
    fn below_the_threshold_is_noise_and_within_the_spread_is_undecided() {
        // 0.05%: below the 0.1% threshold.
        let c = compare(
            &runs(&[1.0005e9]),
            &runs(&[1.0e9]),
            T,
            Direction::LowerIsBetter,
        )
        .unwrap();
        assert_eq!(c.verdict, Verdict::WithinNoise);
        // 0.5% apart in the medians, but the runs themselves drift by 1%.
        let c = compare(
            &runs(&[1.005e9, 0.995e9, 1.005e9]),
            &runs(&[1.0e9, 1.0e9, 0.99e9]),
            T,
            Direction::LowerIsBetter,
        )
        .unwrap();
        assert!(c.lo < 1.0 && c.hi > 1.0, "{c:?}");
        // Beyond the threshold but not beyond the runs' own drift: neither shown nor ruled out.
        assert_eq!(c.verdict, Verdict::Undecided);
    }

    #[test]
    fn direction_and_degenerate_input() {
        let c = compare(
            &runs(&[110.0]),
            &runs(&[100.0]),
            T,
            Direction::HigherIsBetter,
        )
        .unwrap();
        assert_eq!(c.verdict, Verdict::Better);
        assert!(compare(&[], &runs(&[1.0]), T, Direction::LowerIsBetter).is_none());
        assert!(compare(&runs(&[1.0]), &runs(&[0.0]), T, Direction::LowerIsBetter).is_none());
    }

    #[test]
    fn combining_workloads_vetoes_a_slower_one() {
        let one =
            |v: f64| compare(&runs(&[v]), &runs(&[1.0]), T, Direction::LowerIsBetter).unwrap();
        let both = combine(&[one(0.95), one(0.97)], T).unwrap();
        assert_eq!(both.verdict, Verdict::Better);
        assert!((both.ratio - (0.95f64 * 0.97).sqrt()).abs() < 1e-12);
        let mixed = combine(&[one(0.90), one(1.01)], T).unwrap();
        assert_eq!(mixed.verdict, Verdict::Worse);
        assert!(combine(&[], T).is_none());
    }
}

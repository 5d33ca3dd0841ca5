//! The smallest change a run could find, at a stated power: "changes of X% or more are found
//! about 80% of the time at this noise".
//!
//! A comparison's interval at level `a` has half-width `z₁₋a/₂ · SE` on the log scale, so its
//! width gives the standard error of the estimate. A true change of `band + (z₁₋a/₂ + z₀.₈) · SE`
//! puts the estimate's whole interval beyond the band in 80% of runs like this one: that is the
//! detectable change. (Band plus half-width, which this replaces, is found only about half the
//! time.)

use crate::measure::comparison::Comparison;
use crate::measure::stats::rank::inverse_normal_cdf;

/// The power the detectable change is stated at.
pub(crate) const POWER: f64 = 0.8;

/// The change (a fraction, e.g. 0.034 for 3.4%) found with probability `POWER` by a comparison
/// like `c` (same noise, same runs, same level) against a noise band of `band`.
pub(crate) fn detectable(c: &Comparison, band: f64, fallback_confidence: f64) -> Option<f64> {
    let confidence = c.confidence.unwrap_or(fallback_confidence);
    if !(c.lo > 0.0 && c.hi >= c.lo && confidence > 0.0 && confidence < 1.0) {
        return None;
    }
    let z = inverse_normal_cdf(1.0 - (1.0 - confidence) / 2.0);
    let se = (c.hi.ln() - c.lo.ln()) / 2.0 / z;
    let shift = (1.0 + band).ln() + (z + inverse_normal_cdf(POWER)) * se;
    Some(shift.exp() - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::stats::Verdict;

    #[test]
    fn band_plus_the_power_margin() {
        // ±2% at 95%: SE = ln(1.02 / 0.98) / 2 / 1.96 ≈ 1.02%; 1% + (1.96 + 0.84) · 1.02% ≈ 3.9%.
        let c = Comparison {
            ratio: 1.0,
            lo: 0.98,
            hi: 1.02,
            confidence: Some(0.95),
            paired: true,
            verdict: Verdict::Undecided,
            held_out: false,
        };
        let d = detectable(&c, 0.01, 0.95).unwrap();
        assert!((d - 0.0393).abs() < 0.001, "{d}");
        // More than band + half-width, which is found only half the time.
        assert!(d > 0.01 + 0.02);
        // An exact tie has nothing to add to the band.
        assert!((detectable(&Comparison::SAME, 0.01, 0.95).unwrap() - 0.01).abs() < 1e-12);
    }
}

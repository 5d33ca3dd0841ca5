//! Several comparisons in one run as one family: Holm's step-down procedure over the questions a
//! run asks (each variant against the baseline per workload in `compare`; the candidates of an
//! `auto` step against its reference), so that the chance of any false verdict in the whole
//! table, not only in each row, stays at the design's error rate.
//!
//! Each question first gets `α / m` of the error rate (m questions). Those decided at that share
//! (faster, slower, or within the band) pass theirs on: the rest are tried again at
//! `α / (m − decided)`, until no more are decided. Every share is spent through the sequential
//! design (its level at this look for that share), which is how Holm's procedure is combined with
//! group-sequential looks (Maurer & Bretz 2013). Each comparison keeps the level it was decided
//! at: that is its interval's confidence. A false verdict means an interval that missed the true
//! ratio at its own level, so the usual Holm argument bounds the family's error by `α`.

use crate::measure::comparison::Comparison;
use crate::measure::decide::{self, Arm, Levels, Undecidable};

/// Decides `questions` (each one comparison, joint over its arms) as one family of error rate
/// `alpha`; `noise[i]` is question `i`'s band (the noise threshold, or a wider layout band).
/// `level(a)` is the level a test of error rate `a` gets at this analysis (0 when it cannot
/// decide here). Questions that cannot be analysed at all (no samples) do not count towards
/// the family's size.
pub(crate) fn decide(
    questions: &[Vec<Arm>],
    alpha: f64,
    noise: &[f64],
    level: Levels,
) -> Vec<Result<Comparison, Undecidable>> {
    let at = |share: f64| move |part: f64| level(share * part);
    let mut out: Vec<Option<Result<Comparison, Undecidable>>> = vec![None; questions.len()];
    // Questions that cannot be analysed are settled first, outside the family.
    for (i, q) in questions.iter().enumerate() {
        if let Err(e @ Undecidable::Samples(_)) = decide::joint(q, &at(alpha), noise[i]) {
            out[i] = Some(Err(e));
        }
    }
    let mut open: Vec<usize> = (0..questions.len()).filter(|&i| out[i].is_none()).collect();
    while !open.is_empty() {
        let share = alpha / open.len() as f64;
        let judged: Vec<(usize, Result<Comparison, Undecidable>)> = open
            .iter()
            .map(|&i| (i, decide::joint(&questions[i], &at(share), noise[i])))
            .collect();
        let decided: Vec<usize> = judged
            .iter()
            .filter(|(_, r)| r.as_ref().is_ok_and(|c| c.verdict.is_decided()))
            .map(|(i, _)| *i)
            .collect();
        for (i, r) in judged {
            out[i] = Some(r);
        }
        if decided.is_empty() {
            break;
        }
        open.retain(|i| !decided.contains(i));
    }
    out.into_iter()
        .map(|r| r.expect("every question is judged"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::stats::{Direction, Verdict};

    fn rounds(xs: impl Iterator<Item = f64>) -> Vec<(u32, f64)> {
        xs.enumerate().map(|(i, x)| (i as u32, x)).collect()
    }

    #[test]
    fn a_clear_winner_frees_its_share_for_the_others() {
        let base = rounds((0..7).map(|_| 1.0));
        let clear = rounds((0..7).map(|i| 0.5 + 0.001 * f64::from(i)));
        // Six rounds 5% faster and one only 0.5%: at 2.5% the interval (all seven rounds)
        // reaches into the ±1% band; at 5% it does not.
        let close = rounds((0..7).map(|i| if i == 3 { 0.995 } else { 0.95 }));
        let arm = |v| Arm {
            variant: v,
            reference: &base,
            direction: Direction::LowerIsBetter,
            exact: false,
        };
        let fixed = |a: f64| a;
        let alone = decide::joint(&[arm(&close)], &|p| 0.025 * p, 0.01).unwrap();
        assert_eq!(alone.verdict, Verdict::Undecided, "{alone:?}");
        let both = decide(
            &[vec![arm(&clear)], vec![arm(&close)]],
            0.05,
            &[0.01; 2],
            &fixed,
        );
        let (a, b) = (both[0].unwrap(), both[1].unwrap());
        assert_eq!(a.verdict, Verdict::Better);
        assert_eq!(a.confidence, Some(0.975));
        // The close one is tried again at the whole 5% once the clear one is decided.
        assert_eq!(b.confidence, Some(0.95), "{b:?}");
        assert_eq!(b.verdict, Verdict::Better);
    }
}

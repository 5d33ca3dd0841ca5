//! What one measurement says about a candidate: its speed relative to the run's reference
//! (combined over workloads), its size and compile time, and the balanced score.

use crate::measure::comparison::Comparison;
use crate::measure::stats::Verdict;

/// Whether `speed` (against the baseline) is shown to stay within an allowed slowdown: its whole
/// interval lies below `1 + allowed`. A slowdown that is only undecided is not within it.
pub(crate) fn within_slowdown(speed: &Comparison, allowed: f64) -> bool {
    speed.hi <= 1.0 + allowed
}

/// The speed-up factor the balanced score counts: 1 unless the change is established.
pub(crate) fn counted_speedup(speed: &Comparison) -> f64 {
    match speed.verdict {
        Verdict::Better | Verdict::Worse => 1.0 / speed.ratio,
        Verdict::WithinNoise | Verdict::Undecided => 1.0,
    }
}

/// The balanced score: speed-up × size ratio^-0.1 × compile-time ratio^-0.1. Doubling the
/// compile time (or the size) must buy about 7% of speed to pay off (2^0.1 ≈ 1.072).
pub(crate) fn balanced_score(speed: &Comparison, size_ratio: f64, compile_ratio: f64) -> f64 {
    counted_speedup(speed) * size_ratio.max(1e-9).powf(-0.1) * compile_ratio.max(1e-9).powf(-0.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::measure::Settings;
    use crate::measure::WorkloadKind;
    use crate::measure::stats::Verdict;
    use crate::measure::testing::Behaviour;
    use crate::run::Run;

    /// A measured run of mock variants on a command and a service workload.
    fn run_of(seed: u64, behaviour: Vec<Vec<Behaviour>>) -> Run {
        let settings = Settings {
            min_runs: 12,
            max_runs: 12,
            warmup: 0,
            seed,
            resamples: 400,
            ..Settings::default()
        };
        let workloads = [
            ("cli", WorkloadKind::Command),
            ("api", WorkloadKind::Service),
        ];
        Run::mock_measured(settings, &workloads, behaviour)
    }

    fn pair(wall: f64, rps: f64) -> Vec<Behaviour> {
        vec![
            Behaviour::command(wall, 0.01),
            Behaviour::service(rps, 0.015),
        ]
    }

    #[test]
    fn identical_variants_are_not_called_different_and_a_five_percent_gain_is_found() {
        let trials = 40;
        let mut noise_ok = 0;
        let mut found = 0;
        for seed in 0..trials {
            let run = run_of(
                seed,
                vec![pair(1.0, 1000.0), pair(1.0, 1000.0), pair(0.95, 1050.0)],
            );
            noise_ok += usize::from(!matches!(
                run.speed(1, 0).unwrap().verdict,
                Verdict::Better | Verdict::Worse
            ));
            let faster = run.speed(2, 0).unwrap();
            found += usize::from(faster.verdict == Verdict::Better && faster.ratio < 0.97);
        }
        assert!(
            noise_ok * 100 >= trials as usize * 95,
            "identical not called different in {noise_ok}/{trials}"
        );
        assert!(
            found * 100 >= trials as usize * 95,
            "5% gain found in {found}/{trials}"
        );
    }

    #[test]
    fn direction_and_failures() {
        // More req/s is faster; the inverse comparison says slower.
        let run = run_of(3, vec![pair(1.0, 1000.0), pair(1.0, 1300.0)]);
        let sp = run.speed(1, 0).unwrap();
        assert!(
            sp.ratio < 0.9 && sp.lo <= sp.ratio && sp.ratio <= sp.hi,
            "{sp:?}"
        );
        assert_eq!(run.speed(0, 1).unwrap().verdict, Verdict::Worse);
        // 20% faster on one workload, 10% slower on the other: the slowdown vetoes.
        let run = run_of(5, vec![pair(1.0, 1000.0), pair(0.8, 900.0)]);
        assert_eq!(run.speed(1, 0).unwrap().verdict, Verdict::Worse);
        let failing = vec![
            Behaviour::command(1.0, 0.01).fail_on(0, "boom"),
            Behaviour::service(1000.0, 0.01),
        ];
        let run = run_of(4, vec![pair(1.0, 1000.0), failing]);
        assert!(run.speed(1, 0).unwrap_err().contains("boom"));
    }

    #[test]
    fn counted_speedup_ignores_noise() {
        let noise = Comparison {
            ratio: 0.98,
            lo: 0.95,
            hi: 1.01,
            confidence: None,
            paired: true,
            verdict: Verdict::WithinNoise,
            held_out: false,
        };
        assert_eq!(counted_speedup(&noise), 1.0);
        let real = Comparison {
            ratio: 0.8,
            lo: 0.78,
            hi: 0.82,
            confidence: None,
            paired: true,
            verdict: Verdict::Better,
            held_out: false,
        };
        assert!((counted_speedup(&real) - 1.25).abs() < 1e-9);
    }

    #[test]
    fn balanced_score_trades_speed_for_cost() {
        let ten_pct = Comparison {
            ratio: 1.0 / 1.1,
            lo: 0.88,
            hi: 0.92,
            confidence: None,
            paired: true,
            verdict: Verdict::Better,
            held_out: false,
        };
        // 10% faster at twice the compile time is still worth it; 5% is not.
        assert!(balanced_score(&ten_pct, 1.0, 2.0) > 1.0);
        let five_pct = Comparison {
            ratio: 1.0 / 1.05,
            lo: 0.94,
            hi: 0.96,
            confidence: None,
            paired: true,
            verdict: Verdict::Better,
            held_out: false,
        };
        assert!(balanced_score(&five_pct, 1.0, 2.0) < 1.0);
        // Half the size counts like ~7% of speed.
        assert!(balanced_score(&Comparison::SAME, 0.5, 1.0) > 1.07);
    }

    #[test]
    fn slowdown_allowance() {
        let slower = Comparison {
            ratio: 1.05,
            lo: 1.03,
            hi: 1.07,
            confidence: None,
            paired: true,
            verdict: Verdict::Worse,
            held_out: false,
        };
        assert!(!within_slowdown(&slower, 0.01));
        assert!(within_slowdown(&slower, 0.10));
        // Undecided: the point estimate is within 1%, but a 2% slowdown is not ruled out, so it
        // is not shown to be within a 1% allowance (it is within 2%).
        let noisy = Comparison {
            ratio: 1.004,
            lo: 0.99,
            hi: 1.02,
            confidence: None,
            paired: true,
            verdict: Verdict::Undecided,
            held_out: false,
        };
        assert!(!within_slowdown(&noisy, 0.01));
        assert!(within_slowdown(&noisy, 0.02));
    }
}

//! What one measurement says about a candidate: its speed relative to the run's reference
//! (combined over workloads), its size and compile time, and the balanced score.

use serde::{Deserialize, Serialize};

use crate::config::WorkloadKind;
use crate::measure::Metric;
use crate::measure::decide::{self, Arm};
use crate::measure::stats::Verdict;
use crate::report::Run;
use crate::ui::first_line;

/// Which metric decides for service workloads (command workloads always use wall time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum SpeedMetric {
    /// Requests per second (higher is better)
    Rps,
    /// 99th-percentile latency (lower is better)
    P99,
}

impl SpeedMetric {
    pub fn for_kind(self, kind: WorkloadKind) -> Metric {
        match (kind, self) {
            (WorkloadKind::Command, _) => Metric::Wall,
            (WorkloadKind::Service, SpeedMetric::Rps) => Metric::RequestsPerSec,
            (WorkloadKind::Service, SpeedMetric::P99) => Metric::P99,
        }
    }
}

/// A candidate's speed against a reference, over all workloads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Speed {
    /// Over workloads, the geometric mean of the time-like ratio (candidate / reference; for
    /// req/s the inverse), so below 1 is faster; `lo`/`hi` is its interval (`measure::decide`).
    pub time_ratio: f64,
    pub lo: f64,
    pub hi: f64,
    /// Better when the combined interval lies beyond the noise threshold on the good side and no
    /// single workload is clearly worse; Worse when the combined interval is, or any workload is;
    /// WithinNoise when it lies inside the band; Undecided across an edge.
    pub verdict: Verdict,
}

impl Speed {
    pub const SAME: Speed = Speed {
        time_ratio: 1.0,
        lo: 1.0,
        hi: 1.0,
        verdict: Verdict::WithinNoise,
    };

    /// Relative change of time in percent (negative is faster).
    pub fn change_pct(&self) -> f64 {
        (self.time_ratio - 1.0) * 100.0
    }

    pub fn half_width_pct(&self) -> f64 {
        (self.hi - self.lo) / 2.0 * 100.0
    }

    /// The speed-up factor counted by the balanced score: 1 unless the change is established.
    pub fn counted_speedup(&self) -> f64 {
        match self.verdict {
            Verdict::Better | Verdict::Worse => 1.0 / self.time_ratio,
            Verdict::WithinNoise | Verdict::Undecided => 1.0,
        }
    }
}

/// Speed of variant `v` against variant `reference` of `run`, over all workloads, decided by
/// `measure::decide::joint` at the level of the run's final analysis — the same engine and level
/// as the table, so a single workload against the baseline gets exactly the table's verdict.
/// `Err` with the reason when a workload failed for either or was not measured.
pub fn speed(run: &Run, v: usize, reference: usize, metric: SpeedMetric) -> Result<Speed, String> {
    let mut values = Vec::new();
    for (w, info) in run.workloads.iter().enumerate() {
        let m = match info.kind {
            WorkloadKind::Command => run.settings.primary(info.kind),
            WorkloadKind::Service => metric.for_kind(info.kind),
        };
        let series = |i: usize| {
            let variant = &run.variants[i];
            let meas = variant.measurements.get(w).ok_or_else(|| {
                variant
                    .failure
                    .clone()
                    .unwrap_or_else(|| format!("{} was not measured", variant.name))
            })?;
            if let Some(f) = &meas.failure {
                return Err(format!(
                    "{} failed on {}: {}",
                    variant.name,
                    info.name,
                    first_line(f)
                ));
            }
            Ok(meas.series().values(m))
        };
        values.push((series(v)?, series(reference)?, m));
    }
    if values.is_empty() {
        return Err("no workload was measured".into());
    }
    let arms: Vec<Arm> = values
        .iter()
        .map(|(a, b, m)| Arm {
            variant: a,
            reference: b,
            direction: m.direction(),
            exact: m.is_exact(),
        })
        .collect();
    let alpha = 1.0 - run.confidence();
    let j = decide::joint(&arms, alpha, run.settings.noise_threshold).map_err(|w| {
        format!(
            "too few samples of {} on {}",
            run.variants[v].name, run.workloads[w].name
        )
    })?;
    let Some((lo, hi)) = j.interval else {
        return Err(format!(
            "too few rounds to compare {} with {} (an interval needs at least 6)",
            run.variants[v].name, run.variants[reference].name
        ));
    };
    Ok(Speed {
        time_ratio: j.ratio,
        lo,
        hi,
        verdict: j.verdict,
    })
}

/// Whether `speed` (against the baseline) stays within an allowed slowdown: the median is
/// within it and the slowdown is not established beyond it.
pub fn within_slowdown(speed: &Speed, allowed: f64) -> bool {
    speed.time_ratio <= 1.0 + allowed && speed.lo <= 1.0 + allowed
}

/// The balanced score: speed-up × size ratio^-0.1 × compile-time ratio^-0.1. Doubling the
/// compile time (or the size) must buy about 7% of speed to pay off (2^0.1 ≈ 1.072).
pub fn balanced_score(speed: &Speed, size_ratio: f64, compile_ratio: f64) -> f64 {
    speed.counted_speedup() * size_ratio.max(1e-9).powf(-0.1) * compile_ratio.max(1e-9).powf(-0.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::measure::testing::{Behaviour, MockExecutor};
    use crate::measure::{NoProgress, Settings};
    use crate::report::{
        BuildInfo, HostInfo, ProjectInfo, RunCommand, VariantResult, WorkloadInfo,
    };
    use crate::variant::Variant;

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
        let host = HostInfo::example();
        let project = ProjectInfo {
            root: "/p".into(),
            package: "p".into(),
            bin: "p".into(),
        };
        let mut run = Run::new(RunCommand::Auto, project, host, settings);
        for (name, kind) in [
            ("cli", WorkloadKind::Command),
            ("api", WorkloadKind::Service),
        ] {
            run.workloads.push(WorkloadInfo {
                name: name.into(),
                kind,
            });
        }
        for v in 0..behaviour.len() {
            let info = BuildInfo {
                binary: "/bin/true".into(),
                file_size_bytes: 1000,
                sections: None,
                compile_time_secs: 1.0,
                compile_time_cached: false,
                builds: 1,
            };
            run.variants.push(VariantResult::built(
                Variant::new(format!("v{v}"), "release"),
                vec![],
                info,
            ));
        }
        crate::lab::measure_run(
            &mut run,
            &mut MockExecutor::new(seed, behaviour),
            &mut NoProgress,
            Vec::new(),
        );
        run
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
                speed(&run, 1, 0, SpeedMetric::Rps).unwrap().verdict,
                Verdict::Better | Verdict::Worse
            ));
            let faster = speed(&run, 2, 0, SpeedMetric::Rps).unwrap();
            found += usize::from(faster.verdict == Verdict::Better && faster.time_ratio < 0.97);
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
        let sp = speed(&run, 1, 0, SpeedMetric::Rps).unwrap();
        assert!(
            sp.time_ratio < 0.9 && sp.lo <= sp.time_ratio && sp.time_ratio <= sp.hi,
            "{sp:?}"
        );
        assert_eq!(
            speed(&run, 0, 1, SpeedMetric::Rps).unwrap().verdict,
            Verdict::Worse
        );
        // 20% faster on one workload, 10% slower on the other: the slowdown vetoes.
        let run = run_of(5, vec![pair(1.0, 1000.0), pair(0.8, 900.0)]);
        assert_eq!(
            speed(&run, 1, 0, SpeedMetric::Rps).unwrap().verdict,
            Verdict::Worse
        );
        let failing = vec![
            Behaviour::command(1.0, 0.01).fail_on(0, "boom"),
            Behaviour::service(1000.0, 0.01),
        ];
        let run = run_of(4, vec![pair(1.0, 1000.0), failing]);
        assert!(
            speed(&run, 1, 0, SpeedMetric::Rps)
                .unwrap_err()
                .contains("boom")
        );
    }

    #[test]
    fn counted_speedup_ignores_noise() {
        let noise = Speed {
            time_ratio: 0.98,
            lo: 0.95,
            hi: 1.01,
            verdict: Verdict::WithinNoise,
        };
        assert_eq!(noise.counted_speedup(), 1.0);
        let real = Speed {
            time_ratio: 0.8,
            lo: 0.78,
            hi: 0.82,
            verdict: Verdict::Better,
        };
        assert!((real.counted_speedup() - 1.25).abs() < 1e-9);
    }

    #[test]
    fn balanced_score_trades_speed_for_cost() {
        let ten_pct = Speed {
            time_ratio: 1.0 / 1.1,
            lo: 0.88,
            hi: 0.92,
            verdict: Verdict::Better,
        };
        // 10% faster at twice the compile time is still worth it; 5% is not.
        assert!(balanced_score(&ten_pct, 1.0, 2.0) > 1.0);
        let five_pct = Speed {
            time_ratio: 1.0 / 1.05,
            lo: 0.94,
            hi: 0.96,
            verdict: Verdict::Better,
        };
        assert!(balanced_score(&five_pct, 1.0, 2.0) < 1.0);
        // Half the size counts like ~7% of speed.
        assert!(balanced_score(&Speed::SAME, 0.5, 1.0) > 1.07);
    }

    #[test]
    fn slowdown_allowance() {
        let slower = Speed {
            time_ratio: 1.05,
            lo: 1.03,
            hi: 1.07,
            verdict: Verdict::Worse,
        };
        assert!(!within_slowdown(&slower, 0.01));
        assert!(within_slowdown(&slower, 0.10));
        let noisy = Speed {
            time_ratio: 1.004,
            lo: 0.99,
            hi: 1.02,
            verdict: Verdict::WithinNoise,
        };
        assert!(within_slowdown(&noisy, 0.01));
    }
}

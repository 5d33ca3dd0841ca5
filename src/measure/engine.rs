//! The measurement loop: warm-ups, then rounds that run every (variant, workload) pair once in a
//! fresh seeded random order, stopping adaptively once every comparison is decided, at
//! `max_runs`, at the time limit, or on Ctrl-C (keeping the partial result).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::config::WorkloadKind;
use crate::measure::progress::{Phase, Progress, Step};
use crate::measure::rng::Rng;
use crate::measure::sample::{Metric, Sample, SampleRecord, Series};
use crate::measure::settings::Settings;
use crate::measure::stats;
use crate::measure::summary;

/// Runs one workload against one variant's binary and measures it. `variant` and `workload`
/// index `Plan::variants` and `Plan::workloads`. The sample's kind must match the workload's.
/// An `Err` marks that pair failed (with the error's text as the reason); the others go on.
pub trait Executor {
    fn run(&mut self, variant: usize, workload: usize) -> Result<Sample>;
}

/// What to measure. Indices into `variants` and `workloads` are what the executor receives.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Variant names (for progress messages).
    pub variants: Vec<String>,
    /// Workload names and kinds.
    pub workloads: Vec<(String, WorkloadKind)>,
    /// The variant the others are compared with.
    pub baseline: usize,
    /// Variants not to run (their build failed); same length as `variants`.
    pub skip: Vec<bool>,
}

impl Plan {
    pub fn new(
        variants: Vec<String>,
        workloads: Vec<(String, WorkloadKind)>,
        baseline: usize,
    ) -> Plan {
        let skip = vec![false; variants.len()];
        Plan {
            variants,
            workloads,
            baseline,
            skip,
        }
    }
}

/// Why measuring ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Every comparison was clearly outside or clearly inside the noise band.
    Decided,
    MaxRuns,
    TimeLimit,
    /// The stop flag was set (Ctrl-C); the result is partial.
    Interrupted,
    /// No pair could be run (all builds or all workloads failed).
    NothingToMeasure,
}

/// The raw result of a measurement.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `series[variant][workload]`; skipped variants have empty series.
    pub series: Vec<Vec<Series>>,
    /// Completed rounds (warm-ups not counted).
    pub rounds: u32,
    pub stop: StopReason,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn interrupted(&self) -> bool {
        self.stop == StopReason::Interrupted
    }
}

struct Loop<'a> {
    plan: &'a Plan,
    settings: &'a Settings,
    exec: &'a mut dyn Executor,
    progress: &'a mut dyn Progress,
    stop: &'a AtomicBool,
    series: Vec<Vec<Series>>,
    started: Instant,
    sampling: Duration,
    samples_done: u64,
}

/// Measures `plan`. Never fails as a whole: an executor error marks its pair failed (the others
/// go on), and the stop flag or Ctrl-C ends the loop after the current sample.
pub fn measure(
    plan: &Plan,
    settings: &Settings,
    exec: &mut dyn Executor,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Outcome {
    let series = (0..plan.variants.len())
        .map(|_| {
            plan.workloads
                .iter()
                .map(|(_, kind)| Series::new(*kind))
                .collect()
        })
        .collect();
    let mut l = Loop {
        plan,
        settings,
        exec,
        progress,
        stop,
        series,
        started: Instant::now(),
        sampling: Duration::ZERO,
        samples_done: 0,
    };
    let (rounds, stop) = l.run();
    l.progress.finish();
    Outcome {
        series: l.series,
        rounds,
        stop,
        elapsed: l.started.elapsed(),
    }
}

impl Loop<'_> {
    fn run(&mut self) -> (u32, StopReason) {
        let mut rng = Rng::derived(self.settings.seed, &[u64::MAX]);
        for w in 0..self.settings.warmup {
            let mut order = self.live_pairs();
            if order.is_empty() {
                return (0, StopReason::NothingToMeasure);
            }
            rng.shuffle(&mut order);
            if !self.run_round(Phase::Warmup, w, &order) {
                return (0, StopReason::Interrupted);
            }
        }
        let mut rounds = 0;
        loop {
            if rounds >= self.settings.max_runs {
                return (rounds, StopReason::MaxRuns);
            }
            let mut order = self.live_pairs();
            if order.is_empty() {
                return (rounds, StopReason::NothingToMeasure);
            }
            if rounds >= self.settings.min_runs {
                if self.all_decided() {
                    return (rounds, StopReason::Decided);
                }
                if let Some(limit) = self.settings.time_limit {
                    let next_round = self.mean_sample() * order.len() as u32;
                    if self.started.elapsed() + next_round > limit {
                        return (rounds, StopReason::TimeLimit);
                    }
                }
            }
            rng.shuffle(&mut order);
            if !self.run_round(Phase::Measure, rounds, &order) {
                return (rounds, StopReason::Interrupted);
            }
            rounds += 1;
        }
    }

    /// Pairs still to run: variant not skipped, pair not failed.
    fn live_pairs(&self) -> Vec<(usize, usize)> {
        let mut pairs = Vec::new();
        for v in 0..self.plan.variants.len() {
            if self.skipped(v) {
                continue;
            }
            for w in 0..self.plan.workloads.len() {
                if self.series[v][w].failure.is_none() {
                    pairs.push((v, w));
                }
            }
        }
        pairs
    }

    fn skipped(&self, v: usize) -> bool {
        self.plan.skip.get(v).copied().unwrap_or(false)
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst) || crate::process::interrupted()
    }

    fn mean_sample(&self) -> Duration {
        if self.samples_done == 0 {
            Duration::ZERO
        } else {
            self.sampling / self.samples_done as u32
        }
    }

    /// Runs one round in `order`; false when stopped.
    fn run_round(&mut self, phase: Phase, round: u32, order: &[(usize, usize)]) -> bool {
        let per_round = order.len() as u64;
        for (i, &(v, w)) in order.iter().enumerate() {
            if self.stopped() {
                return false;
            }
            let remaining =
                self.remaining(phase, round, i as u64, per_round, self.settings.min_runs);
            let remaining_max =
                self.remaining(phase, round, i as u64, per_round, self.settings.max_runs);
            let mean = self.mean_sample();
            let eta = (self.samples_done > 0).then(|| mean * remaining as u32);
            let mut eta_max = (self.samples_done > 0).then(|| mean * remaining_max as u32);
            if let (Some(m), Some(limit)) = (eta_max, self.settings.time_limit) {
                let left = limit.saturating_sub(self.started.elapsed());
                eta_max = Some(m.min(left.max(eta.unwrap_or_default())));
            }
            let step = Step {
                phase,
                round: round + 1,
                max_rounds: match phase {
                    Phase::Warmup => self.settings.warmup,
                    Phase::Measure => self.settings.max_runs,
                },
                variant: &self.plan.variants[v],
                workload: &self.plan.workloads[w].0,
                done: self.samples_done,
                planned: self.samples_done + remaining,
                eta,
                eta_max,
            };
            self.progress.step(&step);

            let t = Instant::now();
            let result = self.exec.run(v, w);
            self.sampling += t.elapsed();
            self.samples_done += 1;
            // A run cut short by Ctrl-C is not the variant's fault: drop it, keep the rest.
            if result.is_err() && self.stopped() {
                return false;
            }
            let series = &mut self.series[v][w];
            match result {
                Ok(sample) if sample.kind() == series.kind => series.samples.push(SampleRecord {
                    round,
                    warmup: phase == Phase::Warmup,
                    outlier: None,
                    sample,
                }),
                Ok(sample) => {
                    series.failure = Some(format!(
                        "the executor returned a {} sample for a {} workload",
                        sample.kind(),
                        series.kind
                    ))
                }
                Err(e) => series.failure = Some(format!("{e:#}")),
            }
        }
        true
    }

    /// Samples left, the one at `index` of this round included, until `target` measured rounds.
    /// Counts full rounds of the pairs alive now (failures shrink later rounds).
    fn remaining(&self, phase: Phase, round: u32, index: u64, per_round: u64, target: u32) -> u64 {
        let (round, target) = (u64::from(round), u64::from(target));
        match phase {
            Phase::Warmup => {
                (u64::from(self.settings.warmup) - round) * per_round - index + target * per_round
            }
            Phase::Measure => per_round - index + target.saturating_sub(round + 1) * per_round,
        }
    }

    /// True when no comparison on the primary metric straddles an edge of the noise band.
    fn all_decided(&self) -> bool {
        let b = self.plan.baseline;
        if self.skipped(b) {
            return true;
        }
        for (w, (_, kind)) in self.plan.workloads.iter().enumerate() {
            let base = &self.series[b][w];
            if base.failure.is_some() {
                continue;
            }
            let metric = Metric::primary(*kind);
            for v in 0..self.plan.variants.len() {
                if v == b || self.skipped(v) || self.series[v][w].failure.is_some() {
                    continue;
                }
                let Some(c) =
                    summary::compare(&self.series[v][w], base, metric, self.settings, v, w)
                else {
                    continue; // no interval possible (e.g. zero baseline); more runs won't help
                };
                let interval = stats::Interval {
                    estimate: c.ratio,
                    lo: c.lo,
                    hi: c.hi,
                };
                if !stats::is_decided(&interval, self.settings.noise_threshold) {
                    return false;
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use super::*;
    use crate::measure::progress::NoProgress;
    use crate::measure::testing::{Behaviour, MockExecutor};

    fn settings(min: u32, max: u32) -> Settings {
        Settings {
            min_runs: min,
            max_runs: max,
            warmup: 1,
            seed: 7,
            resamples: 500,
            ..Settings::default()
        }
    }

    fn plan(variants: usize, workloads: &[WorkloadKind]) -> Plan {
        Plan::new(
            (0..variants).map(|v| format!("v{v}")).collect(),
            workloads
                .iter()
                .enumerate()
                .map(|(i, k)| (format!("w{i}"), *k))
                .collect(),
            0,
        )
    }

    fn run(plan: &Plan, s: &Settings, exec: &mut MockExecutor) -> Outcome {
        measure(plan, s, exec, &mut NoProgress, &AtomicBool::new(false))
    }

    #[test]
    fn rounds_cover_every_pair_once_in_changing_orders() {
        let p = plan(3, &[WorkloadKind::Command, WorkloadKind::Service]);
        let row = || {
            vec![
                Behaviour::command(1.0, 0.01),
                Behaviour::service(1000.0, 0.01),
            ]
        };
        let mut exec = MockExecutor::new(1, vec![row(), row(), row()]);
        let s = settings(6, 6);
        let out = run(&p, &s, &mut exec);
        assert_eq!(out.rounds, 6);
        assert_eq!(out.stop, StopReason::MaxRuns);
        assert_eq!(
            exec.calls.len(),
            6 * 7,
            "1 warm-up round + 6 rounds of 6 pairs"
        );
        let all: HashSet<(usize, usize)> =
            (0..3).flat_map(|v| (0..2).map(move |w| (v, w))).collect();
        let rounds: Vec<&[(usize, usize)]> = exec.calls.chunks(6).collect();
        for r in &rounds {
            assert_eq!(r.iter().copied().collect::<HashSet<_>>(), all, "{r:?}");
        }
        let distinct: HashSet<&[(usize, usize)]> = rounds.iter().copied().collect();
        assert!(distinct.len() >= 5, "orders barely change: {rounds:?}");
        for v in 0..3 {
            for w in 0..2 {
                let series = &out.series[v][w];
                assert_eq!(series.samples.len(), 7);
                assert!(series.samples[0].warmup);
                assert_eq!(series.runs(), 6);
                let measured: Vec<u32> = series.samples[1..].iter().map(|r| r.round).collect();
                assert_eq!(measured, (0..6).collect::<Vec<_>>());
            }
        }
        // Same seed, same order; another seed, another order.
        let mut again = MockExecutor::new(1, vec![row(), row(), row()]);
        run(&p, &s, &mut again);
        assert_eq!(again.calls, exec.calls);
        let mut other = MockExecutor::new(1, vec![row(), row(), row()]);
        run(&p, &Settings { seed: 8, ..s }, &mut other);
        assert_ne!(other.calls, exec.calls);
    }

    #[test]
    fn stops_early_when_clearly_decided() {
        let p = plan(3, &[WorkloadKind::Command]);
        let mut exec = MockExecutor::new(
            2,
            vec![
                vec![Behaviour::command(1.0, 0.005)],
                vec![Behaviour::command(0.8, 0.005)], // clearly faster
                vec![Behaviour::command(1.0, 0.001)], // clearly the same
            ],
        );
        let out = run(&p, &settings(5, 40), &mut exec);
        assert_eq!(out.stop, StopReason::Decided);
        assert_eq!(out.rounds, 5);
    }

    #[test]
    fn keeps_going_to_max_runs_while_undecided() {
        // A 1% difference with 3% noise straddles the edge of the ±1% band.
        let p = plan(2, &[WorkloadKind::Command]);
        let mut exec = MockExecutor::new(
            3,
            vec![
                vec![Behaviour::command(1.0, 0.03)],
                vec![Behaviour::command(1.01, 0.03)],
            ],
        );
        let out = run(&p, &settings(5, 25), &mut exec);
        assert_eq!(out.stop, StopReason::MaxRuns);
        assert_eq!(out.rounds, 25);
        assert_eq!(out.series[1][0].runs(), 25);
    }

    #[test]
    fn time_limit_ends_adaptive_rounds_but_not_min_runs() {
        let p = plan(2, &[WorkloadKind::Command]);
        let mut exec = MockExecutor::new(
            3,
            vec![
                vec![Behaviour::command(1.0, 0.03)],
                vec![Behaviour::command(1.01, 0.03)],
            ],
        );
        let s = Settings {
            time_limit: Some(Duration::ZERO),
            ..settings(5, 25)
        };
        let out = run(&p, &s, &mut exec);
        assert_eq!(out.stop, StopReason::TimeLimit);
        assert_eq!(out.rounds, 5);
    }

    #[test]
    fn a_failing_pair_does_not_stop_the_others() {
        let p = plan(3, &[WorkloadKind::Command, WorkloadKind::Command]);
        let ok = || Behaviour::command(1.0, 0.01);
        let mut exec = MockExecutor::new(
            4,
            vec![
                vec![ok(), ok()],
                vec![
                    ok().fail_on(3, "exit status 101: thread 'main' panicked"),
                    ok(),
                ],
                vec![ok(), ok()],
            ],
        );
        let out = run(&p, &settings(6, 6), &mut exec);
        assert_eq!(out.rounds, 6);
        let failed = &out.series[1][0];
        assert_eq!(
            failed.failure.as_deref(),
            Some("exit status 101: thread 'main' panicked")
        );
        assert_eq!(
            failed.samples.len(),
            3,
            "1 warm-up + 2 rounds before the failure"
        );
        assert_eq!(out.series[1][1].runs(), 6);
        assert_eq!(out.series[0][0].runs(), 6);
        assert_eq!(out.series[2][0].runs(), 6);
        assert_eq!(exec.calls.iter().filter(|c| **c == (1, 0)).count(), 4);
    }

    #[test]
    fn skipped_variants_are_not_run_and_nothing_left_is_reported() {
        let mut p = plan(2, &[WorkloadKind::Command]);
        p.skip[1] = true;
        let mut exec = MockExecutor::new(
            5,
            vec![
                vec![Behaviour::command(1.0, 0.01)],
                vec![Behaviour::command(1.0, 0.01)],
            ],
        );
        let out = run(&p, &settings(4, 4), &mut exec);
        assert!(exec.calls.iter().all(|c| c.0 == 0));
        assert!(out.series[1][0].samples.is_empty());
        p.skip[0] = true;
        let out = run(&p, &settings(4, 4), &mut exec);
        assert_eq!(out.stop, StopReason::NothingToMeasure);
    }

    #[test]
    fn a_sample_of_the_wrong_kind_fails_the_pair() {
        let p = plan(1, &[WorkloadKind::Command]);
        let mut exec = MockExecutor::new(6, vec![vec![Behaviour::service(10.0, 0.0)]]);
        let out = run(&p, &settings(3, 3), &mut exec);
        let f = out.series[0][0].failure.as_deref().unwrap();
        assert!(f.contains("service sample for a command workload"), "{f}");
        assert_eq!(out.stop, StopReason::NothingToMeasure);
    }

    #[test]
    fn stop_flag_keeps_the_partial_result() {
        let p = plan(2, &[WorkloadKind::Command]);
        let flag = Arc::new(AtomicBool::new(false));
        let mut exec = MockExecutor::new(
            7,
            vec![
                vec![Behaviour::command(1.0, 0.01)],
                vec![Behaviour::command(0.9, 0.01)],
            ],
        );
        exec.stop_after = Some((9, flag.clone()));
        let out = measure(&p, &settings(10, 10), &mut exec, &mut NoProgress, &flag);
        assert!(out.interrupted());
        assert_eq!(
            exec.calls.len(),
            9,
            "stops right after the sample that saw the flag"
        );
        // 2 warm-ups + 3 full rounds + 1 sample of round 4.
        assert_eq!(out.rounds, 3);
        let kept: usize = out.series.iter().map(|s| s[0].samples.len()).sum();
        assert_eq!(kept, 9);
        assert!(out.series.iter().all(|s| s[0].failure.is_none()));
    }

    #[test]
    fn an_error_caused_by_the_interruption_is_not_a_failure() {
        let p = plan(1, &[WorkloadKind::Command]);
        let flag = Arc::new(AtomicBool::new(false));
        let mut exec = MockExecutor::new(
            8,
            vec![vec![
                Behaviour::command(1.0, 0.01).fail_on(2, "killed by SIGTERM"),
            ]],
        );
        exec.stop_after = Some((3, flag.clone()));
        let out = measure(&p, &settings(5, 5), &mut exec, &mut NoProgress, &flag);
        assert!(out.interrupted());
        assert_eq!(out.series[0][0].failure, None);
        assert_eq!(out.series[0][0].samples.len(), 2);
    }

    #[test]
    fn progress_sees_every_sample_with_rounds_and_names() {
        struct Log(Vec<String>, bool);
        impl Progress for Log {
            fn step(&mut self, s: &Step<'_>) {
                assert!(s.done < s.planned, "{s:?}");
                self.0.push(format!(
                    "{:?} {} {} {}",
                    s.phase, s.round, s.variant, s.workload
                ));
            }
            fn finish(&mut self) {
                self.1 = true;
            }
        }
        let p = plan(2, &[WorkloadKind::Command]);
        let mut exec = MockExecutor::new(
            9,
            vec![
                vec![Behaviour::command(1.0, 0.01)],
                vec![Behaviour::command(1.0, 0.01)],
            ],
        );
        let mut log = Log(Vec::new(), false);
        measure(
            &p,
            &settings(3, 3),
            &mut exec,
            &mut log,
            &AtomicBool::new(false),
        );
        assert_eq!(log.0.len(), 8);
        assert!(log.0[0].starts_with("Warmup 1 v"), "{:?}", log.0);
        assert!(log.0[7].starts_with("Measure 3 v") && log.0[7].ends_with(" w0"));
        assert!(log.1);
    }
}

//! Engine tests with a mock executor: interleaving, adaptive stopping, failures, Ctrl-C.

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
            .map(|(i, k)| (format!("w{i}"), *k, Metric::default_deciding(*k, false)))
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
    let all: HashSet<(usize, usize)> = (0..3).flat_map(|v| (0..2).map(move |w| (v, w))).collect();
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
    let s = settings(5, 40);
    let out = run(&p, &s, &mut exec);
    assert_eq!(out.stop, StopReason::Decided);
    // Only at a planned look of the sequential design, and well before the maximum.
    let design = crate::measure::sequential::Design::new(&s);
    assert!(design.looks.contains(&out.rounds), "{}", out.rounds);
    assert!(out.rounds < 40, "{}", out.rounds);
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
fn skipped_pairs_are_never_run_nor_waited_for() {
    // A held-out fold: variant 2 runs only on workload 1.
    let mut p = plan(3, &[WorkloadKind::Command, WorkloadKind::Command]);
    p.skip_pairs = vec![(2, 0)];
    let b = || vec![Behaviour::command(1.0, 0.01), Behaviour::command(1.0, 0.01)];
    let mut exec = MockExecutor::new(5, vec![b(), b(), b()]);
    let out = run(&p, &settings(4, 4), &mut exec);
    assert!(!exec.calls.iter().any(|c| (c.0, c.1) == (2, 0)));
    assert!(exec.calls.iter().any(|c| (c.0, c.1) == (2, 1)));
    assert!(out.series[2][0].samples.is_empty());
    assert_eq!(
        out.series[2][1].samples.len(),
        5,
        "one warm-up, four rounds"
    );
    let questions = p.questions();
    assert!(
        !questions
            .iter()
            .any(|q| q.variant == 2 && q.workloads[0].0 == 0)
    );
    assert_eq!(questions.len(), 3);
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

#[path = "simulation.rs"]
mod simulation;

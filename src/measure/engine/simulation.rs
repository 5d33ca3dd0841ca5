//! Seeded simulations of the whole measurement loop (mock executor → engine with its sequential
//! looks → the verdict the table and `auto` print): how often identical builds are called
//! different, over all interim looks together, and how often a real 5% change is found.
//! Run with `--nocapture` to print the table docs/measuring.md quotes.

use std::sync::atomic::AtomicBool;

use crate::measure::decide::{self, Arm};
use crate::measure::progress::NoProgress;
use crate::measure::sample::Metric;
use crate::measure::sample::WorkloadKind;
use crate::measure::sequential::Design;
use crate::measure::stats::Verdict;
use crate::measure::testing::{Behaviour, MockExecutor, Shape};
use crate::measure::{Plan, Question, Settings, measure};

/// `compare`'s defaults and the settings of one `auto` step.
fn compare_settings(noise: f64, seed: u64) -> Settings {
    Settings {
        noise_threshold: noise,
        min_runs: 10,
        max_runs: 30,
        warmup: 0,
        seed,
        ..Settings::default()
    }
}

fn auto_settings(seed: u64) -> Settings {
    Settings {
        min_runs: 6,
        max_runs: 20,
        warmup: 0,
        seed,
        ..Settings::default()
    }
}

/// One simulated run of a variant against a baseline on `workloads`, decided jointly (as `auto`
/// does) over all of them; returns the final verdict and the rounds it took.
fn trial(settings: &Settings, rows: [Vec<Behaviour>; 2]) -> (Verdict, u32) {
    let kinds: Vec<(String, WorkloadKind)> = rows[0]
        .iter()
        .enumerate()
        .map(|(i, b)| (format!("w{i}"), b.kind))
        .collect();
    let mut plan = Plan::new(vec!["base".into(), "v".into()], kinds.clone(), 0);
    let metrics: Vec<(usize, Metric)> = kinds
        .iter()
        .enumerate()
        .map(|(w, (_, k))| (w, Metric::primary(*k)))
        .collect();
    plan.questions = vec![Question {
        variant: 1,
        reference: 0,
        workloads: metrics.clone(),
    }];
    let mut exec = MockExecutor::new(settings.seed ^ 0x9e37, rows.to_vec());
    let out = measure(
        &plan,
        settings,
        &mut exec,
        &mut NoProgress,
        &AtomicBool::new(false),
    );
    let alpha = Design::new(settings).final_level(out.rounds);
    let values: Vec<_> = metrics
        .iter()
        .map(|&(w, m)| {
            (
                out.series[1][w].values(m),
                out.series[0][w].values(m),
                m.direction(),
            )
        })
        .collect();
    let arms: Vec<Arm> = values
        .iter()
        .map(|(v, r, d)| Arm {
            variant: v,
            reference: r,
            direction: *d,
            exact: false,
        })
        .collect();
    let j = decide::joint(&arms, alpha, settings.noise_threshold).expect("enough samples");
    (j.verdict, out.rounds)
}

/// Fraction of `trials` seeded runs whose verdict satisfies `hit`.
fn rate(
    trials: u64,
    settings: impl Fn(u64) -> Settings,
    rows: impl Fn() -> [Vec<Behaviour>; 2],
    hit: impl Fn(Verdict) -> bool,
) -> f64 {
    let hits = (0..trials)
        .filter(|&seed| hit(trial(&settings(seed), rows()).0))
        .count();
    hits as f64 / trials as f64
}

fn called_different(v: Verdict) -> bool {
    matches!(v, Verdict::Better | Verdict::Worse)
}

fn command(noise: f64, shape: Shape) -> Behaviour {
    Behaviour::command(1.0, noise).shape(shape)
}

#[test]
fn identical_builds_are_rarely_called_different_over_all_looks() {
    const TRIALS: u64 = 600;
    let two_mode = Shape::TwoMode {
        p: 0.4,
        factor: 1.5,
    };
    let mut table = Vec::new();
    for (label, noise, shape) in [
        ("Gaussian 1%", 0.01, Shape::Gaussian),
        ("Gaussian 3%", 0.03, Shape::Gaussian),
        ("Gaussian 5%", 0.05, Shape::Gaussian),
        ("Gaussian 10%", 0.10, Shape::Gaussian),
        ("Gaussian 15%", 0.15, Shape::Gaussian),
        ("heavy-tailed (t3) 3%", 0.03, Shape::HeavyTailed),
        ("two modes (40% ×1.5) + 2%", 0.02, two_mode),
    ] {
        let rows = || [vec![command(noise, shape)], vec![command(noise, shape)]];
        let compare = rate(
            TRIALS,
            |s| compare_settings(0.01, s),
            rows,
            called_different,
        );
        let strict = rate(
            TRIALS,
            |s| compare_settings(0.001, s),
            rows,
            called_different,
        );
        // auto: a command and a service workload, decided jointly.
        let auto_rows = || {
            let svc = Behaviour::service(1000.0, noise).shape(shape);
            [
                vec![command(noise, shape), svc.clone()],
                vec![command(noise, shape), svc],
            ]
        };
        let auto = rate(TRIALS, auto_settings, auto_rows, called_different);
        table.push(format!(
            "| {label} | {:.1}% | {:.1}% | {:.1}% |",
            compare * 100.0,
            strict * 100.0,
            auto * 100.0
        ));
        for (what, r) in [
            ("compare", compare),
            ("--noise 0.1%", strict),
            ("auto", auto),
        ] {
            assert!(
                r <= 0.05,
                "{label}, {what}: identical called different in {r}"
            );
        }
    }
    eprintln!("| Noise | compare (±1%) | compare --noise 0.1% | auto step (2 workloads) |");
    eprintln!("|---|--:|--:|--:|");
    for row in table {
        eprintln!("{row}");
    }
}

#[test]
fn a_real_five_percent_change_is_found_within_max_runs() {
    const TRIALS: u64 = 200;
    let rows = || {
        [
            vec![Behaviour::command(1.0, 0.03)],
            vec![Behaviour::command(0.95, 0.03)],
        ]
    };
    let found = |v: Verdict| v == Verdict::Better;
    let compare = rate(TRIALS, |s| compare_settings(0.01, s), rows, found);
    let auto = rate(TRIALS, auto_settings, rows, found);
    let mean_rounds = (0..TRIALS)
        .map(|s| f64::from(trial(&compare_settings(0.01, s), rows()).1))
        .sum::<f64>()
        / TRIALS as f64;
    eprintln!(
        "5% faster at 3% noise: found in {:.1}% (compare, {mean_rounds:.1} rounds on average), {:.1}% (auto step)",
        compare * 100.0,
        auto * 100.0
    );
    assert!(compare >= 0.90, "compare found it in {compare}");
    assert!(auto >= 0.90, "auto found it in {auto}");
    // Stopping early is the point of the sequential design: a clear change ends before max.
    assert!(mean_rounds < 30.0, "{mean_rounds}");
}

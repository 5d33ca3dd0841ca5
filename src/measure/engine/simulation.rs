//! Seeded simulations of the whole measurement loop (mock executor → engine with its sequential
//! looks → the family's verdicts at the final analysis, as the table and `auto` print them):
//! false verdicts over all looks and all rows, power, coverage of the printed intervals, exact
//! counts that drift, a service at a fixed rate, and the detectable change the noise line states.
//! Run with `--nocapture` to print the figures `docs/measuring.md` quotes.

use std::sync::atomic::AtomicBool;

use crate::measure::comparison::Comparison;
use crate::measure::decide::{Arm, Undecidable};
use crate::measure::metric::{Metric, WorkloadKind};
use crate::measure::progress::NoProgress;
use crate::measure::sequential::Design;
use crate::measure::stats::Verdict;
use crate::measure::testing::{Behaviour, MockExecutor, Shape};
use crate::measure::{Plan, Question, Settings, StopReason, family, measure, power};

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

/// What one simulated run ended with: each question's result at the final analysis.
struct Ended {
    results: Vec<Result<Comparison, Undecidable>>,
    rounds: u32,
    stop: StopReason,
}

/// Measures `rows` (variant 0 the baseline) and decides the questions as one family, as the
/// run does: `joint` asks each variant against the baseline over all workloads at once (an
/// `auto` step); otherwise one question per variant and workload (`compare`'s table).
fn trial(settings: &Settings, rows: Vec<Vec<Behaviour>>, metrics: &[Metric], joint: bool) -> Ended {
    let workloads: Vec<(String, WorkloadKind, Metric)> = rows[0]
        .iter()
        .zip(metrics)
        .enumerate()
        .map(|(i, (b, m))| (format!("w{i}"), b.kind, *m))
        .collect();
    let names = (0..rows.len()).map(|v| format!("v{v}")).collect();
    let mut plan = Plan::new(names, workloads.clone(), 0);
    let all: Vec<(usize, Metric)> = metrics.iter().copied().enumerate().collect();
    plan.questions = (1..rows.len())
        .flat_map(|v| {
            let per: Vec<Vec<(usize, Metric)>> = if joint {
                vec![all.clone()]
            } else {
                all.iter().map(|&wm| vec![wm]).collect()
            };
            per.into_iter().map(move |workloads| Question {
                variant: v,
                reference: 0,
                workloads,
            })
        })
        .collect();
    let mut exec = MockExecutor::new(settings.seed ^ 0x9e37, rows);
    let out = measure(
        &plan,
        settings,
        &mut exec,
        &mut NoProgress,
        &AtomicBool::new(false),
    );
    let values: Vec<Vec<_>> = plan
        .questions
        .iter()
        .map(|q| {
            q.workloads
                .iter()
                .map(|&(w, m)| {
                    (
                        out.series[q.variant][w].values(m),
                        out.series[0][w].values(m),
                        m,
                    )
                })
                .collect()
        })
        .collect();
    let arms: Vec<Vec<Arm>> = values
        .iter()
        .map(|q| q.iter().map(|(v, r, m)| Arm::of(v, r, *m)).collect())
        .collect();
    let design = Design::new(settings);
    let level = |a: f64| design.analysis(a, out.rounds);
    Ended {
        results: family::decide(
            &arms,
            design.alpha,
            &vec![settings.noise_threshold; arms.len()],
            &level,
        ),
        rounds: out.rounds,
        stop: out.stop,
    }
}

fn verdict(r: &Result<Comparison, Undecidable>) -> Verdict {
    r.as_ref().map_or(Verdict::Undecided, |c| c.verdict)
}

fn called_different(v: Verdict) -> bool {
    matches!(v, Verdict::Better | Verdict::Worse)
}

/// Fraction of seeds `0..trials` for which `hit` holds.
fn rate(trials: u64, hit: impl Fn(u64) -> bool) -> f64 {
    (0..trials).filter(|&s| hit(s)).count() as f64 / trials as f64
}

fn command(noise: f64, shape: Shape) -> Behaviour {
    Behaviour::command(1.0, noise).shape(shape)
}

#[test]
fn identical_builds_are_rarely_called_different_over_all_looks() {
    const TRIALS: u64 = 500;
    let two_mode = Shape::TwoMode {
        p: 0.4,
        factor: 1.5,
    };
    let mut table = Vec::new();
    for (label, noise, shape) in [
        ("Gaussian 1%", 0.01, Shape::Gaussian),
        ("Gaussian 3%", 0.03, Shape::Gaussian),
        ("Gaussian 10%", 0.10, Shape::Gaussian),
        ("heavy-tailed (t3) 3%", 0.03, Shape::HeavyTailed),
        ("two modes (40% ×1.5) + 2%", 0.02, two_mode),
    ] {
        let one = |s: &Settings| {
            let rows = vec![vec![command(noise, shape)], vec![command(noise, shape)]];
            called_different(verdict(&trial(s, rows, &[Metric::Wall], false).results[0]))
        };
        let compare = rate(TRIALS, |s| one(&compare_settings(0.01, s)));
        let strict = rate(TRIALS, |s| one(&compare_settings(0.001, s)));
        // auto: a command and a service workload, decided jointly.
        let auto = rate(TRIALS, |s| {
            let svc = Behaviour::service(1000.0, noise).shape(shape);
            let rows = vec![
                vec![command(noise, shape), svc.clone()],
                vec![command(noise, shape), svc],
            ];
            let m = [Metric::Wall, Metric::RequestsPerSec];
            called_different(verdict(
                &trial(&auto_settings(s), rows, &m, true).results[0],
            ))
        });
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
fn three_percent_at_three_percent_noise_is_found_two_times_in_three() {
    const TRIALS: u64 = 300;
    let rows = || {
        vec![
            vec![Behaviour::command(1.0, 0.03)],
            vec![Behaviour::command(0.97, 0.03)],
        ]
    };
    let found = rate(TRIALS, |s| {
        let e = trial(&compare_settings(0.01, s), rows(), &[Metric::Wall], false);
        verdict(&e.results[0]) == Verdict::Better
    });
    let five = rate(TRIALS, |s| {
        let rows = vec![
            vec![Behaviour::command(1.0, 0.05)],
            vec![Behaviour::command(0.95, 0.05)],
        ];
        let e = trial(&compare_settings(0.01, s), rows, &[Metric::Wall], false);
        verdict(&e.results[0]) == Verdict::Better
    });
    eprintln!(
        "power: 3% at 3% noise {:.1}%, 5% at 5% noise {:.1}%",
        found * 100.0,
        five * 100.0
    );
    assert!(found >= 0.66, "3% at 3% noise found in {found}");
    assert!(five >= 0.82, "5% at 5% noise found in {five}");
}

#[test]
fn printed_intervals_cover_the_true_ratio_also_after_an_early_stop() {
    const TRIALS: u64 = 600;
    let (mut covered, mut total, mut early_covered, mut early) = (0, 0, 0, 0);
    for s in 0..TRIALS {
        // Half of the runs see a clear change (they stop early), half a small one.
        let truth = if s % 2 == 0 { 0.94 } else { 0.99 };
        let rows = vec![
            vec![Behaviour::command(1.0, 0.03)],
            vec![Behaviour::command(truth, 0.03)],
        ];
        let e = trial(&compare_settings(0.01, s), rows, &[Metric::Wall], false);
        let Ok(c) = &e.results[0] else { continue };
        let hit = c.lo <= truth && truth <= c.hi;
        total += 1;
        covered += usize::from(hit);
        if e.stop == StopReason::Decided && e.rounds < 30 {
            early += 1;
            early_covered += usize::from(hit);
        }
    }
    let (all, stopped) = (
        covered as f64 / total as f64,
        early_covered as f64 / early.max(1) as f64,
    );
    eprintln!(
        "coverage: {:.1}% of all runs, {:.1}% of {early} early stops",
        all * 100.0,
        stopped * 100.0
    );
    assert!(early > 100, "{early} early stops");
    assert!(
        all >= 0.94 && stopped >= 0.94,
        "coverage {all}, among early stops {stopped}"
    );
}

#[test]
fn twelve_identical_rows_keep_the_family_error_rate() {
    const TRIALS: u64 = 300;
    let rows = || vec![vec![Behaviour::command(1.0, 0.2)]; 13];
    let any_false = rate(TRIALS, |s| {
        let e = trial(&compare_settings(0.01, s), rows(), &[Metric::Wall], false);
        e.results.iter().any(|r| called_different(verdict(r)))
    });
    eprintln!(
        "12 identical rows at 20% noise: some row called different in {:.1}%",
        any_false * 100.0
    );
    assert!(any_false <= 0.05, "{any_false}");
}

#[test]
fn a_service_at_a_fixed_rate_is_decided_on_its_p99() {
    const TRIALS: u64 = 100;
    let deciding = Metric::default_deciding(WorkloadKind::Service, true);
    assert_eq!(deciding, Metric::P99);
    let rows = || {
        vec![
            vec![Behaviour::open_service(500.0, 0.010, 0.03)],
            vec![Behaviour::open_service(500.0, 0.009, 0.03)],
        ]
    };
    let on = |m: Metric| {
        rate(TRIALS, |s| {
            let e = trial(&compare_settings(0.01, s), rows(), &[m], false);
            verdict(&e.results[0]) == Verdict::Better
        })
    };
    let (p99, rps) = (on(deciding), on(Metric::RequestsPerSec));
    eprintln!(
        "10% lower p99 at a fixed rate: found on p99 in {:.0}%, on req/s in {:.0}%",
        p99 * 100.0,
        rps * 100.0
    );
    assert!(p99 >= 0.9, "{p99}");
    // The rate is the schedule's: req/s cannot tell the two builds apart.
    assert_eq!(rps, 0.0);
}

#[test]
fn exact_counts_that_drift_are_not_called_different() {
    const TRIALS: u64 = 400;
    // The defaults `--metric instructions` gets.
    let d = crate::measure::Defaults::EXACT;
    let settings = |s| Settings {
        noise_threshold: d.noise,
        min_runs: d.min_runs,
        max_runs: d.max_runs,
        warmup: d.warmup,
        seed: s,
        command_metric: Metric::Instructions,
        ..Settings::default()
    };
    let mut line = Vec::new();
    for drift in [0.0005, 0.001, 0.003] {
        let same = rate(TRIALS, |s| {
            let rows = vec![vec![Behaviour::counted(1e9, drift)]; 2];
            called_different(verdict(
                &trial(&settings(s), rows, &[Metric::Instructions], false).results[0],
            ))
        });
        line.push(format!("{:.2}% drift: {:.1}%", drift * 100.0, same * 100.0));
        assert!(
            same <= 0.05,
            "drift {drift}: identical counts called different in {same}"
        );
    }
    // A real 1% change in counts that drift 0.1% is found every time.
    let real = rate(100, |s| {
        let rows = vec![
            vec![Behaviour::counted(1e9, 0.001)],
            vec![Behaviour::counted(0.99e9, 0.001)],
        ];
        verdict(&trial(&settings(s), rows, &[Metric::Instructions], false).results[0])
            == Verdict::Better
    });
    eprintln!(
        "exact counts, identical builds called different: {}; 1% found in {:.0}%",
        line.join(", "),
        real * 100.0
    );
    assert!(real >= 0.99, "{real}");
}

#[test]
fn the_stated_detectable_change_is_found_about_four_times_in_five() {
    // What the noise line states for identical builds at 3% noise …
    let stated: Vec<f64> = (0..60u64)
        .filter_map(|s| {
            let rows = vec![vec![Behaviour::command(1.0, 0.03)]; 2];
            let e = trial(&compare_settings(0.01, s), rows, &[Metric::Wall], false);
            power::detectable(e.results[0].as_ref().ok()?, 0.01, 0.95)
        })
        .collect();
    let x = crate::measure::stats::median(&stated).unwrap();
    // … is found about 80% of the time when it is the true change.
    let found = rate(300, |s| {
        let rows = vec![
            vec![Behaviour::command(1.0, 0.03)],
            vec![Behaviour::command(1.0 - x, 0.03)],
        ];
        let e = trial(
            &compare_settings(0.01, 1000 + s),
            rows,
            &[Metric::Wall],
            false,
        );
        verdict(&e.results[0]) == Verdict::Better
    });
    eprintln!(
        "stated detectable change at 3% noise: {:.1}%; found {:.0}% of the time",
        x * 100.0,
        found * 100.0
    );
    assert!((0.7..=0.97).contains(&found), "{x}: found {found}");
}

//! Seeded whole-loop simulations with code layout as a random effect: each trial draws every
//! variant's layout offsets once (uniform in ±`spread`), the engine picks a layout per round
//! from the seed, and the verdict comes from the threshold the report uses (`decide::threshold`
//! with the band of `measure::layout`). With `--layouts 1` each variant has one layout, so two
//! builds of the same code differ by their layouts' luck alone.
//! Run with `--nocapture` to print the table docs/layout.md quotes.

use std::sync::atomic::AtomicBool;

use crate::measure::decide::{self, Arm};
use crate::measure::metric::{Metric, WorkloadKind};
use crate::measure::progress::NoProgress;
use crate::measure::rng::Rng;
use crate::measure::sample::Series;
use crate::measure::sequential::Design;
use crate::measure::stats::Verdict;
use crate::measure::testing::{Behaviour, MockExecutor, Shape};
use crate::measure::{Plan, Settings, layout, measure};

/// `compare`'s defaults with `k` layouts per variant.
fn settings(k: u32, seed: u64) -> Settings {
    Settings {
        min_runs: 10.max(k),
        max_runs: 30,
        warmup: 0,
        seed,
        layouts: k,
        ..Settings::default()
    }
}

/// One run of `variant` (its true time relative to the baseline's) against the baseline, each
/// with `k` layouts whose offsets are drawn uniformly in ±`spread`; the final verdict.
fn trial(k: u32, spread: f64, variant: f64, noise: f64, shape: Shape, seed: u64) -> Verdict {
    let settings = settings(k, seed);
    let mut draw = Rng::derived(seed, &[0x1a70]);
    let mut row = |center: f64| {
        let offsets = (0..k)
            .map(|_| spread * (2.0 * draw.next_f64() - 1.0))
            .collect();
        vec![
            Behaviour::command(center, noise)
                .shape(shape)
                .layout_offsets(offsets),
        ]
    };
    let rows = vec![row(1.0), row(variant)];
    let mut plan = Plan::new(
        vec!["base".into(), "v".into()],
        vec![("w".into(), WorkloadKind::Command, Metric::Wall)],
        0,
    );
    plan.layouts = vec![k; 2];
    let mut exec = MockExecutor::new(seed ^ 0x9e37, rows);
    let out = measure(
        &plan,
        &settings,
        &mut exec,
        &mut NoProgress,
        &AtomicBool::new(false),
    );
    let design = Design::new(&settings);
    let series: Vec<&Series> = out.series.iter().map(|s| &s[0]).collect();
    let band = layout::estimate(&series, 0, Metric::Wall, k, settings.confidence);
    let threshold = decide::threshold(settings.noise_threshold, band.map(|b| b.band));
    let (v, b) = (
        out.series[1][0].values(Metric::Wall),
        out.series[0][0].values(Metric::Wall),
    );
    let arm = Arm {
        variant: &v,
        reference: &b,
        direction: Metric::Wall.direction(),
        exact: false,
    };
    let level = |p: f64| design.analysis(design.alpha * p, out.rounds);
    decide::joint(&[arm], &level, threshold).map_or(Verdict::Undecided, |c| c.verdict)
}

fn rate(trials: u64, hit: impl Fn(Verdict) -> bool, run: impl Fn(u64) -> Verdict) -> f64 {
    (0..trials).filter(|&s| hit(run(s))).count() as f64 / trials as f64
}

fn different(v: Verdict) -> bool {
    matches!(v, Verdict::Better | Verdict::Worse)
}

#[test]
fn identical_code_on_layouts_five_percent_apart_is_rarely_called_different() {
    const TRIALS: u64 = 400;
    let two_mode = Shape::TwoMode {
        p: 0.4,
        factor: 1.5,
    };
    let mut table = Vec::new();
    for (label, noise, shape) in [
        ("Gaussian 1%", 0.01, Shape::Gaussian),
        ("Gaussian 3%", 0.03, Shape::Gaussian),
        ("two modes (40% ×1.5) + 2%", 0.02, two_mode),
    ] {
        let rates: Vec<f64> = [1, 4, 8]
            .map(|k| rate(TRIALS, different, |s| trial(k, 0.05, 1.0, noise, shape, s)))
            .to_vec();
        table.push(format!(
            "| {label} | {:.1}% | {:.1}% | {:.1}% |",
            rates[0] * 100.0,
            rates[1] * 100.0,
            rates[2] * 100.0
        ));
        assert!(rates[1] <= 0.05 && rates[2] <= 0.05, "{label}: {rates:?}");
        assert!(
            rates[0] > 0.15,
            "{label}: one layout should be fooled: {rates:?}"
        );
    }
    eprintln!(
        "| Noise (layouts ±5%) | --layouts 1 | --layouts 4 | --layouts 8 |\n|---|--:|--:|--:|"
    );
    for row in table {
        eprintln!("{row}");
    }
}

#[test]
fn a_change_beyond_the_band_is_still_found() {
    const TRIALS: u64 = 200;
    let faster = |v: Verdict| v == Verdict::Better;
    let mut lines = Vec::new();
    for k in [4, 8] {
        for change in [0.90, 0.85] {
            let found = rate(TRIALS, faster, |s| {
                trial(k, 0.05, change, 0.02, Shape::Gaussian, s)
            });
            lines.push(format!(
                "{:.0}% faster, layouts ±5%, noise 2%, --layouts {k}: found in {:.1}%",
                (1.0 - change) * 100.0,
                found * 100.0
            ));
            if change < 0.86 {
                assert!(found >= 0.8, "{k} layouts, {change}: {found}");
            }
        }
    }
    // What the band costs when layout moves nothing: the band's own estimation noise.
    for k in [1, 4] {
        let found = rate(TRIALS, faster, |s| {
            trial(k, 0.0, 0.95, 0.03, Shape::Gaussian, s)
        });
        lines.push(format!(
            "5% faster, no layout effect, noise 3%, --layouts {k}: found in {:.1}%",
            found * 100.0
        ));
    }
    eprintln!("{}", lines.join("\n"));
}

//! What `auto` says about its own budget: why each step came when it did, what was left
//! undecided (and the `compare` that would tell), what the time went to, and — with
//! `--verbose` — each step's estimated against its actual cost.

use std::fmt::Write;
use std::time::Duration;

use crate::measure::comparison::Comparison;
use crate::run::auto::{AutoResult, Seconds};
use crate::ui::format_duration;

fn secs(s: f64) -> String {
    format_duration(Duration::from_secs_f64(s.max(0.0)))
}

/// "Why this order": each step's reason for coming when it did, by its number in the path.
pub(super) fn write_order(out: &mut String, r: &AutoResult) {
    let ordered: Vec<(usize, &str)> = r
        .path
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.order.as_deref().map(|o| (i + 1, o)))
        .collect();
    if ordered.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nWhy this order:");
    for (n, why) in ordered {
        let _ = writeln!(out, "  {n}. {}: {why}", r.path[n - 1].candidate);
    }
}

/// The comparisons still undecided, each with its interval (as `show` prints a change) and the
/// command that would tell.
pub(super) fn write_undecided(
    out: &mut String,
    r: &AutoResult,
    show: &dyn Fn(&Comparison) -> String,
) {
    if r.undecided.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nUndecided, worth more time:");
    for u in &r.undecided {
        let _ = writeln!(
            out,
            "  - {} against {}: {} after {} rounds: not shown to help or hurt; `{}` would tell",
            u.candidate,
            u.against,
            show(&u.speed),
            u.rounds,
            u.compare
        );
    }
}

fn parts(s: &Seconds) -> String {
    format!(
        "building {}, training {}, measuring {}",
        secs(s.building),
        secs(s.training),
        secs(s.measuring)
    )
}

/// What the budget went to: the steps' building, training and measuring, the final run, the rest.
pub(super) fn write_breakdown(out: &mut String, r: &AutoResult) {
    let b = &r.breakdown;
    let total = r.elapsed_secs.max(1e-9);
    let all = Seconds {
        building: b.steps.building + b.final_run.building,
        training: b.steps.training + b.final_run.training,
        measuring: b.steps.measuring,
    };
    let pct = |x: f64| x / total * 100.0;
    let _ = writeln!(
        out,
        "Budget: {} of {} went to building {} ({:.0}%), training {} ({:.0}%), measuring the steps {} ({:.0}%), \
         the final run {} ({:.0}%), the rest {} ({:.0}%).",
        secs(r.elapsed_secs),
        secs(r.budget_secs),
        secs(all.building),
        pct(all.building),
        secs(all.training),
        pct(all.training),
        secs(all.measuring),
        pct(all.measuring),
        secs(b.final_run.measuring),
        pct(b.final_run.measuring),
        secs(b.other),
        pct(b.other),
    );
}

/// Each step's estimate against its actual cost, and how far off the estimates were overall.
pub(super) fn costs(r: &AutoResult) -> String {
    let mut out = String::from("Estimated and actual cost of each step:\n");
    let (mut est, mut act) = (0.0, 0.0);
    for (i, t) in r.path.iter().enumerate() {
        let Some(c) = &t.cost else { continue };
        let _ = writeln!(
            out,
            "  {}. {}: estimated {} ({}), took {} ({}), {:+.0}%",
            i + 1,
            t.candidate,
            secs(c.estimate.total()),
            parts(&c.estimate),
            secs(c.actual.total()),
            parts(&c.actual),
            off(c.estimate.total(), c.actual.total())
        );
        est += c.estimate.total();
        act += c.actual.total();
    }
    let _ = writeln!(
        out,
        "  all steps: estimated {}, took {} ({:+.0}%)",
        secs(est),
        secs(act),
        off(est, act)
    );
    out
}

/// How far an estimate was from the actual, as a percentage of the actual.
pub(super) fn off(estimate: f64, actual: f64) -> f64 {
    (estimate / actual.max(1e-9) - 1.0) * 100.0
}

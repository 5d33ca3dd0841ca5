//! The Pareto front of a run: variants no other variant beats on speed, size and compile time.

use crate::run::Run;

/// A variant's position: time relative to the baseline (lower is faster), size, compile time.
#[derive(Debug, Clone, Copy)]
struct Point {
    time: f64,
    size: f64,
    compile: f64,
}

/// Indices of `run.variants` on the front. Differences within the run's noise threshold
/// (time) or 5% (compile time, a single noisy measurement) count as ties.
pub(crate) fn front(run: &Run) -> Vec<usize> {
    let noise = run.settings.noise_threshold;
    let points: Vec<Option<Point>> = (0..run.variants.len())
        .map(|v| {
            let b = run.variants[v].build.as_ref()?;
            let time = if v == 0 {
                1.0
            } else {
                // Held-out when the run has folds, as the search ranks (`Run::speed`).
                let sp = run.speed(v, 0).ok()?;
                // Only an established change moves a point; undecided is not a gain.
                if !matches!(
                    sp.verdict,
                    crate::measure::stats::Verdict::Better | crate::measure::stats::Verdict::Worse
                ) {
                    1.0
                } else {
                    sp.ratio
                }
            };
            Some(Point {
                time,
                size: b.file_size_bytes as f64,
                compile: b.compile_time_secs,
            })
        })
        .collect();
    let dominates = |a: &Point, b: &Point| {
        let no_worse =
            a.time <= b.time * (1.0 + noise) && a.size <= b.size && a.compile <= b.compile * 1.05;
        let better =
            a.time < b.time * (1.0 - noise) || a.size < b.size || a.compile < b.compile / 1.05;
        no_worse && better
    };
    (0..points.len())
        .filter(|&i| {
            let Some(p) = &points[i] else { return false };
            !points
                .iter()
                .enumerate()
                .any(|(j, q)| j != i && q.as_ref().is_some_and(|q| dominates(q, p)))
        })
        .collect()
}

//! Per-workload charts of the primary metric: every sample per variant (distribution), each
//! variant's change against the baseline with its interval and the noise band (change), and
//! the samples in measurement order (run order, to show drift and warm-up effects).

use maud::{Markup, html};

use super::{metric_title, pct_label, points, value_label, verdict_view};
use crate::measure::stats::Outlier;
use crate::report::html::svg::{Frame, Scale, cls, domain, jitter, n, series_class, svg};
use crate::run::Run;

const WIDTH: f64 = 720.0;
const LABELS: f64 = 170.0;

fn outlier_class(o: Option<Outlier>) -> &'static str {
    match o {
        Some(Outlier::Mild) => "outlier mild",
        Some(Outlier::Severe) => "outlier severe",
        None => "",
    }
}

/// A dot's colour: its variant's, or with several code layouts its layout's (`l0`–`l7`), so a
/// result whose modes are layouts shows as such.
fn dot_class(v: usize, p: &super::Point) -> String {
    match p.layout {
        Some(l) => format!("layout l{}", l % 8),
        None => series_class(v),
    }
}

/// Every measured sample per variant as a strip of dots, with the median and its interval;
/// the baseline's band highlighted, outliers ringed; dots coloured by layout when there were several.
pub(crate) fn distribution(run: &Run, w: usize) -> Markup {
    let metric = run.deciding(w);
    let all: Vec<Vec<super::Point>> = (0..run.variants.len())
        .map(|v| points(run, v, w, metric))
        .collect();
    let count = run.variants.len();
    let frame = Frame::new(WIDTH, 40.0 + 34.0 * count as f64).margins(LABELS, 20.0, 8.0, 40.0);
    let Some((lo, hi)) = domain(all.iter().flatten().map(|p| p.value), &[], 0.05) else {
        return empty(&frame, "distribution", "no samples were measured");
    };
    let x = Scale::linear(lo, hi, frame.x0(), frame.x1());
    let label = value_label(metric, hi);
    let band = frame.band_height(count);
    let title = format!(
        "Every measured sample of {} per variant, on {}",
        metric_title(metric),
        run.workloads[w].name
    );
    let body = html! {
        @if run.baseline < count {
            rect.baseline-band x=(n(frame.x0())) width=(n(frame.x1() - frame.x0()))
                y=(n(frame.y0() + band * run.baseline as f64)) height=(n(band)) {}
        }
        (frame.x_axis(&x, &x.ticks(6), &label, metric_title(metric)))
        (frame.y_bands(&super::variant_labels(run)))
        @for (v, pts) in all.iter().enumerate() {
            @let cy = frame.band_center(v, count);
            @if let Some(s) = run.metric(v, w, metric) {
                @if let (Some(l), Some(h)) = (s.lo, s.hi) {
                    rect class=(cls(&["ci", &series_class(v)])) x=(n(x.map(l))) width=(n((x.map(h) - x.map(l)).max(1.0)))
                        y=(n(cy - band * 0.38)) height=(n(band * 0.76)) {}
                }
                line class=(cls(&["median", &series_class(v)])) x1=(n(x.map(s.median))) x2=(n(x.map(s.median)))
                    y1=(n(cy - band * 0.42)) y2=(n(cy + band * 0.42)) {}
            }
            @for (i, p) in pts.iter().enumerate() {
                circle class=(cls(&["dot", &dot_class(v, p), outlier_class(p.outlier)]))
                    cx=(n(x.map(p.value))) cy=(n(cy + jitter(i) * band * 0.6)) r="3" {
                    @if let Some(l) = p.layout { title { "layout " (l + 1) } }
                }
            }
            @if pts.is_empty() {
                text.missing x=(n(frame.x0() + 8.0)) y=(n(cy + 4.0)) { (missing_reason(run, v, w)) }
            }
        }
    };
    svg(&frame, "distribution", &title, body)
}

fn missing_reason(run: &Run, v: usize, w: usize) -> &'static str {
    let variant = &run.variants[v];
    if variant.failure.is_some() {
        "did not build"
    } else if variant.measurement(w).is_some_and(|m| m.failure.is_some()) {
        "the workload failed"
    } else {
        "not measured"
    }
}

/// Each variant's change against the baseline: the estimate, its interval as an error bar,
/// coloured by verdict; the shaded band is the noise threshold (inside it means "≈").
pub(crate) fn change(run: &Run, w: usize) -> Markup {
    let metric = run.deciding(w);
    let rows: Vec<usize> = (0..run.variants.len())
        .filter(|&v| v != run.baseline)
        .collect();
    let count = rows.len().max(1);
    let frame = Frame::new(WIDTH, 40.0 + 30.0 * count as f64).margins(LABELS, 150.0, 8.0, 40.0);
    // The band a verdict had to clear: the noise threshold, or the layout band when wider.
    let layout_band = run.noise.get(w).and_then(|n| n.layout).map(|b| b.band);
    let noise =
        crate::measure::decide::threshold(run.settings.noise_threshold, layout_band) * 100.0;
    let band_name = if layout_band.is_some_and(|b| b > run.settings.noise_threshold) {
        "layout band"
    } else {
        "noise band"
    };
    let comps: Vec<_> = rows
        .iter()
        .map(|&v| run.metric(v, w, metric).and_then(|s| s.vs_baseline))
        .collect();
    let values = comps
        .iter()
        .flatten()
        .flat_map(|c| [(c.lo - 1.0) * 100.0, (c.hi - 1.0) * 100.0]);
    let (lo, hi) = domain(values, &[0.0, -noise, noise], 0.08).unwrap_or((-noise, noise));
    let x = Scale::linear(lo, hi, frame.x0(), frame.x1());
    let better = match metric.direction() {
        crate::measure::stats::Direction::LowerIsBetter => "left is better",
        crate::measure::stats::Direction::HigherIsBetter => "right is better",
    };
    let axis = format!(
        "change in {} vs the baseline ({better})",
        metric_title(metric)
    );
    let title = format!(
        "Change of each variant's {} against the baseline on {}, with {:.0}% intervals and the ±{}% {band_name}",
        metric_title(metric),
        run.workloads[w].name,
        run.settings.confidence * 100.0,
        crate::report::format::trim_float(noise)
    );
    let labels: Vec<(String, bool)> = rows
        .iter()
        .map(|&v| (run.variants[v].name.clone(), false))
        .collect();
    let band = frame.band_height(count);
    let body = html! {
        rect.noise-band x=(n(x.map(-noise))) width=(n(x.map(noise) - x.map(-noise)))
            y=(n(frame.y0())) height=(n(frame.y1() - frame.y0())) {}
        (frame.x_axis(&x, &x.ticks(6), pct_label, &axis))
        (frame.y_bands(&labels))
        line.zero x1=(n(x.map(0.0))) x2=(n(x.map(0.0))) y1=(n(frame.y0())) y2=(n(frame.y1())) {}
        @for (i, c) in comps.iter().enumerate() {
            @let cy = frame.band_center(i, count);
            @if let Some(c) = c {
                @let look = verdict_view(c.verdict);
                g class=(cls(&["change", look.class])) {
                    title { (format!("{}: {}", run.variants[rows[i]].name, look.words)) }
                    line.bar x1=(n(x.map((c.lo - 1.0) * 100.0))) x2=(n(x.map((c.hi - 1.0) * 100.0))) y1=(n(cy)) y2=(n(cy)) {}
                    @for end in [c.lo, c.hi] {
                        line.bar x1=(n(x.map((end - 1.0) * 100.0))) x2=(n(x.map((end - 1.0) * 100.0)))
                            y1=(n(cy - band * 0.2)) y2=(n(cy + band * 0.2)) {}
                    }
                    circle cx=(n(x.map(c.change_pct()))) cy=(n(cy)) r="4" {}
                    text.value x=(n(frame.x1() + 8.0)) y=(n(cy + 4.0)) {
                        (look.mark)
                        (pct_label(c.change_pct())) " ["
                        (pct_label((c.lo - 1.0) * 100.0)) ", " (pct_label((c.hi - 1.0) * 100.0)) "]"
                    }
                }
            } @else {
                text.missing x=(n(frame.x0() + 8.0)) y=(n(cy + 4.0)) { (missing_reason(run, rows[i], w)) " (no comparison)" }
            }
        }
    };
    svg(&frame, "change", &title, body)
}

/// Samples in the order they were measured: one line per variant across rounds, so drift
/// (all lines moving together) and warm-up effects show. Warm-up runs (left out of every
/// statistic) are drawn hollow before round 1.
pub(crate) fn run_order(run: &Run, w: usize) -> Markup {
    let metric = run.deciding(w);
    let all: Vec<Vec<super::Point>> = (0..run.variants.len())
        .map(|v| {
            let mut p = points(run, v, w, metric);
            p.sort_by_key(|p| p.round);
            p
        })
        .collect();
    let warm: Vec<Vec<(u32, f64)>> = (0..run.variants.len())
        .map(|v| super::warmups(run, v, w, metric))
        .collect();
    let warm_rounds = warm.iter().flatten().map(|(r, _)| r + 1).max().unwrap_or(0) as f64;
    let frame = Frame::new(WIDTH, 260.0).margins(70.0, 20.0, 10.0, 40.0);
    let values = all
        .iter()
        .flatten()
        .map(|p| p.value)
        .chain(warm.iter().flatten().map(|(_, v)| *v));
    let Some((lo, hi)) = domain(values, &[], 0.08) else {
        return empty(&frame, "rounds", "no samples were measured");
    };
    let last = all.iter().flatten().map(|p| p.round).max().unwrap_or(0) as f64;
    // Warm-up round r of W sits at r − W: just left of the first measured round (0).
    let x = Scale::linear(
        if warm_rounds > 0.0 {
            -warm_rounds - 0.5
        } else {
            0.0
        },
        last.max(1.0),
        frame.x0() + 6.0,
        frame.x1() - 6.0,
    );
    let y = Scale::linear(lo, hi, frame.y1(), frame.y0());
    let label = value_label(metric, hi);
    let title = format!(
        "{} of every sample by measurement round on {}, one line per variant",
        metric_title(metric),
        run.workloads[w].name
    );
    let round_ticks: Vec<f64> = x
        .ticks(10)
        .into_iter()
        .filter(|t| t.fract() == 0.0 && *t >= 0.0)
        .collect();
    let body = html! {
        (frame.x_axis(&x, &round_ticks, |t| format!("{}", t as u64 + 1), "round"))
        (frame.y_axis(&y, &y.ticks(5), &label, metric_title(metric)))
        @if warm_rounds > 0.0 {
            text.note x=(n(x.map(-0.5))) y=(n(frame.y0() + 10.0)) text-anchor="end" { "warm-up" }
        }
        @for (v, pts) in all.iter().enumerate() {
            g class=(cls(&["series", &series_class(v), if v == run.baseline { "baseline" } else { "" }])) {
                title { (run.variants[v].name) }
                polyline points=(pts.iter().map(|p| format!("{},{}", n(x.map(p.round as f64)), n(y.map(p.value)))).collect::<Vec<_>>().join(" ")) {}
                @for p in pts {
                    circle class=(cls(&["dot", outlier_class(p.outlier)])) cx=(n(x.map(p.round as f64))) cy=(n(y.map(p.value))) r="2.5" {}
                }
                @for (r, value) in &warm[v] {
                    circle.warmup cx=(n(x.map(*r as f64 - warm_rounds))) cy=(n(y.map(*value))) r="3" {}
                }
            }
        }
    };
    svg(&frame, "rounds", &title, body)
}

/// A chart frame that says why it has nothing to show.
pub(crate) fn empty(frame: &Frame, class: &str, why: &str) -> Markup {
    let frame = Frame {
        height: 60.0,
        ..*frame
    };
    svg(
        &frame,
        class,
        why,
        html! {
            text.missing x=(n(frame.width / 2.0)) y="34" text-anchor="middle" { (why) }
        },
    )
}

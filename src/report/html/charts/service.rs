//! Service workloads: requests per second per variant (median and interval), and the latency
//! percentiles p50–p99.9 per variant on a log scale, one line per variant.

use maud::{Markup, html};

use super::value_label;
use crate::measure::Metric;
use crate::report::html::charts::workload::empty;
use crate::report::html::svg::{Frame, Scale, cls, domain, n, series_class, svg};
use crate::run::Run;

const PERCENTILES: [(Metric, &str); 4] = [
    (Metric::P50, "p50"),
    (Metric::P90, "p90"),
    (Metric::P99, "p99"),
    (Metric::P999, "p99.9"),
];

/// Horizontal bars of the median req/s with the median's interval as an error bar.
pub(crate) fn throughput(run: &Run, w: usize) -> Markup {
    let count = run.variants.len();
    let frame = Frame::new(720.0, 40.0 + 30.0 * count as f64).margins(170.0, 90.0, 8.0, 40.0);
    let stats: Vec<_> = (0..count)
        .map(|v| run.metric(v, w, Metric::RequestsPerSec))
        .collect();
    let Some((_, hi)) = domain(
        stats
            .iter()
            .flatten()
            .flat_map(|s| [s.median, s.hi.unwrap_or(s.median)]),
        &[0.0],
        0.05,
    ) else {
        return empty(&frame, "throughput", "no requests were measured");
    };
    let x = Scale::linear(0.0, hi, frame.x0(), frame.x1());
    let label = value_label(Metric::RequestsPerSec, hi);
    let band = frame.band_height(count);
    let title = format!(
        "Median requests per second per variant on {}, with {:.0}% intervals",
        run.workloads[w].name,
        run.settings.confidence * 100.0
    );
    let body = html! {
        (frame.x_axis(&x, &x.ticks(6), &label, "requests per second"))
        (frame.y_bands(&super::variant_labels(run)))
        @for (v, s) in stats.iter().enumerate() {
            @let cy = frame.band_center(v, count);
            @if let Some(s) = s {
                rect class=(cls(&["bar", &series_class(v), if v == run.baseline { "baseline" } else { "" }]))
                    x=(n(frame.x0())) width=(n(x.map(s.median) - frame.x0()))
                    y=(n(cy - band * 0.3)) height=(n(band * 0.6)) {}
                @if let (Some(l), Some(h)) = (s.lo, s.hi) {
                    line.errorbar x1=(n(x.map(l))) x2=(n(x.map(h))) y1=(n(cy)) y2=(n(cy)) {}
                }
                text.value x=(n(frame.x1() + 6.0)) y=(n(cy + 4.0)) { (label(s.median)) }
            }
        }
    };
    svg(&frame, "throughput", &title, body)
}

/// Latency percentiles per variant: x is the percentile, y the latency (log scale), one line
/// per variant through the medians, with each median's interval as a vertical bar.
pub(crate) fn latency(run: &Run, w: usize) -> Markup {
    let frame = Frame::new(720.0, 280.0).margins(80.0, 20.0, 10.0, 40.0);
    let series: Vec<Vec<Option<&crate::measure::summary::MetricSummary>>> = (0..run.variants.len())
        .map(|v| {
            PERCENTILES
                .iter()
                .map(|(m, _)| run.metric(v, w, *m))
                .collect()
        })
        .collect();
    let values = series
        .iter()
        .flatten()
        .flatten()
        .flat_map(|s| [s.median, s.lo.unwrap_or(s.median), s.hi.unwrap_or(s.median)])
        .filter(|v| *v > 0.0);
    let Some((lo, hi)) = domain(values, &[], 0.0) else {
        return empty(&frame, "latency", "no latencies were measured");
    };
    let y = Scale::log(lo / 1.3, hi * 1.3, frame.y1(), frame.y0());
    let step = (frame.x1() - frame.x0()) / PERCENTILES.len() as f64;
    let px = |i: usize| frame.x0() + step * (i as f64 + 0.5);
    let label = value_label(Metric::P50, hi);
    let title = format!(
        "Latency percentiles p50 to p99.9 per variant on {} (medians over runs, log scale)",
        run.workloads[w].name
    );
    // Offsets keep the variants' interval bars at one percentile from hiding each other.
    let offset = |v: usize| (v as f64 - (series.len() as f64 - 1.0) / 2.0) * 5.0;
    let body = html! {
        g.axis.x {
            @for (i, (_, name)) in PERCENTILES.iter().enumerate() {
                line.grid x1=(n(px(i))) x2=(n(px(i))) y1=(n(frame.y0())) y2=(n(frame.y1())) {}
                text x=(n(px(i))) y=(n(frame.y1() + 14.0)) text-anchor="middle" { (name) }
            }
            line.baseline-axis x1=(n(frame.x0())) x2=(n(frame.x1())) y1=(n(frame.y1())) y2=(n(frame.y1())) {}
            text.title x=(n((frame.x0() + frame.x1()) / 2.0)) y=(n(frame.height - 6.0)) text-anchor="middle" { "percentile" }
        }
        (frame.y_axis(&y, &y.ticks(6), &label, "latency"))
        @for (v, points) in series.iter().enumerate() {
            g class=(cls(&["series", &series_class(v), if v == run.baseline { "baseline" } else { "" }])) {
                title { (run.variants[v].name) }
                polyline points=(points.iter().enumerate().filter_map(|(i, s)| s.map(|s| format!("{},{}", n(px(i) + offset(v)), n(y.map(s.median))))).collect::<Vec<_>>().join(" ")) {}
                @for (i, s) in points.iter().enumerate() {
                    @if let Some(s) = s {
                        @if let (Some(l), Some(h)) = (s.lo, s.hi) {
                            line.errorbar x1=(n(px(i) + offset(v))) x2=(n(px(i) + offset(v))) y1=(n(y.map(l))) y2=(n(y.map(h))) {}
                        }
                        circle.dot cx=(n(px(i) + offset(v))) cy=(n(y.map(s.median))) r="3" {}
                    }
                }
            }
        }
    };
    svg(&frame, "latency", &title, body)
}

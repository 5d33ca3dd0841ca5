//! Across workloads: each variant's binary size as stacked bars of its sections (`.text`,
//! `.rodata`, `.data`, debug info, the rest), and its compile time as bars.

use maud::{Markup, html};

use crate::report::html::charts::variant_labels;
use crate::report::html::charts::workload::empty;
use crate::report::html::svg::{Frame, Scale, cls, domain, n, series_class, svg};
use crate::run::{Run, VariantResult};
use crate::ui::format_bytes;
use crate::ui::format_duration;

/// The parts of a binary drawn as segments, in order, with their CSS class.
pub(crate) const SEGMENTS: [(&str, &str); 5] = [
    ("seg-text", ".text"),
    ("seg-rodata", ".rodata"),
    ("seg-data", ".data"),
    ("seg-debug", "debug info"),
    ("seg-other", "other"),
];

/// Segment sizes of a build in the order of [`SEGMENTS`]; without section sizes, all "other".
fn segments(v: &VariantResult) -> Option<[u64; 5]> {
    let b = v.build.as_ref()?;
    Some(match &b.sections {
        Some(s) => {
            let known = s.text + s.rodata + s.data + s.debug;
            [
                s.text,
                s.rodata,
                s.data,
                s.debug,
                b.file_size_bytes.saturating_sub(known),
            ]
        }
        None => [0, 0, 0, 0, b.file_size_bytes],
    })
}

/// Binary size per variant, stacked by section.
pub(crate) fn size(run: &Run) -> Markup {
    let count = run.variants.len();
    let frame = Frame::new(720.0, 40.0 + 30.0 * count as f64).margins(170.0, 90.0, 8.0, 40.0);
    let segs: Vec<Option<[u64; 5]>> = run.variants.iter().map(segments).collect();
    let Some((_, hi)) = domain(
        segs.iter().flatten().map(|s| s.iter().sum::<u64>() as f64),
        &[0.0],
        0.02,
    ) else {
        return empty(&frame, "size", "no variant built");
    };
    let x = Scale::linear(0.0, hi, frame.x0(), frame.x1());
    let band = frame.band_height(count);
    let body = html! {
        (frame.x_axis(&x, &x.ticks(5), |b| format_bytes(b.max(0.0) as u64), "binary size on disk"))
        (frame.y_bands(&variant_labels(run)))
        @for (v, s) in segs.iter().enumerate() {
            @let cy = frame.band_center(v, count);
            @if let Some(s) = s {
                g.stack {
                    @for (i, (class, name)) in SEGMENTS.iter().enumerate() {
                        @let start: u64 = s[..i].iter().sum();
                        @if s[i] > 0 {
                            rect class=(cls(&["segment", class])) x=(n(x.map(start as f64)))
                                width=(n(x.map((start + s[i]) as f64) - x.map(start as f64)))
                                y=(n(cy - band * 0.3)) height=(n(band * 0.6)) {
                                title { (format!("{}: {name} {}", run.variants[v].name, format_bytes(s[i]))) }
                            }
                        }
                    }
                    text.value x=(n(x.map(s.iter().sum::<u64>() as f64) + 6.0)) y=(n(cy + 4.0)) {
                        (format_bytes(s.iter().sum()))
                    }
                }
            } @else {
                text.missing x=(n(frame.x0() + 8.0)) y=(n(cy + 4.0)) { "did not build" }
            }
        }
    };
    svg(&frame, "size", "Binary size per variant, by section", body)
}

/// Compile time per variant (all cold builds of it; PGO needs two), cached figures marked.
pub(crate) fn compile_time(run: &Run) -> Markup {
    let count = run.variants.len();
    let frame = Frame::new(720.0, 40.0 + 30.0 * count as f64).margins(170.0, 130.0, 8.0, 40.0);
    let Some((_, hi)) = domain(
        run.variants
            .iter()
            .filter_map(|v| v.build.as_ref().map(|b| b.compile_time_secs)),
        &[0.0],
        0.02,
    ) else {
        return empty(&frame, "compile", "no variant built");
    };
    let x = Scale::linear(0.0, hi, frame.x0(), frame.x1());
    let band = frame.band_height(count);
    let secs = |s: f64| format_duration(std::time::Duration::from_secs_f64(s.max(0.0)));
    let body = html! {
        (frame.x_axis(&x, &x.ticks(5), |s| format!("{} s", crate::report::format::trim_float(s)), "compile time (cold build)"))
        (frame.y_bands(&variant_labels(run)))
        @for (v, variant) in run.variants.iter().enumerate() {
            @let cy = frame.band_center(v, count);
            @if let Some(b) = &variant.build {
                rect class=(cls(&["bar", &series_class(v), if b.compile_time_cached { "cached" } else { "" }]))
                    x=(n(frame.x0())) width=(n(x.map(b.compile_time_secs) - frame.x0()))
                    y=(n(cy - band * 0.3)) height=(n(band * 0.6)) {}
                text.value x=(n(x.map(b.compile_time_secs) + 6.0)) y=(n(cy + 4.0)) {
                    (secs(b.compile_time_secs))
                    @if b.builds > 1 { " (" (b.builds) " builds)" }
                    @if b.compile_time_cached { "†" }
                }
            } @else {
                text.missing x=(n(frame.x0() + 8.0)) y=(n(cy + 4.0)) { "did not build" }
            }
        }
    };
    svg(&frame, "compile", "Compile time per variant", body)
}

//! Across workloads: each variant's analysed bytes (`.text`, `.rodata`, `.data.rel.ro`) as
//! stacked bars of the crates they belong to — what a setting grew or shrank, crate by crate.

use maud::{Markup, html};

use crate::report::crates::{OTHER, UNATTRIBUTED, rows, split};
use crate::report::html::svg::{Frame, Scale, cls, domain, n, svg};
use crate::run::Run;
use crate::ui::format_bytes;

/// CSS class of row `i` of `names`: the variant palette for named crates, greys for the rest.
pub(crate) fn class(names: &[String], i: usize) -> String {
    match names[i].as_str() {
        OTHER => "seg-other".into(),
        UNATTRIBUTED => "seg-debug".into(),
        _ => format!("s{}", i % 8),
    }
}

/// The chart and its rows (for the legend); `None` when no variant has per-crate sizes.
pub(crate) fn crates(run: &Run) -> Option<(Markup, Vec<String>)> {
    let names = rows(run);
    if names.is_empty() {
        return None;
    }
    let count = run.variants.len();
    let frame = Frame::new(720.0, 40.0 + 30.0 * count as f64).margins(170.0, 90.0, 8.0, 40.0);
    let splits: Vec<Vec<u64>> = run.variants.iter().map(|v| split(v, &names)).collect();
    let (_, hi) = domain(
        splits.iter().map(|s| s.iter().sum::<u64>() as f64),
        &[0.0],
        0.02,
    )?;
    let x = Scale::linear(0.0, hi, frame.x0(), frame.x1());
    let band = frame.band_height(count);
    let body = html! {
        (frame.x_axis(&x, &x.ticks(5), |b| format_bytes(b.max(0.0) as u64), "bytes of .text, .rodata and .data.rel.ro"))
        (frame.y_bands(&super::variant_labels(run)))
        @for (v, s) in splits.iter().enumerate() {
            @let cy = frame.band_center(v, count);
            @if s.is_empty() {
                text.missing x=(n(frame.x0() + 8.0)) y=(n(cy + 4.0)) { "no per-crate sizes (see the notes)" }
            } @else {
                g.stack {
                    @for (i, bytes) in s.iter().enumerate() {
                        @let start: u64 = s[..i].iter().sum();
                        @if *bytes > 0 {
                            rect class=(cls(&["segment", &class(&names, i)])) x=(n(x.map(start as f64)))
                                width=(n(x.map((start + bytes) as f64) - x.map(start as f64)))
                                y=(n(cy - band * 0.3)) height=(n(band * 0.6)) {
                                title { (format!("{}: {} {}", run.variants[v].name, names[i], format_bytes(*bytes))) }
                            }
                        }
                    }
                    text.value x=(n(x.map(s.iter().sum::<u64>() as f64) + 6.0)) y=(n(cy + 4.0)) {
                        (format_bytes(s.iter().sum()))
                    }
                }
            }
        }
    };
    Some((
        svg(&frame, "crates", "Bytes per crate per variant", body),
        names,
    ))
}

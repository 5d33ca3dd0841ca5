//! A small typed SVG builder for the report's charts: scales (linear, log, bands), "nice" ticks,
//! a plot frame with axes and grid, and coordinates printed deterministically (for snapshots).
//! Markup goes through `maud`, so every label is escaped.

use maud::{Markup, html};

/// A coordinate or length as printed in SVG: one decimal, no `-0.0`.
pub(crate) fn n(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".into()
    } else if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// Maps a data interval onto a pixel interval, linearly or logarithmically.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
    log: bool,
}

impl Scale {
    /// Linear; an empty domain is widened so every value maps somewhere sensible.
    pub(crate) fn linear(d0: f64, d1: f64, r0: f64, r1: f64) -> Scale {
        let (d0, d1) = widen(d0, d1);
        Scale {
            d0,
            d1,
            r0,
            r1,
            log: false,
        }
    }

    /// Base-10 logarithmic; the domain must be positive.
    pub(crate) fn log(d0: f64, d1: f64, r0: f64, r1: f64) -> Scale {
        let (d0, d1) = (d0.max(f64::MIN_POSITIVE), d1.max(f64::MIN_POSITIVE));
        let (d0, d1) = if d1 / d0 < 1.5 {
            (d0 / 1.25, d1 * 1.25)
        } else {
            (d0, d1)
        };
        Scale {
            d0,
            d1,
            r0,
            r1,
            log: true,
        }
    }

    pub(crate) fn map(&self, x: f64) -> f64 {
        let t = if self.log {
            (x.max(f64::MIN_POSITIVE).log10() - self.d0.log10())
                / (self.d1.log10() - self.d0.log10())
        } else {
            (x - self.d0) / (self.d1 - self.d0)
        };
        self.r0 + t * (self.r1 - self.r0)
    }

    /// Tick positions: about `count` round numbers (1, 2, 5 × 10ⁿ) inside the domain; on a
    /// log scale the powers of ten and their 2× and 5× multiples, thinned to fit.
    pub(crate) fn ticks(&self, count: usize) -> Vec<f64> {
        let (lo, hi) = (self.d0.min(self.d1), self.d0.max(self.d1));
        if self.log {
            let mut out = Vec::new();
            for e in lo.log10().floor() as i32..=hi.log10().ceil() as i32 {
                for m in [1.0, 2.0, 5.0] {
                    let t = m * 10f64.powi(e);
                    if t >= lo * 0.9999 && t <= hi * 1.0001 {
                        out.push(t);
                    }
                }
            }
            // Too many: powers of ten only (1, 5, 20, 100 would read as uneven steps).
            if out.len() > count {
                out.retain(|t| (t.log10() - t.log10().round()).abs() < 1e-9);
            }
            return out;
        }
        let step = nice_step((hi - lo) / count.max(1) as f64);
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        // Rounded so that 11 × 0.1 prints and compares as 1.1.
        (first..=last)
            .map(|i| (i as f64 * step * 1e9).round() / 1e9)
            .collect()
    }
}

fn widen(d0: f64, d1: f64) -> (f64, f64) {
    if (d1 - d0).abs() > f64::EPSILON * d0.abs().max(1.0) {
        return (d0, d1);
    }
    let pad = if d0 == 0.0 { 1.0 } else { d0.abs() * 0.05 };
    (d0 - pad, d1 + pad)
}

/// The round number (1, 2 or 5 × 10ⁿ) closest above `raw`.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * p
}

/// A domain around `values` padded by `pad` of its width on both sides (and containing
/// `include`, e.g. zero for bars), or `None` when there are no values.
pub(crate) fn domain(
    values: impl IntoIterator<Item = f64>,
    include: &[f64],
    pad: f64,
) -> Option<(f64, f64)> {
    let mut it = values
        .into_iter()
        .chain(include.iter().copied())
        .filter(|v| v.is_finite());
    let first = it.next()?;
    let (lo, hi) = it.fold((first, first), |(a, b), v| (a.min(v), b.max(v)));
    let w = (hi - lo).max(hi.abs() * 0.02).max(f64::EPSILON);
    let lo = if include.contains(&lo) {
        lo
    } else {
        lo - w * pad
    };
    let hi = if include.contains(&hi) {
        hi
    } else {
        hi + w * pad
    };
    Some((lo, hi))
}

/// The drawing area of a chart: its size and the margins the axes and labels live in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Frame {
    pub(crate) fn new(width: f64, height: f64) -> Frame {
        Frame {
            width,
            height,
            left: 60.0,
            right: 20.0,
            top: 12.0,
            bottom: 40.0,
        }
    }

    pub(crate) fn margins(mut self, left: f64, right: f64, top: f64, bottom: f64) -> Frame {
        (self.left, self.right, self.top, self.bottom) = (left, right, top, bottom);
        self
    }

    pub(crate) fn x0(&self) -> f64 {
        self.left
    }
    pub(crate) fn x1(&self) -> f64 {
        self.width - self.right
    }
    pub(crate) fn y0(&self) -> f64 {
        self.top
    }
    pub(crate) fn y1(&self) -> f64 {
        self.height - self.bottom
    }

    /// The horizontal axis at the bottom: grid lines, tick labels and the axis title.
    pub(crate) fn x_axis(
        &self,
        scale: &Scale,
        ticks: &[f64],
        label: impl Fn(f64) -> String,
        title: &str,
    ) -> Markup {
        html! {
            g.axis.x {
                @for &t in ticks {
                    line.grid x1=(n(scale.map(t))) x2=(n(scale.map(t))) y1=(n(self.y0())) y2=(n(self.y1())) {}
                    text x=(n(scale.map(t))) y=(n(self.y1() + 14.0)) text-anchor="middle" { (label(t)) }
                }
                line.baseline-axis x1=(n(self.x0())) x2=(n(self.x1())) y1=(n(self.y1())) y2=(n(self.y1())) {}
                text.title x=(n((self.x0() + self.x1()) / 2.0)) y=(n(self.height - 6.0)) text-anchor="middle" { (title) }
            }
        }
    }

    /// The vertical axis on the left: grid lines, tick labels and the (rotated) axis title.
    pub(crate) fn y_axis(
        &self,
        scale: &Scale,
        ticks: &[f64],
        label: impl Fn(f64) -> String,
        title: &str,
    ) -> Markup {
        let mid = (self.y0() + self.y1()) / 2.0;
        html! {
            g.axis.y {
                @for &t in ticks {
                    line.grid x1=(n(self.x0())) x2=(n(self.x1())) y1=(n(scale.map(t))) y2=(n(scale.map(t))) {}
                    text x=(n(self.x0() - 6.0)) y=(n(scale.map(t) + 4.0)) text-anchor="end" { (label(t)) }
                }
                line.baseline-axis x1=(n(self.x0())) x2=(n(self.x0())) y1=(n(self.y0())) y2=(n(self.y1())) {}
                text.title transform=(format!("translate(12 {}) rotate(-90)", n(mid))) text-anchor="middle" { (title) }
            }
        }
    }

    /// Category labels down the left side (one per band of a horizontal chart).
    pub(crate) fn y_bands(&self, labels: &[(String, bool)]) -> Markup {
        let band = self.band_height(labels.len());
        html! {
            g.axis.bands {
                @for (i, (label, strong)) in labels.iter().enumerate() {
                    text x=(n(self.x0() - 8.0)) y=(n(self.band_center(i, labels.len()) + 4.0))
                        text-anchor="end" class=[strong.then_some("strong")] { (label) }
                    @if i > 0 {
                        line.grid x1=(n(self.x0())) x2=(n(self.x1()))
                            y1=(n(self.y0() + band * i as f64)) y2=(n(self.y0() + band * i as f64)) {}
                    }
                }
            }
        }
    }

    pub(crate) fn band_height(&self, count: usize) -> f64 {
        (self.y1() - self.y0()) / count.max(1) as f64
    }

    pub(crate) fn band_center(&self, i: usize, count: usize) -> f64 {
        self.y0() + self.band_height(count) * (i as f64 + 0.5)
    }
}

/// The `<svg>` element of a chart; `label` is its accessible name (also shown as a tooltip).
pub(crate) fn svg(frame: &Frame, class: &str, label: &str, body: Markup) -> Markup {
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class=(format!("chart {class}"))
            viewBox=(format!("0 0 {} {}", n(frame.width), n(frame.height)))
            width=(n(frame.width)) height=(n(frame.height)) role="img" aria-label=(label) {
            title { (label) }
            (body)
        }
    }
}

/// A deterministic spread in [-0.5, 0.5) for the i-th point (golden-ratio sequence), so strip
/// plots do not stack equal values and snapshots stay stable.
pub(crate) fn jitter(i: usize) -> f64 {
    ((i as f64 + 1.0) * 0.618_033_988_749_895).fract() - 0.5
}

/// A `class` attribute from parts, skipping empty ones.
pub(crate) fn cls(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The CSS class of the i-th series colour (the palette lives in the stylesheet).
pub(crate) fn series_class(i: usize) -> String {
    format!("s{}", i % 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers_inside_the_domain() {
        let s = Scale::linear(0.93, 1.27, 0.0, 100.0);
        assert_eq!(s.ticks(4), vec![1.0, 1.1, 1.2]);
        let s = Scale::linear(-12.0, 4.0, 0.0, 100.0);
        assert_eq!(s.ticks(4), vec![-10.0, -5.0, 0.0]);
        let s = Scale::log(0.0008, 0.03, 0.0, 100.0);
        let ticks: Vec<String> = s.ticks(10).iter().map(|t| format!("{t}")).collect();
        assert_eq!(ticks, ["0.001", "0.002", "0.005", "0.01", "0.02"]);
    }

    #[test]
    fn coordinates_print_compactly() {
        assert_eq!(n(-0.01), "0");
        assert_eq!(n(12.0), "12");
        assert_eq!(n(12.345), "12.3");
        let s = Scale::linear(5.0, 5.0, 0.0, 10.0);
        assert!(s.map(5.0).is_finite());
    }
}

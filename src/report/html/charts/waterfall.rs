//! Where a change comes from (`--explain`): a horizontal waterfall from the baseline's total
//! to the variant's, one step per listed function (green when it got cheaper, red when
//! dearer), one for the rest, so that the steps visibly add up to the change.

use maud::{Markup, html};

use crate::explain::render::short;
use crate::explain::{Costs, Explanation};
use crate::report::html::charts::workload::empty;
use crate::report::html::svg::{Frame, Scale, cls, domain, n, svg};

/// A label that fits the left margin: long paths keep their end (the function's own name).
fn fit(name: &str, max: usize) -> String {
    let count = name.chars().count();
    if count <= max {
        return name.to_string();
    }
    let tail: String = name.chars().skip(count - (max - 1)).collect();
    format!("…{tail}")
}

/// One bar of the waterfall: from `from` to `to` on the cost axis.
struct Step {
    label: String,
    title: String,
    from: f64,
    to: f64,
    /// `total`, `better` or `worse`.
    class: &'static str,
}

fn steps(e: &Explanation) -> Vec<Step> {
    let d = &e.diff;
    let metric = d.metric.title();
    let total = |label: &str, v: u64| Step {
        label: label.to_string(),
        title: format!("{label}: {v} {metric}"),
        from: f64::NAN,
        to: v as f64,
        class: "total",
    };
    let mut out = vec![total(&e.baseline, d.total.a)];
    let mut level = d.total.a as f64;
    let parts = d
        .functions
        .iter()
        .map(|f| (f.name.as_str(), Costs { a: f.a, b: f.b }))
        .chain(std::iter::once(("rest", d.rest)));
    for (name, c) in parts {
        let change = c.change();
        let to = level + change as f64;
        out.push(Step {
            label: name.to_string(),
            title: format!("{name}: {} → {} {metric} ({change:+})", c.a, c.b),
            from: level,
            to,
            class: if change <= 0 { "better" } else { "worse" },
        });
        level = to;
    }
    out.push(total(&e.variant, d.total.b));
    out
}

/// The waterfall of one explanation.
pub(crate) fn waterfall(e: &Explanation) -> Markup {
    let steps = steps(e);
    let count = steps.len();
    let frame = Frame::new(720.0, 40.0 + 22.0 * count as f64).margins(250.0, 70.0, 8.0, 40.0);
    let values = steps
        .iter()
        .flat_map(|s| [s.from, s.to])
        .filter(|v| v.is_finite());
    let Some((lo, hi)) = domain(values, &[], 0.05) else {
        return empty(&frame, "waterfall", "nothing to explain");
    };
    let x = Scale::linear(lo, hi, frame.x0(), frame.x1());
    let band = frame.band_height(count);
    let labels: Vec<(String, bool)> = steps
        .iter()
        .map(|s| (fit(&s.label, 38), s.class == "total"))
        .collect();
    let metric = e.diff.metric.title();
    let body = html! {
        (frame.x_axis(&x, &x.ticks(5), |v| short(v as i128), &format!("{metric} (the axis does not start at zero)")))
        (frame.y_bands(&labels))
        @for (i, s) in steps.iter().enumerate() {
            @let cy = frame.band_center(i, count);
            @let (a, b) = if s.from.is_finite() { (s.from, s.to) } else { (lo, s.to) };
            @let (left, right) = (x.map(a.min(b)), x.map(a.max(b)));
            g class=(cls(&["step", s.class])) {
                rect x=(n(left)) width=(n((right - left).max(1.0)))
                    y=(n(cy - band * 0.35)) height=(n(band * 0.7)) {
                    title { (s.title) }
                }
                text.value x=(n(right + 4.0)) y=(n(cy + 4.0)) {
                    @if s.from.is_finite() {
                        @let change = s.to - s.from;
                        (if change > 0.0 { "+" } else { "" }) (short(change as i128))
                    } @else {
                        (short(s.to as i128))
                    }
                }
            }
            @if i + 1 < count {
                line.connector x1=(n(x.map(s.to))) x2=(n(x.map(s.to)))
                    y1=(n(cy + band * 0.35)) y2=(n(cy + band * 0.65)) {}
            }
        }
    };
    svg(
        &frame,
        "waterfall",
        &format!(
            "From {} to {}: the change in {metric} by function",
            e.baseline, e.variant
        ),
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn long_names_keep_their_end() {
        assert_eq!(fit("a::b", 10), "a::b");
        assert_eq!(fit("textproc::record::Record::parse", 12), "…cord::parse");
    }
}

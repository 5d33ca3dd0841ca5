//! `auto`'s trade-off chart: each variant of the final run placed by binary size (x) and speed
//! against the baseline (y, higher is faster), compile time as marker size, the Pareto front
//! connected and the pick marked.

use maud::{Markup, html};

use super::{pct_label, verdict_view};
use crate::report::html::charts::workload::empty;
use crate::report::html::svg::{Frame, Scale, cls, domain, n, svg};
use crate::run::Run;
use crate::ui::format_bytes;

struct Placed {
    v: usize,
    size: f64,
    /// Speed change in percent: `1 / time ratio − 1`, so +10% is 10% more work per second.
    speed: f64,
    lo: f64,
    hi: f64,
    compile: f64,
    class: &'static str,
}

/// `pareto` and `pick` index `run.variants`; `pick` is `None` when the run does not say it.
pub(crate) fn tradeoff(run: &Run, pareto: &[usize], pick: Option<usize>) -> Markup {
    let frame = Frame::new(720.0, 360.0).margins(70.0, 30.0, 16.0, 40.0);
    let placed: Vec<Placed> = (0..run.variants.len())
        .filter_map(|v| {
            let b = run.variants[v].build.as_ref()?;
            let (speed, lo, hi, class) = if v == run.baseline {
                (0.0, 0.0, 0.0, "baseline")
            } else {
                let s = run.speed(v, run.baseline).ok()?;
                let gain = |r: f64| (1.0 / r - 1.0) * 100.0;
                (
                    gain(s.ratio),
                    gain(s.hi),
                    gain(s.lo),
                    verdict_view(s.verdict).class,
                )
            };
            Some(Placed {
                v,
                size: b.file_size_bytes as f64,
                speed,
                lo,
                hi,
                compile: b.compile_time_secs,
                class,
            })
        })
        .collect();
    let Some((x0, x1)) = domain(placed.iter().map(|p| p.size), &[], 0.12) else {
        return empty(&frame, "tradeoff", "no variant built");
    };
    let (y0, y1) =
        domain(placed.iter().flat_map(|p| [p.lo, p.hi]), &[0.0], 0.12).unwrap_or((-1.0, 1.0));
    let x = Scale::linear(x0, x1, frame.x0(), frame.x1());
    let y = Scale::linear(y0, y1, frame.y1(), frame.y0());
    let max_compile = placed.iter().map(|p| p.compile).fold(0.0, f64::max);
    // Area, not radius, in proportion to compile time.
    let radius = |c: f64| {
        if max_compile > 0.0 {
            4.0 + 10.0 * (c / max_compile).sqrt()
        } else {
            6.0
        }
    };
    let mut front: Vec<&Placed> = placed.iter().filter(|p| pareto.contains(&p.v)).collect();
    front.sort_by(|a, b| a.size.total_cmp(&b.size));
    let title = "Speed against binary size for each variant of the final run; marker area is compile time, \
                 the line joins the Pareto front";
    let body = html! {
        (frame.x_axis(&x, &x.ticks(5), |b| format_bytes(b.max(0.0) as u64), "binary size"))
        (frame.y_axis(&y, &y.ticks(6), pct_label, "speed vs baseline (higher is faster)"))
        line.zero x1=(n(frame.x0())) x2=(n(frame.x1())) y1=(n(y.map(0.0))) y2=(n(y.map(0.0))) {}
        @if front.len() > 1 {
            polyline.front points=(front.iter().map(|p| format!("{},{}", n(x.map(p.size)), n(y.map(p.speed)))).collect::<Vec<_>>().join(" ")) {}
        }
        @for p in &placed {
            @let name = &run.variants[p.v].name;
            g class=(cls(&["point", p.class, if pareto.contains(&p.v) { "on-front" } else { "" }])) {
                title { (format!("{name}: {} speed, {}, compiles in {:.1} s", pct_label(p.speed), format_bytes(p.size as u64), p.compile)) }
                line.errorbar x1=(n(x.map(p.size))) x2=(n(x.map(p.size))) y1=(n(y.map(p.lo))) y2=(n(y.map(p.hi))) {}
                circle cx=(n(x.map(p.size))) cy=(n(y.map(p.speed))) r=(n(radius(p.compile))) {}
                text.label x=(n(x.map(p.size) + radius(p.compile) + 4.0)) y=(n(y.map(p.speed) - 4.0)) { (name) }
            }
            @if pick == Some(p.v) {
                g.pick {
                    circle cx=(n(x.map(p.size))) cy=(n(y.map(p.speed))) r=(n(radius(p.compile) + 5.0)) {}
                    text x=(n(x.map(p.size) + radius(p.compile) + 4.0)) y=(n(y.map(p.speed) + 14.0)) { "← pick" }
                }
            }
        }
    };
    svg(&frame, "tradeoff", title, body)
}

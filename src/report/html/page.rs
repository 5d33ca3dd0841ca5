//! The page itself: header, summary, `auto`'s search, one section per workload (table and
//! charts), binary size and compile time, variant details, notes, and the embedded data.

use anyhow::Result;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::charts::{
    builds, crates, pct_label, service, tradeoff, verdict_view, waterfall, workload,
};
use super::{details, embedded_json, health};
use crate::measure::WorkloadKind;
use crate::report::html::svg::series_class;
use crate::report::view::{TableView, Tone, view};
use crate::run::auto::{AutoResult, Decision};
use crate::run::pareto;
use crate::run::{Run, RunCommand};
use crate::ui::format_bytes;
use crate::ui::format_duration;

const STYLE: &str = include_str!("style.css");

fn table(t: &TableView) -> Markup {
    html! {
        table.results {
            caption { (t.title) }
            thead { tr { @for h in &t.headers { th scope="col" { (h) } } } }
            tbody {
                @for row in &t.rows {
                    tr {
                        @for (i, cell) in row.iter().enumerate() {
                            @let class = match (cell.best, cell.tone) {
                                (true, _) => Some("best"),
                                (false, Tone::Worse) => Some("worse"),
                                (false, Tone::Plain) => None,
                            };
                            @if i == 0 {
                                th scope="row" class=[class] { (cell.text) }
                            } @else {
                                td class=[class] { (cell.text) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn legend(run: &Run) -> Markup {
    html! {
        ul.legend aria-label="Variant colours" {
            @for (v, variant) in run.variants.iter().enumerate() {
                li { span class=(format!("swatch {}", series_class(v))) {} (variant.name) }
            }
        }
    }
}

fn figure(chart: Markup, caption: &str) -> Markup {
    html! { figure { (chart) figcaption { (caption) } } }
}

fn header(run: &Run) -> Markup {
    let h = &run.host;
    let stop = run.stop.map(|s| format!("{s:?}").to_lowercase());
    html! {
        header {
            h1 { "cargo tune " (run.command.as_str()) ": " code { (run.project.bin) } }
            p.meta {
                "Package " code { (run.project.package) } " at " code { (run.project.root.display()) } ". "
                "Started " time { (run.started) }
                @if let Some(f) = &run.finished { ", finished " time { (f) } }
                "; " (run.rounds) " rounds"
                @if let Some(s) = stop { " (stopped: " (s) ")" }
                " in " (format_duration(std::time::Duration::from_secs_f64(run.elapsed_secs.max(0.0)))) "."
            }
            p.meta {
                "rustc " (h.rustc_version) " (LLVM " (h.llvm_version) "), target " code { (h.target_triple) }
                @if let Some(cpu) = &h.cpu_model { ", " (cpu) }
                @if let Some(n) = h.cpus { ", " (n) " CPUs" }
                ". Noise threshold ±" (crate::report::format::trim_float(run.settings.noise_threshold * 100.0)) "%, "
                "changes with rank intervals at the level each verdict was decided at ("
                @if let Some(a) = &run.analysis { (a.design.method) } @else { "fixed rounds" }
                ", looks after " (looks(run)) " rounds; the rows share "
                (crate::report::format::trim_float((1.0 - run.settings.confidence) * 100.0))
                "% by Holm's procedure), seed " (run.settings.seed) "."
            }
            @if run.interrupted {
                p.warning { "This run was interrupted: its figures are partial." }
            }
        }
    }
}

/// The planned looks of the run's sequential design, "10, 15, 23, 30".
fn looks(run: &Run) -> String {
    run.analysis
        .as_ref()
        .map(|a| {
            a.design
                .looks
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn workload_section(run: &Run, w: usize, t: &TableView) -> Markup {
    let info = &run.workloads[w];
    let service = info.kind == WorkloadKind::Service;
    html! {
        section.workload id=(format!("workload-{w}")) {
            h2 { "Workload " code { (info.name) } " (" (info.kind) ")" }
            (table(t))
            (legend(run))
            div.charts {
                (figure(workload::distribution(run, w), &distribution_caption(run)))
                (figure(workload::change(run, w),
                    "Change against the baseline with its interval. Inside the shaded noise band a difference is not told apart from noise (≈ in the table); green is better beyond noise, red worse."))
                (figure(workload::run_order(run, w),
                    "Samples in measurement order; hollow dots are the warm-up runs, left out of every statistic. Lines moving together mean the machine drifted (interleaved rounds cancel that); a line apart only at the start means a warm-up effect."))
                @if service {
                    (figure(service::throughput(run, w), "Median requests per second with the median's interval."))
                    (figure(service::latency(run, w), "Latency percentiles (medians over the runs, log scale) with their intervals."))
                }
            }
        }
    }
}

fn distribution_caption(run: &Run) -> String {
    let mut text =
        "Every measured sample (warm-ups left out), jittered vertically; the bar is the \
                    median, the shaded box its interval; ringed dots are outliers. The baseline's \
                    row is highlighted."
            .to_string();
    let k = crate::report::layouts::measured(run);
    if k > 1 {
        text.push_str(&format!(
            " Dots are coloured by code layout (1 to {k}, the same colours in every row): a \
             variant whose dots split into clusters by colour has a layout-dependent time."
        ));
    }
    text
}

fn speed_cell(s: &Option<crate::measure::comparison::Comparison>) -> Markup {
    let Some(s) = s else { return html! { "—" } };
    // Shown as speed (1 / time ratio) like the trade-off chart: higher is faster.
    let gain = |r: f64| (1.0 / r - 1.0) * 100.0;
    let look = verdict_view(s.verdict);
    html! {
        span class=(look.class) title=(look.words) {
            (look.mark) (pct_label(gain(s.ratio))) " [" (pct_label(gain(s.hi))) ", " (pct_label(gain(s.lo))) "]"
        }
    }
}

fn decision_text(d: Decision) -> &'static str {
    match d {
        Decision::Baseline => "baseline",
        Decision::Kept => "kept",
        Decision::Dropped => "dropped",
        Decision::Rejected => "rejected",
        Decision::Skipped => "skipped",
    }
}

fn search_section(run: &Run, auto: Option<&AutoResult>) -> Markup {
    let (front, pick) = match auto {
        Some(a) => (a.pareto.clone(), Some(a.winner)),
        None => (pareto::front(run), None),
    };
    html! {
        section.search id="search" {
            h2 { "Search" }
            @if let Some(a) = auto {
                p.recommendation { (a.recommendation) }
            }
            (figure(tradeoff::tradeoff(run, &front, pick),
                "Each variant of the final run by size and speed against the baseline (the vertical bar is the speed's interval); marker area is compile time; the line joins the Pareto front (no other variant is faster, smaller and quicker to compile at once)."))
            @if let Some(a) = auto {
                table.path {
                    caption { "The path the search took: each candidate's speed against the one it was measured against, higher is faster" }
                    thead { tr { th { "#" } th { "Candidate" } th { "Against" } th { "Speed" } th { "Size" } th { "Compile" } th { "Decision" } } }
                    tbody {
                        @for (i, t) in a.path.iter().enumerate() {
                            tr class=(decision_text(t.decision)) {
                                td { (i + 1) }
                                th scope="row" { (t.candidate) }
                                td { (t.against.as_deref().unwrap_or("—")) }
                                td { (speed_cell(&t.speed)) }
                                td { (t.size_bytes.map_or("—".into(), format_bytes)) }
                                td { (t.compile_time_secs.map_or("—".into(), |s| format!("{s:.1} s"))) }
                                td { strong { (decision_text(t.decision)) } ": " (t.reason) }
                            }
                        }
                    }
                }
                @if !a.not_explored.is_empty() {
                    p { "Not explored:" }
                    ul { @for n in &a.not_explored { li { (n) } } }
                }
                p.meta {
                    "Tried " (a.configurations_tried) " of " (a.space_size) " configurations with "
                    (a.builds) " builds in " (format_duration(std::time::Duration::from_secs_f64(a.elapsed_secs))) "."
                }
            } @else {
                p.meta { "The search path and the pick are in the output of " code { "cargo tune auto --html FILE" } " or " code { "--json FILE" } "; a saved run keeps the final measurement only." }
            }
        }
    }
}

/// `--explain`: per explanation, its sentence, the waterfall, and the function and crate tables.
fn explain_section(run: &Run) -> Markup {
    use crate::explain::render::{presence, short};
    let change = |a: u64, b: u64| {
        let c = i128::from(b) - i128::from(a);
        format!("{}{}", if c > 0 { "+" } else { "" }, short(c))
    };
    html! {
        section id="explain" {
            h2 { "Where the change comes from" }
            @for e in &run.explain {
                h3 { code { (e.variant) } " against " code { (e.baseline) } ", workload " code { (e.workload) } }
                // The sentence marks names with backticks for the terminal.
                p { (crate::explain::render::headline(e).replace('`', "")) }
                div.charts {
                    (figure(waterfall::waterfall(e), "From the baseline's total to the variant's: each listed function's change, then the rest of the program's, counted by cachegrind."))
                }
                table.results {
                    caption { "Functions that changed most (A: " (e.baseline) ", B: " (e.variant) ")" }
                    thead { tr { th scope="col" { "Function" } th scope="col" { "Crate" } th scope="col" { "A" } th scope="col" { "B" } th scope="col" { "Change" } th scope="col" { "" } } }
                    tbody {
                        @for f in &e.diff.functions {
                            tr {
                                th scope="row" { code { (f.name) } }
                                td { (f.krate) } td { (short(f.a.into())) } td { (short(f.b.into())) }
                                td class=(if f.b > f.a { "worse" } else { "better" }) { (change(f.a, f.b)) }
                                td { (presence(e, &f.name).unwrap_or_default()) }
                            }
                        }
                        tr { th scope="row" { "rest" } td {} td { (short(e.diff.rest.a.into())) } td { (short(e.diff.rest.b.into())) } td { (change(e.diff.rest.a, e.diff.rest.b)) } td {} }
                    }
                }
                table.results {
                    caption { "By crate" }
                    thead { tr { th scope="col" { "Crate" } th scope="col" { "A" } th scope="col" { "B" } th scope="col" { "Change" } } }
                    tbody {
                        @for c in &e.crates {
                            tr { th scope="row" { (c.name) } td { (short(c.a.into())) } td { (short(c.b.into())) } td { (change(c.a, c.b)) } }
                        }
                    }
                }
            }
        }
    }
}

/// Bytes per crate: legend, stacked bars and the table (as in the terminal), when measured.
fn crates_part(run: &Run) -> Markup {
    let (Some((chart, names)), Some(t)) = (crates::crates(run), crate::report::crates::table(run))
    else {
        return html! {};
    };
    html! {
        h3 { "Size by crate" }
        ul.legend aria-label="Crates" {
            @for (i, name) in names.iter().enumerate() {
                li { span class=(format!("swatch {}", crates::class(&names, i))) {} (name) }
            }
        }
        div.charts {
            (figure(chart, "Bytes of .text, .rodata and .data.rel.ro of each binary, by the crate they belong to (from its symbols, or from the linker's map when it was stripped); unattributed: bytes no symbol covers, such as anonymous constants and padding."))
        }
        (table(&t))
    }
}

pub(super) fn page(run: &Run, auto: Option<&AutoResult>) -> Result<String> {
    let v = view(run);
    let data = match auto {
        Some(a) => embedded_json(a)?,
        None => embedded_json(run)?,
    };
    let title = format!("cargo tune {}: {}", run.command.as_str(), run.project.bin);
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (header(run))
                main {
                    section id="summary" {
                        h2 { "Summary" }
                        p.summary { (v.summary) }
                        ul.conventions { @for l in &v.legend { li { (l) } } }
                    }
                    @if auto.is_some() || run.command == RunCommand::Auto {
                        (search_section(run, auto))
                    }
                    @for (w, t) in v.tables.iter().enumerate() {
                        (workload_section(run, w, t))
                    }
                    (health::section(run))
                    @if !run.explain.is_empty() {
                        (explain_section(run))
                    }
                    section id="builds" {
                        h2 { "Builds" }
                        ul.legend aria-label="Binary sections" {
                            @for (class, name) in builds::SEGMENTS {
                                li { span class=(format!("swatch {class}")) {} (name) }
                            }
                        }
                        div.charts {
                            (figure(builds::size(run), "Size of each binary on disk, by section."))
                            (figure(builds::compile_time(run), "Wall time of the cold build(s) of each variant; † marks a figure from an earlier cold build of the same configuration."))
                        }
                        (crates_part(run))
                    }
                    section id="variants" {
                        h2 { "Variants" }
                        (details::variants(run))
                    }
                    @if !v.failures.is_empty() || !v.notes.is_empty() {
                        section id="notes" {
                            h2 { "Notes" }
                            @for (what, why) in &v.failures {
                                h3 { (what) }
                                pre.failure { (why) }
                            }
                            ul { @for n in &v.notes { li { (n) } } }
                        }
                    }
                }
                footer {
                    "Made by cargo-tune " (run.cargo_tune_version) ". This page is self-contained; the run's complete data (every sample) is embedded in it as JSON ("
                    code { "script#run-data" } ")."
                }
                script id="run-data" type="application/json" { (data) }
            }
        }
    };
    Ok(markup.into_string())
}

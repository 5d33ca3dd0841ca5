//! `auto`'s text output: the path the search took, what it left out, the Pareto front, the cost.

use std::fmt::Write;
use std::time::Duration;

use comfy_table::{CellAlignment, ContentArrangement, Table};

use crate::report::table::STYLE;

use crate::measure::comparison::Comparison;
use crate::measure::stats::Verdict;
use crate::measure::{Metric, WorkloadKind};
use crate::run::auto::{AutoResult, Decision};
use crate::tune_config::Goal;
use crate::ui::{BOLD, first_line, format_bytes, format_duration, paint};

pub(crate) fn goal_name(g: Goal) -> &'static str {
    match g {
        Goal::Speed => "fastest",
        Goal::Size => "smallest",
        Goal::Balanced => "best balanced",
    }
}

fn table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.force_no_tty();
    t.load_style(STYLE)
        .set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(headers.iter().copied());
    t
}

/// How speed changes are shown: as req/s when every workload is a service measured by req/s
/// (what service owners read), otherwise as time (or p99) — lower is better.
#[derive(Clone, Copy)]
struct Shown {
    per_second: bool,
    label: &'static str,
}

fn shown(r: &AutoResult) -> Shown {
    let services = r
        .final_run
        .workloads
        .iter()
        .all(|w| w.kind == WorkloadKind::Service);
    let p99 = (0..r.final_run.workloads.len()).all(|w| r.final_run.deciding(w) == Metric::P99);
    if super::recommendation::per_second(&r.final_run) {
        Shown {
            per_second: true,
            label: "Req/s",
        }
    } else if services && p99 {
        Shown {
            per_second: false,
            label: "p99",
        }
    } else {
        Shown {
            per_second: false,
            label: match r.final_run.settings.command_metric {
                crate::measure::Metric::Instructions => "Instructions",
                crate::measure::Metric::CyclesEst => "Est. cycles",
                crate::measure::Metric::Cpu => "CPU time",
                _ => "Time",
            },
        }
    }
}

fn speed_text(sp: &Option<Comparison>, how: Shown) -> String {
    let Some(s) = sp else { return "—".into() };
    // Req/s is the inverse of the time-like ratio; the interval flips with it.
    let (mid, lo, hi) = if how.per_second {
        (1.0 / s.ratio, 1.0 / s.hi, 1.0 / s.lo)
    } else {
        (s.ratio, s.lo, s.hi)
    };
    // The interval itself: rank intervals are often lopsided, so no "±".
    let pct = |x: f64| (x - 1.0) * 100.0;
    let mut text = format!("{:+.1}% [{:+.1}, {:+.1}]", pct(mid), pct(lo), pct(hi));
    if s.held_out {
        text.push_str(" held-out");
    }
    match s.verdict {
        Verdict::WithinNoise => format!("≈ {text}"),
        Verdict::Undecided => format!("? {text}"),
        Verdict::Better | Verdict::Worse => text,
    }
}

pub(crate) fn decision_text(d: Decision) -> &'static str {
    match d {
        Decision::Baseline => "baseline",
        Decision::Kept => "kept",
        Decision::Dropped => "dropped",
        Decision::Rejected => "rejected",
        Decision::Skipped => "skipped",
    }
}

/// Everything `auto` prints before the final table (without the costs `--verbose` adds).
#[cfg(test)]
pub(crate) fn render(r: &AutoResult, color: bool) -> String {
    render_with(r, color, false)
}

/// `render`, with each step's estimated and actual cost before the final table (`--verbose`).
pub(crate) fn render_with(r: &AutoResult, color: bool, costs: bool) -> String {
    let mut out = String::new();
    write_path(&mut out, r, color);
    super::budget::write_order(&mut out, r);
    write_not_explored(&mut out, r);
    let how = shown(r);
    super::budget::write_undecided(&mut out, r, &|sp| {
        speed_text(&Some(*sp), how)
            .trim_start_matches("? ")
            .to_string()
    });
    if r.interrupted {
        write_interrupted(&mut out, r, color);
        return out;
    }
    write_pareto(&mut out, r, color);
    write_cost(&mut out, r);
    if costs {
        let _ = writeln!(out, "{}", super::budget::costs(r));
    }
    let _ = writeln!(
        out,
        "{}",
        paint(color, BOLD, "Final measurement (all in one run)")
    );
    out
}

/// The search path: one row per trial, with the change against what it was measured against.
fn write_path(out: &mut String, r: &AutoResult, color: bool) {
    let _ = writeln!(
        out,
        "{}",
        paint(
            color,
            BOLD,
            &format!(
                "Search path ({} build; {} change vs the candidate it was measured against)",
                goal_name(r.goal),
                shown(r).label.to_lowercase()
            )
        )
    );
    let mut t = table(&[
        "#",
        "Candidate",
        "Against",
        shown(r).label,
        "Size",
        "Compile",
        "Decision",
    ]);
    for (i, trial) in r.path.iter().enumerate() {
        t.add_row(vec![
            (i + 1).to_string(),
            trial.candidate.clone(),
            trial.against.clone().unwrap_or_else(|| "—".into()),
            speed_text(&trial.speed, shown(r)),
            trial.size_bytes.map_or("—".into(), format_bytes),
            trial.compile_time_secs.map_or("—".into(), |s| {
                format_duration(Duration::from_secs_f64(s))
            }),
            format!(
                "{}: {}",
                decision_text(trial.decision),
                first_line(&trial.reason)
            ),
        ]);
    }
    align_right(&mut t, &[0, 3, 4, 5]);
    let _ = writeln!(out, "{t}");
    if r.path.iter().any(|t| t.decision == Decision::Kept) {
        let _ = writeln!(
            out,
            "Kept steps were kept for being the best of their step: their figures tend to be \
             optimistic (the winner's curse). The final run measures the pick again on fresh runs; \
             quote its figures."
        );
    }
}

fn write_not_explored(out: &mut String, r: &AutoResult) {
    if !r.not_explored.is_empty() {
        let _ = writeln!(out, "\nNot explored:");
        for n in &r.not_explored {
            let _ = writeln!(out, "  - {n}");
        }
    }
}

/// Why a search cut short by Ctrl-C recommends nothing, and a heading for what was measured.
fn write_interrupted(out: &mut String, r: &AutoResult, color: bool) {
    let _ = writeln!(
        out,
        "\nInterrupted after {} (budget {}): tried {} of {} configurations with {} builds; no Pareto front \
         and no recommendation from a partial search.\n",
        format_duration(Duration::from_secs_f64(r.elapsed_secs)),
        format_duration(Duration::from_secs_f64(r.budget_secs)),
        r.configurations_tried,
        r.space_size,
        r.builds,
    );
    if !r.final_run.variants.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            paint(color, BOLD, "Last measurement (cut short by Ctrl-C)")
        );
    }
}

/// The Pareto front of the final run, the recommended variant marked.
fn write_pareto(out: &mut String, r: &AutoResult, color: bool) {
    let run = &r.final_run;
    let _ = writeln!(
        out,
        "\n{}",
        paint(
            color,
            BOLD,
            "Pareto front (no other variant is faster, smaller and quicker to compile at once)"
        )
    );
    let vs = format!("{} vs baseline", shown(r).label);
    let mut p = table(&["Variant", &vs, "Size", "Compile"]);
    for &v in &r.pareto {
        let variant = &run.variants[v];
        let Some(b) = &variant.build else { continue };
        let sp = if v == 0 { None } else { run.speed(v, 0).ok() };
        let mark = if v == r.winner {
            " ← recommended"
        } else {
            ""
        };
        p.add_row(vec![
            format!("{}{mark}", variant.name),
            if v == 0 {
                "baseline".into()
            } else {
                speed_text(&sp, shown(r))
            },
            format_bytes(b.file_size_bytes),
            format_duration(Duration::from_secs_f64(b.compile_time_secs)),
        ]);
    }
    align_right(&mut p, &[1, 2, 3]);
    let _ = writeln!(out, "{p}");
}

/// What the search cost: configurations, builds and time against the budget.
fn write_cost(out: &mut String, r: &AutoResult) {
    let _ = writeln!(
        out,
        "\nTried {} of {} configurations with {} builds in {} (budget {}).",
        r.configurations_tried,
        r.space_size,
        r.builds,
        format_duration(Duration::from_secs_f64(r.elapsed_secs)),
        format_duration(Duration::from_secs_f64(r.budget_secs)),
    );
    super::budget::write_breakdown(out, r);
    let _ = writeln!(out);
}

fn align_right(t: &mut Table, cols: &[usize]) {
    for &c in cols {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

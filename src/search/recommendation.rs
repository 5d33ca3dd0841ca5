//! The sentence `auto` ends with: what to use, how its speed, size and compile time compare with
//! the baseline's, and what the pick trades away.

use super::options::SearchOptions;
use crate::measure::Metric;
use crate::measure::WorkloadKind;
use crate::measure::comparison::Comparison;
use crate::measure::stats::Verdict;
use crate::run::{BuildInfo, Run};
use crate::spec::Candidate;
use crate::ui::format_bytes;

/// One sentence: what to use, and its measured gain over the baseline with the interval.
pub(super) fn recommend(opts: &SearchOptions, run: &Run, w: usize, winner: &Candidate) -> String {
    let base = &run.variants[0];
    let name = &winner.name;
    if w == 0 {
        return format!(
            "Keep `{name}`: nothing tried was a real improvement for the {} goal beyond the ±{:.1}% noise threshold.{}",
            opts.goal,
            opts.final_settings.noise_threshold * 100.0,
            carries(run, w, winner)
        );
    }
    let Some(b) = &run.variants[w].build else {
        return format!("`{name}` was chosen, but its final build failed.");
    };
    format!(
        "Use `{name}` ({}): it {}, is {}, at {}.{}{}",
        winner.describe(),
        speed_clause(run, w),
        size_clause(b, base.build.as_ref()),
        compile_clause(b, base.build.as_ref()),
        carries(run, w, winner),
        cautions(winner, run, &opts.selection)
    )
}

/// For a profile-guided pick: whether its gain was measured on inputs its profile never saw.
fn carries(run: &Run, w: usize, winner: &Candidate) -> String {
    if !(winner.pgo || winner.bolt) {
        let mut names: Vec<&str> = run
            .variants
            .iter()
            .filter_map(|v| Some(v.fold.as_ref()?.of.as_str()))
            .collect();
        names.dedup();
        if names.is_empty() {
            return String::new();
        }
        return format!(
            " The profile-guided candidates ({}) were judged held-out: on each workload, built \
             from a profile that left that workload out.",
            names.join(", ")
        );
    }
    let held_out = run.speed(w, 0).is_ok_and(|sp| sp.held_out);
    if held_out {
        " That gain is held-out: on each workload it is the build whose profile left that \
         workload out, so it is what the profile gives on inputs it never saw."
            .to_string()
    } else {
        " That gain is in-sample: it was measured on the workloads its profile was trained on, \
         and may be smaller on other inputs (`--held-out` measures builds without each \
         workload's profile)."
            .to_string()
    }
}

/// The winner's size, with its change against the baseline's when that was built.
fn size_clause(b: &BuildInfo, base: Option<&BuildInfo>) -> String {
    match base {
        Some(bb) => {
            let pct = (b.file_size_bytes as f64 / bb.file_size_bytes as f64 - 1.0) * 100.0;
            format!("{} ({:+.0}% size)", format_bytes(b.file_size_bytes), pct)
        }
        None => format_bytes(b.file_size_bytes),
    }
}

fn compile_clause(b: &BuildInfo, base: Option<&BuildInfo>) -> String {
    base.map(|bb| {
        format!(
            "{:.1}× the compile time",
            b.compile_time_secs / bb.compile_time_secs.max(1e-3)
        )
    })
    .unwrap_or_default()
}

/// How the winner's speed compares with the baseline's, in the words its metric calls for.
fn speed_clause(run: &Run, w: usize) -> String {
    let base = &run.variants[0].name;
    let sp = match run.speed(w, 0) {
        Ok(sp) => sp,
        Err(e) => return format!("could not be compared with {base}: {e}"),
    };
    let level = format!("{:.1}%", run.confidence() * 100.0);
    match sp.verdict {
        Verdict::Undecided => format!(
            "could not be told apart from {base} at this noise ({:+.1}%, interval {:+.1}% to {:+.1}%)",
            sp.change_pct(),
            (sp.lo - 1.0) * 100.0,
            (sp.hi - 1.0) * 100.0
        ),
        Verdict::WithinNoise => format!(
            "runs within noise of {base} ({:+.1}% ±{:.1}%)",
            sp.change_pct(),
            sp.half_width_pct()
        ),
        // Service owners read req/s: say it that way when every workload is a service.
        _ if per_second(run) => requests_clause(&sp, base, &level),
        _ if only_counted(run) => counted_clause(&sp, base, run.settings.command_metric),
        _ => format!(
            "takes {:.1}% {} time than {base} ({level} interval {:+.1}% to {:+.1}%)",
            sp.change_pct().abs(),
            if sp.ratio < 1.0 { "less" } else { "more" },
            (sp.lo - 1.0) * 100.0,
            (sp.hi - 1.0) * 100.0
        ),
    }
}

fn requests_clause(sp: &Comparison, base: &str, level: &str) -> String {
    let pct = |x: f64| (1.0 / x - 1.0) * 100.0;
    format!(
        "serves {:.1}% {} requests per second than {base} ({level} interval {:+.1}% to {:+.1}%)",
        pct(sp.ratio).abs(),
        if sp.ratio < 1.0 { "more" } else { "fewer" },
        pct(sp.hi),
        pct(sp.lo)
    )
}

/// Whether every workload was counted (instructions or estimated cycles) rather than timed.
fn only_counted(run: &Run) -> bool {
    run.settings.command_metric.is_exact()
        && run
            .workloads
            .iter()
            .all(|w| w.kind == WorkloadKind::Command)
}

/// Counts: say what was counted, and the runs' spread instead of an interval.
fn counted_clause(sp: &Comparison, base: &str, counted: Metric) -> String {
    let what = match counted {
        Metric::CyclesEst => "estimated cycles",
        _ => "instructions",
    };
    format!(
        "executes {:.1}% {} {what} than {base} (counted by cachegrind; spread {:+.1}% to {:+.1}%)",
        sp.change_pct().abs(),
        if sp.ratio < 1.0 { "fewer" } else { "more" },
        (sp.lo - 1.0) * 100.0,
        (sp.hi - 1.0) * 100.0
    )
}

/// What the pick trades away besides compile time, said plainly.
fn cautions(winner: &Candidate, run: &Run, selection: &str) -> String {
    let mut out = String::new();
    let v = &winner.variant;
    if v.settings.panic == Some(crate::variant::Panic::Abort) {
        out.push_str(&format!(
            " It sets panic = \"abort\": a panic ends the process at once (no unwinding; catch_unwind \
             catches nothing). Your workloads ran fine with it; `cargo tune{selection} doctor` looks for code that \
             catches panics, and tests still unwind."
        ));
    }
    if let Some(cpu) = &v.target_cpu {
        out.push_str(&format!(
            " It builds for target-cpu={cpu}: the binary needs a CPU of that level to run."
        ));
    }
    if winner.pgo {
        // The same settings without PGO are usually in the final run: say what the profile alone gives.
        let plain = run.variants.iter().position(|r| {
            r.variant.settings == v.settings
                && r.variant.target_cpu == v.target_cpu
                && r.build.as_ref().is_some_and(|b| b.builds == 1)
        });
        let alone = plain
            .and_then(|i| if i == 0 { None } else { run.speed(i, 0).ok() })
            .map(|sp| {
                format!(
                    " (measured here: {:+.1}% ±{:.1}% time)",
                    sp.change_pct(),
                    sp.half_width_pct()
                )
            })
            .unwrap_or_default();
        out.push_str(&format!(
            " PGO is a build step, not a profile setting: a written profile holds the settings alone{alone}; \
             `cargo tune{selection} pgo` adds the profile-guided build."
        ));
    }
    out
}

/// Whether speed is best said in requests per second: every workload is a service judged by req/s.
pub(super) fn per_second(run: &Run) -> bool {
    !run.workloads.is_empty()
        && (0..run.workloads.len()).all(|w| run.deciding(w) == Metric::RequestsPerSec)
}

//! The plain-language paragraph under the tables: per variant, how it compares with the
//! baseline in speed (only differences beyond noise), size and compile time.

use crate::measure::Metric;
use crate::measure::WorkloadKind;
use crate::measure::stats::Verdict;
use crate::report::format::short_reason;
use crate::run::{Run, VariantResult};

/// A predicate phrase: its verb ("is", "takes", …) and the rest, so "is" need not repeat.
type Phrase = (&'static str, String);

fn pct(x: f64) -> String {
    if x >= 10.0 {
        format!("{x:.0}%")
    } else {
        format!("{x:.1}%")
    }
}

/// How variant `v` did on workload `w`; `base` is named in the first phrase that compares.
fn speed_phrase(run: &Run, v: usize, w: usize, base: &mut Option<&str>, many: bool) -> Phrase {
    let workload = &run.workloads[w];
    let on = if many {
        format!(" on {}", workload.name)
    } else {
        String::new()
    };
    let m = run.variants[v].measurement(w);
    if let Some(reason) = m.and_then(|m| m.failure.as_deref()) {
        return (
            "failed",
            format!("{on} ({})", short_reason(reason))
                .trim_start()
                .to_string(),
        );
    }
    if m.and_then(|m| m.summary.as_ref()).is_none() {
        return ("was", format!("not measured{on}"));
    }
    let baseline_failed = run
        .baseline()
        .and_then(|b| b.measurement(w))
        .is_none_or(|m| m.failure.is_some() || m.summary.is_none());
    if baseline_failed {
        return (
            "is",
            format!("not compared{on} (the baseline was not measured)"),
        );
    }
    let metric = run.deciding(w);
    let Some(c) = run.metric(v, w, metric).and_then(|s| s.vs_baseline) else {
        return ("is", format!("not compared{on} (too few runs)"));
    };
    match c.verdict {
        Verdict::WithinNoise => {
            let of = base.take().map(|b| format!(" of {b}")).unwrap_or_default();
            ("is", format!("within noise{of}{on}"))
        }
        Verdict::Undecided => {
            let against = base
                .take()
                .map(|b| format!(" against {b}"))
                .unwrap_or_default();
            (
                "is",
                format!(
                    "undecided{against}{on} ({:+.1}%, interval {:+.1}% to {:+.1}%: too noisy to tell)",
                    (c.ratio - 1.0) * 100.0,
                    (c.lo - 1.0) * 100.0,
                    (c.hi - 1.0) * 100.0
                ),
            )
        }
        _ => {
            let than = base
                .take()
                .map(|b| format!(" than {b}"))
                .unwrap_or_default();
            let change = (c.ratio - 1.0) * 100.0;
            let word = match (workload.kind, change < 0.0) {
                (WorkloadKind::Command, less) => command_word(metric, less),
                (WorkloadKind::Service, true) => "fewer req/s",
                (WorkloadKind::Service, false) => "more req/s",
            };
            let runs = run.metric(v, w, metric).map_or(0, |s| s.n);
            let spread = if metric.is_exact() && c.lo == c.hi {
                if runs >= 2 { "exact" } else { "1 run" }.to_string()
            } else {
                format!("±{:.1}%", c.half_width_pct())
            };
            (
                "is",
                format!("{:.1}% {word}{than}{on} ({spread})", change.abs()),
            )
        }
    }
}

/// How a change of the deciding metric of a command workload reads.
fn command_word(metric: Metric, less: bool) -> &'static str {
    match (metric, less) {
        (Metric::Instructions, true) => "fewer instructions",
        (Metric::Instructions, false) => "more instructions",
        (Metric::CyclesEst, true) => "fewer estimated cycles",
        (Metric::CyclesEst, false) => "more estimated cycles",
        (Metric::Cpu, true) => "less CPU time",
        (Metric::Cpu, false) => "more CPU time",
        (_, true) => "faster",
        (_, false) => "slower",
    }
}

/// `name`: the baseline's name when no phrase before this one named it.
fn size_phrase(v: &VariantResult, base: &VariantResult, name: Option<&str>) -> Option<Phrase> {
    let (a, b) = (v.build.as_ref()?, base.build.as_ref()?);
    if b.file_size_bytes == 0 {
        return None;
    }
    let change = (a.file_size_bytes as f64 / b.file_size_bytes as f64 - 1.0) * 100.0;
    let than = name.map(|n| format!(" than {n}")).unwrap_or_default();
    Some(if change.abs() < 0.5 {
        let as_ = name.map(|n| format!(" as {n}")).unwrap_or_default();
        ("is", format!("the same size{as_}"))
    } else if change < 0.0 {
        ("is", format!("{} smaller{than}", pct(-change)))
    } else {
        ("is", format!("{} larger{than}", pct(change)))
    })
}

/// One sentence for a variant that has no result on any workload: it failed or was not run
/// everywhere, so its size and compile time are not worth comparing either.
fn unusable_sentence(run: &Run, v: usize) -> Option<String> {
    let variant = &run.variants[v];
    let many = run.workloads.len() > 1;
    let mut failed = Vec::new();
    let mut unmeasured = Vec::new();
    for (w, workload) in run.workloads.iter().enumerate() {
        let m = variant.measurement(w);
        if let Some(reason) = m.and_then(|m| m.failure.as_deref()) {
            failed.push(if many {
                format!("on {} ({})", workload.name, short_reason(reason))
            } else {
                format!("({})", short_reason(reason))
            });
        } else if m.and_then(|m| m.summary.as_ref()).is_none() {
            unmeasured.push(workload.name.clone());
        } else {
            return None;
        }
    }
    let and = |items: &[String]| match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let failed_part = (!failed.is_empty()).then(|| format!("failed {}", and(&failed)));
    let unmeasured_part = (!unmeasured.is_empty()).then(|| {
        if failed.is_empty() {
            "was not measured".to_string()
        } else {
            format!("was not measured on {}", and(&unmeasured))
        }
    });
    let parts: Vec<String> = failed_part.into_iter().chain(unmeasured_part).collect();
    (!parts.is_empty()).then(|| format!("{} {}.", variant.name, parts.join(" and ")))
}

fn compile_phrase(v: &VariantResult, base: &VariantResult) -> Option<Phrase> {
    let (a, b) = (v.build.as_ref()?, base.build.as_ref()?);
    if b.compile_time_secs <= 0.0 {
        return None;
    }
    // One cold build each: a single observation, so only a large difference is stated.
    let r = a.compile_time_secs / b.compile_time_secs;
    let clear = crate::report::format::CLEARLY_QUICKER;
    Some(if r >= clear {
        (
            "took",
            format!("{r:.1}× as long to compile in one cold build"),
        )
    } else if r <= 1.0 / clear {
        (
            "compiled",
            format!("{:.1}× as fast in one cold build", 1.0 / r),
        )
    } else {
        (
            "compiled",
            "in a time not clearly different (one cold build each)".into(),
        )
    })
}

fn all_within_noise(run: &Run, v: usize) -> bool {
    (0..run.workloads.len()).all(|w| {
        run.metric(v, w, run.deciding(w))
            .and_then(|s| s.vs_baseline)
            .is_some_and(|c| c.verdict == Verdict::WithinNoise)
    })
}

/// "a, b, and c" with "is" said once per run of phrases that share it.
fn join(phrases: &[Phrase]) -> String {
    let mut parts = Vec::new();
    let mut prev = "";
    for (verb, rest) in phrases {
        if *verb == prev && *verb == "is" {
            parts.push(rest.clone());
        } else {
            parts.push(format!("{verb} {rest}"));
        }
        prev = verb;
    }
    match parts.len() {
        0 => String::new(),
        1 => parts.remove(0),
        2 => format!("{} and {}", parts[0], parts[1]),
        n => format!("{}, and {}", parts[..n - 1].join(", "), parts[n - 1]),
    }
}

/// The whole paragraph.
pub(crate) fn summary(run: &Run) -> String {
    let Some(base) = run.baseline() else {
        return "There is no baseline variant to compare with.".into();
    };
    let mut sentences = Vec::new();
    if let Some(reason) = &base.failure {
        sentences.push(format!(
            "The baseline {} did not build ({}), so nothing is compared.",
            base.name,
            short_reason(reason)
        ));
    }
    let many = run.workloads.len() > 1;
    for (v, variant) in run.variants.iter().enumerate() {
        // A held-out fold is told with the variant it belongs to (`training::sentences`).
        if v == run.baseline || base.failure.is_some() || variant.fold.is_some() {
            continue;
        }
        if let Some(reason) = &variant.failure {
            sentences.push(format!(
                "{} did not build ({}).",
                variant.name,
                short_reason(reason)
            ));
            continue;
        }
        if let Some(sentence) = unusable_sentence(run, v) {
            sentences.push(sentence);
            continue;
        }
        let mut mention = Some(base.name.as_str());
        let mut phrases: Vec<Phrase> = if many && all_within_noise(run, v) {
            mention = None;
            vec![(
                "is",
                format!("within noise of {} on every workload", base.name),
            )]
        } else {
            (0..run.workloads.len())
                .map(|w| speed_phrase(run, v, w, &mut mention, many))
                .collect()
        };
        // When no speed phrase named the baseline, the size phrase does.
        phrases.extend(size_phrase(variant, base, mention));
        phrases.extend(compile_phrase(variant, base));
        sentences.push(format!("{} {}.", variant.name, join(&phrases)));
    }
    sentences.extend(crate::report::layouts::sentence(run));
    if base.failure.is_none() {
        sentences.extend(crate::run::training::sentences(run));
    }
    if run.interrupted {
        sentences.push(format!(
            "The run was interrupted after {} complete round{}, so these figures are partial.",
            run.rounds,
            if run.rounds == 1 { "" } else { "s" }
        ));
    } else if run.stop == Some(crate::measure::StopReason::TimeLimit) {
        sentences.push(format!(
            "Measuring stopped at the time limit after {} rounds; comparisons marked ? (undecided) \
             may become clear with more runs.",
            run.rounds
        ));
    } else if run.stop == Some(crate::measure::StopReason::MaxRuns) {
        sentences.push(format!(
            "Measuring stopped at the maximum of {} rounds; comparisons marked ? (undecided) \
             could not be told apart from noise on this machine at that many runs.",
            run.rounds
        ));
    }
    if sentences.is_empty() {
        sentences.push(format!("Only the baseline {} was measured.", base.name));
    }
    sentences.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_phrases_saying_is_once() {
        let p = |v: &'static str, r: &str| (v, r.to_string());
        assert_eq!(
            join(&[
                p("is", "12% faster than release (±1.1%)"),
                p("is", "40% smaller"),
                p("takes", "2.1× as long to compile")
            ]),
            "is 12% faster than release (±1.1%), 40% smaller, and takes 2.1× as long to compile"
        );
        assert_eq!(
            join(&[p("failed", "on api (boom)"), p("is", "3.0% larger")]),
            "failed on api (boom) and is 3.0% larger"
        );
    }
}

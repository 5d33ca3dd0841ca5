//! The final word: the search's pick must hold up in the final measurement (one run, beside the
//! baseline and the reference points); if it does not, the best variant that does is chosen.

use super::evidence::{balanced_score, within_slowdown};
use super::options::SearchOptions;
use crate::measure::comparison::Comparison;
use crate::measure::stats::Verdict;
use crate::run::Run;
use crate::tune_config::Goal;

/// The pick holds: it stays unless another holding variant ranks better *and*, for speed, is
/// established faster than it in the same run. A speed difference the run could not decide is
/// said plainly instead of being broken silently.
fn settle(
    run: &Run,
    w: usize,
    opts: &SearchOptions,
    holds: &dyn Fn(usize) -> bool,
    rank: &dyn Fn(usize) -> f64,
) -> (usize, Option<String>) {
    if opts.goal != Goal::Speed || w == 0 {
        return (w, None);
    }
    let Some(rival) = (1..run.variants.len())
        .filter(|&i| i != w && holds(i) && rank(i) < rank(w))
        .min_by(|&a, &b| rank(a).total_cmp(&rank(b)))
    else {
        return (w, None);
    };
    let Ok(sp) = run.speed(rival, w) else {
        return (w, None);
    };
    let figures = format!(
        "{:+.1}%, interval {:+.1}% to {:+.1}%",
        sp.change_pct(),
        (sp.lo - 1.0) * 100.0,
        (sp.hi - 1.0) * 100.0
    );
    let (a, b) = (&run.variants[rival].name, &run.variants[w].name);
    match sp.verdict {
        Verdict::Better => (
            rival,
            Some(format!(
                "In the final run `{a}` measured faster than the search's pick `{b}` ({figures} time), so `{a}` is recommended. "
            )),
        ),
        Verdict::Undecided => (
            w,
            Some(format!(
                "In the final run `{a}` and `{b}` could not be separated at this noise ({a} against {b}: {figures} time); both are on the front, and `{b}`, the search's pick, is recommended. "
            )),
        ),
        Verdict::WithinNoise | Verdict::Worse => (w, None),
    }
}

/// When the recommendation was picked by its estimate among variants the final run did not tell
/// apart, its figure is the best of several noisy ones: say so, and what to count on instead.
fn curse(run: &Run, opts: &SearchOptions, holders: &[usize]) -> String {
    let (Some(&best), Some(&next)) = (holders.first(), holders.get(1)) else {
        return String::new();
    };
    if opts.goal != Goal::Speed
        || run
            .speed(best, next)
            .is_ok_and(|s| s.verdict == Verdict::Better)
    {
        return String::new();
    }
    let Ok(s) = run.speed(best, 0) else {
        return String::new();
    };
    format!(
        "It was chosen by its estimate among {} variants the final run could not tell apart, so \
         its {:+.1}% is likely optimistic: count on the near end of its interval, {:+.1}%. ",
        holders.len(),
        s.change_pct(),
        (s.hi - 1.0) * 100.0
    )
}

/// The index of the variant to recommend, and why the search's pick `w` was set aside, if it was.
pub(super) fn confirm(run: &Run, w: usize, opts: &SearchOptions) -> (usize, Option<String>) {
    let n = run.variants.len();
    let speed = |i: usize| -> Option<Comparison> {
        run.variants[i].build.as_ref()?;
        if i == 0 {
            Some(Comparison::SAME)
        } else {
            run.speed(i, 0).ok()
        }
    };
    let size = |i: usize| {
        run.variants[i]
            .build
            .as_ref()
            .map(|b| b.file_size_bytes as f64)
    };
    let compile = |i: usize| run.variants[i].build.as_ref().map(|b| b.compile_time_secs);
    let score = |i: usize| -> Option<f64> {
        let (s, z, c) = (
            speed(i)?,
            size(i)? / size(0)?,
            compile(i)? / compile(0)?.max(1e-3),
        );
        Some(balanced_score(&s, z, c))
    };
    // What the goal asks of a recommendation other than the baseline.
    let holds = |i: usize| match opts.goal {
        Goal::Speed => speed(i).is_some_and(|s| s.verdict == Verdict::Better),
        Goal::Size => {
            speed(i).is_some_and(|s| within_slowdown(&s, opts.allow_slowdown))
                && size(i).zip(size(0)).is_some_and(|(a, b)| a < b)
        }
        Goal::Balanced => score(i).is_some_and(|s| s > 1.0),
    };
    // Lower ranks better.
    let rank = |i: usize| match opts.goal {
        Goal::Speed => speed(i).map_or(f64::MAX, |s| s.ratio),
        Goal::Size => size(i).unwrap_or(f64::MAX),
        Goal::Balanced => -score(i).unwrap_or(0.0),
    };
    if w == 0 || holds(w) {
        return settle(run, w, opts, &holds, &rank);
    }
    let mut holders: Vec<usize> = (1..n).filter(|&i| holds(i)).collect();
    holders.sort_by(|&a, &b| rank(a).total_cmp(&rank(b)));
    let best = holders.first().copied().unwrap_or(0);
    let why = match (opts.goal, speed(w)) {
        (_, None) => match run.speed(w, 0) {
            Err(e) if run.variants[w].build.is_some() => format!("no verdict there: {e}"),
            _ => "it failed in the final run".to_string(),
        },
        (Goal::Speed | Goal::Size, Some(s)) => format!(
            "it measured {:+.1}% ±{:.1}% there{}",
            s.change_pct(),
            s.half_width_pct(),
            if s.held_out { ", held-out" } else { "" }
        ),
        (Goal::Balanced, Some(_)) => format!("its score there was {:.3}", score(w).unwrap_or(0.0)),
    };
    let mut note = format!(
        "The final measurement did not confirm the search's pick `{}` ({why}); `{}` is recommended instead. ",
        run.variants[w].name, run.variants[best].name
    );
    note.push_str(&curse(run, opts, &holders));
    (best, Some(note))
}

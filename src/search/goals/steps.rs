//! What the goals' strategies share: candidate construction and measured steps.

use anyhow::Result;

use crate::measure::comparison::Comparison;
use crate::measure::stats::Verdict;
use crate::run::Run;
use crate::run::auto::Decision;
use crate::search::driver::Searcher;
use crate::search::rejection::Rejection;
use crate::session::Built;
use crate::spec::{Candidate, parse_candidates};
use crate::tune_config::Goal;

pub(in crate::search) fn preset(s: &Searcher, name: &str) -> Candidate {
    let mut c =
        parse_candidates(&[name.to_string()], &[], &s.opts.base_profile).expect("built-in preset");
    c.remove(0)
}

pub(in crate::search) fn with_pgo(c: &Candidate) -> Candidate {
    Candidate {
        name: format!("{}+pgo", c.name),
        pgo: true,
        ..c.clone()
    }
}

/// A candidate's build and its speed against the step's reference, or why it has none.
pub(in crate::search) type Judged = Result<(Built, Comparison), Rejection>;

/// Built candidate `i` of a step and its speed against `cands[0]`, or why it has none.
pub(in crate::search) fn judge(
    s: &Searcher,
    run: &Run,
    built: &[Result<Built, Rejection>],
    i: usize,
) -> Judged {
    let b = built[i].clone()?;
    built[0]
        .as_ref()
        .map_err(|e| Rejection::Reference(Box::new(e.clone())))?;
    Ok((b, s.speed(run, i)?))
}

pub(in crate::search) fn describe_speed(sp: &Comparison) -> String {
    // The figures are in the path's Time column; the reason says what they mean.
    match sp.verdict {
        Verdict::WithinNoise => "within noise".into(),
        Verdict::Undecided => {
            "undecided at this noise (the interval holds both a gain and none)".into()
        }
        Verdict::Better => "faster beyond noise".into(),
        Verdict::Worse => "slower beyond noise".into(),
    }
}

/// Records a measured candidate as kept (the new best) or dropped.
pub(in crate::search) fn record_speed(
    s: &mut Searcher,
    c: &Candidate,
    against: &Candidate,
    b: &Built,
    sp: Comparison,
    keep: bool,
    why: String,
) {
    let decision = if keep {
        Decision::Kept
    } else {
        Decision::Dropped
    };
    s.record(c, Some(against), Some(b), Some(sp), decision, why);
}

/// Measures the first step; the baseline must build and run, or there is nothing to tune.
pub(in crate::search) fn seed(
    s: &mut Searcher,
    cands: &[Candidate],
) -> Result<(Run, Vec<Result<Built, Rejection>>)> {
    let settings = s.opts.step_settings.clone();
    // Speed: PGO on the baseline against the production bundle too, the seed picks between them.
    let extra: Vec<(usize, usize)> = match s.opts.goal {
        Goal::Speed => (2..cands.len()).map(|i| (i, 1)).collect(),
        Goal::Size | Goal::Balanced => Vec::new(),
    };
    let est = s.estimate(&cands.iter().collect::<Vec<_>>(), &settings);
    s.planned = Some((
        est,
        Some("first: the baseline and the likeliest winners, measured together".into()),
    ));
    let (run, built) = s.measure(cands, &settings, &extra)?;
    let base = &cands[0];
    match &built[0] {
        Err(e) => anyhow::bail!("the baseline `{}` did not build:\n{e}", base.name),
        Ok(b) => {
            if let Some(f) = run.variants[0]
                .measurements
                .iter()
                .find_map(|m| m.failure.as_ref())
            {
                anyhow::bail!(
                    "the workloads fail on the baseline `{}` itself:\n{f}",
                    base.name
                );
            }
            s.record(
                base,
                None,
                Some(b),
                None,
                Decision::Baseline,
                "the configuration as it is",
            );
        }
    }
    Ok((run, built))
}

/// One step: `cand` measured against `reference`; `Ok(None)` when the budget did not allow it.
pub(in crate::search) fn step(
    s: &mut Searcher,
    reference: &Candidate,
    cand: &Candidate,
) -> Result<Option<Judged>> {
    if s.was_tried(cand) {
        return Ok(None);
    }
    let settings = s.opts.step_settings.clone();
    let est = s.estimate(&[reference, cand], &settings);
    if let Err(why) = s.affordable(&est) {
        s.skip(format!("{} ({}): {why}", cand.name, cand.describe()));
        s.planned = None;
        return Ok(None);
    }
    if s.planned.is_none() {
        s.planned = Some((est, None));
    }
    let pair = [reference.clone(), cand.clone()];
    let (run, built) = s.measure(&pair, &settings, &[])?;
    Ok(Some(judge(s, &run, &built, 1)))
}

//! Goal size: min-size first; back off step by step until the allowed slowdown holds.

use anyhow::Result;

use super::moves::{Move, changed};
use super::steps::{Judged, describe_speed, judge, preset, seed, step, with_pgo};
use crate::run::auto::Decision;
use crate::search::driver::Searcher;
use crate::search::evidence::within_slowdown;
use crate::spec::Candidate;

pub(super) fn size(s: &mut Searcher) -> Result<(Candidate, Vec<Candidate>)> {
    let base = s.baseline.clone();
    let allow = s.opts.allow_slowdown;
    let min_size = preset(s, "min-size");
    let seed_set = vec![
        base.clone(),
        changed(&base, Move::StripSymbols),
        min_size.clone(),
    ];
    let (run, built) = seed(s, &seed_set)?;
    if s.opts.bolt {
        s.skip(
            "BOLT: it makes binaries larger, not smaller (the rewritten binary keeps the original \
             code and adds hot text aligned to 2 MiB: 644 KB became 6.5 MB on the bundled CLI)",
        );
    }
    let base_size = built[0]
        .as_ref()
        .map(|b| b.info.file_size_bytes)
        .unwrap_or(u64::MAX);
    let mut best = (base.clone(), base_size);
    let mut min_size_ok = false;
    for (i, c) in seed_set.iter().enumerate().skip(1) {
        let ok = decide_size(s, c, judge(s, &run, &built, i), allow, &mut best);
        min_size_ok |= ok && i == 2;
    }
    // min-size within the allowance: opt-level=s is sometimes smaller still. Otherwise back off
    // step by step, smallest first, until a configuration stays within the allowed slowdown.
    let mut followups = vec![changed(&min_size, Move::OptLevelS)];
    if !min_size_ok {
        if s.opts.pgo {
            followups.push(with_pgo(&min_size));
        }
        followups.extend([preset(s, "production"), preset(s, "balanced")]);
    }
    let mut found = false;
    for cand in followups {
        if found {
            s.skip(format!(
                "{}: a smaller configuration already stays within the allowed slowdown",
                cand.name
            ));
            continue;
        }
        if let Some(judged) = step(s, &base, &cand)? {
            found = decide_size(s, &cand, judged, allow, &mut best) && best.0.key() == cand.key();
        }
    }
    Ok((best.0, vec![min_size]))
}

/// Records a size candidate; returns whether it stayed within the allowed slowdown.
fn decide_size(
    s: &mut Searcher,
    c: &Candidate,
    judged: Judged,
    allow: f64,
    best: &mut (Candidate, u64),
) -> bool {
    let base = s.baseline.clone();
    let (b, sp) = match judged {
        Ok(j) => j,
        Err(e) => {
            s.record(c, Some(&base), None, None, Decision::Rejected, e);
            return false;
        }
    };
    let size = b.info.file_size_bytes;
    let ok = within_slowdown(&sp, allow);
    let (decision, why) = if !ok {
        (
            Decision::Rejected,
            format!("slower than the allowed {:.0}%", allow * 100.0),
        )
    } else if size < best.1 {
        *best = (c.clone(), size);
        (
            Decision::Kept,
            format!("smallest so far; {}", describe_speed(&sp)),
        )
    } else {
        (
            Decision::Dropped,
            format!("not smaller than {}; {}", best.0.name, describe_speed(&sp)),
        )
    };
    s.record(c, Some(&base), Some(&b), Some(sp), decision, why);
    ok
}

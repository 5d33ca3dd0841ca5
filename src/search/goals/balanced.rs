//! Goal balanced: the best speed-up per unit of compile time and size (see `balanced_score`).

use anyhow::Result;

use super::moves::{Move, changed};
use super::steps::{Judged, describe_speed, judge, preset, seed, step, with_pgo};
use crate::measure::stats::Verdict;
use crate::run::auto::Decision;
use crate::search::driver::Searcher;
use crate::search::evidence::balanced_score;
use crate::spec::Candidate;

pub(super) fn balanced(s: &mut Searcher) -> Result<(Candidate, Vec<Candidate>)> {
    let base = s.baseline.clone();
    let release_pgo = with_pgo(&base);
    let mut seed_set = vec![base.clone(), preset(s, "balanced"), preset(s, "production")];
    if s.opts.pgo {
        seed_set.push(release_pgo.clone());
    }
    let (run, built) = seed(s, &seed_set)?;
    let base_info = built[0]
        .as_ref()
        .map(|b| b.info.clone())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut best = (base.clone(), 1.0);
    let mut pgo_helps = false;
    for (i, c) in seed_set.iter().enumerate().skip(1) {
        let verdict = decide_balanced(s, c, judge(s, &run, &built, i), &base_info, &mut best);
        if c.key() == release_pgo.key() {
            // Undecided is carried forward: its interval still holds a real gain.
            pgo_helps = matches!(verdict, Some(Verdict::Better | Verdict::Undecided));
        }
    }
    let mut moves = Vec::new();
    if s.opts.x86_64 {
        moves.push(changed(&best.0, Move::CpuV3));
    }
    if s.opts.pgo && pgo_helps && !best.0.pgo {
        moves.push(with_pgo(&best.0));
    }
    for cand in moves {
        if let Some(judged) = step(s, &base, &cand)? {
            decide_balanced(s, &cand, judged, &base_info, &mut best);
        }
    }
    Ok((best.0, seed_set[1..].to_vec()))
}

/// Records a balanced candidate by its score; returns its speed verdict.
fn decide_balanced(
    s: &mut Searcher,
    c: &Candidate,
    judged: Judged,
    base: &crate::run::BuildInfo,
    best: &mut (Candidate, f64),
) -> Option<Verdict> {
    let baseline = s.baseline.clone();
    let (b, sp) = match judged {
        Ok(j) => j,
        Err(e) => {
            s.record(c, Some(&baseline), None, None, Decision::Rejected, e);
            return None;
        }
    };
    let size = b.info.file_size_bytes as f64 / base.file_size_bytes.max(1) as f64;
    let compile = b.info.compile_time_secs / base.compile_time_secs.max(1e-3);
    let score = balanced_score(&sp, size, compile);
    let keep = score > best.1 * 1.001;
    let why = format!(
        "score {score:.3} (size ×{size:.2}, compile ×{compile:.1}); {}",
        describe_speed(&sp)
    );
    if keep {
        *best = (c.clone(), score);
    }
    let decision = if keep {
        Decision::Kept
    } else {
        Decision::Dropped
    };
    s.record(c, Some(&baseline), Some(&b), Some(sp), decision, why);
    Some(sp.verdict)
}

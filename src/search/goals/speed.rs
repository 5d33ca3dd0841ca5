//! Goal speed: the production bundle and PGO first, then single changes on the best plain
//! configuration, then PGO and BOLT on top of the best. Each phase reads and updates one `Path`.

use anyhow::Result;

use super::moves::{Move, changed};
use super::steps::{describe_speed, judge, preset, record_speed, seed, step, with_pgo};
use crate::measure::stats::Verdict;
use crate::run::Run;
use crate::run::auto::Decision;
use crate::search::driver::Searcher;
use crate::search::rejection::Rejection;
use crate::session::Built;
use crate::spec::Candidate;

/// What the search knows so far.
struct Path {
    base: Candidate,
    production: Candidate,
    release_pgo: Candidate,
    /// The best configuration without PGO or BOLT.
    best_plain: Candidate,
    /// The best of all so far.
    best: Candidate,
    /// PGO on the baseline was established faster.
    pgo_helps: bool,
    /// Why PGO is not carried to other configurations: it failed, or it measured as no gain
    /// (an undecided result is carried forward: its interval still holds a real gain).
    pgo_pruned: Option<String>,
    /// The production bundle was shown to be within noise of the baseline.
    production_noise: bool,
}

pub(super) fn speed(s: &mut Searcher) -> Result<(Candidate, Vec<Candidate>)> {
    let mut p = seed_phase(s)?;
    single_changes(s, &mut p)?;
    pgo_on_best_plain(s, &mut p)?;
    bolt_on_best(s, &mut p)?;
    let mut refs = vec![p.production];
    if s.opts.pgo {
        refs.push(p.release_pgo);
    }
    refs.push(p.best_plain);
    Ok((p.best, refs))
}

/// The baseline, the production bundle and PGO on the baseline, measured together.
fn seed_phase(s: &mut Searcher) -> Result<Path> {
    let base = s.baseline.clone();
    let mut p = Path {
        production: preset(s, "production"),
        release_pgo: with_pgo(&base),
        best_plain: base.clone(),
        best: base.clone(),
        base,
        pgo_helps: false,
        pgo_pruned: None,
        production_noise: false,
    };
    let mut set = vec![p.base.clone(), p.production.clone()];
    if s.opts.pgo {
        set.push(p.release_pgo.clone());
    } else {
        s.skip("PGO (--no-pgo)");
    }
    let (run, built) = seed(s, &set)?;
    for (i, c) in set.iter().enumerate().skip(1) {
        match judge(s, &run, &built, i) {
            Err(e) => {
                if c.pgo {
                    p.pgo_pruned = Some(format!("PGO on the baseline failed ({})", e.headline()));
                }
                let b = built[i].as_ref().ok();
                s.record(c, Some(&p.base), b, None, Decision::Rejected, e)
            }
            Ok((b, sp)) => {
                let better = sp.verdict == Verdict::Better;
                if c.pgo {
                    p.pgo_helps = better;
                    p.pgo_pruned = match sp.verdict {
                        Verdict::WithinNoise => Some(
                            "PGO on the baseline measured within noise (its whole interval inside the band)"
                                .to_string(),
                        ),
                        Verdict::Worse => Some("PGO on the baseline measured slower".to_string()),
                        Verdict::Better | Verdict::Undecided => None,
                    };
                } else if better {
                    p.best_plain = c.clone();
                } else {
                    p.production_noise = sp.verdict == Verdict::WithinNoise;
                }
                let d = if better {
                    Decision::Kept
                } else {
                    Decision::Dropped
                };
                s.record(c, Some(&p.base), Some(&b), Some(sp), d, describe_speed(&sp));
            }
        }
    }
    // Between the seed's winners, the faster (measured in the same rounds).
    let pgo = p.pgo_helps.then(|| p.release_pgo.clone());
    p.best = pick(
        s,
        &run,
        &built,
        &set,
        p.best_plain.clone(),
        pgo,
        p.best.clone(),
    );
    Ok(p)
}

/// The single changes worth trying on the best plain configuration, most promising first.
fn moves(s: &mut Searcher, p: &Path) -> Vec<Move> {
    let mut moves = Vec::new();
    if p.best_plain.key() == p.production.key() {
        moves.push(Move::ThinLto);
    } else if p.production_noise {
        s.skip(
            "stronger LTO: the production bundle (fat LTO, one codegen unit) measured within noise",
        );
    } else {
        moves.extend([Move::FatLto, Move::ThinLto]);
    }
    if s.opts.x86_64 {
        moves.push(Move::CpuV3);
    }
    if s.opts.native {
        moves.push(Move::CpuNative);
    } else {
        s.skip("target-cpu=native (binaries would need this machine's CPU; allow with --native)");
    }
    moves.push(Move::OptLevel2);
    moves
}

/// Each move on the best plain configuration, kept when faster — or, for a cheaper build,
/// when shown to be within noise of it (an undecided difference is not a tie).
fn single_changes(s: &mut Searcher, p: &mut Path) -> Result<()> {
    let mut lto_noise = false;
    for m in moves(s, p) {
        if lto_noise && m.is_lto() {
            s.skip(format!("{}: fat LTO measured within noise", m.label()));
            continue;
        }
        let reference = p.best_plain.clone();
        let cand = changed(&reference, m);
        let Some(judged) = step(s, &reference, &cand)? else {
            continue;
        };
        let (b, sp) = match judged {
            Err(e) => {
                s.record(&cand, Some(&reference), None, None, Decision::Rejected, e);
                continue;
            }
            Ok(j) => j,
        };
        let cheaper = m.is_cheaper_on(&reference.variant);
        let keep = sp.verdict == Verdict::Better || (sp.verdict == Verdict::WithinNoise && cheaper);
        lto_noise |= m == Move::FatLto && sp.verdict == Verdict::WithinNoise;
        let why = if keep && sp.verdict != Verdict::Better {
            format!("{}; cheaper to build, so kept", describe_speed(&sp))
        } else if cheaper && sp.verdict == Verdict::Undecided {
            format!(
                "could not be separated from {} at this noise (not shown to be within noise), so the measured configuration stays",
                reference.name
            )
        } else {
            describe_speed(&sp)
        };
        record_speed(s, &cand, &reference, &b, sp, keep, why);
        if keep {
            if p.best.key() == p.best_plain.key() {
                p.best = cand.clone();
            }
            p.best_plain = cand;
        }
    }
    Ok(())
}

/// PGO on the best plain configuration, against the best so far — unless PGO was pruned.
fn pgo_on_best_plain(s: &mut Searcher, p: &mut Path) -> Result<()> {
    if !s.opts.pgo {
        return Ok(());
    }
    if let Some(why) = &p.pgo_pruned {
        s.skip(format!("PGO on other configurations: {why}"));
        return Ok(());
    }
    if p.best_plain.key() == p.base.key() {
        return Ok(());
    }
    let cand = with_pgo(&p.best_plain);
    try_on_best(s, p, cand)
}

/// BOLT on the best so far (on its PGO build when PGO won).
fn bolt_on_best(s: &mut Searcher, p: &mut Path) -> Result<()> {
    if !s.opts.bolt {
        s.skip("BOLT (llvm-bolt of rustc's LLVM version not found, or --no-bolt)");
        return Ok(());
    }
    if p.best.bolt {
        return Ok(());
    }
    let cand = p.best.with_bolt();
    try_on_best(s, p, cand)
}

/// Measures `cand` against the best so far; it becomes the best only when established faster.
fn try_on_best(s: &mut Searcher, p: &mut Path, cand: Candidate) -> Result<()> {
    let reference = p.best.clone();
    let Some(judged) = step(s, &reference, &cand)? else {
        return Ok(());
    };
    match judged {
        Err(e) => s.record(&cand, Some(&reference), None, None, Decision::Rejected, e),
        Ok((b, sp)) => {
            let keep = sp.verdict == Verdict::Better;
            record_speed(s, &cand, &reference, &b, sp, keep, describe_speed(&sp));
            if keep {
                p.best = cand;
            }
        }
    }
    Ok(())
}

/// The faster of a plain and a PGO candidate measured in the same run; the plain one unless the
/// PGO one is established faster than it.
fn pick(
    _s: &Searcher,
    run: &Run,
    built: &[Result<Built, Rejection>],
    set: &[Candidate],
    plain: Candidate,
    pgo: Option<Candidate>,
    fallback: Candidate,
) -> Candidate {
    let idx = |c: &Candidate| set.iter().position(|x| x.key() == c.key());
    let Some(pgo) = pgo else { return plain };
    match (idx(&plain), idx(&pgo)) {
        (Some(0), _) => pgo,
        (Some(p), Some(q)) if built[p].is_ok() && built[q].is_ok() => match run.speed(q, p) {
            Ok(sp) if sp.verdict == Verdict::Better => pgo,
            _ => plain,
        },
        _ => fallback,
    }
}

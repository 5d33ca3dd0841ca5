//! Goal speed: the production bundle and PGO first, then single changes on the best plain
//! configuration, then PGO on top of it.

use anyhow::Result;

use super::{Move, changed, describe_speed, judge, preset, record_speed, seed, step, with_pgo};
use crate::lab::{Built, Candidate};
use crate::measure::stats::Verdict;
use crate::report::Run;
use crate::search::Decision;
use crate::search::driver::Searcher;
use crate::search::rejection::Rejection;

pub(super) fn speed(s: &mut Searcher) -> Result<(Candidate, Vec<Candidate>)> {
    let base = s.baseline.clone();
    let production = preset(s, "production");
    let release_pgo = with_pgo(&base);
    let mut seed_set = vec![base.clone(), production.clone()];
    if s.opts.pgo {
        seed_set.push(release_pgo.clone());
    } else {
        s.skip("PGO (--no-pgo)");
    }
    let (run, built) = seed(s, &seed_set)?;

    // The seed: the classic bundle and PGO, each against the baseline.
    let mut best_plain = base.clone();
    let mut best = base.clone();
    let mut pgo_helps = false;
    // Why PGO is not carried to other configurations: it failed, or it measured as no gain
    // (an undecided result is carried forward: its interval still holds a real gain).
    let mut pgo_pruned: Option<String> = None;
    let mut production_noise = false;
    for (i, c) in seed_set.iter().enumerate().skip(1) {
        match judge(s, &run, &built, i) {
            Err(e) => {
                if c.pgo {
                    let why = e.headline();
                    pgo_pruned = Some(format!("PGO on the baseline failed ({why})"));
                }
                s.record(
                    c,
                    Some(&base),
                    built[i].as_ref().ok(),
                    None,
                    Decision::Rejected,
                    e,
                )
            }
            Ok((b, sp)) => {
                let better = sp.verdict == Verdict::Better;
                if c.pgo {
                    pgo_helps = better;
                    pgo_pruned = match sp.verdict {
                        Verdict::WithinNoise => Some(
                            "PGO on the baseline measured within noise (its whole interval inside the band)"
                                .to_string(),
                        ),
                        Verdict::Worse => Some("PGO on the baseline measured slower".to_string()),
                        Verdict::Better | Verdict::Undecided => None,
                    };
                } else if better {
                    best_plain = c.clone();
                } else {
                    production_noise = sp.verdict == Verdict::WithinNoise;
                }
                let d = if better {
                    Decision::Kept
                } else {
                    Decision::Dropped
                };
                s.record(c, Some(&base), Some(&b), Some(sp), d, describe_speed(&sp));
            }
        }
    }
    // Between the seed's winners, the faster (measured in the same rounds); ties to the cheaper.
    best = pick(
        s,
        &run,
        &built,
        &seed_set,
        best_plain.clone(),
        if pgo_helps {
            Some(release_pgo.clone())
        } else {
            None
        },
        best,
    );

    // Single changes on the best plain configuration, most promising first.
    let mut moves: Vec<Move> = Vec::new();
    if best_plain.key() == production.key() {
        moves.push(Move::ThinLto);
    } else if production_noise {
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
    let mut lto_noise = false;
    for m in moves {
        if lto_noise && m.is_lto() {
            s.skip(format!("{}: fat LTO measured within noise", m.label()));
            continue;
        }
        let cand = changed(&best_plain, m);
        let Some(judged) = step(s, &best_plain.clone(), &cand)? else {
            continue;
        };
        let reference = best_plain.clone();
        match judged {
            Err(e) => s.record(&cand, Some(&reference), None, None, Decision::Rejected, e),
            Ok((b, sp)) => {
                let cheaper = m.is_cheaper_on(&reference.variant);
                // A tie goes to the cheaper build only when the two are shown to be within noise
                // of each other; an undecided difference is not a tie.
                let keep = sp.verdict == Verdict::Better
                    || (sp.verdict == Verdict::WithinNoise && cheaper);
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
                    if best.key() == best_plain.key() {
                        best = cand.clone();
                    }
                    best_plain = cand;
                }
            }
        }
    }

    // PGO on the best plain configuration, against the best so far.
    if let (true, Some(why)) = (s.opts.pgo, &pgo_pruned) {
        s.skip(format!("PGO on other configurations: {why}"));
    } else if s.opts.pgo && best_plain.key() != base.key() {
        let cand = with_pgo(&best_plain);
        let reference = best.clone();
        if let Some(judged) = step(s, &reference, &cand)? {
            match judged {
                Err(e) => s.record(&cand, Some(&reference), None, None, Decision::Rejected, e),
                Ok((b, sp)) => {
                    let keep = sp.verdict == Verdict::Better;
                    record_speed(s, &cand, &reference, &b, sp, keep, describe_speed(&sp));
                    if keep {
                        best = cand;
                    }
                }
            }
        }
    }
    // BOLT on the best so far (with PGO when PGO won), kept only when established faster.
    if s.opts.bolt && !best.bolt {
        let cand = best.with_bolt();
        let reference = best.clone();
        if let Some(judged) = step(s, &reference, &cand)? {
            match judged {
                Err(e) => s.record(&cand, Some(&reference), None, None, Decision::Rejected, e),
                Ok((b, sp)) => {
                    let keep = sp.verdict == Verdict::Better;
                    record_speed(s, &cand, &reference, &b, sp, keep, describe_speed(&sp));
                    if keep {
                        best = cand;
                    }
                }
            }
        }
    } else if !s.opts.bolt {
        s.skip("BOLT (llvm-bolt of rustc's LLVM version not found, or --no-bolt)");
    }
    let mut refs = vec![production];
    if s.opts.pgo {
        refs.push(release_pgo);
    }
    refs.push(best_plain);
    Ok((best, refs))
}

/// The faster of a plain and a PGO candidate measured in the same run; the plain one unless the
/// PGO one is established faster than it.
fn pick(
    s: &Searcher,
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
        (Some(p), Some(q)) if built[p].is_ok() && built[q].is_ok() => {
            match crate::search::evidence::speed(run, q, p, s.opts.metric) {
                Ok(sp) if sp.verdict == Verdict::Better => pgo,
                _ => plain,
            }
        }
        _ => fallback,
    }
}

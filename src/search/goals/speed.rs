//! Goal speed: the production bundle and PGO first; then, step by step, a combination of two kept
//! winners (the best plain configuration with PGO) before anything else, and the other steps by
//! expected gain per second (`search::plan`); leftover budget goes to what stayed undecided.

use anyhow::Result;

use super::moves::{Move, changed};
use super::steps::{describe_speed, judge, preset, record_speed, seed, step, with_pgo};
use crate::measure::comparison::Comparison;
use crate::measure::stats::Verdict;
use crate::run::Run;
use crate::run::auto::Decision;
use crate::search::driver::Searcher;
use crate::search::plan::{self, Kind, Next};
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
    /// PGO's measured gain on the baseline (fraction of time saved), when measured.
    pgo_gain: Option<f64>,
    /// Fat LTO on the best plain configuration measured within noise.
    lto_noise: bool,
    /// Steps found unaffordable: time only runs out, so they are not planned again.
    unaffordable: Vec<String>,
    /// Configurations the first step could not decide against the baseline: not winners yet,
    /// but not without gain either, so each is combined with PGO too.
    undecided_plain: Vec<Candidate>,
    /// Single changes already measured (each is tried once, on the best plain configuration
    /// of its time).
    moves_tried: Vec<Move>,
}

pub(super) fn speed(s: &mut Searcher) -> Result<(Candidate, Vec<Candidate>)> {
    let mut p = seed_phase(s)?;
    say_what_is_left_out(s, &p);
    if let Some(why) = &p.pgo_pruned {
        s.skip(format!("PGO on other configurations: {why}"));
    }
    loop {
        explore(s, &mut p)?;
        if !more_time(s, &mut p)? {
            break;
        }
    }
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
        pgo_gain: None,
        lto_noise: false,
        unaffordable: Vec::new(),
        moves_tried: Vec::new(),
        undecided_plain: Vec::new(),
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
                learn_from_seed(&mut p, c, &sp);
                let d = if better {
                    Decision::Kept
                } else {
                    Decision::Dropped
                };
                s.record(c, Some(&p.base), Some(&b), Some(sp), d, describe_speed(&sp));
                if sp.verdict == Verdict::Undecided {
                    s.carry(c, &p.base, sp);
                }
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

/// What one seed candidate's verdict against the baseline tells the rest of the search.
fn learn_from_seed(p: &mut Path, c: &Candidate, sp: &Comparison) {
    if c.pgo {
        p.pgo_helps = sp.verdict == Verdict::Better;
        p.pgo_gain = Some(1.0 - sp.ratio);
        p.pgo_pruned = match sp.verdict {
            Verdict::WithinNoise => Some(
                "PGO on the baseline measured within noise (its whole interval inside the band)"
                    .to_string(),
            ),
            Verdict::Worse => Some("PGO on the baseline measured slower".to_string()),
            Verdict::Better | Verdict::Undecided => None,
        };
    } else if sp.verdict == Verdict::Better {
        p.best_plain = c.clone();
    } else {
        p.production_noise = sp.verdict == Verdict::WithinNoise;
        if sp.verdict == Verdict::Undecided {
            p.undecided_plain.push(c.clone());
        }
    }
}

/// The single changes worth trying on the best plain configuration; what is left out is said once.
fn moves(s: &Searcher, p: &Path) -> Vec<Move> {
    let mut moves = Vec::new();
    if p.best_plain.variant.settings.lto == Some(crate::variant::Lto::Fat) {
        moves.push(Move::ThinLto);
    } else if !p.production_noise {
        moves.extend([Move::FatLto, Move::ThinLto]);
    }
    if s.opts.x86_64 {
        moves.push(Move::CpuV3);
    }
    if s.opts.native {
        moves.push(Move::CpuNative);
    }
    moves.push(Move::OptLevel2);
    moves
}

fn say_what_is_left_out(s: &mut Searcher, p: &Path) {
    if p.production_noise {
        s.skip(
            "stronger LTO: the production bundle (fat LTO, one codegen unit) measured within noise",
        );
    }
    if !s.opts.native {
        s.skip("target-cpu=native (binaries would need this machine's CPU; allow with --native)");
    }
    if !s.opts.bolt {
        s.skip("BOLT (llvm-bolt of rustc's LLVM version not found, or --no-bolt)");
    }
}

/// Every step the search could take next, with its expected gain and estimated cost.
fn next_steps(s: &Searcher, p: &Path) -> Vec<Next> {
    let mut out = Vec::new();
    let mut add =
        |s: &Searcher, cand: Candidate, against: &Candidate, kind: Kind, measured: Option<f64>| {
            if s.was_tried(&cand) || p.unaffordable.contains(&cand.key()) {
                return;
            }
            let (prior_gain, source) = plan::prior(kind);
            let (gain, source) = match measured {
                Some(g) => (
                    g.max(0.0),
                    format!("PGO's measured gain on {}: {:.1}%", p.base.name, g * 100.0),
                ),
                None => (prior_gain, source.to_string()),
            };
            let cost = s.estimate(&[against, &cand], &s.opts.step_settings);
            out.push(Next {
                cand,
                kind,
                gain,
                source,
                cost,
            });
        };
    if s.opts.pgo && p.pgo_pruned.is_none() {
        let plain = std::iter::once(&p.best_plain).filter(|c| c.key() != p.base.key());
        for c in plain.chain(&p.undecided_plain) {
            add(s, with_pgo(c), &p.best, Kind::Combine, p.pgo_gain);
        }
    }
    for m in moves(s, p) {
        if (p.lto_noise && m.is_lto()) || p.moves_tried.contains(&m) {
            continue;
        }
        add(
            s,
            changed(&p.best_plain, m),
            &p.best_plain,
            Kind::Refine(m),
            None,
        );
    }
    if s.opts.bolt && !p.best.bolt {
        add(s, p.best.with_bolt(), &p.best, Kind::Bolt, None);
    }
    plan::order(&mut out);
    out
}

/// Takes the next steps in order until none is left that the budget allows; each unaffordable
/// one is listed under "Not explored" with what it would need.
fn explore(s: &mut Searcher, p: &mut Path) -> Result<()> {
    loop {
        let steps = next_steps(s, p);
        let Some(first) = steps.first() else {
            return Ok(());
        };
        if let Err(why) = s.affordable(&first.cost) {
            s.skip(format!(
                "{} ({}): {why}",
                first.cand.name,
                first.cand.describe()
            ));
            p.unaffordable.push(first.cand.key());
            continue;
        }
        s.planned = Some((first.cost, Some(plan::reason(&steps))));
        let next = first.clone();
        match next.kind {
            Kind::Refine(m) => single_change(s, p, m, &next.cand)?,
            Kind::Combine | Kind::Bolt => try_on_best(s, p, next.cand)?,
        }
    }
}

/// A move on the best plain configuration, kept when faster — or, for a cheaper build, when
/// shown to be within noise of it (an undecided difference is not a tie).
fn single_change(s: &mut Searcher, p: &mut Path, m: Move, cand: &Candidate) -> Result<()> {
    p.moves_tried.push(m);
    let reference = p.best_plain.clone();
    let Some(judged) = step(s, &reference, cand)? else {
        return Ok(());
    };
    let (b, sp) = match judged {
        Err(e) => {
            s.record(cand, Some(&reference), None, None, Decision::Rejected, e);
            return Ok(());
        }
        Ok(j) => j,
    };
    let cheaper = m.is_cheaper_on(&reference.variant);
    let keep = sp.verdict == Verdict::Better || (sp.verdict == Verdict::WithinNoise && cheaper);
    p.lto_noise |= m == Move::FatLto && sp.verdict == Verdict::WithinNoise;
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
    record_speed(s, cand, &reference, &b, sp, keep, why);
    if sp.verdict == Verdict::Undecided && !keep {
        s.carry(cand, &reference, sp);
    }
    if keep {
        adopt_plain(p, cand);
    }
    Ok(())
}

/// A new best plain configuration; it is also the best when no stage is in the best so far.
fn adopt_plain(p: &mut Path, cand: &Candidate) {
    if p.best.key() == p.best_plain.key() {
        p.best = cand.clone();
    }
    p.best_plain = cand.clone();
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
            if sp.verdict == Verdict::Undecided {
                s.carry(&cand, &reference, sp);
            }
            if keep {
                // It helped on top of PGO: its configuration is a winner after all.
                if let Some(i) = p
                    .undecided_plain
                    .iter()
                    .position(|c| with_pgo(c).key() == cand.key())
                {
                    p.best_plain = p.undecided_plain.remove(i);
                }
                p.best = cand;
            }
        }
    }
    Ok(())
}

/// Leftover budget goes to the comparisons left undecided, one at a time; one that turns out
/// faster is adopted when what it was measured against is still the best of its kind, and the
/// search goes on from there.
fn more_time(s: &mut Searcher, p: &mut Path) -> Result<bool> {
    let Some((cand, against, judged)) = s.retry_undecided()? else {
        return Ok(false);
    };
    match judged {
        Err(e) => s.record(&cand, Some(&against), None, None, Decision::Rejected, e),
        Ok((b, sp)) => {
            let better = sp.verdict == Verdict::Better;
            let keep = better && adoptable(p, &cand, &against);
            let why = if better && !keep {
                format!(
                    "with more time: faster than {} beyond noise, but {} is the best now and was \
                     not measured against it",
                    against.name,
                    of_its_kind(p, &cand).name
                )
            } else {
                format!("with more time: {}", describe_speed(&sp))
            };
            record_speed(s, &cand, &against, &b, sp, keep, why);
            if keep && (cand.pgo || cand.bolt) {
                p.best = cand;
            } else if keep {
                adopt_plain(p, &cand);
            }
        }
    }
    Ok(true)
}

/// What a candidate must beat to be adopted: the best of all for a PGO or BOLT build, the best
/// plain configuration for a plain one.
fn of_its_kind<'p>(p: &'p Path, cand: &Candidate) -> &'p Candidate {
    if cand.pgo || cand.bolt {
        &p.best
    } else {
        &p.best_plain
    }
}

/// Whether a carried comparison decided faster may be adopted: only when what it was measured
/// against is still the best of its kind. A BOLT build shown faster than `production`, once
/// `production+pgo` has become the best, was never measured against that one and does not
/// replace it.
fn adoptable(p: &Path, cand: &Candidate, against: &Candidate) -> bool {
    against.key() == of_its_kind(p, cand).key()
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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::search::testing::candidate as cand;

    fn path(best_plain: &str, best: &str) -> Path {
        Path {
            base: cand("release"),
            production: cand("production"),
            release_pgo: cand("release+pgo"),
            best_plain: cand(best_plain),
            best: cand(best),
            pgo_helps: true,
            pgo_pruned: None,
            production_noise: false,
            pgo_gain: None,
            lto_noise: false,
            unaffordable: Vec::new(),
            undecided_plain: Vec::new(),
            moves_tried: Vec::new(),
        }
    }

    /// Seen in a real `auto` run on textproc: `production+bolt`, carried against `production`,
    /// was decided faster with more time after `production+pgo` (17% faster than `production`)
    /// had become the best, and replaced it.
    #[test]
    fn a_carried_comparison_is_adopted_only_against_the_best_of_its_kind() {
        let p = path("production", "production+pgo");
        let production = cand("production");
        assert!(!adoptable(&p, &cand("production+bolt"), &production));
        assert!(adoptable(
            &p,
            &cand("production+pgo+bolt"),
            &cand("production+pgo")
        ));
        // A plain configuration is measured against the best plain one.
        assert!(adoptable(
            &p,
            &cand("production+target-cpu=x86-64-v3"),
            &production
        ));
        assert!(!adoptable(&p, &cand("release+lto=thin"), &cand("release")));
        // Before any stage won, the best is the best plain configuration: both kinds adopt.
        let p = path("production", "production");
        assert!(adoptable(&p, &cand("production+bolt"), &production));
        assert!(adoptable(&p, &cand("production+pgo"), &production));
    }
}

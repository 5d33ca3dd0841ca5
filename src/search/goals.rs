//! The three goals' search strategies. What is known about the knobs orders the moves: likely
//! winners first (the production bundle, PGO), then single changes stacked on what helped;
//! a direction that measured as noise is not pushed further; ties go to the cheaper build.

use anyhow::Result;

use super::Decision;
use super::driver::Searcher;
use super::evidence::{Speed, balanced_score, within_slowdown};
use crate::config::Goal;
use crate::lab::{Built, Candidate, parse_candidates};
use crate::measure::stats::Verdict;
use crate::report::Run;

/// Runs the goal's search; returns the winner and the reference points for the final run.
pub(super) fn run(s: &mut Searcher) -> Result<(Candidate, Vec<Candidate>)> {
    match s.opts.goal {
        Goal::Speed => speed(s),
        Goal::Size => size(s),
        Goal::Balanced => balanced(s),
    }
}

fn preset(s: &Searcher, name: &str) -> Candidate {
    let mut c =
        parse_candidates(&[name.to_string()], &[], &s.opts.base_profile).expect("built-in preset");
    c.remove(0)
}

fn changed(c: &Candidate, change: &str) -> Candidate {
    let mut n = c.clone();
    n.variant.apply_spec(change).expect("built-in change");
    n.name = format!("{}+{change}", c.name);
    n.variant.name = n.name.clone();
    n
}

fn with_pgo(c: &Candidate) -> Candidate {
    Candidate {
        name: format!("{}+pgo", c.name),
        pgo: true,
        ..c.clone()
    }
}

/// A candidate's build and its speed against the step's reference, or why it has none.
type Judged = Result<(Built, Speed), String>;

/// Built candidate `i` of a step and its speed against `cands[0]`, or why it has none.
fn judge(s: &Searcher, run: &Run, built: &[Result<Built, String>], i: usize) -> Judged {
    let b = built[i].clone()?;
    built[0]
        .as_ref()
        .map_err(|e| format!("the reference failed: {e}"))?;
    Ok((b, s.speed(run, i)?))
}

fn describe_speed(sp: &Speed) -> String {
    match sp.verdict {
        Verdict::WithinNoise => format!(
            "within noise ({:+.1}% ±{:.1}%)",
            sp.change_pct(),
            sp.half_width_pct()
        ),
        Verdict::Better => format!(
            "{:.1}% faster (±{:.1}%)",
            -sp.change_pct(),
            sp.half_width_pct()
        ),
        Verdict::Worse => format!(
            "{:.1}% slower (±{:.1}%)",
            sp.change_pct(),
            sp.half_width_pct()
        ),
    }
}

/// Measures the first step; the baseline must build and run, or there is nothing to tune.
fn seed(s: &mut Searcher, cands: &[Candidate]) -> Result<(Run, Vec<Result<Built, String>>)> {
    let settings = s.opts.step_settings.clone();
    let (run, built) = s.measure(cands, &settings)?;
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
fn step(s: &mut Searcher, reference: &Candidate, cand: &Candidate) -> Result<Option<Judged>> {
    if s.was_tried(cand) {
        return Ok(None);
    }
    if let Err(why) = s.affordable(&[reference, cand], 2) {
        s.skip(format!("{} ({}): {why}", cand.name, cand.describe()));
        return Ok(None);
    }
    let settings = s.opts.step_settings.clone();
    let pair = [reference.clone(), cand.clone()];
    let (run, built) = s.measure(&pair, &settings)?;
    Ok(Some(judge(s, &run, &built, 1)))
}

fn speed(s: &mut Searcher) -> Result<(Candidate, Vec<Candidate>)> {
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
    let mut production_noise = false;
    for i in 1..seed_set.len() {
        let c = &seed_set[i];
        match judge(s, &run, &built, i) {
            Err(e) => s.record(
                c,
                Some(&base),
                built[i].as_ref().ok(),
                None,
                Decision::Rejected,
                e,
            ),
            Ok((b, sp)) => {
                let better = sp.verdict == Verdict::Better;
                if c.pgo {
                    pgo_helps = better;
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
    let mut moves: Vec<&str> = Vec::new();
    if best_plain.key() == production.key() {
        moves.push("lto=thin");
    } else if production_noise {
        s.skip(
            "stronger LTO: the production bundle (fat LTO, one codegen unit) measured within noise",
        );
    } else {
        moves.extend(["lto=fat,codegen-units=1", "lto=thin"]);
    }
    if s.opts.x86_64 {
        moves.push("target-cpu=x86-64-v3");
    }
    if s.opts.native {
        moves.push("target-cpu=native");
    } else {
        s.skip("target-cpu=native (binaries would need this machine's CPU; allow with --native)");
    }
    moves.push("opt-level=2");
    let mut lto_noise = false;
    for m in moves {
        if lto_noise && m.starts_with("lto=") {
            s.skip(format!("{m}: fat LTO measured within noise"));
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
                // Thin instead of fat LTO is the one move that makes the build cheaper.
                let cheaper = m == "lto=thin"
                    && reference.variant.settings.lto == Some(crate::variant::Lto::Fat);
                let keep = sp.verdict == Verdict::Better
                    || (sp.verdict == Verdict::WithinNoise && cheaper);
                lto_noise |= m.starts_with("lto=fat") && sp.verdict != Verdict::Better;
                let why = if keep && sp.verdict != Verdict::Better {
                    format!("{}; cheaper to build, so kept", describe_speed(&sp))
                } else {
                    describe_speed(&sp)
                };
                s.record(
                    &cand,
                    Some(&reference),
                    Some(&b),
                    Some(sp),
                    if keep {
                        Decision::Kept
                    } else {
                        Decision::Dropped
                    },
                    why,
                );
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
    if s.opts.pgo && !pgo_helps {
        s.skip("PGO on other configurations: PGO on the baseline measured as no real gain");
    } else if s.opts.pgo && best_plain.key() != base.key() {
        let cand = with_pgo(&best_plain);
        let reference = best.clone();
        if let Some(judged) = step(s, &reference, &cand)? {
            match judged {
                Err(e) => s.record(&cand, Some(&reference), None, None, Decision::Rejected, e),
                Ok((b, sp)) => {
                    let keep = sp.verdict == Verdict::Better;
                    s.record(
                        &cand,
                        Some(&reference),
                        Some(&b),
                        Some(sp),
                        if keep {
                            Decision::Kept
                        } else {
                            Decision::Dropped
                        },
                        describe_speed(&sp),
                    );
                    if keep {
                        best = cand;
                    }
                }
            }
        }
    }
    let mut refs = vec![production];
    if s.opts.pgo {
        refs.push(release_pgo);
    }
    refs.push(best_plain);
    Ok((best, refs))
}

/// The faster of a plain and a PGO candidate measured in the same run; ties go to the plain one.
fn pick(
    s: &Searcher,
    run: &Run,
    built: &[Result<Built, String>],
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
            match super::evidence::speed(run, q, p, s.opts.metric) {
                Ok(sp) if sp.verdict == Verdict::Better => pgo,
                _ => plain,
            }
        }
        _ => fallback,
    }
}

fn size(s: &mut Searcher) -> Result<(Candidate, Vec<Candidate>)> {
    let base = s.baseline.clone();
    let allow = s.opts.allow_slowdown;
    let min_size = preset(s, "min-size");
    let seed_set = vec![
        base.clone(),
        changed(&base, "strip=symbols"),
        min_size.clone(),
    ];
    let (run, built) = seed(s, &seed_set)?;
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
    let mut followups = vec![changed(&min_size, "opt-level=s")];
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
            format!(
                "{}: beyond the allowed {:.0}% slowdown",
                describe_speed(&sp),
                allow * 100.0
            ),
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

fn balanced(s: &mut Searcher) -> Result<(Candidate, Vec<Candidate>)> {
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
            pgo_helps = verdict == Some(Verdict::Better);
        }
    }
    let mut moves = Vec::new();
    if s.opts.x86_64 {
        moves.push(changed(&best.0, "target-cpu=x86-64-v3"));
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
    base: &crate::report::BuildInfo,
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

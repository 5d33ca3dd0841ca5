//! How far a profile-guided figure carries: which workloads a PGO/BOLT variant trained on, which
//! of its measurements are therefore in-sample, and its held-out folds (the same build with a
//! profile that left the measured workload out), linked beside the in-sample figures.

use crate::measure::stats::Verdict;
use crate::run::Run;
use crate::run::fold::HeldOut;

/// The fold of variant `v` that left workload `w` out, if the run has it.
pub(crate) fn fold_of(run: &Run, v: usize, w: usize) -> Option<usize> {
    let (of, workload) = (&run.variants.get(v)?.name, &run.workloads.get(w)?.name);
    run.variants.iter().position(|x| {
        x.fold
            .as_ref()
            .is_some_and(|f| &f.of == of && &f.held_out == workload)
    })
}

/// Whether `v` against `reference` is judged held-out: either side has folds and every
/// profile-guided side does (a held-out figure against an in-sample one would favour the
/// in-sample side). Then each side is taken, on each workload, from its fold that left it out.
pub(crate) fn held_out_applies(run: &Run, v: usize, reference: usize) -> bool {
    let folded = |i: usize| (0..run.workloads.len()).any(|w| fold_of(run, i, w).is_some());
    let guided = |i: usize| !run.variants[i].trained_on.is_empty();
    let sides = [v, reference];
    sides.iter().any(|&i| folded(i)) && !sides.iter().any(|&i| guided(i) && !folded(i))
}

/// Pairs the engine must not run: a fold on any workload but the one it left out.
pub(crate) fn unmeasured_pairs(run: &Run) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (v, variant) in run.variants.iter().enumerate() {
        let Some(fold) = &variant.fold else { continue };
        for (w, workload) in run.workloads.iter().enumerate() {
            if workload.name != fold.held_out {
                pairs.push((v, w));
            }
        }
    }
    pairs
}

/// Whether variant `v`'s row belongs in workload `w`'s table: every variant but a fold, which
/// shows only where it was measured.
pub(crate) fn shown_on(run: &Run, v: usize, w: usize) -> bool {
    match &run.variants[v].fold {
        Some(fold) => run
            .workloads
            .get(w)
            .is_some_and(|wl| wl.name == fold.held_out),
        None => true,
    }
}

/// The table's row order on workload `w`: each variant, its fold for `w` right under it.
pub(crate) fn row_order(run: &Run, w: usize) -> Vec<usize> {
    let mut order = Vec::new();
    for (v, variant) in run.variants.iter().enumerate() {
        if variant.fold.is_some() {
            continue;
        }
        order.push(v);
        order.extend((0..run.variants.len()).filter(|&f| {
            run.variants[f]
                .fold
                .as_ref()
                .is_some_and(|fold| fold.of == variant.name)
                && shown_on(run, f, w)
        }));
    }
    // A fold whose variant is not in the run still shows.
    let orphans: Vec<usize> = (0..run.variants.len())
        .filter(|&f| !order.contains(&f) && shown_on(run, f, w))
        .collect();
    order.extend(orphans);
    order
}

/// Marks each measurement on a workload its variant trained on as in-sample and links the
/// held-out figure of its fold, when there is one. Called after every summary is computed.
pub(crate) fn link(run: &mut Run) {
    let names: Vec<String> = run.workloads.iter().map(|w| w.name.clone()).collect();
    for v in 0..run.variants.len() {
        for (w, workload) in names.iter().enumerate() {
            // A fold is measured only where its profile did not train.
            let in_sample =
                run.variants[v].fold.is_none() && run.variants[v].trained_on.contains(workload);
            let held_out = (in_sample && run.variants[v].fold.is_none())
                .then(|| held_out(run, v, w))
                .flatten();
            if let Some(m) = run.variants[v].measurements.get_mut(w) {
                m.in_sample = in_sample;
                m.held_out = held_out;
            }
        }
    }
}

/// The fold of variant `v` that left workload `w` out, with its change against the baseline.
fn held_out(run: &Run, v: usize, w: usize) -> Option<HeldOut> {
    let f = fold_of(run, v, w)?;
    let metric = run.deciding(w);
    let Some(bf) = fold_of(run, run.baseline, w).filter(|_| v != run.baseline) else {
        let c = run.metric(f, w, metric).and_then(|s| s.vs_baseline);
        return Some(HeldOut {
            variant: run.variants[f].name.clone(),
            against: None,
            metric,
            ratio: c.map(|c| c.ratio),
            lo: c.map(|c| c.lo),
            hi: c.map(|c| c.hi),
            verdict: c.map(|c| c.verdict),
        });
    };
    // Fold against fold, on this workload alone, by the engine every verdict comes from.
    let only_w = |i: usize, x: usize| (x == w).then_some(i);
    let sp = run.speed_picked(f, bf, &only_w).ok();
    // A speed is time-like; a higher-is-better metric (req/s) reads as its inverse.
    let inverse = metric.direction() == crate::measure::stats::Direction::HigherIsBetter;
    let flip = |x: f64| if inverse { 1.0 / x } else { x };
    Some(HeldOut {
        variant: run.variants[f].name.clone(),
        against: Some(run.variants[bf].name.clone()),
        metric,
        ratio: sp.map(|s| flip(s.ratio)),
        lo: sp.map(|s| flip(if inverse { s.hi } else { s.lo })),
        hi: sp.map(|s| flip(if inverse { s.lo } else { s.hi })),
        verdict: sp.map(|s| s.verdict),
    })
}

/// The plain sentences for the summary: which gains were measured on their own training input,
/// and what the held-out folds measured instead.
pub(crate) fn sentences(run: &Run) -> Vec<String> {
    let mut out = Vec::new();
    for v in &run.variants {
        if v.fold.is_some() || v.build.is_none() {
            continue;
        }
        let in_sample: Vec<&str> = v
            .measurements
            .iter()
            .filter(|m| m.in_sample && m.summary.is_some())
            .map(|m| m.workload.as_str())
            .collect();
        if in_sample.is_empty() {
            continue;
        }
        let mut s = format!(
            "{}'s figures on {} were measured on the input its profile was trained on \
             (in-sample), so its gain there may not carry to other inputs.",
            v.name,
            in_sample.join(" and ")
        );
        let held: Vec<String> = v
            .measurements
            .iter()
            .filter_map(|m| Some((m.workload.as_str(), m.held_out.as_ref()?)))
            .map(|(w, h)| format!("{} on {w}", held_out_text(h)))
            .collect();
        if held.is_empty() {
            s.push_str(" Re-run with --held-out to measure it on inputs it did not train on.");
        } else {
            s.push_str(&format!(
                " Built without the measured input's profile (held-out), it measured {}.",
                held.join(", ")
            ));
        }
        out.push(s);
    }
    out
}

/// One line per profile-guided variant with a known profile health, then its warnings.
pub(crate) fn health_lines(run: &Run) -> Vec<String> {
    let mut out = Vec::new();
    for v in &run.variants {
        let Some(h) = &v.health else { continue };
        out.push(format!("{} profile health: {}.", v.name, h.summary()));
        if v.fold.is_none() {
            out.extend(h.warnings(&v.name));
        }
    }
    out
}

/// A held-out change in words: "−8.1% (±1.2%)", "within noise", "undecided".
pub(crate) fn held_out_text(h: &HeldOut) -> String {
    let (Some(ratio), Some(lo), Some(hi), Some(verdict)) = (h.ratio, h.lo, h.hi, h.verdict) else {
        return "not measured".into();
    };
    let pct = (ratio - 1.0) * 100.0;
    match verdict {
        Verdict::WithinNoise => "within noise".into(),
        Verdict::Undecided => format!(
            "undecided ({pct:+.1}%, interval {:+.1}% to {:+.1}%)",
            (lo - 1.0) * 100.0,
            (hi - 1.0) * 100.0
        ),
        Verdict::Better | Verdict::Worse => {
            format!("{pct:+.1}% (±{:.1}%)", (hi - lo) / 2.0 * 100.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Settings;
    use crate::measure::WorkloadKind;
    use crate::measure::testing::Behaviour;
    use crate::run::fold::Fold;

    /// v0 the baseline, v1 a PGO variant trained on both workloads, v2 its fold without w0
    /// (2% slower than v1 on w0).
    fn run() -> Run {
        let settings = Settings {
            min_runs: 8,
            max_runs: 8,
            warmup: 0,
            seed: 5,
            resamples: 300,
            ..Settings::default()
        };
        let b = |a: f64| vec![Behaviour::command(a, 0.002), Behaviour::command(a, 0.002)];
        let workloads = [("w0", WorkloadKind::Command), ("w1", WorkloadKind::Command)];
        let mut run = Run::mock_measured(settings, &workloads, vec![b(1.0), b(0.8), b(0.9)]);
        run.variants[1].trained_on = vec!["w0".into(), "w1".into()];
        run.variants[2].trained_on = vec!["w1".into()];
        run.variants[2].fold = Some(Fold {
            of: "v1".into(),
            held_out: "w0".into(),
        });
        run.summarize();
        run
    }

    #[test]
    fn in_sample_figures_are_marked_and_linked_to_their_fold() {
        let run = run();
        assert_eq!(unmeasured_pairs(&run), [(2, 1)]);
        assert_eq!(row_order(&run, 0), [0, 1, 2]);
        assert_eq!(row_order(&run, 1), [0, 1]);
        let m = &run.variants[1].measurements;
        assert!(m[0].in_sample && m[1].in_sample);
        let h = m[0].held_out.as_ref().unwrap();
        assert_eq!(h.variant, "v2");
        assert!((h.ratio.unwrap() - 0.9).abs() < 0.02, "{h:?}");
        assert_eq!(h.verdict, Some(Verdict::Better));
        assert!(m[1].held_out.is_none(), "no fold leaves w1 out");
        // A fold is never in-sample, not even on the workloads its profile trained on.
        assert!(run.variants[2].measurements.iter().all(|m| !m.in_sample));
        let said = sentences(&run).join(" ");
        assert!(
            said.contains("v1's figures on w0 and w1") && said.contains("on w0"),
            "{said}"
        );
        let table = crate::report::render(&run, crate::report::Format::Table, false).unwrap();
        assert!(
            table.contains("(in-sample)") && table.contains("(held-out)"),
            "{table}"
        );
    }
}

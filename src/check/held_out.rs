//! `check --held-out` with a profile-guided ship build: both sides also built without each
//! measured workload's profile, and on each workload the head's fold judged against the base's
//! fold, beside the in-sample verdict the gate uses.

use crate::run::fold::Fold;
use crate::run::fold::fold_name;
use crate::run::{Pair, Run, VariantResult};
use crate::session::Built;

/// Adds the base's folds (built by the base's own session) as variants measured only on the
/// workload they left out, named after the base's row.
pub(crate) fn add_base_folds(run: &mut Run, base_built: &Result<Built, String>) {
    let Ok(built) = base_built else { return };
    let Some(profile) = &built.profile else {
        return;
    };
    let base_name = run.variants[run.baseline].name.clone();
    for (held_out, fold) in &profile.folds {
        if !run.workloads.iter().any(|w| &w.name == held_out) {
            continue;
        }
        let name = fold_name(&base_name, held_out);
        let mut r = VariantResult::built(
            crate::variant::Variant {
                name,
                ..fold.variant.clone()
            },
            fold.rustflags.clone(),
            fold.info.clone(),
        );
        if let Some(p) = &fold.profile {
            r.trained_on = p.on.clone();
            r.health = p.health.clone();
        }
        r.fold = Some(Fold {
            of: base_name.clone(),
            held_out: held_out.clone(),
        });
        run.variants.push(r);
    }
}

/// What the run must decide: every variant against the base on each workload it runs on
/// (as by default) and, where both sides have a fold of a workload, fold against fold there.
/// Empty (the defaults) when the run has no folds.
pub(crate) fn questions(run: &Run) -> Vec<Pair> {
    if run.variants.iter().all(|v| v.fold.is_none()) {
        return Vec::new();
    }
    let skipped = crate::run::training::unmeasured_pairs(run);
    let mut out = Vec::new();
    for v in (0..run.variants.len()).filter(|&v| v != run.baseline) {
        for w in (0..run.workloads.len()).filter(|&w| !skipped.contains(&(v, w))) {
            out.push(Pair {
                variant: v,
                reference: run.baseline,
                workload: Some(w),
            });
        }
    }
    for w in 0..run.workloads.len() {
        let fold = |of: usize| crate::run::training::fold_of(run, of, w);
        let head =
            (0..run.variants.len()).find(|&v| v != run.baseline && run.variants[v].fold.is_none());
        if let (Some(h), Some(b)) = (head.and_then(fold), fold(run.baseline)) {
            out.push(Pair {
                variant: h,
                reference: b,
                workload: Some(w),
            });
        }
    }
    out
}

/// A note per workload where the head's figure is in-sample: the held-out comparison when the
/// run has one, else that the verdict was measured on the profile's own training input.
pub(crate) fn notes(run: &Run) -> Vec<String> {
    let Some(head) = run.variants.get(1) else {
        return Vec::new();
    };
    head.measurements
        .iter()
        .filter(|m| m.in_sample)
        .map(|m| match &m.held_out {
            Some(h) => format!(
                "held-out on {}: {} against {} (each built without {}'s profile): {}; the verdict \
                 above is in-sample (both sides trained on {0})",
                m.workload,
                h.variant,
                h.against.as_deref().unwrap_or("the base"),
                m.workload,
                crate::run::training::held_out_text(h)
            ),
            None => format!(
                "the verdict on {} is in-sample: both sides' profiles were trained on it \
                 (--held-out also measures builds without its profile)",
                m.workload
            ),
        })
        .collect()
}

//! Held-out folds in a measured run: each PGO variant's folds (built with the variant, see
//! `Session::evaluate`) join the run as variants of their own, measured only on the workload
//! their profile left out, and asked about alongside their variant.

use crate::measure::Question;
use crate::report::training::Fold;
use crate::report::{Run, VariantResult};

use super::{Built, Session};

impl Session<'_> {
    /// Adds the folds of the run's variants (when this session built them) and returns
    /// `questions` with each fold asked on its workload wherever its variant is asked.
    pub fn add_folds(&self, run: &mut Run, mut questions: Vec<Question>) -> Vec<Question> {
        let parents = run.variants.len();
        for v in 0..parents {
            let Some(built) = self.built_for(&run.variants[v]) else {
                continue;
            };
            let Some(profile) = &built.profile else {
                continue;
            };
            for (held_out, fold) in &profile.folds {
                let Some(w) = run.workloads.iter().position(|x| &x.name == held_out) else {
                    continue;
                };
                // Named after the run's row (`check` calls its rows `head` and `base …`).
                let name = crate::report::training::fold_name(&run.variants[v].name, held_out);
                if run.variants.iter().any(|x| x.name == name) {
                    continue;
                }
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
                    of: run.variants[v].name.clone(),
                    held_out: held_out.clone(),
                });
                run.variants.push(r);
                let f = run.variants.len() - 1;
                questions.extend(fold_questions(&questions, v, f, w));
            }
        }
        questions
    }

    /// The build behind a run's variant: the same exact variant (whatever its row is called,
    /// `check` renames it), built in this session.
    fn built_for(&self, v: &VariantResult) -> Option<&Built> {
        v.build.as_ref()?;
        let unnamed = |x: &crate::variant::Variant| crate::variant::Variant {
            name: String::new(),
            ..x.clone()
        };
        self.built
            .values()
            .filter_map(|b| b.as_ref().ok())
            .find(|b| unnamed(&b.variant) == unnamed(&v.variant))
    }
}

/// For every question about variant `v` that includes workload `w`, the same question about
/// fold `f` on `w` alone. None when the questions are the default ones (every variant against
/// the baseline), which cover the fold already.
fn fold_questions(questions: &[Question], v: usize, f: usize, w: usize) -> Vec<Question> {
    questions
        .iter()
        .filter(|q| q.variant == v)
        .filter_map(|q| {
            let metric = q.workloads.iter().find(|(x, _)| *x == w)?.1;
            Some(Question {
                variant: f,
                reference: q.reference,
                workloads: vec![(w, metric)],
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Metric;

    #[test]
    fn a_fold_is_asked_where_its_variant_is() {
        let q = vec![
            Question {
                variant: 1,
                reference: 0,
                workloads: vec![(0, Metric::Wall), (1, Metric::Wall)],
            },
            Question {
                variant: 2,
                reference: 1,
                workloads: vec![(0, Metric::Wall)],
            },
        ];
        let folds = fold_questions(&q, 1, 3, 1);
        assert_eq!(
            folds,
            [Question {
                variant: 3,
                reference: 0,
                workloads: vec![(1, Metric::Wall)]
            }]
        );
        assert!(fold_questions(&q, 2, 3, 1).is_empty());
    }
}

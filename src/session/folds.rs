//! What a session knows about its PGO builds' training: their profile health and held-out
//! folds (built with the variant), and the folds in a measured run — variants of their own,
//! measured only on the workload their profile left out, asked about alongside their variant.

use anyhow::Result;

use crate::pgo::{Pgo, PgoOptions};
use crate::run::fold::Fold;
use crate::run::{Pair, Run, VariantResult};
use crate::variant::Variant;
use crate::workload::roles;

use super::{Built, Candidate, Session, build_info};

/// What a profile-guided build learned from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Trained {
    /// The training workloads, in order.
    pub on: Vec<String>,
    pub health: Option<crate::pgo::health::ProfileHealth>,
    /// Its held-out folds: (the workload left out, the build without its profile).
    pub folds: Vec<(String, Built)>,
    /// Whether folds were asked for (none may be possible: a single training workload).
    pub folds_tried: bool,
}

impl Session<'_> {
    /// Measure held-out folds from now on: PGO candidates built without them are built again
    /// (their profile and optimized build are reused) with their folds.
    pub(crate) fn set_held_out(&mut self, on: bool) {
        self.opts.held_out = on;
    }

    /// A PGO build made before held-out folds were wanted.
    pub(super) fn lacks_folds(&self, c: &Candidate, done: &Result<Built, String>) -> bool {
        self.opts.held_out
            && c.pgo
            && !c.bolt
            && done
                .as_ref()
                .is_ok_and(|b| b.profile.as_ref().is_some_and(|p| !p.folds_tried))
    }

    /// Health of a PGO build's profile and, with `held_out`, its folds as builds of their own.
    pub(super) fn evaluate(
        &mut self,
        c: &Candidate,
        pgo: &Pgo,
        run: &crate::pgo::PgoRun,
        opts: &PgoOptions,
    ) -> Result<Trained> {
        let measured = roles::measured(&self.workloads);
        let eval = pgo.evaluate(run, &measured, self.opts.held_out, opts)?;
        self.notes
            .extend(eval.notes.iter().map(|n| format!("{}: {n}", c.name)));
        let mut folds = Vec::new();
        for f in eval.folds {
            self.builds_run += u32::from(!f.build.fresh);
            let compile = run.instrumented.compile_time + f.build.compile_time;
            let cached =
                !run.instrumented.compile_time_measured_now || !f.build.compile_time_measured_now;
            let name = crate::run::fold::fold_name(&c.name, &f.held_out);
            let built = Built {
                variant: Variant {
                    name,
                    ..f.build.variant.clone()
                },
                rustflags: f.build.rustflags.clone(),
                info: build_info(&f.build, compile, cached, 2)?,
                profile: Some(Trained {
                    on: f.trained_on,
                    health: f.health,
                    ..Trained::default()
                }),
            };
            folds.push((f.held_out, built));
        }
        Ok(Trained {
            on: eval.trained_on,
            health: eval.health,
            folds,
            folds_tried: self.opts.held_out,
        })
    }

    /// Adds the folds of the run's variants (when this session built them) and returns
    /// `questions` with each fold asked on its workload wherever its variant is asked.
    pub(crate) fn add_folds(&self, run: &mut Run) {
        let parents = run.variants.len();
        for v in 0..parents {
            let Some(built) = self.built_for(&run.variants[v]) else {
                continue;
            };
            let Some(profile) = &built.profile else {
                continue;
            };
            for (held_out, fold) in &profile.folds {
                if !run.workloads.iter().any(|x| &x.name == held_out) {
                    continue;
                }
                // Named after the run's row (`check` calls its rows `head` and `base …`).
                let name = crate::run::fold::fold_name(&run.variants[v].name, held_out);
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
                let asked = fold_questions(&run.questions, v, f);
                run.questions.extend(asked);
            }
        }
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
fn fold_questions(questions: &[Pair], v: usize, f: usize) -> Vec<Pair> {
    // A fold is measured on the one workload it left out: its questions are joint over that
    // workload alone (`Run::joint_questions` leaves out the pairs the engine skips).
    questions
        .iter()
        .filter(|q| q.variant == v)
        .map(|q| Pair {
            variant: f,
            reference: q.reference,
            workload: q.workload,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fold_is_asked_where_its_variant_is() {
        let q = [
            Pair {
                variant: 1,
                reference: 0,
                workload: None,
            },
            Pair {
                variant: 2,
                reference: 1,
                workload: None,
            },
        ];
        assert_eq!(
            fold_questions(&q, 1, 3),
            [Pair {
                variant: 3,
                reference: 0,
                workload: None,
            }]
        );
        assert!(fold_questions(&q, 3, 4).is_empty());
    }
}

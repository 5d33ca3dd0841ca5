//! One training per code revision in a session: a PGO candidate whose configuration shares its
//! profile with one trained earlier in the session (`pgo::reuse`) is optimized with that
//! profile; the build's mismatch count is reported every time, and when too many functions went
//! without counts the candidate is trained on its own build after all.

use anyhow::Result;

use super::{Built, Session, build_info};
use crate::pgo::reuse::{self, Trained};
use crate::pgo::{Pgo, PgoOptions, PgoRun};
use crate::spec::Candidate;
use crate::variant::Variant;

impl Session<'_> {
    /// Whether building PGO candidate `c` would be two up-to-date builds and no training: its
    /// instrumented build is up to date, the profile merged from it was gathered with these
    /// training workloads (so `Pgo::run` reuses it), and the optimized build with that profile is
    /// up to date too — a second search, or `auto` after `compare`.
    pub(crate) fn pgo_up_to_date(&self, c: &Candidate) -> bool {
        if !c.pgo || c.bolt || self.opts.rebuild {
            return false;
        }
        let pgo = self.pgo_of(c);
        let source =
            crate::pgo::ProfileSource::Workloads(crate::workload::roles::training(&self.workloads));
        let Ok(Some(merged)) = pgo.merged_from(&source) else {
            return false;
        };
        self.builder.is_cached(&pgo.instrumented_variant())
            && self.builder.is_cached(&pgo.optimized_variant(&merged.path))
    }

    /// A profile trained in this session that can optimize `v`, if any.
    pub(crate) fn profile_donor(&self, v: &Variant) -> Option<&Trained> {
        self.trained
            .iter()
            .find(|t| reuse::shares_profile(&t.base, v))
    }

    /// Keeps a full PGO run's profile for the configurations that can share it, and counts its
    /// training time (gathering and merging).
    pub(super) fn remember_training(&mut self, base: &Variant, run: &PgoRun) {
        self.training_secs += run
            .steps
            .iter()
            .filter(|(step, _)| step == "gather profiles" || step == "merge")
            .map(|(_, d)| d.as_secs_f64())
            .sum::<f64>();
        if self.profile_donor(base).is_none() {
            self.trained.push(Trained {
                base: base.clone(),
                merged: run.merged.clone(),
            });
        }
    }

    /// `c` optimized with a profile trained on another configuration: `None` when no profile
    /// fits it, or when the build that used one left too many functions without counts.
    pub(super) fn build_pgo_reused(&mut self, c: &Candidate, pgo: &Pgo) -> Result<Option<Built>> {
        let Some(donor) = self.profile_donor(&pgo.base).cloned() else {
            return Ok(None);
        };
        let opts = PgoOptions {
            rebuild: self.opts.rebuild,
            allow_remote: self.opts.allow_remote,
            ..Default::default()
        };
        let (optimized, warnings) = pgo.optimize(&donor.merged, &opts)?;
        self.builds_run += u32::from(!optimized.fresh);
        let verdict = reuse::judge(&warnings, donor.merged.functions, &donor.base.name);
        let line = match &verdict {
            Ok(s) | Err(s) => format!("{}: {s}", c.name),
        };
        self.shell.note(&line);
        self.notes.push(line);
        if verdict.is_err() {
            return Ok(None);
        }
        let info = build_info(
            &optimized,
            optimized.compile_time,
            !optimized.compile_time_measured_now,
            1,
        )?;
        let info = self.with_crates(&c.name, &optimized, info, false);
        Ok(Some(Built {
            variant: Variant {
                name: c.name.clone(),
                ..optimized.variant.clone()
            },
            rustflags: optimized.rustflags,
            info,
            // The donor trained on the same workloads (held-out folds are its own builds').
            profile: Some(super::Trained {
                on: crate::workload::roles::training(&self.workloads)
                    .iter()
                    .map(|w| w.name.clone())
                    .collect(),
                ..super::Trained::default()
            }),
        }))
    }
}

//! The search's view of a session: build candidates, tell what is already built or cached, and
//! measure a set of them in one run until the given questions are decided. `Session` is the real
//! one; tests script one (`search::testing`) so each goal's path runs in milliseconds.

use anyhow::Result;

use crate::measure::Settings;
use crate::run::{Run, RunCommand, VariantResult};
use crate::session::{Built, Session};
use crate::spec::Candidate;
use crate::variant::Variant;

pub(crate) trait Bench {
    /// Builds every candidate (each at most once); only Ctrl-C is an `Err`.
    fn build_all(&mut self, cands: &[Candidate]) -> Result<Vec<Result<Built, String>>>;
    /// Whether this session already built (or failed to build) the candidate.
    fn is_built(&self, c: &Candidate) -> bool;
    /// Whether the candidate's build is up to date in its target dir: a plain one, or a PGO one
    /// whose instrumented build, profile and optimized build would all be reused.
    fn is_cached(&self, c: &Candidate) -> bool;
    /// An empty run record for this project.
    fn new_run(&self, settings: Settings) -> Run;
    /// The run's row for a built (or failed) candidate.
    fn variant_result(&self, c: &Candidate, built: &Result<Built, String>) -> VariantResult;
    /// Measures the run's variants until its questions are decided (or the run's limits).
    fn measure(&mut self, run: &mut Run);
    /// Compiler runs that did work.
    fn builds_run(&self) -> u32;
    /// Notes for the final report (reused profiles, cached compile times).
    fn take_notes(&mut self) -> Vec<String>;
    /// From now on, build PGO candidates with their held-out folds and measure those too.
    fn hold_out(&mut self);
    /// Seconds spent so far running workloads on instrumented builds and merging their profiles.
    fn training_secs(&self) -> f64;
    /// Whether a PGO candidate would be optimized with a profile this session already trained
    /// (`pgo::reuse`), so it needs no instrumented build and no training of its own.
    fn reuses_profile(&self, c: &Candidate) -> bool;
    /// What earlier runs of this binary measured, for the first estimates of a search.
    fn earlier(&self) -> Earlier;
    /// Measure services with the default (shorter) window instead of the configured one.
    fn short_windows(&mut self, on: bool);
    /// Seconds of service load one variant drives per round, with short windows or not.
    fn window_secs(&self, short: bool) -> f64;
}

/// Costs measured by earlier runs of the same binary (the results store).
#[derive(Debug, Clone, Default)]
pub(crate) struct Earlier {
    /// Plain configurations and their cold compile times (seconds).
    pub builds: Vec<(Variant, f64)>,
    /// Seconds one variant took to run every workload once, in the newest run that says.
    pub variant_round: Option<f64>,
}

/// The newest saved runs of `bin` under `tune_dir` (at most `n`), their costs gathered.
fn earlier_runs(tune_dir: &std::path::Path, bin: &str, n: usize) -> Earlier {
    let dir = crate::run::store::results_dir(tune_dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    let mut out = Earlier::default();
    for path in files.iter().rev().take(n) {
        let Ok(run) = crate::run::store::load(path) else {
            continue;
        };
        if run.project.bin != bin {
            continue;
        }
        let measured = run.variants.iter().filter(|v| v.build.is_some()).count() as u32;
        let passes = (run.rounds + run.settings.warmup) * measured;
        if out.variant_round.is_none() && passes > 0 && run.elapsed_secs > 0.0 {
            out.variant_round = Some(run.elapsed_secs / f64::from(passes));
        }
        for v in &run.variants {
            if let Some(b) = &v.build
                && b.builds == 1
                && v.variant.stage == crate::variant::Stage::Plain
                && !v.variant.bolt
            {
                out.builds.push((v.variant.clone(), b.compile_time_secs));
            }
        }
    }
    out
}

impl Bench for Session<'_> {
    fn build_all(&mut self, cands: &[Candidate]) -> Result<Vec<Result<Built, String>>> {
        Session::build_all(self, cands)
    }

    fn is_built(&self, c: &Candidate) -> bool {
        Session::is_built(self, c)
    }

    fn is_cached(&self, c: &Candidate) -> bool {
        if c.pgo {
            self.pgo_up_to_date(c)
        } else {
            !c.bolt && self.builder().is_cached(&c.variant)
        }
    }

    fn new_run(&self, settings: Settings) -> Run {
        Session::new_run(self, RunCommand::Auto, settings)
    }

    fn variant_result(&self, c: &Candidate, built: &Result<Built, String>) -> VariantResult {
        Session::variant_result(self, c, built)
    }

    fn measure(&mut self, run: &mut Run) {
        Session::measure(self, run);
    }

    fn builds_run(&self) -> u32 {
        self.builds_run
    }

    fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    fn hold_out(&mut self) {
        self.set_held_out(true);
    }

    fn training_secs(&self) -> f64 {
        self.training_secs
    }

    fn reuses_profile(&self, c: &Candidate) -> bool {
        c.pgo && !c.bolt && self.profile_donor(&c.variant).is_some()
    }

    fn short_windows(&mut self, on: bool) {
        self.short_windows = on;
    }

    fn window_secs(&self, short: bool) -> f64 {
        Session::window_secs(self, short)
    }

    fn earlier(&self) -> Earlier {
        earlier_runs(
            &self.builder().project().tune_dir(),
            &self.builder().bin().bin,
            20,
        )
    }
}

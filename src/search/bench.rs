//! The search's view of a session: build candidates, tell what is already built or cached, and
//! measure a set of them in one run until the given questions are decided. `Session` is the real
//! one; tests script one (`search::testing`) so each goal's path runs in milliseconds.

use anyhow::Result;

use crate::measure::Settings;
use crate::run::{Run, RunCommand, VariantResult};
use crate::session::{Built, Session};
use crate::spec::Candidate;

pub trait Bench {
    /// Builds every candidate (each at most once); only Ctrl-C is an `Err`.
    fn build_all(&mut self, cands: &[Candidate]) -> Result<Vec<Result<Built, String>>>;
    /// Whether this session already built (or failed to build) the candidate.
    fn is_built(&self, c: &Candidate) -> bool;
    /// Whether a plain build of the candidate is up to date in its target dir.
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
}

impl Bench for Session<'_> {
    fn build_all(&mut self, cands: &[Candidate]) -> Result<Vec<Result<Built, String>>> {
        Session::build_all(self, cands)
    }

    fn is_built(&self, c: &Candidate) -> bool {
        Session::is_built(self, c)
    }

    fn is_cached(&self, c: &Candidate) -> bool {
        !c.pgo && self.builder().is_cached(&c.variant)
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
}

//! The search's machinery: building and measuring candidate sets through the session, the budget
//! (time estimates from what was already measured), the compile-time cap, and the final run.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::bench::Bench;
use super::options::{SearchOptions, space_size};
use super::recommendation::recommend;
use super::rejection::Rejection;
use crate::measure::Settings;
use crate::measure::comparison::Comparison;
use crate::run::auto::{AutoResult, Decision, Trial};
use crate::run::pareto;
use crate::run::{Pair, Run};
use crate::session::Built;
use crate::spec::Candidate;
use crate::tune_config::CompileCap;
use crate::ui::format_duration;
use crate::variant::{Lto, Variant};

pub struct Searcher<'l> {
    pub(super) session: &'l mut dyn Bench,
    pub opts: SearchOptions,
    started: Instant,
    pub trials: Vec<Trial>,
    pub steps: Vec<Run>,
    pub not_explored: Vec<String>,
    /// Time one variant takes to run every workload once (from measurements so far).
    variant_round: Option<Duration>,
    baseline_compile: Option<f64>,
    /// Candidate key → trial index, so nothing is tried twice.
    tried: HashMap<String, usize>,
    pub baseline: Candidate,
}

impl<'l> Searcher<'l> {
    pub fn new(session: &'l mut dyn Bench, opts: SearchOptions) -> Searcher<'l> {
        let baseline = Candidate::plain(
            opts.base_profile.clone(),
            Variant::new(&opts.base_profile, &opts.base_profile),
        );
        Searcher {
            session,
            opts,
            started: Instant::now(),
            trials: Vec::new(),
            steps: Vec::new(),
            not_explored: Vec::new(),
            variant_round: None,
            baseline_compile: None,
            tried: HashMap::new(),
            baseline,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    fn remaining(&self) -> Duration {
        self.opts.budget.saturating_sub(self.elapsed())
    }

    /// Time kept for the final measurement of `n` variants, and for the held-out folds when
    /// only the final run has them: one optimized build per fold of each of its PGO variants
    /// (PGO on the baseline and a profile-guided pick: two), each fold measured on one workload
    /// (a variant's round between a variant's folds).
    fn final_reserve(&self, n: usize) -> Duration {
        let rounds = self.opts.final_settings.min_runs + self.opts.final_settings.warmup;
        let (extra_builds, extra_variants) = match self.opts.held_out {
            _ if self.opts.folds == 0 => (0, 0),
            super::options::HeldOutMode::Final => (self.opts.folds * 2, 2),
            super::options::HeldOutMode::Always => (0, 2),
            super::options::HeldOutMode::Off => (0, 0),
        };
        let builds = self.baseline_compile.unwrap_or(30.0) * extra_builds as f64;
        self.variant_round.unwrap_or_default() * (rounds * (n + extra_variants) as u32)
            + Duration::from_secs_f64(builds)
    }

    pub fn was_tried(&self, c: &Candidate) -> bool {
        self.tried.contains_key(&c.key())
    }

    /// Whether building `to_build` and measuring `n` variants still leaves time for the final run.
    pub fn affordable(&self, to_build: &[&Candidate], n: usize) -> Result<(), String> {
        let builds: f64 = to_build.iter().map(|c| self.build_estimate(c)).sum();
        let rounds = self.opts.step_settings.min_runs + self.opts.step_settings.warmup;
        let measuring = self.variant_round.unwrap_or_default() * (rounds * n as u32);
        let need = Duration::from_secs_f64(builds) + measuring + self.final_reserve(4);
        if need <= self.remaining() {
            Ok(())
        } else {
            Err(format!(
                "needs about {} more, {} of the budget left",
                format_duration(need),
                format_duration(self.remaining())
            ))
        }
    }

    /// Seconds a cold build of `c` likely takes, from the baseline's compile time and what
    /// each setting is known to cost; zero when it is already built.
    fn build_estimate(&self, c: &Candidate) -> f64 {
        if self.session.is_built(c) {
            return 0.0;
        }
        if self.session.is_cached(c) {
            return 1.0;
        }
        let base = self.baseline_compile.unwrap_or(30.0);
        let s = &c.variant.settings;
        let mut f = match s.lto {
            Some(Lto::Fat) => 2.5,
            Some(Lto::Thin) => 1.4,
            _ => 1.0,
        };
        if s.codegen_units == Some(1) {
            f *= 1.3;
        }
        let plain = f;
        // Each profiling stage is another build plus a pass over the workloads.
        let stages = usize::from(c.pgo) + usize::from(c.bolt);
        for _ in 0..stages {
            f = f * 2.0
                + self.variant_round.unwrap_or_default().as_secs_f64() * 2.0 / base.max(1e-3);
        }
        // Held-out folds: one more optimized build per fold, no instrumented run.
        if c.pgo && !c.bolt && self.opts.held_out == super::options::HeldOutMode::Always {
            f += plain * self.opts.folds as f64;
        }
        base * f
    }

    /// Builds candidates, rejecting any over the compile-time cap. Only Ctrl-C is an `Err`.
    pub fn build(&mut self, cands: &[Candidate]) -> Result<Vec<Result<Built, Rejection>>> {
        let mut out: Vec<Result<Built, Rejection>> = self
            .session
            .build_all(cands)?
            .into_iter()
            .map(|b| b.map_err(Rejection::Build))
            .collect();
        for (c, b) in cands.iter().zip(out.iter_mut()) {
            let Ok(built) = b else { continue };
            if c.key() == self.baseline.key() {
                self.baseline_compile = Some(built.info.compile_time_secs);
            }
            if let Some(cap) = self.compile_cap()
                && built.info.compile_time_secs > cap
            {
                *b = Err(Rejection::OverCompileCap {
                    secs: built.info.compile_time_secs,
                    cap,
                });
            }
        }
        Ok(out)
    }

    fn compile_cap(&self) -> Option<f64> {
        match self.opts.compile_cap? {
            CompileCap::Absolute(d) => Some(d.as_secs_f64()),
            CompileCap::Factor(f) => self.baseline_compile.map(|b| b * f),
        }
    }

    /// Builds and measures `cands` in one interleaved run; `cands[0]` is the reference. The run
    /// goes on (within its settings) until each candidate's speed against the reference, and
    /// against each other in the `extra` pairs `(candidate, reference)`, is decided.
    pub fn measure(
        &mut self,
        cands: &[Candidate],
        settings: &Settings,
        extra: &[(usize, usize)],
    ) -> Result<(Run, Vec<Result<Built, Rejection>>)> {
        let built = self.build(cands)?;
        let mut settings = settings.clone();
        settings.time_limit = Some(self.remaining().saturating_sub(self.final_reserve(4)));
        let mut run = self.session.new_run(settings);
        for (c, b) in cands.iter().zip(&built) {
            run.variants.push(
                self.session
                    .variant_result(c, &b.clone().map_err(|e| e.to_string())),
            );
        }
        if built[0].is_ok() {
            Self::ask(&mut run, extra);
            self.session.measure(&mut run);
            // A held-out fold runs one workload: a variant's round is all of its pairs.
            let pairs = run.plan().live_pairs().max(1) as f64;
            let variants = pairs / run.workloads.len().max(1) as f64;
            let passes = f64::from((run.rounds + run.settings.warmup).max(1)) * variants;
            if run.elapsed_secs > 0.0 {
                self.variant_round = Some(Duration::from_secs_f64(run.elapsed_secs / passes));
            }
        }
        if run.interrupted {
            // Kept, so the partial result shows what this step had measured.
            self.steps.push(run);
            return Err(crate::process::Interrupted.into());
        }
        self.steps.push(run.clone());
        Ok((run, built))
    }

    /// Speed of `run.variants[i]` against `run.variants[0]`.
    pub fn speed(&self, run: &Run, i: usize) -> Result<Comparison, Rejection> {
        run.speed(i, 0).map_err(Rejection::Unmeasured)
    }

    /// Adds a step to the path.
    pub fn record(
        &mut self,
        c: &Candidate,
        against: Option<&Candidate>,
        built: Option<&Built>,
        speed: Option<Comparison>,
        decision: Decision,
        reason: impl Into<String>,
    ) {
        self.tried.insert(c.key(), self.trials.len());
        self.trials.push(Trial {
            candidate: c.name.clone(),
            describe: c.describe(),
            against: against.map(|a| a.name.clone()),
            speed,
            size_bytes: built.map(|b| b.info.file_size_bytes),
            compile_time_secs: built.map(|b| b.info.compile_time_secs),
            decision,
            reason: reason.into(),
        });
    }

    /// The questions of a step, decided as one family over every workload: each variant
    /// against the first, then the `extra` pairs.
    fn ask(run: &mut Run, extra: &[(usize, usize)]) {
        run.questions = (1..run.variants.len())
            .map(|v| (v, 0))
            .chain(extra.iter().copied())
            .map(|(variant, reference)| Pair {
                variant,
                reference,
                workload: None,
            })
            .collect();
    }

    pub fn skip(&mut self, what: impl Into<String>) {
        self.not_explored.push(what.into());
    }

    /// The final measurement of `set` (baseline first), the Pareto front and the sentence.
    pub fn finish(
        mut self,
        winner: Candidate,
        set: Vec<Candidate>,
    ) -> Result<(AutoResult, Candidate)> {
        let mut final_set: Vec<Candidate> = Vec::new();
        for c in std::iter::once(self.baseline.clone())
            .chain(set)
            .chain(std::iter::once(winner.clone()))
        {
            if !final_set.iter().any(|f| f.key() == c.key()) {
                final_set.push(c);
            }
        }
        let settings = self.opts.final_settings.clone();
        if self.opts.held_out == super::options::HeldOutMode::Final {
            self.session.hold_out();
        }
        let built = match self.build(&final_set) {
            Ok(b) => b,
            Err(e) if e.is::<crate::process::Interrupted>() => return Err(self.interrupted(None)),
            Err(e) => return Err(e),
        };
        let mut run = self.session.new_run(settings.clone());
        run.settings.time_limit = Some(self.remaining());
        for (c, b) in final_set.iter().zip(&built) {
            run.variants.push(
                self.session
                    .variant_result(c, &b.clone().map_err(|e| e.to_string())),
            );
        }
        // The pick against every other candidate too, so a close call is measured out.
        let picked = final_set
            .iter()
            .position(|c| c.key() == winner.key())
            .unwrap_or(0);
        let extra: Vec<(usize, usize)> = (1..final_set.len())
            .filter(|&i| i != picked && picked != 0)
            .map(|i| (i, picked))
            .collect();
        Self::ask(&mut run, &extra);
        self.session.measure(&mut run);
        if run.interrupted {
            return Err(self.interrupted(Some(run)));
        }
        let (w, overruled) = super::confirm::confirm(&run, picked, &self.opts);
        let winner = final_set[w].clone();
        let recommendation = format!(
            "{}{}",
            overruled.unwrap_or_default(),
            recommend(&self.opts, &run, w, &winner)
        );
        run.notes.append(&mut self.session.take_notes());
        let pareto = pareto::front(&run);
        let result = self.into_result(run, w, recommendation, pareto, winner.pgo, false);
        Ok((result, winner))
    }
}

/// The error a search stopped by Ctrl-C ends with: it carries the path so far, for `auto` to
/// print and save (the builds stay cached, so the next `auto` reuses them).
#[derive(Debug)]
pub struct InterruptedSearch(pub Box<AutoResult>);

impl std::fmt::Display for InterruptedSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}
impl std::error::Error for InterruptedSearch {}

impl Searcher<'_> {
    /// The search's document around `final_run`: the path, what was not explored, the steps.
    fn into_result(
        self,
        final_run: Run,
        winner: usize,
        recommendation: String,
        pareto: Vec<usize>,
        winner_pgo: bool,
        interrupted: bool,
    ) -> AutoResult {
        AutoResult {
            goal: self.opts.goal,
            budget_secs: self.opts.budget.as_secs_f64(),
            elapsed_secs: self.elapsed().as_secs_f64(),
            builds: self.session.builds_run(),
            configurations_tried: self
                .trials
                .iter()
                .filter(|t| t.decision != Decision::Skipped)
                .count(),
            space_size: space_size(&self.opts),
            path: self.trials,
            not_explored: self.not_explored,
            winner,
            recommendation,
            pareto,
            final_run,
            steps: self.steps,
            winner_pgo,
            interrupted,
        }
    }

    /// The partial result after Ctrl-C: the path so far and the last measurement (`last`, the
    /// interrupted final run, or else the last step's), marked interrupted.
    pub fn interrupted(self, last: Option<Run>) -> anyhow::Error {
        let steps_done = self.steps.len();
        let mut run = last
            .or_else(|| self.steps.last().cloned())
            .unwrap_or_else(|| self.session.new_run(self.opts.final_settings.clone()));
        run.interrupted = true;
        run.notes.append(&mut self.session.take_notes());
        run.notes.push(format!(
            "interrupted: `auto` stopped after {} of its candidates had been tried ({steps_done} \
             measurement(s)); these results are partial and recommend nothing",
            self.trials.len()
        ));
        let recommendation = format!(
            "Interrupted: no recommendation. The builds so far are cached: run `cargo tune{} auto` \
             again to search on without building them again.",
            self.opts.selection
        );
        let result = self.into_result(run, 0, recommendation, Vec::new(), false, true);
        InterruptedSearch(Box::new(result)).into()
    }
}

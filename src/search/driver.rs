//! The search's machinery: building and measuring candidate sets through the session, the budget
//! (cost estimates from what was already measured, and what each step actually cost), the
//! compile-time cap.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::bench::Bench;
use super::cost::{CostModel, Have};
use super::options::SearchOptions;
use super::rejection::Rejection;
use crate::measure::Settings;
use crate::measure::comparison::Comparison;
use crate::run::auto::{Breakdown, Decision, Seconds, StepCost, Trial};
use crate::run::{Pair, Run};
use crate::session::Built;
use crate::spec::Candidate;
use crate::tune_config::CompileCap;
use crate::ui::format_duration;
use crate::variant::Variant;

/// A comparison left undecided, and whether it already had its more time (`undecided`).
#[derive(Debug, Clone)]
pub(super) struct Carried {
    pub cand: Candidate,
    pub against: Candidate,
    pub speed: Comparison,
    pub rounds: u32,
    pub retried: bool,
}

pub(crate) struct Searcher<'l> {
    pub(super) session: &'l mut dyn Bench,
    pub opts: SearchOptions,
    started: Instant,
    pub trials: Vec<Trial>,
    pub steps: Vec<Run>,
    pub not_explored: Vec<String>,
    /// What builds, trainings and rounds cost so far: the estimates' source.
    pub(super) cost: CostModel,
    baseline_compile: Option<f64>,
    /// Candidate key → trial index, so nothing is tried twice.
    tried: HashMap<String, usize>,
    pub baseline: Candidate,
    /// The next step's estimate and why it comes now, attached to its first trial.
    pub(super) planned: Option<(Seconds, Option<String>)>,
    /// The last step's actual cost, until a trial takes it.
    pub(super) last_cost: Option<Seconds>,
    /// What the budget went to so far.
    pub(super) breakdown: Breakdown,
    /// Comparisons left undecided: worth more time.
    pub(super) carried: Vec<Carried>,
}

impl<'l> Searcher<'l> {
    pub(crate) fn new(session: &'l mut dyn Bench, opts: SearchOptions) -> Searcher<'l> {
        let baseline = Candidate::plain(
            opts.base_profile.clone(),
            Variant::new(&opts.base_profile, &opts.base_profile),
        );
        let mut cost = CostModel::new(session.earlier());
        // Steps measure services with the default window (`session::window`).
        let (full, short) = (session.window_secs(false), session.window_secs(true));
        if short < full {
            session.short_windows(true);
            cost.final_extra = full - short;
            // Saved runs measured with the configured window; the steps will not.
            cost.variant_round = cost.variant_round.map(|r| (r - cost.final_extra).max(0.1));
        }
        Searcher {
            session,
            opts,
            started: Instant::now(),
            trials: Vec::new(),
            steps: Vec::new(),
            not_explored: Vec::new(),
            cost,
            baseline_compile: None,
            tried: HashMap::new(),
            baseline,
            planned: None,
            last_cost: None,
            breakdown: Breakdown::default(),
            carried: Vec::new(),
        }
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub(super) fn remaining(&self) -> Duration {
        self.opts.budget.saturating_sub(self.elapsed())
    }

    /// Time kept for the final measurement of `n` variants, and for the held-out folds when
    /// only the final run has them: one optimized build per fold of each of its PGO variants
    /// (PGO on the baseline and a profile-guided pick: two), each fold measured on one workload
    /// (a variant's round between a variant's folds).
    pub(super) fn final_reserve(&self, n: usize) -> Duration {
        let rounds = self.opts.final_settings.min_runs + self.opts.final_settings.warmup;
        let (extra_builds, extra_variants) = match self.opts.held_out {
            _ if self.opts.folds == 0 => (0, 0),
            super::options::HeldOutMode::Final => (self.opts.folds * 2, 2),
            super::options::HeldOutMode::Always => (0, 2),
            super::options::HeldOutMode::Off => (0, 0),
        };
        let builds = self.baseline_compile.unwrap_or(30.0) * extra_builds as f64;
        let measuring = self
            .cost
            .measuring_final(n + extra_variants, f64::from(rounds));
        Duration::from_secs_f64(measuring + builds)
    }

    pub(crate) fn was_tried(&self, c: &Candidate) -> bool {
        self.tried.contains_key(&c.key())
    }

    /// What a candidate already has: built, cached, a profile it can share, or nothing.
    fn have(&self, c: &Candidate) -> Have {
        if self.session.is_built(c) {
            Have::Built
        } else if self.session.reuses_profile(c) {
            // Checked first: the session optimizes with a profile it trained before looking
            // for an earlier one of the candidate's own.
            Have::SharedProfile
        } else if self.session.is_cached(c) {
            Have::Cached
        } else {
            Have::Nothing
        }
    }

    /// The estimated cost of a step that builds `cands` and measures them together.
    pub(crate) fn estimate(&self, cands: &[&Candidate], settings: &Settings) -> Seconds {
        let mut est = Seconds::default();
        let mut folded = 0;
        for c in cands {
            let one = self.cost.candidate(c, self.have(c));
            est.building += one.building;
            est.training += one.training;
            // Held-out folds: one more optimized build each, no instrumented run.
            if c.pgo && !c.bolt && self.opts.held_out == super::options::HeldOutMode::Always {
                est.building += self.cost.cold_build(&c.variant) * self.opts.folds as f64;
                folded += 1;
            }
        }
        let first = settings.min_runs + settings.warmup;
        let rounds = self
            .cost
            .step_rounds(first)
            .min(f64::from(settings.max_runs + settings.warmup));
        // A variant's folds together run one round of every workload.
        est.measuring = self.cost.measuring(cands.len() + folded, rounds);
        est
    }

    /// Whether a step of this estimate still leaves time for the final run.
    pub(crate) fn affordable(&self, est: &Seconds) -> Result<(), String> {
        let need = Duration::from_secs_f64(est.total()) + self.final_reserve(3);
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

    /// Builds candidates, rejecting any over the compile-time cap. Only Ctrl-C is an `Err`.
    pub(crate) fn build(&mut self, cands: &[Candidate]) -> Result<Vec<Result<Built, Rejection>>> {
        let mut out: Vec<Result<Built, Rejection>> = Vec::new();
        for c in cands {
            out.push(self.build_one(c)?.map_err(Rejection::Build));
        }
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

    /// Builds one candidate, timing it: the building and training it took go into the step's
    /// cost and, for a build done now, into the model the next estimates come from.
    fn build_one(&mut self, c: &Candidate) -> Result<Result<Built, String>> {
        let have = self.have(c);
        let (t, trained) = (Instant::now(), self.session.training_secs());
        let built = self.session.build_all(std::slice::from_ref(c))?.remove(0);
        let training = self.session.training_secs() - trained;
        let building = (t.elapsed().as_secs_f64() - training).max(0.0);
        let cost = self.last_cost.get_or_insert_with(Seconds::default);
        cost.building += building;
        cost.training += training;
        if training > 0.0 {
            self.cost.trained(training);
        }
        match (&built, have) {
            (_, Have::Built) => {}
            (Ok(b), _) if !b.info.compile_time_cached => {
                let baseline = c.key() == self.baseline.key();
                let clean = b.info.compile_time_secs;
                self.cost.built(c, building, clean, b.info.builds, baseline);
            }
            (Ok(b), _) => self
                .cost
                .fresh_build(building / f64::from(b.info.builds.max(1))),
            (Err(_), _) => {}
        }
        Ok(built)
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
    pub(crate) fn measure(
        &mut self,
        cands: &[Candidate],
        settings: &Settings,
        extra: &[(usize, usize)],
    ) -> Result<(Run, Vec<Result<Built, Rejection>>)> {
        let built = self.build(cands)?;
        let mut settings = settings.clone();
        settings.time_limit = Some(self.remaining().saturating_sub(self.final_reserve(3)));
        let mut run = self.session.new_run(settings);
        for (c, b) in cands.iter().zip(&built) {
            run.variants.push(
                self.session
                    .variant_result(c, &b.clone().map_err(|e| e.to_string())),
            );
        }
        if built[0].is_ok() {
            Self::ask(&mut run, extra);
            let t = Instant::now();
            self.session.measure(&mut run);
            self.last_cost
                .get_or_insert_with(Seconds::default)
                .measuring += t.elapsed().as_secs_f64();
            // A held-out fold runs one workload: a variant's round is all of its pairs.
            let pairs = run.plan().live_pairs().max(1) as f64;
            let variants = pairs / run.workloads.len().max(1) as f64;
            let rounds = (run.rounds + run.settings.warmup).max(1);
            let per =
                (run.elapsed_secs > 0.0).then(|| run.elapsed_secs / (f64::from(rounds) * variants));
            self.cost.measured(rounds, per);
        }
        let step = self.last_cost.unwrap_or_default();
        self.add_to_breakdown(&step, false);
        if run.interrupted {
            // Kept, so the partial result shows what this step had measured.
            self.steps.push(run);
            return Err(crate::process::Interrupted.into());
        }
        self.steps.push(run.clone());
        Ok((run, built))
    }

    /// Speed of `run.variants[i]` against `run.variants[0]`.
    pub(crate) fn speed(&self, run: &Run, i: usize) -> Result<Comparison, Rejection> {
        run.speed(i, 0).map_err(Rejection::Unmeasured)
    }

    /// Adds a step to the path.
    pub(crate) fn record(
        &mut self,
        c: &Candidate,
        against: Option<&Candidate>,
        built: Option<&Built>,
        speed: Option<Comparison>,
        decision: Decision,
        reason: impl Into<String>,
    ) {
        self.tried.insert(c.key(), self.trials.len());
        let (estimate, order) = self.planned.take().unzip();
        let cost = self.last_cost.take().map(|actual| StepCost {
            estimate: estimate.unwrap_or_default(),
            actual,
        });
        self.trials.push(Trial {
            candidate: c.name.clone(),
            describe: c.describe(),
            against: against.map(|a| a.name.clone()),
            speed,
            size_bytes: built.map(|b| b.info.file_size_bytes),
            compile_time_secs: built.map(|b| b.info.compile_time_secs),
            decision,
            reason: reason.into(),
            order: order.flatten(),
            cost,
        });
    }

    /// Adds a step's (or the final run's) cost to what the budget went to.
    pub(super) fn add_to_breakdown(&mut self, cost: &Seconds, final_run: bool) {
        let to = if final_run {
            &mut self.breakdown.final_run
        } else {
            &mut self.breakdown.steps
        };
        to.building += cost.building;
        to.training += cost.training;
        to.measuring += cost.measuring;
    }

    /// The questions of a step, decided as one family over every workload: each variant
    /// against the first, then the `extra` pairs.
    pub(super) fn ask(run: &mut Run, extra: &[(usize, usize)]) {
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

    pub(crate) fn skip(&mut self, what: impl Into<String>) {
        self.not_explored.push(what.into());
    }
}

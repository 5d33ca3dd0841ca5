//! The measurement loop: warm-ups, then rounds that run every (variant, workload) pair once in a
//! fresh seeded random order. It stops at a planned look of the sequential design once every
//! question is decided at that look's level (`measure::sequential`), at `max_runs`, at the time
//! limit, or on Ctrl-C (keeping the partial result).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::{Deserialize, Serialize};

pub use placement::Placement;

use crate::measure::decide;
use crate::measure::family;
use crate::measure::layout;
use crate::measure::metric::{Metric, WorkloadKind};
use crate::measure::progress::{Phase, Progress, Step};
use crate::measure::rng::Rng;
use crate::measure::sample::{Sample, SampleRecord, Series};
use crate::measure::sequential::Design;
use crate::measure::settings::Settings;

/// Runs one workload against one variant's binary and measures it. `variant` and `workload`
/// index `Plan::variants` and `Plan::workloads`; `at` says which of the variant's code layouts
/// runs and how much its environment is padded. The sample's kind must match the workload's.
/// An `Err` marks that pair failed (with the error's text as the reason); the others go on.
pub trait Executor {
    fn run(&mut self, variant: usize, workload: usize, at: Placement) -> Result<Sample>;
}

/// What to measure. Indices into `variants` and `workloads` are what the executor receives.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Variant names (for progress messages).
    pub variants: Vec<String>,
    /// Workload names and kinds, with the metric that decides on each.
    pub workloads: Vec<(String, WorkloadKind, Metric)>,
    /// The variant the others are compared with.
    pub baseline: usize,
    /// Variants not to run (their build failed); same length as `variants`.
    pub skip: Vec<bool>,
    /// (variant, workload) pairs never run: a held-out fold's binary is measured only on the
    /// workload its profile left out.
    pub skip_pairs: Vec<(usize, usize)>,
    /// What must be decided before stopping early; empty means every variant against the
    /// baseline on each workload's deciding metric. They are decided as one family.
    pub questions: Vec<Question>,
    /// Code layouts per variant (1: its binary as built); same length as `variants`.
    pub layouts: Vec<u32>,
}

/// One comparison the loop waits for: `variant` against `reference`, on one workload or jointly
/// over several (each with the metric that decides there).
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub variant: usize,
    pub reference: usize,
    pub workloads: Vec<(usize, Metric)>,
}

impl Plan {
    pub fn new(
        variants: Vec<String>,
        workloads: Vec<(String, WorkloadKind, Metric)>,
        baseline: usize,
    ) -> Plan {
        let skip = vec![false; variants.len()];
        let layouts = vec![1; variants.len()];
        Plan {
            variants,
            workloads,
            baseline,
            skip,
            skip_pairs: Vec::new(),
            questions: Vec::new(),
            layouts,
        }
    }

    /// How many (variant, workload) pairs are run each round: those of variants not skipped,
    /// less the skipped pairs.
    pub fn live_pairs(&self) -> usize {
        let variants = self.skip.iter().filter(|s| !**s).count();
        let skipped = self
            .skip_pairs
            .iter()
            .filter(|(v, _)| !self.skip.get(*v).copied().unwrap_or(false))
            .count();
        (variants * self.workloads.len()).saturating_sub(skipped)
    }

    /// The questions to decide: the explicit ones, or each variant against the baseline per
    /// workload on its deciding metric.
    pub fn questions(&self) -> Vec<Question> {
        if !self.questions.is_empty() {
            return self.questions.clone();
        }
        let mut out = Vec::new();
        for v in (0..self.variants.len()).filter(|&v| v != self.baseline) {
            for (w, (_, _, metric)) in self.workloads.iter().enumerate() {
                if self.skip_pairs.contains(&(v, w)) {
                    continue;
                }
                out.push(Question {
                    variant: v,
                    reference: self.baseline,
                    workloads: vec![(w, *metric)],
                });
            }
        }
        out
    }
}

/// Why measuring ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// At a planned look, every question was decided (outside or inside the noise band).
    Decided,
    MaxRuns,
    TimeLimit,
    /// The stop flag was set (Ctrl-C); the result is partial.
    Interrupted,
    /// No pair could be run (all builds or all workloads failed).
    NothingToMeasure,
}

/// The raw result of a measurement.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `series[variant][workload]`; skipped variants have empty series.
    pub series: Vec<Vec<Series>>,
    /// Completed rounds (warm-ups not counted).
    pub rounds: u32,
    pub stop: StopReason,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn interrupted(&self) -> bool {
        self.stop == StopReason::Interrupted
    }
}

struct Loop<'a> {
    plan: &'a Plan,
    settings: &'a Settings,
    exec: &'a mut dyn Executor,
    progress: &'a mut dyn Progress,
    stop: &'a AtomicBool,
    series: Vec<Vec<Series>>,
    started: Instant,
    sampling: Duration,
    samples_done: u64,
}

/// Measures `plan`. Never fails as a whole: an executor error marks its pair failed (the others
/// go on), and the stop flag or Ctrl-C ends the loop after the current sample.
pub fn measure(
    plan: &Plan,
    settings: &Settings,
    exec: &mut dyn Executor,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Outcome {
    let series = (0..plan.variants.len())
        .map(|_| {
            plan.workloads
                .iter()
                .map(|(_, kind, _)| Series::new(*kind))
                .collect()
        })
        .collect();
    let mut l = Loop {
        plan,
        settings,
        exec,
        progress,
        stop,
        series,
        started: Instant::now(),
        sampling: Duration::ZERO,
        samples_done: 0,
    };
    let (rounds, stop) = l.run();
    l.progress.finish();
    Outcome {
        series: l.series,
        rounds,
        stop,
        elapsed: l.started.elapsed(),
    }
}

impl Loop<'_> {
    fn run(&mut self) -> (u32, StopReason) {
        let mut rng = Rng::derived(self.settings.seed, &[u64::MAX]);
        let design = Design::new(self.settings);
        for w in 0..self.settings.warmup {
            let mut order = self.live_pairs();
            if order.is_empty() {
                return (0, StopReason::NothingToMeasure);
            }
            rng.shuffle(&mut order);
            if !self.run_round(Phase::Warmup, w, &order) {
                return (0, StopReason::Interrupted);
            }
        }
        let mut rounds = 0;
        loop {
            if rounds >= self.settings.max_runs {
                return (rounds, StopReason::MaxRuns);
            }
            let mut order = self.live_pairs();
            if order.is_empty() {
                return (rounds, StopReason::NothingToMeasure);
            }
            if design.looks.contains(&rounds) && self.all_decided(&design, rounds) {
                return (rounds, StopReason::Decided);
            }
            if rounds >= self.settings.min_runs
                && let Some(limit) = self.settings.time_limit
            {
                let next_round = self.mean_sample() * order.len() as u32;
                if self.started.elapsed() + next_round > limit {
                    return (rounds, StopReason::TimeLimit);
                }
            }
            rng.shuffle(&mut order);
            if !self.run_round(Phase::Measure, rounds, &order) {
                return (rounds, StopReason::Interrupted);
            }
            rounds += 1;
        }
    }

    /// Pairs still to run: variant not skipped, pair not failed.
    fn live_pairs(&self) -> Vec<(usize, usize)> {
        let mut pairs = Vec::new();
        for v in 0..self.plan.variants.len() {
            if self.skipped(v) {
                continue;
            }
            for w in 0..self.plan.workloads.len() {
                if self.series[v][w].failure.is_none() && !self.plan.skip_pairs.contains(&(v, w)) {
                    pairs.push((v, w));
                }
            }
        }
        pairs
    }

    fn skipped(&self, v: usize) -> bool {
        self.plan.skip.get(v).copied().unwrap_or(false)
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst) || crate::process::interrupted()
    }

    fn mean_sample(&self) -> Duration {
        if self.samples_done == 0 {
            Duration::ZERO
        } else {
            self.sampling / self.samples_done as u32
        }
    }

    /// Runs one round in `order`; false when stopped.
    fn run_round(&mut self, phase: Phase, round: u32, order: &[(usize, usize)]) -> bool {
        let per_round = order.len() as u64;
        for (i, &(v, w)) in order.iter().enumerate() {
            if self.stopped() {
                return false;
            }
            let remaining =
                self.remaining(phase, round, i as u64, per_round, self.settings.min_runs);
            let remaining_max =
                self.remaining(phase, round, i as u64, per_round, self.settings.max_runs);
            let mean = self.mean_sample();
            let eta = (self.samples_done > 0).then(|| mean * remaining as u32);
            let mut eta_max = (self.samples_done > 0).then(|| mean * remaining_max as u32);
            if let (Some(m), Some(limit)) = (eta_max, self.settings.time_limit) {
                let left = limit.saturating_sub(self.started.elapsed());
                eta_max = Some(m.min(left.max(eta.unwrap_or_default())));
            }
            let step = Step {
                phase,
                round: round + 1,
                max_rounds: match phase {
                    Phase::Warmup => self.settings.warmup,
                    Phase::Measure => self.settings.max_runs,
                },
                variant: &self.plan.variants[v],
                workload: &self.plan.workloads[w].0,
                done: self.samples_done,
                planned: self.samples_done + remaining,
                eta,
                eta_max,
            };
            self.progress.step(&step);

            let at = self.placement(phase, round, v, w);
            let t = Instant::now();
            let result = self.exec.run(v, w, at);
            self.sampling += t.elapsed();
            self.samples_done += 1;
            // A run cut short by Ctrl-C is not the variant's fault: drop it, keep the rest.
            if result.is_err() && self.stopped() {
                return false;
            }
            let layout = (self.layouts(v) > 1).then_some(at.layout);
            let series = &mut self.series[v][w];
            match result {
                Ok(sample) if sample.kind() == series.kind => series.samples.push(SampleRecord {
                    round,
                    warmup: phase == Phase::Warmup,
                    outlier: None,
                    layout,
                    sample,
                }),
                Ok(sample) => {
                    series.failure = Some(format!(
                        "the executor returned a {} sample for a {} workload",
                        sample.kind(),
                        series.kind
                    ))
                }
                Err(e) => series.failure = Some(format!("{e:#}")),
            }
        }
        true
    }

    fn layouts(&self, v: usize) -> u32 {
        self.plan.layouts.get(v).copied().unwrap_or(1).max(1)
    }

    fn placement(&self, phase: Phase, round: u32, v: usize, w: usize) -> Placement {
        let warmup = phase == Phase::Warmup;
        placement::pick(self.settings, self.layouts(v), warmup, round, v, w)
    }

    /// The layout band of workload `w` on `metric` so far (`measure::layout`).
    fn band(&self, w: usize, metric: Metric) -> Option<f64> {
        let series: Vec<&Series> = self.series.iter().map(|s| &s[w]).collect();
        let s = self.settings;
        layout::estimate(&series, self.plan.baseline, metric, s.layouts, s.confidence)
            .map(|b| b.band)
    }

    /// Samples left, the one at `index` of this round included, until `target` measured rounds.
    /// Counts full rounds of the pairs alive now (failures shrink later rounds).
    fn remaining(&self, phase: Phase, round: u32, index: u64, per_round: u64, target: u32) -> u64 {
        let (round, target) = (u64::from(round), u64::from(target));
        match phase {
            Phase::Warmup => {
                (u64::from(self.settings.warmup) - round) * per_round - index + target * per_round
            }
            Phase::Measure => per_round - index + target.saturating_sub(round + 1) * per_round,
        }
    }

    /// True when every question whose pairs are alive is decided at the look after `rounds`,
    /// the questions taken as one family (`measure::family`).
    fn all_decided(&self, design: &Design, rounds: u32) -> bool {
        let alive = |v: usize, w: usize| {
            !self.skipped(v)
                && self.series[v][w].failure.is_none()
                && !self.plan.skip_pairs.contains(&(v, w))
        };
        // Per question, per live workload: the variant's and the reference's values.
        type Sides = (Vec<(u32, f64)>, Vec<(u32, f64)>, Metric, usize);
        let values: Vec<Vec<Sides>> = self
            .plan
            .questions()
            .iter()
            .map(|q| {
                q.workloads
                    .iter()
                    .filter(|&&(w, _)| alive(q.variant, w) && alive(q.reference, w))
                    .map(|&(w, m)| {
                        let v = self.series[q.variant][w].values(m);
                        (v, self.series[q.reference][w].values(m), m, w)
                    })
                    .collect()
            })
            .filter(|q: &Vec<_>| !q.is_empty())
            .collect();
        let arms: Vec<Vec<decide::Arm>> = values
            .iter()
            .map(|q| {
                q.iter()
                    .map(|(v, r, m, _)| decide::Arm::of(v, r, *m))
                    .collect()
            })
            .collect();
        // Each question's band: the noise threshold, or its workloads' widest layout band.
        let noise: Vec<f64> = values
            .iter()
            .map(|q| {
                let band = q
                    .iter()
                    .filter_map(|(_, _, m, w)| self.band(*w, *m))
                    .reduce(f64::max);
                decide::threshold(self.settings.noise_threshold, band)
            })
            .collect();
        let level = |a: f64| design.look(a, rounds).unwrap_or(0.0);
        family::decide(&arms, design.alpha, &noise, &level)
            .iter()
            .all(|r| match r {
                Ok(c) => c.verdict.is_decided(),
                // Values that cannot be compared (zero times): more runs will not help.
                Err(decide::Undecidable::Samples(_)) => true,
                Err(decide::Undecidable::NoInterval { .. }) => false,
            })
    }
}

mod placement;
#[cfg(test)]
mod tests;

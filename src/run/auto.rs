//! The document `auto` produces (its `--json`): the path the search took, each step's speed,
//! the Pareto front and the final run. The search (`search/`) fills it; reports read it.

use serde::{Deserialize, Serialize};

use crate::measure::comparison::Comparison;
use crate::run::Run;
use crate::tune_config::Goal;

/// What happened to one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Decision {
    Baseline,
    /// It became the best so far.
    Kept,
    /// Measured and not better (or not worth its cost).
    Dropped,
    /// Its build or its workload failed, or it broke a constraint.
    Rejected,
    /// Not tried: the budget, or a direction already measured as noise.
    Skipped,
}

/// One step of the path the search took.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Trial {
    pub candidate: String,
    pub describe: String,
    /// The candidate it was measured against.
    pub against: Option<String>,
    pub speed: Option<Comparison>,
    pub size_bytes: Option<u64>,
    pub compile_time_secs: Option<f64>,
    pub decision: Decision,
    pub reason: String,
    /// Why this step came when it did (combining two winners, or its expected gain per second).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// What the step was estimated to cost before it ran, and what it cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<StepCost>,
}

/// Seconds one step took (or was estimated to take), by what they went to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Seconds {
    /// Compiler runs (plain, instrumented and optimized builds; cargo's up-to-date checks).
    pub building: f64,
    /// Running the workloads on instrumented builds (PGO, BOLT) and merging their profiles.
    pub training: f64,
    /// Measuring: interleaved rounds of the step's variants.
    pub measuring: f64,
}

impl Seconds {
    pub(crate) fn total(&self) -> f64 {
        self.building + self.training + self.measuring
    }
}

/// A step's estimate, made from what was measured before it, and its actual cost.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct StepCost {
    pub estimate: Seconds,
    pub actual: Seconds,
}

/// A comparison the search could not decide in its time, kept for more time instead of dropped.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Undecided {
    pub candidate: String,
    pub against: String,
    pub speed: Comparison,
    /// Rounds measured over every attempt.
    pub rounds: u32,
    /// The `cargo tune compare` that would tell.
    pub compare: String,
}

/// What the budget went to: the steps' parts, the final run, and the rest (setup, analysis).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Breakdown {
    pub steps: Seconds,
    pub final_run: Seconds,
    pub other: f64,
}

/// Everything `auto` found; this is its `--json` output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AutoResult {
    pub goal: Goal,
    pub budget_secs: f64,
    pub elapsed_secs: f64,
    /// Compiler runs that did work (cached, up-to-date builds are not counted).
    pub builds: u32,
    pub configurations_tried: usize,
    pub space_size: usize,
    pub path: Vec<Trial>,
    pub not_explored: Vec<String>,
    /// Index into `final_run.variants`.
    pub winner: usize,
    pub recommendation: String,
    /// Indices into `final_run.variants` that no other variant beats on speed, size and compile time.
    pub pareto: Vec<usize>,
    /// The recommendation measured beside the baseline and the reference points, in one run.
    pub final_run: Run,
    /// Every step's measurement, with every raw sample.
    pub steps: Vec<Run>,
    /// The winning candidate's spec, for reproducing it.
    pub winner_pgo: bool,
    /// True when Ctrl-C stopped the search: the path so far, no recommendation, and
    /// `final_run` is the last (possibly partial) measurement.
    #[serde(default)]
    pub interrupted: bool,
    /// Comparisons still undecided at the end, with their intervals ("worth more time").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undecided: Vec<Undecided>,
    /// What the budget went to.
    #[serde(default)]
    pub breakdown: Breakdown,
}

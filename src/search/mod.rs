//! `auto`'s search of the build-configuration space: knowledge-ordered moves, each decided by
//! the measurement statistics, within a wall-clock budget; then a final measurement in one run.

mod bench;
mod confirm;
mod driver;
pub mod evidence;
mod goals;
pub mod output;
pub mod pareto;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use bench::Bench;
pub use driver::{InterruptedSearch, Searcher};
pub use evidence::{Speed, SpeedMetric};

use crate::config::{CompileCap, Goal};
use crate::lab::Candidate;
use crate::measure::Settings;
use crate::report::Run;

/// Points in the space `auto` searches: opt-level 2/3/s/z × lto off/thin/fat × codegen-units
/// 1/16 × panic unwind/abort × target-cpu baseline/x86-64-v3/native × PGO on/off.
pub const SPACE_SIZE: usize = 4 * 3 * 2 * 2 * 3 * 2;

#[derive(Debug, Clone)]
pub struct SearchOptions {
    pub goal: Goal,
    pub metric: SpeedMetric,
    pub budget: Duration,
    pub compile_cap: Option<CompileCap>,
    /// Size goal: how much slower than the baseline the pick may be (fraction).
    pub allow_slowdown: f64,
    pub pgo: bool,
    /// Allow `target-cpu=native` (binaries then need a CPU like this machine's).
    pub native: bool,
    /// Whether `target-cpu=x86-64-v3` applies (x86_64 targets).
    pub x86_64: bool,
    pub base_profile: String,
    /// Measurement of each search step.
    pub step_settings: Settings,
    /// The final measurement of the recommendation and the reference points.
    pub final_settings: Settings,
    /// The user's project selection as typed again in printed commands (` --manifest-path …`).
    pub selection: String,
}

/// What happened to one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
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
pub struct Trial {
    pub candidate: String,
    pub describe: String,
    /// The candidate it was measured against.
    pub against: Option<String>,
    pub speed: Option<Speed>,
    pub size_bytes: Option<u64>,
    pub compile_time_secs: Option<f64>,
    pub decision: Decision,
    pub reason: String,
}

/// Everything `auto` found; this is its `--json` output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AutoResult {
    pub goal: Goal,
    pub metric: SpeedMetric,
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
}

/// Runs the search for `opts.goal`, then the final measurement.
pub fn search(lab: &mut dyn Bench, opts: SearchOptions) -> anyhow::Result<(AutoResult, Candidate)> {
    let mut s = Searcher::new(lab, opts);
    let (winner, references) = match goals::run(&mut s) {
        Ok(picked) => picked,
        Err(e) if e.is::<crate::process::Interrupted>() => return Err(s.interrupted(None)),
        Err(e) => return Err(e),
    };
    s.finish(winner, references)
}

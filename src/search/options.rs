//! What a search is asked to do: goal, metric, budget, caps, the stages it may use, and how
//! its steps and its final run are measured; the size of the space it covers.

use std::time::Duration;

use crate::measure::Settings;
use crate::tune_config::{CompileCap, Goal};

/// The budget of a search when neither `--budget` nor `budget =` gives one.
pub(crate) const DEFAULT_BUDGET: Duration = Duration::from_secs(20 * 60);

/// How each step is measured, from the final run's settings: steps only need to tell two
/// candidates apart (the sequential design stops them early when the difference is clear), the
/// final run carries the reported figures. At most 12 rounds: with the design's
/// O'Brien–Fleming-type spending a clear result can then stop at round 9 (at 20, not before
/// round 14); what stays undecided is carried, and gets leftover budget.
pub(crate) fn step_settings(final_settings: &Settings) -> Settings {
    let mut s = final_settings.clone();
    s.min_runs = final_settings.min_runs.min(6);
    s.max_runs = final_settings.max_runs.min(12).max(s.min_runs);
    // Steps compare binaries as built; the final run, which confirms the pick, varies layouts.
    s.layouts = 1;
    s
}

/// Points in the space this search covers: the opt-levels its goal tries (2/3 for speed and
/// balanced, 2/3/s/z for size) × lto off/thin/fat × codegen-units 1/16 × panic unwind/abort ×
/// target-cpu (baseline, x86-64-v3 on x86_64, native with `--native`) × PGO on/off when it can
/// run. "Tried N of M" counts against this, not against knobs the search never turns.
pub(crate) fn space_size(opts: &SearchOptions) -> usize {
    let opt_levels = match opts.goal {
        Goal::Speed | Goal::Balanced => 2,
        Goal::Size => 4,
    };
    let cpus = 1 + usize::from(opts.x86_64) + usize::from(opts.native);
    let pgo = 1 + usize::from(opts.pgo);
    let bolt = 1 + usize::from(opts.bolt && opts.goal == Goal::Speed);
    opt_levels * 3 * 2 * 2 * cpus * pgo * bolt
}

#[derive(Debug, Clone)]
pub(crate) struct SearchOptions {
    pub goal: Goal,
    pub budget: Duration,
    pub compile_cap: Option<CompileCap>,
    /// Size goal: how much slower than the baseline the pick may be (fraction).
    pub allow_slowdown: f64,
    pub pgo: bool,
    /// Whether BOLT can run here (speed: tried on the best configuration at the end; size:
    /// named as a size cost, not tried).
    pub bolt: bool,
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
    /// When profile-guided candidates are judged on held-out folds.
    pub held_out: HeldOutMode,
    /// Measured workloads that get a fold (each trains too, and another workload trains).
    pub folds: usize,
}

/// When `auto` builds held-out folds of its PGO candidates (see `docs/held-out.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum HeldOutMode {
    /// Never: every profile-guided figure is in-sample (and said to be).
    #[default]
    Off,
    /// Only for the final run: the steps rank in-sample, the recommendation is held-out. The
    /// default with several workloads: k more optimized builds of one configuration.
    Final,
    /// For every PGO candidate of every step (`--held-out`): ranked by held-out gains throughout.
    Always,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::sequential::Design;

    /// The first planned look at which a step can stop: where a unanimous paired result (every
    /// round favours one side: p = 2 / 2^n for n signed ranks) reaches the look's level, for one
    /// question at 95% and for two (Holm's first share, two workloads).
    fn first_stop(max_runs: u32, alpha: f64) -> Option<u32> {
        let settings = Settings {
            min_runs: 6,
            max_runs,
            ..Settings::default()
        };
        let design = Design::new(&settings);
        design.looks.iter().copied().find(|&n| {
            design
                .look(alpha, n)
                .is_some_and(|level| 2.0 / 2f64.powi(n as i32) <= level)
        })
    }

    /// Why a step's maximum is 12 rounds: with the group-sequential design, a maximum of 20
    /// leaves the early looks so little error rate that even a clear result cannot stop before
    /// round 14; with 12 it stops at round 9. An undecided step is carried, not lost.
    #[test]
    fn a_step_with_twelve_rounds_can_stop_at_nine() {
        assert_eq!(first_stop(20, 0.05), Some(14));
        assert_eq!(first_stop(12, 0.05), Some(9));
        assert_eq!(first_stop(12, 0.025), Some(9));
        let s = step_settings(&Settings::default());
        assert_eq!((s.min_runs, s.max_runs), (6, 12));
    }
}

//! How a measurement runs: noise threshold, run counts, time limit, warm-ups, seed, bootstrap size.

use std::time::Duration;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::link::layouts::LayoutMode;
use crate::measure::metric::{Metric, WorkloadKind};
use crate::measure::stats::Bootstrap;

/// Settings of one measurement; saved with the results so a run can be reproduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Relative change below which a difference is "within noise" (0.01 = ±1%).
    pub noise_threshold: f64,
    /// Rounds always run (unless interrupted), even past the time limit.
    pub min_runs: u32,
    /// Rounds never exceeded.
    pub max_runs: u32,
    /// After `min_runs`, no round starts that would likely end past this (from the first warm-up).
    #[serde(
        default,
        rename = "time_limit_secs",
        with = "opt_secs",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_limit: Option<Duration>,
    /// Warm-up runs per variant × workload before the first round; recorded, never summarised.
    pub warmup: u32,
    /// Seeds the run order and the bootstrap.
    pub seed: u64,
    /// Confidence level of every interval (0.95).
    pub confidence: f64,
    /// Bootstrap resamples per interval.
    pub resamples: u32,
    /// The metric that decides for command workloads (`--metric`): wall, cpu, instructions,
    /// cycles_est. Older results have none: wall time.
    #[serde(default = "default_command_metric")]
    pub command_metric: Metric,
    /// The metric that decides for service workloads (`--metric rps|p99`); `None` leaves each
    /// its default: requests per second under closed-loop load, p99 latency at a fixed rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_metric: Option<Metric>,
    /// Code layouts per variant (`--layouts`): each run uses one, picked per round from the seed,
    /// and gets random environment padding. 1 (older results too): the binary as built.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub layouts: u32,
    /// How those layouts differ (`--layout-mode`).
    #[serde(default, skip_serializing_if = "is_shift")]
    pub layout_mode: LayoutMode,
    /// Command workloads ran bound to one CPU (`--pin`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pin: bool,
}

fn default_command_metric() -> Metric {
    Metric::Wall
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn is_shift(m: &LayoutMode) -> bool {
    *m == LayoutMode::Shift
}

/// Most layouts per variant: shifted layouts move code by one of 255 multiples of 16 bytes.
pub(super) const MAX_LAYOUTS: u32 = 255;

/// How carefully to measure when nothing says otherwise: the one place these are written
/// (`Settings::default`, the command line and its help read them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Defaults {
    pub noise: f64,
    pub min_runs: u32,
    pub max_runs: u32,
    pub warmup: u32,
}

impl Defaults {
    /// Timed metrics (wall, CPU, requests per second, latency).
    pub(crate) const TIMED: Defaults = Defaults {
        noise: 0.01,
        min_runs: 10,
        max_runs: 30,
        warmup: 1,
    };
    /// Exact counts (instructions, estimated cycles): a fine band, nothing to warm, and the
    /// runs a rank-sum comparison needs (`measure::exact`).
    pub(crate) const EXACT: Defaults = Defaults {
        noise: 0.001,
        min_runs: crate::measure::exact::DEFAULT_RUNS,
        max_runs: crate::measure::exact::DEFAULT_RUNS,
        warmup: 0,
    };

    pub(crate) fn of(exact: bool) -> Defaults {
        if exact { Self::EXACT } else { Self::TIMED }
    }
}

impl Default for Settings {
    fn default() -> Self {
        let d = Defaults::TIMED;
        Settings {
            noise_threshold: d.noise,
            min_runs: d.min_runs,
            max_runs: d.max_runs,
            time_limit: None,
            warmup: d.warmup,
            seed: 0,
            confidence: 0.95,
            resamples: 5000,
            command_metric: Metric::Wall,
            service_metric: None,
            pin: false,
            layouts: 1,
            layout_mode: LayoutMode::Shift,
        }
    }
}

impl Settings {
    pub fn bootstrap(&self) -> Bootstrap {
        Bootstrap {
            resamples: self.resamples,
            confidence: self.confidence,
        }
    }

    /// The metric that decides "faster" for a workload, and drives adaptive stopping, the noise
    /// line, outlier flags and charts: `--metric`'s for its kind, else the kind's default
    /// (`open_loop`: a service loaded at a fixed rate).
    pub fn deciding(&self, kind: WorkloadKind, open_loop: bool) -> Metric {
        match kind {
            WorkloadKind::Command => self.command_metric,
            WorkloadKind::Service => self
                .service_metric
                .unwrap_or_else(|| Metric::default_deciding(kind, open_loop)),
        }
    }

    /// The fewest runs per variant with which the test can reach the whole confidence level:
    /// the paired signed-rank test for timed metrics, the rank-sum test of independent runs for
    /// exact counts (`measure::exact`).
    pub fn fewest_runs_that_compare(&self) -> usize {
        let alpha = 1.0 - self.confidence;
        if self.command_metric.is_exact() {
            return (1..)
                .find(|&n| crate::measure::exact::smallest_level(n, n) <= alpha)
                .expect("some number of runs reaches any level above zero");
        }
        (crate::measure::stats::MIN_SAMPLES..)
            .find(|&n| crate::measure::stats::rank::signed_rank_attainable(n, alpha))
            .expect("some number of runs reaches any level above zero")
    }

    /// Rejects settings that cannot give a meaningful result, saying which and why.
    pub fn validate(&self) -> Result<()> {
        if !(self.noise_threshold > 0.0 && self.noise_threshold < 0.5) {
            bail!(
                "noise threshold must be between 0 and 50% (got {}%)",
                self.noise_threshold * 100.0
            );
        }
        if (self.min_runs as usize) < crate::measure::stats::MIN_SAMPLES {
            bail!(
                "at least {} runs are needed for a confidence interval (got min runs {})",
                crate::measure::stats::MIN_SAMPLES,
                self.min_runs
            );
        }
        if !(self.confidence > 0.5 && self.confidence < 1.0) {
            bail!(
                "confidence must be between 0.5 and 1 (got {})",
                self.confidence
            );
        }
        let fewest = self.fewest_runs_that_compare();
        if (self.max_runs as usize) < fewest {
            let why = if self.command_metric.is_exact() {
                " (counts drift a little from run to run, so each side's runs are compared as \
                 independent samples)"
            } else {
                ""
            };
            bail!(
                "with at most {} runs per variant nothing can be compared: at {}% confidence a \
                 comparison needs at least {fewest} runs{why} (pass --max-runs {fewest} or more)",
                self.max_runs,
                self.confidence * 100.0
            );
        }
        if self.max_runs < self.min_runs {
            bail!(
                "max runs ({}) is less than min runs ({})",
                self.max_runs,
                self.min_runs
            );
        }
        if !(1..=MAX_LAYOUTS).contains(&self.layouts) {
            bail!(
                "--layouts must be between 1 (off) and {MAX_LAYOUTS} (got {})",
                self.layouts
            );
        }
        if self.layouts > 1 && self.min_runs < self.layouts {
            bail!(
                "with {} layouts per variant at least {0} rounds are needed, so that each layout \
                 runs before the first look (got min runs {}); raise --min-runs or lower --layouts",
                self.layouts,
                self.min_runs
            );
        }
        if self.resamples < 100 {
            bail!(
                "at least 100 bootstrap resamples are needed (got {})",
                self.resamples
            );
        }
        Ok(())
    }
}

/// `Option<Duration>` as fractional seconds.
pub(crate) mod opt_secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_f64(d.as_secs_f64()),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        let secs = Option::<f64>::deserialize(d)?;
        secs.map(|s| Duration::try_from_secs_f64(s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_say_why() {
        Settings::default().validate().unwrap();
        let e = Settings {
            min_runs: 2,
            ..Settings::default()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("at least 3 runs"), "{e}");
        let e = Settings {
            min_runs: 12,
            max_runs: 8,
            ..Settings::default()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("less than min runs"), "{e}");
    }

    #[test]
    fn too_few_runs_to_compare_are_refused_with_the_minimum() {
        let fewest = Settings::default().fewest_runs_that_compare();
        // Two-sided 95%: the signed-rank test's smallest p is 2/2ⁿ, below 0.05 from n = 6.
        assert_eq!(fewest, 6);
        let few = |min_runs, max_runs| {
            Settings {
                min_runs,
                max_runs,
                ..Settings::default()
            }
            .validate()
        };
        let e = few(3, 3).unwrap_err().to_string();
        assert!(
            e.contains("with at most 3 runs per variant nothing can be compared")
                && e.contains("needs at least 6 runs (pass --max-runs 6 or more)"),
            "{e}"
        );
        few(3, 6).unwrap();
        // `--max-runs 3` alone (min runs at its default) gets the same advice, not a min/max clash.
        let e = few(6, 3).unwrap_err().to_string();
        assert!(e.contains("pass --max-runs 6 or more"), "{e}");
        // Counts: one run a side cannot decide; four can (2 / C(8, 4) = 2.9%).
        let counted = |max_runs: u32| Settings {
            command_metric: crate::measure::Metric::Instructions,
            min_runs: max_runs.min(3),
            max_runs,
            ..Settings::default()
        };
        let e = counted(3).validate().unwrap_err().to_string();
        assert!(e.contains("needs at least 4 runs"), "{e}");
        counted(4).validate().unwrap();
    }

    #[test]
    fn time_limit_round_trips_as_seconds() {
        let s = Settings {
            time_limit: Some(Duration::from_millis(1500)),
            ..Settings::default()
        };
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["time_limit_secs"], 1.5);
        let back: Settings = serde_json::from_value(json).unwrap();
        assert_eq!(back, s);
    }
}

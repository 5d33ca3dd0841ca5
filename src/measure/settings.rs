//! How a measurement runs: noise threshold, run counts, time limit, warm-ups, seed, bootstrap size.

use std::time::Duration;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::measure::sample::Metric;
use crate::measure::sample::WorkloadKind;
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
    /// Command workloads ran bound to one CPU (`--pin`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pin: bool,
}

fn default_command_metric() -> Metric {
    Metric::Wall
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            noise_threshold: 0.01,
            min_runs: 10,
            max_runs: 30,
            time_limit: None,
            warmup: 1,
            seed: 0,
            confidence: 0.95,
            resamples: 5000,
            command_metric: Metric::Wall,
            pin: false,
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

    /// The metric that decides "faster" for a workload kind, and drives adaptive stopping.
    pub fn primary(&self, kind: WorkloadKind) -> Metric {
        match kind {
            WorkloadKind::Command => self.command_metric,
            WorkloadKind::Service => Metric::RequestsPerSec,
        }
    }

    /// The fewest runs per variant with which the paired test can reach the whole confidence
    /// level (an exact count decides with one run).
    pub fn fewest_runs_that_compare(&self) -> usize {
        if self.command_metric.is_exact() {
            return 1;
        }
        let alpha = 1.0 - self.confidence;
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
        // An exact count needs no interval: one run per variant decides.
        let needed = if self.command_metric.is_exact() {
            1
        } else {
            crate::measure::stats::MIN_SAMPLES
        };
        if (self.min_runs as usize) < needed {
            bail!(
                "at least {needed} runs are needed for a confidence interval (got min runs {}); \
                 exact metrics (--metric instructions, cycles-est) need only one",
                self.min_runs
            );
        }
        if self.max_runs < self.min_runs {
            bail!(
                "max runs ({}) is less than min runs ({})",
                self.max_runs,
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
            bail!(
                "with at most {} runs per variant nothing can be compared: at {}% confidence a \
                 comparison needs at least {fewest} runs (pass --max-runs {fewest} or more)",
                self.max_runs,
                self.confidence * 100.0
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

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_f64(d.as_secs_f64()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
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
            max_runs: 5,
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
        let counted = Settings {
            command_metric: crate::measure::Metric::Instructions,
            min_runs: 1,
            max_runs: 1,
            ..Settings::default()
        };
        counted.validate().unwrap();
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

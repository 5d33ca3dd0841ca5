//! What one run of a workload yields (`Sample`), the metrics read from it (`Sample::value`),
//! and the raw series kept per variant × workload. These are part of the saved JSON: keep them stable.

use serde::{Deserialize, Serialize};

use crate::measure::metric::{Metric, WorkloadKind};
use crate::measure::stats::Outlier;

/// One run of a command workload (the binary ran to completion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandSample {
    /// Wall-clock time, seconds.
    pub wall_secs: f64,
    /// User CPU time of the process tree, seconds.
    pub user_secs: f64,
    /// System CPU time of the process tree, seconds.
    pub sys_secs: f64,
    /// Peak resident set size in bytes, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
    /// Instructions executed, counted by cachegrind (`--metric instructions` or `cycles-est`).
    /// The times above were then taken under valgrind: 25–50× those of a plain run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<u64>,
    /// Estimated cycles from cachegrind's cache simulation (`--metric cycles-est`):
    /// L1 hits + 5 × LL hits + 35 × RAM accesses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycles_est: Option<u64>,
}

/// One load run against a service workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceSample {
    /// Successful (2xx) responses per second over the load phase.
    pub requests_per_sec: f64,
    /// Latency percentiles, seconds.
    pub p50_secs: f64,
    pub p90_secs: f64,
    pub p99_secs: f64,
    pub p999_secs: f64,
    /// Requests completed (any status).
    pub requests: u64,
    /// Connection or protocol errors.
    pub errors: u64,
    /// Responses with a status outside 200–299.
    pub non_2xx: u64,
    /// Length of the load phase, seconds.
    pub duration_secs: f64,
    /// Peak resident set size of the service in bytes, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
}

/// One measurement of one variant on one workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Sample {
    Command(CommandSample),
    Service(ServiceSample),
}

impl Sample {
    pub fn kind(&self) -> WorkloadKind {
        match self {
            Sample::Command(_) => WorkloadKind::Command,
            Sample::Service(_) => WorkloadKind::Service,
        }
    }

    /// The value of `metric`, if this kind of sample has it.
    pub fn value(&self, metric: Metric) -> Option<f64> {
        match (self, metric) {
            (Sample::Command(c), Metric::Wall) => Some(c.wall_secs),
            (Sample::Command(c), Metric::User) => Some(c.user_secs),
            (Sample::Command(c), Metric::Sys) => Some(c.sys_secs),
            (Sample::Command(c), Metric::Cpu) => Some(c.user_secs + c.sys_secs),
            (Sample::Command(c), Metric::Instructions) => c.instructions.map(|n| n as f64),
            (Sample::Command(c), Metric::CyclesEst) => c.cycles_est.map(|n| n as f64),
            (Sample::Command(c), Metric::PeakRss) => c.peak_rss_bytes.map(|b| b as f64),
            (Sample::Service(s), Metric::RequestsPerSec) => Some(s.requests_per_sec),
            (Sample::Service(s), Metric::P50) => Some(s.p50_secs),
            (Sample::Service(s), Metric::P90) => Some(s.p90_secs),
            (Sample::Service(s), Metric::P99) => Some(s.p99_secs),
            (Sample::Service(s), Metric::P999) => Some(s.p999_secs),
            (Sample::Service(s), Metric::PeakRss) => s.peak_rss_bytes.map(|b| b as f64),
            _ => None,
        }
    }
}

/// A sample as recorded: which round it belongs to and whether it was a warm-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRecord {
    /// Round number (0-based). Warm-ups count their own rounds, also from 0.
    pub round: u32,
    /// Warm-up samples are kept for inspection but left out of every statistic.
    pub warmup: bool,
    /// Set when the primary metric of this sample lies beyond the IQR fences (flagged, still used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier: Option<Outlier>,
    /// Which of the variant's code layouts ran (index into its `layouts`), when it had several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<u32>,
    #[serde(flatten)]
    pub sample: Sample,
}

/// All samples of one variant on one workload, and why measuring it stopped early, if it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub kind: WorkloadKind,
    pub samples: Vec<SampleRecord>,
    /// The executor's error that ended this pair; the other pairs carried on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl Series {
    pub fn new(kind: WorkloadKind) -> Series {
        Series {
            kind,
            samples: Vec::new(),
            failure: None,
        }
    }

    /// `(round, value)` of the measured (non-warm-up) samples that have `metric`.
    pub fn values(&self, metric: Metric) -> Vec<(u32, f64)> {
        self.samples
            .iter()
            .filter(|r| !r.warmup)
            .filter_map(|r| Some((r.round, r.sample.value(metric)?)))
            .filter(|(_, v)| v.is_finite())
            .collect()
    }

    /// Number of measured (non-warm-up) samples.
    pub fn runs(&self) -> usize {
        self.samples.iter().filter(|r| !r.warmup).count()
    }
}

//! Every metric in one table (`DESCRIPTORS`): its JSON key, its `--metric` name, its label and
//! unit, which way is better, whether it is an exact count, and which workload kind yields it.
//! A new metric is one row here plus its collector (`Sample::value`); everything else reads the
//! table.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::measure::stats::Direction;

/// How a workload is driven (a tune-table setting, and the kind of every sample).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkloadKind {
    /// Run the binary to completion (CLI tools, batch jobs).
    #[default]
    Command,
    /// Start the binary, wait until ready, drive HTTP load, stop it.
    Service,
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WorkloadKind::Command => "command",
            WorkloadKind::Service => "service",
        })
    }
}

/// A summarised quantity. Serialized names are the keys of `summary.metrics` in the JSON (the
/// table's `key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Wall,
    User,
    Sys,
    RequestsPerSec,
    P50,
    P90,
    P99,
    P999,
    PeakRss,
    Cpu,
    Instructions,
    CyclesEst,
}

/// What a metric's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Bytes,
    PerSecond,
    Count,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Descriptor {
    pub metric: Metric,
    /// The JSON key (`summary.metrics`, `noise[].metric`).
    pub key: &'static str,
    /// The name `--metric` and `metric =` accept, for metrics that can decide.
    pub cli: Option<&'static str>,
    /// `--metric`'s help for it.
    pub help: &'static str,
    /// As an axis or column title.
    pub label: &'static str,
    pub unit: Unit,
    pub direction: Direction,
    /// Counted by cachegrind: repeats from run to run up to a small drift.
    pub exact: bool,
    /// The workload kind that yields it; `None` for both.
    pub kind: Option<WorkloadKind>,
}

use Direction::{HigherIsBetter as Higher, LowerIsBetter as Lower};
use WorkloadKind::{Command, Service};

/// The table. Its order is fixed: a metric's random stream in `summary` is its index, so new
/// metrics go last.
pub(crate) const DESCRIPTORS: &[Descriptor] = &[
    Descriptor {
        metric: Metric::Wall,
        key: "wall",
        cli: Some("wall"),
        help: "Commands: wall-clock time (default)",
        label: "wall time",
        unit: Unit::Seconds,
        direction: Lower,
        exact: false,
        kind: Some(Command),
    },
    Descriptor {
        metric: Metric::User,
        key: "user",
        cli: None,
        help: "",
        label: "user CPU time",
        unit: Unit::Seconds,
        direction: Lower,
        exact: false,
        kind: Some(Command),
    },
    Descriptor {
        metric: Metric::Sys,
        key: "sys",
        cli: None,
        help: "",
        label: "system CPU time",
        unit: Unit::Seconds,
        direction: Lower,
        exact: false,
        kind: Some(Command),
    },
    Descriptor {
        metric: Metric::PeakRss,
        key: "peak_rss",
        cli: None,
        help: "",
        label: "peak memory",
        unit: Unit::Bytes,
        direction: Lower,
        exact: false,
        kind: None,
    },
    Descriptor {
        metric: Metric::RequestsPerSec,
        key: "requests_per_sec",
        cli: Some("rps"),
        help: "Services: requests per second (default for closed-loop load)",
        label: "requests per second",
        unit: Unit::PerSecond,
        direction: Higher,
        exact: false,
        kind: Some(Service),
    },
    Descriptor {
        metric: Metric::P50,
        key: "p50",
        cli: None,
        help: "",
        label: "p50 latency",
        unit: Unit::Seconds,
        direction: Lower,
        exact: false,
        kind: Some(Service),
    },
    Descriptor {
        metric: Metric::P90,
        key: "p90",
        cli: None,
        help: "",
        label: "p90 latency",
        unit: Unit::Seconds,
        direction: Lower,
        exact: false,
        kind: Some(Service),
    },
    Descriptor {
        metric: Metric::P99,
        key: "p99",
        cli: Some("p99"),
        help: "Services: 99th-percentile latency (default for open-loop load, `rate =`)",
        label: "p99 latency",
        unit: Unit::Seconds,
        direction: Lower,
        exact: false,
        kind: Some(Service),
    },
    Descriptor {
        metric: Metric::P999,
        key: "p999",
        cli: None,
        help: "",
        label: "p99.9 latency",
        unit: Unit::Seconds,
        direction: Lower,
        exact: false,
        kind: Some(Service),
    },
    Descriptor {
        metric: Metric::Cpu,
        key: "cpu",
        cli: Some("cpu"),
        help: "Commands: user + system CPU time",
        label: "CPU time",
        unit: Unit::Seconds,
        direction: Lower,
        exact: false,
        kind: Some(Command),
    },
    Descriptor {
        metric: Metric::Instructions,
        key: "instructions",
        cli: Some("instructions"),
        help: "Commands: executed instructions, counted by valgrind's cachegrind (exact, ~25× slower runs)",
        label: "instructions",
        unit: Unit::Count,
        direction: Lower,
        exact: true,
        kind: Some(Command),
    },
    Descriptor {
        metric: Metric::CyclesEst,
        key: "cycles_est",
        cli: Some("cycles-est"),
        help: "Commands: cachegrind's estimated cycles (L1 + 5 × LL + 35 × RAM accesses; ~50× slower runs)",
        label: "estimated cycles",
        unit: Unit::Count,
        direction: Lower,
        exact: true,
        kind: Some(Command),
    },
];

impl Metric {
    pub fn describe(self) -> &'static Descriptor {
        DESCRIPTORS
            .iter()
            .find(|d| d.metric == self)
            .expect("every metric has a row")
    }

    /// Its index in the table: fixed, for random streams that must not move.
    pub fn stream(self) -> u64 {
        DESCRIPTORS
            .iter()
            .position(|d| d.metric == self)
            .unwrap_or(0) as u64
    }

    /// The metrics a workload kind yields, in table order.
    pub fn for_kind(kind: WorkloadKind) -> Vec<Metric> {
        DESCRIPTORS
            .iter()
            .filter(|d| d.kind.is_none_or(|k| k == kind))
            .map(|d| d.metric)
            .collect()
    }

    /// The metric that decides when nothing else is asked for: wall time for commands, requests
    /// per second for closed-loop services, p99 latency for open-loop ones (their request rate
    /// is fixed by the schedule, so it cannot tell builds apart).
    pub fn default_deciding(kind: WorkloadKind, open_loop: bool) -> Metric {
        match (kind, open_loop) {
            (WorkloadKind::Command, _) => Metric::Wall,
            (WorkloadKind::Service, false) => Metric::RequestsPerSec,
            (WorkloadKind::Service, true) => Metric::P99,
        }
    }

    pub fn key(self) -> &'static str {
        self.describe().key
    }

    pub fn label(self) -> &'static str {
        self.describe().label
    }

    pub fn unit(self) -> Unit {
        self.describe().unit
    }

    /// Counts that repeat from run to run (up to a small drift): compared as independent samples.
    pub fn is_exact(self) -> bool {
        self.describe().exact
    }

    /// Needs the workload to run under valgrind's cachegrind.
    pub fn needs_cachegrind(self) -> bool {
        self.is_exact()
    }

    pub fn direction(self) -> Direction {
        self.describe().direction
    }

    /// The kind of workload that yields it (`None`: both).
    pub fn kind(self) -> Option<WorkloadKind> {
        self.describe().kind
    }

    /// The metric `--metric NAME` means.
    pub fn from_cli(name: &str) -> Option<Metric> {
        DESCRIPTORS
            .iter()
            .find(|d| d.cli == Some(name))
            .map(|d| d.metric)
    }

    /// Every `--metric` name, comma-separated.
    pub fn cli_names() -> String {
        let names: Vec<&str> = DESCRIPTORS.iter().filter_map(|d| d.cli).collect();
        names.join(", ")
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe().cli.unwrap_or(self.key()))
    }
}

impl clap::ValueEnum for Metric {
    fn value_variants<'a>() -> &'a [Self] {
        const DECIDING: &[Metric] = &[
            Metric::Wall,
            Metric::Cpu,
            Metric::Instructions,
            Metric::CyclesEst,
            Metric::RequestsPerSec,
            Metric::P99,
        ];
        DECIDING
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let d = self.describe();
        Some(clap::builder::PossibleValue::new(d.cli?).help(d.help))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn the_table_agrees_with_the_json_keys_and_the_cli() {
        for d in DESCRIPTORS {
            let json = serde_json::to_value(d.metric).unwrap();
            assert_eq!(json.as_str(), Some(d.key), "{:?}", d.metric);
            assert_eq!(d.metric.describe().metric, d.metric);
        }
        let deciding: Vec<Metric> = DESCRIPTORS
            .iter()
            .filter(|d| d.cli.is_some())
            .map(|d| d.metric)
            .collect();
        let mut listed = Metric::value_variants().to_vec();
        listed.sort();
        let mut deciding_sorted = deciding.clone();
        deciding_sorted.sort();
        assert_eq!(listed, deciding_sorted);
        for m in deciding {
            assert_eq!(Metric::from_cli(&m.to_string()), Some(m));
            assert!(!m.describe().help.is_empty());
        }
        assert_eq!(Metric::Wall.stream(), 0);
        assert_eq!(Metric::CyclesEst.stream(), 11);
    }
}

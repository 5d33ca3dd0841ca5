//! The deciding metric, as users name it (`--metric`, `metric =`): one value list for both
//! workload kinds, at most one name per kind, each checked against the workloads measured.

use anyhow::{Result, bail};
use serde::{Deserialize, Deserializer};

use crate::measure::metric::{Metric, WorkloadKind};

/// Which metric decides, per workload kind. `service: None` leaves each service its default:
/// requests per second under closed-loop load, p99 latency under a fixed rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MetricChoice {
    pub command: Metric,
    pub service: Option<Metric>,
}

impl Default for MetricChoice {
    fn default() -> Self {
        MetricChoice {
            command: Metric::Wall,
            service: None,
        }
    }
}

/// Resolves `names` for the workloads measured (`(name, kind)`); `source` names where the list
/// came from in errors (`--metric`, or `metric` in a Cargo.toml).
pub(crate) fn choose(
    names: &[Metric],
    workloads: &[(&str, WorkloadKind)],
    source: &str,
) -> Result<MetricChoice> {
    let mut choice = MetricChoice::default();
    for kind in [WorkloadKind::Command, WorkloadKind::Service] {
        let of_kind: Vec<Metric> = names
            .iter()
            .copied()
            .filter(|n| n.kind() == Some(kind))
            .collect();
        let Some(&first) = of_kind.first() else {
            continue;
        };
        if of_kind.iter().any(|&n| n != first) {
            let list: Vec<String> = of_kind.iter().map(|n| n.to_string()).collect();
            bail!(
                "{source} names more than one metric for {kind} workloads ({}): give at most one \
                 per kind, e.g. `instructions,p99`",
                list.join(", ")
            );
        }
        if !workloads.iter().any(|(_, k)| *k == kind) {
            let others: Vec<String> = workloads.iter().map(|(n, _)| format!("`{n}`")).collect();
            let fits = match kind {
                WorkloadKind::Command => "rps, p99",
                WorkloadKind::Service => "wall, cpu, instructions, cycles-est",
            };
            bail!(
                "{source} `{}` is a metric for {kind} workloads, but the workloads measured ({}) \
                 are not {kind}s; their metrics are: {fits}",
                first,
                others.join(", ")
            );
        }
        match kind {
            WorkloadKind::Command => choice.command = first,
            WorkloadKind::Service => choice.service = Some(first),
        }
    }
    Ok(choice)
}

/// `metric = "instructions"`, `metric = "instructions,p99"` or `metric = ["instructions", "p99"]`.
pub(crate) fn deserialize_names<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<Metric>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(String),
        Many(Vec<String>),
    }
    let parts: Vec<String> = match Raw::deserialize(d)? {
        Raw::One(s) => s.split(',').map(|p| p.trim().to_string()).collect(),
        Raw::Many(v) => v,
    };
    parts
        .iter()
        .map(|p| {
            Metric::from_cli(p).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown metric `{p}`; expected one of {}",
                    Metric::cli_names()
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CMD: (&str, WorkloadKind) = ("parse", WorkloadKind::Command);
    const SVC: (&str, WorkloadKind) = ("api", WorkloadKind::Service);

    #[test]
    fn one_list_for_both_kinds() {
        use Metric::*;
        assert_eq!(
            choose(&[], &[CMD, SVC], "--metric").unwrap(),
            MetricChoice::default()
        );
        let c = choose(&[Instructions, P99], &[CMD, SVC], "--metric").unwrap();
        assert_eq!(
            (c.command, c.service),
            (Metric::Instructions, Some(Metric::P99))
        );
        let c = choose(&[CyclesEst], &[CMD], "--metric").unwrap();
        assert_eq!(c.command, Metric::CyclesEst);
    }

    #[test]
    fn a_metric_that_fits_no_workload_or_two_of_a_kind_are_errors() {
        use Metric::*;
        let e = choose(&[Instructions], &[SVC], "--metric")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`instructions` is a metric for command workloads")
                && e.contains("`api`")
                && e.contains("rps, p99"),
            "{e}"
        );
        let e = choose(&[P99], &[CMD], "--metric").unwrap_err().to_string();
        assert!(e.contains("service workloads"), "{e}");
        let e = choose(&[Wall, Instructions], &[CMD], "--metric")
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than one metric for command"), "{e}");
    }

    #[test]
    fn config_accepts_a_string_a_list_or_commas() {
        #[derive(Deserialize)]
        struct T {
            #[serde(default, deserialize_with = "deserialize_names")]
            metric: Option<Vec<Metric>>,
        }
        let t: T = serde_json::from_str(r#"{"metric": "instructions, p99"}"#).unwrap();
        assert_eq!(t.metric, Some(vec![Metric::Instructions, Metric::P99]));
        let t: T = serde_json::from_str(r#"{"metric": ["cycles-est"]}"#).unwrap();
        assert_eq!(t.metric, Some(vec![Metric::CyclesEst]));
        let e = serde_json::from_str::<T>(r#"{"metric": "fast"}"#)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("unknown metric `fast`"), "{e}");
    }
}

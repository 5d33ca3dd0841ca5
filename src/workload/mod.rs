//! Running the user's workloads against a given binary, for PGO profiles and for measurement:
//! command workloads run to completion, service workloads are started, loaded over HTTP and stopped.

pub(crate) mod cachegrind;
mod check;
mod command;
pub(crate) mod kept;
pub(crate) mod load;
mod ready;
pub(crate) mod roles;
mod service;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::process::Usage;
use crate::tune_config::{Command, Kind, Program, Workload};
use crate::workload::load::LoadReport;

pub(crate) use check::check_workloads;

/// A command workload may run this long before it is killed, unless it sets `timeout`.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How long a service has to become ready, unless it sets `ready-timeout`.
pub(crate) const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait after SIGTERM (and again after SIGINT), unless it sets `stop-grace`.
pub(crate) const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(5);

/// How one run differs between callers (PGO gathering, measurement, a one-off check).
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Set on top of the workload's own `env` (e.g. `LLVM_PROFILE_FILE`).
    pub extra_env: Vec<(String, String)>,
    /// Let the load generator send requests to hosts other than loopback.
    pub allow_remote: bool,
    /// Services: drive `load.warmup` first and discard it.
    pub warmup: bool,
    /// Commands: run under valgrind's cachegrind and count (`--metric instructions|cycles-est`).
    pub count: Option<cachegrind::Count>,
    /// Commands: bind to this CPU (`--pin`).
    pub pin: Option<usize>,
    /// Commands counted under cachegrind: also keep its output files in this directory
    /// (`kept::keep`), for `explain` to read per function later.
    pub keep_cachegrind: Option<PathBuf>,
}

/// What one run of a workload produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Outcome {
    Command(CommandRun),
    Service(ServiceRun),
}

/// A command workload that ran to completion (`repeat` times).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommandRun {
    /// With `repeat > 1`: wall, user and sys summed over the executions, the largest max_rss.
    #[serde(with = "UsageDef")]
    pub usage: Usage,
    pub executions: u32,
    /// How the last execution ended.
    pub ended: crate::process::Ended,
    /// Cachegrind's totals over the executions, when counted (`RunOptions::count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<cachegrind::Counts>,
}

/// A service that was started, loaded and stopped.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceRun {
    pub load: LoadReport,
    /// Peak resident set size of the service, in bytes.
    pub max_rss: u64,
    pub stop: StopReport,
}

/// How a service ended when we stopped it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopReport {
    /// The signal it ended after (SIGTERM, SIGINT or SIGKILL); `None` when it exited on its own
    /// before we asked.
    pub signal_that_stopped_it: Option<i32>,
    /// "exit status 0", "killed by signal 9 (SIGKILL)".
    pub ended: crate::process::Ended,
    pub stderr_tail: String,
}

/// `process::Usage` lives in the process module without serde; this mirrors it for (de)serializing.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Usage")]
struct UsageDef {
    wall: Duration,
    user: Duration,
    sys: Duration,
    max_rss: u64,
}

/// Runs `workload` once against `binary`.
pub fn run_once(binary: &Path, workload: &Workload, opts: &RunOptions) -> Result<Outcome> {
    crate::process::check_interrupted()?;
    let binary = absolute(binary)?;
    if let Some(cwd) = &workload.cwd
        && !cwd.is_dir()
    {
        anyhow::bail!(
            "workload `{}`: working directory {} does not exist",
            workload.name,
            cwd.display()
        );
    }
    match &workload.kind {
        Kind::Command(c) => command::run(&binary, workload, c, opts).map(Outcome::Command),
        Kind::Service(s) => service::run(&binary, workload, s, opts).map(Outcome::Service),
    }
}

/// Picks the workloads: `-- ARGS`, else the configured ones (filtered by `--workload`).
pub(crate) fn select(
    configured: &[Workload],
    names: &[String],
    args: &[String],
) -> Result<Vec<Workload>> {
    if !args.is_empty() {
        return Ok(vec![one_off(args.to_vec())]);
    }
    if names.is_empty() {
        return Ok(configured.to_vec());
    }
    names
        .iter()
        .map(|n| {
            configured
                .iter()
                .find(|w| &w.name == n)
                .cloned()
                .ok_or_else(|| {
                    let known: Vec<_> = configured.iter().map(|w| w.name.as_str()).collect();
                    let known = if known.is_empty() {
                        "none configured".to_string()
                    } else {
                        known.join(", ")
                    };
                    anyhow::anyhow!(
                        "no workload `{n}` in [package.metadata.tune]; workloads: {known}"
                    )
                })
        })
        .collect()
}

/// Like `select`, for commands that measure: no workload at all is an error saying how to add one.
pub(crate) fn select_measurable(
    configured: &[Workload],
    names: &[String],
    args: &[String],
    manifest: &Path,
) -> Result<Vec<Workload>> {
    let selected = select(configured, names, args)?;
    if selected.is_empty() {
        anyhow::bail!(
            "nothing to measure: add [[package.metadata.tune.workload]] to {} or pass the binary's arguments after `--`",
            manifest.display()
        );
    }
    roles::require_measured(&selected)?;
    Ok(selected)
}

/// The workload behind `cargo tune … -- ARGS`: run the binary once with these arguments.
pub fn one_off(args: Vec<String>) -> Workload {
    Workload {
        name: "args".to_string(),
        env: Default::default(),
        cwd: None,
        timeout: None,
        allow_failure: false,
        kind: Kind::Command(Command {
            program: Program::Args(args),
            stdin: None,
            repeat: None,
        }),
        role: crate::tune_config::Role::Both,
        weight: std::num::NonZeroU32::MIN,
    }
}

/// The binary must stay reachable when the workload runs in another directory.
fn absolute(binary: &Path) -> Result<PathBuf> {
    if binary.is_absolute() {
        return Ok(binary.to_path_buf());
    }
    std::path::absolute(binary)
        .with_context(|| format!("cannot resolve the path of {}", binary.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_off_is_a_command_named_args() {
        let w = one_off(vec!["--fast".into(), "x".into()]);
        assert_eq!(w.name, "args");
        assert_eq!(w.kind.tag(), crate::measure::WorkloadKind::Command);
        assert_eq!(w.args(), ["--fast", "x"]);
    }

    #[test]
    fn outcome_round_trips_through_json() {
        let o = Outcome::Command(CommandRun {
            usage: Usage {
                wall: Duration::from_millis(1500),
                user: Duration::from_millis(900),
                sys: Duration::from_millis(100),
                max_rss: 4096,
            },
            executions: 3,
            ended: crate::process::Ended::Exited { code: 0 },
            counts: None,
        });
        let json = serde_json::to_string(&o).unwrap();
        assert!(json.contains(r#""kind":"command""#), "{json}");
        let back: Outcome = serde_json::from_str(&json).unwrap();
        let Outcome::Command(c) = back else {
            panic!("not a command: {json}")
        };
        assert_eq!(c.usage.wall, Duration::from_millis(1500));
        assert_eq!(c.executions, 3);
    }
}

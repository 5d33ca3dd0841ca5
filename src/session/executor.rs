//! The real measurement executor: runs a workload against a built binary and turns the
//! workload's outcome into a measurement sample.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::measure::{CommandSample, Executor, Placement, Sample, ServiceSample};
use crate::tune_config::Workload;
use crate::workload::{Outcome, RunOptions, run_once};

/// The variable whose value pads a run's environment (`Placement::env_pad`).
pub(super) const ENV_PAD: &str = "CARGO_TUNE_ENV_PAD";

/// Binaries by variant index (one per code layout; none when it did not build), workloads by
/// workload index.
pub(crate) struct WorkloadExecutor<'a> {
    pub binaries: Vec<Vec<PathBuf>>,
    pub workloads: &'a [Workload],
    pub allow_remote: bool,
    /// Command workloads: count with cachegrind (`--metric instructions|cycles-est`).
    pub count: Option<crate::workload::cachegrind::Count>,
    /// Command workloads: bind to this CPU (`--pin`).
    pub pin: Option<usize>,
    /// Service runs that needed more than SIGTERM to stop: (variant, workload, signal).
    pub hard_stops: Vec<(usize, usize, i32)>,
    /// Counted runs: keep cachegrind's files here, for `explain` (`None`: not kept).
    pub kept: Option<crate::workload::kept::Kept>,
    /// Content hashes of the binaries (each variant's layouts are several), computed at their
    /// first counted run.
    pub shas: std::collections::HashMap<PathBuf, Option<String>>,
}

impl WorkloadExecutor<'_> {
    /// Notes for the report about services that ignored SIGTERM: each such run waited out the
    /// stop grace period once or twice, which costs time (not accuracy: the figures come from the
    /// load before the stop).
    pub(crate) fn stop_notes(&self, variant_names: &[String]) -> Vec<String> {
        let mut notes = Vec::new();
        for (w, workload) in self.workloads.iter().enumerate() {
            let stops: Vec<&(usize, usize, i32)> =
                self.hard_stops.iter().filter(|s| s.1 == w).collect();
            if stops.is_empty() {
                continue;
            }
            let grace = workload
                .service()
                .and_then(|s| s.stop_grace)
                .unwrap_or(crate::workload::DEFAULT_STOP_GRACE);
            let killed = stops.iter().any(|s| s.2 == libc::SIGKILL);
            let mut variants: Vec<&str> = stops
                .iter()
                .filter_map(|s| variant_names.get(s.0).map(String::as_str))
                .collect();
            variants.sort_unstable();
            variants.dedup();
            let (how, wait) = if killed {
                (
                    format!(
                        "ignored SIGTERM and SIGINT and had to be killed (SIGKILL) after the stop grace period of {} after each",
                        crate::ui::format_duration(grace)
                    ),
                    grace * 2,
                )
            } else {
                (
                    format!(
                        "ignored SIGTERM and stopped only on SIGINT, sent after the stop grace period of {}",
                        crate::ui::format_duration(grace)
                    ),
                    grace,
                )
            };
            notes.push(format!(
                "service `{}` {how}, on {} ({}): each of those runs waited about {} longer before the next \
                 could start, which makes the comparison slower but not its figures (they are measured under \
                 load, before the stop). Let the service exit on SIGTERM, as service managers expect, or \
                 lower `stop-grace` for this workload.",
                workload.name,
                crate::ui::count(stops.len(), "run"),
                variants.join(", "),
                crate::ui::format_duration(wait)
            ));
        }
        notes
    }
}

impl WorkloadExecutor<'_> {
    /// Where a counted run of `binary` on a command `workload` keeps cachegrind's files; `None`
    /// when nothing is kept (or the binary cannot be read, which the run itself will report).
    fn keep_dir(&mut self, workload: usize, binary: &Path) -> Option<PathBuf> {
        let (kept, count) = (self.kept.as_ref()?, self.count?);
        let w = &self.workloads[workload];
        if w.service().is_some() {
            return None;
        }
        let sha = self
            .shas
            .entry(binary.to_path_buf())
            .or_insert_with(|| crate::workload::kept::file_sha256(binary).ok())
            .as_deref()?;
        Some(kept.dir(sha, w, count))
    }
}

impl Executor for WorkloadExecutor<'_> {
    fn run(&mut self, variant: usize, workload: usize, at: Placement) -> Result<Sample> {
        let Some(binary) = self
            .binaries
            .get(variant)
            .and_then(|b| b.get(at.layout as usize))
        else {
            bail!("variant {variant} has no binary for layout {}", at.layout)
        };
        // Its size moves where the stack starts, and so the stack's alignment.
        let pad = (at.env_pad > 0).then(|| (ENV_PAD.to_string(), "x".repeat(at.env_pad as usize)));
        let binary = binary.clone();
        let keep_cachegrind = self.keep_dir(workload, &binary);
        let opts = RunOptions {
            extra_env: pad.into_iter().collect(),
            allow_remote: self.allow_remote,
            warmup: true,
            count: self.count,
            pin: self.pin,
            keep_cachegrind,
        };
        let outcome = run_once(&binary, &self.workloads[workload], &opts)?;
        if let Outcome::Service(s) = &outcome
            && let Some(sig) = s.stop.signal_that_stopped_it
            && sig != libc::SIGTERM
        {
            self.hard_stops.push((variant, workload, sig));
        }
        to_sample(outcome)
    }
}

/// Converts one run into a sample; a service run with no successful request is a failure.
pub(super) fn to_sample(outcome: Outcome) -> Result<Sample> {
    Ok(match outcome {
        Outcome::Command(c) => Sample::Command(CommandSample {
            wall_secs: c.usage.wall.as_secs_f64(),
            user_secs: c.usage.user.as_secs_f64(),
            sys_secs: c.usage.sys.as_secs_f64(),
            peak_rss_bytes: (c.usage.max_rss > 0).then_some(c.usage.max_rss),
            instructions: c.counts.map(|n| n.instructions),
            cycles_est: c.counts.and_then(|n| n.cycles_est),
        }),
        Outcome::Service(s) => {
            let l = &s.load;
            // `requests` counts responses of any status; transport errors are apart.
            let ok = l.requests.saturating_sub(l.non_2xx);
            if ok == 0 {
                let first = l
                    .first_error
                    .as_deref()
                    .map(|e| format!(", first: {e}"))
                    .unwrap_or_default();
                let what = if l.requests == 0 {
                    format!("no response at all ({} transport errors{first})", l.errors)
                } else {
                    format!(
                        "all {} responses were non-2xx ({} transport errors{first})",
                        l.requests, l.errors
                    )
                };
                bail!(
                    "no request succeeded: {what}; service stderr:\n{}",
                    s.stop.stderr_tail
                );
            }
            Sample::Service(ServiceSample {
                requests_per_sec: ok as f64 / l.elapsed.as_secs_f64().max(1e-9),
                p50_secs: l.latency.p50.as_secs_f64(),
                p90_secs: l.latency.p90.as_secs_f64(),
                p99_secs: l.latency.p99.as_secs_f64(),
                p999_secs: l.latency.p999.as_secs_f64(),
                requests: l.requests,
                errors: l.errors,
                non_2xx: l.non_2xx,
                duration_secs: l.elapsed.as_secs_f64(),
                peak_rss_bytes: (s.max_rss > 0).then_some(s.max_rss),
            })
        }
    })
}

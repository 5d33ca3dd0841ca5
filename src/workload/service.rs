//! Service workloads: start the binary, wait until it is ready, drive HTTP load, stop it
//! politely (SIGTERM, SIGINT, then SIGKILL) and report how it ended.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::command::reject_shell_for_service;
use super::load::{self, LoadReport, LoadSpec};
use super::ready::{NotReady, wait_until_ready};
use super::target::Readiness;
use super::{DEFAULT_READY_TIMEOUT, DEFAULT_STOP_GRACE, RunOptions, ServiceRun, StopReport};
use crate::process::{self, Child, Cmd, Interrupted, Output, StopFlag, Stopped, describe_end};
use crate::tune_config::WorkloadConfig;

/// How often the service is checked while the load runs.
const WATCH: Duration = Duration::from_millis(20);
/// How many trailing lines of a service's stderr are kept in reports and errors.
const STDERR_LINES: usize = 20;

pub(super) fn run(binary: &Path, w: &WorkloadConfig, opts: &RunOptions) -> Result<ServiceRun> {
    reject_shell_for_service(w)?;
    // Everything that can be checked without the service is checked before starting it.
    let ready_text = w
        .ready
        .as_deref()
        .with_context(|| format!("service workload `{}` needs `ready`", w.name))?;
    let ready = Readiness::parse(ready_text).with_context(|| format!("workload `{}`", w.name))?;
    let load_config = w
        .load
        .as_ref()
        .with_context(|| format!("service workload `{}` needs `load`", w.name))?;
    let mut spec = LoadSpec::from_config(load_config, opts.allow_remote)
        .with_context(|| format!("workload `{}`: invalid `load`", w.name))?;
    if let Some(t) = w.timeout {
        spec.time_limit = t.0;
    }
    let ready_timeout = w.ready_timeout.map_or(DEFAULT_READY_TIMEOUT, |d| d.0);
    let grace = w.stop_grace.map_or(DEFAULT_STOP_GRACE, |d| d.0);

    let mut cmd = Cmd::new(binary)
        .args(&w.args)
        .stdout(Output::Discard)
        .stderr(Output::CaptureTail);
    for (k, v) in w
        .env
        .iter()
        .chain(opts.extra_env.iter().map(|(k, v)| (k, v)))
    {
        cmd = cmd.env(k, v);
    }
    if let Some(dir) = &w.cwd {
        cmd = cmd.cwd(dir);
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("service `{}` could not start", w.name))?;

    match wait_until_ready(&mut child, &ready, ready_timeout) {
        Ok(()) => {}
        Err(NotReady::Interrupted) => return Err(Interrupted.into()),
        Err(NotReady::Exited) => {
            let (ended, stderr) = finish(child)?;
            bail!(
                "service `{}` exited before it was ready ({ready}): {ended}{}",
                w.name,
                stderr_section(&stderr)
            );
        }
        Err(NotReady::TimedOut(last)) => {
            child.stop(grace);
            let (_, stderr) = finish(child)?;
            bail!(
                "service `{}` did not become ready within {}: {last}{}",
                w.name,
                humantime::format_duration(ready_timeout),
                stderr_section(&stderr)
            );
        }
    }

    let report = drive_while_alive(&spec, opts.warmup, &mut child);
    let exited_by_itself = child.try_wait().is_some();
    let stopped = child.stop(grace);
    let done = child.wait()?;
    let ended = describe_end(done.status, None);
    let stderr_tail = tail(&done.stderr_str());
    process::check_interrupted()?;
    let report = report.with_context(|| format!("load on service `{}` failed", w.name))?;

    // Even a clean exit cuts the load short, so the run would not measure what it claims.
    if exited_by_itself && !w.allow_failure {
        bail!(
            "service `{}` stopped by itself during the load ({ended}), so the load was cut short{}",
            w.name,
            stderr_section(&stderr_tail)
        );
    }
    if report.requests == 0 {
        bail!(
            "service `{}` answered no request ({} failed{}){}",
            w.name,
            report.errors,
            report
                .first_error
                .as_deref()
                .map(|e| format!("; first error: {e}"))
                .unwrap_or_default(),
            stderr_section(&stderr_tail)
        );
    }
    Ok(ServiceRun {
        load: report,
        max_rss: done.usage.max_rss,
        stop: StopReport {
            signal_that_stopped_it: match stopped {
                Stopped::AlreadyExited => None,
                Stopped::BySignal(s) => Some(s),
            },
            ended,
            stderr_tail,
        },
    })
}

/// Drives the load on another thread and watches the service meanwhile: if it exits, the
/// load stops at once instead of hammering a closed port until its time is up.
fn drive_while_alive(spec: &LoadSpec, warmup: bool, child: &mut Child) -> Result<LoadReport> {
    let abort = StopFlag::default();
    std::thread::scope(|scope| {
        let load = scope.spawn(|| load::drive(spec, warmup, &abort));
        while !load.is_finished() {
            if child.wait_for(WATCH).is_some() {
                abort.store(true, Ordering::Relaxed);
                break;
            }
        }
        load.join()
            .map_err(|_| anyhow::anyhow!("the load generator panicked"))?
    })
}

/// Reaps an exited (or stopped) child: how it ended and the end of its stderr.
fn finish(child: Child) -> Result<(process::Ended, String)> {
    let done = child.wait()?;
    Ok((
        describe_end(done.status, done.timed_out),
        tail(&done.stderr_str()),
    ))
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(STDERR_LINES)..].join("\n")
}

fn stderr_section(tail: &str) -> String {
    if tail.trim().is_empty() {
        "\n(it printed nothing on stderr)".to_string()
    } else {
        format!("\n--- stderr (last lines) ---\n{}", tail.trim_end())
    }
}

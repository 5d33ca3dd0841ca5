//! Service workloads: start the binary, wait until it is ready, drive HTTP load, stop it
//! politely (SIGTERM, SIGINT, then SIGKILL) and report how it ended.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::load::{self, LoadReport, LoadSpec};
use super::ready::{NotReady, wait_until_ready};
use super::{DEFAULT_READY_TIMEOUT, DEFAULT_STOP_GRACE, RunOptions, ServiceRun, StopReport};
use crate::process::{self, Child, Cmd, Interrupted, Output, StopFlag, Stopped, describe_end};
use crate::tune_config::target::Readiness;
use crate::tune_config::{Service, Workload};

/// How often the service is checked while the load runs.
const WATCH: Duration = Duration::from_millis(20);
/// How many trailing lines of a service's stderr are kept in reports and errors.
const STDERR_LINES: usize = 20;

pub(super) fn run(
    binary: &Path,
    w: &Workload,
    s: &Service,
    opts: &RunOptions,
) -> Result<ServiceRun> {
    // Everything that can be checked without the service is checked before starting it.
    let plan = Plan::new(w, s, opts)?;
    let child = start(binary, w, s, opts)?;
    let child = plan.wait_until_ready(child)?;
    let loaded = plan.load_and_stop(child)?;
    plan.judge(loaded)
}

/// One service run, checked and resolved before the service starts.
struct Plan<'a> {
    name: &'a str,
    ready: Readiness,
    ready_timeout: Duration,
    grace: Duration,
    spec: LoadSpec,
    warmup: bool,
    allow_failure: bool,
}

/// What the load and the stop left behind.
struct Loaded {
    report: Result<LoadReport>,
    exited_by_itself: bool,
    stopped: Stopped,
    max_rss: u64,
    ended: process::Ended,
    stderr_tail: String,
}

impl<'a> Plan<'a> {
    fn new(w: &'a Workload, s: &Service, opts: &RunOptions) -> Result<Plan<'a>> {
        let ready = Readiness::parse(&s.ready).with_context(|| format!("workload `{}`", w.name))?;
        let mut spec = LoadSpec::new(&s.load, opts.allow_remote)
            .with_context(|| format!("workload `{}`: invalid `load`", w.name))?;
        if let Some(t) = w.timeout {
            spec.time_limit = t;
        }
        Ok(Plan {
            name: &w.name,
            ready,
            ready_timeout: s.ready_timeout.unwrap_or(DEFAULT_READY_TIMEOUT),
            grace: s.stop_grace.unwrap_or(DEFAULT_STOP_GRACE),
            spec,
            warmup: opts.warmup,
            allow_failure: w.allow_failure,
        })
    }

    /// Waits for readiness; a service that exits or never gets ready is reaped (stopped
    /// first) and its stderr is in the error.
    fn wait_until_ready(&self, mut child: Child) -> Result<Child> {
        let name = self.name;
        match wait_until_ready(&mut child, &self.ready, self.ready_timeout) {
            Ok(()) => Ok(child),
            Err(NotReady::Interrupted) => Err(Interrupted.into()),
            Err(NotReady::Exited) => {
                let (ended, stderr) = reap(child)?;
                bail!(
                    "service `{name}` exited before it was ready ({}): {ended}{}",
                    self.ready,
                    stderr_section(&stderr)
                );
            }
            Err(NotReady::TimedOut(last)) => {
                child.stop(self.grace);
                let (_, stderr) = reap(child)?;
                bail!(
                    "service `{name}` did not become ready within {}: {last}{}",
                    humantime::format_duration(self.ready_timeout),
                    stderr_section(&stderr)
                );
            }
        }
    }

    fn load_and_stop(&self, mut child: Child) -> Result<Loaded> {
        let report = drive_while_alive(&self.spec, self.warmup, &mut child);
        let exited_by_itself = child.try_wait().is_some();
        let stopped = child.stop(self.grace);
        let done = child.wait()?;
        Ok(Loaded {
            report,
            exited_by_itself,
            stopped,
            max_rss: done.usage.max_rss,
            ended: describe_end(done.status, None),
            stderr_tail: tail(&done.stderr_str()),
        })
    }

    /// A run counts only if the service answered and stayed up for the whole load.
    fn judge(&self, l: Loaded) -> Result<ServiceRun> {
        let name = self.name;
        process::check_interrupted()?;
        let report = l
            .report
            .with_context(|| format!("load on service `{name}` failed"))?;
        // Even a clean exit cuts the load short, so the run would not measure what it claims.
        if l.exited_by_itself && !self.allow_failure {
            bail!(
                "service `{name}` stopped by itself during the load ({}), so the load was cut short{}",
                l.ended,
                stderr_section(&l.stderr_tail)
            );
        }
        if report.requests == 0 {
            bail!(
                "service `{name}` answered no request ({} failed{}){}",
                report.errors,
                report
                    .first_error
                    .as_deref()
                    .map(|e| format!("; first error: {e}"))
                    .unwrap_or_default(),
                stderr_section(&l.stderr_tail)
            );
        }
        Ok(ServiceRun {
            load: report,
            max_rss: l.max_rss,
            stop: StopReport {
                signal_that_stopped_it: match l.stopped {
                    Stopped::AlreadyExited => None,
                    Stopped::BySignal(s) => Some(s),
                },
                ended: l.ended,
                stderr_tail: l.stderr_tail,
            },
        })
    }
}

/// Starts the service directly (never through a shell: it must receive the stop signals).
fn start(binary: &Path, w: &Workload, s: &Service, opts: &RunOptions) -> Result<Child> {
    let mut cmd = Cmd::new(binary)
        .measured()
        .args(&s.args)
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
    cmd.spawn()
        .with_context(|| format!("service `{}` could not start", w.name))
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
fn reap(child: Child) -> Result<(process::Ended, String)> {
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

//! Command workloads: run the binary (or a `sh -c` line with `$TUNE_BIN`) to completion, `repeat` times.

use std::path::Path;

use anyhow::{Context, Result, bail};

use super::{CommandRun, DEFAULT_TIMEOUT, RunOptions};
use crate::config::WorkloadConfig;
use crate::process::{self, Cmd, Input, Output, Usage, describe_end};

pub(super) fn run(binary: &Path, w: &WorkloadConfig, opts: &RunOptions) -> Result<CommandRun> {
    let repeat = w.repeat.unwrap_or(1).max(1);
    let cmd = command_line(binary, w, opts);
    let mut total = Usage::default();
    let mut ended = String::new();
    for i in 1..=repeat {
        process::check_interrupted()?;
        let done = cmd
            .spawn()
            .with_context(|| format!("workload `{}` could not start", w.name))?
            .wait()?;
        process::check_interrupted()?;
        // A timeout is never acceptable: `allow-failure` is about the exit status.
        if done.timed_out.is_some() || (!done.status.success() && !w.allow_failure) {
            let which = if repeat > 1 {
                format!(" (execution {i} of {repeat})")
            } else {
                String::new()
            };
            // How it ended comes first: tables and summaries show only the first line.
            let how = describe_end(done.status, done.timed_out);
            return Err(anyhow::Error::new(done.error())
                .context(format!("workload `{}` failed{which}: {how}", w.name)));
        }
        total.wall += done.usage.wall;
        total.user += done.usage.user;
        total.sys += done.usage.sys;
        total.max_rss = total.max_rss.max(done.usage.max_rss);
        ended = describe_end(done.status, None);
    }
    Ok(CommandRun {
        usage: total,
        executions: repeat,
        ended,
    })
}

/// The argv (or `sh -c`) line for one execution. Stdout is discarded so a chatty program
/// never blocks on a full pipe; stderr is kept for error messages.
pub(super) fn command_line(binary: &Path, w: &WorkloadConfig, opts: &RunOptions) -> Cmd {
    let mut cmd = match &w.shell {
        Some(script) => Cmd::new("sh").arg("-c").arg(script).env("TUNE_BIN", binary),
        None => Cmd::new(binary).args(&w.args),
    };
    for (k, v) in &w.env {
        cmd = cmd.env(k, v);
    }
    for (k, v) in &opts.extra_env {
        cmd = cmd.env(k, v);
    }
    if let Some(dir) = &w.cwd {
        cmd = cmd.cwd(dir);
    }
    if let Some(file) = &w.stdin {
        cmd = cmd.stdin(Input::File(file.clone()));
    }
    cmd.stdout(Output::Discard)
        .stderr(Output::CaptureTail)
        .timeout(Some(w.timeout.map_or(DEFAULT_TIMEOUT, |t| t.0)))
}

/// Services take signals: a `sh -c` in front would receive them instead of the service.
pub(super) fn reject_shell_for_service(w: &WorkloadConfig) -> Result<()> {
    if w.shell.is_some() {
        bail!(
            "workload `{}`: `shell` only works for command workloads (a service must receive \
             SIGTERM itself); give the service's arguments in `args`",
            w.name
        );
    }
    Ok(())
}

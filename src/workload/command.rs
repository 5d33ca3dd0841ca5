//! Command workloads: run the binary (or a `sh -c` line with `$TUNE_BIN`) to completion, `repeat` times.

use std::path::Path;

use anyhow::{Context, Result};

use super::cachegrind::{self, Counts};
use super::{CommandRun, DEFAULT_TIMEOUT, RunOptions};
use crate::process::{self, Cmd, Input, Output, Usage, describe_end};
use crate::tune_config::{Command, Program, Workload};

pub(super) fn run(
    binary: &Path,
    w: &Workload,
    c: &Command,
    opts: &RunOptions,
) -> Result<CommandRun> {
    let repeat = c.repeat.map_or(1, |n| n.get());
    let out_dir = match opts.count {
        Some(_) => Some(cachegrind_dir(binary)?),
        None => None,
    };
    let cmd = match (opts.count, &out_dir) {
        (Some(count), Some(dir)) => counted_line(binary, w, c, opts, count, dir.path())?,
        _ => command_line(binary, w, c, opts),
    };
    let mut total = Usage::default();
    let mut ended = process::Ended::Exited { code: 0 };
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
            return Err(failure(w, &done, &which, opts.count.is_some()));
        }
        total.wall += done.usage.wall;
        total.user += done.usage.user;
        total.sys += done.usage.sys;
        // Under valgrind the peak is valgrind's (its own tables and the program's shadow), so
        // none is recorded.
        if opts.count.is_none() {
            total.max_rss = total.max_rss.max(done.usage.max_rss);
        }
        ended = describe_end(done.status, None);
    }
    let counts: Option<Counts> = match &out_dir {
        Some(dir) => Some(
            cachegrind::read_counts(dir.path(), binary)
                .with_context(|| format!("workload `{}`: no count from cachegrind", w.name))?,
        ),
        None => None,
    };
    if let (Some(dir), Some(dest)) = (&out_dir, &opts.keep_cachegrind) {
        super::kept::keep(dir.path(), binary, dest)?;
    }
    Ok(CommandRun {
        usage: total,
        executions: repeat,
        ended,
        counts,
    })
}

/// Next to the variant's binary, so concurrent runs of other variants never mix files.
fn cachegrind_dir(binary: &Path) -> Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(".cachegrind-")
        .tempdir_in(binary.parent().unwrap_or(Path::new(".")))
        .with_context(|| {
            format!(
                "cannot create a directory for cachegrind next to {}",
                binary.display()
            )
        })
}

/// A failed execution, `which` of the repeats; how it ended comes first: tables and
/// summaries show only the first line.
fn failure(w: &Workload, done: &process::Finished, which: &str, counted: bool) -> anyhow::Error {
    let mut how = describe_end(done.status, done.timed_out).to_string();
    if done.timed_out.is_some() && counted {
        how.push_str(&format!(
            " (under valgrind, {COUNTED_TIMEOUT_FACTOR}× the workload's `timeout`: raise it if \
             the program needs longer)"
        ));
    }
    anyhow::Error::new(done.error().end_told())
        .context(format!("workload `{}` failed{which}: {how}", w.name))
}

/// The workload's own line, run under cachegrind; stdin, env, cwd and timeout stay the same.
fn counted_line(
    binary: &Path,
    w: &Workload,
    c: &Command,
    opts: &RunOptions,
    count: cachegrind::Count,
    out_dir: &Path,
) -> Result<Cmd> {
    let valgrind = cachegrind::find_valgrind()?;
    let through_shell = matches!(c.program, Program::Shell(_));
    let wrapped = Cmd::new(valgrind).args(cachegrind::wrapper_args(count, out_dir, through_shell));
    let cmd = match &c.program {
        Program::Shell(script) => wrapped
            .arg("sh")
            .arg("-c")
            .arg(script)
            .env("TUNE_BIN", binary),
        Program::Args(args) => wrapped.arg(binary).args(args),
    };
    // The timeout is for the program: valgrind's own slowdown (25–50×) must not trip it.
    let limit = w.timeout.unwrap_or(DEFAULT_TIMEOUT) * COUNTED_TIMEOUT_FACTOR;
    Ok(finish(cmd, w, c, opts).timeout(Some(limit)))
}

/// How much longer a workload may run under cachegrind than its `timeout` says.
pub(super) const COUNTED_TIMEOUT_FACTOR: u32 = 50;

/// The argv (or `sh -c`) line for one execution. Stdout is discarded so a chatty program
/// never blocks on a full pipe; stderr is kept for error messages.
pub(super) fn command_line(binary: &Path, w: &Workload, c: &Command, opts: &RunOptions) -> Cmd {
    let cmd = match &c.program {
        Program::Shell(script) => Cmd::new("sh").arg("-c").arg(script).env("TUNE_BIN", binary),
        Program::Args(args) => Cmd::new(binary).args(args),
    };
    finish(cmd, w, c, opts)
}

/// The workload's environment, directory, stdin, output handling, timeout and CPU binding.
fn finish(mut cmd: Cmd, w: &Workload, c: &Command, opts: &RunOptions) -> Cmd {
    for (k, v) in &w.env {
        cmd = cmd.env(k, v);
    }
    for (k, v) in &opts.extra_env {
        cmd = cmd.env(k, v);
    }
    if let Some(dir) = &w.cwd {
        cmd = cmd.cwd(dir);
    }
    if let Some(file) = &c.stdin {
        cmd = cmd.stdin(Input::File(file.clone()));
    }
    cmd.measured()
        .stdout(Output::Discard)
        .stderr(Output::CaptureTail)
        .timeout(Some(w.timeout.unwrap_or(DEFAULT_TIMEOUT)))
        .pin(opts.pin)
}

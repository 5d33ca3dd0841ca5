//! The one way cargo-tune runs child processes: argv vectors, own process group,
//! timeouts, rusage, kill-on-drop and on Ctrl-C, and errors that show what ran and how it ended.

mod affinity;
mod child;
mod error;
mod interrupt;
mod trampoline;

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

pub(crate) use affinity::pick_cpu;
pub(crate) use child::{Child, Finished, Stopped, Usage};
pub use error::Ended;
pub(crate) use error::{describe_end, shell_quote, signal_name};
pub use interrupt::{Interrupted, install_interrupt_handler};
pub(crate) use interrupt::{StopFlag, check_interrupted, interrupted, uninterruptible};
pub use trampoline::{measure_through, run_if_requested};

use child::{Exit, wait4};
use interrupt::live_groups;

/// How much of a `CaptureTail` stream is kept.
const TAIL_BYTES: usize = 64 * 1024;

/// Where a child's stdin comes from.
#[derive(Debug, Clone, Default)]
pub(crate) enum Input {
    #[default]
    Null,
    File(PathBuf),
}

/// What to do with a child's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    /// Keep it in memory (returned in `Finished`, tails shown in errors).
    Capture,
    /// Keep it and also copy it, line by line, to our stderr.
    CaptureAndEcho,
    /// Keep only the last `TAIL_BYTES` (long-running services that log every request).
    CaptureTail,
    /// Throw it away (measurement runs: no pipe back-pressure on the child).
    Discard,
}

/// A command line to run: program, arguments, environment, directory, limits.
#[derive(Debug, Clone)]
pub(crate) struct Cmd {
    program: OsString,
    args: Vec<OsString>,
    env: Vec<(OsString, Option<OsString>)>,
    cwd: Option<PathBuf>,
    stdin: Input,
    stdout: Output,
    stderr: Output,
    timeout: Option<Duration>,
    /// Bind the child to this CPU before exec (`--pin`).
    pin: Option<usize>,
    /// Start it through the trampoline so its rusage is its own (workload runs).
    own_usage: bool,
}

impl Cmd {
    pub(crate) fn new(program: impl AsRef<OsStr>) -> Cmd {
        Cmd {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
            stdin: Input::Null,
            stdout: Output::Capture,
            stderr: Output::Capture,
            timeout: None,
            pin: None,
            own_usage: false,
        }
    }

    /// A measured run: its peak memory must be the program's own, not inherited from
    /// cargo-tune (see `trampoline`), when a trampoline was set up.
    pub(crate) fn measured(mut self) -> Cmd {
        self.own_usage = true;
        self
    }

    /// Runs the child bound to one CPU (inherited by everything it starts).
    pub(crate) fn pin(mut self, cpu: Option<usize>) -> Cmd {
        self.pin = cpu;
        self
    }

    pub(crate) fn arg(mut self, a: impl AsRef<OsStr>) -> Cmd {
        self.args.push(a.as_ref().to_owned());
        self
    }

    pub(crate) fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Cmd {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub(crate) fn env(mut self, k: impl AsRef<OsStr>, v: impl AsRef<OsStr>) -> Cmd {
        self.env
            .push((k.as_ref().to_owned(), Some(v.as_ref().to_owned())));
        self
    }

    pub(crate) fn env_remove(mut self, k: impl AsRef<OsStr>) -> Cmd {
        self.env.push((k.as_ref().to_owned(), None));
        self
    }

    pub(crate) fn cwd(mut self, dir: impl AsRef<Path>) -> Cmd {
        self.cwd = Some(dir.as_ref().to_owned());
        self
    }

    pub(crate) fn stdin(mut self, input: Input) -> Cmd {
        self.stdin = input;
        self
    }

    pub(crate) fn stdout(mut self, o: Output) -> Cmd {
        self.stdout = o;
        self
    }

    pub(crate) fn stderr(mut self, o: Output) -> Cmd {
        self.stderr = o;
        self
    }

    pub(crate) fn timeout(mut self, t: Option<Duration>) -> Cmd {
        self.timeout = t;
        self
    }

    /// The command line, quoted so it can be pasted into a shell.
    pub(crate) fn display(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in &self.env {
            if let Some(v) = v {
                // Padding (a run's environment-size padding is up to 4 KiB) is not worth reading.
                let v = match v.len() {
                    n if n > 256 => format!("<{n} bytes>"),
                    _ => shell_quote(&v.to_string_lossy()),
                };
                parts.push(format!("{}={v}", k.to_string_lossy()));
            }
        }
        parts.push(shell_quote(&self.program.to_string_lossy()));
        parts.extend(self.args.iter().map(|a| shell_quote(&a.to_string_lossy())));
        parts.join(" ")
    }

    /// Starts the child in its own process group.
    pub(crate) fn spawn(&self) -> Result<Child> {
        let stdin = match &self.stdin {
            Input::Null => Stdio::null(),
            Input::File(p) => std::fs::File::open(p)
                .with_context(|| format!("cannot open stdin file {}", p.display()))?
                .into(),
        };
        let configure = |cmd: &mut Command| {
            cmd.process_group(0);
            for (k, v) in &self.env {
                match v {
                    Some(v) => cmd.env(k, v),
                    None => cmd.env_remove(k),
                };
            }
            if let Some(dir) = &self.cwd {
                cmd.current_dir(dir);
            }
            cmd.stdin(stdin)
                .stdout(stdio(self.stdout))
                .stderr(stdio(self.stderr));
            if let Some(cpu) = self.pin {
                let set = affinity::single_cpu_set(cpu);
                // SAFETY: the closure only makes one async-signal-safe syscall.
                unsafe { cmd.pre_exec(move || affinity::bind(&set)) };
            }
        };
        let started = Instant::now();
        let (mut child, group, report) = match trampoline::exe().filter(|_| self.own_usage) {
            Some(exe) => match trampoline::launch(exe, &self.program, &self.args, configure)? {
                Ok(l) => (l.child, l.group, Some(l.report)),
                Err(e) => return Err(self.start_error(e)),
            },
            None => {
                let mut cmd = Command::new(&self.program);
                cmd.args(&self.args);
                configure(&mut cmd);
                let child = cmd.spawn().map_err(|e| self.start_error(e))?;
                let pid = child.id() as i32;
                (child, pid, None)
            }
        };
        live_groups().lock().unwrap().insert(group);
        // A Ctrl-C between spawn and registration would have missed this child.
        if interrupted() {
            // SAFETY: signal to the group we just created.
            unsafe { libc::killpg(group, libc::SIGKILL) };
        }
        let stdout = child.stdout.take().map(|s| collect(s, self.stdout));
        let stderr = child.stderr.take().map(|s| collect(s, self.stderr));
        let (tx, rx) = mpsc::channel();
        let pid = child.id() as i32;
        let waiter = thread::spawn(move || {
            let (status, rusage) = wait4(pid);
            let mut exit = Exit::from_rusage(status, &rusage);
            if let Some(mut report) = report {
                match trampoline::read_report(&mut report) {
                    Some(r) => {
                        exit.status = ExitStatus::from_raw(r.status);
                        (exit.user, exit.sys, exit.max_rss) = (r.user, r.sys, r.max_rss);
                        exit.wall = Some(r.wall);
                    }
                    // The launcher was killed first: its own figures are not the workload's.
                    None => exit.max_rss = 0,
                }
            }
            let _ = tx.send(exit);
        });
        Ok(Child {
            group,
            cmdline: self.display(),
            timeout: self.timeout,
            started,
            exit: rx,
            waiter: Some(waiter),
            finished: None,
            stdout,
            stderr,
        })
    }

    fn start_error(&self, e: std::io::Error) -> anyhow::Error {
        let hint = if Path::new(&self.program).components().count() == 1 {
            " (is it installed and on PATH?)"
        } else {
            ""
        };
        anyhow::Error::new(e).context(format!("could not start `{}`{hint}", self.display()))
    }

    /// Runs to completion; a non-zero exit, a signal or a timeout is an error.
    pub(crate) fn run(&self) -> Result<Finished> {
        let done = self.spawn()?.wait()?;
        if !done.success() {
            return Err(done.error().into());
        }
        Ok(done)
    }

    /// Runs to completion and returns how it ended, whatever the status.
    pub(crate) fn run_unchecked(&self) -> Result<Finished> {
        self.spawn()?.wait()
    }
}

fn stdio(o: Output) -> Stdio {
    match o {
        Output::Capture | Output::CaptureAndEcho | Output::CaptureTail => Stdio::piped(),
        Output::Discard => Stdio::null(),
    }
}

fn collect(mut stream: impl Read + Send + 'static, mode: Output) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        match mode {
            Output::CaptureAndEcho => {
                let mut reader = BufReader::new(stream);
                let mut line = Vec::new();
                while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                    let _ = std::io::stderr().write_all(&line);
                    buf.extend_from_slice(&line);
                    line.clear();
                }
            }
            Output::CaptureTail => {
                let mut chunk = [0u8; 8192];
                while let Ok(n @ 1..) = stream.read(&mut chunk) {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.len() > 2 * TAIL_BYTES {
                        buf.drain(..buf.len() - TAIL_BYTES);
                    }
                }
            }
            _ => {
                let _ = stream.read_to_end(&mut buf);
            }
        }
        buf
    })
}

#[cfg(test)]
mod tests;

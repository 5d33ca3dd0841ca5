//! The one way cargo-tune runs child processes: argv vectors, own process group,
//! timeouts, rusage, kill-on-drop and on Ctrl-C, and errors that show what ran and how it ended.

mod affinity;
mod child;
mod error;
mod interrupt;

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

pub use affinity::{allowed_cpus, pick_cpu};
pub use child::{Child, Finished, Stopped, Usage};
pub use error::{Ended, ProcessError, describe_end, shell_quote, signal_name};
pub use interrupt::{
    Interrupted, StopFlag, check_interrupted, install_interrupt_handler, interrupted,
    uninterruptible,
};

use child::wait4;
use interrupt::live_groups;

/// How much of a `CaptureTail` stream is kept.
const TAIL_BYTES: usize = 64 * 1024;

/// Where a child's stdin comes from.
#[derive(Debug, Clone, Default)]
pub enum Input {
    #[default]
    Null,
    File(PathBuf),
}

/// What to do with a child's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
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
pub struct Cmd {
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
}

impl Cmd {
    pub fn new(program: impl AsRef<OsStr>) -> Cmd {
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
        }
    }

    /// Runs the child bound to one CPU (inherited by everything it starts).
    pub fn pin(mut self, cpu: Option<usize>) -> Cmd {
        self.pin = cpu;
        self
    }

    pub fn arg(mut self, a: impl AsRef<OsStr>) -> Cmd {
        self.args.push(a.as_ref().to_owned());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Cmd {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn env(mut self, k: impl AsRef<OsStr>, v: impl AsRef<OsStr>) -> Cmd {
        self.env
            .push((k.as_ref().to_owned(), Some(v.as_ref().to_owned())));
        self
    }

    pub fn env_remove(mut self, k: impl AsRef<OsStr>) -> Cmd {
        self.env.push((k.as_ref().to_owned(), None));
        self
    }

    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Cmd {
        self.cwd = Some(dir.as_ref().to_owned());
        self
    }

    pub fn stdin(mut self, input: Input) -> Cmd {
        self.stdin = input;
        self
    }

    pub fn stdout(mut self, o: Output) -> Cmd {
        self.stdout = o;
        self
    }

    pub fn stderr(mut self, o: Output) -> Cmd {
        self.stderr = o;
        self
    }

    pub fn timeout(mut self, t: Option<Duration>) -> Cmd {
        self.timeout = t;
        self
    }

    /// The command line, quoted so it can be pasted into a shell.
    pub fn display(&self) -> String {
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
    pub fn spawn(&self) -> Result<Child> {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args).process_group(0);
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        match &self.stdin {
            Input::Null => cmd.stdin(Stdio::null()),
            Input::File(p) => cmd.stdin(
                std::fs::File::open(p)
                    .with_context(|| format!("cannot open stdin file {}", p.display()))?,
            ),
        };
        cmd.stdout(stdio(self.stdout));
        cmd.stderr(stdio(self.stderr));
        if let Some(cpu) = self.pin {
            let set = affinity::single_cpu_set(cpu);
            // SAFETY: the closure only makes one async-signal-safe syscall.
            unsafe { cmd.pre_exec(move || affinity::bind(&set)) };
        }
        let started = Instant::now();
        let mut child = cmd.spawn().with_context(|| {
            let hint = if Path::new(&self.program).components().count() == 1 {
                " (is it installed and on PATH?)"
            } else {
                ""
            };
            format!("could not start `{}`{hint}", self.display())
        })?;
        let pid = child.id() as i32;
        live_groups().lock().unwrap().insert(pid);
        // A Ctrl-C between spawn and registration would have missed this child.
        if interrupted() {
            // SAFETY: signal to the group we just created.
            unsafe { libc::killpg(pid, libc::SIGKILL) };
        }
        let stdout = child.stdout.take().map(|s| collect(s, self.stdout));
        let stderr = child.stderr.take().map(|s| collect(s, self.stderr));
        let (tx, rx) = mpsc::channel();
        let waiter = thread::spawn(move || {
            let (status, rusage) = wait4(pid);
            let ended = Instant::now();
            let _ = tx.send((status, rusage, ended));
        });
        Ok(Child {
            pid,
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

    /// Runs to completion; a non-zero exit, a signal or a timeout is an error.
    pub fn run(&self) -> Result<Finished> {
        let done = self.spawn()?.wait()?;
        if !done.success() {
            return Err(done.error().into());
        }
        Ok(done)
    }

    /// Runs to completion and returns how it ended, whatever the status.
    pub fn run_unchecked(&self) -> Result<Finished> {
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
mod tests {
    use super::*;

    #[test]
    fn long_environment_values_are_shown_by_size() {
        let cmd = Cmd::new("app").env("PAD", "x".repeat(300)).env("K", "v w");
        assert_eq!(cmd.display(), "PAD=<300 bytes> K='v w' app");
    }

    #[test]
    fn captures_output_and_status() {
        let done = Cmd::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .run_unchecked()
            .unwrap();
        assert_eq!(done.status.code(), Some(3));
        assert_eq!(done.stdout_str(), "out\n");
        let msg = done.error().to_string();
        assert!(
            msg.contains("exit status 3") && msg.contains("err") && msg.contains("sh -c"),
            "{msg}"
        );
    }

    #[test]
    fn timeout_kills_and_says_so() {
        let err = Cmd::new("sleep")
            .arg("5")
            .timeout(Some(Duration::from_millis(100)))
            .run()
            .unwrap_err();
        assert!(err.to_string().contains("timed out after 100ms"), "{err}");
    }

    #[test]
    fn signal_is_named() {
        let done = Cmd::new("sh")
            .args(["-c", "kill -SEGV $$"])
            .run_unchecked()
            .unwrap();
        assert!(
            done.error().ended.signal() == Some(libc::SIGSEGV),
            "{}",
            done.error().ended
        );
    }

    #[test]
    fn drop_kills_the_whole_group() {
        let tmp = tempfile::tempdir().unwrap();
        let pidfile = tmp.path().join("pid");
        let script = format!("sleep 30 & echo $! > {}; wait", pidfile.display());
        let child = Cmd::new("sh").args(["-c", &script]).spawn().unwrap();
        let pid = loop {
            if let Some(p) = std::fs::read_to_string(&pidfile)
                .ok()
                .and_then(|s| s.trim().parse::<u32>().ok())
            {
                break p;
            }
            thread::sleep(Duration::from_millis(5));
        };
        drop(child);
        // Gone, or a zombie waiting for init to reap it: either way not running.
        let state = || {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            stat.rsplit(')')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .next()
                .unwrap_or("X")
                .to_string()
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while !matches!(state().as_str(), "X" | "Z") {
            assert!(Instant::now() < deadline, "grandchild {pid} still running");
            thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn stop_uses_sigterm_first() {
        let mut child = Cmd::new("sleep").arg("30").spawn().unwrap();
        assert_eq!(
            child.stop(Duration::from_secs(2)),
            Stopped::BySignal(libc::SIGTERM)
        );
    }

    #[test]
    fn rusage_reports_memory() {
        let done = Cmd::new("sh").args(["-c", "true"]).run().unwrap();
        assert!(done.usage.max_rss > 0);
    }

    #[test]
    fn tail_capture_keeps_the_end_only() {
        let script = "i=0; while [ $i -lt 20000 ]; do echo line-$i-padding-padding-padding >&2; i=$((i+1)); done";
        let done = Cmd::new("sh")
            .args(["-c", script])
            .stderr(Output::CaptureTail)
            .run()
            .unwrap();
        assert!(done.stderr.len() <= 2 * TAIL_BYTES, "{}", done.stderr.len());
        assert!(
            done.stderr_str()
                .ends_with("line-19999-padding-padding-padding\n")
        );
    }

    #[test]
    fn pinned_child_may_run_on_that_cpu_only() {
        let cpu = pick_cpu().unwrap();
        let done = Cmd::new("sh")
            .args(["-c", "grep Cpus_allowed_list /proc/self/status"])
            .pin(Some(cpu))
            .run()
            .unwrap();
        let list = done.stdout_str();
        assert_eq!(
            list.split(':').nth(1).map(str::trim),
            Some(cpu.to_string().as_str())
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("-Ctarget-cpu=native"), "-Ctarget-cpu=native");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("-Ca\u{1f}-Cb"), r"$'-Ca\x1f-Cb'");
    }
}

//! The one way cargo-tune runs child processes: argv vectors, own process group,
//! timeouts, rusage, kill-on-drop and on Ctrl-C, and errors that show what ran and how it ended.

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// How many trailing lines of output an error shows.
const TAIL_LINES: usize = 20;

/// How much of a `CaptureTail` stream is kept.
const TAIL_BYTES: usize = 64 * 1024;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Set while user files are being replaced: even a second Ctrl-C waits for it to finish.
static CRITICAL: AtomicBool = AtomicBool::new(false);

fn live_groups() -> &'static Mutex<HashSet<i32>> {
    static GROUPS: OnceLock<Mutex<HashSet<i32>>> = OnceLock::new();
    GROUPS.get_or_init(Default::default)
}

/// Installs the Ctrl-C / SIGTERM handler: it marks the run as interrupted and stops
/// every child process group still running, so nothing is left behind.
pub fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            // Second Ctrl-C: the user insists, unless files are being replaced right now.
            kill_all(libc::SIGKILL);
            while CRITICAL.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(10));
            }
            std::process::exit(130);
        }
        kill_all(libc::SIGTERM);
        thread::sleep(Duration::from_secs(2));
        kill_all(libc::SIGKILL);
    });
}

/// Runs `f` so that no Ctrl-C can end the process in the middle of it (for renames of user files).
pub fn uninterruptible<T>(f: impl FnOnce() -> T) -> T {
    CRITICAL.store(true, Ordering::SeqCst);
    let out = f();
    CRITICAL.store(false, Ordering::SeqCst);
    out
}

/// True once the user pressed Ctrl-C (or we got SIGTERM).
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Fails with a recognisable error when the run was interrupted.
pub fn check_interrupted() -> Result<()> {
    if interrupted() {
        Err(Interrupted.into())
    } else {
        Ok(())
    }
}

/// The error a run stopped by Ctrl-C ends with.
#[derive(Debug)]
pub struct Interrupted;

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("interrupted")
    }
}
impl std::error::Error for Interrupted {}

fn kill_all(signal: i32) {
    let groups: Vec<i32> = live_groups()
        .lock()
        .map(|g| g.iter().copied().collect())
        .unwrap_or_default();
    for pgid in groups {
        // SAFETY: plain syscall on a process group we created.
        unsafe { libc::killpg(pgid, signal) };
    }
}

/// Where a child's stdin comes from.
#[derive(Debug, Clone, Default)]
pub enum Input {
    #[default]
    Null,
    File(PathBuf),
    Inherit,
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
    Inherit,
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
        }
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

    pub fn program(&self) -> &OsStr {
        &self.program
    }

    pub fn get_args(&self) -> &[OsString] {
        &self.args
    }

    /// The value this command sets for an environment variable, if it sets one.
    pub fn get_env(&self, key: &str) -> Option<&OsStr> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }

    /// The command line, quoted so it can be pasted into a shell.
    pub fn display(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in &self.env {
            if let Some(v) = v {
                parts.push(format!(
                    "{}={}",
                    k.to_string_lossy(),
                    shell_quote(&v.to_string_lossy())
                ));
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
            Input::Inherit => cmd.stdin(Stdio::inherit()),
            Input::File(p) => cmd.stdin(
                std::fs::File::open(p)
                    .with_context(|| format!("cannot open stdin file {}", p.display()))?,
            ),
        };
        cmd.stdout(stdio(self.stdout));
        cmd.stderr(stdio(self.stderr));
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
        Output::Inherit => Stdio::inherit(),
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

fn wait4(pid: i32) -> (ExitStatus, libc::rusage) {
    loop {
        let mut status = 0;
        // SAFETY: rusage is plain data; wait4 fills it.
        let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut rusage) };
        if r == pid {
            return (ExitStatus::from_raw(status), rusage);
        }
        if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        // ECHILD should be impossible (only this thread reaps `pid`); report a failure.
        return (ExitStatus::from_raw(0xff00), rusage);
    }
}

/// Resource usage of a finished child, from `wait4`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub wall: Duration,
    pub user: Duration,
    pub sys: Duration,
    /// Peak resident set size in bytes.
    pub max_rss: u64,
}

/// A running child. Dropping it kills the child's whole process group.
pub struct Child {
    pid: i32,
    cmdline: String,
    timeout: Option<Duration>,
    started: Instant,
    exit: mpsc::Receiver<(ExitStatus, libc::rusage, Instant)>,
    waiter: Option<JoinHandle<()>>,
    finished: Option<(ExitStatus, Usage)>,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

/// How a stop request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// It had already exited before we asked.
    AlreadyExited,
    /// It exited after this signal.
    BySignal(i32),
}

impl Child {
    pub fn pid(&self) -> i32 {
        self.pid
    }

    pub fn cmdline(&self) -> &str {
        &self.cmdline
    }

    fn record(&mut self, (status, ru, ended): (ExitStatus, libc::rusage, Instant)) {
        live_groups().lock().unwrap().remove(&self.pid);
        // Leftovers of the group (workers, grandchildren) get a moment to finish on their own
        // (an instrumented worker may be writing its profile), then are killed.
        let deadline = Instant::now() + Duration::from_secs(1);
        // SAFETY: probing and signalling the group we created.
        while unsafe { libc::killpg(self.pid, 0) } == 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        unsafe { libc::killpg(self.pid, libc::SIGKILL) };
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        let usage = Usage {
            wall: ended.duration_since(self.started),
            user: tv(ru.ru_utime),
            sys: tv(ru.ru_stime),
            max_rss: ru.ru_maxrss as u64 * 1024,
        };
        self.finished = Some((status, usage));
    }

    /// The exit status if the child has ended, without blocking.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        if self.finished.is_none()
            && let Ok(r) = self.exit.try_recv()
        {
            self.record(r);
        }
        self.finished.map(|(s, _)| s)
    }

    /// Waits up to `limit` for the child to end.
    pub fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        if self.finished.is_none()
            && let Ok(r) = self.exit.recv_timeout(limit)
        {
            self.record(r);
        }
        self.finished.map(|(s, _)| s)
    }

    /// Sends `signal` to the child's process group.
    pub fn signal(&self, signal: i32) {
        if self.finished.is_none() {
            // SAFETY: signal to the group we created.
            unsafe { libc::killpg(self.pid, signal) };
        }
    }

    /// SIGTERM to the group, wait `grace`; then SIGINT, wait `grace`; then SIGKILL.
    /// Instrumented programs only write their profile on a normal exit, so the
    /// polite signals come first.
    pub fn stop(&mut self, grace: Duration) -> Stopped {
        if self.try_wait().is_some() {
            return Stopped::AlreadyExited;
        }
        for sig in [libc::SIGTERM, libc::SIGINT] {
            // The whole group, as a service manager would: pre-fork workers stop too.
            self.signal(sig);
            if self.wait_for(grace).is_some() {
                return Stopped::BySignal(sig);
            }
        }
        self.signal(libc::SIGKILL);
        self.wait_for(Duration::from_secs(10));
        Stopped::BySignal(libc::SIGKILL)
    }

    /// Waits for the end (honouring the command's timeout) and collects output.
    pub fn wait(mut self) -> Result<Finished> {
        let mut timed_out = false;
        if self.finished.is_none() {
            let r = match self.timeout {
                Some(limit) => match self
                    .exit
                    .recv_timeout(limit.saturating_sub(self.started.elapsed()))
                {
                    Ok(r) => Some(r),
                    Err(_) => {
                        timed_out = true;
                        self.signal(libc::SIGKILL);
                        self.exit.recv().ok()
                    }
                },
                None => self.exit.recv().ok(),
            };
            if let Some(r) = r {
                self.record(r);
            }
        }
        let (status, usage) = self.finished.context("child process vanished")?;
        let take =
            |h: Option<JoinHandle<Vec<u8>>>| h.and_then(|h| h.join().ok()).unwrap_or_default();
        let stdout = take(self.stdout.take());
        let stderr = take(self.stderr.take());
        Ok(Finished {
            cmdline: std::mem::take(&mut self.cmdline),
            status,
            usage,
            timed_out: timed_out.then_some(self.timeout.unwrap_or_default()),
            stdout,
            stderr,
        })
    }

    /// Takes the stderr collected so far (only after the child ended).
    pub fn take_stderr(&mut self) -> Vec<u8> {
        if self.finished.is_none() {
            return Vec::new();
        }
        self.stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.finished.is_none() {
            self.signal(libc::SIGKILL);
            if let Ok(r) = self.exit.recv_timeout(Duration::from_secs(10)) {
                self.record(r);
            }
        }
        if let Some(w) = self.waiter.take() {
            let _ = w.join();
        }
    }
}

/// A child that has ended.
#[derive(Debug)]
pub struct Finished {
    pub cmdline: String,
    pub status: ExitStatus,
    pub usage: Usage,
    /// Set when the command hit its timeout and was killed.
    pub timed_out: Option<Duration>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Finished {
    pub fn success(&self) -> bool {
        self.status.success() && self.timed_out.is_none()
    }

    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    pub fn error(&self) -> ProcessError {
        ProcessError {
            cmdline: self.cmdline.clone(),
            ended: describe_end(self.status, self.timed_out),
            stdout_tail: tail(&self.stdout),
            stderr_tail: tail(&self.stderr),
        }
    }
}

/// "exit status 2", "killed by signal 9 (SIGKILL)", "timed out after 5s".
pub fn describe_end(status: ExitStatus, timed_out: Option<Duration>) -> String {
    if let Some(t) = timed_out {
        return format!(
            "timed out after {} and was killed",
            humantime::format_duration(t)
        );
    }
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(s)) => {
            let core = if status.core_dumped() {
                ", core dumped"
            } else {
                ""
            };
            format!("killed by signal {s} ({}{core})", signal_name(s))
        }
        _ => format!("{status}"),
    }
}

pub fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        _ => "signal",
    }
}

fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n")
}

/// A child that failed: what ran, how it ended, and the end of what it printed.
#[derive(Debug, Clone)]
pub struct ProcessError {
    pub cmdline: String,
    pub ended: String,
    pub stdout_tail: String,
    pub stderr_tail: String,
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` failed: {}", self.cmdline, self.ended)?;
        if !self.stderr_tail.trim().is_empty() {
            write!(
                f,
                "\n--- stderr (last lines) ---\n{}",
                self.stderr_tail.trim_end()
            )?;
        }
        if !self.stdout_tail.trim().is_empty() {
            write!(
                f,
                "\n--- stdout (last lines) ---\n{}",
                self.stdout_tail.trim_end()
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ProcessError {}

/// Quotes a word for a POSIX shell only when it needs it. Control characters (the `\x1f`
/// separator of `CARGO_ENCODED_RUSTFLAGS`) use bash's `$'…'` so they stay visible.
pub fn shell_quote(s: &str) -> String {
    if s.chars().any(|c| c.is_control()) {
        let escaped: String = s
            .chars()
            .map(|c| match c {
                '\'' => "\\'".to_string(),
                '\\' => "\\\\".to_string(),
                c if c.is_control() => format!("\\x{:02x}", c as u32),
                c => c.to_string(),
            })
            .collect();
        return format!("$'{escaped}'");
    }
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A shareable flag other threads may set to ask a loop to stop early.
pub type StopFlag = Arc<AtomicBool>;

#[cfg(test)]
mod tests {
    use super::*;

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
            done.error().ended.contains("SIGSEGV"),
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
        thread::sleep(Duration::from_millis(100));
        // Gone, or a zombie waiting for init to reap it: either way not running.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .next()
            .unwrap_or("X");
        assert!(
            matches!(state, "X" | "Z"),
            "grandchild still running: {stat}"
        );
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
    fn quoting() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("-Ctarget-cpu=native"), "-Ctarget-cpu=native");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("-Ca\u{1f}-Cb"), r"$'-Ca\x1f-Cb'");
    }
}

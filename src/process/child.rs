//! A running child: waited for by its own thread with `wait4` (exact end time and rusage),
//! stopped politely or killed with its whole process group, never left behind.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::error::{ProcessError, describe_end, tail};
use super::interrupt::live_groups;

pub(super) fn wait4(pid: i32) -> (ExitStatus, libc::rusage) {
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

/// How a child ended, as its waiter thread saw it.
pub(super) struct Exit {
    pub status: ExitStatus,
    pub user: Duration,
    pub sys: Duration,
    pub max_rss: u64,
    /// The wall time measured next to the workload (through the trampoline); otherwise from
    /// our spawn to the end.
    pub wall: Option<Duration>,
    pub at: Instant,
}

impl Exit {
    pub(super) fn from_rusage(status: ExitStatus, ru: &libc::rusage) -> Exit {
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        Exit {
            status,
            user: tv(ru.ru_utime),
            sys: tv(ru.ru_stime),
            max_rss: ru.ru_maxrss as u64 * 1024,
            wall: None,
            at: Instant::now(),
        }
    }
}

/// A running child. Dropping it kills the child's whole process group.
pub(crate) struct Child {
    /// The process group signals go to: the program's own pid.
    pub(super) group: i32,
    pub(super) cmdline: String,
    pub(super) timeout: Option<Duration>,
    pub(super) started: Instant,
    pub(super) exit: mpsc::Receiver<Exit>,
    pub(super) waiter: Option<JoinHandle<()>>,
    pub(super) finished: Option<(ExitStatus, Usage)>,
    pub(super) stdout: Option<JoinHandle<Vec<u8>>>,
    pub(super) stderr: Option<JoinHandle<Vec<u8>>>,
}

/// How a stop request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stopped {
    /// It had already exited before we asked.
    AlreadyExited,
    /// It exited after this signal.
    BySignal(i32),
}

impl Child {
    fn record(&mut self, exit: Exit) {
        live_groups().lock().unwrap().remove(&self.group);
        // Leftovers of the group (workers, grandchildren) get a moment to finish on their own
        // (an instrumented worker may be writing its profile), then are killed.
        let deadline = Instant::now() + Duration::from_secs(1);
        // SAFETY: probing and signalling the group we created.
        while unsafe { libc::killpg(self.group, 0) } == 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        unsafe { libc::killpg(self.group, libc::SIGKILL) };
        let usage = Usage {
            wall: exit
                .wall
                .unwrap_or_else(|| exit.at.duration_since(self.started)),
            user: exit.user,
            sys: exit.sys,
            max_rss: exit.max_rss,
        };
        self.finished = Some((exit.status, usage));
    }

    /// The exit status if the child has ended, without blocking.
    pub(crate) fn try_wait(&mut self) -> Option<ExitStatus> {
        if self.finished.is_none()
            && let Ok(r) = self.exit.try_recv()
        {
            self.record(r);
        }
        self.finished.map(|(s, _)| s)
    }

    /// Waits up to `limit` for the child to end.
    pub(crate) fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        if self.finished.is_none()
            && let Ok(r) = self.exit.recv_timeout(limit)
        {
            self.record(r);
        }
        self.finished.map(|(s, _)| s)
    }

    /// Sends `signal` to the child's process group.
    pub(crate) fn signal(&self, signal: i32) {
        if self.finished.is_none() {
            // SAFETY: signal to the group we created.
            unsafe { libc::killpg(self.group, signal) };
        }
    }

    /// SIGTERM to the group, wait `grace`; then SIGINT, wait `grace`; then SIGKILL.
    /// Instrumented programs only write their profile on a normal exit, so the
    /// polite signals come first.
    pub(crate) fn stop(&mut self, grace: Duration) -> Stopped {
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
    pub(crate) fn wait(mut self) -> Result<Finished> {
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
pub(crate) struct Finished {
    pub cmdline: String,
    pub status: ExitStatus,
    pub usage: Usage,
    /// Set when the command hit its timeout and was killed.
    pub timed_out: Option<Duration>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Finished {
    pub(crate) fn success(&self) -> bool {
        self.status.success() && self.timed_out.is_none()
    }

    pub(crate) fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub(crate) fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    pub(crate) fn error(&self) -> ProcessError {
        ProcessError {
            end_told: false,
            cmdline: self.cmdline.clone(),
            ended: describe_end(self.status, self.timed_out),
            stdout_tail: tail(&self.stdout),
            stderr_tail: tail(&self.stderr),
        }
    }
}

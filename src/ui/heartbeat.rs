//! Plain, rate-limited status lines for logs: when stderr is not a terminal there is no bar, so
//! a long step says every `LOG_EVERY` that it is still going, as cargo's status lines do.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::Shell;

/// How often a log gets a line about a step that is still running.
pub(crate) const LOG_EVERY: Duration = Duration::from_secs(15);

/// While alive, prints `verb what · still running after T` every `LOG_EVERY` (logs only).
pub struct Heartbeat {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Shell {
    /// A heartbeat for a step that may take long (an instrumented run, llvm-bolt); silent on
    /// a terminal, where the step's own status line stays in view, and with `--quiet`.
    pub fn heartbeat(&self, verb: &'static str, what: impl Into<String>) -> Heartbeat {
        if self.progress_enabled() || self.is_quiet() {
            return Heartbeat {
                stop: None,
                thread: None,
            };
        }
        let (tx, rx) = mpsc::channel::<()>();
        let shell = self.clone();
        let what = what.into();
        let started = Instant::now();
        let thread = std::thread::spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(LOG_EVERY) {
                let after = super::short_duration(started.elapsed());
                shell.status(verb, format!("{what} · still running after {after}"));
            }
        });
        Heartbeat {
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

//! Ctrl-C: the handler that stops every child process group, the "interrupted" state, and the
//! critical sections (renames of user files) that even a second Ctrl-C waits for.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::Duration;

use anyhow::Result;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Set while user files are being replaced: even a second Ctrl-C waits for it to finish.
static CRITICAL: AtomicBool = AtomicBool::new(false);

pub(super) fn live_groups() -> &'static Mutex<HashSet<i32>> {
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
pub(crate) fn uninterruptible<T>(f: impl FnOnce() -> T) -> T {
    let _guard = Critical::enter();
    f()
}

/// Holds off Ctrl-C while alive; leaving the scope, by return or by panic, lets it through again.
struct Critical;

impl Critical {
    fn enter() -> Critical {
        CRITICAL.store(true, Ordering::SeqCst);
        Critical
    }
}

impl Drop for Critical {
    fn drop(&mut self) {
        CRITICAL.store(false, Ordering::SeqCst);
    }
}

/// True once the user pressed Ctrl-C (or we got SIGTERM).
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Fails with a recognisable error when the run was interrupted.
pub(crate) fn check_interrupted() -> Result<()> {
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

/// A shareable flag other threads may set to ask a loop to stop early.
pub(crate) type StopFlag = Arc<AtomicBool>;

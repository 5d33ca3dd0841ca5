//! The two Linux facilities std does not expose: signal handlers (for graceful shutdown) and
//! poll(2) (so a few worker threads can serve many keep-alive connections).

use std::ffi::{c_int, c_short, c_ulong};
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const SIGINT: c_int = 2;
const SIGTERM: c_int = 15;
/// `SIG_ERR` is `(sighandler_t) -1`.
const SIG_ERR: usize = usize::MAX;

const POLLIN: c_short = 0x001;

unsafe extern "C" {
    fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
    fn poll(fds: *mut PollFd, nfds: c_ulong, timeout: c_int) -> c_int;
}

static SHUTDOWN: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_signum: c_int) {
    // Only an atomic store: anything more (allocation, locks, I/O) is not async-signal-safe.
    SHUTDOWN.store(true, Ordering::SeqCst);
}

/// Makes SIGINT and SIGTERM request a shutdown instead of killing the process, so `main`
/// returns normally (and instrumented builds get to write their profiles).
pub fn install_shutdown_handlers() -> io::Result<()> {
    for signum in [SIGINT, SIGTERM] {
        // SAFETY: `on_signal` has the C handler signature and is async-signal-safe.
        if unsafe { signal(signum, on_signal) } == SIG_ERR {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Asks every thread to wind down, as a signal would (used when the accept loop fails).
pub fn request_shutdown() {
    SHUTDOWN.store(true, Ordering::SeqCst);
}

pub fn shutdown_requested() -> bool {
    SHUTDOWN.load(Ordering::SeqCst)
}

/// `struct pollfd` from `<poll.h>`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PollFd {
    fd: RawFd,
    events: c_short,
    revents: c_short,
}

impl PollFd {
    pub fn readable(source: &impl AsRawFd) -> PollFd {
        PollFd {
            fd: source.as_raw_fd(),
            events: POLLIN,
            revents: 0,
        }
    }

    /// Readable, hung up or in error: in every case the next read will not block.
    pub fn is_ready(&self) -> bool {
        self.revents != 0
    }
}

/// Waits until one of `fds` is ready or `timeout` passes; returns how many are ready.
/// A signal interrupting the wait counts as a timeout, so callers re-check the shutdown flag.
pub fn wait_readable(fds: &mut [PollFd], timeout: Duration) -> io::Result<usize> {
    let ms = c_int::try_from(timeout.as_millis()).unwrap_or(c_int::MAX);
    // SAFETY: `fds` is an exclusively borrowed slice of `repr(C)` pollfd structs and its
    // length is passed alongside.
    let n = unsafe { poll(fds.as_mut_ptr(), fds.len() as c_ulong, ms) };
    if n >= 0 {
        return Ok(n as usize);
    }
    let err = io::Error::last_os_error();
    if err.kind() == io::ErrorKind::Interrupted {
        Ok(0)
    } else {
        Err(err)
    }
}

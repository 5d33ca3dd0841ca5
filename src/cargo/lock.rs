//! The advisory lock on `<target-dir>/tune`, taken the way cargo takes its build lock: one
//! cargo-tune at a time builds, gathers profiles and measures in a target dir; the next waits.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::process::check_interrupted;
use crate::ui::Shell;

/// The lock file's name inside `<target-dir>/tune` (`clean` leaves it in place, so a waiting
/// process and a newcomer always lock the same file).
pub(crate) const LOCK_FILE: &str = ".tune-lock";

/// Held for as long as it lives; the kernel releases it when the process ends, however it ends.
#[derive(Debug)]
pub(crate) struct TuneLock {
    _file: File,
    /// True when another process held the lock and this one waited for it (the tests' witness:
    /// the wait itself is told to the user by the "Blocking" status line).
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the tests only"))]
    pub waited: bool,
}

/// Takes the lock on `tune_dir`. When another process holds it: with `wait`, prints cargo's
/// "Blocking waiting for file lock on …" and waits (Ctrl-C still ends the wait); without, fails.
pub(crate) fn lock_tune_dir(shell: &Shell, tune_dir: &Path, wait: bool) -> Result<TuneLock> {
    std::fs::create_dir_all(tune_dir)
        .with_context(|| format!("cannot create {}", tune_dir.display()))?;
    let path = tune_dir.join(LOCK_FILE);
    let file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    if try_lock(&file).with_context(|| format!("cannot lock {}", path.display()))? {
        return Ok(TuneLock {
            _file: file,
            waited: false,
        });
    }
    if !wait {
        bail!(
            "another cargo-tune is building or measuring in {} (it holds the file lock {}); \
             wait for it to finish, run again without --no-wait to wait for it, or use another --target-dir",
            tune_dir.display(),
            path.display()
        );
    }
    shell.status(
        "Blocking",
        format!("waiting for file lock on {}", tune_dir.display()),
    );
    // Polling rather than a blocking flock keeps Ctrl-C working during the wait.
    loop {
        check_interrupted()?;
        std::thread::sleep(Duration::from_millis(100));
        if try_lock(&file).with_context(|| format!("cannot lock {}", path.display()))? {
            return Ok(TuneLock {
                _file: file,
                waited: true,
            });
        }
    }
}

/// `flock(LOCK_EX | LOCK_NB)`: Ok(false) when another open file description holds it.
fn try_lock(file: &File) -> Result<bool> {
    // SAFETY: flock on a descriptor we own; no memory is passed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EWOULDBLOCK) => Ok(false),
        Some(libc::EINTR) => Ok(false),
        _ => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_fails_without_wait_and_succeeds_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let tune = dir.path().join("tune");
        let shell = Shell::plain();
        let first = lock_tune_dir(&shell, &tune, false).unwrap();
        assert!(!first.waited);
        // flock locks belong to the open file description: a second open conflicts even in-process.
        let err = lock_tune_dir(&shell, &tune, false).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("another cargo-tune"), "{msg}");
        assert!(msg.contains("--no-wait"), "{msg}");
        drop(first);
        let again = lock_tune_dir(&shell, &tune, false).unwrap();
        assert!(!again.waited);
    }

    #[test]
    fn a_waiting_lock_gets_it_when_the_holder_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let tune = dir.path().join("tune");
        let shell = Shell::plain();
        let first = lock_tune_dir(&shell, &tune, false).unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(first);
        });
        let second = lock_tune_dir(&shell, &tune, true).unwrap();
        assert!(second.waited);
        releaser.join().unwrap();
    }
}

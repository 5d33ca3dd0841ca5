//! Measuring a workload's own peak memory: a freshly exec'd cargo-tune forks the workload and
//! reports the workload's exit status and rusage back through a pipe.
//!
//! Why: Linux keeps `ru_maxrss` in the process record, and at `execve` folds the high-water
//! mark of the address space being dropped into it (`exec_mmap` → `setmax_mm_hiwater_rss`).
//! A child forked from cargo-tune carries a copy of cargo-tune's resident pages up to its exec
//! (`dup_mm` sets the copy's high-water mark to them); a `vfork`/`posix_spawn` child shares
//! cargo-tune's address space, so exec folds cargo-tune's own peak in. Either way every
//! program smaller than cargo-tune was reported at cargo-tune's size. A small process that
//! has just been exec'd has few resident pages of its own (its `fork` copies only pages of
//! written mappings: about 1 MB for cargo-tune), so the workload it forks starts from that.
//!
//! Protocol on the report pipe, one line each: `started PID` once the workload's exec
//! succeeded (or `failed ERRNO`), then `ended STATUS UTIME_US STIME_US MAXRSS_KB WALL_NS`.

use std::ffi::{CString, OsString};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{self as std_process, Command};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::child::wait4;

/// `argv[1]` of a cargo-tune started as a trampoline.
const MARKER: &str = "__cargo-tune-exec";

static EXE: OnceLock<PathBuf> = OnceLock::new();

/// Workload runs go through `exe` (a cargo-tune binary) from now on. The binary calls this with
/// `/proc/self/exe`; tests that drive the library in-process pass the built binary.
pub fn measure_through(exe: impl Into<PathBuf>) {
    let _ = EXE.set(exe.into());
}

pub(super) fn exe() -> Option<&'static PathBuf> {
    EXE.get()
}

/// In `main`, before anything else: when started as a trampoline, run the workload and exit.
pub fn run_if_requested() {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(MARKER.as_ref()) {
        return;
    }
    let fd = args.next().and_then(|s| s.to_str()?.parse::<i32>().ok());
    let argv: Vec<OsString> = args.collect();
    let code = match fd {
        Some(fd) if !argv.is_empty() => trampoline(fd, &argv),
        _ => {
            eprintln!("cargo-tune: {MARKER} is internal (usage: {MARKER} FD PROGRAM [ARGS…])");
            2
        }
    };
    std_process::exit(code);
}

/// What a workload started through the trampoline left: reported, or `None` when the
/// trampoline itself was killed before it could say.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Report {
    pub status: i32,
    pub user: Duration,
    pub sys: Duration,
    pub max_rss: u64,
    pub wall: Duration,
}

/// A trampoline that has started the workload.
pub(super) struct Launched {
    pub child: std_process::Child,
    /// The workload's pid, which is also its process group.
    pub group: i32,
    pub report: BufReader<File>,
}

/// Turns `cmd` (the workload, fully configured) into a run through the trampoline: same
/// environment, directory, stdio and pre-exec steps, the workload's argv after the marker.
pub(super) fn launch(
    exe: &PathBuf,
    program: &OsString,
    args: &[OsString],
    configure: impl FnOnce(&mut Command),
) -> Result<std::result::Result<Launched, std::io::Error>> {
    let (read, write) = pipe()?;
    let wfd = write.as_raw_fd();
    let mut cmd = Command::new(exe);
    cmd.arg0("cargo-tune")
        .arg(MARKER)
        .arg(wfd.to_string())
        .arg(program)
        .args(args);
    configure(&mut cmd);
    // SAFETY: one fcntl on an fd we own: the trampoline (only) inherits the report pipe.
    unsafe {
        cmd.pre_exec(move || {
            if libc::fcntl(wfd, libc::F_SETFD, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    };
    let child = cmd
        .spawn()
        .with_context(|| format!("could not start cargo-tune's own {}", exe.display()))?;
    drop(write);
    let mut report = BufReader::new(File::from(read));
    let mut line = String::new();
    report.read_line(&mut line)?;
    let mut words = line.split_whitespace();
    let group = match (
        words.next(),
        words.next().and_then(|w| w.parse::<i32>().ok()),
    ) {
        (Some("started"), Some(pid)) => pid,
        (Some("failed"), Some(errno)) => {
            let mut child = child;
            let _ = child.wait();
            return Ok(Err(std::io::Error::from_raw_os_error(errno)));
        }
        _ => {
            let mut child = child;
            let status = child.wait()?;
            bail!("cargo-tune's workload launcher ended ({status}) before starting the workload");
        }
    };
    Ok(Ok(Launched {
        child,
        group,
        report,
    }))
}

/// The `ended` line, once the trampoline has exited.
pub(super) fn read_report(report: &mut BufReader<File>) -> Option<Report> {
    let mut line = String::new();
    report.read_line(&mut line).ok()?;
    parse_ended(&line)
}

fn parse_ended(line: &str) -> Option<Report> {
    let mut w = line.strip_prefix("ended ")?.split_whitespace();
    let mut next = || w.next()?.parse::<u64>().ok();
    let status = i32::try_from(next()?).ok()?;
    let (user, sys, max_rss_kb, wall) = (next()?, next()?, next()?, next()?);
    Some(Report {
        status,
        user: Duration::from_micros(user),
        sys: Duration::from_micros(sys),
        max_rss: max_rss_kb * 1024,
        wall: Duration::from_nanos(wall),
    })
}

fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two fds that we then own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error()).context("cannot create a pipe");
    }
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The trampoline: fork, exec the workload in its own process group, wait, report.
fn trampoline(fd: i32, argv: &[OsString]) -> i32 {
    // SAFETY: the fd was handed to us by our parent for this purpose; set close-on-exec so the
    // workload does not inherit it (its leftovers would keep the pipe open).
    let mut out = unsafe {
        libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        File::from_raw_fd(fd)
    };
    let Ok(cargs) = argv
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
    else {
        let _ = writeln!(out, "failed {}", libc::EINVAL);
        return 0;
    };
    let mut ptrs: Vec<*const libc::c_char> = cargs.iter().map(|c| c.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    let Ok((exec_r, exec_w)) = pipe() else {
        let _ = writeln!(out, "failed {}", libc::EMFILE);
        return 0;
    };
    let started = Instant::now();
    // SAFETY: this process is single-threaded, so the child may do anything before exec.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        exec_child(exec_w.as_raw_fd(), &ptrs);
    }
    drop(exec_w);
    if pid < 0 {
        let _ = writeln!(out, "failed {}", errno());
        return 0;
    }
    // Also here, so the group exists before we report it, whichever process runs first.
    unsafe { libc::setpgid(pid, pid) };
    let mut errno_bytes = [0u8; 4];
    let n = read_full(&exec_r, &mut errno_bytes);
    if n == 4 {
        let _ = writeln!(out, "failed {}", i32::from_ne_bytes(errno_bytes));
        let _ = wait4(pid);
        return 0;
    }
    let _ = writeln!(out, "started {pid}");
    let (status, ru) = wait4(pid);
    let wall = started.elapsed();
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    let _ = writeln!(
        out,
        "ended {} {} {} {} {}",
        status.into_raw() as u32,
        us(ru.ru_utime),
        us(ru.ru_stime),
        ru.ru_maxrss,
        wall.as_nanos()
    );
    0
}

/// In the forked child: its own process group, the signal state a fresh spawn has (Rust
/// ignores SIGPIPE; the mask is empty), then exec; an exec failure goes back as errno.
fn exec_child(exec_w: i32, argv: &[*const libc::c_char]) -> ! {
    // SAFETY: plain syscalls in the child of a single-threaded process.
    unsafe {
        libc::setpgid(0, 0);
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        libc::execvp(argv[0], argv.as_ptr());
        let e = errno().to_ne_bytes();
        libc::write(exec_w, e.as_ptr().cast(), e.len());
        libc::_exit(127)
    }
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn read_full(fd: &OwnedFd, buf: &mut [u8]) -> usize {
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: reading into our own buffer.
        let n = unsafe {
            libc::read(
                fd.as_raw_fd(),
                buf[got..].as_mut_ptr().cast(),
                buf.len() - got,
            )
        };
        match n {
            0 => break,
            n if n > 0 => got += n as usize,
            _ if errno() == libc::EINTR => continue,
            _ => break,
        }
    }
    got
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ended_line() {
        let r = parse_ended("ended 256 1500 20 5120 3000000000\n").unwrap();
        assert_eq!(r.status, 256);
        assert_eq!(r.user, Duration::from_micros(1500));
        assert_eq!(r.max_rss, 5120 * 1024);
        assert_eq!(r.wall, Duration::from_secs(3));
        assert_eq!(parse_ended("started 12\n"), None);
        assert_eq!(parse_ended("ended 0 1 2\n"), None);
    }
}

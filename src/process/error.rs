//! How a child ended, in words: exit status or signal name, and the error that shows the command
//! line with the tail of its output.

use std::fmt;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

/// How many trailing lines of output an error shows.
const TAIL_LINES: usize = 20;

/// How a child process ended. Decisions match on this; people read its `Display`:
/// "exit status 2", "killed by signal 9 (SIGKILL)", "timed out after 5s and was killed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Ended {
    Exited { code: i32 },
    Signaled { signal: i32, core_dumped: bool },
    TimedOut { after_ms: u64 },
}

impl Ended {
    /// The signal that ended the process, if one did (a timeout is not counted).
    pub fn signal(self) -> Option<i32> {
        match self {
            Ended::Signaled { signal, .. } => Some(signal),
            _ => None,
        }
    }
}

impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Ended::Exited { code } => write!(f, "exit status {code}"),
            Ended::Signaled {
                signal,
                core_dumped,
            } => {
                let core = if core_dumped { ", core dumped" } else { "" };
                write!(
                    f,
                    "killed by signal {signal} ({}{core})",
                    signal_name(signal)
                )
            }
            Ended::TimedOut { after_ms } => write!(
                f,
                "timed out after {} and was killed",
                humantime::format_duration(Duration::from_millis(after_ms))
            ),
        }
    }
}

/// How a child with `status` ended (`timed_out`: we killed it at its deadline).
pub(crate) fn describe_end(status: ExitStatus, timed_out: Option<Duration>) -> Ended {
    if let Some(t) = timed_out {
        return Ended::TimedOut {
            after_ms: u64::try_from(t.as_millis()).unwrap_or(u64::MAX),
        };
    }
    match (status.code(), status.signal()) {
        (Some(code), _) => Ended::Exited { code },
        (None, Some(signal)) => Ended::Signaled {
            signal,
            core_dumped: status.core_dumped(),
        },
        // Neither a code nor a signal does not happen on Unix; read it as a failure.
        _ => Ended::Exited { code: -1 },
    }
}

pub(crate) fn signal_name(sig: i32) -> &'static str {
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

pub(super) fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n")
}

/// A child that failed: what ran, how it ended, and the end of what it printed.
#[derive(Debug, Clone)]
pub(crate) struct ProcessError {
    pub cmdline: String,
    pub ended: Ended,
    pub stdout_tail: String,
    pub stderr_tail: String,
    /// The message around it already says how it ended: show only what ran (no cause twice).
    pub end_told: bool,
}

impl ProcessError {
    /// For a context that states how the process ended itself.
    pub(crate) fn end_told(self) -> ProcessError {
        ProcessError {
            end_told: true,
            ..self
        }
    }
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.end_told {
            write!(f, "ran `{}`", self.cmdline)?;
        } else {
            write!(f, "`{}` failed: {}", self.cmdline, self.ended)?;
        }
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
pub(crate) fn shell_quote(s: &str) -> String {
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

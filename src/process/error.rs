//! How a child ended, in words: exit status or signal name, and the error that shows the command
//! line with the tail of its output.

use std::fmt;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

/// How many trailing lines of output an error shows.
const TAIL_LINES: usize = 20;

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

pub(super) fn tail(bytes: &[u8]) -> String {
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

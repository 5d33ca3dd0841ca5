//! Terminal output: cargo-style status lines, warnings and notes on stderr; colour choice (NO_COLOR, --color).

pub(crate) mod heartbeat;

use std::io::{IsTerminal, Write};

use std::sync::{Arc, Mutex};

use anstyle::{AnsiColor, Style};
use clap::ValueEnum;
use indicatif::ProgressBar;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// Where status goes. Results are printed to stdout by the commands themselves.
#[derive(Debug, Clone)]
pub struct Shell {
    verbosity: Verbosity,
    err_color: bool,
    out_color: bool,
    err_tty: bool,
    /// A progress bar on screen: status lines are printed above it, not through it.
    bar: Arc<Mutex<Option<ProgressBar>>>,
}

pub(crate) const GREEN: Style = AnsiColor::Green.on_default().bold();
pub(crate) const CYAN: Style = AnsiColor::Cyan.on_default().bold();
pub(crate) const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
pub(crate) const RED: Style = AnsiColor::Red.on_default().bold();
pub(crate) const BOLD: Style = Style::new().bold();
pub(crate) const DIM: Style = Style::new().dimmed();

impl Shell {
    pub fn new(verbosity: Verbosity, color: ColorChoice) -> Shell {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let pick = |tty: bool| match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                tty && !no_color && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        };
        let err_tty = std::io::stderr().is_terminal();
        Shell {
            verbosity,
            err_color: pick(err_tty),
            out_color: pick(std::io::stdout().is_terminal()),
            err_tty,
            bar: Arc::default(),
        }
    }

    /// A shell for tests and library use: normal verbosity, no colour.
    pub fn plain() -> Shell {
        Shell {
            verbosity: Verbosity::Normal,
            err_color: false,
            out_color: false,
            err_tty: false,
            bar: Arc::default(),
        }
    }

    pub fn is_quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    pub fn is_verbose(&self) -> bool {
        self.verbosity >= Verbosity::Verbose
    }

    /// Whether progress bars should be drawn (stderr is a terminal and not quiet).
    pub fn progress_enabled(&self) -> bool {
        self.err_tty && self.verbosity > Verbosity::Quiet
    }

    pub fn stdout_color(&self) -> bool {
        self.out_color
    }

    /// `   Building thing` with a right-aligned green verb, like cargo.
    pub fn status(&self, verb: &str, msg: impl AsRef<str>) {
        if self.verbosity > Verbosity::Quiet {
            self.line(GREEN, &format!("{verb:>12}"), msg.as_ref());
        }
    }

    /// Like `status`, only with `-v`.
    pub fn verbose(&self, verb: &str, msg: impl AsRef<str>) {
        if self.is_verbose() {
            self.line(CYAN, &format!("{verb:>12}"), msg.as_ref());
        }
    }

    pub fn warn(&self, msg: impl AsRef<str>) {
        if self.verbosity > Verbosity::Quiet {
            self.line(YELLOW, "warning:", msg.as_ref());
        }
    }

    pub fn note(&self, msg: impl AsRef<str>) {
        if self.verbosity > Verbosity::Quiet {
            self.line(CYAN, "note:", msg.as_ref());
        }
    }

    pub fn error(&self, msg: impl AsRef<str>) {
        self.line(RED, "error:", msg.as_ref());
    }

    fn line(&self, style: Style, head: &str, msg: &str) {
        let head = paint(self.err_color, style, head);
        let print = || {
            let _ = writeln!(std::io::stderr().lock(), "{head} {msg}");
        };
        match self.bar.lock().ok().and_then(|b| b.clone()) {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    /// Shows `bar` (when progress is enabled) until `clear_bar`; status lines go above it.
    pub fn set_bar(&self, bar: &ProgressBar) {
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar.clone());
        }
    }

    pub fn clear_bar(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish_and_clear();
        }
    }

    /// A bar of `len` steps with a cargo-style prefix, drawn only when progress is enabled.
    pub fn progress_bar(&self, prefix: &'static str, len: u64) -> ProgressBar {
        let bar = if self.progress_enabled() {
            ProgressBar::with_draw_target(Some(len), indicatif::ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        let style = indicatif::ProgressStyle::with_template(
            "{prefix:>12.cyan.bold} [{bar:25}] {pos}/{len} {wide_msg}",
        )
        .expect("valid template")
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(prefix);
        bar
    }

    /// Styles text for stdout if stdout gets colour.
    pub fn out(&self, style: Style, text: &str) -> String {
        paint(self.out_color, style, text)
    }
}

pub(crate) fn paint(enabled: bool, style: Style, text: &str) -> String {
    if enabled {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

/// "12s", "1m 40s", "2h 05m": a short duration for progress messages.
pub(crate) fn short_duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// The first line of a (possibly multi-line) message, for one-line table cells.
pub(crate) fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// "1 raw profile", "3 raw profiles": a count with its noun in the right number.
pub(crate) fn count(n: usize, singular: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else if let Some(stem) = singular.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {singular}s")
    }
}

/// "1.2 MB", "812 KB": decimal units, as cargo-bloat and most tables use.
pub fn format_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.2} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} KB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

/// "850 µs", "12.3 ms", "4.21 s", "2m 05s".
pub(crate) fn format_duration(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 120.0 {
        format!("{}m {:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else if s >= 10.0 {
        format!("{s:.1} s")
    } else if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.0} µs", s * 1e6)
    }
}

/// ` (did you mean `production`?)` when `word` is one or two edits from a candidate.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let word = word.replace('_', "-");
    candidates
        .map(|c| (strsim::levenshtein(&word, c), c))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn units() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(4_400_000), "4.40 MB");
        assert_eq!(format_duration(Duration::from_millis(1234)), "1.23 s");
        assert_eq!(format_duration(Duration::from_micros(850)), "850 µs");
        assert_eq!(format_duration(Duration::from_secs(125)), "2m 05s");
        assert_eq!(count(1, "raw profile"), "1 raw profile");
        assert_eq!(count(2, "raw profile"), "2 raw profiles");
        assert_eq!(count(0, "entry"), "0 entries");
    }
}

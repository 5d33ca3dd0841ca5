//! Progress of a measurement: what the engine reports before each sample, and an indicatif bar
//! on stderr for it (hidden when stderr is not a terminal or with `--quiet`).

use std::time::Duration;

use indicatif::ProgressBar;

use crate::ui::Shell;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Warmup,
    Measure,
}

/// The sample about to run.
#[derive(Debug, Clone)]
pub struct Step<'a> {
    pub phase: Phase,
    /// 1-based round within the phase.
    pub round: u32,
    /// Rounds in the phase at most: the warm-up count, or `max_runs`.
    pub max_rounds: u32,
    pub variant: &'a str,
    pub workload: &'a str,
    /// Samples finished so far, warm-ups included.
    pub done: u64,
    /// Samples planned so far: warm-ups plus `min_runs` rounds (or up to the current round, past it).
    pub planned: u64,
    /// Estimated time until the planned samples are done.
    pub eta: Option<Duration>,
    /// Estimated time until `max_runs` or the time limit, whichever comes first.
    pub eta_max: Option<Duration>,
}

/// Receives the engine's progress; the engine calls `step` before every sample.
pub trait Progress {
    fn step(&mut self, step: &Step<'_>);
    /// Called once when measuring ends (normally or not).
    fn finish(&mut self) {}
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn step(&mut self, _: &Step<'_>) {}
}

/// An indicatif bar on stderr.
pub struct IndicatifProgress {
    bar: ProgressBar,
}

impl IndicatifProgress {
    /// A bar that draws only when `shell.progress_enabled()`; the shell prints above it.
    pub fn new(shell: &Shell) -> IndicatifProgress {
        let bar = shell.progress_bar("Measuring", 0);
        shell.set_bar(&bar);
        IndicatifProgress { bar }
    }

    /// The bar, e.g. to `suspend` it while printing a status line.
    pub fn bar(&self) -> &ProgressBar {
        &self.bar
    }
}

impl Progress for IndicatifProgress {
    fn step(&mut self, s: &Step<'_>) {
        self.bar.set_length(s.planned);
        self.bar.set_position(s.done);
        self.bar.set_message(describe(s));
    }

    fn finish(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// "round 3 of ≤30 · release on parse-big · ETA 12s (≤ 1m 40s)".
pub fn describe(s: &Step<'_>) -> String {
    let phase = match s.phase {
        Phase::Warmup => format!("warm-up {} of {}", s.round, s.max_rounds),
        Phase::Measure => format!("round {} of ≤{}", s.round, s.max_rounds),
    };
    let mut out = format!("{phase} · {} on {}", s.variant, s.workload);
    if let Some(eta) = s.eta {
        out.push_str(&format!(" · ETA {}", short(eta)));
        if let Some(max) = s.eta_max.filter(|m| *m > eta + Duration::from_secs(1)) {
            out.push_str(&format!(" (≤ {})", short(max)));
        }
    }
    out
}

fn short(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_round_pair_and_eta() {
        let step = Step {
            phase: Phase::Measure,
            round: 3,
            max_rounds: 30,
            variant: "release",
            workload: "parse-big",
            done: 10,
            planned: 40,
            eta: Some(Duration::from_secs(12)),
            eta_max: Some(Duration::from_secs(100)),
        };
        assert_eq!(
            describe(&step),
            "round 3 of ≤30 · release on parse-big · ETA 12s (≤ 1m 40s)"
        );
        let warm = Step {
            phase: Phase::Warmup,
            round: 1,
            max_rounds: 2,
            eta: None,
            ..step
        };
        assert_eq!(describe(&warm), "warm-up 1 of 2 · release on parse-big");
        // Hidden outside a terminal; must not panic.
        let mut p = IndicatifProgress::new(&Shell::plain());
        p.step(&warm);
        p.finish();
    }
}

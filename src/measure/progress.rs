//! Progress of a measurement: what the engine reports before each sample, and an indicatif bar
//! on stderr for it (hidden when stderr is not a terminal or with `--quiet`).

use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use crate::ui::heartbeat::LOG_EVERY;
use crate::ui::{Shell, short_duration};

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

/// The progress a shell shows: a bar on a terminal, plain rate-limited status lines in a log
/// (stderr not a terminal), nothing with `--quiet`.
pub(crate) fn for_shell(shell: &Shell) -> Box<dyn Progress + '_> {
    if shell.progress_enabled() {
        Box::new(IndicatifProgress::new(shell))
    } else if shell.is_quiet() {
        Box::new(NoProgress)
    } else {
        Box::new(LineProgress::new(
            LOG_EVERY,
            Box::new(|line: &str| shell.status("Measuring", line)),
        ))
    }
}

/// Status lines for a log: the first step, then at most one every `every`, like
/// "Measuring round 6 of ≤30 · production on logfmt · ETA 1m 20s".
pub(super) struct LineProgress<'a> {
    every: Duration,
    last: Option<Instant>,
    emit: Box<dyn FnMut(&str) + 'a>,
}

impl<'a> LineProgress<'a> {
    pub(super) fn new(every: Duration, emit: Box<dyn FnMut(&str) + 'a>) -> LineProgress<'a> {
        LineProgress {
            every,
            last: None,
            emit,
        }
    }

    /// `step` at a given time (tests use a made-up clock).
    pub(super) fn step_at(&mut self, s: &Step<'_>, now: Instant) {
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < self.every)
        {
            return;
        }
        self.last = Some(now);
        (self.emit)(&describe(s));
    }
}

impl Progress for LineProgress<'_> {
    fn step(&mut self, s: &Step<'_>) {
        self.step_at(s, Instant::now());
    }
}

/// An indicatif bar on stderr.
pub(crate) struct IndicatifProgress {
    bar: ProgressBar,
}

impl IndicatifProgress {
    /// A bar that draws only when `shell.progress_enabled()`; the shell prints above it.
    pub(crate) fn new(shell: &Shell) -> IndicatifProgress {
        let bar = shell.progress_bar("Measuring", 0);
        shell.set_bar(&bar);
        IndicatifProgress { bar }
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
pub(super) fn describe(s: &Step<'_>) -> String {
    let phase = match s.phase {
        Phase::Warmup => format!("warm-up {} of {}", s.round, s.max_rounds),
        Phase::Measure => format!("round {} of ≤{}", s.round, s.max_rounds),
    };
    let mut out = format!("{phase} · {} on {}", s.variant, s.workload);
    if let Some(eta) = s.eta {
        out.push_str(&format!(" · ETA {}", short_duration(eta)));
        if let Some(max) = s.eta_max.filter(|m| *m > eta + Duration::from_secs(1)) {
            out.push_str(&format!(" (≤ {})", short_duration(max)));
        }
    }
    out
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

    /// What a CI log shows of a measurement: 2 variants × 2 workloads, one warm-up round and
    /// 12 rounds of ≤30, a sample every 3 s (made-up clock), lines at most every 15 s.
    #[test]
    fn a_log_gets_a_line_every_fifteen_seconds() {
        let mut lines = Vec::new();
        let mut p = LineProgress::new(
            Duration::from_secs(15),
            Box::new(|l: &str| lines.push(format!("{:>12} {l}", "Measuring"))),
        );
        let t0 = Instant::now();
        let (variants, workloads) = (["release", "production"], ["logfmt", "json"]);
        let per_round = (variants.len() * workloads.len()) as u64;
        let planned = per_round * (1 + 12);
        let mut done = 0;
        for (phase, rounds, max_rounds) in [(Phase::Warmup, 1, 1), (Phase::Measure, 12, 30)] {
            for round in 1..=rounds {
                for workload in workloads {
                    for variant in variants {
                        let left = Duration::from_secs(3 * (planned - done));
                        p.step_at(
                            &Step {
                                phase,
                                round,
                                max_rounds,
                                variant,
                                workload,
                                done,
                                planned,
                                eta: Some(left),
                                eta_max: Some(left + Duration::from_secs(3 * 18 * per_round)),
                            },
                            t0 + Duration::from_secs(3 * done),
                        );
                        done += 1;
                    }
                }
            }
        }
        drop(p);
        insta::assert_snapshot!(lines.join("\n"));
    }
}

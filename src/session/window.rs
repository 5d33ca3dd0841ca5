//! Shorter service windows for `auto`'s steps: a step only has to tell two candidates apart, so
//! a service configured with a longer measured window than the default (2 s after a 0.5 s
//! warm-up) is measured in the steps with the default one; the final run keeps the configured
//! window, and its figures are the ones reported.

use std::time::Duration;

use super::Session;
use crate::tune_config::{Kind, Workload};
use crate::workload::load::{DEFAULT_DURATION, DEFAULT_WARMUP};

/// `w` with its load window and warm-up cut to the defaults where they are longer (services
/// loaded for a duration; a run of a fixed number of requests is left as it is).
pub(super) fn shortened(w: &Workload) -> Workload {
    let mut w = w.clone();
    if let Kind::Service(s) = &mut w.kind
        && let Some(d) = s.load.duration
    {
        s.load.duration = Some(d.min(DEFAULT_DURATION));
        s.load.warmup = Some(s.load.warmup.unwrap_or(DEFAULT_WARMUP).min(DEFAULT_WARMUP));
    }
    w
}

/// Seconds of load (warm-up and window) one run of every workload drives.
pub(super) fn load_secs(ws: &[Workload]) -> f64 {
    ws.iter()
        .filter_map(|w| match &w.kind {
            Kind::Service(s) => Some(
                s.load.duration.unwrap_or(DEFAULT_DURATION)
                    + s.load.warmup.unwrap_or(DEFAULT_WARMUP),
            ),
            Kind::Command(_) => None,
        })
        .sum::<Duration>()
        .as_secs_f64()
}

impl Session<'_> {
    /// The workloads a measurement runs: shortened while `short_windows` is set.
    pub(super) fn measured_workloads(&self) -> Vec<Workload> {
        if self.short_windows {
            self.workloads.iter().map(shortened).collect()
        } else {
            self.workloads.clone()
        }
    }

    /// Seconds of load per variant and round, with short windows or the configured ones.
    pub(crate) fn window_secs(&self, short: bool) -> f64 {
        if short {
            load_secs(&self.workloads.iter().map(shortened).collect::<Vec<_>>())
        } else {
            load_secs(&self.workloads)
        }
    }
}

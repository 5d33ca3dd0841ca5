//! What a load run measured: per-worker counters and latency histograms, merged into a `LoadReport`.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Requests answered, failures, and the latency distribution of one load run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// Responses received, whatever their status.
    pub requests: u64,
    /// Transport failures: connect, write or read errors, connections closed mid-request.
    pub errors: u64,
    /// Responses whose status was not 2xx (included in `requests`).
    pub non_2xx: u64,
    pub elapsed: Duration,
    /// `requests / elapsed`.
    pub rps: f64,
    pub latency: Latency,
    pub concurrency: u32,
    /// Open loop: the requests per second asked for (`None`: closed loop, as fast as answered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Open loop: requests that could not leave at their scheduled time because their
    /// connection was still waiting for an earlier answer (their latency counts from the
    /// scheduled time). Many of them mean the service, or the generator, could not keep up.
    #[serde(default)]
    pub behind_schedule: u64,
    /// The first transport error seen, to explain `errors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

/// Response-time distribution, recorded in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub mean: Duration,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub p999: Duration,
    pub max: Duration,
}

impl Latency {
    pub fn from_histogram(h: &Histogram<u64>) -> Latency {
        if h.is_empty() {
            return Latency::default();
        }
        let us = Duration::from_micros;
        Latency {
            mean: Duration::from_secs_f64(h.mean() / 1e6),
            p50: us(h.value_at_quantile(0.50)),
            p90: us(h.value_at_quantile(0.90)),
            p99: us(h.value_at_quantile(0.99)),
            p999: us(h.value_at_quantile(0.999)),
            max: us(h.max()),
        }
    }
}

/// One worker's (or, merged, one run's) counters. Recording allocates nothing once the
/// histogram has grown to the range of latencies seen.
pub(super) struct Stats {
    pub hist: Histogram<u64>,
    pub requests: u64,
    pub errors: u64,
    pub non_2xx: u64,
    pub behind_schedule: u64,
    pub first_error: Option<String>,
}

impl Stats {
    pub(super) fn new() -> Stats {
        Stats {
            // Auto-resizing: starts small, grows to the largest latency seen.
            hist: Histogram::new(3).expect("3 significant figures is a valid precision"),
            requests: 0,
            errors: 0,
            non_2xx: 0,
            behind_schedule: 0,
            first_error: None,
        }
    }

    #[inline]
    pub(super) fn response(&mut self, status: u16, latency: Duration) {
        self.requests += 1;
        if !(200..300).contains(&status) {
            self.non_2xx += 1;
        }
        // `record`, not `saturating_record`: only `record` grows an auto-resizing histogram.
        let _ = self.hist.record(latency.as_micros() as u64);
    }

    pub(super) fn error(&mut self, what: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(what());
        }
    }

    pub(super) fn merge(&mut self, other: Stats) {
        // Both auto-resize, so adding cannot run out of range.
        let _ = self.hist.add(&other.hist);
        self.requests += other.requests;
        self.errors += other.errors;
        self.non_2xx += other.non_2xx;
        self.behind_schedule += other.behind_schedule;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    pub(super) fn into_report(
        self,
        elapsed: Duration,
        concurrency: u32,
        rate: Option<f64>,
    ) -> LoadReport {
        let secs = elapsed.as_secs_f64();
        LoadReport {
            requests: self.requests,
            errors: self.errors,
            non_2xx: self.non_2xx,
            elapsed,
            rps: if secs > 0.0 {
                self.requests as f64 / secs
            } else {
                0.0
            },
            latency: Latency::from_histogram(&self.hist),
            concurrency,
            rate,
            behind_schedule: self.behind_schedule,
            first_error: self.first_error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_and_summarises() {
        let mut a = Stats::new();
        let mut b = Stats::new();
        for ms in 1..=100u64 {
            a.response(200, Duration::from_millis(ms));
        }
        b.response(503, Duration::from_secs(2));
        b.error(|| "connect: refused".into());
        b.error(|| "second".into());
        a.merge(b);
        let r = a.into_report(Duration::from_secs(2), 4, None);
        assert_eq!((r.requests, r.errors, r.non_2xx), (101, 2, 1));
        assert_eq!(r.rps, 50.5);
        assert_eq!(r.first_error.as_deref(), Some("connect: refused"));
        // Three significant figures: within 0.1%.
        let near = |d: Duration, ms: f64| (d.as_secs_f64() * 1e3 - ms).abs() <= ms * 1e-3;
        assert!(near(r.latency.p50, 51.0), "{:?}", r.latency);
        assert!(near(r.latency.p90, 91.0), "{:?}", r.latency);
        assert!(near(r.latency.max, 2000.0), "{:?}", r.latency);
    }

    #[test]
    fn empty_run_has_zero_latency() {
        let r = Stats::new().into_report(Duration::ZERO, 1, None);
        assert_eq!(r.latency, Latency::default());
        assert_eq!(r.rps, 0.0);
    }
}

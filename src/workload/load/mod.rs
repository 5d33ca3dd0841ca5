//! The built-in HTTP/1.1 load generator: a `LoadSpec` made from a checked `Load` (a service's
//! `load`, or `cargo tune load`'s flags), driven by one current-thread tokio runtime per core,
//! each with keep-alive connections, in a closed loop (each connection sends its next request when the answer is in) or an open loop
//! (requests on a fixed schedule, latency counted from the scheduled time).

mod http;
mod report;
mod shared;
mod spec;
mod worker;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

#[cfg(test)]
pub(crate) use report::Latency;
pub(crate) use report::LoadReport;
pub(crate) use spec::LoadSpec;

use crate::process::StopFlag;
use report::Stats;
use shared::Shared;

/// Load runs this long when it sets neither `duration` nor `requests`. Short, so that a
/// service comparison gets many paired rounds in its time: see `DEFAULT_WARMUP`.
pub(crate) const DEFAULT_DURATION: Duration = Duration::from_secs(2);
/// Load driven (and discarded) after each start of a service before the measured window,
/// unless `warmup` says otherwise (`"0s"`: none).
///
/// Why more, shorter windows: the measurement loop runs every (variant, workload) pair once
/// per round, in a fresh random order, and compares variants round by round; a service is
/// started, loaded and stopped for each such run. On a shared machine the noise is mostly slow
/// drift, so pairs measured seconds apart cancel more of it than pairs measured a minute
/// apart, and more pairs narrow the interval. Keeping the services running across rounds
/// would save the restarts, but two variants usually cannot listen on the user's one port at
/// once, and a single long run split into sub-windows would give correlated samples of one
/// variant, not pairs. So each run stays a fresh start (same conditions for every variant)
/// with a short warm-up for lazy initialisation, caches and connection set-up, and a short
/// measured window. A start, readiness check and stop cost about 0.2 s here, so a 2 s window
/// after a 0.5 s warm-up spends about three quarters of each run measuring. (An A/A test of
/// 2 s against 10 s windows on a heavily shared machine could not tell them apart: docs/measuring.md,
/// "Window length".)
pub(crate) const DEFAULT_WARMUP: Duration = Duration::from_millis(500);
pub(crate) const DEFAULT_CONCURRENCY: u32 = 32;
/// A run of `requests` requests is abandoned after this long.
pub(crate) const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(10 * 60);

/// Drives the warm-up (when asked and configured, then discarded), then the measured load.
/// Setting `abort` (e.g. because the service exited) ends the run early with what it has.
pub(crate) fn drive(spec: &LoadSpec, warmup: bool, abort: &StopFlag) -> Result<LoadReport> {
    if warmup && let Some(w) = spec.warmup {
        run_phase(spec, Some(w), None, abort)?;
    }
    run_phase(spec, spec.duration, spec.requests, abort)
}

/// Open loop: when connection `index` of `concurrency` sends its first request and how often
/// after that. Each connection takes an equal share of the rate, and their schedules are
/// staggered across one interval so the requests are spread evenly, not sent in bursts.
fn schedule(rate: f64, concurrency: u32, index: u32, start: Instant) -> worker::Schedule {
    let interval = Duration::from_secs_f64(f64::from(concurrency) / rate);
    worker::Schedule {
        next: start + interval.mul_f64(f64::from(index) / f64::from(concurrency)),
        interval,
    }
}

/// One phase (warm-up or measured): the generator threads share the connections and the
/// request budget, and their statistics are merged.
fn run_phase(
    spec: &LoadSpec,
    duration: Option<Duration>,
    requests: Option<u64>,
    abort: &StopFlag,
) -> Result<LoadReport> {
    let limit = duration.unwrap_or(spec.time_limit);
    let threads = spec.threads.clamp(1, spec.concurrency as usize);
    let crew = Crew {
        shared: Arc::new(Shared::new(spec, requests, abort)),
        barrier: Arc::new(Barrier::new(threads)),
        limit,
        threads,
        rate: spec.rate,
        concurrency: spec.concurrency,
    };
    let handles = (0..threads)
        .map(|t| crew.clone().spawn(t))
        .collect::<Result<Vec<_>>>()?;
    let mut total = Stats::new();
    let mut elapsed = Duration::ZERO;
    for h in handles {
        let (stats, took) = h
            .join()
            .map_err(|_| anyhow::anyhow!("a load generator thread panicked"))??;
        total.merge(stats);
        elapsed = elapsed.max(took);
    }
    crate::process::check_interrupted()?;
    if let (Some(n), None) = (requests, duration)
        && elapsed >= limit
        && total.requests + total.errors < n
    {
        bail!(
            "the load of {n} requests did not finish within {} ({} answered, {} failed)",
            humantime::format_duration(limit),
            total.requests,
            total.errors
        );
    }
    Ok(total.into_report(elapsed, spec.concurrency, spec.rate))
}

/// What every generator thread of one phase gets.
#[derive(Clone)]
struct Crew {
    shared: Arc<Shared>,
    /// All threads start their clocks together.
    barrier: Arc<Barrier>,
    limit: Duration,
    threads: usize,
    rate: Option<f64>,
    concurrency: u32,
}

impl Crew {
    fn spawn(self, t: usize) -> Result<thread::JoinHandle<Result<(Stats, Duration)>>> {
        thread::Builder::new()
            .name(format!("tune-load-{t}"))
            .spawn(move || self.run(t))
            .context("cannot start a load generator thread")
    }

    /// Thread `t`: its share of the connections on its own current-thread runtime; the
    /// statistics and how long it ran.
    fn run(self, t: usize) -> Result<(Stats, Duration)> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        // Everyone meets here even on failure, or the others would wait forever.
        self.barrier.wait();
        let rt = rt.context("cannot start the load generator's runtime")?;
        let start = Instant::now();
        let stats = rt.block_on(self.connections(t, start))?;
        Ok((stats, start.elapsed()))
    }

    async fn connections(&self, t: usize, start: Instant) -> Result<Stats> {
        // Spread the connections evenly: the first `rem` threads take one more.
        let total = self.concurrency as usize;
        let per = total / self.threads + usize::from(t < total % self.threads);
        let deadline = start + self.limit;
        let workers: Vec<_> = (0..per)
            .map(|w| {
                let seed = (t as u64) << 32 | w as u64;
                // Connection `w` of thread `t` is connection `t + w * threads` of the run.
                let index = (t + w * self.threads) as u32;
                let pace = self
                    .rate
                    .map(|r| schedule(r, self.concurrency, index, start));
                tokio::spawn(worker::run(Arc::clone(&self.shared), deadline, seed, pace))
            })
            .collect();
        let mut stats = Stats::new();
        for w in workers {
            stats.merge(w.await.context("a load worker panicked")?);
        }
        Ok(stats)
    }
}

#[cfg(test)]
mod tests;

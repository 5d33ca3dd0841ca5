//! A deterministic mock `Executor` for engine and report tests: each (variant, workload) has a
//! true value and a relative noise; it can fail on a chosen call and raise the stop flag.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Result, bail};

use crate::measure::engine::{Executor, Placement};
use crate::measure::metric::WorkloadKind;
use crate::measure::rng::Rng;
use crate::measure::sample::{CommandSample, Sample, ServiceSample};

/// How one (variant, workload) pair behaves.
#[derive(Debug, Clone)]
pub struct Behaviour {
    pub kind: WorkloadKind,
    /// Wall seconds (command) or requests per second (service).
    pub center: f64,
    /// Relative standard deviation of each sample.
    pub noise: f64,
    pub rss: u64,
    /// Fail on this (0-based) call of the pair, with this message.
    pub fail_on: Option<(usize, String)>,
    /// The shape of the noise around `center`.
    pub shape: Shape,
    /// Commands: instructions counted (as under cachegrind), with this relative run-to-run drift.
    pub counted: Option<(f64, f64)>,
    /// Services: loaded at this fixed rate (open loop): req/s is the rate, and `center` is the
    /// p99 latency in seconds.
    pub open_rate: Option<f64>,
    /// Relative offset of each code layout (`Placement::layout`): a run on layout `i` is
    /// `1 + layout_offsets[i]` times slower. Empty: layout makes no difference.
    pub layout_offsets: Vec<f64>,
}

/// How a sample scatters around its centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// `center · (1 + noise · N(0, 1))`.
    Gaussian,
    /// `center · exp(noise · t₃ / √3)`: Student's t with 3 degrees of freedom, rare huge outliers.
    HeavyTailed,
    /// With probability `p` the machine is in its slow mode (`factor` × slower), else fast; plus
    /// Gaussian noise: the two-mode host seen here (one binary ran 0.35 s or 0.55 s).
    TwoMode { p: f64, factor: f64 },
}

impl Behaviour {
    pub fn command(wall: f64, noise: f64) -> Behaviour {
        Behaviour {
            kind: WorkloadKind::Command,
            center: wall,
            noise,
            rss: 50_000_000,
            fail_on: None,
            shape: Shape::Gaussian,
            counted: None,
            open_rate: None,
            layout_offsets: Vec::new(),
        }
    }

    /// A command whose instructions are counted: `count` with a relative drift of `drift`.
    pub fn counted(count: f64, drift: f64) -> Behaviour {
        Behaviour {
            counted: Some((count, drift)),
            ..Behaviour::command(1.0, 0.05)
        }
    }

    /// A service at a fixed request `rate` whose p99 latency is `p99` seconds, with `noise`.
    pub fn open_service(rate: f64, p99: f64, noise: f64) -> Behaviour {
        Behaviour {
            center: p99,
            open_rate: Some(rate),
            ..Behaviour::service(rate, noise)
        }
    }

    pub fn service(rps: f64, noise: f64) -> Behaviour {
        Behaviour {
            kind: WorkloadKind::Service,
            center: rps,
            noise,
            rss: 80_000_000,
            fail_on: None,
            shape: Shape::Gaussian,
            counted: None,
            open_rate: None,
            layout_offsets: Vec::new(),
        }
    }

    pub fn shape(mut self, shape: Shape) -> Behaviour {
        self.shape = shape;
        self
    }

    pub fn rss(mut self, rss: u64) -> Behaviour {
        self.rss = rss;
        self
    }

    pub fn layout_offsets(mut self, offsets: Vec<f64>) -> Behaviour {
        self.layout_offsets = offsets;
        self
    }

    pub fn fail_on(mut self, call: usize, message: &str) -> Behaviour {
        self.fail_on = Some((call, message.to_string()));
        self
    }
}

pub(crate) struct MockExecutor {
    rng: Rng,
    /// `behaviour[variant][workload]`
    pub behaviour: Vec<Vec<Behaviour>>,
    /// Every call, in order.
    pub calls: Vec<(usize, usize)>,
    /// Where each call ran, in the same order.
    pub placements: Vec<Placement>,
    /// Raise this flag after this many calls (simulates Ctrl-C during a run).
    pub stop_after: Option<(usize, Arc<AtomicBool>)>,
}

impl MockExecutor {
    pub(crate) fn new(seed: u64, behaviour: Vec<Vec<Behaviour>>) -> MockExecutor {
        MockExecutor {
            rng: Rng::new(seed),
            behaviour,
            calls: Vec::new(),
            placements: Vec::new(),
            stop_after: None,
        }
    }
}

impl Executor for MockExecutor {
    fn run(&mut self, variant: usize, workload: usize, at: Placement) -> Result<Sample> {
        let nth = self
            .calls
            .iter()
            .filter(|c| **c == (variant, workload))
            .count();
        self.calls.push((variant, workload));
        self.placements.push(at);
        if let Some((after, flag)) = &self.stop_after
            && self.calls.len() >= *after
        {
            flag.store(true, Ordering::SeqCst);
        }
        let b = &self.behaviour[variant][workload];
        if let Some((call, msg)) = &b.fail_on
            && *call == nth
        {
            bail!("{msg}");
        }
        let jitter = match b.shape {
            Shape::Gaussian => 1.0 + b.noise * self.rng.normal(),
            Shape::HeavyTailed => {
                let chi2: f64 = (0..3).map(|_| self.rng.normal().powi(2)).sum();
                let t = self.rng.normal() / (chi2 / 3.0).sqrt();
                (b.noise * t / 3f64.sqrt()).exp()
            }
            Shape::TwoMode { p, factor } => {
                let mode = if self.rng.next_f64() < p { factor } else { 1.0 };
                mode * (1.0 + b.noise * self.rng.normal())
            }
        };
        // Throughput falls when the machine is slow: the jitter divides it.
        // A slower layout: more time, fewer requests.
        let slow = 1.0 + b.layout_offsets.get(at.layout as usize).unwrap_or(&0.0);
        let jitter = match (b.kind, b.shape) {
            (WorkloadKind::Service, Shape::TwoMode { .. }) => 1.0 / jitter,
            _ => jitter,
        };
        let rss = Some((b.rss as f64 * (1.0 + 0.001 * self.rng.normal())) as u64 / 4096 * 4096);
        Ok(match b.kind {
            WorkloadKind::Command => {
                let wall = b.center * jitter * slow;
                let counted = b.counted.map(|(n, drift)| {
                    let i = n * (1.0 + drift * self.rng.normal());
                    (i as u64, (i * 1.7) as u64)
                });
                Sample::Command(CommandSample {
                    wall_secs: wall,
                    user_secs: wall * 0.93,
                    sys_secs: wall * 0.05,
                    peak_rss_bytes: rss,
                    instructions: counted.map(|c| c.0),
                    cycles_est: counted.map(|c| c.1),
                })
            }
            WorkloadKind::Service if b.open_rate.is_some() => {
                let rate = b.open_rate.unwrap_or(1.0);
                let p99 = b.center * jitter * slow;
                Sample::Service(ServiceSample {
                    // The schedule sets the rate; only a hair of timer jitter moves it.
                    requests_per_sec: rate * (1.0 + 1e-5 * self.rng.normal()),
                    p50_secs: p99 / 3.0,
                    p90_secs: p99 / 1.8,
                    p99_secs: p99,
                    p999_secs: p99 * 2.0,
                    requests: (rate * 10.0) as u64,
                    errors: 0,
                    non_2xx: 0,
                    duration_secs: 10.0,
                    peak_rss_bytes: rss,
                })
            }
            WorkloadKind::Service => {
                let rps = b.center * jitter / slow;
                let p50 = 32.0 / rps; // 32 connections kept busy
                Sample::Service(ServiceSample {
                    requests_per_sec: rps,
                    p50_secs: p50,
                    p90_secs: p50 * 1.6,
                    p99_secs: p50 * 3.0 * (1.0 + b.noise * self.rng.normal()),
                    p999_secs: p50 * 6.0,
                    requests: (rps * 10.0) as u64,
                    errors: 0,
                    non_2xx: 0,
                    duration_secs: 10.0,
                    peak_rss_bytes: rss,
                })
            }
        })
    }
}

//! The built-in HTTP/1.1 load generator: a `LoadSpec` made from `[…load]` (or `cargo tune load`),
//! driven by one current-thread tokio runtime per core, each with keep-alive connections, in a
//! closed loop (each connection sends its next request when the answer is in) or an open loop
//! (requests on a fixed schedule, latency counted from the scheduled time).

mod http;
mod report;
mod worker;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hyper::header::{HOST, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Uri};

pub use report::{Latency, LoadReport};

use super::target::{HttpUrl, check_loopback, resolve};
use crate::process::StopFlag;
use crate::tune_config::LoadConfig;
use report::Stats;

/// Load runs this long when it sets neither `duration` nor `requests`. Short, so that a
/// service comparison gets many paired rounds in its time: see `DEFAULT_WARMUP`.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(2);
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
/// 2 s against 10 s windows on a heavily shared machine could not tell them apart: README,
/// "Window length".)
pub const DEFAULT_WARMUP: Duration = Duration::from_millis(500);
pub const DEFAULT_CONCURRENCY: u32 = 32;
/// A run of `requests` requests is abandoned after this long.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(10 * 60);

/// Everything a load run needs, validated and resolved: no I/O left but the requests.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    pub targets: Vec<Target>,
    /// Sent with every request; includes `Host`.
    pub headers: HeaderMap,
    /// Where the service listens; tried in order.
    pub addrs: Vec<SocketAddr>,
    pub concurrency: u32,
    /// Run this long (or, with `requests`, at most this long).
    pub duration: Option<Duration>,
    /// Stop after this many requests.
    pub requests: Option<u64>,
    /// Load driven first and discarded.
    pub warmup: Option<Duration>,
    /// Open loop: requests per second over all connections; `None` is a closed loop.
    pub rate: Option<f64>,
    /// OS threads, each running its own single-threaded runtime.
    pub threads: usize,
    /// Cap on a `requests` run without `duration`.
    pub time_limit: Duration,
}

/// One URL of the mix.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: HttpUrl,
    pub method: Method,
    pub body: Bytes,
    pub weight: u32,
    /// The whole request, headers included, encoded once for the run.
    request: Bytes,
    /// A HEAD request: its answer has no body.
    head: bool,
}

impl LoadSpec {
    /// Validates `[…load]`, reads body files and resolves the host. Refuses non-loopback
    /// hosts unless `allow_remote`.
    pub fn from_config(load: &LoadConfig, allow_remote: bool) -> Result<LoadSpec> {
        let mut raw: Vec<(&str, Option<&str>, Option<&Path>, u32)> = Vec::new();
        if let Some(url) = &load.url {
            raw.push((url, None, None, 1));
        }
        for u in &load.urls {
            raw.push((&u.url, u.method.as_deref(), u.body.as_deref(), u.weight));
        }
        if raw.is_empty() {
            bail!("the load needs `url` or `urls`");
        }
        let default_method = parse_method(load.method.as_deref().unwrap_or("GET"))?;
        let default_body = read_body(load.body.as_deref())?;
        let mut targets = Vec::new();
        let mut uris = Vec::new();
        for (url, method, body, weight) in raw {
            let url = HttpUrl::parse(url)?;
            check_loopback(&url, allow_remote)?;
            if weight == 0 {
                bail!("`{url}`: weight must be at least 1");
            }
            let uri: Uri = url
                .path_and_query
                .parse()
                .with_context(|| format!("invalid request target in `{url}`"))?;
            let method = method.map_or(Ok(default_method.clone()), parse_method)?;
            targets.push(Target {
                head: method == Method::HEAD,
                method,
                body: match body {
                    Some(p) => read_body(Some(p))?,
                    None => default_body.clone(),
                },
                weight,
                request: Bytes::new(),
                url,
            });
            uris.push(uri);
        }
        let first = targets[0].url.clone();
        if let Some(other) = targets
            .iter()
            .find(|t| (&t.url.host, t.url.port) != (&first.host, first.port))
        {
            bail!(
                "all load URLs must go to one host and port (one keep-alive connection per worker); \
                 `{}` and `{}` differ",
                first,
                other.url
            );
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            HOST,
            HeaderValue::from_str(&first.authority)
                .with_context(|| format!("invalid host in `{first}`"))?,
        );
        for (k, v) in &load.headers {
            let name = HeaderName::from_bytes(k.trim().as_bytes())
                .with_context(|| format!("invalid header name `{k}`"))?;
            let value = HeaderValue::from_str(v.trim())
                .with_context(|| format!("invalid value for header `{k}`"))?;
            headers.insert(name, value);
        }
        for (t, uri) in targets.iter_mut().zip(&uris) {
            t.request = http::encode_request(&t.method, uri, &headers, &t.body);
        }
        let concurrency = load.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
        if concurrency == 0 {
            bail!("concurrency must be at least 1");
        }
        if load.requests == Some(0) {
            bail!("requests must be at least 1");
        }
        let duration = match (load.duration, load.requests) {
            (Some(d), _) => Some(d.0),
            (None, Some(_)) => None,
            (None, None) => Some(DEFAULT_DURATION),
        };
        if duration == Some(Duration::ZERO) {
            bail!("duration must be more than zero");
        }
        load.check_rate()?;
        let addrs = resolve(&first.host, first.port)?;
        Ok(LoadSpec {
            targets,
            headers,
            addrs,
            concurrency,
            duration,
            requests: load.requests,
            warmup: Some(load.warmup.map_or(DEFAULT_WARMUP, |d| d.0)).filter(|d| !d.is_zero()),
            rate: load.rate,
            threads: default_threads(concurrency),
            time_limit: DEFAULT_TIME_LIMIT,
        })
    }

    /// A short human description: "http://127.0.0.1:3999/ (+2 more URLs), 32 connections, 10s".
    pub fn describe(&self) -> String {
        let more = match self.targets.len() {
            1 => String::new(),
            n => format!(" (+{} more URLs)", n - 1),
        };
        let how_long = match (self.requests, self.duration) {
            (Some(n), _) => format!("{n} requests"),
            (None, Some(d)) => humantime::format_duration(d).to_string(),
            (None, None) => String::new(),
        };
        let pace = match self.rate {
            Some(r) => format!(", open loop at {r} req/s"),
            None => String::new(),
        };
        format!(
            "{}{more}, {} connections, {how_long}{pace}",
            self.targets[0].url, self.concurrency
        )
    }
}

/// One thread per core (wrk's default is a fixed 2): more only adds switching.
fn default_threads(concurrency: u32) -> usize {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(concurrency as usize).max(1)
}

fn parse_method(m: &str) -> Result<Method> {
    Method::from_bytes(m.trim().to_ascii_uppercase().as_bytes())
        .with_context(|| format!("invalid HTTP method `{m}`"))
}

fn read_body(path: Option<&Path>) -> Result<Bytes> {
    match path {
        None => Ok(Bytes::new()),
        Some(p) => std::fs::read(p)
            .map(Bytes::from)
            .with_context(|| format!("cannot read request body file {}", p.display())),
    }
}

/// Drives the warm-up (when asked and configured, then discarded), then the measured load.
/// Setting `abort` (e.g. because the service exited) ends the run early with what it has.
pub fn drive(spec: &LoadSpec, warmup: bool, abort: &StopFlag) -> Result<LoadReport> {
    if warmup && let Some(w) = spec.warmup {
        run_phase(spec, Some(w), None, abort)?;
    }
    run_phase(spec, spec.duration, spec.requests, abort)
}

/// What all workers of one phase share.
pub(super) struct Shared {
    pub targets: Vec<Target>,
    /// Running sums of the weights, for picking a target.
    pub cumulative: Vec<u32>,
    pub addrs: Vec<SocketAddr>,
    /// Requests still to start, for a `requests` run.
    pub budget: Option<AtomicU64>,
    pub abort: StopFlag,
}

impl Shared {
    /// True once the run should end early: Ctrl-C, or the caller aborted it.
    #[inline]
    pub fn aborted(&self) -> bool {
        crate::process::interrupted() || self.abort.load(Ordering::Relaxed)
    }

    /// Claims one request from the budget; false once it is spent.
    #[inline]
    pub fn claim(&self) -> bool {
        match &self.budget {
            None => true,
            Some(left) => left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok(),
        }
    }

    /// The target for a uniform random `r` in `0..total weight`.
    #[inline]
    pub fn pick(&self, r: u32) -> &Target {
        let i = self.cumulative.partition_point(|&c| c <= r);
        &self.targets[i.min(self.targets.len() - 1)]
    }

    pub fn total_weight(&self) -> u32 {
        *self.cumulative.last().unwrap_or(&1)
    }
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

fn run_phase(
    spec: &LoadSpec,
    duration: Option<Duration>,
    requests: Option<u64>,
    abort: &StopFlag,
) -> Result<LoadReport> {
    let mut sum = 0u32;
    let shared = Arc::new(Shared {
        targets: spec.targets.clone(),
        cumulative: spec
            .targets
            .iter()
            .map(|t| {
                sum = sum.saturating_add(t.weight);
                sum
            })
            .collect(),
        addrs: spec.addrs.clone(),
        budget: requests.map(AtomicU64::new),
        abort: Arc::clone(abort),
    });
    let limit = duration.unwrap_or(spec.time_limit);
    let threads = spec.threads.clamp(1, spec.concurrency as usize);
    let rate = spec.rate;
    let concurrency = spec.concurrency;
    let barrier = Arc::new(Barrier::new(threads));
    let mut handles: Vec<thread::JoinHandle<Result<(Stats, Duration)>>> =
        Vec::with_capacity(threads);
    for t in 0..threads {
        // Spread the connections evenly: the first `rem` threads take one more.
        let per = spec.concurrency as usize / threads
            + usize::from(t < spec.concurrency as usize % threads);
        // Connection `w` of thread `t` is connection `t + w * threads` of the run.
        let shared = Arc::clone(&shared);
        let barrier = Arc::clone(&barrier);
        let h = thread::Builder::new()
            .name(format!("tune-load-{t}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                // Everyone meets here even on failure, or the others would wait forever.
                barrier.wait();
                let rt = rt.context("cannot start the load generator's runtime")?;
                let start = Instant::now();
                let deadline = start + limit;
                let stats = rt.block_on(async move {
                    let workers: Vec<_> = (0..per)
                        .map(|w| {
                            let seed = (t as u64) << 32 | w as u64;
                            let index = (t + w * threads) as u32;
                            let pace = rate.map(|r| schedule(r, concurrency, index, start));
                            tokio::spawn(worker::run(Arc::clone(&shared), deadline, seed, pace))
                        })
                        .collect();
                    let mut stats = Stats::new();
                    for w in workers {
                        stats.merge(w.await.context("a load worker panicked")?);
                    }
                    anyhow::Ok(stats)
                })?;
                Ok((stats, start.elapsed()))
            })
            .context("cannot start a load generator thread")?;
        handles.push(h);
    }
    let mut total = Stats::new();
    let mut elapsed = Duration::ZERO;
    for h in handles {
        let (stats, took): (Stats, Duration) = h
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune_config::{Dur, WeightedUrl};

    fn load(url: &str) -> LoadConfig {
        LoadConfig {
            url: Some(url.into()),
            ..LoadConfig::default()
        }
    }

    #[test]
    fn defaults() {
        let s = LoadSpec::from_config(&load("http://127.0.0.1:3999/x"), false).unwrap();
        assert_eq!(s.concurrency, DEFAULT_CONCURRENCY);
        assert_eq!(s.duration, Some(DEFAULT_DURATION));
        assert_eq!(s.warmup, Some(DEFAULT_WARMUP));
        let no_warmup = LoadConfig {
            warmup: Some(Dur(Duration::ZERO)),
            ..load("http://127.0.0.1:3999/x")
        };
        assert_eq!(
            LoadSpec::from_config(&no_warmup, false).unwrap().warmup,
            None
        );
        assert_eq!(s.targets[0].method, Method::GET);
        assert_eq!(s.headers[HOST], "127.0.0.1:3999");
        assert_eq!(s.addrs[0], "127.0.0.1:3999".parse().unwrap());
    }

    #[test]
    fn requests_without_duration_has_no_duration() {
        let mut l = load("http://127.0.0.1:1/");
        l.requests = Some(100);
        let s = LoadSpec::from_config(&l, false).unwrap();
        assert_eq!((s.duration, s.requests), (None, Some(100)));
        l.duration = Some(Dur(Duration::from_secs(3)));
        let s = LoadSpec::from_config(&l, false).unwrap();
        assert_eq!(s.duration, Some(Duration::from_secs(3)));
    }

    #[test]
    fn refuses_remote_and_mixed_hosts() {
        let e = LoadSpec::from_config(&load("http://192.0.2.1/"), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--allow-remote"), "{e}");
        let mixed = LoadConfig {
            urls: vec![
                WeightedUrl {
                    url: "http://127.0.0.1:1/a".into(),
                    weight: 1,
                    method: None,
                    body: None,
                },
                WeightedUrl {
                    url: "http://127.0.0.1:2/b".into(),
                    weight: 1,
                    method: None,
                    body: None,
                },
            ],
            ..LoadConfig::default()
        };
        let e = LoadSpec::from_config(&mixed, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("one host and port"), "{e}");
    }

    #[test]
    fn methods_headers_and_bodies() {
        let dir = tempfile::tempdir().unwrap();
        let body = dir.path().join("b.json");
        std::fs::write(&body, "{}").unwrap();
        let mut l = LoadConfig {
            urls: vec![
                WeightedUrl {
                    url: "http://localhost:1/a".into(),
                    weight: 3,
                    method: Some("post".into()),
                    body: Some(body.clone()),
                },
                WeightedUrl {
                    url: "http://localhost:1/b".into(),
                    weight: 1,
                    method: None,
                    body: None,
                },
            ],
            method: Some("PUT".into()),
            ..LoadConfig::default()
        };
        l.headers.insert("X-Test".into(), "1".into());
        let s = LoadSpec::from_config(&l, false).unwrap();
        assert_eq!(s.targets[0].method, Method::POST);
        assert_eq!(&s.targets[0].body[..], b"{}");
        assert_eq!(s.targets[1].method, Method::PUT);
        assert!(s.targets[1].body.is_empty());
        assert_eq!(s.headers["x-test"], "1");

        l.body = Some(dir.path().join("missing"));
        let e = format!("{:#}", LoadSpec::from_config(&l, false).unwrap_err());
        assert!(e.contains("cannot read request body file"), "{e}");
    }

    #[test]
    fn open_loop_connections_share_the_rate_and_are_staggered() {
        let start = Instant::now();
        let s: Vec<_> = (0..4).map(|i| schedule(1000.0, 4, i, start)).collect();
        assert!(s.iter().all(|s| s.interval == Duration::from_millis(4)));
        let offsets: Vec<_> = s.iter().map(|s| s.next - start).collect();
        let ms = Duration::from_millis;
        assert_eq!(offsets, [ms(0), ms(1), ms(2), ms(3)]);
    }

    #[test]
    fn rate_goes_with_a_duration() {
        let mut l = load("http://127.0.0.1:1/");
        l.rate = Some(500.0);
        let s = LoadSpec::from_config(&l, false).unwrap();
        assert_eq!(s.rate, Some(500.0));
        assert!(
            s.describe().ends_with("open loop at 500 req/s"),
            "{}",
            s.describe()
        );
        l.requests = Some(10);
        let e = LoadSpec::from_config(&l, false).unwrap_err().to_string();
        assert!(e.contains("rate and requests"), "{e}");
    }

    #[test]
    fn picks_by_weight() {
        let s = LoadSpec::from_config(&load("http://127.0.0.1:1/"), false).unwrap();
        let mut a = s.targets[0].clone();
        a.weight = 3;
        let mut b = a.clone();
        b.weight = 1;
        b.url.path_and_query = "/b".into();
        let shared = Shared {
            targets: vec![a, b],
            cumulative: vec![3, 4],
            addrs: vec![],
            budget: Some(AtomicU64::new(2)),
            abort: StopFlag::default(),
        };
        let picks: Vec<&str> = (0..4)
            .map(|r| shared.pick(r).url.path_and_query.as_str())
            .collect();
        assert_eq!(picks, ["/", "/", "/", "/b"]);
        assert!(shared.claim() && shared.claim() && !shared.claim());
    }
}

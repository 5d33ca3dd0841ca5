//! A `LoadSpec`: a checked `Load` resolved for running — URLs parsed, loopback enforced, body
//! files read, requests encoded once, the host's addresses looked up.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::Path;
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hyper::header::{HOST, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Uri};

use super::http;
use super::{DEFAULT_CONCURRENCY, DEFAULT_DURATION, DEFAULT_TIME_LIMIT, DEFAULT_WARMUP};
use crate::tune_config::target::{HttpUrl, check_loopback, resolve};
use crate::tune_config::{Load, Urls};

/// Everything a load run needs, validated and resolved: no I/O left but the requests.
#[derive(Debug, Clone)]
pub(crate) struct LoadSpec {
    /// Each with its whole request encoded, the headers (`Host` first) included.
    pub targets: Vec<Target>,
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
pub(crate) struct Target {
    pub url: HttpUrl,
    pub method: Method,
    pub body: Bytes,
    pub weight: u32,
    /// The whole request, headers included, encoded once for the run.
    pub(super) request: Bytes,
    /// A HEAD request: its answer has no body.
    pub(super) head: bool,
}

impl LoadSpec {
    /// Resolves a checked load: parses its URLs, reads body files, encodes the requests and
    /// resolves the host. Refuses non-loopback hosts unless `allow_remote`.
    pub(crate) fn new(load: &Load, allow_remote: bool) -> Result<LoadSpec> {
        let parsed = targets(load, allow_remote)?;
        let first = one_host(&parsed)?;
        let headers = headers(&first, &load.headers)?;
        let targets = parsed
            .into_iter()
            .map(|(mut t, uri)| {
                t.request = http::encode_request(&t.method, &uri, &headers, &t.body);
                t
            })
            .collect();
        let concurrency = load
            .concurrency
            .map_or(DEFAULT_CONCURRENCY, NonZeroU32::get);
        let requests = load.pace.requests();
        let duration = match (load.duration, requests) {
            (Some(d), _) => Some(d),
            (None, Some(_)) => None,
            (None, None) => Some(DEFAULT_DURATION),
        };
        let addrs = resolve(&first.host, first.port)?;
        Ok(LoadSpec {
            targets,
            addrs,
            concurrency,
            duration,
            requests,
            warmup: Some(load.warmup.unwrap_or(DEFAULT_WARMUP)).filter(|d| !d.is_zero()),
            rate: load.pace.rate(),
            threads: default_threads(concurrency),
            time_limit: DEFAULT_TIME_LIMIT,
        })
    }

    /// A short human description: "http://127.0.0.1:3999/ (+2 more URLs), 32 connections, 10s".
    pub(crate) fn describe(&self) -> String {
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

/// Each URL of the mix with its method and body, and its request target (encoded once the
/// headers are known).
fn targets(load: &Load, allow_remote: bool) -> Result<Vec<(Target, Uri)>> {
    let default_method = parse_method(load.method.as_deref().unwrap_or("GET"))?;
    let default_body = read_body(load.body.as_deref())?;
    let raw: Vec<(&str, Option<&str>, Option<&Path>, u32)> = match &load.urls {
        Urls::One(url) => vec![(url, None, None, 1)],
        Urls::Weighted(targets) => targets
            .iter()
            .map(|t| {
                let (method, body) = (t.method.as_deref(), t.body.as_deref());
                (t.url.as_str(), method, body, t.weight.get())
            })
            .collect(),
    };
    raw.into_iter()
        .map(|(url, method, body, weight)| {
            let url = HttpUrl::parse(url)?;
            check_loopback(&url, allow_remote)?;
            let uri: Uri = url
                .path_and_query
                .parse()
                .with_context(|| format!("invalid request target in `{url}`"))?;
            let method = method.map_or(Ok(default_method.clone()), parse_method)?;
            let body = match body {
                Some(p) => read_body(Some(p))?,
                None => default_body.clone(),
            };
            let target = Target {
                head: method == Method::HEAD,
                method,
                body,
                weight,
                request: Bytes::new(),
                url,
            };
            Ok((target, uri))
        })
        .collect()
}

/// The one host and port every URL goes to (one keep-alive connection per worker).
fn one_host(targets: &[(Target, Uri)]) -> Result<HttpUrl> {
    let first = &targets[0].0.url;
    if let Some((other, _)) = targets
        .iter()
        .find(|(t, _)| (&t.url.host, t.url.port) != (&first.host, first.port))
    {
        bail!(
            "all load URLs must go to one host and port (one keep-alive connection per worker); \
             `{}` and `{}` differ",
            first,
            other.url
        );
    }
    Ok(first.clone())
}

/// `Host` for `first`, then the configured headers.
fn headers(first: &HttpUrl, configured: &BTreeMap<String, String>) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    headers.insert(
        HOST,
        HeaderValue::from_str(&first.authority)
            .with_context(|| format!("invalid host in `{first}`"))?,
    );
    for (k, v) in configured {
        let name = HeaderName::from_bytes(k.trim().as_bytes())
            .with_context(|| format!("invalid header name `{k}`"))?;
        let value = HeaderValue::from_str(v.trim())
            .with_context(|| format!("invalid value for header `{k}`"))?;
        headers.insert(name, value);
    }
    Ok(headers)
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

//! The load spec from a written `load`: defaults, refusals, methods, headers, bodies, pacing
//! and the weighted pick.

use hyper::Method;

use super::shared::Shared;
use super::*;
use crate::tune_config::{Dur, LoadConfig, WeightedUrl};
use std::sync::atomic::AtomicU64;

/// As a service workload's `load` goes: checked, then resolved.
fn from_config(load: &LoadConfig, allow_remote: bool) -> Result<LoadSpec> {
    LoadSpec::new(&load.clone().parse(None)?, allow_remote)
}

fn load(url: &str) -> LoadConfig {
    LoadConfig {
        url: Some(url.into()),
        ..LoadConfig::default()
    }
}

#[test]
fn defaults() {
    let s = from_config(&load("http://127.0.0.1:3999/x"), false).unwrap();
    assert_eq!(s.concurrency, DEFAULT_CONCURRENCY);
    assert_eq!(s.duration, Some(DEFAULT_DURATION));
    assert_eq!(s.warmup, Some(DEFAULT_WARMUP));
    let no_warmup = LoadConfig {
        warmup: Some(Dur(Duration::ZERO)),
        ..load("http://127.0.0.1:3999/x")
    };
    assert_eq!(from_config(&no_warmup, false).unwrap().warmup, None);
    assert_eq!(s.targets[0].method, Method::GET);
    let request = String::from_utf8_lossy(&s.targets[0].request).to_lowercase();
    assert!(request.contains("host: 127.0.0.1:3999\r\n"), "{request}");
    assert_eq!(s.addrs[0], "127.0.0.1:3999".parse().unwrap());
}

#[test]
fn requests_without_duration_has_no_duration() {
    let mut l = load("http://127.0.0.1:1/");
    l.requests = Some(100);
    let s = from_config(&l, false).unwrap();
    assert_eq!((s.duration, s.requests), (None, Some(100)));
    l.duration = Some(Dur(Duration::from_secs(3)));
    let s = from_config(&l, false).unwrap();
    assert_eq!(s.duration, Some(Duration::from_secs(3)));
}

#[test]
fn refuses_remote_and_mixed_hosts() {
    let e = from_config(&load("http://192.0.2.1/"), false)
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
    let e = from_config(&mixed, false).unwrap_err().to_string();
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
    let s = from_config(&l, false).unwrap();
    assert_eq!(s.targets[0].method, Method::POST);
    assert_eq!(&s.targets[0].body[..], b"{}");
    assert_eq!(s.targets[1].method, Method::PUT);
    assert!(s.targets[1].body.is_empty());
    for t in &s.targets {
        let request = String::from_utf8_lossy(&t.request).to_lowercase();
        assert!(request.contains("x-test: 1\r\n"), "{request}");
    }

    l.body = Some(dir.path().join("missing"));
    let e = format!("{:#}", from_config(&l, false).unwrap_err());
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
    let s = from_config(&l, false).unwrap();
    assert_eq!(s.rate, Some(500.0));
    assert!(
        s.describe().ends_with("open loop at 500 req/s"),
        "{}",
        s.describe()
    );
    l.requests = Some(10);
    let e = from_config(&l, false).unwrap_err().to_string();
    assert!(e.contains("rate and requests"), "{e}");
}

#[test]
fn picks_by_weight() {
    let s = from_config(&load("http://127.0.0.1:1/"), false).unwrap();
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

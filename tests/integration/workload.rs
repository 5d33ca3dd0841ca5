//! Workloads for real: command workloads run through `sh`, service workloads against a tiny
//! std-only HTTP server built with cargo, loaded over 127.0.0.1 by the built-in generator.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use cargo_tune::api::measure::WorkloadKind;
use cargo_tune::api::process::Ended;
use cargo_tune::api::tune_config::{Dur, LoadConfig, WeightedUrl, WorkloadConfig};
use cargo_tune::api::workload::{Outcome, RunOptions, ServiceRun, one_off};

use crate::utils::fixtures::HTTP_SERVICE as FIXTURE;
use crate::utils::{project, tune_in};

/// Builds the fixture once per test run, in the test target's scratch directory.
pub(crate) fn fixture() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("workload-fixture");
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"tinysvc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        )
        .unwrap();
        std::fs::write(dir.join("src/main.rs"), FIXTURE).unwrap();
        crate::utils::cargo(&dir, &["build", "--quiet"]);
        dir.join("target/debug/tinysvc")
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn sh(name: &str, script: &str) -> WorkloadConfig {
    WorkloadConfig {
        name: name.into(),
        args: vec!["-c".into(), script.into()],
        ..WorkloadConfig::default()
    }
}

/// The tests write workloads as Cargo.toml does; each is checked as `[package.metadata.tune]`
/// checks it, then run.
fn run_once(binary: &Path, w: &WorkloadConfig, opts: &RunOptions) -> anyhow::Result<Outcome> {
    // Workloads start through the launcher, as in the binary.
    cargo_tune::api::process::measure_through(env!("CARGO_BIN_EXE_cargo-tune"));
    cargo_tune::api::workload::run_once(binary, &w.clone().parse("workload")?, opts)
}

fn run_sh(w: &WorkloadConfig) -> anyhow::Result<Outcome> {
    run_once(Path::new("/bin/sh"), w, &RunOptions::default())
}

fn command(o: Outcome) -> cargo_tune::api::workload::CommandRun {
    match o {
        Outcome::Command(c) => c,
        Outcome::Service(s) => panic!("expected a command run: {s:?}"),
    }
}

fn service(o: Outcome) -> ServiceRun {
    match o {
        Outcome::Service(s) => s,
        Outcome::Command(c) => panic!("expected a service run: {c:?}"),
    }
}

/// A service workload on the fixture at `port`, loading `path` for a short while.
fn svc(port: u16, extra_args: &[&str], load: LoadConfig) -> WorkloadConfig {
    let mut args = vec!["--port".to_string(), port.to_string()];
    args.extend(extra_args.iter().map(|s| s.to_string()));
    WorkloadConfig {
        name: "api".into(),
        kind: WorkloadKind::Service,
        args,
        ready: Some(format!("http://127.0.0.1:{port}/health")),
        load: Some(load),
        stop_grace: Some(Dur(Duration::from_secs(2))),
        ..WorkloadConfig::default()
    }
}

fn load_of(port: u16, path: &str, requests: u64) -> LoadConfig {
    LoadConfig {
        url: Some(format!("http://127.0.0.1:{port}{path}")),
        concurrency: Some(4),
        requests: Some(requests),
        ..LoadConfig::default()
    }
}

/// `hits METHOD PATH = N` lines the fixture prints when it stops.
fn hits(stderr: &str, what: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix(&format!("hits {what} = ")))
        .map_or(0, |n| n.trim().parse().unwrap())
}

fn err(r: anyhow::Result<Outcome>) -> String {
    let e = format!("{:#}", r.expect_err("expected an error"));
    eprintln!("error shown to the user:\n{e}\n");
    e
}

#[test]
fn command_success_with_repeat() {
    let mut w = sh("ok", "true");
    w.repeat = Some(3);
    let c = command(run_sh(&w).unwrap());
    assert_eq!(c.executions, 3);
    assert_eq!(c.ended, Ended::Exited { code: 0 });
    assert!(c.usage.max_rss > 0 && c.usage.wall > Duration::ZERO);
}

#[test]
fn command_failure_names_workload_status_and_stderr() {
    let e = err(run_sh(&sh("parse-big", "echo out; echo boom >&2; exit 3")));
    assert!(e.contains("workload `parse-big` failed"), "{e}");
    assert!(e.contains("exit status 3") && e.contains("boom"), "{e}");
    // Stdout is discarded during runs.
    assert!(!e.contains("out\n"), "{e}");

    let e = err(run_sh(&sh("seg", "kill -SEGV $$")));
    assert!(e.contains("SIGSEGV"), "{e}");
}

#[test]
fn allow_failure_accepts_a_nonzero_exit() {
    let mut w = sh("flaky", "exit 2");
    w.allow_failure = true;
    assert_eq!(
        command(run_sh(&w).unwrap()).ended,
        Ended::Exited { code: 2 }
    );
}

#[test]
fn timeout_kills_and_is_an_error_even_with_allow_failure() {
    let mut w = sh("slow", "sleep 10");
    w.timeout = Some(Dur(Duration::from_millis(300)));
    w.allow_failure = true;
    let e = err(run_sh(&w));
    assert!(
        e.contains("workload `slow` failed: timed out after 300ms and was killed: ran `/bin/sh -c"),
        "{e}"
    );
    // The cause once, not again after the command line.
    assert_eq!(e.matches("timed out").count(), 1, "{e}");
}

#[test]
fn stdin_env_and_cwd() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("input.txt"), "hello\n").unwrap();
    std::fs::write(dir.path().join("marker"), "").unwrap();
    let mut w = sh(
        "all",
        r#"read line; test "$line" = hello || { echo "stdin: $line" >&2; exit 1; }
           test "$A" = 1 && test "$B" = 2 || { echo "env: $A $B" >&2; exit 1; }
           test -f marker || { echo "cwd: $(pwd)" >&2; exit 1; }"#,
    );
    w.stdin = Some(dir.path().join("input.txt"));
    w.env = BTreeMap::from([("A".into(), "1".into()), ("B".into(), "overridden".into())]);
    w.cwd = Some(dir.path().to_path_buf());
    let opts = RunOptions {
        extra_env: vec![("B".into(), "2".into())],
        ..RunOptions::default()
    };
    run_once(Path::new("/bin/sh"), &w, &opts).unwrap();

    w.cwd = Some(dir.path().join("nope"));
    let e = err(run_once(Path::new("/bin/sh"), &w, &opts));
    assert!(e.contains("working directory") && e.contains("nope"), "{e}");
}

#[test]
fn shell_workload_gets_tune_bin() {
    let dir = tempfile::tempdir().unwrap();
    let w = WorkloadConfig {
        name: "piped".into(),
        shell: Some(r#"echo hi | "$TUNE_BIN" -c 'cat > seen'; echo "$TUNE_BIN" > bin"#.into()),
        cwd: Some(dir.path().to_path_buf()),
        ..WorkloadConfig::default()
    };
    run_once(Path::new("/bin/sh"), &w, &RunOptions::default()).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("seen")).unwrap(),
        "hi\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("bin")).unwrap(),
        "/bin/sh\n"
    );
}

#[test]
fn one_off_runs_the_binary_with_args() {
    let run_sh =
        |w| cargo_tune::api::workload::run_once(Path::new("/bin/sh"), &w, &RunOptions::default());
    let c = command(run_sh(one_off(vec!["-c".into(), "exit 0".into()])).unwrap());
    assert_eq!(c.executions, 1);
    let e = err(run_sh(one_off(vec!["-c".into(), "exit 4".into()])));
    assert!(
        e.contains("workload `args` failed") && e.contains("exit status 4"),
        "{e}"
    );
}

#[test]
fn service_flow_stops_with_sigterm() {
    let port = free_port();
    let w = svc(
        port,
        &["--startup-delay-ms", "200"],
        load_of(port, "/", 300),
    );
    let s = service(run_once(fixture(), &w, &RunOptions::default()).unwrap());
    assert_eq!(s.load.requests, 300, "{s:?}");
    assert_eq!((s.load.errors, s.load.non_2xx), (0, 0), "{s:?}");
    assert!(s.load.rps > 0.0 && s.load.latency.max >= s.load.latency.p50);
    assert_eq!(s.stop.signal_that_stopped_it, Some(libc::SIGTERM), "{s:?}");
    assert_eq!(s.stop.ended, Ended::Exited { code: 0 });
    assert!(s.stop.stderr_tail.contains("stopped cleanly"), "{s:?}");
    assert_eq!(hits(&s.stop.stderr_tail, "GET /"), 300, "{s:?}");
    assert!(s.max_rss > 0);
    assert_eq!(s.stop.signal_that_stopped_it, Some(libc::SIGTERM), "{s:?}");
}

#[test]
fn service_ignoring_sigterm_needs_sigkill_and_says_so() {
    let port = free_port();
    let mut w = svc(port, &["--ignore-signals"], load_of(port, "/", 20));
    w.stop_grace = Some(Dur(Duration::from_millis(200)));
    let s = service(run_once(fixture(), &w, &RunOptions::default()).unwrap());
    assert_eq!(s.stop.signal_that_stopped_it, Some(libc::SIGKILL), "{s:?}");
    assert_eq!(s.stop.ended.signal(), Some(libc::SIGKILL), "{s:?}");
}

#[test]
fn service_that_never_becomes_ready() {
    let port = free_port();
    let mut w = svc(port, &["--health-status", "503"], load_of(port, "/", 1));
    w.ready_timeout = Some(Dur(Duration::from_millis(500)));
    let e = err(run_once(fixture(), &w, &RunOptions::default()));
    assert!(
        e.contains("service `api` did not become ready within 500ms"),
        "{e}"
    );
    assert!(e.contains("answered 503"), "{e}");
    assert!(e.contains(&format!("listening on 127.0.0.1:{port}")), "{e}");
}

#[test]
fn service_that_exits_early() {
    let port = free_port();
    let w = svc(port, &["--exit-early"], load_of(port, "/", 1));
    let e = err(run_once(fixture(), &w, &RunOptions::default()));
    assert!(
        e.contains("service `api` exited before it was ready"),
        "{e}"
    );
    assert!(
        e.contains("exit status 3") && e.contains("bad config"),
        "{e}"
    );
}

#[test]
fn tcp_readiness_and_non_2xx_counting() {
    let port = free_port();
    let mut w = svc(port, &[], load_of(port, "/missing", 50));
    w.ready = Some(format!("127.0.0.1:{port}"));
    let s = service(run_once(fixture(), &w, &RunOptions::default()).unwrap());
    assert_eq!(
        (s.load.requests, s.load.non_2xx, s.load.errors),
        (50, 50, 0)
    );
}

#[test]
fn connection_close_answers_are_not_errors() {
    let port = free_port();
    let w = svc(port, &["--close"], load_of(port, "/", 200));
    let s = service(run_once(fixture(), &w, &RunOptions::default()).unwrap());
    assert_eq!((s.load.requests, s.load.errors), (200, 0), "{s:?}");
}

/// The fixture pauses 200 ms once a second. A closed loop stops sending while it waits, so
/// the pause holds up only one request per connection and hides in the 99th percentile; an open
/// loop keeps to its schedule and counts the requests that could not leave from their due time.
#[test]
fn open_loop_shows_a_stall_that_closed_loop_hides() {
    let run = |rate: Option<f64>| {
        let port = free_port();
        let load = LoadConfig {
            url: Some(format!("http://127.0.0.1:{port}/")),
            concurrency: Some(4),
            // Any 2 s window holds at least one whole pause.
            duration: Some(Dur(Duration::from_millis(2200))),
            rate,
            ..LoadConfig::default()
        };
        let w = svc(port, &["--stall-ms", "200"], load);
        service(run_once(fixture(), &w, &RunOptions::default()).unwrap()).load
    };
    let closed = run(None);
    // 50 requests a second per connection: each pause holds up ten of them per connection,
    // half of those by 100 ms or more — 5% of all requests at least.
    let open = run(Some(200.0));
    eprintln!("closed: {closed:?}\nopen: {open:?}");
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    assert!(
        open.latency.p99 >= Duration::from_millis(100),
        "open-loop p99 {:.1} ms misses the 200 ms pause",
        ms(open.latency.p99)
    );
    assert!(
        closed.latency.p99 * 2 < open.latency.p99,
        "closed-loop p99 {:.1} ms, open-loop p99 {:.1} ms",
        ms(closed.latency.p99),
        ms(open.latency.p99)
    );
    // The pause is also in the closed loop's tail, just not in its 99th percentile.
    assert!(
        closed.latency.max >= Duration::from_millis(50),
        "{closed:?}"
    );
    assert!(open.behind_schedule > 0 && closed.behind_schedule == 0);
    assert_eq!(open.rate, Some(200.0));
    // The open loop never runs ahead of its schedule: at most 200 requests a second were
    // due in the 2.2 s (one more per connection for the staggered starts).
    assert!(open.requests <= 440 + 4, "{} requests", open.requests);
}

#[test]
fn service_dying_during_the_load_is_an_error() {
    let port = free_port();
    // Readiness probes count too: it dies a few dozen requests into the load.
    let w = svc(port, &["--die-after", "50"], load_of(port, "/", 100_000));
    let e = err(run_once(fixture(), &w, &RunOptions::default()));
    assert!(e.contains("service `api`"), "{e}");
    assert!(
        e.contains("stopped by itself during the load (exit status 1)"),
        "{e}"
    );
    assert!(e.contains("dying after 50 requests"), "{e}");
    // A clean exit mid-load is no better: the load was cut short.
    let port = free_port();
    let w = svc(
        port,
        &["--die-after", "50", "--die-code", "0"],
        load_of(port, "/", 100_000),
    );
    let e = err(run_once(fixture(), &w, &RunOptions::default()));
    assert!(
        e.contains("(exit status 0), so the load was cut short"),
        "{e}"
    );
}

#[test]
fn weighted_urls_with_methods_bodies_and_warmup() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("body.json"), r#"{"id": 1}"#).unwrap();
    let load = LoadConfig {
        urls: vec![
            WeightedUrl {
                url: format!("http://127.0.0.1:{port}/a"),
                weight: 3,
                method: None,
                body: None,
            },
            WeightedUrl {
                url: format!("http://127.0.0.1:{port}/b"),
                weight: 1,
                method: Some("POST".into()),
                body: Some(dir.path().join("body.json")),
            },
        ],
        concurrency: Some(4),
        requests: Some(2000),
        warmup: Some(Dur(Duration::from_millis(200))),
        ..LoadConfig::default()
    };
    let w = svc(port, &[], load);
    let opts = RunOptions {
        warmup: true,
        ..RunOptions::default()
    };
    let s = service(run_once(fixture(), &w, &opts).unwrap());
    assert_eq!((s.load.requests, s.load.errors), (2000, 0), "{s:?}");
    let a = hits(&s.stop.stderr_tail, "GET /a");
    let b = hits(&s.stop.stderr_tail, "POST /b");
    // The warm-up's requests reached the service but are not in the report.
    assert!(a + b > 2000, "a={a} b={b}: {s:?}");
    // 3:1, loosely.
    let ratio = a as f64 / b as f64;
    assert!((2.0..4.5).contains(&ratio), "a={a} b={b}");
}

#[test]
fn remote_load_is_refused_before_starting_anything() {
    let port = free_port();
    let mut w = svc(port, &[], load_of(port, "/", 1));
    w.load.as_mut().unwrap().url = Some("http://192.0.2.7:80/".into());
    let e = err(run_once(fixture(), &w, &RunOptions::default()));
    assert!(
        e.contains("--allow-remote") && e.contains("192.0.2.7"),
        "{e}"
    );
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn load_subcommand_prints_rate_and_percentiles() {
    let port = free_port();
    let _server = KillOnDrop(
        Command::new(fixture())
            .args(["--port", &port.to_string()])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://127.0.0.1:{port}/");
    let mut ready = false;
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            ready = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(ready, "fixture did not start");
    let dir = tempfile::tempdir().unwrap();
    let r = tune_in(
        dir.path(),
        &["load", &url, "-c", "2", "-n", "100", "-H", "X-A: b"],
    )
    .ok();
    r.stdout_has("Requests:      100 in")
        .stdout_has("Requests/sec:")
        .stdout_has("p99.9");
    let r = tune_in(dir.path(), &["load", &url, "-n", "10", "--json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["requests"], 10);
    tune_in(
        dir.path(),
        &["load", &url, "-c", "2", "-R", "100", "-d", "300ms"],
    )
    .ok()
    .stdout_has("Open loop:     100 req/s asked;");
    tune_in(dir.path(), &["load", &url, "-R", "0", "-d", "1s"])
        .fails()
        .stderr_has("rate must be at least 1 request per second");

    tune_in(dir.path(), &["load", "http://198.51.100.1/"])
        .fails()
        .stderr_has("--allow-remote");

    // Nothing listening: the workers give up after a while instead of retrying forever.
    let closed = format!("http://127.0.0.1:{}/", free_port());
    tune_in(dir.path(), &["load", &closed, "-c", "2", "-n", "1000000"])
        .fails()
        .stderr_has("no request was answered (first error: connect:");
}

#[test]
fn settings_checkable_without_running_fail_before_any_build() {
    let p = project("wl-precheck")
        .manifest_extra(
            "[[package.metadata.tune.workload]]\nname = \"feed\"\nstdin = \"data/missing.json\"\n",
        )
        .build();
    for args in [
        &["compare", "--variants", "release,production"][..],
        &["auto", "--budget", "1m"][..],
        &["pgo"][..],
    ] {
        let r = p.tune(args).fails();
        r.stderr_has("workload `feed`")
            .stderr_has("`stdin` file")
            .stderr_has("data/missing.json");
        assert!(!r.stderr.contains("Building"), "{r}");
    }
    assert!(!p.join("target/tune/release").exists());
    let built: Vec<_> = std::fs::read_dir(p.join("target/tune"))
        .map(|rd| rd.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        built.iter().all(|n| n == ".tune-lock"),
        "nothing built: {built:?}"
    );

    // A service's load URL and body file are checked too.
    let svc = project("wl-precheck-svc")
        .manifest_extra(
            "[[package.metadata.tune.workload]]\nname = \"api\"\nkind = \"service\"\n\
             ready = \"http://127.0.0.1:3999/health\"\n\
             load = { url = \"http://127.0.0.1:3999/\", body = \"req.json\" }\n",
        )
        .build();
    svc.tune(&["compare", "--variants", "release,production"])
        .fails()
        .stderr_has("workload `api`")
        .stderr_has("req.json");
    assert!(!svc.join("target/tune/release").exists());
}

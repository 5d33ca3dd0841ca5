//! Two cargo-tune runs on one project at once: the lock on `<target-dir>/tune` makes the second
//! wait (or fail at once with `--no-wait`), and both end with usable binaries and true figures.

use std::process::{Child, Stdio};

use serde_json::Value;

use crate::utils::fixtures::BRANCHY_CLI;
use crate::utils::{Project, Run, project, run_binary};

fn cli(name: &str) -> Project {
    project(name).file("src/main.rs", BRANCHY_CLI).build()
}

fn spawn(p: &Project, args: &[&str]) -> Child {
    let mut cmd = p.tune(args).cmd;
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.spawn().unwrap()
}

fn finish(child: Child) -> Run {
    let out = child.wait_with_output().unwrap();
    Run {
        success: out.status.success(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        cmdline: "cargo-tune (concurrent)".into(),
    }
}

#[test]
fn two_pgo_runs_at_once_both_end_with_an_optimized_binary() {
    let p = cli("lock-pgo");
    let a = spawn(&p, &["pgo", "--", "20000"]);
    let b = spawn(&p, &["pgo", "--", "20000"]);
    let (a, b) = (finish(a), finish(b));
    for r in [&a, &b] {
        assert!(r.success, "expected success:\n{r}");
        assert!(!run_binary(r.last_line(), &["1000"]).is_empty(), "{r}");
    }
    // Exactly one of them found the lock taken and said so, as cargo does.
    let waited = [&a, &b]
        .iter()
        .filter(|r| r.stderr.contains("Blocking waiting for file lock on"))
        .count();
    assert_eq!(waited, 1, "{a}\n{b}");
    // No temporary file of either run is left behind.
    let leftovers: Vec<_> = walk(&p.join("target/tune"))
        .into_iter()
        .filter(|f| f.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn two_compares_at_once_both_succeed_with_true_compile_times() {
    let p = cli("lock-cmp");
    let args = |json: &'static str| {
        [
            "compare",
            "--variants",
            "release,production,pgo",
            "--min-runs",
            "3",
            "--max-runs",
            "6",
            "--json",
            json,
            "--",
            "20000",
        ]
    };
    let a = spawn(&p, &args("a.json"));
    let b = spawn(&p, &args("b.json"));
    let (a, b) = (finish(a), finish(b));
    assert!(a.success, "expected success:\n{a}");
    assert!(b.success, "expected success:\n{b}");
    let runs: Vec<Value> = ["a.json", "b.json"]
        .iter()
        .map(|f| serde_json::from_str(&p.read(f)).unwrap())
        .collect();
    for run in &runs {
        for v in run["variants"].as_array().unwrap() {
            assert!(v["failure"].is_null(), "{v}");
            let binary = v["build"]["binary"].as_str().unwrap();
            assert!(!run_binary(binary, &["1000"]).is_empty());
        }
    }
    // The run that waited built nothing: it reused the first run's compile times, which were
    // measured while nobody else was building, instead of timing its wait.
    for i in 0..3 {
        let t = |r: &Value| {
            r["variants"][i]["build"]["compile_time_secs"]
                .as_f64()
                .unwrap()
        };
        assert_eq!(t(&runs[0]), t(&runs[1]), "variant {i}");
    }
    let cached = |r: &Value| {
        r["variants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["build"]["compile_time_cached"] == true)
    };
    assert!(
        cached(&runs[0]) != cached(&runs[1]),
        "one run builds, the other reuses"
    );
}

#[test]
fn no_wait_fails_at_once_and_a_waiting_run_goes_on_when_the_lock_is_free() {
    use std::os::fd::AsRawFd;
    let p = cli("lock-nowait");
    // This test plays the other cargo-tune: it holds the lock the way cargo-tune does.
    std::fs::create_dir_all(p.join("target/tune")).unwrap();
    let lock = std::fs::File::create(p.join("target/tune/.tune-lock")).unwrap();
    // SAFETY: flock on a descriptor this test owns.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);

    p.tune(&["--no-wait", "build"])
        .fails()
        .stderr_has("another cargo-tune is building or measuring in")
        .stderr_has("without --no-wait");
    assert!(!p.join("target/tune/release").exists(), "nothing was built");

    let waiting = spawn(&p, &["build"]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    drop(lock);
    let r = finish(waiting);
    assert!(r.success, "{r}");
    r.stderr_has("Blocking waiting for file lock on");
    run_binary(r.last_line(), &["10"]);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A `cargo` that, on its first `build`, holds the package-cache lock for a second before
/// running the real cargo: that build waits for another process, as when a `cargo metadata`
/// of another run holds the lock.
const LOCKING_CARGO: &str = r#"#!/bin/sh
lock="$CARGO_HOME/.package-cache"
if [ "$1" = build ] && [ ! -e "$TUNE_TEST_MARK" ]; then
  touch "$TUNE_TEST_MARK"
  touch "$lock"
  flock "$lock" sleep 1 &
  while flock -n "$lock" true; do sleep 0.02; done
fi
exec cargo "$@"
"#;

#[test]
fn a_cold_build_that_waited_for_a_lock_is_built_and_timed_again() {
    use std::os::unix::fs::PermissionsExt;
    let p = cli("lock-wait");
    let home = p.join("cargo-home");
    std::fs::create_dir_all(&home).unwrap();
    let wrapper = p.join("locking-cargo");
    std::fs::write(&wrapper, LOCKING_CARGO).unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = p
        .tune(&["build", "--variant", "release"])
        .env("CARGO", &wrapper)
        .env("CARGO_HOME", &home)
        .env("TUNE_TEST_MARK", p.join("mark"))
        .ok();
    r.stderr_has("not recorded")
        .stderr_has("once more from an empty dir, to time it without the wait");
    // The second build did not wait: its compile time is recorded for later runs.
    let records: Vec<_> = walk(&p.join("target/tune"))
        .into_iter()
        .filter(|f| f.to_string_lossy().contains("cargo-tune-build-"))
        .collect();
    assert_eq!(records.len(), 1, "{r}");
}

//! The process wrapper for real: output, status, timeouts, signals, groups, rusage, pinning.

use super::*;

#[test]
fn captures_output_and_status() {
    let done = Cmd::new("sh")
        .args(["-c", "echo out; echo err >&2; exit 3"])
        .run_unchecked()
        .unwrap();
    assert_eq!(done.status.code(), Some(3));
    assert_eq!(done.stdout_str(), "out\n");
    let msg = done.error().to_string();
    assert!(
        msg.contains("exit status 3") && msg.contains("err") && msg.contains("sh -c"),
        "{msg}"
    );
}

#[test]
fn timeout_kills_and_says_so() {
    let err = Cmd::new("sleep")
        .arg("5")
        .timeout(Some(Duration::from_millis(100)))
        .run()
        .unwrap_err();
    assert!(err.to_string().contains("timed out after 100ms"), "{err}");
}

#[test]
fn signal_is_named() {
    let done = Cmd::new("sh")
        .args(["-c", "kill -SEGV $$"])
        .run_unchecked()
        .unwrap();
    assert!(
        done.error().ended.signal() == Some(libc::SIGSEGV),
        "{}",
        done.error().ended
    );
}

#[test]
fn drop_kills_the_whole_group() {
    let tmp = tempfile::tempdir().unwrap();
    let pidfile = tmp.path().join("pid");
    let script = format!("sleep 30 & echo $! > {}; wait", pidfile.display());
    let child = Cmd::new("sh").args(["-c", &script]).spawn().unwrap();
    let pid = loop {
        if let Some(p) = std::fs::read_to_string(&pidfile)
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
        {
            break p;
        }
        thread::sleep(Duration::from_millis(5));
    };
    drop(child);
    // Gone, or a zombie waiting for init to reap it: either way not running.
    let state = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        stat.rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .next()
            .unwrap_or("X")
            .to_string()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while !matches!(state().as_str(), "X" | "Z") {
        assert!(Instant::now() < deadline, "grandchild {pid} still running");
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn stop_uses_sigterm_first() {
    let mut child = Cmd::new("sleep").arg("30").spawn().unwrap();
    assert_eq!(
        child.stop(Duration::from_secs(2)),
        Stopped::BySignal(libc::SIGTERM)
    );
}

#[test]
fn rusage_reports_memory() {
    let done = Cmd::new("sh").args(["-c", "true"]).run().unwrap();
    assert!(done.usage.max_rss > 0);
}

#[test]
fn tail_capture_keeps_the_end_only() {
    let script = "i=0; while [ $i -lt 20000 ]; do echo line-$i-padding-padding-padding >&2; i=$((i+1)); done";
    let done = Cmd::new("sh")
        .args(["-c", script])
        .stderr(Output::CaptureTail)
        .run()
        .unwrap();
    assert!(done.stderr.len() <= 2 * TAIL_BYTES, "{}", done.stderr.len());
    assert!(
        done.stderr_str()
            .ends_with("line-19999-padding-padding-padding\n")
    );
}

#[test]
fn pinned_child_may_run_on_that_cpu_only() {
    let cpu = pick_cpu().unwrap();
    let done = Cmd::new("sh")
        .args(["-c", "grep Cpus_allowed_list /proc/self/status"])
        .pin(Some(cpu))
        .run()
        .unwrap();
    let list = done.stdout_str();
    assert_eq!(
        list.split(':').nth(1).map(str::trim),
        Some(cpu.to_string().as_str())
    );
}

#[test]
fn quoting() {
    assert_eq!(shell_quote("a b"), "'a b'");
    assert_eq!(shell_quote("-Ctarget-cpu=native"), "-Ctarget-cpu=native");
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
    assert_eq!(shell_quote("-Ca\u{1f}-Cb"), r"$'-Ca\x1f-Cb'");
}

#[test]
fn long_environment_values_are_shown_by_size() {
    let cmd = Cmd::new("app").env("PAD", "x".repeat(300)).env("K", "v w");
    assert_eq!(cmd.display(), "PAD=<300 bytes> K='v w' app");
}

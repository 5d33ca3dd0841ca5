//! `cargo tune compare` on fixture programs: real builds, real runs, the statistics' verdicts,
//! per-variant failures, exports, and Ctrl-C.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::utils::fixtures::{BRANCHY_CLI, HTTP_SERVICE};
use crate::utils::{Project, free_port, interrupt_once_serving, project, service_project};

fn cli(name: &str) -> Project {
    project(name).file("src/main.rs", BRANCHY_CLI).build()
}

fn verdict(run: &Value, variant: usize) -> (String, f64) {
    let wall =
        &run["variants"][variant]["measurements"][0]["summary"]["metrics"]["wall"]["vs_baseline"];
    (
        wall["verdict"].as_str().unwrap().to_string(),
        wall["ratio"].as_f64().unwrap(),
    )
}

#[test]
fn opt_level_difference_is_real_and_an_identical_copy_is_noise() {
    let p = cli("cmp-optlevel");
    let r = p
        .tune(&[
            "compare",
            "--variants",
            "release",
            "--variant",
            "o0=opt-level=0",
            "--variant",
            "copy=release",
            "--seed",
            "7",
            "--json",
            "out.json",
            "--markdown",
            "out.md",
            "--",
            "3000000",
        ])
        .ok();
    let run: Value = serde_json::from_str(&p.read("out.json")).unwrap();
    let (o0, ratio) = verdict(&run, 1);
    assert_eq!(o0, "worse", "opt-level=0 must be slower beyond noise:\n{r}");
    assert!(ratio > 1.2, "opt-level=0 takes longer: ratio {ratio}");
    // The same build is never called different; on a noisy machine it may stay undecided.
    let (copy, _) = verdict(&run, 2);
    assert!(
        copy == "within_noise" || copy == "undecided",
        "the same build cannot differ ({copy}):\n{r}"
    );
    // Every raw sample is kept, warm-ups flagged.
    let samples = run["variants"][0]["measurements"][0]["samples"]
        .as_array()
        .unwrap();
    assert!(
        samples.len() >= 10 && samples.iter().any(|s| s["warmup"] == true),
        "{samples:?}"
    );
    r.stdout_has("o0").stdout_has("release (baseline)");
    assert!(
        p.read("out.md").contains("| release (baseline) |"),
        "{}",
        p.read("out.md")
    );
    // The run was saved and re-renders without measuring.
    let again = p.tune(&["report", "--format", "json"]).ok();
    let saved: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(saved["variants"], run["variants"]);
}

#[test]
fn failures_mark_one_variant_and_the_others_are_measured() {
    // panic=abort breaks a program that relies on catching a panic.
    let main = r#"fn main() {
        let n: u64 = std::env::args().nth(1).unwrap().parse().unwrap();
        let r = std::panic::catch_unwind(|| if n > 0 { panic!("expected") });
        assert!(r.is_err());
        let mut s = 0u64;
        for i in 0..n { s = s.wrapping_mul(31).wrapping_add(i); }
        println!("{s}");
    }"#;
    let p = project("cmp-fail").file("src/main.rs", main).build();
    let r = p
        .tune(&[
            "compare",
            "--variants",
            "release,production",
            "--variant",
            "broken=rustflags=-Cno-such-flag",
            "--min-runs",
            "3",
            "--max-runs",
            "6",
            "--json",
            "out.json",
            "--",
            "1000",
        ])
        .fails();
    let run: Value = serde_json::from_str(&p.read("out.json")).unwrap();
    assert!(
        run["variants"][0]["measurements"][0]["samples"]
            .as_array()
            .unwrap()
            .len()
            >= 3
    );
    let failure = run["variants"][1]["measurements"][0]["failure"]
        .as_str()
        .unwrap();
    assert!(failure.contains("SIGABRT"), "{failure}");
    let build_failure = run["variants"][2]["failure"].as_str().unwrap();
    assert!(build_failure.contains("no-such-flag"), "{build_failure}");
    r.stdout_has("failed");
    // The table is printed, and the exit status still says that not everything worked.
    r.stderr_has("2 of 3 variants failed")
        .stderr_has("`production` failed on")
        .stderr_has("`broken` did not build");
}

#[test]
fn bad_variant_names_list_the_valid_forms() {
    let p = cli("cmp-bad");
    let r = p
        .tune(&["compare", "--variants", "release,turbo", "--", "10"])
        .fails();
    r.stderr_has("unknown variant `turbo`")
        .stderr_has("production")
        .stderr_has("+key=value");
    p.tune(&["compare"])
        .fails()
        .stderr_has("nothing to measure");
}

#[test]
fn stacked_steps_and_pgo_rows() {
    let p = cli("cmp-stack");
    let r = p
        .tune(&[
            "compare",
            "--variants",
            "release,+strip,+pgo",
            "--min-runs",
            "3",
            "--max-runs",
            "6",
            "--json",
            "out.json",
            "--",
            "200000",
        ])
        .ok();
    let run: Value = serde_json::from_str(&p.read("out.json")).unwrap();
    let v = &run["variants"];
    assert_eq!(v[1]["variant"]["settings"]["strip"], "symbols");
    assert_eq!(
        v[2]["variant"]["settings"]["strip"], "symbols",
        "+pgo keeps the row above"
    );
    assert_eq!(v[2]["variant"]["stage"]["kind"], "pgo-optimized");
    assert_eq!(v[2]["build"]["builds"], 2);
    r.stdout_has("+pgo").stdout_has("2 builds");
}

#[test]
fn ctrl_c_stops_the_service_and_keeps_partial_results() {
    let port = free_port();
    let p = service_project("cmp-sigint", port);
    let cmd = p
        .tune(&[
            "compare",
            "--variants",
            "release,+lto=thin",
            "--min-runs",
            "20",
            "--max-runs",
            "20",
        ])
        .cmd;
    let out = interrupt_once_serving(cmd, port, Duration::from_millis(1500));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    // cargo-tune has exited; its service must be gone too (give the kernel a moment to close it).
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < deadline, "the service is still running");
        std::thread::sleep(Duration::from_millis(20));
    }
    let saved = p.tune(&["report", "--format", "json"]).ok();
    let run: Value = serde_json::from_str(&saved.stdout).unwrap();
    assert_eq!(run["interrupted"], true);
    assert!(run["notes"].to_string().contains("partial"));
}

#[test]
fn a_baseline_that_does_not_build_stops_before_the_others_and_is_reported_once() {
    // The baseline (`release`) fails to compile; the variant given alone would build.
    let p = project("cmp-basefail")
        .file(
            "src/main.rs",
            "#[cfg(not(debug_assertions))]\ncompile_error!(\"release builds are broken here\");\nfn main() {}\n",
        )
        .build();
    let r = p
        .tune(&[
            "compare",
            "--variant",
            "fast=debug-assertions=true",
            "--",
            "10",
        ])
        .fails();
    r.stderr_has("the baseline `release` did not build")
        .stderr_has("the other variants were not built")
        .stderr_has("release builds are broken here");
    // Once: on stderr, not also in a table on stdout.
    assert!(r.stdout.is_empty(), "{r}");
    assert!(!r.stderr.contains("Building fast"), "{r}");
}

#[test]
fn a_service_that_ignores_sigterm_is_reported_with_what_it_costs() {
    let port = crate::utils::free_port();
    let p = project("cmp-stubborn")
        .file("src/main.rs", HTTP_SERVICE)
        .manifest_extra(&format!(
            "[[package.metadata.tune.workload]]\nname = \"api\"\nkind = \"service\"\n\
             args = [\"--port\", \"{port}\", \"--ignore-signals\"]\nstop-grace = \"200ms\"\n\
             ready = \"http://127.0.0.1:{port}/health\"\n\
             load = {{ url = \"http://127.0.0.1:{port}/\", concurrency = 2, duration = \"300ms\" }}\n"
        ))
        .build();
    let r = p
        .tune(&[
            "compare",
            "--variants",
            "release,+strip",
            "--min-runs",
            "3",
            "--max-runs",
            "6",
            "--warmup",
            "0",
        ])
        .ok();
    r.stdout_has("service `api` ignored SIGTERM and SIGINT and had to be killed (SIGKILL)")
        .stdout_has("stop grace period of 200.00 ms")
        .stdout_has("on 12 runs (+strip, release)")
        .stdout_has("makes the comparison slower but not its figures");
}

#[test]
fn a_variant_alone_is_compared_with_the_baseline_and_may_not_take_a_preset_name() {
    let p = cli("cmp-named");
    // A name that is a preset or the base profile would label one build as another.
    let r = p
        .tune(&["compare", "--variant", "release=lto=fat", "--", "1000"])
        .fails();
    r.stderr_has("`release` is the base profile")
        .stderr_has("--variant 'my-release=lto=fat'");
    p.tune(&[
        "compare",
        "--variant",
        "production=opt-level=1",
        "--",
        "1000",
    ])
    .fails()
    .stderr_has("the preset `production`");
    assert!(!p.join("target").exists(), "refused before building");
    // `--variant` alone is compared with the base profile.
    let r = p
        .tune(&[
            "compare",
            "--variant",
            "o1=opt-level=1",
            "--min-runs",
            "5",
            "--max-runs",
            "6",
            "--json",
            "out.json",
            "--",
            "1000",
        ])
        .ok();
    let run: Value = serde_json::from_str(&p.read("out.json")).unwrap();
    let names: Vec<&str> = run["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["release", "o1"], "{r}");
    r.stdout_has("release (baseline)");
    // stderr is not a terminal here: plain status lines instead of a bar.
    r.stderr_has("   Measuring warm-up 1 of 1 · ");
}

#[test]
fn too_few_runs_to_compare_are_refused_before_building() {
    let p = cli("cmp-fewruns");
    let r = p
        .tune(&["compare", "--min-runs", "3", "--max-runs", "3", "--", "10"])
        .fails();
    assert_eq!(r.code, Some(2), "a usage error:\n{r}");
    r.stderr_has("with at most 3 runs per variant nothing can be compared")
        .stderr_has("--max-runs 6");
    // Every usage mistake exits 2, whether clap or a later check finds it.
    for args in [
        &["compare", "--max-runs", "three"][..],
        &["compare", "--variant", "release=lto=fat", "--", "10"],
        &["compare", "--variants", "release,+lto=maybe", "--", "10"],
        &["build", "--variant", "lto=maybe"],
    ] {
        let r = p.tune(args).fails();
        assert_eq!(r.code, Some(2), "{r}");
    }
    assert!(!p.join("target").exists());
}

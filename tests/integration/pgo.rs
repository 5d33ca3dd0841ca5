//! `cargo tune pgo`: the one-shot flow and its steps on real fixture programs, with the real
//! llvm-profdata, and every error the user must be able to understand.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::utils::fixtures::{BRANCHY_CLI, HTTP_SERVICE};
use crate::utils::{Project, project, run_binary};

fn cli(name: &str) -> Project {
    project(name).file("src/main.rs", BRANCHY_CLI).build()
}

fn pgo_root(p: &Project, pkg: &str) -> PathBuf {
    let dir = p.join(format!("target/tune/pgo/{pkg}/{pkg}"));
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(subdirs.len(), 1, "one configuration profiled: {subdirs:?}");
    subdirs.pop().unwrap()
}

fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .collect()
        })
        .unwrap_or_default()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn one_shot_on_a_cli_with_args() {
    let p = cli("pgo-cli");
    let r = p.tune(&["pgo", "--", "200000"]).ok();
    let optimized = r.last_line();
    assert!(optimized.contains("/target/tune/"), "{r}");
    assert!(run_binary(optimized, &["1000"]).starts_with("result="));
    r.stderr_has("Finished")
        .stderr_has("PGO for `release`: 1 raw profile;")
        .stderr_has("profile covers")
        .stderr_has("optimized build");
    let root = pgo_root(&p, "pgo-cli");
    assert_eq!(files_with_ext(&root, "profdata").len(), 1);
    // Raw files are named %m_%p: the binary signature, then the pid.
    let raw = files_with_ext(&root.join("raw"), "profraw");
    assert_eq!(raw.len(), 1, "{raw:?}");
    let name = raw[0].file_name().unwrap().to_str().unwrap().to_string();
    assert_eq!(name.matches('_').count(), 2, "{name}");
}

#[test]
fn configured_workloads_and_identical_settings_in_both_builds() {
    let p = project("pgo-cfg")
        .file("src/main.rs", BRANCHY_CLI)
        .manifest_extra(
            "[[package.metadata.tune.workload]]\nname = \"small\"\nargs = [\"50000\"]\nrepeat = 2\n\n\
             [[package.metadata.tune.workload]]\nname = \"big\"\nargs = [\"100000\"]\n",
        )
        .build();
    let r = p
        .tune(&["pgo", "--variant", "lto=thin,codegen-units=2"])
        .ok();
    r.stderr_has("workload `small`")
        .stderr_has("workload `big`")
        .stderr_has("3 raw profiles");
    // Each build's record holds the exact variant it was built with.
    let records: Vec<serde_json::Value> = std::fs::read_dir(p.join("target/tune"))
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cargo-tune-build-pgo-cfg-pgo-cfg.json")).ok())
        .map(|b| serde_json::from_slice(&b).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "instrumented and optimized builds");
    let stages: Vec<&str> = records
        .iter()
        .map(|r| r["variant"]["stage"]["kind"].as_str().unwrap())
        .collect();
    assert!(
        stages.contains(&"pgo-instrumented") && stages.contains(&"pgo-optimized"),
        "{stages:?}"
    );
    assert_eq!(
        records[0]["variant"]["settings"],
        records[1]["variant"]["settings"]
    );
    assert_eq!(records[0]["variant"]["settings"]["lto"], "thin");
    // Only the chosen workload runs with --workload; an unknown one lists the known ones.
    p.tune(&[
        "pgo",
        "run",
        "--variant",
        "lto=thin,codegen-units=2",
        "--workload",
        "small",
    ])
    .ok();
    p.tune(&["pgo", "--workload", "huge"])
        .fails()
        .stderr_has("no workload `huge`")
        .stderr_has("small, big");
}

#[test]
fn steps_run_alone_and_build_scripts_stay_uninstrumented() {
    let p = project("pgo-steps")
        .file("src/main.rs", BRANCHY_CLI)
        .file(
            "build.rs",
            "fn main() { println!(\"cargo:rerun-if-changed=build.rs\"); }",
        )
        .build();
    let instrumented = p.tune(&["pgo", "instrument"]).ok();
    let root = pgo_root(&p, "pgo-steps");
    // A build script compiled with -Cprofile-generate would have written a profile when cargo ran it.
    assert!(files_with_ext(&root.join("raw"), "profraw").is_empty());
    instrumented.stderr_has("LLVM_PROFILE_FILE=");
    p.tune(&["pgo", "run", "--", "30000"]).ok();
    p.tune(&["pgo", "run", "--", "40000"])
        .ok()
        .stderr_has("2 in");
    let merged = p.tune(&["pgo", "merge"]).ok();
    assert!(merged.last_line().ends_with(".profdata"), "{merged}");
    let optimized = p.tune(&["pgo", "optimize"]).ok();
    assert!(run_binary(optimized.last_line(), &["10"]).starts_with("result="));
    // A new instrument starts afresh unless --keep-profiles.
    p.tune(&["pgo", "instrument", "--keep-profiles"]).ok();
    assert_eq!(files_with_ext(&root.join("raw"), "profraw").len(), 2);
    p.tune(&["pgo", "instrument"]).ok();
    assert!(files_with_ext(&root.join("raw"), "profraw").is_empty());
    p.tune(&["pgo", "optimize"])
        .fails()
        .stderr_has("no PGO profile");
    p.tune(&["pgo", "clean"]).ok();
    assert!(!p.join("target/tune/pgo/pgo-steps/pgo-steps").exists());
}

#[test]
fn gathering_from_tests() {
    let test = "\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn steps() { assert_ne!(super::step(5, 3), 0); }\n}\n";
    let p = project("pgo-tests")
        .file("src/main.rs", &format!("{BRANCHY_CLI}{test}"))
        .build();
    let r = p.tune(&["pgo", "--tests"]).ok();
    r.stderr_has("cargo test --tests");
    assert!(run_binary(r.last_line(), &["10"]).starts_with("result="));
}

#[test]
fn custom_profile_workspace_member_and_user_rustflags() {
    let p = project("pgo-ws")
        .file("Cargo.toml", "[workspace]\nmembers = [\"app\", \"other\"]\n\n[profile.fast]\ninherits = \"release\"\n")
        .file("app/Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
        .file("app/src/main.rs", BRANCHY_CLI)
        .file("other/Cargo.toml", "[package]\nname = \"other\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
        .file("other/src/main.rs", "fn main() {}")
        .build();
    std::fs::remove_file(p.join("src/main.rs")).unwrap();
    let r = p
        .tune(&["--profile", "fast", "-p", "app", "pgo", "--", "20000"])
        .env("RUSTFLAGS", "--cfg from_user")
        .ok();
    assert!(r.last_line().contains("/fast/app"), "{r}");
    assert!(
        run_binary(r.last_line(), &["10"]).contains("user=true"),
        "user's RUSTFLAGS kept"
    );
    assert!(p.join("target/tune/pgo/app/app").is_dir());
}

fn service_project(name: &str, port: u16, mode: &str) -> Project {
    let args = if mode.is_empty() {
        format!("[\"--port\", \"{port}\"]")
    } else {
        format!("[\"--port\", \"{port}\", \"{mode}\"]")
    };
    project(name)
        .file("src/main.rs", HTTP_SERVICE)
        .manifest_extra(&format!(
            "[[package.metadata.tune.workload]]\nname = \"api\"\nkind = \"service\"\nargs = {args}\n\
             ready = \"http://127.0.0.1:{port}/health\"\nstop-grace = \"300ms\"\n\
             load = {{ url = \"http://127.0.0.1:{port}/api\", concurrency = 4, requests = 400 }}\n"
        ))
        .build()
}

#[test]
fn service_flow_gathers_a_profile_after_sigterm() {
    let p = service_project("pgo-svc", free_port(), "");
    let r = p.tune(&["pgo"]).ok();
    r.stderr_has("workload `api` (service)")
        .stderr_has("1 raw profile;");
    assert!(Path::new(r.last_line()).is_file());
}

#[test]
fn service_without_sigterm_handler_is_explained() {
    let p = service_project("pgo-nohandler", free_port(), "--no-handler");
    let r = p.tune(&["pgo"]).fails();
    r.stderr_has("wrote no profile")
        .stderr_has("no handler for SIGTERM")
        .stderr_has("Handle SIGTERM");
}

#[test]
fn service_ignoring_sigterm_is_explained() {
    let p = service_project("pgo-ignore", free_port(), "--ignore-signals");
    let r = p.tune(&["pgo"]).fails();
    r.stderr_has("SIGKILL").stderr_has("writes no profile");
}

#[test]
fn crashed_command_is_explained() {
    let p = cli("pgo-crash");
    let r = p.tune(&["pgo", "--", "abort"]).fails();
    r.stderr_has("failed while gathering profiles")
        .stderr_has("SIGABRT");
    p.write(
        "Cargo.toml",
        &format!(
            "{}\n[[package.metadata.tune.workload]]\nname = \"crash\"\nargs = [\"abort\"]\nallow-failure = true\n",
            p.read("Cargo.toml")
        ),
    );
    p.tune(&["pgo"])
        .fails()
        .stderr_has("workload `crash` wrote no profile")
        .stderr_has("killed by signal 6 (SIGABRT)");
}

#[test]
fn mismatched_llvm_profdata_is_never_run() {
    let p = cli("pgo-oldtool");
    let marker = p.join("ran");
    let fake = p.join("fake/llvm-profdata");
    p.write(
        "fake/llvm-profdata",
        &format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'LLVM version 14.0.6'; exit 0; fi\ntouch {}\n",
            marker.display()
        ),
    );
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = p
        .tune(&["pgo", "--", "1000"])
        .env("CARGO_TUNE_LLVM_PROFDATA", &fake)
        .fails();
    r.stderr_has("no `llvm-profdata` for LLVM")
        .stderr_has("LLVM 14.0.6 does not match")
        .stderr_has("apt-get install llvm-");
    assert!(!marker.exists(), "the mismatched tool was run");
    // Only the lock file, which every building command takes first.
    let built: Vec<_> = std::fs::read_dir(p.join("target/tune"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != ".tune-lock")
        .collect();
    assert!(
        built.is_empty(),
        "nothing built before the tool check: {built:?}"
    );
}

#[test]
fn corrupt_raw_profile_is_named_and_can_be_skipped() {
    let p = cli("pgo-badraw");
    p.tune(&["pgo", "instrument"]).ok();
    p.tune(&["pgo", "run", "--", "5000"]).ok();
    let raw = pgo_root(&p, "pgo-badraw").join("raw");
    std::fs::write(raw.join("garbage_1.profraw"), b"this is not a profile").unwrap();
    p.tune(&["pgo", "merge"])
        .fails()
        .stderr_has("garbage_1.profraw")
        .stderr_has("--ignore-bad-profiles");
    let r = p.tune(&["pgo", "merge", "--ignore-bad-profiles"]).ok();
    r.stderr_has("skipping 1 unreadable");
}

#[test]
fn unusable_profile_is_an_error_not_a_silent_no_op() {
    let p = cli("pgo-corrupt");
    p.tune(&["pgo", "instrument"]).ok();
    p.tune(&["pgo", "run", "--", "5000"]).ok();
    let merged = p.tune(&["pgo", "merge"]).ok();
    std::fs::write(merged.last_line(), b"garbage").unwrap();
    p.tune(&["pgo", "optimize"])
        .fails()
        .stderr_has("invalid instrumentation profile data")
        .stderr_has("no PGO at all");
}

#[test]
fn new_raw_profiles_invalidate_an_earlier_merge() {
    let p = cli("pgo-remerge");
    p.tune(&["pgo", "instrument"]).ok();
    p.tune(&["pgo", "run", "--", "5000"]).ok();
    let first = p.tune(&["pgo", "merge"]).ok().last_line().to_string();
    p.tune(&["pgo", "run", "--", "90000"]).ok();
    let r = p.tune(&["pgo", "optimize"]).ok();
    r.stderr_has("Merging");
    let merged = files_with_ext(&pgo_root(&p, "pgo-remerge"), "profdata");
    assert_eq!(merged.len(), 1);
    assert_ne!(
        merged[0].display().to_string(),
        first,
        "the optimize step merged the new raw profiles"
    );
    // Each new profile rebuilds the one optimized dir in place: no dir per profile is left behind.
    let dirs = std::fs::read_dir(p.join("target/tune")).unwrap().count();
    p.tune(&["pgo", "--", "7000"]).ok();
    assert_eq!(
        std::fs::read_dir(p.join("target/tune")).unwrap().count(),
        dirs
    );
}

#[test]
fn a_profile_from_other_workloads_is_not_reused() {
    let p = cli("pgo-reuse");
    let args = [
        "compare",
        "--variants",
        "release,pgo",
        "--min-runs",
        "3",
        "--max-runs",
        "6",
    ];
    let first = p.tune(&[&args[..], &["--", "20000"]].concat()).ok();
    assert!(!first.stderr.contains("reusing"), "{first}");
    p.tune(&[&args[..], &["--", "20000"]].concat())
        .ok()
        .stderr_has("reusing the PGO profile");
    let other = p.tune(&[&args[..], &["--", "30000"]].concat()).ok();
    assert!(
        !other.stderr.contains("reusing"),
        "different workload, new profile:\n{other}"
    );
}

#[test]
fn changed_sources_are_reported() {
    let p = cli("pgo-changed");
    p.tune(&["pgo", "--", "20000"]).ok();
    // A new loop changes the control-flow graph (a plain if/else may fold into a select).
    let changed = BRANCHY_CLI.replace(
        "4 => state.wrapping_sub(i * 17),",
        "4 => { let mut t = state; for k in 0..(i % 5) { t = t.rotate_left(k as u32) ^ k; } t }",
    );
    p.write("src/main.rs", &changed);
    let r = p.tune(&["pgo", "optimize"]).ok();
    r.stderr_has("hash mismatch")
        .stderr_has("sources changed since profiling");
}

/// A CLI whose profile counts differ on every run (the loop length depends on the clock), as a
/// threaded program's do: a profile gathered again has another content and another name.
const JITTERY_CLI: &str = r#"
fn main() {
    let n: u64 = std::env::args().nth(1).unwrap().parse().unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    let mut s = 1u64;
    for i in 0..n + nanos % 1000 {
        s = if i % 3 == 0 { s.rotate_left(5) ^ i } else { s.wrapping_mul(31) + i };
    }
    println!("{s}");
}
"#;

#[test]
fn the_pgo_command_after_compare_reuses_its_build() {
    let p = project("pgo-after")
        .file("src/main.rs", JITTERY_CLI)
        .build();
    // $CARGO logs every cargo call; the workspace wrapper logs every compilation of this crate.
    let calls = p.join("cargo-calls.log");
    let compiles = p.join("compiles.log");
    let real_cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    p.write(
        "wrap/cargo",
        &format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{real_cargo}' \"$@\"\n",
            calls.display()
        ),
    );
    p.write(
        "wrap/rustc",
        &format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec \"$@\"\n",
            compiles.display()
        ),
    );
    for f in ["wrap/cargo", "wrap/rustc"] {
        std::fs::set_permissions(p.join(f), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let tune = |args: &[&str]| {
        p.tune(args)
            .env("CARGO", p.join("wrap/cargo"))
            .env("RUSTC_WORKSPACE_WRAPPER", p.join("wrap/rustc"))
    };
    let lines = |f: &Path| std::fs::read_to_string(f).map_or(0, |t| t.lines().count());
    tune(&[
        "compare",
        "--variants",
        "release,pgo",
        "--min-runs",
        "6",
        "--max-runs",
        "6",
        "--",
        "20000",
    ])
    .ok();
    assert!(
        lines(&compiles) >= 3,
        "compare compiled release, instrumented and optimized"
    );
    let _ = std::fs::remove_file(&calls);
    let _ = std::fs::remove_file(&compiles);

    // What `cargo tune pgo` prints after compare: its profile and cached build are reused.
    let r = tune(&["pgo", "--", "20000"]).ok();
    r.stderr_has("reusing the PGO profile gathered earlier")
        .stderr_has("pgo clean` gathers afresh");
    assert_eq!(
        lines(&calls),
        3,
        "metadata, instrumented and optimized build:\n{}",
        std::fs::read_to_string(&calls).unwrap_or_default()
    );
    assert_eq!(lines(&compiles), 0, "nothing recompiled:\n{r}");
    assert!(
        run_binary(r.last_line(), &["10"])
            .trim()
            .parse::<u64>()
            .is_ok()
    );

    // Gathered afresh, the profile has other counts and the optimized build compiles again.
    tune(&["pgo", "clean"]).ok();
    let _ = std::fs::remove_file(&compiles);
    let r = tune(&["pgo", "--", "20000"]).ok();
    assert!(!r.stderr.contains("reusing"), "{r}");
    assert!(lines(&compiles) >= 1, "{r}");
}

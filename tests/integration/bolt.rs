//! `cargo tune bolt` and BOLT rows in `compare`: real cargo, rustc, llvm-bolt and merge-fdata
//! on fixture programs, and every fault the user must be able to understand.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use object::{Object, ObjectSection};
use serde_json::Value;

use crate::utils::fixtures::{BRANCHY_CLI, HTTP_SERVICE};
use crate::utils::{Project, project, run_binary};

fn cli(name: &str) -> Project {
    project(name).file("src/main.rs", BRANCHY_CLI).build()
}

fn sections(path: &str) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    file.sections()
        .filter_map(|s| s.name().ok().map(String::from))
        .collect()
}

#[test]
fn one_shot_flow_same_output_and_cached() {
    let p = cli("bolt-cli");
    let r = p.tune(&["bolt", "--", "200000"]).ok();
    let optimized = r.last_line().to_string();
    assert!(
        optimized.contains("/target/tune/") && optimized.contains("/bolt/"),
        "{r}"
    );
    r.stderr_has("Instrumenting")
        .stderr_has("1 raw profile(s)")
        .stderr_has("have a profile")
        .stderr_has("dyno-stats: executed instructions");
    let s = sections(&optimized);
    assert!(s.iter().any(|n| n == ".note.bolt_info"), "{s:?}");
    // The BOLTed binary computes what the plain build computes.
    let plain = p.tune(&["build", "--variant", "release"]).ok();
    for n in ["1000", "123457"] {
        assert_eq!(
            run_binary(&optimized, &[n]),
            run_binary(plain.last_line(), &[n])
        );
    }
    // BOLT never touched cargo's artifact: the input still has no BOLT note.
    let input = std::fs::read_dir(p.join("target/tune"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|d| d.join("bolt").is_dir())
        .unwrap();
    let artifact = input.join(format!("{}/release/bolt-cli", host()));
    let s = sections(artifact.to_str().unwrap());
    assert!(!s.iter().any(|n| n == ".note.bolt_info"));
    assert!(
        s.iter().any(|n| n == ".rela.text"),
        "built with --emit-relocs"
    );
    // Unchanged input and profile: optimizing again does nothing.
    let again = p.tune(&["bolt", "optimize"]).ok();
    assert_eq!(again.last_line(), optimized);
    assert!(!again.stderr.contains("Optimizing"), "{again}");
}

#[test]
fn strip_true_is_applied_after_bolt() {
    let p = project("bolt-strip")
        .file("src/main.rs", BRANCHY_CLI)
        .manifest_extra("[profile.release]\nstrip = true\n")
        .build();
    let r = p.tune(&["bolt", "--", "100000"]).ok();
    r.stderr_has("strip = \"symbols\"");
    let out = r.last_line();
    let s = sections(out);
    assert!(s.iter().any(|n| n == ".note.bolt_info"), "{s:?}");
    assert!(
        !s.iter().any(|n| n == ".symtab"),
        "stripped after BOLT: {s:?}"
    );
    assert!(run_binary(out, &["1000"]).starts_with("result="));
}

#[test]
fn bolt_failure_is_reported_as_failure() {
    let p = cli("bolt-fail");
    let r = p
        .tune(&["bolt", "--bolt-args", "-no-such-bolt-flag", "--", "1000"])
        .fails();
    r.stderr_has("llvm-bolt failed")
        .stderr_has("no-such-bolt-flag")
        .stderr_has("nothing was written");
    assert!(!r.stdout.contains("/optimized/"), "{r}");

    // A BOLT that crashes while optimizing (a wrapper that kills itself with SIGSEGV).
    let real = which("llvm-bolt-22");
    let fake = p.join("crashing-bolt");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in -instrument|--version) exec {} \"$@\";; esac; done\nkill -SEGV $$\n",
            real.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = p
        .tune(&["bolt", "--", "1000"])
        .env("CARGO_TUNE_LLVM_BOLT", &fake)
        .fails();
    r.stderr_has("llvm-bolt crashed").stderr_has("SIGSEGV");
    let leftovers: Vec<_> = walk(&p.join("target/tune"))
        .into_iter()
        .filter(|f| f.to_string_lossy().contains("/optimized/"))
        .collect();
    assert!(leftovers.is_empty(), "half-written output: {leftovers:?}");

    // `bolt-args` in the metadata replaces the default flags too.
    let manifest =
        p.read("Cargo.toml") + "\n[package.metadata.tune]\nbolt-args = [\"-from-metadata-flag\"]\n";
    p.write("Cargo.toml", &manifest);
    p.tune(&["bolt", "--", "1000"])
        .fails()
        .stderr_has("llvm-bolt failed")
        .stderr_has("from-metadata-flag");
}

#[test]
fn missing_profile_and_missing_workload_are_explained() {
    let p = cli("bolt-noprof");
    p.tune(&["bolt", "optimize"])
        .fails()
        .stderr_has("no BOLT profile for `release+bolt`")
        .stderr_has("cargo tune bolt instrument")
        .stderr_has("cargo tune bolt run");
    p.tune(&["bolt"])
        .fails()
        .stderr_has("no workload to gather a BOLT profile");
    // A missing tool says what to install, before anything is built.
    let r = p
        .tune(&["bolt", "--", "10"])
        .env("CARGO_TUNE_LLVM_BOLT", "/nonexistent/llvm-bolt")
        .fails();
    r.stderr_has("no `llvm-bolt` for LLVM")
        .stderr_has("apt-get install bolt-");
    assert!(!r.stderr.contains("Building"), "{r}");
    // A run that aborts writes no .fdata.
    p.tune(&["bolt", "--", "abort"])
        .fails()
        .stderr_has("BOLT-instrumented binary")
        .stderr_has("SIGABRT");
}

#[test]
fn steps_run_alone() {
    let p = cli("bolt-steps");
    let inst = p.tune(&["bolt", "instrument"]).ok();
    inst.stderr_has("bolt run");
    assert!(Path::new(inst.last_line()).is_file());
    p.tune(&["bolt", "run", "--", "5000"])
        .ok()
        .stderr_has("1 raw BOLT profile(s); 1 in");
    p.tune(&["bolt", "run", "--", "7000"])
        .ok()
        .stderr_has("1 raw BOLT profile(s); 2 in");
    let merged = p.tune(&["bolt", "merge"]).ok();
    assert!(merged.last_line().ends_with(".fdata"));
    let out = p.tune(&["bolt", "optimize"]).ok();
    assert!(run_binary(out.last_line(), &["10"]).starts_with("result="));
    p.tune(&["bolt", "clean"]).ok().stderr_has("Removed");
    p.tune(&["bolt", "clean"]).ok().stderr_has("no BOLT data");
}

#[test]
fn service_profile_needs_a_clean_exit() {
    let port = crate::utils::free_port();
    let p = project("bolt-svc")
        .file("src/main.rs", HTTP_SERVICE)
        .manifest_extra(&format!(
            "[[package.metadata.tune.workload]]\nname = \"api\"\nkind = \"service\"\n\
             args = [\"--port\", \"{port}\", \"--no-handler\"]\n\
             ready = \"http://127.0.0.1:{port}/health\"\nstop-grace = \"300ms\"\n\
             load = {{ url = \"http://127.0.0.1:{port}/api\", concurrency = 4, requests = 400 }}\n"
        ))
        .build();
    p.tune(&["bolt"])
        .fails()
        .stderr_has("wrote no BOLT profile")
        .stderr_has("no handler for SIGTERM");
    let m = p.read("Cargo.toml").replace(", \"--no-handler\"", "");
    p.write("Cargo.toml", &m);
    let r = p.tune(&["bolt"]).ok();
    r.stderr_has("1 raw profile(s)");
}

#[test]
fn compare_measures_bolt_rows() {
    let p = cli("bolt-cmp");
    let r = p
        .tune(&[
            "compare",
            "--variants",
            "release,+bolt,pgo+bolt",
            "--min-runs",
            "3",
            "--max-runs",
            "6",
            "--json",
            "out.json",
            "--",
            "300000",
        ])
        .ok();
    r.stdout_has("+bolt").stdout_has("pgo+bolt");
    let run: Value = serde_json::from_str(&p.read("out.json")).unwrap();
    let variants = run["variants"].as_array().unwrap();
    for v in &variants[1..] {
        assert_eq!(v["variant"]["bolt"], true, "{v}");
        let binary = v["build"]["binary"].as_str().unwrap();
        assert!(binary.contains("/bolt/"), "{binary}");
        assert!(v["measurements"][0]["samples"].as_array().unwrap().len() >= 3);
        // BOLT keeps the symbol table of an unstripped binary: its bytes per crate come from it.
        let crates = v["build"]["crates"].as_array().unwrap();
        assert!(crates.iter().any(|c| c["name"] == "std"), "{crates:?}");
    }
    assert_eq!(variants[2]["variant"]["stage"]["kind"], "pgo-optimized");
    assert_eq!(variants[1]["build"]["builds"], 2);
    assert_eq!(variants[2]["build"]["builds"], 3);
}

fn host() -> String {
    let out = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(String::from))
        .unwrap()
}

fn which(name: &str) -> std::path::PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not installed (`.ci/run` installs bolt-22)"))
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

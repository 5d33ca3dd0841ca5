//! One training per code revision: a PGO profile gathered on one configuration's instrumented
//! build optimizes another configuration of the same code (real cargo, rustc, llvm-profdata),
//! with the mismatch count reported; every cargo call is counted through a `$CARGO` wrapper.

use std::os::unix::fs::PermissionsExt;

use crate::utils::fixtures::BRANCHY_CLI;
use crate::utils::project;

/// A `cargo` that logs each call (its arguments and the rustflags cargo-tune gave it), then
/// runs the real one.
fn logging_cargo(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let real = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let log = dir.join("cargo-calls.log");
    let wrapper = dir.join("logging-cargo");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nprintf '%s | %s\\n' \"$*\" \"$(printf %s \"$CARGO_ENCODED_RUSTFLAGS\" | tr '\\037' ' ')\" >> '{}'\nexec '{real}' \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    (wrapper, log)
}

/// `release+pgo` and the same configuration for another CPU level: before, each was
/// instrumented and trained (two instrumented builds, two trainings); now the second is
/// optimized with the first one's profile, and rustc's count of functions it could not match
/// (none: target-cpu does not change the crate's codegen-unit names) is reported.
#[test]
fn one_instrumented_training_optimizes_two_configurations() {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    let p = project("reuse-pgo")
        .file("src/main.rs", BRANCHY_CLI)
        .build();
    let (cargo, log) = logging_cargo(p.path());
    let r = p
        .tune(&[
            "compare",
            "--variants",
            "pgo",
            "--variant",
            "v2=target-cpu=x86-64-v2,pgo",
            "--min-runs",
            "6",
            "--max-runs",
            "6",
            "--",
            "100000",
        ])
        .env("CARGO", &cargo)
        .ok();
    let calls = std::fs::read_to_string(&log).unwrap();
    let builds: Vec<&str> = calls.lines().filter(|l| l.starts_with("build ")).collect();
    let instrumented = builds
        .iter()
        .filter(|l| l.contains("-Cprofile-generate="))
        .count();
    let optimized: Vec<&str> = builds
        .iter()
        .filter_map(|l| l.split("-Cprofile-use=").nth(1))
        .map(|rest| rest.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(instrumented, 1, "one instrumented build:\n{calls}");
    assert_eq!(optimized.len(), 2, "two optimized builds:\n{calls}");
    assert_eq!(optimized[0], optimized[1], "one profile for both:\n{calls}");
    assert_eq!(builds.len(), 3, "no other build:\n{calls}");
    assert!(
        builds[2].contains("-Ctarget-cpu=x86-64-v2"),
        "the shared profile optimized the other CPU level:\n{calls}"
    );
    r.stderr_has(
        "v2: optimized with the profile trained on `release` (0 mismatched and 0 missing of the profile's",
    );
}

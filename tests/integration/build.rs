//! `cargo tune build`: variant builds, per-variant caching, and the user's rustflags surviving.

use crate::utils::{project, run_binary};

fn host() -> String {
    let out = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap()
        .to_string()
}

#[test]
fn builds_a_variant_and_a_second_build_is_a_noop() {
    let p = project("noop").build();
    let first = p
        .tune(&["build", "--variant", "lto=thin,codegen-units=4"])
        .ok();
    let bin = first.last_line().to_string();
    assert!(bin.contains("/target/tune/"), "{first}");
    assert_eq!(run_binary(&bin, &[]), "hello\n");
    first.stderr_has("cold build took");

    // Another variant in its own dir does not invalidate the first.
    let other = p.tune(&["build", "--variant", "opt-level=1"]).ok();
    assert_ne!(other.last_line(), bin);
    let again = p
        .tune(&["build", "--variant", "lto=thin,codegen-units=4"])
        .ok();
    assert_eq!(again.last_line(), bin);
    again.stderr_has("up to date");

    // The user's Cargo.toml is never touched.
    assert!(!p.read("Cargo.toml").contains("lto"));
}

#[test]
fn presets_and_profile_overrides_reach_cargo() {
    // panic=abort is observable: catch_unwind cannot catch anything.
    let main = r#"fn main() {
        let caught = std::panic::catch_unwind(|| panic!("boom")).is_err();
        println!("caught={caught}");
    }"#;
    let p = project("panicky").file("src/main.rs", main).build();
    let unwind = p.tune(&["build"]).ok();
    assert!(run_binary(unwind.last_line(), &[]).contains("caught=true"));
    let abort = p.tune(&["-q", "build", "--variant", "production"]).ok();
    let out = std::process::Command::new(abort.last_line())
        .output()
        .unwrap();
    assert!(!out.status.success(), "panic=abort binary should abort");
    assert!(abort.stderr.is_empty(), "-q keeps stderr quiet: {abort}");
}

const FLAGS_MAIN: &str = r#"fn main() {
    println!("user={} variant={}", cfg!(from_user), cfg!(from_variant));
}"#;

fn flags_project(name: &str) -> crate::utils::Project {
    project(name).file("src/main.rs", FLAGS_MAIN).build()
}

fn assert_both_flags(p: &crate::utils::Project, env: &[(&str, &str)]) {
    let mut cmd = p.tune(&[
        "build",
        "--variant",
        "opt-level=2,rustflags=--cfg from_variant",
    ]);
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    let r = cmd.ok();
    assert_eq!(
        run_binary(r.last_line(), &[]),
        "user=true variant=true\n",
        "{r}"
    );
}

#[test]
fn keeps_build_rustflags_from_config() {
    let p = flags_project("cfg-build");
    p.write(
        ".cargo/config.toml",
        "[build]\nrustflags = [\"--cfg\", \"from_user\"]\n",
    );
    assert_both_flags(&p, &[]);
}

#[test]
fn keeps_target_rustflags_from_config() {
    let p = flags_project("cfg-target");
    p.write(
        ".cargo/config.toml",
        &format!("[target.{}]\nrustflags = \"--cfg from_user\"\n", host()),
    );
    assert_both_flags(&p, &[]);
    p.write(
        ".cargo/config.toml",
        "[target.'cfg(unix)']\nrustflags = [\"--cfg\", \"from_user\"]\n",
    );
    assert_both_flags(&p, &[]);
}

#[test]
fn keeps_rustflags_from_environment() {
    let p = flags_project("env-flags");
    // RUSTFLAGS wins over config, as in cargo: the config flag must not appear.
    p.write(
        ".cargo/config.toml",
        "[build]\nrustflags = [\"--cfg\", \"from_config\"]\n",
    );
    assert_both_flags(&p, &[("RUSTFLAGS", "--cfg from_user")]);
    assert_both_flags(&p, &[("CARGO_ENCODED_RUSTFLAGS", "--cfg\u{1f}from_user")]);
}

#[test]
fn failing_build_names_the_variant_and_shows_rustc_errors() {
    let p = project("broken")
        .file("src/main.rs", "fn main() { let x: u32 = \"no\"; }\n")
        .build();
    let r = p.tune(&["build", "--variant", "lto=fat"]).fails();
    r.stderr_has("building variant `lto=fat`")
        .stderr_has("mismatched types");
    assert!(r.stdout.is_empty());
}

#[test]
fn every_build_names_the_host_target() {
    // With --target, rustflags reach only target units: build scripts and proc-macros stay
    // plain (for PGO, `pgo::steps_run_alone_and_build_scripts_stay_uninstrumented` shows it).
    let p = project("hostonly").build();
    let r = p.tune(&["build", "--variant", "target-cpu=x86-64"]).ok();
    assert!(
        r.last_line().contains(&format!("/{}/release/", host())),
        "{r}"
    );
}

#[test]
fn clean_removes_builds_and_keeps_results() {
    let p = project("clean").build();
    p.tune(&["build"]).ok();
    std::fs::create_dir_all(p.join("target/tune/results")).unwrap();
    p.write("target/tune/results/x.json", "{}");
    p.tune(&["clean"])
        .ok()
        .stderr_has("Removed 1 entry, ")
        .stderr_has("results kept");
    let left = || {
        let mut names: Vec<_> = std::fs::read_dir(p.join("target/tune"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    // The lock file stays, so a run waiting on it and a new one always lock the same file.
    assert_eq!(left(), [".tune-lock", "results"]);
    p.tune(&["clean", "--all"]).ok();
    assert_eq!(left(), [".tune-lock"]);
}

#[test]
fn clean_counts_hard_linked_binaries_once() {
    let p = project("clean-links").build();
    p.tune(&["build"]).ok();
    // Cargo hard-links the binary from deps/ into the profile dir: both names, one file.
    let tune = p.join("target/tune");
    let freed = du_bytes(&tune);
    let r = p.tune(&["clean"]).ok();
    let said = r
        .stderr
        .split("entry, ")
        .nth(1)
        .and_then(|s| s.split(" from ").next())
        .unwrap()
        .to_string();
    let unique = cargo_tune::api::ui::format_bytes(freed);
    assert_eq!(said, unique, "{r}");
}

/// Bytes of the files under `dir`, each inode once (what removing it frees).
fn du_bytes(dir: &std::path::Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    fn walk(dir: &std::path::Path, seen: &mut std::collections::HashSet<u64>) -> u64 {
        let mut total = 0;
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let meta = e.path().symlink_metadata().unwrap();
            if meta.is_dir() {
                total += walk(&e.path(), seen);
            } else if e.file_name() != ".tune-lock" && seen.insert(meta.ino()) {
                total += meta.len();
            }
        }
        total
    }
    walk(dir, &mut Default::default())
}

//! `cargo tune doctor`: toolchain report, LLVM tool matching, configuration warnings, exit status.

use std::os::unix::fs::PermissionsExt;

use crate::utils::project;

fn llvm_major() -> String {
    let out = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let v = text
        .lines()
        .find_map(|l| l.strip_prefix("LLVM version: "))
        .unwrap();
    v.split('.').next().unwrap().to_string()
}

#[test]
fn reports_toolchain_and_tools() {
    let p = project("doc").build();
    let r = p.tune(&["doctor"]).ok();
    r.stdout_has("rustc").stdout_has(&format!(
        "LLVM tools (must match rustc's LLVM {})",
        llvm_major()
    ));
    r.stdout_has("llvm-profdata")
        .stdout_has("profiler       present")
        .stdout_has("linker")
        .stdout_has("PGO: ready");
    let json = p.tune(&["doctor", "--json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["pgo_ready"], true);
}

#[test]
fn mismatched_llvm_profdata_is_skipped_with_install_hint() {
    let p = project("doc-mismatch").build();
    let fake = p.join("fake/llvm-profdata");
    p.write(
        "fake/llvm-profdata",
        "#!/bin/sh\necho 'Debian LLVM version 14.0.6'\n",
    );
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = p
        .tune(&["doctor"])
        .env("CARGO_TUNE_LLVM_PROFDATA", &fake)
        .run();
    assert_eq!(r.code, Some(1), "PGO cannot run, so doctor fails:\n{r}");
    let major = llvm_major();
    r.stdout_has(&format!("LLVM 14.0.6 does not match rustc's LLVM {major}"));
    r.stdout_has(&format!("apt-get install llvm-{major}"))
        .stdout_has("rustup component add llvm-tools-preview");
    r.stdout_has("PGO: not ready");
}

#[test]
fn warns_about_project_configuration() {
    let p = project("doc-lints")
        .file("Cargo.toml", "[workspace]\nmembers = [\"app\"]\n")
        .file(
            "app/Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[profile.release]\nlto = true\n",
        )
        .file("app/src/main.rs", "fn main() {}")
        .file(".cargo/config.toml", "[build]\nrustflags = [\"-Ctarget-cpu=native\"]\n")
        .build();
    std::fs::remove_file(p.join("src/main.rs")).unwrap();
    let r = p.tune(&["doctor"]).ok();
    r.stdout_has("target-cpu-native")
        .stdout_has("member-profile")
        .stdout_has("is ignored by cargo");
}

#[test]
fn works_outside_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let r = crate::utils::tune_in(dir.path(), &["doctor"]).ok();
    r.stdout_has("not checked").stdout_has("llvm-profdata");
}

#[test]
fn a_broken_tune_table_is_an_error_and_workloads_are_listed() {
    let p = project("doc-badcfg")
        .manifest_extra("[[package.metadata.tune.workload]]\nname = \"w\"\narg = [\"x\"]\n")
        .build();
    let r = p.tune(&["doctor"]).run();
    assert_eq!(r.code, Some(1), "{r}");
    r.stdout_has("error[config]").stdout_has("arg");
    p.write(
        "Cargo.toml",
        &p.read("Cargo.toml").replace("arg =", "args ="),
    );
    p.tune(&["doctor"])
        .ok()
        .stdout_has("workload `w` (command): x");
}

#[test]
fn declares_the_platform() {
    let p = project("doc-platform").build();
    let r = p.tune(&["doctor"]).ok();
    r.stdout_has(&format!(
        "platform       {} {} (supported)",
        std::env::consts::OS,
        std::env::consts::ARCH
    ));
    let json = p.tune(&["doctor", "--json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["platform_supported"], true);
}

#[test]
fn a_library_package_is_told_how_to_point_at_a_binary() {
    let p = project("doc-lib")
        .file("src/lib.rs", "pub fn f() -> u32 { 1 }\n")
        .build();
    std::fs::remove_file(p.join("src/main.rs")).unwrap();
    let r = p.tune(&["doctor"]).fails();
    r.stdout_has("has no binary target (it is a library)")
        .stdout_has("cargo-tune tunes binaries, and this package is a library")
        .stdout_has("cargo tune -p APP doctor")
        .stdout_has("--manifest-path path/to/app/Cargo.toml doctor");
}

#[test]
fn configuration_errors_are_reported_as_such_by_doctor_and_every_command() {
    let cases = [
        (
            "budgett = \"5m\"\n",
            "at `budgett`: unknown field `budgett`",
        ),
        (
            "[[package.metadata.tune.workload]]\nname = \"w\"\nargs = [\"x\"]\nshell = \"true\"\n",
            "give either `args` or `shell`, not both",
        ),
        (
            "[[package.metadata.tune.workload]]\nname = \"w\"\ntimeout = \"0s\"\n",
            "`workload[0].timeout` must be more than zero",
        ),
        (
            "[[package.metadata.tune.workload]]\nname = \"api\"\nkind = \"service\"\n\
             ready = \"htp://127.0.0.1:3999/health\"\nload = { url = \"http://127.0.0.1:3999/\" }\n",
            "invalid `ready` value `htp://127.0.0.1:3999/health`",
        ),
    ];
    for (i, (table, error)) in cases.into_iter().enumerate() {
        let p = project(&format!("doc-cfg{i}"))
            .manifest_extra(&format!("[package.metadata.tune]\n{table}"))
            .build();
        let r = p.tune(&["doctor"]).run();
        assert_eq!(r.code, Some(1), "{r}");
        r.stdout_has("error[config]: invalid `[package.metadata.tune]` in ")
            .stdout_has("Cargo.toml")
            .stdout_has(error)
            .stdout_has("PGO: not ready");
        for wrong in ["no workloads configured", "PGO: ready", "pick the binary"] {
            assert!(!r.stdout.contains(wrong), "`{wrong}` in:\n{r}");
        }
        // The same message from a command that would run the workloads, before any build.
        p.tune(&["compare", "--", "x"]).fails().stderr_has(error);
        assert!(!p.join("target").exists(), "{r}");
    }
}

#[test]
fn a_workspace_with_two_binaries_is_told_to_pick_one_with_p() {
    let member = |name: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
    };
    let p = project("doc-two")
        .file("Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n")
        .file("a/Cargo.toml", &member("a"))
        .file("a/src/main.rs", "fn main() {}")
        .file("b/Cargo.toml", &member("b"))
        .file("b/src/main.rs", "fn main() {}")
        .build();
    std::fs::remove_file(p.join("src/main.rs")).unwrap();
    let r = p.tune(&["doctor"]).fails();
    r.stdout_has("error[target]: the workspace has several packages with binaries")
        .stdout_has("fix: pick the package to tune with -p")
        .stdout_has("PGO: not ready");
    assert!(!r.stdout.contains("no workloads configured"), "{r}");
    p.tune(&["-p", "a", "doctor"])
        .ok()
        .stdout_has("package `a`");
}

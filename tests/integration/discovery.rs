//! Project discovery and bad input: each mistake gets a clear error and changes nothing.

use crate::utils::{project, tune_in};

#[test]
fn not_a_cargo_project() {
    let dir = tempfile::tempdir().unwrap();
    let r = tune_in(dir.path(), &["build"]).fails();
    r.stderr_has("could not find `Cargo.toml`")
        .stderr_has("not a cargo project");
}

#[test]
fn missing_manifest_path() {
    let p = project("nomanifest").build();
    p.tune(&["--manifest-path", "nope/Cargo.toml", "build"])
        .fails()
        .stderr_has("does not exist");
}

#[test]
fn malformed_manifest_is_reported_and_untouched() {
    let p = project("malformed").build();
    let bad = "[package]\nname = \"malformed\"\nversion = 0.1.0\"\n";
    p.write("Cargo.toml", bad);
    let r = p.tune(&["build"]).fails();
    r.stderr_has("Cargo.toml:3:14").stderr_has("invalid float");
    assert_eq!(p.read("Cargo.toml"), bad);
}

#[test]
fn library_only_package() {
    let p = project("libonly")
        .file("src/lib.rs", "pub fn f() {}\n")
        .build();
    std::fs::remove_file(p.join("src/main.rs")).unwrap();
    p.tune(&["build"])
        .fails()
        .stderr_has("has no binary target");
}

#[test]
fn unknown_and_ambiguous_binaries() {
    let p = project("twobins")
        .file("src/bin/alpha.rs", "fn main() {}")
        .file("src/bin/beta.rs", "fn main() {}")
        .build();
    std::fs::remove_file(p.join("src/main.rs")).unwrap();
    p.tune(&["build"])
        .fails()
        .stderr_has("several binaries")
        .stderr_has("alpha, beta");
    p.tune(&["build", "--bin", "gamma"])
        .fails()
        .stderr_has("no binary `gamma`")
        .stderr_has("alpha, beta");
    let r = p.tune(&["build", "--bin", "beta"]).ok();
    assert!(r.last_line().ends_with("/beta"), "{r}");
}

#[test]
fn bin_from_tune_metadata() {
    let p = project("metabin")
        .file("src/bin/tool.rs", "fn main() {}")
        .manifest_extra("[package.metadata.tune]\nbin = \"tool\"\n")
        .build();
    let r = p.tune(&["build"]).ok();
    assert!(r.last_line().ends_with("/tool"), "{r}");
}

#[test]
fn unknown_variant_keys_and_values_list_valid_ones() {
    let p = project("badspec").build();
    p.tune(&["build", "--variant", "lto=huge"])
        .fails()
        .stderr_has("valid values: false, off, thin, fat");
    p.tune(&["build", "--variant", "speed=11"])
        .fails()
        .stderr_has("valid keys: opt-level");
    p.tune(&["build", "--variant", "fastest"])
        .fails()
        .stderr_has("valid presets: release, production");
}

#[test]
fn bad_tune_metadata_names_key_and_file() {
    let p = project("badmeta")
        .manifest_extra("[[package.metadata.tune.workload]]\nname = \"w\"\nargz = [\"x\"]\n")
        .build();
    let r = p.tune(&["build"]).fails();
    r.stderr_has("workload[0]")
        .stderr_has("argz")
        .stderr_has("Cargo.toml");
    let p = project("badtype")
        .manifest_extra("[package.metadata.tune]\ngoal = 3\n")
        .build();
    p.tune(&["build"]).fails().stderr_has("goal");
}

#[test]
fn workspace_member_selection() {
    let p = project("ws")
        .file(
            "Cargo.toml",
            "[workspace]\nmembers = [\"app\", \"tool\", \"lib\"]\nresolver = \"2\"\n",
        )
        .file(
            "app/Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        )
        .file("app/src/main.rs", "fn main() { println!(\"app\"); }")
        .file(
            "tool/Cargo.toml",
            "[package]\nname = \"tool\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        )
        .file("tool/src/main.rs", "fn main() { println!(\"tool\"); }")
        .file(
            "lib/Cargo.toml",
            "[package]\nname = \"lib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        )
        .file("lib/src/lib.rs", "")
        .build();
    std::fs::remove_file(p.join("src/main.rs")).unwrap();
    p.tune(&["build"])
        .fails()
        .stderr_has("pick one with -p: app, tool");
    let r = p.tune(&["build", "-p", "tool"]).ok();
    assert_eq!(crate::utils::run_binary(r.last_line(), &[]), "tool\n");
    // Artifacts go to the workspace target dir, as cargo's would.
    assert!(
        r.last_line()
            .starts_with(p.join("target/tune").to_str().unwrap()),
        "{r}"
    );
    p.tune(&["build", "-p", "nope"])
        .fails()
        .stderr_has("not a member");
    // From inside a member's directory, that member is picked.
    let r = crate::utils::tune_in(&p.join("app"), &["build"]).ok();
    assert_eq!(crate::utils::run_binary(r.last_line(), &[]), "app\n");
}

#[test]
fn target_dir_option_and_env() {
    let p = project("tdir").build();
    let custom = p.join("elsewhere");
    let r = p
        .tune(&["build", "--target-dir", custom.to_str().unwrap()])
        .ok();
    assert!(
        r.last_line()
            .starts_with(custom.join("tune").to_str().unwrap()),
        "{r}"
    );
    let env_dir = p.join("from-env");
    let r = p.tune(&["build"]).env("CARGO_TARGET_DIR", &env_dir).ok();
    assert!(
        r.last_line()
            .starts_with(env_dir.join("tune").to_str().unwrap()),
        "{r}"
    );
}

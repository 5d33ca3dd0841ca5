//! `cargo tune explain`, `compare --explain` and `check --explain` with real cargo, rustc and
//! valgrind: the bundled textproc example, a deterministic fixture (so a twin's count can be
//! compared with the shipped binary's exactly) and a git fixture whose change is one function.

use std::path::Path;

use serde_json::Value;

use crate::utils::fixtures::BRANCHY_CLI;
use crate::utils::{Project, git, project};

/// Copies a bundled example (sources and lock file, not its target dir) into a temp project.
fn example(name: &str) -> Project {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    let mut p = project(name);
    for rel in files(&root, Path::new("")) {
        let text = std::fs::read_to_string(root.join(&rel)).unwrap();
        p = p.file(&rel, &text);
    }
    p.build()
}

fn files(root: &Path, rel: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root.join(rel)).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let path = rel.join(&name);
        if entry.file_type().unwrap().is_dir() {
            if name != "target" {
                out.extend(files(root, &path));
            }
        } else {
            out.push(path);
        }
    }
    out
}

fn sum(items: &Value, key: &str) -> u64 {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[key].as_u64().unwrap())
        .sum()
}

/// The parts of an explanation add up to its totals exactly, per function and per crate.
fn assert_adds_up(e: &Value) {
    for side in ["a", "b"] {
        let total = e["total"][side].as_u64().unwrap();
        let rest = e["rest"][side].as_u64().unwrap();
        assert_eq!(sum(&e["functions"], side) + rest, total, "{side}: {e:#}");
        assert_eq!(sum(&e["crates"], side), total, "{side}: {e:#}");
    }
}

#[test]
fn textproc_release_against_production_names_its_functions_and_what_was_inlined() {
    let p = example("textproc");
    let r = p
        .tune(&[
            "explain",
            "--variants",
            "release,production",
            "--json",
            "explain.json",
            "--",
            "--size",
            "20000",
            "--seed",
            "7",
            "--format",
            "logfmt",
        ])
        .ok();
    r.stdout_has("Where the change comes from: A = release, B = production")
        .stdout_has("rest (every other function)")
        .stderr_has("Finished explaining in");
    let e: Value = serde_json::from_str(&p.read("explain.json")).unwrap();
    assert_eq!(e["metric"], "instructions");
    assert_eq!(e["total"], e["instructions"]);
    assert_adds_up(&e);
    let functions = e["functions"].as_array().unwrap();
    let own: Vec<&Value> = functions
        .iter()
        .filter(|f| f["crate"] == "textproc")
        .collect();
    assert!(
        own.iter()
            .any(|f| f["name"].as_str().unwrap().starts_with("textproc::")),
        "{functions:#?}"
    );
    // production (fat LTO, one codegen unit) inlines some of textproc's own functions away.
    let absent: Vec<&str> = own
        .iter()
        .filter(|f| f["a"].as_u64().unwrap() > 0 && f["b"] == 0)
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(!absent.is_empty(), "{functions:#?}");
    for name in &absent {
        let line = r
            .stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{}", r.stdout));
        assert!(line.contains("absent in B: inlined or removed"), "{line}");
    }
    // production's debug info (from its build with debug info) names where they went.
    let inlined = e["inlined"].as_array().unwrap();
    assert!(
        inlined
            .iter()
            .any(|o| absent.contains(&o["name"].as_str().unwrap())
                && o["build"] == "b"
                && o["partly"] == false
                && o["into"][0]
                    .as_str()
                    .is_some_and(|c| c.starts_with("textproc::"))),
        "{inlined:#?}"
    );
    // production is stripped: counted through a twin; release has its symbols.
    assert!(e["sides"][0]["twin"].is_null(), "{:#}", e["sides"]);
    assert!(e["sides"][1]["twin"].is_string(), "{:#}", e["sides"]);
}

fn deterministic(name: &str) -> Project {
    project(name)
        .file("src/main.rs", BRANCHY_CLI)
        .manifest_extra(
            "[[package.metadata.tune.workload]]\nname = \"spin\"\nargs = [\"200000\"]\n",
        )
        .build()
}

#[test]
fn compare_explain_reuses_its_counts_and_the_twin_counts_what_the_shipped_binary_does() {
    let p = deterministic("explain-twin");
    let r = p
        .tune(&[
            "compare",
            "--metric",
            "instructions",
            "--variants",
            "release,production",
            "--explain",
            "--json",
            "compare.json",
        ])
        .ok();
    r.stdout_has("Where the change comes from: A = release, B = production")
        .stdout_has("twin ran the binary's own code for exactly the same");
    let run: Value = serde_json::from_str(&p.read("compare.json")).unwrap();
    let e = &run["explain"][0];
    assert_adds_up(e);
    let (release, production) = (&e["sides"][0], &e["sides"][1]);
    assert_eq!(
        release["reused"], true,
        "the measured run is read: {release}"
    );
    // The twin (same code, symbols kept) executes the binary's own code for exactly as many
    // instructions as the stripped binary compare measured; only glibc's startup, which parses
    // /proc/self/maps (where valgrind's own memory shows), may differ by a few.
    let w = &production["witness"];
    assert_eq!(w["own_code_shipped"], w["own_code_twin"], "{production}");
    let measured = &run["variants"][1]["measurements"][0]["samples"][0]["instructions"];
    assert_eq!(&w["shipped_instructions"], measured);
    let (shipped, twin) = (
        w["shipped_instructions"].as_i64().unwrap(),
        w["twin_instructions"].as_i64().unwrap(),
    );
    assert!((shipped - twin).abs() < 100, "{w}");
    // And the twin without its symbol table (`strip -s`) counts exactly what was shipped.
    let twin_path = production["twin"].as_str().unwrap();
    let shipped_path = production["binary"].as_str().unwrap();
    assert_eq!(
        count_stripped_copy(twin_path, "a"),
        count_stripped_copy(shipped_path, "b")
    );

    // `explain` afterwards counts nothing again: both runs are kept.
    let again = p
        .tune(&["explain", "--variants", "production", "--json", "e.json"])
        .ok();
    again.stderr_has("Finished explaining in");
    assert!(!again.stderr.contains("Counting"), "{}", again.stderr);
    let e2: Value = serde_json::from_str(&p.read("e.json")).unwrap();
    assert_eq!(e2["sides"][0]["reused"], true);
    assert_eq!(e2["sides"][1]["reused"], true);
    assert_eq!(e2["total"], e["total"]);
}

/// Instructions of `binary` after `strip -s`, copied to a path of fixed length (the path is in
/// argv[0], so its length changes what the program does).
fn count_stripped_copy(binary: &str, dir: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join(dir)).unwrap();
    let copy = tmp.path().join(dir).join("p");
    let out = std::process::Command::new("strip")
        .args(["-s", "-o"])
        .arg(&copy)
        .arg(binary)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let file = tmp.path().join("cachegrind.out");
    let out = std::process::Command::new("valgrind")
        .args(["--tool=cachegrind", "-q", "--cache-sim=no"])
        .arg(format!("--cachegrind-out-file={}", file.display()))
        .arg(&copy)
        .arg("200000")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("summary: "))
        .unwrap()
        .to_string()
}

/// `work` does `factor` times more per step; `other` stays the same.
fn two_functions(factor: u32) -> String {
    format!(
        "#[inline(never)]\nfn work(n: u64) -> u64 {{\n    let mut s = 1u64;\n    for i in 0..n * {factor} {{\n        \
         s = std::hint::black_box(s.rotate_left(5) ^ i).wrapping_mul(31);\n    }}\n    s\n}}\n\n\
         #[inline(never)]\nfn other(n: u64) -> u64 {{\n    (0..n).fold(7u64, |a, i| std::hint::black_box(a ^ i))\n}}\n\n\
         fn main() {{\n    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);\n    \
         println!(\"{{}}\", work(n) ^ other(n));\n}}\n"
    )
}

#[test]
fn check_explain_names_the_function_the_change_made_dearer() {
    let p = project("check-explain")
        .file("src/main.rs", &two_functions(1))
        .file(".gitignore", "/target\n")
        .manifest_extra(
            "[[package.metadata.tune.workload]]\nname = \"loop\"\nargs = [\"100000\"]\n",
        )
        .build();
    git(p.path(), &["init", "-q"]);
    git(p.path(), &["add", "-A"]);
    git(p.path(), &["commit", "-q", "-m", "first"]);
    p.write("src/main.rs", &two_functions(2));
    let r = p
        .tune(&[
            "check",
            "--base",
            "HEAD",
            "--metric",
            "instructions",
            "--explain",
            "--json",
            "check.json",
        ])
        .env_remove("GITHUB_STEP_SUMMARY")
        .run();
    assert_eq!(r.code, Some(1), "work got twice as dear: {r}");
    r.stdout_has("Where the change comes from")
        .stdout_has("B = head");
    let result: Value = serde_json::from_str(&p.read("check.json")).unwrap();
    let e = &result["run"]["explain"][0];
    assert_adds_up(e);
    assert_eq!(e["variant"], "head");
    assert_eq!(e["functions"][0]["name"], "check_explain::work", "{e:#}");
    assert_eq!(e["functions"][0]["crate"], "check_explain");
    let (a, b) = (
        e["functions"][0]["a"].as_u64().unwrap(),
        e["functions"][0]["b"].as_u64().unwrap(),
    );
    assert!(b > a * 19 / 10, "{a} → {b}");
}

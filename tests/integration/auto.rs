//! `cargo tune auto` on a fixture CLI with a small budget: it completes, reports its path, and
//! only `--apply` touches the user's files (leaving a profile cargo can build).

use serde_json::Value;

use crate::utils::fixtures::BRANCHY_CLI;
use crate::utils::{
    Project, free_port, interrupt_once_serving, project, run_binary, service_project,
};

fn fixture(name: &str) -> Project {
    project(name)
        .file("src/main.rs", BRANCHY_CLI)
        .manifest_extra(
            "[[package.metadata.tune.workload]]\nname = \"spin\"\nargs = [\"2000000\"]\n",
        )
        .build()
}

const QUICK: &[&str] = &["--budget", "3m", "--min-runs", "4", "--max-runs", "6"];

#[test]
fn speed_search_reports_and_leaves_the_manifest_alone() {
    let p = fixture("auto-speed");
    let before = p.read("Cargo.toml");
    let mut args = vec!["auto", "--json", "auto.json"];
    args.extend(QUICK);
    let r = p.tune(&args).ok();
    r.stdout_has("Search path")
        .stdout_has("Pareto front")
        .stdout_has("Final measurement")
        .stdout_has("configurations with")
        .stdout_has("Measured over 4 code layouts per variant");
    assert!(
        r.stdout.contains("Use `") || r.stdout.contains("Keep `"),
        "{r}"
    );
    // The last line of stdout is the winner's binary, and stderr says so.
    r.stderr_has("Winner its binary is the last line of stdout");
    assert!(
        run_binary(r.last_line(), &["10"]).starts_with("result="),
        "last line is the winner's binary"
    );
    assert_eq!(p.read("Cargo.toml"), before, "no --apply, no change");
    assert!(!p.join(".cargo/config.toml").exists());

    let result: Value = serde_json::from_str(&p.read("auto.json")).unwrap();
    assert_eq!(result["path"][0]["decision"], "baseline");
    let winner = result["winner"].as_u64().unwrap() as usize;
    let finals = result["final_run"]["variants"].as_array().unwrap();
    assert!(winner < finals.len());
    let names: Vec<&str> = finals.iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"production") && names.contains(&"release+pgo"),
        "{names:?}"
    );
    assert!(
        result["builds"].as_u64().unwrap() < 20,
        "a search, not an enumeration"
    );
    // The steps rank binaries as built; the final run confirms over 4 layouts (not BOLT's).
    assert!(result["steps"][0]["settings"]["layouts"].is_null());
    assert_eq!(result["final_run"]["settings"]["layouts"], 4);
    assert_eq!(finals[0]["layouts"].as_array().unwrap().len(), 4);
}

#[test]
fn size_search_with_apply_writes_a_profile_cargo_builds() {
    let p = fixture("auto-size");
    // A Windows checkout: the written manifest keeps CRLF on every line.
    p.write("Cargo.toml", &p.read("Cargo.toml").replace('\n', "\r\n"));
    let mut args = vec![
        "auto",
        "--goal",
        "size",
        "--allow-slowdown",
        "50%",
        "--apply",
        "small",
    ];
    args.extend(QUICK);
    let r = p.tune(&args).ok();
    let manifest = p.read("Cargo.toml");
    assert!(
        manifest.contains("[profile.small]") && manifest.contains("inherits = \"release\""),
        "{manifest}\n{r}"
    );
    assert!(
        manifest.split_inclusive('\n').all(|l| l.ends_with("\r\n")),
        "{manifest:?}"
    );
    assert!(
        manifest.contains("[[package.metadata.tune.workload]]"),
        "the rest of the manifest is kept"
    );
    r.stdout_has("Reproduce the winning build");
    crate::utils::cargo(p.path(), &["build", "--profile", "small"]);
    // Binaries shrink: the recommended build is smaller than release.
    let result = p.tune(&["report", "--format", "json"]).ok();
    let run: Value = serde_json::from_str(&result.stdout).unwrap();
    let sizes: Vec<u64> = run["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["build"]["file_size_bytes"].as_u64().unwrap())
        .collect();
    assert!(sizes.iter().min().unwrap() < &sizes[0], "{sizes:?}");
}

#[test]
fn bad_options_fail_before_building() {
    let p = fixture("auto-bad");
    p.tune(&["auto", "--apply", "not a name"])
        .fails()
        .stderr_has("profile name");
    p.tune(&["auto", "--budget", "soon"])
        .fails()
        .stderr_has("invalid duration");
    p.tune(&["auto", "--budget", "0"])
        .fails()
        .stderr_has("a budget of 0 leaves no time");
    let r = p.tune(&["auto", "--budget", "-5m"]).fails();
    r.stderr_has("a budget cannot be negative (`-5m`)");
    assert!(!r.stderr.contains("to pass '-5'"), "{r}");
    p.tune(&["auto", "--max-compile-time", "0.5x"])
        .fails()
        .stderr_has("at least 1x");
    p.write(
        "Cargo.toml",
        &format!(
            "{}\n[profile.tuned]\ninherits = \"release\"\n",
            p.read("Cargo.toml")
        ),
    );
    p.tune(&["auto", "--apply", "tuned"])
        .fails()
        .stderr_has("[profile.tuned] already exists")
        .stderr_has("--force");
    assert!(!p.join("target").exists(), "nothing was built");
}

#[test]
fn a_budget_of_the_wrong_type_in_the_manifest_says_what_it_accepts() {
    let p = project("auto-budget-type")
        .file("src/main.rs", BRANCHY_CLI)
        .manifest_extra("[package.metadata.tune]\nbudget = true\n")
        .build();
    let r = p.tune(&["auto"]).fails();
    r.stderr_has("budget")
        .stderr_has("a duration such as \"90s\", \"20m\" or \"1h 30m\"");
    assert!(!r.stderr.contains("untagged"), "{r}");
    p.write(
        "Cargo.toml",
        &p.read("Cargo.toml")
            .replace("budget = true", "budget = \"0s\""),
    );
    p.tune(&["auto"])
        .fails()
        .stderr_has("a budget of 0 leaves no time");
}

#[test]
fn a_preset_that_breaks_the_program_is_rejected_and_its_safe_part_tried() {
    // Catching a panic needs unwinding: production's panic=abort makes the workload fail.
    let main = r#"fn main() {
        let n: u64 = std::env::args().nth(1).unwrap().parse().unwrap();
        assert!(std::panic::catch_unwind(|| if n > 0 { panic!("expected") }).is_err());
        let mut s = 0u64;
        for i in 0..n { s = s.wrapping_mul(31).wrapping_add(i ^ (s >> 7)); }
        println!("{s}");
    }"#;
    let p = project("auto-unwind").file("src/main.rs", main).build();
    let mut args = vec!["auto", "--no-pgo", "--json", "auto.json"];
    args.extend(QUICK);
    args.extend(["--", "3000000"]);
    let r = p.tune(&args).ok();
    let result: Value = serde_json::from_str(&p.read("auto.json")).unwrap();
    let path = result["path"].as_array().unwrap();
    let step = |name: &str| path.iter().find(|t| t["candidate"] == name);
    let production = step("production").unwrap_or_else(|| panic!("production tried:\n{r}"));
    assert_eq!(production["decision"], "rejected", "{production}");
    assert!(
        production["reason"].as_str().unwrap().contains("SIGABRT"),
        "{production}"
    );
    assert!(
        step("release+lto=fat,codegen-units=1").is_some(),
        "the part of production that keeps unwinding is tried:\n{r}"
    );
    // Whatever won still runs the program correctly.
    assert!(!run_binary(r.last_line(), &["10"]).is_empty());
}

/// `auto` on the HTTP fixture, stopped by SIGINT once its service answers (measuring has begun).
fn interrupt_auto_on_service(p: &Project, port: u16, json: &str) -> (i32, String, String) {
    let cmd = p
        .tune(&[
            "auto",
            "--no-pgo",
            "--json",
            json,
            "--min-runs",
            "20",
            "--max-runs",
            "20",
        ])
        .cmd;
    let out = interrupt_once_serving(cmd, port, std::time::Duration::from_millis(2500));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn ctrl_c_prints_and_saves_the_path_so_far_and_the_next_run_reuses_the_builds() {
    let port = free_port();
    let p = service_project("auto-sigint", port);
    let (code, stdout, stderr) = interrupt_auto_on_service(&p, port, "first.json");
    let all = format!("--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
    assert_eq!(code, 130, "{all}");
    assert!(stdout.contains("Search path"), "{all}");
    assert!(stdout.contains("Interrupted after"), "{all}");
    assert!(
        stdout.contains("Last measurement (cut short by Ctrl-C)"),
        "{all}"
    );
    assert!(stdout.contains("no recommendation"), "{all}");
    assert!(stderr.contains("Saved"), "{all}");
    let first: Value = serde_json::from_str(&p.read("first.json")).unwrap();
    assert_eq!(first["interrupted"], true);
    // Whichever variant the random order ran first, its samples are kept.
    let kept = first["final_run"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| {
            v["measurements"][0]["samples"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
        });
    assert!(
        first["final_run"]["rounds"].as_u64().unwrap() >= 1 || kept,
        "the partial measurement keeps its samples"
    );

    // `cargo tune report` shows the saved partial run.
    let report = p.tune(&["report"]).ok();
    report
        .stdout_has("interrupted")
        .stdout_has("auto path so far");
    let saved = p.tune(&["report", "--format", "json"]).ok();
    let run: Value = serde_json::from_str(&saved.stdout).unwrap();
    assert_eq!(run["interrupted"], true);

    // The next auto builds nothing again: the builds of the first are on disk with their records.
    let (code, _, stderr) = interrupt_auto_on_service(&p, port, "second.json");
    assert_eq!(code, 130, "{stderr}");
    let second: Value = serde_json::from_str(&p.read("second.json")).unwrap();
    assert_eq!(second["builds"], 0, "{stderr}");
    for v in second["final_run"]["variants"].as_array().unwrap() {
        assert_eq!(v["build"]["compile_time_cached"], true, "{v}");
    }
}

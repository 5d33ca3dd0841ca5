//! `--metric instructions` (real valgrind, real builds) and `--pin` (the child's real affinity).

use serde_json::Value;

use crate::utils::fixtures::BRANCHY_CLI;
use crate::utils::{Project, project};

fn fixture(name: &str) -> Project {
    project(name)
        .file("src/main.rs", BRANCHY_CLI)
        .manifest_extra(
            "[[package.metadata.tune.workload]]\nname = \"spin\"\nargs = [\"300000\"]\n",
        )
        .build()
}

/// The instruction-count median of every variant of a saved run, by name.
fn counts(run: &Value) -> Vec<(String, f64)> {
    run["variants"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| {
            let m = &v["measurements"][0]["summary"]["metrics"]["instructions"]["median"];
            Some((v["name"].as_str()?.to_string(), m.as_f64()?))
        })
        .collect()
}

#[test]
fn compare_by_instructions_decides_in_six_runs_and_a_copy_of_release_is_within_noise() {
    let p = fixture("metric-instr");
    let r = p
        .tune(&[
            "compare",
            "--metric",
            "instructions",
            "--variants",
            "release,production",
            "--variant",
            "copy=release",
            "--json",
            "out.json",
        ])
        .ok();
    r.stdout_has("Instructions")
        .stdout_has("under cachegrind")
        .stdout_has("Noise on spin (instructions)")
        .stdout_has("branch mispredictions");
    // Identical when every run counted the same, else within a hair: never a change.
    assert!(
        r.stdout.lines().any(|l| l.trim_start().starts_with("copy")
            && (l.contains("= (identical)") || l.contains("≈ (within noise)"))),
        "{}",
        r.stdout
    );
    let run: Value = serde_json::from_str(&p.read("out.json")).unwrap();
    assert_eq!(run["settings"]["command_metric"], "instructions");
    assert_eq!(run["settings"]["noise_threshold"], 0.001);
    // Counts drift by an instruction or two from run to run: one run a side cannot decide,
    // six (the default, one look) can, for the whole family of two comparisons.
    assert_eq!(run["rounds"], 6, "six runs per variant");
    assert_eq!(run["noise"][0]["metric"], "instructions");
    for v in run["variants"].as_array().unwrap() {
        let samples = v["measurements"][0]["samples"].as_array().unwrap();
        assert_eq!(samples.len(), 6, "no warm-up, six runs: {v}");
        assert!(samples[0]["instructions"].as_u64().unwrap() > 300_000);
    }
    let copy =
        &run["variants"][2]["measurements"][0]["summary"]["metrics"]["instructions"]["vs_baseline"];
    assert_eq!(copy["verdict"], "within_noise", "{copy}");
    let (lo, hi) = (copy["lo"].as_f64().unwrap(), copy["hi"].as_f64().unwrap());
    assert!(
        lo >= 0.99999 && hi <= 1.00001,
        "a copy is within a hair of release: {copy}"
    );
    let production =
        &run["variants"][1]["measurements"][0]["summary"]["metrics"]["instructions"]["vs_baseline"];
    assert_eq!(production["verdict"], "better", "{production}");
    let width = production["hi"].as_f64().unwrap() - production["lo"].as_f64().unwrap();
    assert!(width < 1e-4, "{production}");
}

#[test]
fn auto_by_instructions_picks_the_fewest_it_measured() {
    let p = fixture("metric-auto");
    let r = p
        .tune(&[
            "auto",
            "--metric",
            "instructions",
            "--budget",
            "4m",
            "--json",
            "auto.json",
        ])
        .ok();
    r.stdout_has("Instructions");
    let result: Value = serde_json::from_str(&p.read("auto.json")).unwrap();
    // Every configuration the search measured, from its steps and its final run.
    let mut seen = counts(&result["final_run"]);
    for step in result["steps"].as_array().unwrap() {
        seen.extend(counts(step));
    }
    assert!(seen.len() >= 3, "{seen:?}");
    let finals = result["final_run"]["variants"].as_array().unwrap();
    let winner = finals[result["winner"].as_u64().unwrap() as usize]["name"]
        .as_str()
        .unwrap();
    let (_, best) = seen
        .iter()
        .cloned()
        .reduce(|a, b| if b.1 < a.1 { b } else { a })
        .unwrap();
    let picked = counts(&result["final_run"])
        .into_iter()
        .find(|(n, _)| n == winner)
        .unwrap()
        .1;
    // Within the 0.1% threshold of the fewest: a tie may go to the cheaper build.
    assert!(
        picked <= best * 1.001,
        "picked {winner} with {picked}, fewest seen {best}: {seen:?}"
    );
}

#[test]
fn metric_errors_name_the_fitting_metrics() {
    let p = fixture("metric-bad");
    p.tune(&["compare", "--metric", "p99"])
        .fails()
        .stderr_has("service workloads")
        .stderr_has("wall, cpu, instructions, cycles-est");
    p.tune(&["compare", "--metric", "wall,cpu"])
        .fails()
        .stderr_has("more than one metric for command");
}

#[test]
fn pinned_workloads_run_on_one_cpu() {
    let main = r#"
fn main() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Cpus_allowed_list")).unwrap();
    let out = std::env::args().nth(1).unwrap();
    std::fs::write(out, line.split(':').nth(1).unwrap().trim()).unwrap();
}
"#;
    let p = project("metric-pin").file("src/main.rs", main).build();
    let out = p.join("cpus.txt");
    let out = out.to_str().unwrap();
    let args = |pin: bool| {
        let mut a = vec![
            "compare",
            "--variants",
            "release",
            "--min-runs",
            "3",
            "--max-runs",
            "6",
        ];
        if pin {
            a.push("--pin");
        }
        a.extend(["--", out]);
        a
    };
    let r = p.tune(&args(true)).ok();
    r.stdout_has("pinned to one CPU");
    let pinned = p.read("cpus.txt");
    assert!(
        pinned.parse::<usize>().is_ok(),
        "one CPU, not a list: {pinned:?}"
    );
    p.tune(&args(false)).ok();
    let free = p.read("cpus.txt");
    if std::thread::available_parallelism().map_or(1, |n| n.get()) > 1 {
        assert_ne!(free, pinned, "unpinned runs may use every CPU");
    }
}

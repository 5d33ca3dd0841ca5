//! `cargo tune report`: re-rendering saved runs (built with the library's public API) in every format.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use cargo_tune::api::measure::WorkloadKind;
use cargo_tune::api::measure::{
    self, CommandSample, Executor, NoProgress, Placement, Sample, Settings,
};
use cargo_tune::api::run::save;
use cargo_tune::api::run::{BuildInfo, Run, RunCommand, VariantResult, WorkloadInfo};
use cargo_tune::api::run::{HostInfo, ProjectInfo};
use cargo_tune::api::variant::Variant;

use crate::utils::project;

/// Two variants, the second 10% faster, with a little deterministic jitter.
struct Fixed(u32);

impl Executor for Fixed {
    fn run(&mut self, variant: usize, _workload: usize, _at: Placement) -> anyhow::Result<Sample> {
        self.0 += 1;
        let base = [0.200, 0.180][variant];
        Ok(Sample::Command(CommandSample {
            wall_secs: base * (1.0 + 0.002 * f64::from(self.0 % 5)),
            user_secs: base * 0.9,
            sys_secs: base * 0.05,
            peak_rss_bytes: Some(3_000_000),
            instructions: None,
            cycles_est: None,
        }))
    }
}

fn saved_run(root: &Path) -> PathBuf {
    let settings = Settings {
        // Six paired runs are the fewest that can give a 95% rank interval.
        min_runs: 6,
        max_runs: 6,
        seed: 3,
        resamples: 500,
        ..Settings::default()
    };
    let mut run = Run::new(
        RunCommand::Compare,
        ProjectInfo {
            root: root.to_path_buf(),
            package: "report-fixture".into(),
            bin: "report-fixture".into(),
        },
        HostInfo {
            rustc_version: "1.95.0".into(),
            llvm_version: "22.1.0".into(),
            host_triple: "x86_64-unknown-linux-gnu".into(),
            target_triple: "x86_64-unknown-linux-gnu".into(),
            cpu_model: None,
            cpus: Some(2),
        },
        settings,
    );
    run.workloads.push(WorkloadInfo {
        name: "parse".into(),
        kind: WorkloadKind::Command,
        metric: None,
    });
    let build = |size| BuildInfo {
        binary: root.join("target/release/report-fixture"),
        file_size_bytes: size,
        sections: None,
        compile_time_secs: 1.5,
        compile_time_cached: false,
        builds: 1,
        crates: Vec::new(),
    };
    let mut fast = Variant::new("fast", "release");
    cargo_tune::api::variant::apply_pairs(&mut fast, "lto=fat,codegen-units=1").unwrap();
    run.variants.push(VariantResult::built(
        Variant::new("release", "release"),
        vec![],
        build(400_000),
    ));
    run.variants
        .push(VariantResult::built(fast, vec![], build(300_000)));
    let outcome = measure::measure(
        &run.plan(),
        &run.settings,
        &mut Fixed(0),
        &mut NoProgress,
        &AtomicBool::new(false),
    );
    run.record(outcome);
    save(&run, &root.join("target/tune")).unwrap()
}

#[test]
fn report_rerenders_the_last_saved_run() {
    let p = project("report-fixture").build();
    p.tune(&["report"])
        .fails()
        .stderr_has("no saved results")
        .stderr_has("`cargo tune compare`");

    let file = saved_run(p.path());
    let table = p.tune(&["report"]).ok();
    table
        .stdout_has("Workload parse (command): 6 runs per variant")
        .stdout_has("release (baseline)")
        .stdout_has("fast is 9.8% faster than release")
        .stderr_has("Showing");
    assert!(!table.stdout.contains('\u{1b}'), "NO_COLOR is set");

    p.tune(&["report", "--last", "--format", "markdown"])
        .ok()
        .stdout_has("| Variant | Size | Time | Peak memory | Compile time |")
        .stdout_has("**");

    let json = p.tune(&["report", "--format", "json"]).ok();
    let shown: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(shown, saved);
    assert_eq!(
        shown["variants"][1]["measurements"][0]["samples"]
            .as_array()
            .unwrap()
            .len(),
        7,
        "six rounds and a warm-up"
    );

    // An explicit file works from anywhere, even outside a project.
    let elsewhere = tempfile::tempdir().unwrap();
    crate::utils::tune_in(elsewhere.path(), &["report", file.to_str().unwrap()])
        .ok()
        .stdout_has("fast");
    p.tune(&["report", "--last", file.to_str().unwrap()])
        .fails()
        .stderr_has("cannot be used with");
}

#[test]
fn report_explains_unreadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema\": 7}").unwrap();
    crate::utils::tune_in(dir.path(), &["report", bad.to_str().unwrap()])
        .fails()
        .stderr_has("newer cargo-tune");
    crate::utils::tune_in(dir.path(), &["report", "missing.json"])
        .fails()
        .stderr_has("cannot read missing.json");
}

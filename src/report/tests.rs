//! Report tests: a fixed-seed mock measurement through the real engine, rendered as table and
//! Markdown snapshots; JSON round trip and the saved-results store.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use crate::measure::NoProgress;
use crate::measure::Settings;
use crate::measure::WorkloadKind;
use crate::measure::measure;
use crate::measure::size::SectionSizes;
use crate::measure::testing::{Behaviour, MockExecutor};
use crate::report::{Format, render};
use crate::run::host::{HostInfo, ProjectInfo};
use crate::run::store;
use crate::run::*;
use crate::variant::Variant;

fn variant(name: &str, spec: &str) -> Variant {
    let mut v = Variant::new(name, "release");
    crate::spec::apply_pairs(&mut v, spec).unwrap();
    v
}

fn build(size: u64, compile: f64, cached: bool, builds: u32) -> BuildInfo {
    BuildInfo {
        binary: PathBuf::from("/work/example/target/tune/0123456789abcdef/example"),
        file_size_bytes: size,
        sections: Some(SectionSizes {
            text: size / 2,
            rodata: size / 5,
            data: size / 100,
            debug: 0,
            symbols: 0,
        }),
        compile_time_secs: compile,
        compile_time_cached: cached,
        builds,
        crates: Vec::new(),
    }
}

/// Everything volatile (time, paths, versions) is fixed; samples come from a seeded mock.
pub(super) fn fixture(services: bool) -> Run {
    let settings = Settings {
        min_runs: 10,
        max_runs: 30,
        warmup: 1,
        seed: 42,
        resamples: 1000,
        ..Settings::default()
    };
    let mut run = Run::new(
        RunCommand::Compare,
        ProjectInfo {
            root: "/work/example".into(),
            package: "example".into(),
            bin: "example".into(),
        },
        HostInfo::example(),
        settings,
    );
    run.cargo_tune_version = "0.0.0-test".into();
    run.started = "2025-06-01T12:00:00Z".into();
    run.workloads.push(WorkloadInfo {
        name: "parse-big".into(),
        kind: WorkloadKind::Command,
        metric: None,
    });
    if services {
        run.workloads.push(WorkloadInfo {
            name: "api".into(),
            kind: WorkloadKind::Service,
            metric: None,
        });
    }
    let flags = |v: &Variant| v.added_rustflags();
    let release = variant("release", "");
    let production = variant(
        "production",
        "lto=fat,codegen-units=1,panic=abort,strip=symbols",
    );
    let balanced = variant("balanced", "lto=thin");
    run.variants.push(VariantResult::built(
        release.clone(),
        flags(&release),
        build(4_400_000, 40.2, false, 1),
    ));
    run.variants.push(VariantResult::built(
        production.clone(),
        flags(&production),
        build(2_640_000, 84.4, false, 1),
    ));
    run.variants.push(VariantResult::built(
        balanced.clone(),
        flags(&balanced),
        build(3_900_000, 52.0, true, 1),
    ));
    let mut behaviour = vec![
        vec![
            Behaviour::command(1.20, 0.01).rss(52_000_000),
            Behaviour::service(45_000.0, 0.02),
        ],
        vec![
            Behaviour::command(1.05, 0.01).rss(50_000_000),
            Behaviour::service(49_000.0, 0.02),
        ],
        vec![
            Behaviour::command(1.20, 0.01).rss(52_000_000),
            Behaviour::service(45_000.0, 0.02),
        ],
    ];
    if services {
        let pgo = variant(
            "production+pgo",
            "lto=fat,codegen-units=1,panic=abort,strip=symbols",
        );
        run.variants.push(VariantResult::built(
            pgo.clone(),
            flags(&pgo),
            build(2_700_000, 190.5, false, 2),
        ));
        behaviour.push(vec![
            Behaviour::command(0.90, 0.01).rss(49_000_000),
            Behaviour::service(58_000.0, 0.02).fail_on(
                2,
                "service did not answer on http://127.0.0.1:3999/health within 10s\nlast output: listening on 0.0.0.0:3999",
            ),
        ]);
        let min_size = variant("min-size", "opt-level=z,lto=fat");
        run.variants.push(VariantResult::failed(
            min_size.clone(),
            flags(&min_size),
            "cargo build failed: error: linking with `cc` failed: exit status: 1\nnote: collect2: error: ld returned 1 exit status",
        ));
        behaviour.push(vec![
            Behaviour::command(1.0, 0.0),
            Behaviour::service(1.0, 0.0),
        ]);
    } else {
        for b in &mut behaviour {
            b.truncate(1);
        }
    }
    run.notes
        .push("PGO profiles were gathered from the parse-big and api workloads.".into());
    crate::run::driver::measure_run(
        &mut run,
        &mut MockExecutor::new(11, behaviour),
        &mut NoProgress,
    );
    run.finished = Some("2025-06-01T12:05:00Z".into());
    run.elapsed_secs = 300.0;
    run
}

#[test]
fn table_snapshot() {
    let run = fixture(true);
    insta::assert_snapshot!(render(&run, Format::Table, false).unwrap());
}

#[test]
fn single_workload_table_snapshot() {
    let run = fixture(false);
    insta::assert_snapshot!(render(&run, Format::Table, false).unwrap());
}

#[test]
fn markdown_snapshot() {
    let run = fixture(true);
    insta::assert_snapshot!(render(&run, Format::Markdown, false).unwrap());
}

#[test]
fn colour_replaces_star_markers() {
    let run = fixture(false);
    let plain = render(&run, Format::Table, false).unwrap();
    let color = render(&run, Format::Table, true).unwrap();
    assert!(plain.contains("* best in its column"));
    assert!(color.contains("\u{1b}["), "no ANSI styling");
    assert!(!color.contains("* best in its column"));
    assert!(!plain.contains('\u{1b}'));
}

#[test]
fn json_round_trips_through_the_store() {
    let run = fixture(true);
    let dir = tempfile::tempdir().unwrap();
    let first = store::save(&run, dir.path()).unwrap();
    let mut second_run = run.clone();
    second_run.command = RunCommand::Auto;
    let second = store::save(&second_run, dir.path()).unwrap();
    assert_eq!(first.parent().unwrap(), dir.path().join("results"));
    assert!(
        first
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .ends_with("-compare.json")
    );
    assert!(first.file_name() < second.file_name(), "names sort by time");
    let (path, last) = store::load_last(dir.path()).unwrap();
    assert_eq!(path, second);
    assert_eq!(last, second_run);
    assert_eq!(store::load(&first).unwrap(), run);

    // The JSON is the documented shape, with every sample and the warm-ups flagged.
    let json: serde_json::Value =
        serde_json::from_str(&render(&run, Format::Json, false).unwrap()).unwrap();
    assert_eq!(json["schema"], SCHEMA);
    assert_eq!(json["command"], "compare");
    let m = &json["variants"][0]["measurements"][0];
    assert_eq!(m["kind"], "command");
    assert_eq!(m["samples"][0]["warmup"], true);
    assert_eq!(m["samples"][0]["kind"], "command");
    assert!(m["samples"][1]["wall_secs"].as_f64().unwrap() > 1.0);
    assert!(m["summary"]["metrics"]["wall"]["median"].as_f64().is_some());
    let vs = &json["variants"][1]["measurements"][0]["summary"]["metrics"]["wall"]["vs_baseline"];
    assert_eq!(vs["verdict"], "better");
    assert_eq!(vs["paired"], true);
    assert_eq!(json["variants"][4]["build"], serde_json::Value::Null);
    assert!(
        json["variants"][4]["failure"]
            .as_str()
            .unwrap()
            .contains("linking")
    );
    assert_eq!(json["variants"][1]["variant"]["settings"]["lto"], "fat");
}

#[test]
fn summaries_are_reproducible_from_the_raw_samples() {
    let run = fixture(true);
    let mut again = run.clone();
    again.summarize();
    assert_eq!(again, run);
}

#[test]
fn store_errors_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let e = format!("{:#}", store::load_last(dir.path()).unwrap_err());
    assert!(
        e.contains("no saved results") && e.contains("cargo tune compare"),
        "{e}"
    );

    let newer = dir.path().join("newer.json");
    std::fs::write(&newer, r#"{"schema": 99}"#).unwrap();
    let e = format!("{:#}", store::load(&newer).unwrap_err());
    assert!(e.contains("newer cargo-tune"), "{e}");

    let other = dir.path().join("other.json");
    std::fs::write(&other, r#"{"name": "x"}"#).unwrap();
    let e = format!("{:#}", store::load(&other).unwrap_err());
    assert!(e.contains("not a cargo-tune result"), "{e}");

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, r#"{"schema": 1, "command": "compare"}"#).unwrap();
    let e = format!("{:#}", store::load(&broken).unwrap_err());
    assert!(e.contains("cannot read the results"), "{e}");
}

#[test]
fn an_interrupted_run_is_rendered_as_partial() {
    use std::sync::Arc;
    let mut run = fixture(false);
    let flag = Arc::new(AtomicBool::new(false));
    let mut exec = MockExecutor::new(
        5,
        vec![
            vec![Behaviour::command(1.0, 0.01)],
            vec![Behaviour::command(0.9, 0.01)],
            vec![Behaviour::command(1.0, 0.01)],
        ],
    );
    exec.stop_after = Some((3 + 3 * 4 + 1, flag.clone()));
    let outcome = measure(
        &run.plan(),
        &run.settings,
        &mut exec,
        &mut NoProgress,
        &flag,
    );
    run.record(outcome);
    assert!(run.interrupted);
    assert_eq!(run.rounds, 4);
    let table = render(&run, Format::Table, false).unwrap();
    assert!(
        table.contains(
            "The run was interrupted after 4 complete rounds, so these figures are partial."
        ),
        "{table}"
    );
    assert!(
        table.contains("4 runs per variant") || table.contains("5 runs per variant"),
        "{table}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&render(&run, Format::Json, false).unwrap()).unwrap();
    assert_eq!(json["interrupted"], true);
    assert_eq!(json["stop"], "interrupted");
}

#[test]
fn service_errors_are_pointed_out() {
    let mut run = fixture(true);
    if let crate::measure::Sample::Service(s) =
        &mut run.variants[1].measurements[1].samples[3].sample
    {
        s.errors = 2;
        s.non_2xx = 1;
    }
    run.summarize();
    let table = render(&run, Format::Table, false).unwrap();
    assert!(
        table
            .contains("production on api: 2 connection errors and 1 non-2xx response over 30 runs"),
        "{table}"
    );
}

/// A variant that failed on every workload gets one clean sentence: no "compared with", no
/// size or compile time of a binary that does not work, no repeated "was not measured".
#[test]
fn a_variant_that_failed_everywhere_gets_one_sentence() {
    let mut run = fixture(true);
    let mut exec = MockExecutor::new(
        11,
        vec![
            vec![
                Behaviour::command(1.2, 0.01),
                Behaviour::service(45_000.0, 0.02),
            ],
            vec![
                Behaviour::command(1.0, 0.01).fail_on(0, "killed by signal 6 (SIGABRT)"),
                Behaviour::service(45_000.0, 0.02).fail_on(0, "exited with status 3"),
            ],
            vec![
                Behaviour::command(1.2, 0.01),
                Behaviour::service(45_000.0, 0.02),
            ],
            vec![
                Behaviour::command(1.0, 0.01),
                Behaviour::service(45_000.0, 0.02),
            ],
            vec![Behaviour::command(1.0, 0.0), Behaviour::service(1.0, 0.0)],
        ],
    );
    for v in &mut run.variants {
        v.measurements.clear();
    }
    crate::run::driver::measure_run(&mut run, &mut exec, &mut NoProgress);
    let text = crate::report::prose::summary(&run);
    assert!(
        text.contains(
            "production failed on parse-big (killed by signal 6 (SIGABRT)) and on api (exited with status 3)."
        ),
        "{text}"
    );
    assert!(!text.contains("compared with"), "{text}");
    assert!(!text.contains("production failed on parse-big (killed by signal 6 (SIGABRT)) and on api (exited with status 3), is"), "{text}");

    // Not measured anywhere (say, the run stopped first): said once.
    let mut unmeasured = fixture(false);
    unmeasured.variants[2].measurements.clear();
    unmeasured.workloads.push(WorkloadInfo {
        name: "second".into(),
        kind: WorkloadKind::Command,
        metric: None,
    });
    let text = crate::report::prose::summary(&unmeasured);
    assert!(text.contains("balanced was not measured."), "{text}");
    assert_eq!(
        text.matches("balanced was not measured").count(),
        1,
        "{text}"
    );
    assert!(
        !text.contains("not measured on parse-big, was not measured"),
        "{text}"
    );
}

/// `auto` stopped by Ctrl-C before its first measurement saves a run with no variants: it must
/// still render (what `cargo tune report` shows), saying it was interrupted.
#[test]
fn an_empty_interrupted_run_renders() {
    let mut run = fixture(false);
    run.variants.clear();
    run.interrupted = true;
    run.notes
        .push("interrupted: `auto` stopped after 0 of its candidates had been tried".into());
    for format in [Format::Table, Format::Markdown, Format::Json] {
        let text = render(&run, format, false).unwrap();
        assert!(text.contains("interrupted"), "{text}");
    }
}

#[test]
fn written_reports_replace_the_file_whole_and_are_readable_by_others() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.html");
    store::write_file(&path, "first").unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o644
    );
    store::write_file(&path, "second").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
    let e = format!(
        "{:#}",
        store::write_file(&dir.path().join("missing/x.html"), "x").unwrap_err()
    );
    assert!(e.contains("missing"), "{e}");
}

/// Every metric's comparison, deciding or not, is an interval at (at least) the run's
/// confidence: a secondary metric's (p99 of a closed-loop service, peak memory, CPU time) used
/// to be computed at a level meant for an error rate of 1, a near-zero-width "±0.0%" interval
/// at a confidence of about 0% that still printed a verdict.
#[test]
fn every_metric_is_compared_at_the_runs_confidence() {
    let run = fixture(true);
    let confidence = run.confidence();
    assert!((0.95..1.0).contains(&confidence), "{confidence}");
    let mut seen = 0;
    for v in &run.variants {
        for m in &v.measurements {
            let Some(summary) = &m.summary else { continue };
            for (metric, ms) in &summary.metrics {
                let Some(c) = &ms.vs_baseline else { continue };
                let level = c.confidence.unwrap();
                assert!(
                    level >= confidence - 1e-9 && level < 1.0,
                    "{} {metric:?} on {}: {level}",
                    v.name,
                    m.workload
                );
                seen += 1;
            }
        }
    }
    assert!(seen > 10, "{seen}");
}

//! Peak memory is the workload's own: a program that touches 5 MiB is reported at 5–8 MiB and one
//! that allocates nothing under 4 MiB, although the process measuring them holds far more.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use cargo_tune::api::measure::WorkloadKind;
use cargo_tune::api::tune_config::{Dur, LoadConfig, WorkloadConfig};
use cargo_tune::api::workload::{Outcome, RunOptions, run_once};

use crate::utils::fixtures::MEMORY_CLI;
use crate::utils::{cargo, free_port};

/// MiB: the fixtures allocate in these units.
const MB: u64 = 1 << 20;

fn memory_cli() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("memory-fixture");
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"touchmb\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        )
        .unwrap();
        std::fs::write(dir.join("src/main.rs"), MEMORY_CLI).unwrap();
        cargo(&dir, &["build", "--quiet", "--release"]);
        dir.join("target/release/touchmb")
    })
}

/// What the measuring process holds while it starts workloads: 64 MB written, so a figure
/// inherited from it could not pass for the workload's own.
fn ballast() -> Vec<u8> {
    let mut v = vec![0u8; 64 << 20];
    for i in (0..v.len()).step_by(4096) {
        v[i] = 1;
    }
    std::hint::black_box(v)
}

fn peak(binary: &Path, w: WorkloadConfig) -> u64 {
    cargo_tune::api::process::measure_through(env!("CARGO_BIN_EXE_cargo-tune"));
    let name = w.name.clone();
    let bytes = match run_once(
        binary,
        &w.parse("workload").unwrap(),
        &RunOptions::default(),
    ) {
        Ok(Outcome::Command(c)) => c.usage.max_rss,
        Ok(Outcome::Service(s)) => s.max_rss,
        Err(e) => panic!("{e:#}"),
    };
    eprintln!("{name}: peak {:.2} MB", bytes as f64 / MB as f64);
    bytes
}

fn touching(mb: u32) -> WorkloadConfig {
    WorkloadConfig {
        name: format!("touch-{mb}"),
        args: vec![mb.to_string()],
        ..WorkloadConfig::default()
    }
}

#[test]
fn a_command_is_measured_at_its_own_peak() {
    let held = ballast();
    let five = peak(memory_cli(), touching(5));
    assert!(
        (5 * MB..=8 * MB).contains(&five),
        "touching 5 MB reported {:.2} MB",
        five as f64 / MB as f64
    );
    let none = peak(memory_cli(), touching(0));
    assert!(
        none > 0 && none < 4 * MB,
        "allocating nothing reported {:.2} MB",
        none as f64 / MB as f64
    );
    // Through `sh -c`, the peak is the largest of the shell's and the program's.
    let mut shell = touching(5);
    shell.args = vec![];
    shell.shell = Some("\"$TUNE_BIN\" 5".into());
    let through_shell = peak(memory_cli(), shell);
    assert!(
        (5 * MB..=8 * MB).contains(&through_shell),
        "{through_shell}"
    );
    drop(held);
}

#[test]
fn a_service_is_measured_at_its_own_peak() {
    let held = ballast();
    let port = free_port();
    let w = |mb: u32| WorkloadConfig {
        name: "api".into(),
        kind: WorkloadKind::Service,
        args: vec![
            "--port".into(),
            port.to_string(),
            "--touch-mb".into(),
            mb.to_string(),
        ],
        ready: Some(format!("tcp://127.0.0.1:{port}")),
        load: Some(LoadConfig {
            url: Some(format!("http://127.0.0.1:{port}/")),
            concurrency: Some(2),
            requests: Some(50),
            ..LoadConfig::default()
        }),
        stop_grace: Some(Dur(Duration::from_secs(2))),
        ..WorkloadConfig::default()
    };
    let small = peak(crate::workload::fixture(), w(0));
    let large = peak(crate::workload::fixture(), w(16));
    assert!(small < 16 * MB, "an idle service reported {small} bytes");
    assert!(
        large >= 16 * MB && large - small >= 14 * MB && large - small <= 18 * MB,
        "16 MB more reported {small} → {large} bytes"
    );
    drop(held);
}

#[test]
fn a_program_that_cannot_start_says_so_through_the_launcher() {
    cargo_tune::api::process::measure_through(env!("CARGO_BIN_EXE_cargo-tune"));
    let w = touching(0).parse("workload").unwrap();
    let missing = Path::new("/nonexistent/touchmb");
    let e = run_once(missing, &w, &RunOptions::default()).unwrap_err();
    let msg = format!("{e:#}");
    assert!(
        msg.contains("workload `touch-0` could not start")
            && msg.contains("could not start `/nonexistent/touchmb 0`")
            && msg.contains("No such file or directory"),
        "{msg}"
    );
}

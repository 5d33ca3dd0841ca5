//! Code layouts made by replaying a variant's final link (real cargo, rustc, lld and valgrind):
//! distinct files with the same instruction count, function order kept by the shift mode, and
//! one build plus K links to make them, counted through logging `cargo` and linker wrappers.

use std::path::{Path, PathBuf};

use cargo_tune::api::link;
use cargo_tune::api::link::LayoutMode;
use cargo_tune::api::workload::{Count, read_counts, wrapper_args};
use object::{Object, ObjectSymbol, SymbolKind};

use crate::utils::{copy_dir, project, tune_in};

const HOT_LOOP: &str = r#"
#[inline(never)]
fn step(x: u64) -> u64 { x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) }
#[inline(never)]
fn checksum(n: u64) -> u64 { (0..n).fold(7, |acc, i| step(acc ^ i)) }
fn main() { println!("{}", checksum(20_000)); }
"#;

/// A shell script `name` in `dir` that appends its arguments to `log`, then runs `real`.
fn logging(dir: &Path, name: &str, log: &Path, real: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    let text = format!(
        "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{real}' \"$@\"\n",
        log.display()
    );
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

/// Function symbols by address, the padding left out.
fn functions(binary: &Path) -> Vec<(u64, String)> {
    let data = std::fs::read(binary).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let mut fns: Vec<(u64, String)> = file
        .symbols()
        .filter(|s| s.kind() == SymbolKind::Text && s.size() > 0)
        .filter_map(|s| Some((s.address(), s.name().ok()?.to_string())))
        .filter(|(_, n)| n != "__cargo_tune_layout_pad")
        .collect();
    fns.sort();
    fns
}

/// Instructions executed by `binary`, run from one fixed path: the length of argv[0] alone
/// moves the count (the loader and std read it).
fn instructions(binary: &Path) -> u64 {
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("app");
    std::fs::copy(binary, &copy).unwrap();
    let counts = out.path().join("counts");
    std::fs::create_dir(&counts).unwrap();
    let status = std::process::Command::new("valgrind")
        .args(wrapper_args(Count::Instructions, &counts, false))
        .arg(&copy)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    read_counts(&counts, &copy).unwrap().instructions
}

#[test]
fn k_layouts_cost_one_build_and_k_links_and_shift_without_reordering() {
    let p = project("layouts").file("src/main.rs", HOT_LOOP).build();
    let bin = p.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let (cargo_log, link_log) = (p.join("cargo.log"), p.join("link.log"));
    let real_cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let cargo = logging(&bin, "cargo", &cargo_log, &real_cargo);
    // A user-configured linker: the wrapper must hand every link to it, replays too.
    let cc = logging(&bin, "logging-cc", &link_log, "cc");
    p.write(
        ".cargo/config.toml",
        &format!(
            "[target.x86_64-unknown-linux-gnu]\nlinker = \"{}\"\n",
            cc.display()
        ),
    );
    let run = p.tune(&["build"]).env("CARGO", &cargo).ok();
    let binary = PathBuf::from(run.last_line());
    let builds = |log: &[String]| log.iter().filter(|l| l.starts_with("build ")).count();
    assert_eq!(builds(&lines(&cargo_log)), 1, "{:?}", lines(&cargo_log));
    assert_eq!(lines(&link_log).len(), 1);

    let record = link::find(&binary).unwrap();
    assert_eq!(Path::new(&record.linker), cc);
    let cargo_calls = lines(&cargo_log).len();
    let layouts = link::make(&record, LayoutMode::Shift, &[1, 2, 3, 4]).unwrap();
    assert_eq!(lines(&cargo_log).len(), cargo_calls, "no cargo run");
    assert_eq!(lines(&link_log).len(), 1 + 4, "one link per layout");

    let original = link::sha256(&binary).unwrap();
    let mut shas: Vec<&str> = layouts.iter().map(|l| l.sha256.as_str()).collect();
    shas.push(&original);
    shas.sort_unstable();
    shas.dedup();
    assert_eq!(shas.len(), 5, "distinct files: {layouts:?}");

    let base = functions(&binary);
    let count = instructions(&binary);
    for l in &layouts {
        let fns = functions(&l.binary);
        let names = |f: &[(u64, String)]| f.iter().map(|x| x.1.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&fns),
            names(&base),
            "order kept in {}",
            l.binary.display()
        );
        // Every function moved by the padding, a multiple of 16 below a page.
        let pad = l.pad_bytes.unwrap();
        assert!(pad % 16 == 0 && pad < 4096);
        assert!(
            fns.iter().zip(&base).all(|(a, b)| a.0 == b.0 + pad),
            "{pad}"
        );
        assert_eq!(instructions(&l.binary), count, "{}", l.binary.display());
    }

    // Made again from the same record, they are reused: no link.
    link::make(&record, LayoutMode::Shift, &[1, 2]).unwrap();
    assert_eq!(lines(&link_log).len(), 5);
    // A shuffle reorders (the stress mode).
    let shuffled = link::make(&record, LayoutMode::Shuffle, &[9]).unwrap();
    let order = |f: Vec<(u64, String)>| f.into_iter().map(|x| x.1).collect::<Vec<_>>();
    assert_ne!(order(functions(&shuffled[0].binary)), order(base));
}

#[test]
fn compare_over_four_layouts_lists_them_and_states_the_band() {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/textproc");
    copy_dir(&example, dir.path());
    let json = dir.path().join("run.json");
    let json_arg = json.display().to_string();
    let r = tune_in(
        dir.path(),
        &[
            "compare",
            "--variants",
            "release,+opt-level=2",
            "--layouts",
            "4",
            // Two rounds per layout: with one, runs and layouts cannot be told apart.
            "--min-runs",
            "8",
            "--max-runs",
            "8",
            "--json",
            &json_arg,
            "--",
            "--size",
            "20000",
            "--seed",
            "7",
        ],
    )
    .ok();
    r.stdout_has("Measured over 4 code layouts per variant: the layout band is ±")
        .stdout_has("Code layouts: each variant ran on 4 layouts");
    let run: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    for v in run["variants"].as_array().unwrap() {
        let mut shas: Vec<&str> = v["layouts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["sha256"].as_str().unwrap())
            .collect();
        shas.sort_unstable();
        shas.dedup();
        assert_eq!(shas.len(), 4, "{}", v["name"]);
        // Eight rounds are two blocks: every layout ran twice.
        let mut ran: Vec<u64> = v["measurements"][0]["samples"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["warmup"] == false)
            .map(|s| s["layout"].as_u64().unwrap())
            .collect();
        ran.sort_unstable();
        assert_eq!(ran, [0, 0, 1, 1, 2, 2, 3, 3], "{}", v["name"]);
    }
    let band = &run["noise"][0]["layout"];
    assert_eq!(band["layouts"], 4);
    assert!(band["band"].as_f64().is_some() && band["spread"].as_f64().is_some());
}

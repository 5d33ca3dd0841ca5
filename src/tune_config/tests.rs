//! Reading the tune table: keys, types, durations, and every combination of workload keys
//! that is refused, with the message it gets.

use super::*;
use crate::tune_config::workload::Pace;
use serde_json::json;

fn parse(v: serde_json::Value) -> Result<Option<TuneConfig>> {
    TuneConfig::from_metadata(
        &json!({ "tune": v }),
        "package.metadata.tune",
        Path::new("/p/Cargo.toml"),
    )
}

#[test]
fn reads_the_design_example() {
    let c = parse(json!({
        "bin": "myservice", "goal": "speed", "budget": "20m",
        "workload": [
            { "name": "parse-big", "args": ["--input", "big.json"], "timeout": "60s" },
            { "name": "api", "kind": "service", "args": ["--port", "3999"],
              "ready": "http://127.0.0.1:3999/health",
              "load": { "url": "http://127.0.0.1:3999/api", "concurrency": 32, "duration": "10s" } }
        ]
    }))
    .unwrap()
    .unwrap();
    assert_eq!(c.goal, Some(Goal::Speed));
    assert_eq!(c.budget, Some(Dur(Duration::from_secs(1200))));
    assert_eq!(c.workload[1].kind.tag(), WorkloadKind::Service);
    assert_eq!(c.workload[0].cwd.as_deref(), Some(Path::new("/p")));
}

#[test]
fn unknown_key_names_key_and_file() {
    let e = parse(json!({ "workload": [{ "name": "a", "argz": [] }] }))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("workload[0]") && e.contains("argz") && e.contains("/p/Cargo.toml"),
        "{e}"
    );
}

#[test]
fn wrong_type_names_key() {
    let e = parse(json!({ "goal": "fastest" })).unwrap_err().to_string();
    assert!(e.contains("goal") && e.contains("speed"), "{e}");
    let e = parse(json!({ "budget": "soon" })).unwrap_err().to_string();
    assert!(
        e.contains("budget") && e.contains("invalid duration"),
        "{e}"
    );
    let e = parse(json!({ "budget": true })).unwrap_err().to_string();
    assert!(
        e.contains("budget") && e.contains("a duration such as \"90s\""),
        "{e}"
    );
    assert!(!e.contains("untagged"), "{e}");
    assert_eq!(
        parse(json!({ "budget": 90 })).unwrap().unwrap().budget,
        Some(Dur(Duration::from_secs(90)))
    );
}

#[test]
fn budgets_must_be_positive() {
    assert_eq!(parse_budget("20m").unwrap(), Duration::from_secs(1200));
    let e = parse_budget("0").unwrap_err().to_string();
    assert!(e.contains("budget of 0 leaves no time"), "{e}");
    let e = parse_budget("-5m").unwrap_err().to_string();
    assert!(e.contains("cannot be negative"), "{e}");
}

#[test]
fn open_loop_rate_is_checked_when_read() {
    let svc = |load: serde_json::Value| {
        parse(json!({ "workload": [{ "name": "s", "kind": "service",
            "ready": "tcp://127.0.0.1:1", "load": load }] }))
    };
    let ok = svc(json!({ "url": "http://127.0.0.1:1/", "rate": 2000, "duration": "2s" })).unwrap();
    assert_eq!(
        ok.unwrap().workload[0].service().unwrap().load.pace.rate(),
        Some(2000.0)
    );
    let e = svc(json!({ "url": "http://127.0.0.1:1/", "rate": 2000, "requests": 10 }))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("workload[0].load") && e.contains("rate and requests do not go together"),
        "{e}"
    );
    let e = svc(json!({ "url": "http://127.0.0.1:1/", "rate": 0.5 }))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("rate must be at least 1 request per second"),
        "{e}"
    );
}

#[test]
fn service_needs_ready_and_load() {
    let e = parse(json!({ "workload": [{ "name": "s", "kind": "service" }] }))
        .unwrap_err()
        .to_string();
    assert!(e.contains("ready"), "{e}");
}

#[test]
fn compile_cap() {
    assert_eq!(parse_compile_cap("3x").unwrap(), CompileCap::Factor(3.0));
    assert_eq!(
        parse_compile_cap("5m").unwrap(),
        CompileCap::Absolute(Duration::from_secs(300))
    );
    assert!(parse_compile_cap("0.5x").is_err());
    assert!(parse_duration("1e30").is_err() && parse_duration("-1").is_err());
}

/// Every combination of workload keys that is refused, and what the message says.
#[test]
fn an_array_of_tune_tables_says_how_to_write_it() {
    let e = parse(json!([{ "budget": "5m" }])).unwrap_err().to_string();
    assert!(
        e.contains("`[[package.metadata.tune]]` in /p/Cargo.toml is an array of tables: write `[package.metadata.tune]`"),
        "{e}"
    );
}

#[test]
fn invalid_workloads_are_refused_with_the_key_named() {
    let svc = |extra: serde_json::Value| {
        let mut w = json!({ "name": "s", "kind": "service", "ready": "tcp://127.0.0.1:1",
            "load": { "url": "http://127.0.0.1:1/" } });
        for (k, v) in extra.as_object().unwrap() {
            w[k] = v.clone();
        }
        w
    };
    let load = |l: serde_json::Value| svc(json!({ "load": l }));
    let url = "http://127.0.0.1:1/";
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            json!({ "name": " " }),
            "`workload[0].name` must not be empty",
        ),
        (
            json!({ "name": "c", "args": ["x"], "shell": "true" }),
            "`workload[0]`: give either `args` or `shell`, not both",
        ),
        (
            json!({ "name": "c", "ready": "tcp://127.0.0.1:1" }),
            "`workload[0].ready` only applies to `kind = \"service\"`",
        ),
        (
            json!({ "name": "c", "load": { "url": url } }),
            "`workload[0].load` only applies to `kind = \"service\"`",
        ),
        (
            json!({ "name": "c", "repeat": 0 }),
            "`workload[0].repeat` must be at least 1",
        ),
        (
            svc(json!({ "stdin": "in.txt" })),
            "`workload[0].stdin` does not apply to a service (it runs once, started directly)",
        ),
        (
            svc(json!({ "repeat": 2 })),
            "`workload[0].repeat` does not apply to a service",
        ),
        (
            svc(json!({ "shell": "true" })),
            "`workload[0].shell` does not apply to a service",
        ),
        (
            json!({ "name": "s", "kind": "service", "load": { "url": url } }),
            "`workload[0]` is a service and needs `ready` (e.g. \"http://127.0.0.1:3999/health\")",
        ),
        (
            json!({ "name": "s", "kind": "service", "ready": "tcp://127.0.0.1:1" }),
            "`workload[0]` is a service and needs `load` (e.g. { url = \"http://127.0.0.1:3999/\" })",
        ),
        (load(json!({})), "`workload[0].load` needs `url` or `urls`"),
        (
            load(json!({ "url": url, "urls": [{ "url": url }] })),
            "`workload[0].load`: give either `url` or `urls`, not both",
        ),
        (
            load(json!({ "url": url, "concurrency": 0 })),
            "`workload[0].load.concurrency` must be at least 1",
        ),
        (
            load(json!({ "urls": [{ "url": url, "weight": 0 }] })),
            "`workload[0].load.urls`: weights must be at least 1",
        ),
        (
            load(json!({ "url": url, "requests": 0 })),
            "`workload[0].load.requests` must be at least 1",
        ),
        (
            load(json!({ "url": url, "duration": "0s" })),
            "`workload[0].load.duration` must be more than zero",
        ),
        (
            load(json!({ "url": url, "rate": 0.5 })),
            "`workload[0].load`: rate must be at least 1 request per second (got 0.5)",
        ),
        (
            load(json!({ "url": url, "rate": 100, "requests": 10 })),
            "`workload[0].load`: rate and requests do not go together",
        ),
        (
            json!({ "name": "c", "timeout": "0s" }),
            "`workload[0].timeout` must be more than zero",
        ),
        (
            svc(json!({ "ready-timeout": "0ms" })),
            "`workload[0].ready-timeout` must be more than zero",
        ),
        (
            svc(json!({ "ready": "htp://127.0.0.1:1/health" })),
            "`workload[0].ready`: invalid `ready` value `htp://127.0.0.1:1/health`",
        ),
        (
            load(json!({ "url": "127.0.0.1:1/" })),
            "invalid `workload[0].load.url`: `127.0.0.1:1/` is not an absolute URL",
        ),
    ];
    for (workload, expected) in cases {
        let e = parse(json!({ "workload": [workload] }))
            .expect_err(expected)
            .to_string();
        assert!(
            e.starts_with("invalid `[package.metadata.tune]` in /p/Cargo.toml: "),
            "{e}"
        );
        assert!(e.contains(expected), "expected `{expected}` in: {e}");
    }
    let e = parse(json!({ "workload": [{ "name": "a" }, { "name": "a" }] }))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`workload[1].name`: two workloads are called `a`"),
        "{e}"
    );
}

/// `cargo tune load` checks its flags with the same code; its messages name bare keys.
#[test]
fn load_flags_are_checked_like_a_service_load() {
    let cases = [
        (
            json!({ "url": "http://127.0.0.1:1/", "concurrency": 0 }),
            "concurrency must be at least 1",
        ),
        (
            json!({ "url": "http://127.0.0.1:1/", "requests": 0 }),
            "requests must be at least 1",
        ),
        (
            json!({ "url": "http://127.0.0.1:1/", "duration": 0 }),
            "duration must be more than zero",
        ),
        (
            json!({ "url": "http://127.0.0.1:1/", "rate": 0 }),
            "rate must be at least 1 request per second (got 0)",
        ),
        (json!({}), "the load needs `url` or `urls`"),
    ];
    for (raw, expected) in cases {
        let raw: LoadConfig = serde_json::from_value(raw).unwrap();
        let e = raw.parse(None).unwrap_err().to_string();
        assert!(e.starts_with(expected), "{e}");
    }
}

/// Each kind keeps only its own settings, and serializes back as it was written (profile
/// fingerprints hash that form).
#[test]
fn workloads_are_typed_and_serialize_as_written() {
    let written = json!([
        { "name": "cli", "shell": "cat in | \"$TUNE_BIN\"", "repeat": 3, "timeout": "1m",
          "env": { "K": "v" }, "cwd": "/p/data" },
        { "name": "api", "kind": "service", "args": ["--port", "1"],
          "ready": "http://127.0.0.1:1/health", "stop-grace": "2s",
          "load": { "urls": [{ "url": "http://127.0.0.1:1/a", "weight": 3 },
                             { "url": "http://127.0.0.1:1/b", "method": "POST" }],
                    "rate": 500, "duration": "3s" } }
    ]);
    let c = parse(json!({ "workload": written })).unwrap().unwrap();
    let Kind::Command(cli) = &c.workload[0].kind else {
        panic!("not a command: {:?}", c.workload[0])
    };
    assert_eq!(cli.program, Program::Shell("cat in | \"$TUNE_BIN\"".into()));
    assert_eq!(cli.repeat.map(|n| n.get()), Some(3));
    assert_eq!(c.workload[0].shell(), Some("cat in | \"$TUNE_BIN\""));
    let api = c.workload[1].service().unwrap();
    assert_eq!(api.stop_grace, Some(Duration::from_secs(2)));
    assert_eq!(api.load.pace, Pace::Open { rate: 500.0 });
    assert_eq!(api.load.urls.first(), "http://127.0.0.1:1/a");
    assert_eq!(c.workload[1].args(), ["--port", "1"]);

    let raw: Vec<WorkloadConfig> = serde_json::from_value(written).unwrap();
    let mut raw_resolved = raw.clone();
    for w in &mut raw_resolved {
        w.resolve_paths(Path::new("/p"));
    }
    assert_eq!(
        serde_json::to_value(&c.workload).unwrap(),
        serde_json::to_value(&raw_resolved).unwrap()
    );
}

#[test]
fn roles_and_weights() {
    let c = parse(json!({ "workload": [
        { "name": "t", "role": "train", "weight": 3 },
        { "name": "m", "role": "measure" },
        { "name": "b" }
    ]}))
    .unwrap()
    .unwrap();
    let roles: Vec<(Role, u32)> = c
        .workload
        .iter()
        .map(|w| (w.role, w.weight.get()))
        .collect();
    assert_eq!(
        roles,
        [(Role::Train, 3), (Role::Measure, 1), (Role::Both, 1)]
    );
    // Unset keys stay unwritten: fingerprints of profiles gathered before roles existed hold.
    let raw = serde_json::to_value(&c.workload[2]).unwrap();
    assert!(
        raw.get("role").is_none() && raw.get("weight").is_none(),
        "{raw}"
    );
    let e = parse(
        json!({ "workload": [{ "name": "a", "role": "measure", "weight": 2 },
        { "name": "b" }] }),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("workload[0].weight") && e.contains("only applies"),
        "{e}"
    );
    let e = parse(json!({ "workload": [{ "name": "a", "weight": 0 }] }))
        .unwrap_err()
        .to_string();
    assert!(e.contains("at least 1"), "{e}");
    let e = parse(json!({ "workload": [{ "name": "a", "role": "fit" }] }))
        .unwrap_err()
        .to_string();
    assert!(e.contains("role") && e.contains("train"), "{e}");
}

#[test]
fn nothing_trains_or_nothing_measured_is_an_error() {
    let e = parse(json!({ "workload": [{ "name": "a", "role": "measure" }] }))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no workload trains"), "{e}");
    let e = parse(json!({ "workload": [{ "name": "a", "role": "train" }] }))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no workload is measured"), "{e}");
}

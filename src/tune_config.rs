//! Typed `[package.metadata.tune]` / `[workspace.metadata.tune]`: goal, budget and workloads.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

/// What `auto` optimises for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Goal {
    Speed,
    Size,
    Balanced,
}

impl fmt::Display for Goal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Goal::Speed => "speed",
            Goal::Size => "size",
            Goal::Balanced => "balanced",
        })
    }
}

/// A duration written as `"20m"`, `"1h 30m"`, `"500ms"` or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Duration);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        // A visitor rather than an untagged enum: a wrong type (`budget = true`) then says what
        // the key accepts instead of "data did not match any variant".
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Dur;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a duration such as \"90s\", \"20m\" or \"1h 30m\", or a number of seconds",
                )
            }
            fn visit_f64<E: serde::de::Error>(self, s: f64) -> std::result::Result<Dur, E> {
                Duration::try_from_secs_f64(s).map(Dur).map_err(|_| {
                    E::custom(format!("invalid duration {s}; examples: 90s, 20m, 1h 30m"))
                })
            }
            fn visit_i64<E: serde::de::Error>(self, s: i64) -> std::result::Result<Dur, E> {
                self.visit_f64(s as f64)
            }
            fn visit_u64<E: serde::de::Error>(self, s: u64) -> std::result::Result<Dur, E> {
                self.visit_f64(s as f64)
            }
            fn visit_str<E: serde::de::Error>(self, t: &str) -> std::result::Result<Dur, E> {
                parse_duration(t).map(Dur).map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl Serialize for Dur {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(self.0).to_string())
    }
}

/// A budget: a duration above zero (`--budget`, `budget = …`).
pub fn parse_budget(text: &str) -> Result<Duration> {
    let t = text.trim();
    if t.starts_with('-') {
        bail!(
            "a budget cannot be negative (`{t}`); give how long `auto` may search, e.g. --budget 20m"
        );
    }
    let d = parse_duration(t)?;
    check_budget(d)?;
    Ok(d)
}

/// A zero budget leaves no time to measure anything.
pub fn check_budget(d: Duration) -> Result<()> {
    if d.is_zero() {
        bail!(
            "a budget of 0 leaves no time to build or measure anything; give how long `auto` may search, e.g. 20m"
        );
    }
    Ok(())
}

/// Parses `"20m"`, `"90s"`, `"1h 30m"`, `"500ms"`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<f64>() {
        return Duration::try_from_secs_f64(secs)
            .map_err(|_| anyhow::anyhow!("invalid duration `{t}`; examples: 90s, 20m, 1h 30m"));
    }
    humantime::parse_duration(t)
        .map_err(|e| anyhow::anyhow!("invalid duration `{t}` ({e}); examples: 90s, 20m, 1h 30m"))
}

pub use crate::measure::sample::WorkloadKind;

/// The whole tune table.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TuneConfig {
    /// Which binary (default: the only one).
    pub bin: Option<String>,
    pub goal: Option<Goal>,
    /// Wall-clock budget for `auto`.
    pub budget: Option<Dur>,
    /// Compile-time cap for `auto`, as a factor of the baseline (`"3x"`) or a duration.
    pub max_compile_time: Option<CompileCap>,
    /// Default variants of `compare`.
    pub variants: Option<Vec<String>>,
    /// BOLT is wanted for this project (lints then warn about settings that defeat it).
    pub bolt: Option<bool>,
    /// Deciding metric(s) of `compare` and `auto`, as `--metric` takes them.
    #[serde(
        default,
        deserialize_with = "crate::measure::choice::deserialize_names",
        skip_serializing_if = "Option::is_none"
    )]
    pub metric: Option<Vec<crate::measure::choice::MetricName>>,
    /// Run command workloads bound to one CPU, as `--pin`.
    pub pin: Option<bool>,
    /// llvm-bolt's optimization flags, instead of cargo-tune's defaults.
    pub bolt_args: Option<Vec<String>>,
    /// The build the project ships, for `check` and `ci`: a profile or preset with its stages
    /// (`tuned+pgo`, `release`, `production+pgo+bolt`) [default: the `--profile`, plain].
    pub ship: Option<String>,
    #[serde(default)]
    pub workload: Vec<WorkloadConfig>,
}

/// One workload: how to exercise the binary, for PGO profiles and for measurement.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WorkloadConfig {
    pub name: String,
    #[serde(default)]
    pub kind: WorkloadKind,
    /// Arguments passed to the binary.
    #[serde(default)]
    pub args: Vec<String>,
    /// Instead of running the binary directly, run this through `sh -c`; the binary's
    /// path is in `$TUNE_BIN`. Only for what argv cannot express (pipes, redirects).
    pub shell: Option<String>,
    /// File fed to stdin (relative to the directory of the Cargo.toml that declares the workload).
    pub stdin: Option<PathBuf>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Working directory (relative to the directory of the declaring Cargo.toml, which is the default).
    pub cwd: Option<PathBuf>,
    pub timeout: Option<Dur>,
    /// How many times one run executes the command (short commands: more per sample).
    pub repeat: Option<u32>,
    /// Accept a non-zero exit status.
    #[serde(default)]
    pub allow_failure: bool,
    /// Service readiness: `http://…` (needs a 2xx) or `tcp://host:port` / `host:port` (accepting).
    pub ready: Option<String>,
    pub ready_timeout: Option<Dur>,
    pub load: Option<LoadConfig>,
    /// How long to wait after SIGTERM (and after SIGINT) before the next signal.
    pub stop_grace: Option<Dur>,
}

/// HTTP load driven against a service workload.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LoadConfig {
    pub url: Option<String>,
    /// Several URLs, picked in proportion to their weights.
    #[serde(default)]
    pub urls: Vec<WeightedUrl>,
    pub concurrency: Option<u32>,
    pub duration: Option<Dur>,
    /// Stop after this many requests instead of after `duration`.
    pub requests: Option<u64>,
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// File whose contents are sent as the request body.
    pub body: Option<PathBuf>,
    /// Load driven before measuring starts, then discarded.
    pub warmup: Option<Dur>,
    /// Open loop: requests per second sent on a fixed schedule, latency counted from each
    /// request's scheduled time. Unset: closed loop (as many requests as the service answers).
    pub rate: Option<f64>,
}

impl LoadConfig {
    /// The open loop's rate: at least 1/s, and only with a time (with a request count the
    /// run's length would follow from the rate, which is rarely what was meant).
    pub fn check_rate(&self) -> Result<()> {
        let Some(rate) = self.rate else {
            return Ok(());
        };
        if !(rate.is_finite() && rate >= 1.0) {
            bail!("rate must be at least 1 request per second (got {rate})");
        }
        if self.requests.is_some() {
            bail!(
                "rate and requests do not go together: an open loop runs for a time \
                 (`duration`), sending `rate` requests per second"
            );
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WeightedUrl {
    pub url: String,
    #[serde(default = "one")]
    pub weight: u32,
    pub method: Option<String>,
    pub body: Option<PathBuf>,
}

fn one() -> u32 {
    1
}

impl TuneConfig {
    /// Reads one metadata table (`tune` inside `package.metadata` or `workspace.metadata`).
    /// `table` names it in errors, `manifest` is the file it came from.
    pub fn from_metadata(
        metadata: &serde_json::Value,
        table: &str,
        manifest: &Path,
    ) -> Result<Option<TuneConfig>> {
        let Some(tune) = metadata.get("tune") else {
            return Ok(None);
        };
        let mut config: TuneConfig = serde_path_to_error::deserialize(tune).map_err(|e| {
            let path = e.path().to_string();
            let at = if path == "." {
                String::new()
            } else {
                format!(" at `{path}`")
            };
            anyhow::anyhow!(
                "invalid `[{table}]` in {}{at}: {}",
                manifest.display(),
                e.inner()
            )
        })?;
        config
            .validate()
            .map_err(|e| anyhow::anyhow!("invalid `[{table}]` in {}: {e:#}", manifest.display()))?;
        let base = manifest.parent().unwrap_or(Path::new("."));
        config.resolve_paths(base);
        Ok(Some(config))
    }

    /// Package settings win; workloads come from the package if it has any.
    pub fn layered(workspace: Option<TuneConfig>, package: Option<TuneConfig>) -> TuneConfig {
        match (workspace, package) {
            (None, None) => TuneConfig::default(),
            (Some(c), None) | (None, Some(c)) => c,
            (Some(ws), Some(p)) => TuneConfig {
                bin: p.bin.or(ws.bin),
                goal: p.goal.or(ws.goal),
                budget: p.budget.or(ws.budget),
                max_compile_time: p.max_compile_time.or(ws.max_compile_time),
                variants: p.variants.or(ws.variants),
                bolt: p.bolt.or(ws.bolt),
                metric: p.metric.or(ws.metric),
                pin: p.pin.or(ws.pin),
                bolt_args: p.bolt_args.or(ws.bolt_args),
                ship: p.ship.or(ws.ship),
                workload: if p.workload.is_empty() {
                    ws.workload
                } else {
                    p.workload
                },
            },
        }
    }

    fn validate(&self) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for (i, w) in self.workload.iter().enumerate() {
            let at = format!("workload[{i}]");
            if w.name.trim().is_empty() {
                bail!("`{at}.name` must not be empty");
            }
            if !seen.insert(w.name.as_str()) {
                bail!("`{at}.name`: two workloads are called `{}`", w.name);
            }
            if w.shell.is_some() && !w.args.is_empty() {
                bail!("`{at}`: give either `args` or `shell`, not both");
            }
            match w.kind {
                WorkloadKind::Command => {
                    for (key, set) in [("ready", w.ready.is_some()), ("load", w.load.is_some())] {
                        if set {
                            bail!("`{at}.{key}` only applies to `kind = \"service\"`");
                        }
                    }
                }
                WorkloadKind::Service => {
                    for (key, set) in [
                        ("stdin", w.stdin.is_some()),
                        ("repeat", w.repeat.is_some()),
                        ("shell", w.shell.is_some()),
                    ] {
                        if set {
                            bail!(
                                "`{at}.{key}` does not apply to a service (it runs once, started directly)"
                            );
                        }
                    }
                    if w.ready.is_none() {
                        bail!(
                            "`{at}` is a service and needs `ready` (e.g. \"http://127.0.0.1:3999/health\")"
                        );
                    }
                    let Some(load) = &w.load else {
                        bail!(
                            "`{at}` is a service and needs `load` (e.g. {{ url = \"http://127.0.0.1:3999/\" }})"
                        );
                    };
                    if load.url.is_none() && load.urls.is_empty() {
                        bail!("`{at}.load` needs `url` or `urls`");
                    }
                    if load.url.is_some() && !load.urls.is_empty() {
                        bail!("`{at}.load`: give either `url` or `urls`, not both");
                    }
                    if load.concurrency == Some(0) {
                        bail!("`{at}.load.concurrency` must be at least 1");
                    }
                    if load.urls.iter().any(|u| u.weight == 0) {
                        bail!("`{at}.load.urls`: weights must be at least 1");
                    }
                    if let Err(e) = load.check_rate() {
                        bail!("`{at}.load`: {e}");
                    }
                }
            }
            if w.repeat == Some(0) {
                bail!("`{at}.repeat` must be at least 1");
            }
        }
        Ok(())
    }

    fn resolve_paths(&mut self, base: &Path) {
        for w in &mut self.workload {
            for p in [&mut w.stdin, &mut w.cwd].into_iter().flatten() {
                *p = base.join(&*p);
            }
            if let Some(load) = &mut w.load {
                if let Some(b) = &mut load.body {
                    *b = base.join(&*b);
                }
                for u in &mut load.urls {
                    if let Some(b) = &mut u.body {
                        *b = base.join(&*b);
                    }
                }
            }
            if w.cwd.is_none() {
                w.cwd = Some(base.to_path_buf());
            }
        }
    }
}

/// A compile-time cap: a factor of the baseline's compile time, or an absolute duration.
/// Written as `"3x"` or `"5m"`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum CompileCap {
    Factor(f64),
    Absolute(Duration),
}

impl TryFrom<String> for CompileCap {
    type Error = anyhow::Error;
    fn try_from(text: String) -> Result<CompileCap> {
        parse_compile_cap(&text)
    }
}

impl From<CompileCap> for String {
    fn from(cap: CompileCap) -> String {
        match cap {
            CompileCap::Factor(f) => format!("{f}x"),
            CompileCap::Absolute(d) => humantime::format_duration(d).to_string(),
        }
    }
}

pub fn parse_compile_cap(text: &str) -> Result<CompileCap> {
    let t = text.trim();
    if let Some(f) = t.strip_suffix('x').or_else(|| t.strip_suffix('×')) {
        let f: f64 = f
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("invalid factor `{t}`; e.g. 3x"))?;
        if f.is_finite() && f >= 1.0 {
            return Ok(CompileCap::Factor(f));
        }
        bail!("factor `{t}` must be at least 1x");
    }
    Ok(CompileCap::Absolute(parse_duration(t)?))
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(c.workload[1].kind, WorkloadKind::Service);
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
        let ok =
            svc(json!({ "url": "http://127.0.0.1:1/", "rate": 2000, "duration": "2s" })).unwrap();
        assert_eq!(
            ok.unwrap().workload[0].load.as_ref().unwrap().rate,
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
}

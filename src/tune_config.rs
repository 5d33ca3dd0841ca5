//! Typed `[package.metadata.tune]` / `[workspace.metadata.tune]`: goal, budget and workloads.

mod keys;
mod raw;
pub(crate) mod target;
mod workload;

use std::fmt;
use std::path::Path;
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
pub(crate) fn parse_budget(text: &str) -> Result<Duration> {
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
pub(crate) fn check_budget(d: Duration) -> Result<()> {
    if d.is_zero() {
        bail!(
            "a budget of 0 leaves no time to build or measure anything; give how long `auto` may search, e.g. 20m"
        );
    }
    Ok(())
}

/// Parses `"20m"`, `"90s"`, `"1h 30m"`, `"500ms"`, or a bare number of seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<f64>() {
        return Duration::try_from_secs_f64(secs)
            .map_err(|_| anyhow::anyhow!("invalid duration `{t}`; examples: 90s, 20m, 1h 30m"));
    }
    humantime::parse_duration(t)
        .map_err(|e| anyhow::anyhow!("invalid duration `{t}` ({e}); examples: 90s, 20m, 1h 30m"))
}

use crate::measure::WorkloadKind;
pub use keys::config_tables;
pub use raw::{LoadConfig, WeightedUrl, WorkloadConfig};
pub(crate) use workload::{Command, Kind, Load, Program, Role, Service, Urls, Workload};

/// The whole tune table, with its workloads checked (`W` is `WorkloadConfig` only while reading).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TuneConfig<W = Workload> {
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
    pub metric: Option<Vec<crate::measure::Metric>>,
    /// Run command workloads bound to one CPU, as `--pin`.
    pub pin: Option<bool>,
    /// llvm-bolt's optimization flags, instead of cargo-tune's defaults.
    pub bolt_args: Option<Vec<String>>,
    /// The build the project ships, for `check` and `ci`: a profile or preset with its stages
    /// (`tuned+pgo`, `release`, `production+pgo+bolt`) [default: the `--profile`, plain].
    pub ship: Option<String>,
    #[serde(default = "Vec::new")]
    pub workload: Vec<W>,
}

impl<W> Default for TuneConfig<W> {
    fn default() -> Self {
        TuneConfig {
            bin: None,
            goal: None,
            budget: None,
            max_compile_time: None,
            variants: None,
            bolt: None,
            metric: None,
            pin: None,
            bolt_args: None,
            ship: None,
            workload: Vec::new(),
        }
    }
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
        if tune.is_array() {
            bail!(
                "`[[{table}]]` in {} is an array of tables: write `[{table}]` (single brackets) for \
                 the settings, and `[[{table}.workload]]` for each workload",
                manifest.display()
            );
        }
        let raw: TuneConfig<WorkloadConfig> =
            serde_path_to_error::deserialize(tune).map_err(|e| {
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
        let base = manifest.parent().unwrap_or(Path::new("."));
        let config = raw
            .checked(base)
            .map_err(|e| anyhow::anyhow!("invalid `[{table}]` in {}: {e:#}", manifest.display()))?;
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
}

impl TuneConfig<WorkloadConfig> {
    /// The table with each workload checked (names unique) and its paths made relative to
    /// `base`, the directory of the Cargo.toml it came from.
    fn checked(self, base: &Path) -> Result<TuneConfig> {
        let mut seen = std::collections::HashSet::new();
        let mut workload = Vec::with_capacity(self.workload.len());
        for (i, mut w) in self.workload.into_iter().enumerate() {
            let at = format!("workload[{i}]");
            if !w.name.trim().is_empty() && !seen.insert(w.name.clone()) {
                bail!("`{at}.name`: two workloads are called `{}`", w.name);
            }
            w.resolve_paths(base);
            workload.push(w.parse(&at)?);
        }
        check_roles(&workload)?;
        Ok(TuneConfig {
            bin: self.bin,
            goal: self.goal,
            budget: self.budget,
            max_compile_time: self.max_compile_time,
            variants: self.variants,
            bolt: self.bolt,
            metric: self.metric,
            pin: self.pin,
            bolt_args: self.bolt_args,
            ship: self.ship,
            workload,
        })
    }
}

/// A configuration must be able to do both: a table of workloads where none trains, or none is
/// measured, is a mistake (it would surface only when a command needs the missing half).
fn check_roles(workloads: &[Workload]) -> Result<()> {
    if workloads.is_empty() {
        return Ok(());
    }
    if !workloads.iter().any(Workload::trains) {
        bail!(
            "no workload trains: every workload has role = \"measure\", so PGO and BOLT would have \
             nothing to gather profiles with; give at least one role = \"train\" or \"both\""
        );
    }
    if !workloads.iter().any(Workload::measured) {
        bail!(
            "no workload is measured: every workload has role = \"train\"; give at least one \
             role = \"measure\" or \"both\""
        );
    }
    Ok(())
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

pub(crate) fn parse_compile_cap(text: &str) -> Result<CompileCap> {
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
mod tests;

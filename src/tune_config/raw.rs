//! `[[package.metadata.tune.workload]]` as Cargo.toml spells it, and the one place that checks
//! its combination of keys and turns it into a typed `Workload` (and back, for fingerprints).

use std::collections::BTreeMap;
use std::num::{NonZeroU32, NonZeroU64};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::target::{HttpUrl, Readiness};
use super::workload::{
    Command, Kind, Load, Pace, Program, Role, Service, Urls, WeightedTarget, Workload,
};
use super::{Dur, WorkloadKind};

/// One workload as written; `parse` checks it.
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
    /// What the workload is for: gathering PGO/BOLT profiles, measuring, or both [default: both].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// A training workload's share of the merged profile (`llvm-profdata merge --weighted-input`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
}

/// HTTP load driven against a service workload, as written (also what `cargo tune load`'s
/// flags fill in).
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

impl WorkloadConfig {
    /// Checks which keys go together and returns the typed workload. `at` names the workload
    /// in errors (`workload[2]`).
    pub fn parse(self, at: &str) -> Result<Workload> {
        if self.name.trim().is_empty() {
            bail!("`{at}.name` must not be empty");
        }
        if self.shell.is_some() && !self.args.is_empty() {
            bail!("`{at}`: give either `args` or `shell`, not both");
        }
        for (key, d) in [
            ("timeout", self.timeout),
            ("ready-timeout", self.ready_timeout),
        ] {
            if d.is_some_and(|d| d.0.is_zero()) {
                bail!(
                    "`{at}.{key}` must be more than zero: with {key} = \"0s\" every run would fail"
                );
            }
        }
        let kind = match self.kind {
            WorkloadKind::Command => Kind::Command(self.command(at)?),
            WorkloadKind::Service => Kind::Service(self.service(at)?),
        };
        let role = self.role.unwrap_or_default();
        let weight = match self.weight {
            None => NonZeroU32::MIN,
            Some(_) if role == Role::Measure => bail!(
                "`{at}.weight` only applies to a workload that trains (role = \"train\" or \"both\"); \
                 a measure-only workload never enters the profile"
            ),
            Some(n) => NonZeroU32::new(n).ok_or_else(|| {
                anyhow::anyhow!(
                    "`{at}.weight` must be at least 1 (leave a workload out of training with role = \"measure\")"
                )
            })?,
        };
        Ok(Workload {
            role,
            weight,
            name: self.name,
            env: self.env,
            cwd: self.cwd,
            timeout: self.timeout.map(|d| d.0),
            allow_failure: self.allow_failure,
            kind,
        })
    }

    fn command(&self, at: &str) -> Result<Command> {
        for (key, set) in [
            ("ready", self.ready.is_some()),
            ("load", self.load.is_some()),
        ] {
            if set {
                bail!("`{at}.{key}` only applies to `kind = \"service\"`");
            }
        }
        let repeat = match self.repeat {
            None => None,
            Some(n) => Some(
                NonZeroU32::new(n)
                    .ok_or_else(|| anyhow::anyhow!("`{at}.repeat` must be at least 1"))?,
            ),
        };
        Ok(Command {
            program: match &self.shell {
                Some(line) => Program::Shell(line.clone()),
                None => Program::Args(self.args.clone()),
            },
            stdin: self.stdin.clone(),
            repeat,
        })
    }

    fn service(&self, at: &str) -> Result<Service> {
        for (key, set) in [
            ("stdin", self.stdin.is_some()),
            ("repeat", self.repeat.is_some()),
            ("shell", self.shell.is_some()),
        ] {
            if set {
                bail!("`{at}.{key}` does not apply to a service (it runs once, started directly)");
            }
        }
        let Some(ready) = &self.ready else {
            bail!("`{at}` is a service and needs `ready` (e.g. \"http://127.0.0.1:3999/health\")");
        };
        Readiness::parse(ready).with_context(|| format!("`{at}.ready`"))?;
        let Some(load) = &self.load else {
            bail!(
                "`{at}` is a service and needs `load` (e.g. {{ url = \"http://127.0.0.1:3999/\" }})"
            );
        };
        Ok(Service {
            args: self.args.clone(),
            ready: ready.clone(),
            ready_timeout: self.ready_timeout.map(|d| d.0),
            stop_grace: self.stop_grace.map(|d| d.0),
            load: load.clone().parse(Some(&format!("{at}.load")))?,
        })
    }

    /// Makes `stdin`, `cwd` and body files relative to `base` (the declaring Cargo.toml's
    /// directory), which is also the default `cwd`.
    pub(super) fn resolve_paths(&mut self, base: &Path) {
        for p in [&mut self.stdin, &mut self.cwd].into_iter().flatten() {
            *p = base.join(&*p);
        }
        if let Some(load) = &mut self.load {
            if let Some(b) = &mut load.body {
                *b = base.join(&*b);
            }
            for u in &mut load.urls {
                if let Some(b) = &mut u.body {
                    *b = base.join(&*b);
                }
            }
        }
        if self.cwd.is_none() {
            self.cwd = Some(base.to_path_buf());
        }
    }
}

/// Names a key in errors: `` `workload[0].load.rate` `` for Cargo.toml, the bare key for
/// `cargo tune load`'s flags.
struct At<'a>(Option<&'a str>);

impl At<'_> {
    fn key(&self, key: &str) -> String {
        match self.0 {
            Some(at) => format!("`{at}.{key}`"),
            None => key.to_string(),
        }
    }

    /// The load table itself.
    fn table(&self) -> String {
        match self.0 {
            Some(at) => format!("`{at}`"),
            None => "the load".to_string(),
        }
    }

    /// Put before a message about the table as a whole.
    fn prefix(&self) -> String {
        match self.0 {
            Some(at) => format!("`{at}`: "),
            None => String::new(),
        }
    }
}

impl LoadConfig {
    /// Checks which keys go together and returns the typed load. `at` names the table in
    /// errors (`workload[0].load`); `None` for the command line, whose messages name bare keys.
    pub fn parse(self, at: Option<&str>) -> Result<Load> {
        let at = At(at);
        let urls = match (self.url, self.urls.is_empty()) {
            (None, true) => bail!("{} needs `url` or `urls`", at.table()),
            (Some(_), false) => bail!("{}give either `url` or `urls`, not both", at.prefix()),
            (Some(url), true) => Urls::One(url),
            (None, false) => Urls::Weighted(weighted(self.urls, &at)?),
        };
        // The URLs' syntax now; hosts (loopback or not) are checked when the load is planned.
        let texts: Vec<&str> = match &urls {
            Urls::One(url) => vec![url.as_str()],
            Urls::Weighted(targets) => targets.iter().map(|t| t.url.as_str()).collect(),
        };
        for url in texts {
            HttpUrl::parse(url).with_context(|| format!("invalid {}", at.key("url")))?;
        }
        let concurrency =
            match self.concurrency {
                None => None,
                Some(n) => Some(NonZeroU32::new(n).ok_or_else(|| {
                    anyhow::anyhow!("{} must be at least 1", at.key("concurrency"))
                })?),
            };
        let duration = self.duration.map(|d| d.0);
        if duration.is_some_and(|d| d.is_zero()) {
            bail!("{} must be more than zero", at.key("duration"));
        }
        let requests = match self.requests {
            None => None,
            Some(n) => Some(
                NonZeroU64::new(n)
                    .ok_or_else(|| anyhow::anyhow!("{} must be at least 1", at.key("requests")))?,
            ),
        };
        Ok(Load {
            urls,
            method: self.method,
            headers: self.headers,
            body: self.body,
            concurrency,
            duration,
            warmup: self.warmup.map(|d| d.0),
            pace: pace(self.rate, requests, &at)?,
        })
    }
}

fn weighted(urls: Vec<WeightedUrl>, at: &At) -> Result<Vec<WeightedTarget>> {
    urls.into_iter()
        .map(|u| {
            let weight = NonZeroU32::new(u.weight)
                .ok_or_else(|| anyhow::anyhow!("{}: weights must be at least 1", at.key("urls")))?;
            Ok(WeightedTarget {
                url: u.url,
                weight,
                method: u.method,
                body: u.body,
            })
        })
        .collect()
}

/// The open loop's rate: at least 1/s, and only with a time (with a request count the
/// run's length would follow from the rate, which is rarely what was meant).
fn pace(rate: Option<f64>, requests: Option<NonZeroU64>, at: &At) -> Result<Pace> {
    let Some(rate) = rate else {
        return Ok(Pace::Closed { requests });
    };
    if !(rate.is_finite() && rate >= 1.0) {
        bail!(
            "{}rate must be at least 1 request per second (got {rate})",
            at.prefix()
        );
    }
    if requests.is_some() {
        bail!(
            "{}rate and requests do not go together: an open loop runs for a time \
             (`duration`), sending `rate` requests per second",
            at.prefix()
        );
    }
    Ok(Pace::Open { rate })
}

/// Back to the written form: what `Workload` serializes as.
impl Serialize for Workload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        WorkloadConfig::from(self.clone()).serialize(s)
    }
}

impl From<Workload> for WorkloadConfig {
    fn from(w: Workload) -> WorkloadConfig {
        let mut raw = WorkloadConfig {
            name: w.name,
            kind: w.kind.tag(),
            env: w.env,
            cwd: w.cwd,
            timeout: w.timeout.map(Dur),
            allow_failure: w.allow_failure,
            // Written only when set, so fingerprints of profiles gathered before roles existed stay.
            role: (w.role != Role::Both).then_some(w.role),
            weight: (w.weight.get() != 1).then_some(w.weight.get()),
            ..WorkloadConfig::default()
        };
        match w.kind {
            Kind::Command(c) => {
                match c.program {
                    Program::Args(args) => raw.args = args,
                    Program::Shell(line) => raw.shell = Some(line),
                }
                raw.stdin = c.stdin;
                raw.repeat = c.repeat.map(NonZeroU32::get);
            }
            Kind::Service(s) => {
                raw.args = s.args;
                raw.ready = Some(s.ready);
                raw.ready_timeout = s.ready_timeout.map(Dur);
                raw.stop_grace = s.stop_grace.map(Dur);
                raw.load = Some(s.load.into());
            }
        }
        raw
    }
}

impl From<Load> for LoadConfig {
    fn from(l: Load) -> LoadConfig {
        let (url, urls) = match l.urls {
            Urls::One(url) => (Some(url), Vec::new()),
            Urls::Weighted(targets) => (
                None,
                targets
                    .into_iter()
                    .map(|t| WeightedUrl {
                        url: t.url,
                        weight: t.weight.get(),
                        method: t.method,
                        body: t.body,
                    })
                    .collect(),
            ),
        };
        LoadConfig {
            url,
            urls,
            concurrency: l.concurrency.map(NonZeroU32::get),
            duration: l.duration.map(Dur),
            requests: l.pace.requests(),
            method: l.method,
            headers: l.headers,
            body: l.body,
            warmup: l.warmup.map(Dur),
            rate: l.pace.rate(),
        }
    }
}

//! The checked form of one workload: a command or a service, each holding only the settings
//! that apply to it, so no later step has to ask whether a combination is allowed.

use std::collections::BTreeMap;
use std::fmt;
use std::num::{NonZeroU32, NonZeroU64};
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::WorkloadKind;

/// One workload: how to exercise the binary, for PGO profiles and for measurement. Made by
/// `WorkloadConfig::parse` (from Cargo.toml) or `workload::one_off` (from `-- ARGS`).
///
/// Serialized as Cargo.toml spells it (`raw`'s `Serialize for Workload`), so fingerprints of
/// profiles gathered with it stay put.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub name: String,
    pub env: BTreeMap<String, String>,
    /// Working directory; a configured workload's default is the directory of its Cargo.toml.
    pub cwd: Option<PathBuf>,
    /// How long one run may take (a command's execution, a service's `requests` load).
    pub timeout: Option<Duration>,
    /// Accept a non-zero exit status (a service: stopping on its own during the load).
    pub allow_failure: bool,
    pub kind: Kind,
    /// Whether it trains profiles (PGO, BOLT), is measured, or both.
    pub role: Role,
    /// Its share of a merged training profile (1 unless `weight` is set).
    pub weight: NonZeroU32,
}

/// What a workload is used for. Gathering profiles uses `train` and `both`; measuring uses
/// `measure` and `both`, so a profile-guided build can be judged on inputs it never saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Train,
    Measure,
    #[default]
    Both,
}

impl Role {
    pub fn trains(self) -> bool {
        self != Role::Measure
    }

    pub fn measured(self) -> bool {
        self != Role::Train
    }
}

/// What kind of workload it is, with the settings only that kind has.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Runs to completion, `repeat` times.
    Command(Command),
    /// Started, waited for until ready, loaded over HTTP and stopped.
    Service(Service),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub program: Program,
    /// File fed to stdin.
    pub stdin: Option<PathBuf>,
    /// How many times one run executes the command [default: 1].
    pub repeat: Option<NonZeroU32>,
}

/// What a command workload runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Program {
    /// The binary, with these arguments.
    Args(Vec<String>),
    /// `sh -c` this line, with the binary's path in `$TUNE_BIN` (pipes, redirects).
    Shell(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Arguments passed to the binary (a service is always started directly: it must receive
    /// the stop signals itself).
    pub args: Vec<String>,
    /// `http://…` (needs a 2xx) or `tcp://host:port` / `host:port` (accepting); parsed when
    /// the workload is checked or run.
    pub ready: String,
    pub ready_timeout: Option<Duration>,
    /// How long to wait after SIGTERM (and after SIGINT) before the next signal.
    pub stop_grace: Option<Duration>,
    pub load: Load,
}

/// HTTP load driven against a service: what to request, how hard and for how long.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    pub urls: Urls,
    /// Method of every URL that sets none [default: GET].
    pub method: Option<String>,
    pub headers: BTreeMap<String, String>,
    /// File sent as the body of every URL that sets none.
    pub body: Option<PathBuf>,
    pub concurrency: Option<NonZeroU32>,
    /// The measured window; never zero [default: 2s, or until `requests` are answered].
    pub duration: Option<Duration>,
    /// Load driven before measuring starts, then discarded.
    pub warmup: Option<Duration>,
    pub pace: Pace,
}

/// The URL, or several picked in proportion to their weights.
#[derive(Debug, Clone, PartialEq)]
pub enum Urls {
    One(String),
    /// Never empty.
    Weighted(Vec<WeightedTarget>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct WeightedTarget {
    pub url: String,
    pub weight: NonZeroU32,
    pub method: Option<String>,
    pub body: Option<PathBuf>,
}

/// How requests are paced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// Each connection sends its next request when the answer is in; optionally stop after
    /// this many requests.
    Closed { requests: Option<NonZeroU64> },
    /// Requests per second (at least 1) on a fixed schedule, latency counted from each
    /// request's scheduled time. An open loop runs for a time, never for a request count.
    Open { rate: f64 },
}

impl Workload {
    /// The arguments the binary is started with (none for a `shell` line).
    pub fn args(&self) -> &[String] {
        match &self.kind {
            Kind::Command(Command {
                program: Program::Args(args),
                ..
            })
            | Kind::Service(Service { args, .. }) => args,
            Kind::Command(_) => &[],
        }
    }

    /// The `shell` line of a command workload that has one.
    pub fn shell(&self) -> Option<&str> {
        match &self.kind {
            Kind::Command(Command {
                program: Program::Shell(line),
                ..
            }) => Some(line),
            _ => None,
        }
    }

    pub fn trains(&self) -> bool {
        self.role.trains()
    }

    pub fn measured(&self) -> bool {
        self.role.measured()
    }

    pub fn service(&self) -> Option<&Service> {
        match &self.kind {
            Kind::Service(s) => Some(s),
            Kind::Command(_) => None,
        }
    }
}

impl Kind {
    /// The kind's tag, as reports and metrics know it.
    pub fn tag(&self) -> WorkloadKind {
        match self {
            Kind::Command(_) => WorkloadKind::Command,
            Kind::Service(_) => WorkloadKind::Service,
        }
    }

    /// A service loaded on a fixed schedule (`rate =`): its request rate is the schedule's.
    pub fn open_loop(&self) -> bool {
        matches!(
            self,
            Kind::Service(Service {
                load: Load {
                    pace: Pace::Open { .. },
                    ..
                },
                ..
            })
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.tag().fmt(f)
    }
}

impl Urls {
    /// The URL shown in summaries: the only one, or the first of the mix.
    pub fn first(&self) -> &str {
        match self {
            Urls::One(url) => url,
            Urls::Weighted(targets) => &targets[0].url,
        }
    }
}

impl Pace {
    pub fn requests(&self) -> Option<u64> {
        match self {
            Pace::Closed { requests } => requests.map(NonZeroU64::get),
            Pace::Open { .. } => None,
        }
    }

    pub fn rate(&self) -> Option<f64> {
        match self {
            Pace::Open { rate } => Some(*rate),
            Pace::Closed { .. } => None,
        }
    }
}

//! The saved result of a `compare`/`auto` run: the `--json` schema and the file format under
//! `<target-dir>/tune/results/`. Tables and Markdown are views of it; nothing is lost in between.
//!
//! Stability: fields are only ever added (readers use `#[serde(default)]` for them); a change
//! that would break a reader bumps [`SCHEMA`]. Units are in the field names (`_secs`, `_bytes`).
//!
//! ```text
//! Run
//! ├─ schema, cargo_tune_version, command ("compare" | "auto")
//! ├─ started, finished                 RFC 3339 (UTC)
//! ├─ project { root, package, bin }
//! ├─ host { rustc_version, llvm_version, host_triple, target_triple, cpu_model?, cpus? }
//! ├─ settings { noise_threshold, min_runs, max_runs, time_limit_secs?, warmup, seed,
//! │             confidence, resamples, layouts?, layout_mode? }
//! ├─ baseline                          index into `variants`
//! ├─ workloads [ { name, kind ("command" | "service") } ]
//! ├─ variants [
//! │    { name, variant (the exact Variant: kebab-case profile settings, target-cpu,
//! │      rustflags, stage), rustflags (complete, the user's then the variant's),
//! │      build? { binary, file_size_bytes, sections? { text, rodata, data, debug },
//! │               compile_time_secs, compile_time_cached, builds,
//! │               crates? [ { name, bytes } ]  .text+.rodata+.data.rel.ro per crate, largest
//! │                        first, "[unattributed]" last; from symbols or the link map },
//! │      failure?                      why it did not build (then `build` is absent)
//! │      layouts? [ { seed, sha256, binary, pad_bytes? } ]   the code layouts it ran on
//! │                                    (`--layouts`; absent: its binary as built)
//! │      trained_on? [ workload ]      PGO/BOLT: the workloads its profile was gathered with
//! │      fold? { of, held_out }        a held-out fold of variant `of`, measured on `held_out` only
//! │      health? { functions, functions_with_data, function_coverage, mismatched, missing,
//! │                workloads? [ { workload, trained, count_coverage, overlap } ] }
//! │      measurements [ one per workload, same order:
//! │        { workload, kind, failure?, in_sample? (true: trained on this workload),
//! │          held_out? { variant, metric, ratio?, lo?, hi?, verdict? } (the fold's figure),
//! │          samples [ { round, warmup, outlier? ("mild" | "severe"), layout?, kind,
//! │                      command: wall_secs, user_secs, sys_secs, peak_rss_bytes?
//! │                      service: requests_per_sec, p50_secs, p90_secs, p99_secs, p999_secs,
//! │                               requests, errors, non_2xx, duration_secs, peak_rss_bytes? } ],
//! │          summary? { runs, outliers, errors?, non_2xx?,
//! │                     metrics { wall | user | sys | requests_per_sec | p50 | p90 | p99 |
//! │                               p999 | peak_rss:
//! │                               { median, lo?, hi?, min, max, n,
//! │                                 vs_baseline? { ratio, lo, hi, paired,
//! │                                                verdict ("better" | "worse" |
//! │                                                  "within_noise" | "undecided") } } } } } ] } ]
//! ├─ rounds, stop? ("decided" | "max_runs" | "time_limit" | "interrupted" |
//! │                 "nothing_to_measure"), elapsed_secs
//! ├─ interrupted                       true when Ctrl-C cut the run short (partial data)
//! ├─ notes [ string ]
//! ├─ analysis? { design { method, alpha, looks, levels }, confidence }
//! ├─ noise [ { workload, spread?, resolution?, undecided,
//!              layout? { layouts, spread, band, df } } ]   the layout band (`measure::layout`)
//! └─ explain? [ where each variant's change against the baseline comes from, per function
//!               and crate (`compare --explain`, `check --explain`; see `crate::explain`) ]
//! ```

pub(crate) mod auto;
pub(crate) mod driver;
pub(crate) mod fold;
pub(crate) mod host;
pub(crate) mod pareto;
pub(crate) mod store;
pub(crate) mod training;
mod verdicts;

use std::path::PathBuf;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::measure::Settings;
use crate::measure::WorkloadKind;
use crate::measure::sequential::Design;
use crate::measure::size::SectionSizes;
use crate::measure::summary::{self, Summary};
use crate::measure::{Metric, SampleRecord, Series};
use crate::measure::{Outcome, StopReason};
use crate::pgo::health::ProfileHealth;
use crate::run::fold::{Fold, HeldOut};
use crate::run::host::{HostInfo, ProjectInfo};
use crate::variant::Variant;

/// Version of this format; bumped on any change an older reader would misread.
pub(crate) const SCHEMA: u32 = 1;

/// Which command produced a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunCommand {
    Compare,
    Auto,
    /// `cargo tune check`: the base revision (variant 0) against the working tree.
    Check,
}

impl RunCommand {
    pub fn as_str(self) -> &'static str {
        match self {
            RunCommand::Compare => "compare",
            RunCommand::Auto => "auto",
            RunCommand::Check => "check",
        }
    }
}

/// A workload as the run knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadInfo {
    pub name: String,
    pub kind: WorkloadKind,
    /// The metric that decides on it (older results have none: the kind's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
}

/// A question a run asks explicitly (`auto`'s steps, `check` with folds): `variant` against
/// `reference` on `workload`, or jointly over every workload both run on. A run's questions are
/// decided as one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    pub variant: usize,
    pub reference: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<usize>,
}

/// How a variant's binary came to be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildInfo {
    pub binary: PathBuf,
    pub file_size_bytes: u64,
    /// Absent when the file could not be read as ELF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sections: Option<SectionSizes>,
    /// Wall time of the cold build(s), all stages together.
    pub compile_time_secs: f64,
    /// True when the compile time comes from an earlier cold build (the binary was up to date).
    pub compile_time_cached: bool,
    /// Cold builds the variant needs (PGO: instrumented + optimized = 2).
    pub builds: u32,
    /// Bytes of `.text`, `.rodata` and `.data.rel.ro` per crate, largest first and
    /// `[unattributed]` last (they add up to those sections); empty when not analysed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crates: Vec<CrateSize>,
}

/// One crate's share of a binary (`cargo tune size` has the full analysis).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrateSize {
    pub name: String,
    pub bytes: u64,
}

/// One variant × workload: every sample (warm-ups flagged) and its summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub workload: String,
    pub kind: WorkloadKind,
    /// Why this pair stopped early (the other pairs carried on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    pub samples: Vec<SampleRecord>,
    /// Absent when no sample was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    /// The variant's profile was trained on this workload: its figure here is in-sample.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_sample: bool,
    /// The same variant built without this workload's profile, measured here (`--held-out`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_out: Option<HeldOut>,
}

impl Measurement {
    pub fn series(&self) -> Series {
        Series {
            kind: self.kind,
            samples: self.samples.clone(),
            failure: self.failure.clone(),
        }
    }
}

/// One variant: what it is, how it built, how it measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantResult {
    pub name: String,
    pub variant: Variant,
    /// The complete rustflags of the build: the user's, then the variant's.
    pub rustflags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildInfo>,
    /// Why it did not build; then it was not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// One per workload of the run, in the same order (empty when not measured).
    #[serde(default)]
    pub measurements: Vec<Measurement>,
    /// The code layouts it was measured on (samples name theirs by index); empty: its binary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layouts: Vec<crate::link::layouts::Layout>,
    /// The workloads a PGO/BOLT variant's profile was gathered with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trained_on: Vec<String>,
    /// A held-out fold: measured only on the workload its profile left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fold: Option<Fold>,
    /// Coverage, overlap and staleness of its PGO profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<ProfileHealth>,
}

impl VariantResult {
    pub fn built(variant: Variant, rustflags: Vec<String>, build: BuildInfo) -> VariantResult {
        VariantResult {
            name: variant.name.clone(),
            variant,
            rustflags,
            build: Some(build),
            failure: None,
            measurements: Vec::new(),
            layouts: Vec::new(),
            trained_on: Vec::new(),
            fold: None,
            health: None,
        }
    }

    pub fn failed(
        variant: Variant,
        rustflags: Vec<String>,
        reason: impl Into<String>,
    ) -> VariantResult {
        VariantResult {
            name: variant.name.clone(),
            variant,
            rustflags,
            build: None,
            failure: Some(reason.into()),
            measurements: Vec::new(),
            layouts: Vec::new(),
            trained_on: Vec::new(),
            fold: None,
            health: None,
        }
    }

    /// The measurement on workload `w`, if the variant was measured.
    pub fn measurement(&self, w: usize) -> Option<&Measurement> {
        self.measurements.get(w)
    }
}

/// A whole run. See the module docs for the JSON layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub schema: u32,
    pub cargo_tune_version: String,
    pub command: RunCommand,
    /// RFC 3339, UTC, seconds.
    pub started: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    pub project: ProjectInfo,
    pub host: HostInfo,
    pub settings: Settings,
    /// Index into `variants` of the variant the others are compared with.
    pub baseline: usize,
    pub workloads: Vec<WorkloadInfo>,
    pub variants: Vec<VariantResult>,
    /// Completed measurement rounds (warm-ups not counted).
    #[serde(default)]
    pub rounds: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopReason>,
    /// Wall time spent measuring.
    #[serde(default)]
    pub elapsed_secs: f64,
    /// Ctrl-C cut the run short: the data is partial.
    #[serde(default)]
    pub interrupted: bool,
    #[serde(default)]
    pub notes: Vec<String>,
    /// How the verdicts were reached: the sequential design and its final analysis' level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Analysis>,
    /// Per workload, the noise the run saw and the smallest change it could find.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub noise: Vec<NoiseInfo>,
    /// `auto`'s questions (joint over workloads); empty for `compare` and `check`, whose family
    /// is each variant against the baseline on each workload.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<Pair>,
    /// Per-function explanations of the changes (`--explain`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explain: Vec<crate::explain::Explanation>,
}

/// The statistics behind every verdict of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub design: Design,
    /// Confidence of an interval that spends the whole error rate at the final analysis (the
    /// other metrics'). The deciding metric's comparisons are a family: each carries its own.
    pub confidence: f64,
    /// How the family's error rate is shared among its comparisons.
    #[serde(default)]
    pub family: String,
}

/// What one workload's noise allowed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseInfo {
    pub workload: String,
    /// The metric all of this is about: the workload's deciding metric.
    pub metric: Metric,
    /// Run-to-run spread of the baseline on the deciding metric (robust: IQR / 1.349 / median).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<f64>,
    /// Changes of this size or more (a fraction) are found about 80% of the time at this noise
    /// and this many runs (`measure::power`; the widest comparison on this workload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detectable: Option<f64>,
    /// Comparisons on the deciding metric that ended undecided.
    pub undecided: usize,
    /// How far code layout alone moved the deciding metric, when several were measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<crate::measure::layout::Band>,
}

/// Now as RFC 3339 (UTC, whole seconds).
pub(crate) fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

impl Run {
    /// A run started now, with no variants or workloads yet.
    pub fn new(
        command: RunCommand,
        project: ProjectInfo,
        host: HostInfo,
        settings: Settings,
    ) -> Run {
        Run {
            schema: SCHEMA,
            cargo_tune_version: env!("CARGO_PKG_VERSION").to_string(),
            command,
            started: now_rfc3339(),
            finished: None,
            project,
            host,
            settings,
            baseline: 0,
            workloads: Vec::new(),
            variants: Vec::new(),
            rounds: 0,
            stop: None,
            elapsed_secs: 0.0,
            interrupted: false,
            notes: Vec::new(),
            analysis: None,
            noise: Vec::new(),
            questions: Vec::new(),
            explain: Vec::new(),
        }
    }

    /// Stores the engine's outcome, flags outliers and computes every summary.
    pub fn record(&mut self, outcome: Outcome) {
        self.interrupted = outcome.interrupted();
        for (v, series) in outcome.series.into_iter().enumerate() {
            let Some(variant) = self.variants.get_mut(v) else {
                break;
            };
            if variant.build.is_none() {
                continue;
            }
            variant.measurements = series
                .into_iter()
                .zip(&self.workloads)
                .map(|(mut s, w)| {
                    let deciding = w
                        .metric
                        .unwrap_or_else(|| self.settings.deciding(w.kind, false));
                    summary::flag_outliers(&mut s, deciding);
                    Measurement {
                        workload: w.name.clone(),
                        kind: s.kind,
                        failure: s.failure,
                        samples: s.samples,
                        summary: None,
                        in_sample: false,
                        held_out: None,
                    }
                })
                .collect();
        }
        self.rounds = outcome.rounds;
        self.stop = Some(outcome.stop);
        self.elapsed_secs = outcome.elapsed.as_secs_f64();
        self.finished = Some(now_rfc3339());
        self.summarize();
    }

    pub fn baseline(&self) -> Option<&VariantResult> {
        self.variants.get(self.baseline)
    }

    /// The summary of `metric` for variant `v` on workload `w`.
    pub fn metric(&self, v: usize, w: usize, metric: Metric) -> Option<&summary::MetricSummary> {
        self.variants
            .get(v)?
            .measurements
            .get(w)?
            .summary
            .as_ref()?
            .metric(metric)
    }
}

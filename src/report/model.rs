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
//! │             confidence, resamples }
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
//! │      measurements [ one per workload, same order:
//! │        { workload, kind, failure?,
//! │          samples [ { round, warmup, outlier? ("mild" | "severe"), kind,
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
//! ├─ noise [ { workload, spread?, resolution?, undecided } ]
//! └─ explain? [ where each variant's change against the baseline comes from, per function
//!               and crate (`compare --explain`, `check --explain`; see `crate::explain`) ]
//! ```

use std::path::PathBuf;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::measure::engine::{Outcome, Plan, StopReason};
use crate::measure::sample::{Metric, SampleRecord, Series};
use crate::measure::sequential::Design;
use crate::measure::settings::Settings;
use crate::measure::size::SectionSizes;
use crate::measure::summary::{self, Summary};
use crate::toolchain::Rustc;
use crate::tune_config::WorkloadKind;
use crate::variant::Variant;

/// Version of this format; bumped on any change an older reader would misread.
pub const SCHEMA: u32 = 1;

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

/// Which binary of which project was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectInfo {
    /// Workspace root.
    pub root: PathBuf,
    pub package: String,
    pub bin: String,
}

/// The machine and toolchain the numbers come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostInfo {
    pub rustc_version: String,
    pub llvm_version: String,
    pub host_triple: String,
    /// What the variants were built for (the host unless `--target`).
    pub target_triple: String,
    /// `model name` from /proc/cpuinfo, when readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_model: Option<String>,
    /// Logical CPUs available to the process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<usize>,
}

#[cfg(test)]
impl Run {
    /// A run of mock variants `v0`, `v1`, … (one per row of `behaviour`, each 1000 bytes, built
    /// in 1 s) on named workloads, measured by the mock executor with `settings`.
    pub fn mock_measured(
        settings: Settings,
        workloads: &[(&str, WorkloadKind)],
        behaviour: Vec<Vec<crate::measure::testing::Behaviour>>,
    ) -> Run {
        let project = ProjectInfo {
            root: "/p".into(),
            package: "p".into(),
            bin: "p".into(),
        };
        let seed = settings.seed;
        let mut run = Run::new(RunCommand::Compare, project, HostInfo::example(), settings);
        for (name, kind) in workloads {
            run.workloads.push(WorkloadInfo {
                name: name.to_string(),
                kind: *kind,
            });
        }
        for v in 0..behaviour.len() {
            let info = BuildInfo {
                binary: "/bin/true".into(),
                file_size_bytes: 1000,
                sections: None,
                compile_time_secs: 1.0,
                compile_time_cached: false,
                builds: 1,
                crates: Vec::new(),
            };
            run.variants.push(VariantResult::built(
                Variant::new(format!("v{v}"), "release"),
                vec![],
                info,
            ));
        }
        let mut exec = crate::measure::testing::MockExecutor::new(seed, behaviour);
        measure_run(
            &mut run,
            &mut exec,
            &mut crate::measure::NoProgress,
            Vec::new(),
        );
        run
    }
}

#[cfg(test)]
impl HostInfo {
    /// A fixed host for deterministic tests and snapshots.
    pub fn example() -> HostInfo {
        HostInfo {
            rustc_version: "1.95.0".into(),
            llvm_version: "22.1.0".into(),
            host_triple: "x86_64-unknown-linux-gnu".into(),
            target_triple: "x86_64-unknown-linux-gnu".into(),
            cpu_model: Some("Example CPU @ 3.00GHz".into()),
            cpus: Some(2),
        }
    }
}

impl HostInfo {
    /// Describes this machine; `target` is the triple the variants are built for.
    pub fn detect(rustc: &Rustc, target: &str) -> HostInfo {
        HostInfo {
            rustc_version: rustc.version.clone(),
            llvm_version: rustc.llvm_version.clone(),
            host_triple: rustc.host.clone(),
            target_triple: target.to_string(),
            cpu_model: std::fs::read_to_string("/proc/cpuinfo")
                .ok()
                .and_then(|text| cpu_model(&text)),
            cpus: std::thread::available_parallelism().ok().map(|n| n.get()),
        }
    }
}

/// The first `model name` line of /proc/cpuinfo (x86) or `Model`/`CPU part` fallbacks (ARM).
fn cpu_model(cpuinfo: &str) -> Option<String> {
    ["model name", "Model", "Hardware"].iter().find_map(|key| {
        cpuinfo.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim() == *key && !v.trim().is_empty()).then(|| v.trim().to_string())
        })
    })
}

/// A workload as the run knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadInfo {
    pub name: String,
    pub kind: WorkloadKind,
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
    /// Per workload, the noise the run saw and the smallest change it could tell apart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub noise: Vec<NoiseInfo>,
    /// Per-function explanations of the changes (`--explain`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explain: Vec<crate::explain::Explanation>,
}

/// The statistics behind every verdict of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub design: Design,
    /// Confidence of the reported intervals: one minus the level left for the final analysis.
    pub confidence: f64,
}

/// What one workload's noise allowed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseInfo {
    pub workload: String,
    /// Run-to-run spread of the baseline on the deciding metric (robust: IQR / 1.349 / median).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<f64>,
    /// Changes smaller than this (a fraction) could not be told apart from none: the noise
    /// threshold plus the widest half-interval of the comparisons on this workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<f64>,
    /// Comparisons on the deciding metric that ended undecided.
    pub undecided: usize,
}

/// Now as RFC 3339 (UTC, whole seconds).
pub fn now_rfc3339() -> String {
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
            explain: Vec::new(),
        }
    }

    /// What the engine should measure: every workload on every variant that built.
    pub fn plan(&self) -> Plan {
        let mut plan = Plan::new(
            self.variants.iter().map(|v| v.name.clone()).collect(),
            self.workloads
                .iter()
                .map(|w| (w.name.clone(), w.kind))
                .collect(),
            self.baseline,
        );
        plan.skip = self.variants.iter().map(|v| v.build.is_none()).collect();
        plan
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
                    summary::flag_outliers(&mut s);
                    Measurement {
                        workload: w.name.clone(),
                        kind: s.kind,
                        failure: s.failure,
                        samples: s.samples,
                        summary: None,
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

    /// (Re)computes every summary from the raw samples with the run's settings and seed.
    pub fn summarize(&mut self) {
        let b = self.baseline;
        let design = Design::new(&self.settings);
        let alpha = design.final_level(self.rounds);
        self.analysis = Some(Analysis {
            design,
            confidence: 1.0 - alpha,
        });
        for w in 0..self.workloads.len() {
            let base = self
                .variants
                .get(b)
                .and_then(|v| v.measurements.get(w))
                .filter(|m| m.failure.is_none())
                .map(Measurement::series);
            for v in 0..self.variants.len() {
                let Some(m) = self.variants[v].measurements.get(w) else {
                    continue;
                };
                let series = m.series();
                let summary = (series.runs() > 0).then(|| {
                    let against = if v == b { None } else { base.as_ref() };
                    summary::summarize(&series, against, &self.settings, alpha, v, w)
                });
                self.variants[v].measurements[w].summary = summary;
            }
        }
        self.noise = (0..self.workloads.len())
            .map(|w| self.noise_info(w))
            .collect();
    }

    /// The baseline's spread and the run's resolution on workload `w`'s deciding metric.
    fn noise_info(&self, w: usize) -> NoiseInfo {
        let metric = Metric::primary(self.workloads[w].kind);
        let spread = self
            .variants
            .get(self.baseline)
            .and_then(|v| v.measurements.get(w))
            .and_then(|m| summary::spread(&m.series().values(metric)));
        let comparisons: Vec<summary::Comparison> = (0..self.variants.len())
            .filter(|&v| v != self.baseline)
            .filter_map(|v| self.metric(v, w, metric)?.vs_baseline)
            .collect();
        let widest = comparisons
            .iter()
            .map(|c| (c.hi - c.lo) / 2.0)
            .fold(None, |acc: Option<f64>, x| {
                Some(acc.map_or(x, |a| a.max(x)))
            });
        NoiseInfo {
            workload: self.workloads[w].name.clone(),
            spread,
            resolution: widest.map(|h| h + self.settings.noise_threshold),
            undecided: comparisons
                .iter()
                .filter(|c| c.verdict == crate::measure::stats::Verdict::Undecided)
                .count(),
        }
    }

    pub fn baseline(&self) -> Option<&VariantResult> {
        self.variants.get(self.baseline)
    }

    /// Confidence of the run's intervals (the sequential design's final analysis).
    pub fn confidence(&self) -> f64 {
        match &self.analysis {
            Some(a) => a.confidence,
            None => 1.0 - Design::new(&self.settings).final_level(self.rounds),
        }
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

/// Measures the run's built variants on its workloads with `exec` and records the outcome in it
/// (Ctrl-C ends the loop through `process::interrupted`, keeping the partial result).
pub fn measure_run(
    run: &mut Run,
    exec: &mut dyn crate::measure::Executor,
    progress: &mut dyn crate::measure::Progress,
    questions: Vec<crate::measure::Question>,
) {
    let mut plan = run.plan();
    plan.questions = questions;
    let outcome = crate::measure::measure(
        &plan,
        &run.settings,
        exec,
        progress,
        &std::sync::atomic::AtomicBool::new(false),
    );
    run.record(outcome);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_model_from_cpuinfo() {
        let x86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n";
        assert_eq!(
            cpu_model(x86).as_deref(),
            Some("Intel(R) Xeon(R) CPU @ 2.20GHz")
        );
        assert_eq!(cpu_model("processor : 0\n"), None);
        assert_eq!(
            cpu_model("CPU part : 0xd0c\nModel : Raspberry Pi 5\n").as_deref(),
            Some("Raspberry Pi 5")
        );
    }
}

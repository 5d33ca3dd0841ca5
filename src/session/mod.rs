//! A tuning session: builds candidates (plain, with PGO, BOLT or both, each at most once per session) and measures
//! sets of them on the user's workloads. `compare` runs it once; `auto` runs it step by step.

mod executor;
mod folds;
mod layouts;
mod reuse;
mod window;

pub(crate) use folds::Trained;

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result};

pub(crate) use executor::WorkloadExecutor;

use crate::bolt::{Bolt, BoltOptions};
use crate::cargo::{Build, Builder};
use crate::measure::Settings;
use crate::measure::size::section_sizes;
use crate::pgo::{Pgo, PgoOptions, ProfileSource};
use crate::process::Interrupted;
use crate::run::driver::measure_run;
use crate::run::host::{HostInfo, ProjectInfo};
use crate::run::{BuildInfo, CrateSize, Run, RunCommand, VariantResult, WorkloadInfo};
use crate::spec::Candidate;
use crate::tune_config::Workload;
use crate::ui::Shell;
use crate::variant::Variant;
use crate::workload::roles;

/// The report's record of a build: size and ELF sections of its binary, and what it cost.
/// `compile_time` may add up stages (PGO: instrumented + optimized = 2 `builds`).
fn build_info(
    build: &Build,
    compile_time: Duration,
    cached: bool,
    builds: u32,
) -> Result<BuildInfo> {
    let meta = std::fs::metadata(&build.binary)
        .with_context(|| format!("cannot read {}", build.binary.display()))?;
    Ok(BuildInfo {
        binary: build.binary.clone(),
        file_size_bytes: meta.len(),
        sections: section_sizes(&build.binary).ok(),
        compile_time_secs: compile_time.as_secs_f64(),
        compile_time_cached: cached,
        builds,
        crates: Vec::new(),
    })
}

/// A candidate's binary and how it was made.
#[derive(Debug, Clone)]
pub(crate) struct Built {
    /// The exact variant of the final binary (PGO: the optimized stage), named as the candidate.
    pub variant: Variant,
    pub rustflags: Vec<String>,
    pub info: BuildInfo,
    /// A profile-guided build's training: workloads, profile health, held-out folds.
    pub profile: Option<Trained>,
}

/// Options that apply to every build and run of a session.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// Rebuild each candidate from an empty target dir (once per session).
    pub rebuild: bool,
    pub allow_remote: bool,
    /// Build each PGO candidate once more per measured training workload, from a profile
    /// without it, and measure that fold on it (`--held-out`).
    pub held_out: bool,
    /// Keep nothing of counted runs (`explain` reads them later) under the target dir: the
    /// binaries measured are not this project's builds (`compare --prebuilt`).
    pub keep_no_counts: bool,
}

/// Builds and measures candidates for one binary.
pub(crate) struct Session<'a> {
    shell: &'a Shell,
    builder: &'a Builder<'a>,
    /// Every selected workload; `measure` runs those whose role measures, profiles are
    /// gathered with those whose role trains (`workload::roles`).
    pub workloads: Vec<Workload>,
    opts: SessionOptions,
    built: HashMap<String, Result<Built, String>>,
    /// Compiler runs that did work (a cached, up-to-date build is not counted).
    pub builds_run: u32,
    /// Notes for the report (reused profiles, cached compile times).
    pub notes: Vec<String>,
    /// Profiles trained in this session, for configurations that can share them.
    trained: Vec<crate::pgo::reuse::Trained>,
    /// Seconds spent running workloads on instrumented builds and merging their profiles.
    pub training_secs: f64,
    /// Measure services with the default (shorter) window: `auto`'s steps (`window`).
    pub short_windows: bool,
}

impl<'a> Session<'a> {
    pub(crate) fn new(
        shell: &'a Shell,
        builder: &'a Builder<'a>,
        workloads: Vec<Workload>,
        opts: SessionOptions,
    ) -> Session<'a> {
        Session {
            shell,
            builder,
            workloads,
            opts,
            built: HashMap::new(),
            builds_run: 0,
            notes: Vec::new(),
            trained: Vec::new(),
            training_secs: 0.0,
            short_windows: false,
        }
    }

    pub(crate) fn builder(&self) -> &Builder<'a> {
        self.builder
    }

    /// Whether PGO can run here (profiler runtime and a matching llvm-profdata), and why not.
    pub(crate) fn pgo_available(&self) -> Result<(), String> {
        let probe = Pgo::new(self.shell, self.builder, &Variant::new("probe", "release"));
        probe.preflight().map(|_| ()).map_err(|e| format!("{e:#}"))
    }

    /// Whether BOLT can run here (a Linux target, `llvm-bolt` and `merge-fdata` of rustc's LLVM),
    /// and why not.
    pub(crate) fn bolt_available(&self) -> Result<(), String> {
        let probe = Bolt::new(
            self.shell,
            self.builder,
            &Variant::new("probe", "release"),
            false,
            BoltOptions::default(),
        );
        probe.preflight().map(|_| ()).map_err(|e| format!("{e:#}"))
    }

    /// Whether this session already built (or failed to build) the candidate.
    pub(crate) fn is_built(&self, c: &Candidate) -> bool {
        self.built.contains_key(&c.key())
    }

    /// Builds a candidate once; a failure is kept as its reason. Only Ctrl-C is an `Err`.
    pub(crate) fn build(&mut self, c: &Candidate) -> Result<Result<Built, String>> {
        if let Some(done) = self.built.get(&c.key())
            && !self.lacks_folds(c, done)
        {
            return Ok(done.clone().map(|b| Built {
                variant: Variant {
                    name: c.name.clone(),
                    ..b.variant
                },
                ..b
            }));
        }
        // Built before folds were wanted: its profile and build are reused, not made again.
        let rebuild = self.opts.rebuild;
        self.opts.rebuild &= !self.built.contains_key(&c.key());
        let result = if c.bolt {
            self.build_bolt(c)
        } else if c.pgo {
            self.build_pgo(c)
        } else {
            self.build_plain(c)
        };
        self.opts.rebuild = rebuild;
        let result = match result {
            Ok(b) => Ok(b),
            Err(e) if e.is::<Interrupted>() || crate::process::interrupted() => {
                return Err(Interrupted.into());
            }
            Err(e) => Err(format!("{e:#}")),
        };
        self.built.insert(c.key(), result.clone());
        Ok(result)
    }

    /// `info` with its binary's bytes per crate (from its symbols or its link map), or a note
    /// saying why there are none (`bolted`: BOLT rewrote the binary after its link).
    fn with_crates(
        &mut self,
        name: &str,
        build: &Build,
        info: BuildInfo,
        bolted: bool,
    ) -> BuildInfo {
        let analysed = crate::size::variant::crates_of_build(
            self.builder,
            &build.variant,
            &build.target_dir,
            &build.binary,
        );
        match analysed {
            Ok(report) => BuildInfo {
                crates: report
                    .crates
                    .iter()
                    .map(|c| CrateSize {
                        name: c.name.clone(),
                        bytes: c.bytes.total(),
                    })
                    .collect(),
                ..info
            },
            Err(_) if bolted => {
                self.notes.push(format!(
                    "{name}: no per-crate sizes (BOLT rewrote the stripped binary after the link, so \
                     the linker's map no longer describes it; `strip=none` keeps its symbols)"
                ));
                info
            }
            Err(e) => {
                self.notes
                    .push(format!("{name}: no per-crate sizes ({e:#})"));
                info
            }
        }
    }

    fn build_plain(&mut self, c: &Candidate) -> Result<Built> {
        let build = self.builder.build(&c.variant, self.opts.rebuild)?;
        self.builds_run += u32::from(!build.fresh);
        let info = build_info(
            &build,
            build.compile_time,
            !build.compile_time_measured_now,
            1,
        )?;
        let info = self.with_crates(&c.name, &build, info, false);
        Ok(Built {
            variant: c.variant.clone(),
            rustflags: build.rustflags,
            info,
            profile: None,
        })
    }

    /// The PGO pipeline of candidate `c`, its base named by what it is: `production+pgo` →
    /// production, `pgo` → release.
    fn pgo_of(&self, c: &Candidate) -> Pgo<'a> {
        let base = Variant {
            name: c.config.clone(),
            ..c.variant.clone()
        };
        Pgo::new(self.shell, self.builder, &base)
    }

    fn build_pgo(&mut self, c: &Candidate) -> Result<Built> {
        let pgo = self.pgo_of(c);
        if let Some(built) = self.build_pgo_reused(c, &pgo)? {
            return Ok(built);
        }
        let opts = PgoOptions {
            rebuild: self.opts.rebuild,
            allow_remote: self.opts.allow_remote,
            ..Default::default()
        };
        let training = roles::training(&self.workloads);
        roles::require_training(&self.workloads)?;
        let run = pgo.run(
            &ProfileSource::Workloads(training),
            &opts,
            !self.opts.rebuild,
        )?;
        self.remember_training(&pgo.base, &run);
        self.builds_run += u32::from(!run.instrumented.fresh) + u32::from(!run.optimized.fresh);
        let compile = run.instrumented.compile_time + run.optimized.compile_time;
        let cached =
            !run.instrumented.compile_time_measured_now || !run.optimized.compile_time_measured_now;
        let info = build_info(&run.optimized, compile, cached, 2)?;
        let info = self.with_crates(&c.name, &run.optimized, info, false);
        if run.warnings.mismatched > 0 {
            self.notes.push(format!(
                "{}: {} changed since the PGO profile was gathered",
                c.name,
                crate::ui::count(run.warnings.mismatched, "function")
            ));
        }
        let variant = Variant {
            name: c.name.clone(),
            ..run.optimized.variant.clone()
        };
        let profile = self.evaluate(c, &pgo, &run, &opts)?;
        Ok(Built {
            variant,
            rustflags: run.optimized.rustflags,
            info,
            profile: Some(profile),
        })
    }

    /// BOLT on the candidate's configuration (on its PGO build with `c.pgo`). Compile time adds
    /// the input build(s) and BOLT's own instrument and optimize passes, counted as one build.
    fn build_bolt(&mut self, c: &Candidate) -> Result<Built> {
        let base_name = c.config.clone();
        let opts = BoltOptions {
            allow_remote: self.opts.allow_remote,
            rebuild: self.opts.rebuild,
            args: None,
        };
        let base = Variant {
            name: base_name,
            ..c.variant.clone()
        };
        let bolt = Bolt::new(self.shell, self.builder, &base, c.pgo, opts);
        roles::require_training(&self.workloads)?;
        let training = roles::training(&self.workloads);
        let run = bolt.run(&training, !self.opts.rebuild)?;
        self.builds_run += run.input.builds_run + u32::from(run.optimized_now);
        let compile = run.input.compile_time + run.bolt_time;
        let build = Build {
            binary: run.binary.clone(),
            ..run.input.build.clone()
        };
        let info = build_info(
            &build,
            compile,
            run.input.compile_time_cached || !run.optimized_now,
            run.input.builds + 1,
        )?;
        let info = self.with_crates(&c.name, &build, info, true);
        if run.stats.is_low_coverage() {
            self.notes.push(format!(
                "{}: the BOLT profile is thin ({})",
                c.name,
                run.stats.coverage()
            ));
        }
        self.notes.push(format!(
            "{}: BOLT profile: {}; dyno-stats: {}",
            c.name,
            run.stats.coverage(),
            run.stats.dyno_summary()
        ));
        let variant = Variant {
            name: c.name.clone(),
            ..run.input.build.variant.clone()
        };
        Ok(Built {
            variant,
            rustflags: run.input.build.rustflags,
            info,
            profile: Some(Trained {
                on: training.iter().map(|w| w.name.clone()).collect(),
                ..Trained::default()
            }),
        })
    }

    /// Builds every candidate, with a progress bar; stops at Ctrl-C.
    pub(crate) fn build_all(
        &mut self,
        candidates: &[Candidate],
    ) -> Result<Vec<Result<Built, String>>> {
        let bar = self.shell.progress_bar("Building", candidates.len() as u64);
        self.shell.set_bar(&bar);
        let mut out = Vec::new();
        for c in candidates {
            bar.set_message(format!("{} ({})", c.name, c.describe()));
            let r = self.build(c);
            bar.inc(1);
            match r {
                Ok(r) => out.push(r),
                Err(e) => {
                    self.shell.clear_bar();
                    return Err(e);
                }
            }
        }
        self.shell.clear_bar();
        Ok(out)
    }

    /// A run record for this project, before any variant is added.
    pub(crate) fn new_run(&self, command: RunCommand, settings: Settings) -> Run {
        let bin = self.builder.bin();
        let project = ProjectInfo {
            root: self.builder.project().workspace_root.clone(),
            package: bin.package.clone(),
            bin: bin.bin.clone(),
        };
        let host = HostInfo::detect(self.builder.rustc(), self.builder.target());
        let mut run = Run::new(command, project, host, settings);
        run.workloads = roles::measured(&self.workloads)
            .iter()
            .map(|w| WorkloadInfo {
                name: w.name.clone(),
                kind: w.kind.tag(),
                metric: Some(run.settings.deciding(w.kind.tag(), w.kind.open_loop())),
            })
            .collect();
        run
    }

    /// The run's row for a built (or failed) candidate.
    pub(crate) fn variant_result(
        &self,
        c: &Candidate,
        built: &Result<Built, String>,
    ) -> VariantResult {
        match built {
            Ok(b) => {
                let mut r =
                    VariantResult::built(b.variant.clone(), b.rustflags.clone(), b.info.clone());
                if let Some(p) = &b.profile {
                    r.trained_on = p.on.clone();
                    r.health = p.health.clone();
                }
                r
            }
            Err(reason) => VariantResult::failed(
                Variant {
                    name: c.name.clone(),
                    ..c.variant.clone()
                },
                self.builder.rustflags(&c.variant),
                reason.clone(),
            ),
        }
    }

    /// Measures the run's variants on its workloads (interleaved rounds, adaptive stop, until
    /// the run's questions are decided) and records the outcome in it.
    pub(crate) fn measure(&self, run: &mut Run) {
        self.add_folds(run);
        let measured = roles::measured(&self.measured_workloads());
        let binaries = layouts::binaries(self.shell, self.builder, run);
        let mut exec = WorkloadExecutor {
            binaries,
            workloads: &measured,
            allow_remote: self.opts.allow_remote,
            count: count_for(run.settings.command_metric),
            pin: match run.settings.pin {
                // Checked when the options were read; a failure now leaves the run unpinned.
                true => crate::process::pick_cpu().ok(),
                false => None,
            },
            hard_stops: Vec::new(),
            kept: (!self.opts.keep_no_counts)
                .then(|| crate::workload::kept::Kept::new(&self.builder.project().tune_dir())),
            shas: Default::default(),
        };
        let mut progress = crate::measure::for_shell(self.shell);
        measure_run(run, &mut exec, progress.as_mut());
        self.shell.clear_bar();
        let names: Vec<String> = run.variants.iter().map(|v| v.name.clone()).collect();
        run.notes.extend(exec.stop_notes(&names));
    }
}

/// What cachegrind must count for a command metric, if it is one of its.
pub(crate) fn count_for(
    metric: crate::measure::Metric,
) -> Option<crate::workload::cachegrind::Count> {
    use crate::measure::Metric;
    use crate::workload::cachegrind::Count;
    match metric {
        Metric::Instructions => Some(Count::Instructions),
        Metric::CyclesEst => Some(Count::CyclesEst),
        _ => None,
    }
}

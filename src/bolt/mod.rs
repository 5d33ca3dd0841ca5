//! BOLT, post-link layout optimization: input build (relocations kept, unstripped; PGO first
//! when asked) → instrument → gather `.fdata` → merge → optimize → strip as the variant says.
//!
//! Each step is a method so `cargo tune bolt <step>` can run it alone, and `compare`/`auto`
//! run the whole pipeline on any configuration, with or without PGO underneath. Every product
//! is cached by the content of what it was made from: an unchanged input with an unchanged
//! profile does no work.

pub(crate) mod check;
pub(crate) mod gather;
mod layout;
pub(crate) mod merge;
pub(crate) mod optimize;
mod report;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

pub(crate) use layout::{Layout, Merged};
pub(crate) use report::BoltStats;

use crate::cargo::{Build, Builder};
use crate::manifest::Sources;
use crate::pgo::{Pgo, PgoOptions, ProfileSource};
use crate::toolchain::{LlvmTool, find_tool};
use crate::tune_config::Workload;
use crate::ui::Shell;
use crate::variant::{Stage, Strip, Variant};

const NO_WORKLOAD: &str = "no workload to gather a BOLT profile with: add [[package.metadata.tune.workload]] \
     to Cargo.toml, or pass the arguments after `--` (cargo tune bolt -- ARGS)";

/// Options shared by the steps.
#[derive(Debug, Clone, Default)]
pub(crate) struct BoltOptions {
    pub allow_remote: bool,
    /// Rebuild the input from an empty target dir.
    pub rebuild: bool,
    /// llvm-bolt's optimization flags instead of `optimize::DEFAULT_ARGS`.
    pub args: Option<Vec<String>>,
}

/// The BOLT pipeline for one binary on one configuration.
pub(crate) struct Bolt<'a> {
    pub shell: &'a Shell,
    pub builder: &'a Builder<'a>,
    /// The configuration BOLT is applied on, as a BOLT input (`bolt = true`, plain stage).
    pub base: Variant,
    /// PGO under BOLT: the input is the PGO-optimized build of `base`.
    pub pgo: bool,
    pub opts: BoltOptions,
}

/// The binary BOLT reads, and what building it cost.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    pub build: Build,
    pub layout: Layout,
    /// Content hash of the input binary.
    pub hash: String,
    /// Cold compile time of the build(s) behind it (PGO: instrumented + optimized).
    pub compile_time: Duration,
    pub compile_time_cached: bool,
    /// Compiler runs behind it (1, or 2 with PGO) and how many did work now.
    pub builds: u32,
    pub builds_run: u32,
}

/// Everything a full run produced.
#[derive(Debug, Clone)]
pub(crate) struct BoltRun {
    pub input: Input,
    pub binary: PathBuf,
    pub stats: BoltStats,
    pub raw_profiles: usize,
    /// False when the optimized binary came from the cache.
    pub optimized_now: bool,
    /// Wall time of BOLT itself (instrument + optimize), from the run that did the work.
    pub bolt_time: Duration,
    /// (step, wall time) in order.
    pub steps: Vec<(String, Duration)>,
}

impl<'a> Bolt<'a> {
    pub(crate) fn new(
        shell: &'a Shell,
        builder: &'a Builder<'a>,
        base: &Variant,
        pgo: bool,
        opts: BoltOptions,
    ) -> Bolt<'a> {
        let mut base = base.clone();
        base.stage = Stage::Plain;
        base.bolt = true;
        Bolt {
            shell,
            builder,
            base,
            pgo,
            opts,
        }
    }

    /// `llvm-bolt` and `merge-fdata` of rustc's LLVM, or why BOLT cannot run here.
    pub(crate) fn preflight(&self) -> Result<(PathBuf, PathBuf)> {
        let target = self.builder.target();
        if !target.contains("-linux") {
            bail!("BOLT rewrites Linux ELF executables only; the target is {target}");
        }
        let rustc = self.builder.rustc();
        let bolt = find_tool(rustc, LlvmTool::Bolt).require()?.to_path_buf();
        let merge = find_tool(rustc, LlvmTool::MergeFdata)
            .require()?
            .to_path_buf();
        Ok((bolt, merge))
    }

    /// Builds (or finds up to date) the binary BOLT reads and checks it. With PGO, the PGO
    /// pipeline runs first on the same workloads (its profile is reused when still valid).
    pub(crate) fn input(&self, workloads: &[Workload]) -> Result<Input> {
        let (build, compile_time, cached, builds, builds_run) = if self.pgo {
            if workloads.is_empty() {
                bail!("{NO_WORKLOAD}");
            }
            let pgo = Pgo::new(self.shell, self.builder, &self.base);
            let opts = PgoOptions {
                allow_remote: self.opts.allow_remote,
                rebuild: self.opts.rebuild,
                ..Default::default()
            };
            let run = pgo.run(
                &ProfileSource::Workloads(workloads.to_vec()),
                &opts,
                !self.opts.rebuild,
            )?;
            let compile = run.instrumented.compile_time + run.optimized.compile_time;
            let cached = !run.instrumented.compile_time_measured_now
                || !run.optimized.compile_time_measured_now;
            let did = u32::from(!run.instrumented.fresh) + u32::from(!run.optimized.fresh);
            (run.optimized, compile, cached, 2, did)
        } else {
            let b = self.builder.build(&self.base, self.opts.rebuild)?;
            let (t, cached, did) = (b.compile_time, !b.compile_time_measured_now, !b.fresh);
            (b, t, cached, 1, u32::from(did))
        };
        let facts = check::check_input(&build.binary)?;
        if facts.linked_with_mold() {
            self.shell.warn(
                "the input was linked with mold: it kept the relocations BOLT needs, but BOLT has crashed \
                 on mold's output before; if llvm-bolt fails, link with the default linker or lld",
            );
        }
        let layout = Layout::new(&build.target_dir, self.builder.bin());
        let hash = layout::file_hash(&build.binary)?;
        Ok(Input {
            build,
            layout,
            hash,
            compile_time,
            compile_time_cached: cached,
            builds,
            builds_run,
        })
    }

    /// The instrumented binary of `input`, made now unless an up-to-date one exists. Making it
    /// drops the raw profiles of an earlier input (they would not match).
    pub(crate) fn instrument(&self, input: &Input, bolt: &Path, clear: bool) -> Result<PathBuf> {
        let layout = &input.layout;
        let out = layout.instrumented_binary();
        let mut state = layout.load_state()?;
        let current = state.instrumented_from.as_deref() == Some(&input.hash) && out.is_file();
        if !current || clear {
            let removed = layout.clear_raw()?;
            if removed > 0 {
                self.shell.verbose(
                    "Removed",
                    format!("{removed} raw BOLT profile(s) from an earlier run"),
                );
            }
            state.gathered_from.clear();
            state.merged = None;
        }
        if !current {
            std::fs::create_dir_all(layout.raw_dir())
                .with_context(|| format!("cannot create {}", layout.raw_dir().display()))?;
            self.shell
                .status("Instrumenting", format!("{} with BOLT", self.name()));
            let _beat = self
                .shell
                .heartbeat("Instrumenting", format!("{} with BOLT", self.name()));
            let t = Instant::now();
            optimize::instrument(
                self.shell,
                bolt,
                &input.build.binary,
                &layout.profile_prefix(),
                &out,
            )?;
            state.instrumented_from = Some(input.hash.clone());
            state.instrument_secs = t.elapsed().as_secs_f64();
        }
        layout.save_state(&state)?;
        Ok(out)
    }

    /// Runs the workloads against the instrumented binary; returns the new raw profiles.
    pub(crate) fn gather(
        &self,
        input: &Input,
        instrumented: &Path,
        workloads: &[Workload],
    ) -> Result<usize> {
        if workloads.is_empty() {
            bail!("{NO_WORKLOAD}");
        }
        let n = gather::run_workloads(
            self.shell,
            instrumented,
            &input.layout,
            workloads,
            self.opts.allow_remote,
        )?;
        let mut state = input.layout.load_state()?;
        state
            .gathered_from
            .push(ProfileSource::Workloads(workloads.to_vec()).fingerprint());
        state.merged = None;
        input.layout.save_state(&state)?;
        Ok(n)
    }

    pub(crate) fn merge(&self, input: &Input, merge_fdata: &Path) -> Result<Merged> {
        self.shell.status(
            "Merging",
            format!("raw BOLT profiles in {}", input.layout.raw_dir().display()),
        );
        let merged = {
            let _beat = self.shell.heartbeat("Merging", "raw BOLT profiles");
            merge::merge(self.shell, merge_fdata, &input.layout, &input.hash)?
        };
        let mut state = input.layout.load_state()?;
        state.merged = Some(merged.clone());
        input.layout.save_state(&state)?;
        Ok(merged)
    }

    /// The merged profile of an earlier `merge` for this very input, if it is still there.
    pub(crate) fn existing_merged(&self, input: &Input) -> Result<Option<Merged>> {
        Ok(input
            .layout
            .load_state()?
            .merged
            .filter(|m| m.input == input.hash && m.path.is_file()))
    }

    /// The optimized, stripped binary; made now unless the same input, profile, flags and
    /// strip made it before. Returns it and whether BOLT ran now.
    pub(crate) fn optimize(
        &self,
        input: &Input,
        merged: &Merged,
        bolt: &Path,
    ) -> Result<(layout::Optimized, bool)> {
        let args = self.args();
        let strip = self.strip()?;
        let profile = layout::file_hash(&merged.path)?;
        let key = layout::short_hash(
            format!("{}\n{profile}\n{}\n{strip}", input.hash, args.join(" ")).as_bytes(),
        );
        let mut state = input.layout.load_state()?;
        if let Some(done) = state
            .optimized
            .as_ref()
            .filter(|o| o.key == key && o.path.is_file())
        {
            return Ok((done.clone(), false));
        }
        let out = input.layout.optimized_binary();
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        self.shell.status(
            "Optimizing",
            format!("{} with BOLT (then strip = \"{strip}\")", self.name()),
        );
        let _beat = self
            .shell
            .heartbeat("Optimizing", format!("{} with BOLT", self.name()));
        let t = Instant::now();
        let stats = optimize::optimize(
            self.shell,
            self.builder.rustc(),
            bolt,
            &optimize::Job {
                input: &input.build.binary,
                profile: &merged.path,
                args: &args,
                strip,
                out: &out,
            },
        )?;
        let done = layout::Optimized {
            path: out,
            key,
            stats,
            optimize_secs: t.elapsed().as_secs_f64(),
        };
        state.optimized = Some(done.clone());
        input.layout.save_state(&state)?;
        Ok((done, true))
    }

    /// The whole pipeline. `reuse_profile` keeps a merged profile of this very input and these
    /// very workloads (compare/auto re-run cheaply); otherwise profiles are gathered afresh.
    pub(crate) fn run(&self, workloads: &[Workload], reuse_profile: bool) -> Result<BoltRun> {
        if workloads.is_empty() {
            bail!("{NO_WORKLOAD}");
        }
        let (bolt, merge_fdata) = self.preflight()?;
        let mut steps = Vec::new();
        let t = Instant::now();
        let input = self.input(workloads)?;
        steps.push(("input build".to_string(), t.elapsed()));
        let fingerprint = ProfileSource::Workloads(workloads.to_vec()).fingerprint();
        let reusable = if reuse_profile {
            self.existing_merged(&input)?
                .filter(|m| m.gathered_from == [fingerprint.clone()])
        } else {
            None
        };
        let (merged, raw_profiles) = match reusable {
            Some(m) => {
                self.shell.note(format!(
                    "reusing the BOLT profile gathered earlier ({} raw profiles)",
                    m.raw_files
                ));
                let n = m.raw_files;
                (m, n)
            }
            None => {
                let t = Instant::now();
                let instrumented = self.instrument(&input, &bolt, true)?;
                steps.push(("instrument".into(), t.elapsed()));
                let t = Instant::now();
                let n = self.gather(&input, &instrumented, workloads)?;
                steps.push(("gather profiles".into(), t.elapsed()));
                let t = Instant::now();
                let merged = self.merge(&input, &merge_fdata)?;
                steps.push(("merge".into(), t.elapsed()));
                (merged, n)
            }
        };
        let t = Instant::now();
        let (optimized, optimized_now) = self.optimize(&input, &merged, &bolt)?;
        steps.push(("optimize".into(), t.elapsed()));
        let state = input.layout.load_state()?;
        let bolt_time = Duration::from_secs_f64(state.instrument_secs + optimized.optimize_secs);
        Ok(BoltRun {
            input,
            binary: optimized.path,
            stats: optimized.stats,
            raw_profiles,
            optimized_now,
            bolt_time,
            steps,
        })
    }

    /// llvm-bolt's optimization flags: `--bolt-args`, else `bolt-args` in the metadata, else
    /// the defaults.
    pub(crate) fn args(&self) -> Vec<String> {
        self.opts
            .args
            .clone()
            .or_else(|| self.builder.bin().config.bolt_args.clone())
            .unwrap_or_else(|| {
                optimize::DEFAULT_ARGS
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            })
    }

    /// The `strip` the configuration asks for, as cargo would resolve it (a release profile
    /// without debug info strips debuginfo by default); applied after BOLT.
    pub(crate) fn strip(&self) -> Result<Strip> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let sources = Sources::load(Some(&self.builder.project().root_manifest), &cwd)?;
        let plain = Variant {
            bolt: false,
            ..self.base.clone()
        };
        let resolved = sources.resolve_variant(&plain, &plain.name)?;
        Ok(resolved.typed().strip.unwrap_or(Strip::None))
    }

    /// `production+pgo+bolt`.
    pub(crate) fn name(&self) -> String {
        let pgo = if self.pgo { "+pgo" } else { "" };
        format!("{}{pgo}+bolt", self.base.name)
    }
}

//! Profile-guided optimization: instrumented build → gather raw profiles → merge → optimized build.
//!
//! Each step is a function so `cargo tune pgo <step>` can run it alone and `compare`/`auto`
//! can run the whole pipeline on top of any base variant.

pub(crate) mod folds;
mod gather;
pub(crate) mod health;
pub(crate) mod layout;
pub(crate) mod manual;
pub(crate) mod merge;
pub(crate) mod reuse;
pub(crate) mod saved;
mod warnings;

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

pub(crate) use gather::{ProfileSource, no_profile_explanation};

pub(crate) use warnings::PgoWarnings;

use crate::cargo::{Build, Builder};
use crate::pgo::layout::{Layout, MergedInfo};
use crate::toolchain::{LlvmTool, find_tool};
use crate::ui::Shell;
use crate::variant::{Stage, Variant};

const NO_WORKLOAD: &str = "no workload to gather profiles with: add [[package.metadata.tune.workload]] \
     to Cargo.toml, pass the arguments after `--` (cargo tune pgo -- ARGS), or use --tests / --benches";

const WARNINGS_FILE: &str = "cargo-tune-pgo-warnings.json";

/// Options shared by the steps.
#[derive(Debug, Clone, Default)]
pub(crate) struct PgoOptions {
    /// Keep raw profiles from earlier runs instead of starting afresh.
    pub keep_profiles: bool,
    /// Merge the readable raw profiles and skip unreadable ones.
    pub ignore_bad_profiles: bool,
    pub allow_remote: bool,
    /// Rebuild the variants from empty target dirs.
    pub rebuild: bool,
}

/// The PGO pipeline for one binary on one base configuration.
pub(crate) struct Pgo<'a> {
    pub shell: &'a Shell,
    pub builder: &'a Builder<'a>,
    pub base: Variant,
    pub layout: Layout,
}

/// Everything a full run produced.
#[derive(Debug, Clone)]
pub(crate) struct PgoRun {
    pub instrumented: Build,
    pub optimized: Build,
    pub merged: MergedInfo,
    pub warnings: PgoWarnings,
    pub raw_profiles: usize,
    /// (step, wall time) in order.
    pub steps: Vec<(String, Duration)>,
}

impl<'a> Pgo<'a> {
    pub(crate) fn new(shell: &'a Shell, builder: &'a Builder<'a>, base: &Variant) -> Pgo<'a> {
        let mut base = base.clone();
        base.stage = Stage::Plain;
        let layout = Layout::new(builder.project(), builder.bin(), &base);
        Pgo {
            shell,
            builder,
            base,
            layout,
        }
    }

    /// The base variant with `-Cprofile-generate` into this layout's raw dir.
    pub(crate) fn instrumented_variant(&self) -> Variant {
        let mut v = self.base.clone();
        v.name = format!("{}+pgo-instrumented", self.base.name);
        v.stage = Stage::PgoInstrumented {
            profile_dir: self.layout.raw_dir(),
        };
        v
    }

    /// The base variant with `-Cprofile-use` of `profdata`: every other setting identical.
    pub(crate) fn optimized_variant(&self, profdata: &std::path::Path) -> Variant {
        let mut v = self.base.clone();
        v.name = format!("{}+pgo", self.base.name);
        v.stage = Stage::PgoOptimized {
            profdata: profdata.to_path_buf(),
        };
        v
    }

    /// Fails early, before any build, when PGO cannot work on this machine.
    pub(crate) fn preflight(&self) -> Result<std::path::PathBuf> {
        let rustc = self.builder.rustc();
        if !rustc.has_profiler_runtime(self.builder.target()) {
            bail!(
                "rustc {} has no profiler runtime for {} (profiler_builtins), so -Cprofile-generate cannot work; \
                 use a toolchain that ships it (rustup's do)",
                rustc.version,
                self.builder.target()
            );
        }
        Ok(find_tool(rustc, LlvmTool::Profdata)
            .require()?
            .to_path_buf())
    }

    /// Step 1: the instrumented build. Clears earlier raw profiles unless `keep_profiles`.
    pub(crate) fn instrument(&self, opts: &PgoOptions) -> Result<Build> {
        let build = self
            .builder
            .build(&self.instrumented_variant(), opts.rebuild)?;
        self.start_profiles(&build, opts)?;
        Ok(build)
    }

    /// Records the instrumented binary and, unless `keep_profiles`, drops earlier raw profiles.
    fn start_profiles(&self, instrumented: &Build, opts: &PgoOptions) -> Result<()> {
        let mut state = self.layout.load_state()?;
        if !opts.keep_profiles {
            let removed = self.layout.clear_raw()?;
            if removed > 0 {
                self.shell.verbose(
                    "Removed",
                    format!(
                        "{} from an earlier run",
                        crate::ui::count(removed, "raw profile")
                    ),
                );
            }
            state.gathered_from.clear();
            state.merged = None;
            state.by_workload.clear();
        }
        state.base = Some(self.base.clone());
        state.instrumented_binary = Some(instrumented.binary.clone());
        self.layout.save_state(&state)
    }

    /// Step 2: run the workloads (or tests/benches) against the instrumented build.
    pub(crate) fn gather(
        &self,
        instrumented: &Build,
        source: &ProfileSource,
        opts: &PgoOptions,
    ) -> Result<usize> {
        let gathered = match source {
            ProfileSource::Workloads(ws) if ws.is_empty() => bail!("{NO_WORKLOAD}"),
            ProfileSource::Workloads(ws) => gather::run_workloads(
                self.shell,
                &instrumented.binary,
                &self.layout,
                ws,
                opts.allow_remote,
            )?,
            ProfileSource::Tests | ProfileSource::Benches => {
                let benches = matches!(source, ProfileSource::Benches);
                vec![gather::run_cargo_targets(
                    self.shell,
                    self.builder,
                    &instrumented.variant,
                    &self.layout,
                    benches,
                )?]
            }
        };
        let mut state = self.layout.load_state()?;
        state.gathered_from.push(source.fingerprint());
        if let ProfileSource::Workloads(ws) = source {
            for (w, g) in ws.iter().zip(&gathered) {
                state.by_workload.push(layout::WorkloadRaw {
                    name: w.name.clone(),
                    weight: w.weight.get(),
                    files: g.files.clone(),
                });
            }
        }
        // New raw profiles make an earlier merge stale.
        state.merged = None;
        self.layout.save_state(&state)?;
        Ok(gathered.iter().map(|g| g.new_profiles).sum())
    }

    /// Step 3: merge raw profiles into a content-named `.profdata`.
    pub(crate) fn merge(
        &self,
        profdata_tool: &std::path::Path,
        opts: &PgoOptions,
    ) -> Result<MergedInfo> {
        self.shell.status(
            "Merging",
            format!("raw profiles in {}", self.layout.raw_dir().display()),
        );
        let _beat = self.shell.heartbeat("Merging", "raw profiles");
        let merged = merge::merge(
            self.shell,
            profdata_tool,
            &self.layout,
            opts.ignore_bad_profiles,
            &self.builder.selection(),
        )?;
        let mut state = self.layout.load_state()?;
        state.merged = Some(merged.clone());
        self.layout.save_state(&state)?;
        Ok(merged)
    }

    /// The merged profile of an earlier `merge`, if it is still there.
    pub(crate) fn existing_merged(&self) -> Result<Option<MergedInfo>> {
        Ok(self
            .layout
            .load_state()?
            .merged
            .filter(|m| m.path.is_file()))
    }

    /// The merged profile of an earlier `merge` gathered from exactly `source`, if it is still
    /// there: the one `run` reuses when the instrumented build is unchanged.
    pub(crate) fn merged_from(&self, source: &ProfileSource) -> Result<Option<MergedInfo>> {
        Ok(self
            .existing_merged()?
            .filter(|m| m.gathered_from == [source.fingerprint()]))
    }

    /// The profile the optimize step uses: an earlier merge when it is still there, else a merge
    /// of the raw profiles gathered so far.
    pub(crate) fn merged_or_merge(
        &self,
        profdata_tool: &std::path::Path,
        opts: &PgoOptions,
    ) -> Result<MergedInfo> {
        match self.existing_merged()? {
            Some(m) => Ok(m),
            None if !self.layout.raw_files()?.is_empty() => self.merge(profdata_tool, opts),
            None => bail!(
                "no PGO profile for `{}` yet: run `cargo tune{1} pgo instrument` and `cargo tune{1} pgo run` first \
                 (or the one-shot `cargo tune{1} pgo`)",
                self.base.name,
                self.builder.selection()
            ),
        }
    }

    /// Step 4: the optimized build. An unusable profile is an error, not a silent no-op.
    pub(crate) fn optimize(
        &self,
        merged: &MergedInfo,
        opts: &PgoOptions,
    ) -> Result<(Build, PgoWarnings)> {
        let variant = self.optimized_variant(&merged.path);
        let build = self.builder.build(&variant, opts.rebuild)?;
        let cache = build.target_dir.join(WARNINGS_FILE);
        // A fresh (no-op) build prints nothing: reuse what the real build said.
        let warnings = if build.fresh {
            std::fs::read(&cache)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default()
        } else {
            let w = PgoWarnings::scan(&build.stderr);
            std::fs::write(&cache, serde_json::to_vec(&w)?)
                .with_context(|| format!("cannot write {}", cache.display()))?;
            w
        };
        if !warnings.unusable.is_empty() {
            bail!(
                "rustc could not use the profile, so this build has no PGO at all:\n  {0}\n\
                 gather the profiles again (`cargo tune{1} pgo clean`, then `cargo tune{1} pgo`)",
                warnings.unusable.join("\n  "),
                self.builder.selection()
            );
        }
        Ok((build, warnings))
    }

    /// The whole pipeline. `reuse_profile` keeps an existing merged profile when the
    /// instrumented build is unchanged (compare/auto re-run cheaply).
    pub(crate) fn run(
        &self,
        source: &ProfileSource,
        opts: &PgoOptions,
        reuse_profile: bool,
    ) -> Result<PgoRun> {
        if let ProfileSource::Workloads(ws) = source
            && ws.is_empty()
        {
            bail!("{NO_WORKLOAD}");
        }
        let tool = self.preflight()?;
        let mut steps = Vec::new();
        let t = Instant::now();
        let instrumented = self
            .builder
            .build(&self.instrumented_variant(), opts.rebuild)?;
        // Reuse only a profile of this very binary and these very workloads.
        let reusable = if reuse_profile && instrumented.fresh {
            self.merged_from(source)?
        } else {
            None
        };
        let (merged, raw_profiles) = match reusable {
            Some(m) => {
                self.shell.note(format!(
                    "reusing the PGO profile gathered earlier ({}): the instrumented build and the \
                     workloads are unchanged; `cargo tune{} pgo clean` gathers afresh",
                    crate::ui::count(m.raw_files, "raw profile"),
                    self.builder.selection()
                ));
                steps.push(("instrumented build".into(), t.elapsed()));
                (m.clone(), m.raw_files)
            }
            None => {
                self.start_profiles(&instrumented, opts)?;
                steps.push(("instrumented build".into(), t.elapsed()));
                let t = Instant::now();
                let raw = self.gather(&instrumented, source, opts)?;
                steps.push(("gather profiles".into(), t.elapsed()));
                let t = Instant::now();
                let merged = self.merge(&tool, opts)?;
                steps.push(("merge".into(), t.elapsed()));
                (merged, raw)
            }
        };
        let t = Instant::now();
        let (optimized, warnings) = self.optimize(&merged, opts)?;
        steps.push(("optimized build".into(), t.elapsed()));
        Ok(PgoRun {
            instrumented,
            optimized,
            merged,
            warnings,
            raw_profiles,
            steps,
        })
    }
}

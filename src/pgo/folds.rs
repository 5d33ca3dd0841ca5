//! Judging a PGO build on inputs its profile never saw: leave-one-out folds merged from the raw
//! profiles each training workload wrote once (no instrumented run again), one optimized build
//! per fold; and the health of each training profile against the measured workloads.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::gather;
use super::health::{self, Counts, Measured, ProfileHealth};
use super::layout::{Layout, MergedInfo, State};
use super::merge::merge_into;
use super::{Pgo, PgoOptions, PgoRun};
use crate::cargo::Build;
use crate::tune_config::Workload;

/// A PGO build whose profile left one measured workload out.
#[derive(Debug, Clone)]
pub(crate) struct Fold {
    /// The workload left out, the only one this build is measured on.
    pub held_out: String,
    pub trained_on: Vec<String>,
    pub build: Build,
    pub health: Option<ProfileHealth>,
}

/// What is known about a PGO build beyond its binary.
#[derive(Debug, Clone, Default)]
pub(crate) struct Evaluation {
    /// The training workloads, in order.
    pub trained_on: Vec<String>,
    pub health: Option<ProfileHealth>,
    pub folds: Vec<Fold>,
    /// Why some part could not be done (health unreadable, a workload that has no fold).
    pub notes: Vec<String>,
}

impl Pgo<'_> {
    /// Health of `run`'s profile against each `measured` workload and, with `held_out`, one
    /// fold per measured workload that trained (when another workload trained too).
    pub(crate) fn evaluate(
        &self,
        run: &PgoRun,
        measured: &[Workload],
        held_out: bool,
        opts: &PgoOptions,
    ) -> Result<Evaluation> {
        let tool = self.preflight()?;
        let state = self.layout.load_state()?;
        let mut eval = Evaluation {
            trained_on: state.by_workload.iter().map(|w| w.name.clone()).collect(),
            ..Evaluation::default()
        };
        let profiles = match self.measured_counts(&tool, &state, run, measured, opts) {
            Ok(p) => Some(p),
            Err(e) => {
                eval.notes.push(format!("no profile health: {e:#}"));
                None
            }
        };
        if let Some(profiles) = &profiles {
            let inputs = [(1, run.merged.path.clone())];
            eval.health = Counts::read(&tool, &inputs)
                .map(|t| health::assess(&t, &fits(profiles, &eval.trained_on), &run.warnings))
                .map_err(|e| eval.notes.push(format!("no profile health: {e:#}")))
                .ok();
        }
        if held_out {
            // A measure-only workload is held out already: its figure is not in-sample.
            let trained = measured
                .iter()
                .filter(|w| eval.trained_on.contains(&w.name));
            for w in trained {
                match self.fold(&tool, &state, w, profiles.as_deref(), opts) {
                    Ok(Ok(fold)) => eval.folds.push(fold),
                    Ok(Err(why)) => eval.notes.push(why),
                    // A fold that fails leaves the variant's own figures standing.
                    Err(e)
                        if !(e.is::<crate::process::Interrupted>()
                            || crate::process::interrupted()) =>
                    {
                        eval.notes
                            .push(format!("no held-out build without `{}`: {e:#}", w.name))
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(eval)
    }

    /// The fold that leaves `w` out, or why there is none (only `Err` of the outer result fails).
    fn fold(
        &self,
        tool: &Path,
        state: &State,
        w: &Workload,
        profiles: Option<&[(String, Counts)]>,
        opts: &PgoOptions,
    ) -> Result<Result<Fold, String>> {
        let rest: Vec<_> = state
            .by_workload
            .iter()
            .filter(|r| r.name != w.name)
            .collect();
        if rest.is_empty() {
            return Ok(Err(format!(
                "no held-out figure for `{}`: it is the only workload that trains, so no profile \
                 leaves it out; add another training workload (role = \"train\" or \"both\")",
                w.name
            )));
        }
        let inputs: Vec<(u32, PathBuf)> = rest
            .iter()
            .flat_map(|r| r.files.iter().map(|f| (r.weight, f.clone())))
            .collect();
        self.shell.status(
            "Held out",
            format!(
                "`{}`: building {}+pgo without its profile",
                w.name, self.base.name
            ),
        );
        let path = merge_into(tool, &inputs, &self.layout.fold_dir(&w.name))?;
        let merged = MergedInfo {
            path: path.clone(),
            gathered_from: Vec::new(),
            raw_files: inputs.len(),
            functions: None,
            merged_at: std::time::SystemTime::now(),
        };
        let (build, warnings) = self.optimize(&merged, opts)?;
        let trained_on: Vec<String> = rest.iter().map(|r| r.name.clone()).collect();
        let health = profiles.and_then(|p| {
            let mine = p.iter().filter(|(n, _)| *n == w.name);
            let fits: Vec<Measured> = mine
                .map(|(name, counts)| Measured {
                    name,
                    trained: false,
                    counts,
                })
                .collect();
            Counts::read(tool, &[(1, path.clone())])
                .ok()
                .map(|t| health::assess(&t, &fits, &warnings))
        });
        Ok(Ok(Fold {
            held_out: w.name.clone(),
            trained_on,
            build,
            health,
        }))
    }

    /// Each measured workload's own profile: the raw files it wrote while training, or, for a
    /// measure-only workload, a run of the instrumented binary gathered apart (never merged into
    /// the training profile).
    fn measured_counts(
        &self,
        tool: &Path,
        state: &State,
        run: &PgoRun,
        measured: &[Workload],
        opts: &PgoOptions,
    ) -> Result<Vec<(String, Counts)>> {
        let mut out = Vec::new();
        for w in measured {
            let files = match state.by_workload.iter().find(|r| r.name == w.name) {
                Some(r) => r.files.clone(),
                None => self.probe(&run.instrumented, w, opts)?,
            };
            let inputs: Vec<(u32, PathBuf)> = files.into_iter().map(|f| (1, f)).collect();
            out.push((w.name.clone(), Counts::read(tool, &inputs)?));
        }
        Ok(out)
    }

    /// Runs a measure-only workload once on the instrumented binary into its own folder; kept
    /// while the instrumented binary and the workload stay the same.
    fn probe(&self, instrumented: &Build, w: &Workload, opts: &PgoOptions) -> Result<Vec<PathBuf>> {
        let layout = Layout {
            root: self.layout.probe_dir(&w.name),
        };
        let meta = std::fs::metadata(&instrumented.binary)
            .with_context(|| format!("cannot read {}", instrumented.binary.display()))?;
        let key = format!(
            "{}\n{:?}\n{}",
            crate::pgo::ProfileSource::Workloads(vec![w.clone()]).fingerprint(),
            meta.modified().ok(),
            meta.len()
        );
        let marker = layout.root.join("probed-with");
        let files = layout.raw_files()?;
        if !files.is_empty() && std::fs::read_to_string(&marker).ok().as_deref() == Some(&key) {
            return Ok(files);
        }
        layout.clear_raw()?;
        let gathered = gather::run_workloads(
            self.shell,
            &instrumented.binary,
            &layout,
            std::slice::from_ref(w),
            opts.allow_remote,
        )?;
        std::fs::write(&marker, key)
            .with_context(|| format!("cannot write {}", marker.display()))?;
        Ok(gathered.into_iter().flat_map(|g| g.files).collect())
    }
}

/// The fits to assess: every measured workload, marked trained when the profile includes it.
fn fits<'a>(profiles: &'a [(String, Counts)], trained_on: &[String]) -> Vec<Measured<'a>> {
    profiles
        .iter()
        .map(|(name, counts)| Measured {
            name,
            trained: trained_on.contains(name),
            counts,
        })
        .collect()
}

//! Gathering BOLT profiles: running every workload against the instrumented binary, which
//! writes `prof.<pid>.fdata` when it exits normally.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::layout::Layout;
use crate::pgo::no_profile_explanation;
use crate::process::check_interrupted;
use crate::tune_config::Workload;
use crate::ui::{Shell, format_duration};
use crate::workload::{RunOptions, run_once};

/// Runs the workloads once each; returns how many raw profiles they wrote. A workload that
/// writes none is an error that says why (the same causes as for PGO: a killed service, abort).
pub(crate) fn run_workloads(
    shell: &Shell,
    instrumented: &Path,
    layout: &Layout,
    workloads: &[Workload],
    allow_remote: bool,
) -> Result<usize> {
    std::fs::create_dir_all(layout.raw_dir())
        .with_context(|| format!("cannot create {}", layout.raw_dir().display()))?;
    let mut total = 0;
    for w in workloads {
        check_interrupted()?;
        let before = existing(layout)?;
        shell.status(
            "Profiling",
            format!("workload `{}` ({}) for BOLT", w.name, w.kind),
        );
        let opts = RunOptions {
            extra_env: Vec::new(),
            allow_remote,
            warmup: false,
            ..RunOptions::default()
        };
        let started = Instant::now();
        let beat = shell.heartbeat("Profiling", format!("workload `{}` for BOLT", w.name));
        let outcome = run_once(instrumented, w, &opts).with_context(|| {
            format!(
                "workload `{}` failed on the BOLT-instrumented binary (a process that crashes or is killed writes no profile)",
                w.name
            )
        })?;
        drop(beat);
        let new = existing(layout)?.difference(&before).count();
        if new == 0 {
            bail!(
                "{}",
                no_profile_explanation(w, &outcome, &layout.raw_dir()).replacen(
                    "wrote no profile",
                    "wrote no BOLT profile (.fdata)",
                    1
                )
            );
        }
        shell.verbose(
            "Profiled",
            format!(
                "`{}`: {new} raw BOLT profile(s) in {}",
                w.name,
                format_duration(started.elapsed())
            ),
        );
        total += new;
    }
    Ok(total)
}

fn existing(layout: &Layout) -> Result<HashSet<PathBuf>> {
    Ok(layout.raw_files()?.into_iter().collect())
}

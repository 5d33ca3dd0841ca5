//! The base and the head as one interleaved run, measured with the gate's threshold as the
//! noise band, and the [`CheckResult`] `check` concludes from it.

use anyhow::Result;

use super::git::{Commit, Repo};
use super::verdict::{exit_code, gate, size_verdict, workload_verdicts};
use super::{CheckResult, Gate, Side};
use crate::measure::Settings;
use crate::process::Interrupted;
use crate::run::{Run, RunCommand};
use crate::session::{Built, Session};
use crate::spec::Candidate;

/// The gate's thresholds, and whether a change it could not decide fails it too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Thresholds {
    /// A workload slower than this (its whole interval) is a regression.
    pub speed: f64,
    /// A binary grown by more than this is a regression.
    pub size: f64,
    pub strict: bool,
}

impl Side {
    /// The working tree, measured as it is (uncommitted changes counted).
    pub(crate) fn working_tree(repo: &Repo) -> Result<Side> {
        Ok(Side {
            rev: "working tree".into(),
            sha: repo.head().map(|c| c.sha),
            changed_files: repo.changes()?.len(),
        })
    }

    pub(crate) fn commit(c: &Commit) -> Side {
        Side {
            rev: c.rev.clone(),
            sha: Some(c.sha.clone()),
            changed_files: 0,
        }
    }
}

/// The measurement settings of a check: the engine's noise band set to the gate's threshold.
pub(crate) fn settings(mut settings: Settings, threshold: f64) -> Result<Settings> {
    // The engine's noise band is the gate's threshold: its sequential stopping then answers
    // exactly "beyond the threshold or not", and stops as soon as that is decided.
    settings.noise_threshold = threshold;
    settings.validate()?;
    Ok(settings)
}

/// One run with the base's row (`base 1a2b3c4d`) and the head's (`head`), measured when the
/// base built. Ctrl-C is an error: a half-measured gate decides nothing.
pub(crate) fn measure(
    session: &mut Session,
    settings: Settings,
    candidate: &Candidate,
    base: &Commit,
    base_built: &Result<Built, String>,
    head_built: Built,
) -> Result<Run> {
    let mut run = session.new_run(RunCommand::Check, settings);
    let base_name = format!("base {}", base.short());
    let mut base_row = session.variant_result(candidate, base_built);
    base_row.name = base_name.clone();
    base_row.variant.name = base_name;
    let mut head_row = session.variant_result(candidate, &Ok(head_built));
    head_row.name = "head".into();
    head_row.variant.name = "head".into();
    run.variants = vec![base_row, head_row];
    if base_built.is_ok() {
        super::held_out::add_base_folds(&mut run, base_built);
        session.add_folds(&mut run);
        run.questions = super::held_out::questions(&run);
        session.measure(&mut run);
    }
    run.notes.append(&mut session.notes);
    if run.interrupted {
        return Err(Interrupted.into());
    }
    Ok(run)
}

/// The verdicts, the gate and the exit status of a measured run. A base that did not build
/// (`base_failure`) is no regression of the change: nothing was compared.
pub(crate) fn conclude(
    base: &Commit,
    head: Side,
    candidate: &Candidate,
    thresholds: Thresholds,
    base_failure: Option<String>,
    run: Run,
) -> CheckResult {
    let workloads = workload_verdicts(&run);
    let size = size_verdict(&run, thresholds.size);
    let gate = match &base_failure {
        Some(_) => Gate::NoBase,
        None => gate(&workloads, size.as_ref()),
    };
    let mut notes = super::held_out::notes(&run);
    if let Some(why) = &base_failure {
        notes.push(format!(
            "the base {} ({}) does not build as `{}`, so nothing was compared; this is not a \
             regression of this change: {}",
            base.rev,
            base.short(),
            candidate.name,
            crate::ui::first_line(why)
        ));
    }
    CheckResult {
        base: Side::commit(base),
        head,
        variant: candidate.name.clone(),
        threshold: thresholds.speed,
        size_threshold: thresholds.size,
        workloads,
        size,
        gate,
        exit_code: exit_code(gate, thresholds.strict),
        base_failure,
        notes,
        run,
    }
}

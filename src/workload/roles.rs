//! Workload roles: which of the selected workloads gather PGO/BOLT profiles (`train`, `both`)
//! and which are measured (`measure`, `both`), and the errors when a step has none.

use anyhow::{Result, bail};

use crate::tune_config::Workload;

/// The workloads profiles are gathered with, in order.
pub(crate) fn training(workloads: &[Workload]) -> Vec<Workload> {
    workloads.iter().filter(|w| w.trains()).cloned().collect()
}

/// The workloads that are measured, in order.
pub(crate) fn measured(workloads: &[Workload]) -> Vec<Workload> {
    workloads.iter().filter(|w| w.measured()).cloned().collect()
}

fn names(workloads: &[Workload]) -> String {
    workloads
        .iter()
        .map(|w| format!("`{}`", w.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Measuring needs a workload that is measured (`measure` or `both`).
pub(crate) fn require_measured(selected: &[Workload]) -> Result<()> {
    if !selected.is_empty() && measured(selected).is_empty() {
        bail!(
            "nothing to measure: the selected workloads ({}) only train (role = \"train\"); \
             give one of them role = \"measure\" or \"both\", or select one that has it",
            names(selected)
        );
    }
    Ok(())
}

/// Gathering profiles (PGO, BOLT) needs a workload that trains (`train` or `both`).
pub(crate) fn require_training(selected: &[Workload]) -> Result<()> {
    if !selected.is_empty() && training(selected).is_empty() {
        bail!(
            "nothing to gather a PGO or BOLT profile with: the selected workloads ({}) are only \
             measured (role = \"measure\"); give one of them role = \"train\" or \"both\", or select \
             one that has it",
            names(selected)
        );
    }
    Ok(())
}

/// `--held-out` leaves each measured training workload out of the profile in turn: it needs a
/// workload that both trains and is measured, and another that trains.
pub(crate) fn require_held_out(selected: &[Workload]) -> Result<()> {
    let both = selected
        .iter()
        .filter(|w| w.trains() && w.measured())
        .count();
    let training = training(selected).len();
    if both == 0 || training < 2 {
        bail!(
            "--held-out builds each PGO variant once more per measured workload, from a profile \
             without it; that needs at least two workloads that train, one of them measured too \
             (role = \"both\"), and the selection has {training} training workload(s), {both} with \
             role = \"both\""
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune_config::Role;

    fn with_role(name: &str, role: Role) -> Workload {
        Workload {
            name: name.into(),
            role,
            ..crate::workload::one_off(vec![])
        }
    }

    #[test]
    fn roles_split_the_selection() {
        let ws = [
            with_role("t", Role::Train),
            with_role("m", Role::Measure),
            with_role("b", Role::Both),
        ];
        let n = |ws: Vec<Workload>| ws.into_iter().map(|w| w.name).collect::<Vec<_>>();
        assert_eq!(n(training(&ws)), ["t", "b"]);
        assert_eq!(n(measured(&ws)), ["m", "b"]);
    }

    #[test]
    fn a_selection_without_the_needed_half_is_refused() {
        let t = [with_role("t", Role::Train)];
        let e = require_measured(&t).unwrap_err().to_string();
        assert!(e.contains("nothing to measure") && e.contains("`t`"), "{e}");
        let m = [with_role("m", Role::Measure)];
        let e = require_training(&m).unwrap_err().to_string();
        assert!(e.contains("role = \"train\" or \"both\""), "{e}");
        let b = [with_role("b", Role::Both)];
        assert!(require_held_out(&b).is_err());
        require_held_out(&[with_role("b", Role::Both), with_role("t", Role::Train)]).unwrap();
    }
}

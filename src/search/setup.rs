//! How a search is set up from what the user asked: the defaults of goal, budget and allowed
//! slowdown, the metric services are ranked by, and the stages (PGO, BOLT) this machine can try.

use std::time::Duration;

use super::options::{DEFAULT_BUDGET, HeldOutMode, SearchOptions, step_settings};
use crate::cargo::Selection;
use crate::measure::Settings;
use crate::session::Session;
use crate::tune_config::{CompileCap, Goal};
use crate::ui::Shell;

/// What the user asked of a search (flags over [package.metadata.tune]); `None` takes the
/// default.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub goal: Option<Goal>,
    pub budget: Option<Duration>,
    pub compile_cap: Option<CompileCap>,
    /// Size goal: how much slower than the baseline the pick may be (fraction).
    pub allow_slowdown: Option<f64>,
    /// Whether PGO and BOLT may be tried (not left out with `--no-pgo`, `--no-bolt`).
    pub pgo: bool,
    pub bolt: bool,
    /// Allow `target-cpu=native`.
    pub native: bool,
    /// `--held-out` (true) or `--no-held-out` (false); `None`: held-out for the final run when
    /// the workloads allow it.
    pub held_out: Option<bool>,
}

impl Request {
    pub(crate) fn goal(&self) -> Goal {
        self.goal.unwrap_or(Goal::Speed)
    }

    pub(crate) fn budget(&self) -> Duration {
        self.budget.unwrap_or(DEFAULT_BUDGET)
    }
}

/// The options of a search of `session`'s binary. `final_settings` measure the final run and
/// (their deciding metrics too); the allowed slowdown defaults to the noise threshold. PGO
/// that cannot run here is left out with a warning; BOLT that cannot is left out silently.
pub(crate) fn options(
    shell: &Shell,
    session: &Session,
    request: &Request,
    final_settings: Settings,
    selection: &Selection,
) -> SearchOptions {
    let allow_slowdown = request
        .allow_slowdown
        .unwrap_or(final_settings.noise_threshold);
    let pgo = request.pgo
        && match session.pgo_available() {
            Ok(()) => true,
            Err(why) => {
                shell.warn(format!(
                    "searching without PGO: {}",
                    why.lines().next().unwrap_or("")
                ));
                false
            }
        };
    let bolt = request.bolt && session.bolt_available().is_ok();
    let folds = fold_count(&session.workloads);
    let held_out = match request.held_out {
        _ if !pgo || folds == 0 => HeldOutMode::Off,
        Some(true) => HeldOutMode::Always,
        Some(false) => HeldOutMode::Off,
        None => HeldOutMode::Final,
    };
    SearchOptions {
        goal: request.goal(),
        budget: request.budget(),
        compile_cap: request.compile_cap,
        allow_slowdown,
        pgo,
        bolt,
        native: request.native,
        x86_64: session.builder().target().starts_with("x86_64"),
        base_profile: selection.profile.clone(),
        step_settings: step_settings(&final_settings),
        final_settings,
        selection: selection.selection(),
        held_out,
        folds,
    }
}

/// How many measured workloads get a held-out fold: those that train, when another one trains
/// too (a profile must be left after leaving one out).
pub(crate) fn fold_count(workloads: &[crate::tune_config::Workload]) -> usize {
    let training = workloads.iter().filter(|w| w.trains()).count();
    if training < 2 {
        return 0;
    }
    workloads
        .iter()
        .filter(|w| w.trains() && w.measured())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_request_searches_for_speed_within_the_default_budget() {
        let r = Request {
            goal: None,
            budget: None,
            compile_cap: None,
            allow_slowdown: None,
            pgo: true,
            bolt: true,
            native: false,
            held_out: None,
        };
        assert_eq!((r.goal(), r.budget()), (Goal::Speed, DEFAULT_BUDGET));
        let r = Request {
            goal: Some(Goal::Size),
            budget: Some(Duration::from_secs(60)),
            ..r
        };
        assert_eq!(
            (r.goal(), r.budget()),
            (Goal::Size, Duration::from_secs(60))
        );
    }
}

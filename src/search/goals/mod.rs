//! The three goals' search strategies. What is known about the knobs orders the moves: likely
//! winners first (the production bundle, PGO), then single changes stacked on what helped;
//! a direction that measured as noise is not pushed further; ties go to the cheaper build.
//! `steps` holds what they share: candidate construction and measured steps.

mod balanced;
pub(in crate::search) mod moves;
mod size;
mod speed;
pub(in crate::search) mod steps;

use anyhow::Result;

use super::driver::Searcher;
use crate::spec::Candidate;
use crate::tune_config::Goal;

/// Runs the goal's search; returns the winner and the reference points for the final run.
pub(super) fn run(s: &mut Searcher) -> Result<(Candidate, Vec<Candidate>)> {
    match s.opts.goal {
        Goal::Speed => speed::speed(s),
        Goal::Size => size::size(s),
        Goal::Balanced => balanced::balanced(s),
    }
}

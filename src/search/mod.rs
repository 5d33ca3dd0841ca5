//! `auto`'s search of the build-configuration space: knowledge-ordered moves, each decided by
//! the measurement statistics, within a wall-clock budget; then a final measurement in one run.

mod bench;
mod budget;
mod confirm;
mod cost;
mod driver;
pub(crate) mod evidence;
mod finish;
mod goals;
pub(crate) mod options;
pub(crate) mod output;
mod plan;
mod recommendation;
mod rejection;
pub(crate) mod setup;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
mod undecided;

pub(crate) use bench::Bench;
pub(crate) use driver::Searcher;
pub(crate) use finish::InterruptedSearch;

use crate::run::auto::AutoResult;
use crate::search::options::SearchOptions;
use crate::spec::Candidate;

/// Runs the search for `opts.goal`, then the final measurement.
pub(crate) fn search(
    session: &mut dyn Bench,
    opts: SearchOptions,
) -> anyhow::Result<(AutoResult, Candidate)> {
    let mut s = Searcher::new(session, opts);
    let (winner, references) = match goals::run(&mut s) {
        Ok(picked) => picked,
        Err(e) if e.is::<crate::process::Interrupted>() => return Err(s.interrupted(None)),
        Err(e) => return Err(e),
    };
    s.finish(winner, references)
}

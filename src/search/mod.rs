//! `auto`'s search of the build-configuration space: knowledge-ordered moves, each decided by
//! the measurement statistics, within a wall-clock budget; then a final measurement in one run.

mod bench;
mod budget;
mod confirm;
mod cost;
mod driver;
pub mod evidence;
mod finish;
mod goals;
pub mod options;
pub mod output;
mod plan;
mod recommendation;
mod rejection;
pub mod setup;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
mod undecided;

pub use bench::Bench;
pub use driver::Searcher;
pub use finish::InterruptedSearch;
pub use rejection::Rejection;

use crate::run::auto::AutoResult;
use crate::search::options::SearchOptions;
use crate::spec::Candidate;

/// Runs the search for `opts.goal`, then the final measurement.
pub fn search(
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

//! Where this checkout stands (commit, uncommitted changes, rustc), for export manifests.

use anyhow::Result;

use crate::check::git::Repo;
use crate::ci::export::Origin;
use crate::toolchain::Rustc;

/// The origin of builds made from `dir`'s checkout with `rustc` (outside git: no commit).
pub(crate) fn here(dir: &std::path::Path, rustc: &Rustc) -> Result<Origin> {
    let (commit, dirty) = match Repo::discover(dir) {
        Ok(repo) => (repo.head().map(|c| c.sha), repo.tracked_changes()?),
        Err(_) => (None, false),
    };
    Ok(Origin {
        commit,
        dirty,
        rustc_version: rustc.version.clone(),
    })
}

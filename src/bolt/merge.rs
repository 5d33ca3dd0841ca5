//! Merging raw BOLT profiles (`prof.<pid>.fdata`) with `merge-fdata` into one profile named by
//! its content hash.

use std::path::Path;

use anyhow::{Context, Result, bail};

use super::layout::{Layout, Merged, short_hash};
use crate::process::Cmd;
use crate::ui::Shell;

/// Merges every raw profile of `layout` into `<root>/<content-hash>.fdata`.
pub(crate) fn merge(
    shell: &Shell,
    merge_fdata: &Path,
    layout: &Layout,
    input: &str,
) -> Result<Merged> {
    let raw = layout.raw_files()?;
    if raw.is_empty() {
        bail!(
            "no BOLT profile (.fdata) in {}: run the instrumented binary first (`cargo tune bolt run`, \
             or the one-shot `cargo tune bolt`)",
            layout.raw_dir().display()
        );
    }
    let tmp = layout.root.join("merging.fdata.tmp");
    let cmd = Cmd::new(merge_fdata).arg("-o").arg(&tmp).args(&raw);
    shell.verbose("Running", cmd.display());
    let done = cmd.run_unchecked()?;
    if !done.success() {
        let _ = std::fs::remove_file(&tmp);
        return Err(done.error()).context(format!(
            "merge-fdata could not merge the {} raw BOLT profile(s) in {}; `cargo tune bolt clean` and gather them again",
            raw.len(),
            layout.raw_dir().display()
        ));
    }
    let bytes = std::fs::read(&tmp).with_context(|| format!("cannot read {}", tmp.display()))?;
    if bytes.is_empty() {
        let _ = std::fs::remove_file(&tmp);
        bail!(
            "merge-fdata wrote an empty profile from {} raw file(s) in {}: the runs recorded nothing",
            raw.len(),
            layout.raw_dir().display()
        );
    }
    let path = layout.root.join(format!("{}.fdata", short_hash(&bytes)));
    for old in layout.merged_files()? {
        if old != path {
            let _ = std::fs::remove_file(old);
        }
    }
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Merged {
        path,
        input: input.to_string(),
        gathered_from: layout.load_state()?.gathered_from,
        raw_files: raw.len(),
    })
}

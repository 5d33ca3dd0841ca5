//! Cargo's configuration files: which ones cargo reads when run from a directory, and their TOML.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use toml_edit::DocumentMut;

use crate::toml_file::parse;

/// Config files in increasing precedence: `$CARGO_HOME/config.toml`, then from `/` down to `cwd`.
pub(crate) fn config_files(cwd: &Path, cargo_home: Option<&Path>) -> Vec<PathBuf> {
    let pick = |dir: &Path| {
        ["config.toml", "config"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
    };
    let mut files: Vec<PathBuf> = cwd
        .ancestors()
        .filter_map(|d| pick(&d.join(".cargo")))
        .collect();
    if let Some(home) = cargo_home
        && let Some(f) = pick(home)
        && !files.contains(&f)
    {
        files.push(f);
    }
    files.reverse();
    files
}

/// Every config file cargo reads from `cwd`, parsed, lowest precedence first. A file that is
/// not valid TOML is an error naming its line and column (cargo would refuse it too).
pub(crate) fn load(cwd: &Path, cargo_home: Option<&Path>) -> Result<Vec<(PathBuf, DocumentMut)>> {
    config_files(cwd, cargo_home)
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let doc = parse(&path, &text)?;
            Ok((path, doc))
        })
        .collect()
}

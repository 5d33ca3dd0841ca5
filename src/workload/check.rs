//! What can be checked about workloads before anything is built: files they read, directories
//! they run in, and a service's `ready` and `load` settings — so a typo fails in a second, not
//! after minutes of builds.

use anyhow::{Context, Result, bail};

use super::load::LoadSpec;
use crate::tune_config::target::Readiness;
use crate::tune_config::{Kind, Workload};

/// Checks every workload's settings that need no binary; the first problem is the error.
pub(crate) fn check_workloads(workloads: &[Workload], allow_remote: bool) -> Result<()> {
    for w in workloads {
        check(w, allow_remote).with_context(|| format!("workload `{}`", w.name))?;
    }
    Ok(())
}

fn check(w: &Workload, allow_remote: bool) -> Result<()> {
    if let Kind::Command(c) = &w.kind
        && let Some(stdin) = &c.stdin
        && !stdin.is_file()
    {
        bail!(
            "its `stdin` file {} does not exist (paths are relative to the directory of the Cargo.toml \
             that declares the workload)",
            stdin.display()
        );
    }
    if let Some(cwd) = &w.cwd
        && !cwd.is_dir()
    {
        bail!(
            "its working directory `cwd` = {} does not exist (paths are relative to the directory of \
             the Cargo.toml that declares the workload)",
            cwd.display()
        );
    }
    if let Kind::Service(s) = &w.kind {
        Readiness::parse(&s.ready).context("invalid `ready`")?;
        // Parses every URL, reads every body file, refuses remote hosts: all before building.
        LoadSpec::new(&s.load, allow_remote).context("invalid `load`")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(name: &str) -> Workload {
        crate::workload::one_off(vec![name.into()])
    }

    #[test]
    fn a_missing_stdin_file_or_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = command("x");
        if let Kind::Command(c) = &mut w.kind {
            c.stdin = Some(dir.path().join("big.json"));
        }
        let e = format!("{:#}", check_workloads(&[w.clone()], false).unwrap_err());
        assert!(e.starts_with("workload `"), "{e}");
        assert!(e.contains("`stdin` file") && e.contains("big.json"), "{e}");
        std::fs::write(dir.path().join("big.json"), "{}").unwrap();
        check_workloads(&[w.clone()], false).unwrap();
        w.cwd = Some(dir.path().join("nope"));
        let e = format!("{:#}", check_workloads(&[w], false).unwrap_err());
        assert!(e.contains("`cwd`") && e.contains("nope"), "{e}");
    }
}

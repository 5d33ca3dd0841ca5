//! `cargo tune check`: the base revision and the working tree, built the same way and measured
//! in one interleaved run; the verdict per workload and for size, and the exit status of a gate.

pub(crate) mod compare;
pub(crate) mod git;
pub(crate) mod held_out;
pub(crate) mod render;
pub(crate) mod ship;
mod verdict;

use serde::Serialize;

use crate::run::Run;
pub(crate) use verdict::Outcome;
pub(crate) use verdict::{Gate, SizeVerdict, WorkloadVerdict};

/// Everything `check` concluded, with the run it is based on (the `--json` output).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CheckResult {
    pub base: Side,
    pub head: Side,
    /// The variant built on both sides (`release`, `tuned+pgo`).
    pub variant: String,
    pub threshold: f64,
    pub size_threshold: f64,
    pub workloads: Vec<WorkloadVerdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<SizeVerdict>,
    pub gate: Gate,
    pub exit_code: i32,
    /// Why the base did not build, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_failure: Option<String>,
    pub notes: Vec<String>,
    pub run: Run,
}

/// One side of the comparison.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Side {
    /// The revision as given (`main`), or `working tree`.
    pub rev: String,
    /// Its commit (the head's HEAD commit; none in a repository without commits).
    pub sha: Option<String>,
    /// Uncommitted changes measured as they are (head only).
    pub changed_files: usize,
}

impl Side {
    /// `main (1a2b3c4d)`, `working tree (1a2b3c4d + 2 changed files)`.
    pub(crate) fn label(&self) -> String {
        let short = self.sha.as_deref().map(|s| &s[..s.len().min(8)]);
        match (short, self.changed_files) {
            (Some(s), 0) => format!("{} ({s})", self.rev),
            (Some(s), n) => format!(
                "{} ({s} + {})",
                self.rev,
                crate::ui::count(n, "changed file")
            ),
            (None, _) => self.rev.clone(),
        }
    }
}

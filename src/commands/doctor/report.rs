//! What `doctor` reports: the platform, toolchain, tools and the project's findings.

use serde::Serialize;

use crate::lints::Lint;
use crate::toolchain::{Rustc, ToolLookup};

/// Everything `doctor` found, as printed and as `--json`.
#[derive(Debug, Serialize)]
pub(super) struct Report {
    /// "linux x86_64", and whether cargo-tune supports it (Linux on x86_64 and aarch64).
    pub platform: String,
    pub platform_supported: bool,
    pub rustc: Rustc,
    pub target: String,
    pub profiler_runtime: bool,
    pub linker: String,
    pub tools: Vec<ToolLookup>,
    pub project: Option<String>,
    pub project_error: Option<String>,
    /// The configured workloads, one line each.
    pub workloads: Vec<String>,
    pub lints: Vec<Lint>,
    /// The toolchain can build with PGO (the project may still have errors: `project_ok`).
    pub pgo_ready: bool,
    pub bolt_ready: bool,
    /// No error-level finding about the project (its configuration, its binary).
    pub project_ok: bool,
    /// valgrind's path and version, for `--metric instructions|cycles-est`; absent when missing.
    pub valgrind: Option<String>,
}

//! Configuration lints shown by `cargo tune doctor`: each has an id, a severity, an explanation and a fix.

mod config;

use std::fmt;

use anyhow::Result;
use serde::Serialize;

use crate::cargo::Project;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One finding about the project's build configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Lint {
    pub id: &'static str,
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
    /// What to do about it.
    pub fix: String,
    /// File (and key) it is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Runs every lint on the project.
pub fn check(project: &Project, target: &str) -> Result<Vec<Lint>> {
    let mut lints = Vec::new();
    config::target_cpu_native(project, &mut lints)?;
    config::member_profiles(project, &mut lints)?;
    let _ = target;
    lints.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(b.id)));
    Ok(lints)
}

//! Configuration lints shown by `cargo tune doctor`: each has an id, a severity, a one-line
//! explanation and a fix (the catalogue is `LINTS`; findings are `Lint`s).

mod catalogue;
mod config;
mod deps;
mod features;
mod panic;
mod profile;

use anyhow::{Context, Result};

pub(crate) use catalogue::{LINTS, Lint, LintOptions, Severity};

use crate::cargo::Project;
use crate::manifest::Sources;

/// Runs every lint on the project.
pub(crate) fn check(project: &Project, opts: &LintOptions) -> Result<Vec<Lint>> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let sources = Sources::load(Some(&project.root_manifest), &cwd)?;
    let mut lints = Vec::new();
    config::target_cpu_native(project, &mut lints)?;
    config::member_profiles(project, &mut lints)?;
    let shipping = sources
        .resolve(opts.profile)
        .with_context(|| format!("cannot resolve the shipping profile `{}`", opts.profile))?;
    profile::shipping(project, &shipping, opts, &mut lints);

    let abort_profiles = panic::abort_profiles(&sources, opts.profile);
    let graph = deps::Graph::load(project, opts);
    match &graph {
        Ok(graph) => {
            panic::catch_unwind(graph, &abort_profiles, &mut lints);
            features::heavy_defaults(graph, &mut lints);
        }
        Err(e) => {
            if !abort_profiles.is_empty() {
                panic::catch_unwind_members_only(project, &abort_profiles, &mut lints);
            }
            lints.push(Lint {
                id: "dependencies-not-checked",
                severity: Severity::Note,
                message: format!("dependency lints skipped: {e:#}"),
                fix: "run `cargo fetch` (or drop --offline) and run doctor again".into(),
                location: None,
            });
        }
    }
    lints.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(b.id)));
    Ok(lints)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_ids_are_unique_and_kebab_case() {
        let mut ids: Vec<_> = LINTS.iter().map(|l| l.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), LINTS.len());
        assert!(
            ids.iter()
                .all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        );
    }
}

//! What `ci init` decides for a project's workflow: how cargo-tune builds the shipped candidate,
//! which runners build it, the pull-request gate's options, how the jobs install cargo-tune and
//! which candidates a search builds.

use anyhow::Result;

use crate::check::ship::as_profile;
use crate::measure::WorkloadKind;
use crate::process::shell_quote;
use crate::spec::Candidate;
use crate::tune_config::Workload;

use super::{Runner, runner_for};

/// The targets built when none are given: both Linux runners GitHub hosts.
pub(crate) const DEFAULT_TARGETS: [&str; 2] =
    ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"];

/// `cargo tune` options and subcommand that build `c` (with PGO unless `pgo` is off), and a
/// description for the step's name.
pub(crate) fn build_command(c: &Candidate, pgo: bool) -> (String, String) {
    // A profile of the project's own as it stands goes as `--profile`; a preset or spec on
    // top of one as `--variant`.
    let (profile, spec) = match as_profile(c) {
        Some((p, _, _)) => (p, None),
        None => {
            let mut s = c.name.as_str();
            while let Some(h) = s.strip_suffix("+pgo").or_else(|| s.strip_suffix("+bolt")) {
                s = h;
            }
            (c.variant.base_profile.clone(), Some(s.to_string()))
        }
    };
    let mut cmd = String::new();
    if profile != "release" {
        cmd.push_str(&format!(" --profile {}", shell_quote(&profile)));
    }
    let what = spec.clone().unwrap_or_else(|| profile.clone());
    let variant_arg = |s: String| format!(" --variant {}", shell_quote(&s));
    if c.bolt {
        let base = spec.unwrap_or_else(|| "release".into());
        cmd.push_str(" bolt");
        cmd.push_str(&variant_arg(if pgo { format!("{base}+pgo") } else { base }));
        let stages = if pgo { "PGO and BOLT" } else { "BOLT" };
        return (cmd, format!("`{what}` with {stages}"));
    }
    if pgo {
        cmd.push_str(" pgo");
        if let Some(s) = spec {
            cmd.push_str(&variant_arg(s));
        }
        return (cmd, format!("`{what}` with PGO"));
    }
    cmd.push_str(" build");
    if let Some(s) = spec {
        cmd.push_str(&variant_arg(s));
    }
    (cmd, format!("`{what}`"))
}

/// The runner of each target (`targets`, else [`DEFAULT_TARGETS`]).
pub(crate) fn runners(targets: &[String]) -> Result<Vec<Runner>> {
    if targets.is_empty() {
        return DEFAULT_TARGETS.iter().map(|t| runner_for(t)).collect();
    }
    targets.iter().map(|t| runner_for(t.trim())).collect()
}

/// The pull-request job's `cargo tune check` options: the shipped `variant` when one was named.
pub(crate) fn check_options(workloads: &[Workload], variant: Option<&str>) -> String {
    // Instruction counts apply to command workloads; services are decided by req/s.
    let has_command = workloads
        .iter()
        .any(|w| w.kind.tag() == WorkloadKind::Command);
    let mut opts = String::new();
    if has_command {
        opts.push_str(" --metric instructions");
    }
    if let Some(v) = variant {
        opts.push_str(&format!(" --variant {}", shell_quote(v)));
    }
    opts
}

/// How the jobs install cargo-tune when the user does not say: this very version.
pub(crate) fn default_install() -> String {
    format!(
        "cargo install --locked cargo-tune --version {}",
        env!("CARGO_PKG_VERSION")
    )
}

/// The candidates a search builds: `variants` in [package.metadata.tune], else the defaults.
pub(crate) fn search_candidates(configured: Option<&[String]>, profile: &str) -> Vec<String> {
    match configured {
        Some(v) if !v.is_empty() => v.to_vec(),
        _ => crate::spec::default_candidates(profile, true)
            .into_iter()
            .map(|c| c.name)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::{DEFAULT_TARGETS, build_command, runners};
    use crate::check::ship::shipped;

    #[test]
    fn without_targets_both_linux_runners_build() {
        let targets: Vec<String> = runners(&[])
            .unwrap()
            .into_iter()
            .map(|r| r.target)
            .collect();
        assert_eq!(targets, DEFAULT_TARGETS);
        let given = runners(&[" aarch64 ".to_string()]).unwrap();
        assert_eq!(given[0].target, "aarch64-unknown-linux-gnu");
        assert!(runners(&["x86_64-pc-windows-msvc".to_string()]).is_err());
    }

    fn cmd(spec: Option<&str>, pgo: bool) -> String {
        build_command(&shipped(spec, "release").unwrap(), pgo).0
    }

    #[test]
    fn the_release_step_builds_the_shipped_variant_through_cargo_tune() {
        assert_eq!(cmd(None, true), " pgo");
        assert_eq!(cmd(None, false), " build");
        assert_eq!(cmd(Some("tuned+pgo"), true), " --profile tuned pgo");
        assert_eq!(cmd(Some("tuned"), false), " --profile tuned build");
        assert_eq!(
            cmd(Some("production+pgo"), true),
            " pgo --variant production"
        );
        assert_eq!(
            cmd(Some("tuned+pgo+bolt"), true),
            " --profile tuned bolt --variant release+pgo"
        );
        assert_eq!(
            cmd(Some("production+bolt"), false),
            " bolt --variant production"
        );
    }
}

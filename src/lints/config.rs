//! Lints on cargo configuration files and manifests: `target-cpu=native`, profiles cargo ignores.

use anyhow::Result;
use toml_edit::DocumentMut;

use super::{Lint, Severity};
use crate::cargo::Project;
use crate::cargo::rustflags::config_files;

/// `-Ctarget-cpu=native` in a config file of a project that ships binaries.
pub fn target_cpu_native(project: &Project, out: &mut Vec<Lint>) -> Result<()> {
    let cwd = std::env::current_dir()?;
    let mut files = config_files(&cwd, None);
    for f in config_files(&project.workspace_root, None) {
        if !files.contains(&f) {
            files.push(f);
        }
    }
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(doc) = text.parse::<DocumentMut>() else {
            continue;
        };
        if config_rustflags(&doc)
            .iter()
            .any(|f| f.ends_with("target-cpu=native"))
        {
            out.push(Lint {
                id: "target-cpu-native",
                severity: Severity::Warning,
                message: "`-Ctarget-cpu=native` in a cargo config: the binaries only run on CPUs like this machine's".into(),
                fix: "use `-Ctarget-cpu=x86-64-v3` (CPUs since ~2015) for binaries you ship, or keep native only for local builds".into(),
                location: Some(file.display().to_string()),
            });
        }
    }
    Ok(())
}

/// `[profile.*]` in a workspace member's manifest, which cargo ignores.
pub fn member_profiles(project: &Project, out: &mut Vec<Lint>) -> Result<()> {
    for p in project.members() {
        let manifest = p.manifest_path.as_std_path();
        if manifest == project.root_manifest {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(manifest) else {
            continue;
        };
        let Ok(doc) = text.parse::<DocumentMut>() else {
            continue;
        };
        if let Some(profiles) = doc.get("profile").and_then(|p| p.as_table_like()) {
            let names: Vec<_> = profiles
                .iter()
                .map(|(k, _)| format!("[profile.{k}]"))
                .collect();
            out.push(Lint {
                id: "member-profile",
                severity: Severity::Warning,
                message: format!(
                    "{} in workspace member `{}` is ignored by cargo",
                    names.join(", "),
                    p.name
                ),
                fix: format!(
                    "move it to the workspace root manifest {}",
                    project.root_manifest.display()
                ),
                location: Some(manifest.display().to_string()),
            });
        }
    }
    Ok(())
}

/// Every rustflag a config file sets, in `[build]` and in any `[target.*]` table.
fn config_rustflags(doc: &DocumentMut) -> Vec<String> {
    let mut items = Vec::new();
    if let Some(b) = doc.get("build").and_then(|b| b.get("rustflags")) {
        items.push(b);
    }
    if let Some(targets) = doc.get("target").and_then(|t| t.as_table_like()) {
        items.extend(targets.iter().filter_map(|(_, t)| t.get("rustflags")));
    }
    let mut flags = Vec::new();
    for item in items {
        if let Some(s) = item.as_str() {
            flags.extend(s.split_whitespace().map(String::from));
        } else if let Some(a) = item.as_array() {
            flags.extend(a.iter().filter_map(|v| v.as_str().map(String::from)));
        }
    }
    flags
}

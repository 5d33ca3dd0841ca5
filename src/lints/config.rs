//! Lints on cargo configuration files and member manifests: `target-cpu=native` in a config of a
//! project that ships binaries, and `[profile.*]` in members (which cargo ignores).

use std::path::Path;

use anyhow::Result;
use cargo_metadata::TargetKind;
use toml_edit::{Document, Item};

use super::catalogue::{Lint, Severity};
use crate::cargo::config::config_files;
use crate::cargo::{Project, cargo_home};
use crate::toml_file::line_column;

/// `-Ctarget-cpu=native` in a project's config file, when the workspace builds binaries.
pub(super) fn target_cpu_native(project: &Project, out: &mut Vec<Lint>) -> Result<()> {
    let ships_binaries = project
        .members()
        .iter()
        .any(|p| p.targets.iter().any(|t| t.kind.contains(&TargetKind::Bin)));
    if !ships_binaries {
        return Ok(());
    }
    let cwd = std::env::current_dir()?;
    let mut files = config_files(&cwd, None);
    for f in config_files(&project.workspace_root, None) {
        if !files.contains(&f) {
            files.push(f);
        }
    }
    // The user's own `$CARGO_HOME/config.toml` is a per-machine setting, not the project's.
    let home = cargo_home();
    files.retain(|f| home.as_deref().is_none_or(|h| !f.starts_with(h)));
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(doc) = Document::parse(text.as_str()) else {
            continue;
        };
        for (table, item) in rustflag_items(doc.as_table()) {
            if !flags(item).iter().any(|f| f.ends_with("target-cpu=native")) {
                continue;
            }
            out.push(Lint {
                id: "target-cpu-native",
                severity: Severity::Warning,
                message: format!(
                    "`-Ctarget-cpu=native` in {table} rustflags: the binaries built here only run on CPUs like this machine's"
                ),
                fix: "use `-Ctarget-cpu=x86-64-v3` (CPUs since ~2015) for binaries you ship (`cargo tune profile apply fast-runtime`), or keep native only in a local, uncommitted config".into(),
                location: Some(located(&file, &text, item)),
            });
        }
    }
    Ok(())
}

/// `[profile.*]` in a workspace member's manifest, which cargo ignores.
pub(super) fn member_profiles(project: &Project, out: &mut Vec<Lint>) -> Result<()> {
    for p in project.members() {
        let manifest = p.manifest_path.as_std_path();
        if manifest == project.root_manifest {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(manifest) else {
            continue;
        };
        let Ok(doc) = Document::parse(text.as_str()) else {
            continue;
        };
        if let Some(profiles) = doc.get("profile").and_then(|p| p.as_table_like()) {
            let names: Vec<_> = profiles
                .iter()
                .map(|(k, _)| format!("[profile.{k}]"))
                .collect();
            let first = profiles.iter().next().map(|(_, v)| v);
            out.push(Lint {
                id: "member-profile",
                severity: Severity::Warning,
                message: format!(
                    "{} in workspace member `{}` is ignored by cargo",
                    names.join(", "),
                    p.name
                ),
                fix: format!(
                    "move it to the workspace root manifest {} (`cargo tune profile apply` writes there)",
                    project.root_manifest.display()
                ),
                location: Some(match first {
                    Some(item) => located(manifest, &text, item),
                    None => manifest.display().to_string(),
                }),
            });
        }
    }
    Ok(())
}

/// `file:line` of an item in a spanned document.
fn located(file: &Path, text: &str, item: &Item) -> String {
    let span = item
        .span()
        .or_else(|| item.as_table().and_then(|t| t.span()));
    match span {
        Some(s) => {
            let (line, _) = line_column(text, s.start);
            format!("{}:{line}", file.display())
        }
        None => file.display().to_string(),
    }
}

/// Every `rustflags` value of a config file, with the table it sits in.
fn rustflag_items(doc: &toml_edit::Table) -> Vec<(String, &Item)> {
    let mut items = Vec::new();
    if let Some(b) = doc.get("build").and_then(|b| b.get("rustflags")) {
        items.push(("[build]".to_string(), b));
    }
    if let Some(targets) = doc.get("target").and_then(|t| t.as_table_like()) {
        for (key, t) in targets.iter() {
            if let Some(f) = t.get("rustflags") {
                let name = if key.starts_with("cfg(") {
                    format!("[target.'{key}']")
                } else {
                    format!("[target.{key}]")
                };
                items.push((name, f));
            }
        }
    }
    items
}

fn flags(item: &Item) -> Vec<String> {
    if let Some(s) = item.as_str() {
        s.split_whitespace().map(String::from).collect()
    } else if let Some(a) = item.as_array() {
        a.iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    } else {
        Vec::new()
    }
}

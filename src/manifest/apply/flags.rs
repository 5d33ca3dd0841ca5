//! The `.cargo/config.toml` half of applying a variant: where its target-cpu and extra rustflags
//! go, what the user's flags in effect mean for them, and what to tell the user about the edit.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::cargo::rustflags::{FlagSource, user_rustflags};
use crate::cargo::{Project, cargo_home};
use crate::manifest::Edit;
use crate::manifest::effective::short;
use crate::manifest::rustflags_edit::{FlagsChange, FlagsWrite, write_rustflags};
use crate::process::Cmd;
use crate::toml_file::TomlFile;
use crate::toolchain::Rustc;
use crate::variant::Variant;

/// The `.cargo/config.toml` edit for the variant's target-cpu and extra rustflags.
pub(super) fn plan_flags(
    project: &Project,
    name: &str,
    variant: &Variant,
    target: Option<&str>,
    notes: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> Result<Edit> {
    let rustc = Rustc::detect()?;
    // The table the flags go under: the build's target (`--target`), else the host.
    let host = target.map_or_else(|| rustc.host.clone(), String::from);
    check_cpu_fits(variant, &host)?;
    let cfg: Vec<String> = Cmd::new(&rustc.path)
        .args(["--print", "cfg", "--target", &host])
        .run()?
        .stdout_str()
        .lines()
        .map(String::from)
        .collect();
    let path = config_path(project);
    let mut config = TomlFile::read(&path)?;
    let w = flags_write(project, variant, host, cfg)?;
    let change = write_rustflags(&mut config.doc, &w)?;
    notes.extend(flags_notes(project, name, &short(&path), &change));
    warnings.extend(flags_warnings(variant));
    Ok(Edit::new(path, config.text.clone(), config.rendered()))
}

/// An x86-64 level names no CPU of another architecture.
fn check_cpu_fits(variant: &Variant, host: &str) -> Result<()> {
    if let Some(cpu) = &variant.target_cpu
        && cpu.starts_with("x86-64")
        && !host.starts_with("x86_64")
    {
        bail!(
            "target-cpu `{cpu}` is an x86-64 level, but the target is {host}; choose a CPU for it with --target-cpu"
        );
    }
    Ok(())
}

/// The workspace's `.cargo/config.toml`, or its legacy `.cargo/config` when only that exists.
fn config_path(project: &Project) -> PathBuf {
    let dir = project.workspace_root.join(".cargo");
    if !dir.join("config.toml").exists() && dir.join("config").is_file() {
        dir.join("config")
    } else {
        dir.join("config.toml")
    }
}

/// What to write for `variant`, with the `[build]` rustflags now in effect (from the config files
/// only: the environment is not the project's), which `[target]` rustflags would hide.
fn flags_write(
    project: &Project,
    variant: &Variant,
    host: String,
    cfg: Vec<String>,
) -> Result<FlagsWrite> {
    let no_env = |_: &str| None;
    let effective = user_rustflags(
        &project.workspace_root,
        cargo_home().as_deref(),
        &host,
        &cfg,
        &no_env,
    )?;
    Ok(FlagsWrite {
        host,
        cfg,
        target_cpu: variant.target_cpu.clone(),
        extra: variant.rustflags.clone(),
        build_flags_in_effect: if effective.source == FlagSource::BuildConfig {
            effective.flags
        } else {
            Vec::new()
        },
    })
}

/// What the rustflags edit in `file` means beyond the profile, and what it replaced or copied.
fn flags_notes(project: &Project, name: &str, file: &str, change: &FlagsChange) -> Vec<String> {
    let mut notes = Vec::new();
    if !change.is_empty() {
        notes.push(format!(
            "rustflags in {file} apply to every profile (dev, test and release builds alike), not only \
             to [profile.{}]; cargo reads them when run inside {}",
            name,
            project.workspace_root.display()
        ));
    }
    if let Some(old) = &change.replaced_cpu {
        notes.push(format!(
            "replaced -Ctarget-cpu={old} in {} of {file}",
            change.table.as_deref().unwrap_or("the rustflags")
        ));
    }
    if !change.carried_over.is_empty() {
        notes.push(format!(
            "copied your [build] rustflags ({}) into {}: cargo ignores [build] rustflags once [target] rustflags apply",
            change.carried_over.join(" "),
            change.table.as_deref().unwrap_or("[target]")
        ));
    }
    notes
}

/// What could make the written flags surprise: a non-portable CPU, or an environment that hides
/// config-file rustflags.
fn flags_warnings(variant: &Variant) -> Vec<String> {
    let mut warnings = Vec::new();
    if variant.target_cpu.as_deref() == Some("native") {
        warnings.push(
            "target-cpu=native: the binary may not run on other machines (older or different CPUs); \
             use -Ctarget-cpu=x86-64-v3 for binaries you ship"
                .into(),
        );
    }
    for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"] {
        if std::env::var_os(var).is_some() {
            warnings.push(format!(
                "{var} is set in this environment: while it is, cargo ignores rustflags from config files"
            ));
        }
    }
    warnings
}

//! Writing a variant (a preset, or what `auto` found best) as `[profile.NAME]` in the workspace root
//! manifest, plus the rustflags it needs in `.cargo/config.toml`: plan, show the diff, write, validate.

mod flags;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use self::flags::plan_flags;
use crate::cargo::{Project, cargo_cmd};
use crate::manifest::effective::{BUILT_IN, Origin, short};
use crate::manifest::profile_table::{
    ProfileChange, ProfileWrite, WriteMode, validate_profile_name, write_profile,
};
use crate::manifest::resolve::Sources;
use crate::manifest::{Edit, diff, write};
use crate::toml_file::TomlFile;
use crate::ui::Shell;
use crate::variant::{Stage, Variant};

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ApplyOptions<'a> {
    /// Show the diff, write nothing.
    pub dry_run: bool,
    /// Overwrite an existing, different profile; allow the built-in names; replace read-only files.
    pub force: bool,
    /// The target triple the rustflags are for (`--target`); the host when `None`.
    pub target: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ApplyStatus {
    /// The files already say this: nothing was written.
    UpToDate,
    /// `--dry-run`: the diff was shown, nothing was written.
    DryRun,
    Written,
}

/// The edits `apply_profile` would make, and what to tell the user about them.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub manifest: PathBuf,
    pub edits: Vec<Edit>,
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
}

/// Writes `variant` as `[profile.<name>]` (its `base_profile` as `inherits`; its `target_cpu` and
/// `rustflags` into `.cargo/config.toml`), showing the diff first. See `plan_profile` for the rules.
pub(crate) fn apply_profile(
    shell: &Shell,
    project: &Project,
    name: &str,
    variant: &Variant,
    opts: ApplyOptions<'_>,
) -> Result<ApplyStatus> {
    let plan = plan_profile(project, name, variant, opts)?;
    if !plan.edits.iter().any(Edit::is_change) {
        shell.status(
            "Fresh",
            format!(
                "[profile.{name}] in {} is already up to date",
                short(&plan.manifest)
            ),
        );
        return Ok(ApplyStatus::UpToDate);
    }
    diff::show(shell, &plan.edits, &project.workspace_root);
    for w in &plan.warnings {
        shell.warn(w);
    }
    for n in &plan.notes {
        shell.note(n);
    }
    if opts.dry_run {
        shell.status(
            "Dry run:",
            "nothing was written; without --dry-run the diff above is applied",
        );
        return Ok(ApplyStatus::DryRun);
    }
    let read_only = write::ReadOnly::forced(opts.force);
    let committed = write::commit(&plan.edits, read_only, || validate(project, &plan.edits))?;
    for stale in &committed.stale_removed {
        shell.note(format!(
            "removed {}, left by an interrupted cargo-tune run",
            short(stale)
        ));
    }
    for e in plan.edits.iter().filter(|e| e.is_change()) {
        shell.status("Updated", short(e.path()));
    }
    Ok(ApplyStatus::Written)
}

/// Plans the edits without writing anything.
///
/// - A new profile is `[profile.<name>]` with `inherits = <base_profile>` and exactly the
///   variant's settings; an existing one that differs is only overwritten with `force`.
/// - The built-in names (`dev`, `release`, `test`, `bench`) need `force`; the settings then go
///   into that table directly, without `inherits`, and its other keys stay.
/// - `target_cpu` and `rustflags` go to `<workspace root>/.cargo/config.toml` under
///   `[target.<host>] rustflags`, replacing an existing `-Ctarget-cpu`.
pub(crate) fn plan_profile(
    project: &Project,
    name: &str,
    variant: &Variant,
    opts: ApplyOptions<'_>,
) -> Result<Plan> {
    validate_profile_name(name)?;
    if variant.stage != Stage::Plain {
        bail!(
            "`{}` is a PGO build: its -Cprofile-generate/-Cprofile-use flags cannot go into a profile \
             (cargo config rustflags would apply them to every build); write its profile settings \
             and run `cargo tune pgo` for the PGO step",
            variant.name
        );
    }
    if variant.bolt {
        bail!(
            "`{}` is a BOLT build: BOLT rewrites the linked binary after cargo, so it cannot go into a \
             profile; write its profile settings without `+bolt` and run `cargo tune bolt` for the BOLT step",
            variant.name
        );
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let mut manifest = TomlFile::read(&project.root_manifest)?;
    let sources =
        Sources::with_manifest(Some((manifest.path.clone(), manifest.doc.clone())), &cwd)?;
    let mut notes = Vec::new();
    let mut warnings = Vec::new();
    let (write, _) = edit_manifest(&mut manifest, &sources, name, variant, opts, &mut notes)?;
    let mut edits = vec![Edit::new(
        manifest.path.clone(),
        manifest.text.clone(),
        manifest.rendered(),
    )];

    if variant.target_cpu.is_some() || !variant.rustflags.is_empty() {
        let edit = plan_flags(
            project,
            name,
            variant,
            opts.target,
            &mut notes,
            &mut warnings,
        )?;
        edits.push(edit);
    }

    // Values in .cargo/config.toml or CARGO_PROFILE_* win over the manifest: say so.
    let after = Sources::with_manifest(Some((manifest.path.clone(), manifest.doc.clone())), &cwd)?;
    if let Ok(resolved) = after.resolve(name) {
        for (key, _) in &write.settings {
            if let Some(s) = resolved.get(key)
                && matches!(s.origin, Origin::Config { .. } | Origin::Env { .. })
            {
                warnings.push(format!(
                    "{} sets {key} = {}, which overrides Cargo.toml's value for [profile.{name}]",
                    s.origin, s.value
                ));
            }
        }
    }
    Ok(Plan {
        manifest: manifest.path,
        edits,
        notes,
        warnings,
    })
}

/// The manifest half of `plan_profile`, on an already-read manifest: no I/O, no rustc.
/// Returns what the table should say and what changed.
pub(super) fn edit_manifest(
    manifest: &mut TomlFile,
    sources: &Sources,
    name: &str,
    variant: &Variant,
    opts: ApplyOptions<'_>,
    notes: &mut Vec<String>,
) -> Result<(ProfileWrite, ProfileChange)> {
    validate_profile_name(name)?;
    let base = &variant.base_profile;
    let base_resolved = sources
        .resolve(base)
        .with_context(|| format!("cannot use `{base}` as the profile to inherit from"))?;

    let built_in = BUILT_IN.contains(&name);
    if built_in && !opts.force {
        bail!(
            "`{name}` is one of cargo's built-in profiles; pass --force to write these settings into \
             [profile.{name}] itself, or choose another name with --name"
        );
    }
    let write = if built_in || name == base {
        let mut settings = variant.settings.clone();
        if name != base {
            // [profile.dev] cannot inherit from release: carry over what the base differs in.
            let here = sources.resolve(name)?.typed();
            let from_base = base_resolved.typed();
            let mut carried = crate::variant::ProfileSettings::default();
            for (key, value) in from_base.entries() {
                let ours = here.entries().into_iter().find(|(k, _)| *k == key);
                if ours.is_none_or(|(_, v)| v != value) {
                    carried.set(key, &value.env())?;
                }
            }
            settings = carried.merged(&variant.settings);
            notes.push(format!(
                "[profile.{name}] cannot inherit from `{base}`; the settings where `{base}` differs from `{name}` are written out"
            ));
        }
        ProfileWrite {
            inherits: None,
            settings: settings.entries(),
            mode: WriteMode::Merge,
        }
    } else {
        ProfileWrite {
            inherits: Some(base.clone()),
            settings: variant.settings.entries(),
            mode: WriteMode::Replace,
        }
    };
    let profile_change = write_profile(&mut manifest.doc, name, &write)?;
    if profile_change.existed && !profile_change.is_empty() && !opts.force && !built_in {
        bail!(
            "[profile.{name}] already exists in {} and differs:\n{}\npass --force to overwrite it, or choose another name with --name",
            short(&manifest.path),
            indent(&profile_change.describe())
        );
    }
    if (name == "test" || name == "bench") && variant.settings.panic.is_some() {
        notes.push(format!(
            "cargo ignores `panic` in [profile.{name}]: tests and benchmarks always unwind"
        ));
    }
    Ok((write, profile_change))
}

/// Re-reads the written files and asks cargo whether it still accepts the workspace.
fn validate(project: &Project, edits: &[Edit]) -> Result<()> {
    for e in edits.iter().filter(|e| e.is_change()) {
        TomlFile::read(e.path())
            .with_context(|| format!("{} does not read back", e.path().display()))?;
    }
    let out = cargo_cmd()
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(&project.root_manifest)
        .cwd(&project.workspace_root)
        .run_unchecked()?;
    if !out.success() {
        bail!(
            "cargo rejects the edited files:\n{}",
            indent(out.stderr_str().trim())
        );
    }
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

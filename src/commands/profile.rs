//! `cargo tune profile`: list the presets, show a preset or profile fully resolved, diff two of
//! them, and apply a preset to the workspace root Cargo.toml.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use crate::cargo::rustflags::{FlagSource, user_rustflags};
use crate::cargo::{Project, cargo_home};
use crate::commands::Ctx;
use crate::manifest::Sources;
use crate::manifest::effective::{Origin, Resolved, Setting, short};
use crate::manifest::{ApplyOptions, apply_profile};
use crate::presets::{self, PRESETS};
use crate::process::Cmd;
use crate::spec::parse_variant;
use crate::toolchain::Rustc;
use crate::ui::{BOLD, DIM, YELLOW};

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub command: ProfileCommand,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// List the presets: what each sets and what it is for
    List,
    /// Show every setting of a preset or profile as cargo will use it, and where each comes from
    #[command(
        after_help = "NAME is a profile (dev, release, or one of Cargo.toml's) or a preset; \
                            write `preset:NAME` or `profile:NAME` when both exist."
    )]
    Show {
        /// Preset or profile
        name: String,
    },
    /// Compare two presets or profiles setting by setting (resolved values)
    Diff {
        /// Preset or profile
        a: String,
        /// Preset or profile
        b: String,
    },
    /// Write a preset into the workspace root Cargo.toml as [profile.NAME]
    Apply(ApplyArgs),
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The preset, optionally followed by changes: `production,codegen-units=4`
    pub preset: String,
    /// Name of the profile to write (default: the preset's name)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Show the diff only; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Overwrite an existing profile that differs; allow the built-in names (release, dev, …);
    /// replace a read-only Cargo.toml or .cargo/config.toml (keeping its mode)
    #[arg(long)]
    pub force: bool,
    /// `-Ctarget-cpu` to write instead of the preset's (e.g. x86-64-v3, native)
    #[arg(long, value_name = "CPU")]
    pub target_cpu: Option<String>,
}

pub(crate) fn run(ctx: &Ctx, args: &ProfileArgs) -> Result<()> {
    match &args.command {
        ProfileCommand::List => list(ctx),
        ProfileCommand::Show { name } => show(ctx, name),
        ProfileCommand::Diff { a, b } => diff(ctx, a, b),
        ProfileCommand::Apply(a) => apply(ctx, a),
    }
}

fn list(ctx: &Ctx) -> Result<()> {
    let s = &ctx.shell;
    let width = PRESETS.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in PRESETS {
        let mut sets: Vec<String> = p
            .spec
            .split(',')
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect();
        if sets.is_empty() {
            sets.push("nothing".into());
        }
        println!(
            "{}  {} + {}  {}",
            s.out(BOLD, &format!("{:<width$}", p.name)),
            p.inherits,
            sets.join(", "),
            s.out(DIM, &format!("— {}", p.about))
        );
    }
    Ok(())
}

fn show(ctx: &Ctx, name: &str) -> Result<()> {
    let sources = sources(ctx)?;
    let (resolved, about) = resolve(&sources, name)?;
    let s = &ctx.shell;
    println!(
        "{}",
        s.out(
            BOLD,
            &format!("{}: {}", resolved.name, resolved.chain.join(" → "))
        )
    );
    if let Some(about) = about {
        println!("{}", s.out(DIM, about));
    }
    let rows = resolved.rows();
    let kw = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let vw = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    for (key, value, origin) in rows {
        println!(
            "  {key:<kw$}  {value:<vw$}  {}",
            s.out(DIM, &origin.to_string())
        );
    }
    if resolved.target_cpu.is_some() {
        println!(
            "{}",
            s.out(
                DIM,
                "target-cpu is a rustflag: in .cargo/config.toml it applies to every profile"
            )
        );
    }
    if !name.contains(':')
        && let Some(p) = presets::find(name)
        && sources.is_defined(name)
        && name != "release"
    {
        let preset = sources.resolve_preset(p)?;
        let values = |r: &Resolved| -> Vec<(String, String)> {
            r.rows()
                .iter()
                .map(|(k, v, _)| (k.to_string(), v.to_string()))
                .collect()
        };
        if values(&preset) != values(&resolved) {
            ctx.shell.note(format!(
                "a preset `{name}` exists too and differs: `cargo tune profile diff preset:{name} profile:{name}`"
            ));
        }
    }
    Ok(())
}

fn diff(ctx: &Ctx, a: &str, b: &str) -> Result<()> {
    let sources = sources(ctx)?;
    let (ra, _) = resolve(&sources, a)?;
    let (rb, _) = resolve(&sources, b)?;
    let (rows_a, rows_b) = (ra.rows(), rb.rows());
    let mut keys: Vec<&str> = rows_a.iter().map(|r| r.0).collect();
    for r in &rows_b {
        if !keys.contains(&r.0) {
            keys.push(r.0);
        }
    }
    let get = |rows: &[(&str, &str, &Origin)], k: &str| {
        rows.iter()
            .find(|r| r.0 == k)
            .map_or("(unset)".to_string(), |r| r.1.to_string())
    };
    let mut differ = Vec::new();
    let mut same = Vec::new();
    for k in keys {
        let (va, vb) = (get(&rows_a, k), get(&rows_b, k));
        if va == vb {
            same.push(k);
        } else {
            differ.push((k, va, vb));
        }
    }
    let s = &ctx.shell;
    if differ.is_empty() {
        println!("{} and {} build with the same settings", ra.name, rb.name);
        return Ok(());
    }
    let kw = differ.iter().map(|d| d.0.len()).max().unwrap_or(0).max(7);
    let aw = differ
        .iter()
        .map(|d| d.1.len())
        .max()
        .unwrap_or(0)
        .max(ra.name.len());
    println!(
        "{}",
        s.out(
            BOLD,
            &format!("  {:<kw$}  {:<aw$}  {}", "setting", ra.name, rb.name)
        )
    );
    for (k, va, vb) in &differ {
        println!("  {k:<kw$}  {va:<aw$}  {}", s.out(YELLOW, vb));
    }
    if !same.is_empty() {
        println!("{}", s.out(DIM, &format!("  same: {}", same.join(", "))));
    }
    Ok(())
}

fn apply(ctx: &Ctx, args: &ApplyArgs) -> Result<()> {
    apply_inner(ctx, args).map_err(
        |e| match e.downcast_ref::<crate::toml_file::SyntaxError>() {
            Some(syntax) => anyhow::anyhow!("{syntax}\nnothing was written"),
            None => e,
        },
    )
}

fn apply_inner(ctx: &Ctx, args: &ApplyArgs) -> Result<()> {
    let project = load_project(ctx)?;
    let mut variant =
        parse_variant(&args.preset, &ctx.cargo.profile).map_err(crate::commands::errors::usage)?;
    if let Some(cpu) = &args.target_cpu {
        variant.target_cpu = Some(cpu.clone());
    }
    let name = match (&args.name, presets::find(args.preset.trim())) {
        (Some(n), _) => n.clone(),
        (None, Some(p)) => p.name.to_string(),
        (None, None) => bail!(
            "`{}` changes a preset: give the profile a name with --name",
            args.preset
        ),
    };
    let member = ctx
        .cargo
        .package
        .as_deref()
        .and_then(|p| project.members().into_iter().find(|m| m.name.as_str() == p))
        .map(|m| m.manifest_path.as_std_path().to_path_buf())
        .or_else(|| Some(project.manifest.clone()))
        .filter(|m| *m != project.root_manifest);
    if let Some(m) = member {
        ctx.shell.note(format!(
            "cargo reads [profile.*] only from the workspace root manifest: writing to {}, not {}",
            short(&project.root_manifest),
            short(&m)
        ));
    }
    let opts = ApplyOptions {
        dry_run: args.dry_run,
        force: args.force,
        target: ctx.cargo.target.as_deref(),
    };
    apply_profile(&ctx.shell, &project, &name, &variant, opts)?;
    Ok(())
}

/// Loads the project; if cargo cannot read it, names the malformed manifest with line and column.
fn load_project(ctx: &Ctx) -> Result<Project> {
    ctx.project().map_err(|e| match malformed_manifest(ctx) {
        Some(syntax) => anyhow::Error::new(syntax),
        None => e,
    })
}

fn malformed_manifest(ctx: &Ctx) -> Option<crate::toml_file::SyntaxError> {
    let cwd = std::env::current_dir().ok()?;
    let start: PathBuf = match &ctx.cargo.manifest_path {
        Some(p) => cwd.join(p).parent()?.to_path_buf(),
        None => cwd,
    };
    start
        .ancestors()
        .map(|d| d.join("Cargo.toml"))
        .filter(|p| p.is_file())
        .find_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            crate::toml_file::parse(&p, &text).err()
        })
}

/// The profile sources of the project here, or only cargo's defaults outside a project.
fn sources(ctx: &Ctx) -> Result<Sources> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let in_project = ctx.cargo.manifest_path.is_some()
        || cwd.ancestors().any(|d| d.join("Cargo.toml").is_file());
    let root = if in_project {
        Some(load_project(ctx)?.root_manifest)
    } else {
        None
    };
    Sources::load(root.as_deref(), &cwd)
}

/// A preset or profile by name (`preset:x` / `profile:x` to choose); profiles win over presets.
fn resolve(sources: &Sources, name: &str) -> Result<(Resolved, Option<&'static str>)> {
    let (kind, bare) = match name.split_once(':') {
        Some((k @ ("preset" | "profile"), n)) => (Some(k), n),
        _ => (None, name),
    };
    let preset = presets::find(bare);
    let defined = sources.is_defined(bare);
    match (kind, defined, preset) {
        (Some("preset"), _, Some(p)) | (None, false, Some(p)) => {
            Ok((sources.resolve_preset(p)?, Some(p.about)))
        }
        (Some("preset"), _, None) => bail!("no preset `{bare}`; presets: {}", presets::names()),
        (None, false, None) => bail!(
            "`{bare}` is neither a profile here ({}) nor a preset ({})",
            sources.defined_profiles().join(", "),
            presets::names()
        ),
        _ => {
            let mut r = sources.resolve(bare)?;
            r.name = format!("profile {bare}");
            r.target_cpu = configured_target_cpu().unwrap_or(None);
            Ok((r, None))
        }
    }
}

/// The `-Ctarget-cpu` in the rustflags cargo would use here, with where it comes from.
fn configured_target_cpu() -> Result<Option<Setting>> {
    let rustc = Rustc::detect()?;
    let cfg: Vec<String> = Cmd::new(&rustc.path)
        .args(["--print", "cfg"])
        .run()?
        .stdout_str()
        .lines()
        .map(String::from)
        .collect();
    let cwd = std::env::current_dir()?;
    let env = |k: &str| std::env::var(k).ok();
    let flags = user_rustflags(&cwd, cargo_home().as_deref(), &rustc.host, &cfg, &env)?;
    let cpu = target_cpu_of(&flags.flags);
    let from = match flags.source {
        FlagSource::EncodedEnv => "CARGO_ENCODED_RUSTFLAGS".to_string(),
        FlagSource::Env => "RUSTFLAGS".to_string(),
        FlagSource::TargetConfig => format!("[target] rustflags in {}", files(&flags.files)),
        FlagSource::BuildConfig => format!("[build] rustflags in {}", files(&flags.files)),
        FlagSource::None => String::new(),
    };
    Ok(cpu.map(|cpu| Setting {
        key: "target-cpu".into(),
        value: format!("{cpu:?}"),
        origin: Origin::Rustflags { from },
    }))
}

fn files(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| short(f))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The last `-Ctarget-cpu=` (or `-C target-cpu=`) in a flag list: rustc uses the last one.
pub(crate) fn target_cpu_of(flags: &[String]) -> Option<String> {
    let mut cpu = None;
    for (i, f) in flags.iter().enumerate() {
        if let Some(c) = f.strip_prefix("-Ctarget-cpu=") {
            cpu = Some(c.to_string());
        } else if f == "-C"
            && let Some(c) = flags.get(i + 1).and_then(|n| n.strip_prefix("target-cpu="))
        {
            cpu = Some(c.to_string());
        }
    }
    cpu
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_target_cpu_wins() {
        let flags = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(target_cpu_of(&flags("--cfg x")), None);
        assert_eq!(
            target_cpu_of(&flags("-Ctarget-cpu=native -C target-cpu=x86-64-v2")).as_deref(),
            Some("x86-64-v2")
        );
    }
}

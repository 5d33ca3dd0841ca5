//! `cargo tune ci init` writes `.github/workflows/cargo-tune.yml` (diff first, never over a
//! different file without --force); `cargo tune ci check` validates it with actionlint.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};

use crate::check::git::Repo;
use crate::check::ship::shipped;
use crate::ci::{self, Plan, actionlint};
use crate::commands::Ctx;
use crate::manifest::{Edit, diff, write};
use crate::process::shell_quote;

#[derive(Debug, Args)]
pub struct CiArgs {
    #[command(subcommand)]
    pub command: CiCommand,
}

#[derive(Debug, Subcommand)]
pub enum CiCommand {
    /// Write .github/workflows/cargo-tune.yml: a PGO release build per runner (and a PR gate with --check)
    Init(InitArgs),
    /// Validate the workflow with actionlint (when it is installed)
    Check(CheckWorkflowArgs),
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Provider {
    /// GitHub Actions
    #[default]
    Github,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// CI provider
    #[arg(long, value_enum, default_value_t = Provider::Github)]
    pub provider: Provider,
    /// Targets to build, each on its native runner [default: x86_64-unknown-linux-gnu,aarch64-unknown-linux-gnu]
    #[arg(long, value_delimiter = ',', value_name = "TRIPLES")]
    pub targets: Vec<String>,
    /// Build with PGO, trained on the workloads in Cargo.toml (the default)
    #[arg(long, overrides_with = "no_pgo")]
    pub pgo: bool,
    /// Build without PGO
    #[arg(long, overrides_with = "pgo")]
    pub no_pgo: bool,
    /// Add a pull-request job: `cargo tune check` against the PR's base, verdict in the job summary
    #[arg(long)]
    pub check: bool,
    /// The build to ship [default: `ship` in [package.metadata.tune], else --profile]
    #[arg(long, value_name = "SPEC")]
    pub variant: Option<String>,
    /// How the jobs install cargo-tune [default: `cargo install --locked cargo-tune --version <this>`]
    #[arg(long, value_name = "COMMAND")]
    pub install: Option<String>,
    /// Add a search: one runner builds each candidate (`variants` in [package.metadata.tune], else
    /// the defaults), one job measures them all with `compare --prebuilt`
    #[arg(long)]
    pub search: bool,
    /// Overwrite an existing, different workflow (also a read-only one)
    #[arg(long)]
    pub force: bool,
    /// Show the diff, write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct CheckWorkflowArgs {
    /// The workflow file [default: .github/workflows/cargo-tune.yml of the repository]
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

pub(crate) fn run(ctx: &Ctx, args: &CiArgs) -> Result<()> {
    match &args.command {
        CiCommand::Init(a) => init(ctx, a),
        CiCommand::Check(a) => check(ctx, a),
    }
}

/// Where the workflow goes: the repository's root (the project's, outside git).
fn root(project: &crate::cargo::Project) -> PathBuf {
    Repo::discover(&project.workspace_root)
        .map(|r| r.root)
        .unwrap_or_else(|_| project.workspace_root.clone())
}

fn workflow_path(root: &Path) -> PathBuf {
    root.join(".github")
        .join("workflows")
        .join("cargo-tune.yml")
}

/// The workflow for this project and these options.
pub(crate) fn plan(ctx: &Ctx, args: &InitArgs) -> Result<(Plan, PathBuf)> {
    let (project, bin) = ctx.target()?;
    if bin.config.workload.is_empty() && !args.no_pgo {
        bail!(
            "PGO in CI trains on the workloads in Cargo.toml, and [package.metadata.tune] has none: \
             add a [[package.metadata.tune.workload]] (see `cargo tune doctor`), or pass --no-pgo"
        );
    }
    let root = root(&project);
    let selection = selection(ctx, &project, &root)?;
    let candidate = shipped(
        args.variant.as_deref().or(bin.config.ship.as_deref()),
        &ctx.cargo.profile,
    )?;
    let (build, describe) = ci::plan::build_command(&candidate, !args.no_pgo);
    let runners = ci::plan::runners(&args.targets)?;
    let check = args
        .check
        .then(|| ci::plan::check_options(&bin.config.workload, args.variant.as_deref()));
    let install = args
        .install
        .clone()
        .unwrap_or_else(ci::plan::default_install);
    let workspace_dir = project
        .workspace_root
        .canonicalize()?
        .strip_prefix(root.canonicalize()?)
        .ok()
        .map(|d| d.display().to_string())
        .filter(|d| !d.is_empty());
    let search = if args.search {
        ci::plan::search_candidates(bin.config.variants.as_deref(), &ctx.cargo.profile)
    } else {
        Vec::new()
    };
    let plan = Plan {
        search,
        workspace_dir,
        bin: bin.bin.clone(),
        selection,
        build,
        describe,
        bolt: candidate.bolt,
        runners,
        check,
        install,
    };
    Ok((plan, workflow_path(&root)))
}

/// The global options that select this project and binary from the repository root, as the
/// workflow types them (` --manifest-path app/Cargo.toml -p app`).
fn selection(ctx: &Ctx, project: &crate::cargo::Project, root: &Path) -> Result<String> {
    let manifest = project.manifest.canonicalize()?;
    let rel = manifest
        .strip_prefix(root.canonicalize()?)
        .unwrap_or(&manifest)
        .to_path_buf();
    let mut words: Vec<String> = Vec::new();
    if rel != Path::new("Cargo.toml") {
        words.extend(["--manifest-path".into(), rel.display().to_string()]);
    }
    if let Some(p) = &ctx.cargo.package {
        words.extend(["-p".into(), p.clone()]);
    }
    if let Some(b) = &ctx.cargo.bin {
        words.extend(["--bin".into(), b.clone()]);
    }
    words.extend(ctx.cargo.cargo_flags());
    Ok(words
        .iter()
        .map(|w| format!(" {}", shell_quote(w)))
        .collect())
}

fn init(ctx: &Ctx, args: &InitArgs) -> Result<()> {
    let (plan, path) = plan(ctx, args)?;
    let new = ci::render(&plan);
    let old = match std::fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let root = path
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    let edit = Edit::new(path.clone(), old.clone(), new);
    if !edit.is_change() {
        ctx.shell
            .status("Fresh", format!("{} is already up to date", path.display()));
        return Ok(());
    }
    diff::show(&ctx.shell, std::slice::from_ref(&edit), root);
    if args.dry_run {
        ctx.shell.status(
            "Dry run:",
            "nothing was written; without --dry-run the diff above is applied",
        );
        return Ok(());
    }
    if old.is_some() && !args.force {
        bail!(
            "{} exists and differs (diff above); nothing was written: add --force to overwrite it",
            path.display()
        );
    }
    let linter = actionlint::find();
    let read_only = write::ReadOnly::forced(args.force);
    write::commit(std::slice::from_ref(&edit), read_only, || match &linter {
        Some(bin) => actionlint::check(bin, &path),
        None => Ok(()),
    })?;
    ctx.shell.status("Wrote", path.display().to_string());
    match linter {
        Some(_) => ctx.shell.status("Checked", "actionlint finds no problems"),
        None => ctx.shell.note(format!(
            "actionlint is not installed, so the workflow was not validated; {}",
            actionlint::INSTALL_HINT
        )),
    }
    Ok(())
}

fn check(ctx: &Ctx, args: &CheckWorkflowArgs) -> Result<()> {
    let path = match &args.file {
        Some(f) => f.clone(),
        None => workflow_path(&root(&ctx.project()?)),
    };
    if !path.is_file() {
        bail!(
            "no workflow at {}: write one with `cargo tune ci init`",
            path.display()
        );
    }
    let Some(bin) = actionlint::find() else {
        ctx.shell.warn(format!(
            "actionlint is not installed, so {} was not validated; {}",
            path.display(),
            actionlint::INSTALL_HINT
        ));
        return Ok(());
    };
    actionlint::check(&bin, &path)?;
    ctx.shell.status(
        "Checked",
        format!("{}: actionlint finds no problems", path.display()),
    );
    Ok(())
}

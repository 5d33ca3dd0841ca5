//! `cargo tune check --base REV`: is the working tree slower or bigger than the base revision?
//! Exit 0 no regression, 1 regression, 2 error.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::cargo::{BinTarget, Builder, Project, Selection};
use crate::check::compare::{self, Thresholds};
use crate::check::git::{Commit, Repo};
use crate::check::render;
use crate::check::ship::shipped;
use crate::check::{CheckResult, Side};
use crate::commands::Ctx;
use crate::commands::errors::SilentExit;
use crate::commands::options::{ExportArgs, SessionArgs, parse_percent};
use crate::process::Interrupted;
use crate::report::{self, Format};
use crate::session::{Built, Session};
use crate::spec::Candidate;

#[derive(Debug, Args)]
#[command(
    after_help = "On shared CI runners use `--metric instructions`: it counts executed \
    instructions under valgrind's cachegrind, which other jobs on the runner cannot move, so a \
    small threshold stays meaningful. Wall time on a shared runner is often too noisy to decide \
    (then the answer is \"could not decide at this noise\", exit 0 unless --strict).\n\n\
    Exit status: 0 no regression; 1 a regression (a workload slower, with its whole interval, \
    beyond --threshold, or the binary bigger beyond --size-threshold); 2 an error."
)]
pub struct CheckArgs {
    /// The revision to compare against (branch, tag or sha; in CI the pull request's base sha)
    #[arg(long, value_name = "REV")]
    pub base: String,
    /// The build to compare, on both sides: a profile or preset with stages (`tuned+pgo`)
    /// [default: `ship` in [package.metadata.tune], else --profile]
    #[arg(long, value_name = "SPEC")]
    pub variant: Option<String>,
    /// A workload slower than this (its whole interval) is a regression; smaller changes pass
    #[arg(long, value_name = "PCT", default_value = "3%", value_parser = parse_percent)]
    pub threshold: f64,
    /// A binary grown by more than this is a regression
    #[arg(long, value_name = "PCT", default_value = "1%", value_parser = parse_percent)]
    pub size_threshold: f64,
    /// Fail (exit 1) also when a change could not be decided, or the base did not build
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub session: SessionArgs,
    /// Markdown holds the verdict (for a pull-request comment; also appended to
    /// $GITHUB_STEP_SUMMARY when that is set), JSON the verdicts and the full run
    #[command(flatten)]
    pub export: ExportArgs,
    /// Also write the head's figures for github-action-benchmark (`customSmallerIsBetter`)
    #[arg(long, value_name = "FILE")]
    pub bench_json: Option<PathBuf>,
    /// Also show where the change comes from: the functions and crates whose cost changed most
    /// from base to head, counted by cachegrind on the first command workload
    #[arg(long)]
    pub explain: bool,
    /// Run the binary with these arguments as the (only) workload
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

/// Errors exit with 2, so a script can tell them from a regression (1).
pub(crate) fn run(ctx: &Ctx, args: &CheckArgs) -> Result<()> {
    match check(ctx, args) {
        Ok(0) => Ok(()),
        Ok(code) => Err(SilentExit(code).into()),
        Err(e) if e.is::<Interrupted>() => Err(e),
        Err(e) => {
            ctx.shell.error(format!("{e:#}"));
            Err(SilentExit(2).into())
        }
    }
}

fn check(ctx: &Ctx, args: &CheckArgs) -> Result<i32> {
    if args.session.measure.noise.is_some() {
        bail!("`check` decides against --threshold (the noise band of its verdicts); drop --noise");
    }
    let (project, bin) = ctx.target()?;
    let repo = Repo::discover(&project.workspace_root)?;
    let base = repo.resolve(&args.base)?;
    let head = Side::working_tree(&repo)?;
    if head.changed_files > 0 {
        ctx.shell.note(format!(
            "the working tree has uncommitted changes ({}): comparing it as it is",
            crate::ui::count(head.changed_files, "file")
        ));
    }
    let (workloads, settings) = args.session.measured(&bin, &args.args)?;
    let settings = compare::settings(settings, args.threshold)?;
    crate::workload::check_workloads(&workloads, args.session.allow_remote)?;
    let candidate = shipped(
        args.variant.as_deref().or(bin.config.ship.as_deref()),
        &ctx.cargo.profile,
    )?;
    let _lock = ctx.lock(&project)?;
    let base_built = checkout_and_build_base(ctx, args, &repo, &project, &base, &candidate)?;

    ctx.shell.status(
        "Head",
        format!("building `{}` from the working tree", candidate.name),
    );
    let builder = Builder::new(&ctx.shell, &project, &bin, &ctx.cargo)?;
    let mut session = Session::new(
        &ctx.shell,
        &builder,
        workloads,
        args.session.session_options(),
    );
    let head_built = match session.build(&candidate)? {
        Ok(b) => b,
        Err(reason) => bail!(
            "the working tree does not build as `{}`:\n{reason}",
            candidate.name
        ),
    };
    let mut run = compare::measure(
        &mut session,
        settings,
        &candidate,
        &base,
        &base_built,
        head_built.clone(),
    )?;
    if args.explain
        && let Ok(base_b) = &base_built
    {
        let target = base_target(ctx, &repo, &project, &base)?;
        let (base_project, base_bin, base_args) = target.map_err(anyhow::Error::msg)?;
        let base_builder = Builder::new(&ctx.shell, &base_project, &base_bin, &base_args)?;
        let named = |name: String| Candidate {
            name,
            ..candidate.clone()
        };
        let (base_c, head_c) = (
            named(format!("base {}", base.short())),
            named("head".into()),
        );
        let sides = [
            (&base_c, &base_builder, Some(base_b)),
            (&head_c, &builder, Some(&head_built)),
        ];
        crate::commands::explain::add_to_run(
            &ctx.shell,
            &sides,
            &session.workloads,
            &project.tune_dir(),
            &mut run,
        )?;
    }
    let thresholds = Thresholds {
        speed: args.threshold,
        size: args.size_threshold,
        strict: args.strict,
    };
    let base_failure = base_built.err();
    let result = compare::conclude(&base, head, &candidate, thresholds, base_failure, run);
    write_outputs(ctx, &project, &result, args)?;
    Ok(result.exit_code)
}

/// The base in its own checkout and target dir, cached by commit, built as `candidate`.
fn checkout_and_build_base(
    ctx: &Ctx,
    args: &CheckArgs,
    repo: &Repo,
    project: &Project,
    base: &Commit,
    candidate: &Candidate,
) -> Result<Result<Built, String>> {
    let base_dir = project.tune_dir().join("check").join(&base.sha);
    ctx.shell.status(
        "Checking out",
        format!("base {} ({})", base.rev, base.short()),
    );
    repo.worktree(base, &base_dir.join("src"))?;
    ctx.shell.status(
        "Base",
        format!(
            "building `{}` from {} ({})",
            candidate.name,
            base.rev,
            base.short()
        ),
    );
    build_base(ctx, args, repo, project, base, candidate)
}

/// Builds the candidate from the base checkout, trained (PGO, BOLT) on the base's own
/// workloads. A base that does not build is a result, not an error.
fn build_base(
    ctx: &Ctx,
    args: &CheckArgs,
    repo: &Repo,
    project: &Project,
    base: &Commit,
    candidate: &Candidate,
) -> Result<Result<Built, String>> {
    let (base_project, base_bin, base_args) = match base_target(ctx, repo, project, base)? {
        Ok(x) => x,
        Err(why) => return Ok(Err(why)),
    };
    // Trained on its own workloads when it has them (they may name files that changed since).
    let workloads = crate::workload::select_measurable(
        &base_bin.config.workload,
        &args.session.workloads,
        &args.args,
        &base_bin.package_manifest,
    )
    .unwrap_or_default();
    let builder = Builder::new(&ctx.shell, &base_project, &base_bin, &base_args)?;
    let mut session = Session::new(
        &ctx.shell,
        &builder,
        workloads,
        args.session.session_options(),
    );
    session.build(candidate)
}

/// The base checkout's project, binary and cargo selection (its own target dir), or why there is
/// none at that commit.
fn base_target(
    ctx: &Ctx,
    repo: &Repo,
    project: &Project,
    base: &Commit,
) -> Result<Result<(Project, BinTarget, Selection), String>> {
    let base_dir = project.tune_dir().join("check").join(&base.sha);
    let manifest = canonical(&project.manifest)?;
    let rel = manifest
        .strip_prefix(canonical(&repo.root)?)
        .with_context(|| {
            format!(
                "{} is not inside the repository at {}",
                manifest.display(),
                repo.root.display()
            )
        })?;
    let base_manifest = base_dir.join("src").join(rel);
    if !base_manifest.is_file() {
        return Ok(Err(format!(
            "{} does not exist at {}",
            rel.display(),
            base.short()
        )));
    }
    let base_args = Selection {
        manifest_path: Some(base_manifest),
        target_dir: Some(base_dir.join("target")),
        ..ctx.cargo.clone()
    };
    let loaded = Project::load(&base_args).and_then(|p| {
        let bin = p.bin_target(&base_args)?;
        Ok((p, bin))
    });
    Ok(match loaded {
        Ok((p, bin)) => Ok((p, bin, base_args)),
        Err(e) => Err(format!("{e:#}")),
    })
}

fn canonical(p: &Path) -> Result<PathBuf> {
    p.canonicalize()
        .with_context(|| format!("cannot resolve {}", p.display()))
}

fn write_outputs(ctx: &Ctx, project: &Project, r: &CheckResult, args: &CheckArgs) -> Result<()> {
    let has_run = r.base_failure.is_none();
    if has_run {
        crate::run::store::save(&r.run, &project.tune_dir())?;
    }
    let full = if has_run {
        report::render(&r.run, Format::Markdown, false)?
    } else {
        String::new()
    };
    let md = render::markdown(r, &full);
    // Without a run (the base did not build) there is nothing to chart.
    let export = ExportArgs {
        html: args.export.html.clone().filter(|_| has_run),
        ..args.export.clone()
    };
    export.write(&ctx.shell, |format| match format {
        Format::Markdown => Ok(md.clone()),
        Format::Json => Ok(serde_json::to_string_pretty(r)? + "\n"),
        Format::Html | Format::Table => report::render(&r.run, format, false),
    })?;
    if let Ok(summary) = std::env::var("GITHUB_STEP_SUMMARY")
        && !summary.is_empty()
    {
        append(Path::new(&summary), &md)?;
        ctx.shell.status("Wrote", "the verdict to the job summary");
    }
    if let Some(path) = &args.bench_json {
        let mut text = serde_json::to_string_pretty(&render::bench_entries(r))?;
        text.push('\n');
        crate::run::store::write_file(path, &text)?;
        ctx.shell.status("Wrote", path.display().to_string());
    }
    if has_run {
        print!(
            "{}",
            report::render(&r.run, Format::Table, ctx.shell.stdout_color())?
        );
        println!();
    }
    print!("{}", render::text(r));
    Ok(())
}

/// GitHub's job summary collects what every step appends to it.
fn append(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open the job summary {}", path.display()))?;
    writeln!(f, "{text}").with_context(|| format!("cannot write {}", path.display()))
}

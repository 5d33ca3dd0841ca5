//! Building on one machine and measuring on another: `build --variant SPEC --export DIR` and
//! `compare --prebuilt DIR` (the interleaved, paired measurement on binaries it did not build).

use std::path::Path;

use anyhow::{Result, anyhow, bail};

use super::args::CompareArgs;
use crate::cargo::Builder;
use crate::check::ship::shipped;
use crate::ci::export::{self, Export};
use crate::ci::origin;
use crate::commands::{Ctx, failed_variants, save_and_print};
use crate::process::Interrupted;
use crate::run::{RunCommand, VariantResult};
use crate::session::{Session, SessionOptions};
use crate::variant::Variant;

/// `cargo tune build --variant SPEC --export DIR`.
pub(crate) fn export(ctx: &Ctx, spec: &str, rebuild: bool, dir: &Path) -> Result<()> {
    let (project, bin) = ctx.target()?;
    let candidate = shipped(Some(spec), &ctx.cargo.profile)?;
    let _lock = ctx.lock(&project)?;
    let builder = Builder::new(&ctx.shell, &project, &bin, &ctx.cargo)?;
    // PGO and BOLT train on the configured workloads, here, on this machine's own build.
    let workloads = if candidate.pgo || candidate.bolt {
        crate::workload::select_measurable(&bin.config.workload, &[], &[], &bin.package_manifest)?
    } else {
        Vec::new()
    };
    let opts = SessionOptions {
        rebuild,
        allow_remote: false,
        held_out: false,
        keep_no_counts: false,
    };
    let mut session = Session::new(&ctx.shell, &builder, workloads, opts);
    let built = session.build(&candidate)?.map_err(|r| anyhow!(r))?;
    let here = origin::here(&project.workspace_root, builder.rustc())?;
    if here.dirty {
        ctx.shell.warn(
            "the working tree has uncommitted changes: this export matches no commit, and \
             `compare --prebuilt` will refuse it",
        );
    }
    let out = export::write(
        dir,
        &candidate.name,
        &built,
        candidate.pgo,
        candidate.bolt,
        &here,
        builder.target(),
        &bin.package,
        &bin.bin,
    )?;
    ctx.shell.status(
        "Exported",
        format!(
            "`{}` ({}) to {}",
            candidate.name,
            candidate.describe(),
            out.display()
        ),
    );
    println!("{}", out.join(&bin.bin).display());
    Ok(())
}

/// The exports to measure, in the order `--variants` names them (the first is the baseline),
/// else all of them with `release` first.
fn select(
    mut all: Vec<(std::path::PathBuf, Export)>,
    names: &[String],
) -> Result<Vec<(std::path::PathBuf, Export)>> {
    if names.is_empty() {
        if let Some(i) = all.iter().position(|(_, e)| e.name == "release") {
            let r = all.remove(i);
            all.insert(0, r);
        }
        return Ok(all);
    }
    let mut out = Vec::new();
    for name in names {
        let Some(i) = all.iter().position(|(_, e)| &e.name == name) else {
            let have: Vec<&str> = all.iter().map(|(_, e)| e.name.as_str()).collect();
            bail!(
                "no exported binary `{name}` in the prebuilt dir; it has: {}",
                have.join(", ")
            );
        };
        out.push(all.remove(i));
    }
    Ok(out)
}

/// `cargo tune compare --prebuilt DIR`.
pub(crate) fn compare(ctx: &Ctx, args: &CompareArgs, dir: &Path) -> Result<()> {
    if !args.named.is_empty() {
        bail!("--prebuilt measures exported binaries by name: select them with --variants NAME,…");
    }
    if args.session.held_out {
        bail!(
            "--held-out builds each PGO variant again from other profiles, which --prebuilt cannot: \
             run `cargo tune compare --held-out` where the sources are"
        );
    }
    let (project, bin) = ctx.target()?;
    let (workloads, settings) = args.session.measured(&bin, &args.args)?;
    crate::workload::check_workloads(&workloads, args.session.allow_remote)?;
    let _lock = ctx.lock(&project)?;
    let builder = Builder::new(&ctx.shell, &project, &bin, &ctx.cargo)?;
    let here = origin::here(&project.workspace_root, builder.rustc())?;
    let exports = select(export::read_all(dir)?, &args.variants)?;
    for (_, e) in &exports {
        export::check_origin(e, &here, &bin.bin, builder.target())?;
    }
    if here.dirty {
        ctx.shell.warn(
            "this checkout has uncommitted changes: the workloads come from its Cargo.toml as it \
             is now, the binaries from the commit",
        );
    }
    let session = Session::new(
        &ctx.shell,
        &builder,
        workloads,
        SessionOptions {
            keep_no_counts: true,
            ..args.session.session_options()
        },
    );
    let mut run = session.new_run(RunCommand::Compare, settings);
    for (d, e) in &exports {
        let variant = Variant {
            name: e.name.clone(),
            ..e.variant.clone()
        };
        run.variants.push(VariantResult::built(
            variant,
            e.rustflags.clone(),
            export::build_info(d, e)?,
        ));
    }
    let commit = here.commit.as_deref().map_or("-", |c| &c[..c.len().min(8)]);
    run.notes.push(format!(
        "prebuilt binaries from {} (commit {commit}, {}): compile times as measured where they \
         were built",
        dir.display(),
        here.rustc_version
    ));
    session.measure(&mut run);
    save_and_print(&ctx.shell, &project.tune_dir(), &run, &args.export)?;
    if run.interrupted {
        return Err(Interrupted.into());
    }
    failed_variants(&run)
}

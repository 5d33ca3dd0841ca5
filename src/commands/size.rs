//! `cargo tune size`: where a variant's bytes go, per crate and per function, with the features
//! that pulled each dependency in; `--vs` compares two variants; `--try-features` tries
//! dependencies without their default features.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;

use crate::cargo::{BinTarget, Builder};
use crate::commands::Ctx;
use crate::size::features::{self, DepFeatures};
use crate::size::trial::Trial;
use crate::size::variant::{analyse_variant, cross_crate_lto};
use crate::size::{Options, SizeReport, diff, render};
use crate::spec::parse_variant;
use crate::variant::Variant;

#[derive(Debug, Args)]
pub struct SizeArgs {
    /// The variant to analyse: a preset or `key=value,…` (built unstripped whatever its `strip`)
    #[arg(long, default_value = "release", value_name = "SPEC")]
    pub variant: String,
    /// Compare with this variant: per crate and per function, what grew, shrank, appeared or vanished
    #[arg(long, value_name = "SPEC")]
    pub vs: Option<String>,
    /// How many crates and functions to list
    #[arg(short = 'n', default_value_t = 20, value_name = "N")]
    pub n: usize,
    /// Only the per-crate table
    #[arg(long, conflicts_with = "functions")]
    pub crates: bool,
    /// Only the per-function table
    #[arg(long)]
    pub functions: bool,
    /// Show core, alloc, std, … as their own crates instead of one `std` row
    #[arg(long)]
    pub split_std: bool,
    /// Attribute by demangled names only, as cargo-bloat does: a generic counts to the crate
    /// that defines it, not to the one whose code instantiated it
    #[arg(long)]
    pub by_name: bool,
    /// Build without the default features of each of the largest direct dependencies whose
    /// defaults your manifest turns on, one at a time, and report size and workloads
    #[arg(long)]
    pub try_features: bool,
    /// With --try-features: write the best suggestion (the workloads pass and it is smaller) into Cargo.toml
    #[arg(long, requires = "try_features")]
    pub apply: bool,
    /// Also write the analysis (every crate and function row) as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// What `--json` writes.
#[derive(Debug, Serialize)]
struct Document<'a> {
    schema: u32,
    variant: &'a str,
    report: &'a SizeReport,
    features: &'a [DepFeatures],
    #[serde(skip_serializing_if = "Option::is_none")]
    vs: Option<VsDocument<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    try_features: Vec<Trial>,
}

#[derive(Debug, Serialize)]
struct VsDocument<'a> {
    variant: &'a str,
    report: &'a SizeReport,
    diff: &'a diff::SizeDiff,
}

/// The `--vs` side: its variant, its analysis, and what changed from the first.
struct Vs {
    variant: Variant,
    report: SizeReport,
    diff: diff::SizeDiff,
}

pub(crate) fn run(ctx: &Ctx, args: &SizeArgs) -> Result<()> {
    let (project, bin) = ctx.target()?;
    let builder = Builder::new(&ctx.shell, &project, &bin, &ctx.cargo)?;
    let variant =
        parse_variant(&args.variant, &ctx.cargo.profile).map_err(crate::commands::errors::usage)?;
    let other = match &args.vs {
        Some(spec) => {
            Some(parse_variant(spec, &ctx.cargo.profile).map_err(crate::commands::errors::usage)?)
        }
        None => None,
    };
    let opts = options(args, &builder, &bin, &variant, other.as_ref());
    let (_, report) = analyse_variant(&ctx.shell, &builder, &variant, opts.clone())?;
    let deps = dependency_features(ctx, &builder, &bin);
    let vs = match other {
        None => None,
        Some(other) => {
            let (_, other_report) = analyse_variant(&ctx.shell, &builder, &other, opts.clone())?;
            let diff = diff::diff(&report, &other_report);
            Some(Vs {
                variant: other,
                report: other_report,
                diff,
            })
        }
    };
    print!("{}", text(args, &variant, &report, &deps, vs.as_ref()));
    let trials = if args.try_features {
        try_features(ctx, args, &builder, &bin, &variant, &report, &deps)?
    } else {
        Vec::new()
    };
    if let Some(path) = &args.json {
        let doc = Document {
            schema: 1,
            variant: &variant.name,
            report: &report,
            features: &deps,
            vs: vs.as_ref().map(|v| VsDocument {
                variant: &v.variant.name,
                report: &v.report,
                diff: &v.diff,
            }),
            try_features: trials,
        };
        let text = serde_json::to_string_pretty(&doc)?;
        write_atomically(path, text.as_bytes())?;
        ctx.shell.status("Wrote", path.display().to_string());
    }
    Ok(())
}

fn options(
    args: &SizeArgs,
    builder: &Builder,
    bin: &BinTarget,
    variant: &Variant,
    other: Option<&Variant>,
) -> Options {
    // Both sides of a comparison follow one rule: if either uses cross-crate LTO, names decide
    // for both, or a generic would "move" from the binary's crate to std between the two.
    let names_only = std::iter::once(variant)
        .chain(other)
        .any(|v| cross_crate_lto(builder, v));
    Options {
        split_std: args.split_std,
        bin_crate: Some(bin.bin.replace('-', "_")).filter(|_| !names_only),
        by_name: args.by_name,
    }
}

/// The features of each dependency and who turns them on; none (with a warning) when cargo
/// cannot tell.
fn dependency_features(ctx: &Ctx, builder: &Builder, bin: &BinTarget) -> Vec<DepFeatures> {
    match features::load(&bin.package_manifest, builder.target(), &ctx.cargo)
        .and_then(|m| features::dependency_features(&m, &bin.package))
    {
        Ok(d) => d,
        Err(e) => {
            ctx.shell
                .warn(format!("cannot read the dependency features: {e:#}"));
            Vec::new()
        }
    }
}

/// The tables `--crates`/`--functions` ask for, and the comparison with `--vs`.
fn text(
    args: &SizeArgs,
    variant: &Variant,
    report: &SizeReport,
    deps: &[DepFeatures],
    vs: Option<&Vs>,
) -> String {
    let mut out = String::new();
    out.push_str(&render::summary(report));
    if !args.functions {
        out.push('\n');
        out.push_str(&render::crates(report, args.n, deps));
        let origins = render::feature_origins(report, args.n.min(10), deps);
        if !origins.is_empty() {
            out.push_str("\nFeatures of the largest dependencies, and who enables them:\n");
            out.push_str(&origins);
        }
    }
    if !args.crates {
        out.push('\n');
        out.push_str(&render::functions(report, args.n));
    }
    if let Some(vs) = vs {
        out.push('\n');
        out.push_str(&render::summary(&vs.report));
        out.push('\n');
        out.push_str(&render::diff(
            &vs.diff,
            &variant.name,
            &vs.variant.name,
            args.n,
        ));
    }
    out
}

/// `--try-features`: each large dependency without its default features, printed, and the
/// best one written with `--apply`.
fn try_features(
    ctx: &Ctx,
    args: &SizeArgs,
    builder: &Builder,
    bin: &BinTarget,
    variant: &Variant,
    report: &SizeReport,
    deps: &[DepFeatures],
) -> Result<Vec<Trial>> {
    let trials =
        crate::size::trial::try_features(&ctx.shell, &ctx.cargo, builder, variant, report, deps)?;
    print!(
        "\n{}",
        crate::size::trial::render(&trials, report.stripped_size_bytes)
    );
    if args.apply {
        crate::size::trial::apply_best(
            &ctx.shell,
            &bin.package_manifest,
            &trials,
            report.stripped_size_bytes,
        )?;
    }
    Ok(trials)
}

/// Writes `bytes` to `path` through a temporary file in the same directory, so a reader never
/// sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

//! `cargo tune explain --variants A,B`: where the change in cost between two builds comes from,
//! function by function and crate by crate, counted by cachegrind on one command workload. The
//! builds are the ones `compare` makes (cached), so are the counts of unstripped binaries.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use crate::cargo::Builder;
use crate::commands::Ctx;
use crate::explain::{self, Explanation, Metric, Subject};
use crate::session::{Built, Session, SessionOptions};
use crate::spec::{Candidate, parse_candidates};
use crate::tune_config::Workload;
use crate::workload::kept::Kept;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The two builds, the baseline first (`production` alone means `release,production`)
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub variants: Vec<String>,
    /// An ad-hoc variant 'NAME=SPEC' to name in --variants (repeatable)
    #[arg(long = "variant", value_name = "NAME=SPEC")]
    pub named: Vec<String>,
    /// The command workload to count (and, as in `compare --workload`, the only one that trains
    /// PGO) [default: the first configured command workload; all train PGO]
    #[arg(long, value_name = "NAME")]
    pub workload: Option<String>,
    /// What ranks the functions; `cycles-est` simulates the cache (about twice valgrind's time)
    /// and shows estimated cycles beside instructions
    #[arg(long, value_enum, default_value_t = ExplainMetric::Instructions)]
    pub metric: ExplainMetric,
    /// How many functions to list
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub top: usize,
    /// Also write the explanation as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Run cachegrind again even when a run of the same binary on the same workload is kept
    #[arg(long)]
    pub rerun: bool,
    /// Never build with debug info to find the caller a function was inlined into
    #[arg(long)]
    pub no_debug_build: bool,
    /// Run the binary with these arguments as the workload
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

/// `--metric` of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainMetric {
    /// Executed instructions
    Instructions,
    /// Estimated cycles (cachegrind's cache simulation: L1 + 5 × LL + 35 × RAM)
    CyclesEst,
}

pub(crate) fn run(ctx: &Ctx, args: &ExplainArgs) -> Result<()> {
    let started = Instant::now();
    let (project, bin) = ctx.target()?;
    crate::workload::cachegrind::find_valgrind()?;
    // The workloads train PGO as in `compare` with the same `--workload` (all configured ones
    // without it), so the builds are the same ones.
    let chosen: Vec<String> = args.workload.iter().cloned().collect();
    let workloads = crate::workload::select_measurable(
        &bin.config.workload,
        &chosen,
        &args.args,
        &bin.package_manifest,
    )?;
    let workload = pick(&workloads, args.workload.as_deref())?.clone();
    let (a, b) = pair(args, &ctx.cargo.profile)?;
    let _lock = ctx.lock(&project)?;
    let builder = Builder::new(&ctx.shell, &project, &bin, &ctx.cargo)?;
    let mut session = Session::new(&ctx.shell, &builder, workloads, SessionOptions::default());
    let (built_a, built_b) = (built(&mut session, &a)?, built(&mut session, &b)?);
    let opts = explain::Options {
        metric: match args.metric {
            ExplainMetric::Instructions => Metric::Instructions,
            ExplainMetric::CyclesEst => Metric::CyclesEst,
        },
        top: args.top,
        rerun: args.rerun,
        debug_builds: !args.no_debug_build,
        allow_remote: false,
        kept: Kept::new(&project.tune_dir()),
    };
    let e = explain::explain(
        &ctx.shell,
        &subject(&a, &builder, &built_a),
        &subject(&b, &builder, &built_b),
        &workload,
        &opts,
    )?;
    if let Some(path) = &args.json {
        write_json(path, &e)?;
        ctx.shell.status("Wrote", path.display().to_string());
    }
    print!("{}", explain::render::text(&e));
    ctx.shell.status(
        "Finished",
        format!(
            "explaining in {}",
            crate::ui::format_duration(started.elapsed())
        ),
    );
    Ok(())
}

/// A built candidate as one side of an explanation.
pub(crate) fn subject<'a>(c: &'a Candidate, builder: &'a Builder<'a>, b: &'a Built) -> Subject<'a> {
    Subject {
        name: &c.name,
        builder,
        variant: &b.variant,
        binary: &b.info.binary,
    }
}

fn built(session: &mut Session, c: &Candidate) -> Result<Built> {
    match session.build(c)? {
        Ok(b) => Ok(b),
        Err(reason) => bail!("`{}` did not build:\n{reason}", c.name),
    }
}

/// A and B: `--variants A,B` (either may be a `--variant NAME=SPEC`), or one variant to explain
/// against the profile the variants start from.
fn pair(args: &ExplainArgs, profile: &str) -> Result<(Candidate, Candidate)> {
    let ad_hoc: Vec<&str> = args
        .named
        .iter()
        .map(|n| n.split_once('=').map_or(n.as_str(), |(k, _)| k))
        .collect();
    let items: Vec<String> = args
        .variants
        .iter()
        .filter(|v| !ad_hoc.contains(&v.as_str()))
        .cloned()
        .collect();
    let mut all = match items.is_empty() && args.named.is_empty() {
        true => Vec::new(),
        false => parse_candidates(&items, &args.named, profile)?,
    };
    // Ad-hoc variants are parsed after the others: keep the order --variants gives.
    all.sort_by_key(|c| {
        args.variants
            .iter()
            .position(|v| *v == c.name)
            .unwrap_or(usize::MAX)
    });
    if all.len() == 1 {
        let base = parse_candidates(&[profile.to_string()], &[], profile)?;
        all.splice(0..0, base);
    }
    match <[Candidate; 2]>::try_from(all) {
        Ok([a, b]) => Ok((a, b)),
        Err(_) => bail!(
            "explain compares two builds: give --variants A,B (e.g. --variants \
             release,production), or one variant to explain against `{profile}`"
        ),
    }
}

/// The workload to count: the named one, else the first command workload.
pub(crate) fn pick<'a>(workloads: &'a [Workload], name: Option<&str>) -> Result<&'a Workload> {
    match name {
        Some(n) => {
            let w = workloads.iter().find(|w| w.name == n).with_context(|| {
                let known: Vec<&str> = workloads.iter().map(|w| w.name.as_str()).collect();
                format!("no workload `{n}`; workloads: {}", known.join(", "))
            })?;
            if w.service().is_some() {
                bail!("`{n}` is a service; explain counts a command workload under cachegrind");
            }
            Ok(w)
        }
        None => workloads.iter().find(|w| w.service().is_none()).context(
            "explain counts a command workload under cachegrind, and every workload is a service",
        ),
    }
}

fn write_json(path: &std::path::Path, e: &Explanation) -> Result<()> {
    let mut text = serde_json::to_string_pretty(e)?;
    text.push('\n');
    crate::run::store::write_file(path, &text)
}

/// `--explain` of `compare` and `check`: each built variant against the baseline on the first
/// command workload, added to `run`; counted runs are kept in `tune_dir`'s store. A variant that cannot be explained gets a note instead
/// (the comparison stands without it); only Ctrl-C stops.
pub(crate) fn add_to_run(
    shell: &crate::ui::Shell,
    sides: &[(&Candidate, &Builder, Option<&Built>)],
    workloads: &[Workload],
    tune_dir: &std::path::Path,
    run: &mut crate::run::Run,
) -> Result<()> {
    let Some((base_c, base_builder, Some(base))) = sides.first().copied() else {
        return Ok(());
    };
    let Ok(workload) = pick(workloads, None) else {
        run.notes
            .push("--explain: nothing to explain on, every workload is a service".into());
        return Ok(());
    };
    let opts = explain::Options {
        metric: match run.settings.command_metric {
            crate::measure::Metric::CyclesEst => Metric::CyclesEst,
            _ => Metric::Instructions,
        },
        top: 10,
        rerun: false,
        // What was measured is explained; naming the callers of inlined code is `explain`'s.
        debug_builds: false,
        allow_remote: false,
        kept: Kept::new(tune_dir),
    };
    for (c, builder, built) in sides.iter().skip(1) {
        let Some(b) = built else { continue };
        let e = explain::explain(
            shell,
            &subject(base_c, base_builder, base),
            &subject(c, builder, b),
            workload,
            &opts,
        );
        match e {
            Ok(e) => run.explain.push(e),
            Err(e) if crate::process::interrupted() => return Err(e),
            Err(e) => run
                .notes
                .push(format!("--explain: `{}` not explained: {e:#}", c.name)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(variants: &[&str], named: &[&str]) -> ExplainArgs {
        ExplainArgs {
            variants: variants.iter().map(|s| s.to_string()).collect(),
            named: named.iter().map(|s| s.to_string()).collect(),
            workload: None,
            metric: ExplainMetric::Instructions,
            top: 15,
            json: None,
            rerun: false,
            no_debug_build: false,
            args: Vec::new(),
        }
    }

    #[test]
    fn one_variant_is_explained_against_the_profile_and_order_is_kept() {
        let (a, b) = pair(&args(&["production"], &[]), "release").unwrap();
        assert_eq!(
            (a.name.as_str(), b.name.as_str()),
            ("release", "production")
        );
        let (a, b) = pair(&args(&["fast", "release"], &["fast=lto=fat"]), "release").unwrap();
        assert_eq!((a.name.as_str(), b.name.as_str()), ("fast", "release"));
        assert!(pair(&args(&["a", "b", "c"], &[]), "release").is_err());
        assert!(pair(&args(&[], &[]), "release").is_err());
    }
}

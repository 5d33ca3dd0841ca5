//! One explanation from two builds: name each build's functions (`twin`), count them on the
//! workload under cachegrind (both at once) or take kept runs of the same binaries and workload,
//! split the change (`diff`), and look up where functions only one build has went (`inline`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::crates::Namer;
use super::diff;
use super::profile::Profile;
use super::twin::{self, Named};
use super::witness::Witness;
use super::{Costs, Explanation, Inlined, Metric, SideInfo, Which};
use crate::cargo::Builder;
use crate::tune_config::Workload;
use crate::ui::Shell;
use crate::variant::Variant;
use crate::workload::cachegrind::Count;
use crate::workload::kept::{Kept, file_sha256};

/// One of the two builds: its name, how it was built (by `builder`) and its shipped binary.
pub(crate) struct Subject<'a> {
    pub name: &'a str,
    pub builder: &'a Builder<'a>,
    pub variant: &'a Variant,
    pub binary: &'a Path,
}

/// How to explain.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub metric: Metric,
    /// Functions listed.
    pub top: usize,
    /// Run cachegrind again even when a run of the same binary and workload is kept.
    pub rerun: bool,
    /// Build a twin with debug info when the counted binaries cannot tell where a function
    /// was inlined (else such functions are listed without their caller).
    pub debug_builds: bool,
    pub allow_remote: bool,
    /// Where counted runs are kept and looked up (the project's, for both builds).
    pub kept: Kept,
}

impl Options {
    /// What cachegrind counts: the cache is simulated (about twice valgrind's time) only for
    /// estimated cycles; a kept run that simulated it serves for instructions too.
    pub(crate) fn count(&self) -> Count {
        match self.metric {
            Metric::Instructions => Count::Instructions,
            Metric::CyclesEst => Count::CyclesEst,
        }
    }
}

/// One build, counted.
struct Counted {
    named: Named,
    profile: Profile,
    info: SideInfo,
}

/// Explains the change from `a` to `b` on `workload` (a command workload).
pub(crate) fn explain(
    shell: &Shell,
    a: &Subject,
    b: &Subject,
    workload: &Workload,
    opts: &Options,
) -> Result<Explanation> {
    if workload.service().is_some() {
        bail!(
            "`explain` counts a command workload under cachegrind; `{}` is a service",
            workload.name
        );
    }
    let (pa, pb) = (prepare(a, workload, opts)?, prepare(b, workload, opts)?);
    let [ca, cb] = count_both(shell, [(a, pa), (b, pb)], workload, opts)?;
    let mut notes = witness_notes(&[&ca, &cb]);
    let costs = |p: &Profile| by_symbol(p, opts.metric);
    let (costs_a, costs_b) = (costs(&ca.profile)?, costs(&cb.profile)?);
    let namer = namer(&[(a, &ca), (b, &cb)])?;
    let rows = diff::rows(&costs_a, &costs_b, |name, sym| namer.crate_of(name, sym));
    let d = diff::diff(opts.metric, &rows, opts.top);
    let crates = diff::crates(&rows);
    let mut inlined = inlined(shell, &d.functions, [(a, &ca), (b, &cb)], opts, &mut notes);
    by_cost(&mut inlined, &rows);
    let (ta, tb) = (ca.profile.totals(), cb.profile.totals());
    Ok(Explanation {
        baseline: a.name.to_string(),
        variant: b.name.to_string(),
        workload: workload.name.clone(),
        diff: d,
        instructions: Costs {
            a: ta.instructions,
            b: tb.instructions,
        },
        cycles_est: ta
            .cycles_est
            .zip(tb.cycles_est)
            .map(|(a, b)| Costs { a, b }),
        crates,
        inlined,
        sides: vec![ca.info, cb.info],
        notes,
    })
}

/// A build whose functions have names, and a kept run of it if there is one.
struct Prepared {
    named: Named,
    kept_run: Option<PathBuf>,
}

/// Names `s`'s functions (building a twin if it was stripped) and looks for a kept run.
fn prepare(s: &Subject, workload: &Workload, opts: &Options) -> Result<Prepared> {
    let named = twin::with_symbols(s.builder, s.variant, s.binary)
        .with_context(|| format!("cannot name the functions of `{}`", s.name))?;
    let kept_run = match opts.rerun {
        true => None,
        false => opts.kept.find(&named.binary, workload, opts.count())?,
    };
    Ok(Prepared { named, kept_run })
}

/// Counts both builds: the kept runs, and the others under cachegrind now, side by side (the
/// counts do not depend on what else the machine runs, and valgrind is single-threaded).
fn count_both(
    shell: &Shell,
    sides: [(&Subject, Prepared); 2],
    workload: &Workload,
    opts: &Options,
) -> Result<[Counted; 2]> {
    for (s, p) in &sides {
        if p.kept_run.is_none() {
            shell.status(
                "Counting",
                format!("`{}` on `{}` under cachegrind", s.name, workload.name),
            );
        }
    }
    let [(sa, pa), (sb, pb)] = sides;
    // Two variants can build the same binary: count it once (both runs would keep one dir).
    let same = pa.kept_run.is_none()
        && pb.kept_run.is_none()
        && file_sha256(&pa.named.binary)? == file_sha256(&pb.named.binary)?;
    if same {
        let dir = run_or_kept(sa, &pa, workload, opts)?;
        return Ok([
            finish(sa, pa, dir.clone(), opts, workload)?,
            finish(sb, pb, dir, opts, workload)?,
        ]);
    }
    let (da, db) = std::thread::scope(|scope| {
        let a = scope.spawn(|| run_or_kept(sa, &pa, workload, opts));
        let db = run_or_kept(sb, &pb, workload, opts);
        let da = a
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("counting `{}` panicked", sa.name)));
        (da, db)
    });
    Ok([
        finish(sa, pa, da?, opts, workload)?,
        finish(sb, pb, db?, opts, workload)?,
    ])
}

/// The directory of `p`'s kept run, made now when there is none.
fn run_or_kept(s: &Subject, p: &Prepared, workload: &Workload, opts: &Options) -> Result<PathBuf> {
    match &p.kept_run {
        Some(dir) => Ok(dir.clone()),
        None => run(s.name, &p.named.binary, workload, opts),
    }
}

/// Reads a counted run and compares a twin's with the shipped binary's kept run, if any.
fn finish(
    s: &Subject,
    p: Prepared,
    dir: PathBuf,
    opts: &Options,
    workload: &Workload,
) -> Result<Counted> {
    let profile = Profile::read_dir(&dir, None)
        .with_context(|| format!("cannot read the counts of `{}`", s.name))?;
    let witness = match p.named.twin {
        true => opts
            .kept
            .find(s.binary, workload, Count::Instructions)?
            .and_then(|d| Profile::read_dir(&d, None).ok())
            .map(|shipped| Witness::new(&shipped, &profile)),
        false => None,
    };
    let info = SideInfo {
        variant: s.name.to_string(),
        binary: s.binary.to_path_buf(),
        twin: p.named.twin.then(|| p.named.binary.clone()),
        reused: p.kept_run.is_some(),
        instructions: profile.totals().instructions,
        witness,
    };
    Ok(Counted {
        named: p.named,
        profile,
        info,
    })
}

/// Runs `binary` on `workload` under cachegrind and returns the kept run.
fn run(name: &str, binary: &Path, workload: &Workload, opts: &Options) -> Result<PathBuf> {
    let dest = opts.kept.dir(&file_sha256(binary)?, workload, opts.count());
    if dest.exists() {
        std::fs::remove_dir_all(&dest)
            .with_context(|| format!("cannot remove {}", dest.display()))?;
    }
    let run_opts = crate::workload::RunOptions {
        allow_remote: opts.allow_remote,
        count: Some(opts.count()),
        keep_cachegrind: Some(dest.clone()),
        ..Default::default()
    };
    crate::workload::run_once(binary, workload, &run_opts)
        .with_context(|| format!("`{name}` on `{}` under cachegrind", workload.name))?;
    Ok(dest)
}

/// The metric's cost of every symbol.
fn by_symbol(p: &Profile, metric: Metric) -> Result<BTreeMap<String, u64>> {
    p.functions
        .iter()
        .map(|(sym, values)| {
            let c = p.counts(values);
            let v = match metric {
                Metric::Instructions => Some(c.instructions),
                Metric::CyclesEst => c.cycles_est,
            };
            Ok((
                sym.clone(),
                v.context("estimated cycles need a run with the cache simulated")?,
            ))
        })
        .collect()
}

fn namer(sides: &[(&Subject, &Counted)]) -> Result<Namer> {
    let builder = sides[0].0.builder;
    let deps: Vec<std::path::PathBuf> = sides
        .iter()
        .map(|(s, c)| {
            crate::size::rlib_dirs(
                &s.builder.variant_dir(&c.named.variant),
                s.builder.target(),
                &c.named.variant.base_profile,
                &s.builder.rustc().sysroot,
            )[0]
            .0
            .clone()
        })
        .collect();
    let sysroot = builder
        .rustc()
        .sysroot
        .join("lib/rustlib")
        .join(builder.target())
        .join("lib");
    let deps: Vec<&Path> = deps.iter().map(|d| d.as_path()).collect();
    Namer::new(&deps, &sysroot)
}

/// What the kept runs of the shipped binaries say about their twins.
fn witness_notes(sides: &[&Counted]) -> Vec<String> {
    sides
        .iter()
        .filter_map(|c| Some(c.info.witness.as_ref()?.describe(&c.info.variant)))
        .collect()
}

/// What each build's debug info shows about the listed functions: where the ones it lacks went,
/// and where it inlined copies of the ones it has too.
fn inlined(
    shell: &Shell,
    functions: &[super::FunctionCost],
    sides: [(&Subject, &Counted); 2],
    opts: &Options,
    notes: &mut Vec<String>,
) -> Vec<Inlined> {
    let mut out = Vec::new();
    for (build, i) in [(Which::B, 1), (Which::A, 0)] {
        let lacks = |f: &&super::FunctionCost| match build {
            Which::A => f.a == 0,
            Which::B => f.b == 0,
        };
        let absent: BTreeSet<String> = functions
            .iter()
            .filter(lacks)
            .map(|f| f.name.clone())
            .collect();
        let both: BTreeSet<String> = functions
            .iter()
            .filter(|f| f.a > 0 && f.b > 0)
            .map(|f| f.name.clone())
            .collect();
        let (s, c) = sides[i];
        let found = absorbers(shell, s, &c.named, &absent, &both, opts).unwrap_or_else(|e| {
            notes.push(format!(
                "where `{}` inlined functions is not known: {e:#}",
                s.name
            ));
            BTreeMap::new()
        });
        for (name, partly) in absent
            .iter()
            .map(|n| (n, false))
            .chain(both.iter().map(|n| (n, true)))
        {
            let into = found.get(name).cloned().unwrap_or_default();
            if !partly || !into.is_empty() {
                out.push(Inlined {
                    name: name.clone(),
                    build,
                    partly,
                    into,
                });
            }
        }
    }
    out
}

/// Callers that absorbed a function, the one that costs most in the build that absorbed it first
/// (the count of inlined copies says less: a copy in a cold path costs nothing).
fn by_cost(inlined: &mut [Inlined], rows: &[diff::Row]) {
    let cost: BTreeMap<&str, super::Costs> =
        rows.iter().map(|r| (r.name.as_str(), r.cost)).collect();
    for o in inlined {
        let of = |name: &String| {
            let c = cost.get(name.as_str()).copied().unwrap_or_default();
            match o.build {
                Which::A => c.a,
                Which::B => c.b,
            }
        };
        // Stable: equal costs keep the order of most copies.
        o.into.sort_by_key(|n| std::cmp::Reverse(of(n)));
    }
}

/// Where `named`'s build inlined `absent` and `both`: its own debug info, or (when that does not
/// show where every one of `absent` went, and it is allowed) a build of it with debug info.
fn absorbers(
    shell: &Shell,
    s: &Subject,
    named: &Named,
    absent: &BTreeSet<String>,
    both: &BTreeSet<String>,
    opts: &Options,
) -> Result<BTreeMap<String, Vec<String>>> {
    if absent.is_empty() && both.is_empty() {
        return Ok(BTreeMap::new());
    }
    let wanted: BTreeSet<String> = absent.union(both).cloned().collect();
    let found = super::inline::absorbers(&named.binary, &wanted)?;
    let unknown = absent.iter().any(|m| !found.contains_key(m));
    if !unknown || !opts.debug_builds {
        return Ok(found);
    }
    shell.verbose(
        "Inlining",
        format!(
            "`{}` has no debug info to tell where functions went: building it with some",
            s.name
        ),
    );
    let debug = twin::with_debug_info(s.builder, named)?;
    super::inline::absorbers(&debug, &wanted)
}

//! `--try-features`: for the largest direct dependencies whose default features the manifest
//! turns on, build a copy of the package with `default-features = false` for one of them, and
//! report the size and whether the workloads still pass. The user's files are only written by
//! `--apply`, through the manifest editor.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::cargo::Selection;
use crate::cargo::{Builder, Project};
use crate::manifest::Edit;
use crate::size::features::DepFeatures;
use crate::size::manifest_edit::{absolutise_paths, without_defaults};
use crate::size::render::thousands;
use crate::size::{Options, SizeReport};
use crate::toml_file::TomlFile;
use crate::tune_config::Workload;
use crate::ui::Shell;
use crate::ui::format_bytes;
use crate::variant::Variant;

/// How many dependencies are tried (each is one build of the package).
pub(crate) const MAX_TRIALS: usize = 3;

/// One dependency tried without its default features.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Trial {
    pub package: String,
    #[serde(rename = "crate")]
    pub krate: String,
    /// Its bytes in the analysed build.
    pub crate_bytes: u64,
    /// Why it was not tried or did not build; `None` when it built.
    pub failure: Option<String>,
    pub crate_bytes_after: Option<u64>,
    pub analysed_bytes_after: Option<u64>,
    pub stripped_size_after: Option<u64>,
    /// Workloads that passed / were run; `None` when none are configured.
    pub workloads_passed: Option<(usize, usize)>,
}

impl Trial {
    fn new(dep: &DepFeatures, crate_bytes: u64) -> Trial {
        Trial {
            package: dep.package.clone(),
            krate: dep.krate.clone(),
            crate_bytes,
            failure: None,
            crate_bytes_after: None,
            analysed_bytes_after: None,
            stripped_size_after: None,
            workloads_passed: None,
        }
    }

    /// Fills in the trial build's sizes and workload results.
    fn built(&mut self, after: &SizeReport, passed: Option<(usize, usize)>) {
        self.crate_bytes_after = Some(
            after
                .crates
                .iter()
                .find(|r| r.name == self.krate)
                .map_or(0, |r| r.bytes.total()),
        );
        self.analysed_bytes_after = Some(after.sections.total());
        self.stripped_size_after = after.stripped_size_bytes;
        self.workloads_passed = passed;
    }

    fn suggestable(&self, before_stripped: Option<u64>) -> bool {
        let smaller = match (self.stripped_size_after, before_stripped) {
            (Some(a), Some(b)) => a < b,
            _ => false,
        };
        self.failure.is_none() && smaller && self.workloads_passed.is_none_or(|(p, n)| p == n)
    }
}

/// Tries the largest eligible dependencies of `report` one at a time.
pub(crate) fn try_features(
    shell: &Shell,
    selection: &Selection,
    builder: &Builder,
    variant: &Variant,
    report: &SizeReport,
    deps: &[DepFeatures],
) -> Result<Vec<Trial>> {
    let project = builder.project();
    let bin = builder.bin();
    if bin.package_manifest != project.root_manifest {
        bail!(
            "--try-features builds a copy of the package, which needs the package to be its own workspace root ({} is a member of {})",
            bin.package_manifest.display(),
            project.root_manifest.display()
        );
    }
    let mut trials = Vec::new();
    for (dep, crate_bytes) in candidates(report, deps).take(MAX_TRIALS) {
        let mut trial = Trial::new(dep, crate_bytes);
        let others = other_default_enablers(dep, &bin.package);
        if !others.is_empty() {
            trial.failure = Some(format!(
                "not tried: its defaults are also enabled by {}",
                others.join(", ")
            ));
            trials.push(trial);
            continue;
        }
        shell.status(
            "Trying",
            format!("{} without its default features", dep.package),
        );
        match run_trial(
            shell,
            selection,
            project,
            &bin.package,
            &bin.config.workload,
            variant,
            &dep.package,
        ) {
            Ok((after, passed)) => trial.built(&after, passed),
            Err(e) => trial.failure = Some(format!("{e:#}")),
        }
        trials.push(trial);
    }
    Ok(trials)
}

/// The dependencies the manifest turns default features on for, largest crate first, with
/// their bytes in `report`.
fn candidates<'a>(
    report: &'a SizeReport,
    deps: &'a [DepFeatures],
) -> impl Iterator<Item = (&'a DepFeatures, u64)> {
    report.crates.iter().filter_map(|c| {
        let dep = deps.iter().find(|d| d.krate == c.name)?;
        let eligible = dep.root_default_on && dep.enabled.iter().any(|f| f == "default");
        eligible.then(|| (dep, c.bytes.total()))
    })
}

/// Packages other than the binary's that also ask for `dep`'s defaults: turning them off in
/// the manifest would change nothing.
fn other_default_enablers<'a>(dep: &'a DepFeatures, bin_package: &str) -> Vec<&'a str> {
    dep.enabled_by
        .iter()
        .filter(|(who, f)| *who != bin_package && f.iter().any(|f| f == "default"))
        .map(|(who, _)| who.as_str())
        .collect()
}

/// Builds the copy with `package`'s defaults off, analyses it and runs the workloads once.
fn run_trial(
    shell: &Shell,
    selection: &Selection,
    project: &Project,
    bin_package: &str,
    workloads: &[Workload],
    variant: &Variant,
    package: &str,
) -> Result<(SizeReport, Option<(usize, usize)>)> {
    // One fixed copy, rewritten per trial: cargo reuses every unit whose features did not change.
    let trial_dir = project.tune_dir().join("size-trial");
    let copy = trial_dir.join("package");
    copy_package(&project.workspace_root, &copy, &project.target_dir)?;
    let manifest = copy.join("Cargo.toml");
    let mut file = TomlFile::read(&project.root_manifest)?;
    absolutise_paths(&mut file.doc, &project.workspace_root);
    if !without_defaults(&mut file.doc, package)? {
        bail!("not tried: no `{package}` entry in [dependencies] to change");
    }
    std::fs::write(&manifest, file.doc.to_string())
        .with_context(|| format!("cannot write {}", manifest.display()))?;

    let args = Selection {
        manifest_path: Some(manifest.clone()),
        package: Some(bin_package.to_string()),
        target_dir: Some(trial_dir.join("target")),
        ..selection.clone()
    };
    let trial_project = Project::load(&args)?;
    let bin = trial_project.bin_target(&args)?;
    let builder = Builder::new(shell, &trial_project, &bin, &args)?;
    let (build, report) = crate::size::variant::analyse_variant(
        shell,
        &builder,
        variant,
        Options {
            split_std: false,
            bin_crate: Some(bin.bin.replace('-', "_")),
            by_name: false,
        },
    )
    .map_err(|e| anyhow::anyhow!("does not build without its default features: {e:#}"))?;
    if workloads.is_empty() {
        return Ok((report, None));
    }
    let mut passed = 0;
    for w in workloads {
        let ok = crate::workload::run_once(&build.binary, w, &Default::default()).is_ok();
        passed += usize::from(ok);
    }
    Ok((report, Some((passed, workloads.len()))))
}

/// Copies the package's files (not its target dir, not `.git`) into `to`, replacing what was there.
fn copy_package(from: &Path, to: &Path, target_dir: &Path) -> Result<()> {
    if to.exists() {
        std::fs::remove_dir_all(to).with_context(|| format!("cannot clear {}", to.display()))?;
    }
    let skip: Vec<PathBuf> = vec![
        from.join("target"),
        from.join(".git"),
        target_dir.to_path_buf(),
    ];
    copy_dir(from, to, &skip)
}

fn copy_dir(from: &Path, to: &Path, skip: &[PathBuf]) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let path = entry.path();
        if skip.iter().any(|s| s == &path) {
            continue;
        }
        let dest = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_dir(&path, &dest, skip)?;
        } else if kind.is_file() {
            std::fs::copy(&path, &dest)
                .with_context(|| format!("cannot copy {}", path.display()))?;
        }
    }
    Ok(())
}

/// The trial table, against the analysed build's `strip -s` size.
pub(crate) fn render(trials: &[Trial], before_stripped: Option<u64>) -> String {
    if trials.is_empty() {
        return "--try-features: no large direct dependency has default features your manifest could turn off.\n".into();
    }
    let mut s = String::from("Without default features (one dependency at a time):\n");
    for t in trials {
        let line = match &t.failure {
            Some(why) => format!("  {}: {}", t.package, crate::ui::first_line(why)),
            None => {
                let size = match (t.stripped_size_after, before_stripped) {
                    (Some(a), Some(b)) => format!(
                        "stripped {} → {} ({:+.1}%)",
                        format_bytes(b),
                        format_bytes(a),
                        100.0 * (a as f64 - b as f64) / b as f64
                    ),
                    _ => "stripped size unknown".into(),
                };
                let workloads = match t.workloads_passed {
                    Some((p, n)) if p == n => format!("workloads pass ({p}/{n})"),
                    Some((p, n)) => format!("workloads FAIL ({p}/{n} pass)"),
                    None => "no workloads configured to check it".into(),
                };
                format!(
                    "  {}: {} bytes → {}; {size}; {workloads}{}",
                    t.package,
                    thousands(t.crate_bytes),
                    thousands(t.crate_bytes_after.unwrap_or(0)),
                    if t.suggestable(before_stripped) {
                        "  ← suggestion"
                    } else {
                        ""
                    }
                )
            }
        };
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// Writes the best suggestion (largest saving whose workloads pass) into the user's manifest.
pub(crate) fn apply_best(
    shell: &Shell,
    manifest: &Path,
    trials: &[Trial],
    before: Option<u64>,
) -> Result<()> {
    let Some(best) = trials
        .iter()
        .filter(|t| t.suggestable(before))
        .min_by_key(|t| t.stripped_size_after)
    else {
        shell.note("--apply: no suggestion to write (none built smaller with passing workloads)");
        return Ok(());
    };
    let mut file = TomlFile::read(manifest)?;
    without_defaults(&mut file.doc, &best.package)?;
    let edit = Edit::new(manifest.to_path_buf(), file.text.clone(), file.rendered());
    let root = manifest.parent().unwrap_or(Path::new("."));
    crate::manifest::diff::show(shell, std::slice::from_ref(&edit), root);
    let read_only = crate::manifest::write::ReadOnly::Refuse { force_flag: false };
    crate::manifest::write::commit(std::slice::from_ref(&edit), read_only, || Ok(()))?;
    shell.status(
        "Applied",
        format!(
            "`{}` without default features in {}",
            best.package,
            manifest.display()
        ),
    );
    Ok(())
}

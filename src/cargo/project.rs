//! Project discovery through `cargo metadata`: the workspace, the package, the binary and its tune config.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cargo_metadata::{Metadata, Package, TargetKind};

use crate::cargo::Selection;
use crate::cargo::cargo_cmd;
use crate::tune_config::TuneConfig;

/// The workspace cargo-tune works in.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub workspace_root: PathBuf,
    /// The workspace root's Cargo.toml: the only place cargo reads `[profile.*]` from.
    pub root_manifest: PathBuf,
    pub target_dir: PathBuf,
    pub metadata: Metadata,
    /// The manifest the user pointed at (or the one found from the working directory).
    pub manifest: PathBuf,
}

/// The binary target being tuned, with its package and configuration.
#[derive(Debug, Clone)]
pub struct BinTarget {
    pub package: String,
    pub package_manifest: PathBuf,
    pub package_dir: PathBuf,
    pub bin: String,
    pub config: TuneConfig,
}

impl Project {
    pub(crate) fn load(args: &Selection) -> Result<Project> {
        let manifest = locate_manifest(args.manifest_path.as_deref())?;
        let mut cmd = cargo_cmd().args(["metadata", "--format-version", "1", "--no-deps"]);
        cmd = cmd.arg("--manifest-path").arg(&manifest);
        if args.locked {
            cmd = cmd.arg("--locked");
        }
        if args.offline {
            cmd = cmd.arg("--offline");
        }
        let out = cmd.run_unchecked()?;
        if !out.success() {
            let stderr = out.stderr_str();
            let msg = stderr.trim().trim_start_matches("error: ");
            bail!(
                "cannot read the cargo project at {}:\n{msg}",
                manifest.display()
            );
        }
        let metadata: Metadata =
            serde_json::from_slice(&out.stdout).context("cannot parse `cargo metadata` output")?;
        let workspace_root: PathBuf = metadata.workspace_root.clone().into();
        let target_dir = match &args.target_dir {
            Some(d) => std::env::current_dir()?.join(d),
            None => metadata.target_directory.clone().into(),
        };
        Ok(Project {
            root_manifest: workspace_root.join("Cargo.toml"),
            workspace_root,
            target_dir,
            metadata,
            manifest,
        })
    }

    /// The packages that belong to the workspace.
    pub(crate) fn members(&self) -> Vec<&Package> {
        self.metadata.workspace_packages()
    }

    /// `<target-dir>/tune`: everything cargo-tune writes lives under it.
    pub(crate) fn tune_dir(&self) -> PathBuf {
        self.target_dir.join("tune")
    }

    /// Picks the package: `-p`, else the package whose manifest the user pointed at,
    /// else the only member with a binary.
    pub(crate) fn package(&self, args: &Selection) -> Result<&Package> {
        let members = self.members();
        if let Some(spec) = &args.package {
            return members
                .iter()
                .copied()
                .find(|p| p.name.as_str() == spec.as_str())
                .with_context(|| {
                    let names: Vec<_> = members.iter().map(|p| p.name.as_str()).collect();
                    format!(
                        "package `{spec}` is not a member of the workspace; members: {}",
                        names.join(", ")
                    )
                });
        }
        if let Some(p) = members
            .iter()
            .find(|p| p.manifest_path.as_std_path() == self.manifest)
        {
            return Ok(p);
        }
        if let Some(bin) = &args.bin {
            let with_bin: Vec<_> = members
                .iter()
                .filter(|p| bins(p).contains(&bin.as_str()))
                .collect();
            if let [only] = with_bin.as_slice() {
                return Ok(only);
            }
        }
        let with_bins: Vec<&Package> = members
            .iter()
            .copied()
            .filter(|p| !bins(p).is_empty())
            .collect();
        match with_bins.as_slice() {
            [only] => Ok(only),
            [] => bail!(
                "no package in the workspace at {} has a binary target",
                self.workspace_root.display()
            ),
            many => {
                let names: Vec<_> = many.iter().map(|p| p.name.as_str()).collect();
                bail!(
                    "the workspace has several packages with binaries; pick one with -p: {}",
                    names.join(", ")
                )
            }
        }
    }

    /// Picks the binary to tune and reads its tune configuration.
    pub(crate) fn bin_target(&self, args: &Selection) -> Result<BinTarget> {
        let package = self.package(args)?;
        let config = self.tune_config(package)?;
        let names = bins(package);
        let wanted = args.bin.clone().or_else(|| config.bin.clone());
        let bin = match (wanted, names.as_slice()) {
            (_, []) => bail!(
                "package `{}` has no binary target (it is a library); cargo tune tunes binaries: add src/main.rs or a [[bin]] target, or pick another package with -p",
                package.name
            ),
            (Some(b), names) if names.contains(&b.as_str()) => b,
            (Some(b), names) => {
                bail!(
                    "no binary `{b}` in package `{}`; available binaries: {}",
                    package.name,
                    names.join(", ")
                )
            }
            (None, [only]) => only.to_string(),
            (None, names) => bail!(
                "package `{}` has several binaries; pick one with --bin (or `bin = \"…\"` in [package.metadata.tune]): {}",
                package.name,
                names.join(", ")
            ),
        };
        let package_manifest: PathBuf = package.manifest_path.clone().into();
        let package_dir = package_manifest
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        Ok(BinTarget {
            package: package.name.to_string(),
            package_manifest,
            package_dir,
            bin,
            config,
        })
    }

    /// `[workspace.metadata.tune]` layered under `[package.metadata.tune]`.
    pub(crate) fn tune_config(&self, package: &Package) -> Result<TuneConfig> {
        let ws = TuneConfig::from_metadata(
            &self.metadata.workspace_metadata,
            "workspace.metadata.tune",
            &self.root_manifest,
        )?;
        let pkg = TuneConfig::from_metadata(
            &package.metadata,
            "package.metadata.tune",
            package.manifest_path.as_std_path(),
        )?;
        Ok(TuneConfig::layered(ws, pkg))
    }
}

fn bins(p: &Package) -> Vec<&str> {
    p.targets
        .iter()
        .filter(|t| t.kind.contains(&TargetKind::Bin))
        .map(|t| t.name.as_str())
        .collect()
}

/// The Cargo.toml to use: the given path, or the nearest one from the working directory up.
fn locate_manifest(given: Option<&Path>) -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    if let Some(p) = given {
        let p = cwd.join(p);
        if p.file_name().is_none_or(|n| n != "Cargo.toml") {
            bail!(
                "the manifest-path must be a path to a Cargo.toml file, not {}",
                p.display()
            );
        }
        if !p.is_file() {
            bail!("manifest path `{}` does not exist", p.display());
        }
        return Ok(p);
    }
    cwd.ancestors().map(|d| d.join("Cargo.toml")).find(|p| p.is_file()).with_context(|| {
        format!("could not find `Cargo.toml` in `{}` or any parent directory: this is not a cargo project (use --manifest-path)", cwd.display())
    })
}

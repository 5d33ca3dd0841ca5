//! Per dependency: its enabled features and who enables them, from `cargo metadata`'s resolve,
//! so the bytes a crate contributes can be read next to the features that pulled them in.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use cargo_metadata::{DependencyKind, Metadata, Package, PackageId};
use serde::{Deserialize, Serialize};

use crate::cargo::Selection;
use crate::cargo::cargo_cmd;

/// One dependency's features.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DepFeatures {
    pub package: String,
    pub version: String,
    /// The crate name its code carries (`serde_json`), as in the size table.
    #[serde(rename = "crate")]
    pub krate: String,
    pub enabled: Vec<String>,
    /// Who asks for which features: `(package, features)`; `package (feature f)` when one of
    /// that package's own features asks for them.
    pub enabled_by: Vec<(String, Vec<String>)>,
    /// The root package depends on it directly with default features on: `--try-features`
    /// can try it with `default-features = false`.
    pub root_default_on: bool,
}

/// Reads the resolve of the package at `manifest` for `target`, with the user's feature flags.
pub fn load(manifest: &Path, target: &str, cargo: &Selection) -> Result<Metadata> {
    let mut cmd = cargo_cmd()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--filter-platform",
            target,
        ])
        .arg("--manifest-path")
        .arg(manifest);
    for f in cargo.cargo_flags() {
        cmd = cmd.arg(f);
    }
    let out = cmd.run_unchecked()?;
    if !out.success() {
        bail!("`cargo metadata` failed:\n{}", out.stderr_str().trim());
    }
    serde_json::from_slice(&out.stdout).context("cannot parse `cargo metadata` output")
}

/// The features of every dependency reachable from `root` through normal dependencies.
pub fn dependency_features(meta: &Metadata, root: &str) -> Result<Vec<DepFeatures>> {
    let resolve = meta
        .resolve
        .as_ref()
        .context("`cargo metadata` gave no resolve")?;
    let pkg = |id: &PackageId| meta.packages.iter().find(|p| &p.id == id);
    let root_id = meta
        .workspace_members
        .iter()
        .find(|id| pkg(id).is_some_and(|p| p.name.as_str() == root))
        .with_context(|| format!("package `{root}` is not in the workspace"))?;
    let nodes: BTreeMap<&PackageId, &cargo_metadata::Node> =
        resolve.nodes.iter().map(|n| (&n.id, n)).collect();

    // Walk normal edges from the root: build scripts and proc-macros add nothing to the binary.
    let mut reachable: BTreeSet<&PackageId> = BTreeSet::new();
    let mut stack = vec![root_id];
    while let Some(id) = stack.pop() {
        if !reachable.insert(id) {
            continue;
        }
        if let Some(node) = nodes.get(id) {
            for d in &node.deps {
                let normal = d.dep_kinds.is_empty()
                    || d.dep_kinds.iter().any(|k| k.kind == DependencyKind::Normal);
                if normal {
                    stack.push(&d.pkg);
                }
            }
        }
    }

    let mut enablers: BTreeMap<&PackageId, Vec<(String, Vec<String>)>> = BTreeMap::new();
    let mut root_default_on: BTreeSet<&PackageId> = BTreeSet::new();
    for id in &reachable {
        let (Some(parent), Some(node)) = (pkg(id), nodes.get(id)) else {
            continue;
        };
        let parent_features: Vec<&str> = node.features.iter().map(|f| f.as_str()).collect();
        for d in &node.deps {
            let Some(child) = pkg(&d.pkg) else { continue };
            let Some(decl) = declaration(parent, child, &d.name) else {
                continue;
            };
            let mut asked: Vec<String> = decl.features.clone();
            if decl.uses_default_features && child.features.contains_key("default") {
                asked.insert(0, "default".into());
            }
            if !asked.is_empty() {
                enablers
                    .entry(&d.pkg)
                    .or_default()
                    .push((parent.name.to_string(), asked));
            }
            if *id == root_id && decl.uses_default_features && decl.kind == DependencyKind::Normal {
                root_default_on.insert(&d.pkg);
            }
            // `[features] x = ["dep/f"]` in the parent, for each enabled feature x.
            let dep_key = decl.rename.as_deref().unwrap_or(&decl.name);
            for feature in &parent_features {
                let Some(entries) = parent.features.get(*feature) else {
                    continue;
                };
                let via: Vec<String> = entries
                    .iter()
                    .filter_map(|e| {
                        let (dep, f) = e.split_once('/')?;
                        (dep.trim_end_matches('?') == dep_key).then(|| f.to_string())
                    })
                    .collect();
                if !via.is_empty() {
                    enablers
                        .entry(&d.pkg)
                        .or_default()
                        .push((format!("{} (feature {feature})", parent.name), via));
                }
            }
        }
    }

    let mut out = Vec::new();
    for id in reachable {
        if id == root_id {
            continue;
        }
        let (Some(p), Some(node)) = (pkg(id), nodes.get(id)) else {
            continue;
        };
        let krate = p
            .targets
            .iter()
            .find(|t| t.is_lib() || t.is_rlib())
            .map(|t| t.name.replace('-', "_"))
            .unwrap_or_else(|| p.name.replace('-', "_"));
        out.push(DepFeatures {
            package: p.name.to_string(),
            version: p.version.to_string(),
            krate,
            enabled: node.features.iter().map(|f| f.to_string()).collect(),
            enabled_by: enablers.remove(id).unwrap_or_default(),
            root_default_on: root_default_on.contains(id),
        });
    }
    out.sort_by(|a, b| a.krate.cmp(&b.krate));
    Ok(out)
}

/// The parent's `[dependencies]` entry that resolved to `child` (renames included).
fn declaration<'a>(
    parent: &'a Package,
    child: &Package,
    lib_name: &str,
) -> Option<&'a cargo_metadata::Dependency> {
    parent
        .dependencies
        .iter()
        .filter(|d| d.kind == DependencyKind::Normal)
        .find(|d| match &d.rename {
            Some(r) => r.replace('-', "_") == lib_name,
            None => d.name == child.name.as_str(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_crate_s_features_name_their_enablers() {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let host = crate::toolchain::Rustc::detect().unwrap().host;
        let meta = load(&manifest, &host, &Selection::default()).unwrap();
        let deps = dependency_features(&meta, "cargo-tune").unwrap();
        let clap = deps.iter().find(|d| d.package == "clap").unwrap();
        assert!(clap.enabled.contains(&"derive".to_string()), "{clap:?}");
        let (who, what) = &clap.enabled_by[0];
        assert_eq!(who, "cargo-tune");
        assert!(what.contains(&"derive".to_string()) && what.contains(&"default".into()));
        assert!(clap.root_default_on);
        let object = deps.iter().find(|d| d.package == "object").unwrap();
        assert!(
            !object.root_default_on,
            "object is declared without defaults"
        );
        assert!(deps.iter().all(|d| d.package != "insta"), "dev-dependency");
    }
}

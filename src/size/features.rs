//! Per dependency: its enabled features and who enables them, from `cargo metadata`'s resolve,
//! so the bytes a crate contributes can be read next to the features that pulled them in.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use cargo_metadata::{Dependency, DependencyKind, Metadata, Node, Package, PackageId};
use serde::{Deserialize, Serialize};

use crate::cargo::Selection;
use crate::cargo::cargo_cmd;

/// One dependency's features.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DepFeatures {
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
pub(crate) fn load(manifest: &Path, target: &str, cargo: &Selection) -> Result<Metadata> {
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
pub(crate) fn dependency_features(meta: &Metadata, root: &str) -> Result<Vec<DepFeatures>> {
    let graph = Graph::new(meta)?;
    let root_id = graph.workspace_member(root)?;
    let reachable = graph.reachable_from(root_id);
    let mut enablers = Enablers::default();
    for id in &reachable {
        enablers.read_package(&graph, id, root_id);
    }
    let mut out: Vec<DepFeatures> = reachable
        .into_iter()
        .filter(|id| *id != root_id)
        .filter_map(|id| enablers.row(&graph, id))
        .collect();
    out.sort_by(|a, b| a.krate.cmp(&b.krate));
    Ok(out)
}

/// The resolved dependency graph: packages and their resolve nodes by id.
struct Graph<'a> {
    meta: &'a Metadata,
    nodes: BTreeMap<&'a PackageId, &'a Node>,
}

impl<'a> Graph<'a> {
    fn new(meta: &'a Metadata) -> Result<Self> {
        let resolve = meta
            .resolve
            .as_ref()
            .context("`cargo metadata` gave no resolve")?;
        let nodes = resolve.nodes.iter().map(|n| (&n.id, n)).collect();
        Ok(Graph { meta, nodes })
    }

    fn package(&self, id: &PackageId) -> Option<&'a Package> {
        self.meta.packages.iter().find(|p| &p.id == id)
    }

    fn workspace_member(&self, name: &str) -> Result<&'a PackageId> {
        self.meta
            .workspace_members
            .iter()
            .find(|id| self.package(id).is_some_and(|p| p.name.as_str() == name))
            .with_context(|| format!("package `{name}` is not in the workspace"))
    }

    /// Packages reached over normal edges: build scripts and proc-macros add nothing to the binary.
    fn reachable_from(&self, root: &'a PackageId) -> BTreeSet<&'a PackageId> {
        let mut reachable = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if !reachable.insert(id) {
                continue;
            }
            if let Some(node) = self.nodes.get(id) {
                for d in &node.deps {
                    let normal = d.dep_kinds.is_empty()
                        || d.dep_kinds.iter().any(|k| k.kind == DependencyKind::Normal);
                    if normal {
                        stack.push(&d.pkg);
                    }
                }
            }
        }
        reachable
    }
}

/// Who asks for each dependency's features, gathered over every parent's declarations.
#[derive(Default)]
struct Enablers<'a> {
    by: BTreeMap<&'a PackageId, Vec<(String, Vec<String>)>>,
    root_default_on: BTreeSet<&'a PackageId>,
}

impl<'a> Enablers<'a> {
    /// Records what package `id` asks of each of its dependencies.
    fn read_package(&mut self, graph: &Graph<'a>, id: &'a PackageId, root_id: &PackageId) {
        let (Some(parent), Some(node)) = (graph.package(id), graph.nodes.get(id)) else {
            return;
        };
        let parent_features: Vec<&str> = node.features.iter().map(|f| f.as_str()).collect();
        for d in &node.deps {
            let Some(child) = graph.package(&d.pkg) else {
                continue;
            };
            let Some(decl) = declaration(parent, child, &d.name) else {
                continue;
            };
            let asked = declared_features(decl, child);
            if !asked.is_empty() {
                self.push(&d.pkg, parent.name.to_string(), asked);
            }
            if id == root_id && decl.uses_default_features && decl.kind == DependencyKind::Normal {
                self.root_default_on.insert(&d.pkg);
            }
            let dep_key = decl.rename.as_deref().unwrap_or(&decl.name);
            for feature in &parent_features {
                let via = features_via(parent, feature, dep_key);
                if !via.is_empty() {
                    self.push(&d.pkg, format!("{} (feature {feature})", parent.name), via);
                }
            }
        }
    }

    fn push(&mut self, child: &'a PackageId, who: String, features: Vec<String>) {
        self.by.entry(child).or_default().push((who, features));
    }

    /// The row of dependency `id`, taking its enablers.
    fn row(&mut self, graph: &Graph<'a>, id: &'a PackageId) -> Option<DepFeatures> {
        let (p, node) = (graph.package(id)?, graph.nodes.get(id)?);
        Some(DepFeatures {
            package: p.name.to_string(),
            version: p.version.to_string(),
            krate: lib_crate_name(p),
            enabled: node.features.iter().map(|f| f.to_string()).collect(),
            enabled_by: self.by.remove(id).unwrap_or_default(),
            root_default_on: self.root_default_on.contains(id),
        })
    }
}

/// The features a `[dependencies]` entry asks for, `default` first when it keeps the defaults.
fn declared_features(decl: &Dependency, child: &Package) -> Vec<String> {
    let mut asked: Vec<String> = decl.features.clone();
    if decl.uses_default_features && child.features.contains_key("default") {
        asked.insert(0, "default".into());
    }
    asked
}

/// `[features] feature = ["dep/f", "dep?/g"]` in the parent: the dependency's features that
/// the parent's `feature` turns on.
fn features_via(parent: &Package, feature: &str, dep_key: &str) -> Vec<String> {
    let Some(entries) = parent.features.get(feature) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|e| {
            let (dep, f) = e.split_once('/')?;
            (dep.trim_end_matches('?') == dep_key).then(|| f.to_string())
        })
        .collect()
}

/// The crate name its code carries (its lib target's, else the package's), as in the size table.
fn lib_crate_name(p: &Package) -> String {
    p.targets
        .iter()
        .find(|t| t.is_lib() || t.is_rlib())
        .map(|t| t.name.replace('-', "_"))
        .unwrap_or_else(|| p.name.replace('-', "_"))
}

/// The parent's `[dependencies]` entry that resolved to `child` (renames included).
fn declaration<'a>(parent: &'a Package, child: &Package, lib_name: &str) -> Option<&'a Dependency> {
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

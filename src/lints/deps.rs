//! The full dependency graph (`cargo metadata` with dependencies), shared by the dependency lints.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};
use cargo_metadata::{DependencyKind, Metadata, Package, PackageId};

use crate::cargo::{Project, cargo_cmd};
use crate::lints::catalogue::LintOptions;

/// Packages and the edges of the build for one target (dev-dependencies left out).
pub(super) struct Graph {
    pub metadata: Metadata,
    pub members: Vec<PackageId>,
    /// Normal and build edges, after feature resolution.
    pub edges: BTreeMap<PackageId, Vec<PackageId>>,
}

impl Graph {
    pub(super) fn load(project: &Project, opts: &LintOptions) -> Result<Graph> {
        let out = cargo_cmd()
            .args([
                "metadata",
                "--format-version",
                "1",
                "--filter-platform",
                opts.target,
            ])
            .arg("--manifest-path")
            .arg(&project.root_manifest)
            .args(opts.cargo.cargo_flags())
            .cwd(&project.workspace_root)
            .run_unchecked()?;
        if !out.success() {
            bail!(
                "`cargo metadata` failed: {}",
                out.stderr_str().trim().trim_start_matches("error: ")
            );
        }
        let metadata: Metadata =
            serde_json::from_slice(&out.stdout).context("cannot parse `cargo metadata` output")?;
        let resolve = metadata
            .resolve
            .as_ref()
            .context("`cargo metadata` printed no dependency graph")?;
        let mut edges = BTreeMap::new();
        for node in &resolve.nodes {
            let deps = node
                .deps
                .iter()
                .filter(|d| {
                    d.dep_kinds
                        .iter()
                        .any(|k| k.kind != DependencyKind::Development)
                })
                .map(|d| d.pkg.clone())
                .collect();
            edges.insert(node.id.clone(), deps);
        }
        Ok(Graph {
            members: metadata.workspace_members.clone(),
            metadata,
            edges,
        })
    }

    pub(super) fn package(&self, id: &PackageId) -> Option<&Package> {
        self.metadata.packages.iter().find(|p| &p.id == id)
    }

    /// Members no other member depends on: what the workspace builds for its own sake.
    /// (Path dependencies inside the workspace directory are members too, but not roots.)
    pub(super) fn roots(&self) -> Vec<PackageId> {
        self.members
            .iter()
            .filter(|m| {
                !self
                    .members
                    .iter()
                    .any(|o| o != *m && self.edges.get(o).is_some_and(|e| e.contains(m)))
            })
            .cloned()
            .collect()
    }

    /// Every package the roots build, roots included; `skip` edges are left out.
    pub(super) fn reachable(&self, skip: &BTreeSet<(PackageId, PackageId)>) -> BTreeSet<PackageId> {
        let mut seen: BTreeSet<PackageId> = BTreeSet::new();
        let mut stack: Vec<PackageId> = self.roots();
        while let Some(id) = stack.pop() {
            if !seen.insert(id.clone()) {
                continue;
            }
            for dep in self.edges.get(&id).into_iter().flatten() {
                if !skip.contains(&(id.clone(), dep.clone())) {
                    stack.push(dep.clone());
                }
            }
        }
        seen
    }

    /// Whether `id` is a workspace member.
    pub(super) fn is_member(&self, id: &PackageId) -> bool {
        self.members.contains(id)
    }
}

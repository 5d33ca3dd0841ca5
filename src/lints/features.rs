//! Dependencies whose default features pull in crates nothing else needs: candidates for
//! `default-features = false`. Works on the resolved graph from `cargo metadata`: the crates a
//! default feature brings are those that become unreachable when its optional edges are cut.

use std::collections::{BTreeMap, BTreeSet};

use cargo_metadata::{DependencyKind, Package, PackageId};

use crate::lints::catalogue::{Lint, Severity};
use crate::lints::deps::Graph;

/// How many candidates to report at most.
const TOP: usize = 5;

struct Candidate {
    name: String,
    defaults: Vec<String>,
    lost: Vec<String>,
    /// Members that declare it with default features.
    declared_in: Vec<String>,
}

pub(super) fn heavy_defaults(graph: &Graph, out: &mut Vec<Lint>) {
    let all = graph.reachable(&BTreeSet::new());
    let mut found: Vec<Candidate> = all
        .iter()
        .filter_map(|id| candidate(graph, &all, id))
        .collect();
    found.sort_by(|a, b| b.lost.len().cmp(&a.lost.len()).then(a.name.cmp(&b.name)));
    out.extend(found.into_iter().take(TOP).map(Candidate::lint));
}

/// `id` as a candidate: a dependency whose default features bring crates that nothing else
/// needs, asked for with default features only by workspace members (whose manifests can change).
fn candidate(graph: &Graph, all: &BTreeSet<PackageId>, id: &PackageId) -> Option<Candidate> {
    let pkg = graph.package(id)?;
    let defaults = pkg.features.get("default").cloned().unwrap_or_default();
    if defaults.is_empty() {
        return None;
    }
    let asks = Requests::of(graph, all, id, pkg);
    // Only the workspace's own manifests can be changed.
    if asks.with_defaults.is_empty() || asks.with_defaults.iter().any(|p| !graph.is_member(p)) {
        return None;
    }
    let by_default = enabled_optional_deps(pkg, &defaults);
    let still = enabled_optional_deps(pkg, &asks.explicit);
    let cut: BTreeSet<&str> = by_default
        .iter()
        .filter(|d| !still.contains(*d))
        .map(String::as_str)
        .collect();
    if cut.is_empty() {
        return None;
    }
    let lost = lost_without(graph, all, id, &cut);
    if lost.is_empty() {
        return None;
    }
    Some(Candidate {
        name: pkg.name.to_string(),
        defaults,
        lost,
        declared_in: sorted_names(graph, &asks.with_defaults),
    })
}

/// Everyone that builds against a package, and how they ask for it.
struct Requests {
    /// Dependents that keep its default features.
    with_defaults: Vec<PackageId>,
    /// The features dependents name explicitly.
    explicit: Vec<String>,
}

impl Requests {
    fn of(graph: &Graph, all: &BTreeSet<PackageId>, id: &PackageId, pkg: &Package) -> Requests {
        let mut asks = Requests {
            with_defaults: Vec::new(),
            explicit: Vec::new(),
        };
        for parent in all {
            if !graph.edges.get(parent).is_some_and(|e| e.contains(id)) {
                continue;
            }
            let Some(parent_pkg) = graph.package(parent) else {
                continue;
            };
            for dep in parent_pkg
                .dependencies
                .iter()
                .filter(|d| d.name == pkg.name.as_str() && d.kind != DependencyKind::Development)
            {
                asks.explicit.extend(dep.features.iter().cloned());
                if dep.uses_default_features {
                    asks.with_defaults.push(parent.clone());
                }
            }
        }
        asks
    }
}

/// The crates (by name) that become unreachable when `id`'s edges to the `cut` dependencies go.
fn lost_without(
    graph: &Graph,
    all: &BTreeSet<PackageId>,
    id: &PackageId,
    cut: &BTreeSet<&str>,
) -> Vec<String> {
    let skip: BTreeSet<(PackageId, PackageId)> = graph.edges[id]
        .iter()
        .filter(|child| {
            graph
                .package(child)
                .is_some_and(|c| cut.contains(c.name.as_str()))
        })
        .map(|child| (id.clone(), child.clone()))
        .collect();
    let left = graph.reachable(&skip);
    let lost: Vec<PackageId> = all.difference(&left).cloned().collect();
    sorted_names(graph, &lost)
}

/// The package names of `ids`, sorted, each once.
fn sorted_names(graph: &Graph, ids: &[PackageId]) -> Vec<String> {
    let mut names: Vec<String> = ids
        .iter()
        .filter_map(|p| graph.package(p).map(|p| p.name.to_string()))
        .collect();
    names.sort();
    names.dedup();
    names
}

impl Candidate {
    /// The note that says what the defaults cost and where to turn them off.
    fn lint(self) -> Lint {
        let shown: Vec<&str> = self.lost.iter().take(8).map(String::as_str).collect();
        let more = if self.lost.len() > shown.len() {
            format!(" and {} more", self.lost.len() - shown.len())
        } else {
            String::new()
        };
        Lint {
            id: "heavy-default-features",
            severity: Severity::Note,
            message: format!(
                "`{}`'s default features ({}) pull in {} crate{} nothing else needs: {}{more}",
                self.name,
                self.defaults.join(", "),
                self.lost.len(),
                if self.lost.len() == 1 { "" } else { "s" },
                shown.join(", ")
            ),
            fix: format!(
                "if you do not use them, declare `{} = {{ …, default-features = false }}` in {} and enable only the features you need",
                self.name,
                self.declared_in
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            location: None,
        }
    }
}

/// The optional dependencies (by package name) that turning on `features` of `pkg` enables.
fn enabled_optional_deps(pkg: &Package, features: &[String]) -> BTreeSet<String> {
    // Dependency key in the manifest (rename or name) → package name, for optional deps only.
    let optional: BTreeMap<&str, &str> = pkg
        .dependencies
        .iter()
        .filter(|d| d.optional && d.kind != DependencyKind::Development)
        .map(|d| (d.rename.as_deref().unwrap_or(&d.name), d.name.as_str()))
        .collect();
    let required: BTreeSet<&str> = pkg
        .dependencies
        .iter()
        .filter(|d| !d.optional && d.kind != DependencyKind::Development)
        .map(|d| d.name.as_str())
        .collect();
    let mut enabled = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = features.to_vec();
    while let Some(f) = stack.pop() {
        if !seen.insert(f.clone()) {
            continue;
        }
        let mut enable = |key: &str| {
            if let Some(name) = optional.get(key)
                && !required.contains(name)
            {
                enabled.insert(name.to_string());
            }
        };
        match pkg.features.get(&f) {
            Some(items) => {
                for item in items {
                    if let Some(dep) = item.strip_prefix("dep:") {
                        enable(dep);
                    } else if let Some((left, _)) = item.split_once('/') {
                        // `dep?/feat` does not turn the dependency on; `dep/feat` does.
                        if !left.ends_with('?') {
                            enable(left);
                        }
                    } else {
                        stack.push(item.clone());
                    }
                }
            }
            // An optional dependency's implicit feature.
            None => enable(&f),
        }
    }
    enabled
}

//! `panic = "abort"` while code calls `std::panic::catch_unwind`: with abort, a panic ends the
//! process before any `catch_unwind` sees it. Scans the sources of the members and of every
//! dependency they build.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cargo_metadata::{Package, TargetKind};

use crate::cargo::Project;
use crate::lints::catalogue::{Lint, Severity};
use crate::lints::deps::Graph;
use crate::manifest::Sources;

/// A profile that aborts on panic, and where that is set.
pub(super) struct AbortProfile {
    pub name: String,
    pub origin: String,
}

/// Profiles (defined ones and the shipping one) whose resolved `panic` is `"abort"`.
pub(super) fn abort_profiles(sources: &Sources, shipping: &str) -> Vec<AbortProfile> {
    let mut names: BTreeSet<String> = sources.defined_profiles().into_iter().collect();
    names.insert(shipping.to_string());
    names
        .into_iter()
        .filter(|n| n != "test" && n != "bench")
        .filter_map(|n| {
            let r = sources.resolve(&n).ok()?;
            let panic = r.get("panic")?;
            (panic.value == "\"abort\"").then(|| AbortProfile {
                origin: panic.origin.to_string(),
                name: n,
            })
        })
        .collect()
}

/// Scans the members and all their (non-dev) dependencies.
pub(super) fn catch_unwind(graph: &Graph, profiles: &[AbortProfile], out: &mut Vec<Lint>) {
    if profiles.is_empty() {
        return;
    }
    let ids = graph.reachable(&BTreeSet::new());
    let packages: Vec<&Package> = ids.iter().filter_map(|id| graph.package(id)).collect();
    report(&packages, profiles, true, out);
}

/// When the dependency graph is unavailable: the members only.
pub(super) fn catch_unwind_members_only(
    project: &Project,
    profiles: &[AbortProfile],
    out: &mut Vec<Lint>,
) {
    report(&project.members(), profiles, false, out);
}

fn report(packages: &[&Package], profiles: &[AbortProfile], with_deps: bool, out: &mut Vec<Lint>) {
    let mut hits: Vec<(String, Vec<String>)> = Vec::new();
    for p in packages {
        let root = p
            .manifest_path
            .parent()
            .map(|d| d.as_std_path().to_path_buf());
        let mut found = Vec::new();
        for dir in source_dirs(p) {
            scan_dir(&dir, &mut found);
        }
        if found.is_empty() {
            continue;
        }
        found.sort();
        let shown: Vec<String> = found
            .iter()
            .map(|(file, line)| {
                let rel = root
                    .as_deref()
                    .and_then(|r| file.strip_prefix(r).ok())
                    .unwrap_or(file);
                format!("{}:{line}", rel.display())
            })
            .collect();
        hits.push((p.name.to_string(), shown));
    }
    if hits.is_empty() {
        return;
    }
    let names: Vec<String> = profiles
        .iter()
        .map(|p| format!("[profile.{}]", p.name))
        .collect();
    let crates: Vec<String> = hits
        .iter()
        .map(|(name, files)| {
            let more = if files.len() > 2 {
                format!(" and {} more", files.len() - 2)
            } else {
                String::new()
            };
            format!("{name} ({}{more})", files[..files.len().min(2)].join(", "))
        })
        .collect();
    let scope = if with_deps {
        ""
    } else {
        " (dependencies not scanned)"
    };
    out.push(Lint {
        id: "panic-abort-catch-unwind",
        severity: Severity::Warning,
        message: format!(
            "{} {} panic = \"abort\", but std::panic::catch_unwind is called in {}{scope}: with abort it catches nothing and a panic ends the process",
            names.join(", "),
            if names.len() == 1 { "sets" } else { "set" },
            crates.join("; ")
        ),
        fix: "keep panic = \"unwind\" for this binary, or check that those crates do not rely on catching panics (servers often isolate request panics this way); `cargo test` always unwinds, so tests will not show the difference".into(),
        location: profiles.first().map(|p| p.origin.clone()),
    });
}

/// Directories holding the code that goes into the binary: lib and bin targets, not tests,
/// examples, build scripts or proc-macros (those run at compile time and always unwind).
fn source_dirs(p: &Package) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = p
        .targets
        .iter()
        .filter(|t| {
            t.kind.iter().any(|k| {
                matches!(
                    k,
                    TargetKind::Lib
                        | TargetKind::RLib
                        | TargetKind::DyLib
                        | TargetKind::CDyLib
                        | TargetKind::StaticLib
                        | TargetKind::Bin
                )
            })
        })
        .filter_map(|t| t.src_path.parent().map(|d| d.as_std_path().to_path_buf()))
        .collect();
    dirs.sort();
    dirs.dedup();
    // `src/bin` lies inside `src`: scan each tree once.
    let all = dirs.clone();
    dirs.retain(|d| !all.iter().any(|o| o != d && d.starts_with(o)));
    dirs
}

/// 1-based lines where `word` appears in code: not in comments (line, block or doc), not in
/// string literals, not inside a `#[cfg(test)]` module.
fn code_mentions(text: &str, word: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut block, mut in_str) = (0usize, false);
    let mut depth = 0usize;
    let mut test_attr = false;
    let mut skip_until: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let mut code = String::new();
        let chars: Vec<char> = line.chars().collect();
        let mut k = 0;
        while k < chars.len() {
            let (c, next) = (chars[k], chars.get(k + 1).copied());
            if block > 0 {
                if c == '*' && next == Some('/') {
                    block -= 1;
                    k += 1;
                } else if c == '/' && next == Some('*') {
                    block += 1;
                    k += 1;
                }
            } else if in_str {
                if c == '\\' {
                    k += 1;
                } else if c == '"' {
                    in_str = false;
                }
            } else if c == '/' && next == Some('/') {
                break;
            } else if c == '/' && next == Some('*') {
                block += 1;
                k += 1;
            } else if c == '"' {
                in_str = true;
            } else {
                code.push(c);
            }
            k += 1;
        }
        let trimmed = code.trim();
        if trimmed.starts_with("#[cfg(test)]") {
            test_attr = true;
        } else if test_attr && !trimmed.is_empty() && !trimmed.starts_with("#[") {
            // The item the attribute applies to: a test module is skipped to its closing brace.
            let is_mod = trimmed.starts_with("mod ") || trimmed.starts_with("pub mod ");
            // `mod tests;` lives in its own file (skipped by name); only inline modules here.
            if is_mod && !trimmed.ends_with(';') {
                skip_until.get_or_insert(depth);
            }
            test_attr = false;
        }
        if skip_until.is_none() && code.contains(word) {
            out.push(i + 1);
        }
        for c in code.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if skip_until.is_some_and(|d| depth <= d) && code.contains('}') {
            skip_until = None;
        }
    }
    out
}

fn scan_dir(dir: &Path, found: &mut Vec<(PathBuf, usize)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if !name.starts_with('.')
                && !matches!(
                    name.as_str(),
                    "target" | "tests" | "test" | "benches" | "examples"
                )
            {
                scan_dir(&path, found);
            }
        } else if name.ends_with(".rs")
            // `#[cfg(test)] mod tests;` files are test code, like the directories above.
            && !matches!(name.as_str(), "tests.rs" | "test.rs")
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            found.extend(
                code_mentions(&text, "catch_unwind")
                    .into_iter()
                    .map(|line| (path.clone(), line)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::code_mentions;

    #[test]
    fn comments_strings_and_test_modules_are_not_code() {
        let text = r#"/// std::panic::catch_unwind(|| ...)
/* catch_unwind
   still a comment */
let s = "catch_unwind";
let r = std::panic::catch_unwind(f); // real
#[cfg(test)]
mod tests {
    fn t() { std::panic::catch_unwind(g); }
}
fn after() { catch_unwind(h) }
#[cfg(test)]
mod more;
fn last() { catch_unwind(i) }
"#;
        assert_eq!(code_mentions(text, "catch_unwind"), vec![5, 10, 13]);
    }
}

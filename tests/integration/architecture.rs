//! The module map stays one-way, checked on the source text (no extra tool needed):
//! `cargo test --test integration architecture`.
//!
//! - No import cycle between top-level modules, nor between any two files (`lib.rs`, every
//!   `mod.rs` and every submodule are nodes): a parent that uses its child may not be used back.
//! - Nothing below the command layer sees the command-line parser.
//! - One import path per item: no `pub use crate::…` façades, and a `pub use child::…` only of
//!   a private child module. The one exception is lib.rs's `api`: every other module is private
//!   to the crate, so from outside `cargo_tune::api::…` is the only path, and inside the crate
//!   nothing imports through `api`.
//!
//! Test code (`tests.rs`, `testing.rs`, a trailing `#[cfg(test)] mod tests { … }`), comments and
//! `pub(in crate::…)` visibilities are not imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Node → the nodes it names, each with one file as evidence.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// Every `.rs` file under `src` as its module path (`""` for lib.rs; main.rs left out).
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|p| p == "mod") {
                    parts.pop();
                }
                match parts.as_slice() {
                    [one] if one == "main" => {}
                    [one] if one == "lib" => {
                        out.insert(String::new(), path);
                    }
                    _ => {
                        out.insert(parts.join("::"), path);
                    }
                }
            }
        }
    }
    out
}

fn is_test_module(module: &str) -> bool {
    let last = module.rsplit("::").next().unwrap_or(module);
    last == "tests" || last == "testing" || last.starts_with("tests_")
}

/// The source with what is not an import removed: the trailing test module, comments,
/// restricted visibilities.
fn code(text: &str) -> String {
    let text = text
        .find("#[cfg(test)]\nmod tests {")
        .map_or(text, |i| &text[..i]);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let cut = line
            .match_indices("//")
            .find(|(i, _)| !line[..*i].ends_with(':') && !line[..*i].ends_with('"'))
            .map_or(line, |(i, _)| &line[..i]);
        out.push_str(cut);
        out.push('\n');
    }
    while let Some(i) = out.find("pub(in ") {
        let end = out[i..].find(')').map_or(out.len(), |e| i + e + 1);
        out.replace_range(i..end, "pub");
    }
    out
}

/// Paths `a::b::c` in `code` that start right after `prefix` (`crate::`, `super::`, a name).
fn paths_after<'a>(code: &'a str, prefix: &'a str) -> impl Iterator<Item = Vec<&'a str>> + 'a {
    code.match_indices(prefix).filter_map(move |(i, _)| {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            return None;
        }
        let rest = &code[i + prefix.len()..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let segs: Vec<&str> = rest[..end].split("::").filter(|s| !s.is_empty()).collect();
        (!segs.is_empty()).then_some(segs)
    })
}

/// The longest module among `base` + `segs`' prefixes (at least `base` itself when known).
fn deepest(mods: &BTreeMap<String, PathBuf>, base: &[&str], segs: &[&str]) -> Option<String> {
    let full: Vec<&str> = base.iter().chain(segs).copied().collect();
    (0..=full.len())
        .rev()
        .map(|k| full[..k].join("::"))
        .find(|m| mods.contains_key(m))
}

/// The file-level graph of `src`.
fn file_graph(src: &Path) -> Graph {
    let mods = modules(src);
    let mut edges = Graph::new();
    for (module, path) in &mods {
        if module.split("::").any(is_test_module) {
            continue;
        }
        let text = code(&std::fs::read_to_string(path).unwrap());
        let here: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
        // `super` is the parent module, for a mod.rs as for a leaf file.
        let parent = &here[..here.len().saturating_sub(1)];
        let evidence = path.strip_prefix(src).unwrap().display().to_string();
        let mut add = |to: Option<String>| {
            if let Some(to) = to.filter(|t| t != module && !t.split("::").any(is_test_module)) {
                edges
                    .entry(module.clone())
                    .or_default()
                    .entry(to)
                    .or_insert_with(|| evidence.clone());
            }
        };
        for segs in paths_after(&text, "crate::") {
            add(deepest(&mods, &[], &segs));
        }
        for segs in paths_after(&text, "super::") {
            add(deepest(&mods, parent, &segs));
        }
        // A bare path through a child module: `child::item` (in lib.rs, `commands::auto::run`).
        let children: BTreeSet<&str> = mods
            .keys()
            .filter_map(|m| {
                let rest = if here.is_empty() {
                    Some(m.as_str())
                } else {
                    m.strip_prefix(module.as_str())?.strip_prefix("::")
                };
                rest.filter(|r| !r.is_empty() && !r.contains("::"))
            })
            .collect();
        for child in children {
            let prefix = format!("{child}::");
            for segs in paths_after(&text, &prefix) {
                let mut base = here.clone();
                base.push(child);
                add(deepest(&mods, &base, &segs));
            }
        }
    }
    edges
}

/// Collapses the file graph to top-level modules (lib.rs left out: it declares them all).
fn top_level(files: &Graph) -> Graph {
    let top = |m: &str| m.split("::").next().unwrap_or("").to_string();
    let mut out = Graph::new();
    for (from, tos) in files {
        for (to, evidence) in tos {
            let (a, b) = (top(from), top(to));
            if a != b && !a.is_empty() && !b.is_empty() {
                out.entry(a)
                    .or_default()
                    .entry(b)
                    .or_insert_with(|| evidence.clone());
            }
        }
    }
    out
}

/// Every cycle's nodes (strongly connected components of more than one node), each printed
/// with the edges inside it.
fn cycles(g: &Graph) -> Vec<String> {
    let nodes: BTreeSet<&String> = g.keys().chain(g.values().flat_map(|m| m.keys())).collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for next in g.get(&n).into_iter().flat_map(|m| m.keys()) {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for n in &nodes {
        if done.contains(*n) || !reaches[n].contains(*n) {
            continue;
        }
        let scc: BTreeSet<&String> = nodes
            .iter()
            .filter(|m| reaches[n].contains(**m) && reaches[**m].contains(*n))
            .copied()
            .collect();
        let mut lines = Vec::new();
        for a in &scc {
            done.insert((*a).clone());
            for (b, ev) in g.get(*a).into_iter().flatten() {
                if scc.contains(b) {
                    lines.push(format!("  {} → {} ({ev})", show(a), show(b)));
                }
            }
        }
        out.push(lines.join("\n"));
    }
    out
}

fn show(m: &str) -> &str {
    if m.is_empty() { "lib.rs" } else { m }
}

/// `pub use` lines that give an item a second import path.
fn facades(src: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (module, path) in modules(src) {
        // lib.rs: its `api` is the crate's public face (the modules themselves are private).
        if module.is_empty() {
            continue;
        }
        let text = code(&std::fs::read_to_string(&path).unwrap());
        let public_children: BTreeSet<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub mod ")?.strip_suffix(';'))
            .collect();
        for line in text.lines().map(str::trim) {
            let Some(used) = line
                .strip_prefix("pub use ")
                .or_else(|| line.strip_prefix("pub(crate) use "))
            else {
                continue;
            };
            let head = used.split("::").next().unwrap_or("");
            if head == "crate" || head == "super" || public_children.contains(head) {
                let rel = path.strip_prefix(src).unwrap().display();
                out.push(format!("  {rel}: {line}"));
            }
        }
    }
    out
}

/// Every violation of the rules in the module docs, as printable lines.
fn violations(src: &Path) -> Vec<String> {
    let files = file_graph(src);
    let mut out = Vec::new();
    for c in cycles(&top_level(&files)) {
        out.push(format!("import cycle between top-level modules:\n{c}"));
    }
    for c in cycles(&files) {
        out.push(format!("import cycle between files:\n{c}"));
    }
    let cli: Vec<String> = files
        .iter()
        .filter(|(m, to)| {
            !m.starts_with("commands")
                && !m.is_empty()
                && m.as_str() != "cli"
                && to.contains_key("cli")
        })
        .map(|(m, to)| format!("  {m} ({})", to["cli"]))
        .collect();
    if !cli.is_empty() {
        out.push(format!(
            "below the commands, importing cli:\n{}",
            cli.join("\n")
        ));
    }
    let through_api: Vec<String> = modules(src)
        .iter()
        .filter(|(m, path)| {
            !m.is_empty() && code(&std::fs::read_to_string(path).unwrap()).contains("crate::api::")
        })
        .map(|(m, _)| format!("  {m}"))
        .collect();
    if !through_api.is_empty() {
        out.push(format!(
            "importing through the public `api` instead of the module itself:\n{}",
            through_api.join("\n")
        ));
    }
    let f = facades(src);
    if !f.is_empty() {
        out.push(format!(
            "a second import path (re-export another module's item, or a public child's):\n{}",
            f.join("\n")
        ));
    }
    out
}

#[test]
fn the_module_map_has_no_cycles_no_back_edges_and_one_path_per_item() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let v = violations(&src);
    assert!(v.is_empty(), "{}", v.join("\n\n"));
}

#[test]
fn the_checks_catch_what_they_are_for() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    // lib.rs ↔ commands (a command using the crate root's error type), a parent and its child,
    // two siblings, a façade and a public child re-exported, a back-edge to the parser, a
    // crate-visible façade, a module importing through lib.rs's public `api` (whose own
    // re-exports are the one allowed path from outside).
    write(
        "lib.rs",
        "pub mod cli;\npub mod commands;\npub mod measure;\npub mod report;\n\
         pub mod api {\n    pub use crate::commands::Ctx;\n}\n\
         pub struct SilentExit;\npub fn run() { commands::check::run(); }\n",
    );
    write(
        "cli.rs",
        "use crate::commands::Ctx;\npub(crate) use crate::measure::exact::Count;\n",
    );
    write("ui.rs", "use crate::api::Ctx;\n");
    write("commands/mod.rs", "pub mod check;\npub struct Ctx;\n");
    write(
        "commands/check.rs",
        "use crate::SilentExit;\npub fn run() {}\n",
    );
    write(
        "measure/mod.rs",
        "pub mod decide;\npub mod exact;\npub use decide::Judgement;\n",
    );
    write(
        "measure/decide.rs",
        "use crate::measure::exact;\n// crate::report::Run is only a comment\npub struct Judgement;\n",
    );
    write("measure/exact.rs", "use super::decide::Judgement;\n");
    write(
        "report/mod.rs",
        "mod table;\npub use crate::measure::decide::Judgement;\npub struct Exporter;\n\
         pub fn render() { table::draw() }\n",
    );
    write(
        "report/table.rs",
        "use crate::report::Exporter;\nuse crate::cli::Args;\npub fn draw() {}\n\
         #[cfg(test)]\nmod tests {\n    use crate::measure::exact;\n}\n",
    );
    let text = violations(src).join("\n\n");
    for expected in [
        "lib.rs → commands::check",
        "commands::check → lib.rs",
        "measure::decide → measure::exact",
        "measure::exact → measure::decide",
        "report → report::table",
        "report::table → report",
        "report::table (report/table.rs)",
        "pub use crate::measure::decide::Judgement",
        "pub use decide::Judgement",
        "cli.rs: pub(crate) use crate::measure::exact::Count",
        "importing through the public `api` instead of the module itself:\n  ui",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    // Comments and test modules are not imports: no edge into report from decide, none from
    // table into measure.
    assert!(!text.contains("measure::decide → report"), "{text}");
    assert!(!text.contains("report::table → measure"), "{text}");
    assert!(!text.contains("lib.rs: pub use"), "{text}");
    // Fixing them clears the list.
    write("cli.rs", "use crate::commands::Ctx;\n");
    write("ui.rs", "use crate::commands::Ctx;\n");
    write(
        "commands/check.rs",
        "use crate::commands::Ctx;\npub fn run() {}\n",
    );
    write("measure/exact.rs", "pub struct Count;\n");
    write("measure/mod.rs", "pub mod decide;\npub mod exact;\n");
    write(
        "report/mod.rs",
        "mod exporter;\nmod table;\npub fn render() { table::draw() }\n",
    );
    write("report/exporter.rs", "pub struct Exporter;\n");
    write(
        "report/table.rs",
        "use super::exporter::Exporter;\npub fn draw() {}\n",
    );
    assert_eq!(violations(src), Vec::<String>::new());
}

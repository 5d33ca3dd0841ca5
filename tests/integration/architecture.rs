//! The module map stays one-way: no import cycle between top-level modules, and nothing below
//! the command layer sees the command-line parser. Lexical (every `crate::x` a file names, test
//! code included), so it needs no extra tool: `cargo test --test integration architecture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the top-level modules its files name, with one file as evidence.
fn imports(src: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let tops: BTreeSet<String> = std::fs::read_dir(src)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            let top = name.strip_suffix(".rs").unwrap_or(&name).to_string();
            (top != "lib" && top != "main").then_some(top)
        })
        .collect();
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .to_string();
            let top = rel.split('/').next().unwrap().trim_end_matches(".rs");
            if !tops.contains(top) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices("crate::") {
                let name: String = text[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name != top && tops.contains(&name) {
                    edges
                        .entry(top.to_string())
                        .or_default()
                        .entry(name)
                        .or_insert_with(|| rel.clone());
                }
            }
        }
    }
    edges
}

/// A cycle through `from`, if there is one, as the list of modules along it.
fn cycle_through(
    edges: &BTreeMap<String, BTreeMap<String, String>>,
    from: &str,
) -> Option<Vec<String>> {
    let mut path = vec![from.to_string()];
    let mut seen = BTreeSet::new();
    fn walk(
        edges: &BTreeMap<String, BTreeMap<String, String>>,
        goal: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let here = path.last().unwrap().clone();
        for next in edges.get(&here).into_iter().flat_map(|m| m.keys()) {
            if next == goal {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(edges, goal, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    walk(edges, from, &mut path, &mut seen).then_some(path)
}

#[test]
fn top_level_modules_have_no_import_cycle_and_only_commands_see_the_cli() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = imports(&src);
    let mut cycles = Vec::new();
    for module in edges.keys() {
        if let Some(path) = cycle_through(&edges, module) {
            let steps: Vec<String> = path
                .iter()
                .zip(path.iter().skip(1).chain(std::iter::once(&path[0])))
                .map(|(a, b)| format!("{a} → {b} ({})", edges[a][b]))
                .collect();
            cycles.push(steps.join(", "));
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
    let cli: Vec<&String> = edges
        .iter()
        .filter(|(m, to)| m.as_str() != "commands" && to.contains_key("cli"))
        .map(|(m, _)| m)
        .collect();
    assert!(
        cli.is_empty(),
        "modules below the commands importing cli: {cli:?}"
    );
}

//! The documentation (README.md and docs/*.md) names every subcommand, every flag, every
//! `[package.metadata.tune]` key and every environment variable the code reads, so the docs
//! cannot fall behind the tool unnoticed. Lexical: it checks that each is mentioned, and a
//! failure lists everything missing at once.

use std::collections::BTreeMap;
use std::path::Path;

use clap::CommandFactory;

/// README.md and every page under docs/, concatenated.
fn docs_text() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut pages: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    for page in pages {
        text.push('\n');
        text.push_str(&std::fs::read_to_string(page).unwrap());
    }
    text
}

/// `needle` occurs with no word character (or `-`) right before or after it.
fn mentions(text: &str, needle: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    text.match_indices(needle).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + needle.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// Every subcommand path (`pgo run`) with its flags (`--variant`, or `-n` when it has no long
/// form); hidden subcommands included, clap's own `--help`/`--version` left out.
fn flags() -> BTreeMap<String, Vec<String>> {
    fn walk(cmd: &clap::Command, path: &str, out: &mut BTreeMap<String, Vec<String>>) {
        let mut flags = Vec::new();
        for arg in cmd.get_arguments() {
            if arg.is_positional() || ["help", "version"].contains(&arg.get_id().as_str()) {
                continue;
            }
            match (arg.get_long(), arg.get_short()) {
                (Some(long), _) => flags.push(format!("--{long}")),
                (None, Some(short)) => flags.push(format!("-{short}")),
                (None, None) => {}
            }
        }
        out.insert(path.to_string(), flags);
        for sub in cmd.get_subcommands() {
            if sub.get_name() != "help" {
                let name = format!("{path} {}", sub.get_name());
                walk(sub, name.trim(), out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&cargo_tune::api::cli::Cli::command(), "", &mut out);
    out
}

/// Environment variables the code reads by name (`var("X")`, `var_os("X")`, clap's
/// `env = "X"`), and the tool overrides `CARGO_TUNE_<TOOL>`.
fn env_vars() -> Vec<String> {
    use cargo_tune::api::toolchain::{LlvmTool, override_var};
    let mut vars: Vec<String> = LlvmTool::ALL
        .into_iter()
        .chain([LlvmTool::Strip])
        .map(override_var)
        .collect();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for opener in ["var(\"", "var_os(\"", "env = \""] {
                for (i, _) in text.match_indices(opener) {
                    let name: String = text[i + opener.len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    if !name.is_empty() && !vars.contains(&name) {
                        vars.push(name);
                    }
                }
            }
        }
    }
    vars.sort();
    vars
}

/// The first cell of every row of every Markdown table whose header starts `| Key |`.
fn key_table_rows(text: &str) -> Vec<String> {
    let mut rows = Vec::new();
    let mut in_key_table = false;
    for line in text.lines() {
        if !line.starts_with('|') {
            in_key_table = false;
        } else if line.starts_with("| Key |") {
            in_key_table = true;
        } else if in_key_table && let Some(cell) = line.split('|').nth(1) {
            rows.push(cell.trim().to_string());
        }
    }
    rows
}

#[test]
fn docs_name_every_subcommand_flag_config_key_and_env_var() {
    let text = docs_text();
    let mut missing = Vec::new();

    let flags = flags();
    for path in flags.keys().filter(|p| !p.is_empty()) {
        if !mentions(&text, &format!("tune {path}")) && !mentions(&text, &format!("`{path}")) {
            missing.push(format!("subcommand `cargo tune {path}`"));
        }
    }
    // A flag several subcommands share (global options, `--json`) is listed once with them all.
    let mut by_flag: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (path, fs) in &flags {
        for f in fs {
            by_flag.entry(f).or_default().push(path);
        }
    }
    for (flag, paths) in by_flag {
        if !mentions(&text, flag) {
            let at: Vec<String> = paths
                .iter()
                .map(|p| format!("`{}`", format!("cargo tune {p}").trim_end()))
                .collect();
            missing.push(format!("flag `{flag}` of {}", at.join(", ")));
        }
    }

    // A key counts as documented where it is written as TOML (`key = …`), heads a row of a
    // table whose header starts `| Key |`, or names its own table (`[[….workload]]`); a word
    // in prose or in the commands table (`bolt` the command) does not.
    let rows = key_table_rows(&text);
    for table in cargo_tune::api::tune_config::config_tables() {
        for key in table.keys {
            let documented = mentions(&text, &format!("{key} ="))
                || rows.contains(&format!("`{key}`"))
                || text.contains(&format!("[{}.{key}]", table.table));
            if !documented {
                missing.push(format!("config key `{key}` of [{}]", table.table));
            }
        }
    }

    for var in env_vars() {
        if !mentions(&text, &var) {
            missing.push(format!("environment variable `{var}`"));
        }
    }

    assert!(
        missing.is_empty(),
        "README.md and docs/*.md do not mention {} thing(s) the tool has; document each \
         where a reader looks for it:\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}

#[test]
fn readme_links_every_docs_page_and_stays_short() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines <= 400,
        "README.md has {lines} lines; move depth into docs/"
    );
    let mut unlinked = Vec::new();
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".md") && !readme.contains(&format!("(docs/{name}")) {
            unlinked.push(name);
        }
    }
    assert!(
        unlinked.is_empty(),
        "README.md does not link docs/{unlinked:?}"
    );
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors a page offers: its headings' slugs and explicit `<a id="…">`s.
fn anchors(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in page.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.push(slug(line.trim_start_matches('#')));
        }
        for (i, _) in line.match_indices("<a id=\"") {
            let rest = &line[i + 7..];
            out.push(rest[..rest.find('"').unwrap_or(0)].to_string());
        }
    }
    out
}

#[test]
fn links_between_pages_resolve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for (i, _) in text.match_indices("](") {
            let target = &text[i + 2..];
            let target = &target[..target.find(')').unwrap_or(0)];
            if target.contains("://") || target.is_empty() {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
            let dest = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            let name = page.strip_prefix(root).unwrap().display();
            if !dest.exists() {
                broken.push(format!("{name}: ({target}) names no file"));
            } else if !anchor.is_empty() {
                let dest_text = std::fs::read_to_string(&dest).unwrap();
                if !anchors(&dest_text).iter().any(|a| a == anchor) {
                    broken.push(format!("{name}: ({target}) names no heading"));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken links:\n  {}",
        broken.join("\n  ")
    );
}

/// Every TOML block of examples/README.md is the example's own configuration, verbatim: the
/// page shows what `cargo tune` reads, not a copy that drifted.
#[test]
fn example_readme_shows_the_examples_own_workloads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let manifests: String = ["textproc", "minisvc"]
        .iter()
        .map(|e| std::fs::read_to_string(root.join(e).join("Cargo.toml")).unwrap())
        .collect();
    let blocks: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect();
    assert_eq!(blocks.len(), 2, "one workload block per example");
    for block in blocks {
        assert!(
            manifests.contains(block),
            "examples/README.md shows a workload no example's Cargo.toml has:\n{block}"
        );
    }
}
